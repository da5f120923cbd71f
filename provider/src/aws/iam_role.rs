//! The instance IAM role and its instance profile.

use std::collections::BTreeMap;

use super::Clients;
use super::retry::{AwsError, aws_error};

fn iam_tags(tags: &BTreeMap<String, String>) -> Result<Vec<aws_sdk_iam::types::Tag>, AwsError> {
    tags.iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| AwsError::new("tag IAM role", e.to_string()))
        })
        .collect()
}

fn missing(err: &AwsError) -> bool {
    err.code() == Some("NoSuchEntity")
}

/// The role's ARN, if it exists.
pub async fn role_arn(c: &Clients, name: &str) -> Result<Option<String>, AwsError> {
    match c.iam.get_role().role_name(name).send().await {
        Ok(out) => Ok(out.role().map(|r| r.arn().to_owned())),
        Err(e) => {
            let err = aws_error("read IAM role", e);
            if missing(&err) { Ok(None) } else { Err(err) }
        }
    }
}

/// Ensures the role exists with this trust policy and exactly these managed policies; returns
/// its ARN. An existing role of that name is adopted.
pub async fn ensure_role(
    c: &Clients,
    name: &str,
    trust_policy: &str,
    managed_policies: &[String],
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let arn = match role_arn(c, name).await? {
        Some(arn) => arn,
        None => {
            let created = c
                .iam
                .create_role()
                .role_name(name)
                .assume_role_policy_document(trust_policy)
                .set_tags(Some(iam_tags(tags)?))
                .send()
                .await;
            match created {
                Ok(out) => out
                    .role()
                    .map(|r| r.arn().to_owned())
                    .ok_or_else(|| AwsError::new("create IAM role", "AWS returned no role"))?,
                Err(e) => {
                    let err = aws_error("create IAM role", e);
                    // Created by a concurrent or interrupted attempt: adopt it.
                    if err.code() != Some("EntityAlreadyExists") {
                        return Err(err);
                    }
                    role_arn(c, name).await?.ok_or_else(|| {
                        AwsError::new("create IAM role", "role vanished after creation")
                    })?
                }
            }
        }
    };
    let attached = attached_policies(c, name).await?;
    for policy in managed_policies.iter().filter(|p| !attached.contains(p)) {
        c.iam
            .attach_role_policy()
            .role_name(name)
            .policy_arn(policy)
            .send()
            .await
            .map_err(|e| aws_error("attach policy to IAM role", e))?;
    }
    Ok(arn)
}

pub async fn attached_policies(c: &Clients, role: &str) -> Result<Vec<String>, AwsError> {
    let out = c
        .iam
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await
        .map_err(|e| aws_error("list IAM role policies", e))?;
    Ok(out
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_owned))
        .collect())
}

/// Ensures the instance profile exists and holds the role.
pub async fn ensure_instance_profile(
    c: &Clients,
    name: &str,
    role: &str,
) -> Result<String, AwsError> {
    let existing = match c
        .iam
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
    {
        Ok(out) => out.instance_profile().cloned(),
        Err(e) => {
            let err = aws_error("read instance profile", e);
            if !missing(&err) {
                return Err(err);
            }
            None
        }
    };
    let profile = match existing {
        Some(p) => p,
        None => match c
            .iam
            .create_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
        {
            Ok(out) => out.instance_profile().cloned().ok_or_else(|| {
                AwsError::new("create instance profile", "AWS returned no profile")
            })?,
            Err(e) => {
                let err = aws_error("create instance profile", e);
                if err.code() != Some("EntityAlreadyExists") {
                    return Err(err);
                }
                c.iam
                    .get_instance_profile()
                    .instance_profile_name(name)
                    .send()
                    .await
                    .map_err(|e| aws_error("read instance profile", e))?
                    .instance_profile()
                    .cloned()
                    .ok_or_else(|| AwsError::new("read instance profile", "profile vanished"))?
            }
        },
    };
    if !profile.roles().iter().any(|r| r.role_name() == role) {
        c.iam
            .add_role_to_instance_profile()
            .instance_profile_name(name)
            .role_name(role)
            .send()
            .await
            .map_err(|e| aws_error("add role to instance profile", e))?;
    }
    Ok(profile.arn().to_owned())
}

/// Removes the instance profile and the role (detaching its policies first); missing pieces are
/// skipped.
pub async fn delete(c: &Clients, profile: &str, role: &str) -> Result<(), AwsError> {
    let ignore_missing = |r: Result<(), AwsError>| match r {
        Err(e) if missing(&e) => Ok(()),
        other => other,
    };
    ignore_missing(
        c.iam
            .remove_role_from_instance_profile()
            .instance_profile_name(profile)
            .role_name(role)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("remove role from instance profile", e)),
    )?;
    ignore_missing(
        c.iam
            .delete_instance_profile()
            .instance_profile_name(profile)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("delete instance profile", e)),
    )?;
    if role_arn(c, role).await?.is_none() {
        return Ok(());
    }
    for policy in attached_policies(c, role).await? {
        ignore_missing(
            c.iam
                .detach_role_policy()
                .role_name(role)
                .policy_arn(policy)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_error("detach IAM role policy", e)),
        )?;
    }
    ignore_missing(
        c.iam
            .delete_role()
            .role_name(role)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("delete IAM role", e)),
    )
}

/// Ensures a role with this trust policy, exactly these managed policies and exactly these
/// inline policies (name → document); returns its ARN.
pub async fn ensure_task_role(
    c: &Clients,
    name: &str,
    trust_policy: &str,
    managed_policies: &[String],
    inline: &[(String, String)],
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let arn = ensure_role(c, name, trust_policy, managed_policies, tags).await?;
    c.iam
        .update_assume_role_policy()
        .role_name(name)
        .policy_document(trust_policy)
        .send()
        .await
        .map_err(|e| aws_error("update role trust policy", e))?;
    let existing = c
        .iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(|e| aws_error("list inline role policies", e))?;
    for stale in existing
        .policy_names()
        .iter()
        .filter(|p| !inline.iter().any(|(n, _)| n == *p))
    {
        c.iam
            .delete_role_policy()
            .role_name(name)
            .policy_name(stale)
            .send()
            .await
            .map_err(|e| aws_error("remove inline role policy", e))?;
    }
    for (policy, document) in inline {
        c.iam
            .put_role_policy()
            .role_name(name)
            .policy_name(policy)
            .policy_document(document)
            .send()
            .await
            .map_err(|e| aws_error("put inline role policy", e))?;
    }
    Ok(arn)
}

/// Deletes a role with its inline and managed policies; a missing role is fine.
pub async fn delete_task_role(c: &Clients, name: &str) -> Result<(), AwsError> {
    if role_arn(c, name).await?.is_none() {
        return Ok(());
    }
    let inline = c
        .iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(|e| aws_error("list inline role policies", e))?;
    for policy in inline.policy_names() {
        c.iam
            .delete_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .map_err(|e| aws_error("remove inline role policy", e))?;
    }
    for policy in attached_policies(c, name).await? {
        c.iam
            .detach_role_policy()
            .role_name(name)
            .policy_arn(policy)
            .send()
            .await
            .map_err(|e| aws_error("detach IAM role policy", e))?;
    }
    match c.iam.delete_role().role_name(name).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("delete IAM role", e);
            if missing(&err) { Ok(()) } else { Err(err) }
        }
    }
}
