//! AMI roll-outs: a change of the instances' launch template rolls the running instances with
//! an Auto Scaling instance refresh that launches before it terminates and rolls back on
//! failure; the apply waits for it, fails with its reason, and never starts a second one while
//! one runs.

use acceptance_tests::emulator::Seed;
use acceptance_tests::{Lab, REQUIRED_PROVIDERS, Run, cluster_resource};
use serde_json::json;

const NAME: &str = "roll";
const GROUP: &str = "roll-instances";

fn config(seed: &Seed, extra: &str) -> String {
    format!(
        "{REQUIRED_PROVIDERS}\n{}",
        cluster_resource(seed, NAME, extra)
    )
}

fn apply(lab: &Lab) -> Run {
    lab.work
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
}

fn plan_code(lab: &Lab) -> (i32, String) {
    let run = lab
        .work
        .run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    (run.code, format!("{}\n{}", run.stdout, run.stderr))
}

/// A running cluster (two instances), its configuration with `extra`.
fn started(extra: &str) -> Lab {
    let lab = Lab::start();
    lab.work.write("main.tf", &config(&lab.seed, extra));
    lab.work.init();
    apply(&lab).success();
    lab
}

/// An Amazon AMI the emulator knows, other than `current`.
fn another_ami(lab: &Lab, current: &str) -> String {
    lab.rt.block_on(async {
        let images = lab
            .aws
            .ec2
            .describe_images()
            .owners("amazon")
            .send()
            .await
            .expect("describe images");
        images
            .images()
            .iter()
            .filter_map(|i| i.image_id())
            .find(|id| *id != current)
            .expect("a second AMI")
            .to_owned()
    })
}

/// The state's `ami_id`.
fn state_ami(lab: &Lab) -> String {
    lab.work.state_of("ecsprod_cluster.main")["ami_id"]
        .as_str()
        .expect("ami_id in state")
        .to_owned()
}

/// The group's launch template version and its instances' IDs and AMIs.
fn instances(lab: &Lab) -> (String, Vec<(String, String)>) {
    lab.rt.block_on(async {
        let g = lab.aws.auto_scaling_group(GROUP).await;
        let version = g
            .mixed_instances_policy()
            .and_then(|m| m.launch_template())
            .and_then(|t| t.launch_template_specification())
            .and_then(|s| s.version())
            .unwrap_or_default()
            .to_owned();
        let ids: Vec<String> = g
            .instances()
            .iter()
            .filter_map(|i| i.instance_id().map(str::to_owned))
            .collect();
        let described = lab
            .aws
            .ec2
            .describe_instances()
            .set_instance_ids(Some(ids))
            .send()
            .await
            .expect("describe instances");
        let mut found: Vec<(String, String)> = described
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .map(|i| {
                (
                    i.instance_id().unwrap_or_default().to_owned(),
                    i.image_id().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        found.sort();
        (version, found)
    })
}

fn default_version(lab: &Lab) -> i64 {
    lab.rt.block_on(async {
        lab.aws
            .launch_template(GROUP)
            .await
            .default_version_number()
            .expect("default version")
    })
}

/// Terraform's message with its line wrapping undone.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn starts(lab: &Lab) -> u64 {
    lab.emulator
        .calls()
        .get("autoscaling.StartInstanceRefresh")
        .copied()
        .unwrap_or(0)
}

/// The group launches the template's default version, every instance runs `ami`, and the plan
/// is empty.
fn rolled_to(lab: &Lab, ami: &str) {
    let (version, running) = instances(lab);
    assert_eq!(version, default_version(lab).to_string());
    assert!(running.iter().all(|(_, a)| a == ami), "{running:?}");
    let (code, out) = plan_code(lab);
    assert_eq!(code, 0, "{out}");
}

fn destroyed(lab: &Lab) {
    lab.emulator.set_faults(json!([]));
    lab.work
        .run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = lab.leftovers(NAME);
    assert!(left.is_empty(), "left behind: {left:#?}");
}

#[test]
fn an_ami_change_rolls_the_instances_launching_before_terminating_and_the_next_plan_is_empty() {
    let lab = started("");
    let old_ami = state_ami(&lab);
    let (version, before) = instances(&lab);
    assert_eq!(
        version,
        default_version(&lab).to_string(),
        "pinned by number"
    );
    assert_eq!(before.len(), 2, "{before:?}");
    assert!(before.iter().all(|(_, ami)| *ami == old_ami), "{before:?}");

    let new_ami = another_ami(&lab, &old_ami);
    lab.work.write(
        "main.tf",
        &config(&lab.seed, &format!("  ami_id = \"{new_ami}\"\n")),
    );
    lab.emulator.reset_counters();
    // The provider logs the refresh's progress at INFO.
    let run = lab
        .work
        .run_with(
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            &[("TF_LOG_PROVIDER", "INFO")],
        )
        .success();
    let progress = run
        .stderr
        .lines()
        .find(|l| l.contains("[INFO]") && l.contains("instance refresh in progress"))
        .unwrap_or_else(|| panic!("no progress line in the provider log:\n{}", run.stderr));
    assert!(
        progress.contains("percent=") && progress.contains("instances_to_go="),
        "{progress}"
    );

    let starts_made = lab.emulator.requests("StartInstanceRefresh");
    assert_eq!(starts_made.len(), 1, "{starts_made:?}");
    let body = &starts_made[0];
    let new_version = default_version(&lab);
    for field in [
        "AutoScalingGroupName=roll-instances",
        "Preferences.MinHealthyPercentage=100",
        "Preferences.MaxHealthyPercentage=200",
        "Preferences.InstanceWarmup=120",
        "Preferences.SkipMatching=true",
        "Preferences.AutoRollback=true",
        "Preferences.ScaleInProtectedInstances=Refresh",
        &format!(
            "DesiredConfiguration.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.Version={new_version}"
        ),
    ] {
        assert!(body.contains(field), "{field} not in {body}");
    }
    // The apply waited: the refresh succeeded, the group moved, every instance was replaced.
    let (version, after) = instances(&lab);
    assert_eq!(version, new_version.to_string());
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after.iter().all(|(_, ami)| *ami == new_ami), "{after:?}");
    assert!(
        after
            .iter()
            .all(|(id, _)| before.iter().all(|(old, _)| old != id)),
        "instances not replaced: {before:?} -> {after:?}"
    );
    assert_eq!(state_ami(&lab), new_ami);
    let (code, out) = plan_code(&lab);
    assert_eq!(code, 0, "{out}");
    destroyed(&lab);
}

#[test]
fn a_refresh_that_fails_fails_the_apply_with_its_reason_and_the_next_apply_rolls_again() {
    let lab = started("");
    let old_ami = state_ami(&lab);
    let new_ami = another_ami(&lab, &old_ami);
    lab.work.write(
        "main.tf",
        &config(&lab.seed, &format!("  ami_id = \"{new_ami}\"\n")),
    );
    lab.emulator.set_faults(json!([{
        "service": "autoscaling", "action": "StartInstanceRefresh", "mode": "refresh_fails"
    }]));
    let run = apply(&lab);
    assert_ne!(run.code, 0, "{}", run.stdout);
    let said = words(&run.stderr);
    assert!(
        said.contains("failed and was rolled back (RollbackSuccessful)")
            && said.contains("failed their health checks"),
        "{said}"
    );
    lab.emulator.set_faults(json!([]));
    // The state keeps the cluster and everything it owns.
    let state = lab.work.state_of("ecsprod_cluster.main");
    assert_eq!(state["autoscaling_group_name"], GROUP, "{state:#}");
    assert!(state["launch_template_id"].is_string(), "{state:#}");
    // The instances stay on the old version.
    let (version, running) = instances(&lab);
    assert_ne!(version, default_version(&lab).to_string());
    assert!(
        running.iter().all(|(_, ami)| *ami == old_ami),
        "{running:?}"
    );
    // The next plan shows the roll-out still to do, on the group's binding.
    let (code, out) = plan_code(&lab);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(&format!("launch_template_id version {version}"))
            && out.contains("launch_template_id default version"),
        "{out}"
    );
    apply(&lab).success();
    rolled_to(&lab, &new_ami);
    destroyed(&lab);
}

