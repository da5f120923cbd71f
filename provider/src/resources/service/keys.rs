//! How the service's graph finds each object, and the desired values that depend on what was
//! found: the target groups the service alternates between, its rules, and the service itself.

use std::collections::BTreeSet;

use super::graph::{
    ALTERNATE, CLUSTER, LB_ROLE, Purpose, RETIRED, RULE, Run, SERVICE, TARGET_GROUP,
    TASK_DEFINITION, TEST_RULE,
};
use crate::blueprint::service::{self as bp, Cutover, TrafficShift, WeightedTarget};
use crate::engine::units::{AliasKey, GroupRef, RevisionKey, RuleKey};
use crate::engine::{Missing, Outputs};

/// A target group's name from its ARN (`…:targetgroup/<name>/<id>`).
pub fn group_name(arn: &str) -> Option<&str> {
    arn.split(":targetgroup/").nth(1)?.split('/').next()
}

/// The names of the service's two target groups for the configuration: the one ECS's load
/// balancer entry names, and the alternate one of the shifting strategies. ECS keeps both in
/// the entry and moves the traffic between them on the rule, so neither name changes with a
/// deployment.
fn slots(run: &Run) -> Option<[String; 2]> {
    run.config.as_ref().map(bp::target_group_names)
}

fn shifting(run: &Run) -> bool {
    run.config
        .as_ref()
        .is_some_and(|c| c.deployment.strategy.shifts_traffic())
}

/// The group a name was recorded under, by ARN, else by name.
fn recorded_or(arn: Option<&String>, name: Option<String>) -> Option<GroupRef> {
    arn.cloned().map(GroupRef::Arn).or(name.map(GroupRef::Name))
}

pub fn target_group_key(run: &Run, o: &Outputs) -> Option<GroupRef> {
    let recorded = run.recorded.target_group_arn.as_ref();
    match run.purpose {
        Purpose::Apply => slots(run).map(|[name, _]| GroupRef::Name(name)),
        Purpose::Import => o
            .get(SERVICE)?
            .target_group_arns
            .first()
            .cloned()
            .map(GroupRef::Arn),
        Purpose::Refresh => recorded.cloned().map(GroupRef::Arn),
        // By its name as well: one whose ARN never reached the state goes too.
        Purpose::Delete => recorded_or(recorded, slots(run).map(|[name, _]| name)),
    }
}

/// How the service's load balancer entry shifts traffic, as ECS reports it.
fn shift(o: &Outputs) -> Option<&TrafficShift> {
    o.get(SERVICE)?.shift.as_ref()
}

/// The alternate target group of a shifting strategy. Under the rolling one, a recorded
/// alternate group is retired instead ([`retired_key`]): it may still carry the traffic.
pub fn alternate_key(run: &Run, o: &Outputs) -> Option<GroupRef> {
    let recorded = run.recorded.alternate_target_group_arn.as_ref();
    match run.purpose {
        Purpose::Apply if shifting(run) => slots(run).map(|[_, other]| GroupRef::Name(other)),
        Purpose::Apply => None,
        Purpose::Import => shift(o).map(|s| GroupRef::Arn(s.alternate_target_group_arn.clone())),
        Purpose::Refresh => recorded.cloned().map(GroupRef::Arn),
        Purpose::Delete => recorded_or(recorded, slots(run).map(|[_, other]| other)),
    }
}

/// Earlier groups: those recorded as such, and on an apply the recorded group when the
/// configuration's group has another name, and the recorded alternate group once the strategy
/// is rolling (the traffic moves off it as off any earlier group).
pub fn retired_key(run: &Run) -> Option<Vec<String>> {
    let mut arns = run.recorded.previous_target_group_arns.clone();
    if run.applying()
        && let Some([name, _]) = slots(run)
    {
        let r = &run.recorded;
        let moved = r
            .target_group_arn
            .clone()
            .filter(|current| group_name(current) != Some(name.as_str()));
        let alternate = r
            .alternate_target_group_arn
            .clone()
            .filter(|_| !shifting(run));
        for arn in moved.into_iter().chain(alternate) {
            if !arns.contains(&arn) {
                arns.push(arn);
            }
        }
    }
    (!arns.is_empty()).then_some(arns)
}

pub fn retiring(o: &Outputs) -> BTreeSet<String> {
    o.get(RETIRED).into_iter().flatten().cloned().collect()
}

