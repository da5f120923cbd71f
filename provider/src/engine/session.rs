//! The engine's entry points: a session holds the AWS clients of one provider process and runs
//! graphs with them.

use std::sync::Arc;
use std::time::Duration;

use ecsprod_cty::Value;
use tokio_util::sync::CancellationToken;

use super::error::Error;
use super::graph::Graph;
use super::outputs::Outputs;
use super::{delete, read, walk};
use crate::aws::budget::Budget;
use crate::aws::clients::{ClientConfig, Clients};
use crate::aws::unit::{Env, Lookup};

/// How long an operation may take and what stops it.
#[derive(Debug, Clone)]
pub struct Limits {
    /// `create`, `update`, `read` or `delete`, as `timeouts` names them.
    pub operation: &'static str,
    pub limit: Duration,
    pub cancel: CancellationToken,
}

/// What a write walk did: the objects as they are now (none when the read before it failed, so
/// nothing is known), and the failures.
#[derive(Debug, Default)]
pub struct Outcome {
    pub outputs: Option<Outputs>,
    pub errors: Vec<Error>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.errors.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    clients: Arc<Clients>,
}

impl Session {
    pub async fn connect(config: &ClientConfig) -> Result<Self, String> {
        let clients = Clients::new(config).await.map_err(|e| e.to_string())?;
        Ok(Self {
            clients: Arc::new(clients),
        })
    }

    pub fn region(&self) -> &str {
        &self.clients.region
    }

    /// Proves the credentials work with one STS call, remembering their account; the error
    /// explains the failure for people.
    pub async fn validate_credentials(&self) -> Result<(), String> {
        crate::aws::caller::validate(&self.clients).await
    }

    pub fn partition(&self) -> &str {
        &self.clients.partition
    }

    /// The same session for calls that must answer quickly rather than eventually (the
    /// plan-time checks): at most `attempts` attempts each, short backoff, each attempt bounded
    /// by `attempt_timeout`.
    pub fn quick(&self, attempts: u32, attempt_timeout: Duration) -> Self {
        Self {
            clients: Arc::new(self.clients.quick(attempts, attempt_timeout)),
        }
    }

    /// Reads objects of a kind that is only read, by key (in as few calls as the API allows).
    pub async fn lookup<L: Lookup>(
        &self,
        keys: &[L::Key],
        limits: &Limits,
    ) -> Result<Vec<Option<L::Observed>>, Error> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        crate::aws::coalesce::read::<L>(&self.env(limits), keys)
            .await
            .map_err(|e| Error::aws(L::KIND, e))
    }

    fn env(&self, limits: &Limits) -> Env {
        Env::new(
            self.clients.clone(),
            Budget::new(limits.operation, limits.limit, limits.cancel.clone()),
        )
    }

    /// Reads every node.
    pub async fn refresh<I: Send + Sync + 'static>(
        &self,
        graph: &Graph<I>,
        input: &I,
        limits: &Limits,
    ) -> Result<Outputs, Error> {
        let env = self.env(limits);
        Ok(read::read_all(graph, &env, input, true).await?.outputs)
    }

    /// Creates or updates every node, or deletes every owned node.
    pub async fn walk<I: Send + Sync + 'static>(
        &self,
        walk: Walk,
        graph: &Graph<I>,
        input: &I,
        limits: &Limits,
    ) -> Outcome {
        let env = self.env(limits);
        // A delete needs no tags.
        let found = match read::read_all(graph, &env, input, walk == Walk::Apply).await {
            Ok(found) => found,
            Err(e) => return outcome(Err(e)),
        };
        outcome(Ok(match walk {
            Walk::Apply => walk::write_all(graph, &env, input, found).await,
            Walk::Delete => delete::delete_all(graph, &env, found).await,
        }))
    }
}

/// The walks that change AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Create or update every node.
    Apply,
    /// Delete every owned node.
    Delete,
}

/// A walk's outcome; a read that failed before it leaves nothing known.
fn outcome(walked: Result<(Outputs, Vec<Error>), Error>) -> Outcome {
    match walked {
        Ok((outputs, errors)) => Outcome {
            outputs: Some(outputs),
            errors,
        },
        Err(e) => Outcome {
            outputs: None,
            errors: vec![e],
        },
    }
}

/// Whether any object the resource owns exists: while one does, the resource stays in the state
/// (a destroy that stopped part way is finished by the next).
pub fn anything_exists<I>(graph: &Graph<I>, outputs: &Outputs) -> bool {
    graph
        .nodes
        .iter()
        .any(|n| n.change.owned() && outputs.has(n.name))
}

/// Writes every node's object (or its absence) onto the state.
pub fn project<I>(graph: &Graph<I>, input: &I, outputs: &Outputs, state: &mut Value) {
    for node in &graph.nodes {
        node.find.project(input, outputs, state);
    }
}
