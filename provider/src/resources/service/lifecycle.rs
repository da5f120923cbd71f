//! Creating, updating, reading, importing and deleting a service: each is a walk of the
//! service's graph by the engine; this file maps Terraform values to the graph's input and the
//! engine's outputs back to the state.

use std::collections::BTreeMap;

use ecsprod_cty::Value;

use super::graph::{self, GRAPH, Purpose, Recorded, Run};
use super::{TYPE_NAME, schema};
use crate::blueprint::OWNER_TAG;
use crate::blueprint::service::{self as bp, AutoscalingInput, SERVICE_TAG, ServiceInput};
use crate::engine::{Outputs, Session};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::provider::{ApplyOutput, CallContext, ImportOutput, ReadOutput};
use crate::resources::Context;
use crate::resources::fields::{self, Field, known_map, set};
use crate::resources::outcome::unchanged;
use crate::resources::tags;
use crate::resources::walks::{Lifecycle, not_imported};

/// Attributes the apply fills from what exists.
const COMPUTED: &[&str] = &[
    "arn",
    "task_definition_arn",
    "target_group_arn",
    PREVIOUS_TARGET_GROUPS,
    "listener_rule_arn",
    super::routing::PRIORITY,
    "alternate_target_group_arn",
    "test_listener_rule_arn",
    "load_balancer_role_arn",
    "execution_role_arn",
    "task_role_arn",
    "log_group_name",
];

const PREVIOUS_TARGET_GROUPS: &str = "previous_target_group_arns";

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

fn int(v: &Field<i64>, default: i32) -> i32 {
    v.known()
        .and_then(|n| i32::try_from(*n).ok())
        .unwrap_or(default)
}

/// The blueprint input from a planned (or recorded) value; the account is the cluster's, filled
/// in by the graph.
fn input_from(planned: &Value, session: &Session) -> Result<ServiceInput, Diagnostics> {
    let s = super::config::ServiceConfig::from_value(planned);
    let missing = |what: &str| {
        Diagnostics::from(Diagnostic::error(
            "Value not known at apply time",
            format!("{what} must be known when the service is applied."),
        ))
    };
    let (queue, queue_min, queue_max) = super::queue::input(planned);
    let autoscaling = match &s.autoscaling {
        Field::Known(a) => AutoscalingInput {
            min_capacity: queue_min.unwrap_or_else(|| int(&a.min_capacity, 2)),
            max_capacity: queue_max.unwrap_or_else(|| int(&a.max_capacity, 10)),
            cpu_target: int(&a.cpu_target, 60),
            memory_target: int(&a.memory_target, 75),
            queue,
        },
        _ => return Err(missing("autoscaling")),
    };
    let text = |f: &Field<String>, what: &str| f.known().cloned().ok_or_else(|| missing(what));
    let (container, sidecars) = super::containers::input(planned);
    let (additional_domain_names, path_patterns) = super::routing::input(planned);
    Ok(ServiceInput {
        cluster: text(&s.cluster, "cluster")?,
        name: text(&s.name, "name")?,
        image: text(&s.image, "image")?,
        container_port: int(&s.container_port, 0),
        domain_name: match &s.domain_name {
            Field::Unknown => return Err(missing("domain_name")),
            other => other.known().cloned(),
        },
        additional_domain_names,
        path_patterns,
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
        availability_zone_rebalancing: s
            .availability_zone_rebalancing
            .known()
            .copied()
            .unwrap_or(true),
        autoscaling,
        deployment: super::deployment::input(planned),
        log_retention_days: int(&s.log_retention_days, 30),
        task_role_policy_json: s.task_role_policy_json.known().cloned(),
        container,
        sidecars,
        enable_execute_command: s.enable_execute_command.known().copied().unwrap_or(false),
        internal: super::internal::input(planned),
        service_connect: super::internal::joins(planned),
        execute_command_kms_key_arn: None,
        tags: known_map(&fields::string_map(planned, "tags_all")),
        region: session.region().to_owned(),
        account_id: String::new(),
        partition: session.partition().to_owned(),
    })
}

pub(super) fn recorded(state: &Value) -> Recorded {
    let s = |a: &str| fields::string(state, a).known().cloned();
    Recorded {
        task_definition_arn: s("task_definition_arn"),
        target_group_arn: s("target_group_arn"),
        previous_target_group_arns: fields::string_list(state, PREVIOUS_TARGET_GROUPS)
            .known()
            .map(|items| items.iter().filter_map(|i| i.known().cloned()).collect())
            .unwrap_or_default(),
        listener_rule_arn: s("listener_rule_arn"),
        zone_id: s("zone_id"),
        domain_name: s("domain_name"),
        additional_domain_names: fields::known_strings(&fields::string_list(
            state,
            super::routing::HOSTS,
        ))
        .unwrap_or_default(),
        alternate_target_group_arn: s("alternate_target_group_arn"),
        test_listener_rule_arn: s("test_listener_rule_arn"),
        test_host: fields::object(state, super::deployment::ATTRIBUTE)
            .known()
            .and_then(|d| fields::string(d, "test_host").known().cloned()),
    }
}

fn run(state: &Value, purpose: Purpose, config: Option<ServiceInput>) -> Option<Run> {
    let s = |a: &str| fields::string(state, a).known().cloned();
    Some(Run {
        cluster: s("cluster")?,
        name: s("name")?,
        purpose,
        recorded: recorded(state),
        config,
        wait_for_steady_state: fields::boolean(state, "wait_for_steady_state")
            .known()
            .copied()
            .unwrap_or(true),
    })
}

