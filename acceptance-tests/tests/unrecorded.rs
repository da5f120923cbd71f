//! Objects whose IDs never reached the state are found by their deterministic names and
//! deleted by `terraform destroy`: a listener rule whose CreateRule answer was lost on every
//! attempt.

use acceptance_tests::{Lab, REQUIRED_PROVIDERS, cluster_resource, service_resource};
use serde_json::json;

const CLUSTER: &str = "unrec";

fn config(lab: &Lab) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
provider "ecsprod" {{
  max_retries = 1
}}

{cluster}
{service}"#,
        cluster = cluster_resource(&lab.seed, CLUSTER, ""),
        service = service_resource(&lab.seed, ""),
    )
}

fn rules_of_the_https_listener(lab: &Lab) -> usize {
    lab.rt.block_on(async {
        let lb = lab.aws.load_balancer_arn(&format!("{CLUSTER}-alb")).await;
        let listener = lab.aws.listener_arn(&lb, 443).await;
        lab.aws
            .listener_rules(&listener)
            .await
            .iter()
            .filter(|r| r.is_default() != Some(true))
            .count()
    })
}

#[test]
fn a_listener_rule_whose_arn_never_reached_the_state_is_deleted_by_destroy() {
    let lab = Lab::start();
    lab.work.write("main.tf", &config(&lab));
    lab.work.init();
    lab.work
        .run(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-target=ecsprod_cluster.main",
        ])
        .success();
    // Every answer to CreateRule is lost: the rule is made, its ARN never comes back.
    lab.emulator.set_faults(json!([
        {"service": "elasticloadbalancing", "action": "CreateRule", "mode": "lost"}
    ]));
    let failed = lab
        .work
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(failed.code, 0, "the apply should fail:\n{}", failed.stdout);
    assert!(
        failed.stderr.contains("create listener rule"),
        "{}",
        failed.stderr
    );
    lab.emulator.set_faults(json!([]));
    assert_eq!(rules_of_the_https_listener(&lab), 1, "the rule was made");
    let service = lab.work.state_of("ecsprod_service.api");
    assert_eq!(service["listener_rule_arn"], serde_json::Value::Null);
    assert!(service["target_group_arn"].is_string(), "{service:#}");

    lab.work
        .run(&[
            "destroy",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-target=ecsprod_service.api",
        ])
        .success();
    assert_eq!(
        rules_of_the_https_listener(&lab),
        0,
        "destroy deleted the rule it found by the target group it forwards to"
    );
    lab.work
        .run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = lab.leftovers(CLUSTER);
    assert!(left.is_empty(), "left behind: {left:#?}");
}
