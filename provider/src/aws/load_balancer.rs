//! The shared Application Load Balancer and its two listeners.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, ForwardActionConfig,
    IpAddressType, LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
    ProtocolEnum, RedirectActionConfig, RedirectActionStatusCodeEnum, Tag, TargetGroupTuple,
};

use super::Clients;
use super::retry::{AwsError, aws_error};
use crate::blueprint::cluster::{
    HttpRedirectSpec, HttpsListenerSpec, ListenerAction, LoadBalancerSpec,
};

/// The load balancer attribute that drops requests with invalid header fields.
pub const DROP_INVALID_HEADER_FIELDS: &str = "routing.http.drop_invalid_header_fields.enabled";
/// The load balancer attribute that protects it from deletion.
pub const DELETION_PROTECTION: &str = "deletion_protection.enabled";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedLoadBalancer {
    pub arn: String,
    pub dns_name: String,
    pub zone_id: String,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedListener {
    pub arn: String,
    pub port: i32,
    pub protocol: String,
    pub ssl_policy: Option<String>,
    pub certificate_arn: Option<String>,
    /// The default actions, in their order.
    pub default_actions: Vec<ListenerAction>,
}

fn tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn not_found(err: &AwsError) -> bool {
    matches!(
        err.code(),
        Some("LoadBalancerNotFound") | Some("ListenerNotFound")
    )
}

pub async fn describe(c: &Clients, name: &str) -> Result<Option<ObservedLoadBalancer>, AwsError> {
    let out = match c.elbv2.describe_load_balancers().names(name).send().await {
        Ok(out) => out,
        Err(e) => {
            let err = aws_error("describe load balancer", e);
            return if not_found(&err) { Ok(None) } else { Err(err) };
        }
    };
    Ok(out.load_balancers().first().map(|lb| ObservedLoadBalancer {
        arn: lb.load_balancer_arn().unwrap_or_default().to_owned(),
        dns_name: lb.dns_name().unwrap_or_default().to_owned(),
        zone_id: lb.canonical_hosted_zone_id().unwrap_or_default().to_owned(),
        vpc_id: lb.vpc_id().unwrap_or_default().to_owned(),
        subnet_ids: lb
            .availability_zones()
            .iter()
            .filter_map(|az| az.subnet_id().map(str::to_owned))
            .collect(),
        security_group_ids: lb.security_groups().to_vec(),
    }))
}

/// Creates the load balancer (adopting one of the same name; AWS would return it, the emulator
/// would not).
pub async fn ensure(
    c: &Clients,
    spec: &LoadBalancerSpec,
) -> Result<ObservedLoadBalancer, AwsError> {
    if let Some(existing) = describe(c, &spec.name).await? {
        return Ok(existing);
    }
    c.elbv2
        .create_load_balancer()
        .name(&spec.name)
        .set_subnets(Some(spec.subnet_ids.clone()))
        .security_groups(&spec.security_group_id)
        .scheme(if spec.internet_facing {
            LoadBalancerSchemeEnum::InternetFacing
        } else {
            LoadBalancerSchemeEnum::Internal
        })
        .r#type(LoadBalancerTypeEnum::Application)
        .ip_address_type(IpAddressType::Ipv4)
        .set_tags(Some(tags(&spec.tags)))
        .send()
        .await
        .map_err(|e| aws_error("create load balancer", e))?;
    describe(c, &spec.name).await?.ok_or_else(|| {
        AwsError::new(
            "create load balancer",
            "the new load balancer cannot be read back",
        )
    })
}

/// The load balancer's attributes, by key.
pub async fn attributes(c: &Clients, arn: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let out = c
        .elbv2
        .describe_load_balancer_attributes()
        .load_balancer_arn(arn)
        .send()
        .await
        .map_err(|e| aws_error("describe load balancer attributes", e))?;
    Ok(out
        .attributes()
        .iter()
        .filter_map(|a| Some((a.key()?.to_owned(), a.value()?.to_owned())))
        .collect())
}

/// Whether a boolean attribute is on (absent counts as off).
pub fn attribute_on(attributes: &BTreeMap<String, String>, key: &str) -> bool {
    attributes.get(key).is_some_and(|v| v == "true")
}

/// The deletion protection attribute.
pub async fn deletion_protection(c: &Clients, arn: &str) -> Result<bool, AwsError> {
    Ok(attribute_on(
        &attributes(c, arn).await?,
        DELETION_PROTECTION,
    ))
}

/// Makes `groups` the load balancer's only security groups.
pub async fn set_security_groups(
    c: &Clients,
    arn: &str,
    groups: &[String],
) -> Result<(), AwsError> {
    c.elbv2
        .set_security_groups()
        .load_balancer_arn(arn)
        .set_security_groups(Some(groups.to_vec()))
        .send()
        .await
        .map_err(|e| aws_error("set load balancer security groups", e))?;
    Ok(())
}

/// Brings the blueprint's attributes in line, in one call that changes only what differs from
/// `current` (the load balancer's attributes as read); none when nothing does.
pub async fn set_attributes(
    c: &Clients,
    arn: &str,
    spec: &LoadBalancerSpec,
    current: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let changes: Vec<LoadBalancerAttribute> = [
        (DELETION_PROTECTION, spec.deletion_protection),
        (DROP_INVALID_HEADER_FIELDS, spec.drop_invalid_header_fields),
    ]
    .into_iter()
    .filter(|(key, on)| attribute_on(current, key) != *on)
    .map(|(key, on)| {
        LoadBalancerAttribute::builder()
            .key(key)
            .value(on.to_string())
            .build()
    })
    .collect();
    if changes.is_empty() {
        return Ok(());
    }
    c.elbv2
        .modify_load_balancer_attributes()
        .load_balancer_arn(arn)
        .set_attributes(Some(changes))
        .send()
        .await
        .map_err(|e| aws_error("set load balancer attributes", e))?;
    Ok(())
}

pub async fn set_deletion_protection(c: &Clients, arn: &str, on: bool) -> Result<(), AwsError> {
    c.elbv2
        .modify_load_balancer_attributes()
        .load_balancer_arn(arn)
        .attributes(
            LoadBalancerAttribute::builder()
                .key(DELETION_PROTECTION)
                .value(on.to_string())
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("set load balancer deletion protection", e))?;
    Ok(())
}

pub async fn listeners(c: &Clients, lb_arn: &str) -> Result<Vec<ObservedListener>, AwsError> {
    let out = match c
        .elbv2
        .describe_listeners()
        .load_balancer_arn(lb_arn)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            let err = aws_error("describe listeners", e);
            return if not_found(&err) {
                Ok(Vec::new())
            } else {
                Err(err)
            };
        }
    };
    Ok(out
        .listeners()
        .iter()
        .map(|l| ObservedListener {
            arn: l.listener_arn().unwrap_or_default().to_owned(),
            port: l.port().unwrap_or(0),
            protocol: l
                .protocol()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            ssl_policy: l.ssl_policy().map(str::to_owned),
            certificate_arn: l
                .certificates()
                .first()
                .and_then(|c| c.certificate_arn())
                .map(str::to_owned),
            default_actions: l.default_actions().iter().map(action_from_sdk).collect(),
        })
        .collect())
}

