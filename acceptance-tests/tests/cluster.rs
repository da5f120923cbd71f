//! `ecsprod_cluster` end to end: real Terraform, the provider from the mirror, the local AWS
//! emulator, and assertions through the AWS SDK.

use acceptance_tests::aws_check;
use acceptance_tests::drift::{self, GroupBinding, ListenerChange, RootVolume, TemplateVersion};
use acceptance_tests::emulator::{Seed, is_read};
use acceptance_tests::{Lab, REQUIRED_PROVIDERS, cluster_resource};
use aws_sdk_ec2::types::{LaunchTemplateHttpTokensState, VolumeType};
use serde_json::json;

/// The test's lab, with the Terraform commands the tests share.
struct Stack(Lab);

impl std::ops::Deref for Stack {
    type Target = Lab;

    fn deref(&self) -> &Lab {
        &self.0
    }
}

const NAME: &str = "acc";

fn config(seed: &Seed, extra: &str) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
provider "ecsprod" {{
  default_tags = {{ Environment = "test" }}
}}

{cluster}"#,
        cluster = cluster_resource(
            seed,
            NAME,
            &format!("  tags                = {{ Team = \"platform\" }}\n{extra}")
        ),
    )
}

fn stack() -> Stack {
    Stack(Lab::start())
}

impl Stack {
    fn apply(&self, hcl: &str) {
        self.work.write("main.tf", hcl);
        self.work.init();
        self.work
            .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
            .success();
    }

    /// `plan -detailed-exitcode`: 0 = no changes, 2 = changes.
    fn plan_code(&self) -> (i32, String) {
        let run = self
            .work
            .run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
        (run.code, format!("{}\n{}", run.stdout, run.stderr))
    }

    fn plan_json(&self) -> serde_json::Value {
        self.work
            .run(&["plan", "-input=false", "-no-color", "-out=tfplan"])
            .success();
        self.work.run(&["show", "-json", "tfplan"]).success().json()
    }

    /// `apply` of the unchanged configuration, then a plan without changes.
    fn apply_repairs_the_drift(&self) {
        self.work
            .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
            .success();
        let (code, out) = self.plan_code();
        assert_eq!(code, 0, "drift not repaired:\n{out}");
    }

    fn destroy_leaves_nothing(&self) {
        self.work
            .run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
            .success();
        let left = self
            .rt
            .block_on(self.aws.cluster_leftovers(&self.seed.vpc_id, NAME));
        assert!(left.is_empty(), "left behind after destroy: {left:#?}");
    }
}

