//! `ecsprod_cluster` end to end: real Terraform, the provider from the mirror, the local AWS
//! emulator, and assertions through the AWS SDK.

use acceptance_tests::aws_check::Aws;
use acceptance_tests::emulator::{Emulator, Seed, seed};
use acceptance_tests::{REQUIRED_PROVIDERS, Workdir, cluster_resource, runtime};
use serde_json::json;

struct Stack {
    emulator: Emulator,
    seed: Seed,
    work: Workdir,
    rt: tokio::runtime::Runtime,
    aws: Aws,
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
    let emulator = Emulator::start();
    let rt = runtime();
    let (seed, aws) = rt.block_on(async {
        let config = emulator.sdk_config().await;
        (seed(&config).await, Aws::new(&emulator).await)
    });
    let mut work = Workdir::new();
    work.use_emulator(&emulator);
    Stack {
        emulator,
        seed,
        work,
        rt,
        aws,
    }
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
        let clusters = aws
            .ecs
            .describe_clusters()
            .clusters(NAME)
            .include(aws_sdk_ecs::types::ClusterField::Settings)
            .send()
            .await
            .expect("describe cluster");
        let cluster = &clusters.clusters()[0];
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
        let cps = aws
            .ecs
            .describe_capacity_providers()
            .capacity_providers("acc-capacity")
            .send()
            .await
            .expect("describe capacity provider");
        let asg_provider = cps.capacity_providers()[0]
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
        let groups = aws
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names("acc-instances")
            .send()
            .await
            .expect("describe group");
        let g = &groups.auto_scaling_groups()[0];
        assert_eq!((g.min_size(), g.max_size()), (Some(2), Some(10)));
        assert_eq!(g.new_instances_protected_from_scale_in(), Some(true));
        let mut subnets: Vec<&str> = g
            .vpc_zone_identifier()
            .unwrap_or_default()
            .split(',')
            .collect();
        subnets.sort();
        let mut want: Vec<&str> = s
            .seed
            .private_subnet_ids
            .iter()
            .map(String::as_str)
            .collect();
        want.sort();
        assert_eq!(subnets, want);
        let mixed = g.mixed_instances_policy().expect("mixed instances policy");
        let dist = mixed.instances_distribution().expect("distribution");
        assert_eq!(dist.on_demand_base_capacity(), Some(2));
        assert_eq!(dist.on_demand_percentage_above_base_capacity(), Some(0));
        assert_eq!(dist.spot_allocation_strategy(), Some("capacity-optimized"));
        let types: Vec<&str> = mixed
            .launch_template()
            .expect("template")
            .overrides()
            .iter()
            .filter_map(|o| o.instance_type())
            .collect();
        assert_eq!(types, ["m6i.large", "m6a.large", "m5.large"]);
        let tag = |k: &str| {
            g.tags()
                .iter()
                .find(|t| t.key() == Some(k))
                .and_then(|t| t.value())
        };
        assert_eq!(tag("AmazonECSManaged"), Some("true"));
        assert_eq!(tag("Team"), Some("platform"));
        assert_eq!(tag("Environment"), Some("test"));