/// A listener action as AWS reports it.
pub fn action_from_sdk(a: &Action) -> ListenerAction {
    let owned = |s: Option<&str>| s.map(str::to_owned);
    match a.r#type() {
        Some(ActionTypeEnum::FixedResponse) => {
            let f = a.fixed_response_config();
            ListenerAction::FixedResponse {
                status_code: f
                    .and_then(|f| f.status_code())
                    .unwrap_or_default()
                    .to_owned(),
                content_type: owned(f.and_then(|f| f.content_type())),
                body: owned(f.and_then(|f| f.message_body())),
            }
        }
        Some(ActionTypeEnum::Redirect) => {
            let r = a.redirect_config();
            ListenerAction::Redirect {
                protocol: owned(r.and_then(|r| r.protocol())),
                host: owned(r.and_then(|r| r.host())),
                port: owned(r.and_then(|r| r.port())),
                path: owned(r.and_then(|r| r.path())),
                query: owned(r.and_then(|r| r.query())),
                status_code: r
                    .and_then(|r| r.status_code())
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
            }
        }
        Some(ActionTypeEnum::Forward) => {
            let mut target_groups: Vec<String> = a
                .forward_config()
                .map(|f| {
                    f.target_groups()
                        .iter()
                        .filter_map(|t| t.target_group_arn().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(arn) = a.target_group_arn()
                && !target_groups.iter().any(|t| t == arn)
            {
                target_groups.push(arn.to_owned());
            }
            ListenerAction::Forward { target_groups }
        }
        other => ListenerAction::Other {
            kind: other.map(|t| t.as_str().to_owned()).unwrap_or_default(),
        },
    }
}

/// The request form of a listener action.
pub fn action_to_sdk(action: &ListenerAction) -> Action {
    match action {
        ListenerAction::FixedResponse {
            status_code,
            content_type,
            body,
        } => Action::builder()
            .r#type(ActionTypeEnum::FixedResponse)
            .fixed_response_config(
                FixedResponseActionConfig::builder()
                    .status_code(status_code)
                    .set_content_type(content_type.clone())
                    .set_message_body(body.clone())
                    .build(),
            )
            .build(),
        ListenerAction::Redirect {
            protocol,
            host,
            port,
            path,
            query,
            status_code,
        } => Action::builder()
            .r#type(ActionTypeEnum::Redirect)
            .redirect_config(
                RedirectActionConfig::builder()
                    .set_protocol(protocol.clone())
                    .set_host(host.clone())
                    .set_port(port.clone())
                    .set_path(path.clone())
                    .set_query(query.clone())
                    .status_code(RedirectActionStatusCodeEnum::from(status_code.as_str()))
                    .build(),
            )
            .build(),
        ListenerAction::Forward { target_groups } => Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .forward_config(
                ForwardActionConfig::builder()
                    .set_target_groups(Some(
                        target_groups
                            .iter()
                            .map(|t| TargetGroupTuple::builder().target_group_arn(t).build())
                            .collect(),
                    ))
                    .build(),
            )
            .build(),
        ListenerAction::Other { kind } => Action::builder()
            .r#type(ActionTypeEnum::from(kind.as_str()))
            .build(),
    }
}

/// Whether a listener is what the blueprint wants: this protocol and exactly this default
/// action.
pub fn listener_matches(l: &ObservedListener, protocol: &str, action: &ListenerAction) -> bool {
    l.protocol == protocol && l.default_actions.as_slice() == std::slice::from_ref(action)
}

/// Ensures the HTTPS listener (certificate, policy, 404 default) and returns its ARN;
/// `existing` are the load balancer's listeners.
pub async fn ensure_https(
    c: &Clients,
    lb_arn: &str,
    existing: &[ObservedListener],
    spec: &HttpsListenerSpec,
    tags_map: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    if let Some(l) = existing.iter().find(|l| l.port == spec.port) {
        if l.ssl_policy.as_deref() != Some(spec.ssl_policy.as_str())
            || l.certificate_arn.as_deref() != Some(spec.certificate_arn.as_str())
            || !listener_matches(l, HttpsListenerSpec::PROTOCOL, &spec.default_action())
        {
            modify_https(c, &l.arn, spec).await?;
        }
        return Ok(l.arn.clone());
    }
    let out = c
        .elbv2
        .create_listener()
        .load_balancer_arn(lb_arn)
        .protocol(ProtocolEnum::Https)
        .port(spec.port)
        .ssl_policy(&spec.ssl_policy)
        .certificates(
            Certificate::builder()
                .certificate_arn(&spec.certificate_arn)
                .build(),
        )
        .default_actions(action_to_sdk(&spec.default_action()))
        .set_tags(Some(tags(tags_map)))
        .send()
        .await
        .map_err(|e| aws_error("create HTTPS listener", e))?;
    out.listeners()
        .first()
        .and_then(|l| l.listener_arn())
        .map(str::to_owned)
        .ok_or_else(|| AwsError::new("create HTTPS listener", "AWS returned no listener"))
}

pub async fn modify_https(
    c: &Clients,
    arn: &str,
    spec: &HttpsListenerSpec,
) -> Result<(), AwsError> {
    c.elbv2
        .modify_listener()
        .listener_arn(arn)
        .protocol(ProtocolEnum::Https)
        .port(spec.port)
        .ssl_policy(&spec.ssl_policy)
        .certificates(
            Certificate::builder()
                .certificate_arn(&spec.certificate_arn)
                .build(),
        )
        .default_actions(action_to_sdk(&spec.default_action()))
        .send()
        .await
        .map_err(|e| aws_error("update HTTPS listener", e))?;
    Ok(())
}

/// Ensures the port-80 listener that only redirects to HTTPS; `existing` are the load
/// balancer's listeners.
pub async fn ensure_http_redirect(
    c: &Clients,
    lb_arn: &str,
    existing: &[ObservedListener],
    spec: &HttpRedirectSpec,
    tags_map: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let action = spec.default_action();
    if let Some(l) = existing.iter().find(|l| l.port == spec.port) {
        if !listener_matches(l, HttpRedirectSpec::PROTOCOL, &action) {
            c.elbv2
                .modify_listener()
                .listener_arn(&l.arn)
                .protocol(ProtocolEnum::Http)
                .port(spec.port)
                .default_actions(action_to_sdk(&action))
                .send()
                .await
                .map_err(|e| aws_error("update HTTP redirect listener", e))?;
        }
        return Ok(l.arn.clone());
    }
    let out = c
        .elbv2
        .create_listener()
        .load_balancer_arn(lb_arn)
        .protocol(ProtocolEnum::Http)
        .port(spec.port)
        .default_actions(action_to_sdk(&action))
        .set_tags(Some(tags(tags_map)))
        .send()
        .await
        .map_err(|e| aws_error("create HTTP redirect listener", e))?;
    out.listeners()
        .first()
        .and_then(|l| l.listener_arn())
        .map(str::to_owned)
        .ok_or_else(|| AwsError::new("create HTTP redirect listener", "AWS returned no listener"))
}

/// Deletes a listener with its rules; one already gone is fine.
pub async fn delete_listener(c: &Clients, arn: &str) -> Result<(), AwsError> {
    match c.elbv2.delete_listener().listener_arn(arn).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("delete listener", e);
            if not_found(&err) { Ok(()) } else { Err(err) }
        }
    }
}

