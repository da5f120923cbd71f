//! The instance IAM role and its instance profile.

use std::collections::BTreeMap;

use super::Clients;
use super::retry::{AwsError, adopt_after_retried_create, aws_error};

/// The IAM path of every role and instance profile the provider creates, so the provider's own
/// policy can be limited to them (`arn:aws:iam::*:role/ecsprod/*`, see
/// docs/provider-iam-policy.json). Objects found by name on another path are adopted as they are.
pub const PATH: &str = "/ecsprod/";

pub fn iam_tags(tags: &BTreeMap<String, String>) -> Result<Vec<aws_sdk_iam::types::Tag>, AwsError> {
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

/// A role as observed: its ARN, tags and trust policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedRole {
    pub arn: String,
    pub tags: BTreeMap<String, String>,
    /// The trust policy document, decoded (IAM returns it URL-encoded).
    pub trust_policy: Option<String>,
}

/// The role's ARN, tags and trust policy (GetRole reports all three), if it exists.
pub async fn describe_role(c: &Clients, name: &str) -> Result<Option<ObservedRole>, AwsError> {
    match c.iam.get_role().role_name(name).send().await {
        Ok(out) => Ok(out.role().map(|r| ObservedRole {
            arn: r.arn().to_owned(),
            tags: r
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect(),
            trust_policy: r.assume_role_policy_document().map(decode_policy_document),
        })),
        Err(e) => {
            let err = aws_error("read IAM role", e);
            if missing(&err) { Ok(None) } else { Err(err) }
        }
    }
}

/// What becomes of managed policies attached to a role besides the ones it must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherPolicies {
    /// The role is the provider's alone: they are detached.
    Detach,
    /// Users may attach their own (an application's task role): they stay.
    Keep,
}

/// Ensures the role exists with exactly this trust policy and these inline policies (name →
/// document), and these managed policies (others as `others` says). An existing role of that
/// name is adopted and brought in line, writing only what differs (missing policies attached,
/// inline ones deleted or replaced, the trust policy replaced), and returned as it was found; a
/// new one is returned as `None` with its ARN.
pub async fn ensure_role(
    c: &Clients,
    name: &str,
    trust_policy: &str,
    managed_policies: &[String],
    others: OtherPolicies,
    inline: &[(String, String)],
    tags: &BTreeMap<String, String>,
) -> Result<(String, Option<ObservedRole>), AwsError> {
    let existing = match describe_role(c, name).await? {
        Some(role) => Some(role),
        None => {
            let created = c
                .iam
                .create_role()
                .role_name(name)
                .path(PATH)
                .assume_role_policy_document(trust_policy)
                .set_tags(Some(iam_tags(tags)?))
                .send()
                .await
                .map_err(|e| aws_error("create IAM role", e));
            match created {
                Ok(out) => {
                    let arn = out
                        .role()
                        .map(|r| r.arn().to_owned())
                        .ok_or_else(|| AwsError::new("create IAM role", "AWS returned no role"))?;
                    attach_policies(c, name, managed_policies).await?;
                    put_inline_policies(c, name, inline).await?;
                    return Ok((arn, None));
                }
                // Created by a concurrent or interrupted attempt: adopt it.
                Err(e) if e.code() == Some("EntityAlreadyExists") => describe_role(c, name).await?,
                Err(e) => return Err(e),
            }
        }
    };
    let role =
        existing.ok_or_else(|| AwsError::new("create IAM role", "role vanished after creation"))?;
    let (attached, found_inline) =
        tokio::try_join!(attached_policies(c, name), inline_policies(c, name))?;
    let missing: Vec<String> = managed_policies
        .iter()
        .filter(|p| !attached.contains(p))
        .cloned()
        .collect();
    attach_policies(c, name, &missing).await?;
    for policy in attached
        .iter()
        .filter(|p| others == OtherPolicies::Detach && !managed_policies.contains(p))
    {
        c.iam
            .detach_role_policy()
            .role_name(name)
            .policy_arn(policy)
            .send()
            .await
            .map_err(|e| aws_error("detach IAM role policy", e))?;
    }
    // Inline policies: new ones and changed ones are put, others deleted.
    let mut to_put: Vec<(String, String)> = inline
        .iter()
        .filter(|(n, _)| !found_inline.contains(n))
        .cloned()
        .collect();
    for policy in found_inline {
        match inline.iter().find(|(n, _)| *n == policy) {
            Some((_, document)) => {
                let current = c
                    .iam
                    .get_role_policy()
                    .role_name(name)
                    .policy_name(&policy)
                    .send()
                    .await
                    .map_err(|e| aws_error("read inline role policy", e))?;
                if normalized_policy(&decode_policy_document(current.policy_document()))
                    != normalized_policy(document)
                {
                    to_put.push((policy, document.clone()));
                }
            }
            None => {
                c.iam
                    .delete_role_policy()
                    .role_name(name)
                    .policy_name(&policy)
                    .send()
                    .await
                    .map_err(|e| aws_error("remove inline role policy", e))?;
            }
        }
    }
    put_inline_policies(c, name, &to_put).await?;
    let trusted = role.trust_policy.as_deref().map(normalized_policy);
    if trusted.as_deref() != Some(normalized_policy(trust_policy).as_str()) {
        c.iam
            .update_assume_role_policy()
            .role_name(name)
            .policy_document(trust_policy)
            .send()
            .await
            .map_err(|e| aws_error("update role trust policy", e))?;
    }
    Ok((role.arn.clone(), Some(role)))
}

