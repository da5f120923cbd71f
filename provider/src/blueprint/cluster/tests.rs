//! Every production setting of the cluster's objects, pinned.

use super::*;

fn input() -> ClusterInput {
    example()
}

#[test]
fn names_fit_aws_limits_for_the_longest_cluster_name() {
    let n = names(&"c".repeat(28));
    assert!(n.load_balancer.len() <= 32, "{}", n.load_balancer);
    assert!(n.instance_role.len() <= 64);
    assert!(n.capacity_provider.len() <= 255);
    assert!(!n.capacity_provider.starts_with("aws") && !n.capacity_provider.starts_with("ecs"));
}

#[test]
fn instances_are_reachable_only_from_the_load_balancer_and_each_other_on_dynamic_ports() {
    let sg = instance_security_group(&input(), "sg-alb");
    let sources: Vec<&Source> = sg.ingress.iter().map(|i| &i.source).collect();
    assert_eq!(sources, [&Source::LoadBalancer, &Source::SameGroup]);
    assert!(
        sg.ingress
            .iter()
            .all(|i| (i.from_port, i.to_port) == (32768, 65535))
    );
}

#[test]
fn load_balancer_group_opens_only_80_and_443() {
    let sg = alb_security_group(&input());
    let mut ports: Vec<i32> = sg.ingress.iter().map(|i| i.from_port).collect();
    ports.dedup();
    assert_eq!(ports, vec![80, 443]);
    assert!(sg.ingress.iter().all(|i| i.from_port == i.to_port));
}

#[test]
fn launch_template_requires_imdsv2_hop_limit_1_and_encrypted_gp3() {
    let lt = launch_template(&input(), "prod-ecs-instance", "sg-1", false);
    assert!(lt.http_tokens_required);
    assert_eq!(lt.http_put_response_hop_limit, 1);
    assert!(lt.root_volume_encrypted);
    assert_eq!(lt.root_volume_type, "gp3");
    assert_eq!(lt.root_volume_size, 30);
    assert!(!lt.associate_public_ip);
    assert!(lt.user_data.contains("ECS_CLUSTER=prod\n"));
    assert!(
        lt.user_data
            .contains("ECS_ENABLE_SPOT_INSTANCE_DRAINING=true\n")
    );
    assert_eq!(lt.tags.get(OWNER_TAG).map(String::as_str), Some("prod"));
    assert!(!lt.user_data.contains("GPU"));
    let gpu = launch_template(&input(), "prod-ecs-instance", "sg-1", true);
    assert!(
        gpu.user_data
            .contains("ECS_ENABLE_GPU_SUPPORT=true\nECSCONFIG\n")
    );
}

#[test]
fn group_is_protected_tagged_for_ecs_and_in_private_subnets() {
    let asg = auto_scaling_group(&input(), "lt-1", 1);
    assert!(asg.new_instances_protected_from_scale_in);
    assert_eq!(
        asg.tags.get(ECS_MANAGED_TAG).map(String::as_str),
        Some("true")
    );
    assert_eq!(asg.subnet_ids, vec!["subnet-c", "subnet-d"]);
    assert_eq!(asg.on_demand_base_capacity, 2);
    assert_eq!(asg.tags.get("Team").map(String::as_str), Some("core"));
}

#[test]
fn capacity_provider_manages_scaling_protection_and_draining() {
    let cp = capacity_provider(&input(), "arn:asg");
    assert_eq!(cp.target_capacity, 80);
    assert!(cp.managed_termination_protection && cp.managed_draining);
}

#[test]
fn listeners_serve_https_and_redirect_http() {
    let https = https_listener(&input());
    assert_eq!((https.port, https.protocol.as_str()), (443, "HTTPS"));
    assert_eq!(https.default_action, not_found_action());
    assert_eq!(
        https.default_action,
        ListenerAction::FixedResponse {
            status_code: "404".into(),
            content_type: Some("text/plain".into()),
            body: Some("Not found".into()),
        }
    );
    let http = http_listener(&input());
    assert_eq!((http.port, http.protocol.as_str()), (80, "HTTP"));
    match http.default_action {
        ListenerAction::Redirect(r) => {
            assert_eq!(r.protocol.as_deref(), Some("HTTPS"));
            assert_eq!(r.port.as_deref(), Some("443"));
            assert_eq!(r.host.as_deref(), Some("#{host}"));
            assert_eq!(r.status_code, "HTTP_301");
        }
        other => panic!("not a redirect: {other:?}"),
    }
}

#[test]
fn role_trusts_ec2_and_carries_ecs_and_ssm_policies() {
    let trust: serde_json::Value =
        serde_json::from_str(&instance_role_trust_policy()).expect("json");
    assert_eq!(
        trust["Statement"][0]["Principal"]["Service"],
        "ec2.amazonaws.com"
    );
    let policies = instance_role_policies("aws");
    assert!(policies[0].ends_with("AmazonEC2ContainerServiceforEC2Role"));
    assert!(policies[1].ends_with("AmazonSSMManagedInstanceCore"));
}
