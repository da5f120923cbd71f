//! The load balancer's listeners: HTTPS on 443 (certificate, TLS policy, a 404 for hosts no
//! service claims) and HTTP on 80 (a permanent redirect to HTTPS), each found by its port, and
//! the removal of listeners on any other port. All listeners of a load balancer come from one
//! DescribeListeners, shared by every unit that reads them.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{Certificate, ProtocolEnum};

use super::Clients;
use super::listener_action::{action_from_sdk, action_to_sdk};
use super::load_balancer::not_found;
use super::retry::{AwsError, aws_error};
use super::unit::{Change, Changes, Env, Leftovers, TagRef, TagTarget, Tags, Unit, read_all};
use crate::blueprint::cluster::{ListenerAction, ListenerSpec};

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

/// The listeners of a load balancer.
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

/// The key under which one operation shares a load balancer's listeners.
fn shared_key(lb_arn: &str) -> String {
    format!("listeners:{lb_arn}")
}

/// The load balancer's listeners, listed once per operation for every unit that reads them.
pub async fn listeners_shared(env: &Env, lb_arn: &str) -> Result<Vec<ObservedListener>, AwsError> {
    let c = env.clients.clone();
    let arn = lb_arn.to_owned();
    env.shared(
        shared_key(lb_arn),
        || async move { listeners(&c, &arn).await },
    )
    .await
}

/// Whether a listener is what the blueprint wants: this protocol and exactly this default
/// action.
pub fn listener_matches(l: &ObservedListener, protocol: &str, action: &ListenerAction) -> bool {
    l.protocol == protocol && l.default_actions.as_slice() == std::slice::from_ref(action)
}

fn protocol(name: &str) -> ProtocolEnum {
    ProtocolEnum::from(name)
}

/// The listener's certificate (an HTTPS listener has one), as the requests take it.
fn certificates(spec: &ListenerSpec) -> Option<Vec<Certificate>> {
    let certificate = |arn| Certificate::builder().certificate_arn(arn).build();
    spec.certificate_arn
        .as_ref()
        .map(|arn| vec![certificate(arn)])
}

/// Creates the listener on the load balancer.
async fn create(c: &Clients, lb_arn: &str, spec: &ListenerSpec) -> Result<String, AwsError> {
    let step = format!("create {} listener", spec.protocol);
    let out = c
        .elbv2
        .create_listener()
        .load_balancer_arn(lb_arn)
        .protocol(protocol(&spec.protocol))
        .port(spec.port)
        .set_ssl_policy(spec.ssl_policy.clone())
        .set_certificates(certificates(spec))
        .default_actions(action_to_sdk(&spec.default_action))
        .set_tags(Some(super::tag_writes::elbv2(&spec.tags)))
        .send()
        .await
        .map_err(|e| aws_error(&step, e))?;
    out.listeners()
        .first()
        .and_then(|l| l.listener_arn())
        .map(str::to_owned)
        .ok_or_else(|| AwsError::new(step, "AWS returned no listener"))
}

async fn modify(c: &Clients, arn: &str, spec: &ListenerSpec) -> Result<(), AwsError> {
    c.elbv2
        .modify_listener()
        .listener_arn(arn)
        .protocol(protocol(&spec.protocol))
        .port(spec.port)
        .set_ssl_policy(spec.ssl_policy.clone())
        .set_certificates(certificates(spec))
        .default_actions(action_to_sdk(&spec.default_action))
        .send()
        .await
        .map_err(|e| aws_error(&format!("update {} listener", spec.protocol), e))?;
    Ok(())
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

fn as_written(spec: &ListenerSpec, arn: String) -> ObservedListener {
    ObservedListener {
        arn,
        port: spec.port,
        protocol: spec.protocol.clone(),
        ssl_policy: spec.ssl_policy.clone(),
        certificate_arn: spec.certificate_arn.clone(),
        default_actions: vec![spec.default_action.clone()],
    }
}

/// Where a listener is found: its load balancer and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerKey {
    pub load_balancer_arn: String,
    pub port: i32,
}

pub struct Listener;

read_all! {
    Listener: "listener", ListenerKey => ObservedListener,
    |env, keys| {
        let mut by_lb: BTreeMap<&str, Vec<ObservedListener>> = BTreeMap::new();
        for k in keys {
            if !by_lb.contains_key(k.load_balancer_arn.as_str()) {
                let found = listeners_shared(env, &k.load_balancer_arn).await?;
                by_lb.insert(&k.load_balancer_arn, found);
            }
        }
        Ok(keys
            .iter()
            .map(|k| {
                by_lb
                    .get(k.load_balancer_arn.as_str())
                    .and_then(|ls| ls.iter().find(|l| l.port == k.port).cloned())
            })
            .collect())
}
}

impl Unit for Listener {
    type Desired = ListenerSpec;

    fn diff(desired: &ListenerSpec, observed: &ObservedListener) -> Vec<Change> {
        Changes::new()
            .check(
                "default_action",
                !listener_matches(observed, &desired.protocol, &desired.default_action),
            )
            // Only HTTPS listeners have a policy and a certificate.
            .check(
                "ssl_policy",
                desired.ssl_policy.is_some() && observed.ssl_policy != desired.ssl_policy,
            )
            .check(
                "certificate",
                desired.certificate_arn.is_some()
                    && observed.certificate_arn != desired.certificate_arn,
            )
            .done()
    }

    async fn create(
        env: &Env,
        key: &ListenerKey,
        desired: &ListenerSpec,
    ) -> Result<ObservedListener, AwsError> {
        let arn = create(env.c(), &key.load_balancer_arn, desired).await?;
        env.forget(&shared_key(&key.load_balancer_arn));
        Ok(as_written(desired, arn))
    }

    async fn update(
        env: &Env,
        desired: &ListenerSpec,
        observed: &ObservedListener,
        _: &[Change],
    ) -> Result<ObservedListener, AwsError> {
        modify(env.c(), &observed.arn, desired).await?;
        Ok(as_written(desired, observed.arn.clone()))
    }

    async fn delete(env: &Env, observed: &ObservedListener) -> Result<(), AwsError> {
        delete_listener(env.c(), &observed.arn).await
    }

    fn desired_tags(desired: &ListenerSpec) -> Option<Tags> {
        Some(desired.tags.clone())
    }

    fn tags(observed: &ObservedListener) -> Option<TagRef> {
        Some(TagRef {
            target: TagTarget::Elbv2(observed.arn.clone()),
            known: None,
        })
    }
}

/// The listeners of a load balancer that are not on its own ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherListenersKey {
    pub load_balancer_arn: String,
    pub own_ports: Vec<i32>,
}

/// Listeners on ports other than the cluster's own: none may exist.
pub struct OtherListeners;

read_all! {
    OtherListeners: "listeners on other ports", OtherListenersKey => Vec<ObservedListener>,
    |env, keys| {
        let mut out = Vec::new();
        for k in keys {
            let all = listeners_shared(env, &k.load_balancer_arn).await?;
            out.push(Some(
                all.into_iter()
                    .filter(|l| !k.own_ports.contains(&l.port))
                    .collect(),
            ));
        }
        Ok(out)
}
}

impl Leftovers for OtherListeners {
    type Item = ObservedListener;

    async fn delete_one(env: &Env, item: &ObservedListener) -> Result<(), AwsError> {
        delete_listener(env.c(), &item.arn).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::cluster::{not_found_action, redirect_action};

    #[test]
    fn a_listener_matches_only_with_its_protocol_and_its_one_default_action() {
        let want = redirect_action();
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
            &listener("HTTP", vec![not_found_action()]),
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
}
