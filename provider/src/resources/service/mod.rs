//! `ecsprod_service`: one application on the cluster's shared load balancer.

pub mod config;
pub mod containers;
pub mod deployment;
pub mod graph;
pub mod internal;
mod keys;
pub mod lifecycle;
pub(crate) mod project;
pub mod queue;
pub mod routing;
pub mod schema;
#[cfg(test)]
mod test_values;

use std::sync::{Arc, LazyLock};

use ecsprod_cty::Value;

use super::fields::{self, Field};
use super::{Context, plan_tags_all};
use crate::protocol::diag::Diagnostics;
use crate::protocol::identity::IdentitySchema;
use crate::protocol::provider::{PlanInput, Resource};

pub const TYPE_NAME: &str = "ecsprod_service";

/// The resource's identity: its import ID's parts and the region.
pub static IDENTITY: LazyLock<IdentitySchema> = LazyLock::new(|| {
    super::identity::schema(&[
        ("cluster", "Name of the cluster the service runs on."),
        ("name", "Name of the service within its cluster."),
    ])
});

pub struct ServiceResource {
    context: Arc<Context>,
}

impl ServiceResource {
    pub fn new(context: Arc<Context>) -> Self {
        Self { context }
    }
}

/// Sets `attr` to `f(values)` when all `inputs` are known, null when one is null, unknown
/// otherwise.
fn derive(planned: &mut Value, attr: &str, inputs: &[&str], f: impl Fn(&[String]) -> String) {
    let fields: Vec<Field<String>> = inputs.iter().map(|i| fields::string(planned, i)).collect();
    let values: Option<Vec<String>> = fields.iter().map(|f| f.known().cloned()).collect();
    let value = match values {
        Some(v) => Value::string(f(&v)),
        None if fields.iter().any(|f| matches!(f, Field::Null)) => Value::Null,
        None => Value::unknown(),
    };
    if let Some(slot) = planned.get_attr_mut(attr) {
        *slot = value;
    }
}

impl Resource for ServiceResource {
    fn modify_plan(&self, input: &PlanInput<'_>, planned: &mut Value) -> Diagnostics {
        if planned.is_null() {
            return Diagnostics::new();
        }
        // `desired_count` only seeds a new service; afterwards autoscaling owns the count, so a
        // changed value (or the live count found at import) is never a diff.
        if let Some(prior) = input
            .prior
            .get_attr("desired_count")
            .filter(|v| !v.is_null())
            && let Some(slot) = planned.get_attr_mut("desired_count")
        {
            *slot = prior.clone();
        }
        derive(planned, "id", &["cluster", "name"], |v| {
            format!("{}/{}", v[0], v[1])
        });
        derive(planned, "url", &["domain_name"], |v| {
            format!("https://{}", v[0])
        });
        derive(planned, "log_group_name", &["cluster", "name"], |v| {
            format!("/ecs/{}/{}", v[0], v[1])
        });
        plan_tags_all(&self.context, planned);
        deployment::plan(input.config, planned);
        deployment::plan_shift_objects(input.prior, planned);
        routing::plan_unrouted(planned);
        lifecycle::plan_previous_target_groups(input.prior, planned);
        if !matches!(fields::string(planned, "domain_name"), Field::Null) {
            routing::plan_priority(input.prior, planned);
        }
        // Refresh found the ECS service gone while other objects it owns remain: the apply
        // creates it again, with a new ARN.
        if !input.prior.is_null()
            && input.prior.get_attr("arn").is_some_and(Value::is_null)
            && let Some(slot) = planned.get_attr_mut("arn")
        {
            *slot = Value::unknown();
        }
        deployment::check_port_change(input.prior, planned)
    }

    fn list_schema(&self) -> Option<&crate::protocol::schema::Schema> {
        Some(&super::listing::SERVICES)
    }

    fn list<'a>(
        &'a self,
        ctx: crate::protocol::provider::CallContext,
        config: Value,
        include_state: bool,
        limit: usize,
    ) -> crate::protocol::provider::BoxFuture<'a, crate::protocol::provider::ListOutput> {
        Box::pin(async move {
            super::listing::services(&self.context, &ctx, &config, self, include_state, limit).await
        })
    }

    super::rpcs::resource_rpcs!(super::preflight::service);
}
