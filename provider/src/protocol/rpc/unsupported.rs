//! Calls for object kinds this provider does not offer (data sources, ephemeral resources,
//! functions, cross-type moves) and identities of resources that declare none. Terraform only makes them when a
//! configuration uses such an object, which then fails with a clear diagnostic.

use ecsprod_proto::tfplugin6 as pb;

use crate::protocol::diag::{Diagnostic, Diagnostics};

fn none_of(kind: &str, name: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Unknown {kind}"),
        format!("The ecsprod provider has no {kind} named {name:?}."),
    )
    .into()
}

pub(crate) fn data_source(name: &str) -> Diagnostics {
    none_of("data source", name)
}

pub(crate) fn ephemeral(name: &str) -> Diagnostics {
    none_of("ephemeral resource", name)
}

/// A resource type without an identity schema has no identity to upgrade or import by.
pub(crate) fn identity(type_name: &str) -> Diagnostics {
    Diagnostic::error(
        "Resource identity not supported",
        format!("{type_name} declares no resource identity; import it by ID instead."),
    )
    .into()
}

pub(crate) fn generate_config(type_name: &str) -> Diagnostics {
    Diagnostic::error(
        "Configuration generation not supported",
        format!(
            "The ecsprod provider does not generate configuration for {type_name}; Terraform's own generator is used instead."
        ),
    )
    .into()
}

pub(crate) fn move_state(req: &pb::move_resource_state::Request) -> Diagnostics {
    Diagnostic::error(
        "Moving state across resource types is not supported",
        format!(
            "{} cannot be moved from {} ({}).",
            req.target_type_name, req.source_type_name, req.source_provider_address
        ),
    )
    .into()
}

pub(crate) fn call_function(req: pb::call_function::Request) -> pb::call_function::Response {
    pb::call_function::Response {
        result: None,
        error: Some(pb::FunctionError {
            text: format!("The ecsprod provider has no function named {:?}.", req.name),
            function_argument: None,
        }),
    }
}
