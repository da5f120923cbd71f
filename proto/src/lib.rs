//! Protocol buffer types and gRPC services spoken between Terraform and the provider.
//!
//! - [`tfplugin6`]: the Terraform provider protocol, version 6.10 (what Terraform 1.15 speaks).
//! - [`plugin`]: go-plugin's own services (controller, stdio, broker) that every plugin serves.

#![allow(clippy::all, missing_docs)]

pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

pub mod plugin {
    tonic::include_proto!("plugin");
}

/// The protocol version this crate implements, as `(major, minor)`.
pub const PROTOCOL_VERSION: (u32, u32) = (6, 10);
