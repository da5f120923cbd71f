//! Keeping every object's tags equal to the desired set, per service API. Keys starting with
//! `aws:` belong to AWS and are never touched.

use std::collections::BTreeMap;
use std::future::Future;

use super::Clients;
use super::retry::{AwsError, aws_error};

pub type Tags = BTreeMap<String, String>;

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

/// Sets what `observed` lacks of `desired` and removes what it has beyond it, with the object's
/// own calls; no call when they agree.
async fn write_diff<S, SF, R, RF>(
    desired: &Tags,
    observed: &Tags,
    set: S,
    remove: R,
) -> Result<(), AwsError>
where
    S: FnOnce(Tags) -> SF,
    SF: Future<Output = Result<(), AwsError>>,
    R: FnOnce(Vec<String>) -> RF,
    RF: Future<Output = Result<(), AwsError>>,
{
    let (to_set, to_remove) = diff(desired, observed);
    if !to_set.is_empty() {
        set(to_set).await?;
    }
    if !to_remove.is_empty() {
        remove(to_remove).await?;
    }
    Ok(())
}

/// [`write_diff`] against `observed`, or against the tags `read` returns when they are not known.
async fn converge<G, GF, S, SF, R, RF>(
    desired: &Tags,
    observed: Option<&Tags>,
    read: G,
    set: S,
    remove: R,
) -> Result<(), AwsError>
where
    G: FnOnce() -> GF,
    GF: Future<Output = Result<Tags, AwsError>>,
    S: FnOnce(Tags) -> SF,
    SF: Future<Output = Result<(), AwsError>>,
    R: FnOnce(Vec<String>) -> RF,
    RF: Future<Output = Result<(), AwsError>>,
{
    match observed {
        Some(o) => write_diff(desired, o, set, remove).await,
        None => write_diff(desired, &read().await?, set, remove).await,
    }
}

fn pairs<'a>(tags: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Tags {
    tags.into_iter()
        .filter_map(|(k, v)| Some((k?.to_owned(), v?.to_owned())))
        .collect()
}

/// ECS clusters and capacity providers, by ARN; `observed` are the tags as just described, when
/// known (else they are read).
pub async fn ecs(
    c: &Clients,
    arn: &str,
    desired: &Tags,
    observed: Option<&Tags>,
) -> Result<(), AwsError> {
    use aws_sdk_ecs::types::Tag;
    converge(
        desired,
        observed,
        || async {
            let out = c
                .ecs
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(|e| aws_error("read ECS tags", e))?;
            Ok(pairs(out.tags().iter().map(|t| (t.key(), t.value()))))
        },
        |set| async move {
            c.ecs
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(
                    set.iter()
                        .map(|(k, v)| Tag::builder().key(k).value(v).build())
                        .collect(),
                ))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_error("tag ECS object", e))
        },
        |remove| async move {
            c.ecs
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_error("untag ECS object", e))
        },
    )
    .await
}

/// EC2 objects (security groups, launch templates), each with its desired tags: one read for
/// all, writes only where tags differ.
pub async fn ec2(c: &Clients, objects: &[(String, Tags)]) -> Result<(), AwsError> {
    if objects.is_empty() {
        return Ok(());
    }
    let out = c
        .ec2
        .describe_tags()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("resource-id")
                .set_values(Some(objects.iter().map(|(id, _)| id.clone()).collect()))
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("read EC2 tags", e))?;
    let mut observed: BTreeMap<&str, Tags> = BTreeMap::new();
    for t in out.tags() {
        if let (Some(id), Some(k), Some(v)) = (t.resource_id(), t.key(), t.value()) {
            observed
                .entry(id)
                .or_default()
                .insert(k.to_owned(), v.to_owned());
        }
    }
    for (id, desired) in objects {
        let found = observed.get(id.as_str()).cloned().unwrap_or_default();
        write_diff(
            desired,
            &found,
            |set| async move {
                c.ec2
                    .create_tags()
                    .resources(id)
                    .set_tags(Some(
                        set.iter()
                            .map(|(k, v)| {
                                aws_sdk_ec2::types::Tag::builder().key(k).value(v).build()
                            })
                            .collect(),
                    ))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| aws_error("tag EC2 object", e))
            },
            |remove| async move {
                c.ec2
                    .delete_tags()
                    .resources(id)
                    .set_tags(Some(
                        remove
                            .iter()
                            .map(|k| aws_sdk_ec2::types::Tag::builder().key(k).build())
                            .collect(),
                    ))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| aws_error("untag EC2 object", e))
            },
        )
        .await?;
    }
    Ok(())
}

