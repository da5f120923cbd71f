//! Every example in examples/ is valid configuration for real Terraform.

use acceptance_tests::{REQUIRED_PROVIDERS, Workdir};

fn assert_valid(w: &Workdir, chdir: Option<&str>) {
    let mut args = Vec::new();
    let flag;
    if let Some(dir) = chdir {
        flag = format!("-chdir={dir}");
        args.push(flag.as_str());
    }
    let mut init = args.clone();
    init.extend(["init", "-input=false", "-no-color", "-backend=false"]);
    w.run(&init).success();
    let mut validate = args.clone();
    validate.extend(["validate", "-json", "-no-color"]);
    let result = w.run(&validate).json();
    assert_eq!(result["valid"], true, "{result:#}");
    assert_eq!(result["error_count"], 0, "{result:#}");
    assert_eq!(result["warning_count"], 0, "{result:#}");
}

#[test]
fn provider_example_is_valid() {
    let w = Workdir::new();
    w.copy_from_repo("examples/provider");
    assert_valid(&w, None);
}

#[test]
fn resource_examples_and_their_imports_by_identity_are_valid_together() {
    let w = Workdir::new();
    let root = acceptance_tests::repo_root().join("examples/resources");
    for resource in [
        "ecsprod_cluster",
        "ecsprod_service",
        "ecsprod_scheduled_task",
    ] {
        for file in ["resource.tf", "import-by-identity.tf"] {
            let hcl = std::fs::read_to_string(root.join(resource).join(file))
                .unwrap_or_else(|e| panic!("{resource}/{file}: {e}"));
            w.write(&format!("{resource}-{file}"), &hcl);
        }
    }
    w.write("versions.tf", REQUIRED_PROVIDERS);
    assert_valid(&w, None);
}

#[test]
fn complete_example_and_its_module_are_valid() {
    let w = Workdir::new();
    w.copy_from_repo("examples");
    assert_valid(&w, Some("complete"));
    assert_valid(&w, Some("modules/web-service"));
}

#[test]
fn worker_example_is_valid() {
    let w = Workdir::new();
    w.copy_from_repo("examples/worker");
    assert_valid(&w, None);
}

#[test]
fn internal_service_example_is_valid() {
    let w = Workdir::new();
    w.copy_from_repo("examples/internal");
    assert_valid(&w, None);
}

#[test]
fn complete_example_with_its_nightly_job_is_at_most_forty_lines_of_user_hcl() {
    let main =
        std::fs::read_to_string(acceptance_tests::repo_root().join("examples/complete/main.tf"))
            .expect("examples/complete/main.tf");
    let code_lines = main
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && *l != "}")
        .count();
    assert!(
        code_lines <= 40,
        "examples/complete/main.tf has {code_lines} lines of HCL"
    );
}
