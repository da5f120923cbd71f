//! The table: one row per configurable setting, the value it changes to and what AWS must show
//! then.

use acceptance_tests::aws_check::{Aws, group_subnets};
use acceptance_tests::drift;
use acceptance_tests::emulator::{Seed, is_read};

use super::{CLUSTER, Ctx, Extra, Other, Row};

/// What a stack's changes are pointed at besides the seed: a third public and private subnet
/// (routed like the seed's), a certificate, a parameter and a hosted zone.
pub async fn extra(aws: &Aws, seed: &Seed) -> Extra {
    // Beside the first seeded subnet (zone a): the changed lists still span two zones.
    let zone = "b";
    let public_subnet = drift::create_subnet(aws, &seed.vpc_id, "10.42.10.0/24", zone).await;
    let private_subnet = drift::create_subnet(aws, &seed.vpc_id, "10.42.11.0/24", zone).await;
    for (seeded, new) in [
        (&seed.public_subnet_ids[0], &public_subnet),
        (&seed.private_subnet_ids[0], &private_subnet),
    ] {
        let table = aws.route_table_of_subnet(seeded).await;
        let id = table.route_table_id().expect("route table").to_owned();
        drift::associate_route_table(aws, &id, new).await;
    }
    let certificate = drift::request_certificate(aws, &format!("*.{}", seed.domain)).await;
    drift::put_parameter(aws, "/day2/extra", "not read").await;
    // The seeded parameter's ARN names the partition, region and account.
    let account = seed
        .parameter_arn
        .split_once(":parameter")
        .map_or("", |(prefix, _)| prefix);
    let parameter = format!("{account}:parameter/day2/extra");
    let zone = drift::create_hosted_zone(aws, &seed.domain).await;
    Extra {
        public_subnet,
        private_subnet,
        certificate,
        parameter,
        zone,
    }
}

fn quoted(s: &str) -> Option<String> {
    Some(format!("{s:?}"))
}

pub fn expect<T: PartialEq + std::fmt::Debug>(what: &str, found: T, want: T) -> Result<(), String> {
    if found == want {
        Ok(())
    } else {
        Err(format!("{what}: found {found:?}, want {want:?}"))
    }
}

/// The apply made no AWS write at all.
pub fn no_writes(c: &Ctx<'_>) -> Result<(), String> {
    let writes: Vec<String> = c
        .emulator
        .calls()
        .into_keys()
        .filter(|call| !is_read(call))
        .collect();
    expect("writes", writes, Vec::new())
}

fn group(c: &Ctx<'_>) -> aws_sdk_autoscaling::types::AutoScalingGroup {
    c.rt.block_on(c.aws.auto_scaling_group(&format!("{CLUSTER}-instances")))
}

fn distribution(c: &Ctx<'_>) -> aws_sdk_autoscaling::types::InstancesDistribution {
    group(c)
        .mixed_instances_policy()
        .and_then(|m| m.instances_distribution())
        .cloned()
        .expect("instances distribution")
}

fn template(c: &Ctx<'_>) -> aws_sdk_ec2::types::ResponseLaunchTemplateData {
    c.rt.block_on(c.aws.default_template_data(&format!("{CLUSTER}-instances")))
}

fn root_volume(c: &Ctx<'_>) -> aws_sdk_ec2::types::LaunchTemplateEbsBlockDevice {
    template(c).block_device_mappings()[0]
        .ebs()
        .cloned()
        .expect("root volume")
}

fn load_balancer_arn(c: &Ctx<'_>) -> String {
    c.rt.block_on(c.aws.load_balancer_arn(&format!("{CLUSTER}-alb")))
}

fn https(c: &Ctx<'_>) -> aws_sdk_elasticloadbalancingv2::types::Listener {
    c.rt.block_on(c.aws.listener(&load_balancer_arn(c), 443))
}

