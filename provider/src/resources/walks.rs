//! A resource's walks as its RPCs run them. A resource names its graph, the attributes an
//! apply fills from what exists and how its objects' tags show; [`Lifecycle`] runs apply,
//! refresh, delete and import with the rules of [`super::outcome`].

use std::sync::LazyLock;

use ecsprod_cty::Value;

use super::Context;
use super::outcome::{Operation, after_apply, diagnostics, unchanged, wholly_known, with_computed};
use super::tags::{self, Tags};
use super::timeouts;
use crate::engine::{Graph, Limits, Outputs, Session, Walk, anything_exists, project};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::provider::{ApplyOutput, CallContext, ImportOutput, ReadOutput};
use crate::protocol::schema::Schema;

/// Every object's tags as found, each with the tags the provider gives it itself.
pub type TagObjects<I> = for<'a> fn(&I, &'a Outputs) -> Vec<(&'a Tags, Tags)>;

/// What a resource gives the walks every resource shares.
pub struct Lifecycle<I: 'static> {
    pub type_name: &'static str,
    pub schema: &'static LazyLock<Schema>,
    pub graph: &'static LazyLock<Graph<I>>,
    /// Attributes an apply fills from what exists.
    pub computed: &'static [&'static str],
    /// Of those, facts AWS publishes (not settings of the resource's objects), which can change
    /// between the plan and the apply: the apply keeps a value the plan knew, and the next
    /// refresh shows the new one.
    pub facts: &'static [&'static str],
    pub tag_objects: TagObjects<I>,
    /// The provider's own tags that `managed_tags` shows (none where the resource has no
    /// such attribute).
    pub managed_tags: fn(&I) -> Tags,
}

/// The limits of a walk for `operation`: its timeout from `state`'s `timeouts`, and the call's
/// cancellation.
pub(super) fn limits(call: &CallContext, state: &Value, operation: &'static str) -> Limits {
    Limits {
        operation,
        limit: timeouts::limit(state, operation),
        cancel: call.cancel.clone(),
    }
}

