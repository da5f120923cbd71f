//! Remote state: `examples/complete` with its `backend.tf.example` copied to `backend.tf`, the S3
//! backend as a user writes it for real AWS (its bucket, key and region unchanged), goes through
//! its life with the state in the emulator's S3. A `-backend-config` file only points the backend
//! at the emulator. Terraform 1.15 locks with a lock object beside the state (`use_lockfile`);
//! Terraform 1.9, which has no lock file, with an item in a DynamoDB table (`dynamodb_table`, as
//! the example's comment says). Each release: the state is in the bucket with the example's
//! resources and not on disk, no lock is left after a command, a lock held elsewhere refuses a
//! second writer until `terraform force-unlock` releases it, the plan is then empty, and destroy
//! leaves nothing behind.

use acceptance_tests::{Lab, repo_root};
use serde_json::{Value, json};

/// The settings that point the example's backend at the emulator, relative to the example.
const BACKEND_CONFIG: &str = "-backend-config=../emulator.s3.tfbackend";

/// The ID of the lock a test holds as another user would.
const FOREIGN_LOCK_ID: &str = "5f1c8f4e-0000-4000-8000-remote-state";

/// The resources `examples/complete` keeps in its state with one web service.
const RESOURCES: [&str; 4] = [
    "ecsprod_cluster.main",
    "ecsprod_scheduled_task.nightly_report",
    "ecsprod_service.api",
    r#"module.web["www"].ecsprod_service.this"#,
];

/// How the backend locks the state.
enum Locking {
    /// `use_lockfile = true`: an object `<key>.tflock` beside the state.
    Lockfile,
    /// `dynamodb_table`: an item whose `LockID` is `<bucket>/<key>`.
    DynamoDb { table: String },
}

/// The backend of `examples/complete/backend.tf.example` in the emulator.
struct Backend<'a> {
    lab: &'a Lab,
    bucket: String,
    key: String,
    region: String,
    locking: Locking,
}

/// The value of the first `name = value` in HCL, also in a comment, without its quotes.
fn hcl_value(hcl: &str, name: &str) -> String {
    hcl.lines()
        .map(|line| line.trim_start_matches([' ', '#']))
        .filter_map(|line| line.strip_prefix(name))
        .find_map(|rest| rest.trim_start().strip_prefix('='))
        .map(|value| value.split(" #").next().unwrap_or_default().trim())
        .map(|value| value.trim_matches('"').to_owned())
        .unwrap_or_else(|| panic!("no {name} = ... in:\n{hcl}"))
}

/// The texts of every `<tag>` of an XML document.
fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split_once(&format!("</{tag}>")))
        .map(|(value, _)| value.to_owned())
        .collect()
}

impl<'a> Backend<'a> {
    /// The example's backend, written to `complete/backend.tf` (with `dynamodb_table` for
    /// `use_lockfile` when `lockfile` is false), with its bucket (and lock table) created and the
    /// settings that point it at the emulator.
    fn from_example(lab: &'a Lab, lockfile: bool) -> Self {
        let example =
            std::fs::read_to_string(repo_root().join("examples/complete/backend.tf.example"))
                .expect("examples/complete/backend.tf.example");
        assert_eq!(hcl_value(&example, "encrypt"), "true", "{example}");
        assert_eq!(hcl_value(&example, "use_lockfile"), "true", "{example}");
        let (backend_tf, locking) = if lockfile {
            (example.clone(), Locking::Lockfile)
        } else {
            let table = hcl_value(&example, "dynamodb_table");
            let hcl: String = example
                .lines()
                .map(|line| match line.trim_start().starts_with("use_lockfile") {
                    true => format!("    dynamodb_table = \"{table}\"\n"),
                    false => format!("{line}\n"),
                })
                .collect();
            (hcl, Locking::DynamoDb { table })
        };
        lab.work.write("complete/backend.tf", &backend_tf);
        let backend = Self {
            lab,
            bucket: hcl_value(&example, "bucket"),
            key: hcl_value(&example, "key"),
            region: hcl_value(&example, "region"),
            locking,
        };
        backend.create_bucket();
        if let Locking::DynamoDb { table } = &backend.locking {
            backend.dynamodb(
                "CreateTable",
                json!({
                    "TableName": table,
                    "AttributeDefinitions": [{ "AttributeName": "LockID", "AttributeType": "S" }],
                    "KeySchema": [{ "AttributeName": "LockID", "KeyType": "HASH" }],
                    "BillingMode": "PAY_PER_REQUEST",
                }),
            );
        }
        let url = &lab.emulator.url;
        lab.work.write(
            "emulator.s3.tfbackend",
            &format!(
                "endpoints                   = {{ s3 = \"{url}\", dynamodb = \"{url}\" }}\n\
                 use_path_style              = true\n\
                 skip_credentials_validation = true\n\
                 skip_requesting_account_id  = true\n"
            ),
        );
        backend
    }

