//! Creating, updating, reading and deleting a service on a cluster's shared load balancer.
//!
//! Order: log group, roles and target group (concurrently), then the task definition and the
//! listener rule, then the ECS service (only once its rule exists, so the target group has a
//! load balancer), then autoscaling and DNS. A failure returns the state of what exists.
//!
//! A `container_port` change moves the service to a new target group without downtime (target
//! group ports cannot change): the new group is created beside the old one and joins the rule
//! with weight 0, the service moves into it with the new revision, the rule sends it all the
//! traffic once a new task is healthy there, and the old group is deleted last. Until then the
//! state records both groups, so a failed apply is finished by the next one and destroy removes
//! both.
//!
//! Refresh reads every recorded object in one round of concurrent calls and shows each setting
//! changed outside Terraform on the user's attribute, so the plan puts it back.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use ecsprod_cty::Value;

use crate::aws::retry::{AwsError, retry_while};
use crate::aws::{
    Clients, dns, ecs_cluster, ecs_service, iam_role, load_balancer, log_group, scaling,
    secret_keys, target_group, task_definition,
};
use crate::blueprint::cluster as cluster_bp;
use crate::blueprint::service::{self as bp, AutoscalingInput, ServiceInput};
use crate::engine::{self, Progress};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::provider::{ApplyOutput, CallContext, ReadOutput};
use crate::resources::Context;
use crate::resources::fields::{self, Field};

use super::TYPE_NAME;

/// Bound of every wait and retry of one operation.
const OPERATION_LIMIT: Duration = Duration::from_secs(30 * 60);

/// What exists, as recorded by the steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ids {
    pub arn: Option<String>,
    pub task_definition_arn: Option<String>,
    pub target_group_arn: Option<String>,
    /// Earlier target groups that still exist (an unfinished move to `target_group_arn`).
    pub previous_target_group_arns: Vec<String>,
    pub listener_rule_arn: Option<String>,
    pub execution_role_arn: Option<String>,
    pub task_role_arn: Option<String>,
    pub log_group_name: Option<String>,
}

impl Ids {
    /// Records the service's target group; the one recorded before, if another, becomes a
    /// previous one until it is deleted.
    pub fn use_target_group(&mut self, arn: String) {
        if let Some(old) = self.target_group_arn.replace(arn.clone())
            && old != arn
            && !self.previous_target_group_arns.contains(&old)
        {
            self.previous_target_group_arns.push(old);
        }
        self.previous_target_group_arns.retain(|p| *p != arn);
    }
}

const PREVIOUS_TARGET_GROUPS: &str = "previous_target_group_arns";

fn string_list(items: &[String]) -> Value {
    if items.is_empty() {
        Value::Null
    } else {
        Value::list(items.iter().cloned().map(Value::string).collect())
    }
}

/// Plans `previous_target_group_arns`: unknown when the apply may change it (a move to a new
/// target group is planned, or an unfinished one is recorded), null otherwise.
pub fn plan_previous_target_groups(prior: &Value, planned: &mut Value) {
    let recorded = prior
        .get_attr(PREVIOUS_TARGET_GROUPS)
        .is_some_and(|v| !v.is_null());
    let moving = !prior.is_null()
        && planned
            .get_attr("target_group_arn")
            .is_some_and(|v| !v.is_known());
    let value = if recorded || moving {
        Value::unknown()
    } else {
        Value::Null
    };
    set(planned, PREVIOUS_TARGET_GROUPS, value);
}

fn set(state: &mut Value, attr: &str, value: Value) {
    if let Some(slot) = state.get_attr_mut(attr) {
        *slot = value;
    }
}

fn opt(v: Option<&String>) -> Value {
    v.map_or(Value::Null, |s| Value::string(s.clone()))
}

fn state_from(planned: &Value, ids: &Ids) -> Value {
    let mut state = planned.clone();
    for (attr, value) in [
        ("arn", &ids.arn),
        ("task_definition_arn", &ids.task_definition_arn),
        ("target_group_arn", &ids.target_group_arn),
        ("listener_rule_arn", &ids.listener_rule_arn),
        ("execution_role_arn", &ids.execution_role_arn),
        ("task_role_arn", &ids.task_role_arn),
        ("log_group_name", &ids.log_group_name),
    ] {
        set(&mut state, attr, opt(value.as_ref()));
    }
    set(
        &mut state,
        PREVIOUS_TARGET_GROUPS,
        string_list(&ids.previous_target_group_arns),
    );
    state
}

fn ids_from(state: &Value) -> Ids {
    let s = |a: &str| fields::string(state, a).known().cloned();
    Ids {
        arn: s("arn"),
        task_definition_arn: s("task_definition_arn"),
        target_group_arn: s("target_group_arn"),
        previous_target_group_arns: fields::string_list(state, PREVIOUS_TARGET_GROUPS)
            .known()
            .map(|items| items.iter().filter_map(|i| i.known().cloned()).collect())
            .unwrap_or_default(),
        listener_rule_arn: s("listener_rule_arn"),
        execution_role_arn: s("execution_role_arn"),
        task_role_arn: s("task_role_arn"),
        log_group_name: s("log_group_name"),
    }
}

/// The cluster a service runs on, as AWS reports it.
struct ClusterFacts {
    account_id: String,
    vpc_id: String,
    https_listener_arn: String,
    alb_dns_name: String,
    alb_zone_id: String,
    capacity_provider: String,
}

async fn cluster_facts(c: &Clients, cluster: &str) -> Result<ClusterFacts, AwsError> {
    let step = "read the cluster the service runs on";
    let names = cluster_bp::names(cluster);
    let ecs = ecs_cluster::describe(c, cluster)
        .await?
        .ok_or_else(|| AwsError::new(step, format!("no active ECS cluster named {cluster:?}")))?;
    let lb = load_balancer::describe(c, &names.load_balancer)
        .await?
        .ok_or_else(|| {
            AwsError::new(
                step,
                format!(
                    "cluster {cluster:?} has no load balancer {}",
                    names.load_balancer
                ),
            )
        })?;
    let https = load_balancer::listeners(c, &lb.arn)
        .await?
        .into_iter()
        .find(|l| l.port == 443)
        .ok_or_else(|| AwsError::new(step, format!("cluster {cluster:?} has no HTTPS listener")))?;
    let account_id = ecs.arn.split(':').nth(4).unwrap_or_default().to_owned();
    Ok(ClusterFacts {
        account_id,
        vpc_id: lb.vpc_id,
        https_listener_arn: https.arn,
        alb_dns_name: lb.dns_name,
        alb_zone_id: lb.zone_id,
        capacity_provider: ecs
            .default_strategy
            .first()
            .cloned()
            .unwrap_or(names.capacity_provider),
    })
}

