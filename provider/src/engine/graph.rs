//! A resource's graph: its nodes (one per AWS object it owns or reads), the key each is found
//! by, its desired value, how it shows in the state, and the edges between them.
//!
//! Edges say what a node needs before it can be written (`after`) and before it can be read
//! (`read_after`: its key comes from another node's object). Delete runs the create edges in
//! reverse, plus `delete_after` edges for what only deletion orders.

use std::any::{Any, TypeId};
use std::marker::PhantomData;
use std::sync::Arc;

use ecsprod_cty::Value;

use super::outputs::{Missing, Outputs};
use crate::aws::retry::AwsError;
use crate::aws::unit::{BoxFuture, Env, Lookup, TagRef, Tags, Unit};

pub(crate) type Erased = Arc<dyn Any + Send + Sync>;

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

/// What a node's write did: the object as it is now (`None`: there is none), whether it was
/// made new in this walk, and the failure, if any.
pub(crate) struct Step {
    pub now: Option<Erased>,
    pub created: bool,
    pub error: Option<AwsError>,
}

/// A node's operations on erased values, so the engine can walk nodes of any kind.
pub(crate) trait Ops<I>: Send + Sync {
    fn kind(&self) -> &'static str;
    fn kind_id(&self) -> TypeId;
    fn owned(&self) -> bool;
    fn key(&self, input: &I, outputs: &Outputs) -> Option<Erased>;
    fn same_key(&self, a: &Erased, b: &Erased) -> bool;
    fn read<'a>(
        &'a self,
        env: &'a Env,
        keys: Vec<Erased>,
    ) -> BoxFuture<'a, Result<Vec<Option<Erased>>, AwsError>>;
    fn desired(&self, input: &I, outputs: &Outputs) -> Result<Option<Erased>, Missing>;
    fn write<'a>(
        &'a self,
        env: &'a Env,
        key: Erased,
        desired: Option<Erased>,
        observed: Option<Erased>,
    ) -> BoxFuture<'a, Step>;
    fn delete<'a>(&'a self, env: &'a Env, observed: Erased) -> BoxFuture<'a, Result<(), AwsError>>;
    fn tags(&self, observed: &Erased) -> Option<TagRef>;
    fn desired_tags(&self, desired: &Erased) -> Option<Tags>;
    fn project(&self, input: &I, outputs: &Outputs, state: &mut Value);
    fn missing(&self, input: &I) -> Option<String>;
}

fn typed<T: Clone + 'static>(v: &Erased) -> Option<T> {
    v.downcast_ref::<T>().cloned()
}

fn same<K: PartialEq + 'static>(a: &Erased, b: &Erased) -> bool {
    match (a.downcast_ref::<K>(), b.downcast_ref::<K>()) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn erase<T: Send + Sync + 'static>(v: T) -> Erased {
    Arc::new(v)
}

/// Reads the keys of one kind, erased.
fn read_erased<'a, L: Lookup>(
    env: &'a Env,
    keys: Vec<Erased>,
) -> BoxFuture<'a, Result<Vec<Option<Erased>>, AwsError>> {
    Box::pin(async move {
        let keys: Vec<L::Key> = keys.iter().filter_map(typed::<L::Key>).collect();
        let found = L::read(env, &keys).await?;
        Ok(found.into_iter().map(|o| o.map(erase)).collect())
    })
}