fn cluster_change(plan: &serde_json::Value) -> &serde_json::Value {
    plan["resource_changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["address"] == "ecsprod_cluster.main"))
        .map(|c| &c["change"])
        .unwrap_or_else(|| panic!("no cluster change: {plan:#}"))
}

#[test]
fn apply_creates_every_object_with_production_settings_then_plan_is_empty_and_destroy_leaves_nothing()
 {
    let s = stack();
    s.apply(&config(&s.seed, ""));
    let aws = &s.aws;
    s.rt.block_on(async {
        // ECS cluster with Container Insights and the capacity provider as default strategy.
        let cluster = aws.cluster(NAME).await;
        assert_eq!(cluster.status(), Some("ACTIVE"));
        assert!(
            cluster
                .settings()
                .iter()
                .any(|s| s.value() == Some("enabled"))
        );
        assert_eq!(cluster.capacity_providers(), ["acc-capacity"]);
        assert_eq!(
            cluster.default_capacity_provider_strategy()[0].capacity_provider(),
            "acc-capacity"
        );

        // Capacity provider: managed scaling at 80 %, termination protection, draining.
        let provider = aws.capacity_provider("acc-capacity").await;
        let asg_provider = provider
            .auto_scaling_group_provider()
            .expect("ASG provider");
        let scaling = asg_provider.managed_scaling().expect("managed scaling");
        assert_eq!(scaling.status().map(|s| s.as_str()), Some("ENABLED"));
        assert_eq!(scaling.target_capacity(), Some(80));
        assert_eq!(
            asg_provider
                .managed_termination_protection()
                .map(|p| p.as_str()),
            Some("ENABLED")
        );
        assert_eq!(
            asg_provider.managed_draining().map(|p| p.as_str()),
            Some("ENABLED")
        );

        // Auto Scaling group: private subnets, mixed instances, protected, tagged for ECS.
        let g = aws.auto_scaling_group("acc-instances").await;
        assert_eq!((g.min_size(), g.max_size()), (Some(2), Some(10)));
        assert_eq!(g.new_instances_protected_from_scale_in(), Some(true));
        // Spot is allowed above the base: Spot instances at risk are replaced ahead of time.
        assert_eq!(g.capacity_rebalance(), Some(true));
        assert_eq!(
            aws_check::group_subnets(&g),
            sorted(&s.seed.private_subnet_ids)
        );
        let mixed = g.mixed_instances_policy().expect("mixed instances policy");
        let dist = mixed.instances_distribution().expect("distribution");
        assert_eq!(dist.on_demand_base_capacity(), Some(2));
        assert_eq!(dist.on_demand_percentage_above_base_capacity(), Some(0));
        assert_eq!(dist.spot_allocation_strategy(), Some("capacity-optimized"));
        assert_eq!(
            aws_check::group_instance_types(&g),
            ["m6i.large", "m6a.large", "m5.large"]
        );
        let tags = aws_check::group_tags(&g);
        let tag = |k: &str| tags.get(k).map(String::as_str);
        assert_eq!(tag("AmazonECSManaged"), Some("true"));
        assert_eq!(tag("Team"), Some("platform"));
        assert_eq!(tag("Environment"), Some("test"));

        // Launch template: IMDSv2 only, hop limit 1, encrypted gp3, no public IP, joins the cluster.
        let data = aws.default_template_data("acc-instances").await;
        let md = data.metadata_options().expect("metadata options");
        assert_eq!(md.http_tokens().map(|t| t.as_str()), Some("required"));
        assert_eq!(md.http_put_response_hop_limit(), Some(1));
        let ebs = data.block_device_mappings()[0].ebs().expect("ebs");
        assert_eq!(ebs.encrypted(), Some(true));
        assert_eq!(ebs.volume_size(), Some(30));
        assert_eq!(ebs.volume_type().map(|t| t.as_str()), Some("gp3"));
        assert_eq!(
            data.network_interfaces()[0].associate_public_ip_address(),
            Some(false)
        );
        assert!(data.image_id().is_some_and(|i| i.starts_with("ami-")));
        let user_data = aws_check::user_data(&data);
        assert!(user_data.contains("ECS_CLUSTER=acc\n"), "{user_data}");
        assert!(user_data.contains("ECS_ENABLE_SPOT_INSTANCE_DRAINING=true\n"));

        // Instance role with the ECS and SSM policies, in an instance profile.
        assert_eq!(
            aws.attached_policy_names("acc-ecs-instance").await,
            [
                "AmazonEC2ContainerServiceforEC2Role",
                "AmazonSSMManagedInstanceCore"
            ]
        );
        assert_eq!(
            aws.instance_profile_roles("acc-ecs-instance").await[0],
            "acc-ecs-instance"
        );

        // Security groups: 80/443 from anywhere on the ALB; only the ALB on the instances.
        let alb_sg = aws.security_group_named(&s.seed.vpc_id, "acc-alb").await;
        let mut ports: Vec<i32> = alb_sg
            .ip_permissions()
            .iter()
            .filter_map(|p| p.from_port())
            .collect();
        ports.sort();
        ports.dedup();
        assert_eq!(ports, [80, 443]);
        let inst_sg = aws
            .security_group_named(&s.seed.vpc_id, "acc-instances")
            .await;
        let perms = inst_sg.ip_permissions();
        assert_eq!(perms.len(), 1);
        assert!(
            perms[0].ip_ranges().is_empty(),
            "no CIDR ingress on instances"
        );
        assert_eq!(
            perms[0].user_id_group_pairs()[0].group_id(),
            alb_sg.group_id()
        );
        assert_eq!(
            (perms[0].from_port(), perms[0].to_port()),
            (Some(32768), Some(65535))
        );

        // The shared ALB: internet-facing in the public subnets, HTTPS 404 by default, HTTP redirect.
        let lb = aws.load_balancer("acc-alb").await;
        assert_eq!(lb.scheme().map(|s| s.as_str()), Some("internet-facing"));
        let lb_arn = lb.load_balancer_arn().expect("arn");
        let https = aws.listener(lb_arn, 443).await;
        assert_eq!(
            https.ssl_policy(),
            Some("ELBSecurityPolicy-TLS13-1-2-2021-06")
        );
        assert_eq!(
            https.certificates()[0].certificate_arn(),
            Some(s.seed.certificate_arn.as_str())
        );
        let default = &https.default_actions()[0];
        assert_eq!(
            default
                .fixed_response_config()
                .and_then(|f| f.status_code()),
            Some("404")
        );
        let http = aws.listener(lb_arn, 80).await;
        let redirect = http.default_actions()[0]
            .redirect_config()
            .expect("redirect");
        assert_eq!(redirect.protocol(), Some("HTTPS"));
        assert_eq!(redirect.status_code().map(|c| c.as_str()), Some("HTTP_301"));
    });

    let (code, out) = s.plan_code();
    assert_eq!(code, 0, "plan after apply is not empty:\n{out}");

    let state = s.work.run(&["show", "-json"]).success().json();
    let values = &state["values"]["root_module"]["resources"][0]["values"];
    assert!(
        values["ami_id"]
            .as_str()
            .is_some_and(|a| a.starts_with("ami-")),
        "AMI pinned in state"
    );
    assert_eq!(
        values["tags_all"],
        json!({"Environment": "test", "Team": "platform"})
    );

    s.destroy_leaves_nothing();
}

#[test]
fn out_of_band_changes_show_on_their_attribute_and_apply_repairs_them() {
    let s = stack();
    s.apply(&config(&s.seed, ""));
    s.rt.block_on(async {
        let aws = &s.aws;
        drift::set_group_max_size(aws, "acc-instances", 3).await;
        drift::set_group_capacity_rebalance(aws, "acc-instances", false).await;
        drift::set_target_capacity(aws, "acc-capacity", 50).await;
        let lb_arn = aws.load_balancer_arn("acc-alb").await;
        let https = aws.listener_arn(&lb_arn, 443).await;
        let weaker = ListenerChange {
            ssl_policy: Some("ELBSecurityPolicy-2016-08"),
            ..Default::default()
        };
        drift::modify_listener(aws, &https, weaker).await;
        // Allow IMDSv1 and a hop limit containers can use, through a new default version.
        let imdsv1 = TemplateVersion {
            metadata: Some((LaunchTemplateHttpTokensState::Optional, 2)),
            root_volume: Some(RootVolume {
                size: 30,
                volume_type: VolumeType::Gp3,
                encrypted: true,
                kms_key_id: None,
            }),
            ..Default::default()
        };
        drift::publish_default_template_version(aws, "acc-instances", &imdsv1).await;
    });

    let plan = s.plan_json();
    let change = cluster_change(&plan);
    assert_eq!(change["actions"], json!(["update"]));
    assert_eq!(change["before"]["max_size"], 3);
    assert_eq!(change["after"]["max_size"], 10);
    assert_eq!(change["before"]["capacity_rebalance"], false);
    assert_eq!(change["after"]["capacity_rebalance"], true);
    assert_eq!(change["before"]["target_capacity"], 50);
    assert_eq!(change["after"]["target_capacity"], 80);
    assert_eq!(change["before"]["ssl_policy"], "ELBSecurityPolicy-2016-08");
    assert_eq!(
        change["after"]["ssl_policy"],
        "ELBSecurityPolicy-TLS13-1-2-2021-06"
    );
    assert_eq!(
        change["before"]["instance_metadata_options"],
        "http_tokens=optional,hop_limit=2"
    );
    assert_eq!(
        change["after"]["instance_metadata_options"],
        "http_tokens=required,hop_limit=1"
    );

    s.apply_repairs_the_drift();
    s.rt.block_on(async {
        let g = s.aws.auto_scaling_group("acc-instances").await;
        assert_eq!(g.max_size(), Some(10));
        assert_eq!(g.capacity_rebalance(), Some(true));
        let data = s.aws.default_template_data("acc-instances").await;
        let md = data.metadata_options().expect("metadata options");
        assert_eq!(md.http_tokens().map(|t| t.as_str()), Some("required"));
        assert_eq!(md.http_put_response_hop_limit(), Some(1));
    });
    s.destroy_leaves_nothing();
}

#[test]
fn sizes_instance_types_and_target_capacity_update_in_place() {
    let s = stack();
    s.apply(&config(&s.seed, ""));
    s.work.write(
        "main.tf",
        &config(
            &s.seed,
            "  instance_types  = [\"m7i.large\", \"m6i.large\"]\n  min_size        = 3\n  max_size        = 12\n  target_capacity = 90\n",
        ),
    );
    let plan = s.plan_json();
    assert_eq!(
        cluster_change(&plan)["actions"],
        json!(["update"]),
        "no replacement"
    );
    s.work
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let (code, out) = s.plan_code();
    assert_eq!(code, 0, "{out}");
    s.rt.block_on(async {
        let g = s.aws.auto_scaling_group("acc-instances").await;
        assert_eq!((g.min_size(), g.max_size()), (Some(3), Some(12)));
        assert_eq!(
            aws_check::group_instance_types(&g),
            ["m7i.large", "m6i.large"]
        );
        let provider = s.aws.capacity_provider("acc-capacity").await;
        assert_eq!(
            provider
                .auto_scaling_group_provider()
                .and_then(|a| a.managed_scaling())
                .and_then(|m| m.target_capacity()),
            Some(90)
        );
    });
    s.destroy_leaves_nothing();
}

#[test]
fn import_by_name_reconstructs_the_state_and_the_next_plan_is_empty() {
    let s = stack();
    let hcl = config(&s.seed, "");
    s.apply(&hcl);
    std::fs::remove_file(s.work.path().join("terraform.tfstate")).expect("forget the state");
    s.work
        .run(&[
            "import",
            "-input=false",
            "-no-color",
            "ecsprod_cluster.main",
            NAME,
        ])
        .success();
    let (code, out) = s.plan_code();
    assert_eq!(code, 0, "plan after import is not empty:\n{out}");
    s.destroy_leaves_nothing();
}

#[test]
fn deletion_protection_stops_destroy_before_anything_is_deleted() {
    let s = stack();
    let hcl =
        config(&s.seed, "").replace("deletion_protection = false", "deletion_protection = true");
    s.apply(&hcl);
    let before = s.rt.block_on(s.aws.cluster_leftovers(&s.seed.vpc_id, NAME));
    let run = s
        .work
        .run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("Cluster is protected from deletion"),
        "{}",
        run.stderr
    );
    let after = s.rt.block_on(s.aws.cluster_leftovers(&s.seed.vpc_id, NAME));
    assert_eq!(before, after, "nothing was deleted");
    s.work.write("main.tf", &config(&s.seed, ""));
    s.work
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    s.destroy_leaves_nothing();
}