fn known_map(v: &Field<BTreeMap<String, Field<String>>>) -> BTreeMap<String, String> {
    v.known()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.known()?.clone())))
                .collect()
        })
        .unwrap_or_default()
}

fn int(v: &Field<i64>, default: i32) -> i32 {
    v.known()
        .and_then(|n| i32::try_from(*n).ok())
        .unwrap_or(default)
}

/// The blueprint input from a planned value and the cluster's facts.
fn input_from(
    planned: &Value,
    c: &Clients,
    facts: &ClusterFacts,
) -> Result<ServiceInput, Diagnostics> {
    let s = super::config::ServiceConfig::from_value(planned);
    let missing = |what: &str| {
        Diagnostics::from(Diagnostic::error(
            "Value not known at apply time",
            format!("{what} must be known when the service is applied."),
        ))
    };
    let autoscaling = match &s.autoscaling {
        Field::Known(a) => AutoscalingInput {
            min_capacity: int(&a.min_capacity, 2),
            max_capacity: int(&a.max_capacity, 10),
            cpu_target: int(&a.cpu_target, 60),
            memory_target: int(&a.memory_target, 75),
        },
        _ => return Err(missing("autoscaling")),
    };
    Ok(ServiceInput {
        cluster: s
            .cluster
            .known()
            .cloned()
            .ok_or_else(|| missing("cluster"))?,
        name: s.name.known().cloned().ok_or_else(|| missing("name"))?,
        image: s.image.known().cloned().ok_or_else(|| missing("image"))?,
        container_port: int(&s.container_port, 0),
        domain_name: s
            .domain_name
            .known()
            .cloned()
            .ok_or_else(|| missing("domain_name"))?,
        zone_id: s.zone_id.known().cloned(),
        cpu: int(&s.cpu, 256),
        memory: int(&s.memory, 512),
        desired_count: int(&s.desired_count, 2),
        environment: known_map(&s.environment),
        secrets: known_map(&s.secrets),
        health_check_path: s
            .health_check_path
            .known()
            .cloned()
            .unwrap_or_else(|| "/".into()),
        health_check_matcher: s
            .health_check_matcher
            .known()
            .cloned()
            .unwrap_or_else(|| "200-399".into()),
        deregistration_delay: int(&s.deregistration_delay, 30),
        health_check_grace_period: int(&s.health_check_grace_period, 60),
        autoscaling,
        log_retention_days: int(&s.log_retention_days, 30),
        task_role_policy_json: s.task_role_policy_json.known().cloned(),
        tags: known_map(&fields::string_map(planned, "tags_all")),
        region: c.region.clone(),
        account_id: facts.account_id.clone(),
        partition: c.partition.clone(),
    })
}

/// IAM changes take time to reach ECS: these errors mean "not yet".
fn iam_not_yet_visible(e: &AwsError) -> bool {
    let m = e.message.to_ascii_lowercase();
    m.contains("unable to assume")
        || m.contains("role is not valid")
        || m.contains("not authorized to perform: iam:passrole")
}

/// The target group is attached to the load balancer through the rule; until that is visible,
/// CreateService refuses it.
fn no_load_balancer_yet(e: &AwsError) -> bool {
    e.message
        .contains("does not have an associated load balancer")
        || iam_not_yet_visible(e)
}

type Step<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), AwsError>> + Send + 'a>>;

pub async fn reconcile(
    ctx: &Context,
    call: &CallContext,
    prior: &Value,
    planned: &Value,
) -> ApplyOutput {
    let fail = |d: Diagnostics| ApplyOutput {
        new_state: prior.clone(),
        private: Vec::new(),
        diagnostics: d,
    };
    let c = match ctx.clients().await {
        Ok(c) => c,
        Err(d) => return fail(d),
    };
    let cluster = fields::string(planned, "cluster")
        .known()
        .cloned()
        .unwrap_or_default();
    let facts = match cluster_facts(c, &cluster).await {
        Ok(f) => f,
        Err(e) => return fail(engine::diagnostics(TYPE_NAME, &[e])),
    };
    let input = match input_from(planned, c, &facts) {
        Ok(i) => i,
        Err(d) => return fail(d),
    };
    let progress = Progress::new(if prior.is_null() {
        Ids::default()
    } else {
        ids_from(prior)
    });
    let wait = fields::boolean(planned, "wait_for_steady_state")
        .known()
        .copied()
        .unwrap_or(true);
    let result = run(c, call, &facts, &input, wait, &progress).await;
    // A failed update records the IDs of what exists but keeps the prior settings, so the next
    // plan shows again whatever was not applied. A failed create records what exists.
    let settings = if result.is_err() && !prior.is_null() {
        prior
    } else {
        planned
    };
    let new_state = state_from(settings, &progress.snapshot());
    ApplyOutput {
        new_state,
        private: Vec::new(),
        diagnostics: match result {
            Ok(()) => Diagnostics::new(),
            Err(errors) => engine::diagnostics(TYPE_NAME, &errors),
        },
    }
}