fn listener_arn(o: &Outputs) -> Option<String> {
    o.get(CLUSTER)
        .and_then(|c| c.load_balancer.as_ref())
        .and_then(|lb| lb.https_listener_arn.clone())
}

/// A rule of the service: by its recorded ARN, else the listener's rule for `host` that
/// forwards to one of the service's groups.
fn rule_key_for(o: &Outputs, arn: Option<String>, host: Option<String>) -> Option<RuleKey> {
    let listener_arn = listener_arn(o);
    let mut target_groups: Vec<String> = retiring(o).into_iter().collect();
    target_groups.extend(o.get(TARGET_GROUP).map(|g| g.arn.clone()));
    target_groups.extend(o.get(ALTERNATE).map(|g| g.arn.clone()));
    if arn.is_none() && (listener_arn.is_none() || target_groups.is_empty()) {
        return None;
    }
    Some(RuleKey {
        listener_arn,
        arn,
        target_groups,
        host,
    })
}

pub fn rule_key(run: &Run, o: &Outputs) -> Option<RuleKey> {
    let host = match run.purpose {
        Purpose::Apply => run.config.as_ref().and_then(|c| c.domain_name.clone()),
        Purpose::Delete => run.recorded.domain_name.clone(),
        Purpose::Refresh | Purpose::Import => None,
    };
    // The one the service's load balancer entry names, when it shifts traffic: on import, the
    // test rule forwards to the service's groups too.
    let named = shift(o).map(|s| s.production_listener_rule.clone());
    let arn = run.recorded.listener_rule_arn.clone().or(named);
    rule_key_for(o, arn, host)
}

/// The test rule: by its recorded ARN, else the one the service's load balancer entry names
/// (an import, or a rule whose ARN never reached the state), else by its host.
pub fn test_rule_key(run: &Run, o: &Outputs) -> Option<RuleKey> {
    let named = shift(o).and_then(|s| s.test_listener_rule.clone());
    let recorded = run.recorded.test_listener_rule_arn.clone().or(named);
    let host = match run.purpose {
        Purpose::Apply => run
            .config
            .as_ref()
            .and_then(|c| c.deployment.test_host.clone()),
        Purpose::Delete => run.recorded.test_host.clone(),
        Purpose::Refresh | Purpose::Import => None,
    };
    if recorded.is_none() && host.is_none() {
        return None;
    }
    rule_key_for(o, recorded, host)
}

