//! CloudWatch log groups, as both resources have them.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroupSpec {
    pub name: String,
    pub retention_days: i32,
    /// The KMS key (ARN) that encrypts the group's events, when the provider manages it:
    /// `Some(None)` for CloudWatch's own encryption, `None` to leave whatever key the group has.
    pub kms_key_id: Option<Option<String>>,
    pub tags: BTreeMap<String, String>,
}
