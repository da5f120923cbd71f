//! Security group rules: as AWS reports them, as the blueprint wants them, and the writes that
//! make one the other.

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, Ipv6Range, UserIdGroupPair};

use super::Clients;
use super::retry::{AwsError, aws_error};
use crate::blueprint::cluster::{Ingress, SecurityGroupSpec, Source};

/// A rule as observed, comparable with the blueprint once sources are resolved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rule {
    /// -1 for every port (protocol `all`).
    pub from_port: i32,
    pub to_port: i32,
    /// A CIDR block, a security group ID or a prefix list ID: where traffic comes from
    /// (ingress) or goes to (egress).
    pub source: String,
    /// `tcp`, `udp`, `icmp`, `icmpv6`, `all` or an IP protocol number.
    pub protocol: String,
}

/// Which rules of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

/// The protocol as rules compare it: AWS reports names for TCP, UDP and ICMP, and accepts
/// numbers for them on input.
pub fn protocol_name(protocol: &str) -> String {
    match protocol {
        "-1" | "all" => "all".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "icmpv6".into(),
        other => other.to_ascii_lowercase(),
    }
}

pub fn rules(permissions: &[IpPermission]) -> Vec<Rule> {
    let mut out = Vec::new();
    for p in permissions {
        let protocol = protocol_name(p.ip_protocol().unwrap_or("-1"));
        let (from, to) = if protocol == "all" {
            (-1, -1)
        } else {
            (p.from_port().unwrap_or(-1), p.to_port().unwrap_or(-1))
        };
        let sources = p
            .ip_ranges()
            .iter()
            .filter_map(|r| r.cidr_ip())
            .chain(p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6()))
            .chain(p.user_id_group_pairs().iter().filter_map(|g| g.group_id()))
            .chain(
                p.prefix_list_ids()
                    .iter()
                    .filter_map(|l| l.prefix_list_id()),
            );
        for source in sources {
            out.push(Rule {
                from_port: from,
                to_port: to,
                source: source.to_owned(),
                protocol: protocol.clone(),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// An egress rule as observed: every protocol and port to its block.
pub fn egress_rule(cidr: &str) -> Rule {
    Rule {
        from_port: -1,
        to_port: -1,
        source: cidr.to_owned(),
        protocol: "all".into(),
    }
}

/// The egress rules the blueprint asks for.
pub fn desired_egress(spec: &SecurityGroupSpec) -> Vec<Rule> {
    let mut out: Vec<Rule> = spec.egress.iter().map(|e| egress_rule(&e.cidr)).collect();
    out.sort();
    out
}

/// The groups a rule's source may name: the load balancer's, and the rule's own group.
#[derive(Debug, Clone, Copy)]
pub struct SourceGroups<'a> {
    pub load_balancer: &'a str,
    pub own: &'a str,
}

/// The rules the blueprint asks for, with the groups they name resolved.
pub fn desired_rules(spec: &SecurityGroupSpec, groups: SourceGroups<'_>) -> Vec<Rule> {
    let mut out: Vec<Rule> = spec
        .ingress
        .iter()
        .map(|i| Rule {
            from_port: i.from_port,
            to_port: i.to_port,
            source: match &i.source {
                Source::Cidr(c) | Source::Ipv6Cidr(c) => c.clone(),
                Source::LoadBalancer => groups.load_balancer.to_owned(),
                Source::SameGroup => groups.own.to_owned(),
            },
            protocol: "tcp".into(),
        })
        .collect();
    out.sort();
    out
}

fn permission(rule: &Ingress, groups: SourceGroups<'_>) -> IpPermission {
    let base = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(rule.from_port)
        .to_port(rule.to_port);
    match &rule.source {
        Source::Cidr(cidr) => base.ip_ranges(
            IpRange::builder()
                .cidr_ip(cidr)
                .description(&rule.description)
                .build(),
        ),
        Source::Ipv6Cidr(cidr) => base.ipv6_ranges(
            Ipv6Range::builder()
                .cidr_ipv6(cidr)
                .description(&rule.description)
                .build(),
        ),
        Source::LoadBalancer | Source::SameGroup => base.user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(if rule.source == Source::SameGroup {
                    groups.own
                } else {
                    groups.load_balancer
                })
                .description(&rule.description)
                .build(),
        ),
    }
    .build()
}

/// Adds missing rules and revokes unexpected ones.
pub async fn reconcile_rules(
    c: &Clients,
    group_id: &str,
    spec: &SecurityGroupSpec,
    groups: SourceGroups<'_>,
    existing: &[Rule],
) -> Result<(), AwsError> {
    let desired = desired_rules(spec, groups);
    let missing: Vec<IpPermission> = spec
        .ingress
        .iter()
        .filter(|i| {
            let r = desired_rules(
                &SecurityGroupSpec {
                    ingress: vec![(*i).clone()],
                    ..spec.clone()
                },
                groups,
            );
            !r.iter().all(|r| existing.contains(r))
        })
        .map(|i| permission(i, groups))
        .collect();
    if !missing.is_empty() {
        match c
            .ec2
            .authorize_security_group_ingress()
            .group_id(group_id)
            .set_ip_permissions(Some(missing))
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) => {
                let err = aws_error("allow security group ingress", e);
                if err.code() != Some("InvalidPermission.Duplicate") {
                    return Err(err);
                }
            }
        }
    }
    let extra: Vec<&Rule> = existing.iter().filter(|r| !desired.contains(r)).collect();
    if !extra.is_empty() {
        revoke_rules(c, group_id, Direction::Ingress, &extra).await?;
    }
    Ok(())
}

