//! A walk's failures, named by the node and the step that failed.

use crate::aws::retry::AwsError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The node whose object the failure concerns.
    pub node: &'static str,
    /// What was being done, e.g. "create security group".
    pub step: String,
    pub message: String,
    /// AWS's error code, when AWS answered with one.
    pub code: Option<String>,
}

impl Error {
    pub fn new(node: &'static str, step: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            node,
            step: step.into(),
            message: message.into(),
            code: None,
        }
    }

    pub(crate) fn aws(node: &'static str, e: AwsError) -> Self {
        Self {
            node,
            step: e.step,
            message: e.message,
            code: e.code,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.step, self.message)
    }
}

impl std::error::Error for Error {}