#[test]
fn an_apply_that_fails_half_way_records_what_exists_and_destroy_removes_it() {
    let s = stack();
    s.emulator.set_faults(json!([
        {"service": "autoscaling", "action": "CreateAutoScalingGroup", "mode": "error"}
    ]));
    // Two attempts per call keep the injected hard failure quick.
    let hcl = config(&s.seed, "").replace(
        "default_tags = { Environment = \"test\" }",
        "default_tags = { Environment = \"test\" }\n  max_retries  = 1",
    );
    assert!(hcl.contains("max_retries"));
    s.work.write("main.tf", &hcl);
    s.work.init();
    let run = s
        .work
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0, "apply should fail");
    assert!(
        run.stderr.contains("Auto Scaling group"),
        "the error names the step:\n{}",
        run.stderr
    );
    let state = s.work.run(&["show", "-json"]).success().json();
    let values = &state["values"]["root_module"]["resources"][0]["values"];
    assert!(
        values["alb_arn"].as_str().is_some(),
        "partial state records the ALB: {values:#}"
    );
    assert!(values["autoscaling_group_name"].is_null());
    s.emulator.set_faults(json!([]));
    s.destroy_leaves_nothing();
}

#[test]
fn tag_and_ami_changes_update_every_object_in_place() {
    let s = stack();
    s.apply(&config(&s.seed, ""));
    let changed = config(&s.seed, "  ami_id = \"ami-0abcdef1234567890\"\n").replace(
        "tags                = { Team = \"platform\" }",
        "tags                = { Team = \"apps\", Owner = \"sre\" }",
    );
    s.work.write("main.tf", &changed);
    let plan = s.plan_json();
    assert_eq!(
        cluster_change(&plan)["actions"],
        json!(["update"]),
        "no replacement"
    );
    s.work
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let (code, out) = s.plan_code();
    assert_eq!(code, 0, "{out}");
    let want = |t: std::collections::BTreeMap<String, String>| {
        assert_eq!(t.get("Team").map(String::as_str), Some("apps"), "{t:?}");
        assert_eq!(t.get("Owner").map(String::as_str), Some("sre"), "{t:?}");
        assert_eq!(
            t.get("Environment").map(String::as_str),
            Some("test"),
            "{t:?}"
        );
    };
    s.rt.block_on(async {
        let aws = &s.aws;
        want(aws_check::group_tags(
            &aws.auto_scaling_group("acc-instances").await,
        ));
        let lb_arn = aws.load_balancer_arn("acc-alb").await;
        want(aws.load_balancing_tags(&lb_arn).await);
        want(aws.role_tags("acc-ecs-instance").await);
        want(aws_check::cluster_tags(&aws.cluster(NAME).await));
        let data = aws.default_template_data("acc-instances").await;
        assert_eq!(
            data.image_id(),
            Some("ami-0abcdef1234567890"),
            "new AMI through a new default version"
        );
        want(aws_check::instance_tags(&data));
    });
    s.destroy_leaves_nothing();
}

