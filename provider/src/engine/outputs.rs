//! What a walk knows of each node's object: as read, then as written.

use std::collections::BTreeMap;

use super::graph::NodeId;
use super::node::Erased;
use crate::aws::unit::{Lookup, Tags};

/// A node's object could not be had for another node's desired value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing(pub String);

impl Missing {
    pub fn new(what: impl Into<String>) -> Self {
        Self(what.into())
    }
}

/// The object of every node, by node name; a node whose object does not exist (or was not
/// read) has none.
#[derive(Clone, Default)]
pub struct Outputs {
    objects: BTreeMap<&'static str, Erased>,
    /// Tags as found, for nodes whose objects carry tags.
    tags: BTreeMap<&'static str, Tags>,
}

impl std::fmt::Debug for Outputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outputs")
            .field("objects", &self.objects.keys().collect::<Vec<_>>())
            .field("tags", &self.tags)
            .finish()
    }
}

impl Outputs {
    pub fn new() -> Self {
        Self::default()
    }

    /// The node's object, if it exists.
    pub fn get<L: Lookup>(&self, id: NodeId<L>) -> Option<&L::Observed> {
        self.objects.get(id.name())?.downcast_ref::<L::Observed>()
    }

    /// The node's object, or what a desired value that needs it reports.
    pub fn need<L: Lookup>(&self, id: NodeId<L>) -> Result<&L::Observed, Missing> {
        self.get(id)
            .ok_or_else(|| Missing::new(format!("{} ({}) does not exist", id.name(), L::KIND)))
    }

    /// Whether the node's object exists.
    pub fn has(&self, name: &str) -> bool {
        self.objects.contains_key(name)
    }

    /// The tags found on the node's object.
    pub fn tags(&self, name: &str) -> Option<&Tags> {
        self.tags.get(name)
    }

    /// Every node with tags found, and the tags.
    pub fn all_tags(&self) -> impl Iterator<Item = (&'static str, &Tags)> {
        self.tags.iter().map(|(k, v)| (*k, v))
    }

    pub(crate) fn erased(&self, name: &str) -> Option<&Erased> {
        self.objects.get(name)
    }

    pub(crate) fn set(&mut self, name: &'static str, object: Option<Erased>) {
        match object {
            Some(o) => {
                self.objects.insert(name, o);
            }
            None => {
                self.objects.remove(name);
                self.tags.remove(name);
            }
        }
    }

    pub(crate) fn set_tags(&mut self, name: &'static str, tags: Tags) {
        self.tags.insert(name, tags);
    }

    /// Sets a node's object from outside a walk.
    #[cfg(test)]
    pub fn insert<L: Lookup>(&mut self, id: NodeId<L>, object: L::Observed) {
        self.objects.insert(id.name(), std::sync::Arc::new(object));
    }

    /// Takes a node's object away from outside a walk.
    #[cfg(test)]
    pub fn remove<L: Lookup>(&mut self, id: NodeId<L>) {
        self.objects.remove(id.name());
    }
}
