//! Application Auto Scaling of a service's task count: the scalable target and its two
//! target-tracking policies.

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalingPolicy,
    ServiceNamespace, TargetTrackingScalingPolicyConfiguration,
};

use super::Clients;
use super::retry::{AwsError, aws_error};
use crate::blueprint::service::ScalingSpec;

pub async fn ensure(c: &Clients, spec: &ScalingSpec) -> Result<(), AwsError> {
    if in_line(c, spec).await? {
        return Ok(());
    }
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
            .scale_out_cooldown(p.scale_out_cooldown)
            .predefined_metric_specification(
                PredefinedMetricSpecification::builder()
                    .predefined_metric_type(MetricType::from(p.predefined_metric.as_str()))
                    .build()
                    .map_err(|e| AwsError::new(step, e.to_string()))?,
            )
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

/// Whether the target is registered with the spec's bounds and every policy of the spec exists
/// by name with its metric, target value and cooldowns.
async fn in_line(c: &Clients, spec: &ScalingSpec) -> Result<bool, AwsError> {
    let (bounds, policies) = tokio::try_join!(describe(c, spec), policies(c, spec))?;
    if bounds != Some((spec.min_capacity, spec.max_capacity)) {
        return Ok(false);
    }
    Ok(spec.policies.iter().all(|want| {
        policies.iter().any(|p| {
            p.policy_name() == want.policy_name
                && p.target_tracking_scaling_policy_configuration()
                    .is_some_and(|t| {
                        t.target_value() == want.target_value
                            && t.scale_in_cooldown() == Some(want.scale_in_cooldown)
                            && t.scale_out_cooldown() == Some(want.scale_out_cooldown)
                            && t.predefined_metric_specification().is_some_and(|m| {
                                m.predefined_metric_type().as_str() == want.predefined_metric
                            })
                    })
        })
    }))
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
pub async fn describe(c: &Clients, spec: &ScalingSpec) -> Result<Option<(i32, i32)>, AwsError> {
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

/// Target values of the target-tracking policies, by predefined metric.
pub async fn policy_targets(
    c: &Clients,
    spec: &ScalingSpec,
) -> Result<Vec<(String, f64)>, AwsError> {
    Ok(policies(c, spec)
        .await?
        .iter()
        .filter_map(|p| p.target_tracking_scaling_policy_configuration())
        .filter_map(|c| {
            Some((
                c.predefined_metric_specification()?
                    .predefined_metric_type()
                    .as_str()
                    .to_owned(),
                c.target_value(),
            ))
        })
        .collect())
}

/// The scalable target's bounds and its target-tracking policies' target values.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedScaling {
    pub min_capacity: i32,
    pub max_capacity: i32,
    /// (predefined metric, target value) per target-tracking policy.
    pub targets: Vec<(String, f64)>,
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
    let (bounds, targets) = tokio::try_join!(describe(c, spec), policy_targets(c, spec))?;
    Ok(bounds.map(|(min_capacity, max_capacity)| ObservedScaling {
        min_capacity,
        max_capacity,
        targets,
    }))
}

/// Removes the policies, then the target. AWS removes a target's policies with it, but some
/// implementations (the emulator) keep them, so they are deleted first by name.
pub async fn delete(c: &Clients, spec: &ScalingSpec) -> Result<(), AwsError> {
    for p in policies(c, spec).await? {
        match c
            .appautoscaling
            .delete_scaling_policy()
            .policy_name(p.policy_name())
            .service_namespace(ServiceNamespace::from(spec.service_namespace.as_str()))
            .resource_id(&spec.resource_id)
            .scalable_dimension(ScalableDimension::from(spec.scalable_dimension.as_str()))
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) => {
                let err = aws_error("delete autoscaling policy", e);
                if err.code() != Some("ObjectNotFoundException") {
                    return Err(err);
                }
            }
        }
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