/// Load balancers and listeners, all with the same desired tags: one read for all (up to 20),
/// writes only where tags differ.
pub async fn elbv2(c: &Clients, arns: &[String], desired: &Tags) -> Result<(), AwsError> {
    let observed = read_elbv2(c, arns).await?;
    for arn in arns {
        // One that was not read is written in full: a missing object fails there, by name.
        let found = observed.get(arn).cloned().unwrap_or_default();
        write_diff(
            desired,
            &found,
            |set| async move {
                c.elbv2
                    .add_tags()
                    .resource_arns(arn)
                    .set_tags(Some(
                        set.iter()
                            .map(|(k, v)| {
                                aws_sdk_elasticloadbalancingv2::types::Tag::builder()
                                    .key(k)
                                    .value(v)
                                    .build()
                            })
                            .collect(),
                    ))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| aws_error("tag load balancer", e))
            },
            |remove| async move {
                c.elbv2
                    .remove_tags()
                    .resource_arns(arn)
                    .set_tag_keys(Some(remove))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| aws_error("untag load balancer", e))
            },
        )
        .await?;
    }
    Ok(())
}

/// The tags of load balancers and listeners, by ARN, in as few calls as the API allows (20
/// ARNs a call). An ARN that no longer exists is left out.
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
                if matches!(
                    err.code(),
                    Some("LoadBalancerNotFound") | Some("ListenerNotFound")
                ) {
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

/// Auto Scaling groups, by name, `observed` as for [`ecs`]; tags propagate to instances
/// launched afterwards.
pub async fn autoscaling(
    c: &Clients,
    group: &str,
    desired: &Tags,
    observed: Option<&Tags>,
) -> Result<(), AwsError> {
    use aws_sdk_autoscaling::types::Tag;
    let tag = |k: &str, v: Option<&str>| {
        Tag::builder()
            .resource_id(group)
            .resource_type("auto-scaling-group")
            .key(k)
            .set_value(v.map(str::to_owned))
            .propagate_at_launch(true)
            .build()
    };
    converge(
        desired,
        observed,
        || async {
            let out = c
                .autoscaling
                .describe_auto_scaling_groups()
                .auto_scaling_group_names(group)
                .send()
                .await
                .map_err(|e| aws_error("read Auto Scaling group tags", e))?;
            Ok(pairs(
                out.auto_scaling_groups()
                    .iter()
                    .flat_map(|g| g.tags())
                    .map(|t| (t.key(), t.value())),
            ))
        },
        |set| async move {
            c.autoscaling
                .create_or_update_tags()
                .set_tags(Some(set.iter().map(|(k, v)| tag(k, Some(v))).collect()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_error("tag Auto Scaling group", e))
        },
        |remove| async move {
            c.autoscaling
                .delete_tags()
                .set_tags(Some(remove.iter().map(|k| tag(k, None)).collect()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_error("untag Auto Scaling group", e))
        },
    )
    .await
}

/// IAM roles, by name; `observed` as for [`ecs`].
pub async fn iam_role(
    c: &Clients,
    role: &str,
    desired: &Tags,
    observed: Option<&Tags>,
) -> Result<(), AwsError> {
    converge(
        desired,
        observed,
        || async {
            let out = c
                .iam
                .list_role_tags()
                .role_name(role)
                .send()
                .await
                .map_err(|e| aws_error("read IAM role tags", e))?;
            Ok(pairs(
                out.tags().iter().map(|t| (Some(t.key()), Some(t.value()))),
            ))
        },
        |set| async move {
            c.iam
                .tag_role()
                .role_name(role)
                .set_tags(Some(super::iam_role::iam_tags(&set)?))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_error("tag IAM role", e))
        },
        |remove| async move {
            c.iam
                .untag_role()
                .role_name(role)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_error("untag IAM role", e))
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
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
