//! Reading the emulator's objects through the AWS SDK, for assertions.

use crate::emulator::Emulator;

pub struct Aws {
    pub ec2: aws_sdk_ec2::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub iam: aws_sdk_iam::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
}

impl Aws {
    pub async fn new(emulator: &Emulator) -> Self {
        Self::from_config(&emulator.sdk_config().await)
    }

    pub fn from_config(config: &aws_config::SdkConfig) -> Self {
        Self {
            ec2: aws_sdk_ec2::Client::new(config),
            ecs: aws_sdk_ecs::Client::new(config),
            iam: aws_sdk_iam::Client::new(config),
            autoscaling: aws_sdk_autoscaling::Client::new(config),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(config),
        }
    }

    /// Every object of every kind `ecsprod_cluster` creates that still exists, named. Capacity
    /// providers cannot be listed without names in the emulator, so the cluster's is asked for
    /// by name.
    pub async fn cluster_leftovers(&self, vpc_id: &str, cluster: &str) -> Vec<String> {
        let mut left = Vec::new();
        let clusters = self
            .ecs
            .list_clusters()
            .send()
            .await
            .expect("list clusters");
        if !clusters.cluster_arns().is_empty() {
            let described = self
                .ecs
                .describe_clusters()
                .set_clusters(Some(clusters.cluster_arns().to_vec()))
                .send()
                .await
                .expect("describe clusters");
            for c in described.clusters() {
                if c.status() == Some("ACTIVE") {
                    left.push(format!(
                        "ECS cluster {}",
                        c.cluster_name().unwrap_or_default()
                    ));
                }
            }
        }
        let cps = self
            .ecs
            .describe_capacity_providers()
            .capacity_providers(format!("{cluster}-capacity"))
            .send()
            .await
            .expect("describe capacity providers");
        for cp in cps.capacity_providers() {
            let name = cp.name().unwrap_or_default();
            if !name.starts_with("FARGATE") && cp.status().is_some_and(|s| s.as_str() == "ACTIVE") {
                left.push(format!("capacity provider {name}"));
            }
        }
        let groups = self
            .autoscaling
            .describe_auto_scaling_groups()
            .send()
            .await
            .expect("describe groups");
        for g in groups.auto_scaling_groups() {
            left.push(format!(
                "Auto Scaling group {}",
                g.auto_scaling_group_name().unwrap_or_default()
            ));
        }
        let templates = self
            .ec2
            .describe_launch_templates()
            .send()
            .await
            .expect("describe launch templates");
        for t in templates.launch_templates() {
            left.push(format!(
                "launch template {}",
                t.launch_template_name().unwrap_or_default()
            ));
        }
        let lbs = self
            .elbv2
            .describe_load_balancers()
            .send()
            .await
            .expect("describe load balancers");
        for lb in lbs.load_balancers() {
            left.push(format!(
                "load balancer {}",
                lb.load_balancer_name().unwrap_or_default()
            ));
        }
        let groups = self
            .ec2
            .describe_security_groups()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("vpc-id")
                    .values(vpc_id)
                    .build(),
            )
            .send()
            .await
            .expect("describe security groups");
        for g in groups.security_groups() {
            if g.group_name() != Some("default") {
                left.push(format!(
                    "security group {}",
                    g.group_name().unwrap_or_default()
                ));
            }
        }
        let roles = self.iam.list_roles().send().await.expect("list roles");
        for r in roles.roles() {
            if !r.path().starts_with("/aws-service-role/")
                && !r.role_name().starts_with("AWSServiceRole")
            {
                left.push(format!("IAM role {}", r.role_name()));
            }
        }
        let profiles = self
            .iam
            .list_instance_profiles()
            .send()
            .await
            .expect("list instance profiles");
        for p in profiles.instance_profiles() {
            left.push(format!("instance profile {}", p.instance_profile_name()));
        }
        left
    }
}

