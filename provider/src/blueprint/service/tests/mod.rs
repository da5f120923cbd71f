//! Every production setting of the service's objects, pinned.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::priority::first_free;
use super::*;

mod access;
mod deploy;

const PARAM: &str = "arn:aws:ssm:eu-west-1:123456789012:parameter/app/db-url";
const SECRET: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/api-AbC123";
const KEY: &str = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";

fn input() -> ServiceInput {
    example()
}

fn with_secrets(pairs: &[(&str, &str)]) -> ServiceInput {
    let mut i = input();
    i.secrets = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    i
}

/// An SSM parameter twice, and one Secrets Manager secret through two JSON keys.
fn mixed() -> ServiceInput {
    with_secrets(&[
        ("DB_URL", PARAM),
        ("DB_URL_COPY", PARAM),
        ("API_KEY", &format!("{SECRET}:key::")),
        ("API_USER", &format!("{SECRET}:user:AWSCURRENT:")),
    ])
}

/// Every string in a JSON document, with the key it is under.
fn strings<'a>(v: &'a Value, key: &'a str, out: &mut Vec<(&'a str, &'a str)>) {
    match v {
        Value::String(s) => out.push((key, s)),
        Value::Array(items) => items.iter().for_each(|i| strings(i, key, out)),
        Value::Object(map) => map.iter().for_each(|(k, i)| strings(i, k, out)),
        _ => {}
    }
}

#[test]
fn fnv1a_matches_the_published_test_vectors() {
    assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn names_follow_the_cluster_and_service() {
    let n = names("prod", "api");
    assert_eq!(n.log_group, "/ecs/prod/api");
    assert_eq!(n.execution_role, "prod-api-exec");
    assert_eq!(n.task_role, "prod-api-task");
    assert_eq!(n.task_family, "prod-api");
    assert_eq!(n.service, "api");
}

#[test]
fn role_names_fit_64_characters_with_the_longest_names_and_stay_distinct() {
    let (cluster, service) = ("c".repeat(28), "s".repeat(32));
    let n = names(&cluster, &service);
    for role in [&n.execution_role, &n.task_role] {
        assert!(role.len() <= 64, "{role} is {} long", role.len());
        assert!(role.starts_with(&cluster));
    }
    assert!(n.execution_role.ends_with("-exec") && n.task_role.ends_with("-task"));
    assert_ne!(n.execution_role, n.task_role);
    assert_eq!(n, names(&cluster, &service), "deterministic");
    // Services differing only past the cut still get different roles.
    let other = names(&cluster, &format!("{}t", "s".repeat(31)));
    assert_ne!(n.execution_role, other.execution_role);
    // Exactly 64 needs no hash.
    let fits = names(&"c".repeat(26), &"s".repeat(32));
    assert_eq!(fits.execution_role.len(), 64);
    assert!(fits.execution_role.contains(&"s".repeat(32)));
}

#[test]
fn target_group_names_are_valid_32_characters_at_most() {
    for (cluster, service) in [
        ("c".repeat(28), "s".repeat(32)),
        ("p".into(), "a".into()),
        ("prod".into(), "api".into()),
    ] {
        for generation in ["0a1b2c3d", "x", "not a hash -- too long!"] {
            let name = target_group_name(&cluster, &service, generation);
            assert!(name.len() <= 32, "{name}");
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
                "{name}"
            );
            assert!(!name.starts_with('-') && !name.ends_with('-'), "{name}");
        }
    }
}

#[test]
fn target_group_name_is_stable_and_differs_per_generation_and_service() {
    let generation = target_group_generation(&input());
    let name = target_group_name("prod", "api", &generation);
    // Pinned: a different hash would rename (and so replace) every target group.
    assert_eq!(generation, "72dea28e");
    assert_eq!(name, "prod-api-3e99956a-72dea28e");
    assert_ne!(name, target_group_name("prod", "api", "00000000"));
    assert_ne!(name, target_group_name("prod", "web", &generation));
    assert_ne!(name, target_group_name("staging", "api", &generation));
    let long = |g: &str| target_group_name(&"c".repeat(28), &"s".repeat(32), g);
    assert_ne!(long("a"), long("b"));
}

#[test]
fn only_immutable_target_group_settings_change_the_generation() {
    let base = input();
    let mut moved = input();
    moved.container_port = 9090;
    assert_ne!(
        target_group_generation(&base),
        target_group_generation(&moved)
    );
    let mut tuned = input();
    tuned.health_check_path = "/ready".into();
    tuned.deregistration_delay = 5;
    assert_eq!(
        target_group_generation(&base),
        target_group_generation(&tuned)
    );
}