async fn run(
    c: &Clients,
    call: &CallContext,
    facts: &ClusterFacts,
    input: &ServiceInput,
    wait: bool,
    progress: &Progress<Ids>,
) -> Result<(), Vec<AwsError>> {
    let deadline = Instant::now() + OPERATION_LIMIT;
    let remaining = || deadline.saturating_duration_since(Instant::now());
    let names = bp::names(&input.cluster, &input.name);
    let tags = bp::tags(input);
    let trust = bp::ecs_tasks_trust_policy(input).to_string();

    // Phase 1: logs, both roles and the target group.
    let logs = async {
        let spec = bp::log_group(input);
        log_group::ensure(c, &spec.name, spec.retention_days, &spec.tags).await?;
        progress.record(|ids| ids.log_group_name = Some(spec.name.clone()));
        Ok(())
    };
    let execution_role = async {
        let secrets: Vec<bp::SecretKind> = input
            .secrets
            .values()
            .filter_map(|a| bp::secret_kind(a))
            .collect();
        let keys = secret_keys::kms_keys(c, &secrets).await?;
        let inline: Vec<(String, String)> = bp::execution_role_policy(input, &keys)
            .map(|doc| vec![(names.execution_role_policy.clone(), doc.to_string())])
            .unwrap_or_default();
        let arn = iam_role::ensure_task_role(
            c,
            &names.execution_role,
            &trust,
            &bp::execution_role_managed_policies(&input.partition),
            &inline,
            &tags,
        )
        .await?;
        progress.record(|ids| ids.execution_role_arn = Some(arn));
        Ok(())
    };
    let task_role = async {
        let inline: Vec<(String, String)> = input
            .task_role_policy_json
            .iter()
            .map(|doc| (names.task_role_policy.clone(), doc.clone()))
            .collect();
        let arn =
            iam_role::ensure_task_role(c, &names.task_role, &trust, &[], &inline, &tags).await?;
        progress.record(|ids| ids.task_role_arn = Some(arn));
        Ok(())
    };
    let generation = bp::target_group_generation(input);
    let tg_spec = bp::target_group(input, &facts.vpc_id, &generation);
    let group = async {
        let arn = target_group::ensure(c, &tg_spec).await?;
        progress.record(|ids| ids.use_target_group(arn));
        Ok(())
    };
    engine::phase(vec![
        Box::pin(logs) as Step<'_>,
        Box::pin(execution_role),
        Box::pin(task_role),
        Box::pin(group),
    ])
    .await?;
    let ids = progress.snapshot();
    let tg_arn = ids.target_group_arn.clone().unwrap_or_default();
    let retiring: BTreeSet<String> = ids.previous_target_group_arns.iter().cloned().collect();

    // Phase 2: the task definition (a new revision only on a real change) and the rule. While
    // an earlier target group still serves, the new one joins the rule without traffic.
    let td_spec = bp::task_definition(
        input,
        ids.execution_role_arn.as_deref().unwrap_or_default(),
        ids.task_role_arn.as_deref().unwrap_or_default(),
    );
    let prior_td = ids.task_definition_arn.clone();
    let definition = async {
        let current = match &prior_td {
            Some(arn) => task_definition::describe(c, arn).await?,
            None => None,
        };
        let arn = match (prior_td.clone(), current) {
            (Some(arn), Some(observed)) if bp::task_definition_matches(&td_spec, &observed) => arn,
            _ => {
                retry_while(&call.cancel, remaining(), iam_not_yet_visible, || {
                    task_definition::register(c, &td_spec)
                })
                .await?
            }
        };
        progress.record(|ids| ids.task_definition_arn = Some(arn));
        Ok::<(), AwsError>(())
    };
    let key = bp::service_key(&input.cluster, &input.name);
    let known_rule = ids.listener_rule_arn.clone();
    let rule = async {
        let mut groups = vec![tg_arn.clone()];
        groups.extend(retiring.iter().cloned());
        let existing =
            target_group::find_rule(c, &facts.https_listener_arn, known_rule.as_deref(), &groups)
                .await?;
        let serving = existing
            .as_ref()
            .map(target_group::ObservedRule::serving)
            .unwrap_or_default();
        let spec = bp::listener_rule(input, bp::rule_forward(&tg_arn, &retiring, &serving));
        let arn = target_group::put_rule(
            c,
            &facts.https_listener_arn,
            existing.as_ref(),
            &spec,
            |taken| bp::listener_rule_priority(&key, taken),
        )
        .await?;
        progress.record(|ids| ids.listener_rule_arn = Some(arn.clone()));
        Ok::<(String, bool), AwsError>((arn, spec.forwards_only_to(&tg_arn)))
    };
    let (defined, ruled) = tokio::join!(definition, rule);
    let (rule_arn, switched) = match (defined, ruled) {
        (Ok(()), Ok(r)) => r,
        (d, r) => return Err(d.err().into_iter().chain(r.err()).collect()),
    };
    let td_arn = progress.snapshot().task_definition_arn.unwrap_or_default();

    // Phase 3: the service, after its rule exists.
    let svc_spec = bp::service(input, &facts.capacity_provider, &tg_arn);
    let service_step = async {
        let existing = ecs_service::describe(c, &input.cluster, &input.name).await?;
        let arn = match existing.filter(|s| s.status != "INACTIVE") {
            Some(found) => {
                // Settings (capacity strategy, deployment, grace period) are sent on every
                // update; a rolling deployment only comes with a new revision or target group.
                let new_revision = found.task_definition != td_arn;
                let move_load_balancer = found.target_group_arns != [tg_arn.clone()];
                retry_while(&call.cancel, remaining(), no_load_balancer_yet, || {
                    ecs_service::update(c, &svc_spec, &td_arn, new_revision, move_load_balancer)
                })
                .await?;
                found.arn
            }
            None => {
                retry_while(&call.cancel, remaining(), no_load_balancer_yet, || {
                    ecs_service::create(c, &svc_spec, &td_arn)
                })
                .await?
            }
        };
        progress.record(|ids| ids.arn = Some(arn));
        if !switched {
            // Zero downtime: traffic moves once tasks pass health checks in the new group.
            wait_for_new_targets(c, call, deadline, input, &td_arn, &tg_arn).await?;
            let only_new = bp::listener_rule(input, vec![bp::WeightedTarget::new(&tg_arn, 1)]);
            target_group::modify_rule(c, &rule_arn, &only_new).await?;
        }
        if wait
            && let Err(e) =
                wait_for_steady_state(c, call, deadline, &input.cluster, &input.name, &td_arn).await
        {
            if !switched {
                follow_rollback(c, input, &rule_arn, &tg_arn, &retiring).await;
            }
            return Err(e);
        }
        Ok::<(), AwsError>(())
    };
    service_step.await.map_err(|e| vec![e])?;

    // Phase 4: autoscaling, DNS and the removal of the earlier target groups, concurrently;
    // then old revisions go.
    let scaling_spec = bp::scaling(input);
    let alias = bp::alias_record(input, &facts.alb_dns_name, &facts.alb_zone_id);
    let autoscale = async { scaling::ensure(c, &scaling_spec).await };
    let record = async {
        match &alias {
            Some(spec) => dns::ensure(c, spec).await,
            None => Ok(()),
        }
    };
    let retire = async {
        for old in &retiring {
            target_group::delete(c, old).await?;
            progress.record(|ids| ids.previous_target_group_arns.retain(|p| p != old));
        }
        Ok(())
    };
    engine::phase(vec![
        Box::pin(autoscale) as Step<'_>,
        Box::pin(record),
        Box::pin(retire),
    ])
    .await?;
    let family = names.task_family.clone();
    let cleanup = async {
        for old in task_definition::revisions(c, &family).await? {
            if old != td_arn {
                task_definition::deregister(c, &old).await?;
            }
        }
        Ok::<(), AwsError>(())
    };
    cleanup.await.map_err(|e| vec![e])
}

/// Whether the service has finished deploying `task_definition`: the deployment of that revision
/// is the only one and all its tasks run. Fails with the service's events when the circuit
/// breaker rolled a deployment back.
fn deployment_done(
    s: &ecs_service::ObservedService,
    task_definition: &str,
    step: &str,
) -> Result<bool, AwsError> {
    if let Some((_, _, rollout, failed)) = s.deployments.iter().find(|d| d.2 == "FAILED") {
        return Err(AwsError::new(
            step,
            format!(
                "the deployment failed ({rollout}, {failed} failed tasks) and the circuit breaker rolled it back. Recent service events:\n  {}",
                s.events.join("\n  ")
            ),
        ));
    }
    Ok(s.task_definition == task_definition
        && s.deployments.len() <= 1
        && s.running_count == s.desired_count)
}

