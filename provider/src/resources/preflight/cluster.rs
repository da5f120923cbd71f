//! The cluster's checks: the VPC, the subnets (in the VPC, across zones, private ones not
//! routed to an internet gateway) and the certificate.

use std::collections::{BTreeMap, BTreeSet};

use ecsprod_cty::Value;

use super::{Findings, Reader, arn_region, at, changed, instance_types, known_string, run};
use crate::engine::Error;
use crate::engine::units::{
    Certificate, ObservedRouteTable, ObservedSubnet, RouteTables, Subnet, Vpc,
};
use crate::protocol::diag::Diagnostics;
use crate::protocol::provider::CallContext;
use crate::resources::Context;
use crate::resources::fields::{self, Field};

/// The object of a one-key read.
pub(super) fn first<T>(read: Result<Vec<Option<T>>, Error>) -> Result<Option<T>, Error> {
    read.map(|found| found.into_iter().next().flatten())
}

/// The route table that routes `subnet_id`: its own association, else the VPC's main table.
pub(super) fn route_table_of<'t>(
    tables: &'t [ObservedRouteTable],
    subnet_id: &str,
) -> Option<&'t ObservedRouteTable> {
    tables
        .iter()
        .find(|t| t.subnet_ids.iter().any(|s| s == subnet_id))
        .or_else(|| tables.iter().find(|t| t.main))
}

/// One subnet list as planned: its attribute and each element's ID when known.
#[derive(Debug)]
pub(super) struct SubnetList {
    pub attr: &'static str,
    pub ids: Vec<Option<String>>,
}

impl SubnetList {
    fn known(&self) -> impl Iterator<Item = (usize, &String)> {
        self.ids
            .iter()
            .enumerate()
            .filter_map(|(i, id)| id.as_ref().map(|id| (i, id)))
    }
}

/// What the cluster checks look at; `None` and empty fields are not checked.
#[derive(Debug, Default)]
pub(super) struct ClusterChecks {
    pub vpc_id: Option<String>,
    pub public: Option<SubnetList>,
    pub private: Option<SubnetList>,
    pub certificate_arn: Option<String>,
    /// Each instance type's name when known, when the types or the private subnets change.
    pub instance_types: Option<Vec<Option<String>>>,
    /// The private subnets whose zones must offer the instance types.
    pub zone_subnets: Vec<String>,
}

impl ClusterChecks {
    pub(super) fn from_plan(prior: &Value, planned: &Value) -> Self {
        let network = ["vpc_id", "public_subnet_ids", "private_subnet_ids"]
            .iter()
            .any(|a| changed(prior, planned, a));
        let list = |attr: &'static str| match fields::string_list(planned, attr) {
            Field::Known(items) if network => Some(SubnetList {
                attr,
                ids: items.iter().map(|i| i.known().cloned()).collect(),
            }),
            _ => None,
        };
        let types_change = ["instance_types", "private_subnet_ids"]
            .iter()
            .any(|a| changed(prior, planned, a));
        let instance_types = match fields::string_list(planned, "instance_types") {
            Field::Known(items) if types_change => {
                Some(items.iter().map(|i| i.known().cloned()).collect())
            }
            _ => None,
        };
        let zone_subnets = match (
            &instance_types,
            fields::string_list(planned, "private_subnet_ids"),
        ) {
            (Some(_), Field::Known(ids)) => ids.iter().filter_map(|i| i.known().cloned()).collect(),
            _ => Vec::new(),
        };
        Self {
            vpc_id: known_string(planned, "vpc_id").filter(|_| network),
            public: list("public_subnet_ids"),
            private: list("private_subnet_ids"),
            certificate_arn: known_string(planned, "certificate_arn")
                .filter(|_| changed(prior, planned, "certificate_arn")),
            instance_types,
            zone_subnets,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.vpc_id.is_none()
            && self.public.is_none()
            && self.private.is_none()
            && self.certificate_arn.is_none()
            && self.instance_types.is_none()
    }

