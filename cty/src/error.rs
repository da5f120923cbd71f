//! Decode and encode errors.

use std::fmt;

use crate::path::{Path, PathStep};

/// A value or type could not be decoded. `Display` is `at .foo[2]: message` (just the
/// message when the problem is at the root).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DecodeError {
    /// Where in the value the problem is.
    pub path: Path,
    /// What is wrong.
    pub message: String,
}

/// A value could not be encoded for its type. `Display` as for [`DecodeError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct EncodeError {
    /// Where in the value the problem is.
    pub path: Path,
    /// What is wrong.
    pub message: String,
}

macro_rules! common {
    ($t:ident) => {
        impl $t {
            /// An error at the root.
            pub fn new(message: impl Into<String>) -> Self {
                $t {
                    path: Path::root(),
                    message: message.into(),
                }
            }

            /// An error at `path`.
            pub fn at(path: Path, message: impl Into<String>) -> Self {
                $t {
                    path,
                    message: message.into(),
                }
            }

            /// Puts `step` in front of the path, as the error travels up out of a
            /// nested value.
            pub(crate) fn within(mut self, step: PathStep) -> Self {
                self.path.0.insert(0, step);
                self
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if self.path.is_root() {
                    f.write_str(&self.message)
                } else {
                    write!(f, "at {}: {}", self.path, self.message)
                }
            }
        }
    };
}

common!(DecodeError);
common!(EncodeError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        let e = DecodeError::new("expected string, got bool")
            .within(PathStep::Index(2))
            .within(PathStep::Attr("foo".into()));
        assert_eq!(e.to_string(), "at .foo[2]: expected string, got bool");
        assert_eq!(EncodeError::new("boom").to_string(), "boom");
    }
}
