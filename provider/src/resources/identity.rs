//! Resource identities: the attributes that name a resource's objects in its account, in the
//! order of its import ID (`<cluster>/<name>`, or `<name>` for a cluster), then the region.

use ecsprod_cty::{Path, Value};

use super::{Context, fields};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::identity::{IdentityAttribute, IdentitySchema};

const REGION: &str = "region";

/// An identity schema: `names` (state attributes, each required for import) and the region.
pub fn schema(names: &[(&'static str, &'static str)]) -> IdentitySchema {
    let mut attributes: Vec<IdentityAttribute> = names
        .iter()
        .map(|(name, description)| IdentityAttribute {
            name,
            required_for_import: true,
            description,
        })
        .collect();
    attributes.push(IdentityAttribute {
        name: REGION,
        required_for_import: false,
        description: "AWS region of the objects. Default: the provider's region, the only one an import may name.",
    });
    IdentitySchema {
        version: 0,
        attributes,
    }
}

/// The names of `schema`'s attributes that come from the state.
fn named(schema: &IdentitySchema) -> impl Iterator<Item = &'static str> + '_ {
    schema
        .attributes
        .iter()
        .map(|a| a.name)
        .filter(|n| *n != REGION)
}

/// The identity of the objects `state` describes; a name not yet known is unknown.
pub async fn of(
    context: &Context,
    schema: &IdentitySchema,
    state: &Value,
) -> Result<Value, Diagnostics> {
    let region = context.session().await?.region().to_owned();
    let values = named(schema)
        .map(|n| match fields::string(state, n) {
            fields::Field::Known(v) => Value::string(v),
            fields::Field::Unknown => Value::unknown(),
            fields::Field::Null => Value::Null,
        })
        .chain([Value::string(region)]);
    Ok(schema.value(values))
}

/// The import ID of the objects `identity` names. An identity for another region than the
/// provider's is refused: this provider's objects live in its own region.
pub async fn import_id(
    context: &Context,
    schema: &IdentitySchema,
    identity: &Value,
) -> Result<String, Diagnostics> {
    let region = context.session().await?.region().to_owned();
    let mut d = Diagnostics::new();
    if let fields::Field::Known(asked) = fields::string(identity, REGION)
        && asked != region
    {
        d.push(
            Diagnostic::error(
                "Identity in another region",
                format!(
                    "The identity names region {asked:?}, but this provider is configured for {region:?}. Import with a provider configured for {asked:?} (a provider alias and `provider = …` in the import block), or leave region out."
                ),
            )
            .at(Path::root().attr(REGION)),
        );
    }
    let mut parts = Vec::new();
    for name in named(schema) {
        match fields::string(identity, name) {
            fields::Field::Known(v) if !v.is_empty() && !v.contains('/') => parts.push(v),
            _ => d.push(
                Diagnostic::error(
                    "Invalid identity",
                    format!("The identity needs {name}: a non-empty name without \"/\"."),
                )
                .at(Path::root().attr(name)),
            ),
        }
    }
    if d.has_errors() {
        return Err(d);
    }
    Ok(parts.join("/"))
}
