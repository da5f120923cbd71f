//! Both resources follow one rule: a failed update keeps the prior settings (so the next plan
//! shows again what was not applied) with the IDs of what exists; the service's `timeouts`
//! bound its waits like the cluster's; tags changed outside Terraform on any of the service's
//! objects show in the plan and the apply puts them back.

use acceptance_tests::aws_check::Aws;
use acceptance_tests::drift;
use acceptance_tests::{Lab, REQUIRED_PROVIDERS, Workdir, cluster_resource, service_resource};
use serde_json::json;

const CLUSTER: &str = "rule";

fn config(lab: &Lab, cluster_extra: &str, service_extra: &str) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
provider "ecsprod" {{
  max_retries = 1
}}

{cluster}
{service}"#,
        cluster = cluster_resource(&lab.seed, CLUSTER, cluster_extra),
        service = service_resource(
            &lab.seed,
            &format!("  tags = {{ Team = \"core\" }}\n{service_extra}")
        ),
    )
}

fn apply(work: &Workdir) -> acceptance_tests::Run {
    work.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
}

fn plan_code(work: &Workdir) -> (i32, String) {
    let run = work.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    (run.code, run.stdout)
}

fn started(service_extra: &str) -> Lab {
    let lab = Lab::start();
    lab.work.write("main.tf", &config(&lab, "", service_extra));
    lab.work.init();
    apply(&lab.work).success();
    lab
}

fn destroyed(lab: &Lab) {
    lab.emulator.set_faults(json!([]));
    lab.work
        .run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = lab.leftovers(CLUSTER);
    assert!(left.is_empty(), "left behind: {left:#?}");
}

#[test]
fn a_failed_update_of_either_resource_keeps_the_change_in_the_next_plan_and_the_next_apply_makes_it()
 {
    let lab = started("");
    for (what, cluster_extra, service_extra, action) in [
        ("cluster", "  max_size = 7\n", "", "UpdateAutoScalingGroup"),
        (
            "service",
            "  max_size = 7\n",
            "  health_check_path = \"/ready\"\n",
            "ModifyTargetGroup",
        ),
    ] {
        lab.work
            .write("main.tf", &config(&lab, cluster_extra, service_extra));
        lab.emulator.set_faults(json!([
            {"action": action, "mode": "fail", "code": "ValidationError", "message": "refused for the test"}
        ]));
        let failed = apply(&lab.work);
        assert_ne!(failed.code, 0, "{what}: the apply should fail");
        assert!(
            failed.stderr.contains("refused for the test"),
            "{what}: {}",
            failed.stderr
        );
        lab.emulator.set_faults(json!([]));
        let (code, plan) = plan_code(&lab.work);
        assert_eq!(
            code, 2,
            "{what}: the change not applied shows again:\n{plan}"
        );
        apply(&lab.work).success();
        let (code, plan) = plan_code(&lab.work);
        assert_eq!(code, 0, "{what}: plan after the apply:\n{plan}");
    }
    destroyed(&lab);
}

#[test]
fn the_service_timeouts_bound_its_deployment_wait_and_name_what_it_waited_for() {
    let lab = started("  timeouts = { update = \"3s\" }\n");
    let changed = config(&lab, "", "  timeouts = { update = \"3s\" }\n");
    lab.work
        .write("main.tf", &changed.replace("nginx:1.27", "nginx:1.28"));
    lab.emulator.set_faults(json!([
        {"service": "ecs", "action": "DescribeServices", "mode": "in_progress"}
    ]));
    let started = std::time::Instant::now();
    let run = apply(&lab.work);
    assert_ne!(run.code, 0, "the wait should end at the timeout");
    assert!(run.stderr.contains("timeouts.update"), "{}", run.stderr);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "bounded by the 3 s timeout, not the default 30 min"
    );
    destroyed(&lab);
}

#[test]
fn service_tags_changed_outside_terraform_show_in_the_plan_and_the_apply_puts_them_back() {
    let lab = started("");
    let aws: &Aws = &lab.aws;
    let service = lab.work.state_of("ecsprod_service.api");
    let group = service["target_group_arn"]
        .as_str()
        .expect("target group")
        .to_owned();
    lab.rt.block_on(drift::tag_load_balancing_object(
        aws, &group, "Team", "rogue",
    ));
    let (code, plan) = plan_code(&lab.work);
    assert_eq!(code, 2, "the changed tag shows:\n{plan}");
    assert!(plan.contains("\"rogue\""), "{plan}");
    apply(&lab.work).success();
    let tags = lab.rt.block_on(aws.load_balancing_tags(&group));
    assert_eq!(tags.get("Team").map(String::as_str), Some("core"));
    let (code, plan) = plan_code(&lab.work);
    assert_eq!(code, 0, "{plan}");
    destroyed(&lab);
}
