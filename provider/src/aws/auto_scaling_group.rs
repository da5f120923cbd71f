//! The instances' Auto Scaling group: mixed instances (On-Demand base, Spot above it), scale-in
//! protection for ECS managed termination protection, capacity rebalancing while Spot is allowed. Desired capacity is set only at creation:
//! ECS managed scaling owns it afterwards. Deleted with its instances, and waited for.

use aws_sdk_autoscaling::types::{
    InstancesDistribution, LaunchTemplate, LaunchTemplateOverrides, LaunchTemplateSpecification,
    MixedInstancesPolicy,
};

use super::Clients;
use super::instance_refresh;
use super::launch_template::profile_not_yet_visible;
use super::retry::{AwsError, aws_error};
use super::unit::{
    Change, Changes, Env, TagRef, TagTarget, Tags, Unit, names, read_all, same_fields,
};
use crate::blueprint::cluster::{AutoScalingGroupSpec, ROLLOUT, Rollout};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedGroup {
    pub name: String,
    pub arn: String,
    pub min_size: i32,
    pub max_size: i32,
    pub desired_capacity: i32,
    pub subnet_ids: Vec<String>,
    pub instance_types: Vec<String>,
    pub on_demand_base_capacity: i32,
    pub on_demand_percentage_above_base: i32,
    pub spot_allocation_strategy: String,
    pub protected_from_scale_in: bool,
    pub capacity_rebalance: bool,
    pub launch_template_id: Option<String>,
    /// The template version it launches from (a number, `$Default` or `$Latest`).
    pub launch_template_version: Option<String>,
    /// The launch template version each of its instances was launched from.
    pub instance_versions: Vec<Option<String>>,
    pub deleting: bool,
    pub tags: std::collections::BTreeMap<String, String>,
}

fn policy(spec: &AutoScalingGroupSpec) -> MixedInstancesPolicy {
    MixedInstancesPolicy::builder()
        .launch_template(
            LaunchTemplate::builder()
                .launch_template_specification(
                    LaunchTemplateSpecification::builder()
                        .launch_template_id(&spec.launch_template_id)
                        .version(&spec.launch_template_version)
                        .build(),
                )
                .set_overrides(Some(
                    spec.instance_types
                        .iter()
                        .map(|t| LaunchTemplateOverrides::builder().instance_type(t).build())
                        .collect(),
                ))
                .build(),
        )
        .instances_distribution(
            InstancesDistribution::builder()
                .on_demand_base_capacity(spec.on_demand_base_capacity)
                .on_demand_percentage_above_base_capacity(spec.on_demand_percentage_above_base)
                .spot_allocation_strategy(&spec.spot_allocation_strategy)
                .build(),
        )
        .build()
}

/// The groups of these names, in one call.
pub async fn describe_many(
    c: &Clients,
    names: &[String],
) -> Result<Vec<Option<ObservedGroup>>, AwsError> {
    let out = c
        .autoscaling
        .describe_auto_scaling_groups()
        .set_auto_scaling_group_names(Some(names.to_vec()))
        .send()
        .await
        .map_err(|e| aws_error("describe Auto Scaling group", e))?;
    Ok(names
        .iter()
        .map(|name| {
            out.auto_scaling_groups()
                .iter()
                .find(|g| g.auto_scaling_group_name() == Some(name.as_str()))
                .map(observed)
        })
        .collect())
}

pub async fn describe(c: &Clients, name: &str) -> Result<Option<ObservedGroup>, AwsError> {
    Ok(describe_many(c, &[name.to_owned()])
        .await?
        .into_iter()
        .next()
        .flatten())
}

