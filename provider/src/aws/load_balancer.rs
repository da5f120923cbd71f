//! The shared Application Load Balancer: found by name, created in the public subnets behind
//! its security group, kept to the blueprint's subnets, group and attributes (each written
//! only when it differs), deleted with its listeners once deletion protection is off.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    IpAddressType, LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
};

use super::Clients;
use super::listener::{delete_listener, listeners};
use super::retry::{AwsError, aws_error};
use super::unit::{Change, Changes, Env, TagRef, TagTarget, Tags, Unit, names, read_each};
use crate::blueprint::cluster::LoadBalancerSpec;

/// The load balancer attribute that drops requests with invalid header fields.
pub const DROP_INVALID_HEADER_FIELDS: &str = "routing.http.drop_invalid_header_fields.enabled";
/// The load balancer attribute that protects it from deletion.
pub const DELETION_PROTECTION: &str = "deletion_protection.enabled";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedLoadBalancer {
    pub name: String,
    pub arn: String,
    pub dns_name: String,
    pub zone_id: String,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    /// Its attributes, by key (read with it by the unit; empty where only described).
    pub attributes: BTreeMap<String, String>,
}

impl ObservedLoadBalancer {
    /// Whether a boolean attribute is on (absent counts as off).
    pub fn attribute_on(&self, key: &str) -> bool {
        self.attributes.get(key).is_some_and(|v| v == "true")
    }
}

pub fn not_found(err: &AwsError) -> bool {
    matches!(
        err.code(),
        Some("LoadBalancerNotFound") | Some("ListenerNotFound")
    )
}

/// The load balancer of that name, without its attributes.
pub async fn describe(c: &Clients, name: &str) -> Result<Option<ObservedLoadBalancer>, AwsError> {
    let out = match c.elbv2.describe_load_balancers().names(name).send().await {
        Ok(out) => out,
        Err(e) => {
            let err = aws_error("describe load balancer", e);
            return if not_found(&err) { Ok(None) } else { Err(err) };
        }
    };
    Ok(out.load_balancers().first().map(|lb| ObservedLoadBalancer {
        name: name.to_owned(),
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
        attributes: BTreeMap::new(),
    }))
}