#[test]
fn a_blocked_delete_stops_at_its_timeout_naming_the_blocker_and_a_second_destroy_finishes() {
    let s = stack();
    s.apply(&config(&s.seed, "  timeouts = { delete = \"3s\" }\n"));
    // Network interfaces that never go away: the instance security group stays in use.
    s.emulator.set_faults(json!([
        {"service": "ec2", "action": "DeleteSecurityGroup", "mode": "fail", "code": "DependencyViolation",
         "message": "resource has a dependent object"}
    ]));
    let run = s
        .work
        .run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0, "destroy should stop at the timeout");
    assert!(
        run.stderr
            .contains("security group acc-instances to be free of network interfaces"),
        "the error names what is blocking:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("timeouts.delete"), "{}", run.stderr);
    s.emulator.set_faults(json!([]));
    s.destroy_leaves_nothing();
}

/// The API calls one `terraform plan -refresh-only` makes, per `service.Action`.
fn refresh_calls(s: &Stack) -> std::collections::BTreeMap<String, u64> {
    s.emulator.reset_counters();
    let run = s.work.run(&[
        "plan",
        "-refresh-only",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
    ]);
    assert_eq!(run.code, 0, "refresh found changes:\n{}", run.stdout);
    s.emulator.calls()
}

/// `plan -detailed-exitcode` saved to a file: the exit code and the plan as JSON.
fn plan_with_code(s: &Stack) -> (i32, serde_json::Value) {
    let run = s.work.run(&[
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        "-out=tfplan",
    ]);
    assert_ne!(run.code, 1, "plan failed:\n{}", run.stderr);
    let plan = s.work.run(&["show", "-json", "tfplan"]).success().json();
    (run.code, plan)
}

/// IDs of what the apply made, found through the SDK.
struct Made {
    lb_arn: String,
    alb_sg: String,
    instance_sg: String,
    template_id: String,
    group_arn: String,
}

fn made(s: &Stack) -> Made {
    let aws = &s.aws;
    s.rt.block_on(async {
        Made {
            lb_arn: aws.load_balancer_arn("acc-alb").await,
            alb_sg: aws.security_group_id(&s.seed.vpc_id, "acc-alb").await,
            instance_sg: aws.security_group_id(&s.seed.vpc_id, "acc-instances").await,
            template_id: aws
                .launch_template("acc-instances")
                .await
                .launch_template_id()
                .expect("template id")
                .to_owned(),
            group_arn: aws
                .auto_scaling_group("acc-instances")
                .await
                .auto_scaling_group_arn()
                .expect("group arn")
                .to_owned(),
        }
    })
}

/// The plan after changes made outside Terraform: an in-place update of the cluster.
fn drift_plan(s: &Stack) -> serde_json::Value {
    let (code, plan) = plan_with_code(s);
    assert_eq!(code, 2, "the drift shows as a change");
    let change = cluster_change(&plan).clone();
    assert_eq!(change["actions"], json!(["update"]));
    change
}

/// Asserts that `attr` of a planned change is `was` before and `will_be` after.
fn assert_changed(
    change: &serde_json::Value,
    attr: &str,
    was: serde_json::Value,
    will_be: serde_json::Value,
) {
    assert_eq!(change["before"][attr], was, "{attr} before");
    assert_eq!(change["after"][attr], will_be, "{attr} after");
}

/// The ids, sorted.
fn sorted(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}

