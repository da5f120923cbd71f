//! The contract between the protocol layer and the resources it serves.
//!
//! The protocol layer decodes requests, runs the generic parts (schema checks, the plan
//! pipeline, encoding) and calls into a [`Provider`] and its [`Resource`]s for everything
//! specific to them. It knows nothing about AWS.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use ecsprod_cty::Value;
use tokio_util::sync::CancellationToken;

use super::diag::Diagnostics;
use super::identity::IdentitySchema;
use super::schema::Schema;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Values Terraform hands a resource when planning. `prior` is `Value::Null` on create;
/// `proposed` and `config` are `Value::Null` on destroy.
#[derive(Debug)]
pub struct PlanInput<'a> {
    pub prior: &'a Value,
    pub config: &'a Value,
}

/// Result of an apply: the new state (null after a delete) and diagnostics. On failure the
/// state still describes everything that exists, so the next apply resumes from it.
#[derive(Debug)]
pub struct ApplyOutput {
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug)]
pub struct ReadOutput {
    /// `Value::Null` when the object no longer exists.
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug)]
pub struct ImportOutput {
    pub state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

/// One object a list resource found.
#[derive(Debug)]
pub struct Listed {
    /// How Terraform shows the object, e.g. `prod/api`.
    pub display_name: String,
    /// Its identity, in the resource's identity schema.
    pub identity: Value,
    /// Its whole state, when Terraform asked for it.
    pub state: Option<Value>,
}

/// Result of a list: what was found, in order, and diagnostics.
#[derive(Debug, Default)]
pub struct ListOutput {
    pub items: Vec<Listed>,
    pub diagnostics: Diagnostics,
}

/// Per-request facts passed to long-running calls.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// Cancelled when Terraform calls `StopProvider` (an interrupted run).
    pub cancel: CancellationToken,
}

pub trait Resource: Send + Sync {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> &Schema;

    /// Checks a configuration that may contain unknown values; never calls AWS.
    fn validate(&self, config: &Value) -> Diagnostics;

    /// Adjusts the plan the generic pipeline produced (values derived from other attributes,
    /// provider-level settings such as default tags). `planned` is the full planned object.
    fn modify_plan(&self, _input: &PlanInput<'_>, _planned: &mut Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Checks the planned change against the live account before anything is created, after
    /// `modify_plan` reported no error. Never called for a destroy. Reads only; an error fails
    /// the plan, so only a definite problem is one: a read that could not be made (throttling,
    /// an outage, a denied permission) is a warning.
    fn preflight<'a>(
        &'a self,
        _ctx: CallContext,
        _input: &'a PlanInput<'a>,
        _planned: &'a Value,
    ) -> BoxFuture<'a, Diagnostics> {
        Box::pin(async { Diagnostics::new() })
    }

    fn read<'a>(
        &'a self,
        ctx: CallContext,
        state: Value,
        private: Vec<u8>,
    ) -> BoxFuture<'a, ReadOutput>;

    fn apply<'a>(
        &'a self,
        ctx: CallContext,
        prior: Value,
        planned: Value,
        config: Value,
        private: Vec<u8>,
    ) -> BoxFuture<'a, ApplyOutput>;

    fn import<'a>(&'a self, ctx: CallContext, id: String) -> BoxFuture<'a, ImportOutput>;

    /// The schema of the `config` block of a `list` block of this type (`terraform query`);
    /// `None` when the resource cannot be listed.
    fn list_schema(&self) -> Option<&Schema> {
        None
    }

    /// Finds up to `limit` objects of this type that `config` (a list block's `config`, wholly
    /// known) selects; with `include_state`, each with its whole state, as an import gives it.
    fn list<'a>(
        &'a self,
        _ctx: CallContext,
        _config: Value,
        _include_state: bool,
        _limit: usize,
    ) -> BoxFuture<'a, ListOutput> {
        Box::pin(async { ListOutput::default() })
    }

    /// The resource's identity schema; `None` when it declares no identity.
    fn identity_schema(&self) -> Option<&IdentitySchema> {
        None
    }

    /// The identity of the object `state` describes (state never null). Attributes not yet
    /// known in a planned state are unknown.
    fn identity<'a>(&'a self, _state: &'a Value) -> BoxFuture<'a, Result<Value, Diagnostics>> {
        Box::pin(async { Ok(Value::Null) })
    }

    /// The import ID that names the same object as `identity`, an import block's identity.
    fn import_id<'a>(&'a self, _identity: &'a Value) -> BoxFuture<'a, Result<String, Diagnostics>> {
        Box::pin(async { Err(Diagnostics::new()) })
    }
}

pub trait Provider: Send + Sync + 'static {
    /// The provider block's schema.
    fn schema(&self) -> &Schema;

    fn resources(&self) -> &[Arc<dyn Resource>];

    /// Checks the provider block; the configuration may contain unknown values.
    fn validate_config(&self, config: &Value) -> Diagnostics;

    /// Applies the provider block once per process, before any resource call but the
    /// validation ones.
    fn configure<'a>(
        &'a self,
        terraform_version: String,
        config: Value,
    ) -> BoxFuture<'a, Diagnostics>;

    fn resource(&self, type_name: &str) -> Option<Arc<dyn Resource>> {
        self.resources()
            .iter()
            .find(|r| r.type_name() == type_name)
            .cloned()
    }
}
