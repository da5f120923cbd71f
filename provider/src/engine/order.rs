//! Dependency order: the nodes in levels, each level depending only on earlier ones.

use super::graph::{Graph, Node};

/// The nodes' indexes in levels by `deps` (names of the nodes each depends on); `None` when
/// the edges have a cycle. Names the graph does not have are ignored.
pub(crate) fn levels<I>(
    graph: &Graph<I>,
    deps: impl Fn(&Node<I>) -> Vec<&'static str>,
) -> Option<Vec<Vec<usize>>> {
    let index = |name: &str| graph.nodes.iter().position(|n| n.name == name);
    let needs: Vec<Vec<usize>> = graph
        .nodes
        .iter()
        .map(|n| deps(n).into_iter().filter_map(index).collect())
        .collect();
    let mut placed = vec![false; graph.nodes.len()];
    let mut out = Vec::new();
    while placed.iter().any(|p| !p) {
        let level: Vec<usize> = (0..graph.nodes.len())
            .filter(|&i| !placed[i] && needs[i].iter().all(|&d| placed[d]))
            .collect();
        if level.is_empty() {
            return None;
        }
        for &i in &level {
            placed[i] = true;
        }
        out.push(level);
    }
    Some(out)
}

/// For each node, the indexes of the nodes that must be deleted before it: those written after
/// it, and those its `delete_after` names. A node written after another but deleted after it
/// too (it names that node in both `after` and `delete_after`) does not hold that one up.
pub(crate) fn delete_blockers<I>(graph: &Graph<I>) -> Vec<Vec<usize>> {
    let index = |name: &str| graph.nodes.iter().position(|n| n.name == name);
    graph
        .nodes
        .iter()
        .map(|n| {
            let mut blockers: Vec<usize> = graph
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, other)| {
                    other.after.contains(&n.name) && !other.delete_after.contains(&n.name)
                })
                .map(|(i, _)| i)
                .collect();
            blockers.extend(n.delete_after.iter().filter_map(|d| index(d)));
            blockers.sort_unstable();
            blockers.dedup();
            blockers
        })
        .collect()
}

/// Whether `deps` (each node's indexes of the nodes it waits for) has no cycle.
pub(crate) fn acyclic(deps: &[Vec<usize>]) -> bool {
    let mut done = vec![false; deps.len()];
    loop {
        let ready: Vec<usize> = (0..deps.len())
            .filter(|&i| !done[i] && deps[i].iter().all(|&d| done[d]))
            .collect();
        if ready.is_empty() {
            return done.iter().all(|d| *d);
        }
        for i in ready {
            done[i] = true;
        }
    }
}
