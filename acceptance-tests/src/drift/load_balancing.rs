//! The load balancer: listeners, attributes, security groups and tags; target groups and
//! listener rules.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, HostHeaderConditionConfig,
    LoadBalancerAttribute, Matcher, ProtocolEnum, RuleCondition, Tag, TargetGroupAttribute,
};

use crate::aws_check::Aws;

/// A default action answering with a fixed `text/plain` response.
pub fn fixed_response(status: &str, body: Option<&str>) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::FixedResponse)
        .fixed_response_config(
            FixedResponseActionConfig::builder()
                .status_code(status)
                .content_type("text/plain")
                .set_message_body(body.map(str::to_owned))
                .build(),
        )
        .build()
}

/// What a listener change sets; what is `None` is left as it is.
#[derive(Default)]
pub struct ListenerChange<'a> {
    pub ssl_policy: Option<&'a str>,
    pub certificate_arn: Option<&'a str>,
    pub default_action: Option<Action>,
}

/// Changes a listener's TLS policy, certificate or default action, in one call.
pub async fn modify_listener(aws: &Aws, listener_arn: &str, change: ListenerChange<'_>) {
    aws.elbv2
        .modify_listener()
        .listener_arn(listener_arn)
        .set_ssl_policy(change.ssl_policy.map(str::to_owned))
        .set_certificates(
            change
                .certificate_arn
                .map(|arn| vec![Certificate::builder().certificate_arn(arn).build()]),
        )
        .set_default_actions(change.default_action.map(|a| vec![a]))
        .send()
        .await
        .unwrap_or_else(|e| panic!("modify listener {listener_arn}: {e}"));
}

/// Adds a plain HTTP listener on `port` answering `200 text/plain` with `body`.
pub async fn add_fixed_response_listener(
    aws: &Aws,
    load_balancer_arn: &str,
    port: i32,
    body: &str,
) {
    aws.elbv2
        .create_listener()
        .load_balancer_arn(load_balancer_arn)
        .protocol(ProtocolEnum::Http)
        .port(port)
        .default_actions(fixed_response("200", Some(body)))
        .send()
        .await
        .unwrap_or_else(|e| panic!("add a listener on port {port}: {e}"));
}

/// Sets load balancer attributes, `(key, value)`, in one call.
pub async fn set_load_balancer_attributes(aws: &Aws, arn: &str, attributes: &[(&str, &str)]) {
    aws.elbv2
        .modify_load_balancer_attributes()
        .load_balancer_arn(arn)
        .set_attributes(Some(
            attributes
                .iter()
                .map(|(k, v)| LoadBalancerAttribute::builder().key(*k).value(*v).build())
                .collect(),
        ))
        .send()
        .await
        .unwrap_or_else(|e| panic!("set attributes of {arn}: {e}"));
}

/// Replaces the security groups of a load balancer.
pub async fn set_load_balancer_security_groups(aws: &Aws, arn: &str, group_ids: &[&str]) {
    aws.elbv2
        .set_security_groups()
        .load_balancer_arn(arn)
        .set_security_groups(Some(group_ids.iter().map(|g| (*g).to_owned()).collect()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("set the security groups of {arn}: {e}"));
}

/// Adds one tag to a load balancing object (a load balancer, a target group...).
pub async fn tag_load_balancing_object(aws: &Aws, arn: &str, key: &str, value: &str) {
    aws.elbv2
        .add_tags()
        .resource_arns(arn)
        .tags(Tag::builder().key(key).value(value).build())
        .send()
        .await
        .unwrap_or_else(|e| panic!("tag {arn} with {key}: {e}"));
}

/// Sets a target group's health check path and the HTTP codes that pass it.
pub async fn set_health_check(aws: &Aws, target_group_arn: &str, path: &str, http_codes: &str) {
    aws.elbv2
        .modify_target_group()
        .target_group_arn(target_group_arn)
        .health_check_path(path)
        .matcher(Matcher::builder().http_code(http_codes).build())
        .send()
        .await
        .unwrap_or_else(|e| panic!("set the health check of {target_group_arn}: {e}"));
}

/// Sets one target group attribute.
pub async fn set_target_group_attribute(aws: &Aws, target_group_arn: &str, key: &str, value: &str) {
    aws.elbv2
        .modify_target_group_attributes()
        .target_group_arn(target_group_arn)
        .attributes(
            TargetGroupAttribute::builder()
                .key(key)
                .value(value)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("set {key} of {target_group_arn}: {e}"));
}

/// Creates an HTTP target group on port 80 in a VPC; returns its ARN.
pub async fn create_target_group(aws: &Aws, name: &str, vpc_id: &str) -> String {
    aws.elbv2
        .create_target_group()
        .name(name)
        .protocol(ProtocolEnum::Http)
        .port(80)
        .vpc_id(vpc_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create target group {name}: {e}"))
        .target_groups()
        .first()
        .and_then(|g| g.target_group_arn())
        .expect("target group ARN")
        .to_owned()
}

/// Deletes a target group.
pub async fn delete_target_group(aws: &Aws, arn: &str) {
    aws.elbv2
        .delete_target_group()
        .target_group_arn(arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete target group {arn}: {e}"));
}

/// Makes a listener rule match one host name instead of its own.
pub async fn route_rule_to_host(aws: &Aws, rule_arn: &str, host: &str) {
    aws.elbv2
        .modify_rule()
        .rule_arn(rule_arn)
        .conditions(
            RuleCondition::builder()
                .field("host-header")
                .host_header_config(HostHeaderConditionConfig::builder().values(host).build())
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("route {rule_arn} to {host}: {e}"));
}

/// Makes a listener rule forward to another target group.
pub async fn forward_rule_to(aws: &Aws, rule_arn: &str, target_group_arn: &str) {
    aws.elbv2
        .modify_rule()
        .rule_arn(rule_arn)
        .actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(target_group_arn)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("forward {rule_arn} to {target_group_arn}: {e}"));
}

/// Deletes a listener rule.
pub async fn delete_rule(aws: &Aws, rule_arn: &str) {
    aws.elbv2
        .delete_rule()
        .rule_arn(rule_arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete rule {rule_arn}: {e}"));
}
