//! The customized metric of a queue worker's scaling policy: the backlog per task, as metric
//! math over the queue's visible messages and the service's running tasks.

use aws_sdk_applicationautoscaling::types::{
    CustomizedMetricSpecification, TargetTrackingMetric, TargetTrackingMetricDataQuery,
    TargetTrackingMetricDimension, TargetTrackingMetricStat,
};

use super::retry::AwsError;
use crate::blueprint::service::{
    BACKLOG_EXPRESSION, BACKLOG_LABEL, QUEUE_METRIC, QUEUE_NAMESPACE, TASKS_METRIC, TASKS_NAMESPACE,
};

const STEP: &str = "put the queue scaling policy";

fn built<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, AwsError> {
    r.map_err(|e| AwsError::new(STEP, e.to_string()))
}

fn stat(
    id: &str,
    namespace: &str,
    name: &str,
    dimensions: &[(&str, &str)],
    statistic: &str,
) -> Result<TargetTrackingMetricDataQuery, AwsError> {
    let mut dims = Vec::new();
    for (n, v) in dimensions {
        dims.push(built(
            TargetTrackingMetricDimension::builder()
                .name(*n)
                .value(*v)
                .build(),
        )?);
    }
    let metric = TargetTrackingMetric::builder()
        .namespace(namespace)
        .metric_name(name)
        .set_dimensions(Some(dims))
        .build();
    built(
        TargetTrackingMetricDataQuery::builder()
            .id(id)
            .metric_stat(built(
                TargetTrackingMetricStat::builder()
                    .metric(metric)
                    .stat(statistic)
                    .build(),
            )?)
            .return_data(false)
            .build(),
    )
}

/// The backlog per task of `queue` for the service of `resource_id` (`service/<cluster>/<name>`).
pub fn backlog_metric(
    queue: &str,
    resource_id: &str,
) -> Result<CustomizedMetricSpecification, AwsError> {
    let mut parts = resource_id.split('/').skip(1);
    let (cluster, service) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let messages = stat(
        "messages",
        QUEUE_NAMESPACE,
        QUEUE_METRIC,
        &[("QueueName", queue)],
        "Sum",
    )?;
    let tasks = stat(
        "tasks",
        TASKS_NAMESPACE,
        TASKS_METRIC,
        &[("ClusterName", cluster), ("ServiceName", service)],
        "Average",
    )?;
    let backlog = built(
        TargetTrackingMetricDataQuery::builder()
            .id("backlog")
            .expression(BACKLOG_EXPRESSION)
            .label(BACKLOG_LABEL)
            .return_data(true)
            .build(),
    )?;
    Ok(CustomizedMetricSpecification::builder()
        .set_metrics(Some(vec![messages, tasks, backlog]))
        .build())
}

/// The queue a customized metric tracks the backlog of, when it is this provider's backlog
/// metric (the expression and the queue's metric as written).
pub fn backlog_queue(spec: &CustomizedMetricSpecification) -> Option<String> {
    let metrics = spec.metrics();
    if !metrics
        .iter()
        .any(|m| m.expression() == Some(BACKLOG_EXPRESSION))
    {
        return None;
    }
    metrics.iter().find_map(|m| {
        let metric = m.metric_stat()?.metric()?;
        if metric.namespace() != Some(QUEUE_NAMESPACE) || metric.metric_name() != Some(QUEUE_METRIC)
        {
            return None;
        }
        metric
            .dimensions()
            .iter()
            .find(|d| d.name() == "QueueName")
            .map(|d| d.value().to_owned())
    })
}
