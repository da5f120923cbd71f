//! The shared Application Load Balancer and its two listeners.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, IpAddressType,
    LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum,
    RedirectActionConfig, RedirectActionStatusCodeEnum, Tag,
};

use super::Clients;
use super::retry::{AwsError, aws_error};
use crate::blueprint::cluster::{HttpRedirectSpec, HttpsListenerSpec, LoadBalancerSpec};

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

/// The deletion protection attribute.
pub async fn deletion_protection(c: &Clients, arn: &str) -> Result<bool, AwsError> {
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
        .any(|a| a.key() == Some("deletion_protection.enabled") && a.value() == Some("true")))
}

pub async fn set_attributes(
    c: &Clients,
    arn: &str,
    spec: &LoadBalancerSpec,
) -> Result<(), AwsError> {
    set_deletion_protection(c, arn, spec.deletion_protection).await?;
    c.elbv2
        .modify_load_balancer_attributes()
        .load_balancer_arn(arn)
        .attributes(
            LoadBalancerAttribute::builder()
                .key("routing.http.drop_invalid_header_fields.enabled")
                .value(spec.drop_invalid_header_fields.to_string())
                .build(),
        )
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
                .key("deletion_protection.enabled")
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
        })
        .collect())
}

fn not_found_action() -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::FixedResponse)
        .fixed_response_config(
            FixedResponseActionConfig::builder()
                .status_code("404")
                .content_type("text/plain")
                .message_body("Not found")
                .build(),
        )
        .build()
}

/// Ensures the HTTPS listener (certificate, policy, 404 default) and returns its ARN.
pub async fn ensure_https(
    c: &Clients,
    lb_arn: &str,
    spec: &HttpsListenerSpec,
    tags_map: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let existing = listeners(c, lb_arn).await?;
    if let Some(l) = existing.iter().find(|l| l.port == spec.port) {
        if l.ssl_policy.as_deref() != Some(spec.ssl_policy.as_str())
            || l.certificate_arn.as_deref() != Some(spec.certificate_arn.as_str())
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
        .default_actions(not_found_action())
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
        .ssl_policy(&spec.ssl_policy)
        .certificates(
            Certificate::builder()
                .certificate_arn(&spec.certificate_arn)
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("update HTTPS listener", e))?;
    Ok(())
}

/// Ensures the port-80 listener that only redirects to HTTPS.
pub async fn ensure_http_redirect(
    c: &Clients,
    lb_arn: &str,
    spec: &HttpRedirectSpec,
    tags_map: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let existing = listeners(c, lb_arn).await?;
    if let Some(l) = existing.iter().find(|l| l.port == spec.port) {
        return Ok(l.arn.clone());
    }
    let out = c
        .elbv2
        .create_listener()
        .load_balancer_arn(lb_arn)
        .protocol(ProtocolEnum::Http)
        .port(spec.port)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Redirect)
                .redirect_config(
                    RedirectActionConfig::builder()
                        .protocol("HTTPS")
                        .port(&spec.redirect_port)
                        .host("#{host}")
                        .path("/#{path}")
                        .query("#{query}")
                        .status_code(RedirectActionStatusCodeEnum::from(spec.status.as_str()))
                        .build(),
                )
                .build(),
        )
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

/// Deletes the listeners and the load balancer (whose deletion protection must be off).
pub async fn delete(c: &Clients, lb_arn: &str) -> Result<(), AwsError> {
    for l in listeners(c, lb_arn).await? {
        match c.elbv2.delete_listener().listener_arn(&l.arn).send().await {
            Ok(_) => {}
            Err(e) => {
                let err = aws_error("delete listener", e);
                if !not_found(&err) {
                    return Err(err);
                }
            }
        }
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
