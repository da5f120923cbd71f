//! Target groups of services and their rules on the cluster's HTTPS listener.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, HostHeaderConditionConfig, Matcher, ProtocolEnum,
    Rule, RuleCondition, Tag, TargetGroupAttribute, TargetGroupTuple, TargetHealthStateEnum,
    TargetTypeEnum,
};

use super::Clients;
use super::retry::{AwsError, adopt_after_retried_create, aws_error};
use crate::blueprint::service::{ListenerRuleSpec, TargetGroupSpec, WeightedTarget, same_forward};

fn tags(t: &BTreeMap<String, String>) -> Vec<Tag> {
    t.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedTargetGroup {
    pub arn: String,
    pub health_check_path: String,
    pub matcher: String,
}

/// `Ok(None)` for a target group that does not exist.
fn gone<T>(err: AwsError) -> Result<Option<T>, AwsError> {
    if err.code() == Some("TargetGroupNotFound") {
        Ok(None)
    } else {
        Err(err)
    }
}

pub async fn describe(c: &Clients, name: &str) -> Result<Option<ObservedTargetGroup>, AwsError> {
    match c.elbv2.describe_target_groups().names(name).send().await {
        Ok(out) => Ok(out.target_groups().first().map(|tg| ObservedTargetGroup {
            arn: tg.target_group_arn().unwrap_or_default().to_owned(),
            health_check_path: tg.health_check_path().unwrap_or_default().to_owned(),
            matcher: tg
                .matcher()
                .and_then(|m| m.http_code())
                .unwrap_or_default()
                .to_owned(),
        })),
        Err(e) => gone(aws_error("describe target group", e)),
    }
}

/// The group's deregistration delay in seconds; `None` when the group is gone.
pub async fn deregistration_delay(c: &Clients, arn: &str) -> Result<Option<i32>, AwsError> {
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
                .find(|a| a.key() == Some("deregistration_delay.timeout_seconds"))
                .and_then(|a| a.value())
                .and_then(|v| v.parse().ok())
                .unwrap_or(300),
        )),
        Err(e) => gone(aws_error("describe target group attributes", e)),
    }
}

/// A target group by ARN, with its deregistration delay (both read at once).
pub async fn describe_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<(ObservedTargetGroup, i32)>, AwsError> {
    let group = async {
        match c
            .elbv2
            .describe_target_groups()
            .target_group_arns(arn)
            .send()
            .await
        {
            Ok(out) => Ok(out.target_groups().first().map(|tg| ObservedTargetGroup {
                arn: arn.to_owned(),
                health_check_path: tg.health_check_path().unwrap_or_default().to_owned(),
                matcher: tg
                    .matcher()
                    .and_then(|m| m.http_code())
                    .unwrap_or_default()
                    .to_owned(),
            })),
            Err(e) => gone(aws_error("describe target group", e)),
        }
    };
    let (group, delay) = tokio::try_join!(group, deregistration_delay(c, arn))?;
    Ok(group.zip(delay))
}

