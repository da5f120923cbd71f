//! Create and update: every node is written as soon as the nodes it needs are, with no phase
//! barriers; then one pass brings every object's tags in line. An object that must no longer
//! exist is deleted as a delete would: once the nodes written after it (which stop using it)
//! and those its `delete_after` names are written; they see it as gone.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::error::Error;
use super::graph::Graph;
use super::node::{Erased, Step};
use super::outputs::Outputs;
use super::read::Read;
use crate::aws::tags;
use crate::aws::unit::{BoxFuture, Env};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Waiting,
    Running,
    /// To be deleted once its blockers are written; done for the nodes that need it.
    Deferred,
    Done,
    /// Failed, or never started because something it needs failed.
    Stopped,
}

/// Writes every node; returns each node's object as it is now and the failures.
pub(crate) async fn write_all<I: Send + Sync + 'static>(
    graph: &Graph<I>,
    env: &Env,
    input: &I,
    read: Read,
) -> (Outputs, Vec<Error>) {
    let nodes = &graph.nodes;
    let index = |name: &str| nodes.iter().position(|n| n.name == name);
    let needs: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| n.after.iter().filter_map(|d| index(d)).collect())
        .collect();
    let blockers = super::order::delete_blockers(graph);
    let mut deferred: BTreeMap<usize, (Erased, Option<Erased>, bool)> = BTreeMap::new();
    let mut status = vec![Status::Waiting; nodes.len()];
    let mut outputs = read.outputs.clone();
    let mut errors = Vec::new();
    let mut created: BTreeSet<&'static str> = BTreeSet::new();
    let mut desired: BTreeMap<&'static str, Erased> = BTreeMap::new();
    let mut running: FuturesUnordered<BoxFuture<'_, (usize, Step)>> = FuturesUnordered::new();
    loop {
        // A node settled without a call may unblock one declared before it: pass again.
        let mut settled_one = false;
        let ready: Vec<usize> = deferred
            .keys()
            .copied()
            .filter(|&i| {
                blockers[i]
                    .iter()
                    .all(|&b| matches!(status[b], Status::Done | Status::Stopped))
            })
            .collect();
        for i in ready {
            let Some((key, observed, reread)) = deferred.remove(&i) else {
                continue;
            };
            settled_one = true;
            if env.budget.is_cancelled() {
                outputs.set(nodes[i].name, observed);
                status[i] = Status::Stopped;
                errors.push(Error::new(
                    nodes[i].name,
                    format!("delete the {}", nodes[i].find.kind()),
                    "cancelled by Terraform",
                ));
                continue;
            }
            if blockers[i].iter().any(|&b| status[b] == Status::Stopped) {
                // What was to stop using it may not have: it stays.
                outputs.set(nodes[i].name, observed);
                status[i] = Status::Done;
                continue;
            }
            status[i] = Status::Running;
            running.push(launch(&nodes[i], env, i, Some(key), None, observed, reread));
        }
        for i in 0..nodes.len() {
            if status[i] != Status::Waiting {
                continue;
            }
            if needs[i].iter().any(|&d| status[d] == Status::Stopped) {
                status[i] = Status::Stopped;
                settled_one = true;
                continue;
            }
            if !needs[i]
                .iter()
                .all(|&d| matches!(status[d], Status::Done | Status::Deferred))
            {
                continue;
            }
            let node = &nodes[i];
            if env.budget.is_cancelled() {
                status[i] = Status::Stopped;
                settled_one = true;
                errors.push(Error::new(
                    node.name,
                    format!("{} the {}", env.budget.operation(), node.find.kind()),
                    "cancelled by Terraform",
                ));
                continue;
            }
            let wanted = match node.change.desired(input, &outputs) {
                Ok(w) => w,
                Err(missing) => {
                    status[i] = Status::Stopped;
                    settled_one = true;
                    errors.push(Error::new(
                        node.name,
                        format!("work out the {}", node.find.kind()),
                        missing.0,
                    ));
                    continue;
                }
            };
            if let Some(w) = &wanted {
                desired.insert(node.name, w.clone());
            }
            let key = node.find.key(input, &outputs);
            if !node.change.owned()
                && key.is_some()
                && !outputs.has(node.name)
                && let Some(message) = node.find.missing(input)
            {
                status[i] = Status::Stopped;
                settled_one = true;
                errors.push(Error::new(
                    node.name,
                    format!("read the {}", node.find.kind()),
                    message,
                ));
                continue;
            }
            let read_key = read.keys.get(node.name);
            let same_key = match (&key, read_key) {
                (Some(a), Some(b)) => node.find.same_key(a, b),
                (None, None) => true,
                _ => false,
            };
            // A key that changed (or became known) with what was written: read it now.
            let observed = if same_key {
                outputs.erased(node.name).cloned()
            } else {
                None
            };
            let reread = !same_key && key.is_some();
            if let (None, Some(k), false) = (&wanted, &key, blockers[i].is_empty())
                && node.change.owned()
            {
                deferred.insert(i, (k.clone(), observed, reread));
                outputs.set(node.name, None);
                status[i] = Status::Deferred;
                settled_one = true;
                continue;
            }
            status[i] = Status::Running;
            running.push(launch(node, env, i, key, wanted, observed, reread));
        }
        if settled_one {
            continue;
        }
        let Some((i, step)) = running.next().await else {
            break;
        };
        let name = nodes[i].name;
        if step.created {
            created.insert(name);
        }
        outputs.set(name, step.now);
        match step.error {
            Some(e) => {
                status[i] = Status::Stopped;
                errors.push(Error::aws(name, e));
            }
            None => status[i] = Status::Done,
        }
    }
    converge_tags(
        graph,
        env,
        &read,
        &outputs,
        &desired,
        &created,
        &status,
        &mut errors,
    )
    .await;
    (outputs, errors)
}