async fn put_inline_policies(
    c: &Clients,
    role: &str,
    policies: &[(String, String)],
) -> Result<(), AwsError> {
    for (policy, document) in policies {
        c.iam
            .put_role_policy()
            .role_name(role)
            .policy_name(policy)
            .policy_document(document)
            .send()
            .await
            .map_err(|e| aws_error("put inline role policy", e))?;
    }
    Ok(())
}

async fn attach_policies(c: &Clients, role: &str, policies: &[String]) -> Result<(), AwsError> {
    for policy in policies {
        c.iam
            .attach_role_policy()
            .role_name(role)
            .policy_arn(policy)
            .send()
            .await
            .map_err(|e| aws_error("attach policy to IAM role", e))?;
    }
    Ok(())
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
            .path(PATH)
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
    // A profile holds one role: another one there must go before this one can be added.
    for other in profile.roles().iter().filter(|r| r.role_name() != role) {
        remove_role_from_profile(c, name, other.role_name()).await?;
    }
    if !profile.roles().iter().any(|r| r.role_name() == role) {
        let added = c
            .iam
            .add_role_to_instance_profile()
            .instance_profile_name(name)
            .role_name(role)
            .send()
            .await
            .map_err(|e| aws_error("add role to instance profile", e));
        // A profile holds one role: after a retried add it is full, which is fine when what
        // fills it is this role.
        adopt_after_retried_create(added.map(|_| ()), "LimitExceeded", || async {
            let profile = c
                .iam
                .get_instance_profile()
                .instance_profile_name(name)
                .send()
                .await
                .map_err(|e| aws_error("read instance profile", e))?;
            let holds_role = profile
                .instance_profile()
                .is_some_and(|p| p.roles().iter().any(|r| r.role_name() == role));
            Ok(holds_role.then_some(()))
        })
        .await?;
    }
    Ok(profile.arn().to_owned())
}

/// A policy document as text: IAM returns documents URL-encoded; one that is already JSON is
/// kept as it is.
pub fn decode_policy_document(raw: &str) -> String {
    if serde_json::from_str::<serde_json::Value>(raw).is_ok() {
        return raw.to_owned();
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| raw.to_owned())
}

