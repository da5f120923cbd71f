//! Application Auto Scaling of a service's task count: the scalable target and its two
//! target-tracking policies, read together, written together, deleted policies first.

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalingPolicy,
    ServiceNamespace, TargetTrackingScalingPolicyConfiguration,
};

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::{Change, Changes, Env, Unit, read_each};
use crate::blueprint::service::{ScalingSpec, TargetTrackingSpec, owned_policy};

/// Registers the target with the spec's bounds and puts each policy.
async fn put(c: &Clients, spec: &ScalingSpec) -> Result<(), AwsError> {
    c.appautoscaling
        .register_scalable_target()
        .service_namespace(ServiceNamespace::from(spec.service_namespace.as_str()))
        .resource_id(&spec.resource_id)
        .scalable_dimension(ScalableDimension::from(spec.scalable_dimension.as_str()))
        .min_capacity(spec.min_capacity)
        .max_capacity(spec.max_capacity)
        .send()
        .await
        .map_err(|e| aws_error("register the autoscaling target", e))?;
    for p in &spec.policies {
        let step = "put the autoscaling policy";
        let config = TargetTrackingScalingPolicyConfiguration::builder()
            .target_value(p.target_value)
            .scale_in_cooldown(p.scale_in_cooldown)
            .scale_out_cooldown(p.scale_out_cooldown);
        let config = match &p.queue {
            Some(queue) => config.customized_metric_specification(
                super::scaling_metrics::backlog_metric(queue, &spec.resource_id)?,
            ),
            None => config.predefined_metric_specification(
                PredefinedMetricSpecification::builder()
                    .predefined_metric_type(MetricType::from(p.predefined_metric.as_str()))
                    .build()
                    .map_err(|e| AwsError::new(step, e.to_string()))?,
            ),
        }
        .build()
        .map_err(|e| AwsError::new(step, e.to_string()))?;
        c.appautoscaling
            .put_scaling_policy()
            .policy_name(&p.policy_name)
            .service_namespace(ServiceNamespace::from(spec.service_namespace.as_str()))
            .resource_id(&spec.resource_id)
            .scalable_dimension(ScalableDimension::from(spec.scalable_dimension.as_str()))
            .policy_type(PolicyType::TargetTrackingScaling)
            .target_tracking_scaling_policy_configuration(config)
            .send()
            .await
            .map_err(|e| aws_error(step, e))?;
    }
    Ok(())
}

/// The scaling policies of the target.
async fn policies(c: &Clients, spec: &ScalingSpec) -> Result<Vec<ScalingPolicy>, AwsError> {
    Ok(c.appautoscaling
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::from(spec.service_namespace.as_str()))
        .resource_id(&spec.resource_id)
        .send()
        .await
        .map_err(|e| aws_error("describe autoscaling policies", e))?
        .scaling_policies()
        .to_vec())
}

/// (min, max) of the scalable target, if registered.
async fn describe(c: &Clients, spec: &ScalingSpec) -> Result<Option<(i32, i32)>, AwsError> {
    let out = c
        .appautoscaling
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::from(spec.service_namespace.as_str()))
        .resource_ids(&spec.resource_id)
        .send()
        .await
        .map_err(|e| aws_error("describe the autoscaling target", e))?;
    Ok(out
        .scalable_targets()
        .first()
        .map(|t| (t.min_capacity(), t.max_capacity())))
}

/// The scalable target's bounds and its target-tracking policies' target values.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedScaling {
    /// The target, without bounds or policies: what deleting it needs.
    pub target: ScalingSpec,
    pub min_capacity: i32,
    pub max_capacity: i32,
    /// (predefined metric, target value) per target-tracking policy.
    pub targets: Vec<(String, f64)>,
    /// The target-tracking policies, as the blueprint describes them.
    pub policies: Vec<TargetTrackingSpec>,
}

impl ObservedScaling {
    /// The target value of the policy tracking `metric`, if there is one.
    pub fn target(&self, metric: &str) -> Option<f64> {
        self.targets
            .iter()
            .find(|(m, _)| m == metric)
            .map(|(_, v)| *v)
    }
}

/// The target and its policies (both read at once); `None` when the target is not registered.
pub async fn observe(c: &Clients, spec: &ScalingSpec) -> Result<Option<ObservedScaling>, AwsError> {
    let (bounds, policies) = tokio::try_join!(describe(c, spec), policies(c, spec))?;
    let policies: Vec<TargetTrackingSpec> = policies
        .iter()
        .filter_map(|p| {
            let t = p.target_tracking_scaling_policy_configuration()?;
            let queue = t
                .customized_metric_specification()
                .and_then(super::scaling_metrics::backlog_queue);
            let predefined = match t.predefined_metric_specification() {
                Some(m) => m.predefined_metric_type().as_str().to_owned(),
                None if queue.is_some() => String::new(),
                None => return None,
            };
            Some(TargetTrackingSpec {
                policy_name: p.policy_name().to_owned(),
                predefined_metric: predefined,
                queue,
                target_value: t.target_value(),
                scale_in_cooldown: t.scale_in_cooldown().unwrap_or(-1),
                scale_out_cooldown: t.scale_out_cooldown().unwrap_or(-1),
            })
        })
        .collect();
    Ok(bounds.map(|(min_capacity, max_capacity)| ObservedScaling {
        target: spec.clone(),
        min_capacity,
        max_capacity,
        targets: policies
            .iter()
            .map(|p| (p.predefined_metric.clone(), p.target_value))
            .collect(),
        policies,
    }))
}

