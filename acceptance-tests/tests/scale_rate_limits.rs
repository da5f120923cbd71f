//! A hundred services on one cluster under AWS's request-rate limits: the emulator throttles as
//! AWS does, and the provider's batching, backoff and retries keep every error from the user.
//! A test binary of its own, apart from the twenty-service test, so that each has the machine to
//! itself: how many reads a batch gathers depends on how close together Terraform asks for them.

use acceptance_tests::fleet;

const CLUSTER: &str = "hundred";

#[test]
fn a_hundred_services_apply_plan_and_destroy_under_aws_rate_limits_without_a_throttling_error() {
    const SERVICES: usize = 100;
    let lab = fleet::lab(CLUSTER, SERVICES);
    // AWS's request-rate limits from here on: every bucket at its default burst and refill.
    let settings = lab
        .emulator
        .set_limits(serde_json::json!({ "enabled": true }));
    assert_eq!(settings["enabled"], true, "{settings}");

    // Terraform's default parallelism (10): throttled calls are retried, none reaches the user.
    lab.work
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let during_apply = fleet::throttled(&lab);
    eprintln!("throttled during the apply: {during_apply:#?}");
    assert!(
        !during_apply.is_empty(),
        "the apply met no rate limit, so it proves nothing about backoff"
    );

    fleet::assert_three_calls_per_service(&lab, SERVICES);
    eprintln!("throttled during the plan: {:#?}", fleet::throttled(&lab));

    lab.work
        .run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    assert!(
        lab.leftovers(CLUSTER).is_empty(),
        "{:?}",
        lab.leftovers(CLUSTER)
    );
}
