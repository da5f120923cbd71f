//! The service's checks: the cluster's certificate covers `domain_name`, the hosted zone holds
//! it, and every secret exists (metadata only: secret values are never read).

use std::collections::BTreeMap;
use std::sync::{LazyLock, Mutex};

use ecsprod_cty::{Path, Value};

use super::cluster::first;
use super::{Findings, Reader, arn_account, arn_region, at, changed, known_string, run};
use crate::blueprint::service::{SecretKind, secret_kind};
use crate::engine::Error;
use crate::engine::units::{
    Account, HostedZone, Parameter, Secret, SecretState, ServingCertificates, ServingKey,
};
use crate::protocol::diag::Diagnostics;
use crate::protocol::provider::CallContext;
use crate::resources::Context;
use crate::resources::fields::{self, Field};
use crate::resources::service::containers::SIDECARS;
use crate::resources::service::routing::HOSTS;

/// Whether a certificate name covers `host`: the same name, or a wildcard standing for exactly
/// one leftmost label (`*.example.com` covers `api.example.com`, not `example.com` nor
/// `a.b.example.com`). Case and a trailing dot do not matter.
pub(super) fn name_covers(name: &str, host: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if name == host {
        return true;
    }
    match (name.strip_prefix("*."), host.split_once('.')) {
        (Some(parent), Some((label, rest))) => !label.is_empty() && rest == parent,
        _ => false,
    }
}

/// The certificate each cluster planned by this process will serve (cluster name → ARN).
/// Terraform plans a cluster before the services that refer to it, so a service's check sees the
/// certificate its cluster is about to get, also when the cluster does not exist yet.
static PLANNED_CERTIFICATES: LazyLock<Mutex<BTreeMap<String, String>>> =
    LazyLock::new(Default::default);

pub(super) fn record_planned_certificate(planned: &Value) {
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
pub(super) struct Coverage {
    pub cluster: String,
    /// Every host name the service's rule routes, with where it is configured.
    pub domains: Vec<(Path, String)>,
    /// The certificate the cluster is planned with in this run, if it is planned.
    pub planned_certificate: Option<String>,
}

/// What the service checks look at; `None` and empty fields are not checked.
#[derive(Debug, Default)]
pub(super) struct ServiceChecks {
    pub coverage: Option<Coverage>,
    /// The hosted zone and the host names (with where they are configured) it must contain.
    pub zone: Option<(String, Vec<(Path, String)>)>,
    /// New or changed secrets: where each is configured, and its ARN.
    pub secrets: Vec<(Path, String)>,
}

impl ServiceChecks {
    pub(super) fn from_plan(prior: &Value, planned: &Value, skip_account_lookup: bool) -> Self {
        let domains = host_names(planned);
        let hosts_changed =
            changed(prior, planned, "domain_name") || changed(prior, planned, HOSTS);
        let coverage = match known_string(planned, "cluster") {
            Some(cluster)
                if !domains.is_empty() && (changed(prior, planned, "cluster") || hosts_changed) =>
            {
                Some(Coverage {
                    planned_certificate: planned_certificate(&cluster),
                    cluster,
                    domains: domains.clone(),
                })
            }
            _ => None,
        };
        let zone = match known_string(planned, "zone_id") {
            Some(zone)
                if !domains.is_empty() && (changed(prior, planned, "zone_id") || hosts_changed) =>
            {
                Some((zone, domains))
            }
            _ => None,
        };
        let secrets = secret_places(planned)
            .into_iter()
            .filter(|(path, arn)| !secret_places(prior).contains(&(path.clone(), arn.clone())))
            .filter(|(_, v)| {
                !(skip_account_lookup
                    && matches!(secret_kind(v), Some(SecretKind::SsmParameter { .. })))
            })
            .collect();
        Self {
            coverage,
            zone,
            secrets,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.coverage.is_none() && self.zone.is_none() && self.secrets.is_empty()
    }
}

/// The known host names of a value, with where each is configured: `domain_name` and each of
/// `additional_domain_names`.
fn host_names(value: &Value) -> Vec<(Path, String)> {
    let extra = fields::string_list(value, HOSTS);
    known_string(value, "domain_name")
        .map(|d| (at("domain_name"), d))
        .into_iter()
        .chain(
            extra
                .known()
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(i, h)| Some((at(HOSTS).index(i as i64), h.known()?.clone()))),
        )
        .collect()
}

/// The attribute a path names, for messages: `domain_name` or `additional_domain_names`.
fn attribute_of(path: &Path) -> String {
    match path.steps().first() {
        Some(ecsprod_cty::PathStep::Attr(name)) => name.clone(),
        _ => "domain_name".to_owned(),
    }
}

/// Every known secret ARN of a value, with where it is configured: `secrets` and each
/// sidecar's `secrets`.
fn secret_places(value: &Value) -> Vec<(Path, String)> {
    let known = |map: Field<BTreeMap<String, Field<String>>>, base: Path| -> Vec<(Path, String)> {
        map.known()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((base.key(k.clone()), v.known()?.clone())))
            .collect()
    };
    let mut places = known(fields::string_map(value, "secrets"), at("secrets"));
    if let Some(sidecars) = value.get_attr(SIDECARS).and_then(Value::elements) {
        for (i, sidecar) in sidecars.iter().enumerate() {
            let base = at(SIDECARS).index(i as i64).attr("secrets");
            places.extend(known(fields::string_map(sidecar, "secrets"), base));
        }
    }
    places
}

pub async fn service(
    ctx: &Context,
    call: &CallContext,
    prior: &Value,
    planned: &Value,
) -> Diagnostics {
    checks_of(ctx, call, "ecsprod_service", prior, planned).await
}

