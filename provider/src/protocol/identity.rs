//! Resource identity (Terraform 1.12 and later): a small object, stored beside a resource's
//! state, that names its remote object. `import { to = …, identity = { … } }` imports by it.
//! Terraform releases before 1.12 never ask for identity schemas and ignore the identity
//! fields of the responses, so declaring one costs them nothing.

use ecsprod_cty::{Type, Value};
use ecsprod_proto::tfplugin6 as pb;

/// One attribute of an identity. Every identity attribute is a string.
#[derive(Debug, Clone)]
pub struct IdentityAttribute {
    pub name: &'static str,
    /// Required in an `import` block's `identity`; otherwise optional there.
    pub required_for_import: bool,
    pub description: &'static str,
}

/// The identity schema of a resource type.
#[derive(Debug, Clone)]
pub struct IdentitySchema {
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

impl IdentitySchema {
    pub fn value_type(&self) -> Type {
        Type::object(self.attributes.iter().map(|a| (a.name, Type::String)))
    }

    pub fn to_proto(&self) -> pb::ResourceIdentitySchema {
        pb::ResourceIdentitySchema {
            version: self.version,
            identity_attributes: self
                .attributes
                .iter()
                .map(|a| pb::resource_identity_schema::IdentityAttribute {
                    name: a.name.to_owned(),
                    r#type: Type::String.to_json_bytes(),
                    required_for_import: a.required_for_import,
                    optional_for_import: !a.required_for_import,
                    description: a.description.to_owned(),
                })
                .collect(),
        }
    }

    /// The identity object with these attribute values, in the schema's order.
    pub fn value(&self, values: impl IntoIterator<Item = Value>) -> Value {
        Value::object(self.attributes.iter().map(|a| a.name).zip(values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_schema_declares_string_attributes_and_which_an_import_needs() {
        let schema = IdentitySchema {
            version: 0,
            attributes: vec![
                IdentityAttribute {
                    name: "name",
                    required_for_import: true,
                    description: "",
                },
                IdentityAttribute {
                    name: "region",
                    required_for_import: false,
                    description: "",
                },
            ],
        };
        let proto = schema.to_proto();
        let flags: Vec<_> = proto
            .identity_attributes
            .iter()
            .map(|a| {
                (
                    a.name.as_str(),
                    a.required_for_import,
                    a.optional_for_import,
                )
            })
            .collect();
        assert_eq!(flags, vec![("name", true, false), ("region", false, true)]);
        assert_eq!(proto.identity_attributes[0].r#type, b"\"string\"".to_vec());
        let value = schema.value([Value::string("a"), Value::string("eu-west-1")]);
        assert_eq!(value.get_attr("region"), Some(&Value::string("eu-west-1")));
    }
}
