//! Route53 alias records pointing service host names at the shared load balancer: found by
//! zone and name (on import, by name in the zones that could hold it), written with UPSERT,
//! replaced when the name or zone changes, deleted with the exact record AWS holds.

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecordSet, RrType,
};

use super::Clients;
use super::retry::{AwsError, aws_error, unless_gone};
use super::unit::{Change as UnitChange, Changes, Env, Leftovers, Unit, read_all};
use crate::blueprint::service::AliasRecordSpec;

/// Route53 puts the zone ID (and, for reads, the record name) in the request URI; the SDK
/// cannot build a request from values no zone or record can have, so they are refused here,
/// before any call.
pub fn check_identifiers(step: &str, zone_id: &str, name: &str) -> Result<(), AwsError> {
    let id = crate::blueprint::service::bare_zone_id(zone_id);
    if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AwsError::new(
            step,
            format!("{zone_id:?} is not a Route53 hosted zone ID"),
        ));
    }
    if name.len() > 255 {
        return Err(AwsError::new(
            step,
            "the record name is longer than DNS allows (255 characters)",
        ));
    }
    Ok(())
}

fn change(action: ChangeAction, spec: &AliasRecordSpec) -> Result<Change, AwsError> {
    let step = "change alias record";
    let target = AliasTarget::builder()
        .dns_name(&spec.alias_dns_name)
        .hosted_zone_id(&spec.alias_zone_id)
        .evaluate_target_health(spec.evaluate_target_health)
        .build()
        .map_err(|e| AwsError::new(step, e.to_string()))?;
    let record = ResourceRecordSet::builder()
        .name(&spec.name)
        .r#type(RrType::from(spec.record_type.as_str()))
        .alias_target(target)
        .build()
        .map_err(|e| AwsError::new(step, e.to_string()))?;
    Change::builder()
        .action(action)
        .resource_record_set(record)
        .build()
        .map_err(|e| AwsError::new(step, e.to_string()))
}

async fn submit(c: &Clients, zone_id: &str, change: Change, step: &str) -> Result<(), AwsError> {
    let name = change.resource_record_set().map(|r| r.name()).unwrap_or("");
    check_identifiers(step, zone_id, name)?;
    let batch = ChangeBatch::builder()
        .changes(change)
        .build()
        .map_err(|e| AwsError::new(step, e.to_string()))?;
    c.route53
        .change_resource_record_sets()
        .hosted_zone_id(zone_id)
        .change_batch(batch)
        .send()
        .await
        .map_err(|e| aws_error(step, e))?;
    Ok(())
}

/// Whether two alias target DNS names are the same target: Route53 answers them fully
/// qualified, in lower case, and may add `dualstack.` to a load balancer's name.
pub fn same_alias_target(a: &str, b: &str) -> bool {
    let norm = |n: &str| {
        let n = n.trim_end_matches('.').to_ascii_lowercase();
        n.strip_prefix("dualstack.").map(str::to_owned).unwrap_or(n)
    };
    norm(a) == norm(b)
}

/// Creates or corrects the alias record (UPSERT is idempotent).
async fn upsert(c: &Clients, spec: &AliasRecordSpec) -> Result<(), AwsError> {
    submit(
        c,
        &spec.zone_id,
        change(ChangeAction::Upsert, spec)?,
        "create alias record",
    )
    .await
}

/// A record name as Route53 compares it: lower case, `*` and other characters it escapes as
/// `\NNN` (octal) decoded.
fn record_name(name: &str) -> String {
    let mut out = String::new();
    let mut chars = name.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '\\' {
            let digits: String = chars.clone().take(3).collect();
            if digits.len() == 3
                && digits.chars().all(|d| d.is_digit(8))
                && let Ok(code) = u8::from_str_radix(&digits, 8)
            {
                out.push(char::from(code));
                for _ in 0..3 {
                    chars.next();
                }
                continue;
            }
        }
        out.push(ch);
    }
    out.to_ascii_lowercase()
}