/// The load balancer's attributes, by key.
async fn attributes(c: &Clients, arn: &str) -> Result<BTreeMap<String, String>, AwsError> {
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

/// The load balancer with its attributes.
async fn read(c: &Clients, name: &str) -> Result<Option<ObservedLoadBalancer>, AwsError> {
    match describe(c, name).await? {
        Some(lb) => Ok(Some(ObservedLoadBalancer {
            attributes: attributes(c, &lb.arn).await?,
            ..lb
        })),
        None => Ok(None),
    }
}

/// The attributes the blueprint sets.
fn wanted_attributes(spec: &LoadBalancerSpec) -> [(&'static str, bool); 2] {
    [
        (DELETION_PROTECTION, spec.deletion_protection),
        (DROP_INVALID_HEADER_FIELDS, spec.drop_invalid_header_fields),
    ]
}

/// Sets the attributes that differ, in one call; none when nothing does.
async fn set_attributes(c: &Clients, arn: &str, changes: &[(&str, bool)]) -> Result<(), AwsError> {
    if changes.is_empty() {
        return Ok(());
    }
    c.elbv2
        .modify_load_balancer_attributes()
        .load_balancer_arn(arn)
        .set_attributes(Some(
            changes
                .iter()
                .map(|(key, on)| {
                    LoadBalancerAttribute::builder()
                        .key(*key)
                        .value(on.to_string())
                        .build()
                })
                .collect(),
        ))
        .send()
        .await
        .map_err(|e| aws_error("set load balancer attributes", e))?;
    Ok(())
}

fn sorted(items: &[String]) -> Vec<String> {
    let mut v = items.to_vec();
    v.sort();
    v
}

/// Creates the load balancer (adopting one of the same name: AWS would return it, the emulator
/// would not).
async fn create(c: &Clients, spec: &LoadBalancerSpec) -> Result<ObservedLoadBalancer, AwsError> {
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
        .set_tags(Some(super::tag_writes::elbv2(&spec.tags)))
        .send()
        .await
        .map_err(|e| aws_error("create load balancer", e))?;
    read(c, &spec.name).await?.ok_or_else(|| {
        AwsError::new(
            "create load balancer",
            "the new load balancer cannot be read back",
        )
    })
}

pub struct LoadBalancer;

read_each! {
    LoadBalancer: "load balancer", String => ObservedLoadBalancer,
    |env, k| read(env.c(), k)
}

impl Unit for LoadBalancer {
    type Desired = LoadBalancerSpec;

    fn diff(desired: &LoadBalancerSpec, observed: &ObservedLoadBalancer) -> Vec<Change> {
        Changes::new()
            .check(
                "subnets",
                sorted(&observed.subnet_ids) != sorted(&desired.subnet_ids),
            )
            .check(
                "security_groups",
                observed.security_group_ids != [desired.security_group_id.clone()],
            )
            .check(
                "attributes",
                wanted_attributes(desired)
                    .iter()
                    .any(|(key, on)| observed.attribute_on(key) != *on),
            )
            .done()
    }

    async fn create(
        env: &Env,
        _: &String,
        desired: &LoadBalancerSpec,
    ) -> Result<ObservedLoadBalancer, AwsError> {
        let created = create(env.c(), desired).await?;
        Self::update(env, desired, &created, &Self::diff(desired, &created)).await
    }

    async fn update(
        env: &Env,
        desired: &LoadBalancerSpec,
        observed: &ObservedLoadBalancer,
        changes: &[Change],
    ) -> Result<ObservedLoadBalancer, AwsError> {
        let c = env.c();
        let arn = observed.arn.as_str();
        if names(changes, "subnets") {
            c.elbv2
                .set_subnets()
                .load_balancer_arn(arn)
                .set_subnets(Some(desired.subnet_ids.clone()))
                .send()
                .await
                .map_err(|e| aws_error("set load balancer subnets", e))?;
        }
        if names(changes, "security_groups") {
            c.elbv2
                .set_security_groups()
                .load_balancer_arn(arn)
                .security_groups(&desired.security_group_id)
                .send()
                .await
                .map_err(|e| aws_error("set load balancer security groups", e))?;
        }
        let attribute_changes: Vec<(&str, bool)> = wanted_attributes(desired)
            .into_iter()
            .filter(|(key, on)| observed.attribute_on(key) != *on)
            .collect();
        set_attributes(c, arn, &attribute_changes).await?;
        let mut attributes = observed.attributes.clone();
        for (key, on) in attribute_changes {
            attributes.insert(key.to_owned(), on.to_string());
        }
        Ok(ObservedLoadBalancer {
            subnet_ids: desired.subnet_ids.clone(),
            security_group_ids: vec![desired.security_group_id.clone()],
            attributes,
            ..observed.clone()
        })
    }

    /// Deletion protection off (the state says it is), listeners, then the load balancer; waits
    /// until it is gone.
    async fn delete(env: &Env, observed: &ObservedLoadBalancer) -> Result<(), AwsError> {
        let c = env.c();
        if observed.attribute_on(DELETION_PROTECTION) {
            set_attributes(c, &observed.arn, &[(DELETION_PROTECTION, false)]).await?;
        }
        for l in listeners(c, &observed.arn).await? {
            delete_listener(c, &l.arn).await?;
        }
        match c
            .elbv2
            .delete_load_balancer()
            .load_balancer_arn(&observed.arn)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) => {
                let err = aws_error("delete load balancer", e);
                if !not_found(&err) {
                    return Err(err);
                }
            }
        }
        env.budget
            .wait_until("the load balancer to be deleted", || async {
                Ok(describe(c, &observed.name).await?.is_none())
            })
            .await
    }

    fn desired_tags(desired: &LoadBalancerSpec) -> Option<Tags> {
        Some(desired.tags.clone())
    }

    fn tags(observed: &ObservedLoadBalancer) -> Option<TagRef> {
        Some(TagRef {
            target: TagTarget::Elbv2(observed.arn.clone()),
            known: None,
        })
    }
}