pub fn cluster() -> Vec<Row> {
    vec![
        Row {
            attribute: "public_subnet_ids",
            value: |c| {
                Some(format!(
                    "[{:?}, {:?}]",
                    c.seed.public_subnet_ids[0], c.extra.public_subnet
                ))
            },
            check: |c| {
                let lb =
                    c.rt.block_on(c.aws.load_balancer(&format!("{CLUSTER}-alb")));
                let mut subnets: Vec<String> = lb
                    .availability_zones()
                    .iter()
                    .filter_map(|z| z.subnet_id().map(str::to_owned))
                    .collect();
                subnets.sort();
                let mut want = vec![
                    c.seed.public_subnet_ids[0].clone(),
                    c.extra.public_subnet.clone(),
                ];
                want.sort();
                expect("load balancer subnets", subnets, want)
            },
        },
        Row {
            attribute: "private_subnet_ids",
            value: |c| {
                Some(format!(
                    "[{:?}, {:?}]",
                    c.seed.private_subnet_ids[0], c.extra.private_subnet
                ))
            },
            check: |c| {
                let mut want = vec![
                    c.seed.private_subnet_ids[0].clone(),
                    c.extra.private_subnet.clone(),
                ];
                want.sort();
                expect("group subnets", group_subnets(&group(c)), want)
            },
        },
        Row {
            attribute: "certificate_arn",
            value: |c| quoted(&c.extra.certificate),
            check: |c| {
                let cert = https(c)
                    .certificates()
                    .first()
                    .and_then(|x| x.certificate_arn())
                    .map(str::to_owned);
                expect("HTTPS certificate", cert, Some(c.extra.certificate.clone()))
            },
        },
        Row {
            attribute: "ssl_policy",
            value: |_| quoted("ELBSecurityPolicy-TLS13-1-2-Res-2021-06"),
            check: |c| {
                expect(
                    "TLS policy",
                    https(c).ssl_policy().map(str::to_owned),
                    Some("ELBSecurityPolicy-TLS13-1-2-Res-2021-06".to_owned()),
                )
            },
        },
        Row {
            attribute: "instance_types",
            value: |_| Some(r#"["m7i.large", "m6i.large"]"#.into()),
            check: |c| {
                expect(
                    "instance types",
                    acceptance_tests::aws_check::group_instance_types(&group(c)),
                    vec!["m7i.large".to_owned(), "m6i.large".to_owned()],
                )
            },
        },
        Row {
            attribute: "min_size",
            value: |_| Some("1".into()),
            check: |c| expect("min size", group(c).min_size(), Some(1)),
        },
        Row {
            attribute: "max_size",
            value: |_| Some("6".into()),
            check: |c| expect("max size", group(c).max_size(), Some(6)),
        },
        Row {
            attribute: "on_demand_base_capacity",
            value: |_| Some("1".into()),
            check: |c| {
                expect(
                    "On-Demand base",
                    distribution(c).on_demand_base_capacity(),
                    Some(1),
                )
            },
        },
        Row {
            attribute: "on_demand_percentage_above_base",
            // All On-Demand: no Spot left to rebalance.
            value: |_| Some("100".into()),
            check: |c| {
                expect(
                    "On-Demand above base",
                    distribution(c).on_demand_percentage_above_base_capacity(),
                    Some(100),
                )?;
                expect(
                    "capacity rebalancing",
                    group(c).capacity_rebalance(),
                    Some(false),
                )
            },
        },
        Row {
            attribute: "spot_allocation_strategy",
            value: |_| quoted("price-capacity-optimized"),
            check: |c| {
                expect(
                    "Spot strategy",
                    distribution(c)
                        .spot_allocation_strategy()
                        .map(str::to_owned),
                    Some("price-capacity-optimized".to_owned()),
                )
            },
        },
        Row {
            attribute: "target_capacity",
            value: |_| Some("90".into()),
            check: |c| {
                let provider =
                    c.rt.block_on(c.aws.capacity_provider(&format!("{CLUSTER}-capacity")));
                let target = provider
                    .auto_scaling_group_provider()
                    .and_then(|a| a.managed_scaling())
                    .and_then(|m| m.target_capacity());
                expect("target capacity", target, Some(90))
            },
        },
        Row {
            // The recommended AMI is the one the cluster runs: following it changes nothing.
            attribute: "ami_update",
            value: |_| quoted("latest"),
            check: no_writes,
        },
        Row {
            attribute: "ami_id",
            value: |_| quoted("ami-0abcdef1234567890"),
            check: |c| {
                expect(
                    "AMI",
                    template(c).image_id().map(str::to_owned),
                    Some("ami-0abcdef1234567890".to_owned()),
                )
            },
        },
        Row {
            attribute: "root_volume_size",
            value: |_| Some("50".into()),
            check: |c| expect("root volume size", root_volume(c).volume_size(), Some(50)),
        },
        Row {
            attribute: "ebs_kms_key_id",
            value: |c| quoted(&c.seed.kms_key_arn),
            check: |c| {
                expect(
                    "root volume key",
                    root_volume(c).kms_key_id().map(str::to_owned),
                    Some(c.seed.kms_key_arn.clone()),
                )
            },
        },
        Row {
            attribute: "execute_command_log_retention_days",
            value: |_| Some("90".into()),
            check: |c| {
                let group = format!("/ecs-exec/{CLUSTER}");
                let groups = c.rt.block_on(c.aws.log_groups(&group));
                let days = groups.first().and_then(|g| g.retention_in_days());
                expect("Exec log retention", days, Some(90))
            },
        },
        Row {
            attribute: "execute_command_kms_key_arn",
            value: |c| quoted(&c.seed.kms_key_arn),
            check: |c| {
                let cluster = c.rt.block_on(c.aws.cluster(CLUSTER));
                let exec = cluster
                    .configuration()
                    .and_then(|k| k.execute_command_configuration())
                    .ok_or("no execute-command configuration")?;
                expect(
                    "Exec session key",
                    exec.kms_key_id().map(str::to_owned),
                    Some(c.seed.kms_key_arn.clone()),
                )?;
                let groups =
                    c.rt.block_on(c.aws.log_groups(&format!("/ecs-exec/{CLUSTER}")));
                expect(
                    "Exec log group key",
                    groups
                        .first()
                        .and_then(|g| g.kms_key_id())
                        .map(str::to_owned),
                    Some(c.seed.kms_key_arn.clone()),
                )
            },
        },
        Row {
            attribute: "container_insights",
            value: |_| Some("false".into()),
            check: |c| {
                let cluster = c.rt.block_on(c.aws.cluster(CLUSTER));
                let on = cluster
                    .settings()
                    .iter()
                    .any(|s| s.value() == Some("enabled"));
                expect("Container Insights", on, false)
            },
        },
        Row {
            attribute: "tags",
            value: |_| Some(r#"{ Team = "day2" }"#.into()),
            check: |c| {
                let cluster = acceptance_tests::aws_check::cluster_tags(
                    &c.rt.block_on(c.aws.cluster(CLUSTER)),
                );
                let lb =
                    c.rt.block_on(c.aws.load_balancing_tags(&load_balancer_arn(c)));
                let group = acceptance_tests::aws_check::group_tags(&group(c));
                for (what, tags) in [
                    ("cluster", cluster),
                    ("load balancer", lb),
                    ("group", group),
                ] {
                    expect(
                        &format!("{what} Team tag"),
                        tags.get("Team").cloned(),
                        Some("day2".to_owned()),
                    )?;
                }
                Ok(())
            },
        },
        Row {
            attribute: "timeouts",
            value: |_| Some(r#"{ delete = "20m" }"#.into()),
            check: no_writes,
        },
        Row {
            attribute: "deletion_protection",
            value: |_| Some("true".into()),
            check: |c| expect_protection(c, "true"),
        },
        Row {
            attribute: "deletion_protection",
            value: |_| Some("false".into()),
            check: |c| expect_protection(c, "false"),
        },
    ]
}

fn expect_protection(c: &Ctx<'_>, want: &str) -> Result<(), String> {
    let attributes =
        c.rt.block_on(c.aws.load_balancer_attributes(&load_balancer_arn(c)));
    expect(
        "deletion protection",
        attributes.get("deletion_protection.enabled").cloned(),
        Some(want.to_owned()),
    )
}

pub fn cluster_others() -> Vec<(&'static str, Other)> {
    vec![
        ("name", Other::Replaces),
        ("vpc_id", Other::Replaces),
        ("service_connect_namespace", Other::FixedAtCreation),
    ]
}
