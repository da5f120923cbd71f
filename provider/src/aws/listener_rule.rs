//! A service's host rule on the cluster's HTTPS listener: found by its recorded ARN, else by the
//! target groups it forwards to (a rule whose ARN never reached the state is found too),
//! created at a priority allocated from the service's key, changed in place.

use std::collections::BTreeSet;

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, HostHeaderConditionConfig,
    PathPatternConditionConfig, Rule, RuleCondition, RulePriorityPair, TargetGroupTuple,
};

use super::Clients;
use super::listener_rule_reads::find_many;
pub use super::listener_rule_reads::{describe_rule, rules};
use super::retry::{AwsError, adopt_after_retried_create, aws_error};
use super::unit::{Change, Changes, Env, TagRef, TagTarget, Tags, Unit, names, read_all};
use crate::blueprint::service::{
    ListenerRuleSpec, PriorityBand, WeightedTarget, listener_rule_priority, same_forward,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedRule {
    pub arn: String,
    pub priority: Option<i32>,
    pub host_headers: Vec<String>,
    pub path_patterns: Vec<String>,
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

pub(super) fn observed_rule(r: &Rule) -> ObservedRule {
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
    let values = |field: &str| -> Vec<String> {
        r.conditions()
            .iter()
            .filter(|c| c.field() == Some(field))
            .flat_map(|c| {
                let specific = match field {
                    "host-header" => c.host_header_config().map(|h| h.values().to_vec()),
                    _ => c.path_pattern_config().map(|p| p.values().to_vec()),
                };
                specific
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| c.values().to_vec())
            })
            .collect()
    };
    ObservedRule {
        arn: r.rule_arn().unwrap_or_default().to_owned(),
        priority: r.priority().and_then(|p| p.parse().ok()),
        host_headers: values("host-header"),
        path_patterns: values("path-pattern"),
        target_group_arns: forward.iter().map(|t| t.target_group_arn.clone()).collect(),
        forward,
    }
}

/// The host condition, and the path condition when the rule has paths.
fn conditions(spec: &ListenerRuleSpec) -> Vec<RuleCondition> {
    let host = RuleCondition::builder()
        .field("host-header")
        .host_header_config(
            HostHeaderConditionConfig::builder()
                .set_values(Some(spec.host_headers.clone()))
                .build(),
        )
        .build();
    let path = (!spec.path_patterns.is_empty()).then(|| {
        RuleCondition::builder()
            .field("path-pattern")
            .path_pattern_config(
                PathPatternConditionConfig::builder()
                    .set_values(Some(spec.path_patterns.clone()))
                    .build(),
            )
            .build()
    });
    std::iter::once(host).chain(path).collect()
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

/// Sets the rule's host condition and forward targets.
pub async fn modify_rule(
    c: &Clients,
    rule_arn: &str,
    spec: &ListenerRuleSpec,
) -> Result<(), AwsError> {
    c.elbv2
        .modify_rule()
        .rule_arn(rule_arn)
        .set_conditions(Some(conditions(spec)))
        .actions(forward(spec))
        .send()
        .await
        .map_err(|e| aws_error("update listener rule", e))?;
    Ok(())
}

/// The listener a rule is on, from the rule's ARN
/// (`…:listener-rule/app/<lb>/<id>/<listener>/<rule>`).
fn listener_of(rule_arn: &str) -> Option<String> {
    let (listener, _) = rule_arn.rsplit_once('/')?;
    listener
        .contains(":listener-rule/")
        .then(|| listener.replacen(":listener-rule/", ":listener/", 1))
}

/// Moves the rule to a free priority of its band, allocated as at creation.
async fn move_to_band(
    c: &Clients,
    spec: &ListenerRuleSpec,
    observed: &ObservedRule,
) -> Result<Option<i32>, AwsError> {
    let step = "move listener rule";
    let listener = listener_of(&observed.arn)
        .ok_or_else(|| AwsError::new(step, format!("{} is not a rule ARN", observed.arn)))?;
    let taken: BTreeSet<i32> = rules(c, &listener)
        .await?
        .iter()
        .filter(|r| r.arn != observed.arn)
        .filter_map(|r| r.priority)
        .collect();
    let priority = listener_rule_priority(&spec.priority_key, &taken, spec.band());
    c.elbv2
        .set_rule_priorities()
        .rule_priorities(
            RulePriorityPair::builder()
                .rule_arn(&observed.arn)
                .priority(priority)
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error(step, e))?;
    Ok(Some(priority))
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

/// Where a rule is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleKey {
    /// The listener it is on, when known: rules that forward to `target_groups` are looked for
    /// there.
    pub listener_arn: Option<String>,
    /// The rule's ARN, when recorded.
    pub arn: Option<String>,
    /// The service's target groups.
    pub target_groups: Vec<String>,
    /// The host it routes, when known: of the rules that forward to `target_groups`, the one
    /// for this host (a service may have a production and a test rule).
    pub host: Option<String>,
}

/// Creates the rule at a free priority, chosen against the listener's current rules; returns
/// its ARN and priority.
async fn create(
    c: &Clients,
    listener: &str,
    spec: &ListenerRuleSpec,
) -> Result<(String, i32), AwsError> {
    let taken: BTreeSet<i32> = rules(c, listener)
        .await?
        .iter()
        .filter_map(|r| r.priority)
        .collect();
    let priority = listener_rule_priority(&spec.priority_key, &taken, spec.band());
    let out = c
        .elbv2
        .create_rule()
        .listener_arn(listener)
        .priority(priority)
        .set_conditions(Some(conditions(spec)))
        .actions(forward(spec))
        .set_tags(Some(super::tag_writes::elbv2(&spec.tags)))
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
        let ours = rules(c, listener).await?.into_iter().find(|r| {
            r.priority == Some(priority)
                && spec
                    .forward
                    .iter()
                    .any(|t| r.target_group_arns.contains(&t.target_group_arn))
        });
        if let Some(rule) = &ours
            && differs(spec, rule)
        {
            modify_rule(c, &rule.arn, spec).await?;
        }
        Ok(ours.map(|rule| rule.arn))
    })
    .await
    .map(|arn| (arn, priority))
}

