//! What each resource leaves behind once destroyed: every object of the kinds it creates that
//! still exists, named.

use super::Aws;

impl Aws {
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
        for n in self.namespaces().await {
            left.push(format!(
                "Cloud Map namespace {}",
                n.name().unwrap_or_default()
            ));
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

    /// Every object of every kind `ecsprod_service` creates that still exists, named.
    pub async fn service_leftovers(&self, cluster: &str, zone_id: &str) -> Vec<String> {
        let mut left = Vec::new();
        if let Ok(services) = self.ecs.list_services().cluster(cluster).send().await
            && !services.service_arns().is_empty()
        {
            let described = self
                .ecs
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
        let defs = self
            .ecs
            .list_task_definitions()
            .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
            .send()
            .await
            .expect("list task definitions");
        for d in defs.task_definition_arns() {
            left.push(format!("task definition {d}"));
        }
        let groups = self
            .elbv2
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
        let groups = self
            .logs
            .describe_log_groups()
            .send()
            .await
            .expect("log groups");
        for g in groups.log_groups() {
            left.push(format!(
                "log group {}",
                g.log_group_name().unwrap_or_default()
            ));
        }
        let targets = self
            .scaling
            .describe_scalable_targets()
            .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
            .send()
            .await
            .expect("scalable targets");
        for t in targets.scalable_targets() {
            left.push(format!("scalable target {}", t.resource_id()));
        }
        let policies = self
            .scaling
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
        let records = self
            .route53
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
        for s in self.schedules().await {
            left.push(format!("schedule {s}"));
        }
        let roles = self.iam.list_roles().send().await.expect("roles");
        for r in roles.roles() {
            let name = r.role_name();
            if name.ends_with("-exec")
                || name.ends_with("-task")
                || name.ends_with("-lb")
                || name.ends_with("-run")
            {
                left.push(format!("IAM role {name}"));
            }
        }
        let alarms = self
            .cloudwatch
            .describe_alarms()
            .send()
            .await
            .expect("alarms");
        for a in alarms.metric_alarms() {
            left.push(format!("alarm {}", a.alarm_name().unwrap_or_default()));
        }
        left
    }

    /// What `ecsprod_service` and then `ecsprod_cluster` leave behind: a destroyed stack
    /// leaves nothing.
    pub async fn stack_leftovers(&self, vpc_id: &str, cluster: &str, zone_id: &str) -> Vec<String> {
        let mut left = self.service_leftovers(cluster, zone_id).await;
        left.extend(self.cluster_leftovers(vpc_id, cluster).await);
        left
    }
}

/// Every object of every kind `ecsprod_service` creates that still exists, named (see
/// [`Aws::service_leftovers`]).
pub async fn service_leftovers(
    config: &aws_config::SdkConfig,
    cluster: &str,
    zone_id: &str,
) -> Vec<String> {
    Aws::from_config(config)
        .service_leftovers(cluster, zone_id)
        .await
}
