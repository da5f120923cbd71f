//! The version and requirements the project states agree wherever they are stated: Cargo.toml's
//! `version`, the top entry of CHANGELOG.md and the version folder of the provider mirror; the
//! README's Rust requirement and Cargo.toml's `rust-version`.

use acceptance_tests::repo_root;

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The value of `key = "..."` in the `[workspace.package]` table of the root Cargo.toml.
fn workspace_package(key: &str) -> String {
    let toml = read("Cargo.toml");
    let table = toml
        .split("[workspace.package]")
        .nth(1)
        .expect("a [workspace.package] table");
    table
        .lines()
        .take_while(|l| !l.starts_with('['))
        .find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| panic!("no {key} in [workspace.package]"))
}

#[test]
fn cargo_version_changelog_and_mirror_path_agree() {
    let version = workspace_package("version");
    let changelog = read("CHANGELOG.md");
    let top = changelog
        .lines()
        .find_map(|l| l.strip_prefix("## "))
        .expect("a version entry in CHANGELOG.md");
    assert!(
        top.starts_with(&format!("{version} ")) || top == version,
        "CHANGELOG.md starts with {top:?}, Cargo.toml says {version}"
    );
    for section in ["FEATURES:", "ENHANCEMENTS:", "BUG FIXES:"] {
        assert!(changelog.contains(section), "CHANGELOG.md has no {section}");
    }
    let mirror = read("tools/mirror.sh");
    assert!(
        mirror.contains("$base/$version/"),
        "the mirror's version folder is not Cargo.toml's version"
    );
    // The mirror the tests install from, as its CLI configuration names it.
    let rc = std::env::var_os("ECSPROD_MIRROR_RC")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo_root().join("dist/terraformrc"));
    let text = std::fs::read_to_string(&rc)
        .unwrap_or_else(|e| panic!("{}: {e} (run `make mirror` first)", rc.display()));
    let path = text
        .lines()
        .find_map(|l| {
            let (key, value) = l.split_once('=')?;
            (key.trim() == "path").then(|| value.trim().trim_matches('"').to_owned())
        })
        .expect("a mirror path in the CLI configuration");
    let built = std::path::Path::new(&path)
        .join(format!("registry.terraform.io/ecsprod/ecsprod/{version}"));
    assert!(
        built.is_dir(),
        "{} is missing: the mirror holds another version (run `make mirror`)",
        built.display()
    );
}

#[test]
fn the_readme_states_cargos_rust_version() {
    let rust = workspace_package("rust-version");
    let readme = read("README.md");
    let stated = readme
        .split("a Rust toolchain (")
        .nth(1)
        .and_then(|rest| rest.split(" or newer)").next())
        .expect("the README states a Rust toolchain version");
    assert_eq!(
        stated, rust,
        "README says Rust {stated}, Cargo.toml says {rust}"
    );
}
