//! Running a resource's graph: create and update, refresh, import and delete are walks of the
//! same nodes.
//!
//! Every operation starts with one read of every node (the keys of one kind in one call, level
//! by level where a key needs another node's object). Create and update then write each node as
//! soon as the nodes it needs are written, with no phase barriers, and bring every object's
//! tags in line in one pass. Delete walks the edges in reverse. Refresh and import project what
//! was read onto the state. Progress is kept per node, so a failure anywhere returns what
//! exists. The engine knows nothing of Terraform's protocol: its errors name the node and the
//! step, and the resource turns them into diagnostics.

mod delete;
mod error;
mod graph;
mod node;
mod order;
mod outputs;
mod read;
mod session;
mod walk;

pub use crate::aws::{AssumeRole, ClientConfig};
pub use error::Error;
pub use graph::{DesiredFn, Graph, KeyFn, LookupNode, NodeId, ProjectFn, UnitNode};
pub use outputs::{Missing, Outputs};
pub use session::{Limits, Outcome, Session, Walk, anything_exists, project};

/// The kinds of AWS objects graphs are made of, and what reading one gives.
pub mod units {
    pub use crate::aws::alarm::{Alarm, ObservedAlarm};
    pub use crate::aws::ami::RecommendedAmi;
    pub use crate::aws::auto_scaling_group::{AutoScalingGroup, ObservedGroup};
    pub use crate::aws::capacity_provider::{CapacityProvider, ObservedCapacityProvider};
    pub use crate::aws::cluster_capacity::{ClusterCapacity, ObservedCapacity};
    pub use crate::aws::ecs_cluster::{EcsCluster, ObservedCluster};
    pub use crate::aws::iam_role::{ObservedRole, Role};
    pub use crate::aws::instance_profile::{InstanceProfile, ObservedProfile};
    pub use crate::aws::instance_types::{InstanceTypes, TypeOfferings};
    pub use crate::aws::launch_template::{
        LaunchTemplate, ObservedBlockDevice, ObservedInterface, ObservedTemplate,
    };
    pub use crate::aws::listener::{
        Listener, ListenerKey, ObservedListener, OtherListeners, OtherListenersKey,
    };
    pub use crate::aws::load_balancer::{
        DELETION_PROTECTION, DROP_INVALID_HEADER_FIELDS, LoadBalancer, ObservedLoadBalancer,
    };
    pub use crate::aws::namespace::{Namespace, NamespaceKey, ObservedNamespace};
    pub use crate::aws::security_group::{GroupKey, ObservedSecurityGroup, SecurityGroup};
    pub use crate::aws::security_group_rules::Rule;

    pub use crate::aws::cluster_facts::{ClusterFacts, ClusterLoadBalancer, ServiceCluster};
    pub use crate::aws::dns::{AliasKey, AliasRecord, ObservedAlias, RetiredAliases};
    pub use crate::aws::ecs_service::{EcsService, ObservedService, ServiceKey, ServiceSettings};
    pub use crate::aws::listener_rule::{ListenerRule, ObservedRule, RuleKey};
    pub use crate::aws::log_group::{LogGroup, ObservedLogGroup};
    pub use crate::aws::scaling::{ObservedScaling, Scaling};
    pub use crate::aws::schedule::{ObservedSchedule, Schedule};
    pub use crate::aws::secret_keys::SecretKeys;
    pub use crate::aws::target_group::{
        GroupRef, ObservedTargetGroup, RetiredTargetGroups, TargetGroup,
    };
    pub use crate::aws::task_definition::{
        FamilyKey, FamilyRevisions, ObservedTaskDefinition, RevisionKey, TaskDefinition,
    };

    pub use crate::aws::certificate::ObservedCertificate;
    pub use crate::aws::checks::{
        Account, Certificate, HostedZone, Parameter, RouteTables, Secret, ServingCertificates,
        ServingKey, Subnet, Vpc,
    };
    pub use crate::aws::listing::{Clusters, ServiceNames};
    pub use crate::aws::network::{ObservedRouteTable, ObservedSubnet};
    pub use crate::aws::parameters::SecretState;
}

#[cfg(test)]
mod tests;
