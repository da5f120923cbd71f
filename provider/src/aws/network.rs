//! Reading the network a user brings (VPC, subnets, route tables) and the DNS zone a service
//! publishes in, without changing anything. Filters rather than IDs select what to read, so a
//! missing object is an absent result instead of an error for the whole call.

use aws_sdk_ec2::types::{Filter, RouteState};

use super::Clients;
use super::retry::{AwsError, aws_error};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedSubnet {
    pub id: String,
    pub vpc_id: String,
    pub availability_zone: String,
}

/// A route that sends traffic straight to an internet gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternetRoute {
    pub destination: String,
    pub gateway_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedRouteTable {
    pub id: String,
    /// The VPC's main route table: it serves every subnet without an association of its own.
    pub main: bool,
    /// Subnets explicitly associated with this table.
    pub subnet_ids: Vec<String>,
    pub internet_routes: Vec<InternetRoute>,
}

fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

/// Whether the VPC exists (and is visible to these credentials).
pub async fn vpc_exists(c: &Clients, vpc_id: &str) -> Result<bool, AwsError> {
    let out = c
        .ec2
        .describe_vpcs()
        .filters(filter("vpc-id", &[vpc_id.to_owned()]))
        .send()
        .await
        .map_err(|e| aws_error("read the VPC", e))?;
    Ok(out.vpcs().iter().any(|v| v.vpc_id() == Some(vpc_id)))
}

/// The subnets among `ids` that exist; the missing ones are simply absent.
pub async fn subnets(c: &Clients, ids: &[String]) -> Result<Vec<ObservedSubnet>, AwsError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let items = c
        .ec2
        .describe_subnets()
        .filters(filter("subnet-id", ids))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| aws_error("read the subnets", e))?;
    Ok(items
        .iter()
        .map(|s| ObservedSubnet {
            id: s.subnet_id().unwrap_or_default().to_owned(),
            vpc_id: s.vpc_id().unwrap_or_default().to_owned(),
            availability_zone: s.availability_zone().unwrap_or_default().to_owned(),
        })
        .collect())
}

/// Every route table of the VPC with its associations and its active internet gateway routes.
pub async fn route_tables(c: &Clients, vpc_id: &str) -> Result<Vec<ObservedRouteTable>, AwsError> {
    let items = c
        .ec2
        .describe_route_tables()
        .filters(filter("vpc-id", &[vpc_id.to_owned()]))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| aws_error("read the route tables", e))?;
    Ok(items
        .iter()
        .map(|t| ObservedRouteTable {
            id: t.route_table_id().unwrap_or_default().to_owned(),
            main: t.associations().iter().any(|a| a.main() == Some(true)),
            subnet_ids: t
                .associations()
                .iter()
                .filter_map(|a| a.subnet_id().map(str::to_owned))
                .collect(),
            internet_routes: t
                .routes()
                .iter()
                .filter(|r| r.state() != Some(&RouteState::Blackhole))
                .filter_map(|r| {
                    let gateway = r.gateway_id().filter(|g| g.starts_with("igw-"))?;
                    Some(InternetRoute {
                        destination: r
                            .destination_cidr_block()
                            .or(r.destination_ipv6_cidr_block())
                            .or(r.destination_prefix_list_id())
                            .unwrap_or_default()
                            .to_owned(),
                        gateway_id: gateway.to_owned(),
                    })
                })
                .collect(),
        })
        .collect())
}

/// The name of a hosted zone (without the trailing dot), `None` when there is no such zone.
/// `zone_id` may carry the `/hostedzone/` prefix.
pub async fn hosted_zone_name(c: &Clients, zone_id: &str) -> Result<Option<String>, AwsError> {
    super::dns::check_identifiers("read the hosted zone", zone_id, "")?;
    let id = crate::blueprint::service::bare_zone_id(zone_id);
    match c.route53.get_hosted_zone().id(id).send().await {
        Ok(out) => Ok(out
            .hosted_zone()
            .map(|z| z.name().trim_end_matches('.').to_owned())),
        Err(e) => {
            let err = aws_error("read the hosted zone", e);
            if matches!(err.code(), Some("NoSuchHostedZone")) {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}
