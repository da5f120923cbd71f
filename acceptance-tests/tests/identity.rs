//! Resource identity (Terraform 1.12 and later): every resource returns its identity from
//! apply, refresh and import, and `import { identity = { … } }` imports by it, while the import
//! ID form keeps working.

use acceptance_tests::emulator::REGION;
use acceptance_tests::{Lab, REQUIRED_PROVIDERS, Workdir, cluster_resource, service_resource};
use serde_json::{Value, json};

const CLUSTER: &str = "ident";

fn config(lab: &Lab, imports: &str) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
{cluster}
{service}
resource "ecsprod_scheduled_task" "nightly" {{
  cluster  = ecsprod_cluster.main.id
  name     = "nightly"
  image    = "public.ecr.aws/docker/library/busybox:1.37"
  command  = ["report"]
  schedule = "rate(1 day)"
}}
{imports}"#,
        cluster = cluster_resource(&lab.seed, CLUSTER, ""),
        service = service_resource(&lab.seed, ""),
    )
}

/// The identities of the state's resources, by address.
fn identities(w: &Workdir) -> Value {
    let shown = w.run(&["show", "-json", "-no-color"]).success().json();
    let resources = shown["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    resources
        .iter()
        .map(|r| {
            let address = r["address"].as_str().unwrap_or_default().to_owned();
            (address, r["identity"].clone())
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn expected() -> Value {
    json!({
        "ecsprod_cluster.main": { "name": CLUSTER, "region": REGION },
        "ecsprod_service.api": { "cluster": CLUSTER, "name": "api", "region": REGION },
        "ecsprod_scheduled_task.nightly": { "cluster": CLUSTER, "name": "nightly", "region": REGION },
    })
}

const BY_IDENTITY: &str = r#"
import {
  to       = ecsprod_service.api
  identity = { cluster = "ident", name = "api" }
}

import {
  to       = ecsprod_scheduled_task.nightly
  identity = { cluster = "ident", name = "nightly", region = "ap-south-1" }
}
"#;

#[test]
fn every_resource_has_an_identity_after_apply_refresh_and_import_and_imports_by_identity_or_id() {
    let lab = Lab::start();
    let w = &lab.work;
    w.write("main.tf", &config(&lab, ""));
    w.init();
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    assert_eq!(identities(w), expected(), "after apply");
    w.run(&["apply", "-refresh-only", "-auto-approve", "-input=false"])
        .success();
    assert_eq!(identities(w), expected(), "after refresh");
    w.assert_plan_empty("after create");

    // Forgotten, then found again: the cluster by its import ID, the others by identity.
    for address in [
        "ecsprod_cluster.main",
        "ecsprod_service.api",
        "ecsprod_scheduled_task.nightly",
    ] {
        w.run(&["state", "rm", address]).success();
    }
    w.run(&[
        "import",
        "-input=false",
        "-no-color",
        "ecsprod_cluster.main",
        CLUSTER,
    ])
    .success();
    w.write("main.tf", &config(&lab, BY_IDENTITY));
    let plan = w.run(&["plan", "-input=false", "-no-color"]).success();
    assert!(
        plan.stdout
            .contains("Plan: 2 to import, 0 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    let imported = w
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    // Objects this provider made are all found under its names: nothing to warn about.
    assert!(!imported.stdout.contains("Warning"), "{}", imported.stdout);
    assert_eq!(identities(w), expected(), "after import");
    w.assert_plan_empty("after import");
    let service = w.state_of("ecsprod_service.api");
    assert_eq!(service["id"], "ident/api");
    assert_eq!(service["domain_name"], format!("api.{}", lab.seed.domain));

    // An identity in another region is refused on its attribute; one without a name too.
    w.run(&["state", "rm", "ecsprod_service.api"]).success();
    for (identity, wanted) in [
        (
            r#"{ cluster = "ident", name = "api", region = "eu-west-1" }"#,
            "Identity in another region",
        ),
        (r#"{ cluster = "ident", name = "" }"#, "Invalid identity"),
    ] {
        let import =
            format!("import {{\n  to = ecsprod_service.api\n  identity = {identity}\n}}\n");
        w.write("main.tf", &config(&lab, &import));
        let plan = w.run(&["plan", "-input=false", "-no-color"]);
        assert_ne!(plan.code, 0, "{}", plan.stdout);
        assert!(plan.stderr.contains(wanted), "{}", plan.stderr);
    }
    w.write("main.tf", &config(&lab, BY_IDENTITY));
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    w.write("main.tf", &config(&lab, ""));
    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = lab.leftovers(CLUSTER);
    assert!(left.is_empty(), "left behind: {left:#?}");
}