/// The record's alias target, if the record exists (not when its zone is gone either).
pub async fn describe(
    c: &Clients,
    zone_id: &str,
    name: &str,
) -> Result<Option<AliasTarget>, AwsError> {
    check_identifiers("read alias record", zone_id, name)?;
    let found = c
        .route53
        .list_resource_record_sets()
        .hosted_zone_id(zone_id)
        .start_record_name(name)
        .start_record_type(RrType::A)
        .max_items(1)
        .send()
        .await
        .map_err(|e| aws_error("read alias record", e));
    let Some(out) = unless_gone(found, "NoSuchHostedZone")? else {
        return Ok(None);
    };
    Ok(out
        .resource_record_sets()
        .iter()
        .find(|r| record_name(r.name()) == record_name(name) && *r.r#type() == RrType::A)
        .and_then(|r| r.alias_target())
        .cloned())
}

/// The hosted zone (ID without prefix) holding an alias A record for `name` (with trailing dot).
pub async fn find_alias_zone(c: &Clients, name: &str) -> Result<Option<String>, AwsError> {
    let zones = c
        .route53
        .list_hosted_zones()
        .send()
        .await
        .map_err(|e| aws_error("list hosted zones", e))?;
    for zone in zones.hosted_zones() {
        if !name.ends_with(zone.name()) {
            continue;
        }
        let id = crate::blueprint::service::bare_zone_id(zone.id()).to_owned();
        if describe(c, &id, name).await?.is_some() {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Where an alias record is found: its zone (`None`: any zone whose name the record's ends
/// with) and its fully qualified name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasKey {
    pub zone_id: Option<String>,
    pub name: String,
}

/// An alias record as Route53 holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedAlias {
    pub zone_id: String,
    pub name: String,
    pub dns_name: String,
    pub hosted_zone_id: String,
    pub evaluate_target_health: bool,
}

impl ObservedAlias {
    fn as_spec(&self) -> AliasRecordSpec {
        AliasRecordSpec {
            zone_id: self.zone_id.clone(),
            name: self.name.clone(),
            record_type: "A".into(),
            alias_dns_name: self.dns_name.clone(),
            alias_zone_id: self.hosted_zone_id.clone(),
            evaluate_target_health: self.evaluate_target_health,
        }
    }
}

async fn find(c: &Clients, key: &AliasKey) -> Result<Option<ObservedAlias>, AwsError> {
    let zone = match &key.zone_id {
        Some(z) => Some(z.clone()),
        None => find_alias_zone(c, &key.name).await?,
    };
    let Some(zone) = zone else {
        return Ok(None);
    };
    Ok(describe(c, &zone, &key.name)
        .await?
        .map(|t| observed(&zone, &key.name, &t)))
}

fn as_written(spec: &AliasRecordSpec) -> ObservedAlias {
    ObservedAlias {
        zone_id: spec.zone_id.clone(),
        name: spec.name.clone(),
        dns_name: spec.alias_dns_name.clone(),
        hosted_zone_id: spec.alias_zone_id.clone(),
        evaluate_target_health: spec.evaluate_target_health,
    }
}

/// Record sets ListResourceRecordSets returns per page at most.
const PAGE: i32 = 300;

/// Where Route 53 lists a name in its zone: as AWS documents the order, the name in lower case
/// with its labels reversed (`com.example.www.`), compared as a string, so `api-v2.example.com`
/// comes before `api.example.com`.
fn zone_order(name: &str) -> String {
    let name = record_name(name);
    let mut labels: Vec<&str> = name.trim_end_matches('.').split('.').collect();
    labels.reverse();
    format!("{}.", labels.join("."))
}

/// The alias targets of the A records `names` in `zone`, in order. Route 53 lists a zone in
/// name order, so the records are read page by page from the first name to the last; after as
/// many pages as there are names, the names not reached yet are read one by one.
async fn describe_in_zone(
    c: &Clients,
    zone: &str,
    names: &[&str],
) -> Result<Vec<Option<AliasTarget>>, AwsError> {
    for name in names {
        check_identifiers("read alias record", zone, name)?;
    }
    let mut sorted: Vec<&str> = names.to_vec();
    sorted.sort_by_key(|n| zone_order(n));
    let (Some(first), Some(last)) = (sorted.first(), sorted.last()) else {
        return Ok(Vec::new());
    };
    let last = zone_order(last);
    let mut listed: Vec<(String, Option<AliasTarget>)> = Vec::new();
    let mut start = Some(((*first).to_owned(), RrType::A));
    let mut reached = String::new();
    for _ in 0..names.len() {
        let Some((name, kind)) = start.take() else {
            break;
        };
        let found = c
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .start_record_name(name)
            .start_record_type(kind)
            .max_items(PAGE)
            .send()
            .await
            .map_err(|e| aws_error("read alias records", e));
        let Some(out) = unless_gone(found, "NoSuchHostedZone")? else {
            return Ok(vec![None; names.len()]);
        };
        for r in out.resource_record_sets() {
            let name = record_name(r.name()).trim_end_matches('.').to_owned();
            if *r.r#type() == RrType::A {
                listed.push((name.clone(), r.alias_target().cloned()));
            }
            reached = zone_order(&name);
        }
        if out.is_truncated() && reached <= last {
            start = out.next_record_name().map(|n| {
                (
                    n.to_owned(),
                    out.next_record_type().cloned().unwrap_or(RrType::A),
                )
            });
        }
    }
    let each = names.iter().map(|n| {
        let name = record_name(n).trim_end_matches('.').to_owned();
        let seen = zone_order(n) <= reached || start.is_none();
        let target = listed
            .iter()
            .find(|(l, _)| *l == name)
            .and_then(|(_, t)| t.clone());
        async move {
            if seen {
                Ok(target)
            } else {
                describe(c, zone, n).await
            }
        }
    });
    futures_util::future::try_join_all(each).await
}

/// The records of `keys`, in order: those of one zone read together, the others on their own.
async fn find_many(c: &Clients, keys: &[AliasKey]) -> Result<Vec<Option<ObservedAlias>>, AwsError> {
    if let [one] = keys {
        return Ok(vec![find(c, one).await?]);
    }
    let mut found = vec![None; keys.len()];
    let mut zones: Vec<&str> = keys.iter().filter_map(|k| k.zone_id.as_deref()).collect();
    zones.sort_unstable();
    zones.dedup();
    for zone in zones {
        let (at, names): (Vec<usize>, Vec<&str>) = keys
            .iter()
            .enumerate()
            .filter(|(_, k)| k.zone_id.as_deref() == Some(zone))
            .map(|(i, k)| (i, k.name.as_str()))
            .unzip();
        let targets = describe_in_zone(c, zone, &names).await?;
        for (i, target) in at.into_iter().zip(targets) {
            found[i] = target.map(|t| observed(zone, &keys[i].name, &t));
        }
    }
    for (i, key) in keys.iter().enumerate() {
        if key.zone_id.is_none() {
            found[i] = find(c, key).await?;
        }
    }
    Ok(found)
}

fn observed(zone: &str, name: &str, t: &AliasTarget) -> ObservedAlias {
    ObservedAlias {
        zone_id: zone.to_owned(),
        name: name.to_owned(),
        dns_name: t.dns_name().to_owned(),
        hosted_zone_id: t.hosted_zone_id().to_owned(),
        evaluate_target_health: t.evaluate_target_health(),
    }
}

pub struct AliasRecord;

read_all! {
    /// The records of one zone read together (see `describe_in_zone`).
    AliasRecord: "alias record", AliasKey => ObservedAlias,
    gathers: true,
    |env, keys| {
        find_many(env.c(), keys).await
    }
}

impl Unit for AliasRecord {
    type Desired = AliasRecordSpec;

    fn diff(desired: &AliasRecordSpec, observed: &ObservedAlias) -> Vec<UnitChange> {
        Changes::new()
            .check_replace(
                "name",
                record_name(&observed.name) != record_name(&desired.name)
                    || observed.zone_id != desired.zone_id,
            )
            .check(
                "target",
                !same_alias_target(&observed.dns_name, &desired.alias_dns_name)
                    || observed.hosted_zone_id != desired.alias_zone_id
                    || observed.evaluate_target_health != desired.evaluate_target_health,
            )
            .done()
    }

    async fn create(
        env: &Env,
        _: &AliasKey,
        desired: &AliasRecordSpec,
    ) -> Result<ObservedAlias, AwsError> {
        upsert(env.c(), desired).await?;
        Ok(as_written(desired))
    }

    async fn update(
        env: &Env,
        desired: &AliasRecordSpec,
        _: &ObservedAlias,
        _: &[UnitChange],
    ) -> Result<ObservedAlias, AwsError> {
        upsert(env.c(), desired).await?;
        Ok(as_written(desired))
    }

    async fn delete(env: &Env, observed: &ObservedAlias) -> Result<(), AwsError> {
        delete_alias(env, observed).await
    }
}

/// Deletes the record as AWS holds it (Route53 deletes only an exact match); one already gone
/// is fine.
async fn delete_alias(env: &Env, observed: &ObservedAlias) -> Result<(), AwsError> {
    let spec = observed.as_spec();
    match submit(
        env.c(),
        &spec.zone_id,
        change(ChangeAction::Delete, &spec)?,
        "delete alias record",
    )
    .await
    {
        Err(e) if e.code() == Some("InvalidChangeBatch") => {
            // Already gone (or changed since it was read): gone is fine.
            match find(
                env.c(),
                &AliasKey {
                    zone_id: Some(spec.zone_id.clone()),
                    name: spec.name.clone(),
                },
            )
            .await?
            {
                None => Ok(()),
                Some(_) => Err(e),
            }
        }
        other => other,
    }
}

/// A service's alias records of host names it no longer routes, or in a zone it no longer uses:
/// deleted once the records it keeps are written, so a name that only moves between
/// `domain_name` and `additional_domain_names` is never deleted.
pub struct RetiredAliases;

// Keyed by the records' zone and name; read as those that exist.
read_all! {
    RetiredAliases: "earlier alias records", Vec<AliasKey> => Vec<ObservedAlias>,
    |env, keys| {
        let mut out = Vec::new();
        for records in keys {
            let found =
                futures_util::future::try_join_all(records.iter().map(|k| find(env.c(), k)))
                    .await?;
            let existing: Vec<ObservedAlias> = found.into_iter().flatten().collect();
            out.push((!existing.is_empty()).then_some(existing));
        }
        Ok(out)
}
}

impl Leftovers for RetiredAliases {
    type Item = ObservedAlias;

    async fn delete_one(env: &Env, item: &ObservedAlias) -> Result<(), AwsError> {
        delete_alias(env, item).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_targets_compare_without_case_final_dot_or_dualstack() {
        assert!(same_alias_target(
            "dualstack.prod-alb-1.ap-south-1.elb.amazonaws.com.",
            "prod-alb-1.ap-south-1.elb.amazonaws.com"
        ));
        assert!(same_alias_target("Prod-ALB.example.", "prod-alb.example"));
        assert!(!same_alias_target("other-alb.example.", "prod-alb.example"));
    }

    #[test]
    fn a_zone_lists_names_by_their_reversed_labels_as_one_string() {
        let mut names = [
            "b.example.test.",
            "api.example.test",
            "a.b.example.test",
            "Z.example.test",
            "api-v2.example.test.",
        ];
        names.sort_by_key(|n| zone_order(n));
        assert_eq!(
            names,
            [
                "api-v2.example.test.",
                "api.example.test",
                "b.example.test.",
                "a.b.example.test",
                "Z.example.test"
            ]
        );
    }

    #[test]
    fn record_names_compare_as_route53_escapes_them() {
        assert_eq!(record_name("\\052.Example.TEST."), "*.example.test.");
        assert_eq!(record_name("api.example.test."), "api.example.test.");
        assert_eq!(record_name("a\\0b.test."), "a\\0b.test.");
    }
}