/// The revision to compare with: on refresh only one the service runs other than the recorded
/// one (the recorded one is what the state shows already).
pub fn task_definition_key(run: &Run, o: &Outputs) -> Option<RevisionKey> {
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

pub fn alias_key(run: &Run, o: &Outputs) -> Option<AliasKey> {
    host_alias_key(run, o, 0)
}

/// The alias of `additional_domain_names[index]`.
pub fn extra_alias_key(run: &Run, o: &Outputs, index: usize) -> Option<AliasKey> {
    host_alias_key(run, o, index + 1)
}

/// The alias records of a service's hosts (`domain_name`, then each of
/// `additional_domain_names`) in `zone`.
fn alias_keys(zone: Option<&str>, domain: Option<&String>, extra: &[String]) -> Vec<AliasKey> {
    let Some(zone) = zone else { return Vec::new() };
    domain
        .into_iter()
        .chain(extra)
        .map(|host| AliasKey {
            zone_id: Some(bp::bare_zone_id(zone).to_owned()),
            name: bp::record_name(host),
        })
        .collect()
}

fn recorded_aliases(run: &Run) -> Vec<AliasKey> {
    let r = &run.recorded;
    alias_keys(
        r.zone_id.as_deref(),
        r.domain_name.as_ref(),
        &r.additional_domain_names,
    )
}

fn configured_aliases(run: &Run) -> Vec<AliasKey> {
    run.config.as_ref().map_or_else(Vec::new, |c| {
        alias_keys(
            c.zone_id.as_deref(),
            c.domain_name.as_ref(),
            &c.additional_domain_names,
        )
    })
}

/// The alias of the rule's `host`-th host name: 0 is `domain_name`, then each of
/// `additional_domain_names`. An apply writes the configured ones (the records it no longer
/// wants are [`retired_aliases_key`]'s); a refresh and a delete read the recorded ones; an
/// import looks for the rule's host in any zone.
fn host_alias_key(run: &Run, o: &Outputs, host: usize) -> Option<AliasKey> {
    match run.purpose {
        Purpose::Import => Some(AliasKey {
            zone_id: None,
            name: bp::record_name(o.get(RULE)?.host_headers.get(host)?),
        }),
        Purpose::Apply => configured_aliases(run).into_iter().nth(host),
        Purpose::Refresh | Purpose::Delete => recorded_aliases(run).into_iter().nth(host),
    }
}

/// On apply, the recorded alias records the configuration no longer has (a host no longer
/// routed, or another zone).
pub fn retired_aliases_key(run: &Run) -> Option<Vec<AliasKey>> {
    if run.purpose != Purpose::Apply {
        return None;
    }
    let wanted = configured_aliases(run);
    let retired: Vec<AliasKey> = recorded_aliases(run)
        .into_iter()
        .filter(|k| !wanted.contains(k))
        .collect();
    (!retired.is_empty()).then_some(retired)
}

/// The forward targets a rule keeps under a shifting strategy: ECS moves the weights between
/// the two groups during a deployment, so the rule keeps the weights it has among them; with
/// `both`, a group of the pair it lacks joins with weight 0 (ECS needs both groups attached to
/// the load balancer through the production rule). `first` writes a rule that forwards to
/// neither.
pub fn shifted_forward(
    o: &Outputs,
    rule: Option<&[WeightedTarget]>,
    both: bool,
    first: impl Fn(&str, &str) -> Vec<WeightedTarget>,
) -> Result<Vec<WeightedTarget>, Missing> {
    let serving = o.need(TARGET_GROUP)?.arn.clone();
    let other = o.need(ALTERNATE)?.arn.clone();
    let pair: BTreeSet<&str> = [serving.as_str(), other.as_str()].into();
    if let Some(forward) = rule {
        let groups: BTreeSet<&str> = forward
            .iter()
            .map(|t| t.target_group_arn.as_str())
            .collect();
        if !forward.is_empty() && groups.is_subset(&pair) {
            let mut kept = forward.to_vec();
            if both {
                let missing = pair.iter().filter(|g| !groups.contains(*g));
                kept.extend(missing.map(|g| WeightedTarget::new(g, 0)));
            }
            return Ok(kept);
        }
    }
    Ok(first(&serving, &other))
}

/// The service's Service Connect configuration, in its cluster's namespace.
fn service_connect(
    input: &bp::ServiceInput,
    o: &Outputs,
) -> Result<Option<bp::ServiceConnectSpec>, Missing> {
    let namespace = o.need(CLUSTER)?.service_connect_namespace.as_deref();
    Ok(bp::service_connect(input, namespace))
}

/// The service, with the traffic shift of a shifting strategy, or the traffic still to move
/// when its rule also forwards to earlier groups.
pub fn service(run: &Run, o: &Outputs) -> Result<bp::EcsServiceSpec, Missing> {
    let input = run.input(o)?;
    if !input.routed() {
        let mut spec = bp::service(
            &input,
            &o.need(CLUSTER)?.capacity_provider,
            None,
            &o.need(TASK_DEFINITION)?.arn,
            None,
        );
        spec.wait_for_steady_state = run.wait_for_steady_state;
        spec.service_connect = service_connect(&input, o)?;
        return Ok(spec);
    }
    let group = o.need(TARGET_GROUP)?.arn.clone();
    let rule = o.need(RULE)?;
    let shifting = input.deployment.strategy.shifts_traffic();
    let shift = if shifting {
        Some(TrafficShift {
            alternate_target_group_arn: o.need(ALTERNATE)?.arn.clone(),
            production_listener_rule: rule.arn.clone(),
            test_listener_rule: o.get(TEST_RULE).map(|r| r.arn.clone()),
            role_arn: o.need(LB_ROLE)?.arn.clone(),
        })
    } else {
        None
    };
    let mut spec = bp::service(
        &input,
        &o.need(CLUSTER)?.capacity_provider,
        Some(&group),
        &o.need(TASK_DEFINITION)?.arn,
        shift,
    );
    spec.wait_for_steady_state = run.wait_for_steady_state;
    spec.service_connect = service_connect(&input, o)?;
    let only_new = bp::listener_rule(&input, vec![WeightedTarget::new(&group, 1)]);
    if !shifting && !bp::same_forward(&only_new.forward, &rule.forward) {
        spec.cutover = Some(Cutover {
            rule_arn: rule.arn.clone(),
            rule: only_new,
            retiring: retiring(o),
        });
    }
    Ok(spec)
}
