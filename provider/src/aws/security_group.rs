//! VPC security groups: the load balancer's and the instances'. Found by name in the VPC (both
//! in one call), created with their rules, kept to exactly the blueprint's ingress and egress
//! (missing rules added, others revoked by rule ID), deleted once no network interface uses
//! them.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use super::Clients;
use super::retry::{AwsError, adopt_after_retried_create, aws_error};
use super::security_group_rules::{
    Rule, SourceGroups, desired_egress, desired_rules, egress_rule, reconcile_egress,
    reconcile_rules, rules,
};
use super::unit::{Change, Changes, Env, TagRef, TagTarget, Tags, Unit, read_all};
use crate::blueprint::cluster::SecurityGroupSpec;

/// A security group as observed: its rules and its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedSecurityGroup {
    pub id: String,
    pub name: String,
    pub rules: Vec<Rule>,
    pub egress: Vec<Rule>,
    pub tags: BTreeMap<String, String>,
}

/// The group of that name in the VPC, if it exists.
pub async fn find(
    c: &Clients,
    vpc_id: &str,
    name: &str,
) -> Result<Option<ObservedSecurityGroup>, AwsError> {
    Ok(describe_by_names(c, vpc_id, &[name])
        .await?
        .into_iter()
        .next())
}

fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    super::tags::pairs(tags.iter().map(|t| (t.key(), t.value())))
}

/// The groups of these names in the VPC, with their rules and tags, in one call.
pub async fn describe_by_names(
    c: &Clients,
    vpc_id: &str,
    names: &[&str],
) -> Result<Vec<ObservedSecurityGroup>, AwsError> {
    let out = c
        .ec2
        .describe_security_groups()
        .filters(
            Filter::builder()
                .name("group-name")
                .set_values(Some(names.iter().map(|n| (*n).to_owned()).collect()))
                .build(),
        )
        .filters(Filter::builder().name("vpc-id").values(vpc_id).build())
        .send()
        .await
        .map_err(|e| aws_error("describe security groups", e))?;
    Ok(out
        .security_groups()
        .iter()
        .map(|g| ObservedSecurityGroup {
            id: g.group_id().unwrap_or_default().to_owned(),
            name: g.group_name().unwrap_or_default().to_owned(),
            rules: rules(g.ip_permissions()),
            egress: rules(g.ip_permissions_egress()),
            tags: tag_map(g.tags()),
        })
        .collect())
}

/// Creates the group (adopting one a retried create made) with the blueprint's rules.
async fn create(c: &Clients, spec: &SecurityGroupSpec) -> Result<ObservedSecurityGroup, AwsError> {
    let out = c
        .ec2
        .create_security_group()
        .group_name(&spec.name)
        .description(&spec.description)
        .vpc_id(&spec.vpc_id)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::SecurityGroup)
                .set_tags(Some(super::tag_writes::ec2(&spec.tags)))
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("create security group", e));
    let created = out.and_then(|out| {
        let id = out
            .group_id()
            .ok_or_else(|| AwsError::new("create security group", "AWS returned no group ID"))?;
        // AWS gives a new group one egress rule: everything to 0.0.0.0/0.
        Ok(ObservedSecurityGroup {
            id: id.to_owned(),
            name: spec.name.clone(),
            rules: Vec::new(),
            egress: vec![egress_rule("0.0.0.0/0")],
            tags: spec.tags.clone(),
        })
    });
    let found = adopt_after_retried_create(created, "InvalidGroup.Duplicate", || {
        find(c, &spec.vpc_id, &spec.name)
    })
    .await?;
    converge(c, spec, &found).await
}

/// The group IDs the blueprint's [`Source::LoadBalancer`] and [`Source::SameGroup`] name.
fn source_groups<'a>(spec: &'a SecurityGroupSpec, own_id: &'a str) -> SourceGroups<'a> {
    SourceGroups {
        load_balancer: spec.load_balancer_group.as_deref().unwrap_or(own_id),
        own: own_id,
    }
}

