//! The AWS objects an `ecsprod_service` owns, as one graph: each node's key, desired value and
//! the attributes it shows, and the edges between them. The engine creates, updates, refreshes,
//! imports and deletes the service by walking it.
//!
//! A `container_port` change moves the service to a new target group without downtime (target
//! group ports cannot change): the new group is created beside the old one and joins the rule
//! with weight 0, the service moves into it with the new revision, the rule sends it all the
//! traffic once a new task is healthy there, and the old group is deleted last.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use super::project as show;
use crate::blueprint::service::{self as bp, Cutover, ServiceInput, WeightedTarget};
use crate::engine::units::{
    AliasKey, AliasRecord, ClusterLoadBalancer, EcsService, FamilyKey, FamilyRevisions, GroupRef,
    ListenerRule, LogGroup, RetiredTargetGroups, RevisionKey, Role, RuleKey, Scaling, SecretKeys,
    ServiceCluster, ServiceKey, TargetGroup, TaskDefinition,
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
    fn input(&self, o: &Outputs) -> Result<ServiceInput, Missing> {
        let mut input = self
            .config
            .clone()
            .ok_or_else(|| Missing::new("the configuration is not known"))?;
        input.account_id = o.need(CLUSTER)?.account_id.clone();
        Ok(input)
    }

    fn applying(&self) -> bool {
        self.purpose == Purpose::Apply
    }
}

pub const CLUSTER: NodeId<ServiceCluster> = NodeId::new("cluster");
pub const LOG_GROUP: NodeId<LogGroup> = NodeId::new("log_group");
pub const SECRET_KEYS: NodeId<SecretKeys> = NodeId::new("secret_kms_keys");
pub const EXECUTION_ROLE: NodeId<Role> = NodeId::new("execution_role");
pub const TASK_ROLE: NodeId<Role> = NodeId::new("task_role");
pub const TARGET_GROUP: NodeId<TargetGroup> = NodeId::new("target_group");
pub const RETIRED: NodeId<RetiredTargetGroups> = NodeId::new("earlier_target_groups");
pub const RULE: NodeId<ListenerRule> = NodeId::new("listener_rule");
pub const TASK_DEFINITION: NodeId<TaskDefinition> = NodeId::new("task_definition");
pub const SERVICE: NodeId<EcsService> = NodeId::new("ecs_service");
pub const SCALING: NodeId<Scaling> = NodeId::new("autoscaling");
pub const ALIAS: NodeId<AliasRecord> = NodeId::new("alias_record");
pub const REVISIONS: NodeId<FamilyRevisions> = NodeId::new("task_definition_revisions");

/// The cluster's load balancer, for a desired value that needs it.
fn load_balancer(o: &Outputs) -> Result<&ClusterLoadBalancer, Missing> {
    o.need(CLUSTER)?
        .load_balancer
        .as_ref()
        .ok_or_else(|| Missing::new("the cluster has no load balancer"))
}

/// The target group the configuration asks for, by name.
fn target_group_name(run: &Run) -> Option<String> {
    let input = run.config.as_ref()?;
    Some(bp::target_group_name(
        &run.cluster,
        &run.name,
        &bp::target_group_generation(input),
    ))
}

/// A target group's name from its ARN (`…:targetgroup/<name>/<id>`).
pub fn group_name(arn: &str) -> Option<&str> {
    arn.split(":targetgroup/").nth(1)?.split('/').next()
}

fn target_group_key(run: &Run, o: &Outputs) -> Option<GroupRef> {
    match run.purpose {
        Purpose::Apply => target_group_name(run).map(GroupRef::Name),
        Purpose::Import => o
            .get(SERVICE)?
            .target_group_arns
            .first()
            .cloned()
            .map(GroupRef::Arn),
        Purpose::Refresh => run.recorded.target_group_arn.clone().map(GroupRef::Arn),
        // By its name as well: one whose ARN never reached the state goes too.
        Purpose::Delete => run
            .recorded
            .target_group_arn
            .clone()
            .map(GroupRef::Arn)
            .or_else(|| target_group_name(run).map(GroupRef::Name)),
    }
}

/// Earlier groups: those recorded as such, and on an apply the recorded group when the
/// configuration asks for another.
fn retired_key(run: &Run) -> Option<Vec<String>> {
    let mut arns = run.recorded.previous_target_group_arns.clone();
    if run.applying()
        && let Some(current) = &run.recorded.target_group_arn
        && group_name(current) != target_group_name(run).as_deref()
        && !arns.contains(current)
    {
        arns.push(current.clone());
    }
    (!arns.is_empty()).then_some(arns)
}

fn retiring(o: &Outputs) -> BTreeSet<String> {
    o.get(RETIRED).into_iter().flatten().cloned().collect()
}

