//! The AWS objects an `ecsprod_service` owns, as one graph: each node's key, desired value and
//! the attributes it shows, and the edges between them. The engine creates, updates, refreshes,
//! imports and deletes the service by walking it.
//!
//! A `container_port` change moves the service to a new target group without downtime (target
//! group ports cannot change): the new group is created beside the old one and joins the rule
//! with weight 0, the service moves into it with the new revision, the rule sends it all the
//! traffic once a new task is healthy there, and the old group is deleted last.

use std::sync::LazyLock;

use super::keys::{
    alias_key, alternate_key, extra_alias_key, retired_aliases_key, retired_key, retiring,
    rule_key, service, shifted_forward, target_group_key, task_definition_key, test_rule_key,
};
use super::project as show;
use crate::blueprint::service::{self as bp, ServiceInput, WeightedTarget};
use crate::engine::units::{
    Alarm, AliasRecord, ClusterLoadBalancer, EcsService, FamilyKey, FamilyRevisions, ListenerRule,
    LogGroup, RetiredAliases, RetiredTargetGroups, Role, Scaling, SecretKeys, ServiceCluster,
    ServiceKey, TargetGroup, TaskDefinition,
};
use crate::engine::{Graph, LookupNode, Missing, NodeId, Outputs, UnitNode};

/// Why the graph is walked: each operation finds objects its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Apply,
    Refresh,
    Import,
    Delete,
}

/// What the state recorded of the service's objects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    pub task_definition_arn: Option<String>,
    pub target_group_arn: Option<String>,
    pub previous_target_group_arns: Vec<String>,
    pub listener_rule_arn: Option<String>,
    pub zone_id: Option<String>,
    pub domain_name: Option<String>,
    pub additional_domain_names: Vec<String>,
    pub alternate_target_group_arn: Option<String>,
    pub test_listener_rule_arn: Option<String>,
    pub test_host: Option<String>,
}

/// What a walk of the graph starts from.
#[derive(Debug, Clone)]
pub struct Run {
    pub cluster: String,
    pub name: String,
    pub purpose: Purpose,
    pub recorded: Recorded,
    /// The configuration, for create and update (the account is the cluster's).
    pub config: Option<ServiceInput>,
    pub wait_for_steady_state: bool,
}

impl Run {
    pub fn names(&self) -> bp::ServiceNames {
        bp::names(&self.cluster, &self.name)
    }

    /// The configuration, with the account of the cluster the service runs on.
    pub(super) fn input(&self, o: &Outputs) -> Result<ServiceInput, Missing> {
        let mut input = self
            .config
            .clone()
            .ok_or_else(|| Missing::new("the configuration is not known"))?;
        let cluster = o.need(CLUSTER)?;
        input.account_id = cluster.account_id.clone();
        input.execute_command_kms_key_arn = cluster.execute_command_kms_key_arn.clone();
        Ok(input)
    }

    pub(super) fn applying(&self) -> bool {
        self.purpose == Purpose::Apply
    }
}

pub const CLUSTER: NodeId<ServiceCluster> = NodeId::new("cluster");
pub const LOG_GROUP: NodeId<LogGroup> = NodeId::new("log_group");
pub const SECRET_KEYS: NodeId<SecretKeys> = NodeId::new("secret_kms_keys");
pub const EXECUTION_ROLE: NodeId<Role> = NodeId::new("execution_role");
pub const TASK_ROLE: NodeId<Role> = NodeId::new("task_role");
pub const TARGET_GROUP: NodeId<TargetGroup> = NodeId::new("target_group");
pub const ALTERNATE: NodeId<TargetGroup> = NodeId::new("alternate_target_group");
pub const LB_ROLE: NodeId<Role> = NodeId::new("load_balancer_role");
pub const TEST_RULE: NodeId<ListenerRule> = NodeId::new("test_listener_rule");
pub const ERROR_ALARM: NodeId<Alarm> = NodeId::new("error_rate_alarm");
pub const UNHEALTHY_ALARM: NodeId<Alarm> = NodeId::new("unhealthy_hosts_alarm");
pub const RETIRED: NodeId<RetiredTargetGroups> = NodeId::new("earlier_target_groups");
pub const RULE: NodeId<ListenerRule> = NodeId::new("listener_rule");
pub const TASK_DEFINITION: NodeId<TaskDefinition> = NodeId::new("task_definition");
pub const SERVICE: NodeId<EcsService> = NodeId::new("ecs_service");
pub const SCALING: NodeId<Scaling> = NodeId::new("autoscaling");
pub const ALIAS: NodeId<AliasRecord> = NodeId::new("alias_record");
pub const RETIRED_ALIASES: NodeId<RetiredAliases> = NodeId::new("earlier_alias_records");
pub const EXTRA_ALIASES: [NodeId<AliasRecord>; 2] = [
    NodeId::new("additional_alias_record_1"),
    NodeId::new("additional_alias_record_2"),
];
pub const REVISIONS: NodeId<FamilyRevisions> = NodeId::new("task_definition_revisions");