/// A policy value in one form: one-element lists as the element, longer lists sorted without
/// duplicates, one statement as a list of one.
fn normalize_policy_value(key: Option<&str>, v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    let v = match v {
        J::Object(statement) if key == Some("Statement") => J::Array(vec![J::Object(statement)]),
        other => other,
    };
    match v {
        J::Object(map) => J::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = normalize_policy_value(Some(&k), v);
                    (k, v)
                })
                .collect(),
        ),
        J::Array(items) => {
            let mut items: Vec<J> = items
                .into_iter()
                .map(|i| normalize_policy_value(None, i))
                .collect();
            items.sort_by_key(|i| i.to_string());
            items.dedup();
            if items.len() == 1 && key != Some("Statement") {
                items.remove(0)
            } else {
                J::Array(items)
            }
        }
        other => other,
    }
}

/// A policy document in one canonical text, so that two equivalent documents read the same
/// (statement order, list order, a one-element list or its element). A document that is not
/// JSON is returned as it is.
pub fn normalized_policy(document: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(document) {
        Ok(v) => normalize_policy_value(None, v).to_string(),
        Err(_) => document.to_owned(),
    }
}

/// The role's inline policies, by name.
pub async fn inline_policies(c: &Clients, role: &str) -> Result<Vec<String>, AwsError> {
    let out = c
        .iam
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .map_err(|e| aws_error("list inline role policies", e))?;
    Ok(out.policy_names().to_vec())
}

/// The roles an instance profile holds; `None` when the profile does not exist.
pub async fn instance_profile_roles(
    c: &Clients,
    profile: &str,
) -> Result<Option<Vec<String>>, AwsError> {
    match c
        .iam
        .get_instance_profile()
        .instance_profile_name(profile)
        .send()
        .await
    {
        Ok(out) => Ok(Some(
            out.instance_profile()
                .map(|p| p.roles().iter().map(|r| r.role_name().to_owned()).collect())
                .unwrap_or_default(),
        )),
        Err(e) => {
            let err = aws_error("read instance profile", e);
            if missing(&err) { Ok(None) } else { Err(err) }
        }
    }
}

async fn remove_role_from_profile(c: &Clients, profile: &str, role: &str) -> Result<(), AwsError> {
    match c
        .iam
        .remove_role_from_instance_profile()
        .instance_profile_name(profile)
        .role_name(role)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("remove role from instance profile", e);
            if missing(&err) { Ok(()) } else { Err(err) }
        }
    }
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

/// Ensures a role with this trust policy, at least these managed policies (users may attach
/// more) and exactly these inline policies (name → document); returns its ARN.
pub async fn ensure_task_role(
    c: &Clients,
    name: &str,
    trust_policy: &str,
    managed_policies: &[String],
    inline: &[(String, String)],
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let (arn, _) = ensure_role(
        c,
        name,
        trust_policy,
        managed_policies,
        OtherPolicies::Keep,
        inline,
        tags,
    )
    .await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

    #[test]
    fn a_url_encoded_document_decodes_to_its_json_and_json_is_kept() {
        let encoded = "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%5D%7D";
        assert_eq!(
            decode_policy_document(encoded),
            r#"{"Version": "2012-10-17", "Statement": []}"#
        );
        assert_eq!(decode_policy_document(TRUST), TRUST);
        // A percent sign that starts no escape is kept.
        assert_eq!(decode_policy_document("100%"), "100%");
    }

    #[test]
    fn equivalent_trust_policies_read_the_same() {
        let reordered = r#"{"Statement":{"Action":["sts:AssumeRole"],"Principal":{"Service":["ec2.amazonaws.com"]},"Effect":"Allow"},"Version":"2012-10-17"}"#;
        assert_eq!(normalized_policy(reordered), normalized_policy(TRUST));
        let lists = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ecs.amazonaws.com","ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
        let lists_reordered = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","ecs.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(normalized_policy(lists), normalized_policy(lists_reordered));
    }

    #[test]
    fn a_trust_policy_that_trusts_more_reads_differently() {
        let wider = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
        assert_ne!(normalized_policy(wider), normalized_policy(TRUST));
        let account = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;
        assert_ne!(normalized_policy(account), normalized_policy(TRUST));
        assert_eq!(normalized_policy("not json"), "not json");
    }
}