/// A scheduled task's checks: its secrets exist (it has no host names).
pub async fn job(ctx: &Context, call: &CallContext, prior: &Value, planned: &Value) -> Diagnostics {
    checks_of(ctx, call, "ecsprod_scheduled_task", prior, planned).await
}

async fn checks_of(
    ctx: &Context,
    call: &CallContext,
    resource: &str,
    prior: &Value,
    planned: &Value,
) -> Diagnostics {
    let skip_account_lookup = ctx.config().is_some_and(|c| c.skip_requesting_account_id);
    let checks = ServiceChecks::from_plan(prior, planned, skip_account_lookup);
    if checks.is_empty() {
        return Diagnostics::new();
    }
    run(ctx, call, resource, |r| async move {
        check_service(&r, &checks).await
    })
    .await
}

/// Whether `domain` is the zone's name or a name inside the zone.
pub(super) fn in_zone(domain: &str, zone: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    domain == zone || domain.ends_with(&format!(".{zone}"))
}

async fn check_service(r: &Reader, checks: &ServiceChecks) -> Findings {
    let region = r.region().to_owned();
    // Secrets: SSM parameters of this region in one batch, Secrets Manager secrets one by one.
    let mut ssm: Vec<(&Path, String, &String)> = Vec::new();
    let mut sm: Vec<(&Path, String)> = Vec::new();
    for (key, arn) in &checks.secrets {
        if arn_region(arn) != region {
            continue;
        }
        match secret_kind(arn) {
            Some(SecretKind::SsmParameter { name, .. }) => ssm.push((key, name, arn)),
            Some(SecretKind::SecretsManager { secret_arn }) => sm.push((key, secret_arn)),
            None => {}
        }
    }
    let ssm_names: Vec<String> = ssm.iter().map(|(_, n, _)| n.clone()).collect();

    let read = |keys| r.session.lookup::<Secret>(keys, &r.limits);
    let secret_arns: Vec<String> = sm.iter().map(|(_, arn)| arn.clone()).collect();
    let (coverage, zone, parameters, account, secrets) = tokio::join!(
        async {
            match &checks.coverage {
                Some(c) => Some(first(
                    r.session
                        .lookup::<ServingCertificates>(
                            &[ServingKey {
                                cluster: c.cluster.clone(),
                                planned_certificate: c.planned_certificate.clone(),
                            }],
                            &r.limits,
                        )
                        .await,
                )),
                None => None,
            }
        },
        async {
            match &checks.zone {
                Some((zone_id, _)) => Some(first(
                    r.session
                        .lookup::<HostedZone>(std::slice::from_ref(zone_id), &r.limits)
                        .await,
                )),
                None => None,
            }
        },
        async {
            if ssm_names.is_empty() {
                None
            } else {
                Some(r.session.lookup::<Parameter>(&ssm_names, &r.limits).await)
            }
        },
        async {
            if ssm_names.is_empty() {
                None
            } else {
                Some(first(r.session.lookup::<Account>(&[()], &r.limits).await))
            }
        },
        read(&secret_arns),
    );
    let mut f = Findings::default();
    if let (
        Some(Coverage {
            cluster, domains, ..
        }),
        Some(result),
    ) = (&checks.coverage, coverage)
    {
        match result {
            Ok(Some(certs)) if !certs.is_empty() => {
                let names: Vec<String> = certs
                    .iter()
                    .flat_map(|cert| cert.names.iter().cloned())
                    .collect();
                for (path, domain) in domains {
                    if names.iter().any(|n| name_covers(n, domain)) {
                        continue;
                    }
                    f.error(
                        path.clone(),
                        &format!("Certificate does not cover {}", attribute_of(path)),
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
    if let (Some((zone_id, domains)), Some(result)) = (&checks.zone, zone) {
        match result {
            Ok(None) => f.error(
                at("zone_id"),
                "Hosted zone not found",
                format!("There is no Route53 hosted zone {zone_id}."),
            ),
            Ok(Some(name)) => {
                for (path, domain) in domains.iter().filter(|(_, d)| !in_zone(d, &name)) {
                    let attr = attribute_of(path);
                    // The zone is wrong for the main host; an extra host is wrong for the zone.
                    let place = if attr == "domain_name" {
                        at("zone_id")
                    } else {
                        path.clone()
                    };
                    f.error(
                        place,
                        &format!("{attr} is outside the hosted zone"),
                        format!(
                            "Hosted zone {zone_id} is {name}; {domain} is not {name} nor a name under it, so its alias record cannot be created there."
                        ),
                    );
                }
            }
            Err(e) => f.unchecked("the hosted zone (zone_id)", &e),
        }
    }
    match (parameters, account) {
        (Some(Ok(found)), Some(Ok(account))) => {
            let account = account.unwrap_or_default();
            for ((key, name, arn), exists) in ssm.iter().zip(found) {
                // A parameter shared from another account is not listed here: not checked.
                if arn_account(arn) == account && exists.is_none() {
                    f.error(
                        (*key).clone(),
                        "Secret not found",
                        format!("There is no SSM parameter {name} ({arn})."),
                    );
                }
            }
        }
        (Some(Err(e)), _) | (_, Some(Err(e))) => f.unchecked("the SSM parameters (secrets)", &e),
        _ => {}
    }
    let states: Vec<Result<SecretState, Error>> = match secrets {
        Ok(found) => found
            .into_iter()
            .map(|s| Ok(s.unwrap_or(SecretState::Missing)))
            .collect(),
        Err(e) => sm.iter().map(|_| Err(e.clone())).collect(),
    };
    for ((key, arn), state) in sm.iter().zip(states) {
        let path = (*key).clone();
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
