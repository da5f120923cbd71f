//! Markdown rendering of schemas into Terraform-registry pages, laid out like the output of
//! HashiCorp's tfplugindocs (front matter, "## Schema" with Required / Optional / Read-Only
//! sections, nested schemas under their own anchors). Pure functions: no I/O, no clock.

use ecsprod_cty::Type;
use ecsprod_provider::protocol::identity::IdentitySchema;
use ecsprod_provider::protocol::schema::{AttrType, Attribute, Mode, Schema};

/// The examples shown on a page, already read from `examples/`.
#[derive(Debug, Clone, Default)]
pub struct Examples {
    /// Terraform configuration for "## Example Usage".
    pub usage: Option<String>,
    /// Shell commands for "## Import".
    pub import: Option<String>,
    /// An `import` block naming the object by its identity.
    pub import_by_identity: Option<String>,
}

/// How a cty type reads in the docs: `String`, `Number`, `Boolean`, `List of String`, ….
pub fn type_label(ty: &Type) -> String {
    match ty {
        Type::String => "String".to_owned(),
        Type::Number => "Number".to_owned(),
        Type::Bool => "Boolean".to_owned(),
        Type::Dynamic => "Dynamic".to_owned(),
        Type::List(e) => format!("List of {}", type_label(e)),
        Type::Set(e) => format!("Set of {}", type_label(e)),
        Type::Map(e) => format!("Map of {}", type_label(e)),
        Type::Tuple(_) => "Tuple".to_owned(),
        Type::Object(_) => "Object".to_owned(),
    }
}

/// The parenthesised part of an attribute's line: its type, plus `Sensitive` when it is.
pub fn attribute_label(attr: &Attribute) -> String {
    let ty = match &attr.ty {
        AttrType::Plain(t) => type_label(t),
        AttrType::Object(_) => "Attributes".to_owned(),
        AttrType::List(_) => "Attributes List".to_owned(),
    };
    if attr.sensitive {
        format!("{ty}, Sensitive")
    } else {
        ty
    }
}

/// Attributes grouped the way the docs list them, each group sorted by name.
#[derive(Debug, Default)]
pub struct Sections<'a> {
    pub required: Vec<&'a Attribute>,
    /// Optional attributes, with or without a provider-planned value.
    pub optional: Vec<&'a Attribute>,
    /// Attributes only the provider sets.
    pub read_only: Vec<&'a Attribute>,
}

impl<'a> Sections<'a> {
    pub fn split(attrs: &'a [Attribute]) -> Self {
        let mut s = Sections::default();
        for a in attrs {
            match a.mode {
                Mode::Required => s.required.push(a),
                Mode::Optional | Mode::OptionalComputed => s.optional.push(a),
                Mode::Computed => s.read_only.push(a),
            }
        }
        for group in [&mut s.required, &mut s.optional, &mut s.read_only] {
            group.sort_by_key(|a| a.name);
        }
        s
    }

    /// The non-empty groups, in page order, with their titles.
    fn groups(&self) -> impl Iterator<Item = (&'static str, &[&'a Attribute])> {
        [
            ("Required", self.required.as_slice()),
            ("Optional", self.optional.as_slice()),
            ("Read-Only", self.read_only.as_slice()),
        ]
        .into_iter()
        .filter(|(_, attrs)| !attrs.is_empty())
    }
}

/// The attributes of a nested object or of each element of a nested list.
fn nested_attributes(attr: &Attribute) -> Option<&[Attribute]> {
    match &attr.ty {
        AttrType::Object(children) | AttrType::List(children) => Some(children),
        AttrType::Plain(_) => None,
    }
}

/// The anchor of a nested schema section, e.g. `nestedatt--autoscaling`.
fn anchor(path: &[&str]) -> String {
    format!("nestedatt--{}", path.join("--"))
}

fn attribute_line(attr: &Attribute, path: &[&str]) -> String {
    let mut line = format!("- `{}` ({})", attr.name, attribute_label(attr));
    let description = attr.description.trim();
    if !description.is_empty() {
        line.push(' ');
        line.push_str(description);
    }
    if nested_attributes(attr).is_some() {
        let mut nested = path.to_vec();
        nested.push(attr.name);
        line.push_str(&format!(
            " (see [below for nested schema](#{}))",
            anchor(&nested)
        ));
    }
    line
}

/// Renders a list of attributes: as `### Title` sections at the top level, as `Title:` paragraphs
/// inside a nested schema. Nested objects follow, each in its own anchored section.
fn write_attributes(out: &mut String, attrs: &[Attribute], path: &[&str]) {
    let sections = Sections::split(attrs);
    let mut nested: Vec<&Attribute> = Vec::new();
    for (title, group) in sections.groups() {
        if path.is_empty() {
            out.push_str(&format!("### {title}\n\n"));
        } else {
            out.push_str(&format!("{title}:\n\n"));
        }
        for attr in group {
            out.push_str(&attribute_line(attr, path));
            out.push('\n');
            if nested_attributes(attr).is_some() {
                nested.push(attr);
            }
        }
        out.push('\n');
    }
    for attr in nested {
        let Some(children) = nested_attributes(attr) else {
            continue;
        };
        let mut child_path = path.to_vec();
        child_path.push(attr.name);
        out.push_str(&format!(
            "<a id=\"{}\"></a>\n### Nested Schema for `{}`\n\n",
            anchor(&child_path),
            child_path.join(".")
        ));
        write_attributes(out, children, &child_path);
    }
}

