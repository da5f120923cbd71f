//! A service's deployment history (ListServiceDeployments, DescribeServiceDeployments): why ECS
//! rolled a deployment back, and how far a deployment that shifts traffic has come.

use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use aws_sdk_ecs::primitives::DateTime;
use aws_sdk_ecs::types::{CreatedAt, ServiceDeploymentStatus};

use super::retry::{AwsError, aws_error};
use super::unit::Env;
use crate::blueprint::service::EcsServiceSpec;

/// The statuses of a service deployment ECS rolled back, or is rolling back.
const ROLLED_BACK: [ServiceDeploymentStatus; 4] = [
    ServiceDeploymentStatus::RollbackRequested,
    ServiceDeploymentStatus::RollbackInProgress,
    ServiceDeploymentStatus::RollbackSuccessful,
    ServiceDeploymentStatus::RollbackFailed,
];

/// The newest deployment of the service created since `since`, by its creation time: its ARN
/// and status.
async fn newest(
    env: &Env,
    spec: &EcsServiceSpec,
    since: SystemTime,
    step: &str,
) -> Result<Option<(String, Option<ServiceDeploymentStatus>)>, AwsError> {
    let out = env
        .c()
        .ecs
        .list_service_deployments()
        .cluster(&spec.cluster)
        .service(&spec.name)
        .created_at(CreatedAt::builder().after(DateTime::from(since)).build())
        .send()
        .await
        .map_err(|e| aws_error(step, e))?;
    Ok(out
        .service_deployments()
        .iter()
        .max_by_key(|d| d.created_at().map(|t| (t.secs(), t.subsec_nanos())))
        .map(|d| {
            (
                d.service_deployment_arn().unwrap_or_default().to_owned(),
                d.status().cloned(),
            )
        }))
}

async fn describe(
    env: &Env,
    arn: &str,
    step: &str,
) -> Result<Option<aws_sdk_ecs::types::ServiceDeployment>, AwsError> {
    let out = env
        .c()
        .ecs
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await
        .map_err(|e| aws_error(step, e))?;
    Ok(out.service_deployments().first().cloned())
}

/// Why ECS rolled back the service's newest deployment (the one this apply started, created
/// since `since`), when it did: its status, its reason and the alarms that fired. An earlier
/// deployment rolled back before it does not count.
pub async fn rolled_back_since(
    env: &Env,
    spec: &EcsServiceSpec,
    since: SystemTime,
    step: &str,
) -> Result<Option<String>, AwsError> {
    let Some((arn, Some(status))) = newest(env, spec, since, step).await? else {
        return Ok(None);
    };
    if !ROLLED_BACK.contains(&status) {
        return Ok(None);
    }
    let mut why = status.as_str().to_owned();
    if let Some(d) = describe(env, &arn, step).await? {
        if let Some(reason) = d.status_reason() {
            why = format!("{why}: {reason}");
        }
        let fired = d
            .alarms()
            .map(|a| a.triggered_alarm_names())
            .unwrap_or_default();
        if !fired.is_empty() {
            why = format!("{why}; alarms that fired: {}", fired.join(", "));
        }
    }
    Ok(Some(why))
}

/// What was last logged of a deployment: its lifecycle stage, the new revision's share of the
/// production traffic, and when the stage was first seen.
#[derive(Debug, Default)]
pub struct Progress(Mutex<Option<(String, i64, Instant)>>);

/// Logs, at INFO, the stage of the service's deployment started since `since`, the new
/// revision's share of production traffic and, while it bakes, the bake time left. Logged when
/// the stage or the share changes.
pub async fn log_progress(
    env: &Env,
    spec: &EcsServiceSpec,
    since: SystemTime,
    progress: &Progress,
    step: &str,
) -> Result<(), AwsError> {
    let Some((arn, _)) = newest(env, spec, since, step).await? else {
        return Ok(());
    };
    let Some(d) = describe(env, &arn, step).await? else {
        return Ok(());
    };
    let stage = d
        .lifecycle_stage()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    let traffic = d
        .target_service_revision()
        .and_then(|r| r.requested_production_traffic_weight())
        .map_or(0, |w| w.round() as i64);
    let Ok(mut last) = progress.0.lock() else {
        return Ok(());
    };
    let since_stage = match last.as_ref() {
        Some((s, t, at)) if *s == stage && *t == traffic => return Ok(()),
        Some((s, _, at)) if *s == stage => *at,
        _ => Instant::now(),
    };
    let bake_left = (stage == "BAKE_TIME").then(|| {
        let bake = u64::try_from(spec.deployment.bake_time.unwrap_or(0)).unwrap_or(0) * 60;
        bake.saturating_sub(since_stage.elapsed().as_secs())
    });
    tracing::info!(
        service = spec.name.as_str(),
        strategy = spec.deployment.strategy.name(),
        stage = stage.as_str(),
        traffic_percent = traffic,
        bake_time_left_s = bake_left,
        "deployment in progress"
    );
    *last = Some((stage, traffic, since_stage));
    Ok(())
}
