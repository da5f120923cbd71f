//! Planning through real Terraform: defaults shown, unknowns kept unknown, no-op plans stay
//! empty, in-place updates and replacements, and protected destroys refused at plan time.

use acceptance_tests::{
    REQUIRED_PROVIDERS, Workdir, applied_value, state_from_create_plan, with_derived,
};
use serde_json::{Value, json};

/// Planned offline (the endpoint is the canary), so the credentials check is skipped.
const CLUSTER: &str = r#"
provider "ecsprod" {
  default_tags                = { Team = "platform" }
  skip_credentials_validation = true
}

resource "ecsprod_cluster" "main" {
  name               = "plan-test"
  vpc_id             = "vpc-0123456789abcdef0"
  public_subnet_ids  = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  private_subnet_ids = ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"]
  certificate_arn    = "arn:aws:acm:ap-south-1:123456789012:certificate/0123abcd-0123-4567-89ab-0123456789ab"
  instance_types     = INSTANCE_TYPES
  tags               = { Service = "edge" }
}

resource "ecsprod_service" "api" {
  cluster        = ecsprod_cluster.main.id
  name           = "api"
  image          = "IMAGE"
  container_port = 8080
  domain_name    = "api.example.com"
  secrets = {
    DATABASE_URL = "arn:aws:ssm:ap-south-1:123456789012:parameter/plan-test/database-url"
  }
}
"#;

fn config(instance_types: &str, image: &str) -> String {
    format!(
        "{REQUIRED_PROVIDERS}{}",
        CLUSTER
            .replace("INSTANCE_TYPES", instance_types)
            .replace("IMAGE", image)
    )
}

fn resource_change<'a>(plan: &'a Value, address: &str) -> &'a Value {
    plan["resource_changes"]
        .as_array()
        .and_then(|changes| changes.iter().find(|c| c["address"] == address))
        .unwrap_or_else(|| panic!("no change for {address} in {plan:#}"))
}

fn show_plan(w: &Workdir, extra: &[&str]) -> Value {
    let mut args = vec!["plan", "-input=false", "-no-color", "-out=tfplan"];
    args.extend_from_slice(extra);
    w.run(&args).success();
    w.run(&["show", "-json", "tfplan"]).success().json()
}

#[test]
fn complete_example_plans_with_an_unknown_vpc_id_showing_defaults() {
    let mut w = Workdir::new();
    // The environment's ARNs are in eu-west-1: plan in that region, as its users do.
    w.set_env("AWS_REGION", "eu-west-1");
    w.copy_from_repo("examples");
    w.write(
        "complete/vpc.tf",
        "resource \"terraform_data\" \"vpc\" {\n  input = \"vpc-0d1e2f3a4b5c60718\"\n}\n",
    );
    w.write(
        "complete/main_override.tf",
        "resource \"ecsprod_cluster\" \"main\" {\n  vpc_id = terraform_data.vpc.output\n}\n",
    );
    // Planned offline: the endpoint is the canary, so the credentials check is skipped.
    w.write(
        "complete/provider_override.tf",
        "provider \"ecsprod\" {\n  skip_credentials_validation = true\n}\n",
    );
    w.run(&["-chdir=complete", "init", "-input=false", "-no-color"])
        .success();
    w.run(&[
        "-chdir=complete",
        "plan",
        "-input=false",
        "-no-color",
        "-var-file=../environments/dev.tfvars",
        "-out=tfplan",
    ])
    .success();
    let plan = w
        .run(&["-chdir=complete", "show", "-json", "tfplan"])
        .success()
        .json();

    let cluster = &resource_change(&plan, "ecsprod_cluster.main")["change"];
    assert_eq!(cluster["actions"], json!(["create"]));
    assert_eq!(
        cluster["after_unknown"]["vpc_id"], true,
        "vpc_id stays unknown"
    );
    assert!(cluster["after"].get("vpc_id").is_none());
    let after = &cluster["after"];
    assert_eq!(after["min_size"], 1, "configured value");
    assert_eq!(after["max_size"], 3, "configured value");
    assert_eq!(after["target_capacity"], 80, "default shown");
    assert_eq!(after["on_demand_base_capacity"], 2, "default shown");
    assert_eq!(after["ssl_policy"], "ELBSecurityPolicy-TLS13-1-2-2021-06");
    assert_eq!(after["spot_allocation_strategy"], "capacity-optimized");
    assert_eq!(
        after["instance_types"],
        json!(["m6i.large", "m6a.large", "m5.large"])
    );
    assert_eq!(after["root_volume_size"], 30);
    assert_eq!(after["container_insights"], true);
    assert_eq!(
        after["deletion_protection"], false,
        "dev.tfvars turns it off"
    );
    assert_eq!(after["id"], "dev", "the id is the name, known at plan time");
    assert_eq!(after["tags_all"], json!({"Environment": "dev"}));
    for computed in [
        "arn",
        "alb_dns_name",
        "https_listener_arn",
        "ami_id",
        "launch_template_id",
    ] {
        assert_eq!(cluster["after_unknown"][computed], true, "{computed}");
    }

    let api = &resource_change(&plan, "ecsprod_service.api")["change"];
    assert_eq!(api["actions"], json!(["create"]));
    let after = &api["after"];
    assert_eq!(after["cluster"], "dev");
    assert_eq!(after["id"], "dev/api");
    assert_eq!(after["url"], "https://api.dev.example.com");
    assert_eq!(after["log_group_name"], "/ecs/dev/api");
    assert_eq!(after["cpu"], 256);
    assert_eq!(after["memory"], 512);
    assert_eq!(after["desired_count"], 2);
    assert_eq!(after["health_check_matcher"], "200-399");
    assert_eq!(after["log_retention_days"], 30);
    assert_eq!(after["wait_for_steady_state"], true);
    assert_eq!(
        after["autoscaling"],
        json!({"min_capacity": 2, "max_capacity": 10, "cpu_target": 60, "memory_target": 75, "queue": null})
    );
    assert_eq!(api["after_unknown"]["task_definition_arn"], true);

    let web = &resource_change(&plan, "module.web[\"www\"].ecsprod_service.this")["change"];
    assert_eq!(web["after"]["url"], "https://www.dev.example.com");
    assert_eq!(
        web["after"]["tags_all"],
        json!({"Environment": "dev", "Service": "www"})
    );
}