impl<I: Send + Sync + 'static, U: Unit> Ops<I> for UnitNode<I, U> {
    fn kind(&self) -> &'static str {
        U::KIND
    }

    fn kind_id(&self) -> TypeId {
        TypeId::of::<U>()
    }

    fn owned(&self) -> bool {
        true
    }

    fn key(&self, input: &I, outputs: &Outputs) -> Option<Erased> {
        (self.key)(input, outputs).map(erase)
    }

    fn same_key(&self, a: &Erased, b: &Erased) -> bool {
        same::<U::Key>(a, b)
    }

    fn read<'a>(
        &'a self,
        env: &'a Env,
        keys: Vec<Erased>,
    ) -> BoxFuture<'a, Result<Vec<Option<Erased>>, AwsError>> {
        read_erased::<U>(env, keys)
    }

    fn desired(&self, input: &I, outputs: &Outputs) -> Result<Option<Erased>, Missing> {
        Ok((self.desired)(input, outputs)?.map(erase))
    }

    fn write<'a>(
        &'a self,
        env: &'a Env,
        key: Erased,
        desired: Option<Erased>,
        observed: Option<Erased>,
    ) -> BoxFuture<'a, Step> {
        Box::pin(async move {
            let key = typed::<U::Key>(&key);
            let desired = desired.as_ref().and_then(typed::<U::Desired>);
            let observed_typed = observed.as_ref().and_then(typed::<U::Observed>);
            let kept = |error: Option<AwsError>| Step {
                now: observed.clone(),
                created: false,
                error,
            };
            let made = |r: Result<U::Observed, AwsError>| match r {
                Ok(o) => Step {
                    now: Some(erase(o)),
                    created: true,
                    error: None,
                },
                Err(e) => Step {
                    now: None,
                    created: false,
                    error: Some(e),
                },
            };
            match (desired, observed_typed, key) {
                (None, None, _) => kept(None),
                (None, Some(o), _) => match U::delete(env, &o).await {
                    Ok(()) => Step {
                        now: None,
                        created: false,
                        error: None,
                    },
                    Err(e) => kept(Some(e)),
                },
                (Some(d), None, Some(k)) => made(U::create(env, &k, &d).await),
                (Some(d), Some(o), Some(k)) => {
                    let changes = U::diff(&d, &o);
                    if changes.is_empty() {
                        return kept(None);
                    }
                    if changes
                        .iter()
                        .any(|c| c.fix == crate::aws::unit::Fix::Replace)
                    {
                        tracing::info!(kind = U::KIND, ?changes, "replacing");
                        if let Err(e) = U::delete(env, &o).await {
                            return kept(Some(e));
                        }
                        return made(U::create(env, &k, &d).await);
                    }
                    tracing::info!(kind = U::KIND, ?changes, "updating in place");
                    match U::update(env, &d, &o, &changes).await {
                        Ok(now) => Step {
                            now: Some(erase(now)),
                            created: false,
                            error: None,
                        },
                        Err(e) => kept(Some(e)),
                    }
                }
                (Some(_), _, None) => kept(Some(AwsError::new(
                    format!("find the {}", U::KIND),
                    "its key is not known",
                ))),
            }
        })
    }

    fn delete<'a>(&'a self, env: &'a Env, observed: Erased) -> BoxFuture<'a, Result<(), AwsError>> {
        Box::pin(async move {
            match typed::<U::Observed>(&observed) {
                Some(o) => U::delete(env, &o).await,
                None => Ok(()),
            }
        })
    }

    fn tags(&self, observed: &Erased) -> Option<TagRef> {
        U::tags(&typed::<U::Observed>(observed)?)
    }

    fn desired_tags(&self, desired: &Erased) -> Option<Tags> {
        U::desired_tags(&typed::<U::Desired>(desired)?)
    }

    fn project(&self, input: &I, outputs: &Outputs, state: &mut Value) {
        (self.project)(input, outputs.get(self.id), outputs, state);
    }

    fn missing(&self, _: &I) -> Option<String> {
        None
    }
}

impl<I: Send + Sync + 'static, L: Lookup> Ops<I> for LookupNode<I, L> {
    fn kind(&self) -> &'static str {
        L::KIND
    }

    fn kind_id(&self) -> TypeId {
        TypeId::of::<L>()
    }

    fn owned(&self) -> bool {
        false
    }

    fn key(&self, input: &I, outputs: &Outputs) -> Option<Erased> {
        (self.key)(input, outputs).map(erase)
    }

    fn same_key(&self, a: &Erased, b: &Erased) -> bool {
        same::<L::Key>(a, b)
    }

    fn read<'a>(
        &'a self,
        env: &'a Env,
        keys: Vec<Erased>,
    ) -> BoxFuture<'a, Result<Vec<Option<Erased>>, AwsError>> {
        read_erased::<L>(env, keys)
    }

    fn desired(&self, _: &I, _: &Outputs) -> Result<Option<Erased>, Missing> {
        Ok(None)
    }

    fn write<'a>(
        &'a self,
        _: &'a Env,
        _: Erased,
        _: Option<Erased>,
        observed: Option<Erased>,
    ) -> BoxFuture<'a, Step> {
        Box::pin(async move {
            Step {
                now: observed,
                created: false,
                error: None,
            }
        })
    }

    fn delete<'a>(&'a self, _: &'a Env, _: Erased) -> BoxFuture<'a, Result<(), AwsError>> {
        Box::pin(async { Ok(()) })
    }

    fn tags(&self, _: &Erased) -> Option<TagRef> {
        None
    }

    fn desired_tags(&self, _: &Erased) -> Option<Tags> {
        None
    }

    fn project(&self, input: &I, outputs: &Outputs, state: &mut Value) {
        (self.project)(input, outputs.get(self.id), outputs, state);
    }

    fn missing(&self, input: &I) -> Option<String> {
        self.missing.map(|m| m(input))
    }
}

/// One node of a graph.
pub(crate) struct Node<I> {
    pub name: &'static str,
    pub after: &'static [&'static str],
    pub read_after: &'static [&'static str],
    pub delete_after: &'static [&'static str],
    pub ops: Box<dyn Ops<I>>,
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
            ops: Box::new(node),
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
            ops: Box::new(node),
        });
        self
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
            let label = format!("{}<br/><i>{}</i>", n.name, n.ops.kind());
            if n.ops.owned() {
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
