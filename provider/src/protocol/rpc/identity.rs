//! Resource identity: this provider identifies resources by their import ID and declares no
//! identity schemas, so there is nothing to upgrade.

use ecsprod_proto::tfplugin6 as pb;

use crate::protocol::diag::Diagnostic;

pub(crate) fn schemas() -> pb::get_resource_identity_schemas::Response {
    pb::get_resource_identity_schemas::Response::default()
}

pub(crate) fn upgrade(
    req: pb::upgrade_resource_identity::Request,
) -> pb::upgrade_resource_identity::Response {
    pb::upgrade_resource_identity::Response {
        upgraded_identity: None,
        diagnostics: crate::protocol::diag::Diagnostics::from(Diagnostic::error(
            "Resource identity not supported",
            format!(
                "{} declares no resource identity; import it by ID instead.",
                req.type_name
            ),
        ))
        .into_proto(),
    }
}
