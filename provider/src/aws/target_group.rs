//! Target groups of services: the current one, found by its name (which encodes the settings AWS
//! cannot change, so a new generation is a new group beside the old one), with its health check
//! and deregistration delay changed in place; and the earlier ones a move left, deleted once the
//! service has moved.

use aws_sdk_elasticloadbalancingv2::types::{
    Matcher, ProtocolEnum, TargetGroupAttribute, TargetHealthStateEnum, TargetTypeEnum,
};

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::{
    Change, Changes, Env, Leftovers, TagRef, TagTarget, Tags, Unit, names, read_all,
};
use crate::blueprint::service::TargetGroupSpec;

const DEREGISTRATION_DELAY: &str = "deregistration_delay.timeout_seconds";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedTargetGroup {
    pub arn: String,
    pub name: String,
    pub health_check_path: String,
    pub matcher: String,
    pub deregistration_delay: i32,
}

/// `Ok(None)` for a target group that does not exist.
fn gone<T>(err: AwsError) -> Result<Option<T>, AwsError> {
    super::retry::unless_gone(Err(err), "TargetGroupNotFound")
}

/// The group's deregistration delay in seconds; `None` when the group is gone.
async fn deregistration_delay(c: &Clients, arn: &str) -> Result<Option<i32>, AwsError> {
    match c
        .elbv2
        .describe_target_group_attributes()
        .target_group_arn(arn)
        .send()
        .await
    {
        Ok(out) => Ok(Some(
            out.attributes()
                .iter()
                .find(|a| a.key() == Some(DEREGISTRATION_DELAY))
                .and_then(|a| a.value())
                .and_then(|v| v.parse().ok())
                .unwrap_or(300),
        )),
        Err(e) => gone(aws_error("describe target group attributes", e)),
    }
}

/// Where a target group is found: by name, else by ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupRef {
    Name(String),
    Arn(String),
}

/// Target groups DescribeTargetGroups is asked for in one call.
const DESCRIBE_LIMIT: usize = 20;

/// The groups of `keys`, in order, with their deregistration delays. One missing group fails
/// the whole call with TargetGroupNotFound: that chunk's groups are then read one by one.
async fn describe_many(
    c: &Clients,
    keys: &[GroupRef],
) -> Result<Vec<Option<ObservedTargetGroup>>, AwsError> {
    let mut found: Vec<Option<ObservedTargetGroup>> = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(DESCRIBE_LIMIT) {
        if let [one] = chunk {
            found.push(describe(c, one).await?);
            continue;
        }
        let (names, arns): (Vec<&GroupRef>, Vec<&GroupRef>) =
            chunk.iter().partition(|k| matches!(k, GroupRef::Name(_)));
        let name_list = |refs: &[&GroupRef]| -> Vec<String> {
            refs.iter()
                .map(|k| match k {
                    GroupRef::Name(v) | GroupRef::Arn(v) => v.clone(),
                })
                .collect()
        };
        let mut listed = Vec::new();
        let mut missing = false;
        for (refs, by_name) in [(names, true), (arns, false)] {
            if refs.is_empty() {
                continue;
            }
            let mut call = c.elbv2.describe_target_groups();
            call = if by_name {
                call.set_names(Some(name_list(&refs)))
            } else {
                call.set_target_group_arns(Some(name_list(&refs)))
            };
            match call.send().await {
                Ok(out) => listed.extend(out.target_groups().iter().cloned()),
                Err(e) => {
                    // Anything but a missing group is the error.
                    gone::<()>(aws_error("describe target groups", e))?;
                    missing = true;
                }
            }
        }
        if missing {
            let each = chunk.iter().map(|k| describe(c, k));
            found.extend(futures_util::future::try_join_all(each).await?);
            continue;
        }
        let each = chunk.iter().map(|k| {
            let group = listed.iter().find(|tg| match k {
                GroupRef::Name(n) => tg.target_group_name() == Some(n.as_str()),
                GroupRef::Arn(a) => tg.target_group_arn() == Some(a.as_str()),
            });
            async move {
                match group {
                    Some(tg) => observed(c, tg).await,
                    None => Ok(None),
                }
            }
        });
        found.extend(futures_util::future::try_join_all(each).await?);
    }
    Ok(found)
}

