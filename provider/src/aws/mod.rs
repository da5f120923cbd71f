//! AWS access, the only layer that talks to the SDK: one client per service, built once per
//! provider process from a plain client configuration, and one unit per object kind (see
//! [`unit`]): how an object is found by its key, read, compared, created, updated and deleted.
//! Waits and retries of eventual consistency go through the operation's [`budget`].

pub mod alarm;
pub mod ami;
pub mod auto_scaling_group;
pub mod budget;
pub mod caller;
pub mod capacity_provider;
pub mod certificate;
pub mod checks;
pub mod clients;
pub mod cluster_capacity;
pub mod cluster_facts;
pub mod coalesce;
mod container_definition;
pub mod deployment;
pub mod dns;
pub mod ecs_cluster;
pub mod ecs_service;
pub mod ecs_service_settings;
pub mod iam_role;
pub mod instance_profile;
pub mod instance_refresh;
pub mod instance_types;
pub mod launch_template;
pub mod listener;
pub mod listener_action;
pub mod listener_rule;
mod listener_rule_reads;
pub mod listing;
pub mod load_balancer;
pub mod log_group;
pub mod namespace;
pub mod network;
pub mod parameters;
pub mod retry;
pub mod scaling;
mod scaling_metrics;
pub mod schedule;
pub mod secret_keys;
pub mod security_group;
pub mod security_group_rules;
pub mod service_deployments;
mod tag_writes;
pub mod tags;
pub mod target_group;
pub mod task_definition;
pub mod unit;

pub use clients::{AssumeRole, ClientConfig, Clients};
