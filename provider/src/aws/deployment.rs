//! Waiting for a service's deployment: until its tasks run the new revision (through the steps
//! and bake times of a strategy that shifts traffic), until a new task is healthy in a new
//! target group (so the rule can move the traffic there), and following a rollback by the
//! circuit breaker or an alarm.

use std::time::{Duration, SystemTime};

use super::ecs_service::{ObservedService, describe};
use super::listener_rule::modify_rule;
use super::retry::AwsError;
use super::service_deployments::{Progress, log_progress, rolled_back_since};
use super::target_group::healthy_targets;
use super::unit::Env;
use crate::blueprint::service::{Cutover, EcsServiceSpec, ListenerRuleSpec, rule_forward};

/// Whether the service has finished deploying `task_definition`: the deployment of that revision
/// is the only one, it is complete, and all its tasks run. Fails with the service's events when the circuit
/// breaker rolled a deployment back.
pub fn deployment_done(
    s: &ObservedService,
    task_definition: &str,
    step: &str,
) -> Result<bool, AwsError> {
    if let Some((_, _, rollout, failed)) = s.deployments.iter().find(|d| d.2 == "FAILED") {
        return Err(AwsError::new(
            step,
            format!(
                "the deployment failed ({rollout}, {failed} failed tasks) and the circuit breaker rolled it back. Recent service events:\n  {}",
                s.events.join("\n  ")
            ),
        ));
    }
    // A deployment that shifts traffic runs all its tasks long before it is done: its rollout
    // state says when it is.
    let rolled_out = s
        .deployments
        .iter()
        .all(|d| d.2.is_empty() || d.2 == "COMPLETED");
    Ok(s.task_definition == task_definition
        && s.deployments.len() <= 1
        && rolled_out
        && s.running_count == s.desired_count)
}

async fn current(
    env: &Env,
    spec: &EcsServiceSpec,
    step: &str,
) -> Result<ObservedService, AwsError> {
    describe(env.c(), &spec.cluster, &spec.name)
        .await?
        .ok_or_else(|| AwsError::new(step, "the service disappeared"))
}

/// How far back a deployment started by this apply may be dated: AWS's clock and this
/// machine's may differ a little.
const CLOCK_SKEW: Duration = Duration::from_secs(120);

/// Waits until the deployment of the spec's revision is the only one and all tasks run; fails
/// with the service's events when ECS rolls it back, whether the rollback is under way or
/// already over.
pub async fn wait_for_steady_state(env: &Env, spec: &EcsServiceSpec) -> Result<(), AwsError> {
    let step = "wait for the deployment to finish";
    let since = SystemTime::now()
        .checked_sub(CLOCK_SKEW)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let progress = Progress::default();
    env.budget
        .poll(
            step,
            "the service did not reach a steady state",
            (Duration::from_millis(250), Duration::from_secs(15)),
            || async {
                let s = current(env, spec, step).await?;
                let failed = s.deployments.iter().any(|d| d.2 == "FAILED");
                if (failed || s.task_definition != spec.task_definition_arn)
                    && let Some(why) = rolled_back_since(env, spec, since, step).await?
                {
                    return Err(AwsError::new(
                        step,
                        format!(
                            "ECS rolled the deployment back ({why}); the service runs {} again. Recent service events:\n  {}",
                            s.task_definition,
                            s.events.join("\n  ")
                        ),
                    ));
                }
                if deployment_done(&s, &spec.task_definition_arn, step)? {
                    return Ok(true);
                }
                // Progress is only logged: a failed read of it does not fail the deployment.
                if spec.deployment.strategy.shifts_traffic()
                    && let Err(e) = log_progress(env, spec, since, &progress, step).await
                {
                    tracing::warn!(error = %e, "could not read the deployment's progress");
                }
                Ok(false)
            },
        )
        .await
}

/// Waits until a task passes health checks in the new target group (or, where target health is
/// not reported, until the deployment has finished). Polled every 1-2 s: the sooner the rule
/// moves, the less the old tasks draining matters.
async fn wait_for_new_targets(env: &Env, spec: &EcsServiceSpec) -> Result<(), AwsError> {
    let step = "wait for the new tasks to pass health checks in the new target group";
    env.budget
        .poll(
            step,
            "no task became healthy in the new target group; the old one still receives the traffic",
            (Duration::from_millis(500), Duration::from_secs(2)),
            || async {
                let group = spec.target_group_arn().unwrap_or_default();
                if healthy_targets(env.c(), group).await? > 0 {
                    return Ok(true);
                }
                deployment_done(&current(env, spec, step).await?, &spec.task_definition_arn, step)
            },
        )
        .await
}

/// Moves the traffic to the service's new target group once a new task is healthy there, then
/// waits for the deployment (when asked). If the circuit breaker puts the service back on an
/// earlier group, the rule follows it there, so the rollback does not leave the host without
/// healthy targets.
pub async fn cut_over(env: &Env, spec: &EcsServiceSpec, cutover: &Cutover) -> Result<(), AwsError> {
    wait_for_new_targets(env, spec).await?;
    modify_rule(env.c(), &cutover.rule_arn, &cutover.rule).await?;
    if !spec.wait_for_steady_state {
        return Ok(());
    }
    let waited = wait_for_steady_state(env, spec).await;
    if waited.is_err()
        && let Ok(Some(s)) = describe(env.c(), &spec.cluster, &spec.name).await
    {
        let forward = rule_forward(
            spec.target_group_arn().unwrap_or_default(),
            &cutover.retiring,
            &s.target_group_arns,
        );
        if forward.len() > 1 {
            let back = ListenerRuleSpec {
                forward,
                ..cutover.rule.clone()
            };
            if let Err(e) = modify_rule(env.c(), &cutover.rule_arn, &back).await {
                tracing::warn!(error = %e, "could not point the rule back at the rolled-back target group");
            }
        }
    }
    waited
}
