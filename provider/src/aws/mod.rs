//! AWS access: one client per service, built once per provider process from the provider
//! block and the standard AWS environment, and one module per object kind (find or adopt by
//! name, create, read, update, delete). Retries of eventual consistency live in `retry`.

pub mod ami;
pub mod auto_scaling_group;
pub mod capacity_provider;
pub mod certificate;
pub mod clients;
pub mod dns;
pub mod ecs_cluster;
pub mod ecs_service;
pub mod iam_role;
pub mod launch_template;
pub mod load_balancer;
pub mod log_group;
pub mod network;
pub mod parameters;
pub mod retry;
pub mod scaling;
pub mod secret_keys;
pub mod security_group;
pub mod tags;
pub mod target_group;
pub mod task_definition;

pub use clients::Clients;