        // Launch template: IMDSv2 only, hop limit 1, encrypted gp3, no public IP, joins the cluster.
        let versions = aws
            .ec2
            .describe_launch_template_versions()
            .launch_template_name("acc-instances")
            .versions("$Default")
            .send()
            .await
            .expect("template versions");
        let data = versions.launch_template_versions()[0]
            .launch_template_data()
            .expect("data");
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
        use base64::Engine as _;
        let user_data = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(data.user_data().expect("user data"))
                .expect("base64"),
        )
        .expect("utf-8");
        assert!(user_data.contains("ECS_CLUSTER=acc\n"), "{user_data}");
        assert!(user_data.contains("ECS_ENABLE_SPOT_INSTANCE_DRAINING=true\n"));

        // Instance role with the ECS and SSM policies, in an instance profile.
        let attached = aws
            .iam
            .list_attached_role_policies()
            .role_name("acc-ecs-instance")
            .send()
            .await
            .expect("role policies");
        let mut policies: Vec<&str> = attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_name())
            .collect();
        policies.sort();
        assert_eq!(
            policies,
            [
                "AmazonEC2ContainerServiceforEC2Role",
                "AmazonSSMManagedInstanceCore"
            ]
        );
        let profile = aws
            .iam
            .get_instance_profile()
            .instance_profile_name("acc-ecs-instance")
            .send()
            .await
            .expect("instance profile");
        assert_eq!(
            profile.instance_profile().expect("profile").roles()[0].role_name(),
            "acc-ecs-instance"
        );

        // Security groups: 80/443 from anywhere on the ALB; only the ALB on the instances.
        let sgs = aws
            .ec2
            .describe_security_groups()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("vpc-id")
                    .values(&s.seed.vpc_id)
                    .build(),
            )
            .send()
            .await
            .expect("security groups");
        let alb_sg = sgs
            .security_groups()
            .iter()
            .find(|g| g.group_name() == Some("acc-alb"))
            .expect("ALB group");
        let mut ports: Vec<i32> = alb_sg
            .ip_permissions()
            .iter()
            .filter_map(|p| p.from_port())
            .collect();
        ports.sort();
        ports.dedup();
        assert_eq!(ports, [80, 443]);
        let inst_sg = sgs
            .security_groups()
            .iter()
            .find(|g| g.group_name() == Some("acc-instances"))
            .expect("instance group");
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
        let lbs = aws
            .elbv2
            .describe_load_balancers()
            .names("acc-alb")
            .send()
            .await
            .expect("load balancer");
        let lb = &lbs.load_balancers()[0];
        assert_eq!(lb.scheme().map(|s| s.as_str()), Some("internet-facing"));
        let listeners = aws
            .elbv2
            .describe_listeners()
            .load_balancer_arn(lb.load_balancer_arn().expect("arn"))
            .send()
            .await
            .expect("listeners");
        let https = listeners
            .listeners()
            .iter()
            .find(|l| l.port() == Some(443))
            .expect("HTTPS");
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
        let http = listeners
            .listeners()
            .iter()
            .find(|l| l.port() == Some(80))
            .expect("HTTP");
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
        s.aws
            .autoscaling
            .update_auto_scaling_group()
            .auto_scaling_group_name("acc-instances")
            .max_size(3)
            .send()
            .await
            .expect("change max size");
        s.aws
            .ecs
            .update_capacity_provider()
            .name("acc-capacity")
            .auto_scaling_group_provider(
                aws_sdk_ecs::types::AutoScalingGroupProviderUpdate::builder()
                    .managed_scaling(
                        aws_sdk_ecs::types::ManagedScaling::builder()
                            .status(aws_sdk_ecs::types::ManagedScalingStatus::Enabled)
                            .target_capacity(50)
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("change target capacity");
        let lb = s
            .aws
            .elbv2
            .describe_load_balancers()
            .names("acc-alb")
            .send()
            .await
            .expect("lb");
        let arn = lb.load_balancers()[0]
            .load_balancer_arn()
            .expect("arn")
            .to_owned();
        let listeners = s
            .aws
            .elbv2
            .describe_listeners()
            .load_balancer_arn(arn)
            .send()
            .await
            .expect("listeners");
        let https = listeners
            .listeners()
            .iter()
            .find(|l| l.port() == Some(443))
            .expect("https");
        s.aws
            .elbv2
            .modify_listener()
            .listener_arn(https.listener_arn().expect("arn"))
            .ssl_policy("ELBSecurityPolicy-2016-08")
            .send()
            .await
            .expect("weaken SSL policy");
        // Allow IMDSv1 and a hop limit containers can use, through a new default version.
        let current = s
            .aws
            .ec2
            .describe_launch_template_versions()
            .launch_template_name("acc-instances")
            .versions("$Default")
            .send()
            .await
            .expect("template");
        let image = current.launch_template_versions()[0]
            .launch_template_data()
            .and_then(|d| d.image_id())
            .expect("image")
            .to_owned();
        use aws_sdk_ec2::types::*;
        let version = s
            .aws
            .ec2
            .create_launch_template_version()
            .launch_template_name("acc-instances")
            .launch_template_data(
                RequestLaunchTemplateData::builder()
                    .image_id(image)
                    .metadata_options(
                        LaunchTemplateInstanceMetadataOptionsRequest::builder()
                            .http_tokens(LaunchTemplateHttpTokensState::Optional)
                            .http_put_response_hop_limit(2)
                            .build(),
                    )
                    .block_device_mappings(
                        LaunchTemplateBlockDeviceMappingRequest::builder()
                            .device_name("/dev/xvda")
                            .ebs(
                                LaunchTemplateEbsBlockDeviceRequest::builder()
                                    .volume_size(30)
                                    .volume_type(VolumeType::Gp3)
                                    .encrypted(true)
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("new template version");
        let number = version
            .launch_template_version()
            .and_then(|v| v.version_number())
            .expect("version number");
        s.aws
            .ec2
            .modify_launch_template()
            .launch_template_name("acc-instances")
            .default_version(number.to_string())
            .send()
            .await
            .expect("make it the default");
    });

    let plan = s.plan_json();
    let change = cluster_change(&plan);
    assert_eq!(change["actions"], json!(["update"]));
    assert_eq!(change["before"]["max_size"], 3);
    assert_eq!(change["after"]["max_size"], 10);
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
        let g = s
            .aws
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names("acc-instances")
            .send()
            .await
            .expect("group");
        assert_eq!(g.auto_scaling_groups()[0].max_size(), Some(10));
        let v = s
            .aws
            .ec2
            .describe_launch_template_versions()
            .launch_template_name("acc-instances")
            .versions("$Default")
            .send()
            .await
            .expect("template");
        let md = v.launch_template_versions()[0]
            .launch_template_data()
            .and_then(|d| d.metadata_options())
            .expect("metadata options");
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
        let g = s
            .aws
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names("acc-instances")
            .send()
            .await
            .expect("group");
        let g = &g.auto_scaling_groups()[0];
        assert_eq!((g.min_size(), g.max_size()), (Some(3), Some(12)));
        let types: Vec<&str> = g
            .mixed_instances_policy()
            .and_then(|m| m.launch_template())
            .map(|t| {
                t.overrides()
                    .iter()
                    .filter_map(|o| o.instance_type())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(types, ["m7i.large", "m6i.large"]);
        let cps = s
            .aws
            .ecs
            .describe_capacity_providers()
            .capacity_providers("acc-capacity")
            .send()
            .await
            .expect("cp");
        assert_eq!(
            cps.capacity_providers()[0]
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
    let want = |tags: Vec<(String, String)>| {
        let t: std::collections::BTreeMap<String, String> = tags.into_iter().collect();
        assert_eq!(t.get("Team").map(String::as_str), Some("apps"), "{t:?}");
        assert_eq!(t.get("Owner").map(String::as_str), Some("sre"), "{t:?}");
        assert_eq!(
            t.get("Environment").map(String::as_str),
            Some("test"),
            "{t:?}"
        );
    };
    s.rt.block_on(async {
        let g = s
            .aws
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names("acc-instances")
            .send()
            .await
            .expect("group");
        want(
            g.auto_scaling_groups()[0]
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                .collect(),
        );
        let lb = s
            .aws
            .elbv2
            .describe_load_balancers()
            .names("acc-alb")
            .send()
            .await
            .expect("lb");
        let arn = lb.load_balancers()[0]
            .load_balancer_arn()
            .expect("arn")
            .to_owned();
        let t = s
            .aws
            .elbv2
            .describe_tags()
            .resource_arns(&arn)
            .send()
            .await
            .expect("lb tags");
        want(
            t.tag_descriptions()[0]
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                .collect(),
        );
        let role = s
            .aws
            .iam
            .list_role_tags()
            .role_name("acc-ecs-instance")
            .send()
            .await
            .expect("role tags");
        want(
            role.tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect(),
        );
        let c = s
            .aws
            .ecs
            .describe_clusters()
            .clusters(NAME)
            .include(aws_sdk_ecs::types::ClusterField::Tags)
            .send()
            .await
            .expect("cluster");
        want(
            c.clusters()[0]
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                .collect(),
        );
        let v = s
            .aws
            .ec2
            .describe_launch_template_versions()
            .launch_template_name("acc-instances")
            .versions("$Default")
            .send()
            .await
            .expect("template");
        let data = v.launch_template_versions()[0]
            .launch_template_data()
            .expect("data");
        assert_eq!(
            data.image_id(),
            Some("ami-0abcdef1234567890"),
            "new AMI through a new default version"
        );
        want(
            data.tag_specifications()
                .iter()
                .filter(|t| t.resource_type().map(|r| r.as_str()) == Some("instance"))
                .flat_map(|t| t.tags())
                .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                .collect(),
        );
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
        let lb = aws
            .elbv2
            .describe_load_balancers()
            .names("acc-alb")
            .send()
            .await
            .expect("lb");
        let groups = aws
            .ec2
            .describe_security_groups()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("vpc-id")
                    .values(&s.seed.vpc_id)
                    .build(),
            )
            .send()
            .await
            .expect("security groups");
        let id = |name: &str| {
            groups
                .security_groups()
                .iter()
                .find(|g| g.group_name() == Some(name))
                .and_then(|g| g.group_id())
                .expect("group")
                .to_owned()
        };
        let template = aws
            .ec2
            .describe_launch_templates()
            .launch_template_names("acc-instances")
            .send()
            .await
            .expect("template");
        let group = aws
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names("acc-instances")
            .send()
            .await
            .expect("group");
        Made {
            lb_arn: lb.load_balancers()[0]
                .load_balancer_arn()
                .expect("lb arn")
                .to_owned(),
            alb_sg: id("acc-alb"),
            instance_sg: id("acc-instances"),
            template_id: template.launch_templates()[0]
                .launch_template_id()
                .expect("template id")
                .to_owned(),
            group_arn: group.auto_scaling_groups()[0]
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

fn tag_pairs<'a>(
    tags: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> std::collections::BTreeMap<String, String> {
    tags.into_iter()
        .filter_map(|(k, v)| Some((k?.to_owned(), v?.to_owned())))
        .collect()
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
    let calls = refresh_calls(&s);
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
    assert!(total <= 14, "{total} calls: {calls:#?}");

    let aws = &s.aws;
    let Made {
        alb_sg,
        instance_sg,
        lb_arn,
        ..
    } = made(&s);

    s.rt.block_on(async {
        use aws_sdk_ec2::types::{IpPermission, IpRange};
        // The load balancer loses HTTP from IPv4 anywhere; the instances gain SSH from a CIDR.
        let rules = aws
            .ec2
            .describe_security_group_rules()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("group-id")
                    .values(&alb_sg)
                    .build(),
            )
            .send()
            .await
            .expect("rules");
        let http = rules
            .security_group_rules()
            .iter()
            .find(|r| {
                r.is_egress() == Some(false)
                    && r.from_port() == Some(80)
                    && r.cidr_ipv4() == Some("0.0.0.0/0")
            })
            .and_then(|r| r.security_group_rule_id())
            .expect("HTTP rule")
            .to_owned();
        aws.ec2
            .revoke_security_group_ingress()
            .group_id(&alb_sg)
            .security_group_rule_ids(http)
            .send()
            .await
            .expect("revoke HTTP");
        aws.ec2
            .authorize_security_group_ingress()
            .group_id(&instance_sg)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(22)
                    .to_port(22)
                    .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/8").build())
                    .build(),
            )
            .send()
            .await
            .expect("allow SSH");
        // A tag changed and the ECS tag removed on the group; a tag added on the load balancer.
        let asg_tag = |k: &str, v: Option<&str>| {
            aws_sdk_autoscaling::types::Tag::builder()
                .resource_id("acc-instances")
                .resource_type("auto-scaling-group")
                .key(k)
                .set_value(v.map(str::to_owned))
                .propagate_at_launch(true)
                .build()
        };
        aws.autoscaling
            .create_or_update_tags()
            .tags(asg_tag("Team", Some("rogue")))
            .send()
            .await
            .expect("retag group");
        aws.autoscaling
            .delete_tags()
            .tags(asg_tag("AmazonECSManaged", None))
            .send()
            .await
            .expect("untag group");
        aws.elbv2
            .add_tags()
            .resource_arns(&lb_arn)
            .tags(
                aws_sdk_elasticloadbalancingv2::types::Tag::builder()
                    .key("Extra")
                    .value("x")
                    .build(),
            )
            .send()
            .await
            .expect("tag load balancer");
        // Managed scaling, termination protection and draining switched off.
        aws.ecs
            .update_capacity_provider()
            .name("acc-capacity")
            .auto_scaling_group_provider(
                aws_sdk_ecs::types::AutoScalingGroupProviderUpdate::builder()
                    .managed_scaling(
                        aws_sdk_ecs::types::ManagedScaling::builder()
                            .status(aws_sdk_ecs::types::ManagedScalingStatus::Disabled)
                            .build(),
                    )
                    .managed_termination_protection(
                        aws_sdk_ecs::types::ManagedTerminationProtection::Disabled,
                    )
                    .managed_draining(aws_sdk_ecs::types::ManagedDraining::Disabled)
                    .build(),
            )
            .send()
            .await
            .expect("switch off managed scaling, termination protection and draining");
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
            "tcp 32768-65535 from alb_security_group_id"
        ])
    );
    assert_eq!(
        after["instance_security_group_ingress"],
        json!(["tcp 32768-65535 from alb_security_group_id"])
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
        let groups = aws
            .ec2
            .describe_security_groups()
            .group_ids(&alb_sg)
            .group_ids(&instance_sg)
            .send()
            .await
            .expect("groups");
        let group = |id: &str| {
            groups
                .security_groups()
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

        let g = aws
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names("acc-instances")
            .send()
            .await
            .expect("group");
        let t = tag_pairs(
            g.auto_scaling_groups()[0]
                .tags()
                .iter()
                .map(|t| (t.key(), t.value())),
        );
        assert_eq!(t.get("Team").map(String::as_str), Some("platform"));
        assert_eq!(t.get("AmazonECSManaged").map(String::as_str), Some("true"));
        let lb_tags = aws
            .elbv2
            .describe_tags()
            .resource_arns(&lb_arn)
            .send()
            .await
            .expect("lb tags");
        let t = tag_pairs(
            lb_tags.tag_descriptions()[0]
                .tags()
                .iter()
                .map(|t| (t.key(), t.value())),
        );
        assert_eq!(t.get("Extra"), None, "{t:?}");
        assert_eq!(t.get("Team").map(String::as_str), Some("platform"));

        let cps = aws
            .ecs
            .describe_capacity_providers()
            .capacity_providers("acc-capacity")
            .send()
            .await
            .expect("capacity provider");
        let provider = cps.capacity_providers()[0]
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
    let sdk = s.rt.block_on(s.emulator.sdk_config());
    let acm = aws_sdk_acm::Client::new(&sdk);
    let kms = aws_sdk_kms::Client::new(&sdk);

    // What the apply made, and what the changes below bring in from outside.
    let Made {
        lb_arn,
        alb_sg,
        instance_sg,
        template_id,
        ..
    } = made(&s);
    let (other_cert, other_sg, key_arn) = s.rt.block_on(async {
        let other_cert = acm
            .request_certificate()
            .domain_name("other.example.test")
            .validation_method(aws_sdk_acm::types::ValidationMethod::Dns)
            .send()
            .await
            .expect("another certificate")
            .certificate_arn()
            .expect("certificate ARN")
            .to_owned();
        let other_sg = aws
            .ec2
            .create_security_group()
            .group_name("outsider")
            .description("not the cluster's")
            .vpc_id(&s.seed.vpc_id)
            .send()
            .await
            .expect("another security group")
            .group_id()
            .expect("group id")
            .to_owned();
        let key_arn = kms
            .create_key()
            .send()
            .await
            .expect("KMS key")
            .key_metadata()
            .and_then(|k| k.arn())
            .expect("key ARN")
            .to_owned();
        (other_cert, other_sg, key_arn)
    });

    s.rt.block_on(async {
        use aws_sdk_elasticloadbalancingv2::types::{
            Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, LoadBalancerAttribute,
        };
        let fixed = |status: &str, body: Option<&str>| {
            Action::builder()
                .r#type(ActionTypeEnum::FixedResponse)
                .fixed_response_config(
                    FixedResponseActionConfig::builder()
                        .status_code(status)
                        .content_type("text/plain")
                        .set_message_body(body.map(str::to_owned))
                        .build(),
                )
                .build()
        };
        // Port 80 answers instead of redirecting; the HTTPS listener gets another certificate,
        // a weaker policy and a 503 default.
        let listeners = aws
            .elbv2
            .describe_listeners()
            .load_balancer_arn(&lb_arn)
            .send()
            .await
            .expect("listeners");
        let on_port = |port: i32| {
            listeners
                .listeners()
                .iter()
                .find(|l| l.port() == Some(port))
                .and_then(|l| l.listener_arn())
                .expect("listener")
                .to_owned()
        };
        aws.elbv2
            .modify_listener()
            .listener_arn(on_port(80))
            .default_actions(fixed("200", Some("hello")))
            .send()
            .await
            .expect("HTTP answers");
        aws.elbv2
            .modify_listener()
            .listener_arn(on_port(443))
            .ssl_policy("ELBSecurityPolicy-2016-08")
            .certificates(Certificate::builder().certificate_arn(&other_cert).build())
            .default_actions(fixed("503", None))
            .send()
            .await
            .expect("HTTPS changed");
        // Invalid header fields pass, the load balancer is protected, and a second group opens it.
        aws.elbv2
            .modify_load_balancer_attributes()
            .load_balancer_arn(&lb_arn)
            .attributes(
                LoadBalancerAttribute::builder()
                    .key("routing.http.drop_invalid_header_fields.enabled")
                    .value("false")
                    .build(),
            )
            .attributes(
                LoadBalancerAttribute::builder()
                    .key("deletion_protection.enabled")
                    .value("true")
                    .build(),
            )
            .send()
            .await
            .expect("attributes");
        aws.elbv2
            .set_security_groups()
            .load_balancer_arn(&lb_arn)
            .security_groups(&alb_sg)
            .security_groups(&other_sg)
            .send()
            .await
            .expect("second security group");

        // The group launches the latest version, without scale-in protection, from one subnet,
        // with a lower minimum (the whole mixed instances policy is sent: the emulator drops a
        // policy an update leaves out).
        use aws_sdk_autoscaling::types::{
            InstancesDistribution, LaunchTemplate, LaunchTemplateOverrides,
            LaunchTemplateSpecification, MixedInstancesPolicy,
        };
        let mut overrides = LaunchTemplate::builder().launch_template_specification(
            LaunchTemplateSpecification::builder()
                .launch_template_id(&template_id)
                .version("$Latest")
                .build(),
        );
        for t in ["m6i.large", "m6a.large", "m5.large"] {
            overrides = overrides.overrides(LaunchTemplateOverrides::builder().instance_type(t).build());
        }
        aws.autoscaling
            .update_auto_scaling_group()
            .auto_scaling_group_name("acc-instances")
            .min_size(1)
            .vpc_zone_identifier(&s.seed.private_subnet_ids[0])
            .new_instances_protected_from_scale_in(false)
            .mixed_instances_policy(
                MixedInstancesPolicy::builder()
                    .launch_template(overrides.build())
                    .instances_distribution(
                        InstancesDistribution::builder()
                            .on_demand_base_capacity(2)
                            .on_demand_percentage_above_base_capacity(0)
                            .spot_allocation_strategy("capacity-optimized")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("rebind the group");

        // The cluster's default strategy changes and Container Insights is switched off.
        aws.ecs
            .put_cluster_capacity_providers()
            .cluster(NAME)
            .capacity_providers("acc-capacity")
            .default_capacity_provider_strategy(
                aws_sdk_ecs::types::CapacityProviderStrategyItem::builder()
                    .capacity_provider("acc-capacity")
                    .weight(2)
                    .base(1)
                    .build()
                    .expect("strategy item"),
            )
            .send()
            .await
            .expect("change the default strategy");
        aws.ecs
            .update_cluster()
            .cluster(NAME)
            .settings(
                aws_sdk_ecs::types::ClusterSetting::builder()
                    .name(aws_sdk_ecs::types::ClusterSettingName::ContainerInsights)
                    .value("disabled")
                    .build(),
            )
            .send()
            .await
            .expect("Container Insights off");

        // The role gains an administrator policy and an inline policy, trusts Lambda too, and
        // the instance profile holds another role.
        aws.iam
            .attach_role_policy()
            .role_name("acc-ecs-instance")
            .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
            .send()
            .await
            .expect("attach admin");
        aws.iam
            .put_role_policy()
            .role_name("acc-ecs-instance")
            .policy_name("extra")
            .policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
            )
            .send()
            .await
            .expect("inline policy");
        aws.iam
            .update_assume_role_policy()
            .role_name("acc-ecs-instance")
            .policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#,
            )
            .send()
            .await
            .expect("trust Lambda");
        aws.iam
            .create_role()
            .role_name("acc-outsider")
            .assume_role_policy_document(EC2_TRUST)
            .send()
            .await
            .expect("another role");
        aws.iam
            .remove_role_from_instance_profile()
            .instance_profile_name("acc-ecs-instance")
            .role_name("acc-ecs-instance")
            .send()
            .await
            .expect("take the role out");
        aws.iam
            .add_role_to_instance_profile()
            .instance_profile_name("acc-ecs-instance")
            .role_name("acc-outsider")
            .send()
            .await
            .expect("put another role in");

        // A new default template version: other user data, a public IP, a gp2 root volume of
        // 50 GiB under another key, another instance profile (same AMI, metadata and tags).
        use aws_sdk_ec2::types::*;
        let current = aws
            .ec2
            .describe_launch_template_versions()
            .launch_template_id(&template_id)
            .versions("$Default")
            .send()
            .await
            .expect("template version");
        let data = current.launch_template_versions()[0]
            .launch_template_data()
            .expect("template data");
        let mut request = RequestLaunchTemplateData::builder()
            .image_id(data.image_id().expect("image"))
            .metadata_options(
                LaunchTemplateInstanceMetadataOptionsRequest::builder()
                    .http_tokens(LaunchTemplateHttpTokensState::Required)
                    .http_put_response_hop_limit(1)
                    .build(),
            )
            .iam_instance_profile(
                LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                    .name("outsider-profile")
                    .build(),
            )
            .network_interfaces(
                LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
                    .device_index(0)
                    .associate_public_ip_address(true)
                    .groups(&instance_sg)
                    .build(),
            )
            .block_device_mappings(
                LaunchTemplateBlockDeviceMappingRequest::builder()
                    .device_name("/dev/xvda")
                    .ebs(
                        LaunchTemplateEbsBlockDeviceRequest::builder()
                            .volume_size(50)
                            .volume_type(VolumeType::Gp2)
                            .encrypted(true)
                            .kms_key_id(&key_arn)
                            .build(),
                    )
                    .build(),
            )
            .user_data(base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                "#!/bin/bash\necho rogue\n",
            ));
        for spec in data.tag_specifications() {
            if spec.resource_type() == Some(&ResourceType::Instance) {
                request = request.tag_specifications(
                    LaunchTemplateTagSpecificationRequest::builder()
                        .resource_type(ResourceType::Instance)
                        .set_tags(Some(spec.tags().to_vec()))
                        .build(),
                );
            }
        }
        let version = aws
            .ec2
            .create_launch_template_version()
            .launch_template_id(&template_id)
            .launch_template_data(request.build())
            .send()
            .await
            .expect("new template version");
        let number = version
            .launch_template_version()
            .and_then(|v| v.version_number())
            .expect("version number");
        aws.ec2
            .modify_launch_template()
            .launch_template_id(&template_id)
            .default_version(number.to_string())
            .send()
            .await
            .expect("make it the default");
    });

    let change = drift_plan(&s);
    let (before, after) = (&change["before"], &change["after"]);
    let changed = |attr: &str, was: serde_json::Value, will_be: serde_json::Value| {
        assert_eq!(before[attr], was, "{attr} before");
        assert_eq!(after[attr], will_be, "{attr} after");
    };
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
            "auto_scaling_group_launch_template": "launch_template_id version $Default",
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
        let listeners = aws
            .elbv2
            .describe_listeners()
            .load_balancer_arn(&lb_arn)
            .send()
            .await
            .expect("listeners");
        let on_port = |port: i32| {
            listeners
                .listeners()
                .iter()
                .find(|l| l.port() == Some(port))
                .expect("listener")
                .clone()
        };
        let http = on_port(80);
        let redirect = http.default_actions()[0]
            .redirect_config()
            .expect("HTTP redirects again");
        assert_eq!(redirect.protocol(), Some("HTTPS"));
        assert_eq!(redirect.port(), Some("443"));
        assert_eq!(redirect.status_code().map(|c| c.as_str()), Some("HTTP_301"));
        let https = on_port(443);
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
        let attributes = aws
            .elbv2
            .describe_load_balancer_attributes()
            .load_balancer_arn(&lb_arn)
            .send()
            .await
            .expect("attributes");
        let attribute = |key: &str| {
            attributes
                .attributes()
                .iter()
                .find(|a| a.key() == Some(key))
                .and_then(|a| a.value())
                .map(str::to_owned)
        };
        assert_eq!(
            attribute("routing.http.drop_invalid_header_fields.enabled").as_deref(),
            Some("true")
        );
        assert_eq!(
            attribute("deletion_protection.enabled").as_deref(),
            Some("false")
        );
        let lb = aws
            .elbv2
            .describe_load_balancers()
            .load_balancer_arns(&lb_arn)
            .send()
            .await
            .expect("lb");
        assert_eq!(
            lb.load_balancers()[0].security_groups(),
            std::slice::from_ref(&alb_sg)
        );

        // The group and the cluster.
        let g = aws
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names("acc-instances")
            .send()
            .await
            .expect("group");
        let g = &g.auto_scaling_groups()[0];
        assert_eq!(g.new_instances_protected_from_scale_in(), Some(true));
        assert_eq!(g.min_size(), Some(2));
        let mut subnets: Vec<&str> = g
            .vpc_zone_identifier()
            .expect("subnets")
            .split(',')
            .collect();
        subnets.sort();
        let mut want: Vec<&str> = s
            .seed
            .private_subnet_ids
            .iter()
            .map(String::as_str)
            .collect();
        want.sort();
        assert_eq!(subnets, want);
        let binding = g
            .mixed_instances_policy()
            .and_then(|m| m.launch_template())
            .and_then(|t| t.launch_template_specification())
            .expect("template binding");
        assert_eq!(binding.launch_template_id(), Some(template_id.as_str()));
        assert_eq!(binding.version(), Some("$Default"));
        let cluster = aws
            .ecs
            .describe_clusters()
            .clusters(NAME)
            .include(aws_sdk_ecs::types::ClusterField::Settings)
            .send()
            .await
            .expect("cluster");
        let cluster = &cluster.clusters()[0];
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
        let attached = aws
            .iam
            .list_attached_role_policies()
            .role_name("acc-ecs-instance")
            .send()
            .await
            .expect("policies");
        let mut attached: Vec<&str> = attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_name())
            .collect();
        attached.sort();
        assert_eq!(
            attached,
            [
                "AmazonEC2ContainerServiceforEC2Role",
                "AmazonSSMManagedInstanceCore"
            ]
        );
        let inline = aws
            .iam
            .list_role_policies()
            .role_name("acc-ecs-instance")
            .send()
            .await
            .expect("inline policies");
        assert!(
            inline.policy_names().is_empty(),
            "{:?}",
            inline.policy_names()
        );
        let role = aws
            .iam
            .get_role()
            .role_name("acc-ecs-instance")
            .send()
            .await
            .expect("role");
        let trust = role
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .expect("trust policy");
        assert!(!trust.contains("lambda"), "{trust}");
        let profile = aws
            .iam
            .get_instance_profile()
            .instance_profile_name("acc-ecs-instance")
            .send()
            .await
            .expect("profile");
        let roles: Vec<&str> = profile
            .instance_profile()
            .expect("profile")
            .roles()
            .iter()
            .map(|r| r.role_name())
            .collect();
        assert_eq!(roles, ["acc-ecs-instance"]);

        // The template's new default version.
        let v = aws
            .ec2
            .describe_launch_template_versions()
            .launch_template_id(&template_id)
            .versions("$Default")
            .send()
            .await
            .expect("template version");
        let data = v.launch_template_versions()[0]
            .launch_template_data()
            .expect("data");
        let script = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            data.user_data().expect("user data"),
        )
        .expect("base64");
        assert!(String::from_utf8_lossy(&script).contains("ECS_CLUSTER=acc\n"));
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
        aws.ec2
            .delete_security_group()
            .group_id(&other_sg)
            .send()
            .await
            .expect("delete the other group");
        aws.iam
            .delete_role()
            .role_name("acc-outsider")
            .send()
            .await
            .expect("delete the other role");
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
        use aws_sdk_ec2::types::{IpPermission, IpRange, Tag};
        // Names: one group renamed, the other's Name removed, the template and the group
        // renamed (the group would pass its Name on to new instances).
        aws.ec2
            .create_tags()
            .resources(&alb_sg)
            .resources(&template_id)
            .tags(Tag::builder().key("Name").value("renamed").build())
            .send()
            .await
            .expect("rename");
        aws.ec2
            .delete_tags()
            .resources(&instance_sg)
            .tags(Tag::builder().key("Name").build())
            .send()
            .await
            .expect("remove a Name");
        aws.autoscaling
            .create_or_update_tags()
            .tags(
                aws_sdk_autoscaling::types::Tag::builder()
                    .resource_id("acc-instances")
                    .resource_type("auto-scaling-group")
                    .key("Name")
                    .value("rogue")
                    .propagate_at_launch(true)
                    .build(),
            )
            .send()
            .await
            .expect("rename the group");

        // Egress: the instances lose their way out, the load balancer gains SSH to the VPC.
        aws.ec2
            .revoke_security_group_egress()
            .group_id(&instance_sg)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("-1")
                    .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                    .build(),
            )
            .send()
            .await
            .expect("revoke egress");
        aws.ec2
            .authorize_security_group_egress()
            .group_id(&alb_sg)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(22)
                    .to_port(22)
                    .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/8").build())
                    .build(),
            )
            .send()
            .await
            .expect("add egress");

        // A key pair in a new default template version.
        aws.ec2
            .create_key_pair()
            .key_name("ops")
            .send()
            .await
            .expect("key pair");
        let current = aws
            .ec2
            .describe_launch_template_versions()
            .launch_template_id(&template_id)
            .versions("$Default")
            .send()
            .await
            .expect("template version");
        let image = current.launch_template_versions()[0]
            .launch_template_data()
            .and_then(|d| d.image_id())
            .expect("image")
            .to_owned();
        let version = aws
            .ec2
            .create_launch_template_version()
            .launch_template_id(&template_id)
            .launch_template_data(
                aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
                    .image_id(image)
                    .key_name("ops")
                    .build(),
            )
            .send()
            .await
            .expect("new version")
            .launch_template_version()
            .and_then(|v| v.version_number())
            .expect("version number");
        aws.ec2
            .modify_launch_template()
            .launch_template_id(&template_id)
            .default_version(version.to_string())
            .send()
            .await
            .expect("make it the default");

        // A plain HTTP listener on another port, forwarding nowhere but answering.
        use aws_sdk_elasticloadbalancingv2::types::{
            Action, ActionTypeEnum, FixedResponseActionConfig, ProtocolEnum,
        };
        aws.elbv2
            .create_listener()
            .load_balancer_arn(&lb_arn)
            .protocol(ProtocolEnum::Http)
            .port(8080)
            .default_actions(
                Action::builder()
                    .r#type(ActionTypeEnum::FixedResponse)
                    .fixed_response_config(
                        FixedResponseActionConfig::builder()
                            .status_code("200")
                            .content_type("text/plain")
                            .message_body("debug")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("extra listener");

        // The capacity provider is recreated under its name for another Auto Scaling group.
        aws.autoscaling
            .create_auto_scaling_group()
            .auto_scaling_group_name("outsider")
            .min_size(0)
            .max_size(1)
            .launch_template(
                aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                    .launch_template_id(&template_id)
                    .build(),
            )
            .vpc_zone_identifier(&s.seed.private_subnet_ids[0])
            .send()
            .await
            .expect("another group");
        let outsider_arn = aws
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names("outsider")
            .send()
            .await
            .expect("outsider")
            .auto_scaling_groups()[0]
            .auto_scaling_group_arn()
            .expect("outsider arn")
            .to_owned();
        aws.ecs
            .put_cluster_capacity_providers()
            .cluster(NAME)
            .set_capacity_providers(Some(Vec::new()))
            .set_default_capacity_provider_strategy(Some(Vec::new()))
            .send()
            .await
            .expect("detach");
        aws.ecs
            .delete_capacity_provider()
            .capacity_provider("acc-capacity")
            .send()
            .await
            .expect("delete the provider");
        aws.ecs
            .create_capacity_provider()
            .name("acc-capacity")
            .auto_scaling_group_provider(
                aws_sdk_ecs::types::AutoScalingGroupProvider::builder()
                    .auto_scaling_group_arn(&outsider_arn)
                    .build()
                    .expect("provider"),
            )
            .send()
            .await
            .expect("provider for the other group");
        aws.ecs
            .put_cluster_capacity_providers()
            .cluster(NAME)
            .capacity_providers("acc-capacity")
            .default_capacity_provider_strategy(
                aws_sdk_ecs::types::CapacityProviderStrategyItem::builder()
                    .capacity_provider("acc-capacity")
                    .weight(1)
                    .base(0)
                    .build()
                    .expect("strategy item"),
            )
            .send()
            .await
            .expect("attach");
        outsider_arn
    });

    let change = drift_plan(&s);
    let (before, after) = (&change["before"], &change["after"]);
    let changed = |attr: &str, was: serde_json::Value, will_be: serde_json::Value| {
        assert_eq!(before[attr], was, "{attr} before");
        assert_eq!(after[attr], will_be, "{attr} after");
    };
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
    let attached = s.rt.block_on(async {
        aws.ecs
            .describe_clusters()
            .clusters(NAME)
            .send()
            .await
            .expect("cluster")
            .clusters()[0]
            .capacity_providers()
            .to_vec()
    });
    assert_eq!(attached, ["acc-capacity".to_owned()], "attached again");
    s.emulator.set_faults(json!([]));

    s.apply_repairs_the_drift();

    s.rt.block_on(async {
        let groups = aws
            .ec2
            .describe_security_groups()
            .group_ids(&alb_sg)
            .group_ids(&instance_sg)
            .send()
            .await
            .expect("groups");
        for g in groups.security_groups() {
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
        let template_tags = aws
            .ec2
            .describe_tags()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("resource-id")
                    .values(&template_id)
                    .build(),
            )
            .send()
            .await
            .expect("template tags");
        let name = template_tags
            .tags()
            .iter()
            .find(|t| t.key() == Some("Name"))
            .and_then(|t| t.value());
        assert_eq!(name, Some("acc-instances"));
        let current = aws
            .ec2
            .describe_launch_template_versions()
            .launch_template_id(&template_id)
            .versions("$Default")
            .send()
            .await
            .expect("template version");
        let data = current.launch_template_versions()[0]
            .launch_template_data()
            .expect("data");
        assert_eq!(data.key_name(), None, "the key pair is gone");
        let group = aws
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names("acc-instances")
            .send()
            .await
            .expect("group");
        let name = group.auto_scaling_groups()[0]
            .tags()
            .iter()
            .find(|t| t.key() == Some("Name"))
            .map(|t| (t.value(), t.propagate_at_launch()));
        assert_eq!(name, Some((Some("acc-ecs-instance"), Some(true))));
        let listeners = aws
            .elbv2
            .describe_listeners()
            .load_balancer_arn(&lb_arn)
            .send()
            .await
            .expect("listeners");
        let mut ports: Vec<i32> = listeners
            .listeners()
            .iter()
            .filter_map(|l| l.port())
            .collect();
        ports.sort();
        assert_eq!(ports, vec![80, 443]);
        let provider = aws
            .ecs
            .describe_capacity_providers()
            .capacity_providers("acc-capacity")
            .send()
            .await
            .expect("capacity provider");
        let provider = provider
            .capacity_providers()
            .iter()
            .find(|p| p.status().is_some_and(|s| s.as_str() == "ACTIVE"))
            .expect("an active provider");
        let asg = provider
            .auto_scaling_group_provider()
            .expect("ASG provider");
        assert_eq!(asg.auto_scaling_group_arn(), group_arn);
        assert_eq!(
            asg.managed_termination_protection().map(|p| p.as_str()),
            Some("ENABLED")
        );
        let cluster = aws
            .ecs
            .describe_clusters()
            .clusters(NAME)
            .send()
            .await
            .expect("cluster");
        assert_eq!(
            cluster.clusters()[0].capacity_providers(),
            ["acc-capacity".to_owned()]
        );
        aws.autoscaling
            .delete_auto_scaling_group()
            .auto_scaling_group_name("outsider")
            .force_delete(true)
            .send()
            .await
            .expect("delete the other group");
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
        .filter(|(action, _)| {
            let name = action.split_once('.').map_or(action.as_str(), |(_, a)| a);
            !["Describe", "List", "Get"]
                .iter()
                .any(|read| name.starts_with(read))
        })
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