fn differs(spec: &ListenerRuleSpec, rule: &ObservedRule) -> bool {
    rule.host_headers != spec.host_headers
        || rule.path_patterns != spec.path_patterns
        || !same_forward(&spec.forward, &rule.forward)
}

fn as_written(spec: &ListenerRuleSpec, arn: String, priority: Option<i32>) -> ObservedRule {
    ObservedRule {
        arn,
        priority,
        host_headers: spec.host_headers.clone(),
        path_patterns: spec.path_patterns.clone(),
        target_group_arns: spec
            .forward
            .iter()
            .map(|t| t.target_group_arn.clone())
            .collect(),
        forward: spec.forward.clone(),
    }
}

pub struct ListenerRule;

read_all! {
    /// The rules of each listener in one read.
    ListenerRule: "listener rule", RuleKey => ObservedRule,
    gathers: true,
    |env, keys| {
        find_many(env.c(), keys).await
    }
}

impl Unit for ListenerRule {
    type Desired = ListenerRuleSpec;

    fn diff(desired: &ListenerRuleSpec, observed: &ObservedRule) -> Vec<Change> {
        Changes::new()
            .check(
                "conditions",
                observed.host_headers != desired.host_headers
                    || observed.path_patterns != desired.path_patterns,
            )
            .check(
                "forward",
                !same_forward(&desired.forward, &observed.forward),
            )
            .check(
                "priority",
                observed
                    .priority
                    .is_some_and(|p| !desired.band().contains(p)),
            )
            .done()
    }

    async fn create(
        env: &Env,
        key: &RuleKey,
        desired: &ListenerRuleSpec,
    ) -> Result<ObservedRule, AwsError> {
        let listener = key.listener_arn.as_deref().ok_or_else(|| {
            AwsError::new("create listener rule", "the cluster has no HTTPS listener")
        })?;
        let (arn, priority) = create(env.c(), listener, desired).await?;
        Ok(as_written(desired, arn, Some(priority)))
    }

    async fn update(
        env: &Env,
        desired: &ListenerRuleSpec,
        observed: &ObservedRule,
        changes: &[Change],
    ) -> Result<ObservedRule, AwsError> {
        // A rule is never host-only among the path rules: one that gains paths gets them before
        // it moves before the host-only rules; one that loses them moves behind the path rules
        // first.
        let mut priority = observed.priority;
        let moves = names(changes, "priority");
        let modifies = names(changes, "conditions") || names(changes, "forward");
        let gains_paths = desired.band() == PriorityBand::Path;
        if modifies && (gains_paths || !moves) {
            modify_rule(env.c(), &observed.arn, desired).await?;
        }
        if moves {
            priority = move_to_band(env.c(), desired, observed).await?;
        }
        if modifies && moves && !gains_paths {
            modify_rule(env.c(), &observed.arn, desired).await?;
        }
        Ok(as_written(desired, observed.arn.clone(), priority))
    }

    async fn delete(env: &Env, observed: &ObservedRule) -> Result<(), AwsError> {
        delete_rule(env.c(), &observed.arn).await
    }

    fn desired_tags(desired: &ListenerRuleSpec) -> Option<Tags> {
        Some(desired.tags.clone())
    }

    fn tags(observed: &ObservedRule) -> Option<TagRef> {
        Some(TagRef {
            target: TagTarget::Elbv2(observed.arn.clone()),
            known: None,
        })
    }
}