/// The group with its deregistration delay.
pub async fn describe(
    c: &Clients,
    key: &GroupRef,
) -> Result<Option<ObservedTargetGroup>, AwsError> {
    let found = match key {
        GroupRef::Name(n) => c.elbv2.describe_target_groups().names(n).send().await,
        GroupRef::Arn(a) => {
            c.elbv2
                .describe_target_groups()
                .target_group_arns(a)
                .send()
                .await
        }
    };
    let out = match found {
        Ok(out) => out,
        Err(e) => return gone(aws_error("describe target group", e)),
    };
    match out.target_groups().first() {
        Some(tg) => observed(c, tg).await,
        None => Ok(None),
    }
}

/// What a described group is, with its deregistration delay (`None`: the group is gone).
async fn observed(
    c: &Clients,
    tg: &aws_sdk_elasticloadbalancingv2::types::TargetGroup,
) -> Result<Option<ObservedTargetGroup>, AwsError> {
    let arn = tg.target_group_arn().unwrap_or_default().to_owned();
    let Some(delay) = deregistration_delay(c, &arn).await? else {
        return Ok(None);
    };
    Ok(Some(ObservedTargetGroup {
        name: tg.target_group_name().unwrap_or_default().to_owned(),
        health_check_path: tg.health_check_path().unwrap_or_default().to_owned(),
        matcher: tg
            .matcher()
            .and_then(|m| m.http_code())
            .unwrap_or_default()
            .to_owned(),
        deregistration_delay: delay,
        arn,
    }))
}

async fn set_health_check(c: &Clients, arn: &str, spec: &TargetGroupSpec) -> Result<(), AwsError> {
    c.elbv2
        .modify_target_group()
        .target_group_arn(arn)
        .health_check_path(&spec.health_check_path)
        .matcher(
            Matcher::builder()
                .http_code(&spec.health_check_matcher)
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("update target group health check", e))?;
    Ok(())
}

async fn set_deregistration_delay(
    c: &Clients,
    arn: &str,
    spec: &TargetGroupSpec,
) -> Result<(), AwsError> {
    c.elbv2
        .modify_target_group_attributes()
        .target_group_arn(arn)
        .attributes(
            TargetGroupAttribute::builder()
                .key(DEREGISTRATION_DELAY)
                .value(spec.deregistration_delay.to_string())
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("set target group deregistration delay", e))?;
    Ok(())
}

/// Creates the group (AWS returns the existing one for the same settings) with the spec's
/// health check and deregistration delay.
async fn create(c: &Clients, spec: &TargetGroupSpec) -> Result<String, AwsError> {
    let out = c
        .elbv2
        .create_target_group()
        .name(&spec.name)
        .protocol(ProtocolEnum::from(spec.protocol.as_str()))
        .port(spec.port)
        .vpc_id(&spec.vpc_id)
        .target_type(TargetTypeEnum::from(spec.target_type.as_str()))
        .health_check_path(&spec.health_check_path)
        .health_check_port(&spec.health_check_port)
        .health_check_interval_seconds(spec.health_check_interval_seconds)
        .health_check_timeout_seconds(spec.health_check_timeout_seconds)
        .healthy_threshold_count(spec.healthy_threshold)
        .unhealthy_threshold_count(spec.unhealthy_threshold)
        .matcher(
            Matcher::builder()
                .http_code(&spec.health_check_matcher)
                .build(),
        )
        .set_tags(Some(super::tag_writes::elbv2(&spec.tags)))
        .send()
        .await
        .map_err(|e| aws_error("create target group", e))?;
    let arn = out
        .target_groups()
        .first()
        .and_then(|tg| tg.target_group_arn())
        .map(str::to_owned)
        .ok_or_else(|| AwsError::new("create target group", "AWS returned no target group"))?;
    set_deregistration_delay(c, &arn, spec).await?;
    Ok(arn)
}

/// Deletes the group; one already gone is fine.
pub async fn delete(c: &Clients, arn: &str) -> Result<(), AwsError> {
    match c
        .elbv2
        .delete_target_group()
        .target_group_arn(arn)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => gone::<()>(aws_error("delete target group", e)).map(|_| ()),
    }
}