impl<I: Send + Sync + 'static> Lifecycle<I> {
    /// Create or update: converge AWS on `planned`, from the walk's input that `input` makes
    /// of the prior and planned states.
    pub async fn apply(
        &self,
        ctx: &Context,
        call: &CallContext,
        prior: &Value,
        planned: &Value,
        input: impl FnOnce(&Session, &Value, &Value) -> Result<I, Diagnostics>,
    ) -> ApplyOutput {
        let session = match ctx.session().await {
            Ok(s) => s,
            Err(d) => return unchanged(prior, d),
        };
        let input = match input(session, prior, planned) {
            Ok(i) => i,
            Err(d) => return unchanged(prior, d),
        };
        let input = &input;
        let operation = if prior.is_null() { "create" } else { "update" };
        let outcome = session
            .walk(
                Walk::Apply,
                &**self.graph,
                input,
                &limits(call, planned, operation),
            )
            .await;
        let diagnostics = diagnostics(self.type_name, Operation::Apply, &outcome.errors);
        let Some(outputs) = outcome.outputs else {
            return unchanged(prior, diagnostics);
        };
        let failed = !outcome.errors.is_empty();
        ApplyOutput {
            new_state: after_apply(
                &**self.graph,
                input,
                &outputs,
                prior,
                planned,
                failed,
                (self.computed, self.facts),
            ),
            private: Vec::new(),
            diagnostics,
        }
    }

    /// Refresh: what AWS says, written over `state` by `show`; null when nothing the resource
    /// owns exists any more (Terraform plans to create it again).
    pub async fn read(
        &self,
        session: &Session,
        input: &I,
        call: &CallContext,
        state: Value,
        show: impl FnOnce(&Outputs, &mut Value),
    ) -> ReadOutput {
        let found = session
            .refresh(&**self.graph, input, &limits(call, &state, "read"))
            .await;
        let (new_state, diagnostics) = match found {
            Ok(o) if !anything_exists(&**self.graph, &o) => (Value::Null, Diagnostics::new()),
            Ok(outputs) => {
                let mut new_state = state;
                show(&outputs, &mut new_state);
                (new_state, Diagnostics::new())
            }
            Err(e) => (state, diagnostics(self.type_name, Operation::Read, &[e])),
        };
        ReadOutput {
            new_state,
            private: Vec::new(),
            diagnostics,
        }
    }

    /// Deletes everything the resource owns; on failure it stays, with what still exists.
    pub async fn delete(
        &self,
        session: &Session,
        input: &I,
        call: &CallContext,
        prior: &Value,
    ) -> ApplyOutput {
        let outcome = session
            .walk(
                Walk::Delete,
                &**self.graph,
                input,
                &limits(call, prior, "delete"),
            )
            .await;
        if outcome.errors.is_empty() {
            return unchanged(&Value::Null, Diagnostics::new());
        }
        let diagnostics = diagnostics(self.type_name, Operation::Delete, &outcome.errors);
        let new_state = match outcome.outputs {
            Some(outputs) => with_computed(&**self.graph, input, &outputs, prior, self.computed),
            None => prior.clone(),
        };
        unchanged(&new_state, diagnostics)
    }

    /// Import: what AWS says of the objects found by `input`'s names, with what `main` takes
    /// from the object that must exist; or the failed import (`absent` says what is missing).
    pub async fn find<T>(
        &self,
        session: &Session,
        input: &I,
        call: &CallContext,
        defaults: &Value,
        main: impl FnOnce(&Outputs) -> Option<T>,
        absent: impl FnOnce() -> Diagnostic,
    ) -> Result<(Outputs, T), ImportOutput> {
        let outputs = session
            .refresh(&**self.graph, input, &limits(call, defaults, "read"))
            .await
            .map_err(|e| not_imported(diagnostics(self.type_name, Operation::Import, &[e])))?;
        let found = main(&outputs).ok_or_else(|| not_imported(absent()))?;
        Ok((outputs, found))
    }

    /// Writes what AWS says over `state`, tags included.
    pub fn show(&self, ctx: &Context, input: &I, outputs: &Outputs, state: &mut Value) {
        project(&**self.graph, input, outputs, state);
        tags::show(
            state,
            &(self.tag_objects)(input, outputs),
            &(self.managed_tags)(input),
            &ctx.default_tags(),
        );
    }

    /// ReadResource: `input` makes the walk's input from the state; where it makes none (the
    /// state names nothing to find), the state stays as it is.
    pub async fn refresh(
        &self,
        ctx: &Context,
        call: &CallContext,
        state: Value,
        input: impl FnOnce(&Session, &Value) -> Option<I>,
    ) -> ReadOutput {
        let keep = |state: Value, diagnostics: Diagnostics| ReadOutput {
            new_state: state,
            private: Vec::new(),
            diagnostics,
        };
        let session = match ctx.session().await {
            Ok(s) => s,
            Err(d) => return keep(state, d),
        };
        let Some(input) = input(session, &state) else {
            return keep(state, Diagnostics::new());
        };
        self.read(session, &input, call, state, |o, s| {
            self.show(ctx, &input, o, s)
        })
        .await
    }

    /// The imported state: `state` (the schema defaults with what the import ID gives) with
    /// the user's tags from `tags_all` and everything [`Self::show`] writes, and no unknowns.
    ///
    /// Objects the resource would manage that were not found under the names it gives them
    /// (an object made by other tools, named otherwise) are named in a warning: the next apply
    /// creates them, and leaves whatever the imported objects use now as it is.
    pub fn imported(
        &self,
        ctx: &Context,
        input: &I,
        outputs: &Outputs,
        mut state: Value,
        tags_all: &Tags,
        apply_input: impl FnOnce(&Value) -> Result<I, Diagnostics>,
    ) -> ImportOutput {
        tags::set_user_tags(&mut state, tags_all, &ctx.default_tags());
        self.show(ctx, input, outputs, &mut state);
        wholly_known(&mut state);
        // What an apply of a configuration written from this state would want: the state with
        // the schema's defaults where it has nothing (a setting no object carries).
        let wanted = crate::protocol::plan::with_defaults(self.schema, &state);
        let absent = apply_input(&wanted)
            .map(|wanted| self.graph.absent(&wanted, outputs))
            .unwrap_or_default();
        let mut diagnostics = Diagnostics::new();
        if !absent.is_empty() {
            diagnostics.push(Diagnostic::warning(
                "Imported objects differ from what the provider manages",
                format!(
                    "These objects of this {} were not found under the names the provider gives them, so the next apply creates them: {}. Objects the imported ones use now under other names stay as they are, outside Terraform; review the plan before applying.",
                    self.type_name,
                    absent.join(", ")
                ),
            ));
        }
        ImportOutput {
            state,
            private: Vec::new(),
            diagnostics,
        }
    }
}

/// An import that imported nothing, with why.
pub fn not_imported(diagnostics: impl Into<Diagnostics>) -> ImportOutput {
    ImportOutput {
        state: Value::Null,
        private: Vec::new(),
        diagnostics: diagnostics.into(),
    }
}
