//! The provider installs from the local mirror and serves its full schema to real Terraform.

use acceptance_tests::{REQUIRED_PROVIDERS, Workdir, repo_root};

const CLUSTER_CONTRACT: &[&str] = &[
    "name",
    "vpc_id",
    "public_subnet_ids",
    "private_subnet_ids",
    "certificate_arn",
    "ssl_policy",
    "instance_types",
    "min_size",
    "max_size",
    "on_demand_base_capacity",
    "on_demand_percentage_above_base",
    "spot_allocation_strategy",
    "target_capacity",
    "ami_id",
    "root_volume_size",
    "ebs_kms_key_id",
    "container_insights",
    "deletion_protection",
    "tags",
    "id",
    "arn",
    "alb_arn",
    "alb_dns_name",
    "alb_zone_id",
    "https_listener_arn",
    "alb_security_group_id",
    "instance_security_group_id",
    "autoscaling_group_name",
    "capacity_provider_name",
    "launch_template_id",
    "instance_role_arn",
];

const SERVICE_CONTRACT: &[&str] = &[
    "cluster",
    "name",
    "image",
    "container_port",
    "domain_name",
    "zone_id",
    "cpu",
    "memory",
    "desired_count",
    "environment",
    "secrets",
    "health_check_path",
    "health_check_matcher",
    "deregistration_delay",
    "health_check_grace_period",
    "autoscaling",
    "log_retention_days",
    "wait_for_steady_state",
    "task_role_policy_json",
    "tags",
    "id",
    "arn",
    "url",
    "task_definition_arn",
    "target_group_arn",
    "listener_rule_arn",
    "execution_role_arn",
    "task_role_arn",
    "log_group_name",
];

const PROVIDER_CONTRACT: &[&str] = &[
    "region",
    "profile",
    "assume_role",
    "endpoints",
    "default_tags",
    "skip_credentials_validation",
    "skip_requesting_account_id",
    "max_retries",
];

/// Any attempt to reach a registry or other network host through a proxy-aware client fails.
const NO_NETWORK: &[(&str, &str)] = &[
    ("HTTPS_PROXY", "http://127.0.0.1:9"),
    ("HTTP_PROXY", "http://127.0.0.1:9"),
];

fn mirror_dir() -> String {
    repo_root().join("dist/mirror").display().to_string()
}

#[test]
fn init_installs_the_provider_from_the_local_mirror_with_no_network() {
    let w = Workdir::new();
    w.write("main.tf", REQUIRED_PROVIDERS);
    let init = w
        .run_with(&["init", "-input=false", "-no-color"], NO_NETWORK)
        .success();
    assert!(
        init.stdout.contains("Installing ecsprod/ecsprod v0.1.0"),
        "{}",
        init.stdout
    );
    let lock = std::fs::read_to_string(w.path().join(".terraform.lock.hcl")).expect("lock file");
    assert!(
        lock.contains("registry.terraform.io/ecsprod/ecsprod"),
        "{lock}"
    );
    assert!(
        lock.contains("\"h1:"),
        "lock file records the package hash: {lock}"
    );
}

#[test]
fn providers_lock_works_against_the_filesystem_mirror() {
    let w = Workdir::new();
    w.write("main.tf", REQUIRED_PROVIDERS);
    let mirror = format!("-fs-mirror={}", mirror_dir());
    w.run_with(&["providers", "lock", &mirror, "-no-color"], NO_NETWORK)
        .success();
    let lock = std::fs::read_to_string(w.path().join(".terraform.lock.hcl")).expect("lock file");
    assert!(lock.contains("\"0.1.0\""), "{lock}");
    assert!(lock.contains("\"h1:"), "{lock}");
}

fn schema_attributes<'a>(
    schema: &'a serde_json::Value,
    pointer: &str,
) -> &'a serde_json::Map<String, serde_json::Value> {
    schema
        .pointer(pointer)
        .and_then(|v| v.as_object())
        .unwrap_or_else(|| panic!("no {pointer} in schema: {schema}"))
}

fn assert_described(
    attrs: &serde_json::Map<String, serde_json::Value>,
    names: &[&str],
    what: &str,
) {
    for name in names {
        let attr = attrs
            .get(*name)
            .unwrap_or_else(|| panic!("{what} has no attribute {name}"));
        let description = attr["description"].as_str().unwrap_or_default();
        assert!(
            description.len() > 10,
            "{what}.{name} has no real description: {attr}"
        );
        assert_eq!(
            attr["description_kind"], "markdown",
            "{what}.{name} is not markdown"
        );
        if let Some(nested) = attr
            .pointer("/nested_type/attributes")
            .and_then(|v| v.as_object())
        {
            let inner: Vec<&str> = nested.keys().map(String::as_str).collect();
            assert_described(nested, &inner, &format!("{what}.{name}"));
        }
    }
}

#[test]
fn schema_shows_every_contract_attribute_with_a_description() {
    let w = Workdir::new();
    w.write("main.tf", REQUIRED_PROVIDERS);
    w.init();
    let run = w.run(&["providers", "schema", "-json"]).success();
    let json = run.json();
    let provider = &json["provider_schemas"]["registry.terraform.io/ecsprod/ecsprod"];

    let p = schema_attributes(provider, "/provider/block/attributes");
    assert_described(p, PROVIDER_CONTRACT, "provider");
    let c = schema_attributes(
        provider,
        "/resource_schemas/ecsprod_cluster/block/attributes",
    );
    assert_described(c, CLUSTER_CONTRACT, "ecsprod_cluster");
    let s = schema_attributes(
        provider,
        "/resource_schemas/ecsprod_service/block/attributes",
    );
    assert_described(s, SERVICE_CONTRACT, "ecsprod_service");

    // Defaults are Optional+Computed so the plan can show them; the immutable inputs are required.
    for name in ["ssl_policy", "min_size", "target_capacity", "ami_id"] {
        assert_eq!(c[name]["optional"], true, "{name}");
        assert_eq!(c[name]["computed"], true, "{name}");
    }
    for name in ["name", "vpc_id", "certificate_arn"] {
        assert_eq!(c[name]["required"], true, "{name}");
    }
    for name in ["arn", "alb_dns_name", "launch_template_id"] {
        assert_eq!(c[name]["computed"], true, "{name}");
        assert!(c[name].get("optional").is_none(), "{name} is read-only");
    }
    let autoscaling = &s["autoscaling"]["nested_type"];
    assert_eq!(autoscaling["nesting_mode"], "single");
    for name in [
        "min_capacity",
        "max_capacity",
        "cpu_target",
        "memory_target",
    ] {
        assert_eq!(autoscaling["attributes"][name]["computed"], true, "{name}");
    }
}
