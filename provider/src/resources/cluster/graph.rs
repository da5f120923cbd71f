//! The AWS objects an `ecsprod_cluster` owns, as one graph: each node's key, desired value and
//! the attributes it shows, and the edges between them. The engine creates, updates, refreshes,
//! imports and deletes the cluster by walking it.

use std::sync::LazyLock;

use super::project as show;
use crate::blueprint::cluster::{self as bp, ClusterInput};
use crate::engine::units::{
    AutoScalingGroup, CapacityProvider, ClusterCapacity, EcsCluster, GroupKey, InstanceProfile,
    InstanceTypes, LaunchTemplate, Listener, ListenerKey, LoadBalancer, LogGroup, Namespace,
    NamespaceKey, OtherListeners, OtherListenersKey, RecommendedAmi, Role, SecurityGroup,
};
use crate::engine::{Graph, LookupNode, Missing, NodeId, Outputs, UnitNode};

/// What a walk of the graph starts from.
#[derive(Debug, Clone)]
pub struct Run {
    pub name: String,
    /// The Service Connect namespace's name, as configured or as the state records it.
    pub namespace: String,
    /// From the configuration or the state; `None` on import (found by the groups' names).
    pub vpc_id: Option<String>,
    pub partition: String,
    /// The configuration, for create and update.
    pub config: Option<ClusterInput>,
    /// The instance types, as configured or as the state records them.
    pub instance_types: Vec<String>,
    /// The AMI the instances run and their family, when the instance types change and no AMI
    /// is configured: kept if the new types share the family.
    pub kept_ami: Option<(String, bp::Family)>,
}

impl Run {
    pub fn names(&self) -> bp::Names {
        bp::names(&self.name)
    }

    fn config(&self) -> Result<&ClusterInput, Missing> {
        self.config
            .as_ref()
            .ok_or_else(|| Missing::new("the configuration is not known"))
    }
}

pub const CLUSTER: NodeId<EcsCluster> = NodeId::new("ecs_cluster");
pub const NAMESPACE: NodeId<Namespace> = NodeId::new("service_connect_namespace");
pub const EXEC_LOG_GROUP: NodeId<LogGroup> = NodeId::new("execute_command_log_group");
pub const CAPACITY: NodeId<ClusterCapacity> = NodeId::new("cluster_capacity_providers");
pub const INSTANCE_ROLE: NodeId<Role> = NodeId::new("instance_role");
pub const INSTANCE_PROFILE: NodeId<InstanceProfile> = NodeId::new("instance_profile");
pub const ALB_GROUP: NodeId<SecurityGroup> = NodeId::new("alb_security_group");
pub const INSTANCE_GROUP: NodeId<SecurityGroup> = NodeId::new("instance_security_group");
pub const INSTANCE_TYPES: NodeId<InstanceTypes> = NodeId::new("instance_types");
pub const AMI: NodeId<RecommendedAmi> = NodeId::new("recommended_ami");
pub const TEMPLATE: NodeId<LaunchTemplate> = NodeId::new("launch_template");
pub const GROUP: NodeId<AutoScalingGroup> = NodeId::new("auto_scaling_group");
pub const PROVIDER: NodeId<CapacityProvider> = NodeId::new("capacity_provider");
pub const LOAD_BALANCER: NodeId<LoadBalancer> = NodeId::new("load_balancer");
pub const HTTPS: NodeId<Listener> = NodeId::new("https_listener");
pub const HTTP: NodeId<Listener> = NodeId::new("http_listener");
pub const OTHER_LISTENERS: NodeId<OtherListeners> = NodeId::new("other_listeners");

fn group_key(run: &Run, outputs: &Outputs, name: String) -> Option<GroupKey> {
    let vpc_id = run
        .vpc_id
        .clone()
        .or_else(|| outputs.get(LOAD_BALANCER).map(|lb| lb.vpc_id.clone()))?;
    Some(GroupKey { vpc_id, name })
}

