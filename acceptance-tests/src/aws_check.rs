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
        let config = emulator.sdk_config().await;
        Self {
            ec2: aws_sdk_ec2::Client::new(&config),
            ecs: aws_sdk_ecs::Client::new(&config),
            iam: aws_sdk_iam::Client::new(&config),
            autoscaling: aws_sdk_autoscaling::Client::new(&config),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(&config),
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
