//! The AWS objects an `ecsprod_scheduled_task` owns, as one graph: each node's key, desired
//! value and the attributes it shows, and the edges between them.

use std::sync::LazyLock;

use super::project as show;
use crate::blueprint::job::{self as bp, JobInput, ScheduleTarget};
use crate::blueprint::service::secret_kind;
use crate::engine::units::{
    FamilyKey, FamilyRevisions, LogGroup, RevisionKey, Role, Schedule, SecretKeys, ServiceCluster,
    TaskDefinition,
};
use crate::engine::{Graph, LookupNode, Missing, NodeId, Outputs, UnitNode};
pub use crate::resources::service::graph::Purpose;
use crate::resources::service::project as shared;

/// What a walk of the graph starts from.
#[derive(Debug, Clone)]
pub struct Run {
    pub cluster: String,
    pub name: String,
    pub purpose: Purpose,
    /// The revision the state records.
    pub recorded_task_definition: Option<String>,
    /// The configuration, for create and update (the account is the cluster's).
    pub config: Option<JobInput>,
}

impl Run {
    pub fn names(&self) -> bp::JobNames {
        bp::names(&self.cluster, &self.name)
    }

    /// The configuration, with the account of the cluster the job runs on.
    pub(super) fn input(&self, o: &Outputs) -> Result<JobInput, Missing> {
        let mut input = self
            .config
            .clone()
            .ok_or_else(|| Missing::new("the configuration is not known"))?;
        input.account_id = o.need(CLUSTER)?.account_id.clone();
        Ok(input)
    }
}

pub const CLUSTER: NodeId<ServiceCluster> = NodeId::new("cluster");
pub const LOG_GROUP: NodeId<LogGroup> = NodeId::new("log_group");
pub const SECRET_KEYS: NodeId<SecretKeys> = NodeId::new("secret_kms_keys");
pub const EXECUTION_ROLE: NodeId<Role> = NodeId::new("execution_role");
pub const TASK_ROLE: NodeId<Role> = NodeId::new("task_role");
pub const TASK_DEFINITION: NodeId<TaskDefinition> = NodeId::new("task_definition");
pub const SCHEDULER_ROLE: NodeId<Role> = NodeId::new("scheduler_role");
pub const SCHEDULE: NodeId<Schedule> = NodeId::new("schedule");
pub const REVISIONS: NodeId<FamilyRevisions> = NodeId::new("task_definition_revisions");

/// The revision to read: on refresh only one the schedule runs other than the recorded one;
/// on import the one it runs; on apply the recorded one (or, for a create that an interruption
/// cut short, the family's latest).
fn task_definition_key(run: &Run, o: &Outputs) -> Option<RevisionKey> {
    let running = o
        .get(SCHEDULE)
        .map(|s| s.spec.target.task_definition_arn.clone());
    let recorded = run.recorded_task_definition.clone();
    let arn = match run.purpose {
        Purpose::Refresh => Some(running.filter(|r| Some(r) != recorded.as_ref())?),
        Purpose::Import => Some(running?),
        Purpose::Apply => recorded.or(running),
        Purpose::Delete => return None,
    };
    Some(RevisionKey {
        family: run.names().task_family,
        arn,
    })
}

fn schedule(run: &Run, o: &Outputs) -> Result<bp::ScheduleSpec, Missing> {
    let cluster = o.need(CLUSTER)?;
    let target = ScheduleTarget {
        cluster_arn: cluster.arn.clone(),
        role_arn: o.need(SCHEDULER_ROLE)?.arn.clone(),
        task_definition_arn: o.need(TASK_DEFINITION)?.arn.clone(),
        capacity_provider: cluster.capacity_provider.clone(),
    };
    Ok(bp::schedule(&run.input(o)?, target))
}

pub static GRAPH: LazyLock<Graph<Run>> = LazyLock::new(graph);