/// Brings the rules in line; returns the group as it is then.
async fn converge(
    c: &Clients,
    spec: &SecurityGroupSpec,
    found: &ObservedSecurityGroup,
) -> Result<ObservedSecurityGroup, AwsError> {
    let alb = source_groups(spec, &found.id);
    tokio::try_join!(
        reconcile_rules(c, &found.id, spec, alb, &found.rules),
        reconcile_egress(c, &found.id, spec, &found.egress),
    )?;
    Ok(ObservedSecurityGroup {
        rules: desired_rules(spec, alb),
        egress: desired_egress(spec),
        ..found.clone()
    })
}

/// Deletes the group; `Ok(false)` while network interfaces still use it.
async fn try_delete(c: &Clients, group_id: &str) -> Result<bool, AwsError> {
    match c
        .ec2
        .delete_security_group()
        .group_id(group_id)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) => {
            let err = aws_error("delete security group", e);
            match err.code() {
                Some("InvalidGroup.NotFound") => Ok(true),
                Some("DependencyViolation") => Ok(false),
                _ => Err(err),
            }
        }
    }
}

/// Where a group is found: its VPC and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupKey {
    pub vpc_id: String,
    pub name: String,
}

pub struct SecurityGroup;

read_all! {
    /// The groups of each VPC in one call.
    SecurityGroup: "security group", GroupKey => ObservedSecurityGroup,
    |env, keys| {
        let mut vpcs: Vec<&str> = keys.iter().map(|k| k.vpc_id.as_str()).collect();
        vpcs.dedup();
        let mut found = Vec::new();
        for vpc in vpcs {
            let names: Vec<&str> = keys
                .iter()
                .filter(|k| k.vpc_id == vpc)
                .map(|k| k.name.as_str())
                .collect();
            found.extend(
                describe_by_names(env.c(), vpc, &names)
                    .await?
                    .into_iter()
                    .map(|g| (vpc.to_owned(), g)),
            );
        }
        Ok(keys
            .iter()
            .map(|k| {
                found
                    .iter()
                    .find(|(vpc, g)| *vpc == k.vpc_id && g.name == k.name)
                    .map(|(_, g)| g.clone())
            })
            .collect())
}
}

impl Unit for SecurityGroup {
    type Desired = SecurityGroupSpec;

    fn diff(desired: &SecurityGroupSpec, observed: &ObservedSecurityGroup) -> Vec<Change> {
        let mut rules = observed.rules.clone();
        rules.sort();
        let mut egress = observed.egress.clone();
        egress.sort();
        Changes::new()
            .check(
                "ingress",
                rules != desired_rules(desired, source_groups(desired, &observed.id)),
            )
            .check("egress", egress != desired_egress(desired))
            .done()
    }

    async fn create(
        env: &Env,
        _: &GroupKey,
        desired: &SecurityGroupSpec,
    ) -> Result<ObservedSecurityGroup, AwsError> {
        create(env.c(), desired).await
    }

    async fn update(
        env: &Env,
        desired: &SecurityGroupSpec,
        observed: &ObservedSecurityGroup,
        _: &[Change],
    ) -> Result<ObservedSecurityGroup, AwsError> {
        converge(env.c(), desired, observed).await
    }

    /// Waits until no network interface uses it (instances and the load balancer release theirs
    /// after they are deleted).
    async fn delete(env: &Env, observed: &ObservedSecurityGroup) -> Result<(), AwsError> {
        env.budget
            .wait_until(
                &format!(
                    "security group {} to be free of network interfaces",
                    observed.name
                ),
                || try_delete(env.c(), &observed.id),
            )
            .await
    }

    fn desired_tags(desired: &SecurityGroupSpec) -> Option<Tags> {
        Some(desired.tags.clone())
    }

    fn tags(observed: &ObservedSecurityGroup) -> Option<TagRef> {
        Some(TagRef {
            target: TagTarget::Ec2(observed.id.clone()),
            known: Some(observed.tags.clone()),
        })
    }
}