#[test]
fn refresh_reads_rules_tags_and_capacity_provider_switches_in_batched_calls_and_apply_repairs_their_drift()
 {
    let s = stack();
    s.apply(&config(&s.seed, ""));

    // Refresh reads every kind of object once: both groups in one call, the load balancer's and
    // its listeners' tags in one call, both listeners in one call, every load balancer attribute
    // in one call (as the emulator's control API counts them). The role's policies
    // and the instance profile take three calls of their own: IAM reports them nowhere else.
    // The instance types (for `architecture`) and the recommended AMI's public parameter
    // (`recommended_ami_id`) are read too, the ECS Exec session log group with its tags, and the
    // Service Connect namespace with its tags.
    // The provider's credentials check at configure (one STS call) is not the cluster's.
    let mut calls = refresh_calls(&s);
    assert_eq!(calls.remove("sts.GetCallerIdentity"), Some(1), "{calls:#?}");
    let total: u64 = calls.values().sum();
    eprintln!("refresh: {total} calls {calls:#?}");
    assert!(
        calls.values().all(|n| *n == 1),
        "an action called more than once: {calls:#?}"
    );
    assert_eq!(calls.get("ec2.DescribeSecurityGroups"), Some(&1));
    assert_eq!(calls.get("elasticloadbalancing.DescribeTags"), Some(&1));
    assert_eq!(
        calls.get("elasticloadbalancing.DescribeListeners"),
        Some(&1)
    );
    for iam in [
        "iam.GetRole",
        "iam.ListAttachedRolePolicies",
        "iam.ListRolePolicies",
        "iam.GetInstanceProfile",
    ] {
        assert_eq!(calls.get(iam), Some(&1), "{iam}: {calls:#?}");
    }
    assert_eq!(calls.get("ssm.GetParameter"), Some(&1));
    assert_eq!(calls.get("ec2.DescribeInstanceTypes"), Some(&1));
    assert_eq!(calls.get("logs.DescribeLogGroups"), Some(&1));
    assert_eq!(calls.get("servicediscovery.ListNamespaces"), Some(&1));
    assert!(total <= 20, "{total} calls: {calls:#?}");

    let aws = &s.aws;
    let Made {
        alb_sg,
        instance_sg,
        lb_arn,
        ..
    } = made(&s);

    s.rt.block_on(async {
        // The load balancer loses HTTP from IPv4 anywhere; the instances gain SSH from a CIDR.
        drift::revoke_ingress_rule(aws, &alb_sg, 80, "0.0.0.0/0").await;
        drift::add_ingress_rule(aws, &instance_sg, drift::tcp(22, "10.0.0.0/8")).await;
        // A tag changed and the ECS tag removed on the group; a tag added on the load balancer.
        drift::set_group_tag(aws, "acc-instances", "Team", "rogue").await;
        drift::remove_group_tag(aws, "acc-instances", "AmazonECSManaged").await;
        drift::tag_load_balancing_object(aws, &lb_arn, "Extra", "x").await;
        // Managed scaling, termination protection and draining switched off.
        drift::switch_off_capacity_provider_management(aws, "acc-capacity").await;
    });

    let change = drift_plan(&s);
    let (before, after) = (&change["before"], &change["after"]);
    assert_eq!(
        before["alb_security_group_ingress"],
        json!([
            "tcp 80 from ::/0",
            "tcp 443 from 0.0.0.0/0",
            "tcp 443 from ::/0"
        ])
    );
    assert_eq!(
        after["alb_security_group_ingress"],
        json!([
            "tcp 80 from 0.0.0.0/0",
            "tcp 80 from ::/0",
            "tcp 443 from 0.0.0.0/0",
            "tcp 443 from ::/0"
        ])
    );
    assert_eq!(
        before["instance_security_group_ingress"],
        json!([
            "tcp 22 from 10.0.0.0/8",
            "tcp 32768-65535 from alb_security_group_id",
            "tcp 32768-65535 from self"
        ])
    );
    assert_eq!(
        after["instance_security_group_ingress"],
        json!([
            "tcp 32768-65535 from alb_security_group_id",
            "tcp 32768-65535 from self"
        ])
    );
    assert_eq!(
        before["tags_all"],
        json!({"Environment": "test", "Team": "rogue", "Extra": "x"})
    );
    assert_eq!(
        after["tags_all"],
        json!({"Environment": "test", "Team": "platform"})
    );
    assert_eq!(before["tags"], json!({"Team": "rogue", "Extra": "x"}));
    assert_eq!(after["tags"], json!({"Team": "platform"}));
    assert_eq!(before["managed_tags"], json!({"ecsprod:cluster": "acc"}));
    assert_eq!(
        after["managed_tags"],
        json!({"ecsprod:cluster": "acc", "AmazonECSManaged": "true"})
    );
    assert_eq!(
        before["capacity_provider_settings"],
        "managed_scaling=disabled,managed_termination_protection=disabled,managed_draining=disabled"
    );
    assert_eq!(
        after["capacity_provider_settings"],
        "managed_scaling=enabled,managed_termination_protection=enabled,managed_draining=enabled"
    );

    s.apply_repairs_the_drift();
    s.rt.block_on(async {
        let groups = aws.security_groups(&[&alb_sg, &instance_sg]).await;
        let group = |id: &str| {
            groups
                .iter()
                .find(|g| g.group_id() == Some(id))
                .expect("group")
                .clone()
        };
        let http_v4 = group(&alb_sg).ip_permissions().iter().any(|p| {
            p.from_port() == Some(80)
                && p.ip_ranges()
                    .iter()
                    .any(|r| r.cidr_ip() == Some("0.0.0.0/0"))
        });
        assert!(http_v4, "HTTP from anywhere restored");
        let instances = group(&instance_sg);
        let perms = instances.ip_permissions();
        assert_eq!(perms.len(), 1, "SSH revoked: {perms:#?}");
        assert!(perms[0].ip_ranges().is_empty());
        assert_eq!(
            perms[0].user_id_group_pairs()[0].group_id(),
            Some(alb_sg.as_str())
        );

        let t = aws_check::group_tags(&aws.auto_scaling_group("acc-instances").await);
        assert_eq!(t.get("Team").map(String::as_str), Some("platform"));
        assert_eq!(t.get("AmazonECSManaged").map(String::as_str), Some("true"));
        let t = aws.load_balancing_tags(&lb_arn).await;
        assert_eq!(t.get("Extra"), None, "{t:?}");
        assert_eq!(t.get("Team").map(String::as_str), Some("platform"));

        let provider = aws.capacity_provider("acc-capacity").await;
        let provider = provider
            .auto_scaling_group_provider()
            .expect("ASG provider");
        assert_eq!(
            provider
                .managed_scaling()
                .and_then(|m| m.status())
                .map(|s| s.as_str()),
            Some("ENABLED")
        );
        assert_eq!(
            provider
                .managed_termination_protection()
                .map(|p| p.as_str()),
            Some("ENABLED")
        );
        assert_eq!(
            provider.managed_draining().map(|p| p.as_str()),
            Some("ENABLED")
        );
    });
    s.destroy_leaves_nothing();
}

/// The trust policy as `instance_role_settings` shows it: canonical JSON.
const EC2_TRUST: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"}}],"Version":"2012-10-17"}"#;

