//! Calls for object kinds this provider does not offer (data sources, ephemeral resources,
//! functions, cross-type moves). Terraform only makes them when a configuration uses such an
//! object, which then fails with a clear diagnostic.

use ecsprod_proto::tfplugin6 as pb;

use crate::protocol::diag::{Diagnostic, Diagnostics};

fn none_of(kind: &str, name: &str) -> Vec<pb::Diagnostic> {
    Diagnostics::from(Diagnostic::error(
        format!("Unknown {kind}"),
        format!("The ecsprod provider has no {kind} named {name:?}."),
    ))
    .into_proto()
}

pub(crate) fn validate_data_resource_config(
    req: pb::validate_data_resource_config::Request,
) -> pb::validate_data_resource_config::Response {
    pb::validate_data_resource_config::Response {
        diagnostics: none_of("data source", &req.type_name),
    }
}

pub(crate) fn read_data_source(
    req: pb::read_data_source::Request,
) -> pb::read_data_source::Response {
    pb::read_data_source::Response {
        diagnostics: none_of("data source", &req.type_name),
        ..Default::default()
    }
}

pub(crate) fn validate_ephemeral(
    req: pb::validate_ephemeral_resource_config::Request,
) -> pb::validate_ephemeral_resource_config::Response {
    pb::validate_ephemeral_resource_config::Response {
        diagnostics: none_of("ephemeral resource", &req.type_name),
    }
}

pub(crate) fn open_ephemeral(
    req: pb::open_ephemeral_resource::Request,
) -> pb::open_ephemeral_resource::Response {
    pb::open_ephemeral_resource::Response {
        diagnostics: none_of("ephemeral resource", &req.type_name),
        ..Default::default()
    }
}

pub(crate) fn renew_ephemeral(
    req: pb::renew_ephemeral_resource::Request,
) -> pb::renew_ephemeral_resource::Response {
    pb::renew_ephemeral_resource::Response {
        diagnostics: none_of("ephemeral resource", &req.type_name),
        ..Default::default()
    }
}

pub(crate) fn close_ephemeral(
    req: pb::close_ephemeral_resource::Request,
) -> pb::close_ephemeral_resource::Response {
    pb::close_ephemeral_resource::Response {
        diagnostics: none_of("ephemeral resource", &req.type_name),
    }
}

pub(crate) fn generate_resource_config(
    req: pb::generate_resource_config::Request,
) -> pb::generate_resource_config::Response {
    pb::generate_resource_config::Response {
        config: None,
        diagnostics: Diagnostics::from(Diagnostic::error(
            "Configuration generation not supported",
            format!(
                "The ecsprod provider does not generate configuration for {}; Terraform's own generator is used instead.",
                req.type_name
            ),
        ))
        .into_proto(),
    }
}

pub(crate) fn move_resource_state(
    req: pb::move_resource_state::Request,
) -> pb::move_resource_state::Response {
    pb::move_resource_state::Response {
        diagnostics: Diagnostics::from(Diagnostic::error(
            "Moving state across resource types is not supported",
            format!(
                "{} cannot be moved from {} ({}).",
                req.target_type_name, req.source_type_name, req.source_provider_address
            ),
        ))
        .into_proto(),
        ..Default::default()
    }
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
