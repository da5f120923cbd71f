//! Creating, updating, reading and deleting a service on a cluster's shared load balancer.
//!
//! Order: log group, roles and target group (concurrently), then the task definition and the
//! listener rule, then the ECS service (only once its rule exists, so the target group has a
//! load balancer), then autoscaling and DNS. A failure returns the state of what exists.

use std::collections::BTreeMap;
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
    pub listener_rule_arn: Option<String>,
    pub execution_role_arn: Option<String>,
    pub task_role_arn: Option<String>,
    pub log_group_name: Option<String>,
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
    state
}

fn ids_from(state: &Value) -> Ids {
    let s = |a: &str| fields::string(state, a).known().cloned();
    Ids {
        arn: s("arn"),
        task_definition_arn: s("task_definition_arn"),
        target_group_arn: s("target_group_arn"),
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
    let new_state = state_from(planned, &progress.snapshot());
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
        progress.record(|ids| ids.target_group_arn = Some(arn));
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

    // Phase 2: the task definition (a new revision only on a real change) and the rule.
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
        Ok(())
    };
    let rule_spec = bp::listener_rule(input, &tg_arn);
    let key = bp::service_key(&input.cluster, &input.name);
    let rule = async {
        let arn = target_group::ensure_rule(c, &facts.https_listener_arn, &rule_spec, |taken| {
            bp::listener_rule_priority(&key, taken)
        })
        .await?;
        progress.record(|ids| ids.listener_rule_arn = Some(arn));
        Ok(())
    };
    engine::phase(vec![Box::pin(definition) as Step<'_>, Box::pin(rule)]).await?;
    let td_arn = progress.snapshot().task_definition_arn.unwrap_or_default();

    // Phase 3: the service, after its rule exists.
    let svc_spec = bp::service(input, &facts.capacity_provider, &tg_arn);
    let service_step = async {
        let existing = ecs_service::describe(c, &input.cluster, &input.name).await?;
        let arn = match existing.filter(|s| s.status != "INACTIVE") {
            Some(found) => {
                // Settings (capacity strategy, deployment, grace period) are sent on every
                // update; a rolling deployment only comes with a new revision.
                let new_revision = found.task_definition != td_arn;
                ecs_service::update(c, &svc_spec, &td_arn, new_revision).await?;
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
        if wait {
            wait_for_steady_state(c, call, deadline, &input.cluster, &input.name, &td_arn).await?;
        }
        Ok::<(), AwsError>(())
    };
    service_step.await.map_err(|e| vec![e])?;

    // Phase 4: autoscaling and DNS, concurrently; then old revisions go.
    let scaling_spec = bp::scaling(input);
    let alias = bp::alias_record(input, &facts.alb_dns_name, &facts.alb_zone_id);
    let autoscale = async { scaling::ensure(c, &scaling_spec).await };
    let record = async {
        match &alias {
            Some(spec) => dns::upsert(c, spec).await,
            None => Ok(()),
        }
    };
    engine::phase(vec![Box::pin(autoscale) as Step<'_>, Box::pin(record)]).await?;
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
        if let Some((_, _, rollout, failed)) = s.deployments.iter().find(|d| d.2 == "FAILED") {
            return Err(AwsError::new(
                step,
                format!(
                    "the deployment failed ({rollout}, {failed} failed tasks) and the circuit breaker rolled it back. Recent service events:\n  {}",
                    s.events.join("\n  ")
                ),
            ));
        }
        if s.task_definition == task_definition
            && s.deployments.len() <= 1
            && s.running_count == s.desired_count
        {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(AwsError::new(
                step,
                "the service did not reach a steady state in time",
            ));
        }
        tokio::select! {
            _ = call.cancel.cancelled() => return Err(AwsError::new(step, "cancelled by Terraform")),
            _ = tokio::time::sleep(delay) => {}
        }
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
    let observed = match ecs_service::describe(c, &cluster, &name).await {
        Ok(s) => s,
        Err(e) => return keep(state, engine::diagnostics(TYPE_NAME, &[e])),
    };
    let Some(service) = observed.filter(|s| s.status != "INACTIVE") else {
        return keep(Value::Null, Diagnostics::new());
    };
    let mut new_state = state;
    set(&mut new_state, "arn", Value::string(service.arn.clone()));
    let prior_td = fields::string(&new_state, "task_definition_arn")
        .known()
        .cloned();
    if prior_td.as_deref() != Some(service.task_definition.as_str()) {
        // Deployed outside Terraform: show what runs, so the plan puts the configured one back.
        set(
            &mut new_state,
            "task_definition_arn",
            Value::string(service.task_definition.clone()),
        );
        if let Ok(Some(td)) = task_definition::describe(c, &service.task_definition).await {
            set(
                &mut new_state,
                "image",
                Value::string(td.container.image.clone()),
            );
        }
    }
    ReadOutput {
        new_state,
        private: Vec::new(),
        diagnostics: Diagnostics::new(),
    }
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
    let resource_id = format!("service/{cluster}/{name}");
    let scaling_spec = bp::ScalingSpec {
        service_namespace: "ecs".into(),
        resource_id,
        scalable_dimension: "ecs:service:DesiredCount".into(),
        min_capacity: 0,
        max_capacity: 0,
        policies: Vec::new(),
    };
    scaling::delete(c, &scaling_spec).await?;
    if let Some(rule) = s("listener_rule_arn") {
        target_group::delete_rule(c, &rule).await?;
    }
    if let (Some(zone), Some(domain)) = (s("zone_id"), s("domain_name")) {
        let cluster_names = cluster_bp::names(&cluster);
        if let Some(lb) = load_balancer::describe(c, &cluster_names.load_balancer).await? {
            let spec = bp::AliasRecordSpec {
                zone_id: zone.trim_start_matches("/hostedzone/").to_owned(),
                name: format!("{}.", domain.trim_end_matches('.')),
                record_type: "A".into(),
                alias_dns_name: lb.dns_name,
                alias_zone_id: lb.zone_id,
                evaluate_target_health: true,
            };
            dns::delete(c, &spec).await?;
        }
    }
    if let Some(tg) = s("target_group_arn") {
        target_group::delete(c, &tg).await?;
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
        set(
            &mut state,
            "image",
            Value::string(td.container.image.clone()),
        );
        if let Some(p) = td.container.port_mappings.first() {
            set(
                &mut state,
                "container_port",
                Value::number(i64::from(p.container_port)),
            );
        }
        if let Ok(cpu) = td.cpu.parse::<i64>() {
            set(&mut state, "cpu", Value::number(cpu));
        }
        if let Ok(memory) = td.memory.parse::<i64>() {
            set(&mut state, "memory", Value::number(memory));
        }
        let env: BTreeMap<String, String> = td.container.environment.iter().cloned().collect();
        set(
            &mut state,
            "environment",
            if env.is_empty() {
                Value::Null
            } else {
                strings_map(&env)
            },
        );
        let secrets: BTreeMap<String, String> = td.container.secrets.iter().cloned().collect();
        set(
            &mut state,
            "secrets",
            if secrets.is_empty() {
                Value::Null
            } else {
                strings_map(&secrets)
            },
        );
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
    let scaling_spec = bp::ScalingSpec {
        service_namespace: "ecs".into(),
        resource_id: format!("service/{cluster}/{name}"),
        scalable_dimension: "ecs:service:DesiredCount".into(),
        min_capacity: 0,
        max_capacity: 0,
        policies: Vec::new(),
    };
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
            Value::number(target("ECSServiceAverageCPUUtilization", 60)),
        );
        a.insert(
            "memory_target".to_owned(),
            Value::number(target("ECSServiceAverageMemoryUtilization", 75)),
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