/// Adds missing egress rules and revokes unexpected ones.
pub async fn reconcile_egress(
    c: &Clients,
    group_id: &str,
    spec: &SecurityGroupSpec,
    existing: &[Rule],
) -> Result<(), AwsError> {
    let desired = desired_egress(spec);
    let missing: Vec<IpPermission> = spec
        .egress
        .iter()
        .filter(|e| !existing.contains(&egress_rule(&e.cidr)))
        .map(|e| {
            IpPermission::builder()
                .ip_protocol("-1")
                .ip_ranges(
                    IpRange::builder()
                        .cidr_ip(&e.cidr)
                        .description(&e.description)
                        .build(),
                )
                .build()
        })
        .collect();
    if !missing.is_empty()
        && let Err(e) = c
            .ec2
            .authorize_security_group_egress()
            .group_id(group_id)
            .set_ip_permissions(Some(missing))
            .send()
            .await
    {
        let err = aws_error("allow security group egress", e);
        if err.code() != Some("InvalidPermission.Duplicate") {
            return Err(err);
        }
    }
    let extra: Vec<&Rule> = existing.iter().filter(|r| !desired.contains(r)).collect();
    if !extra.is_empty() {
        revoke_rules(c, group_id, Direction::Egress, &extra).await?;
    }
    Ok(())
}

/// Revokes rules by their security group rule IDs (matching by content is unreliable when
/// descriptions differ).
async fn revoke_rules(
    c: &Clients,
    group_id: &str,
    direction: Direction,
    extra: &[&Rule],
) -> Result<(), AwsError> {
    let out = c
        .ec2
        .describe_security_group_rules()
        .filters(Filter::builder().name("group-id").values(group_id).build())
        .send()
        .await
        .map_err(|e| aws_error("describe security group rules", e))?;
    let ids: Vec<String> = out
        .security_group_rules()
        .iter()
        .filter(|r| r.is_egress() == Some(direction == Direction::Egress))
        .filter(|r| {
            let source = r
                .cidr_ipv4()
                .or(r.cidr_ipv6())
                .or(r.referenced_group_info().and_then(|g| g.group_id()))
                .or(r.prefix_list_id())
                .unwrap_or_default();
            let protocol = protocol_name(r.ip_protocol().unwrap_or("-1"));
            let (from, to) = if protocol == "all" {
                (-1, -1)
            } else {
                (r.from_port().unwrap_or(-1), r.to_port().unwrap_or(-1))
            };
            extra.iter().any(|x| {
                x.from_port == from
                    && x.to_port == to
                    && x.source == source
                    && x.protocol == protocol
            })
        })
        .filter_map(|r| r.security_group_rule_id().map(str::to_owned))
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    match direction {
        Direction::Ingress => c
            .ec2
            .revoke_security_group_ingress()
            .group_id(group_id)
            .set_security_group_rule_ids(Some(ids))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("revoke security group ingress", e)),
        Direction::Egress => c
            .ec2
            .revoke_security_group_egress()
            .group_id(group_id)
            .set_security_group_rule_ids(Some(ids))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("revoke security group egress", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permission(protocol: &str, ports: Option<(i32, i32)>, cidr: &str) -> IpPermission {
        IpPermission::builder()
            .ip_protocol(protocol)
            .set_from_port(ports.map(|p| p.0))
            .set_to_port(ports.map(|p| p.1))
            .ip_ranges(IpRange::builder().cidr_ip(cidr).build())
            .build()
    }

    fn spec() -> SecurityGroupSpec {
        SecurityGroupSpec {
            name: "prod-alb".into(),
            description: "d".into(),
            vpc_id: "vpc-1".into(),
            ingress: crate::blueprint::cluster::alb_ingress(),
            egress: crate::blueprint::cluster::open_egress(),
            load_balancer_group: None,
            tags: std::collections::BTreeMap::new(),
        }
    }

    #[test]
    fn a_rule_of_another_protocol_on_a_blueprint_port_is_not_the_blueprint_rule() {
        let observed = rules(&[
            permission("udp", Some((443, 443)), "0.0.0.0/0"),
            permission("6", Some((443, 443)), "::/0"),
            permission("-1", None, "10.0.0.0/8"),
        ]);
        let groups = SourceGroups {
            load_balancer: "sg-alb",
            own: "sg-alb",
        };
        let desired = desired_rules(&spec(), groups);
        let tcp_v6 = Rule {
            from_port: 443,
            to_port: 443,
            source: "::/0".into(),
            protocol: "tcp".into(),
        };
        assert!(observed.contains(&tcp_v6), "protocol numbers read as names");
        let extra: Vec<&Rule> = observed.iter().filter(|r| !desired.contains(r)).collect();
        assert_eq!(extra.len(), 2, "{extra:?}");
        assert!(
            extra
                .iter()
                .any(|r| r.protocol == "udp" && r.from_port == 443)
        );
        assert!(
            extra
                .iter()
                .any(|r| r.protocol == "all" && (r.from_port, r.to_port) == (-1, -1))
        );
    }
}
