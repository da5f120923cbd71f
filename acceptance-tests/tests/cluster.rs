//! `ecsprod_cluster` end to end: real Terraform, the provider from the mirror, the local AWS
//! emulator, and assertions through the AWS SDK.

use acceptance_tests::aws_check::Aws;
use acceptance_tests::emulator::{Emulator, Seed, seed};
use acceptance_tests::{REQUIRED_PROVIDERS, Workdir, runtime};
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

resource "ecsprod_cluster" "main" {{
  name                = "{NAME}"
  vpc_id              = "{vpc}"
  public_subnet_ids   = ["{pub0}", "{pub1}"]
  private_subnet_ids  = ["{priv0}", "{priv1}"]
  certificate_arn     = "{cert}"
  deletion_protection = false
  tags                = {{ Team = "platform" }}
{extra}}}
"#,
        vpc = seed.vpc_id,
        pub0 = seed.public_subnet_ids[0],
        pub1 = seed.public_subnet_ids[1],
        priv0 = seed.private_subnet_ids[0],
        priv1 = seed.private_subnet_ids[1],
        cert = seed.certificate_arn,
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

    s.work
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let (code, out) = s.plan_code();
    assert_eq!(code, 0, "drift not repaired:\n{out}");
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