/// The cluster's load balancer, for a desired value that needs it.
fn load_balancer(o: &Outputs) -> Result<&ClusterLoadBalancer, Missing> {
    o.need(CLUSTER)?
        .load_balancer
        .as_ref()
        .ok_or_else(|| Missing::new("the cluster has no load balancer"))
}

/// The target group `key` finds, named as the configuration asks.
fn group(
    run: &Run,
    o: &Outputs,
    key: fn(&Run, &Outputs) -> Option<crate::engine::units::GroupRef>,
) -> Result<Option<bp::TargetGroupSpec>, Missing> {
    let input = run.input(o)?;
    if !input.routed() {
        return Ok(None);
    }
    let Some(crate::engine::units::GroupRef::Name(name)) = key(run, o) else {
        return Err(Missing::new("the target group's name is not known"));
    };
    Ok(Some(bp::target_group(
        &input,
        &load_balancer(o)?.vpc_id,
        &name,
    )))
}

/// Rollback alarm `which` (0: the 5xx rate, 1: unhealthy hosts) on the service's groups.
fn alarm(run: &Run, o: &Outputs, which: usize) -> Result<Option<bp::AlarmSpec>, Missing> {
    let input = run.input(o)?;
    if !input.routed() {
        return Ok(None);
    }
    let mut groups = vec![o.need(TARGET_GROUP)?.arn.clone()];
    groups.extend(o.get(ALTERNATE).map(|g| g.arn.clone()));
    let alarms = bp::rollback_alarms(&input, &load_balancer(o)?.arn, &groups);
    Ok(alarms.map(|a| a[which].clone()))
}

/// The alias of `additional_domain_names[index]`, when it and a zone are configured.
fn extra_alias(
    run: &Run,
    o: &Outputs,
    index: usize,
) -> Result<Option<bp::AliasRecordSpec>, Missing> {
    let input = run.input(o)?;
    if input.zone_id.is_none() || input.additional_domain_names.get(index).is_none() {
        return Ok(None);
    }
    let lb = load_balancer(o)?;
    Ok(bp::extra_alias_record(
        &input,
        index,
        &lb.dns_name,
        &lb.zone_id,
    ))
}

pub static GRAPH: LazyLock<Graph<Run>> = LazyLock::new(graph);