fn graph() -> Graph<Run> {
    Graph::<Run>::new()
        .lookup(LookupNode {
            id: CLUSTER,
            read_after: &[],
            key: |run, _| match run.purpose {
                Purpose::Apply => Some(run.cluster.clone()),
                Purpose::Refresh | Purpose::Import | Purpose::Delete => None,
            },
            missing: Some(|run| format!("no active ECS cluster named {:?}", run.cluster)),
            project: |_, _, _, _| {},
        })
        .unit(UnitNode {
            id: LOG_GROUP,
            after: &[],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(run.names().log_group),
            desired: |run, o| Ok(Some(bp::log_group(&run.input(o)?))),
            project: shared::log_group,
        })
        .lookup(LookupNode {
            id: SECRET_KEYS,
            read_after: &[],
            key: |run, _| {
                let input = run
                    .config
                    .as_ref()
                    .filter(|_| run.purpose == Purpose::Apply)?;
                Some(
                    input
                        .secrets
                        .values()
                        .filter_map(|a| secret_kind(a))
                        .collect(),
                )
            },
            missing: None,
            project: |_, _, _, _| {},
        })
        .unit(UnitNode {
            id: EXECUTION_ROLE,
            after: &[CLUSTER.name, SECRET_KEYS.name],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(run.names().execution_role),
            desired: |run, o| {
                let keys = o.get(SECRET_KEYS).cloned().unwrap_or_default();
                Ok(Some(bp::execution_role(&run.input(o)?, &keys)))
            },
            project: shared::execution_role,
        })
        .unit(UnitNode {
            id: TASK_ROLE,
            after: &[CLUSTER.name],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(run.names().task_role),
            desired: |run, o| Ok(Some(bp::task_role(&run.input(o)?))),
            project: shared::task_role,
        })
        .unit(UnitNode {
            id: TASK_DEFINITION,
            after: &[EXECUTION_ROLE.name, TASK_ROLE.name, LOG_GROUP.name],
            read_after: &[SCHEDULE.name],
            delete_after: &[],
            key: task_definition_key,
            desired: |run, o| {
                Ok(Some(bp::task_definition(
                    &run.input(o)?,
                    &o.need(EXECUTION_ROLE)?.arn,
                    &o.need(TASK_ROLE)?.arn,
                )))
            },
            project: show::task_definition,
        })
        .unit(UnitNode {
            id: SCHEDULER_ROLE,
            after: &[CLUSTER.name, EXECUTION_ROLE.name, TASK_ROLE.name],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(run.names().scheduler_role),
            desired: |run, o| {
                Ok(Some(bp::scheduler_role(
                    &run.input(o)?,
                    &o.need(CLUSTER)?.arn,
                    &o.need(EXECUTION_ROLE)?.arn,
                    &o.need(TASK_ROLE)?.arn,
                )))
            },
            project: show::scheduler_role,
        })
        .unit(UnitNode {
            id: SCHEDULE,
            after: &[TASK_DEFINITION.name, SCHEDULER_ROLE.name, CLUSTER.name],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(run.names().schedule),
            desired: |run, o| Ok(Some(schedule(run, o)?)),
            project: show::schedule,
        })
        .unit(UnitNode {
            id: REVISIONS,
            after: &[SCHEDULE.name],
            read_after: &[SCHEDULE.name],
            delete_after: &[],
            key: |run, o| {
                let family = run.names().task_family;
                match run.purpose {
                    // Listed again once the revision the schedule runs changes.
                    Purpose::Apply => Some(FamilyKey {
                        family,
                        in_use: Some(o.get(SCHEDULE)?.spec.target.task_definition_arn.clone()),
                    }),
                    Purpose::Delete => Some(FamilyKey {
                        family,
                        in_use: None,
                    }),
                    Purpose::Refresh | Purpose::Import => None,
                }
            },
            desired: |_, o| {
                Ok(Some(
                    o.need(SCHEDULE)?.spec.target.task_definition_arn.clone(),
                ))
            },
            project: |_, _, _, _| {},
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
