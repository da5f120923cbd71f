//! `list` blocks (`terraform query`): the clusters this provider can manage, and the services
//! of a cluster, each with its identity and, when asked, the state an import gives it.

use std::sync::LazyLock;

use ecsprod_cty::{Path, Type, Value};
use futures_util::StreamExt;

use super::{Context, fields};
use crate::blueprint::OWNER_TAG;
use crate::blueprint::cluster::names;
use crate::engine::units::{Clusters, ServiceNames};
use crate::engine::{Limits, Session};
use crate::protocol::diag::{Diagnostic, Diagnostics, Severity};
use crate::protocol::provider::{CallContext, ImportOutput, ListOutput, Listed, Resource};
use crate::protocol::schema::{Attribute, Schema};

/// Imports run at once while a list gathers states.
const CONCURRENT_IMPORTS: usize = 4;

/// `list "ecsprod_cluster"`: no settings.
pub static CLUSTERS: LazyLock<Schema> = LazyLock::new(|| {
    Schema {
    version: 0,
    description: "The ECS clusters of the provider's region that have the capacity provider or the ownership tag an `ecsprod_cluster` gives them.".into(),
    attributes: Vec::new(),
}
});

/// `list "ecsprod_service"`: the cluster to list.
pub static SERVICES: LazyLock<Schema> = LazyLock::new(|| Schema {
    version: 0,
    description: "The ECS services of a cluster, whether this provider created them or not.".into(),
    attributes: vec![Attribute::required(
        "cluster",
        Type::String,
        "Name of the ECS cluster whose services to list.",
    )],
});

/// A list reads with the default read timeout: a list block has no `timeouts`.
fn limits(call: &CallContext) -> Limits {
    super::walks::limits(call, &Value::Null, "read")
}

/// What a list found before states are gathered: each object's import ID and identity parts.
struct Found {
    import_id: String,
    parts: Vec<String>,
}

/// The clusters of the region that look like an `ecsprod_cluster`'s.
pub async fn clusters(
    context: &Context,
    call: &CallContext,
    resource: &dyn Resource,
    include_state: bool,
    limit: usize,
) -> ListOutput {
    let session = match context.session().await {
        Ok(s) => s,
        Err(diagnostics) => return failed(diagnostics),
    };
    let found = match session.lookup::<Clusters>(&[()], &limits(call)).await {
        Ok(mut found) => found.pop().flatten().unwrap_or_default(),
        Err(e) => return failed(Diagnostic::error("Listing clusters failed", e.to_string())),
    };
    let found = found
        .into_iter()
        .filter(|(name, cluster)| {
            cluster
                .capacity_providers
                .contains(&names(name).capacity_provider)
                || cluster.tags.get(OWNER_TAG) == Some(name)
        })
        .map(|(name, _)| Found {
            import_id: name.clone(),
            parts: vec![name],
        })
        .collect();
    gather(session, call, resource, found, include_state, limit).await
}

/// The services of the cluster the list's `config` names.
pub async fn services(
    context: &Context,
    call: &CallContext,
    config: &Value,
    resource: &dyn Resource,
    include_state: bool,
    limit: usize,
) -> ListOutput {
    let fields::Field::Known(cluster) = fields::string(config, "cluster") else {
        return failed(
            Diagnostic::error("Missing cluster", "The list needs the cluster's name.")
                .at(Path::root().attr("cluster")),
        );
    };
    let session = match context.session().await {
        Ok(s) => s,
        Err(diagnostics) => return failed(diagnostics),
    };
    let names = match session
        .lookup::<ServiceNames>(std::slice::from_ref(&cluster), &limits(call))
        .await
    {
        Ok(mut found) => found.pop().flatten(),
        Err(e) => return failed(Diagnostic::error("Listing services failed", e.to_string())),
    };
    let Some(names) = names else {
        return failed(
            Diagnostic::error(
                "Cluster not found",
                format!("No active ECS cluster named {cluster:?} in this account and region."),
            )
            .at(Path::root().attr("cluster")),
        );
    };
    let found = names
        .into_iter()
        .map(|name| Found {
            import_id: format!("{cluster}/{name}"),
            parts: vec![cluster.clone(), name],
        })
        .collect();
    gather(session, call, resource, found, include_state, limit).await
}

/// Each found object's identity and display name, and its imported state when asked for.
async fn gather(
    session: &Session,
    call: &CallContext,
    resource: &dyn Resource,
    found: Vec<Found>,
    include_state: bool,
    limit: usize,
) -> ListOutput {
    let Some(identity) = resource.identity_schema() else {
        return failed(Diagnostic::error(
            "Resource identity not declared",
            "A listed resource type must declare an identity; this is a bug in the provider.",
        ));
    };
    let region = Value::string(session.region());
    let found: Vec<Found> = found.into_iter().take(limit).collect();
    let states: Vec<Option<ImportOutput>> = if include_state {
        // Futures do nothing until polled: at most CONCURRENT_IMPORTS run at once.
        let imports: Vec<_> = found
            .iter()
            .map(|f| resource.import(call.clone(), f.import_id.clone()))
            .collect();
        futures_util::stream::iter(imports)
            .buffered(CONCURRENT_IMPORTS)
            .map(Some)
            .collect()
            .await
    } else {
        found.iter().map(|_| None).collect()
    };
    let mut out = ListOutput::default();
    for (f, imported) in found.into_iter().zip(states) {
        let parts = f.parts.into_iter().map(Value::string);
        let listed = Listed {
            display_name: f.import_id,
            identity: identity.value(parts.chain([region.clone()])),
            state: None,
        };
        match imported {
            None => out.items.push(listed),
            Some(imported) if imported.state.is_null() => {
                out.diagnostics.extend(as_warnings(imported.diagnostics));
            }
            Some(imported) => {
                out.diagnostics.extend(imported.diagnostics);
                out.items.push(Listed {
                    state: Some(imported.state),
                    ..listed
                });
            }
        }
    }
    out
}

/// An object that could not be imported is left out of the list, with why.
fn as_warnings(diagnostics: Diagnostics) -> Diagnostics {
    diagnostics
        .0
        .into_iter()
        .map(|d| Diagnostic {
            severity: Severity::Warning,
            ..d
        })
        .collect()
}

fn failed(diagnostics: impl Into<Diagnostics>) -> ListOutput {
    ListOutput {
        items: Vec::new(),
        diagnostics: diagnostics.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_list_needs_its_cluster_and_a_cluster_list_needs_nothing() {
        let required: Vec<_> = SERVICES
            .attributes
            .iter()
            .filter(|a| a.mode == crate::protocol::schema::Mode::Required)
            .map(|a| a.name)
            .collect();
        assert_eq!(required, vec!["cluster"]);
        assert!(CLUSTERS.attributes.is_empty());
    }
}