fn as_written(spec: &TargetGroupSpec, arn: String) -> ObservedTargetGroup {
    ObservedTargetGroup {
        arn,
        name: spec.name.clone(),
        health_check_path: spec.health_check_path.clone(),
        matcher: spec.health_check_matcher.clone(),
        deregistration_delay: spec.deregistration_delay,
    }
}

/// How many targets of the group pass their health checks.
pub async fn healthy_targets(c: &Clients, arn: &str) -> Result<usize, AwsError> {
    let out = c
        .elbv2
        .describe_target_health()
        .target_group_arn(arn)
        .send()
        .await
        .map_err(|e| aws_error("read target health", e))?;
    Ok(out
        .target_health_descriptions()
        .iter()
        .filter(|d| {
            d.target_health()
                .and_then(|h| h.state())
                .is_some_and(|s| *s == TargetHealthStateEnum::Healthy)
        })
        .count())
}

/// A service's current target group.
pub struct TargetGroup;

read_all! {
    /// Twenty groups per call (each group's attributes are a call of their own).
    TargetGroup: "target group", GroupRef => ObservedTargetGroup,
    gathers: true,
    |env, keys| {
        describe_many(env.c(), keys).await
    }
}

impl Unit for TargetGroup {
    type Desired = TargetGroupSpec;

    fn diff(desired: &TargetGroupSpec, observed: &ObservedTargetGroup) -> Vec<Change> {
        Changes::new()
            .check(
                "health_check",
                observed.health_check_path != desired.health_check_path
                    || observed.matcher != desired.health_check_matcher,
            )
            .check(
                "deregistration_delay",
                observed.deregistration_delay != desired.deregistration_delay,
            )
            .done()
    }

    async fn create(
        env: &Env,
        _: &GroupRef,
        desired: &TargetGroupSpec,
    ) -> Result<ObservedTargetGroup, AwsError> {
        let arn = create(env.c(), desired).await?;
        Ok(as_written(desired, arn))
    }

    async fn update(
        env: &Env,
        desired: &TargetGroupSpec,
        observed: &ObservedTargetGroup,
        changes: &[Change],
    ) -> Result<ObservedTargetGroup, AwsError> {
        if names(changes, "health_check") {
            set_health_check(env.c(), &observed.arn, desired).await?;
        }
        if names(changes, "deregistration_delay") {
            set_deregistration_delay(env.c(), &observed.arn, desired).await?;
        }
        Ok(as_written(desired, observed.arn.clone()))
    }

    async fn delete(env: &Env, observed: &ObservedTargetGroup) -> Result<(), AwsError> {
        delete(env.c(), &observed.arn).await
    }

    fn desired_tags(desired: &TargetGroupSpec) -> Option<Tags> {
        Some(desired.tags.clone())
    }

    fn tags(observed: &ObservedTargetGroup) -> Option<TagRef> {
        Some(TagRef {
            target: TagTarget::Elbv2(observed.arn.clone()),
            known: None,
        })
    }
}

/// A service's earlier target groups (an unfinished move): none may remain once the service
/// has moved.
pub struct RetiredTargetGroups;

// Keyed by their ARNs; read as the ARNs of those that exist.
read_all! {
    RetiredTargetGroups: "earlier target groups", Vec<String> => Vec<String>,
    |env, keys| {
        let mut out = Vec::new();
        for arns in keys {
            let refs: Vec<GroupRef> = arns.iter().cloned().map(GroupRef::Arn).collect();
            let found =
                futures_util::future::try_join_all(refs.iter().map(|r| describe(env.c(), r)))
                    .await?;
            let existing: Vec<String> = found.into_iter().flatten().map(|g| g.arn).collect();
            out.push((!existing.is_empty()).then_some(existing));
        }
        Ok(out)
}
}

impl Leftovers for RetiredTargetGroups {
    /// A group's ARN.
    type Item = String;

    async fn delete_one(env: &Env, arn: &String) -> Result<(), AwsError> {
        delete(env.c(), arn).await
    }
}
