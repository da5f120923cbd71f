//! Delete: every object goes once everything that needs it is gone (the create edges reversed,
//! plus the graph's delete-only edges), independent ones concurrently. Objects are found by
//! their deterministic keys, so one whose ID never reached the state goes too.

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::error::Error;
use super::graph::Graph;
use super::order;
use super::outputs::Outputs;
use super::read::Read;
use crate::aws::retry::AwsError;
use crate::aws::unit::{BoxFuture, Env};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Waiting,
    Running,
    Gone,
    /// Its delete failed, or something that had to go first did not.
    Kept,
}

/// Deletes every owned object; returns what still exists and the failures.
pub(crate) async fn delete_all<I: Send + Sync + 'static>(
    graph: &Graph<I>,
    env: &Env,
    read: Read,
) -> (Outputs, Vec<Error>) {
    let nodes = &graph.nodes;
    let blockers = order::delete_blockers(graph);
    let mut status = vec![Status::Waiting; nodes.len()];
    let mut outputs = read.outputs;
    let mut errors = Vec::new();
    let mut running: FuturesUnordered<BoxFuture<'_, (usize, Result<(), AwsError>)>> =
        FuturesUnordered::new();
    loop {
        // A node settled without a call may unblock one declared before it: pass again.
        let mut settled_one = false;
        for i in 0..nodes.len() {
            if status[i] != Status::Waiting {
                continue;
            }
            if blockers[i].iter().any(|&b| status[b] == Status::Kept) {
                status[i] = Status::Kept;
                settled_one = true;
                continue;
            }
            if !blockers[i].iter().all(|&b| status[b] == Status::Gone) {
                continue;
            }
            let node = &nodes[i];
            let object = outputs.erased(node.name).cloned();
            let (true, Some(object)) = (node.change.owned(), object) else {
                status[i] = Status::Gone;
                settled_one = true;
                continue;
            };
            if env.budget.is_cancelled() {
                status[i] = Status::Kept;
                settled_one = true;
                errors.push(Error::new(
                    node.name,
                    format!("delete the {}", node.find.kind()),
                    "cancelled by Terraform",
                ));
                continue;
            }
            status[i] = Status::Running;
            let change = &node.change;
            // A delete AWS still throttles after the SDK's retries is made again while the
            // operation has time.
            running.push(Box::pin(async move {
                let mut attempt = 0;
                loop {
                    match change.delete(env, object.clone()).await {
                        Err(e) if env.budget.wait_out_throttling(&e, attempt).await => attempt += 1,
                        result => return (i, result),
                    }
                }
            }));
        }
        if settled_one {
            continue;
        }
        let Some((i, result)) = running.next().await else {
            // Nothing runs and nothing can start: what still waits is held up by itself.
            for (i, s) in status.iter().enumerate() {
                if *s == Status::Waiting {
                    errors.push(Error::new(
                        nodes[i].name,
                        format!("delete the {}", nodes[i].find.kind()),
                        "its delete order has a cycle",
                    ));
                }
            }
            break;
        };
        let name = nodes[i].name;
        match result {
            Ok(()) => {
                status[i] = Status::Gone;
                outputs.set(name, None);
            }
            Err(e) => {
                status[i] = Status::Kept;
                errors.push(Error::aws(name, e));
            }
        }
    }
    (outputs, errors)
}
