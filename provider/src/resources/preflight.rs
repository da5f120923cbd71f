//! Plan-time checks against the live account, so that a change that cannot work fails at
//! `terraform plan`, on the attribute at fault, before anything is created.
//!
//! - `ecsprod_cluster`: the VPC exists; every subnet exists and is in that VPC; each subnet
//!   list spans at least two Availability Zones; no private subnet routes to an internet
//!   gateway; the certificate exists in the provider's region and is issued.
//! - `ecsprod_service`: a certificate of the cluster's HTTPS listener (as planned in this run, or
//!   as it is now) covers `domain_name`; the hosted zone exists and contains `domain_name`;
//!   every secret exists (metadata only: secret values are never read).
//!
//! Only reads, all independent ones at once. A check runs when the resource is created or its
//! inputs change, and is skipped while an input is unknown (an object Terraform has not created
//! yet). A definite answer (does not exist, another VPC, not issued) is an error; a read that
//! fails (throttling, an outage, a denied permission) only makes a warning, so that an AWS
//! problem never blocks the plan of a working stack. Reads retry little and the whole check is
//! bounded in time.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use ecsprod_cty::{Path, Value};

use super::Context;
use super::fields::{self, Field};
use crate::aws::certificate::{self, ObservedCertificate};
use crate::aws::network::{self, ObservedSubnet};
use crate::aws::parameters::{self, SecretState};
use crate::aws::retry::AwsError;
use crate::aws::{Clients, load_balancer};
use crate::blueprint::cluster as cluster_bp;
use crate::blueprint::service::{SecretKind, secret_kind};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::provider::CallContext;

/// Bound of all the checks of one resource.
const LIMIT: Duration = Duration::from_secs(20);
/// Attempts per read at most (fewer when the provider block asks for fewer).
const MAX_ATTEMPTS: u32 = 3;
/// Bound of one attempt of one read.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

fn at(attr: &str) -> Path {
    Path::root().attr(attr)
}

/// Whether `attr` is planned to a new value (everything is new on create).
fn changed(prior: &Value, planned: &Value, attr: &str) -> bool {
    prior.is_null() || prior.get_attr(attr) != planned.get_attr(attr)
}

fn known_string(planned: &Value, attr: &str) -> Option<String> {
    fields::string(planned, attr).known().cloned()
}

/// The region field of an ARN.
fn arn_region(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or_default()
}

/// The account field of an ARN.
fn arn_account(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

/// Findings of one resource's checks: errors and warnings on attributes, and the reads that
/// failed (reported together as one warning).
#[derive(Debug, Default)]
struct Findings {
    diagnostics: Diagnostics,
    unchecked: Vec<String>,
}

impl Findings {
    fn error(&mut self, path: Path, summary: &str, detail: String) {
        self.diagnostics.error_at(path, summary, detail);
    }

    fn unchecked(&mut self, what: &str, err: &AwsError) {
        self.unchecked.push(format!("{what}: {err}"));
    }

    fn into_diagnostics(self) -> Diagnostics {
        let mut d = self.diagnostics;
        if !self.unchecked.is_empty() {
            d.push(Diagnostic::warning(
                "Preflight checks skipped",
                format!(
                    "These plan-time checks could not read AWS, so they were skipped and do not block the plan (apply will still fail if the configuration is wrong):\n- {}",
                    self.unchecked.join("\n- ")
                ),
            ));
        }
        d
    }
}

/// Clients for the checks: few attempts, short timeouts. `Ok(None)` skips the checks without a
/// word (the provider block is not known yet); `Err` is the warning that they cannot run.
async fn clients(ctx: &Context) -> Result<Option<Clients>, Diagnostics> {
    let Some(config) = ctx.config() else {
        return Ok(None);
    };
    if config.region.is_unknown() || config.profile.is_unknown() || config.assume_role.is_unknown()
    {
        return Ok(None);
    }
    let attempts = config
        .max_retries
        .map(|n| u32::try_from(n.max(0)).unwrap_or(0) + 1)
        .unwrap_or(MAX_ATTEMPTS)
        .clamp(1, MAX_ATTEMPTS);
    let c = ctx.clients().await.map_err(|d| {
        let detail = d
            .iter()
            .map(|d| format!("{}: {}", d.summary, d.detail))
            .collect::<Vec<_>>()
            .join("\n");
        Diagnostics::from(Diagnostic::warning(
            "Preflight checks skipped",
            format!("The plan-time checks against AWS could not run:\n{detail}"),
        ))
    })?;
    let retry = RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(2));
    let timeouts = TimeoutConfig::builder()
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .build();
    Ok(Some(c.with_policy(&retry, &timeouts)))
}

