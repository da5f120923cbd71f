//! What one `ecsprod_cluster` consists of.

use std::collections::BTreeMap;

use serde_json::json;

use super::OWNER_TAG;

/// Everything the blueprint needs, with defaults applied and values known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInput {
    pub name: String,
    pub vpc_id: String,
    pub public_subnet_ids: Vec<String>,
    pub private_subnet_ids: Vec<String>,
    pub certificate_arn: String,
    pub ssl_policy: String,
    pub instance_types: Vec<String>,
    pub min_size: i32,
    pub max_size: i32,
    pub on_demand_base_capacity: i32,
    pub on_demand_percentage_above_base: i32,
    pub spot_allocation_strategy: String,
    pub target_capacity: i32,
    pub ami_id: String,
    pub root_volume_size: i32,
    pub ebs_kms_key_id: Option<String>,
    pub container_insights: bool,
    pub deletion_protection: bool,
    /// The provider's default tags merged with the resource's tags.
    pub tags: BTreeMap<String, String>,
}

/// Physical names of the cluster's objects, all derived from the cluster name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub cluster: String,
    pub instance_role: String,
    pub instance_profile: String,
    pub alb_security_group: String,
    pub instance_security_group: String,
    pub launch_template: String,
    pub auto_scaling_group: String,
    pub capacity_provider: String,
    pub load_balancer: String,
}

pub fn names(cluster: &str) -> Names {
    Names {
        cluster: cluster.to_owned(),
        instance_role: format!("{cluster}-ecs-instance"),
        instance_profile: format!("{cluster}-ecs-instance"),
        alb_security_group: format!("{cluster}-alb"),
        instance_security_group: format!("{cluster}-instances"),
        launch_template: format!("{cluster}-instances"),
        auto_scaling_group: format!("{cluster}-instances"),
        capacity_provider: format!("{cluster}-capacity"),
        load_balancer: format!("{cluster}-alb"),
    }
}

/// Tags on every object: the user's tags plus the ownership tag.
pub fn tags(input: &ClusterInput) -> BTreeMap<String, String> {
    let mut tags = input.tags.clone();
    tags.insert(OWNER_TAG.to_owned(), input.name.clone());
    tags
}

/// AWS-managed policies of the instance role: joining ECS, and Session Manager instead of SSH.
pub fn instance_role_policies(partition: &str) -> Vec<String> {
    vec![
        format!("arn:{partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"),
        format!("arn:{partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"),
    ]
}

/// Trust policy letting EC2 instances assume the instance role.
pub fn instance_role_trust_policy() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "ec2.amazonaws.com" },
            "Action": "sts:AssumeRole"
        }]
    })
    .to_string()
}

/// A TCP ingress rule from a CIDR block or from another security group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Cidr(String),
    Ipv6Cidr(String),
    /// The load balancer's security group.
    LoadBalancer,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingress {
    pub from_port: i32,
    pub to_port: i32,
    pub source: Source,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityGroupSpec {
    pub name: String,
    pub description: String,
    pub ingress: Vec<Ingress>,
    /// IPv4 blocks the group may send anything to.
    pub egress: Vec<Egress>,
}

/// An egress rule: every protocol and port to a CIDR block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Egress {
    pub cidr: String,
    pub description: String,
}

/// Both groups send anywhere, AWS's default for a new group: instances pull images and reach
/// ECS, SSM and CloudWatch through the NAT gateway; the load balancer reaches its targets on
/// their dynamic ports and the health checks follow.
pub fn open_egress() -> Vec<Egress> {
    vec![Egress {
        cidr: "0.0.0.0/0".into(),
        description: "Anywhere".into(),
    }]
}

/// The load balancer's ingress (TCP): HTTP (only to redirect) and HTTPS from anywhere, nothing
/// else.
pub fn alb_ingress() -> Vec<Ingress> {
    let mut ingress = Vec::new();
    for (port, what) in [(80, "HTTP, redirected to HTTPS"), (443, "HTTPS")] {
        ingress.push(Ingress {
            from_port: port,
            to_port: port,
            source: Source::Cidr("0.0.0.0/0".into()),
            description: what.into(),
        });
        ingress.push(Ingress {
            from_port: port,
            to_port: port,
            source: Source::Ipv6Cidr("::/0".into()),
            description: what.into(),
        });
    }
    ingress
}

