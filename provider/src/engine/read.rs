//! The read of every node, in rounds: every key known at once is read in the first round (the
//! keys of one kind in one call); a node whose key comes from another node's object (an import,
//! which starts from names) waits for that read. Then the tags no read reported, in one call
//! per tagging API.

use std::any::TypeId;
use std::collections::BTreeMap;

use super::error::Error;
use super::graph::Graph;
use super::node::Erased;
use super::outputs::Outputs;
use crate::aws::tags;
use crate::aws::unit::{Env, TagTarget};

/// What the read found: each node's object and the key it was found by.
#[derive(Clone, Default)]
pub(crate) struct Read {
    pub outputs: Outputs,
    pub keys: BTreeMap<&'static str, Erased>,
}

/// Reads every node; with `tags`, also the tags no read reported (a delete needs none).
pub(crate) async fn read_all<I: Send + Sync + 'static>(
    graph: &Graph<I>,
    env: &Env,
    input: &I,
    tags: bool,
) -> Result<Read, Error> {
    let mut read = Read::default();
    let mut settled = vec![false; graph.nodes.len()];
    // Each round reads every node whose key is known now; a node without a key waits for the
    // nodes its key may come from (`read_after`) until they are read.
    while settled.iter().any(|s| !s) {
        let mut groups: BTreeMap<TypeId, Vec<(usize, Erased)>> = BTreeMap::new();
        let mut progress = false;
        // What was read before this round: a node settled in this round is not read yet.
        let before = settled.clone();
        for (i, node) in graph.nodes.iter().enumerate() {
            if settled[i] {
                continue;
            }
            let waiting = node.read_after.iter().any(|d| {
                graph
                    .nodes
                    .iter()
                    .position(|n| n.name == *d)
                    .is_some_and(|j| !before[j])
            });
            match node.find.key(input, &read.outputs) {
                Some(key) => {
                    read.keys.insert(node.name, key.clone());
                    groups
                        .entry(node.find.kind_id())
                        .or_default()
                        .push((i, key));
                }
                None if waiting => continue,
                None => {}
            }
            settled[i] = true;
            progress = true;
        }
        if !progress {
            return Err(Error::new("graph", "read", "the read edges have a cycle"));
        }
        let reads = groups.into_values().map(|members| async move {
            let first = &graph.nodes[members[0].0];
            let keys = members.iter().map(|(_, k)| k.clone()).collect();
            let found = first
                .find
                .read(env, keys)
                .await
                .map_err(|e| Error::aws(first.name, e))?;
            Ok::<_, Error>((members, found))
        });
        for result in futures_util::future::join_all(reads).await {
            let (members, found) = result?;
            for ((i, _), object) in members.into_iter().zip(found) {
                let node = &graph.nodes[i];
                tracing::debug!(
                    node = node.name,
                    kind = node.find.kind(),
                    found = object.is_some(),
                    "read"
                );
                read.outputs.set(node.name, object);
            }
        }
    }
    if tags {
        resolve_tags(graph, env, &mut read.outputs)
            .await
            .map_err(|e| Error::aws("tags", e))?;
    }
    Ok(read)
}

/// Records the tags of every node whose object exists: those its read reported, and the others
/// read in one call per tagging API.
pub(crate) async fn resolve_tags<I>(
    graph: &Graph<I>,
    env: &Env,
    outputs: &mut Outputs,
) -> Result<(), crate::aws::retry::AwsError> {
    let mut unknown: Vec<(&'static str, TagTarget)> = Vec::new();
    for node in &graph.nodes {
        let Some(object) = outputs.erased(node.name) else {
            continue;
        };
        if let Some(r) = node.change.tags(object) {
            match r.known {
                Some(t) => outputs.set_tags(node.name, t),
                None => unknown.push((node.name, r.target)),
            }
        }
    }
    if unknown.is_empty() {
        return Ok(());
    }
    let targets: Vec<TagTarget> = unknown.iter().map(|(_, t)| t.clone()).collect();
    let found = crate::aws::coalesce::read::<tags::TagsOf>(env, &targets).await?;
    for ((name, _), tags) in unknown.into_iter().zip(found) {
        outputs.set_tags(name, tags.unwrap_or_default());
    }
    Ok(())
}
