//! A resource's graph: its nodes (one per AWS object it owns or reads), the key each is found
//! by, its desired value, how it shows in the state, and the edges between them.
//!
//! Edges say what a node needs before it can be written (`after`) and before it can be read
//! (`read_after`: its key comes from another node's object). Delete runs the create edges in
//! reverse, plus `delete_after` edges for what only deletion orders.

use std::marker::PhantomData;

use ecsprod_cty::Value;

use super::node::{Changes, Finder, Finds, Owned, ReadOnly};
use super::outputs::{Missing, Outputs};
use crate::aws::unit::{Lookup, Unit};

/// A typed handle on a node, by its name; `U` is the kind of object it holds.
pub struct NodeId<U> {
    /// The node's name: unique in its graph.
    pub name: &'static str,
    _kind: PhantomData<fn() -> U>,
}

impl<U> NodeId<U> {
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            _kind: PhantomData,
        }
    }

    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<U> Clone for NodeId<U> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<U> Copy for NodeId<U> {}

/// The key of the object a node holds; `None` when there is nothing to find (a value the
/// input does not have, an object whose parent does not exist).
pub type KeyFn<I, K> = fn(&I, &Outputs) -> Option<K>;
/// The object's desired value; `None` when it must not exist (the engine deletes it).
pub type DesiredFn<I, D> = fn(&I, &Outputs) -> Result<Option<D>, Missing>;
/// Writes what the object (`None`: there is none) says onto the state's attributes.
pub type ProjectFn<I, O> = fn(&I, Option<&O>, &Outputs, &mut Value);

/// A node holding an owned object.
pub struct UnitNode<I, U: Unit> {
    pub id: NodeId<U>,
    /// Nodes whose objects this one's desired value needs: they are written first.
    pub after: &'static [&'static str],
    /// Nodes whose objects this one's key needs: they are read first.
    pub read_after: &'static [&'static str],
    /// Nodes that must be gone before this one is deleted, beyond the reverse of `after`.
    pub delete_after: &'static [&'static str],
    pub key: KeyFn<I, U::Key>,
    pub desired: DesiredFn<I, U::Desired>,
    pub project: ProjectFn<I, U::Observed>,
}

/// A node holding an object the resource only reads.
pub struct LookupNode<I, L: Lookup> {
    pub id: NodeId<L>,
    pub read_after: &'static [&'static str],
    pub key: KeyFn<I, L::Key>,
    /// The error when the object is needed (an apply) and there is none; `None` when its
    /// absence is fine.
    pub missing: Option<fn(&I) -> String>,
    pub project: ProjectFn<I, L::Observed>,
}

/// One node of a graph.
pub(crate) struct Node<I> {
    pub name: &'static str,
    pub after: &'static [&'static str],
    pub read_after: &'static [&'static str],
    pub delete_after: &'static [&'static str],
    /// How its object is found, read and shown.
    pub find: Box<dyn Finds<I>>,
    /// How its object is changed.
    pub change: Box<dyn Changes<I>>,
}

/// The nodes of a resource and their edges.
pub struct Graph<I> {
    pub(crate) nodes: Vec<Node<I>>,
}

impl<I: Send + Sync + 'static> Default for Graph<I> {
    fn default() -> Self {
        Self::new()
    }
}

impl<I: Send + Sync + 'static> Graph<I> {
    pub fn new() -> Self {
        Self { nodes: Vec::new() }
    }

    /// Adds an owned object.
    pub fn unit<U: Unit>(mut self, node: UnitNode<I, U>) -> Self {
        self.nodes.push(Node {
            name: node.id.name(),
            after: node.after,
            read_after: node.read_after,
            delete_after: node.delete_after,
            find: Box::new(Finder {
                id: node.id,
                key: node.key,
                project: node.project,
                missing: None,
            }),
            change: Box::new(Owned::<I, U> {
                desired: node.desired,
            }),
        });
        self
    }

    /// Adds an object that is only read.
    pub fn lookup<L: Lookup>(mut self, node: LookupNode<I, L>) -> Self {
        self.nodes.push(Node {
            name: node.id.name(),
            after: node.read_after,
            read_after: node.read_after,
            delete_after: &[],
            find: Box::new(Finder {
                id: node.id,
                key: node.key,
                project: node.project,
                missing: node.missing,
            }),
            change: Box::new(ReadOnly),
        });
        self
    }

    /// The owned objects `input` wants that `outputs` does not hold, as `name (kind)`: what an
    /// apply would create.
    pub fn absent(&self, input: &I, outputs: &Outputs) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|n| n.change.creates() && !outputs.has(n.name))
            .filter(|n| !matches!(n.change.desired(input, outputs), Ok(None)))
            .map(|n| format!("{} ({})", n.name, n.find.kind()))
            .collect()
    }

    /// The node names, in declaration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.nodes.iter().map(|n| n.name).collect()
    }

    /// Every edge as (from, to): `to` is written after `from`.
    pub fn edges(&self) -> Vec<(&'static str, &'static str)> {
        self.nodes
            .iter()
            .flat_map(|n| n.after.iter().map(move |d| (*d, n.name)))
            .collect()
    }

    /// Edges only reads follow, as (from, to): `to` is found through what `from` reads (on
    /// import, say), but written independently of it.
    pub fn read_edges(&self) -> Vec<(&'static str, &'static str)> {
        self.nodes
            .iter()
            .flat_map(|n| {
                n.read_after
                    .iter()
                    .filter(|d| !n.after.contains(d))
                    .map(move |d| (*d, n.name))
            })
            .collect()
    }

    /// Edges that name a node the graph does not have, and cycles: what makes a graph
    /// unusable. Empty for a sound graph.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let known: Vec<&str> = self.names();
        for n in &self.nodes {
            for d in n.after.iter().chain(n.read_after).chain(n.delete_after) {
                if !known.contains(d) {
                    problems.push(format!("{} names unknown node {d}", n.name));
                }
            }
        }
        if super::order::levels(self, |n| n.after.to_vec()).is_none() {
            problems.push("the create edges have a cycle".into());
        }
        if super::order::levels(self, |n| n.read_after.to_vec()).is_none() {
            problems.push("the read edges have a cycle".into());
        }
        let blockers = super::order::delete_blockers(self);
        if !super::order::acyclic(&blockers) {
            problems.push("the delete edges have a cycle".into());
        }
        problems
    }

    /// The graph as a mermaid flowchart: each node with its kind, an arrow from each object to
    /// those that need it; objects only read are drawn rounded.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("flowchart TD\n");
        for n in &self.nodes {
            let label = format!("{}<br/><i>{}</i>", n.name, n.find.kind());
            if n.change.owned() {
                out.push_str(&format!("  {}[\"{label}\"]\n", n.name));
            } else {
                out.push_str(&format!("  {}([\"{label}\"])\n", n.name));
            }
        }
        for (from, to) in self.edges() {
            out.push_str(&format!("  {from} --> {to}\n"));
        }
        for (from, to) in self.read_edges() {
            out.push_str(&format!("  {from} -.-> {to}\n"));
        }
        out
    }
}