/// Sleeps `delay` unless Terraform cancels the operation first.
async fn pause(call: &CallContext, step: &str, delay: Duration) -> Result<(), AwsError> {
    tokio::select! {
        _ = call.cancel.cancelled() => Err(AwsError::new(step, "cancelled by Terraform")),
        _ = tokio::time::sleep(delay) => Ok(()),
    }
}

/// Waits until a task passes health checks in the new target group `target_group`, so the rule
/// can move the traffic there (or, where target health is not reported, until the deployment
/// has finished). Polled every 1-2 s: the sooner the rule moves, the less the old tasks draining
/// matters.
async fn wait_for_new_targets(
    c: &Clients,
    call: &CallContext,
    deadline: Instant,
    input: &ServiceInput,
    task_definition: &str,
    target_group: &str,
) -> Result<(), AwsError> {
    let step = "wait for the new tasks to pass health checks in the new target group";
    let mut delay = Duration::from_millis(500);
    loop {
        if target_group::healthy_targets(c, target_group).await? > 0 {
            return Ok(());
        }
        let s = ecs_service::describe(c, &input.cluster, &input.name)
            .await?
            .ok_or_else(|| AwsError::new(step, "the service disappeared"))?;
        if deployment_done(&s, task_definition, step)? {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(AwsError::new(
                step,
                "no task became healthy in the new target group in time; the old one still receives the traffic",
            ));
        }
        pause(call, step, delay).await?;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}

/// After a failed deployment during a target group move: if the circuit breaker put the service
/// back on an earlier group, the rule follows it there (the new group stays attached without
/// traffic), so the rollback does not leave the host without healthy targets.
async fn follow_rollback(
    c: &Clients,
    input: &ServiceInput,
    rule_arn: &str,
    target_group: &str,
    retiring: &BTreeSet<String>,
) {
    let Ok(Some(s)) = ecs_service::describe(c, &input.cluster, &input.name).await else {
        return;
    };
    let forward = bp::rule_forward(target_group, retiring, &s.target_group_arns);
    if forward.len() > 1
        && let Err(e) =
            target_group::modify_rule(c, rule_arn, &bp::listener_rule(input, forward)).await
    {
        tracing::warn!(error = %e, "could not point the rule back at the rolled-back target group");
    }
}

/// Waits until the deployment of `task_definition` is the only one and all tasks run; fails
/// with the service's events when the circuit breaker rolls it back.
async fn wait_for_steady_state(
    c: &Clients,
    call: &CallContext,
    deadline: Instant,
    cluster: &str,
    name: &str,
    task_definition: &str,
) -> Result<(), AwsError> {
    let step = "wait for the deployment to finish";
    let mut delay = Duration::from_millis(250);
    loop {
        let s = ecs_service::describe(c, cluster, name)
            .await?
            .ok_or_else(|| AwsError::new(step, "the service disappeared"))?;
        if deployment_done(&s, task_definition, step)? {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(AwsError::new(
                step,
                "the service did not reach a steady state in time",
            ));
        }
        pause(call, step, delay).await?;
        delay = (delay * 2).min(Duration::from_secs(15));
    }
}

pub async fn read(ctx: &Context, state: Value) -> ReadOutput {
    let keep = |state: Value, d: Diagnostics| ReadOutput {
        new_state: state,
        private: Vec::new(),
        diagnostics: d,
    };
    let c = match ctx.clients().await {
        Ok(c) => c,
        Err(d) => return keep(state, d),
    };
    let (Some(cluster), Some(name)) = (
        fields::string(&state, "cluster").known().cloned(),
        fields::string(&state, "name").known().cloned(),
    ) else {
        return keep(state, Diagnostics::new());
    };
    match observe(c, &state, &cluster, &name).await {
        Ok((Some(service), observed)) => {
            keep(drift(state, &service, &observed), Diagnostics::new())
        }
        // The ECS service is gone but some of what it owns is not (a destroy that stopped part
        // way, or a service deleted outside Terraform): keep the resource, with no service ARN,
        // so a destroy removes the rest and an apply creates the service again.
        Ok((None, observed)) if anything_left(&observed) => {
            let mut state = state;
            set(&mut state, "arn", Value::Null);
            keep(state, Diagnostics::new())
        }
        Ok((None, _)) => keep(Value::Null, Diagnostics::new()),
        Err(e) => keep(state, engine::diagnostics(TYPE_NAME, &[e])),
    }
}

/// What refresh found of the service's objects besides the ECS service. In the
/// `Option<Option<_>>` fields, `None` means not read (nothing recorded to read) and `Some(None)`
/// that the object is gone.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The running revision, read only when it is not the recorded one.
    pub task_definition: Option<bp::TaskDefinitionSpec>,
    /// The recorded target group and its deregistration delay.
    pub target_group: Option<Option<(target_group::ObservedTargetGroup, i32)>>,
    pub rule: Option<Option<target_group::ObservedRule>>,
    /// `None` when the scalable target is not registered.
    pub scaling: Option<scaling::ObservedScaling>,
    /// `None` when the log group is gone; `Some(None)` when it never expires.
    pub log_group: Option<Option<i32>>,
    /// Whether the alias record exists, when a zone is recorded.
    pub alias: Option<bool>,
}

/// Reads the service and, at the same time, every object recorded in `state`: one round of
/// concurrent calls (DescribeTaskDefinition follows DescribeServices only when another
/// revision runs). `None` when the service is gone.
async fn observe(
    c: &Clients,
    state: &Value,
    cluster: &str,
    name: &str,
) -> Result<(Option<ecs_service::ObservedService>, Observed), AwsError> {
    let s = |a: &str| fields::string(state, a).known().cloned();
    let recorded_td = s("task_definition_arn");
    let service = async {
        let found = ecs_service::describe(c, cluster, name)
            .await?
            .filter(|s| s.status != "INACTIVE");
        let td = match &found {
            Some(svc) if recorded_td.as_deref() != Some(svc.task_definition.as_str()) => {
                task_definition::describe(c, &svc.task_definition).await?
            }
            _ => None,
        };
        Ok::<_, AwsError>((found, td))
    };
    let tg_arn = s("target_group_arn");
    let group = async {
        match &tg_arn {
            Some(arn) => target_group::describe_arn(c, arn).await.map(Some),
            None => Ok(None),
        }
    };
    let rule_arn = s("listener_rule_arn");
    let rule = async {
        match &rule_arn {
            Some(arn) => target_group::describe_rule(c, arn).await.map(Some),
            None => Ok(None),
        }
    };
    let scaling_spec = bp::scaling_target(cluster, name);
    let log_group_name = bp::names(cluster, name).log_group;
    let (zone, domain) = (s("zone_id"), s("domain_name"));
    let alias = async {
        match (&zone, &domain) {
            (Some(zone), Some(domain)) => {
                dns::describe(c, bp::bare_zone_id(zone), &bp::record_name(domain))
                    .await
                    .map(|r| Some(r.is_some()))
            }
            _ => Ok(None),
        }
    };
    let ((found, td), target_group, rule, scaling, log_group, alias) = tokio::try_join!(
        service,
        group,
        rule,
        scaling::observe(c, &scaling_spec),
        log_group::describe(c, &log_group_name),
        alias
    )?;
    Ok((
        found,
        Observed {
            task_definition: td,
            target_group,
            rule,
            scaling,
            log_group,
            alias,
        },
    ))
}

