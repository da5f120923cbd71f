//! Routing rules land on their attribute, the priority is replanned only when the rule must
//! move bands, and a rule's hosts and paths show on their attributes.

use super::*;
use crate::resources::service::test_values::{config, strings};

fn errors(v: &Value) -> Vec<ecsprod_cty::Path> {
    let mut d = Diagnostics::new();
    validate(&mut d, v);
    d.iter().filter_map(|e| e.path.clone()).collect()
}

#[test]
fn routing_rules_land_on_their_attribute() {
    assert!(
        errors(&config(vec![
            (HOSTS, strings(&["www.example.com"])),
            (PATHS, strings(&["/v2/*", "/health"])),
        ]))
        .is_empty()
    );
    assert_eq!(
        errors(&config(vec![(PATHS, strings(&["v2/*"]))])),
        vec![at(PATHS).index(0)]
    );
    assert_eq!(
        errors(&config(vec![(HOSTS, strings(&["api.example.com"]))])),
        vec![at(HOSTS).index(0)]
    );
    assert_eq!(
        errors(&config(vec![(
            HOSTS,
            strings(&["a.example.com", "b.example.com", "c.example.com"])
        )])),
        vec![at(HOSTS)]
    );
    assert_eq!(
        errors(&config(vec![
            (HOSTS, strings(&["a.example.com", "b.example.com"])),
            (PATHS, strings(&["/a", "/b", "/c"])),
        ])),
        vec![at(PATHS)],
        "3 hosts and 3 paths exceed a rule's 5 values"
    );
    assert_eq!(
        errors(&config(vec![(PATHS, strings(&[]))])),
        vec![at(PATHS)]
    );
}

fn with_priority(mut v: Value, p: i64) -> Value {
    set(&mut v, PRIORITY, Value::number(p));
    v
}

#[test]
fn the_priority_is_replanned_only_when_the_rule_changes_band() {
    let host_only = with_priority(config(vec![]), 20_000);
    let mut planned = host_only.clone();
    plan_priority(&host_only, &mut planned);
    assert_eq!(planned.get_attr(PRIORITY), Some(&Value::number(20_000)));

    let mut with_paths = with_priority(config(vec![(PATHS, strings(&["/v2/*"]))]), 20_000);
    plan_priority(&host_only, &mut with_paths);
    assert!(!with_paths.get_attr(PRIORITY).is_some_and(Value::is_known));

    let path_rule = with_priority(config(vec![(PATHS, strings(&["/v2/*"]))]), 42);
    let mut planned = path_rule.clone();
    plan_priority(&path_rule, &mut planned);
    assert_eq!(planned.get_attr(PRIORITY), Some(&Value::number(42)));

    // A rule created before the bands, at a host-only priority below 10001, moves once.
    let old = with_priority(config(vec![]), 42);
    let mut planned = old.clone();
    plan_priority(&old, &mut planned);
    assert!(!planned.get_attr(PRIORITY).is_some_and(Value::is_known));
}

fn observed(hosts: &[&str], paths: &[&str]) -> ObservedRule {
    ObservedRule {
        arn: "arn:rule".into(),
        priority: Some(7),
        host_headers: hosts.iter().map(|h| (*h).to_owned()).collect(),
        path_patterns: paths.iter().map(|p| (*p).to_owned()).collect(),
        target_group_arns: vec![],
        forward: vec![],
    }
}

#[test]
fn a_rules_hosts_and_paths_show_on_their_attributes() {
    let c = config(vec![
        (HOSTS, strings(&["www.example.com"])),
        (PATHS, strings(&["/v2/*"])),
    ]);
    let mut same = c.clone();
    show_rule(
        &observed(&["api.example.com", "www.example.com"], &["/v2/*"]),
        &mut same,
    );
    assert_eq!(same.get_attr(HOSTS), c.get_attr(HOSTS));
    assert_eq!(same.get_attr(PATHS), c.get_attr(PATHS));
    assert_eq!(same.get_attr(PRIORITY), Some(&Value::number(7)));

    let mut drifted = c.clone();
    show_rule(&observed(&["api.example.com"], &[]), &mut drifted);
    assert_eq!(drifted.get_attr(HOSTS), Some(&Value::Null));
    assert_eq!(drifted.get_attr(PATHS), Some(&Value::Null));
    assert_eq!(
        drifted.get_attr("domain_name"),
        Some(&Value::string("api.example.com"))
    );
}
