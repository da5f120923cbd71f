//! `UpgradeResourceState`: Terraform calls it for every resource read from state, also when the
//! schema version did not change. Stored JSON is decoded against the current schema (version 0,
//! the first) and returned as msgpack. An attribute with a default that the stored state does not
//! have at all (written before the attribute existed) gets its default, as the plan would give
//! it, so upgrading the provider shows no change.

use ecsprod_cty::{Value, json};
use ecsprod_proto::tfplugin6 as pb;

use super::{ProviderServer, encode};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::provider::Provider;
use crate::protocol::schema::Attribute;

pub(crate) fn run<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::upgrade_resource_state::Request,
) -> Result<pb::upgrade_resource_state::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let schema = resource.schema();
    if req.version > schema.version {
        return Err(Diagnostic::error(
            "State written by a newer provider",
            format!(
                "This {} was saved with schema version {}, but this provider only knows versions up to {}. Upgrade the provider.",
                req.type_name, req.version, schema.version
            ),
        )
        .into());
    }
    let raw = req.raw_state.unwrap_or_default();
    if raw.json.is_empty() {
        if !raw.flatmap.is_empty() {
            return Err(Diagnostic::error(
                "Unsupported state format",
                "The stored state uses the legacy flatmap format, which this provider never wrote.",
            )
            .into());
        }
        return Err(Diagnostic::error(
            "Empty stored state",
            "Terraform sent no stored state to upgrade.",
        )
        .into());
    }
    let ty = schema.value_type();
    let mut value = json::decode(&raw.json, &ty).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Unreadable stored state",
            format!(
                "The stored {} state does not match its schema: {e}",
                req.type_name
            ),
        ))
    })?;
    fill_added_defaults(&schema.attributes, &raw.json, &mut value);
    Ok(pb::upgrade_resource_state::Response {
        upgraded_state: Some(encode(&value, &ty, "upgraded state")?),
        diagnostics: Vec::new(),
    })
}

/// Gives each top-level attribute with a default that `stored` (the state's JSON) lacks its
/// default.
pub(crate) fn fill_added_defaults(attrs: &[Attribute], stored: &[u8], value: &mut Value) {
    let Ok(serde_json::Value::Object(stored)) = serde_json::from_slice::<serde_json::Value>(stored)
    else {
        return;
    };
    let Value::Object(current) = value else {
        return;
    };
    for a in attrs {
        if let (false, Some(default)) = (stored.contains_key(a.name), a.default_value()) {
            current.insert(a.name.to_owned(), default);
        }
    }
}

#[cfg(test)]
mod tests {
    use ecsprod_cty::Type;

    use super::*;

    #[test]
    fn an_attribute_added_after_the_state_was_written_gets_its_default_and_others_stay() {
        let attrs = vec![
            Attribute::required("name", Type::String, ""),
            Attribute::with_default("size", Type::Number, Value::number(2), ""),
            Attribute::with_default("flag", Type::Bool, Value::bool(false), ""),
        ];
        let mut value = Value::object([
            ("name", Value::string("a")),
            ("size", Value::Null),
            ("flag", Value::Null),
        ]);
        fill_added_defaults(&attrs, br#"{"name": "a", "size": null}"#, &mut value);
        assert_eq!(
            value.get_attr("flag"),
            Some(&Value::bool(false)),
            "added later"
        );
        assert_eq!(
            value.get_attr("size"),
            Some(&Value::Null),
            "stored as null: kept"
        );
    }
}
