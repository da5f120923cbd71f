//! Day two: every configurable setting of every resource changes on an existing stack. For each
//! one the apply changes AWS in place (checked through the SDK: the new value set, what it
//! replaces gone) and the next plan is empty. A guard fails when the schema has a configurable
//! attribute without its row, so no setting ships without this proof.

mod job_rows;
mod rows;
mod service_rows;
mod shape_rows;

use std::collections::BTreeMap;

use acceptance_tests::aws_check::Aws;
use acceptance_tests::emulator::Seed;
use acceptance_tests::{Lab, REQUIRED_PROVIDERS, Workdir};

pub const CLUSTER: &str = "day2";

/// The objects a row's change needs besides the seed.
pub struct Extra {
    pub public_subnet: String,
    pub private_subnet: String,
    pub certificate: String,
    pub parameter: String,
    pub zone: String,
}

/// What a row's check gets: the clients, the seed and the extra objects.
pub struct Ctx<'a> {
    pub rt: &'a tokio::runtime::Runtime,
    pub aws: &'a Aws,
    pub seed: &'a Seed,
    pub extra: &'a Extra,
    pub emulator: &'a acceptance_tests::emulator::Emulator,
    pub work: &'a Workdir,
}

/// A change of one setting: `value` replaces the attribute's HCL (`None` removes it), `check`
/// looks at AWS after the apply.
pub struct Row {
    pub attribute: &'static str,
    pub value: fn(&Ctx<'_>) -> Option<String>,
    pub check: fn(&Ctx<'_>) -> Result<(), String>,
}

/// How an attribute that has no change row changes.
pub enum Other {
    /// Changing it replaces the resource (the plan says so; nothing is changed in place).
    Replaces,
    /// Set at creation; changing it afterwards is refused at plan time on the attribute
    /// (`service_connect.rs` proves it).
    FixedAtCreation,
}

/// The HCL of both resources, attribute by attribute.
struct Config {
    cluster: BTreeMap<&'static str, String>,
    service: BTreeMap<&'static str, String>,
    /// Empty: no job in the stack.
    job: BTreeMap<&'static str, String>,
}

impl Config {
    fn new(seed: &Seed) -> Self {
        let quoted = |s: &str| format!("{s:?}");
        let list = |ids: &[String]| {
            format!(
                "[{}]",
                ids.iter().map(|i| quoted(i)).collect::<Vec<_>>().join(", ")
            )
        };
        let cluster = BTreeMap::from([
            ("name", quoted(CLUSTER)),
            ("vpc_id", quoted(&seed.vpc_id)),
            ("public_subnet_ids", list(&seed.public_subnet_ids)),
            ("private_subnet_ids", list(&seed.private_subnet_ids)),
            ("certificate_arn", quoted(&seed.certificate_arn)),
            ("deletion_protection", "false".to_owned()),
        ]);
        let service = BTreeMap::from([
            ("cluster", "ecsprod_cluster.main.id".to_owned()),
            ("name", quoted("api")),
            ("image", quoted("public.ecr.aws/nginx/nginx:1.27")),
            ("container_port", "8080".to_owned()),
            ("domain_name", quoted(&format!("api.{}", seed.domain))),
            ("zone_id", quoted(&seed.zone_id)),
            (
                "secrets",
                format!("{{ DATABASE_URL = {} }}", quoted(&seed.parameter_arn)),
            ),
        ]);
        Self {
            cluster,
            service,
            job: BTreeMap::new(),
        }
    }

    fn render(&self) -> String {
        let block = |kind: &str, attrs: &BTreeMap<&'static str, String>| {
            let body: String = attrs
                .iter()
                .map(|(k, v)| format!("  {k} = {v}\n"))
                .collect();
            let label = match kind {
                "ecsprod_cluster" => "main",
                "ecsprod_service" => "api",
                _ => "nightly",
            };
            format!("resource \"{kind}\" \"{label}\" {{\n{body}}}\n")
        };
        let job = if self.job.is_empty() {
            String::new()
        } else {
            block("ecsprod_scheduled_task", &self.job)
        };
        format!(
            "{REQUIRED_PROVIDERS}\n{}\n{}\n{job}",
            block("ecsprod_cluster", &self.cluster),
            block("ecsprod_service", &self.service)
        )
    }
}

fn lab_with_extra() -> (Lab, Extra) {
    let lab = Lab::start();
    let extra = lab.rt.block_on(rows::extra(&lab.aws, &lab.seed));
    (lab, extra)
}

fn apply(work: &Workdir, what: &str) {
    let run = work.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(
        run.code, 0,
        "{what}: apply failed:\n{}\n{}",
        run.stdout, run.stderr
    );
}

/// Applies each row of `table` to `resource` of a stack, in order, each on top of the last.
fn walk(resource: &str, table: &[Row]) {
    let (lab, extra) = lab_with_extra();
    let mut config = Config::new(&lab.seed);
    if resource == "ecsprod_scheduled_task" {
        config.job = job_rows::base(&lab.seed);
    }
    lab.work.write("main.tf", &config.render());
    lab.work.init();
    apply(&lab.work, "the stack");
    let ctx = Ctx {
        rt: &lab.rt,
        aws: &lab.aws,
        seed: &lab.seed,
        extra: &extra,
        emulator: &lab.emulator,
        work: &lab.work,
    };
    for row in table {
        let attrs = match resource {
            "ecsprod_cluster" => &mut config.cluster,
            "ecsprod_service" => &mut config.service,
            _ => &mut config.job,
        };
        match (row.value)(&ctx) {
            Some(v) => attrs.insert(row.attribute, v),
            None => attrs.remove(row.attribute),
        };
        lab.work.write("main.tf", &config.render());
        let what = format!("{resource}.{}", row.attribute);
        lab.emulator.reset_counters();
        apply(&lab.work, &what);
        if let Err(e) = (row.check)(&ctx) {
            panic!("{what}: {e}");
        }
        lab.work.assert_plan_empty(&what);
    }
    let destroy = lab
        .work
        .run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(destroy.code, 0, "destroy:\n{}", destroy.stderr);
    let left = lab.leftovers(CLUSTER);
    assert!(left.is_empty(), "left behind: {left:#?}");
}

#[test]
fn every_cluster_setting_changes_in_place_on_a_running_stack_and_the_next_plan_is_empty() {
    walk("ecsprod_cluster", &rows::cluster());
}

#[test]
fn every_service_setting_changes_in_place_on_a_running_stack_and_the_next_plan_is_empty() {
    walk("ecsprod_service", &service_rows::rows());
}

#[test]
fn every_scheduled_task_setting_changes_in_place_on_a_running_job_and_the_next_plan_is_empty() {
    walk("ecsprod_scheduled_task", &job_rows::rows());
}

#[test]
fn every_configurable_attribute_of_every_resource_has_its_day_two_row() {
    let work = Workdir::new();
    work.write("main.tf", REQUIRED_PROVIDERS);
    work.init();
    let schema = work.run(&["providers", "schema", "-json"]).success().json();
    let resources =
        &schema["provider_schemas"]["registry.terraform.io/ecsprod/ecsprod"]["resource_schemas"];
    let mut missing = Vec::new();
    for (resource, rows, others) in [
        ("ecsprod_cluster", rows::cluster(), rows::cluster_others()),
        (
            "ecsprod_service",
            service_rows::rows(),
            service_rows::others(),
        ),
        (
            "ecsprod_scheduled_task",
            job_rows::rows(),
            job_rows::others(),
        ),
    ] {
        let attributes = resources[resource]["block"]["attributes"]
            .as_object()
            .unwrap_or_else(|| panic!("no schema for {resource}"));
        assert!(!attributes.is_empty());
        for (name, attr) in attributes {
            let configurable = attr["optional"] == true || attr["required"] == true;
            let covered = rows.iter().any(|r| r.attribute == name.as_str())
                || others.iter().any(|(n, _)| n == name);
            if configurable && !covered {
                missing.push(format!("{resource}.{name}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "configurable attributes without a day-two row: {missing:?}"
    );
}