    pub(super) fn lists(&self) -> impl Iterator<Item = &SubnetList> {
        self.public.iter().chain(self.private.iter())
    }
}

pub async fn cluster(
    ctx: &Context,
    call: &CallContext,
    prior: &Value,
    planned: &Value,
) -> Diagnostics {
    super::service::record_planned_certificate(planned);
    let checks = ClusterChecks::from_plan(prior, planned);
    if checks.is_empty() {
        return Diagnostics::new();
    }
    run(ctx, call, "ecsprod_cluster", |r| async move {
        check_cluster(&r, &checks).await
    })
    .await
}

async fn check_cluster(r: &Reader, checks: &ClusterChecks) -> Findings {
    let subnet_ids: Vec<String> = checks
        .lists()
        .flat_map(|l| l.known().map(|(_, id)| id.clone()))
        .chain(checks.zone_subnets.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let private_known = checks
        .private
        .as_ref()
        .is_some_and(|l| l.known().count() > 0);
    let route_vpc = checks.vpc_id.as_deref().filter(|_| private_known);
    let region = r.region().to_owned();
    let type_names: Vec<String> = checks
        .instance_types
        .iter()
        .flatten()
        .flatten()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (vpc, subnets, tables, cert, types) = tokio::join!(
        async {
            match &checks.vpc_id {
                Some(id) => Some(
                    first(
                        r.session
                            .lookup::<Vpc>(std::slice::from_ref(id), &r.limits)
                            .await,
                    )
                    .map(|v| v.is_some()),
                ),
                None => None,
            }
        },
        async {
            if subnet_ids.is_empty() {
                None
            } else {
                Some(
                    r.session
                        .lookup::<Subnet>(&subnet_ids, &r.limits)
                        .await
                        .map(|found| found.into_iter().flatten().collect::<Vec<_>>()),
                )
            }
        },
        async {
            match route_vpc {
                Some(id) => Some(
                    first(
                        r.session
                            .lookup::<RouteTables>(&[id.to_owned()], &r.limits)
                            .await,
                    )
                    .map(Option::unwrap_or_default),
                ),
                None => None,
            }
        },
        async {
            match &checks.certificate_arn {
                Some(arn) if arn_region(arn) == region => Some(first(
                    r.session
                        .lookup::<Certificate>(std::slice::from_ref(arn), &r.limits)
                        .await,
                )),
                _ => None,
            }
        },
        async {
            if type_names.is_empty() {
                None
            } else {
                Some(instance_types::read(r, &type_names).await)
            }
        },
    );

    let mut f = Findings::default();
    // The VPC.
    let vpc_exists = match (&checks.vpc_id, vpc) {
        (Some(id), Some(Ok(false))) => {
            f.error(
                at("vpc_id"),
                "VPC not found",
                format!("There is no VPC {id} in {region} visible to these credentials."),
            );
            false
        }
        (_, Some(Err(e))) => {
            f.unchecked("the VPC (vpc_id)", &e);
            true
        }
        _ => true,
    };

    // The subnets: existence, VPC, Availability Zones.
    let observed: Option<BTreeMap<String, ObservedSubnet>> = match subnets {
        Some(Ok(list)) => Some(list.into_iter().map(|s| (s.id.clone(), s)).collect()),
        Some(Err(e)) => {
            f.unchecked("the subnets (public_subnet_ids, private_subnet_ids)", &e);
            None
        }
        None => None,
    };
    if let Some(observed) = &observed {
        for list in checks.lists() {
            check_subnet_list(&mut f, list, observed, checks.vpc_id.as_deref(), vpc_exists);
        }
    }

    // The instance types, against the private subnets' zones.
    if let (Some(types), Some(read)) = (&checks.instance_types, types) {
        let zones: Option<BTreeSet<String>> = observed.as_ref().and_then(|o| {
            checks
                .zone_subnets
                .iter()
                .map(|id| o.get(id).map(|s| s.availability_zone.clone()))
                .collect()
        });
        let zones = zones.filter(|z| !z.is_empty());
        instance_types::check(&mut f, types, read, zones.as_ref());
    }

    // Private subnets must not route to an internet gateway.
    match (tables, &checks.private, &checks.vpc_id) {
        (Some(Ok(tables)), Some(private), Some(vpc_id)) => {
            for (i, id) in private.known() {
                // A subnet that is missing or in another VPC has its own error already.
                let in_vpc = observed
                    .as_ref()
                    .and_then(|o| o.get(id))
                    .is_some_and(|s| &s.vpc_id == vpc_id);
                if !in_vpc {
                    continue;
                }
                let Some(table) = route_table_of(&tables, id) else {
                    continue;
                };
                if let Some(route) = table.internet_routes.first() {
                    let whose = if table.subnet_ids.iter().any(|s| s == id) {
                        "its route table"
                    } else {
                        "the VPC's main route table, which it uses"
                    };
                    f.error(
                        at(private.attr).index(i as i64),
                        "Private subnet routes to an internet gateway",
                        format!(
                            "{id} is a public subnet: {whose} ({}) sends {} to the internet gateway {}. Instances get no public IP, so in it they could not reach ECS. Use private subnets whose outbound traffic goes through a NAT gateway.",
                            table.id, route.destination, route.gateway_id
                        ),
                    );
                }
            }
        }
        (Some(Err(e)), _, _) => f.unchecked("the route tables (private_subnet_ids)", &e),
        _ => {}
    }

    // The certificate.
    if let Some(arn) = &checks.certificate_arn {
        match cert {
            None if arn_region(arn) != region => f.error(
                at("certificate_arn"),
                "Certificate in another region",
                format!(
                    "The certificate is in {}, the load balancer in {}: a load balancer can only use an ACM certificate of its own region.",
                    arn_region(arn),
                    region
                ),
            ),
            Some(Ok(None)) => f.error(
                at("certificate_arn"),
                "Certificate not found",
                format!("ACM has no certificate {arn} in {}.", region),
            ),
            Some(Ok(Some(cert))) if cert.status != "ISSUED" => f.error(
                at("certificate_arn"),
                "Certificate is not issued",
                format!(
                    "The certificate's status is {}: the HTTPS listener needs an ISSUED certificate. {}",
                    cert.status,
                    if cert.status == "PENDING_VALIDATION" {
                        "Complete its validation (the DNS records ACM asks for) first."
                    } else {
                        "Request or import a valid one."
                    }
                ),
            ),
            Some(Err(e)) => f.unchecked("the certificate (certificate_arn)", &e),
            _ => {}
        }
    }
    f
}

pub(super) fn check_subnet_list(
    f: &mut Findings,
    list: &SubnetList,
    observed: &BTreeMap<String, ObservedSubnet>,
    vpc_id: Option<&str>,
    vpc_exists: bool,
) {
    let mut zones = BTreeSet::new();
    let mut complete = true;
    for (i, id) in list.ids.iter().enumerate() {
        let Some(id) = id else {
            complete = false;
            continue;
        };
        let Some(subnet) = observed.get(id) else {
            complete = false;
            f.error(
                at(list.attr).index(i as i64),
                "Subnet not found",
                format!("There is no subnet {id} visible to these credentials."),
            );
            continue;
        };
        zones.insert(subnet.availability_zone.clone());
        if let Some(vpc_id) = vpc_id
            && vpc_exists
            && subnet.vpc_id != vpc_id
        {
            f.error(
                at(list.attr).index(i as i64),
                "Subnet is in another VPC",
                format!("{id} is in {}, not in vpc_id {vpc_id}.", subnet.vpc_id),
            );
        }
    }
    if complete && zones.len() < 2 {
        let zone = zones.into_iter().next().unwrap_or_default();
        f.error(
            at(list.attr),
            "Subnets in a single Availability Zone",
            format!(
                "Every subnet of {} is in {zone}. The load balancer and the instances need subnets in at least 2 Availability Zones, so that losing one zone does not take the cluster down.",
                list.attr
            ),
        );
    }
}