/// Whether any object the service owns besides the ECS service still exists. The log group is
/// created first and deleted last, so a destroy that stopped part way always leaves it.
fn anything_left(o: &Observed) -> bool {
    matches!(o.target_group, Some(Some(_)))
        || matches!(o.rule, Some(Some(_)))
        || o.scaling.is_some()
        || o.log_group.is_some()
        || o.alias == Some(true)
}

/// A map attribute from AWS's pairs: null when there are none, unless the state holds an
/// empty map (the configuration's `{}`), which is kept.
fn pairs_value(state: &Value, attr: &str, pairs: &[(String, String)]) -> Value {
    if pairs.is_empty() {
        return match state.get_attr(attr) {
            Some(v @ Value::Map(m)) if m.is_empty() => v.clone(),
            _ => Value::Null,
        };
    }
    strings_map(&pairs.iter().cloned().collect())
}

/// The user's attributes as a registered revision has them.
fn show_task_definition(state: &mut Value, td: &bp::TaskDefinitionSpec) {
    set(state, "image", Value::string(td.container.image.clone()));
    if let Some(p) = td.container.port_mappings.first() {
        set(
            state,
            "container_port",
            Value::number(i64::from(p.container_port)),
        );
    }
    if let Ok(cpu) = td.cpu.trim().parse::<i64>() {
        set(state, "cpu", Value::number(cpu));
    }
    if let Ok(memory) = td.memory.trim().parse::<i64>() {
        set(state, "memory", Value::number(memory));
    }
    let env = pairs_value(state, "environment", &td.container.environment);
    set(state, "environment", env);
    let secrets = pairs_value(state, "secrets", &td.container.secrets);
    set(state, "secrets", secrets);
}

/// The refreshed state: every setting AWS reports differently from `state` is shown on the
/// user's attribute, so the plan puts it back. Settings AWS does not report (the emulator keeps
/// no grace period from CreateService) keep their recorded value.
pub fn drift(mut state: Value, service: &ecs_service::ObservedService, o: &Observed) -> Value {
    let recorded = ids_from(&state);
    let domain = fields::string(&state, "domain_name").known().cloned();
    set(&mut state, "arn", Value::string(service.arn.clone()));
    if recorded.task_definition_arn.as_deref() != Some(service.task_definition.as_str()) {
        // Deployed outside Terraform: show what runs, so the plan puts the configured one back.
        set(
            &mut state,
            "task_definition_arn",
            Value::string(service.task_definition.clone()),
        );
        if let Some(td) = &o.task_definition {
            show_task_definition(&mut state, td);
        }
    }
    if let Some(grace) = service.health_check_grace_period {
        set(
            &mut state,
            "health_check_grace_period",
            Value::number(i64::from(grace)),
        );
    }
    match &o.target_group {
        Some(None) => set(&mut state, "target_group_arn", Value::Null),
        Some(Some((tg, delay))) => {
            set(
                &mut state,
                "health_check_path",
                Value::string(tg.health_check_path.clone()),
            );
            set(
                &mut state,
                "health_check_matcher",
                Value::string(tg.matcher.clone()),
            );
            set(
                &mut state,
                "deregistration_delay",
                Value::number(i64::from(*delay)),
            );
        }
        None => {}
    }
    match &o.rule {
        Some(None) => {
            // The host is no longer routed: the plan shows `domain_name` being set again.
            set(&mut state, "listener_rule_arn", Value::Null);
            set(&mut state, "domain_name", Value::Null);
        }
        Some(Some(rule)) => {
            let ours: BTreeSet<&String> = recorded
                .target_group_arn
                .iter()
                .chain(&recorded.previous_target_group_arns)
                .collect();
            let serving = rule.serving();
            if serving.is_empty() || !serving.iter().all(|arn| ours.contains(arn)) {
                // The host is routed to another target group: not to this service.
                set(&mut state, "domain_name", Value::Null);
            } else if domain
                .as_ref()
                .is_none_or(|d| rule.host_headers != [d.clone()])
            {
                let hosts = rule.host_headers.join(", ");
                set(
                    &mut state,
                    "domain_name",
                    if hosts.is_empty() {
                        Value::Null
                    } else {
                        Value::string(hosts)
                    },
                );
            }
        }
        None => {}
    }
    match &o.scaling {
        None => set(&mut state, "autoscaling", Value::Null),
        Some(sc) => {
            let target = |metric: &str| {
                sc.target(metric)
                    .map_or(Value::Null, |v| Value::number(v.round() as i64))
            };
            set(
                &mut state,
                "autoscaling",
                Value::object([
                    ("min_capacity", Value::number(i64::from(sc.min_capacity))),
                    ("max_capacity", Value::number(i64::from(sc.max_capacity))),
                    ("cpu_target", target(bp::CPU_METRIC)),
                    ("memory_target", target(bp::MEMORY_METRIC)),
                ]),
            );
        }
    }
    match o.log_group {
        None => set(&mut state, "log_group_name", Value::Null),
        Some(None) => set(&mut state, "log_retention_days", Value::Null),
        Some(Some(days)) => set(
            &mut state,
            "log_retention_days",
            Value::number(i64::from(days)),
        ),
    }
    if o.alias == Some(false) {
        // The alias record is gone: the plan shows `zone_id` being set again.
        set(&mut state, "zone_id", Value::Null);
    }
    state
}

pub async fn delete(ctx: &Context, call: &CallContext, prior: &Value) -> ApplyOutput {
    let fail = |d: Diagnostics| ApplyOutput {
        new_state: prior.clone(),
        private: Vec::new(),
        diagnostics: d,
    };
    let c = match ctx.clients().await {
        Ok(c) => c,
        Err(d) => return fail(d),
    };
    match delete_all(c, call, prior).await {
        Ok(()) => ApplyOutput {
            new_state: Value::Null,
            private: Vec::new(),
            diagnostics: Diagnostics::new(),
        },
        Err(e) => fail(engine::diagnostics(TYPE_NAME, &[e])),
    }
}

