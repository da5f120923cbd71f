//! ECS services: created only after their listener rule exists, updated with a rolling
//! deployment (forced only for a new revision or target group), settings written only when they
//! differ, deleted with force and waited for until inactive. The deployment waits are in
//! [`super::deployment`].

use aws_sdk_ecs::types::{AvailabilityZoneRebalancing, PropagateTags, SchedulingStrategy};

use super::ecs_service_settings::rebalancing;

use super::Clients;
use super::deployment::{cut_over, wait_for_steady_state};
pub use super::ecs_service_settings::ServiceSettings;
use super::ecs_service_settings::{
    deployment, load_balancers, observed_connect, observed_shift, placement, service_connect,
    settings, strategy,
};
use super::retry::{AwsError, aws_error, unless_gone};
use super::task_definition::iam_not_yet_visible;
use super::unit::{Change, Changes, Env, TagRef, TagTarget, Tags, Unit, names, read_all};
use crate::blueprint::service::{EcsServiceSpec, ServiceConnectSpec, TrafficShift};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedService {
    pub cluster: String,
    pub name: String,
    pub arn: String,
    pub status: String,
    pub task_definition: String,
    pub desired_count: i32,
    pub running_count: i32,
    pub target_group_arns: Vec<String>,
    /// How ECS shifts traffic to the alternate target group, under a shifting strategy.
    pub shift: Option<TrafficShift>,
    /// `None` when AWS does not report it (the emulator keeps it only from UpdateService).
    pub health_check_grace_period: Option<i32>,
    /// Availability Zone rebalancing; `None` when AWS does not report it.
    pub availability_zone_rebalancing: Option<bool>,
    /// ECS Exec into the service's tasks.
    pub enable_execute_command: bool,
    /// Service Connect, as the primary deployment runs it; `None`: off.
    pub service_connect: Option<ServiceConnectSpec>,
    /// Deployments: (id, status, rollout state, failed tasks).
    pub deployments: Vec<(String, String, String, i32)>,
    pub events: Vec<String>,
    /// Settings as AWS reports them; `None` where it does not.
    pub settings: Option<ServiceSettings>,
    pub tags: Tags,
}

/// Services DescribeServices takes in one call.
const DESCRIBE_LIMIT: usize = 10;

pub async fn describe(
    c: &Clients,
    cluster: &str,
    name: &str,
) -> Result<Option<ObservedService>, AwsError> {
    let names = [name.to_owned()];
    Ok(describe_many(c, cluster, &names).await?.pop().flatten())
}

/// The services of `names` on `cluster`, in order, ten per call.
pub async fn describe_many(
    c: &Clients,
    cluster: &str,
    names: &[String],
) -> Result<Vec<Option<ObservedService>>, AwsError> {
    let mut found = Vec::with_capacity(names.len());
    for chunk in names.chunks(DESCRIBE_LIMIT) {
        let answer = c
            .ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(chunk.to_vec()))
            .include(aws_sdk_ecs::types::ServiceField::Tags)
            .send()
            .await
            .map_err(|e| aws_error("describe ECS service", e));
        let Some(out) = unless_gone(answer, "ClusterNotFoundException")? else {
            found.extend(chunk.iter().map(|_| None));
            continue;
        };
        found.extend(chunk.iter().map(|name| {
            out.services()
                .iter()
                .find(|s| s.service_name() == Some(name.as_str()))
                .map(|s| observed(cluster, name, s))
        }));
    }
    Ok(found)
}

fn observed(cluster: &str, name: &str, s: &aws_sdk_ecs::types::Service) -> ObservedService {
    ObservedService {
        cluster: cluster.to_owned(),
        name: name.to_owned(),
        arn: s.service_arn().unwrap_or_default().to_owned(),
        status: s.status().unwrap_or_default().to_owned(),
        task_definition: s.task_definition().unwrap_or_default().to_owned(),
        desired_count: s.desired_count(),
        running_count: s.running_count(),
        target_group_arns: s
            .load_balancers()
            .iter()
            .filter_map(|l| l.target_group_arn().map(str::to_owned))
            .collect(),
        shift: s.load_balancers().first().and_then(observed_shift),
        health_check_grace_period: s.health_check_grace_period_seconds(),
        availability_zone_rebalancing: s
            .availability_zone_rebalancing()
            .map(|r| *r == AvailabilityZoneRebalancing::Enabled),
        enable_execute_command: s.enable_execute_command(),
        service_connect: observed_connect(s),
        deployments: s
            .deployments()
            .iter()
            .map(|d| {
                (
                    d.id().unwrap_or_default().to_owned(),
                    d.status().unwrap_or_default().to_owned(),
                    d.rollout_state()
                        .map(|r| r.as_str().to_owned())
                        .unwrap_or_default(),
                    d.failed_tasks(),
                )
            })
            .collect(),
        events: s
            .events()
            .iter()
            .take(5)
            .filter_map(|e| e.message().map(str::to_owned))
            .collect(),
        settings: settings(s),
        tags: super::tags::pairs(s.tags().iter().map(|t| (t.key(), t.value()))),
    }
}