/// Runs `checks` with the check clients, bounded by [`LIMIT`] and by Terraform's stop request.
async fn run<F, Fut>(ctx: &Context, call: &CallContext, resource: &str, checks: F) -> Diagnostics
where
    F: FnOnce(Clients) -> Fut,
    Fut: Future<Output = Findings>,
{
    let c = match clients(ctx).await {
        Ok(Some(c)) => c,
        Ok(None) => return Diagnostics::new(),
        Err(d) => return d,
    };
    let started = std::time::Instant::now();
    let findings = tokio::select! {
        f = checks(c) => f,
        _ = tokio::time::sleep(LIMIT) => {
            let mut f = Findings::default();
            f.unchecked.push(format!("AWS did not answer within {} s", LIMIT.as_secs()));
            f
        }
        _ = call.cancel.cancelled() => Findings::default(),
    };
    tracing::debug!(
        resource,
        errors = findings.diagnostics.iter().filter(|d| d.is_error()).count(),
        unchecked = findings.unchecked.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "preflight checks done"
    );
    findings.into_diagnostics()
}

// ---------------------------------------------------------------------------------------------
// ecsprod_cluster
// ---------------------------------------------------------------------------------------------

/// One subnet list as planned: its attribute and each element's ID when known.
#[derive(Debug)]
struct SubnetList {
    attr: &'static str,
    ids: Vec<Option<String>>,
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
struct ClusterChecks {
    vpc_id: Option<String>,
    public: Option<SubnetList>,
    private: Option<SubnetList>,
    certificate_arn: Option<String>,
}

impl ClusterChecks {
    fn from_plan(prior: &Value, planned: &Value) -> Self {
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
        Self {
            vpc_id: known_string(planned, "vpc_id").filter(|_| network),
            public: list("public_subnet_ids"),
            private: list("private_subnet_ids"),
            certificate_arn: known_string(planned, "certificate_arn")
                .filter(|_| changed(prior, planned, "certificate_arn")),
        }
    }

    fn is_empty(&self) -> bool {
        self.vpc_id.is_none()
            && self.public.is_none()
            && self.private.is_none()
            && self.certificate_arn.is_none()
    }