fn graph() -> Graph<Run> {
    Graph::<Run>::new()
        .lookup(LookupNode {
            id: CLUSTER,
            read_after: &[],
            // A refresh finds every object by what the state recorded; a delete needs the
            // cluster's listener only to find a rule whose ARN was never recorded.
            key: |run, _| match run.purpose {
                Purpose::Refresh => None,
                Purpose::Delete if run.recorded.listener_rule_arn.is_some() => None,
                _ => Some(run.cluster.clone()),
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
            project: show::log_group,
        })
        .lookup(LookupNode {
            id: SECRET_KEYS,
            read_after: &[],
            key: |run, _| {
                let input = run.config.as_ref().filter(|_| run.applying())?;
                Some(
                    bp::secret_arns(input)
                        .into_iter()
                        .filter_map(|a| bp::secret_kind(a))
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
            project: show::execution_role,
        })
        .unit(UnitNode {
            id: TASK_ROLE,
            after: &[CLUSTER.name],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(run.names().task_role),
            desired: |run, o| Ok(Some(bp::task_role(&run.input(o)?))),
            project: show::task_role,
        })
        .unit(UnitNode {
            id: TARGET_GROUP,
            after: &[CLUSTER.name],
            read_after: &[SERVICE.name],
            delete_after: &[],
            key: target_group_key,
            desired: |run, o| group(run, o, target_group_key),
            project: show::target_group,
        })
        .unit(UnitNode {
            id: ALTERNATE,
            after: &[CLUSTER.name],
            read_after: &[SERVICE.name],
            delete_after: &[],
            key: alternate_key,
            desired: |run, o| {
                if !run.input(o)?.deployment.strategy.shifts_traffic() {
                    return Ok(None);
                }
                group(run, o, alternate_key)
            },
            project: show::alternate_target_group,
        })
        .unit(UnitNode {
            id: LB_ROLE,
            after: &[CLUSTER.name],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(run.names().load_balancer_role),
            desired: |run, o| Ok(bp::load_balancer_role(&run.input(o)?)),
            project: show::load_balancer_role,
        })
        .unit(UnitNode {
            id: RETIRED,
            // Deleted once the service has moved off them and no rule forwards to them.
            after: &[SERVICE.name],
            read_after: &[],
            delete_after: &[SERVICE.name, TEST_RULE.name],
            key: |run, _| retired_key(run),
            desired: |_, _| Ok(None),
            project: show::retired_target_groups,
        })
        .unit(UnitNode {
            id: RULE,
            after: &[TARGET_GROUP.name, ALTERNATE.name, CLUSTER.name],
            read_after: &[
                CLUSTER.name,
                TARGET_GROUP.name,
                ALTERNATE.name,
                RETIRED.name,
                SERVICE.name,
            ],
            delete_after: &[],
            key: rule_key,
            desired: |run, o| {
                let input = run.input(o)?;
                if !input.routed() {
                    return Ok(None);
                }
                let group = o.need(TARGET_GROUP)?.arn.clone();
                let forward = if input.deployment.strategy.shifts_traffic() {
                    let observed = o.get(RULE).map(|r| r.forward.as_slice());
                    shifted_forward(o, observed, true, |serving, other| {
                        vec![
                            WeightedTarget::new(serving, 1),
                            WeightedTarget::new(other, 0),
                        ]
                    })?
                } else {
                    let serving = o.get(RULE).map(|r| r.serving()).unwrap_or_default();
                    bp::rule_forward(&group, &retiring(o), &serving)
                };
                Ok(Some(bp::listener_rule(&input, forward)))
            },
            project: show::listener_rule,
        })
        .unit(UnitNode {
            id: TEST_RULE,
            after: &[TARGET_GROUP.name, ALTERNATE.name, CLUSTER.name],
            read_after: &[
                CLUSTER.name,
                TARGET_GROUP.name,
                ALTERNATE.name,
                SERVICE.name,
            ],
            delete_after: &[],
            key: test_rule_key,
            desired: |run, o| {
                let input = run.input(o)?;
                let Some(host) = input.deployment.test_host.clone() else {
                    return Ok(None);
                };
                if !input.deployment.strategy.shifts_traffic() {
                    return Ok(None);
                }
                let observed = o.get(TEST_RULE).map(|r| r.forward.as_slice());
                let forward = shifted_forward(o, observed, false, |_, other| {
                    vec![WeightedTarget::new(other, 1)]
                })?;
                Ok(Some(bp::test_listener_rule(&input, &host, forward)))
            },
            project: show::test_listener_rule,
        })
        .unit(UnitNode {
            id: ERROR_ALARM,
            after: &[TARGET_GROUP.name, ALTERNATE.name, CLUSTER.name],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(bp::alarm_names(&run.cluster, &run.name)[0].clone()),
            desired: |run, o| alarm(run, o, 0),
            project: show::error_rate_alarm,
        })
        .unit(UnitNode {
            id: UNHEALTHY_ALARM,
            after: &[TARGET_GROUP.name, ALTERNATE.name, CLUSTER.name],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(bp::alarm_names(&run.cluster, &run.name)[1].clone()),
            desired: |run, o| alarm(run, o, 1),
            project: show::unhealthy_hosts_alarm,
        })
        .unit(UnitNode {
            id: TASK_DEFINITION,
            after: &[EXECUTION_ROLE.name, TASK_ROLE.name, LOG_GROUP.name],
            read_after: &[SERVICE.name],
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
            id: SERVICE,
            after: &[
                TASK_DEFINITION.name,
                RULE.name,
                TEST_RULE.name,
                TARGET_GROUP.name,
                ALTERNATE.name,
                LB_ROLE.name,
                ERROR_ALARM.name,
                UNHEALTHY_ALARM.name,
                CLUSTER.name,
            ],
            read_after: &[],
            delete_after: &[],
            key: |run, _| {
                Some(ServiceKey {
                    cluster: run.cluster.clone(),
                    name: run.name.clone(),
                })
            },
            desired: |run, o| Ok(Some(service(run, o)?)),
            project: show::ecs_service,
        })
        .unit(UnitNode {
            id: SCALING,
            after: &[SERVICE.name],
            read_after: &[],
            delete_after: &[],
            key: |run, _| Some(bp::scaling_target(&run.cluster, &run.name)),
            desired: |run, o| Ok(Some(bp::scaling(&run.input(o)?))),
            project: show::autoscaling,
        })
        .unit(UnitNode {
            id: ALIAS,
            after: &[CLUSTER.name],
            read_after: &[RULE.name],
            delete_after: &[],
            key: alias_key,
            desired: |run, o| {
                let input = run.input(o)?;
                if input.zone_id.is_none() {
                    return Ok(None);
                }
                let lb = load_balancer(o)?;
                Ok(bp::alias_record(&input, &lb.dns_name, &lb.zone_id))
            },
            project: show::alias_record,
        })
        .unit(UnitNode {
            id: EXTRA_ALIASES[0],
            after: &[CLUSTER.name],
            read_after: &[RULE.name],
            delete_after: &[],
            key: |run, o| extra_alias_key(run, o, 0),
            desired: |run, o| extra_alias(run, o, 0),
            project: show::first_extra_alias,
        })
        .unit(UnitNode {
            id: EXTRA_ALIASES[1],
            after: &[CLUSTER.name],
            read_after: &[RULE.name],
            delete_after: &[],
            key: |run, o| extra_alias_key(run, o, 1),
            desired: |run, o| extra_alias(run, o, 1),
            project: show::second_extra_alias,
        })
        .unit(UnitNode {
            id: RETIRED_ALIASES,
            after: &[],
            read_after: &[],
            // After the records that stay are written.
            delete_after: &[ALIAS.name, EXTRA_ALIASES[0].name, EXTRA_ALIASES[1].name],
            key: |run, _| retired_aliases_key(run),
            desired: |_, _| Ok(None),
            project: |_, _, _, _| {},
        })
        .unit(UnitNode {
            id: REVISIONS,
            after: &[SERVICE.name],
            read_after: &[SERVICE.name],
            delete_after: &[],
            key: |run, o| {
                let family = run.names().task_family;
                match run.purpose {
                    // Listed again once the revision in use changes.
                    Purpose::Apply => Some(FamilyKey {
                        family,
                        in_use: Some(o.get(SERVICE)?.task_definition.clone()),
                    }),
                    Purpose::Delete => Some(FamilyKey {
                        family,
                        in_use: None,
                    }),
                    Purpose::Refresh | Purpose::Import => None,
                }
            },
            desired: |_, o| Ok(Some(o.need(SERVICE)?.task_definition.clone())),
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

    #[test]
    fn a_target_group_name_reads_back_from_its_arn() {
        use super::super::keys::group_name;
        assert_eq!(
            group_name("arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/prod-api-1/abc"),
            Some("prod-api-1")
        );
        assert_eq!(group_name("not an arn"), None);
    }
}
