//! What both resources return after an engine walk: the state and the diagnostics, by one rule.
//!
//! - A create records every object that exists, whatever failed.
//! - A failed update records the IDs of what exists and keeps the prior settings, so the next
//!   plan shows again whatever was not applied.
//! - A failed delete keeps the resource with what still exists.
//! - Each failure is a diagnostic naming the step, with what to do next in that operation.

use ecsprod_cty::Value;

use super::fields::set;
use crate::engine::{Error, Graph, Outputs, project};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::provider::ApplyOutput;

/// The operation a failure happened in, for what the diagnostic tells the user to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Apply,
    Read,
    Import,
    Delete,
}

impl Operation {
    fn advice(self) -> &'static str {
        match self {
            Self::Apply => {
                "Everything created before the failure is recorded in the state; run terraform apply again to continue, or terraform destroy to remove it."
            }
            Self::Read => {
                "The state was not refreshed and nothing was changed. Check the provider's AWS credentials and permissions, then run terraform plan again."
            }
            Self::Import => {
                "Nothing was imported. Check the import ID, the provider's region, credentials and permissions, then run terraform import again."
            }
            Self::Delete => {
                "What could not be deleted stays in the state; run terraform destroy again to continue."
            }
        }
    }
}

/// One diagnostic per failure.
pub fn diagnostics(resource: &str, operation: Operation, errors: &[Error]) -> Diagnostics {
    errors
        .iter()
        .map(|e| {
            Diagnostic::error(
                format!("{resource}: failed to {}", e.step),
                format!("{}\n\n{}", e.message, operation.advice()),
            )
        })
        .collect()
}

/// `settings` with each of `computed` taken from what the objects show, and nothing left
/// unknown (what does not exist is null).
pub fn with_computed<I>(
    graph: &Graph<I>,
    input: &I,
    outputs: &Outputs,
    settings: &Value,
    computed: &[&str],
) -> Value {
    let mut shown = settings.clone();
    project(graph, input, outputs, &mut shown);
    let mut state = settings.clone();
    for attr in computed {
        if let Some(v) = shown.get_attr(attr) {
            set(&mut state, attr, v.clone());
        }
    }
    wholly_known(&mut state);
    state
}

/// Replaces every unknown value (at any depth) with null: a state holds no unknowns.
pub fn wholly_known(state: &mut Value) {
    match state {
        Value::Unknown(_) => *state = Value::Null,
        Value::Object(attrs) | Value::Map(attrs) => attrs.values_mut().for_each(wholly_known),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            items.iter_mut().for_each(wholly_known)
        }
        _ => {}
    }
}

/// The state after a create or update walk.
pub fn after_apply<I>(
    graph: &Graph<I>,
    input: &I,
    outputs: &Outputs,
    prior: &Value,
    planned: &Value,
    failed: bool,
    (computed, facts): (&[&str], &[&str]),
) -> Value {
    let settings = if failed && !prior.is_null() {
        prior
    } else {
        planned
    };
    let mut state = with_computed(graph, input, outputs, settings, computed);
    for attr in facts {
        if let Some(known) = planned
            .get_attr(attr)
            .filter(|v| v.is_wholly_known() && !v.is_null())
        {
            set(&mut state, attr, known.clone());
        }
    }
    state
}

/// The output of an apply that changed nothing: `state` as it was, with `diagnostics`.
pub fn unchanged(state: &Value, diagnostics: Diagnostics) -> ApplyOutput {
    ApplyOutput {
        new_state: state.clone(),
        private: Vec::new(),
        diagnostics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure() -> Error {
        Error::new(
            "balancer",
            "create load balancer",
            "AccessDenied: not allowed",
        )
    }

    #[test]
    fn each_failure_names_its_step_and_says_what_to_do_next_in_its_operation() {
        let advice = [
            (Operation::Apply, "run terraform apply again"),
            (Operation::Read, "nothing was changed"),
            (Operation::Import, "Check the import ID"),
            (Operation::Delete, "run terraform destroy again"),
        ];
        for (operation, expected) in advice {
            let Diagnostics(list) = diagnostics("ecsprod_cluster", operation, &[failure()]);
            assert_eq!(list.len(), 1);
            assert_eq!(
                list[0].summary,
                "ecsprod_cluster: failed to create load balancer"
            );
            assert!(
                list[0].detail.starts_with("AccessDenied: not allowed\n\n"),
                "{operation:?}: {}",
                list[0].detail
            );
            assert!(
                list[0].detail.contains(expected),
                "{operation:?}: {}",
                list[0].detail
            );
            for (other, text) in advice {
                if other != operation {
                    assert!(!list[0].detail.contains(text), "{operation:?} vs {other:?}");
                }
            }
        }
    }

    #[test]
    fn every_failure_is_its_own_diagnostic() {
        let second = Error::new("service", "update service", "throttled");
        let Diagnostics(list) =
            diagnostics("ecsprod_service", Operation::Apply, &[failure(), second]);
        let summaries: Vec<&str> = list.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "ecsprod_service: failed to create load balancer",
                "ecsprod_service: failed to update service"
            ]
        );
    }

    #[test]
    fn a_state_keeps_no_unknown_value_at_any_depth() {
        let mut state = Value::object([
            ("id", Value::unknown()),
            ("name", Value::string("web")),
            (
                "nested",
                Value::List(vec![Value::object([("arn", Value::unknown())])]),
            ),
        ]);
        wholly_known(&mut state);
        assert!(state.is_wholly_known());
        assert_eq!(state.get_attr("id"), Some(&Value::Null));
        assert_eq!(state.get_attr("name"), Some(&Value::string("web")));
    }
}