#[test]
fn refresh_reads_listeners_attributes_bindings_role_and_template_content_and_apply_repairs_their_drift()
 {
    let s = stack();
    s.apply(&config(&s.seed, ""));
    let aws = &s.aws;

    // What the apply made, and what the changes below bring in from outside.
    let Made {
        lb_arn,
        alb_sg,
        instance_sg,
        template_id,
        ..
    } = made(&s);
    let (other_cert, other_sg, key_arn) = s.rt.block_on(async {
        (
            drift::request_certificate(aws, "other.example.test").await,
            drift::create_security_group(aws, &s.seed.vpc_id, "outsider", "not the cluster's")
                .await,
            drift::create_kms_key(aws).await,
        )
    });

    s.rt.block_on(async {
        // Port 80 answers instead of redirecting; the HTTPS listener gets another certificate,
        // a weaker policy and a 503 default.
        let answers = ListenerChange {
            default_action: Some(drift::fixed_response("200", Some("hello"))),
            ..Default::default()
        };
        drift::modify_listener(aws, &aws.listener_arn(&lb_arn, 80).await, answers).await;
        let weakened = ListenerChange {
            ssl_policy: Some("ELBSecurityPolicy-2016-08"),
            certificate_arn: Some(&other_cert),
            default_action: Some(drift::fixed_response("503", None)),
        };
        drift::modify_listener(aws, &aws.listener_arn(&lb_arn, 443).await, weakened).await;
        // Invalid header fields pass, the load balancer is protected, and a second group opens it.
        drift::set_load_balancer_attributes(
            aws,
            &lb_arn,
            &[
                ("routing.http.drop_invalid_header_fields.enabled", "false"),
                ("deletion_protection.enabled", "true"),
            ],
        )
        .await;
        drift::set_load_balancer_security_groups(aws, &lb_arn, &[&alb_sg, &other_sg]).await;

        // The group launches the latest version, without scale-in protection, from one subnet,
        // with a lower minimum.
        let binding = GroupBinding {
            template_id: &template_id,
            version: "$Latest",
            instance_types: &["m6i.large", "m6a.large", "m5.large"],
            min_size: 1,
            subnets: &s.seed.private_subnet_ids[0],
            scale_in_protection: false,
        };
        drift::rebind_group(aws, "acc-instances", &binding).await;

        // The cluster's default strategy changes and Container Insights is switched off.
        drift::set_default_strategy(aws, NAME, "acc-capacity", 2, 1).await;
        drift::set_container_insights(aws, NAME, "disabled").await;

        // The role gains an administrator policy and an inline policy, trusts Lambda too, and
        // the instance profile holds another role.
        let role = "acc-ecs-instance";
        drift::attach_role_policy(aws, role, "arn:aws:iam::aws:policy/AdministratorAccess").await;
        drift::put_role_policy(
            aws,
            role,
            "extra",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
        )
        .await;
        drift::set_trust_policy(
            aws,
            role,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#,
        )
        .await;
        drift::create_role(aws, "acc-outsider", EC2_TRUST).await;
        drift::swap_instance_profile_role(aws, role, role, "acc-outsider").await;

        // A new default template version: other user data, a public IP, a gp2 root volume of
        // 50 GiB under another key, another instance profile (same AMI, metadata and tags).
        let rogue = TemplateVersion {
            metadata: Some((LaunchTemplateHttpTokensState::Required, 1)),
            root_volume: Some(RootVolume {
                size: 50,
                volume_type: VolumeType::Gp2,
                encrypted: true,
                kms_key_id: Some(&key_arn),
            }),
            instance_profile: Some("outsider-profile"),
            network_interface: Some((true, &instance_sg)),
            user_data: Some("#!/bin/bash\necho rogue\n"),
            key_name: None,
            keep_instance_tags: true,
        };
        drift::publish_default_template_version(aws, &template_id, &rogue).await;
    });

    let change = drift_plan(&s);
    let (before, after) = (&change["before"], &change["after"]);
    let changed = |attr, was, will_be| assert_changed(&change, attr, was, will_be);
    changed(
        "load_balancer_settings",
        json!({
            "drop_invalid_header_fields": "false",
            "security_groups": format!("alb_security_group_id, {other_sg}"),
            "http_listener": "HTTP:80 fixed-response 200 text/plain \"hello\"",
            "https_listener": "HTTPS:443 fixed-response 503 text/plain",
            "other_listeners": "none",
        }),
        json!({
            "drop_invalid_header_fields": "true",
            "security_groups": "alb_security_group_id",
            "http_listener": "HTTP:80 redirect to HTTPS://#{host}:443/#{path}?#{query} HTTP_301",
            "https_listener": "HTTPS:443 fixed-response 404 text/plain \"Not found\"",
            "other_listeners": "none",
        }),
    );
    changed(
        "ssl_policy",
        json!("ELBSecurityPolicy-2016-08"),
        json!("ELBSecurityPolicy-TLS13-1-2-2021-06"),
    );
    changed(
        "certificate_arn",
        json!(other_cert),
        json!(s.seed.certificate_arn),
    );
    changed("deletion_protection", json!(true), json!(false));
    changed(
        "capacity_binding",
        json!({
            "auto_scaling_group_launch_template": "launch_template_id version $Latest",
            "auto_scaling_group_scale_in_protection": "false",
            "cluster_capacity_providers": "acc-capacity",
            "cluster_default_strategy": "acc-capacity weight=2 base=1",
            "capacity_provider_auto_scaling_group": "autoscaling_group_name",
        }),
        json!({
            "auto_scaling_group_launch_template": "launch_template_id default version",
            "auto_scaling_group_scale_in_protection": "true",
            "cluster_capacity_providers": "acc-capacity",
            "cluster_default_strategy": "acc-capacity weight=1 base=0",
            "capacity_provider_auto_scaling_group": "autoscaling_group_name",
        }),
    );
    changed("min_size", json!(1), json!(2));
    changed(
        "private_subnet_ids",
        json!([s.seed.private_subnet_ids[0]]),
        json!(s.seed.private_subnet_ids),
    );
    changed("container_insights", json!(false), json!(true));
    changed(
        "instance_role_settings",
        json!({
            "trust_policy": r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","lambda.amazonaws.com"]}}],"Version":"2012-10-17"}"#,
            "managed_policies": "AdministratorAccess, AmazonSSMManagedInstanceCore, service-role/AmazonEC2ContainerServiceforEC2Role",
            "inline_policies": "extra",
            "instance_profile_role": "acc-outsider",
        }),
        json!({
            "trust_policy": EC2_TRUST,
            "managed_policies": "AmazonSSMManagedInstanceCore, service-role/AmazonEC2ContainerServiceforEC2Role",
            "inline_policies": "none",
            "instance_profile_role": "acc-ecs-instance",
        }),
    );
    let user_data = after["launch_template_settings"]["user_data"]
        .as_str()
        .expect("planned user data");
    assert!(user_data.contains("ECS_CLUSTER=acc\n"), "{user_data}");
    changed(
        "launch_template_settings",
        json!({
            "user_data": "#!/bin/bash\necho rogue\n",
            "network_interfaces": "device_index=0,associate_public_ip=true,security_groups=instance_security_group_id",
            "block_devices": "device=/dev/xvda,type=gp2,encrypted=true",
            "instance_profile": "outsider-profile",
            "key_name": "none",
        }),
        json!({
            "user_data": user_data,
            "network_interfaces": "device_index=0,associate_public_ip=false,security_groups=instance_security_group_id",
            "block_devices": "device=/dev/xvda,type=gp3,encrypted=true",
            "instance_profile": "acc-ecs-instance",
            "key_name": "none",
        }),
    );
    changed("root_volume_size", json!(50), json!(30));
    changed("ebs_kms_key_id", json!(key_arn), serde_json::Value::Null);
    // Nothing else drifted: the tags the new version gives instances are the blueprint's.
    assert_eq!(before["tags_all"], after["tags_all"]);

    s.apply_repairs_the_drift();

    s.rt.block_on(async {
        // Listeners, attributes and groups of the load balancer.
        let http = aws.listener(&lb_arn, 80).await;
        let redirect = http.default_actions()[0]
            .redirect_config()
            .expect("HTTP redirects again");
        assert_eq!(redirect.protocol(), Some("HTTPS"));
        assert_eq!(redirect.port(), Some("443"));
        assert_eq!(redirect.status_code().map(|c| c.as_str()), Some("HTTP_301"));
        let https = aws.listener(&lb_arn, 443).await;
        assert_eq!(https.protocol().map(|p| p.as_str()), Some("HTTPS"));
        assert_eq!(
            https.ssl_policy(),
            Some("ELBSecurityPolicy-TLS13-1-2-2021-06")
        );
        assert_eq!(
            https.certificates()[0].certificate_arn(),
            Some(s.seed.certificate_arn.as_str())
        );
        let fixed = https.default_actions()[0]
            .fixed_response_config()
            .expect("HTTPS answers 404 again");
        assert_eq!(fixed.status_code(), Some("404"));
        assert_eq!(fixed.message_body(), Some("Not found"));
        let attributes = aws.load_balancer_attributes(&lb_arn).await;
        let attribute = |key: &str| attributes.get(key).map(String::as_str);
        assert_eq!(
            attribute("routing.http.drop_invalid_header_fields.enabled"),
            Some("true")
        );
        assert_eq!(attribute("deletion_protection.enabled"), Some("false"));
        assert_eq!(
            aws.load_balancer_by_arn(&lb_arn).await.security_groups(),
            std::slice::from_ref(&alb_sg)
        );

        // The group and the cluster.
        let g = aws.auto_scaling_group("acc-instances").await;
        assert_eq!(g.new_instances_protected_from_scale_in(), Some(true));
        assert_eq!(g.min_size(), Some(2));
        assert_eq!(
            aws_check::group_subnets(&g),
            sorted(&s.seed.private_subnet_ids)
        );
        let binding = g
            .mixed_instances_policy()
            .and_then(|m| m.launch_template())
            .and_then(|t| t.launch_template_specification())
            .expect("template binding");
        assert_eq!(binding.launch_template_id(), Some(template_id.as_str()));
        // The template's default version, by number, so that a roll-out can be rolled back.
        let default = aws
            .launch_template("acc-instances")
            .await
            .default_version_number()
            .map(|n| n.to_string());
        assert_eq!(binding.version(), default.as_deref());
        let cluster = aws.cluster(NAME).await;
        let strategy = cluster.default_capacity_provider_strategy();
        assert_eq!(strategy.len(), 1);
        assert_eq!(
            (
                strategy[0].capacity_provider(),
                strategy[0].weight(),
                strategy[0].base()
            ),
            ("acc-capacity", 1, 0)
        );
        assert!(
            cluster
                .settings()
                .iter()
                .any(|s| s.value() == Some("enabled")),
            "Container Insights on again: {:?}",
            cluster.settings()
        );

        // The role and its profile.
        assert_eq!(
            aws.attached_policy_names("acc-ecs-instance").await,
            [
                "AmazonEC2ContainerServiceforEC2Role",
                "AmazonSSMManagedInstanceCore"
            ]
        );
        let inline = aws.inline_policy_names("acc-ecs-instance").await;
        assert!(inline.is_empty(), "{inline:?}");
        let trust = aws.trust_policy("acc-ecs-instance").await;
        assert!(!trust.contains("lambda"), "{trust}");
        assert_eq!(
            aws.instance_profile_roles("acc-ecs-instance").await,
            ["acc-ecs-instance"]
        );

        // The template's new default version.
        let data = aws.default_template_data(&template_id).await;
        assert!(aws_check::user_data(&data).contains("ECS_CLUSTER=acc\n"));
        let ni = &data.network_interfaces()[0];
        assert_eq!(ni.associate_public_ip_address(), Some(false));
        assert_eq!(ni.groups(), std::slice::from_ref(&instance_sg));
        let ebs = data.block_device_mappings()[0].ebs().expect("root volume");
        assert_eq!(ebs.volume_type().map(|t| t.as_str()), Some("gp3"));
        assert_eq!(ebs.volume_size(), Some(30));
        assert_eq!(ebs.encrypted(), Some(true));
        assert_eq!(ebs.kms_key_id(), None);
        assert_eq!(
            data.iam_instance_profile().and_then(|p| p.name()),
            Some("acc-ecs-instance")
        );

        // What this test brought in is not the cluster's: remove it before the destroy check.
        drift::delete_security_group(aws, &other_sg).await;
        drift::delete_role(aws, "acc-outsider").await;
    });
    s.destroy_leaves_nothing();
}