    fn lists(&self) -> impl Iterator<Item = &SubnetList> {
        self.public.iter().chain(self.private.iter())
    }
}

pub async fn cluster(
    ctx: &Context,
    call: &CallContext,
    prior: &Value,
    planned: &Value,
) -> Diagnostics {
    record_planned_certificate(planned);
    let checks = ClusterChecks::from_plan(prior, planned);
    if checks.is_empty() {
        return Diagnostics::new();
    }
    run(ctx, call, "ecsprod_cluster", |c| async move {
        check_cluster(&c, &checks).await
    })
    .await
}

async fn check_cluster(c: &Clients, checks: &ClusterChecks) -> Findings {
    let subnet_ids: Vec<String> = checks
        .lists()
        .flat_map(|l| l.known().map(|(_, id)| id.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let private_known = checks
        .private
        .as_ref()
        .is_some_and(|l| l.known().count() > 0);
    let route_vpc = checks.vpc_id.as_deref().filter(|_| private_known);
    let (vpc, subnets, tables, cert) = tokio::join!(
        async {
            match &checks.vpc_id {
                Some(id) => Some(network::vpc_exists(c, id).await),
                None => None,
            }
        },
        async {
            if subnet_ids.is_empty() {
                None
            } else {
                Some(network::subnets(c, &subnet_ids).await)
            }
        },
        async {
            match route_vpc {
                Some(id) => Some(network::route_tables(c, id).await),
                None => None,
            }
        },
        async {
            match &checks.certificate_arn {
                Some(arn) if arn_region(arn) == c.region => {
                    Some(certificate::describe(c, arn).await)
                }
                _ => None,
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
                format!(
                    "There is no VPC {id} in {} visible to these credentials.",
                    c.region
                ),
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
                let Some(table) = network::route_table_of(&tables, id) else {
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
            None if arn_region(arn) != c.region => f.error(
                at("certificate_arn"),
                "Certificate in another region",
                format!(
                    "The certificate is in {}, the load balancer in {}: a load balancer can only use an ACM certificate of its own region.",
                    arn_region(arn),
                    c.region
                ),
            ),
            Some(Ok(None)) => f.error(
                at("certificate_arn"),
                "Certificate not found",
                format!("ACM has no certificate {arn} in {}.", c.region),
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

fn check_subnet_list(
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

// ---------------------------------------------------------------------------------------------
// ecsprod_service
// ---------------------------------------------------------------------------------------------

/// The certificate each cluster planned by this process will serve (cluster name → ARN).
/// Terraform plans a cluster before the services that refer to it, so a service's check sees the
/// certificate its cluster is about to get, also when the cluster does not exist yet.
static PLANNED_CERTIFICATES: LazyLock<Mutex<BTreeMap<String, String>>> =
    LazyLock::new(Default::default);

fn record_planned_certificate(planned: &Value) {
    if let (Some(name), Some(arn)) = (
        known_string(planned, "name"),
        known_string(planned, "certificate_arn"),
    ) && let Ok(mut map) = PLANNED_CERTIFICATES.lock()
    {
        map.insert(name, arn);
    }
}

fn planned_certificate(cluster: &str) -> Option<String> {
    PLANNED_CERTIFICATES
        .lock()
        .ok()
        .and_then(|map| map.get(cluster).cloned())
}

/// The certificate check of a service: the certificates of `cluster`'s HTTPS listener must
/// cover `domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Coverage {
    cluster: String,
    domain: String,
    /// The certificate the cluster is planned with in this run, if it is planned.
    planned_certificate: Option<String>,
}

/// What the service checks look at; `None` and empty fields are not checked.
#[derive(Debug, Default)]
struct ServiceChecks {
    coverage: Option<Coverage>,
    /// The hosted zone and the domain it must contain.
    zone: Option<(String, String)>,
    /// New or changed secrets: variable name → ARN.
    secrets: Vec<(String, String)>,
}

impl ServiceChecks {
    fn from_plan(prior: &Value, planned: &Value, skip_account_lookup: bool) -> Self {
        let domain = known_string(planned, "domain_name");
        let coverage = match (known_string(planned, "cluster"), &domain) {
            (Some(cluster), Some(domain))
                if changed(prior, planned, "cluster") || changed(prior, planned, "domain_name") =>
            {
                Some(Coverage {
                    planned_certificate: planned_certificate(&cluster),
                    cluster,
                    domain: domain.clone(),
                })
            }
            _ => None,
        };
        let zone = match (known_string(planned, "zone_id"), &domain) {
            (Some(zone), Some(domain))
                if changed(prior, planned, "zone_id") || changed(prior, planned, "domain_name") =>
            {
                Some((zone, domain.clone()))
            }
            _ => None,
        };
        let before = fields::string_map(prior, "secrets");
        let before = before.known();
        let secrets = match fields::string_map(planned, "secrets") {
            Field::Known(map) => map
                .into_iter()
                .filter_map(|(k, v)| Some((k, v.known()?.clone())))
                .filter(|(k, v)| before.and_then(|b| b.get(k)).and_then(Field::known) != Some(v))
                .filter(|(_, v)| {
                    !(skip_account_lookup
                        && matches!(secret_kind(v), Some(SecretKind::SsmParameter { .. })))
                })
                .collect(),
            _ => Vec::new(),
        };
        Self {
            coverage,
            zone,
            secrets,
        }
    }

    fn is_empty(&self) -> bool {
        self.coverage.is_none() && self.zone.is_none() && self.secrets.is_empty()
    }
}

pub async fn service(
    ctx: &Context,
    call: &CallContext,
    prior: &Value,
    planned: &Value,
) -> Diagnostics {
    let skip_account_lookup = ctx.config().is_some_and(|c| c.skip_requesting_account_id);
    let checks = ServiceChecks::from_plan(prior, planned, skip_account_lookup);
    if checks.is_empty() {
        return Diagnostics::new();
    }
    run(ctx, call, "ecsprod_service", |c| async move {
        check_service(&c, &checks).await
    })
    .await
}

/// The certificates that will serve the cluster's HTTPS listener: the one the cluster is
/// planned with (replacing the listener's default) and those the listener serves now. `None`
/// when there is none to check (the cluster and its listener do not exist yet and it is not
/// planned in this run).
async fn cluster_certificates(
    c: &Clients,
    coverage: &Coverage,
) -> Result<Option<Vec<ObservedCertificate>>, AwsError> {
    let planned = coverage.planned_certificate.as_deref();
    let mut arns: Vec<String> = planned.into_iter().map(str::to_owned).collect();
    let names = cluster_bp::names(&coverage.cluster);
    if let Some(lb) = load_balancer::describe(c, &names.load_balancer).await?
        && let Some(https) = load_balancer::listeners(c, &lb.arn)
            .await?
            .into_iter()
            .find(|l| l.port == 443)
    {
        let serving = certificate::listener_certificates(c, &https.arn).await?;
        // The planned certificate replaces the default one; the SNI ones stay.
        let replaced = |cert: &certificate::ListenerCertificate| cert.default && planned.is_some();
        for cert in serving {
            if !replaced(&cert) && !arns.contains(&cert.arn) {
                arns.push(cert.arn);
            }
        }
        if arns.is_empty() {
            arns.extend(https.certificate_arn);
        }
    }
    if arns.is_empty() {
        return Ok(None);
    }
    let found =
        futures_util::future::try_join_all(arns.iter().map(|a| certificate::describe(c, a)))
            .await?;
    Ok(Some(found.into_iter().flatten().collect()))
}

/// Whether `domain` is the zone's name or a name inside the zone.
fn in_zone(domain: &str, zone: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    domain == zone || domain.ends_with(&format!(".{zone}"))
}

async fn check_service(c: &Clients, checks: &ServiceChecks) -> Findings {
    // Secrets: SSM parameters of this region in one batch, Secrets Manager secrets one by one.
    let mut ssm: Vec<(&String, String, &String)> = Vec::new();
    let mut sm: Vec<(&String, String)> = Vec::new();
    for (key, arn) in &checks.secrets {
        if arn_region(arn) != c.region {
            continue;
        }
        match secret_kind(arn) {
            Some(SecretKind::SsmParameter { name, .. }) => ssm.push((key, name, arn)),
            Some(SecretKind::SecretsManager { secret_arn }) => sm.push((key, secret_arn)),
            None => {}
        }
    }
    let ssm_names: Vec<String> = ssm.iter().map(|(_, n, _)| n.clone()).collect();

    let (coverage, zone, parameters, account, secrets) = tokio::join!(
        async {
            match &checks.coverage {
                Some(coverage) => Some(cluster_certificates(c, coverage).await),
                None => None,
            }
        },
        async {
            match &checks.zone {
                Some((zone_id, _)) => Some(network::hosted_zone_name(c, zone_id).await),
                None => None,
            }
        },
        async {
            if ssm_names.is_empty() {
                None
            } else {
                Some(parameters::existing_parameters(c, &ssm_names).await)
            }
        },
        async {
            if ssm_names.is_empty() {
                None
            } else {
                Some(parameters::account_id(c).await)
            }
        },
        futures_util::future::join_all(
            sm.iter()
                .map(|(_, arn)| async move { parameters::secret_state(c, arn).await })
        ),
    );

    let mut f = Findings::default();
    if let (
        Some(Coverage {
            cluster, domain, ..
        }),
        Some(result),
    ) = (&checks.coverage, coverage)
    {
        match result {
            Ok(Some(certs)) if !certs.is_empty() => {
                let covered = certs.iter().any(|cert| {
                    cert.names
                        .iter()
                        .any(|n| certificate::name_covers(n, domain))
                });
                if !covered {
                    let names: Vec<String> = certs
                        .iter()
                        .flat_map(|cert| cert.names.iter().cloned())
                        .collect();
                    f.error(
                        at("domain_name"),
                        "Certificate does not cover domain_name",
                        format!(
                            "The HTTPS listener of cluster {cluster:?} will serve certificates for {}, none of which covers {domain} (a wildcard stands for exactly one label), so browsers would refuse the connection. Use a domain the cluster's certificate covers, or give the cluster a certificate that covers it.",
                            names.join(", ")
                        ),
                    );
                }
            }
            Ok(_) => {}
            Err(e) => f.unchecked("the cluster's certificate (domain_name)", &e),
        }
    }
    if let (Some((zone_id, domain)), Some(result)) = (&checks.zone, zone) {
        match result {
            Ok(None) => f.error(
                at("zone_id"),
                "Hosted zone not found",
                format!("There is no Route53 hosted zone {zone_id}."),
            ),
            Ok(Some(name)) if !in_zone(domain, &name) => f.error(
                at("zone_id"),
                "domain_name is outside the hosted zone",
                format!(
                    "Hosted zone {zone_id} is {name}; {domain} is not {name} nor a name under it, so its alias record cannot be created there."
                ),
            ),
            Ok(Some(_)) => {}
            Err(e) => f.unchecked("the hosted zone (zone_id)", &e),
        }
    }
    match (parameters, account) {
        (Some(Ok(found)), Some(Ok(account))) => {
            for (key, name, arn) in &ssm {
                // A parameter shared from another account is not listed here: not checked.
                if arn_account(arn) == account && !found.contains(name) {
                    f.error(
                        at("secrets").key((*key).clone()),
                        "Secret not found",
                        format!("There is no SSM parameter {name} ({arn})."),
                    );
                }
            }
        }
        (Some(Err(e)), _) | (_, Some(Err(e))) => f.unchecked("the SSM parameters (secrets)", &e),
        _ => {}
    }
    for ((key, arn), state) in sm.iter().zip(secrets) {
        let path = at("secrets").key((*key).clone());
        match state {
            Ok(SecretState::Missing) => f.error(
                path,
                "Secret not found",
                format!("There is no Secrets Manager secret {arn}."),
            ),
            Ok(SecretState::ScheduledForDeletion) => f.error(
                path,
                "Secret is scheduled for deletion",
                format!(
                    "Secrets Manager secret {arn} is deleted (waiting out its recovery window): tasks could not read it. Restore it or use another secret."
                ),
            ),
            Ok(SecretState::Exists) => {}
            Err(e) => f.unchecked(&format!("the secret of {key}"), &e),
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::string(*s)).collect())
    }

    fn cluster(vpc: Value, certificate: &str) -> Value {
        obj(&[
            ("vpc_id", vpc),
            ("public_subnet_ids", list(&["subnet-1", "subnet-2"])),
            ("private_subnet_ids", list(&["subnet-3", "subnet-4"])),
            ("certificate_arn", Value::string(certificate)),
        ])
    }

    #[test]
    fn a_new_cluster_checks_everything_known() {
        let planned = cluster(Value::string("vpc-1"), "arn:cert");
        let checks = ClusterChecks::from_plan(&Value::Null, &planned);
        assert_eq!(checks.vpc_id.as_deref(), Some("vpc-1"));
        assert_eq!(checks.lists().count(), 2);
        assert_eq!(checks.certificate_arn.as_deref(), Some("arn:cert"));
    }

    #[test]
    fn an_unknown_vpc_id_skips_only_the_checks_that_need_it() {
        let planned = cluster(Value::unknown(), "arn:cert");
        let checks = ClusterChecks::from_plan(&Value::Null, &planned);
        assert_eq!(checks.vpc_id, None);
        assert_eq!(checks.lists().count(), 2);
        assert!(checks.certificate_arn.is_some());
    }

    #[test]
    fn an_update_checks_only_what_changed() {
        let prior = cluster(Value::string("vpc-1"), "arn:old");
        let same = ClusterChecks::from_plan(&prior, &prior);
        assert!(same.is_empty());
        let new_cert =
            ClusterChecks::from_plan(&prior, &cluster(Value::string("vpc-1"), "arn:new"));
        assert!(new_cert.vpc_id.is_none() && new_cert.lists().count() == 0);
        assert_eq!(new_cert.certificate_arn.as_deref(), Some("arn:new"));
    }

    fn service(cluster: Value, secrets: &[(&str, &str)]) -> Value {
        obj(&[
            ("cluster", cluster),
            ("domain_name", Value::string("api.example.com")),
            ("zone_id", Value::string("Z1")),
            (
                "secrets",
                Value::Map(
                    secrets
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), Value::string(*v)))
                        .collect(),
                ),
            ),
        ])
    }

    const PARAM: &str = "arn:aws:ssm:ap-south-1:123456789012:parameter/app/db";
    const SECRET: &str = "arn:aws:secretsmanager:ap-south-1:123456789012:secret:app/token-Ab12Cd";

    #[test]
    fn a_service_update_checks_only_new_or_changed_secrets() {
        let prior = service(Value::string("prod"), &[("DB", PARAM)]);
        let planned = service(Value::string("prod"), &[("DB", PARAM), ("TOKEN", SECRET)]);
        let checks = ServiceChecks::from_plan(&prior, &planned, false);
        assert_eq!(
            checks.secrets,
            vec![("TOKEN".to_owned(), SECRET.to_owned())]
        );
        assert!(checks.coverage.is_none() && checks.zone.is_none());
    }

    #[test]
    fn an_unknown_cluster_skips_the_certificate_check_only() {
        let planned = service(Value::unknown(), &[("DB", PARAM)]);
        let checks = ServiceChecks::from_plan(&Value::Null, &planned, false);
        assert!(checks.coverage.is_none());
        assert!(checks.zone.is_some());
        assert_eq!(checks.secrets.len(), 1);
        let no_sts = ServiceChecks::from_plan(&Value::Null, &planned, true);
        assert!(no_sts.secrets.is_empty(), "SSM checks need the account ID");
    }

    #[test]
    fn a_service_checks_the_certificate_its_cluster_is_planned_with() {
        let cluster = obj(&[
            ("name", Value::string("recorded-cluster")),
            ("certificate_arn", Value::string("arn:planned")),
        ]);
        record_planned_certificate(&cluster);
        let planned = service(Value::string("recorded-cluster"), &[]);
        let checks = ServiceChecks::from_plan(&Value::Null, &planned, false);
        assert_eq!(
            checks.coverage,
            Some(Coverage {
                cluster: "recorded-cluster".into(),
                domain: "api.example.com".into(),
                planned_certificate: Some("arn:planned".into()),
            })
        );
        let elsewhere = service(Value::string("unplanned-cluster"), &[]);
        let checks = ServiceChecks::from_plan(&Value::Null, &elsewhere, false);
        assert_eq!(
            checks.coverage.and_then(|c| c.planned_certificate),
            None,
            "a cluster planned elsewhere is read from AWS"
        );
    }

    #[test]
    fn a_domain_is_in_its_zone_or_under_it() {
        assert!(in_zone("api.example.com", "example.com."));
        assert!(in_zone("Example.com", "example.com"));
        assert!(!in_zone("api.example.org", "example.com"));
        assert!(!in_zone("badexample.com", "example.com"));
    }

    fn subnet(id: &str, vpc: &str, az: &str) -> (String, ObservedSubnet) {
        (
            id.to_owned(),
            ObservedSubnet {
                id: id.into(),
                vpc_id: vpc.into(),
                availability_zone: az.into(),
            },
        )
    }

    fn subnet_list(ids: &[&str]) -> SubnetList {
        SubnetList {
            attr: "public_subnet_ids",
            ids: ids.iter().map(|s| Some((*s).to_owned())).collect(),
        }
    }

    fn paths(f: &Findings) -> Vec<(String, Option<Path>)> {
        f.diagnostics
            .iter()
            .map(|d| (d.summary.clone(), d.path.clone()))
            .collect()
    }

    #[test]
    fn subnet_lists_report_missing_foreign_and_single_zone_subnets_on_their_element() {
        let observed: BTreeMap<_, _> = [
            subnet("subnet-1", "vpc-1", "az-a"),
            subnet("subnet-2", "vpc-1", "az-a"),
            subnet("subnet-9", "vpc-2", "az-b"),
        ]
        .into_iter()
        .collect();
        let mut f = Findings::default();
        check_subnet_list(
            &mut f,
            &subnet_list(&["subnet-1", "subnet-2"]),
            &observed,
            Some("vpc-1"),
            true,
        );
        assert_eq!(
            paths(&f),
            vec![(
                "Subnets in a single Availability Zone".to_owned(),
                Some(at("public_subnet_ids"))
            )]
        );
        let mut f = Findings::default();
        check_subnet_list(
            &mut f,
            &subnet_list(&["subnet-1", "subnet-8", "subnet-9"]),
            &observed,
            Some("vpc-1"),
            true,
        );
        assert_eq!(
            paths(&f),
            vec![
                (
                    "Subnet not found".to_owned(),
                    Some(at("public_subnet_ids").index(1))
                ),
                (
                    "Subnet is in another VPC".to_owned(),
                    Some(at("public_subnet_ids").index(2))
                ),
            ]
        );
    }
}