/// Every object's tags as found, each with the tags the provider gives it itself.
fn tag_objects<'a>(run: &Run, outputs: &'a Outputs) -> Vec<(&'a tags::Tags, tags::Tags)> {
    let fixed = BTreeMap::from([
        (OWNER_TAG.to_owned(), run.cluster.clone()),
        (SERVICE_TAG.to_owned(), run.name.clone()),
    ]);
    outputs
        .all_tags()
        .map(|(_, found)| (found, fixed.clone()))
        .collect()
}

/// The service's walks.
pub const LIFECYCLE: Lifecycle<Run> = Lifecycle {
    type_name: TYPE_NAME,
    schema: &super::schema::SCHEMA,
    graph: &GRAPH,
    computed: COMPUTED,
    facts: &[],
    tag_objects,
    managed_tags: |_| BTreeMap::new(),
};

/// What a create or update walks from: the planned configuration, and what the prior state
/// records of a move to a new target group.
pub fn apply_input(session: &Session, prior: &Value, planned: &Value) -> Result<Run, Diagnostics> {
    let input = input_from(planned, session)?;
    let mut run = run(planned, Purpose::Apply, Some(input)).ok_or_else(Diagnostics::new)?;
    if !prior.is_null() {
        run.recorded = recorded(prior);
    }
    Ok(run)
}

pub async fn read(ctx: &Context, call: &CallContext, state: Value) -> ReadOutput {
    // While some object remains (a destroy that stopped part way, a service deleted outside
    // Terraform), the resource stays, so a destroy removes the rest and an apply creates the
    // service again.
    LIFECYCLE
        .refresh(ctx, call, state, |_, state| {
            run(state, Purpose::Refresh, None)
        })
        .await
}

pub async fn delete(ctx: &Context, call: &CallContext, prior: &Value) -> ApplyOutput {
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(d) => return unchanged(prior, d),
    };
    let config = input_from(prior, session).ok();
    let Some(run) = run(prior, Purpose::Delete, config) else {
        return unchanged(&Value::Null, Diagnostics::new());
    };
    LIFECYCLE.delete(session, &run, call, prior).await
}

/// `terraform import ecsprod_service.x <cluster>/<service>`: the whole state from AWS.
pub async fn import(
    ctx: &Context,
    call: &CallContext,
    defaults: Value,
    id: String,
) -> ImportOutput {
    let Some((cluster, name)) = id.split_once('/') else {
        return not_imported(Diagnostic::error(
            "Invalid import ID",
            format!("{id:?} is not <cluster>/<service>, e.g. prod/api."),
        ));
    };
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(d) => return not_imported(d),
    };
    let mut state = defaults;
    set(&mut state, "cluster", Value::string(cluster));
    set(&mut state, "name", Value::string(name));
    set(
        &mut state,
        "id",
        Value::string(bp::service_key(cluster, name)),
    );
    let Some(run) = run(&state, Purpose::Import, None) else {
        return not_imported(Diagnostics::new());
    };
    let absent = || {
        Diagnostic::error(
            "Service not found",
            format!("No active ECS service {name:?} in cluster {cluster:?}."),
        )
    };
    let tags = |o: &Outputs| o.get(graph::SERVICE).map(|s| s.tags.clone());
    let (outputs, mut tags_all) = match LIFECYCLE
        .find(session, &run, call, &state, tags, absent)
        .await
    {
        Ok(found) => found,
        Err(failed) => return failed,
    };
    // Tags: the service's, without the ownership tags; default tags are the provider's.
    tags_all.remove(OWNER_TAG);
    tags_all.remove(SERVICE_TAG);
    set(&mut state, "task_role_policy_json", Value::Null);
    let mut imported = LIFECYCLE.imported(ctx, &run, &outputs, state, &tags_all, |wanted| {
        apply_input(session, &Value::Null, wanted)
    });
    count_within_autoscaling(&mut imported.state);
    imported
}

/// The live task count found at import, brought within the autoscaling range: the count only
/// seeds a new service, and the configuration written from the import must be valid (a service
/// made elsewhere may run 0 tasks with no scaling of its own).
fn count_within_autoscaling(state: &mut Value) {
    // No scaling found: the schema's default range is what the configuration will have.
    let scaling = match fields::object(state, "autoscaling") {
        Field::Known(found) => found.clone(),
        _ => match schema::SCHEMA
            .attribute("autoscaling")
            .and_then(|a| a.default_value())
        {
            Some(default) => default,
            None => return,
        },
    };
    let bound = |name: &str| fields::int(&scaling, name).known().copied();
    if let (Field::Known(n), Some(min), Some(max)) = (
        fields::int(state, "desired_count"),
        bound("min_capacity"),
        bound("max_capacity"),
    ) && min <= max
    {
        set(state, "desired_count", Value::number(n.clamp(min, max)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::project::tests::applied;
    use super::*;

    fn attr<'v>(v: &'v Value, name: &str) -> &'v Value {
        v.get_attr(name).unwrap_or(&Value::Null)
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
        let mut unfinished = prior.clone();
        set(
            &mut unfinished,
            "target_group_arn",
            Value::string("arn:new"),
        );
        set(
            &mut unfinished,
            PREVIOUS_TARGET_GROUPS,
            Value::list(vec![Value::string("arn:tg")]),
        );
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
