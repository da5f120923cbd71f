//! What a service runs on and around: the ECS service and its revision, its scaling, log group,
//! DNS record, and the certificate it is served with.

use aws_sdk_applicationautoscaling::types::{ScalableTarget, ScalingPolicy, ServiceNamespace};
use aws_sdk_cloudwatchlogs::types::LogGroup;
use aws_sdk_ecs::types::{Service, TaskDefinition};
use aws_sdk_route53::types::ResourceRecordSet;

use super::Aws;

impl Aws {
    /// The active revisions of a task family.
    pub async fn active_revisions(&self, family: &str) -> Vec<String> {
        self.ecs
            .list_task_definitions()
            .family_prefix(family)
            .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
            .send()
            .await
            .expect("list task definitions")
            .task_definition_arns()
            .iter()
            .filter(|arn| {
                arn.rsplit('/')
                    .next()
                    .and_then(|r| r.rsplit_once(':'))
                    .is_some_and(|(f, _)| f == family)
            })
            .cloned()
            .collect()
    }

    /// The ECS service `name` of a cluster.
    pub async fn service(&self, cluster: &str, name: &str) -> Service {
        self.ecs
            .describe_services()
            .cluster(cluster)
            .services(name)
            .send()
            .await
            .expect("describe service")
            .services()
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("no ECS service {name} on {cluster}"))
    }

    /// The task definition revision a service runs.
    pub async fn running_task_definition_arn(&self, cluster: &str, name: &str) -> Option<String> {
        self.service(cluster, name)
            .await
            .task_definition()
            .map(str::to_owned)
    }

    /// A task definition revision (its ARN or `family:revision`).
    pub async fn task_definition(&self, revision: &str) -> TaskDefinition {
        self.ecs
            .describe_task_definition()
            .task_definition(revision)
            .send()
            .await
            .expect("describe task definition")
            .task_definition()
            .cloned()
            .unwrap_or_else(|| panic!("no task definition {revision}"))
    }

    /// The revision a service runs.
    pub async fn running_task_definition(&self, cluster: &str, name: &str) -> TaskDefinition {
        let revision = self
            .running_task_definition_arn(cluster, name)
            .await
            .unwrap_or_else(|| panic!("service {name} runs no revision"));
        self.task_definition(&revision).await
    }

    /// The ECS scalable targets of a resource (`service/<cluster>/<service>`).
    /// The metric alarm named `name`, if it exists.
    pub async fn alarm(&self, name: &str) -> Option<aws_sdk_cloudwatch::types::MetricAlarm> {
        self.cloudwatch
            .describe_alarms()
            .alarm_names(name)
            .send()
            .await
            .expect("describe alarms")
            .metric_alarms()
            .first()
            .cloned()
    }

    pub async fn scalable_targets(&self, resource_id: &str) -> Vec<ScalableTarget> {
        self.scaling
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_ids(resource_id)
            .send()
            .await
            .expect("describe scalable targets")
            .scalable_targets()
            .to_vec()
    }

    /// The ECS scaling policies of a resource (`service/<cluster>/<service>`).
    pub async fn scaling_policies(&self, resource_id: &str) -> Vec<ScalingPolicy> {
        self.scaling
            .describe_scaling_policies()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(resource_id)
            .send()
            .await
            .expect("describe scaling policies")
            .scaling_policies()
            .to_vec()
    }

    /// The log groups whose name starts with `prefix`.
    pub async fn log_groups(&self, prefix: &str) -> Vec<LogGroup> {
        self.logs
            .describe_log_groups()
            .log_group_name_prefix(prefix)
            .send()
            .await
            .expect("describe log groups")
            .log_groups()
            .to_vec()
    }

    /// Every record of a hosted zone.
    pub async fn records(&self, zone_id: &str) -> Vec<ResourceRecordSet> {
        self.route53
            .list_resource_record_sets()
            .hosted_zone_id(zone_id)
            .send()
            .await
            .expect("list resource record sets")
            .resource_record_sets()
            .to_vec()
    }

    /// The A record of `fqdn` (with its final dot) in a hosted zone, if there is one.
    pub async fn a_record(&self, zone_id: &str, fqdn: &str) -> Option<ResourceRecordSet> {
        self.records(zone_id)
            .await
            .into_iter()
            .find(|r| r.name() == fqdn && r.r#type().as_str() == "A")
    }

    /// The status of an ACM certificate (`ISSUED`, `PENDING_VALIDATION`...).
    pub async fn certificate_status(&self, arn: &str) -> Option<String> {
        self.acm
            .describe_certificate()
            .certificate_arn(arn)
            .send()
            .await
            .expect("describe certificate")
            .certificate()
            .and_then(|c| c.status())
            .map(|s| s.as_str().to_owned())
    }
}

impl Aws {
    /// Every Cloud Map namespace of the region.
    pub async fn namespaces(&self) -> Vec<aws_sdk_servicediscovery::types::NamespaceSummary> {
        self.cloudmap
            .list_namespaces()
            .send()
            .await
            .expect("list Cloud Map namespaces")
            .namespaces()
            .to_vec()
    }

    /// The names of the Cloud Map services in namespace `id`.
    pub async fn discovery_services(&self, id: &str) -> Vec<String> {
        let in_namespace = aws_sdk_servicediscovery::types::ServiceFilter::builder()
            .name(aws_sdk_servicediscovery::types::ServiceFilterName::NamespaceId)
            .values(id)
            .build()
            .expect("filter");
        self.cloudmap
            .list_services()
            .filters(in_namespace)
            .send()
            .await
            .expect("list Cloud Map services")
            .services()
            .iter()
            .filter_map(|s| s.name().map(str::to_owned))
            .collect()
    }
}

impl Aws {
    /// The names of every EventBridge Scheduler schedule of the default group.
    pub async fn schedules(&self) -> Vec<String> {
        self.scheduler
            .list_schedules()
            .send()
            .await
            .expect("list schedules")
            .schedules()
            .iter()
            .filter_map(|s| s.name().map(str::to_owned))
            .collect()
    }

    /// A schedule of the default group, by name.
    pub async fn schedule(
        &self,
        name: &str,
    ) -> aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput {
        self.scheduler
            .get_schedule()
            .name(name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("get schedule {name}: {e:?}"))
    }
}