fn listener_key(outputs: &Outputs, port: i32) -> Option<ListenerKey> {
    Some(ListenerKey {
        load_balancer_arn: outputs.get(LOAD_BALANCER)?.arn.clone(),
        port,
    })
}

/// What the instance types make of the instances: their architecture and GPU support.
pub fn family(outputs: &Outputs) -> Result<bp::Family, Missing> {
    bp::family(outputs.need(INSTANCE_TYPES)?).map_err(Missing::new)
}

/// The configuration with the AMI the instances run: the configured one, else the region's
/// recommended one.
fn with_ami(run: &Run, outputs: &Outputs) -> Result<ClusterInput, Missing> {
    let mut input = run.config()?.clone();
    if input.ami_id.is_empty() {
        let family = family(outputs)?;
        input.ami_id = match &run.kept_ami {
            Some((ami, kept)) if *kept == family => ami.clone(),
            _ => outputs
                .get(AMI)
                .ok_or_else(|| Missing::new("the region has no recommended ECS-optimized AMI"))?
                .clone(),
        };
    }
    Ok(input)
}

pub static GRAPH: LazyLock<Graph<Run>> = LazyLock::new(graph);

fn graph() -> Graph<Run> {
    Graph::<Run>::new()
        .unit(UnitNode {
            id: EXEC_LOG_GROUP,
            after: &[],
            read_after: &[],
            delete_after: &[CLUSTER.name],
            key: |run, _| Some(run.names().execute_command_log_group),
            desired: |run, _| Ok(Some(bp::execute_command_log_group(run.config()?))),
            project: show::execute_command_log_group,
        })
        .unit(UnitNode {
            id: NAMESPACE,
            after: &[],
            read_after: &[],
            // The cluster's Service Connect default names it.
            delete_after: &[CLUSTER.name],
            key: |run, _| {
                Some(NamespaceKey {
                    name: run.namespace.clone(),
                    cluster: run.name.clone(),
                })
            },
            desired: |run, _| Ok(Some(bp::service_connect_namespace(run.config()?))),
            project: show::service_connect_namespace,
        })
        .unit(UnitNode {
            id: CLUSTER,
            // Its execute-command configuration names the group, its Service Connect default
            // the namespace.
            after: &[EXEC_LOG_GROUP.name, NAMESPACE.name],
            read_after: &[],
            // Its container instances leave once the group is gone.
            delete_after: &[GROUP.name],
            key: |run, _| Some(run.name.clone()),
            desired: |run, o| {
                Ok(Some(bp::ecs_cluster(
                    run.config()?,
                    &o.need(NAMESPACE)?.arn,
                )))
            },
            project: show::ecs_cluster,
        })
        .unit(UnitNode {
            id: INSTANCE_ROLE,
            after: &[],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(run.names().instance_role),
            desired: |run, _| Ok(Some(bp::instance_role(run.config()?, &run.partition))),
            project: show::instance_role,
        })
        .unit(UnitNode {
            id: INSTANCE_PROFILE,
            after: &[INSTANCE_ROLE.name],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(run.names().instance_profile),
            desired: |run, _| Ok(Some(bp::instance_profile(run.config()?))),
            project: show::instance_profile,
        })
        .unit(UnitNode {
            id: ALB_GROUP,
            after: &[],
            read_after: &[LOAD_BALANCER.name],
            delete_after: &[],
            key: |run, o| group_key(run, o, run.names().alb_security_group),
            desired: |run, _| Ok(Some(bp::alb_security_group(run.config()?))),
            project: show::alb_security_group,
        })
        .unit(UnitNode {
            id: INSTANCE_GROUP,
            after: &[ALB_GROUP.name],
            read_after: &[LOAD_BALANCER.name],
            delete_after: &[],
            key: |run, o| group_key(run, o, run.names().instance_security_group),
            desired: |run, o| {
                Ok(Some(bp::instance_security_group(
                    run.config()?,
                    &o.need(ALB_GROUP)?.id,
                )))
            },
            project: show::instance_security_group,
        })
        .lookup(LookupNode {
            id: INSTANCE_TYPES,
            read_after: &[],
            key: |run, _| (!run.instance_types.is_empty()).then(|| run.instance_types.clone()),
            missing: None,
            project: show::architecture,
        })
        .lookup(LookupNode {
            id: AMI,
            read_after: &[INSTANCE_TYPES.name],
            // Read on every walk: `recommended_ami_id` shows whether the instances are behind.
            key: |_, o| Some(bp::ami_parameter(family(o).ok()?).to_owned()),
            missing: None,
            project: show::recommended_ami,
        })
        .unit(UnitNode {
            id: TEMPLATE,
            after: &[
                INSTANCE_PROFILE.name,
                INSTANCE_GROUP.name,
                INSTANCE_TYPES.name,
                AMI.name,
            ],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(run.names().launch_template),
            desired: |run, o| {
                Ok(Some(bp::launch_template(
                    &with_ami(run, o)?,
                    &o.need(INSTANCE_PROFILE)?.name,
                    &o.need(INSTANCE_GROUP)?.id,
                    family(o)?.gpu,
                )))
            },
            project: show::launch_template,
        })
        .unit(UnitNode {
            id: GROUP,
            after: &[TEMPLATE.name],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(run.names().auto_scaling_group),
            desired: |run, o| {
                let template = o.need(TEMPLATE)?;
                Ok(Some(bp::auto_scaling_group(
                    run.config()?,
                    &template.id,
                    template.default_version,
                )))
            },
            project: show::auto_scaling_group,
        })
        .unit(UnitNode {
            id: PROVIDER,
            after: &[GROUP.name],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(run.names().capacity_provider),
            desired: |run, o| {
                Ok(Some(bp::capacity_provider(
                    run.config()?,
                    &o.need(GROUP)?.arn,
                )))
            },
            project: show::capacity_provider,
        })
        .unit(UnitNode {
            id: CAPACITY,
            after: &[CLUSTER.name, PROVIDER.name],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(run.name.clone()),
            desired: |run, _| Ok(Some(bp::cluster_capacity(run.config()?))),
            project: show::capacity_binding,
        })
        .unit(UnitNode {
            id: LOAD_BALANCER,
            after: &[ALB_GROUP.name],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(run.names().load_balancer),
            desired: |run, o| {
                Ok(Some(bp::load_balancer(
                    run.config()?,
                    &o.need(ALB_GROUP)?.id,
                )))
            },
            project: show::load_balancer,
        })
        .unit(UnitNode {
            id: HTTPS,
            after: &[LOAD_BALANCER.name],
            read_after: &[LOAD_BALANCER.name],
            delete_after: &[],
            key: |_, o| listener_key(o, bp::HTTPS_PORT),
            desired: |run, _| Ok(Some(bp::https_listener(run.config()?))),
            project: show::https_listener,
        })
        .unit(UnitNode {
            id: HTTP,
            after: &[LOAD_BALANCER.name],
            read_after: &[LOAD_BALANCER.name],
            delete_after: &[],
            key: |_, o| listener_key(o, bp::HTTP_PORT),
            desired: |run, _| Ok(Some(bp::http_listener(run.config()?))),
            project: show::in_load_balancer_settings,
        })
        .unit(UnitNode {
            id: OTHER_LISTENERS,
            after: &[LOAD_BALANCER.name],
            read_after: &[LOAD_BALANCER.name],
            delete_after: &[],
            key: |_, o| {
                Some(OtherListenersKey {
                    load_balancer_arn: o.get(LOAD_BALANCER)?.arn.clone(),
                    own_ports: bp::OWN_LISTENER_PORTS.to_vec(),
                })
            },
            desired: |_, _| Ok(Some(())),
            project: show::in_load_balancer_settings,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_graph_names_only_its_own_nodes_and_has_no_cycle() {
        assert_eq!(GRAPH.problems(), Vec::<String>::new());
    }
}
