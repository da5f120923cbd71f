//! `ecsprod_cluster`: the ECS cluster, its EC2 capacity and the shared HTTPS load balancer.

pub mod config;
pub mod graph;
pub mod lifecycle;
mod plan;
mod planned;
mod project;
pub mod schema;
mod settings;
mod texts;

use std::sync::{Arc, LazyLock};

use ecsprod_cty::Value;

use super::{Context, fields, plan_tags_all};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::identity::IdentitySchema;
use crate::protocol::provider::{PlanInput, Resource};

pub const TYPE_NAME: &str = "ecsprod_cluster";

/// The resource's identity: its import ID's parts and the region.
pub static IDENTITY: LazyLock<IdentitySchema> =
    LazyLock::new(|| super::identity::schema(&[("name", "Name of the ECS cluster.")]));

/// The refusal to delete a protected cluster.
fn protected() -> Diagnostic {
    Diagnostic::error(
        "Cluster is protected from deletion",
        "deletion_protection is true, so nothing was deleted. Set deletion_protection = false, run terraform apply, then destroy again.",
    )
}

pub struct ClusterResource {
    context: Arc<Context>,
}

impl ClusterResource {
    pub fn new(context: Arc<Context>) -> Self {
        Self { context }
    }
}

impl Resource for ClusterResource {
    fn modify_plan(&self, input: &PlanInput<'_>, planned: &mut Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        if planned.is_null() {
            // Destroy: refuse before anything is deleted while the load balancer is protected.
            if fields::boolean(input.prior, "deletion_protection").known() == Some(&true) {
                d.push(protected().at(ecsprod_cty::Path::root().attr("deletion_protection")));
            }
            return d;
        }
        // The ID is the cluster name, known as soon as the name is.
        let id = match fields::string(planned, "name") {
            fields::Field::Known(name) => Value::string(name),
            _ => Value::unknown(),
        };
        if let Some(slot) = planned.get_attr_mut("id") {
            *slot = id;
        }
        plan::adjust(input, planned);
        if let Some(refused) = plan::namespace(input, planned) {
            d.push(refused);
        }
        plan_tags_all(&self.context, planned);
        d
    }

    fn list_schema(&self) -> Option<&crate::protocol::schema::Schema> {
        Some(&super::listing::CLUSTERS)
    }

    fn list<'a>(
        &'a self,
        ctx: crate::protocol::provider::CallContext,
        _config: Value,
        include_state: bool,
        limit: usize,
    ) -> crate::protocol::provider::BoxFuture<'a, crate::protocol::provider::ListOutput> {
        Box::pin(async move {
            super::listing::clusters(&self.context, &ctx, self, include_state, limit).await
        })
    }

    super::rpcs::resource_rpcs!(super::preflight::cluster);
}
