//! Resource and provider schemas: what Terraform sees through `GetProviderSchema`, plus the
//! planning metadata (defaults, replacement, stability of computed values) the plan pipeline
//! reads. Descriptions are Markdown; the docs are generated from them.

use ecsprod_cty::{ObjectType, Type, Value};
use ecsprod_proto::tfplugin6 as pb;
use pb::schema::object::NestingMode;

/// How an attribute is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Required,
    Optional,
    /// Optional; when the configuration leaves it null the provider plans a value
    /// (its `default`, or a value it computes).
    OptionalComputed,
    /// Set only by the provider.
    Computed,
}

/// What the plan shows for a provider-computed value once the object exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stability {
    /// Fixed for the life of the object: the prior value is kept on every update.
    Stable,
    /// Becomes unknown when any of the named sibling attributes changes.
    ChangesWith(Vec<&'static str>),
}

#[derive(Debug, Clone)]
pub enum AttrType {
    Plain(Type),
    /// A single nested object (HCL `name = { ... }`) with its own attributes.
    Object(Vec<Attribute>),
    /// A list of nested objects (HCL `name = [{ ... }, ...]`), each with these attributes.
    List(Vec<Attribute>),
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: &'static str,
    pub ty: AttrType,
    pub description: String,
    pub mode: Mode,
    pub sensitive: bool,
    /// Planned when an `OptionalComputed` attribute is null in the configuration.
    pub default: Option<Value>,
    /// A change of this attribute replaces the object.
    pub requires_replace: bool,
    pub stability: Stability,
}

impl Attribute {
    fn new(name: &'static str, ty: AttrType, mode: Mode, description: impl Into<String>) -> Self {
        Self {
            name,
            ty,
            description: description.into(),
            mode,
            sensitive: false,
            default: None,
            requires_replace: false,
            stability: Stability::Stable,
        }
    }

    pub fn required(name: &'static str, ty: Type, description: impl Into<String>) -> Self {
        Self::new(name, AttrType::Plain(ty), Mode::Required, description)
    }

    pub fn optional(name: &'static str, ty: Type, description: impl Into<String>) -> Self {
        Self::new(name, AttrType::Plain(ty), Mode::Optional, description)
    }

    /// Optional, with `default` planned (and shown) when the configuration leaves it out.
    pub fn with_default(
        name: &'static str,
        ty: Type,
        default: Value,
        description: impl Into<String>,
    ) -> Self {
        let mut a = Self::new(
            name,
            AttrType::Plain(ty),
            Mode::OptionalComputed,
            description,
        );
        a.default = Some(default);
        a
    }

    /// Optional; when left out the provider computes it at apply time and keeps it afterwards.
    pub fn optional_computed(name: &'static str, ty: Type, description: impl Into<String>) -> Self {
        Self::new(
            name,
            AttrType::Plain(ty),
            Mode::OptionalComputed,
            description,
        )
    }

    pub fn computed(name: &'static str, ty: Type, description: impl Into<String>) -> Self {
        Self::new(name, AttrType::Plain(ty), Mode::Computed, description)
    }

    /// An optional nested object whose attributes all have defaults: planned in full when left out.
    pub fn object_with_defaults(
        name: &'static str,
        attributes: Vec<Attribute>,
        description: impl Into<String>,
    ) -> Self {
        let mut a = Self::optional_object(name, attributes, description);
        a.mode = Mode::OptionalComputed;
        a
    }

    /// An optional nested object.
    pub fn optional_object(
        name: &'static str,
        attributes: Vec<Attribute>,
        description: impl Into<String>,
    ) -> Self {
        Self::new(
            name,
            AttrType::Object(attributes),
            Mode::Optional,
            description,
        )
    }

    /// An optional list of nested objects; each element gets its attributes' defaults.
    pub fn optional_list(
        name: &'static str,
        attributes: Vec<Attribute>,
        description: impl Into<String>,
    ) -> Self {
        Self::new(
            name,
            AttrType::List(attributes),
            Mode::Optional,
            description,
        )
    }

