//! The architecture holds: each layer of `provider/src` uses only the layers below it, only the
//! `aws` layer talks to the AWS SDK, the blueprint does no I/O, and no source file of the
//! workspace is longer than the project's limit. It reads the sources as text, like an
//! ArchUnit rule.
//!
//! Arrows: resources → protocol, blueprint, engine; engine → aws; aws → blueprint. The
//! protocol layer knows nothing of AWS; the blueprint stays pure.

use std::path::{Path, PathBuf};

const LAYERS: &[&str] = &["aws", "blueprint", "engine", "protocol", "resources"];

/// The layers each layer may use.
fn allowed(layer: &str) -> &'static [&'static str] {
    match layer {
        "resources" => &["protocol", "blueprint", "engine"],
        "engine" => &["aws"],
        "aws" => &["blueprint"],
        _ => &[],
    }
}

/// Longest a source file may be, in lines.
const MAX_LINES: usize = 500;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// A source line without its comment.
fn code(line: &str) -> &str {
    let line = line.trim_start();
    if line.starts_with("//") {
        return "";
    }
    match line.find("//") {
        Some(i) if !line[..i].contains('"') => &line[..i],
        _ => line,
    }
}

/// Every `crate::<layer>` a line names.
fn layers_named(line: &str) -> Vec<&'static str> {
    let mut named = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(layer) = LAYERS.iter().find(|l| {
            after.starts_with(**l)
                && !after[l.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
        }) {
            named.push(*layer);
        }
        rest = after;
    }
    named
}

/// The violations of the arrows in the sources of `src`.
fn arrow_violations(src: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for file in sources(src) {
        let relative = file.strip_prefix(src).unwrap_or(&file).to_path_buf();
        let Some(layer) = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .filter(|l| LAYERS.contains(l))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            let line = code(line);
            for named in layers_named(line) {
                if named != layer && !allowed(layer).contains(&named) {
                    out.push(format!(
                        "{}:{}: the {layer} layer uses crate::{named} (it may use {:?})",
                        relative.display(),
                        n + 1,
                        allowed(layer)
                    ));
                }
            }
            let sdk = [
                "aws_sdk_",
                "aws_config",
                "aws_smithy",
                "aws_credential_types",
            ];
            if layer != "aws" && sdk.iter().any(|s| line.contains(s)) {
                out.push(format!(
                    "{}:{}: only the aws layer talks to the AWS SDK",
                    relative.display(),
                    n + 1
                ));
            }
            let io = ["tokio", "std::fs", "std::net", "async fn", ".await"];
            if layer == "blueprint" && io.iter().any(|s| line.contains(s)) {
                out.push(format!(
                    "{}:{}: the blueprint is pure (no I/O, nothing async)",
                    relative.display(),
                    n + 1
                ));
            }
        }
    }
    out
}

#[test]
fn each_layer_uses_only_the_layers_below_it_and_only_aws_talks_to_the_sdk() {
    let violations = arrow_violations(&root().join("provider/src"));
    assert!(
        violations.is_empty(),
        "layer arrows crossed:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_arrow_check_sees_a_crossed_arrow_a_comment_does_not_count() {
    assert_eq!(layers_named("use crate::aws::unit::Unit;"), ["aws"]);
    assert_eq!(
        layers_named("let x = crate::engine::Outputs::new(); crate::aws_extra::f();"),
        ["engine"]
    );
    assert_eq!(code("// uses crate::aws"), "");
    assert_eq!(code("f(); // crate::aws"), "f(); ");
    assert!(!allowed("resources").contains(&"aws"));
    assert!(!allowed("aws").contains(&"resources"));
    assert!(allowed("protocol").is_empty());
}

#[test]
fn no_source_file_of_the_workspace_is_longer_than_the_limit() {
    let root = root();
    let mut long = Vec::new();
    for dir in [
        "provider/src",
        "cty/src",
        "proto/src",
        "tools/docgen/src",
        "acceptance-tests/src",
    ] {
        for file in sources(&root.join(dir)) {
            let lines = std::fs::read_to_string(&file)
                .unwrap_or_default()
                .lines()
                .count();
            if lines > MAX_LINES {
                long.push(format!(
                    "{} ({lines} lines)",
                    file.strip_prefix(&root).unwrap_or(&file).display()
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "source files over {MAX_LINES} lines:\n{}",
        long.join("\n")
    );
}
