//! Provider logs reach Terraform's log at their levels, processes exit cleanly, and debug mode
//! lets Terraform attach to a provider started by hand.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use acceptance_tests::{REQUIRED_PROVIDERS, Workdir, repo_root};

/// Planned offline: the endpoint is the canary, so the credentials check is skipped.
const CONFIG: &str = r#"
provider "ecsprod" {
  skip_credentials_validation = true
}

resource "ecsprod_cluster" "main" {
  name               = "logs"
  vpc_id             = "vpc-0123456789abcdef0"
  public_subnet_ids  = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  private_subnet_ids = ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"]
  certificate_arn    = "arn:aws:acm:ap-south-1:123456789012:certificate/0123abcd-0123-4567-89ab-0123456789ab"
}
"#;

fn workdir() -> Workdir {
    let w = Workdir::new();
    w.write("main.tf", &format!("{REQUIRED_PROVIDERS}{CONFIG}"));
    w.init();
    w
}

fn provider_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("provider.terraform-provider-ecsprod"))
        .collect()
}

#[test]
fn trace_log_shows_provider_lines_at_their_levels_and_clean_exits() {
    let w = workdir();
    let run = w
        .run_with(
            &["plan", "-input=false", "-no-color"],
            &[("TF_LOG", "TRACE")],
        )
        .success();
    let lines = provider_lines(&run.stderr);
    assert!(
        lines.iter().any(|l| l.contains("[DEBUG]")
            && l.contains("handling request")
            && l.contains("rpc=plan_resource_change")
            && l.contains("@module=ecsprod")),
        "no DEBUG line for PlanResourceChange among {} provider lines",
        lines.len()
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("[DEBUG]") && l.contains("planned resource change")),
        "no plan log line"
    );
    assert!(
        run.stderr.contains("plugin process exited"),
        "Terraform saw the provider exit"
    );
    assert!(
        !run.stderr.contains("plugin failed to exit gracefully"),
        "a provider process had to be killed"
    );
    assert!(
        !run.stderr.contains("unexpected data"),
        "nothing arrived through GRPCStdio"
    );
}

#[test]
fn provider_log_level_follows_tf_log_provider_ecsprod() {
    let w = workdir();
    let run = w
        .run_with(
            &["validate", "-no-color"],
            &[("TF_LOG", "TRACE"), ("TF_LOG_PROVIDER_ECSPROD", "WARN")],
        )
        .success();
    let lines = provider_lines(&run.stderr);
    assert!(
        !lines.iter().any(|l| l.contains("handling request")),
        "DEBUG lines leaked past TF_LOG_PROVIDER_ECSPROD=WARN"
    );
    assert!(!run.stderr.contains("plugin failed to exit gracefully"));
}

#[test]
fn without_tf_log_the_provider_writes_nothing() {
    let w = workdir();
    let run = w.run(&["validate", "-no-color"]).success();
    assert!(run.stderr.trim().is_empty(), "stderr: {}", run.stderr);
}

fn provider_binary() -> std::path::PathBuf {
    let base = repo_root().join("dist/mirror/registry.terraform.io/ecsprod/ecsprod/0.1.0");
    let platform = std::fs::read_dir(&base)
        .expect("mirror platform folder")
        .filter_map(Result::ok)
        .find(|e| e.path().is_dir())
        .expect("one platform");
    platform.path().join("terraform-provider-ecsprod_v0.1.0")
}

#[test]
fn debug_mode_serves_a_provider_terraform_can_reattach_to() {
    let mut child = Command::new(provider_binary())
        .arg("--debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start provider in debug mode");
    let stdout = child.stdout.take().expect("stdout");
    let reattach = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.trim()
                .strip_prefix("export TF_REATTACH_PROVIDERS='")
                .map(|v| v.trim_end_matches('\'').to_owned())
        })
        .expect("reattach instructions");
    let parsed: serde_json::Value = serde_json::from_str(&reattach).expect("reattach JSON");
    assert_eq!(
        parsed["registry.terraform.io/ecsprod/ecsprod"]["Pid"],
        child.id()
    );

    let w = Workdir::new();
    w.write("main.tf", &format!("{REQUIRED_PROVIDERS}{CONFIG}"));
    let env = [("TF_REATTACH_PROVIDERS", reattach.as_str())];
    w.run_with(&["init", "-input=false", "-no-color"], &env)
        .success();
    // Two commands against the same process: Terraform does not stop a reattached provider.
    for _ in 0..2 {
        let run = w.run_with(&["validate", "-json", "-no-color"], &env);
        assert_eq!(run.json()["valid"], true, "{}", run.stderr);
    }
    assert!(
        child.try_wait().expect("status").is_none(),
        "provider still serving"
    );

    // SIGTERM stops it.
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let status = child.wait().expect("provider exit");
    assert!(status.success(), "debug provider exited with {status}");
}

#[test]
fn a_panic_in_the_provider_reaches_terraform_as_a_plugin_crash_with_the_panic_message() {
    let w = workdir();
    let run = w.run_with(
        &["validate", "-no-color"],
        &[("ECSPROD_CRASH_IN_RPC", "validate_resource_config")],
    );
    assert_ne!(run.code, 0, "a crashed provider must fail the command");
    let all = format!("{}\n{}", run.stdout, run.stderr);
    assert!(
        all.contains("plugin crashed"),
        "Terraform reports the crash:\n{all}"
    );
    assert!(
        all.contains("panic: deliberate crash in validate_resource_config"),
        "the panic message is in Terraform's crash report:\n{all}"
    );
    assert!(
        all.contains("location: provider/src/protocol/rpc/mod.rs"),
        "the panic location is in the crash report:\n{all}"
    );
}
