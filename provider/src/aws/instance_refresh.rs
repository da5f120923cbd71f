//! Auto Scaling instance refreshes: how a group's instances move to a new launch template
//! version. A refresh is started with the group's new settings as its desired configuration,
//! so AWS rolls it back when it fails and moves the group to them when it succeeds; the apply
//! waits for it, within its timeout.

use aws_sdk_autoscaling::types::{
    DesiredConfiguration, MixedInstancesPolicy, RefreshPreferences, ScaleInProtectedInstances,
};

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::Env;
use crate::blueprint::cluster::Rollout;

const STEP: &str = "roll the instances to the new launch template version";

/// One instance refresh as DescribeInstanceRefreshes reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refresh {
    pub id: String,
    pub status: String,
    pub reason: Option<String>,
    pub percentage: i32,
    pub instances_to_update: i32,
}

impl Refresh {
    /// Still running: a new refresh of the group would be refused.
    pub fn active(&self) -> bool {
        matches!(
            self.status.as_str(),
            "Pending" | "InProgress" | "Cancelling" | "RollbackInProgress" | "Baking"
        )
    }

    /// Why a refresh that ended did not succeed, in words for the apply's error.
    fn failure(&self) -> String {
        let what = match self.status.as_str() {
            "RollbackSuccessful" => "failed and was rolled back",
            "RollbackFailed" => "failed, and its rollback failed too",
            "Cancelled" => "was cancelled",
            _ => "failed",
        };
        let reason = self
            .reason
            .as_deref()
            .map_or(String::new(), |r| format!(": {}", r.trim_end_matches('.')));
        format!(
            "instance refresh {} {what} ({}){reason}. The instances keep their previous launch template version; the next apply starts a new refresh.",
            self.id, self.status
        )
    }
}

fn refresh(r: &aws_sdk_autoscaling::types::InstanceRefresh) -> Refresh {
    Refresh {
        id: r.instance_refresh_id().unwrap_or_default().to_owned(),
        status: r
            .status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        reason: r.status_reason().map(str::to_owned),
        percentage: r.percentage_complete().unwrap_or(0),
        instances_to_update: r.instances_to_update().unwrap_or(0),
    }
}

/// The group's newest refresh, or the one with `id`.
pub async fn latest(
    c: &Clients,
    group: &str,
    id: Option<&str>,
) -> Result<Option<Refresh>, AwsError> {
    let out = c
        .autoscaling
        .describe_instance_refreshes()
        .auto_scaling_group_name(group)
        .set_instance_refresh_ids(id.map(|id| vec![id.to_owned()]))
        .max_records(1)
        .send()
        .await
        .map_err(|e| aws_error("describe instance refreshes", e))?;
    Ok(out.instance_refreshes().first().map(refresh))
}

fn preferences(rollout: &Rollout) -> RefreshPreferences {
    RefreshPreferences::builder()
        .min_healthy_percentage(rollout.min_healthy_percentage)
        .max_healthy_percentage(rollout.max_healthy_percentage)
        .instance_warmup(rollout.instance_warmup)
        .skip_matching(rollout.skip_matching)
        .auto_rollback(rollout.auto_rollback)
        .scale_in_protected_instances(if rollout.replace_protected {
            ScaleInProtectedInstances::Refresh
        } else {
            ScaleInProtectedInstances::Ignore
        })
        .build()
}

/// Starts a refresh to `policy`; when one is already running (started by an earlier apply that
/// was interrupted), that one is the refresh to wait for.
async fn start(
    c: &Clients,
    group: &str,
    policy: MixedInstancesPolicy,
    rollout: &Rollout,
) -> Result<String, AwsError> {
    let started = c
        .autoscaling
        .start_instance_refresh()
        .auto_scaling_group_name(group)
        .desired_configuration(
            DesiredConfiguration::builder()
                .mixed_instances_policy(policy)
                .build(),
        )
        .preferences(preferences(rollout))
        .send()
        .await;
    match started {
        Ok(out) => Ok(out.instance_refresh_id().unwrap_or_default().to_owned()),
        Err(e) => {
            let err = aws_error("start instance refresh", e);
            if err.code() != Some("InstanceRefreshInProgress") {
                return Err(err);
            }
            match latest(c, group, None).await? {
                Some(r) if r.active() => Ok(r.id),
                _ => Err(err),
            }
        }
    }
}

/// Waits for refresh `id` of `group` to end, logging its progress, and returns how it ended.
async fn ended(env: &Env, group: &str, id: &str) -> Result<Refresh, AwsError> {
    let what = format!("instance refresh {id} of {group}");
    let last = std::sync::Mutex::new(None);
    env.budget
        .wait_until(&what, || async {
            let Some(r) = latest(env.c(), group, Some(id)).await? else {
                return Err(AwsError::new(STEP, format!("{what} is gone")));
            };
            if r.active() {
                tracing::info!(
                    group,
                    refresh = id,
                    status = r.status.as_str(),
                    percent = r.percentage,
                    instances_to_go = r.instances_to_update,
                    "instance refresh in progress"
                );
                return Ok(false);
            }
            tracing::info!(
                group,
                refresh = id,
                status = r.status.as_str(),
                "instance refresh ended"
            );
            if let Ok(mut slot) = last.lock() {
                *slot = Some(r);
            }
            Ok(true)
        })
        .await?;
    let found = last.lock().ok().and_then(|mut slot| slot.take());
    found.ok_or_else(|| AwsError::new(STEP, format!("{what} ended without a status")))
}

/// Waits for a refresh that is running already (one an interrupted apply started) to end,
/// whatever its outcome: the group must not be changed under it. Whether it succeeded.
pub async fn settle(env: &Env, group: &str) -> Result<bool, AwsError> {
    match latest(env.c(), group, None).await? {
        Some(r) if r.active() => Ok(ended(env, group, &r.id).await?.status == "Successful"),
        _ => Ok(false),
    }
}

/// Moves the group's instances to `policy` with a refresh, and waits for it; fails with AWS's
/// reason when it does not succeed.
pub async fn roll(
    env: &Env,
    group: &str,
    policy: MixedInstancesPolicy,
    rollout: &Rollout,
) -> Result<(), AwsError> {
    let id = start(env.c(), group, policy, rollout).await?;
    tracing::info!(group, refresh = id.as_str(), "instance refresh started");
    let end = ended(env, group, &id).await?;
    if end.status == "Successful" {
        Ok(())
    } else {
        Err(AwsError::new(STEP, end.failure()))
    }
}
