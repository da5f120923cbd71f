//! The cluster's capacity providers and default strategy: exactly the cluster's own provider.
//! Read from the cluster's description (shared with [`super::ecs_cluster`], one call), written
//! with PutClusterCapacityProviders, which ECS refuses while a previous change settles.

use aws_sdk_ecs::types::CapacityProviderStrategyItem;

use super::Clients;
use super::ecs_cluster::{describe_shared, shared_key};
use super::retry::{AwsError, aws_error};
use super::unit::{Change, Changes, Env, Unit, read_all};
use crate::blueprint::cluster::ClusterCapacitySpec;

/// The providers a cluster uses and its default strategy (provider, weight, base).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedCapacity {
    pub cluster: String,
    pub providers: Vec<String>,
    pub strategy: Vec<(String, i32, i32)>,
}

/// ECS refuses capacity provider changes while a previous one is still being applied.
pub fn update_in_progress(e: &AwsError) -> bool {
    matches!(
        e.code(),
        Some("UpdateInProgressException") | Some("ResourceInUseException")
    )
}

/// A change that is refused only until an earlier one settles.
pub fn settling(e: &AwsError) -> bool {
    e.code() == Some("UpdateInProgressException")
}

/// A capacity provider in a default strategy: its name, weight and base.
pub type StrategyItem<'a> = (&'a str, i32, i32);

/// Makes `item`'s provider the cluster's only capacity provider and `item` its default
/// strategy; with `None`, detaches every capacity provider.
async fn set_capacity_provider(
    c: &Clients,
    cluster: &str,
    item: Option<StrategyItem<'_>>,
) -> Result<(), AwsError> {
    let step = "associate the capacity provider with the cluster";
    let mut req = c
        .ecs
        .put_cluster_capacity_providers()
        .cluster(cluster)
        .set_capacity_providers(Some(
            item.iter().map(|(cp, _, _)| (*cp).to_owned()).collect(),
        ))
        .set_default_capacity_provider_strategy(Some(Vec::new()));
    if let Some((cp, weight, base)) = item {
        let item = CapacityProviderStrategyItem::builder()
            .capacity_provider(cp)
            .weight(weight)
            .base(base)
            .build()
            .map_err(|e| AwsError::new(step, e.to_string()))?;
        req = req.set_default_capacity_provider_strategy(Some(vec![item]));
    }
    req.send().await.map_err(|e| aws_error(step, e))?;
    Ok(())
}

/// Attaches `item`'s provider as the cluster's only provider and default strategy (`None`:
/// detaches every provider), retrying while `retryable` says the refusal is passing.
pub async fn attach(
    env: &Env,
    cluster: &str,
    item: Option<StrategyItem<'_>>,
    retryable: fn(&AwsError) -> bool,
) -> Result<(), AwsError> {
    env.budget
        .retry_while(retryable, || set_capacity_provider(env.c(), cluster, item))
        .await?;
    env.forget(&shared_key(cluster));
    Ok(())
}

pub struct ClusterCapacity;

read_all! {
    ClusterCapacity: "cluster capacity providers", String => ObservedCapacity,
    |env, keys| {
        let mut out = Vec::new();
        for cluster in keys {
            out.push(
                describe_shared(env, cluster)
                    .await?
                    .map(|c| ObservedCapacity {
                        cluster: cluster.clone(),
                        providers: c.capacity_providers,
                        strategy: c.default_strategy_items,
                    }),
            );
        }
        Ok(out)
}
}

fn wanted(spec: &ClusterCapacitySpec) -> (Vec<String>, Vec<(String, i32, i32)>) {
    (
        vec![spec.capacity_provider.clone()],
        vec![(spec.capacity_provider.clone(), spec.weight, spec.base)],
    )
}

impl Unit for ClusterCapacity {
    type Desired = ClusterCapacitySpec;

    fn diff(desired: &ClusterCapacitySpec, observed: &ObservedCapacity) -> Vec<Change> {
        let (providers, strategy) = wanted(desired);
        Changes::new()
            .check("capacity_providers", observed.providers != providers)
            .check("default_strategy", observed.strategy != strategy)
            .done()
    }

    async fn create(
        env: &Env,
        _: &String,
        desired: &ClusterCapacitySpec,
    ) -> Result<ObservedCapacity, AwsError> {
        attach(
            env,
            &desired.cluster,
            Some((&desired.capacity_provider, desired.weight, desired.base)),
            update_in_progress,
        )
        .await?;
        let (providers, strategy) = wanted(desired);
        Ok(ObservedCapacity {
            cluster: desired.cluster.clone(),
            providers,
            strategy,
        })
    }

    async fn update(
        env: &Env,
        desired: &ClusterCapacitySpec,
        _: &ObservedCapacity,
        _: &[Change],
    ) -> Result<ObservedCapacity, AwsError> {
        Self::create(env, &desired.cluster, desired).await
    }

    /// Detaches every provider: a provider still attached cannot be deleted. ECS refuses while
    /// tasks run on it; that ends the delete at once.
    async fn delete(env: &Env, observed: &ObservedCapacity) -> Result<(), AwsError> {
        if observed.providers.is_empty() && observed.strategy.is_empty() {
            return Ok(());
        }
        attach(env, &observed.cluster, None, settling).await
    }
}
