//! The range of Terraform releases the provider supports, from 1.6.6 through the bundled 1.15:
//! each release installs the provider from the mirror and takes `examples/complete` through its
//! whole life against the emulator: validate, a plan with values known only after apply, the
//! apply of that plan, an import of a service by `<cluster>/<service>` that leaves the plan
//! empty, and a destroy that leaves nothing behind. The provider declares resource identities,
//! which only Terraform 1.12 and later know: the older releases run it without them, and the
//! newer one stores them.

use acceptance_tests::{Lab, repo_root};
use serde_json::{Value, json};

/// The range the tests below prove, as the README states it.
const STATED_RANGE: &str = "Terraform 1.6.6 through 1.15.x";

fn change<'a>(plan: &'a Value, address: &str) -> &'a Value {
    plan["resource_changes"]
        .as_array()
        .and_then(|changes| changes.iter().find(|c| c["address"] == address))
        .map(|c| &c["change"])
        .unwrap_or_else(|| panic!("no change for {address} in {plan:#}"))
}

/// The lifecycle of `examples/complete` through the Terraform that `launcher` (a path in the
/// repository; `None`: `ECSPROD_TERRAFORM`'s) runs, which must be release `version` (`1.15`:
/// any 1.15.x). `stores_identities`: whether that release knows resource identities.
fn complete_example_lifecycle(
    launcher: Option<&str>,
    version: &str,
    environment: &str,
    stores_identities: bool,
) {
    let lab = Lab::with_terraform(launcher, version);

    lab.complete_example(environment);
    lab.in_complete(&["init", "-input=false", "-no-color"])
        .success();
    let valid = lab.in_complete(&["validate", "-json", "-no-color"]).json();
    assert_eq!(valid["valid"], true, "{valid:#}");
    assert_eq!(valid["warning_count"], 0, "{valid:#}");

    lab.in_complete(&["plan", "-input=false", "-no-color", "-out=tfplan"])
        .success();
    let plan = lab
        .in_complete(&["show", "-json", "tfplan"])
        .success()
        .json();
    let creates = plan["resource_changes"]
        .as_array()
        .map(|changes| {
            changes
                .iter()
                .filter(|c| c["change"]["actions"] == json!(["create"]))
                .count()
        })
        .unwrap_or_default();
    assert_eq!(creates, 4, "{plan:#}");
    let cluster = change(&plan, "ecsprod_cluster.main");
    for unknown in ["arn", "alb_dns_name", "https_listener_arn"] {
        assert_eq!(
            cluster["after_unknown"][unknown], true,
            "{unknown}: {cluster:#}"
        );
    }
    assert_eq!(cluster["after"]["id"], environment, "{cluster:#}");
    let api = change(&plan, "ecsprod_service.api");
    assert_eq!(api["after_unknown"]["task_definition_arn"], true, "{api:#}");
    assert_eq!(
        api["after"]["url"],
        format!("https://api.{}", lab.seed.domain),
        "{api:#}"
    );
    assert_eq!(
        plan["output_changes"]["load_balancer"]["after_unknown"], true,
        "{plan:#}"
    );

    lab.in_complete(&["apply", "-input=false", "-no-color", "tfplan"])
        .success();
    let outputs = lab.in_complete(&["output", "-json"]).success().json();
    let load_balancer = outputs["load_balancer"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        load_balancer.starts_with(&format!("{environment}-alb-")),
        "{outputs:#}"
    );

    let import_id = format!("{environment}/api");
    lab.in_complete(&["state", "rm", "-no-color", "ecsprod_service.api"])
        .success();
    lab.in_complete(&[
        "import",
        "-input=false",
        "-no-color",
        "ecsprod_service.api",
        &import_id,
    ])
    .success();
    let state = lab
        .in_complete(&["show", "-json", "-no-color"])
        .success()
        .json();
    let imported = state["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["address"] == "ecsprod_service.api"))
        .unwrap_or_else(|| panic!("ecsprod_service.api is not in the state: {state:#}"));
    assert_eq!(imported["values"]["id"], import_id.as_str());
    let identity = &imported["identity"];
    if stores_identities {
        assert_eq!(identity["name"], "api", "{imported:#}");
        assert_eq!(identity["cluster"], environment, "{imported:#}");
    } else {
        assert!(identity.is_null(), "{imported:#}");
    }
    let after_import =
        lab.in_complete(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(
        after_import.code, 0,
        "plan after the import is not empty:\n{}\n{}",
        after_import.stdout, after_import.stderr
    );

    lab.in_complete(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = lab.leftovers(environment);
    assert!(left.is_empty(), "left behind: {left:#?}");
}

#[test]
fn terraform_1_6_6_ignores_identities_and_installs_plans_applies_imports_and_destroys_the_complete_example()
 {
    complete_example_lifecycle(Some("tools/terraform-1.6"), "1.6.6", "tf-1-6", false);
}

#[test]
fn terraform_1_9_8_ignores_identities_and_installs_plans_applies_imports_and_destroys_the_complete_example()
 {
    complete_example_lifecycle(Some("tools/terraform-1.9"), "1.9.8", "tf-1-9", false);
}

#[test]
fn the_bundled_terraform_1_15_stores_identities_and_installs_plans_applies_imports_and_destroys_the_complete_example()
 {
    complete_example_lifecycle(None, "1.15", "tf-1-15", true);
}

#[test]
fn the_readme_states_the_range_these_tests_prove() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    assert!(
        readme.contains(STATED_RANGE),
        "README.md does not state {STATED_RANGE:?}"
    );
}