async fn create(c: &Clients, spec: &EcsServiceSpec) -> Result<String, AwsError> {
    let task_definition = spec.task_definition_arn.as_str();
    let out = c
        .ecs
        .create_service()
        .client_token(super::retry::client_token())
        .cluster(&spec.cluster)
        .service_name(&spec.name)
        .task_definition(task_definition)
        .desired_count(spec.initial_desired_count)
        .set_capacity_provider_strategy(Some(strategy(spec)?))
        .deployment_configuration(deployment(spec)?)
        .set_placement_strategy(Some(placement(spec)))
        .set_health_check_grace_period_seconds(spec.health_check_grace_period)
        .availability_zone_rebalancing(rebalancing(spec))
        .enable_execute_command(spec.enable_execute_command)
        .set_service_connect_configuration(
            spec.service_connect
                .is_some()
                .then(|| service_connect(spec))
                .transpose()?,
        )
        .set_load_balancers(Some(load_balancers(spec)))
        .propagate_tags(PropagateTags::from(spec.propagate_tags.as_str()))
        .enable_ecs_managed_tags(spec.enable_ecs_managed_tags)
        .scheduling_strategy(SchedulingStrategy::from(spec.scheduling_strategy.as_str()))
        .set_tags(Some(super::tag_writes::ecs(&spec.tags)))
        .send()
        .await
        .map_err(|e| aws_error("create ECS service", e))?;
    out.service()
        .and_then(|s| s.service_arn())
        .map(str::to_owned)
        .ok_or_else(|| AwsError::new("create ECS service", "AWS returned no service"))
}

/// Applies `task_definition` and every deployment setting; the desired count is left to
/// autoscaling. With `new_revision`, a rolling deployment is forced; otherwise only settings
/// change and running tasks stay. With `move_load_balancer`, the service's load balancer entry
/// becomes the spec's (another target group): ECS then rolls new tasks into that group and
/// stops the old ones once the new ones are healthy.
async fn update(
    c: &Clients,
    spec: &EcsServiceSpec,
    new_revision: bool,
    move_load_balancer: bool,
    connect: bool,
) -> Result<(), AwsError> {
    let task_definition = spec.task_definition_arn.as_str();
    // An empty list removes the entry of a service that loses its route.
    let load_balancers = move_load_balancer.then(|| load_balancers(spec));
    let connect = connect.then(|| service_connect(spec)).transpose()?;
    c.ecs
        .update_service()
        .cluster(&spec.cluster)
        .service(&spec.name)
        .task_definition(task_definition)
        .set_capacity_provider_strategy(Some(strategy(spec)?))
        .deployment_configuration(deployment(spec)?)
        .set_placement_strategy(Some(placement(spec)))
        .set_health_check_grace_period_seconds(spec.health_check_grace_period)
        .availability_zone_rebalancing(rebalancing(spec))
        .enable_execute_command(spec.enable_execute_command)
        .propagate_tags(PropagateTags::from(spec.propagate_tags.as_str()))
        .enable_ecs_managed_tags(spec.enable_ecs_managed_tags)
        .set_load_balancers(load_balancers)
        .set_service_connect_configuration(connect)
        .force_new_deployment(new_revision)
        .send()
        .await
        .map_err(|e| aws_error("update ECS service", e))?;
    Ok(())
}

/// Scales to zero and deletes with force; the caller waits until the service is inactive.
async fn delete(
    c: &Clients,
    cluster: &str,
    name: &str,
    found: &ObservedService,
) -> Result<(), AwsError> {
    if found.desired_count > 0 {
        c.ecs
            .update_service()
            .cluster(cluster)
            .service(name)
            .desired_count(0)
            .send()
            .await
            .map_err(|e| aws_error("scale ECS service to zero", e))?;
    }
    c.ecs
        .delete_service()
        .cluster(cluster)
        .service(name)
        .force(true)
        .send()
        .await
        .map_err(|e| aws_error("delete ECS service", e))?;
    Ok(())
}

/// The target group load balancer entry ECS accepts only once a rule attaches the group to the
/// load balancer; until that is visible, and while new roles propagate, these errors mean "not
/// yet".
fn no_load_balancer_yet(e: &AwsError) -> bool {
    e.message
        .contains("does not have an associated load balancer")
        || iam_not_yet_visible(e)
}

/// Where a service is found: its cluster and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceKey {
    pub cluster: String,
    pub name: String,
}