async fn delete_all(c: &Clients, call: &CallContext, prior: &Value) -> Result<(), AwsError> {
    let deadline = Instant::now() + OPERATION_LIMIT;
    let s = |a: &str| fields::string(prior, a).known().cloned();
    let (Some(cluster), Some(name)) = (s("cluster"), s("name")) else {
        return Ok(());
    };
    let names = bp::names(&cluster, &name);
    // The service first: scale to zero, delete with force, wait until inactive.
    ecs_service::delete(c, &cluster, &name).await?;
    let mut delay = Duration::from_millis(250);
    loop {
        match ecs_service::describe(c, &cluster, &name).await? {
            None => break,
            Some(svc) if svc.status == "INACTIVE" => break,
            Some(_) if Instant::now() >= deadline => {
                return Err(AwsError::new(
                    "wait for the ECS service to become inactive",
                    "still draining",
                ));
            }
            Some(_) => {}
        }
        tokio::select! {
            _ = call.cancel.cancelled() => return Err(AwsError::new("wait for the ECS service to become inactive", "cancelled by Terraform")),
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(10));
    }
    // Then what pointed at it.
    scaling::delete(c, &bp::scaling_target(&cluster, &name)).await?;
    if let Some(rule) = s("listener_rule_arn") {
        target_group::delete_rule(c, &rule).await?;
    }
    if let (Some(zone), Some(domain)) = (s("zone_id"), s("domain_name")) {
        let cluster_names = cluster_bp::names(&cluster);
        if let Some(lb) = load_balancer::describe(c, &cluster_names.load_balancer).await? {
            let spec = bp::AliasRecordSpec {
                zone_id: bp::bare_zone_id(&zone).to_owned(),
                name: bp::record_name(&domain),
                record_type: "A".into(),
                alias_dns_name: lb.dns_name,
                alias_zone_id: lb.zone_id,
                evaluate_target_health: true,
            };
            dns::delete(c, &spec).await?;
        }
    }
    // The service's target group and any earlier one an unfinished move left.
    let ids = ids_from(prior);
    for tg in ids
        .target_group_arn
        .iter()
        .chain(&ids.previous_target_group_arns)
    {
        target_group::delete(c, tg).await?;
    }
    for revision in task_definition::revisions(c, &names.task_family).await? {
        task_definition::deregister(c, &revision).await?;
    }
    // Roles last: tasks that are still stopping keep their credentials until then.
    iam_role::delete_task_role(c, &names.execution_role).await?;
    iam_role::delete_task_role(c, &names.task_role).await?;
    log_group::delete(c, &names.log_group).await?;
    Ok(())
}

fn strings_map(m: &BTreeMap<String, String>) -> Value {
    fields::string_map_value(m)
}

/// `terraform import ecsprod_service.x <cluster>/<service>`: the whole state from AWS.
pub async fn import(
    ctx: &Context,
    defaults: Value,
    id: String,
) -> crate::protocol::provider::ImportOutput {
    use crate::protocol::provider::ImportOutput;
    let fail = |d: Diagnostics| ImportOutput {
        state: Value::Null,
        private: Vec::new(),
        diagnostics: d,
    };
    let Some((cluster, name)) = id.split_once('/') else {
        return fail(
            Diagnostic::error(
                "Invalid import ID",
                format!("{id:?} is not <cluster>/<service>, e.g. prod/api."),
            )
            .into(),
        );
    };
    let c = match ctx.clients().await {
        Ok(c) => c,
        Err(d) => return fail(d),
    };
    match observe_all(ctx, c, defaults, cluster, name).await {
        Ok(Some(state)) => ImportOutput {
            state,
            private: Vec::new(),
            diagnostics: Diagnostics::new(),
        },
        Ok(None) => fail(
            Diagnostic::error(
                "Service not found",
                format!("No active ECS service {name:?} in cluster {cluster:?}."),
            )
            .into(),
        ),
        Err(e) => fail(engine::diagnostics(TYPE_NAME, &[e])),
    }
}

