//! docgen: the provider's registry docs (`docs/`) from its schemas and `examples/`.
//!
//! `docgen write` writes the pages; `docgen check` exits 1 when a committed page differs from
//! what `write` would produce.

mod import;
mod render;

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ecsprod_provider::protocol::identity::IdentitySchema;
use ecsprod_provider::protocol::schema::Schema;
use ecsprod_provider::resources::{cluster, job, provider_config, service};
use render::Examples;

const PROVIDER_NAME: &str = "ecsprod";

/// A failure with what was being done when it happened.
#[derive(Debug)]
struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn io_error(action: &str, path: &Path, e: io::Error) -> Error {
    Error(format!("cannot {action} {}: {e}", path.display()))
}

/// One generated file: its path relative to the workspace root, and its contents.
struct Page {
    path: String,
    contents: String,
}

/// The workspace root (this crate lives in `tools/docgen`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Reads an example file, or `None` when the example does not exist.
fn read_example(root: &Path, rel: &str) -> Result<Option<String>, Error> {
    let path = root.join(rel);
    match fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text.replace("\r\n", "\n"))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("read", &path, e)),
    }
}

fn pages(root: &Path) -> Result<Vec<Page>, Error> {
    let mut pages = vec![Page {
        path: "docs/index.md".to_owned(),
        contents: render::provider_page(
            PROVIDER_NAME,
            &provider_config::SCHEMA,
            &Examples {
                usage: read_example(root, "examples/provider/provider.tf")?,
                ..Examples::default()
            },
        ),
    }];
    let resources: [(&str, &Schema, &IdentitySchema, String); 3] = [
        (
            cluster::TYPE_NAME,
            &cluster::schema::SCHEMA,
            &cluster::IDENTITY,
            cluster::graph::GRAPH.mermaid(),
        ),
        (
            service::TYPE_NAME,
            &service::schema::SCHEMA,
            &service::IDENTITY,
            service::graph::GRAPH.mermaid(),
        ),
        (
            job::TYPE_NAME,
            &job::schema::SCHEMA,
            &job::IDENTITY,
            job::graph::GRAPH.mermaid(),
        ),
    ];
    for (type_name, schema, identity, objects) in resources {
        let short = type_name
            .strip_prefix(&format!("{PROVIDER_NAME}_"))
            .unwrap_or(type_name);
        let examples = Examples {
            usage: read_example(root, &format!("examples/resources/{type_name}/resource.tf"))?,
            import: read_example(root, &format!("examples/resources/{type_name}/import.sh"))?,
            import_by_identity: read_example(
                root,
                &format!("examples/resources/{type_name}/import-by-identity.tf"),
            )?,
        };
        pages.push(Page {
            path: format!("docs/resources/{short}.md"),
            contents: render::resource_page(
                PROVIDER_NAME,
                type_name,
                schema,
                Some(identity),
                &examples,
                &objects,
            ),
        });
    }
    Ok(pages)
}

fn write(root: &Path) -> Result<(), Error> {
    for page in pages(root)? {
        let path = root.join(&page.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| io_error("create", dir, e))?;
        }
        let unchanged = fs::read_to_string(&path).is_ok_and(|old| old == page.contents);
        if !unchanged {
            fs::write(&path, &page.contents).map_err(|e| io_error("write", &path, e))?;
            println!("wrote {}", page.path);
        }
    }
    Ok(())
}

/// The pages whose committed contents differ from the generated ones.
fn stale(root: &Path) -> Result<Vec<String>, Error> {
    let mut stale = Vec::new();
    for page in pages(root)? {
        let path = root.join(&page.path);
        match fs::read_to_string(&path) {
            Ok(current) if current == page.contents => {}
            Ok(_) => stale.push(format!("{} is out of date", page.path)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                stale.push(format!("{} is missing", page.path));
            }
            Err(e) => return Err(io_error("read", &path, e)),
        }
    }
    Ok(stale)
}

const USAGE: &str = "usage: docgen <write|check>
  write   generate docs/ from the provider's schemas and examples/
  check   exit 1 if docs/ differs from what `write` would generate";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["write"] => write(&root).map(|()| ExitCode::SUCCESS),
        ["check"] => stale(&root).map(|stale| {
            if stale.is_empty() {
                ExitCode::SUCCESS
            } else {
                eprintln!("docgen: the generated docs are stale:");
                for s in &stale {
                    eprintln!("  {s}");
                }
                eprintln!("run `make docs` and commit the result");
                ExitCode::FAILURE
            }
        }),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("docgen: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod freshness {
    use super::*;

    /// `cargo test` fails when docs/ no longer matches the schemas and examples.
    #[test]
    fn committed_docs_match_the_schemas_and_examples() {
        let stale = stale(&workspace_root()).expect("read docs");
        assert!(
            stale.is_empty(),
            "the generated docs are stale ({}); run `make docs` and commit the result",
            stale.join(", ")
        );
    }
}