#[test]
fn target_group_checks_the_traffic_port_quickly() {
    let [name, _] = target_group_names(&input());
    let tg = target_group(&input(), "vpc-1", &name);
    assert_eq!((tg.protocol.as_str(), tg.port), ("HTTP", 8080));
    assert_eq!(tg.target_type, "instance");
    assert_eq!(tg.health_check_port, "traffic-port");
    assert_eq!(
        (
            tg.health_check_path.as_str(),
            tg.health_check_matcher.as_str()
        ),
        ("/health", "200-399")
    );
    assert_eq!(
        (
            tg.health_check_interval_seconds,
            tg.health_check_timeout_seconds,
            tg.healthy_threshold,
            tg.unhealthy_threshold,
            tg.deregistration_delay
        ),
        (15, 5, 2, 3, 30)
    );
    assert_eq!(tg.name, "prod-api-3e99956a-72dea28e");
}

#[test]
fn priority_is_deterministic_in_its_band_and_skips_taken_ones() {
    use PriorityBand::{Host, Path};
    let key = service_key("prod", "api");
    let free = listener_rule_priority(&key, &BTreeSet::new(), Host);
    assert!((10_001..=50_000).contains(&free));
    assert_eq!(free, listener_rule_priority(&key, &BTreeSet::new(), Host));
    assert_ne!(
        free,
        listener_rule_priority(&service_key("prod", "web"), &BTreeSet::new(), Host)
    );
    let taken = BTreeSet::from([free, free + 1]);
    let next = listener_rule_priority(&key, &taken, Host);
    assert!(!taken.contains(&next) && Host.contains(next));
    let path = listener_rule_priority(&key, &BTreeSet::new(), Path);
    assert!((1..=10_000).contains(&path), "{path}");
    assert!(
        path < 10_001,
        "a path rule comes before every host-only rule"
    );
}

#[test]
fn priority_probing_wraps_within_the_band() {
    let taken = BTreeSet::from([49_999, 50_000, 10_001]);
    assert_eq!(first_free(49_999, &taken, PriorityBand::Host), 10_002);
    assert_eq!(
        first_free(10_000, &BTreeSet::from([10_000]), PriorityBand::Path),
        1
    );
    let full: BTreeSet<i32> = (1..=10_000).collect();
    assert_eq!(
        first_free(7, &full, PriorityBand::Path),
        7,
        "a full band returns the start"
    );
}

#[test]
fn a_rule_with_paths_lists_every_host_and_takes_the_path_band() {
    let mut i = input();
    i.additional_domain_names = vec!["www.example.com".into()];
    i.path_patterns = vec!["/v2/*".into()];
    let rule = listener_rule(&i, vec![WeightedTarget::new("arn:tg", 1)]);
    assert_eq!(rule.host_headers, ["api.example.com", "www.example.com"]);
    assert_eq!(rule.path_patterns, ["/v2/*"]);
    assert_eq!(rule.band(), PriorityBand::Path);
    assert_eq!(listener_rule(&input(), vec![]).band(), PriorityBand::Host);
}

