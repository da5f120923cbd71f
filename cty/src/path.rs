//! Paths into a value, for error messages and attribute addressing.

use std::fmt;

/// One step of a [`Path`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathStep {
    /// An object attribute: `.name`.
    Attr(String),
    /// A map key: `["key"]`.
    Key(String),
    /// A list, set or tuple element: `[0]`.
    Index(i64),
}

/// A path from the root of a value, e.g. `.autoscaling.min_capacity` or `.tags["Name"]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Path(pub Vec<PathStep>);

impl Path {
    /// The empty path (the value itself).
    pub fn root() -> Path {
        Path(Vec::new())
    }

    /// This path followed by an attribute step.
    pub fn attr(&self, name: impl Into<String>) -> Path {
        self.with(PathStep::Attr(name.into()))
    }

    /// This path followed by a map-key step.
    pub fn key(&self, k: impl Into<String>) -> Path {
        self.with(PathStep::Key(k.into()))
    }

    /// This path followed by an index step.
    pub fn index(&self, i: i64) -> Path {
        self.with(PathStep::Index(i))
    }

    /// Whether this is the root path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The steps.
    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }

    fn with(&self, step: PathStep) -> Path {
        let mut steps = Vec::with_capacity(self.0.len() + 1);
        steps.extend_from_slice(&self.0);
        steps.push(step);
        Path(steps)
    }
}

impl fmt::Display for PathStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathStep::Attr(name) => write!(f, ".{name}"),
            PathStep::Key(k) => write!(f, "[{k:?}]"),
            PathStep::Index(i) => write!(f, "[{i}]"),
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.0 {
            write!(f, "{step}")?;
        }
        Ok(())
    }
}

impl From<Vec<PathStep>> for Path {
    fn from(steps: Vec<PathStep>) -> Self {
        Path(steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        let p = Path::root().attr("autoscaling").attr("min_capacity");
        assert_eq!(p.to_string(), ".autoscaling.min_capacity");
        let p = Path::root().attr("tags").key("Na\"me").index(3);
        assert_eq!(p.to_string(), ".tags[\"Na\\\"me\"][3]");
        assert_eq!(Path::root().to_string(), "");
    }
}
