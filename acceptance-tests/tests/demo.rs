//! `make demo` (tools/demo.sh) works as the README says: it starts and seeds an emulator,
//! applies examples/complete, prints the outputs, and the commands it prints to destroy the
//! stack and stop the emulator do both.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use acceptance_tests::aws_check::{Aws, service_leftovers};
use acceptance_tests::emulator::{free_port, sdk_config};
use acceptance_tests::{repo_root, runtime, setting};

/// Stops the demo's emulator however the test ends.
struct EmulatorPid(std::path::PathBuf);

impl Drop for EmulatorPid {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.0)
            && let Ok(pid) = pid.trim().parse::<u32>()
        {
            acceptance_tests::kill_process(pid);
        }
    }
}

fn bash(script: &str, envs: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .envs(envs.iter().copied())
        .env_remove("TF_CLI_CONFIG_FILE")
        .env_remove("AWS_ENDPOINT_URL")
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .output()
        .expect("run bash");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The shell command printed after `label` (with its continuation lines).
fn printed_command(output: &str, label: &str) -> String {
    let start = output
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in:\n{output}"))
        + label.len();
    let mut command = String::new();
    for line in output[start..].lines() {
        let line = line.trim();
        match line.strip_suffix('\\') {
            Some(part) => {
                command.push_str(part);
                command.push(' ');
            }
            None => {
                command.push_str(line);
                break;
            }
        }
    }
    command
}

#[test]
fn make_demo_applies_the_complete_example_and_its_printed_commands_destroy_the_stack_and_stop_the_emulator()
 {
    let dir = tempfile::Builder::new()
        .prefix("ecsprod-demo-")
        .tempdir()
        .expect("temporary directory");
    let port = free_port().to_string();
    let work = dir.path().join("demo");
    let work_text = work.display().to_string();
    let terraform = setting("ECSPROD_TERRAFORM", "tools/terraform");
    let rc = setting("ECSPROD_MIRROR_RC", "dist/terraformrc");
    let (terraform, rc) = (terraform.display().to_string(), rc.display().to_string());
    let envs = [
        ("ECSPROD_DEMO_DIR", work_text.as_str()),
        ("ECSPROD_DEMO_PORT", port.as_str()),
        ("ECSPROD_TERRAFORM", terraform.as_str()),
        ("ECSPROD_MIRROR_RC", rc.as_str()),
    ];
    let _stop = EmulatorPid(work.join("emulator.pid"));
    let (code, out, err) = bash("tools/demo.sh", &envs);
    assert_eq!(code, 0, "demo failed:\n{out}\n{err}");
    for expected in [
        "Apply complete! Resources: 4 added, 0 changed, 0 destroyed.",
        "\"api\" = \"https://api.demo.ecsprod.test\"",
        "\"www\" = \"https://www.demo.ecsprod.test\"",
        "load_balancer = \"demo-alb-",
    ] {
        assert!(out.contains(expected), "{expected:?} not in:\n{out}");
    }

    // What the seed gave the example, to look for leftovers after the destroy.
    let vars: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(work.join("complete/demo.auto.tfvars.json")).expect("seed vars"),
    )
    .expect("seed vars are JSON");
    let vpc = vars["vpc_id"].as_str().expect("vpc_id").to_owned();
    let zone = vars["zone_id"].as_str().expect("zone_id").to_owned();
    let url = format!("http://127.0.0.1:{port}");
    let rt = runtime();
    let config = rt.block_on(sdk_config(&url));
    let aws = Aws::from_config(&config);
    let running = rt.block_on(aws.ecs.list_services().cluster("demo").send());
    assert_eq!(
        running.expect("list services").service_arns().len(),
        2,
        "the example's two services run"
    );

    let destroy = printed_command(&out, "To destroy it:");
    let (code, destroyed, err) = bash(&destroy, &[]);
    assert_eq!(
        code, 0,
        "printed destroy failed:\n{destroy}\n{destroyed}\n{err}"
    );
    assert!(
        destroyed.contains("Destroy complete! Resources: 4 destroyed."),
        "{destroyed}"
    );
    let left = rt.block_on(async {
        let mut left = aws.cluster_leftovers(&vpc, "demo").await;
        left.extend(service_leftovers(&config, "demo", &zone).await);
        left
    });
    assert!(left.is_empty(), "left behind: {left:#?}");

    let stop = printed_command(&out, "To stop the emulator:");
    let (code, _, err) = bash(&stop, &[]);
    assert_eq!(code, 0, "printed stop failed:\n{stop}\n{err}");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port.parse::<u16>().expect("port"))).is_ok() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the emulator still answers after the printed stop command"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
