//! Target groups of services and their rules on the cluster's HTTPS listener.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, HostHeaderConditionConfig, Matcher, ProtocolEnum, RuleCondition, Tag,
    TargetGroupAttribute, TargetTypeEnum,
};

use super::Clients;
use super::retry::{AwsError, aws_error};
use crate::blueprint::service::{ListenerRuleSpec, TargetGroupSpec};

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
        Err(e) => {
            let err = aws_error("describe target group", e);
            if err.code() == Some("TargetGroupNotFound") {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// A target group by ARN, with its deregistration delay.
pub async fn describe_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<(ObservedTargetGroup, i32)>, AwsError> {
    let out = match c
        .elbv2
        .describe_target_groups()
        .target_group_arns(arn)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            let err = aws_error("describe target group", e);
            return if err.code() == Some("TargetGroupNotFound") {
                Ok(None)
            } else {
                Err(err)
            };
        }
    };
    let Some(tg) = out.target_groups().first() else {
        return Ok(None);
    };
    let attrs = c
        .elbv2
        .describe_target_group_attributes()
        .target_group_arn(arn)
        .send()
        .await
        .map_err(|e| aws_error("describe target group attributes", e))?;
    let delay = attrs
        .attributes()
        .iter()
        .find(|a| a.key() == Some("deregistration_delay.timeout_seconds"))
        .and_then(|a| a.value())
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    Ok(Some((
        ObservedTargetGroup {
            arn: arn.to_owned(),
            health_check_path: tg.health_check_path().unwrap_or_default().to_owned(),
            matcher: tg
                .matcher()
                .and_then(|m| m.http_code())
                .unwrap_or_default()
                .to_owned(),
        },
        delay,
    )))
}

/// Creates the target group (or adopts the one of that name) with the health check and
/// deregistration delay of the spec, and returns its ARN.
pub async fn ensure(c: &Clients, spec: &TargetGroupSpec) -> Result<String, AwsError> {
    let arn = match describe(c, &spec.name).await? {
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
            found.arn
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
            out.target_groups()
                .first()
                .and_then(|tg| tg.target_group_arn())
                .map(str::to_owned)
                .ok_or_else(|| {
                    AwsError::new("create target group", "AWS returned no target group")
                })?
        }
    };
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
    pub target_group_arns: Vec<String>,
}

pub async fn rules(c: &Clients, listener_arn: &str) -> Result<Vec<ObservedRule>, AwsError> {
    let out = c
        .elbv2
        .describe_rules()
        .listener_arn(listener_arn)
        .send()
        .await
        .map_err(|e| aws_error("describe listener rules", e))?;
    Ok(out
        .rules()
        .iter()
        .map(|r| ObservedRule {
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
            target_group_arns: r
                .actions()
                .iter()
                .filter_map(|a| a.target_group_arn().map(str::to_owned))
                .collect(),
        })
        .collect())
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

fn forward(spec: &ListenerRuleSpec) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(&spec.target_group_arn)
        .build()
}

/// Ensures the service's rule: found by its target group, else created at a free priority
/// (chosen against the listener's current rules). Returns the rule ARN.
pub async fn ensure_rule(
    c: &Clients,
    listener_arn: &str,
    spec: &ListenerRuleSpec,
    priority_for: impl Fn(&BTreeSet<i32>) -> i32,
) -> Result<String, AwsError> {
    let existing = rules(c, listener_arn).await?;
    if let Some(rule) = existing
        .iter()
        .find(|r| r.target_group_arns.contains(&spec.target_group_arn))
    {
        if rule.host_headers != spec.host_headers {
            c.elbv2
                .modify_rule()
                .rule_arn(&rule.arn)
                .conditions(host_condition(spec))
                .actions(forward(spec))
                .send()
                .await
                .map_err(|e| aws_error("update listener rule", e))?;
        }
        return Ok(rule.arn.clone());
    }
    let taken: BTreeSet<i32> = existing.iter().filter_map(|r| r.priority).collect();
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
        .map_err(|e| aws_error("create listener rule", e))?;
    out.rules()
        .first()
        .and_then(|r| r.rule_arn())
        .map(str::to_owned)
        .ok_or_else(|| AwsError::new("create listener rule", "AWS returned no rule"))
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