#[test]
fn refresh_reads_names_egress_key_pairs_extra_listeners_and_the_providers_group_and_apply_repairs_them()
 {
    let s = stack();
    s.apply(&config(&s.seed, ""));
    let aws = &s.aws;
    let Made {
        lb_arn,
        alb_sg,
        instance_sg,
        template_id,
        group_arn,
    } = made(&s);

    let outsider_arn = s.rt.block_on(async {
        // Names: one group renamed, the other's Name removed, the template and the group
        // renamed (the group would pass its Name on to new instances).
        drift::tag_ec2_objects(aws, &[&alb_sg, &template_id], "Name", "renamed").await;
        drift::untag_ec2_object(aws, &instance_sg, "Name").await;
        drift::set_group_tag(aws, "acc-instances", "Name", "rogue").await;

        // Egress: the instances lose their way out, the load balancer gains SSH to the VPC.
        drift::revoke_egress_rule(aws, &instance_sg, drift::all_traffic("0.0.0.0/0")).await;
        drift::add_egress_rule(aws, &alb_sg, drift::tcp(22, "10.0.0.0/8")).await;

        // A key pair in a new default template version.
        drift::create_key_pair(aws, "ops").await;
        let with_key = TemplateVersion {
            key_name: Some("ops"),
            ..Default::default()
        };
        drift::publish_default_template_version(aws, &template_id, &with_key).await;

        // A plain HTTP listener on another port, forwarding nowhere but answering.
        drift::add_fixed_response_listener(aws, &lb_arn, 8080, "debug").await;

        // The capacity provider is recreated under its name for another Auto Scaling group.
        let outsider_arn = drift::create_auto_scaling_group(
            aws,
            "outsider",
            &template_id,
            &s.seed.private_subnet_ids[0],
        )
        .await;
        drift::recreate_capacity_provider(aws, NAME, "acc-capacity", &outsider_arn).await;
        outsider_arn
    });

    let change = drift_plan(&s);
    let (before, after) = (&change["before"], &change["after"]);
    let changed = |attr, was, will_be| assert_changed(&change, attr, was, will_be);
    changed(
        "name_tags",
        json!({
            "alb_security_group": "renamed",
            "instance_security_group": "none",
            "launch_template": "renamed",
            "auto_scaling_group": "rogue",
        }),
        json!({
            "alb_security_group": "acc-alb",
            "instance_security_group": "acc-instances",
            "launch_template": "acc-instances",
            "auto_scaling_group": "acc-ecs-instance",
        }),
    );
    changed(
        "alb_security_group_egress",
        json!(["all to 0.0.0.0/0", "tcp 22 to 10.0.0.0/8"]),
        json!(["all to 0.0.0.0/0"]),
    );
    changed(
        "instance_security_group_egress",
        json!([]),
        json!(["all to 0.0.0.0/0"]),
    );
    let setting = |attr: &str, key: &str| (before[attr][key].clone(), after[attr][key].clone());
    assert_eq!(
        setting("launch_template_settings", "key_name"),
        (json!("ops"), json!("none"))
    );
    assert_eq!(
        setting("load_balancer_settings", "other_listeners"),
        (
            json!("HTTP:8080 fixed-response 200 text/plain \"debug\""),
            json!("none")
        )
    );
    assert_eq!(
        setting("capacity_binding", "capacity_provider_auto_scaling_group"),
        (json!(outsider_arn), json!("autoscaling_group_name"))
    );

    // The error of an apply while ECS refuses `action`, on one line.
    let refused_apply = |action: &str| {
        s.emulator.set_faults(json!([{
            "service": "ecs", "action": action, "mode": "fail",
            "code": "ResourceInUseException", "status": 400
        }]));
        let refused = s
            .work
            .run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        assert_eq!(refused.code, 1, "{}", refused.stdout);
        refused
            .stderr
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    // While tasks run on it, ECS refuses to detach the provider: the apply says what to do.
    let message = refused_apply("PutClusterCapacityProviders");
    for expected in [
        "capacity provider acc-capacity is bound to another Auto Scaling group",
        "it is still in use by tasks or services",
        "Destroy the services on cluster acc, apply, then create them again.",
    ] {
        assert!(message.contains(expected), "{expected:?} not in: {message}");
    }
    // When ECS refuses the delete, the provider goes back on the cluster.
    let message = refused_apply("DeleteCapacityProvider");
    assert!(
        message.contains("AWS refused to delete it")
            && message.contains("destroy the services on cluster acc"),
        "{message}"
    );
    let attached =
        s.rt.block_on(async { aws.cluster(NAME).await.capacity_providers().to_vec() });
    assert_eq!(attached, ["acc-capacity".to_owned()], "attached again");
    s.emulator.set_faults(json!([]));

    s.apply_repairs_the_drift();

    s.rt.block_on(async {
        for g in aws.security_groups(&[&alb_sg, &instance_sg]).await {
            let name = g
                .tags()
                .iter()
                .find(|t| t.key() == Some("Name"))
                .and_then(|t| t.value());
            assert_eq!(name, g.group_name(), "Name tag of {:?}", g.group_id());
            let egress: Vec<(Option<&str>, Vec<&str>)> = g
                .ip_permissions_egress()
                .iter()
                .map(|p| {
                    (
                        p.ip_protocol(),
                        p.ip_ranges().iter().filter_map(|r| r.cidr_ip()).collect(),
                    )
                })
                .collect();
            assert_eq!(
                egress,
                vec![(Some("-1"), vec!["0.0.0.0/0"])],
                "{:?}",
                g.group_id()
            );
        }
        let template_tags = aws.ec2_tags(&template_id).await;
        let name = template_tags.get("Name").map(String::as_str);
        assert_eq!(name, Some("acc-instances"));
        let data = aws.default_template_data(&template_id).await;
        assert_eq!(data.key_name(), None, "the key pair is gone");
        let group = aws.auto_scaling_group("acc-instances").await;
        let name = group
            .tags()
            .iter()
            .find(|t| t.key() == Some("Name"))
            .map(|t| (t.value(), t.propagate_at_launch()));
        assert_eq!(name, Some((Some("acc-ecs-instance"), Some(true))));
        let mut ports: Vec<i32> = aws
            .listeners(&lb_arn)
            .await
            .iter()
            .filter_map(|l| l.port())
            .collect();
        ports.sort();
        assert_eq!(ports, vec![80, 443]);
        let provider = aws.capacity_provider("acc-capacity").await;
        let asg = provider
            .auto_scaling_group_provider()
            .expect("ASG provider");
        assert_eq!(asg.auto_scaling_group_arn(), group_arn);
        assert_eq!(
            asg.managed_termination_protection().map(|p| p.as_str()),
            Some("ENABLED")
        );
        assert_eq!(
            aws.cluster(NAME).await.capacity_providers(),
            ["acc-capacity".to_owned()]
        );
        drift::delete_auto_scaling_group(aws, "outsider").await;
    });
    s.destroy_leaves_nothing();
}

#[test]
fn an_in_place_change_of_the_group_sizes_writes_only_the_auto_scaling_group_and_reads_each_object_once()
 {
    let s = stack();
    s.apply(&config(&s.seed, ""));
    s.work
        .write("main.tf", &config(&s.seed, "  max_size        = 12\n"));
    s.emulator.reset_counters();
    s.work
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let calls = s.emulator.calls();
    let writes: std::collections::BTreeMap<&String, &u64> = calls
        .iter()
        .filter(|(action, _)| !is_read(action))
        .collect();
    eprintln!("update: {} calls {calls:#?}", calls.values().sum::<u64>());
    assert_eq!(
        writes.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
        ["autoscaling.UpdateAutoScalingGroup"],
        "{writes:#?}"
    );
    // The refresh reads each kind of object once; the apply at most once more (tags and the
    // cluster's capacity providers come with what it already read).
    assert!(
        calls.values().all(|n| *n <= 2),
        "an action called more than twice: {calls:#?}"
    );
    let (code, out) = s.plan_code();
    assert_eq!(code, 0, "{out}");
    s.destroy_leaves_nothing();
}
