//! `ecsprod_scheduled_task`: a job that EventBridge Scheduler runs on the cluster's capacity.

pub mod config;
pub mod graph;
pub mod lifecycle;
mod project;
pub mod schedule_rules;
pub mod schema;

use std::sync::{Arc, LazyLock};

use ecsprod_cty::Value;

use super::fields::{self, Field};
use super::{Context, plan_tags_all};
use crate::protocol::diag::Diagnostics;
use crate::protocol::identity::IdentitySchema;
use crate::protocol::provider::{PlanInput, Resource};

pub const TYPE_NAME: &str = "ecsprod_scheduled_task";

/// The resource's identity: its import ID's parts and the region.
pub static IDENTITY: LazyLock<IdentitySchema> = LazyLock::new(|| {
    super::identity::schema(&[
        ("cluster", "Name of the cluster the job runs on."),
        ("name", "Name of the job within its cluster."),
    ])
});

pub struct ScheduledTaskResource {
    context: Arc<Context>,
}

impl ScheduledTaskResource {
    pub fn new(context: Arc<Context>) -> Self {
        Self { context }
    }
}

/// Sets `attr` to `f(cluster, name)` when both are known, unknown otherwise.
fn derive(planned: &mut Value, attr: &str, f: impl Fn(&str, &str) -> String) {
    let value = match (
        fields::string(planned, "cluster"),
        fields::string(planned, "name"),
    ) {
        (Field::Known(c), Field::Known(n)) => Value::string(f(&c, &n)),
        _ => Value::unknown(),
    };
    if let Some(slot) = planned.get_attr_mut(attr) {
        *slot = value;
    }
}

impl Resource for ScheduledTaskResource {
    fn modify_plan(&self, _: &PlanInput<'_>, planned: &mut Value) -> Diagnostics {
        if planned.is_null() {
            return Diagnostics::new();
        }
        derive(planned, "id", crate::blueprint::job::job_key);
        derive(planned, "log_group_name", |c, n| {
            crate::blueprint::job::names(c, n).log_group
        });
        plan_tags_all(&self.context, planned);
        Diagnostics::new()
    }

    super::rpcs::resource_rpcs!(super::preflight::job);
}