fn rule_key(run: &Run, o: &Outputs) -> Option<RuleKey> {
    let listener_arn = o
        .get(CLUSTER)
        .and_then(|c| c.load_balancer.as_ref())
        .and_then(|lb| lb.https_listener_arn.clone());
    let mut target_groups: Vec<String> = retiring(o).into_iter().collect();
    target_groups.extend(o.get(TARGET_GROUP).map(|g| g.arn.clone()));
    let arn = run.recorded.listener_rule_arn.clone();
    if arn.is_none() && (listener_arn.is_none() || target_groups.is_empty()) {
        return None;
    }
    Some(RuleKey {
        listener_arn,
        arn,
        target_groups,
    })
}

/// The revision to compare with: on refresh only one the service runs other than the recorded
/// one (the recorded one is what the state shows already).
fn task_definition_key(run: &Run, o: &Outputs) -> Option<RevisionKey> {
    let running = o.get(SERVICE).map(|s| s.task_definition.clone());
    let recorded = run.recorded.task_definition_arn.clone();
    let arn = match run.purpose {
        Purpose::Refresh => Some(running.filter(|r| Some(r) != recorded.as_ref())?),
        Purpose::Import => Some(running?),
        // None: the family's latest revision, which a create interrupted after registering it
        // left.
        Purpose::Apply => recorded.or(running),
        // Every revision of the family goes with the family's node.
        Purpose::Delete => return None,
    };
    Some(RevisionKey {
        family: run.names().task_family,
        arn,
    })
}

fn alias_key(run: &Run, o: &Outputs) -> Option<AliasKey> {
    let recorded = || {
        Some(AliasKey {
            zone_id: Some(bp::bare_zone_id(run.recorded.zone_id.as_deref()?).to_owned()),
            name: bp::record_name(run.recorded.domain_name.as_deref()?),
        })
    };
    match run.purpose {
        Purpose::Import => Some(AliasKey {
            zone_id: None,
            name: bp::record_name(o.get(RULE)?.host_headers.first()?),
        }),
        Purpose::Apply => recorded().or_else(|| {
            let input = run.config.as_ref()?;
            Some(AliasKey {
                zone_id: Some(bp::bare_zone_id(input.zone_id.as_deref()?).to_owned()),
                name: bp::record_name(&input.domain_name),
            })
        }),
        Purpose::Refresh | Purpose::Delete => recorded(),
    }
}

/// The service, with the traffic still to move when its rule also forwards to earlier groups.
fn service(run: &Run, o: &Outputs) -> Result<bp::EcsServiceSpec, Missing> {
    let input = run.input(o)?;
    let group = o.need(TARGET_GROUP)?.arn.clone();
    let rule = o.need(RULE)?;
    let mut spec = bp::service(
        &input,
        &o.need(CLUSTER)?.capacity_provider,
        &group,
        &o.need(TASK_DEFINITION)?.arn,
    );
    spec.wait_for_steady_state = run.wait_for_steady_state;
    let only_new = bp::listener_rule(&input, vec![WeightedTarget::new(&group, 1)]);
    if !bp::same_forward(&only_new.forward, &rule.forward) {
        spec.cutover = Some(Cutover {
            rule_arn: rule.arn.clone(),
            rule: only_new,
            retiring: retiring(o),
        });
    }
    Ok(spec)
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
                    input
                        .secrets
                        .values()
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
            desired: |run, o| {
                let input = run.input(o)?;
                let generation = bp::target_group_generation(&input);
                Ok(Some(bp::target_group(
                    &input,
                    &load_balancer(o)?.vpc_id,
                    &generation,
                )))
            },
            project: show::target_group,
        })
        .unit(UnitNode {
            id: RETIRED,
            // Deleted once the service has moved off them.
            after: &[SERVICE.name],
            read_after: &[],
            delete_after: &[SERVICE.name],
            key: |run, _| retired_key(run),
            desired: |_, _| Ok(None),
            project: show::retired_target_groups,
        })
        .unit(UnitNode {
            id: RULE,
            after: &[TARGET_GROUP.name, CLUSTER.name],
            read_after: &[CLUSTER.name, TARGET_GROUP.name, RETIRED.name],
            delete_after: &[],
            key: rule_key,
            desired: |run, o| {
                let group = o.need(TARGET_GROUP)?.arn.clone();
                let serving = o.get(RULE).map(|r| r.serving()).unwrap_or_default();
                let forward = bp::rule_forward(&group, &retiring(o), &serving);
                Ok(Some(bp::listener_rule(&run.input(o)?, forward)))
            },
            project: show::listener_rule,
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
                TARGET_GROUP.name,
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
        assert_eq!(
            group_name("arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/prod-api-1/abc"),
            Some("prod-api-1")
        );
        assert_eq!(group_name("not an arn"), None);
    }
}
