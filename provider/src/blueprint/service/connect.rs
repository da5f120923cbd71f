//! ECS Service Connect: every service joins its cluster's Cloud Map namespace, so it can call
//! the services published there by their DNS names; one with `internal` publishes its port too.

use super::ServiceInput;

/// How a service publishes itself to the other services of its cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalInput {
    /// The name of the main container's port mapping that Service Connect serves.
    pub port_name: String,
    /// The name the other services call it by.
    pub dns_name: String,
    /// The port they call it on.
    pub port: i32,
}

/// A service's Service Connect configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConnectSpec {
    /// The namespace's ARN.
    pub namespace: String,
    /// What the service publishes; `None`: it only calls others.
    pub published: Option<Published>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub port_name: String,
    /// The Cloud Map service ECS makes for it: unique in the namespace.
    pub discovery_name: String,
    pub dns_name: String,
    pub port: i32,
}

/// The Cloud Map service name of service `name` on `cluster`: `<cluster>-<name>` (lower case,
/// as Cloud Map requires), so the cluster knows which services in its namespace are its own.
pub fn discovery_name(cluster: &str, name: &str) -> String {
    format!("{cluster}-{name}").to_ascii_lowercase()
}

/// The service's Service Connect configuration in the cluster's namespace; none when the
/// service stays out or the cluster has no namespace.
pub fn service_connect(
    input: &ServiceInput,
    namespace_arn: Option<&str>,
) -> Option<ServiceConnectSpec> {
    if !input.service_connect {
        return None;
    }
    Some(ServiceConnectSpec {
        namespace: namespace_arn?.to_owned(),
        published: input.internal.as_ref().map(|i| Published {
            port_name: i.port_name.clone(),
            discovery_name: discovery_name(&input.cluster, &input.name),
            dns_name: i.dns_name.clone(),
            port: i.port,
        }),
    })
}