    pub fn forces_replacement(mut self) -> Self {
        self.requires_replace = true;
        self
    }

    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    pub fn changes_with(mut self, attrs: &[&'static str]) -> Self {
        self.stability = Stability::ChangesWith(attrs.to_vec());
        self
    }

    pub fn is_computed(&self) -> bool {
        matches!(self.mode, Mode::Computed | Mode::OptionalComputed)
    }

    /// The cty type Terraform uses for this attribute's value.
    pub fn value_type(&self) -> Type {
        match &self.ty {
            AttrType::Plain(t) => t.clone(),
            AttrType::Object(attrs) => object_type(attrs),
            AttrType::List(attrs) => Type::list(object_type(attrs)),
        }
    }

    /// The value planned when the configuration leaves the attribute out, if it has one.
    pub fn default_value(&self) -> Option<Value> {
        match (&self.ty, &self.default) {
            (_, Some(v)) => Some(v.clone()),
            (AttrType::Object(attrs), None) if self.mode == Mode::OptionalComputed => {
                let mut obj = std::collections::BTreeMap::new();
                for a in attrs {
                    obj.insert(a.name.to_owned(), a.default_value().unwrap_or(Value::Null));
                }
                Some(Value::Object(obj))
            }
            _ => None,
        }
    }

    fn to_proto(&self) -> pb::schema::Attribute {
        let (ty, nested) = match &self.ty {
            AttrType::Plain(t) => (t.to_json_bytes(), None),
            AttrType::Object(attrs) => (Vec::new(), Some(nested(attrs, NestingMode::Single))),
            AttrType::List(attrs) => (Vec::new(), Some(nested(attrs, NestingMode::List))),
        };
        pb::schema::Attribute {
            name: self.name.to_owned(),
            r#type: ty,
            nested_type: nested,
            description: self.description.clone(),
            required: self.mode == Mode::Required,
            optional: matches!(self.mode, Mode::Optional | Mode::OptionalComputed),
            computed: self.is_computed(),
            sensitive: self.sensitive,
            description_kind: pb::StringKind::Markdown as i32,
            deprecated: false,
            write_only: false,
        }
    }
}

fn nested(attrs: &[Attribute], nesting: NestingMode) -> pb::schema::Object {
    pb::schema::Object {
        attributes: attrs.iter().map(Attribute::to_proto).collect(),
        nesting: nesting as i32,
        ..Default::default()
    }
}

/// The object type implied by a list of attributes.
pub fn object_type(attrs: &[Attribute]) -> Type {
    Type::Object(ObjectType {
        attrs: attrs
            .iter()
            .map(|a| (a.name.to_owned(), a.value_type()))
            .collect(),
        optional: Default::default(),
    })
}

#[derive(Debug, Clone)]
pub struct Schema {
    pub version: i64,
    pub description: String,
    pub attributes: Vec<Attribute>,
}

impl Schema {
    pub fn value_type(&self) -> Type {
        object_type(&self.attributes)
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn to_proto(&self) -> pb::Schema {
        pb::Schema {
            version: self.version,
            block: Some(pb::schema::Block {
                version: self.version,
                attributes: self.attributes.iter().map(Attribute::to_proto).collect(),
                block_types: Vec::new(),
                description: self.description.clone(),
                description_kind: pb::StringKind::Markdown as i32,
                deprecated: false,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Schema {
        Schema {
            version: 0,
            description: "d".into(),
            attributes: vec![
                Attribute::required("name", Type::String, "n").forces_replacement(),
                Attribute::with_default("size", Type::Number, Value::number(2), "s"),
                Attribute::object_with_defaults(
                    "scaling",
                    vec![Attribute::with_default(
                        "min",
                        Type::Number,
                        Value::number(1),
                        "m",
                    )],
                    "o",
                ),
                Attribute::computed("id", Type::String, "i"),
            ],
        }
    }

    #[test]
    fn flags_follow_mode() {
        let proto = sample().to_proto();
        let block = proto.block.expect("block");
        let by_name = |n: &str| {
            block
                .attributes
                .iter()
                .find(|a| a.name == n)
                .cloned()
                .expect("attribute")
        };
        let name = by_name("name");
        assert!(name.required && !name.optional && !name.computed);
        let size = by_name("size");
        assert!(!size.required && size.optional && size.computed);
        let id = by_name("id");
        assert!(!id.required && !id.optional && id.computed);
        assert_eq!(name.r#type, b"\"string\"".to_vec());
        let scaling = by_name("scaling");
        assert!(scaling.r#type.is_empty());
        assert_eq!(
            scaling.nested_type.expect("nested").attributes[0].name,
            "min"
        );
    }

    #[test]
    fn nested_object_default_is_built_from_child_defaults() {
        let schema = sample();
        let scaling = schema.attribute("scaling").expect("scaling");
        let default = scaling.default_value().expect("default");
        assert_eq!(default.get_attr("min"), Some(&Value::number(1)));
    }
}
