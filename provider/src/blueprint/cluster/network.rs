//! The cluster's network: both security groups, the load balancer and its listeners.

use std::collections::BTreeMap;

use super::{ClusterInput, named_tags, names, tags};

/// A TCP ingress rule from a CIDR block or from another security group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Cidr(String),
    Ipv6Cidr(String),
    /// The load balancer's security group.
    LoadBalancer,
    /// The rule's own group: traffic between the instances it holds.
    SameGroup,
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
    pub vpc_id: String,
    pub ingress: Vec<Ingress>,
    /// IPv4 blocks the group may send anything to.
    pub egress: Vec<Egress>,
    /// The load balancer's group, which [`Source::LoadBalancer`] names.
    pub load_balancer_group: Option<String>,
    pub tags: BTreeMap<String, String>,
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
    let name = names(&input.name).alb_security_group;
    SecurityGroupSpec {
        description: format!("Load balancer of ECS cluster {}", input.name),
        vpc_id: input.vpc_id.clone(),
        ingress: alb_ingress(),
        egress: open_egress(),
        load_balancer_group: None,
        tags: named_tags(input, &name),
        name,
    }
}

/// First and last port Docker assigns to bridge-mode containers with a dynamic host port.
pub const EPHEMERAL_PORTS: (i32, i32) = (32768, 65535);

/// The instances' ingress (TCP), only on the dynamic port range: from the load balancer, and
/// from the cluster's other instances for Service Connect, whose proxies call each other's
/// tasks on those ports.
pub fn instance_ingress() -> Vec<Ingress> {
    vec![
        Ingress {
            from_port: EPHEMERAL_PORTS.0,
            to_port: EPHEMERAL_PORTS.1,
            source: Source::LoadBalancer,
            description: "Dynamic container ports, from the load balancer".into(),
        },
        Ingress {
            from_port: EPHEMERAL_PORTS.0,
            to_port: EPHEMERAL_PORTS.1,
            source: Source::SameGroup,
            description: "Dynamic container ports, Service Connect between the cluster's tasks"
                .into(),
        },
    ]
}

pub fn instance_security_group(input: &ClusterInput, alb_group_id: &str) -> SecurityGroupSpec {
    let name = names(&input.name).instance_security_group;
    SecurityGroupSpec {
        description: format!("Container instances of ECS cluster {}", input.name),
        vpc_id: input.vpc_id.clone(),
        ingress: instance_ingress(),
        egress: open_egress(),
        load_balancer_group: Some(alb_group_id.to_owned()),
        tags: named_tags(input, &name),
        name,
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
    Redirect(Redirect),
    Forward {
        target_groups: Vec<String>,
    },
    /// Any other kind of action (authenticate-oidc, authenticate-cognito, ...), by its type.
    Other {
        kind: String,
    },
}

/// Where a redirect action sends a request; a part left out keeps the request's own value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub protocol: Option<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub path: Option<String>,
    pub query: Option<String>,
    pub status_code: String,
}

pub const HTTPS_PORT: i32 = 443;
pub const HTTP_PORT: i32 = 80;
pub const HTTPS: &str = "HTTPS";
pub const HTTP: &str = "HTTP";

/// A listener: its protocol, port, default action and, for HTTPS, certificate and policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerSpec {
    pub port: i32,
    pub protocol: String,
    pub ssl_policy: Option<String>,
    pub certificate_arn: Option<String>,
    pub default_action: ListenerAction,
    pub tags: BTreeMap<String, String>,
}

/// What the HTTPS listener answers for a host no service claims.
pub fn not_found_action() -> ListenerAction {
    ListenerAction::FixedResponse {
        status_code: "404".into(),
        content_type: Some("text/plain".into()),
        body: Some("Not found".into()),
    }
}

/// What port 80 answers: the same host, path and query over HTTPS, permanently.
pub fn redirect_action() -> ListenerAction {
    ListenerAction::Redirect(Redirect {
        protocol: Some(HTTPS.into()),
        host: Some("#{host}".into()),
        port: Some(HTTPS_PORT.to_string()),
        path: Some("/#{path}".into()),
        query: Some("#{query}".into()),
        status_code: "HTTP_301".into(),
    })
}

/// The HTTPS listener answers 404 for hosts no service claims; services add their rules to it.
pub fn https_listener(input: &ClusterInput) -> ListenerSpec {
    ListenerSpec {
        port: HTTPS_PORT,
        protocol: HTTPS.into(),
        ssl_policy: Some(input.ssl_policy.clone()),
        certificate_arn: Some(input.certificate_arn.clone()),
        default_action: not_found_action(),
        tags: tags(input),
    }
}

/// Port 80 only redirects to HTTPS.
pub fn http_listener(input: &ClusterInput) -> ListenerSpec {
    ListenerSpec {
        port: HTTP_PORT,
        protocol: HTTP.into(),
        ssl_policy: None,
        certificate_arn: None,
        default_action: redirect_action(),
        tags: tags(input),
    }
}

/// The ports of the cluster's own listeners: any other listener is removed.
pub const OWN_LISTENER_PORTS: [i32; 2] = [HTTPS_PORT, HTTP_PORT];
