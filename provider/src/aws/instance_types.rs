//! What EC2 says of instance types: their architectures and GPUs (DescribeInstanceTypes), and
//! the Availability Zones that offer them (DescribeInstanceTypeOfferings). Both are AWS's own
//! facts, the same for every resource: each type is asked about once per provider process (one
//! plan or apply), however many clusters use it.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use aws_sdk_ec2::types::{Filter, InstanceTypeInfo, LocationType};

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::read_each;
use crate::blueprint::cluster::InstanceTypeFacts;

/// What EC2 said of each type asked about, by region and type. Held across the call that
/// fills it, so that resources planned at once wait for one call instead of each making one.
type Remembered<T> = tokio::sync::Mutex<HashMap<(String, String), T>>;

/// What `fetch` says of each of `types` in the clients' region (`T::default()` for a type it
/// says nothing of), asking it only about the types not asked about yet.
async fn remembered<T, F, Fut>(
    memory: &Remembered<T>,
    c: &Clients,
    types: &[String],
    fetch: F,
) -> Result<Vec<(String, T)>, AwsError>
where
    T: Clone + Default,
    F: FnOnce(Vec<String>) -> Fut,
    Fut: std::future::Future<Output = Result<BTreeMap<String, T>, AwsError>>,
{
    let key = |t: &String| (c.region.clone(), t.clone());
    let mut m = memory.lock().await;
    let missing: Vec<String> = types
        .iter()
        .filter(|t| !m.contains_key(&key(t)))
        .cloned()
        .collect();
    if !missing.is_empty() {
        let mut found = fetch(missing.clone()).await?;
        for t in &missing {
            m.insert(key(t), found.remove(t).unwrap_or_default());
        }
    }
    Ok(types
        .iter()
        .filter_map(|t| Some((t.clone(), m.get(&key(t))?.clone())))
        .collect())
}

fn facts(info: &InstanceTypeInfo) -> InstanceTypeFacts {
    InstanceTypeFacts {
        name: info
            .instance_type()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        architectures: info
            .processor_info()
            .map(|p| {
                p.supported_architectures()
                    .iter()
                    .map(|a| a.as_str().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        gpus: info
            .gpu_info()
            .map(|g| g.gpus().iter().filter_map(|d| d.count()).sum())
            .unwrap_or(0),
    }
}

/// The types' facts in one call; a type EC2 does not know is left out.
async fn describe(c: &Clients, types: &[String]) -> Result<Vec<InstanceTypeFacts>, AwsError> {
    let step = "describe instance types";
    let asked = c
        .ec2
        .describe_instance_types()
        .set_instance_types(Some(types.iter().map(|t| t.as_str().into()).collect()))
        .send()
        .await
        .map_err(|e| aws_error(step, e));
    match asked {
        Ok(out) => Ok(out.instance_types().iter().map(facts).collect()),
        // One unknown type fails the whole call: ask for each on its own.
        Err(e) if e.code() == Some("InvalidInstanceType") && types.len() > 1 => {
            let each_type = types.iter().map(|t| async move {
                match Box::pin(describe(c, std::slice::from_ref(t))).await {
                    Ok(found) => Ok(found),
                    Err(e) if e.code() == Some("InvalidInstanceType") => Ok(Vec::new()),
                    Err(e) => Err(e),
                }
            });
            let found = futures_util::future::try_join_all(each_type).await?;
            Ok(found.into_iter().flatten().collect())
        }
        Err(e) if e.code() == Some("InvalidInstanceType") => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The facts of each of `types` that exists.
async fn types_facts(c: &Clients, types: &[String]) -> Result<Vec<InstanceTypeFacts>, AwsError> {
    static KNOWN: OnceLock<Remembered<Option<InstanceTypeFacts>>> = OnceLock::new();
    let found = remembered(
        KNOWN.get_or_init(Default::default),
        c,
        types,
        |missing| async move {
            let facts = describe(c, &missing).await?;
            Ok(facts
                .into_iter()
                .map(|f| (f.name.clone(), Some(f)))
                .collect())
        },
    )
    .await?;
    Ok(found.into_iter().filter_map(|(_, f)| f).collect())
}

/// Instance types, by name: the facts of those that exist.
pub struct InstanceTypes;

read_each! {
    InstanceTypes: "instance types", Vec<String> => Vec<InstanceTypeFacts>,
    |env, types| async move {
        types_facts(env.c(), types).await.map(Some)
    }
}

/// The region's Availability Zones that offer each of some instance types (by the types; a
/// type no zone offers is absent).
pub struct TypeOfferings;

/// The zones that offer each of `types`, in one paginated call.
async fn offerings(
    c: &Clients,
    types: &[String],
) -> Result<BTreeMap<String, Vec<String>>, AwsError> {
    let mut pages = c
        .ec2
        .describe_instance_type_offerings()
        .location_type(LocationType::AvailabilityZone)
        .filters(
            Filter::builder()
                .name("instance-type")
                .set_values(Some(types.to_vec()))
                .build(),
        )
        .into_paginator()
        .send();
    let mut offered: BTreeMap<String, Vec<String>> = BTreeMap::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error("describe instance type offerings", e))?;
        for o in page.instance_type_offerings() {
            if let (Some(t), Some(zone)) = (o.instance_type(), o.location()) {
                offered
                    .entry(t.as_str().to_owned())
                    .or_default()
                    .push(zone.to_owned());
            }
        }
    }
    offered.values_mut().for_each(|zones| zones.sort());
    Ok(offered)
}

/// The zones that offer each of `types`, asking EC2 only about types not asked about yet.
async fn region_offerings(
    c: &Clients,
    types: &[String],
) -> Result<BTreeMap<String, Vec<String>>, AwsError> {
    static OFFERED: OnceLock<Remembered<Vec<String>>> = OnceLock::new();
    let found = remembered(
        OFFERED.get_or_init(Default::default),
        c,
        types,
        |missing| async move { offerings(c, &missing).await },
    )
    .await?;
    Ok(found
        .into_iter()
        .filter(|(_, zones)| !zones.is_empty())
        .collect())
}

read_each! {
    TypeOfferings: "instance type offerings", Vec<String> => BTreeMap<String, Vec<String>>,
    |env, types| async move {
        region_offerings(env.c(), types).await.map(Some)
    }
}