/// A working directory whose state says the config was applied.
fn applied_workdir() -> Workdir {
    let w = Workdir::new();
    w.write(
        "main.tf",
        &config(r#"["m6i.large", "m5.large"]"#, "nginx:1.27"),
    );
    w.init();
    let plan = show_plan(&w, &[]);
    // The service's cluster and id are unknown until the cluster exists.
    let state = state_from_create_plan(&plan, |kind, attr| match (kind, attr) {
        ("ecsprod_service", "cluster") => json!("plan-test"),
        ("ecsprod_service", "id") => json!("plan-test/api"),
        _ => applied_value(attr, "plan-test-api"),
    });
    let state = with_derived(&w, state, &["launch_template_settings"]);
    w.write(
        "terraform.tfstate",
        &serde_json::to_string_pretty(&state).expect("state json"),
    );
    w
}

fn plan_exit_code(w: &Workdir, extra: &[&str]) -> (i32, String) {
    let mut args = vec![
        "plan",
        "-input=false",
        "-no-color",
        "-refresh=false",
        "-detailed-exitcode",
    ];
    args.extend_from_slice(extra);
    let run = w.run(&args);
    (run.code, format!("{}\n{}", run.stdout, run.stderr))
}

#[test]
fn unchanged_configuration_plans_no_changes_after_apply() {
    let w = applied_workdir();
    let (code, out) = plan_exit_code(&w, &[]);
    assert_eq!(code, 0, "expected an empty plan:\n{out}");
}

#[test]
fn instance_type_change_updates_the_cluster_in_place() {
    let w = applied_workdir();
    w.write(
        "main.tf",
        &config(r#"["m7i.large", "m6i.large"]"#, "nginx:1.27"),
    );
    let plan = show_plan(&w, &["-refresh=false"]);
    let cluster = &resource_change(&plan, "ecsprod_cluster.main")["change"];
    assert_eq!(cluster["actions"], json!(["update"]));
    assert_eq!(
        cluster["after"]["arn"], "applied-arn",
        "computed values stay known"
    );
    // Whether the new types keep the instances' AMI depends on their architecture, which
    // only EC2 tells: with no AWS to read here, the apply decides (architectures.rs shows the
    // plan keeping it when it can read them).
    assert_eq!(cluster["after_unknown"]["ami_id"], true, "{cluster:#}");
    assert_eq!(
        cluster["after_unknown"]["architecture"], true,
        "{cluster:#}"
    );
    let service = &resource_change(&plan, "ecsprod_service.api")["change"];
    assert_eq!(service["actions"], json!(["no-op"]));
}

#[test]
fn image_change_updates_the_service_in_place_with_a_new_task_definition() {
    let w = applied_workdir();
    w.write(
        "main.tf",
        &config(r#"["m6i.large", "m5.large"]"#, "nginx:1.28"),
    );
    let plan = show_plan(&w, &["-refresh=false"]);
    let service = &resource_change(&plan, "ecsprod_service.api")["change"];
    assert_eq!(service["actions"], json!(["update"]));
    assert_eq!(service["after_unknown"]["task_definition_arn"], true);
    assert_eq!(service["after"]["arn"], "applied-arn");
    assert_eq!(
        service["after"]["target_group_arn"],
        "applied-target_group_arn"
    );
}

#[test]
fn renaming_the_cluster_replaces_it_and_its_services() {
    let w = applied_workdir();
    let renamed = config(r#"["m6i.large", "m5.large"]"#, "nginx:1.27").replace(
        "name               = \"plan-test\"",
        "name               = \"plan-test-2\"",
    );
    w.write("main.tf", &renamed);
    let plan = show_plan(&w, &["-refresh=false"]);
    let cluster = &resource_change(&plan, "ecsprod_cluster.main")["change"];
    assert_eq!(cluster["actions"], json!(["delete", "create"]));
    let service = &resource_change(&plan, "ecsprod_service.api")["change"];
    assert_eq!(service["actions"], json!(["delete", "create"]));
}

#[test]
fn destroy_of_a_protected_cluster_is_refused_at_plan_time() {
    let w = applied_workdir();
    let run = w.run(&[
        "plan",
        "-destroy",
        "-refresh=false",
        "-input=false",
        "-no-color",
    ]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("Cluster is protected from deletion"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("deletion_protection"), "{}", run.stderr);
}

#[test]
fn destroy_of_an_unprotected_cluster_plans_deletes() {
    let w = applied_workdir();
    let state_path = w.path().join("terraform.tfstate");
    let state = std::fs::read_to_string(&state_path).expect("state");
    let unprotected = state.replace(
        "\"deletion_protection\": true",
        "\"deletion_protection\": false",
    );
    assert_ne!(
        state, unprotected,
        "fixture has deletion_protection in state"
    );
    std::fs::write(&state_path, unprotected).expect("write state");
    let plan = show_plan(&w, &["-destroy", "-refresh=false"]);
    let cluster = &resource_change(&plan, "ecsprod_cluster.main")["change"];
    assert_eq!(cluster["actions"], json!(["delete"]));
}