pub struct EcsService;

read_all! {
    /// The services of each cluster ten per call; an inactive service counts as none.
    EcsService: "ECS service", ServiceKey => ObservedService,
    gathers: true,
    |env, keys| {
        let mut found = vec![None; keys.len()];
        let mut clusters: Vec<&str> = keys.iter().map(|k| k.cluster.as_str()).collect();
        clusters.sort_unstable();
        clusters.dedup();
        for cluster in clusters {
            let (at, names): (Vec<usize>, Vec<String>) = keys
                .iter()
                .enumerate()
                .filter(|(_, k)| k.cluster == cluster)
                .map(|(i, k)| (i, k.name.clone()))
                .unzip();
            let services = describe_many(env.c(), cluster, &names).await?;
            for (i, service) in at.into_iter().zip(services) {
                found[i] = service.filter(|s| s.status != "INACTIVE");
            }
        }
        Ok(found)
    }
}

impl Unit for EcsService {
    type Desired = EcsServiceSpec;

    fn diff(desired: &EcsServiceSpec, observed: &ObservedService) -> Vec<Change> {
        Changes::new()
            .check(
                "task_definition",
                observed.task_definition != desired.task_definition_arn,
            )
            .check(
                "load_balancer",
                observed.target_group_arns
                    != desired
                        .target_group_arn()
                        .map(str::to_owned)
                        .into_iter()
                        .collect::<Vec<_>>()
                    || observed.shift
                        != desired.load_balancer.as_ref().and_then(|l| l.shift.clone()),
            )
            .check(
                "settings",
                observed
                    .settings
                    .as_ref()
                    .is_some_and(|s| *s != ServiceSettings::of(desired))
                    || observed
                        .health_check_grace_period
                        .zip(desired.health_check_grace_period)
                        .is_some_and(|(have, want)| have != want)
                    || observed
                        .availability_zone_rebalancing
                        .is_some_and(|r| r != desired.availability_zone_rebalancing),
            )
            .check(
                "execute_command",
                observed.enable_execute_command != desired.enable_execute_command,
            )
            .check(
                "service_connect",
                observed.service_connect != desired.service_connect,
            )
            .check("traffic", desired.cutover.is_some())
            .done()
    }

    async fn create(
        env: &Env,
        key: &ServiceKey,
        desired: &EcsServiceSpec,
    ) -> Result<ObservedService, AwsError> {
        env.budget
            .retry_while(no_load_balancer_yet, || create(env.c(), desired))
            .await?;
        if desired.wait_for_steady_state {
            wait_for_steady_state(env, desired).await?;
        }
        describe(env.c(), &key.cluster, &key.name)
            .await?
            .ok_or_else(|| {
                AwsError::new("create ECS service", "the new service cannot be read back")
            })
    }

    async fn update(
        env: &Env,
        desired: &EcsServiceSpec,
        _: &ObservedService,
        changes: &[Change],
    ) -> Result<ObservedService, AwsError> {
        // Tasks take up an Exec or Service Connect change only when they start: the running
        // ones are replaced.
        let connect = names(changes, "service_connect");
        let new_revision =
            names(changes, "task_definition") || names(changes, "execute_command") || connect;
        let move_load_balancer = names(changes, "load_balancer");
        if new_revision || move_load_balancer || names(changes, "settings") {
            env.budget
                .retry_while(no_load_balancer_yet, || {
                    update(env.c(), desired, new_revision, move_load_balancer, connect)
                })
                .await?;
        }
        if let Some(cutover) = &desired.cutover {
            cut_over(env, desired, cutover).await?;
        } else if desired.wait_for_steady_state && (new_revision || move_load_balancer) {
            wait_for_steady_state(env, desired).await?;
        }
        describe(env.c(), &desired.cluster, &desired.name)
            .await?
            .ok_or_else(|| AwsError::new("update ECS service", "the service disappeared"))
    }

    /// Scaled to zero, deleted with force, waited for until inactive.
    async fn delete(env: &Env, observed: &ObservedService) -> Result<(), AwsError> {
        let (cluster, name) = (observed.cluster.as_str(), observed.name.as_str());
        delete(env.c(), cluster, name, observed).await?;
        env.budget
            .wait_until("the ECS service to become inactive", || async {
                Ok(describe(env.c(), cluster, name)
                    .await?
                    .is_none_or(|s| s.status == "INACTIVE"))
            })
            .await
    }

    fn desired_tags(desired: &EcsServiceSpec) -> Option<Tags> {
        Some(desired.tags.clone())
    }

    fn tags(observed: &ObservedService) -> Option<TagRef> {
        Some(TagRef {
            target: TagTarget::Ecs(observed.arn.clone()),
            known: Some(observed.tags.clone()),
        })
    }
}
