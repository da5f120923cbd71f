//! The load balancer: its listeners, attributes and tags, listener rules and target groups.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{Listener, LoadBalancer, Rule, TargetGroup};

use super::{Aws, tag_map};

impl Aws {
    /// The load balancer named `name`.
    pub async fn load_balancer(&self, name: &str) -> LoadBalancer {
        self.elbv2
            .describe_load_balancers()
            .names(name)
            .send()
            .await
            .expect("describe load balancer")
            .load_balancers()
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("no load balancer {name}"))
    }

    /// The ARN of the load balancer named `name`.
    pub async fn load_balancer_arn(&self, name: &str) -> String {
        self.load_balancer(name)
            .await
            .load_balancer_arn()
            .expect("load balancer ARN")
            .to_owned()
    }

    /// The load balancer with this ARN.
    pub async fn load_balancer_by_arn(&self, arn: &str) -> LoadBalancer {
        self.elbv2
            .describe_load_balancers()
            .load_balancer_arns(arn)
            .send()
            .await
            .expect("describe load balancer")
            .load_balancers()
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("no load balancer {arn}"))
    }

    /// Every listener of a load balancer.
    pub async fn listeners(&self, load_balancer_arn: &str) -> Vec<Listener> {
        self.elbv2
            .describe_listeners()
            .load_balancer_arn(load_balancer_arn)
            .send()
            .await
            .expect("describe listeners")
            .listeners()
            .to_vec()
    }

    /// The listener of a load balancer on `port`.
    pub async fn listener(&self, load_balancer_arn: &str, port: i32) -> Listener {
        self.listeners(load_balancer_arn)
            .await
            .into_iter()
            .find(|l| l.port() == Some(port))
            .unwrap_or_else(|| panic!("no listener on port {port} of {load_balancer_arn}"))
    }

    /// The ARN of the listener of a load balancer on `port`.
    pub async fn listener_arn(&self, load_balancer_arn: &str, port: i32) -> String {
        self.listener(load_balancer_arn, port)
            .await
            .listener_arn()
            .expect("listener ARN")
            .to_owned()
    }

    /// The attributes of a load balancer, by key.
    pub async fn load_balancer_attributes(&self, arn: &str) -> BTreeMap<String, String> {
        let attributes = self
            .elbv2
            .describe_load_balancer_attributes()
            .load_balancer_arn(arn)
            .send()
            .await
            .expect("describe load balancer attributes");
        tag_map(attributes.attributes().iter().map(|a| (a.key(), a.value())))
    }

    /// The tags of a load balancing object (a load balancer, a target group...).
    pub async fn load_balancing_tags(&self, arn: &str) -> BTreeMap<String, String> {
        let described = self
            .elbv2
            .describe_tags()
            .resource_arns(arn)
            .send()
            .await
            .expect("describe tags");
        tag_map(
            described
                .tag_descriptions()
                .first()
                .map(|d| d.tags())
                .unwrap_or_default()
                .iter()
                .map(|t| (t.key(), t.value())),
        )
    }

    /// The rules of a listener, its default rule included.
    pub async fn listener_rules(&self, listener_arn: &str) -> Vec<Rule> {
        self.elbv2
            .describe_rules()
            .listener_arn(listener_arn)
            .send()
            .await
            .expect("describe rules")
            .rules()
            .to_vec()
    }

    /// The listener rule with this ARN.
    pub async fn rule(&self, arn: &str) -> Rule {
        self.elbv2
            .describe_rules()
            .rule_arns(arn)
            .send()
            .await
            .expect("describe rule")
            .rules()
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("no listener rule {arn}"))
    }

    /// Every target group.
    pub async fn target_groups(&self) -> Vec<TargetGroup> {
        self.elbv2
            .describe_target_groups()
            .send()
            .await
            .expect("describe target groups")
            .target_groups()
            .to_vec()
    }

    /// The target group with this ARN.
    pub async fn target_group(&self, arn: &str) -> TargetGroup {
        self.elbv2
            .describe_target_groups()
            .target_group_arns(arn)
            .send()
            .await
            .expect("describe target group")
            .target_groups()
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("no target group {arn}"))
    }

    /// Which of these target groups still exist.
    pub async fn existing_target_groups(&self, arns: &[&str]) -> Vec<String> {
        self.target_groups()
            .await
            .iter()
            .filter_map(|g| g.target_group_arn())
            .filter(|a| arns.contains(a))
            .map(str::to_owned)
            .collect()
    }

    /// The attributes of a target group, by key.
    pub async fn target_group_attributes(&self, arn: &str) -> BTreeMap<String, String> {
        let attributes = self
            .elbv2
            .describe_target_group_attributes()
            .target_group_arn(arn)
            .send()
            .await
            .expect("describe target group attributes");
        tag_map(attributes.attributes().iter().map(|a| (a.key(), a.value())))
    }
}

/// The host names a listener rule matches.
pub fn host_headers(rule: &Rule) -> Vec<String> {
    rule.conditions()
        .iter()
        .filter_map(|c| c.host_header_config())
        .flat_map(|h| h.values().to_vec())
        .collect()
}

/// The target groups a rule forwards to, with their weights.
pub fn forwarded_target_groups(rule: &Rule) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    for action in rule.actions() {
        let weighted: Vec<(String, i32)> = action
            .forward_config()
            .map(|f| {
                f.target_groups()
                    .iter()
                    .filter_map(|t| {
                        Some((t.target_group_arn()?.to_owned(), t.weight().unwrap_or(1)))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !weighted.is_empty() {
            out.extend(weighted);
        } else if let Some(arn) = action.target_group_arn() {
            out.push((arn.to_owned(), 1));
        }
    }
    out
}