/// Deletes the listeners and the load balancer (whose deletion protection must be off).
pub async fn delete(c: &Clients, lb_arn: &str) -> Result<(), AwsError> {
    for l in listeners(c, lb_arn).await? {
        delete_listener(c, &l.arn).await?;
    }
    match c
        .elbv2
        .delete_load_balancer()
        .load_balancer_arn(lb_arn)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("delete load balancer", e);
            if not_found(&err) { Ok(()) } else { Err(err) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::cluster::{http_listener, https_listener};

    fn https_spec() -> HttpsListenerSpec {
        https_listener(&crate::blueprint::cluster::ClusterInput {
            name: "prod".into(),
            vpc_id: "vpc-1".into(),
            public_subnet_ids: Vec::new(),
            private_subnet_ids: Vec::new(),
            certificate_arn: "arn:cert".into(),
            ssl_policy: "policy".into(),
            instance_types: Vec::new(),
            min_size: 0,
            max_size: 0,
            on_demand_base_capacity: 0,
            on_demand_percentage_above_base: 0,
            spot_allocation_strategy: String::new(),
            target_capacity: 0,
            ami_id: String::new(),
            root_volume_size: 30,
            ebs_kms_key_id: None,
            container_insights: true,
            deletion_protection: true,
            tags: BTreeMap::new(),
        })
    }

    #[test]
    fn blueprint_actions_read_back_as_themselves() {
        for action in [
            https_spec().default_action(),
            http_listener().default_action(),
            ListenerAction::Forward {
                target_groups: vec!["arn:tg".into()],
            },
        ] {
            assert_eq!(action_from_sdk(&action_to_sdk(&action)), action);
        }
    }

    #[test]
    fn a_listener_matches_only_with_its_protocol_and_its_one_default_action() {
        let want = http_listener().default_action();
        let listener = |protocol: &str, actions: Vec<ListenerAction>| ObservedListener {
            arn: "arn:l".into(),
            port: 80,
            protocol: protocol.into(),
            ssl_policy: None,
            certificate_arn: None,
            default_actions: actions,
        };
        assert!(listener_matches(
            &listener("HTTP", vec![want.clone()]),
            "HTTP",
            &want
        ));
        assert!(!listener_matches(
            &listener("HTTPS", vec![want.clone()]),
            "HTTP",
            &want
        ));
        assert!(!listener_matches(
            &listener("HTTP", vec![https_spec().default_action()]),
            "HTTP",
            &want
        ));
        assert!(!listener_matches(
            &listener("HTTP", vec![want.clone(), want.clone()]),
            "HTTP",
            &want
        ));
        assert!(!listener_matches(&listener("HTTP", vec![]), "HTTP", &want));
    }

    #[test]
    fn a_forward_to_one_target_group_reads_the_same_either_way_aws_reports_it() {
        let a = Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .target_group_arn("arn:tg")
            .forward_config(
                ForwardActionConfig::builder()
                    .target_groups(
                        TargetGroupTuple::builder()
                            .target_group_arn("arn:tg")
                            .build(),
                    )
                    .build(),
            )
            .build();
        assert_eq!(
            action_from_sdk(&a),
            ListenerAction::Forward {
                target_groups: vec!["arn:tg".into()]
            }
        );
    }
}
