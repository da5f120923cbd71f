//! Instance types decide the instances' architecture: Graviton types run the arm64 AMI, GPU
//! types the GPU AMI with the GPUs given to tasks; a list that mixes architectures, or a type
//! the private subnets' zones do not offer, fails the plan on its attribute with reads only.

use acceptance_tests::aws_check;
use acceptance_tests::emulator::{Seed, is_read};
use acceptance_tests::{Lab, REQUIRED_PROVIDERS, cluster_resource};

const NAME: &str = "arch";
const GROUP: &str = "arch-instances";
const PARAMETERS: &str = "/aws/service/ecs/optimized-ami/amazon-linux-2023";

fn config(seed: &Seed, types: &str) -> String {
    format!(
        "{REQUIRED_PROVIDERS}\n{}",
        cluster_resource(seed, NAME, &format!("  instance_types = {types}\n"))
    )
}

fn run(lab: &Lab, args: &[&str]) -> acceptance_tests::Run {
    let mut all = args.to_vec();
    all.extend(["-input=false", "-no-color"]);
    lab.work.run(&all)
}

/// The AMI AWS recommends under `path` (below the AL2023 parameters).
fn recommended(lab: &Lab, path: &str) -> String {
    lab.rt.block_on(async {
        lab.aws
            .ssm
            .get_parameter()
            .name(format!("{PARAMETERS}/{path}"))
            .send()
            .await
            .expect("recommended AMI parameter")
            .parameter()
            .and_then(|p| p.value())
            .expect("a value")
            .to_owned()
    })
}

/// The launch template's default version: its AMI and user data.
fn template(lab: &Lab) -> (String, String) {
    lab.rt.block_on(async {
        let data = lab.aws.default_template_data(GROUP).await;
        (
            data.image_id().unwrap_or_default().to_owned(),
            aws_check::user_data(&data),
        )
    })
}

