//! The Terraform plugin protocol: handshake, TLS, gRPC services, values, schemas, diagnostics
//! and the generic plan pipeline. Nothing here knows about AWS.

pub mod controller;
pub mod diag;
pub mod handshake;
pub mod identity;
pub mod log;
pub mod plan;
pub mod provider;
pub mod rpc;
pub mod schema;
pub mod server;
pub mod tls;

pub use ecsprod_cty as value;
