//! How each of the job's objects shows in the state: every setting AWS reports differently
//! shows on the user's attribute, so the plan puts it back. The log group and the execution and
//! task roles show as a service's do.

use ecsprod_cty::Value;

use super::graph::Run;
use crate::blueprint::cluster::names as cluster_names;
use crate::engine::Outputs;
use crate::engine::units::{ObservedRole, ObservedSchedule, ObservedTaskDefinition};
use crate::resources::fields::{self, set};

fn opt(v: Option<&String>) -> Value {
    v.map_or(Value::Null, |s| Value::string(s.clone()))
}

fn number(n: i32) -> Value {
    Value::number(i64::from(n))
}

pub fn scheduler_role(_: &Run, o: Option<&ObservedRole>, _: &Outputs, state: &mut Value) {
    set(state, "scheduler_role_arn", opt(o.map(|r| &r.arn)));
}

/// A revision the schedule runs other than the recorded one (set outside Terraform) shows its
/// content, so the plan puts the configured one back.
pub fn task_definition(
    run: &Run,
    o: Option<&ObservedTaskDefinition>,
    _: &Outputs,
    state: &mut Value,
) {
    let Some(td) = o.filter(|t| Some(&t.arn) != run.recorded_task_definition.as_ref()) else {
        return;
    };
    let d = &td.definition;
    let main = crate::resources::service::containers::main_container(&run.name, d);
    set(state, "image", Value::string(main.image.clone()));
    let command = fields::list_or_null(state, "command", &main.command);
    set(state, "command", command);
    if let Ok(cpu) = d.cpu.trim().parse::<i64>() {
        set(state, "cpu", Value::number(cpu));
    }
    if let Ok(memory) = d.memory.trim().parse::<i64>() {
        set(state, "memory", Value::number(memory));
    }
    let env = fields::pairs_or_null(state, "environment", &main.environment);
    set(state, "environment", env);
    let secrets = fields::pairs_or_null(state, "secrets", &main.secrets);
    set(state, "secrets", secrets);
}

/// Whether the schedule still starts this job's task in its cluster, on its capacity provider,
/// with its role.
fn runs_this_job(run: &Run, s: &ObservedSchedule, state: &Value) -> bool {
    let t = &s.spec.target;
    let role = fields::string(state, "scheduler_role_arn");
    t.capacity_provider == cluster_names(&run.cluster).capacity_provider
        && t.cluster_arn
            .ends_with(&format!(":cluster/{}", run.cluster))
        && role.known().is_none_or(|r| *r == t.role_arn)
}

/// The schedule: its timing, state, retries and the revision it runs. A schedule that is gone,
/// or whose target is another than the job's (changed outside Terraform), leaves `schedule_arn`
/// null, so the next plan writes it again.
pub fn schedule(run: &Run, o: Option<&ObservedSchedule>, _: &Outputs, state: &mut Value) {
    let Some(s) = o else {
        set(state, "schedule_arn", Value::Null);
        return;
    };
    let spec = &s.spec;
    let arn = if runs_this_job(run, s, state) {
        Value::string(s.arn.clone())
    } else {
        Value::Null
    };
    set(state, "schedule_arn", arn);
    set(state, "schedule", Value::string(spec.expression.clone()));
    set(state, "timezone", Value::string(spec.timezone.clone()));
    set(state, "enabled", Value::bool(spec.enabled));
    set(state, "max_retry_attempts", number(spec.max_retry_attempts));
    set(state, "max_event_age", number(spec.max_event_age));
    set(
        state,
        "dead_letter_queue_arn",
        opt(spec.dead_letter_queue_arn.as_ref()),
    );
    set(
        state,
        "flexible_window",
        spec.flexible_window.map_or(Value::Null, number),
    );
    set(
        state,
        "task_definition_arn",
        Value::string(spec.target.task_definition_arn.clone()),
    );
}
