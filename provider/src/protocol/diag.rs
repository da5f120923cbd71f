//! Diagnostics: errors and warnings returned to Terraform, each optionally tied to an attribute
//! path so Terraform can point at the configuration line that caused it.

use ecsprod_cty::{Path, PathStep};
use ecsprod_proto::tfplugin6 as pb;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub path: Option<Path>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(summary, detail)
        }
    }

    /// Ties the diagnostic to an attribute.
    pub fn at(mut self, path: Path) -> Self {
        self.path = Some(path);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// An ordered collection of diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Adds an error on an attribute path.
    pub fn error_at(&mut self, path: Path, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail).at(path));
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    pub fn into_proto(self) -> Vec<pb::Diagnostic> {
        self.0.into_iter().map(to_proto).collect()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Self(vec![d])
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// Converts a value path into the protocol's attribute path.
pub fn path_to_proto(path: &Path) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .0
            .iter()
            .map(|step| pb::attribute_path::Step {
                selector: Some(match step {
                    PathStep::Attr(name) => Selector::AttributeName(name.clone()),
                    PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

fn to_proto(d: Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error as i32,
            Severity::Warning => pb::diagnostic::Severity::Warning as i32,
        },
        summary: d.summary,
        detail: d.detail,
        attribute: d.path.as_ref().map(path_to_proto),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_path_steps_map_to_protocol_selectors() {
        use pb::attribute_path::step::Selector;
        let path = Path::root().attr("secrets").key("DB_URL");
        let proto = path_to_proto(&path);
        assert_eq!(
            proto
                .steps
                .iter()
                .map(|s| s.selector.clone())
                .collect::<Vec<_>>(),
            vec![
                Some(Selector::AttributeName("secrets".into())),
                Some(Selector::ElementKeyString("DB_URL".into())),
            ]
        );
    }

    #[test]
    fn warnings_do_not_count_as_errors() {
        let mut diags = Diagnostics::new();
        diags.push(Diagnostic::warning("w", ""));
        assert!(!diags.has_errors());
        diags.push(Diagnostic::error("e", ""));
        assert!(diags.has_errors());
    }
}