fn plan_is_empty(lab: &Lab) {
    let plan = run(lab, &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
}

#[test]
fn graviton_types_run_the_arm64_ami_and_gpu_types_the_gpu_ami_with_the_gpus_given_to_tasks() {
    let lab = Lab::start();
    lab.work.write(
        "main.tf",
        &config(&lab.seed, r#"["m7g.large", "m6g.large"]"#),
    );
    lab.work.init();
    run(&lab, &["apply", "-auto-approve"]).success();
    let arm64 = recommended(&lab, "arm64/recommended/image_id");
    let state = lab.work.state_of("ecsprod_cluster.main");
    assert_eq!(state["architecture"], "arm64");
    assert_eq!(state["gpu_support"], false);
    assert_eq!(state["ami_id"], arm64.as_str());
    assert_eq!(state["recommended_ami_id"], arm64.as_str());
    let (ami, user_data) = template(&lab);
    assert_eq!(ami, arm64);
    assert!(!user_data.contains("GPU"), "{user_data}");
    plan_is_empty(&lab);

    // Other Graviton types: the apply keeps the AMI (the plan leaves it to the apply, which
    // reads the types' architecture) and rolls nothing.
    lab.work.write(
        "main.tf",
        &config(&lab.seed, r#"["c7g.large", "m7g.large"]"#),
    );
    let plan = run(&lab, &["plan", "-out=types.tfplan"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let shown = lab
        .work
        .run(&["show", "-json", "types.tfplan"])
        .success()
        .json();
    let change = &shown["resource_changes"][0]["change"];
    assert_eq!(change["after_unknown"]["ami_id"], true, "{change:#}");
    lab.emulator.reset_counters();
    lab.work
        .run(&["apply", "-input=false", "-no-color", "types.tfplan"])
        .success();
    assert!(lab.emulator.requests("StartInstanceRefresh").is_empty());
    let state = lab.work.state_of("ecsprod_cluster.main");
    assert_eq!(state["ami_id"], arm64.as_str());
    assert_eq!(state["architecture"], "arm64");
    assert_eq!(template(&lab).0, arm64);
    plan_is_empty(&lab);

    // GPU types: another architecture family, so the apply takes the GPU AMI and rolls.
    lab.work
        .write("main.tf", &config(&lab.seed, r#"["g5.xlarge"]"#));
    let plan = run(&lab, &["plan"]);
    assert!(
        plan.stdout.contains("(known after apply)") && plan.stdout.contains("ami_id"),
        "{}",
        plan.stdout
    );
    run(&lab, &["apply", "-auto-approve"]).success();
    let gpu = recommended(&lab, "gpu/recommended/image_id");
    let state = lab.work.state_of("ecsprod_cluster.main");
    assert_eq!(state["architecture"], "x86_64");
    assert_eq!(state["gpu_support"], true);
    assert_eq!(state["ami_id"], gpu.as_str());
    let (ami, user_data) = template(&lab);
    assert_eq!(ami, gpu);
    assert!(
        user_data.contains("ECS_ENABLE_GPU_SUPPORT=true\n"),
        "{user_data}"
    );
    let refreshes = lab.emulator.requests("StartInstanceRefresh");
    assert_eq!(
        refreshes.len(),
        1,
        "the instances are rolled to the GPU AMI"
    );
    // The new types reach the group with the new AMI, through the refresh: the group never
    // launches GPU types from the arm64 template.
    assert!(refreshes[0].contains("g5.xlarge"), "{}", refreshes[0]);
    for update in lab.emulator.requests("UpdateAutoScalingGroup") {
        assert!(!update.contains("g5.xlarge"), "{update}");
    }
    plan_is_empty(&lab);
    run(&lab, &["destroy", "-auto-approve"]).success();
    let left = lab.leftovers(NAME);
    assert!(left.is_empty(), "left behind: {left:#?}");
}

/// `plan` of `types`: its output, and whether it made AWS calls other than reads.
fn plan_of(lab: &Lab, types: &str) -> (acceptance_tests::Run, Vec<String>) {
    lab.work.write("main.tf", &config(&lab.seed, types));
    lab.emulator.reset_counters();
    let plan = run(lab, &["plan"]);
    let writes = lab
        .emulator
        .calls()
        .into_keys()
        .filter(|c| !is_read(c))
        .collect();
    (plan, writes)
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn mixed_architectures_and_types_the_zones_do_not_offer_fail_the_plan_on_the_attribute_with_reads_only()
 {
    let lab = Lab::start();
    lab.work
        .write("main.tf", &config(&lab.seed, r#"["m6i.large"]"#));
    lab.work.init();

    // Graviton and x86 together: no AMI runs both.
    let (plan, writes) = plan_of(&lab, r#"["m7g.large", "m6i.large"]"#);
    assert_ne!(plan.code, 0);
    let said = words(&plan.stderr);
    assert!(
        said.contains("Instance types that need different AMIs")
            && said.contains("x86_64 (m6i.large) and arm64 (m7g.large)")
            && said.contains("instance_types = [\"m7g.large\", \"m6i.large\"]"),
        "{said}"
    );
    assert!(writes.is_empty(), "{writes:?}");

    // A type the private subnets' zones do not offer, on its element; one EC2 does not know.
    let (plan, writes) = plan_of(&lab, r#"["m6i.large", "trn1.32xlarge", "x9.large"]"#);
    assert_ne!(plan.code, 0);
    let said = words(&plan.stderr);
    assert!(
        said.contains("trn1.32xlarge is not offered in any Availability Zone of private_subnet_ids (ap-south-1a, ap-south-1b)")
            && said.contains("EC2 has no instance type \"x9.large\""),
        "{said}"
    );
    assert!(writes.is_empty(), "{writes:?}");

    // EC2 not answering for the types: a warning, and the plan leaves the architecture to the
    // apply.
    lab.work
        .write("main.tf", &config(&lab.seed, r#"["m7g.large"]"#));
    lab.emulator.reset_counters();
    lab.emulator.set_faults(serde_json::json!([
        {"service": "ec2", "action": "DescribeInstanceTypes", "mode": "throttle"}
    ]));
    let plan = run(&lab, &["plan"]);
    lab.emulator.set_faults(serde_json::json!([]));
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let said = words(&format!("{}\n{}", plan.stdout, plan.stderr));
    assert!(
        said.contains("Preflight checks skipped")
            && said.contains("the instance types (instance_types)")
            && said.contains("architecture = (known after apply)"),
        "{said}"
    );

    // Two clusters of the same types: EC2 is asked about them once in the plan.
    let second = cluster_resource(
        &lab.seed,
        "arch2",
        "  instance_types = [\"m7g.large\", \"m6g.large\"]\n",
    )
    .replace(
        "\"ecsprod_cluster\" \"main\"",
        "\"ecsprod_cluster\" \"second\"",
    );
    lab.work.write(
        "main.tf",
        &format!(
            "{}\n{second}",
            config(&lab.seed, r#"["m6g.large", "m7g.large"]"#)
        ),
    );
    lab.emulator.reset_counters();
    let plan = run(&lab, &["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let calls = lab.emulator.calls();
    for read in [
        "ec2.DescribeInstanceTypes",
        "ec2.DescribeInstanceTypeOfferings",
    ] {
        assert_eq!(calls.get(read), Some(&1), "{read}: {calls:?}");
    }

    // A type offered in only one of the zones: a warning naming the other; the plan goes on.
    let (plan, writes) = plan_of(&lab, r#"["m7g.large", "a1.large"]"#);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let said = words(&format!("{}\n{}", plan.stdout, plan.stderr));
    assert!(
        said.contains("Instance type not offered in every zone")
            && said.contains("a1.large is not offered in ap-south-1a"),
        "{said}"
    );
    assert!(writes.is_empty(), "{writes:?}");
}
