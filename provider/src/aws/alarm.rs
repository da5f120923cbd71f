//! CloudWatch metric alarms that roll a deployment back: found by name, every name read in one
//! call, written with PutMetricAlarm (which sets the whole alarm), deleted with DeleteAlarms.

use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, Metric, MetricAlarm, MetricDataQuery, MetricStat,
};

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::{Change, Changes, Env, TagRef, TagTarget, Tags, Unit, read_all};
use crate::blueprint::service::{ALARM_EXPRESSION_ID, ALB_NAMESPACE, AlarmMetric, AlarmSpec};

/// An alarm as CloudWatch reports it: its settings in the blueprint's terms (without tags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedAlarm {
    pub arn: String,
    pub settings: AlarmSpec,
}

fn observed(a: &MetricAlarm) -> ObservedAlarm {
    let mut metrics = Vec::new();
    let mut steps = Vec::new();
    let mut expression = String::new();
    for q in a.metrics() {
        match (q.expression(), q.id()) {
            (Some(e), Some(ALARM_EXPRESSION_ID)) => expression = e.to_owned(),
            (Some(e), id) => steps.push((id.unwrap_or_default().to_owned(), e.to_owned())),
            (None, _) => {}
        }
        if let Some(stat) = q.metric_stat() {
            let metric = stat.metric();
            metrics.push(AlarmMetric {
                id: q.id().unwrap_or_default().to_owned(),
                metric_name: metric
                    .and_then(|m| m.metric_name())
                    .unwrap_or_default()
                    .to_owned(),
                dimensions: metric
                    .map(|m| m.dimensions())
                    .unwrap_or_default()
                    .iter()
                    .map(|d| {
                        (
                            d.name().unwrap_or_default().to_owned(),
                            d.value().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect(),
                stat: stat.stat().unwrap_or_default().to_owned(),
            });
        }
    }
    let period = a
        .metrics()
        .iter()
        .find_map(|q| q.metric_stat().and_then(|s| s.period()))
        .unwrap_or_default();
    ObservedAlarm {
        arn: a.alarm_arn().unwrap_or_default().to_owned(),
        settings: AlarmSpec {
            name: a.alarm_name().unwrap_or_default().to_owned(),
            description: a.alarm_description().unwrap_or_default().to_owned(),
            metrics,
            steps,
            expression,
            comparison: a
                .comparison_operator()
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            threshold: a.threshold().map_or(0, |t| t.round() as i32),
            period,
            evaluation_periods: a.evaluation_periods().unwrap_or_default(),
            treat_missing_data: a.treat_missing_data().unwrap_or_default().to_owned(),
            tags: Default::default(),
        },
    }
}

/// The alarms with these names, in one call (DescribeAlarms takes up to 100).
/// The alarms of `names`, a hundred per call.
async fn describe(c: &Clients, names: &[String]) -> Result<Vec<ObservedAlarm>, AwsError> {
    let mut found = Vec::new();
    for chunk in names.chunks(100) {
        let out = c
            .cloudwatch
            .describe_alarms()
            .set_alarm_names(Some(chunk.to_vec()))
            .alarm_types(AlarmType::MetricAlarm)
            .max_records(100)
            .send()
            .await
            .map_err(|e| aws_error("describe alarms", e))?;
        found.extend(out.metric_alarms().iter().map(observed));
    }
    Ok(found)
}

fn query(m: &AlarmMetric, period: i32) -> MetricDataQuery {
    let metric = Metric::builder()
        .namespace(ALB_NAMESPACE)
        .metric_name(&m.metric_name)
        .set_dimensions(Some(
            m.dimensions
                .iter()
                .map(|(n, v)| Dimension::builder().name(n).value(v).build())
                .collect(),
        ))
        .build();
    MetricDataQuery::builder()
        .id(&m.id)
        .metric_stat(
            MetricStat::builder()
                .metric(metric)
                .period(period)
                .stat(&m.stat)
                .build(),
        )
        .return_data(false)
        .build()
}

/// Sets the whole alarm; tags only when it is created (CloudWatch ignores them on an update).
async fn put(c: &Clients, spec: &AlarmSpec, with_tags: bool) -> Result<(), AwsError> {
    let step = "write alarm";
    let mut queries: Vec<MetricDataQuery> =
        spec.metrics.iter().map(|m| query(m, spec.period)).collect();
    queries.extend(spec.steps.iter().map(|(id, expression)| {
        MetricDataQuery::builder()
            .id(id)
            .expression(expression)
            .return_data(false)
            .build()
    }));
    queries.push(
        MetricDataQuery::builder()
            .id(ALARM_EXPRESSION_ID)
            .expression(&spec.expression)
            .return_data(true)
            .build(),
    );
    let tags = with_tags.then(|| super::tag_writes::cloudwatch(&spec.tags));
    c.cloudwatch
        .put_metric_alarm()
        .alarm_name(&spec.name)
        .alarm_description(&spec.description)
        .set_metrics(Some(queries))
        .comparison_operator(ComparisonOperator::from(spec.comparison.as_str()))
        .threshold(f64::from(spec.threshold))
        .evaluation_periods(spec.evaluation_periods)
        .treat_missing_data(&spec.treat_missing_data)
        .actions_enabled(false)
        .set_tags(tags)
        .send()
        .await
        .map_err(|e| aws_error(step, e))?;
    Ok(())
}

async fn written(c: &Clients, spec: &AlarmSpec) -> Result<ObservedAlarm, AwsError> {
    describe(c, std::slice::from_ref(&spec.name))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AwsError::new("write alarm", "the alarm cannot be read back"))
}

pub struct Alarm;

read_all! {
    Alarm: "CloudWatch alarm", String => ObservedAlarm,
    gathers: true,
    |env, keys| {
        let found = describe(env.c(), keys).await?;
        Ok(keys
            .iter()
            .map(|k| found.iter().find(|a| &a.settings.name == k).cloned())
            .collect())
    }
}

impl Unit for Alarm {
    type Desired = AlarmSpec;

    fn diff(desired: &AlarmSpec, observed: &ObservedAlarm) -> Vec<Change> {
        let untagged = AlarmSpec {
            tags: Default::default(),
            ..desired.clone()
        };
        Changes::new()
            .check("alarm", observed.settings != untagged)
            .done()
    }

    async fn create(env: &Env, _: &String, desired: &AlarmSpec) -> Result<ObservedAlarm, AwsError> {
        put(env.c(), desired, true).await?;
        written(env.c(), desired).await
    }

    async fn update(
        env: &Env,
        desired: &AlarmSpec,
        _: &ObservedAlarm,
        _: &[Change],
    ) -> Result<ObservedAlarm, AwsError> {
        put(env.c(), desired, false).await?;
        written(env.c(), desired).await
    }

    async fn delete(env: &Env, observed: &ObservedAlarm) -> Result<(), AwsError> {
        env.c()
            .cloudwatch
            .delete_alarms()
            .alarm_names(&observed.settings.name)
            .send()
            .await
            .map_err(|e| aws_error("delete alarm", e))?;
        Ok(())
    }

    fn desired_tags(desired: &AlarmSpec) -> Option<Tags> {
        Some(desired.tags.clone())
    }

    fn tags(observed: &ObservedAlarm) -> Option<TagRef> {
        Some(TagRef {
            target: TagTarget::Alarm(observed.arn.clone()),
            known: None,
        })
    }
}
