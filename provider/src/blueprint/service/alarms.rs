//! The CloudWatch alarms that roll a deployment back: the rate of target 5xx responses and the
//! count of unhealthy targets, over every target group of the service.

use std::collections::BTreeMap;

use super::{ServiceInput, tags};

/// The namespace of Application Load Balancer metrics.
pub const ALB_NAMESPACE: &str = "AWS/ApplicationELB";

/// One metric of a metric math alarm: `id` is how the expression names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AlarmMetric {
    pub id: String,
    pub metric_name: String,
    /// (name, value).
    pub dimensions: Vec<(String, String)>,
    pub stat: String,
}

/// A metric math alarm that only marks a deployment failed (it has no actions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmSpec {
    pub name: String,
    pub description: String,
    pub metrics: Vec<AlarmMetric>,
    /// Intermediate metric math expressions (id, expression), in order.
    pub steps: Vec<(String, String)>,
    /// The metric math expression the threshold applies to (its id is `e`).
    pub expression: String,
    /// `GreaterThanThreshold` or `GreaterThanOrEqualToThreshold`.
    pub comparison: String,
    pub threshold: i32,
    pub period: i32,
    pub evaluation_periods: i32,
    /// `notBreaching`: no traffic is no reason to roll back.
    pub treat_missing_data: String,
    pub tags: BTreeMap<String, String>,
}

/// Requests a minute a target group must serve before its 5xx rate counts: a handful of
/// requests is no evidence.
pub const MIN_REQUESTS: i32 = 10;

/// The id of the expression an alarm's threshold applies to.
pub const ALARM_EXPRESSION_ID: &str = "e";

/// The two alarms' names: `<cluster>-<service>-5xx-rate` and `<cluster>-<service>-unhealthy`.
pub fn alarm_names(cluster: &str, service: &str) -> [String; 2] {
    [
        format!("{cluster}-{service}-5xx-rate"),
        format!("{cluster}-{service}-unhealthy"),
    ]
}

/// The CloudWatch dimension value of a load balancer or target group ARN: what follows
/// `loadbalancer/` (`app/<name>/<id>`) or the resource part (`targetgroup/<name>/<id>`).
pub fn metric_dimension(arn: &str) -> String {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or(arn);
    resource
        .strip_prefix("loadbalancer/")
        .unwrap_or(resource)
        .to_owned()
}

fn metric(id: String, name: &str, stat: &str, load_balancer: &str, group: &str) -> AlarmMetric {
    AlarmMetric {
        id,
        metric_name: name.to_owned(),
        dimensions: vec![
            ("LoadBalancer".to_owned(), metric_dimension(load_balancer)),
            ("TargetGroup".to_owned(), metric_dimension(group)),
        ],
        stat: stat.to_owned(),
    }
}

/// The service's rollback alarms on `target_groups` (all of them: the new revision's traffic
/// is in one of them), or none when they are turned off. The 5xx rate is each group's own (the
/// worst counts), so a canary's errors are not diluted by the old revision's traffic.
pub fn rollback_alarms(
    input: &ServiceInput,
    load_balancer_arn: &str,
    target_groups: &[String],
) -> Option<[AlarmSpec; 2]> {
    let a = &input.deployment.alarms;
    if !a.enabled || target_groups.is_empty() {
        return None;
    }
    let [rate_name, unhealthy_name] = alarm_names(&input.cluster, &input.name);
    let mut rate_metrics = Vec::new();
    let mut unhealthy_metrics = Vec::new();
    for (i, group) in target_groups.iter().enumerate() {
        let m = |prefix: &str, name: &str, stat: &str| {
            metric(format!("{prefix}{i}"), name, stat, load_balancer_arn, group)
        };
        rate_metrics.push(m("errors", "HTTPCode_Target_5XX_Count", "Sum"));
        rate_metrics.push(m("requests", "RequestCount", "Sum"));
        unhealthy_metrics.push(m("unhealthy", "UnHealthyHostCount", "Maximum"));
    }
    let rates: Vec<(String, String)> = (0..target_groups.len())
        .map(|i| {
            let requests = format!("FILL(requests{i}, 0)");
            (
                format!("rate{i}"),
                format!(
                    "IF({requests} >= {MIN_REQUESTS}, 100 * FILL(errors{i}, 0) / {requests}, 0)"
                ),
            )
        })
        .collect();
    let rate_ids: Vec<String> = rates.iter().map(|(id, _)| id.clone()).collect();
    let unhealthy_ids: Vec<String> = unhealthy_metrics.iter().map(|m| m.id.clone()).collect();
    let alarm = |name: String,
                 description: String,
                 metrics,
                 steps,
                 expression,
                 comparison: &str,
                 threshold| {
        AlarmSpec {
            name,
            description,
            metrics,
            steps,
            expression,
            comparison: comparison.to_owned(),
            threshold,
            period: 60,
            evaluation_periods: a.evaluation_minutes,
            treat_missing_data: "notBreaching".to_owned(),
            tags: tags(input),
        }
    };
    Some([
        alarm(
            rate_name,
            format!(
                "Target 5xx responses of {} above {} % of requests: rolls a deployment back.",
                input.name, a.error_rate_percent
            ),
            rate_metrics,
            rates,
            format!("MAX([{}])", rate_ids.join(", ")),
            "GreaterThanThreshold",
            a.error_rate_percent,
        ),
        alarm(
            unhealthy_name,
            format!(
                "{} or more unhealthy targets of {}: rolls a deployment back.",
                a.unhealthy_hosts, input.name
            ),
            unhealthy_metrics,
            Vec::new(),
            format!("MAX([{}])", unhealthy_ids.join(", ")),
            "GreaterThanOrEqualToThreshold",
            a.unhealthy_hosts,
        ),
    ])
}

/// The alarms ECS watches during a deployment: the provider's (when on) and the user's own.
pub fn deployment_alarm_names(input: &ServiceInput) -> Vec<String> {
    // A service without a route has no load balancer metrics, so no alarms of its own.
    let mut names: Vec<String> = if input.deployment.alarms.enabled && input.routed() {
        alarm_names(&input.cluster, &input.name).to_vec()
    } else {
        Vec::new()
    };
    names.extend(input.deployment.extra_alarm_names.iter().cloned());
    names
}