pub fn alb_security_group(input: &ClusterInput) -> SecurityGroupSpec {
    SecurityGroupSpec {
        name: names(&input.name).alb_security_group,
        description: format!("Load balancer of ECS cluster {}", input.name),
        ingress: alb_ingress(),
        egress: open_egress(),
    }
}

/// First and last port Docker assigns to bridge-mode containers with a dynamic host port.
pub const EPHEMERAL_PORTS: (i32, i32) = (32768, 65535);

/// The instances' ingress (TCP): only from the load balancer, only on the dynamic port range.
pub fn instance_ingress() -> Vec<Ingress> {
    vec![Ingress {
        from_port: EPHEMERAL_PORTS.0,
        to_port: EPHEMERAL_PORTS.1,
        source: Source::LoadBalancer,
        description: "Dynamic container ports, from the load balancer only".into(),
    }]
}

pub fn instance_security_group(input: &ClusterInput) -> SecurityGroupSpec {
    SecurityGroupSpec {
        name: names(&input.name).instance_security_group,
        description: format!("Container instances of ECS cluster {}", input.name),
        ingress: instance_ingress(),
        egress: open_egress(),
    }
}

/// The instances' user data: join the cluster and drain tasks before a Spot interruption.
pub fn user_data(cluster: &str) -> String {
    format!(
        "#!/bin/bash\n\
cat >> /etc/ecs/ecs.config <<'ECSCONFIG'\n\
ECS_CLUSTER={cluster}\n\
ECS_ENABLE_SPOT_INSTANCE_DRAINING=true\n\
ECS_ENABLE_TASK_IAM_ROLE=true\n\
ECS_CONTAINER_STOP_TIMEOUT=60s\n\
ECSCONFIG\n"
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchTemplateSpec {
    pub name: String,
    pub image_id: String,
    pub instance_profile_name: String,
    pub security_group_id: String,
    /// IMDSv2 only ("required" tokens).
    pub http_tokens_required: bool,
    /// 1: containers in bridge mode cannot reach the instance metadata (and its role).
    pub http_put_response_hop_limit: i32,
    pub root_device_name: String,
    pub root_volume_size: i32,
    pub root_volume_type: String,
    pub root_volume_encrypted: bool,
    pub kms_key_id: Option<String>,
    pub associate_public_ip: bool,
    pub user_data: String,
    pub tags: BTreeMap<String, String>,
}

/// The root device of the ECS-optimized Amazon Linux 2023 AMI.
pub const ROOT_DEVICE_NAME: &str = "/dev/xvda";
/// The root volume's type.
pub const ROOT_VOLUME_TYPE: &str = "gp3";

pub fn launch_template(
    input: &ClusterInput,
    instance_profile_name: &str,
    security_group_id: &str,
) -> LaunchTemplateSpec {
    LaunchTemplateSpec {
        name: names(&input.name).launch_template,
        image_id: input.ami_id.clone(),
        instance_profile_name: instance_profile_name.to_owned(),
        security_group_id: security_group_id.to_owned(),
        http_tokens_required: true,
        http_put_response_hop_limit: 1,
        root_device_name: ROOT_DEVICE_NAME.into(),
        root_volume_size: input.root_volume_size,
        root_volume_type: ROOT_VOLUME_TYPE.into(),
        root_volume_encrypted: true,
        kms_key_id: input.ebs_kms_key_id.clone(),
        associate_public_ip: false,
        user_data: user_data(&input.name),
        tags: tags(input),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoScalingGroupSpec {
    pub name: String,
    pub min_size: i32,
    pub max_size: i32,
    /// Only at creation: afterwards ECS managed scaling owns the desired capacity.
    pub initial_desired_capacity: i32,
    pub subnet_ids: Vec<String>,
    pub launch_template_id: String,
    pub instance_types: Vec<String>,
    pub on_demand_base_capacity: i32,
    pub on_demand_percentage_above_base: i32,
    pub spot_allocation_strategy: String,
    /// Required by managed termination protection.
    pub new_instances_protected_from_scale_in: bool,
    /// Propagated to instances at launch.
    pub tags: BTreeMap<String, String>,
}

/// The tag ECS expects on an Auto Scaling group that managed scaling controls.
pub const ECS_MANAGED_TAG: &str = "AmazonECSManaged";

/// The `Name` tag the group gives its instances.
pub fn instance_name(cluster: &str) -> String {
    format!("{cluster}-ecs-instance")
}

pub fn auto_scaling_group(input: &ClusterInput, launch_template_id: &str) -> AutoScalingGroupSpec {
    let mut group_tags = tags(input);
    group_tags.insert(ECS_MANAGED_TAG.into(), "true".into());
    group_tags.insert("Name".into(), instance_name(&input.name));
    AutoScalingGroupSpec {
        name: names(&input.name).auto_scaling_group,
        min_size: input.min_size,
        max_size: input.max_size,
        initial_desired_capacity: input.min_size,
        subnet_ids: input.private_subnet_ids.clone(),
        launch_template_id: launch_template_id.to_owned(),
        instance_types: input.instance_types.clone(),
        on_demand_base_capacity: input.on_demand_base_capacity,
        on_demand_percentage_above_base: input.on_demand_percentage_above_base,
        spot_allocation_strategy: input.spot_allocation_strategy.clone(),
        new_instances_protected_from_scale_in: true,
        tags: group_tags,
    }
}

/// The launch template version the Auto Scaling group launches from: the template's default
/// version, which the provider moves forward with each change.
pub const LAUNCH_TEMPLATE_VERSION: &str = "$Default";

/// The cluster's default capacity provider strategy: every task on the one capacity provider.
pub const STRATEGY_WEIGHT: i32 = 1;
pub const STRATEGY_BASE: i32 = 0;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityProviderSpec {
    pub name: String,
    pub auto_scaling_group_arn: String,
    pub target_capacity: i32,
    pub managed_termination_protection: bool,
    pub managed_draining: bool,
    pub tags: BTreeMap<String, String>,
}

pub fn capacity_provider(
    input: &ClusterInput,
    auto_scaling_group_arn: &str,
) -> CapacityProviderSpec {
    CapacityProviderSpec {
        name: names(&input.name).capacity_provider,
        auto_scaling_group_arn: auto_scaling_group_arn.to_owned(),
        target_capacity: input.target_capacity,
        managed_termination_protection: true,
        managed_draining: true,
        tags: tags(input),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadBalancerSpec {
    pub name: String,
    pub subnet_ids: Vec<String>,
    pub security_group_id: String,
    pub internet_facing: bool,
    pub deletion_protection: bool,
    /// Requests with invalid headers are dropped instead of forwarded.
    pub drop_invalid_header_fields: bool,
    pub tags: BTreeMap<String, String>,
}

pub fn load_balancer(input: &ClusterInput, security_group_id: &str) -> LoadBalancerSpec {
    LoadBalancerSpec {
        name: names(&input.name).load_balancer,
        subnet_ids: input.public_subnet_ids.clone(),
        security_group_id: security_group_id.to_owned(),
        internet_facing: true,
        deletion_protection: input.deletion_protection,
        drop_invalid_header_fields: true,
        tags: tags(input),
    }
}

/// A listener's default action, as the blueprint sets it and as AWS reports it. Fields AWS
/// leaves out are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenerAction {
    FixedResponse {
        status_code: String,
        content_type: Option<String>,
        body: Option<String>,
    },
    Redirect {
        protocol: Option<String>,
        host: Option<String>,
        port: Option<String>,
        path: Option<String>,
        query: Option<String>,
        status_code: String,
    },
    Forward {
        target_groups: Vec<String>,
    },
    /// Any other kind of action (authenticate-oidc, authenticate-cognito, ...), by its type.
    Other {
        kind: String,
    },
}

/// The HTTPS listener answers 404 for hosts no service claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpsListenerSpec {
    pub port: i32,
    pub certificate_arn: String,
    pub ssl_policy: String,
    pub default_status: String,
    pub default_content_type: String,
    pub default_body: String,
}

pub const HTTPS_PORT: i32 = 443;

/// What the HTTPS listener answers for a host no service claims.
pub fn not_found_action() -> ListenerAction {
    ListenerAction::FixedResponse {
        status_code: "404".into(),
        content_type: Some("text/plain".into()),
        body: Some("Not found".into()),
    }
}

/// The HTTPS listener; its default action is `not_found_action()`.
pub fn https_listener(input: &ClusterInput) -> HttpsListenerSpec {
    HttpsListenerSpec {
        port: HTTPS_PORT,
        certificate_arn: input.certificate_arn.clone(),
        ssl_policy: input.ssl_policy.clone(),
        default_status: "404".into(),
        default_content_type: "text/plain".into(),
        default_body: "Not found".into(),
    }
}

impl HttpsListenerSpec {
    pub const PROTOCOL: &'static str = "HTTPS";

    /// The default action: the fixed 404 for hosts no service claims.
    pub fn default_action(&self) -> ListenerAction {
        ListenerAction::FixedResponse {
            status_code: self.default_status.clone(),
            content_type: Some(self.default_content_type.clone()),
            body: Some(self.default_body.clone()),
        }
    }
}

/// Port 80 only redirects to HTTPS, permanently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRedirectSpec {
    pub port: i32,
    pub redirect_port: String,
    pub status: String,
}

impl HttpRedirectSpec {
    pub const PROTOCOL: &'static str = "HTTP";

    /// The default action: the same host, path and query over HTTPS.
    pub fn default_action(&self) -> ListenerAction {
        ListenerAction::Redirect {
            protocol: Some("HTTPS".into()),
            host: Some("#{host}".into()),
            port: Some(self.redirect_port.clone()),
            path: Some("/#{path}".into()),
            query: Some("#{query}".into()),
            status_code: self.status.clone(),
        }
    }
}

pub fn http_listener() -> HttpRedirectSpec {
    HttpRedirectSpec {
        port: 80,
        redirect_port: "443".into(),
        status: "HTTP_301".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ClusterInput {
        ClusterInput {
            name: "prod".into(),
            vpc_id: "vpc-1".into(),
            public_subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
            private_subnet_ids: vec!["subnet-c".into(), "subnet-d".into()],
            certificate_arn: "arn:aws:acm:eu-west-1:123456789012:certificate/x".into(),
            ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06".into(),
            instance_types: vec!["m6i.large".into(), "m5.large".into()],
            min_size: 2,
            max_size: 10,
            on_demand_base_capacity: 2,
            on_demand_percentage_above_base: 0,
            spot_allocation_strategy: "capacity-optimized".into(),
            target_capacity: 80,
            ami_id: "ami-0123456789abcdef0".into(),
            root_volume_size: 30,
            ebs_kms_key_id: None,
            container_insights: true,
            deletion_protection: true,
            tags: BTreeMap::from([("Team".to_owned(), "core".to_owned())]),
        }
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
    fn instances_are_reachable_only_from_the_load_balancer() {
        let sg = instance_security_group(&input());
        assert_eq!(sg.ingress.len(), 1);
        assert_eq!(sg.ingress[0].source, Source::LoadBalancer);
        assert_eq!(
            (sg.ingress[0].from_port, sg.ingress[0].to_port),
            (32768, 65535)
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
        let lt = launch_template(&input(), "prod-ecs-instance", "sg-1");
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
    }

    #[test]
    fn group_is_protected_tagged_for_ecs_and_in_private_subnets() {
        let asg = auto_scaling_group(&input(), "lt-1");
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
        assert_eq!(https.port, 443);
        assert_eq!(https.default_status, "404");
        let http = http_listener();
        assert_eq!((http.port, http.status.as_str()), (80, "HTTP_301"));
        assert_eq!(https.default_action(), not_found_action());
        assert_eq!(
            https.default_action(),
            ListenerAction::FixedResponse {
                status_code: "404".into(),
                content_type: Some("text/plain".into()),
                body: Some("Not found".into()),
            }
        );
        match http.default_action() {
            ListenerAction::Redirect {
                protocol,
                port,
                host,
                status_code,
                ..
            } => {
                assert_eq!(protocol.as_deref(), Some("HTTPS"));
                assert_eq!(port.as_deref(), Some("443"));
                assert_eq!(host.as_deref(), Some("#{host}"));
                assert_eq!(status_code, "HTTP_301");
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
}