#[test]
fn listener_rule_forwards_the_domain_to_the_target_group() {
    let rule = listener_rule(&input(), vec![WeightedTarget::new("arn:tg", 1)]);
    assert_eq!(rule.host_headers, vec!["api.example.com"]);
    assert!(rule.forwards_only_to("arn:tg"));
    assert!(!rule.forwards_only_to("arn:other"));
    let swapping = listener_rule(
        &input(),
        rule_forward("arn:new", &set(&["arn:old"]), &["arn:old".into()]),
    );
    assert!(!swapping.forwards_only_to("arn:new"));
    assert!(!swapping.forwards_only_to("arn:old"));
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn a_new_target_group_joins_without_traffic_while_the_old_one_serves() {
    let retiring = set(&["arn:old"]);
    assert_eq!(
        rule_forward("arn:new", &retiring, &["arn:old".into()]),
        vec![
            WeightedTarget::new("arn:old", 1),
            WeightedTarget::new("arn:new", 0)
        ]
    );
    // Already switched (an earlier apply got that far), or nothing retiring: the new group alone.
    assert_eq!(
        rule_forward("arn:new", &retiring, &["arn:new".into()]),
        vec![WeightedTarget::new("arn:new", 1)]
    );
    assert_eq!(
        rule_forward("arn:new", &BTreeSet::new(), &["arn:old".into()]),
        vec![WeightedTarget::new("arn:new", 1)]
    );
    // A group that is not the service's (set out of band) is never kept.
    assert_eq!(
        rule_forward(
            "arn:new",
            &retiring,
            &["arn:foreign".into(), "arn:old".into()]
        ),
        vec![
            WeightedTarget::new("arn:old", 1),
            WeightedTarget::new("arn:new", 0)
        ]
    );
    assert_eq!(
        rule_forward("arn:new", &retiring, &[]),
        vec![WeightedTarget::new("arn:new", 1)]
    );
}

#[test]
fn forward_comparison_ignores_order_but_not_weights() {
    let a = vec![WeightedTarget::new("x", 1), WeightedTarget::new("y", 0)];
    let b = vec![WeightedTarget::new("y", 0), WeightedTarget::new("x", 1)];
    assert!(same_forward(&a, &b));
    let c = vec![WeightedTarget::new("y", 1), WeightedTarget::new("x", 1)];
    assert!(!same_forward(&a, &c));
    assert!(!same_forward(&a, &a[..1]));
}

#[test]
fn task_definition_is_bridge_mode_with_dynamic_ports_and_secret_arns_as_given() {
    let i = mixed();
    let td = task_definition(&i, "arn:exec", "arn:task");
    assert_eq!(td.family, "prod-api");
    assert_eq!(td.network_mode, "bridge");
    assert_eq!(td.requires_compatibilities, vec!["EC2"]);
    assert_eq!((td.cpu.as_str(), td.memory.as_str()), ("256", "512"));
    let c = &td.container;
    assert_eq!(c.name, "api");
    assert!(c.essential);
    assert_eq!(
        c.port_mappings,
        vec![PortMapping {
            name: None,
            container_port: 8080,
            host_port: 0,
            protocol: "tcp".into()
        }]
    );
    let env_names: Vec<&str> = c.environment.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(env_names, vec!["APP_MODE", "LOG_LEVEL"]);
    assert_eq!(
        c.secrets[0],
        ("API_KEY".to_owned(), format!("{SECRET}:key::"))
    );
    assert_eq!(c.secrets.len(), 4);
    assert_eq!(c.log_driver, "awslogs");
    assert_eq!(c.log_options["awslogs-group"], "/ecs/prod/api");
    assert_eq!(c.log_options["awslogs-region"], "eu-west-1");
    assert_eq!(c.log_options["awslogs-stream-prefix"], "ecs");
    assert_eq!(td.tags[OWNER_TAG], "prod");
}

#[test]
fn task_definition_match_ignores_order_and_aws_defaults_but_not_an_image_change() {
    let spec = task_definition(&mixed(), "arn:exec", "arn:task");
    let mut observed = spec.clone();
    observed.container.environment.reverse();
    observed.container.secrets.reverse();
    observed.container.port_mappings[0].protocol = String::new();
    observed.tags.clear();
    assert!(task_definition_matches(&spec, &observed));

    let mut changed = observed.clone();
    changed.container.image = "public.ecr.aws/nginx/nginx:1.28".into();
    assert!(!task_definition_matches(&spec, &changed));
    let mut changed = observed.clone();
    changed.container.environment[0].1 = "debug".into();
    assert!(!task_definition_matches(&spec, &changed));
    let mut changed = observed;
    changed.memory = "1024".into();
    assert!(!task_definition_matches(&spec, &changed));
}

#[test]
fn service_deploys_without_downtime_and_rolls_back_failures() {
    let s = service(&input(), "prod-capacity", Some("arn:tg"), "arn:td:1", None);
    assert_eq!(
        s.deployment,
        DeploymentSpec {
            minimum_healthy_percent: 100,
            maximum_percent: 200,
            circuit_breaker_enable: true,
            circuit_breaker_rollback: true,
            strategy: Strategy::Rolling,
            bake_time: None,
            canary: None,
            linear: None,
            alarm_names: vec!["prod-api-5xx-rate".into(), "prod-api-unhealthy".into()],
        }
    );
    assert_eq!(
        s.capacity_provider_strategy,
        vec![CapacityProviderItem {
            capacity_provider: "prod-capacity".into(),
            weight: 1,
            base: 0
        }]
    );
    assert_eq!(
        s.placement_strategies[0].field,
        "attribute:ecs.availability-zone"
    );
    assert_eq!(
        (
            s.placement_strategies[1].kind.as_str(),
            s.placement_strategies[1].field.as_str()
        ),
        ("spread", "instanceId")
    );
    assert_eq!(
        s.load_balancer,
        Some(LoadBalancerRef {
            target_group_arn: "arn:tg".into(),
            container_name: "api".into(),
            container_port: 8080,
            shift: None,
        })
    );
    assert_eq!(
        (s.initial_desired_count, s.health_check_grace_period),
        (2, Some(60))
    );
    assert_eq!(s.propagate_tags, "SERVICE");
    assert!(s.enable_ecs_managed_tags);
    assert_eq!(s.scheduling_strategy, "REPLICA");
}

#[test]
fn scaling_tracks_cpu_and_memory_on_the_desired_count() {
    let sc = scaling(&input());
    assert_eq!(sc.resource_id, "service/prod/api");
    assert_eq!(sc.scalable_dimension, "ecs:service:DesiredCount");
    assert_eq!((sc.min_capacity, sc.max_capacity), (2, 10));
    let summary: Vec<(&str, &str, f64, i32, i32)> = sc
        .policies
        .iter()
        .map(|p| {
            (
                p.policy_name.as_str(),
                p.predefined_metric.as_str(),
                p.target_value,
                p.scale_in_cooldown,
                p.scale_out_cooldown,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("api-cpu", "ECSServiceAverageCPUUtilization", 60.0, 300, 60),
            (
                "api-memory",
                "ECSServiceAverageMemoryUtilization",
                75.0,
                300,
                60
            ),
        ]
    );
}

#[test]
fn alias_record_exists_only_with_a_zone_and_is_fully_qualified() {
    let r = alias_record(
        &input(),
        "prod-alb-1.eu-west-1.elb.amazonaws.com",
        "Z32O12XQLNTSW2",
    )
    .expect("a record");
    assert_eq!(r.zone_id, "Z0123456789ABC");
    assert_eq!(r.name, "api.example.com.");
    assert_eq!(r.record_type, "A");
    assert_eq!(r.alias_dns_name, "prod-alb-1.eu-west-1.elb.amazonaws.com");
    assert!(r.evaluate_target_health);
    let mut no_zone = input();
    no_zone.zone_id = None;
    assert_eq!(alias_record(&no_zone, "x", "y"), None);
}

#[test]
fn every_object_carries_the_cluster_and_service_tags() {
    let t = tags(&input());
    assert_eq!(t[OWNER_TAG], "prod");
    assert_eq!(t[SERVICE_TAG], "api");
    assert_eq!(t["Team"], "core");
    let lg = log_group(&input());
    assert_eq!((lg.name.as_str(), lg.retention_days), ("/ecs/prod/api", 30));
    assert_eq!(lg.tags, t);
}

#[test]
fn a_service_without_a_route_has_no_load_balancer_entry_grace_period_or_alarms_of_its_own() {
    let mut i = input();
    i.domain_name = None;
    i.zone_id = None;
    i.deployment.extra_alarm_names = vec!["queue-age".into()];
    let s = service(&i, "prod-capacity", None, "arn:td:1", None);
    assert_eq!(s.load_balancer, None);
    assert_eq!(
        s.health_check_grace_period, None,
        "ECS refuses it without a load balancer"
    );
    assert_eq!(s.deployment.alarm_names, ["queue-age"]);
    assert_eq!(alias_record(&i, "lb.example.com", "Z1"), None);
}

#[test]
fn a_queue_worker_scales_on_backlog_per_task_and_may_consume_exactly_its_queue() {
    let mut i = input();
    let arn = "arn:aws:sqs:eu-west-1:123456789012:jobs";
    i.autoscaling.queue = Some(QueueScaling {
        arn: arn.into(),
        backlog_per_task: 20,
    });
    let s = scaling(&i);
    let queue = s
        .policies
        .iter()
        .find(|p| p.queue.is_some())
        .expect("queue policy");
    assert_eq!(queue.queue.as_deref(), Some("jobs"));
    assert_eq!(queue.target_value, 20.0);
    assert_eq!(s.policies.len(), 3, "beside the CPU and memory policies");
    let role = task_role(&i);
    let (name, doc) = role.inline_policies.last().expect("queue policy");
    assert_eq!(name, "queue");
    let doc: serde_json::Value = serde_json::from_str(doc).expect("JSON");
    assert_eq!(doc["Statement"][0]["Resource"], arn);
    assert_eq!(
        doc["Statement"][0]["Action"],
        serde_json::json!(CONSUMER_ACTIONS)
    );
}
