//! Keeping every object's tags equal to the desired set, per service API. Keys starting with
//! `aws:` belong to AWS and are never touched.

use std::collections::BTreeMap;

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

/// ECS clusters and capacity providers, by ARN; `observed` are the tags as just described, when
/// known (else they are read).
pub async fn ecs(
    c: &Clients,
    arn: &str,
    desired: &Tags,
    observed: Option<&Tags>,
) -> Result<(), AwsError> {
    let read;
    let observed = match observed {
        Some(o) => o,
        None => {
            let out = c
                .ecs
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(|e| aws_error("read ECS tags", e))?;
            read = out
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                .collect::<Tags>();
            &read
        }
    };
    let (set, remove) = diff(desired, observed);
    if !set.is_empty() {
        c.ecs
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(
                set.iter()
                    .map(|(k, v)| aws_sdk_ecs::types::Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| aws_error("tag ECS object", e))?;
    }
    if !remove.is_empty() {
        c.ecs
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(remove))
            .send()
            .await
            .map_err(|e| aws_error("untag ECS object", e))?;
    }
    Ok(())
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
        let (set, remove) = diff(desired, observed.get(id.as_str()).unwrap_or(&Tags::new()));
        if !set.is_empty() {
            c.ec2
                .create_tags()
                .resources(id)
                .set_tags(Some(
                    set.iter()
                        .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
                        .collect(),
                ))
                .send()
                .await
                .map_err(|e| aws_error("tag EC2 object", e))?;
        }
        if !remove.is_empty() {
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
                .map_err(|e| aws_error("untag EC2 object", e))?;
        }
    }
    Ok(())
}

/// Load balancers and listeners, all with the same desired tags: one read for all (up to 20),
/// writes only where tags differ.
pub async fn elbv2(c: &Clients, arns: &[String], desired: &Tags) -> Result<(), AwsError> {
    let observed = read_elbv2(c, arns).await?;
    for (arn, tags) in &observed {
        let (set, remove) = diff(desired, tags);
        if !set.is_empty() {
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
                .map_err(|e| aws_error("tag load balancer", e))?;
        }
        if !remove.is_empty() {
            c.elbv2
                .remove_tags()
                .resource_arns(arn)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .map_err(|e| aws_error("untag load balancer", e))?;
        }
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
                let tags: Tags = d
                    .tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                    .collect();
                out.insert(arn.to_owned(), tags);
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
    let read;
    let observed = match observed {
        Some(o) => o,
        None => {
            let out = c
                .autoscaling
                .describe_auto_scaling_groups()
                .auto_scaling_group_names(group)
                .send()
                .await
                .map_err(|e| aws_error("read Auto Scaling group tags", e))?;
            read = out
                .auto_scaling_groups()
                .iter()
                .flat_map(|g| g.tags())
                .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                .collect::<Tags>();
            &read
        }
    };
    let (set, remove) = diff(desired, observed);
    let tag = |k: &str, v: Option<&str>| {
        Tag::builder()
            .resource_id(group)
            .resource_type("auto-scaling-group")
            .key(k)
            .set_value(v.map(str::to_owned))
            .propagate_at_launch(true)
            .build()
    };
    if !set.is_empty() {
        c.autoscaling
            .create_or_update_tags()
            .set_tags(Some(set.iter().map(|(k, v)| tag(k, Some(v))).collect()))
            .send()
            .await
            .map_err(|e| aws_error("tag Auto Scaling group", e))?;
    }
    if !remove.is_empty() {
        c.autoscaling
            .delete_tags()
            .set_tags(Some(remove.iter().map(|k| tag(k, None)).collect()))
            .send()
            .await
            .map_err(|e| aws_error("untag Auto Scaling group", e))?;
    }
    Ok(())
}

/// IAM roles, by name; `observed` as for [`ecs`].
pub async fn iam_role(
    c: &Clients,
    role: &str,
    desired: &Tags,
    observed: Option<&Tags>,
) -> Result<(), AwsError> {
    let read;
    let observed = match observed {
        Some(o) => o,
        None => {
            let out = c
                .iam
                .list_role_tags()
                .role_name(role)
                .send()
                .await
                .map_err(|e| aws_error("read IAM role tags", e))?;
            read = out
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect::<Tags>();
            &read
        }
    };
    let (set, remove) = diff(desired, observed);
    if !set.is_empty() {
        let tags = set
            .iter()
            .map(|(k, v)| {
                aws_sdk_iam::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(|e| AwsError::new("tag IAM role", e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        c.iam
            .tag_role()
            .role_name(role)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| aws_error("tag IAM role", e))?;
    }
    if !remove.is_empty() {
        c.iam
            .untag_role()
            .role_name(role)
            .set_tag_keys(Some(remove))
            .send()
            .await
            .map_err(|e| aws_error("untag IAM role", e))?;
    }
    Ok(())
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
