//! Tags of every object kind, by the API that tags it: read in as few calls as each API allows,
//! and written by difference (only keys that change are set, only stale keys removed). Keys
//! starting with `aws:` belong to AWS and are never touched.

use std::collections::BTreeMap;

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
    let singles = targets.iter().filter(|t| {
        matches!(
            t,
            TagTarget::Ecs(_)
                | TagTarget::IamRole(_)
                | TagTarget::LogGroup(_)
                | TagTarget::Alarm(_)
                | TagTarget::CloudMap(_)
        )
    });
    let (ec2, elbv2, groups, singles) = tokio::try_join!(
        read_ec2(c, &ec2),
        read_elbv2(c, &elbv2),
        read_groups(c, &groups),
        futures_util::future::try_join_all(
            singles.map(|t| async move { Ok::<_, AwsError>((t.clone(), read_one(c, t).await?)) })
        ),
    )?;
    let mut out = BTreeMap::new();
    out.extend(ec2.into_iter().map(|(k, v)| (TagTarget::Ec2(k), v)));
    out.extend(elbv2.into_iter().map(|(k, v)| (TagTarget::Elbv2(k), v)));
    out.extend(
        groups
            .into_iter()
            .map(|(k, v)| (TagTarget::AutoScalingGroup(k), v)),
    );
    out.extend(singles.into_iter().filter_map(|(t, tags)| Some((t, tags?))));
    Ok(out)
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
pub async fn read_elbv2(c: &Clients, arns: &[String]) -> Result<BTreeMap<String, Tags>, AwsError> {
    let mut out = BTreeMap::new();
    for chunk in arns.chunks(20) {
        let described = match c
            .elbv2
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await
        {
            Ok(d) => d,
            Err(e) => {
                let err = aws_error("read load balancer tags", e);
                if err.code().is_some_and(|c| c.ends_with("NotFound")) {
                    continue;
                }
                return Err(err);
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