/// Every object of every kind `ecsprod_service` creates that still exists, named.
pub async fn service_leftovers(
    config: &aws_config::SdkConfig,
    cluster: &str,
    zone_id: &str,
) -> Vec<String> {
    let mut left = Vec::new();
    let ecs = aws_sdk_ecs::Client::new(config);
    if let Ok(services) = ecs.list_services().cluster(cluster).send().await
        && !services.service_arns().is_empty()
    {
        let described = ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(services.service_arns().to_vec()))
            .send()
            .await
            .expect("describe services");
        for s in described.services() {
            if s.status() != Some("INACTIVE") {
                left.push(format!(
                    "ECS service {}",
                    s.service_name().unwrap_or_default()
                ));
            }
        }
    }
    let defs = ecs
        .list_task_definitions()
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .expect("list task definitions");
    for d in defs.task_definition_arns() {
        left.push(format!("task definition {d}"));
    }
    let elbv2 = aws_sdk_elasticloadbalancingv2::Client::new(config);
    let groups = elbv2
        .describe_target_groups()
        .send()
        .await
        .expect("target groups");
    for g in groups.target_groups() {
        left.push(format!(
            "target group {}",
            g.target_group_name().unwrap_or_default()
        ));
    }
    let logs = aws_sdk_cloudwatchlogs::Client::new(config);
    let groups = logs.describe_log_groups().send().await.expect("log groups");
    for g in groups.log_groups() {
        left.push(format!(
            "log group {}",
            g.log_group_name().unwrap_or_default()
        ));
    }
    let scaling = aws_sdk_applicationautoscaling::Client::new(config);
    let targets = scaling
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .send()
        .await
        .expect("scalable targets");
    for t in targets.scalable_targets() {
        left.push(format!("scalable target {}", t.resource_id()));
    }
    let policies = scaling
        .describe_scaling_policies()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .send()
        .await
        .expect("scaling policies");
    for p in policies.scaling_policies() {
        left.push(format!(
            "scaling policy {} of {}",
            p.policy_name(),
            p.resource_id()
        ));
    }
    let route53 = aws_sdk_route53::Client::new(config);
    let records = route53
        .list_resource_record_sets()
        .hosted_zone_id(zone_id)
        .send()
        .await
        .expect("records");
    for r in records.resource_record_sets() {
        if r.r#type().as_str() == "A" {
            left.push(format!("A record {}", r.name()));
        }
    }
    let iam = aws_sdk_iam::Client::new(config);
    let roles = iam.list_roles().send().await.expect("roles");
    for r in roles.roles() {
        if r.role_name().ends_with("-exec") || r.role_name().ends_with("-task") {
            left.push(format!("IAM role {}", r.role_name()));
        }
    }
    left
}

/// How many objects of one kind exist, and how many the stack may have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub what: String,
    pub found: usize,
    pub at_least: usize,
    pub at_most: usize,
}

