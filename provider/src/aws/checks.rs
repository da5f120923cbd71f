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
use super::unit::{Env, read_all, read_each};
use crate::blueprint::cluster::{HTTPS_PORT, names};

/// A VPC, by ID: found or not.
pub struct Vpc;

read_each! {
    Vpc: "VPC", String => (),
    |env, id| async move {
        Ok(network::vpc_exists(env.c(), id).await?.then_some(()))
    }
}

/// Subnets, by ID, all in one call.
pub struct Subnet;

read_all! {
    Subnet: "subnet", String => ObservedSubnet,
    |env, keys| {
        let found = network::subnets(env.c(), keys).await?;
        Ok(keys
            .iter()
            .map(|k| found.iter().find(|s| &s.id == k).cloned())
            .collect())
}
}

/// The route tables of a VPC.
pub struct RouteTables;

read_each! {
    RouteTables: "route tables", String => Vec<ObservedRouteTable>,
    |env, vpc| async move {
        Ok(Some(network::route_tables(env.c(), vpc).await?))
    }
}

/// An ACM certificate, by ARN.
pub struct Certificate;

read_each! {
    Certificate: "certificate", String => ObservedCertificate,
    gathers: true,
    |env, arn| certificate::describe(env.c(), arn)
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

read_each! {
    ServingCertificates: "certificates of the cluster's HTTPS listener", ServingKey => Vec<ObservedCertificate>,
    gathers: true,
    |env, k| serving(env, k)
}

/// A Route53 hosted zone's name (without the trailing dot), by zone ID.
pub struct HostedZone;

read_each! {
    HostedZone: "hosted zone", String => String,
    gathers: true,
    |env, zone| network::hosted_zone_name(env.c(), zone)
}

/// SSM parameters of the account, by name (metadata only), all in one batch.
pub struct Parameter;

read_all! {
    Parameter: "SSM parameter", String => (),
    gathers: true,
    |env, keys| {
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

read_each! {
    Account: "account", () => String,
    |env, _| async move {
        Ok(Some(super::caller::account_id(env.c()).await?))
    }
}

/// A Secrets Manager secret's state (metadata only), by ARN.
pub struct Secret;

read_each! {
    Secret: "secret", String => SecretState,
    gathers: true,
    |env, arn| async move {
        Ok(Some(parameters::secret_state(env.c(), arn).await?))
    }
}