fn observed(g: &aws_sdk_autoscaling::types::AutoScalingGroup) -> ObservedGroup {
    let mixed = g.mixed_instances_policy();
    let distribution = mixed.and_then(|m| m.instances_distribution());
    let template = mixed.and_then(|m| m.launch_template());
    ObservedGroup {
        name: g.auto_scaling_group_name().unwrap_or_default().to_owned(),
        arn: g.auto_scaling_group_arn().unwrap_or_default().to_owned(),
        min_size: g.min_size().unwrap_or(0),
        max_size: g.max_size().unwrap_or(0),
        desired_capacity: g.desired_capacity().unwrap_or(0),
        subnet_ids: g
            .vpc_zone_identifier()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        instance_types: template
            .map(|t| {
                t.overrides()
                    .iter()
                    .filter_map(|o| o.instance_type().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        on_demand_base_capacity: distribution
            .and_then(|d| d.on_demand_base_capacity())
            .unwrap_or(0),
        on_demand_percentage_above_base: distribution
            .and_then(|d| d.on_demand_percentage_above_base_capacity())
            .unwrap_or(100),
        spot_allocation_strategy: distribution
            .and_then(|d| d.spot_allocation_strategy())
            .unwrap_or_default()
            .to_owned(),
        protected_from_scale_in: g.new_instances_protected_from_scale_in().unwrap_or(false),
        capacity_rebalance: g.capacity_rebalance().unwrap_or(false),
        launch_template_id: template
            .and_then(|t| t.launch_template_specification())
            .and_then(|s| s.launch_template_id())
            .map(str::to_owned),
        launch_template_version: template
            .and_then(|t| t.launch_template_specification())
            .and_then(|s| s.version())
            .map(str::to_owned),
        instance_versions: g
            .instances()
            .iter()
            .map(|i| {
                i.launch_template()
                    .and_then(|t| t.version())
                    .map(str::to_owned)
            })
            .collect(),
        deleting: g.status().is_some_and(|s| s.starts_with("Delete")),
        tags: super::tags::pairs(g.tags().iter().map(|t| (t.key(), t.value()))),
    }
}

/// Creates the group (or adopts the one a retried create made) and returns it.
async fn create(c: &Clients, spec: &AutoScalingGroupSpec) -> Result<ObservedGroup, AwsError> {
    let tags = super::tag_writes::auto_scaling(&spec.name, &spec.tags);
    let created = c
        .autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name(&spec.name)
        .min_size(spec.min_size)
        .max_size(spec.max_size)
        .desired_capacity(spec.initial_desired_capacity)
        .vpc_zone_identifier(spec.subnet_ids.join(","))
        .mixed_instances_policy(policy(spec))
        .new_instances_protected_from_scale_in(spec.new_instances_protected_from_scale_in)
        .capacity_rebalance(spec.capacity_rebalance)
        .set_tags(Some(tags))
        .send()
        .await;
    if let Err(e) = created {
        let err = aws_error("create Auto Scaling group", e);
        if err.code() != Some("AlreadyExists") {
            return Err(err);
        }
    }
    describe(c, &spec.name).await?.ok_or_else(|| {
        AwsError::new(
            "create Auto Scaling group",
            "the new group cannot be read back",
        )
    })
}

/// Applies sizes, subnets and the mixed instances policy. The desired capacity is left to ECS
/// managed scaling.
async fn update(c: &Clients, spec: &AutoScalingGroupSpec) -> Result<(), AwsError> {
    c.autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name(&spec.name)
        .min_size(spec.min_size)
        .max_size(spec.max_size)
        .vpc_zone_identifier(spec.subnet_ids.join(","))
        .mixed_instances_policy(policy(spec))
        .new_instances_protected_from_scale_in(spec.new_instances_protected_from_scale_in)
        .capacity_rebalance(spec.capacity_rebalance)
        .send()
        .await
        .map_err(|e| aws_error("update Auto Scaling group", e))?;
    Ok(())
}

/// Deletes the group with its instances, scale-in protection notwithstanding.
async fn delete(c: &Clients, name: &str) -> Result<(), AwsError> {
    match c
        .autoscaling
        .delete_auto_scaling_group()
        .auto_scaling_group_name(name)
        .force_delete(true)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("delete Auto Scaling group", e);
            if err.message.contains("not found")
                || err.code() == Some("ValidationError") && err.message.contains("not found")
            {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}

impl ObservedGroup {
    /// Whether an instance runs another launch template version than `version`.
    fn behind(&self, version: &str) -> bool {
        self.instance_versions
            .iter()
            .any(|v| v.as_deref() != Some(version))
    }

    /// The group once an update wrote `d`.
    fn updated_to(&self, d: &AutoScalingGroupSpec) -> ObservedGroup {
        ObservedGroup {
            min_size: d.min_size,
            max_size: d.max_size,
            subnet_ids: d.subnet_ids.clone(),
            instance_types: d.instance_types.clone(),
            on_demand_base_capacity: d.on_demand_base_capacity,
            on_demand_percentage_above_base: d.on_demand_percentage_above_base,
            spot_allocation_strategy: d.spot_allocation_strategy.clone(),
            protected_from_scale_in: d.new_instances_protected_from_scale_in,
            capacity_rebalance: d.capacity_rebalance,
            launch_template_id: Some(d.launch_template_id.clone()),
            launch_template_version: Some(d.launch_template_version.clone()),
            ..self.clone()
        }
    }

    /// `desired` with the instances' launch configuration (template, types, On-Demand and Spot
    /// split) as the group has it now: what a group update writes before a refresh carries them.
    fn keeping_launch(&self, desired: &AutoScalingGroupSpec) -> AutoScalingGroupSpec {
        AutoScalingGroupSpec {
            launch_template_id: self
                .launch_template_id
                .clone()
                .unwrap_or_else(|| desired.launch_template_id.clone()),
            launch_template_version: self
                .launch_template_version
                .clone()
                .unwrap_or_else(|| desired.launch_template_version.clone()),
            instance_types: self.instance_types.clone(),
            on_demand_base_capacity: self.on_demand_base_capacity,
            on_demand_percentage_above_base: self.on_demand_percentage_above_base,
            spot_allocation_strategy: self.spot_allocation_strategy.clone(),
            ..desired.clone()
        }
    }
}

/// Moves the group's instances to the desired launch template version with an instance
/// refresh, after writing its other settings. The refresh carries the template, types and
/// split, so instances launched meanwhile still match the template they start from.
async fn roll(
    env: &Env,
    desired: &AutoScalingGroupSpec,
    observed: &ObservedGroup,
) -> Result<ObservedGroup, AwsError> {
    let name = &desired.name;
    // AWS refuses changes to a group under a refresh: an earlier apply's ends first, and may
    // have rolled the instances already.
    let current = match instance_refresh::settle(env, name).await? {
        true => describe(env.c(), name)
            .await?
            .unwrap_or_else(|| observed.clone()),
        false => observed.clone(),
    };
    if !current.behind(&desired.launch_template_version) {
        update(env.c(), desired).await?;
        return Ok(current.updated_to(desired));
    }
    let kept = current.keeping_launch(desired);
    if !AutoScalingGroup::diff(&kept, &current).is_empty() {
        update(env.c(), &kept).await?;
    }
    // AWS rolls back only to a numbered version: a group on `$Default` or `$Latest` (bound
    // outside Terraform, or by an earlier version of this provider) rolls without that net.
    let numbered = current
        .launch_template_version
        .as_deref()
        .is_some_and(|v| v.parse::<u64>().is_ok());
    let rollout = Rollout {
        auto_rollback: ROLLOUT.auto_rollback && numbered,
        ..ROLLOUT
    };
    instance_refresh::roll(env, name, policy(desired), &rollout).await?;
    // The refresh waited for may have been started by someone else for something else.
    let after = describe(env.c(), name).await?;
    match after {
        Some(g) if AutoScalingGroup::diff(desired, &g).is_empty() => Ok(g),
        _ => Err(AwsError::new(
            "roll the instances to the new launch template version",
            "the instance refresh ended, but the group is not on the desired settings (another refresh ran?); the next apply starts a new one",
        )),
    }
}

fn sorted(items: &[String]) -> Vec<String> {
    let mut v = items.to_vec();
    v.sort();
    v
}

pub struct AutoScalingGroup;

read_all! {
    AutoScalingGroup: "Auto Scaling group", String => ObservedGroup,
    |env, keys| {
        describe_many(env.c(), keys).await
}
}

impl Unit for AutoScalingGroup {
    type Desired = AutoScalingGroupSpec;

    fn diff(desired: &AutoScalingGroupSpec, observed: &ObservedGroup) -> Vec<Change> {
        let d = desired;
        let o = observed;
        let mut changes = Changes::new();
        // A group being deleted cannot be used: it is waited for and made again.
        changes.check_replace("deleting", o.deleting);
        same_fields!(&mut changes, o, d;
            min_size, max_size, instance_types, on_demand_base_capacity,
            on_demand_percentage_above_base, spot_allocation_strategy, capacity_rebalance);
        changes
            .differ("subnets", &sorted(&o.subnet_ids), &sorted(&d.subnet_ids))
            .differ(
                "scale_in_protection",
                &o.protected_from_scale_in,
                &d.new_instances_protected_from_scale_in,
            )
            .check(
                "launch_template",
                o.launch_template_id.as_deref() != Some(d.launch_template_id.as_str())
                    || o.launch_template_version.as_deref()
                        != Some(d.launch_template_version.as_str()),
            )
            .done()
    }

    async fn create(
        env: &Env,
        _: &String,
        desired: &AutoScalingGroupSpec,
    ) -> Result<ObservedGroup, AwsError> {
        env.budget
            .retry_while(profile_not_yet_visible, || create(env.c(), desired))
            .await
    }

    /// A new launch template version reaches running instances through an instance refresh,
    /// after the group's other settings (which keep the instances' version meanwhile). A group
    /// without instances just launches the new version from now on.
    async fn update(
        env: &Env,
        desired: &AutoScalingGroupSpec,
        observed: &ObservedGroup,
        changes: &[Change],
    ) -> Result<ObservedGroup, AwsError> {
        if names(changes, "launch_template") && observed.behind(&desired.launch_template_version) {
            return roll(env, desired, observed).await;
        }
        update(env.c(), desired).await?;
        Ok(observed.updated_to(desired))
    }

    async fn delete(env: &Env, observed: &ObservedGroup) -> Result<(), AwsError> {
        delete(env.c(), &observed.name).await?;
        env.budget
            .wait_until("the Auto Scaling group to be deleted", || async {
                Ok(describe(env.c(), &observed.name).await?.is_none())
            })
            .await
    }

    fn desired_tags(desired: &AutoScalingGroupSpec) -> Option<Tags> {
        Some(desired.tags.clone())
    }

    fn tags(observed: &ObservedGroup) -> Option<TagRef> {
        Some(TagRef {
            target: TagTarget::AutoScalingGroup(observed.name.clone()),
            known: Some(observed.tags.clone()),
        })
    }
}