/// Counts what a cluster and its services created, object kind by object kind, each with the
/// number one copy of the stack has: more is a duplicate. Once an apply `converged`, every
/// object must exist exactly once and each task definition family has one active revision; in
/// between, any may be missing and a family may have two (the new revision is registered, the
/// old one still runs).
pub async fn census(
    config: &aws_config::SdkConfig,
    vpc_id: &str,
    cluster: &str,
    services: &[(&str, &str)],
    zone_id: &str,
    converged: bool,
) -> Vec<Count> {
    let revisions = if converged { 1 } else { 2 };
    let count = |what: &str, found: usize, expected: usize| Count {
        what: what.to_owned(),
        found,
        at_least: if converged { expected } else { 0 },
        at_most: expected,
    };
    let ecs = aws_sdk_ecs::Client::new(config);
    let ec2 = aws_sdk_ec2::Client::new(config);
    let iam = aws_sdk_iam::Client::new(config);
    let elbv2 = aws_sdk_elasticloadbalancingv2::Client::new(config);
    let autoscaling = aws_sdk_autoscaling::Client::new(config);
    let scaling = aws_sdk_applicationautoscaling::Client::new(config);
    let logs = aws_sdk_cloudwatchlogs::Client::new(config);
    let route53 = aws_sdk_route53::Client::new(config);
    let mut counts = Vec::new();

    let clusters = ecs.list_clusters().send().await.expect("list clusters");
    let mut active = Vec::new();
    if !clusters.cluster_arns().is_empty() {
        let described = ecs
            .describe_clusters()
            .set_clusters(Some(clusters.cluster_arns().to_vec()))
            .send()
            .await
            .expect("describe clusters");
        active = described
            .clusters()
            .iter()
            .filter(|c| c.status() == Some("ACTIVE") && c.cluster_name() == Some(cluster))
            .cloned()
            .collect();
    }
    counts.push(count(
        &format!("active ECS clusters named {cluster}"),
        active.len(),
        1,
    ));
    for c in &active {
        counts.push(count(
            "capacity providers attached to the cluster",
            c.capacity_providers().len(),
            1,
        ));
    }
    let cps = ecs
        .describe_capacity_providers()
        .capacity_providers(format!("{cluster}-capacity"))
        .send()
        .await
        .expect("describe capacity providers");
    counts.push(count(
        "capacity providers",
        cps.capacity_providers()
            .iter()
            .filter(|cp| cp.status().is_some_and(|s| s.as_str() == "ACTIVE"))
            .count(),
        1,
    ));
    let groups = autoscaling
        .describe_auto_scaling_groups()
        .send()
        .await
        .expect("describe groups");
    counts.push(count(
        "Auto Scaling groups",
        groups.auto_scaling_groups().len(),
        1,
    ));
    let templates = ec2
        .describe_launch_templates()
        .send()
        .await
        .expect("describe launch templates");
    counts.push(count(
        "launch templates",
        templates.launch_templates().len(),
        1,
    ));
    let lbs = elbv2
        .describe_load_balancers()
        .send()
        .await
        .expect("describe load balancers");
    counts.push(count("load balancers", lbs.load_balancers().len(), 1));
    let mut rules = Vec::new();
    for lb in lbs.load_balancers() {
        let listeners = elbv2
            .describe_listeners()
            .load_balancer_arn(lb.load_balancer_arn().unwrap_or_default())
            .send()
            .await
            .expect("describe listeners");
        for port in [80, 443] {
            counts.push(count(
                &format!(
                    "listeners on port {port} of {}",
                    lb.load_balancer_name().unwrap_or_default()
                ),
                listeners
                    .listeners()
                    .iter()
                    .filter(|l| l.port() == Some(port))
                    .count(),
                1,
            ));
        }
        for l in listeners.listeners() {
            let described = elbv2
                .describe_rules()
                .listener_arn(l.listener_arn().unwrap_or_default())
                .send()
                .await
                .expect("describe rules");
            rules.extend(described.rules().iter().cloned());
        }
    }
    let groups = ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(vpc_id)
                .build(),
        )
        .send()
        .await
        .expect("describe security groups");
    let mut by_name: std::collections::BTreeMap<&str, usize> = Default::default();
    for g in groups.security_groups() {
        if g.group_name() != Some("default") {
            *by_name
                .entry(g.group_name().unwrap_or_default())
                .or_default() += 1;
        }
    }
    counts.push(count("security groups", by_name.values().sum(), 2));
    for (name, n) in by_name {
        counts.push(count(&format!("security groups named {name}"), n, 1));
    }
    let roles = iam.list_roles().send().await.expect("list roles");
    let roles = roles
        .roles()
        .iter()
        .filter(|r| {
            !r.path().starts_with("/aws-service-role/")
                && !r.role_name().starts_with("AWSServiceRole")
        })
        .count();
    counts.push(count("IAM roles", roles, 1 + 2 * services.len()));
    let profiles = iam
        .list_instance_profiles()
        .send()
        .await
        .expect("list instance profiles");
    counts.push(count(
        "instance profiles",
        profiles.instance_profiles().len(),
        1,
    ));

    let target_groups = elbv2
        .describe_target_groups()
        .send()
        .await
        .expect("target groups");
    let targets = scaling
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .send()
        .await
        .expect("scalable targets");
    let policies = scaling
        .describe_scaling_policies()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .send()
        .await
        .expect("scaling policies");
    let records = route53
        .list_resource_record_sets()
        .hosted_zone_id(zone_id)
        .send()
        .await
        .expect("records");
    let log_groups = logs.describe_log_groups().send().await.expect("log groups");
    let listed = ecs.list_services().cluster(cluster).send().await;
    let mut running: Vec<String> = Vec::new();
    if let Ok(listed) = listed
        && !listed.service_arns().is_empty()
    {
        let described = ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(listed.service_arns().to_vec()))
            .send()
            .await
            .expect("describe services");
        running = described
            .services()
            .iter()
            .filter(|s| s.status() != Some("INACTIVE"))
            .filter_map(|s| s.service_name().map(str::to_owned))
            .collect();
    }
    counts.push(count(
        "target groups",
        target_groups.target_groups().len(),
        services.len(),
    ));
    for (service, host) in services {
        let prefix = format!("{cluster}-{service}-");
        counts.push(count(
            &format!("ECS services named {service}"),
            running.iter().filter(|s| s.as_str() == *service).count(),
            1,
        ));
        counts.push(count(
            &format!("target groups of {service}"),
            target_groups
                .target_groups()
                .iter()
                .filter(|g| {
                    g.target_group_name()
                        .unwrap_or_default()
                        .starts_with(&prefix)
                })
                .count(),
            1,
        ));
        counts.push(count(
            &format!("listener rules routing {host}"),
            rules
                .iter()
                .filter(|r| {
                    r.conditions().iter().any(|c| {
                        c.host_header_config()
                            .is_some_and(|h| h.values().iter().any(|v| v == host))
                    })
                })
                .count(),
            1,
        ));
        let family = format!("{cluster}-{service}");
        let defs = ecs
            .list_task_definitions()
            .family_prefix(&family)
            .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
            .send()
            .await
            .expect("list task definitions");
        counts.push(count(
            &format!("active revisions of task family {family}"),
            defs.task_definition_arns().len(),
            revisions,
        ));
        let resource = format!("service/{cluster}/{service}");
        counts.push(count(
            &format!("scalable targets of {resource}"),
            targets
                .scalable_targets()
                .iter()
                .filter(|t| t.resource_id() == resource)
                .count(),
            1,
        ));
        counts.push(count(
            &format!("scaling policies of {resource}"),
            policies
                .scaling_policies()
                .iter()
                .filter(|p| p.resource_id() == resource)
                .count(),
            2,
        ));
        let fqdn = format!("{host}.");
        counts.push(count(
            &format!("A records {fqdn}"),
            records
                .resource_record_sets()
                .iter()
                .filter(|r| r.name() == fqdn && r.r#type().as_str() == "A")
                .count(),
            1,
        ));
        let log_group = format!("/ecs/{cluster}/{service}");
        counts.push(count(
            &format!("log groups {log_group}"),
            log_groups
                .log_groups()
                .iter()
                .filter(|g| g.log_group_name() == Some(log_group.as_str()))
                .count(),
            1,
        ));
    }
    counts
}

/// The counts above their limit, described.
pub fn duplicates(counts: &[Count]) -> Vec<String> {
    counts
        .iter()
        .filter(|c| c.found > c.at_most)
        .map(|c| format!("{} {} (at most {})", c.found, c.what, c.at_most))
        .collect()
}

/// The counts below what must exist, described.
pub fn missing(counts: &[Count]) -> Vec<String> {
    counts
        .iter()
        .filter(|c| c.found < c.at_least)
        .map(|c| format!("{} {} (expected {})", c.found, c.what, c.at_least))
        .collect()
}
