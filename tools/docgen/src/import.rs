//! The "## Import" part of a resource page: by identity (Terraform 1.12 and later), with the
//! identity schema, then by import ID.

use ecsprod_provider::protocol::identity::IdentitySchema;

use crate::render::{Examples, code_block};

/// The identity schema, laid out like the attribute sections of "## Schema".
fn identity_schema(out: &mut String, identity: &IdentitySchema) {
    out.push_str("### Identity Schema\n\n");
    for (title, required) in [("Required", true), ("Optional", false)] {
        let attrs: Vec<_> = identity
            .attributes
            .iter()
            .filter(|a| a.required_for_import == required)
            .collect();
        if attrs.is_empty() {
            continue;
        }
        out.push_str(&format!("#### {title}\n\n"));
        for a in attrs {
            out.push_str(&format!("- `{}` (String) {}\n", a.name, a.description));
        }
        out.push('\n');
    }
}

/// The section, or nothing when the page has no import example.
pub fn section(out: &mut String, identity: Option<&IdentitySchema>, examples: &Examples) {
    let by_identity = identity.zip(examples.import_by_identity.as_ref());
    if examples.import.is_none() && by_identity.is_none() {
        return;
    }
    out.push_str("## Import\n\n");
    if let Some((identity, example)) = by_identity {
        out.push_str("In Terraform 1.12 and later, an `import` block can name the object by its identity:\n\n");
        code_block(out, "terraform", example);
        identity_schema(out, identity);
    }
    if let Some(import) = &examples.import {
        out.push_str("Every Terraform version imports by the import ID, on the command line or as an `import` block's `id`:\n\n");
        code_block(out, "shell", import);
    }
}

#[cfg(test)]
mod tests {
    use ecsprod_provider::protocol::identity::IdentityAttribute;

    use super::*;

    #[test]
    fn the_import_section_shows_the_identity_block_its_schema_then_the_import_id() {
        let identity = IdentitySchema {
            version: 0,
            attributes: vec![
                IdentityAttribute {
                    name: "name",
                    required_for_import: true,
                    description: "Name.",
                },
                IdentityAttribute {
                    name: "region",
                    required_for_import: false,
                    description: "Region.",
                },
            ],
        };
        let examples = Examples {
            usage: None,
            import: Some("terraform import x_thing.a id\n".into()),
            import_by_identity: Some("import {}\n".into()),
        };
        let mut out = String::new();
        section(&mut out, Some(&identity), &examples);
        assert_eq!(
            out,
            "## Import\n\nIn Terraform 1.12 and later, an `import` block can name the object by its identity:\n\n```terraform\nimport {}\n```\n\n### Identity Schema\n\n#### Required\n\n- `name` (String) Name.\n\n#### Optional\n\n- `region` (String) Region.\n\nEvery Terraform version imports by the import ID, on the command line or as an `import` block's `id`:\n\n```shell\nterraform import x_thing.a id\n```\n\n"
        );
    }
}
