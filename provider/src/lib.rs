//! terraform-provider-ecsprod: production ECS-on-EC2 clusters and services as two Terraform
//! resources.
//!
//! Layers, each in its own module:
//! - [`protocol`]: the Terraform plugin protocol (handshake, TLS, gRPC, values, schemas,
//!   diagnostics, the generic plan pipeline). Knows nothing about AWS.
//! - [`resources`]: the provider block and the two resources: schemas, validation, plan
//!   adjustments, the typed configuration each one reads, and their lifecycles.
//! - [`blueprint`]: pure functions from a resource's settings to the AWS objects it needs.
//! - [`aws`]: one module per AWS object kind, on the official SDK; retries live there.
//! - [`engine`]: runs a resource's steps in dependency order, independent ones concurrently,
//!   recording progress so a failed apply still returns what exists.

pub mod aws;
pub mod blueprint;
pub mod engine;
pub mod protocol;
pub mod resources;

/// The address users write in `required_providers` (`source = "ecsprod/ecsprod"`).
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/ecsprod/ecsprod";

/// This build's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