#[test]
fn an_apply_waits_for_a_refresh_still_running_instead_of_starting_a_second_one() {
    let timeouts = "  timeouts = { update = \"4s\" }\n";
    let lab = started(timeouts);
    let old_ami = state_ami(&lab);
    let new_ami = another_ami(&lab, &old_ami);
    lab.work.write(
        "main.tf",
        &config(&lab.seed, &format!("{timeouts}  ami_id = \"{new_ami}\"\n")),
    );
    lab.emulator.reset_counters();
    lab.emulator.set_faults(json!([{
        "service": "autoscaling", "action": "StartInstanceRefresh", "mode": "refresh_stalls"
    }]));
    for attempt in ["first", "second"] {
        let run = apply(&lab);
        assert_ne!(run.code, 0, "{attempt}: {}", run.stdout);
        let said = words(&run.stderr);
        assert!(
            said.contains("timeouts.update") && said.contains("instance refresh"),
            "{attempt}: {said}"
        );
        assert_eq!(starts(&lab), 1, "{attempt} apply: one refresh only");
    }
    // Once that refresh is cancelled, the next apply starts its own and finishes.
    lab.emulator.set_faults(json!([]));
    lab.rt.block_on(async {
        lab.aws
            .autoscaling
            .cancel_instance_refresh()
            .auto_scaling_group_name(GROUP)
            .send()
            .await
            .expect("cancel the refresh");
    });
    apply(&lab).success();
    assert_eq!(starts(&lab), 2);
    rolled_to(&lab, &new_ami);
    destroyed(&lab);
}

#[test]
fn ami_update_latest_follows_the_ami_aws_publishes_and_rolls_the_instances_while_pinned_stays() {
    const PARAMETER: &str = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id";
    let lab = started("");
    let created_with = state_ami(&lab);
    let published = another_ami(&lab, &created_with);
    lab.emulator.publish_parameter(PARAMETER, &published);

    // Pinned (the default): the refresh shows the new recommendation, the AMI stays.
    let (code, out) = plan_code(&lab);
    assert_eq!(code, 0, "{out}");
    lab.work
        .run(&[
            "apply",
            "-refresh-only",
            "-auto-approve",
            "-input=false",
            "-no-color",
        ])
        .success();
    let state = lab.work.state_of("ecsprod_cluster.main");
    assert_eq!(state["recommended_ami_id"], published.as_str());
    assert_eq!(state["ami_id"], created_with.as_str());

    // Latest: the plan moves to it, the apply rolls the instances.
    lab.work
        .write("main.tf", &config(&lab.seed, "  ami_update = \"latest\"\n"));
    let run = lab
        .work
        .run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        words(&run.stdout).contains(&format!("ami_id = \"{created_with}\" -> \"{published}\"")),
        "{}",
        run.stdout
    );
    lab.emulator.reset_counters();
    apply(&lab).success();
    assert_eq!(starts(&lab), 1, "one roll-out");
    rolled_to(&lab, &published);
    destroyed(&lab);
}
