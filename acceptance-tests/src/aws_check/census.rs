//! A census of what a cluster and its services created, object kind by object kind, to find
//! duplicates and missing objects.

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
    jobs: &[&str],
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
    let namespaces = super::Aws::from_config(config).namespaces().await;
    counts.push(count(
        &format!("Cloud Map namespaces named {cluster}"),
        namespaces
            .iter()
            .filter(|n| n.name() == Some(cluster))
            .count(),
        1,
    ));
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
    counts.push(count(
        "IAM roles",
        roles,
        1 + 2 * services.len() + 3 * jobs.len(),
    ));
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
    counts.extend(job_counts(config, cluster, jobs, &log_groups, converged).await);
    counts
}

/// The schedule, task family and log group of each job.
async fn job_counts(
    config: &aws_config::SdkConfig,
    cluster: &str,
    jobs: &[&str],
    log_groups: &aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput,
    converged: bool,
) -> Vec<Count> {
    let aws = super::Aws::from_config(config);
    let schedules = aws.schedules().await;
    let revisions = if converged { 1 } else { 2 };
    let mut counts = Vec::new();
    for job in jobs {
        let own = format!("{cluster}-job_{job}");
        let exact = |what: String, found: usize, n: usize| Count {
            what,
            found,
            at_least: if converged { n } else { 0 },
            at_most: n,
        };
        counts.push(exact(
            format!("schedules named {own}"),
            schedules.iter().filter(|s| **s == own).count(),
            1,
        ));
        let defs = aws
            .ecs
            .list_task_definitions()
            .family_prefix(&own)
            .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
            .send()
            .await
            .expect("list task definitions");
        counts.push(exact(
            format!("active revisions of task family {own}"),
            defs.task_definition_arns().len(),
            revisions,
        ));
        let group = format!("/ecs/{cluster}/job_{job}");
        counts.push(exact(
            format!("log groups {group}"),
            log_groups
                .log_groups()
                .iter()
                .filter(|g| g.log_group_name() == Some(group.as_str()))
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