/// The "## Schema" part of a page.
pub fn schema_markdown(schema: &Schema) -> String {
    let mut out = String::from("## Schema\n\n");
    write_attributes(&mut out, &schema.attributes, &[]);
    out
}

/// YAML front matter; `description` becomes a `|-` block scalar.
fn front_matter(out: &mut String, page_title: &str, subcategory: Option<&str>, description: &str) {
    out.push_str("---\n");
    out.push_str("# generated by docgen from the provider's schemas and examples/ (`make docs`); do not edit\n");
    out.push_str(&format!("page_title: \"{page_title}\"\n"));
    if let Some(sub) = subcategory {
        out.push_str(&format!("subcategory: \"{sub}\"\n"));
    }
    out.push_str("description: |-\n");
    for line in description.trim().lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str("---\n\n");
}

pub fn code_block(out: &mut String, language: &str, code: &str) {
    out.push_str(&format!("```{language}\n{}\n```\n\n", code.trim_end()));
}

/// Trims trailing blank lines and ends the page with exactly one newline.
fn finish(mut out: String) -> String {
    let len = out.trim_end().len();
    out.truncate(len);
    out.push('\n');
    out
}

/// `docs/index.md`.
pub fn provider_page(provider_name: &str, schema: &Schema, examples: &Examples) -> String {
    let mut out = String::new();
    front_matter(
        &mut out,
        &format!("Provider: {provider_name}"),
        None,
        &schema.description,
    );
    out.push_str(&format!("# {provider_name} Provider\n\n"));
    out.push_str(schema.description.trim());
    out.push_str("\n\n");
    if let Some(usage) = &examples.usage {
        out.push_str("## Example Usage\n\n");
        code_block(&mut out, "terraform", usage);
    }
    out.push_str(&schema_markdown(schema));
    finish(out)
}

