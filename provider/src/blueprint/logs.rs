//! CloudWatch log groups, as both resources have them.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroupSpec {
    pub name: String,
    pub retention_days: i32,
    /// The KMS key (ARN) that encrypts the group's events; `None`: CloudWatch's own encryption.
    pub kms_key_id: Option<String>,
    pub tags: BTreeMap<String, String>,
}
