//! IAM roles and instance profiles, as both resources have them.

use std::collections::BTreeMap;

/// What becomes of managed policies attached to a role besides the ones it must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherPolicies {
    /// The role is the provider's alone: they are detached.
    Detach,
    /// Users may attach their own (an application's task role): they stay.
    Keep,
}

/// A role: exactly this trust policy and these inline policies (name, document), these managed
/// policies (others as `others` says), these tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSpec {
    pub name: String,
    pub trust_policy: String,
    pub managed_policies: Vec<String>,
    pub others: OtherPolicies,
    pub inline_policies: Vec<(String, String)>,
    pub tags: BTreeMap<String, String>,
}

/// An instance profile holding one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProfileSpec {
    pub name: String,
    pub role: String,
}