/// `docs/resources/<name>.md`; `objects` is the mermaid flowchart of the AWS objects the
/// resource owns.
pub fn resource_page(
    provider_name: &str,
    type_name: &str,
    schema: &Schema,
    identity: Option<&IdentitySchema>,
    examples: &Examples,
    objects: &str,
) -> String {
    let mut out = String::new();
    front_matter(
        &mut out,
        &format!("{type_name} Resource - {provider_name}"),
        Some(""),
        &schema.description,
    );
    out.push_str(&format!("# {type_name} (Resource)\n\n"));
    out.push_str(schema.description.trim());
    out.push_str("\n\n");
    if let Some(usage) = &examples.usage {
        out.push_str("## Example Usage\n\n");
        code_block(&mut out, "terraform", usage);
    }
    out.push_str("## AWS Objects\n\n");
    out.push_str(
        "What the resource creates and manages, and what each object needs first: an arrow points from an object to those created after it (deletion runs the other way). Rounded boxes are objects it only reads; dotted arrows lead to objects found through another one's.\n\n",
    );
    code_block(&mut out, "mermaid", objects);
    out.push_str(&schema_markdown(schema));
    crate::import::section(&mut out, identity, examples);
    finish(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecsprod_cty::Value;

    fn sample() -> Schema {
        Schema {
            version: 0,
            description: "A thing.\n\nSecond paragraph.".into(),
            attributes: vec![
                Attribute::computed("id", Type::String, "The ID."),
                Attribute::required("name", Type::String, "Name.").forces_replacement(),
                Attribute::optional("tags", Type::map(Type::String), "Tags."),
                Attribute::required("alpha", Type::list(Type::String), "Alpha."),
                Attribute::with_default("size", Type::Number, Value::number(2), "Size."),
                Attribute::optional_computed("ami", Type::String, "AMI."),
                Attribute::computed("arn", Type::String, "").sensitive(),
                Attribute::object_with_defaults(
                    "scaling",
                    vec![
                        Attribute::with_default("min", Type::Number, Value::number(1), "Min."),
                        Attribute::required("max", Type::Number, "Max."),
                        Attribute::optional_object(
                            "inner",
                            vec![Attribute::computed("flag", Type::Bool, "Flag.")],
                            "Inner.",
                        ),
                    ],
                    "Scaling.",
                ),
            ],
        }
    }

    fn names(attrs: &[&Attribute]) -> Vec<&'static str> {
        attrs.iter().map(|a| a.name).collect()
    }

    #[test]
    fn primitive_and_collection_types() {
        assert_eq!(type_label(&Type::String), "String");
        assert_eq!(type_label(&Type::Number), "Number");
        assert_eq!(type_label(&Type::Bool), "Boolean");
        assert_eq!(type_label(&Type::Dynamic), "Dynamic");
        assert_eq!(type_label(&Type::list(Type::String)), "List of String");
        assert_eq!(type_label(&Type::set(Type::Number)), "Set of Number");
        assert_eq!(type_label(&Type::map(Type::String)), "Map of String");
        assert_eq!(
            type_label(&Type::list(Type::map(Type::Bool))),
            "List of Map of Boolean"
        );
        assert_eq!(
            type_label(&Type::list(Type::object([("a", Type::String)]))),
            "List of Object"
        );
    }

    #[test]
    fn attribute_labels() {
        let schema = sample();
        let label = |n: &str| attribute_label(schema.attribute(n).expect("attribute"));
        assert_eq!(label("scaling"), "Attributes");
        assert_eq!(label("arn"), "String, Sensitive");
        assert_eq!(label("tags"), "Map of String");
    }

    #[test]
    fn split_groups_by_mode_and_sorts_by_name() {
        let schema = sample();
        let s = Sections::split(&schema.attributes);
        assert_eq!(names(&s.required), ["alpha", "name"]);
        assert_eq!(names(&s.optional), ["ami", "scaling", "size", "tags"]);
        assert_eq!(names(&s.read_only), ["arn", "id"]);
    }

    #[test]
    fn empty_groups_are_left_out() {
        let attrs = vec![Attribute::optional("a", Type::String, "A.")];
        let s = Sections::split(&attrs);
        let titles: Vec<_> = s.groups().map(|(t, _)| t).collect();
        assert_eq!(titles, ["Optional"]);
        let md = schema_markdown(&Schema {
            version: 0,
            description: String::new(),
            attributes: attrs,
        });
        assert_eq!(md, "## Schema\n\n### Optional\n\n- `a` (String) A.\n\n");
    }

    #[test]
    fn schema_sections_and_nested_anchors() {
        let md = schema_markdown(&sample());
        let expected = "\
## Schema

### Required

- `alpha` (List of String) Alpha.
- `name` (String) Name.

### Optional

- `ami` (String) AMI.
- `scaling` (Attributes) Scaling. (see [below for nested schema](#nestedatt--scaling))
- `size` (Number) Size.
- `tags` (Map of String) Tags.

### Read-Only

- `arn` (String, Sensitive)
- `id` (String) The ID.

<a id=\"nestedatt--scaling\"></a>
### Nested Schema for `scaling`

Required:

- `max` (Number) Max.

Optional:

- `inner` (Attributes) Inner. (see [below for nested schema](#nestedatt--scaling--inner))
- `min` (Number) Min.

<a id=\"nestedatt--scaling--inner\"></a>
### Nested Schema for `scaling.inner`

Read-Only:

- `flag` (Boolean) Flag.

";
        assert_eq!(md, expected);
    }

    #[test]
    fn resource_page_layout() {
        let examples = Examples {
            usage: Some("resource \"x_thing\" \"a\" {}\n\n".into()),
            import: Some("terraform import x_thing.a id\n".into()),
            import_by_identity: None,
        };
        let page = resource_page(
            "x",
            "x_thing",
            &sample(),
            None,
            &examples,
            "flowchart TD\n  a --> b\n",
        );
        assert!(page.starts_with("---\n"));
        assert!(page.contains("page_title: \"x_thing Resource - x\"\nsubcategory: \"\"\n"));
        assert!(page.contains("description: |-\n  A thing.\n\n  Second paragraph.\n---\n\n"));
        assert!(page.contains("# x_thing (Resource)\n\nA thing.\n\nSecond paragraph.\n\n"));
        assert!(page.contains(
            "## Example Usage\n\n```terraform\nresource \"x_thing\" \"a\" {}\n```\n\n## AWS Objects\n"
        ));
        assert!(page.contains("```mermaid\nflowchart TD\n  a --> b\n```\n\n## Schema\n"));
        assert!(page.ends_with("## Import\n\nEvery Terraform version imports by the import ID, on the command line or as an `import` block's `id`:\n\n```shell\nterraform import x_thing.a id\n```\n"));
        assert!(!page.ends_with("\n\n"));
    }

    #[test]
    fn provider_page_layout_and_determinism() {
        let examples = Examples {
            usage: Some("provider \"x\" {}".into()),
            ..Examples::default()
        };
        let page = provider_page("x", &sample(), &examples);
        assert!(page.contains("page_title: \"Provider: x\"\ndescription: |-\n"));
        assert!(!page.contains("subcategory"));
        assert!(page.contains("# x Provider\n\nA thing."));
        assert!(page.contains("```terraform\nprovider \"x\" {}\n```\n"));
        assert!(!page.contains("## Import"));
        assert!(page.ends_with('\n') && !page.ends_with("\n\n"));
        assert_eq!(page, provider_page("x", &sample(), &examples));
    }
}