/// Creates the target group (or adopts the one of that name) with the health check and
/// deregistration delay of the spec, and returns its ARN.
pub async fn ensure(c: &Clients, spec: &TargetGroupSpec) -> Result<String, AwsError> {
    let (arn, delay) = match describe(c, &spec.name).await? {
        Some(found) => {
            if found.health_check_path != spec.health_check_path
                || found.matcher != spec.health_check_matcher
            {
                c.elbv2
                    .modify_target_group()
                    .target_group_arn(&found.arn)
                    .health_check_path(&spec.health_check_path)
                    .matcher(
                        Matcher::builder()
                            .http_code(&spec.health_check_matcher)
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(|e| aws_error("update target group health check", e))?;
            }
            let delay = deregistration_delay(c, &found.arn).await?;
            (found.arn, delay)
        }
        None => {
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
                .set_tags(Some(tags(&spec.tags)))
                .send()
                .await
                .map_err(|e| aws_error("create target group", e))?;
            let arn = out
                .target_groups()
                .first()
                .and_then(|tg| tg.target_group_arn())
                .map(str::to_owned)
                .ok_or_else(|| {
                    AwsError::new("create target group", "AWS returned no target group")
                })?;
            (arn, None)
        }
    };
    if delay == Some(spec.deregistration_delay) {
        return Ok(arn);
    }
    c.elbv2
        .modify_target_group_attributes()
        .target_group_arn(&arn)
        .attributes(
            TargetGroupAttribute::builder()
                .key("deregistration_delay.timeout_seconds")
                .value(spec.deregistration_delay.to_string())
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("set target group deregistration delay", e))?;
    Ok(arn)
}

pub async fn delete(c: &Clients, arn: &str) -> Result<(), AwsError> {
    match c
        .elbv2
        .delete_target_group()
        .target_group_arn(arn)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("delete target group", e);
            if err.code() == Some("TargetGroupNotFound") {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedRule {
    pub arn: String,
    pub priority: Option<i32>,
    pub host_headers: Vec<String>,
    /// Every target group of the rule's `forward` actions.
    pub target_group_arns: Vec<String>,
    /// The `forward` targets with their weights (1 when the action names a single group).
    pub forward: Vec<WeightedTarget>,
}

impl ObservedRule {
    /// The target groups that receive traffic (a weight above 0).
    pub fn serving(&self) -> Vec<String> {
        self.forward
            .iter()
            .filter(|t| t.weight > 0)
            .map(|t| t.target_group_arn.clone())
            .collect()
    }
}

fn observed_rule(r: &Rule) -> ObservedRule {
    let mut forward: Vec<WeightedTarget> = Vec::new();
    for action in r.actions() {
        let weighted: Vec<WeightedTarget> = action
            .forward_config()
            .map(|f| {
                f.target_groups()
                    .iter()
                    .filter_map(|t| {
                        Some(WeightedTarget::new(
                            t.target_group_arn()?,
                            t.weight().unwrap_or(1),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !weighted.is_empty() {
            forward.extend(weighted);
        } else if let Some(arn) = action.target_group_arn() {
            forward.push(WeightedTarget::new(arn, 1));
        }
    }
    ObservedRule {
        arn: r.rule_arn().unwrap_or_default().to_owned(),
        priority: r.priority().and_then(|p| p.parse().ok()),
        host_headers: r
            .conditions()
            .iter()
            .filter(|c| c.field() == Some("host-header"))
            .flat_map(|c| {
                c.host_header_config()
                    .map(|h| h.values().to_vec())
                    .unwrap_or_else(|| c.values().to_vec())
            })
            .collect(),
        target_group_arns: forward.iter().map(|t| t.target_group_arn.clone()).collect(),
        forward,
    }
}

pub async fn rules(c: &Clients, listener_arn: &str) -> Result<Vec<ObservedRule>, AwsError> {
    let out = c
        .elbv2
        .describe_rules()
        .listener_arn(listener_arn)
        .send()
        .await
        .map_err(|e| aws_error("describe listener rules", e))?;
    Ok(out.rules().iter().map(observed_rule).collect())
}

/// One rule by ARN; `None` when it no longer exists.
pub async fn describe_rule(c: &Clients, arn: &str) -> Result<Option<ObservedRule>, AwsError> {
    match c.elbv2.describe_rules().rule_arns(arn).send().await {
        Ok(out) => Ok(out.rules().first().map(observed_rule)),
        Err(e) => {
            let err = aws_error("describe listener rule", e);
            if err.code() == Some("RuleNotFound") {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// The service's rule: the one recorded (`known`), else one on the listener that forwards to
/// any of `target_groups` (a rule created by an apply that never returned its state).
pub async fn find_rule(
    c: &Clients,
    listener_arn: &str,
    known: Option<&str>,
    target_groups: &[String],
) -> Result<Option<ObservedRule>, AwsError> {
    if let Some(arn) = known
        && let Some(rule) = describe_rule(c, arn).await?
    {
        return Ok(Some(rule));
    }
    Ok(rules(c, listener_arn).await?.into_iter().find(|r| {
        r.target_group_arns
            .iter()
            .any(|arn| target_groups.contains(arn))
    }))
}

fn host_condition(spec: &ListenerRuleSpec) -> RuleCondition {
    RuleCondition::builder()
        .field("host-header")
        .host_header_config(
            HostHeaderConditionConfig::builder()
                .set_values(Some(spec.host_headers.clone()))
                .build(),
        )
        .build()
}

/// A plain forward to one group, or weighted forwarding to several.
fn forward(spec: &ListenerRuleSpec) -> Action {
    let action = Action::builder().r#type(ActionTypeEnum::Forward);
    match spec.forward.as_slice() {
        [only] => action.target_group_arn(&only.target_group_arn).build(),
        many => action
            .forward_config(
                ForwardActionConfig::builder()
                    .set_target_groups(Some(
                        many.iter()
                            .map(|t| {
                                TargetGroupTuple::builder()
                                    .target_group_arn(&t.target_group_arn)
                                    .weight(t.weight)
                                    .build()
                            })
                            .collect(),
                    ))
                    .build(),
            )
            .build(),
    }
}

/// Makes `existing` (from [`find_rule`]) the spec's rule, or creates the rule at a free priority
/// (chosen against the listener's current rules) when there is none. Returns the rule ARN.
pub async fn put_rule(
    c: &Clients,
    listener_arn: &str,
    existing: Option<&ObservedRule>,
    spec: &ListenerRuleSpec,
    priority_for: impl Fn(&BTreeSet<i32>) -> i32,
) -> Result<String, AwsError> {
    if let Some(rule) = existing {
        if rule.host_headers != spec.host_headers || !same_forward(&spec.forward, &rule.forward) {
            modify_rule(c, &rule.arn, spec).await?;
        }
        return Ok(rule.arn.clone());
    }
    let taken: BTreeSet<i32> = rules(c, listener_arn)
        .await?
        .iter()
        .filter_map(|r| r.priority)
        .collect();
    let priority = priority_for(&taken);
    let out = c
        .elbv2
        .create_rule()
        .listener_arn(listener_arn)
        .priority(priority)
        .conditions(host_condition(spec))
        .actions(forward(spec))
        .set_tags(Some(tags(&spec.tags)))
        .send()
        .await
        .map_err(|e| aws_error("create listener rule", e));
    let created = out.and_then(|out| {
        out.rules()
            .first()
            .and_then(|r| r.rule_arn())
            .map(str::to_owned)
            .ok_or_else(|| AwsError::new("create listener rule", "AWS returned no rule"))
    });
    // After a retried create, the rule at that priority is this one when it forwards to the
    // spec's groups.
    adopt_after_retried_create(created, "PriorityInUse", || async {
        let ours = rules(c, listener_arn).await?.into_iter().find(|r| {
            r.priority == Some(priority)
                && spec
                    .forward
                    .iter()
                    .any(|t| r.target_group_arns.contains(&t.target_group_arn))
        });
        if let Some(rule) = &ours
            && (rule.host_headers != spec.host_headers
                || !same_forward(&spec.forward, &rule.forward))
        {
            modify_rule(c, &rule.arn, spec).await?;
        }
        Ok(ours.map(|rule| rule.arn))
    })
    .await
}

/// Sets the rule's host condition and forward targets.
pub async fn modify_rule(
    c: &Clients,
    rule_arn: &str,
    spec: &ListenerRuleSpec,
) -> Result<(), AwsError> {
    c.elbv2
        .modify_rule()
        .rule_arn(rule_arn)
        .conditions(host_condition(spec))
        .actions(forward(spec))
        .send()
        .await
        .map_err(|e| aws_error("update listener rule", e))?;
    Ok(())
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

pub async fn delete_rule(c: &Clients, arn: &str) -> Result<(), AwsError> {
    match c.elbv2.delete_rule().rule_arn(arn).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("delete listener rule", e);
            if err.code() == Some("RuleNotFound") {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}