    fn s3(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
        self.lab
            .emulator
            .unsigned("s3", &self.region, method, path, headers, body)
    }

    fn create_bucket(&self) {
        let configuration = format!(
            "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <LocationConstraint>{}</LocationConstraint></CreateBucketConfiguration>",
            self.region
        );
        let path = format!("/{}", self.bucket);
        let (status, body) = self.s3(
            "PUT",
            &path,
            &[("Content-Type", "application/xml")],
            &configuration,
        );
        assert_eq!(status, 200, "CreateBucket {}: {body}", self.bucket);
    }

    /// The keys of every object in the bucket.
    fn objects(&self) -> Vec<String> {
        let (status, body) = self.s3("GET", &format!("/{}?list-type=2", self.bucket), &[], "");
        assert_eq!(status, 200, "ListObjectsV2 {}: {body}", self.bucket);
        xml_values(&body, "Key")
    }

    /// The state object, which must exist.
    fn state(&self) -> Value {
        let (status, body) = self.s3("GET", &format!("/{}/{}", self.bucket, self.key), &[], "");
        assert_eq!(
            status, 200,
            "GetObject {}/{}: {body}",
            self.bucket, self.key
        );
        serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("the state object is not JSON ({e}):\n{body}"))
    }

    /// The addresses of the managed resources the state object holds, sorted.
    fn state_resources(&self) -> Vec<String> {
        let state = self.state();
        let mut addresses: Vec<String> = state["resources"]
            .as_array()
            .unwrap_or_else(|| panic!("no resources in the state object: {state:#}"))
            .iter()
            .filter(|r| r["mode"] == "managed")
            .map(|r| {
                let (kind, name) = (r["type"].as_str(), r["name"].as_str());
                let local = format!("{}.{}", kind.unwrap_or_default(), name.unwrap_or_default());
                match r["module"].as_str() {
                    Some(module) => format!("{module}.{local}"),
                    None => local,
                }
            })
            .collect();
        addresses.sort();
        addresses
    }

    fn dynamodb(&self, action: &str, request: Value) -> Value {
        let target = format!("DynamoDB_20120810.{action}");
        let (status, body) = self.lab.emulator.unsigned(
            "dynamodb",
            &self.region,
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", &target),
            ],
            &request.to_string(),
        );
        assert_eq!(status, 200, "DynamoDB {action}: {body}");
        serde_json::from_str(&body).expect("DynamoDB answers JSON")
    }

    /// The `LockID`s of the lock table's items.
    fn lock_table_ids(&self, table: &str) -> Vec<String> {
        let scan = self.dynamodb("Scan", json!({ "TableName": table }));
        let mut ids: Vec<String> = scan["Items"]
            .as_array()
            .unwrap_or_else(|| panic!("no Items in {scan:#}"))
            .iter()
            .filter_map(|item| item["LockID"]["S"].as_str().map(str::to_owned))
            .collect();
        ids.sort();
        ids
    }

    /// What Terraform names the state it locks: `<bucket>/<key>`.
    fn state_path(&self) -> String {
        format!("{}/{}", self.bucket, self.key)
    }

    /// Panics unless no lock on the state exists.
    fn assert_unlocked(&self, when: &str) {
        match &self.locking {
            Locking::Lockfile => {
                let objects = self.objects();
                assert!(
                    objects.iter().all(|key| !key.ends_with(".tflock")),
                    "a lock object is left {when}: {objects:?}"
                );
            }
            Locking::DynamoDb { table } => {
                let digest = format!("{}-md5", self.state_path());
                let ids = self.lock_table_ids(table);
                assert!(
                    ids.iter().all(|id| *id == digest),
                    "the lock table {when} holds more than the state's digest: {ids:?}"
                );
            }
        }
    }

    /// Holds the state's lock as another user's Terraform would.
    fn hold_foreign_lock(&self) {
        let info = json!({
            "ID": FOREIGN_LOCK_ID,
            "Operation": "OperationTypeApply",
            "Info": "",
            "Who": "colleague@elsewhere",
            "Version": "1.15.0",
            "Created": "2025-01-01T00:00:00Z",
            "Path": self.state_path(),
        })
        .to_string();
        match &self.locking {
            Locking::Lockfile => {
                let path = format!("/{}/{}.tflock", self.bucket, self.key);
                let (status, body) = self.s3(
                    "PUT",
                    &path,
                    &[("Content-Type", "application/json"), ("If-None-Match", "*")],
                    &info,
                );
                assert_eq!(status, 200, "PutObject {path}: {body}");
            }
            Locking::DynamoDb { table } => {
                self.dynamodb(
                    "PutItem",
                    json!({
                        "TableName": table,
                        "Item": { "LockID": { "S": self.state_path() }, "Info": { "S": info } },
                        "ConditionExpression": "attribute_not_exists(LockID)",
                    }),
                );
            }
        }
    }
}

