//! The instance types: each exists in the region and is offered in the private subnets'
//! Availability Zones, and all run one architecture (an AMI is built for one).

use std::collections::{BTreeMap, BTreeSet};

use super::{Findings, Reader, at};
use crate::blueprint::cluster::{self as bp, InstanceTypeFacts};
use crate::engine::Error;
use crate::engine::units::{InstanceTypes, TypeOfferings};

const ATTR: &str = "instance_types";

/// What EC2 says of the types: their facts and the zones that offer each.
pub(super) type Read = (
    Result<Vec<InstanceTypeFacts>, Error>,
    Result<BTreeMap<String, Vec<String>>, Error>,
);

/// Both reads, at once.
pub(super) async fn read(r: &Reader, types: &[String]) -> Read {
    let asked = [types.to_vec()];
    let (facts, offered) = tokio::join!(
        r.session.lookup::<InstanceTypes>(&asked, &r.limits),
        r.session.lookup::<TypeOfferings>(&asked, &r.limits),
    );
    (
        facts.map(|v| v.into_iter().next().flatten().unwrap_or_default()),
        offered.map(|v| v.into_iter().next().flatten().unwrap_or_default()),
    )
}

/// Findings on `types` (each element's name when known) given what EC2 says and the private
/// subnets' zones (`None` when they are not known).
pub(super) fn check(
    f: &mut Findings,
    types: &[Option<String>],
    read: Read,
    zones: Option<&BTreeSet<String>>,
) {
    let (facts, offered) = read;
    let facts = match facts {
        Ok(facts) => facts,
        Err(e) => {
            f.unchecked("the instance types (instance_types)", &e);
            return;
        }
    };
    let region_offers = offered.as_ref().ok();
    for (i, name) in types.iter().enumerate() {
        let Some(name) = name else { continue };
        let path = at(ATTR).index(i as i64);
        if !facts.iter().any(|t| &t.name == name) {
            f.error(
                path,
                "Unknown instance type",
                format!("EC2 has no instance type {name:?}."),
            );
            continue;
        }
        let (Some(offers), Some(zones)) = (region_offers, zones) else {
            continue;
        };
        let offered_in: BTreeSet<&String> = offers
            .get(name)
            .map(|z| z.iter().filter(|z| zones.contains(*z)).collect())
            .unwrap_or_default();
        let missing: Vec<&str> = zones
            .iter()
            .filter(|z| !offered_in.contains(z))
            .map(String::as_str)
            .collect();
        if offered_in.is_empty() {
            f.error(
                path,
                "Instance type not offered in the subnets' zones",
                format!(
                    "{name} is not offered in any Availability Zone of private_subnet_ids ({}): the group could never launch it. Choose types these zones offer.",
                    missing.join(", ")
                ),
            );
        } else if !missing.is_empty() {
            f.warning(
                path,
                "Instance type not offered in every zone",
                format!(
                    "{name} is not offered in {}: instances of this type launch only in the other zones of private_subnet_ids. List other types too so that every zone gets instances.",
                    missing.join(", ")
                ),
            );
        }
    }
    if let Err(e) = &offered {
        f.unchecked(
            "the zones that offer the instance types (instance_types)",
            e,
        );
    }
    let known: Vec<InstanceTypeFacts> = types
        .iter()
        .flatten()
        .filter_map(|n| facts.iter().find(|t| &t.name == n).cloned())
        .collect();
    if let Err(why) = bp::family(&known) {
        f.error(
            at(ATTR),
            "Instance types that need different AMIs",
            format!("{why}."),
        );
    }
}
