//! What the plan-time checks read of what a user brings (the VPC, subnets, route tables,
//! certificates, hosted zone, secrets' metadata), each as a kind that is only read. Missing
//! objects read as none; nothing is ever changed, and secret values are never read.

use std::collections::BTreeSet;

use super::certificate::{self, ObservedCertificate};
use super::listener::listeners;
use super::load_balancer;
use super::network::{self, ObservedRouteTable, ObservedSubnet};
use super::parameters::{self, SecretState};
use super::retry::AwsError;
use super::unit::{Env, Lookup, each};
use crate::blueprint::cluster::{HTTPS_PORT, names};

/// A VPC, by ID: found or not.
pub struct Vpc;

impl Lookup for Vpc {
    const KIND: &'static str = "VPC";
    type Key = String;
    type Observed = ();

    async fn read(env: &Env, keys: &[String]) -> Result<Vec<Option<()>>, AwsError> {
        each(keys, move |id| async move {
            Ok(network::vpc_exists(env.c(), id).await?.then_some(()))
        })
        .await
    }
}

/// Subnets, by ID, all in one call.
pub struct Subnet;

impl Lookup for Subnet {
    const KIND: &'static str = "subnet";
    type Key = String;
    type Observed = ObservedSubnet;

    async fn read(env: &Env, keys: &[String]) -> Result<Vec<Option<ObservedSubnet>>, AwsError> {
        let found = network::subnets(env.c(), keys).await?;
        Ok(keys
            .iter()
            .map(|k| found.iter().find(|s| &s.id == k).cloned())
            .collect())
    }
}

/// The route tables of a VPC.
pub struct RouteTables;

impl Lookup for RouteTables {
    const KIND: &'static str = "route tables";
    /// The VPC.
    type Key = String;
    type Observed = Vec<ObservedRouteTable>;

    async fn read(
        env: &Env,
        keys: &[String],
    ) -> Result<Vec<Option<Vec<ObservedRouteTable>>>, AwsError> {
        each(keys, move |vpc| async move {
            Ok(Some(network::route_tables(env.c(), vpc).await?))
        })
        .await
    }
}

/// An ACM certificate, by ARN.
pub struct Certificate;

impl Lookup for Certificate {
    const KIND: &'static str = "certificate";
    type Key = String;
    type Observed = ObservedCertificate;

    async fn read(
        env: &Env,
        keys: &[String],
    ) -> Result<Vec<Option<ObservedCertificate>>, AwsError> {
        each(keys, move |arn| certificate::describe(env.c(), arn)).await
    }
}

/// Whose HTTPS listener, and with which certificate it is planned in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServingKey {
    pub cluster: String,
    pub planned_certificate: Option<String>,
}

/// The certificates that will serve a cluster's HTTPS listener: the one the cluster is planned
/// with (replacing the listener's default) and those the listener serves now. None when there
/// is none to check (the cluster and its listener do not exist yet and it is not planned).
pub struct ServingCertificates;

async fn serving(
    env: &Env,
    key: &ServingKey,
) -> Result<Option<Vec<ObservedCertificate>>, AwsError> {
    let c = env.c();
    let planned = key.planned_certificate.as_deref();
    let mut arns: Vec<String> = planned.into_iter().map(str::to_owned).collect();
    let n = names(&key.cluster);
    if let Some(lb) = load_balancer::describe(c, &n.load_balancer).await?
        && let Some(https) = listeners(c, &lb.arn)
            .await?
            .into_iter()
            .find(|l| l.port == HTTPS_PORT)
    {
        for cert in certificate::listener_certificates(c, &https.arn).await? {
            // The planned certificate replaces the default one; the SNI ones stay.
            if !(arns.contains(&cert.arn) || cert.default && planned.is_some()) {
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

impl Lookup for ServingCertificates {
    const KIND: &'static str = "certificates of the cluster's HTTPS listener";
    type Key = ServingKey;
    type Observed = Vec<ObservedCertificate>;

    async fn read(
        env: &Env,
        keys: &[ServingKey],
    ) -> Result<Vec<Option<Vec<ObservedCertificate>>>, AwsError> {
        each(keys, move |k| serving(env, k)).await
    }
}

/// A Route53 hosted zone's name (without the trailing dot), by zone ID.
pub struct HostedZone;

impl Lookup for HostedZone {
    const KIND: &'static str = "hosted zone";
    type Key = String;
    type Observed = String;

    async fn read(env: &Env, keys: &[String]) -> Result<Vec<Option<String>>, AwsError> {
        each(keys, move |zone| network::hosted_zone_name(env.c(), zone)).await
    }
}

/// SSM parameters of the account, by name (metadata only), all in one batch.
pub struct Parameter;

impl Lookup for Parameter {
    const KIND: &'static str = "SSM parameter";
    type Key = String;
    type Observed = ();

    async fn read(env: &Env, keys: &[String]) -> Result<Vec<Option<()>>, AwsError> {
        let found: BTreeSet<String> = parameters::existing_parameters(env.c(), keys)
            .await?
            .into_iter()
            .collect();
        Ok(keys
            .iter()
            .map(|k| found.contains(k).then_some(()))
            .collect())
    }
}

/// The account the credentials belong to.
pub struct Account;

impl Lookup for Account {
    const KIND: &'static str = "account";
    type Key = ();
    type Observed = String;

    async fn read(env: &Env, keys: &[()]) -> Result<Vec<Option<String>>, AwsError> {
        each(keys, move |_| async move {
            Ok(Some(parameters::account_id(env.c()).await?))
        })
        .await
    }
}

/// A Secrets Manager secret's state (metadata only), by ARN.
pub struct Secret;

impl Lookup for Secret {
    const KIND: &'static str = "secret";
    type Key = String;
    type Observed = SecretState;

    async fn read(env: &Env, keys: &[String]) -> Result<Vec<Option<SecretState>>, AwsError> {
        each(keys, move |arn| async move {
            Ok(Some(parameters::secret_state(env.c(), arn).await?))
        })
        .await
    }
}
