//! Terraform states written by hand, for tests that plan against objects an apply would have
//! made without making them.

use serde_json::{Value, json};

/// A value AWS could have returned for a computed attribute: an AMI id, a revision of the task
/// family `family`, a rule priority, or `applied-<attribute>`.
pub fn applied_value(attr: &str, family: &str) -> Value {
    match attr {
        "ami_id" => json!("ami-0123456789abcdef0"),
        "architecture" => json!("x86_64"),
        "gpu_support" => json!(false),
        "listener_rule_priority" => json!(20_000),
        // A map the next plan knows (see `with_derived`).
        "launch_template_settings" => json!({}),
        "task_definition_arn" => {
            json!(format!(
                "arn:aws:ecs:ap-south-1:123456789012:task-definition/{family}:1"
            ))
        }
        other => json!(format!("applied-{other}")),
    }
}

/// The state an apply of a create plan (`terraform show -json` of it) would have written: every
/// value the plan knew, and `applied(resource type, attribute)` for each one it did not.
pub fn state_from_create_plan(plan: &Value, applied: impl Fn(&str, &str) -> Value) -> Value {
    let resources: Vec<Value> = plan["resource_changes"]
        .as_array()
        .expect("resource changes")
        .iter()
        .map(|change| {
            let kind = change["type"].as_str().unwrap_or_default();
            let mut attrs = change["change"]["after"].clone();
            let unknown = change["change"]["after_unknown"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            for (attr, is_unknown) in unknown {
                if is_unknown == true {
                    attrs[&attr] = applied(kind, &attr);
                }
            }
            json!({
                "mode": "managed",
                "type": change["type"],
                "name": change["name"],
                "provider": "provider[\"registry.terraform.io/ecsprod/ecsprod\"]",
                "instances": [{
                    "schema_version": 0,
                    "attributes": attrs,
                    "sensitive_attributes": []
                }]
            })
        })
        .collect();
    json!({
        "version": 4,
        "terraform_version": "1.15.5",
        "serial": 1,
        "lineage": "6b0a8d2e-6f43-4f1e-9f3e-5d7c2b1a0e9f",
        "outputs": {},
        "resources": resources
    })
}

/// `state` (written to `work`) with the values of `attrs` that a plan of it knows: settings the
/// provider plans from values the create plan did not know yet (the launch template's settings
/// follow from the instance types' GPU support, for one), as an apply would have written them.
pub fn with_derived(work: &crate::Workdir, mut state: Value, attrs: &[&str]) -> Value {
    work.write(
        "terraform.tfstate",
        &serde_json::to_string_pretty(&state).expect("state JSON"),
    );
    work.run(&[
        "plan",
        "-refresh=false",
        "-input=false",
        "-no-color",
        "-out=derived.tfplan",
    ])
    .success();
    let plan = work
        .run(&["show", "-json", "derived.tfplan"])
        .success()
        .json();
    let changes = plan["resource_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for resource in state["resources"].as_array_mut().into_iter().flatten() {
        let planned = changes
            .iter()
            .find(|c| c["type"] == resource["type"] && c["name"] == resource["name"])
            .map(|c| c["change"]["after"].clone())
            .unwrap_or_default();
        for attr in attrs {
            if !planned[*attr].is_null() {
                resource["instances"][0]["attributes"][*attr] = planned[*attr].clone();
            }
        }
    }
    state
}