/// The life of `examples/complete` with its state in the example's S3 backend, through the
/// Terraform `launcher` runs (`None`: `ECSPROD_TERRAFORM`'s), which must be release `version`.
fn remote_state_lifecycle(
    launcher: Option<&str>,
    version: &str,
    environment: &str,
    lockfile: bool,
) {
    let lab = Lab::with_terraform(launcher, version);
    lab.complete_example(environment);
    let backend = Backend::from_example(&lab, lockfile);

    let init = lab
        .in_complete(&["init", "-input=false", "-no-color", BACKEND_CONFIG])
        .success();
    assert!(
        init.stdout
            .contains("Successfully configured the backend \"s3\""),
        "{}",
        init.stdout
    );
    backend.assert_unlocked("after init");
    lab.in_complete(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    assert_eq!(backend.state_resources(), RESOURCES);
    assert!(
        !lab.work.path().join("complete/terraform.tfstate").exists(),
        "the state was written to disk"
    );
    assert_eq!(
        backend.state()["outputs"]["urls"]["value"]["api"],
        format!("https://api.{}", lab.seed.domain)
    );
    backend.assert_unlocked("after the apply");

    backend.hold_foreign_lock();
    let refused = lab.in_complete(&["plan", "-input=false", "-no-color"]);
    assert_ne!(
        refused.code, 0,
        "a plan ran under a held lock:\n{}",
        refused.stdout
    );
    for expected in [
        "Error acquiring the state lock",
        FOREIGN_LOCK_ID,
        "colleague@elsewhere",
    ] {
        assert!(
            refused.stderr.contains(expected),
            "{expected:?} is not in:\n{}",
            refused.stderr
        );
    }
    assert_eq!(
        backend.state_resources(),
        RESOURCES,
        "the refused plan changed the state"
    );
    lab.in_complete(&["force-unlock", "-force", "-no-color", FOREIGN_LOCK_ID])
        .success();
    backend.assert_unlocked("after force-unlock");

    let after = lab.in_complete(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(
        after.code, 0,
        "plan after the lock was released is not empty:\n{}\n{}",
        after.stdout, after.stderr
    );
    backend.assert_unlocked("after the plan");
    lab.in_complete(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = lab.leftovers(environment);
    assert!(left.is_empty(), "left behind: {left:#?}");
    assert!(
        backend.state_resources().is_empty(),
        "the state object still holds resources"
    );
    backend.assert_unlocked("after the destroy");
}

#[test]
fn terraform_1_15_keeps_the_state_in_s3_behind_a_lock_file_that_refuses_a_second_writer_and_is_gone_after_each_command()
 {
    remote_state_lifecycle(None, "1.15", "state-s3", true);
}

#[test]
fn terraform_1_9_8_keeps_the_state_in_s3_behind_a_dynamodb_lock_that_refuses_a_second_writer_and_is_gone_after_each_command()
 {
    remote_state_lifecycle(
        Some("tools/terraform-1.9"),
        "1.9.8",
        "state-dynamodb",
        false,
    );
}
