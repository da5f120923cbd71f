//! Tags of every object kind, by the API that tags it: read in as few calls as each API allows,
//! and written by difference (only keys that change are set, only stale keys removed). Keys
//! starting with `aws:` belong to AWS and are never touched.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::{Env, TagTarget, Tags};

/// What to set and what to remove so that `observed` becomes `desired`.
pub fn diff(desired: &Tags, observed: &Tags) -> (Tags, Vec<String>) {
    let set = desired
        .iter()
        .filter(|(k, v)| observed.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = observed
        .keys()
        .filter(|k| !desired.contains_key(*k) && !k.starts_with("aws:"))
        .cloned()
        .collect();
    (set, remove)
}

pub fn pairs<'a>(tags: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Tags {
    tags.into_iter()
        .filter_map(|(k, v)| Some((k?.to_owned(), v?.to_owned())))
        .collect()
}

/// The tags of every target: one call for all EC2 objects, one per 20 load balancer objects,
/// one for all Auto Scaling groups, one per object elsewhere (those APIs take one), all at once.
/// A target that no longer exists has no entry.
pub async fn read(env: &Env, targets: &[TagTarget]) -> Result<BTreeMap<TagTarget, Tags>, AwsError> {
    let c = env.c();
    let pick = |f: fn(&TagTarget) -> Option<&String>| -> Vec<String> {
        targets.iter().filter_map(f).cloned().collect()
    };
    let ec2 = pick(|t| match t {
        TagTarget::Ec2(id) => Some(id),
        _ => None,
    });
    let elbv2 = pick(|t| match t {
        TagTarget::Elbv2(arn) => Some(arn),
        _ => None,
    });
    let groups = pick(|t| match t {
        TagTarget::AutoScalingGroup(name) => Some(name),
        _ => None,
    });
    let mut singles: Vec<&TagTarget> = targets
        .iter()
        .filter(|t| {
            matches!(
                t,
                TagTarget::Ecs(_)
                    | TagTarget::IamRole(_)
                    | TagTarget::LogGroup(_)
                    | TagTarget::Alarm(_)
                    | TagTarget::CloudMap(_)
            )
        })
        .collect();
    let by_arn = |t: &TagTarget| matches!(t, TagTarget::LogGroup(_) | TagTarget::Alarm(_));
    let mut listed: Vec<&TagTarget> = Vec::new();
    if singles.iter().filter(|t| by_arn(t)).count() >= super::coalesce::MANY
        && !TAGGING_DENIED.load(Ordering::Relaxed)
    {
        (listed, singles) = singles.into_iter().partition(|t| by_arn(t));
    }
    let (ec2, elbv2, groups, singles, listed) = tokio::try_join!(
        read_ec2(c, &ec2),
        read_elbv2(c, &elbv2),
        read_groups(c, &groups),
        read_each(c, &singles),
        read_listed(c, &listed),
    )?;
    let mut out = BTreeMap::new();
    out.extend(ec2.into_iter().map(|(k, v)| (TagTarget::Ec2(k), v)));
    out.extend(elbv2.into_iter().map(|(k, v)| (TagTarget::Elbv2(k), v)));
    out.extend(
        groups
            .into_iter()
            .map(|(k, v)| (TagTarget::AutoScalingGroup(k), v)),
    );
    out.extend(
        singles
            .into_iter()
            .chain(listed)
            .filter_map(|(t, tags)| Some((t, tags?))),
    );
    Ok(out)
}

/// The tags of each target, one call each (`None`: the object is gone).
async fn read_each(
    c: &Clients,
    targets: &[&TagTarget],
) -> Result<Vec<(TagTarget, Option<Tags>)>, AwsError> {
    futures_util::future::try_join_all(
        targets
            .iter()
            .map(|t| async move { Ok::<_, AwsError>(((*t).clone(), read_one(c, t).await?)) }),
    )
    .await
}

/// Set once the Resource Groups Tagging API is refused: tags are then read object by object.
static TAGGING_DENIED: AtomicBool = AtomicBool::new(false);

