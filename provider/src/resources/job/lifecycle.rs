//! Creating, updating, reading, importing and deleting a job: each is a walk of the job's graph
//! by the engine; this file maps Terraform values to the graph's input and the engine's outputs
//! back to the state.

use std::collections::BTreeMap;

use ecsprod_cty::Value;

use super::TYPE_NAME;
use super::config::JobConfig;
use super::graph::{self, GRAPH, Purpose, Run};
use crate::blueprint::OWNER_TAG;
use crate::blueprint::job::{self as bp, JOB_TAG, JobInput};
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
    "schedule_arn",
    "task_definition_arn",
    "execution_role_arn",
    "task_role_arn",
    "scheduler_role_arn",
    "log_group_name",
];

/// The blueprint input from a planned (or recorded) value; the account is the cluster's, filled
/// in by the graph.
fn input_from(planned: &Value, session: &Session) -> Result<JobInput, Diagnostics> {
    let c = JobConfig::from_value(planned);
    let missing = |what: &str| {
        Diagnostics::from(Diagnostic::error(
            "Value not known at apply time",
            format!("{what} must be known when the job is applied."),
        ))
    };
    // The plan holds every default, so each of these is known at apply time.
    let text = |f: &Field<String>, what: &str| f.known().cloned().ok_or_else(|| missing(what));
    let int = |f: &Field<i64>, what: &str| {
        f.known()
            .and_then(|n| i32::try_from(*n).ok())
            .ok_or_else(|| missing(what))
    };
    Ok(JobInput {
        cluster: text(&c.cluster, "cluster")?,
        name: text(&c.name, "name")?,
        image: text(&c.image, "image")?,
        schedule: text(&c.schedule, "schedule")?,
        timezone: text(&c.timezone, "timezone")?,
        command: fields::known_strings(&c.command).unwrap_or_default(),
        cpu: int(&c.cpu, "cpu")?,
        memory: int(&c.memory, "memory")?,
        environment: known_map(&c.environment),
        secrets: known_map(&c.secrets),
        task_role_policy_json: c.task_role_policy_json.known().cloned(),
        log_retention_days: int(&c.log_retention_days, "log_retention_days")?,
        enabled: c
            .enabled
            .known()
            .copied()
            .ok_or_else(|| missing("enabled"))?,
        max_retry_attempts: int(&c.max_retry_attempts, "max_retry_attempts")?,
        max_event_age: int(&c.max_event_age, "max_event_age")?,
        dead_letter_queue_arn: c.dead_letter_queue_arn.known().cloned(),
        flexible_window: c
            .flexible_window
            .known()
            .and_then(|n| i32::try_from(*n).ok()),
        tags: known_map(&fields::string_map(planned, "tags_all")),
        region: session.region().to_owned(),
        account_id: String::new(),
        partition: session.partition().to_owned(),
    })
}

fn run(state: &Value, purpose: Purpose, config: Option<JobInput>) -> Option<Run> {
    let s = |a: &str| fields::string(state, a).known().cloned();
    Some(Run {
        cluster: s("cluster")?,
        name: s("name")?,
        purpose,
        recorded_task_definition: s("task_definition_arn"),
        config,
    })
}

/// Every object's tags as found, each with the tags the provider gives it itself.
fn tag_objects<'a>(run: &Run, outputs: &'a Outputs) -> Vec<(&'a tags::Tags, tags::Tags)> {
    let fixed = BTreeMap::from([
        (OWNER_TAG.to_owned(), run.cluster.clone()),
        (JOB_TAG.to_owned(), run.name.clone()),
    ]);
    outputs
        .all_tags()
        .map(|(_, found)| (found, fixed.clone()))
        .collect()
}

/// The job's walks.
pub const LIFECYCLE: Lifecycle<Run> = Lifecycle {
    type_name: TYPE_NAME,
    schema: &super::schema::SCHEMA,
    graph: &GRAPH,
    computed: COMPUTED,
    facts: &[],
    tag_objects,
    managed_tags: |_| BTreeMap::new(),
};

/// What a create or update walks from: the planned configuration and the recorded revision.
pub fn apply_input(session: &Session, prior: &Value, planned: &Value) -> Result<Run, Diagnostics> {
    let input = input_from(planned, session)?;
    let mut run = run(planned, Purpose::Apply, Some(input)).ok_or_else(Diagnostics::new)?;
    run.recorded_task_definition = fields::string(prior, "task_definition_arn")
        .known()
        .cloned();
    Ok(run)
}

pub async fn read(ctx: &Context, call: &CallContext, state: Value) -> ReadOutput {
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
    let Some(run) = run(prior, Purpose::Delete, None) else {
        return unchanged(&Value::Null, Diagnostics::new());
    };
    LIFECYCLE.delete(session, &run, call, prior).await
}

/// `terraform import ecsprod_scheduled_task.x <cluster>/<job>`: the whole state from AWS.
pub async fn import(
    ctx: &Context,
    call: &CallContext,
    defaults: Value,
    id: String,
) -> ImportOutput {
    let Some((cluster, name)) = id.split_once('/') else {
        return not_imported(Diagnostic::error(
            "Invalid import ID",
            format!("{id:?} is not <cluster>/<job>, e.g. prod/nightly-report."),
        ));
    };
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(d) => return not_imported(d),
    };
    let mut state = defaults;
    set(&mut state, "cluster", Value::string(cluster));
    set(&mut state, "name", Value::string(name));
    set(&mut state, "id", Value::string(bp::job_key(cluster, name)));
    let Some(run) = run(&state, Purpose::Import, None) else {
        return not_imported(Diagnostics::new());
    };
    let absent = || {
        Diagnostic::error(
            "Scheduled task not found",
            format!(
                "No schedule {:?} of job {name:?} on cluster {cluster:?}.",
                bp::names(cluster, name).schedule
            ),
        )
    };
    // The schedule must exist; the tags are the task role's.
    let found = |o: &Outputs| {
        o.get(graph::SCHEDULE)?;
        Some(
            o.get(graph::TASK_ROLE)
                .map(|r| r.tags.clone())
                .unwrap_or_default(),
        )
    };
    let (outputs, mut tags_all) = match LIFECYCLE
        .find(session, &run, call, &state, found, absent)
        .await
    {
        Ok(found) => found,
        Err(failed) => return failed,
    };
    tags_all.remove(OWNER_TAG);
    tags_all.remove(JOB_TAG);
    LIFECYCLE.imported(ctx, &run, &outputs, state, &tags_all, |wanted| {
        apply_input(session, &Value::Null, wanted)
    })
}