async fn observe_all(
    ctx: &Context,
    c: &Clients,
    mut state: Value,
    cluster: &str,
    name: &str,
) -> Result<Option<Value>, AwsError> {
    let Some(service) = ecs_service::describe(c, cluster, name)
        .await?
        .filter(|s| s.status != "INACTIVE")
    else {
        return Ok(None);
    };
    let names = bp::names(cluster, name);
    set(&mut state, "cluster", Value::string(cluster));
    set(&mut state, "name", Value::string(name));
    set(&mut state, "id", Value::string(format!("{cluster}/{name}")));
    set(&mut state, "arn", Value::string(service.arn.clone()));
    set(
        &mut state,
        "desired_count",
        Value::number(i64::from(service.desired_count)),
    );
    set(
        &mut state,
        "task_definition_arn",
        Value::string(service.task_definition.clone()),
    );
    set(
        &mut state,
        "log_group_name",
        Value::string(names.log_group.clone()),
    );
    if let Some(td) = task_definition::describe(c, &service.task_definition).await? {
        show_task_definition(&mut state, &td);
        set(
            &mut state,
            "execution_role_arn",
            Value::string(td.execution_role_arn.clone()),
        );
        set(
            &mut state,
            "task_role_arn",
            Value::string(td.task_role_arn.clone()),
        );
    }
    if let Some(tg_arn) = service.target_group_arns.first() {
        set(
            &mut state,
            "target_group_arn",
            Value::string(tg_arn.clone()),
        );
        if let Some((tg, delay)) = target_group::describe_arn(c, tg_arn).await? {
            set(
                &mut state,
                "health_check_path",
                Value::string(tg.health_check_path),
            );
            set(
                &mut state,
                "health_check_matcher",
                Value::string(tg.matcher),
            );
            set(
                &mut state,
                "deregistration_delay",
                Value::number(i64::from(delay)),
            );
        }
        let facts = cluster_facts(c, cluster).await?;
        if let Some(rule) = target_group::rules(c, &facts.https_listener_arn)
            .await?
            .into_iter()
            .find(|r| r.target_group_arns.contains(tg_arn))
        {
            set(
                &mut state,
                "listener_rule_arn",
                Value::string(rule.arn.clone()),
            );
            if let Some(domain) = rule.host_headers.first() {
                set(&mut state, "domain_name", Value::string(domain.clone()));
                set(
                    &mut state,
                    "url",
                    Value::string(format!("https://{domain}")),
                );
                let zone =
                    dns::find_alias_zone(c, &format!("{}.", domain.trim_end_matches('.'))).await?;
                set(
                    &mut state,
                    "zone_id",
                    zone.map_or(Value::Null, Value::string),
                );
            }
        }
    }
    let scaling_spec = bp::scaling_target(cluster, name);
    if let Some((min, max)) = scaling::describe(c, &scaling_spec).await? {
        let targets = scaling::policy_targets(c, &scaling_spec).await?;
        let target = |metric: &str, default: i64| {
            targets
                .iter()
                .find(|(m, _)| m == metric)
                .map(|(_, v)| v.round() as i64)
                .unwrap_or(default)
        };
        let mut a = BTreeMap::new();
        a.insert("min_capacity".to_owned(), Value::number(i64::from(min)));
        a.insert("max_capacity".to_owned(), Value::number(i64::from(max)));
        a.insert(
            "cpu_target".to_owned(),
            Value::number(target(bp::CPU_METRIC, 60)),
        );
        a.insert(
            "memory_target".to_owned(),
            Value::number(target(bp::MEMORY_METRIC, 75)),
        );
        set(&mut state, "autoscaling", Value::Object(a));
    }
    if let Some(Some(days)) = log_group::describe(c, &names.log_group).await? {
        set(
            &mut state,
            "log_retention_days",
            Value::number(i64::from(days)),
        );
    }
    // Tags: the service's, without the ownership tags; default tags are the provider's.
    let out = c
        .ecs
        .list_tags_for_resource()
        .resource_arn(&service.arn)
        .send()
        .await
        .map_err(|e| crate::aws::retry::aws_error("read ECS tags", e))?;
    let mut tags_all: BTreeMap<String, String> = out
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
        .collect();
    tags_all.remove(crate::blueprint::OWNER_TAG);
    tags_all.remove(bp::SERVICE_TAG);
    let default_tags = ctx
        .config()
        .and_then(|c| c.default_tags.known().cloned())
        .unwrap_or_default();
    let own: BTreeMap<String, String> = tags_all
        .iter()
        .filter(|(k, v)| default_tags.get(*k).and_then(|d| d.known()) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    set(&mut state, "tags_all", strings_map(&tags_all));
    set(
        &mut state,
        "tags",
        if own.is_empty() {
            Value::Null
        } else {
            strings_map(&own)
        },
    );
    set(&mut state, "task_role_policy_json", Value::Null);
    if let Value::Object(attrs) = &mut state {
        for v in attrs.values_mut() {
            if !v.is_known() {
                *v = Value::Null;
            }
        }
    }
    Ok(Some(state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::scaling::ObservedScaling;
    use crate::aws::target_group::{ObservedRule, ObservedTargetGroup};
    use crate::protocol::plan;

    fn applied() -> Value {
        let mut state = plan::with_defaults(
            &super::super::schema::SCHEMA,
            &Value::object([
                ("cluster", Value::string("prod")),
                ("name", Value::string("api")),
                ("image", Value::string("nginx:1.27")),
                ("container_port", Value::number(8080)),
                ("domain_name", Value::string("api.example.com")),
                ("zone_id", Value::string("Z123")),
            ]),
        );
        let ids = Ids {
            arn: Some("arn:svc".into()),
            task_definition_arn: Some("arn:td:1".into()),
            target_group_arn: Some("arn:tg".into()),
            previous_target_group_arns: Vec::new(),
            listener_rule_arn: Some("arn:rule".into()),
            execution_role_arn: Some("arn:exec".into()),
            task_role_arn: Some("arn:task".into()),
            log_group_name: Some("/ecs/prod/api".into()),
        };
        state = state_from(&state, &ids);
        state
    }

    fn service() -> ecs_service::ObservedService {
        ecs_service::ObservedService {
            arn: "arn:svc".into(),
            status: "ACTIVE".into(),
            task_definition: "arn:td:1".into(),
            desired_count: 2,
            running_count: 2,
            target_group_arns: vec!["arn:tg".into()],
            health_check_grace_period: None,
            deployments: Vec::new(),
            events: Vec::new(),
        }
    }

    fn rule(hosts: &[&str], forward: &[(&str, i32)]) -> ObservedRule {
        let forward: Vec<bp::WeightedTarget> = forward
            .iter()
            .map(|(arn, w)| bp::WeightedTarget::new(arn, *w))
            .collect();
        ObservedRule {
            arn: "arn:rule".into(),
            priority: Some(7),
            host_headers: hosts.iter().map(|h| (*h).to_owned()).collect(),
            target_group_arns: forward.iter().map(|t| t.target_group_arn.clone()).collect(),
            forward,
        }
    }

    /// Everything as applied.
    fn unchanged() -> Observed {
        Observed {
            task_definition: None,
            target_group: Some(Some((
                ObservedTargetGroup {
                    arn: "arn:tg".into(),
                    health_check_path: "/".into(),
                    matcher: "200-399".into(),
                },
                30,
            ))),
            rule: Some(Some(rule(&["api.example.com"], &[("arn:tg", 1)]))),
            scaling: Some(ObservedScaling {
                min_capacity: 2,
                max_capacity: 10,
                targets: vec![
                    (bp::CPU_METRIC.into(), 60.0),
                    (bp::MEMORY_METRIC.into(), 75.0),
                ],
            }),
            log_group: Some(Some(30)),
            alias: Some(true),
        }
    }

    fn attr<'v>(v: &'v Value, name: &str) -> &'v Value {
        v.get_attr(name).unwrap_or(&Value::Null)
    }

    #[test]
    fn refresh_of_an_unchanged_service_changes_nothing() {
        let state = applied();
        assert_eq!(drift(state.clone(), &service(), &unchanged()), state);
    }

    #[test]
    fn a_grace_period_aws_does_not_report_is_not_drift_but_a_reported_one_is() {
        let state = applied();
        let mut svc = service();
        svc.health_check_grace_period = Some(60);
        assert_eq!(drift(state.clone(), &svc, &unchanged()), state);
        svc.health_check_grace_period = Some(5);
        let after = drift(state, &svc, &unchanged());
        assert_eq!(attr(&after, "health_check_grace_period"), &Value::number(5));
    }

    #[test]
    fn target_group_settings_changed_out_of_band_show_on_their_attributes() {
        let mut o = unchanged();
        o.target_group = Some(Some((
            ObservedTargetGroup {
                arn: "arn:tg".into(),
                health_check_path: "/other".into(),
                matcher: "200".into(),
            },
            5,
        )));
        let after = drift(applied(), &service(), &o);
        assert_eq!(attr(&after, "health_check_path"), &Value::string("/other"));
        assert_eq!(attr(&after, "health_check_matcher"), &Value::string("200"));
        assert_eq!(attr(&after, "deregistration_delay"), &Value::number(5));
        o.target_group = Some(None);
        let gone = drift(applied(), &service(), &o);
        assert_eq!(attr(&gone, "target_group_arn"), &Value::Null);
    }

    #[test]
    fn a_rule_changed_or_deleted_out_of_band_shows_on_domain_name() {
        let mut o = unchanged();
        o.rule = Some(Some(rule(&["evil.example.com"], &[("arn:tg", 1)])));
        let after = drift(applied(), &service(), &o);
        assert_eq!(
            attr(&after, "domain_name"),
            &Value::string("evil.example.com")
        );
        o.rule = Some(Some(rule(&["api.example.com"], &[("arn:foreign", 1)])));
        let after = drift(applied(), &service(), &o);
        assert_eq!(attr(&after, "domain_name"), &Value::Null);
        assert_eq!(
            attr(&after, "listener_rule_arn"),
            &Value::string("arn:rule"),
            "the rule is repaired in place"
        );
        o.rule = Some(None);
        let after = drift(applied(), &service(), &o);
        assert_eq!(attr(&after, "domain_name"), &Value::Null);
        assert_eq!(attr(&after, "listener_rule_arn"), &Value::Null);
    }

    #[test]
    fn an_unfinished_target_group_move_is_not_rule_drift() {
        let mut state = applied();
        let mut ids = ids_from(&state);
        ids.use_target_group("arn:tg-new".into());
        state = state_from(&state, &ids);
        let mut o = unchanged();
        o.rule = Some(Some(rule(
            &["api.example.com"],
            &[("arn:tg", 1), ("arn:tg-new", 0)],
        )));
        let after = drift(state.clone(), &service(), &o);
        assert_eq!(
            attr(&after, "domain_name"),
            &Value::string("api.example.com")
        );
    }

    #[test]
    fn autoscaling_logs_and_alias_drift_show_on_their_attributes() {
        let mut o = unchanged();
        o.scaling = Some(ObservedScaling {
            min_capacity: 3,
            max_capacity: 7,
            targets: vec![(bp::CPU_METRIC.into(), 41.0)],
        });
        o.log_group = Some(Some(7));
        o.alias = Some(false);
        let after = drift(applied(), &service(), &o);
        assert_eq!(
            attr(&after, "autoscaling"),
            &Value::object([
                ("min_capacity", Value::number(3)),
                ("max_capacity", Value::number(7)),
                ("cpu_target", Value::number(41)),
                ("memory_target", Value::Null),
            ])
        );
        assert_eq!(attr(&after, "log_retention_days"), &Value::number(7));
        assert_eq!(attr(&after, "zone_id"), &Value::Null);
        o.scaling = None;
        o.log_group = None;
        let after = drift(applied(), &service(), &o);
        assert_eq!(attr(&after, "autoscaling"), &Value::Null);
        assert_eq!(attr(&after, "log_group_name"), &Value::Null);
        o.log_group = Some(None);
        let after = drift(applied(), &service(), &o);
        assert_eq!(attr(&after, "log_retention_days"), &Value::Null);
    }

    #[test]
    fn another_running_revision_shows_its_content() {
        let mut svc = service();
        svc.task_definition = "arn:td:9".into();
        let input = ServiceInput {
            cluster: "prod".into(),
            name: "api".into(),
            image: "nginx:9".into(),
            container_port: 9090,
            domain_name: "api.example.com".into(),
            zone_id: None,
            cpu: 512,
            memory: 1024,
            desired_count: 2,
            environment: BTreeMap::from([("A".to_owned(), "1".to_owned())]),
            secrets: BTreeMap::new(),
            health_check_path: "/".into(),
            health_check_matcher: "200-399".into(),
            deregistration_delay: 30,
            health_check_grace_period: 60,
            autoscaling: AutoscalingInput {
                min_capacity: 2,
                max_capacity: 10,
                cpu_target: 60,
                memory_target: 75,
            },
            log_retention_days: 30,
            task_role_policy_json: None,
            tags: BTreeMap::new(),
            region: "eu-west-1".into(),
            account_id: "123456789012".into(),
            partition: "aws".into(),
        };
        let mut o = unchanged();
        o.task_definition = Some(bp::task_definition(&input, "arn:exec", "arn:task"));
        let after = drift(applied(), &svc, &o);
        assert_eq!(
            attr(&after, "task_definition_arn"),
            &Value::string("arn:td:9")
        );
        assert_eq!(attr(&after, "image"), &Value::string("nginx:9"));
        assert_eq!(attr(&after, "container_port"), &Value::number(9090));
        assert_eq!(attr(&after, "cpu"), &Value::number(512));
        assert_eq!(attr(&after, "memory"), &Value::number(1024));
        assert_eq!(
            attr(&after, "environment"),
            &Value::map([("A", Value::string("1"))])
        );
        assert_eq!(attr(&after, "secrets"), &Value::Null);
    }

    #[test]
    fn a_new_target_group_keeps_the_old_one_recorded_until_it_is_deleted() {
        let mut ids = Ids {
            target_group_arn: Some("arn:old".into()),
            ..Ids::default()
        };
        ids.use_target_group("arn:old".into());
        assert!(ids.previous_target_group_arns.is_empty());
        ids.use_target_group("arn:new".into());
        assert_eq!(ids.target_group_arn.as_deref(), Some("arn:new"));
        assert_eq!(ids.previous_target_group_arns, vec!["arn:old".to_owned()]);
        // Moving back to a group still recorded as previous takes it off the list.
        ids.use_target_group("arn:old".into());
        assert_eq!(ids.previous_target_group_arns, vec!["arn:new".to_owned()]);
        let state = state_from(&applied(), &ids);
        assert_eq!(
            attr(&state, PREVIOUS_TARGET_GROUPS),
            &Value::list(vec![Value::string("arn:new")])
        );
        assert_eq!(
            ids_from(&state).previous_target_group_arns,
            vec!["arn:new".to_owned()]
        );
    }

    #[test]
    fn previous_target_groups_are_unknown_only_when_the_apply_may_change_them() {
        let prior = applied();
        let mut planned = prior.clone();
        plan_previous_target_groups(&prior, &mut planned);
        assert_eq!(attr(&planned, PREVIOUS_TARGET_GROUPS), &Value::Null);
        // A port change: the target group changes.
        set(&mut planned, "target_group_arn", Value::unknown());
        plan_previous_target_groups(&prior, &mut planned);
        assert!(!attr(&planned, PREVIOUS_TARGET_GROUPS).is_known());
        // An unfinished move recorded: the next apply finishes it.
        let mut ids = ids_from(&prior);
        ids.use_target_group("arn:new".into());
        let unfinished = state_from(&prior, &ids);
        let mut planned = unfinished.clone();
        plan_previous_target_groups(&unfinished, &mut planned);
        assert!(!attr(&planned, PREVIOUS_TARGET_GROUPS).is_known());
        // Create: nothing to move.
        let mut planned = prior.clone();
        set(&mut planned, "target_group_arn", Value::unknown());
        plan_previous_target_groups(&Value::Null, &mut planned);
        assert_eq!(attr(&planned, PREVIOUS_TARGET_GROUPS), &Value::Null);
    }
}