/// Objects GetResources is asked about in one call.
const TAGGING_LIMIT: usize = 100;

/// The tags of many log groups and alarms from the Resource Groups Tagging API, a hundred per
/// call, instead of one call per object. It lists only objects that have tags: the others have
/// none. Refused, each object is read on its own.
async fn read_listed(
    c: &Clients,
    targets: &[&TagTarget],
) -> Result<Vec<(TagTarget, Option<Tags>)>, AwsError> {
    let arn = |t: &TagTarget| match t {
        TagTarget::LogGroup(a) | TagTarget::Alarm(a) => a.trim_end_matches(":*").to_owned(),
        _ => String::new(),
    };
    let arns: Vec<String> = targets.iter().map(|t| arn(t)).collect();
    let mut found: BTreeMap<String, Tags> = BTreeMap::new();
    for chunk in arns.chunks(TAGGING_LIMIT) {
        let mut token = None;
        loop {
            let answer = c
                .tagging
                .get_resources()
                .set_resource_arn_list(Some(chunk.to_vec()))
                .set_pagination_token(token)
                .send()
                .await
                .map_err(|e| aws_error("read tags", e));
            let page = match answer {
                Ok(page) => page,
                Err(e) if e.code().is_some_and(|c| c.contains("AccessDenied")) => {
                    tracing::debug!(error = %e, "tags are read object by object");
                    TAGGING_DENIED.store(true, Ordering::Relaxed);
                    return read_each(c, targets).await;
                }
                Err(e) => return Err(e),
            };
            for m in page.resource_tag_mapping_list() {
                if let Some(arn) = m.resource_arn() {
                    found.insert(
                        arn.trim_end_matches(":*").to_owned(),
                        pairs(m.tags().iter().map(|t| (Some(t.key()), Some(t.value())))),
                    );
                }
            }
            match page.pagination_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => break,
            }
        }
    }
    Ok(targets
        .iter()
        .zip(arns)
        .map(|(t, a)| ((*t).clone(), Some(found.remove(&a).unwrap_or_default())))
        .collect())
}

async fn read_ec2(c: &Clients, ids: &[String]) -> Result<BTreeMap<String, Tags>, AwsError> {
    let mut out: BTreeMap<String, Tags> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let found = c
        .ec2
        .describe_tags()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("resource-id")
                .set_values(Some(ids.to_vec()))
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("read EC2 tags", e))?;
    for id in ids {
        out.insert(id.clone(), Tags::new());
    }
    for t in found.tags() {
        if let (Some(id), Some(k), Some(v)) = (t.resource_id(), t.key(), t.value()) {
            out.entry(id.to_owned())
                .or_default()
                .insert(k.to_owned(), v.to_owned());
        }
    }
    Ok(out)
}

/// The tags of load balancers, listeners, rules and target groups, by ARN, 20 ARNs a call.
/// The tags of load balancers, listeners, rules and target groups, twenty per call. One object
/// that is gone fails the whole call: that chunk's objects are then read one by one, so the gone
/// one alone has no tags.
pub async fn read_elbv2(c: &Clients, arns: &[String]) -> Result<BTreeMap<String, Tags>, AwsError> {
    let mut out = BTreeMap::new();
    let mut chunks: Vec<Vec<String>> = arns.chunks(20).map(<[String]>::to_vec).collect();
    while let Some(chunk) = chunks.pop() {
        let described = match c
            .elbv2
            .describe_tags()
            .set_resource_arns(Some(chunk.clone()))
            .send()
            .await
        {
            Ok(d) => d,
            Err(e) => {
                let err = aws_error("read load balancer tags", e);
                if !err.code().is_some_and(|c| c.ends_with("NotFound")) {
                    return Err(err);
                }
                if chunk.len() > 1 {
                    chunks.extend(chunk.into_iter().map(|arn| vec![arn]));
                }
                continue;
            }
        };
        for d in described.tag_descriptions() {
            if let Some(arn) = d.resource_arn() {
                out.insert(
                    arn.to_owned(),
                    pairs(d.tags().iter().map(|t| (t.key(), t.value()))),
                );
            }
        }
    }
    Ok(out)
}

