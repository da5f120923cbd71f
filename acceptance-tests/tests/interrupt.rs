//! An interrupted apply (Ctrl-C: Terraform calls `StopProvider`) stops the provider's in-flight
//! work at once, records what exists in the state, and the next commands finish the job.

use std::io::Read as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use acceptance_tests::{Lab, REQUIRED_PROVIDERS, cluster_resource, service_resource};
use serde_json::json;

const CLUSTER: &str = "stop";

#[test]
fn ctrl_c_during_a_deployment_wait_stops_the_provider_at_once_and_keeps_the_service_in_state() {
    let lab = Lab::start();
    let (emulator, seed, w) = (&lab.emulator, &lab.seed, &lab.work);
    w.write(
        "main.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}
{cluster}
{service}"#,
            cluster = cluster_resource(seed, CLUSTER, ""),
            service = service_resource(seed, ""),
        ),
    );
    w.init();
    // Every deployment stays in progress: without an interrupt the apply would wait 30 minutes.
    emulator.set_faults(json!([
        {"service": "ecs", "action": "DescribeServices", "mode": "in_progress"}
    ]));
    let mut child = w
        .command(
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            &[("TF_LOG_PROVIDER", "INFO")],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start terraform apply");

    // Wait until the provider is polling the deployment (the service exists by then).
    let start = Instant::now();
    loop {
        let polls = emulator
            .calls()
            .get("ecs.DescribeServices")
            .copied()
            .unwrap_or(0);
        let created = emulator
            .calls()
            .get("ecs.CreateService")
            .copied()
            .unwrap_or(0);
        if created > 0 && polls >= 2 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the apply never reached the deployment wait"
        );
        assert!(
            child.try_wait().expect("poll terraform").is_none(),
            "terraform ended before the deployment wait"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let interrupted = Instant::now();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success(), "send SIGINT to terraform");
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll terraform") {
            break status;
        }
        assert!(
            interrupted.elapsed() < Duration::from_secs(30),
            "terraform was still running 30 s after Ctrl-C: the provider did not stop its wait"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let stopped_after = interrupted.elapsed();
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut stdout).expect("read stdout");
    }
    if let Some(mut err) = child.stderr.take() {
        err.read_to_string(&mut stderr).expect("read stderr");
    }
    println!("apply ended {stopped_after:?} after Ctrl-C");
    assert!(!status.success(), "an interrupted apply must fail");
    assert!(
        stderr.contains("StopProvider received"),
        "Terraform sent StopProvider and the provider logged it:\n{stderr}"
    );
    assert!(
        stderr.contains("cancelled by Terraform"),
        "the error says the wait was cancelled:\n{stdout}\n{stderr}"
    );
    assert!(
        stopped_after < Duration::from_secs(10),
        "the provider stopped within seconds, not at the next poll or timeout ({stopped_after:?})"
    );

    // The service exists and is in the state, so nothing is orphaned.
    let state = w.run(&["state", "list"]).success();
    assert!(
        state.stdout.contains("ecsprod_service.api"),
        "the interrupted service is recorded in the state:\n{}",
        state.stdout
    );
    emulator.set_faults(json!([]));
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let plan = w.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.stdout);
    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = lab.leftovers(CLUSTER);
    assert!(left.is_empty(), "left behind: {left:#?}");
}
