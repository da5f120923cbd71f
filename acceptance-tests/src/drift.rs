//! Changes made outside Terraform, the way an operator or another tool would make them: settings
//! changed, rules and tags added or removed, objects created, replaced or deleted behind the
//! provider's back. Tests make them between two Terraform commands and check that the next plan
//! shows them and the next apply puts things back.
//!
//! Each change goes through the AWS SDK; when AWS refuses it, the function panics naming the
//! change. A few functions only build what a change takes (a security group rule, a listener
//! action).

mod capacity;
mod iam;
mod load_balancing;
mod network;
mod outside;
mod service;

pub use capacity::*;
pub use iam::*;
pub use load_balancing::*;
pub use network::*;
pub use outside::*;
pub use service::*;