async fn read_groups(c: &Clients, names: &[String]) -> Result<BTreeMap<String, Tags>, AwsError> {
    if names.is_empty() {
        return Ok(BTreeMap::new());
    }
    let groups = super::auto_scaling_group::describe_many(c, names).await?;
    Ok(groups
        .into_iter()
        .flatten()
        .map(|g| (g.name, g.tags))
        .collect())
}

/// Tags of one object whose API reads one at a time; `None` when it is gone.
async fn read_one(c: &Clients, target: &TagTarget) -> Result<Option<Tags>, AwsError> {
    let gone = |e: &AwsError| {
        matches!(
            e.code(),
            Some(
                "NoSuchEntity"
                    | "ResourceNotFoundException"
                    | "ClientException"
                    | "NamespaceNotFound"
            )
        )
    };
    let result = match target {
        TagTarget::Ecs(arn) => c
            .ecs
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map(|o| pairs(o.tags().iter().map(|t| (t.key(), t.value()))))
            .map_err(|e| aws_error("read ECS tags", e)),
        TagTarget::IamRole(name) => c
            .iam
            .list_role_tags()
            .role_name(name)
            .send()
            .await
            .map(|o| pairs(o.tags().iter().map(|t| (Some(t.key()), Some(t.value())))))
            .map_err(|e| aws_error("read IAM role tags", e)),
        TagTarget::LogGroup(arn) => c
            .logs
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map(|o| o.tags().cloned().unwrap_or_default().into_iter().collect())
            .map_err(|e| aws_error("read log group tags", e)),
        TagTarget::Alarm(arn) => c
            .cloudwatch
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map(|o| pairs(o.tags().iter().map(|t| (t.key(), t.value()))))
            .map_err(|e| aws_error("read alarm tags", e)),
        TagTarget::CloudMap(arn) => c
            .cloudmap
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map(|o| pairs(o.tags().iter().map(|t| (Some(t.key()), Some(t.value())))))
            .map_err(|e| aws_error("read Cloud Map tags", e)),
        _ => Ok(Tags::new()),
    };
    match result {
        Ok(t) => Ok(Some(t)),
        Err(e) if gone(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Sets what `observed` lacks of `desired` and removes what it has beyond it; no call when they
/// agree.
pub async fn write(
    env: &Env,
    target: &TagTarget,
    desired: &Tags,
    observed: &Tags,
) -> Result<(), AwsError> {
    let (set, remove) = diff(desired, observed);
    let c = env.c();
    if !set.is_empty() {
        super::tag_writes::set(c, target, &set).await?;
    }
    if !remove.is_empty() {
        super::tag_writes::remove(c, target, &remove).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().map(|&(k, v)| (k.into(), v.into())).collect()
    }

    #[test]
    fn diff_sets_changed_and_removes_stale_but_never_aws_keys() {
        let desired = tags(&[("Team", "core"), ("Env", "prod")]);
        let observed = tags(&[
            ("Team", "old"),
            ("Stale", "x"),
            ("aws:cloudformation:stack", "s"),
        ]);
        let (set, remove) = diff(&desired, &observed);
        assert_eq!(set, tags(&[("Env", "prod"), ("Team", "core")]));
        assert_eq!(remove, vec!["Stale".to_owned()]);
    }
}

/// The tags of objects whose read does not report them, gathered across resources (see
/// [`super::coalesce`]); a target no longer found has none.
pub struct TagsOf;

super::unit::read_all! {
    TagsOf: "tags", TagTarget => Tags,
    gathers: true,
    |env, keys| {
        let found = read(env, keys).await?;
        Ok(keys.iter().map(|k| Some(found.get(k).cloned().unwrap_or_default())).collect())
    }
}