/// Writes node `i`: finds it again first when its key changed with what was written.
fn launch<'a, I>(
    node: &'a super::graph::Node<I>,
    env: &'a Env,
    i: usize,
    key: Option<Erased>,
    wanted: Option<Erased>,
    observed: Option<Erased>,
    reread: bool,
) -> BoxFuture<'a, (usize, Step)> {
    let (find, change) = (&node.find, &node.change);
    Box::pin(async move {
        let Some(key) = key else {
            let error = wanted.map(|_| {
                crate::aws::retry::AwsError::new(
                    format!("find the {}", find.kind()),
                    "the objects it belongs to do not exist",
                )
            });
            return (i, Step::kept(None, error));
        };
        // A write AWS still throttles after the SDK's retries is made again from a fresh read
        // while the operation has time: what the throttled attempt did stands, the rest follows.
        let (mut observed, mut reread, mut attempt) = (observed, reread, 0);
        loop {
            if reread {
                observed = match find.read(env, vec![key.clone()]).await {
                    Ok(found) => found.into_iter().next().flatten(),
                    Err(e) if env.budget.wait_out_throttling(&e, attempt).await => {
                        attempt += 1;
                        continue;
                    }
                    Err(e) => return (i, Step::kept(None, Some(e))),
                };
            }
            let step = change
                .write(env, key.clone(), wanted.clone(), observed.clone())
                .await;
            match &step.error {
                Some(e) if env.budget.wait_out_throttling(e, attempt).await => {
                    attempt += 1;
                    reread = true;
                }
                _ => return (i, step),
            }
        }
    })
}

/// Brings the tags of every object written without failure in line with its desired tags.
/// Objects made in this walk were created with them; the others were read with theirs.
#[allow(clippy::too_many_arguments)]
async fn converge_tags<I>(
    graph: &Graph<I>,
    env: &Env,
    read: &Read,
    outputs: &Outputs,
    desired: &BTreeMap<&'static str, Erased>,
    created: &BTreeSet<&'static str>,
    status: &[Status],
    errors: &mut Vec<Error>,
) {
    let mut writes = Vec::new();
    for (i, node) in graph.nodes.iter().enumerate() {
        if status[i] != Status::Done || created.contains(node.name) {
            continue;
        }
        let (Some(object), Some(wanted)) = (outputs.erased(node.name), desired.get(node.name))
        else {
            continue;
        };
        let (Some(target), Some(want)) =
            (node.change.tags(object), node.change.desired_tags(wanted))
        else {
            continue;
        };
        let found = read.outputs.tags(node.name).cloned().unwrap_or_default();
        let name = node.name;
        writes.push(async move {
            tags::write(env, &target.target, &want, &found)
                .await
                .map_err(|e| Error::aws(name, e))
        });
    }
    for result in futures_util::future::join_all(writes).await {
        if let Err(e) = result {
            errors.push(e);
        }
    }
}