/// The provider's policies on the target that the spec no longer has (a queue policy no longer
/// configured); policies of other names are the user's and stay.
fn extra_policies<'a>(desired: &ScalingSpec, observed: &'a ObservedScaling) -> Vec<&'a str> {
    observed
        .policies
        .iter()
        .map(|p| p.policy_name.as_str())
        .filter(|name| owned_policy(&desired.resource_id, name))
        .filter(|name| !desired.policies.iter().any(|d| d.policy_name == *name))
        .collect()
}

/// Deletes one policy of the target; one already gone is fine.
async fn delete_policy(c: &Clients, spec: &ScalingSpec, name: &str) -> Result<(), AwsError> {
    match c
        .appautoscaling
        .delete_scaling_policy()
        .policy_name(name)
        .service_namespace(ServiceNamespace::from(spec.service_namespace.as_str()))
        .resource_id(&spec.resource_id)
        .scalable_dimension(ScalableDimension::from(spec.scalable_dimension.as_str()))
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("delete autoscaling policy", e);
            if err.code() == Some("ObjectNotFoundException") {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}

/// Removes the policies, then the target. AWS removes a target's policies with it, but some
/// implementations (the emulator) keep them, so they are deleted first by name.
async fn delete(c: &Clients, spec: &ScalingSpec) -> Result<(), AwsError> {
    for p in policies(c, spec).await? {
        delete_policy(c, spec, p.policy_name()).await?;
    }
    if describe(c, spec).await?.is_none() {
        return Ok(());
    }
    c.appautoscaling
        .deregister_scalable_target()
        .service_namespace(ServiceNamespace::from(spec.service_namespace.as_str()))
        .resource_id(&spec.resource_id)
        .scalable_dimension(ScalableDimension::from(spec.scalable_dimension.as_str()))
        .send()
        .await
        .map_err(|e| aws_error("deregister the autoscaling target", e))?;
    Ok(())
}

fn as_written(spec: &ScalingSpec) -> ObservedScaling {
    ObservedScaling {
        target: ScalingSpec {
            min_capacity: 0,
            max_capacity: 0,
            policies: Vec::new(),
            ..spec.clone()
        },
        min_capacity: spec.min_capacity,
        max_capacity: spec.max_capacity,
        targets: spec
            .policies
            .iter()
            .map(|p| (p.predefined_metric.clone(), p.target_value))
            .collect(),
        policies: spec.policies.clone(),
    }
}

/// A service's task count autoscaling: the scalable target (found by the service's resource ID)
/// and its policies.
pub struct Scaling;

// Keyed by the target without bounds or policies
// ([`crate::blueprint::service::scaling_target`]).
read_each! {
    Scaling: "autoscaling target", ScalingSpec => ObservedScaling,
    |env, k| observe(env.c(), k)
}

impl Unit for Scaling {
    type Desired = ScalingSpec;

    /// Bounds, and every policy of the spec by name with its metric, target and cooldowns.
    fn diff(desired: &ScalingSpec, observed: &ObservedScaling) -> Vec<Change> {
        Changes::new()
            .check(
                "bounds",
                (observed.min_capacity, observed.max_capacity)
                    != (desired.min_capacity, desired.max_capacity),
            )
            .check(
                "policies",
                !desired
                    .policies
                    .iter()
                    .all(|want| observed.policies.contains(want))
                    || !extra_policies(desired, observed).is_empty(),
            )
            .done()
    }

    async fn create(
        env: &Env,
        _: &ScalingSpec,
        desired: &ScalingSpec,
    ) -> Result<ObservedScaling, AwsError> {
        put(env.c(), desired).await?;
        Ok(as_written(desired))
    }

    async fn update(
        env: &Env,
        desired: &ScalingSpec,
        observed: &ObservedScaling,
        _: &[Change],
    ) -> Result<ObservedScaling, AwsError> {
        for name in extra_policies(desired, observed) {
            delete_policy(env.c(), desired, name).await?;
        }
        Self::create(env, desired, desired).await
    }

    async fn delete(env: &Env, observed: &ObservedScaling) -> Result<(), AwsError> {
        delete(env.c(), &observed.target).await
    }
}
