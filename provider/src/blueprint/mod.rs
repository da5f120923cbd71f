//! Pure functions from a resource's settings to the AWS objects that should exist: names,
//! tags, policies, launch template data, group and listener specifications. No I/O: the `aws`
//! layer turns these into API calls, and the tests here pin every production setting.

pub mod cluster;
pub mod job;
pub mod logs;
pub mod policy;
pub mod role;
pub mod service;

/// Tag key that marks every object the provider owns, with the cluster name as value. Objects
/// are found again by name and this tag, so a retried create adopts instead of duplicating.
pub const OWNER_TAG: &str = "ecsprod:cluster";
