//! Application Auto Scaling of a service's task count: the scalable target and its two
//! target-tracking policies, read together, written together, deleted policies first.

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalingPolicy,
    ServiceNamespace, TargetTrackingScalingPolicyConfiguration,
};

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::{Change, Changes, Env, Unit, read_all};
use crate::blueprint::service::{
    ScalingSpec, TargetTrackingSpec, owned_policy, owned_policy_names,
};

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

/// The scaling policies of the target, page by page.
async fn policies(c: &Clients, spec: &ScalingSpec) -> Result<Vec<ScalingPolicy>, AwsError> {
    policies_where(c, &spec.service_namespace, Some(&spec.resource_id), None).await
}

/// The policies of `namespace`, of one target or of some names, page by page (AWS answers ten
/// per page at most).
async fn policies_where(
    c: &Clients,
    namespace: &str,
    resource_id: Option<&str>,
    names: Option<Vec<String>>,
) -> Result<Vec<ScalingPolicy>, AwsError> {
    let mut found = Vec::new();
    let mut token = None;
    loop {
        let out = c
            .appautoscaling
            .describe_scaling_policies()
            .service_namespace(ServiceNamespace::from(namespace))
            .set_resource_id(resource_id.map(str::to_owned))
            .set_policy_names(names.clone())
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| aws_error("describe autoscaling policies", e))?;
        found.extend(out.scaling_policies().iter().cloned());
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => return Ok(found),
        }
    }
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
    Ok(assemble(spec, bounds, &policies))
}

/// Scalable targets DescribeScalableTargets is asked for in one call.
const TARGETS_LIMIT: usize = 50;

/// The targets of `specs`, in order: the targets fifty per call, and the provider's policies
/// by name instead of one call per target.
async fn observe_many(
    c: &Clients,
    specs: &[ScalingSpec],
) -> Result<Vec<Option<ObservedScaling>>, AwsError> {
    if let [one] = specs {
        return Ok(vec![observe(c, one).await?]);
    }
    let mut found = vec![None; specs.len()];
    let mut namespaces: Vec<&str> = specs.iter().map(|s| s.service_namespace.as_str()).collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    for namespace in namespaces {
        let at: Vec<usize> = (0..specs.len())
            .filter(|i| specs[*i].service_namespace == namespace)
            .collect();
        let ids: Vec<String> = at.iter().map(|i| specs[*i].resource_id.clone()).collect();
        let (targets, policies) = tokio::try_join!(
            targets(c, namespace, &ids),
            owned_policies(c, namespace, &ids)
        )?;
        for i in at {
            let spec = &specs[i];
            let bounds = targets
                .iter()
                .find(|t| t.resource_id() == spec.resource_id)
                .map(|t| (t.min_capacity(), t.max_capacity()));
            let own: Vec<ScalingPolicy> = policies
                .iter()
                .filter(|p| p.resource_id() == spec.resource_id)
                .cloned()
                .collect();
            found[i] = assemble(spec, bounds, &own);
        }
    }
    Ok(found)
}

/// The scalable targets of `ids` in `namespace`.
async fn targets(
    c: &Clients,
    namespace: &str,
    ids: &[String],
) -> Result<Vec<aws_sdk_applicationautoscaling::types::ScalableTarget>, AwsError> {
    let mut found = Vec::new();
    for chunk in ids.chunks(TARGETS_LIMIT) {
        let mut token = None;
        loop {
            let out = c
                .appautoscaling
                .describe_scalable_targets()
                .service_namespace(ServiceNamespace::from(namespace))
                .set_resource_ids(Some(chunk.to_vec()))
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| aws_error("describe the autoscaling targets", e))?;
            found.extend(out.scalable_targets().iter().cloned());
            match out.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => break,
            }
        }
    }
    Ok(found)
}

/// Names DescribeScalingPolicies is asked for in one call.
const NAMES_LIMIT: usize = 50;

/// The provider's policies on the targets `ids` of `namespace`: asked for by the names they can
/// have (a user's own policies on the targets are not the provider's to read), kept when they
/// are on one of the targets.
async fn owned_policies(
    c: &Clients,
    namespace: &str,
    ids: &[String],
) -> Result<Vec<ScalingPolicy>, AwsError> {
    let mut names: Vec<String> = ids.iter().flat_map(|id| owned_policy_names(id)).collect();
    names.sort_unstable();
    names.dedup();
    let mut found = Vec::new();
    for chunk in names.chunks(NAMES_LIMIT) {
        let page = policies_where(c, namespace, None, Some(chunk.to_vec())).await?;
        found.extend(
            page.into_iter()
                .filter(|p| ids.iter().any(|id| id == p.resource_id())),
        );
    }
    Ok(found)
}

/// The target of `spec` from its bounds (`None`: not registered) and its policies.
fn assemble(
    spec: &ScalingSpec,
    bounds: Option<(i32, i32)>,
    policies: &[ScalingPolicy],
) -> Option<ObservedScaling> {
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
    bounds.map(|(min_capacity, max_capacity)| ObservedScaling {
        target: spec.clone(),
        min_capacity,
        max_capacity,
        targets: policies
            .iter()
            .map(|p| (p.predefined_metric.clone(), p.target_value))
            .collect(),
        policies,
    })
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
    let sent = c
        .appautoscaling
        .delete_scaling_policy()
        .policy_name(name)
        .service_namespace(ServiceNamespace::from(spec.service_namespace.as_str()))
        .resource_id(&spec.resource_id)
        .scalable_dimension(ScalableDimension::from(spec.scalable_dimension.as_str()))
        .send()
        .await;
    gone_is_fine(sent.map_err(|e| aws_error("delete autoscaling policy", e)))
}

/// Deregisters the target. AWS deletes its scaling policies (and their alarms) and scheduled
/// actions with it; a target already gone is fine.
async fn delete(c: &Clients, spec: &ScalingSpec) -> Result<(), AwsError> {
    let sent = c
        .appautoscaling
        .deregister_scalable_target()
        .service_namespace(ServiceNamespace::from(spec.service_namespace.as_str()))
        .resource_id(&spec.resource_id)
        .scalable_dimension(ScalableDimension::from(spec.scalable_dimension.as_str()))
        .send()
        .await;
    gone_is_fine(sent.map_err(|e| aws_error("deregister the autoscaling target", e)))
}

/// A delete whose object AWS no longer has (ObjectNotFoundException) has done its job.
fn gone_is_fine<T>(result: Result<T, AwsError>) -> Result<(), AwsError> {
    match result {
        Err(e) if e.code() != Some("ObjectNotFoundException") => Err(e),
        _ => Ok(()),
    }
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
read_all! {
    /// Many targets in a few calls (see `observe_many`).
    Scaling: "autoscaling target", ScalingSpec => ObservedScaling,
    gathers: true,
    |env, keys| {
        observe_many(env.c(), keys).await
    }
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
