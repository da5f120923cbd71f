//! The harness itself on an endpoint it did not start (`ECSPROD_TEST_ENDPOINT`): several seeds
//! live side by side there, a stack applies and destroys through it, a seed file stands in for
//! seeding, and a test that needs the emulator's control API says so where there is none.

use acceptance_tests::aws_check::Aws;
use acceptance_tests::emulator::{Emulator, free_port, new_seed, seed_from_file};
use acceptance_tests::{REQUIRED_PROVIDERS, Workdir, cluster_resource, runtime, service_resource};

const CLUSTER: &str = "shared";

#[test]
fn an_endpoint_started_elsewhere_holds_two_seeds_and_a_stack_applies_and_destroys_through_it() {
    let started_elsewhere = Emulator::start();
    let endpoint = Emulator::external(&started_elsewhere.url);
    let rt = runtime();
    let sdk = rt.block_on(endpoint.sdk_config());
    let (first, second) = rt.block_on(async { (new_seed(&sdk).await, new_seed(&sdk).await) });
    for (what, a, b) in [
        ("VPC", &first.vpc_id, &second.vpc_id),
        ("parameter", &first.parameter_arn, &second.parameter_arn),
        ("secret", &first.secret_arn, &second.secret_arn),
        ("zone", &first.zone_id, &second.zone_id),
    ] {
        assert_ne!(a, b, "both seeds share one {what}");
    }
    assert_ne!(first.secret_value, second.secret_value);

    // The second seed, read back from a file as ECSPROD_TEST_SEED would give it.
    let file = tempfile::NamedTempFile::new().expect("seed file");
    std::fs::write(
        file.path(),
        serde_json::to_string(&second).expect("seed as JSON"),
    )
    .expect("write seed file");
    let seed = seed_from_file(file.path());
    assert_eq!(seed, second);

    let mut w = Workdir::new();
    w.use_emulator(&endpoint);
    w.write(
        "main.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}
{cluster}
{service}"#,
            cluster = cluster_resource(&seed, CLUSTER, ""),
            service = service_resource(
                &seed,
                &format!(
                    "  secrets = {{ DATABASE_URL = \"{}\", API_TOKEN = \"{}\" }}\n",
                    seed.parameter_arn, seed.secret_arn
                )
            ),
        ),
    );
    w.init();
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let plan = w.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    let aws = Aws::from_config(&sdk);
    let cluster = rt.block_on(aws.cluster(CLUSTER));
    assert_eq!(
        cluster.status(),
        Some("ACTIVE"),
        "the cluster lives on the endpoint"
    );
    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = rt.block_on(aws.stack_leftovers(&seed.vpc_id, CLUSTER, &seed.zone_id));
    assert!(left.is_empty(), "left behind: {left:#?}");
}

#[test]
fn a_test_that_counts_calls_or_injects_faults_names_the_missing_control_api_of_another_endpoint() {
    // Nothing listens on this port: no control API.
    let endpoint = Emulator::external(&format!("http://127.0.0.1:{}", free_port()));
    for (what, attempt) in [
        (
            "counts API calls",
            Box::new(|e: &Emulator| {
                e.calls();
            }) as Box<dyn Fn(&Emulator)>,
        ),
        (
            "injects faults",
            Box::new(|e: &Emulator| e.set_faults(serde_json::json!([]))),
        ),
        (
            "reads the requests AWS received",
            Box::new(|e: &Emulator| {
                e.requests("CreateCluster");
            }),
        ),
    ] {
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| attempt(&endpoint)))
            .expect_err("no control API, no answer");
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            message.contains(what)
                && message.contains("does not serve")
                && message.contains(&endpoint.url),
            "{message}"
        );
    }
}
