//! IAM roles: the cluster's instance role and each service's execution and task roles. Found by
//! name; read with their trust policy, managed and inline policies and tags; brought in line
//! writing only what differs; deleted by one path for every role (inline policies deleted,
//! managed ones detached, then the role).

use std::collections::BTreeMap;

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::{Change, Changes, Env, TagRef, TagTarget, Tags, Unit, read_all};
use crate::blueprint::policy::{decode_policy_document, normalized_policy};
use crate::blueprint::role::{OtherPolicies, RoleSpec};

/// The IAM path of every role and instance profile the provider creates, so the provider's own
/// policy can be limited to them (`arn:aws:iam::*:role/ecsprod/*`, see
/// docs/provider-iam-policy.json). Objects found by name on another path are adopted as they are.
pub const PATH: &str = "/ecsprod/";

pub fn missing(err: &AwsError) -> bool {
    err.code() == Some("NoSuchEntity")
}

/// `Ok(None)` for an IAM entity that does not exist.
pub async fn unless_missing<T>(
    read: impl std::future::Future<Output = Result<T, AwsError>>,
) -> Result<Option<T>, AwsError> {
    super::retry::unless_gone(read.await, "NoSuchEntity")
}

/// A role as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedRole {
    pub name: String,
    pub arn: String,
    pub tags: Tags,
    /// The trust policy document, decoded (IAM returns it URL-encoded).
    pub trust_policy: Option<String>,
    /// Managed policies, by ARN.
    pub managed_policies: Vec<String>,
    /// Inline policies: name and decoded document.
    pub inline_policies: BTreeMap<String, String>,
}

async fn get_role(c: &Clients, name: &str) -> Result<aws_sdk_iam::types::Role, AwsError> {
    c.iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| aws_error("read IAM role", e))?
        .role
        .ok_or_else(|| AwsError::new("read IAM role", "AWS returned no role"))
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

/// The role's inline policies with their documents.
async fn inline_policies(c: &Clients, role: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let names = c
        .iam
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .map_err(|e| aws_error("list inline role policies", e))?;
    let documents = names.policy_names().iter().map(|policy| async move {
        let out = c
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(policy)
            .send()
            .await
            .map_err(|e| aws_error("read inline role policy", e))?;
        Ok::<_, AwsError>((
            policy.clone(),
            decode_policy_document(out.policy_document()),
        ))
    });
    Ok(futures_util::future::try_join_all(documents)
        .await?
        .into_iter()
        .collect())
}

/// The role with its policies and tags, if it exists: the role and both policy lists read at
/// once, then each inline policy's document.
pub async fn describe(c: &Clients, name: &str) -> Result<Option<ObservedRole>, AwsError> {
    let (role, managed, inline) = tokio::try_join!(
        unless_missing(get_role(c, name)),
        unless_missing(attached_policies(c, name)),
        unless_missing(inline_policies(c, name)),
    )?;
    let Some(role) = role else {
        return Ok(None);
    };
    Ok(Some(ObservedRole {
        name: name.to_owned(),
        arn: role.arn().to_owned(),
        tags: role_tags(role.tags()),
        trust_policy: role
            .assume_role_policy_document()
            .map(decode_policy_document),
        managed_policies: managed.unwrap_or_default(),
        inline_policies: inline.unwrap_or_default(),
    }))
}

fn role_tags(tags: &[aws_sdk_iam::types::Tag]) -> Tags {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

fn same_document(a: &str, b: &str) -> bool {
    normalized_policy(a) == normalized_policy(b)
}

/// Managed policies to attach and to detach.
fn managed_changes(spec: &RoleSpec, observed: &[String]) -> (Vec<String>, Vec<String>) {
    let attach = spec
        .managed_policies
        .iter()
        .filter(|p| !observed.contains(p))
        .cloned()
        .collect();
    let detach = observed
        .iter()
        .filter(|p| spec.others == OtherPolicies::Detach && !spec.managed_policies.contains(p))
        .cloned()
        .collect();
    (attach, detach)
}

/// Inline policies to put (new or changed) and to delete.
fn inline_changes(
    spec: &RoleSpec,
    observed: &BTreeMap<String, String>,
) -> (Vec<(String, String)>, Vec<String>) {
    let put = spec
        .inline_policies
        .iter()
        .filter(|(n, doc)| {
            observed
                .get(n)
                .is_none_or(|found| !same_document(found, doc))
        })
        .cloned()
        .collect();
    let delete = observed
        .keys()
        .filter(|n| !spec.inline_policies.iter().any(|(w, _)| w == *n))
        .cloned()
        .collect();
    (put, delete)
}

async fn attach(c: &Clients, role: &str, policy: &str) -> Result<(), AwsError> {
    c.iam
        .attach_role_policy()
        .role_name(role)
        .policy_arn(policy)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| aws_error("attach policy to IAM role", e))
}

async fn detach(c: &Clients, role: &str, policy: &str) -> Result<(), AwsError> {
    match c
        .iam
        .detach_role_policy()
        .role_name(role)
        .policy_arn(policy)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("detach IAM role policy", e);
            if missing(&err) { Ok(()) } else { Err(err) }
        }
    }
}

async fn put_inline(c: &Clients, role: &str, policy: &str, document: &str) -> Result<(), AwsError> {
    c.iam
        .put_role_policy()
        .role_name(role)
        .policy_name(policy)
        .policy_document(document)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| aws_error("put inline role policy", e))
}

async fn delete_inline(c: &Clients, role: &str, policy: &str) -> Result<(), AwsError> {
    match c
        .iam
        .delete_role_policy()
        .role_name(role)
        .policy_name(policy)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("remove inline role policy", e);
            if missing(&err) { Ok(()) } else { Err(err) }
        }
    }
}

/// Writes the policies that differ, then the trust policy if it does.
async fn converge(c: &Clients, spec: &RoleSpec, observed: &ObservedRole) -> Result<(), AwsError> {
    let (to_attach, to_detach) = managed_changes(spec, &observed.managed_policies);
    for p in &to_attach {
        attach(c, &spec.name, p).await?;
    }
    for p in &to_detach {
        detach(c, &spec.name, p).await?;
    }
    let (to_put, to_delete) = inline_changes(spec, &observed.inline_policies);
    for (n, doc) in &to_put {
        put_inline(c, &spec.name, n, doc).await?;
    }
    for n in &to_delete {
        delete_inline(c, &spec.name, n).await?;
    }
    if observed
        .trust_policy
        .as_deref()
        .is_none_or(|t| !same_document(t, &spec.trust_policy))
    {
        c.iam
            .update_assume_role_policy()
            .role_name(&spec.name)
            .policy_document(&spec.trust_policy)
            .send()
            .await
            .map_err(|e| aws_error("update role trust policy", e))?;
    }
    Ok(())
}

/// What a role is once `spec` is written over `observed`.
fn written(spec: &RoleSpec, observed: ObservedRole) -> ObservedRole {
    let (to_attach, to_detach) = managed_changes(spec, &observed.managed_policies);
    let mut managed: Vec<String> = observed
        .managed_policies
        .into_iter()
        .filter(|p| !to_detach.contains(p))
        .collect();
    managed.extend(to_attach);
    ObservedRole {
        trust_policy: Some(spec.trust_policy.clone()),
        managed_policies: managed,
        inline_policies: spec.inline_policies.iter().cloned().collect(),
        ..observed
    }
}

/// Set once GetAccountAuthorizationDetails is refused: roles are then read one by one.
static ACCOUNT_READ_DENIED: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// The roles of `names`, in order. From [`super::coalesce::MANY`] roles on, the account's roles
/// are read together with GetAccountAuthorizationDetails (a page holds up to 1000 roles with
/// their policies and tags) instead of three or more calls per role.
async fn describe_many(
    c: &Clients,
    names: &[String],
) -> Result<Vec<Option<ObservedRole>>, AwsError> {
    use std::sync::atomic::Ordering;
    if names.len() >= super::coalesce::MANY && !ACCOUNT_READ_DENIED.load(Ordering::Relaxed) {
        match account_roles(c, names).await {
            Ok(found) => return Ok(found),
            Err(e) if e.code().is_some_and(|c| c.contains("AccessDenied")) => {
                tracing::debug!(error = %e, "roles are read one by one");
                ACCOUNT_READ_DENIED.store(true, Ordering::Relaxed);
            }
            Err(e) => return Err(e),
        }
    }
    futures_util::future::try_join_all(names.iter().map(|n| describe(c, n))).await
}

/// The roles of `names` among every role of the account, page by page.
async fn account_roles(
    c: &Clients,
    names: &[String],
) -> Result<Vec<Option<ObservedRole>>, AwsError> {
    let mut found: Vec<Option<ObservedRole>> = vec![None; names.len()];
    let mut marker = None;
    loop {
        let out = c
            .iam
            .get_account_authorization_details()
            .filter(aws_sdk_iam::types::EntityType::Role)
            .max_items(1000)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| aws_error("read IAM roles", e))?;
        for role in out.role_detail_list() {
            // IAM role names are unique without regard to case.
            let Some(at) = names
                .iter()
                .position(|n| role.role_name().is_some_and(|r| r.eq_ignore_ascii_case(n)))
            else {
                continue;
            };
            found[at] = Some(ObservedRole {
                name: names[at].clone(),
                arn: role.arn().unwrap_or_default().to_owned(),
                tags: role_tags(role.tags()),
                trust_policy: role
                    .assume_role_policy_document()
                    .map(decode_policy_document),
                managed_policies: role
                    .attached_managed_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_owned))
                    .collect(),
                inline_policies: role
                    .role_policy_list()
                    .iter()
                    .filter_map(|p| {
                        Some((
                            p.policy_name()?.to_owned(),
                            decode_policy_document(p.policy_document()?),
                        ))
                    })
                    .collect(),
            });
        }
        match out.marker() {
            Some(next) if out.is_truncated() && found.iter().any(Option::is_none) => {
                marker = Some(next.to_owned());
            }
            _ => return Ok(found),
        }
    }
}

pub struct Role;

read_all! {
    /// Many roles with one account read (see `describe_many`).
    Role: "IAM role", String => ObservedRole,
    gathers: true,
    |env, keys| {
        describe_many(env.c(), keys).await
    }
}

impl Unit for Role {
    type Desired = RoleSpec;

    fn diff(desired: &RoleSpec, observed: &ObservedRole) -> Vec<Change> {
        let (attach, detach) = managed_changes(desired, &observed.managed_policies);
        let (put, delete) = inline_changes(desired, &observed.inline_policies);
        Changes::new()
            .check(
                "trust_policy",
                observed
                    .trust_policy
                    .as_deref()
                    .is_none_or(|t| !same_document(t, &desired.trust_policy)),
            )
            .check("managed_policies", !attach.is_empty() || !detach.is_empty())
            .check("inline_policies", !put.is_empty() || !delete.is_empty())
            .done()
    }

    async fn create(env: &Env, _: &String, desired: &RoleSpec) -> Result<ObservedRole, AwsError> {
        let c = env.c();
        let created = c
            .iam
            .create_role()
            .role_name(&desired.name)
            .path(PATH)
            .assume_role_policy_document(&desired.trust_policy)
            .set_tags(Some(super::tag_writes::iam(&desired.tags)?))
            .send()
            .await
            .map_err(|e| aws_error("create IAM role", e));
        // Made by an interrupted or retried attempt: adopt it as it is.
        let observed = match created {
            Ok(out) => ObservedRole {
                name: desired.name.clone(),
                arn: out
                    .role()
                    .map(|r| r.arn().to_owned())
                    .ok_or_else(|| AwsError::new("create IAM role", "AWS returned no role"))?,
                tags: desired.tags.clone(),
                trust_policy: Some(desired.trust_policy.clone()),
                managed_policies: Vec::new(),
                inline_policies: BTreeMap::new(),
            },
            Err(e) if e.code() == Some("EntityAlreadyExists") => describe(c, &desired.name)
                .await?
                .ok_or_else(|| AwsError::new("create IAM role", "role vanished after creation"))?,
            Err(e) => return Err(e),
        };
        converge(c, desired, &observed).await?;
        Ok(written(desired, observed))
    }

    async fn update(
        env: &Env,
        desired: &RoleSpec,
        observed: &ObservedRole,
        _: &[Change],
    ) -> Result<ObservedRole, AwsError> {
        converge(env.c(), desired, observed).await?;
        Ok(written(desired, observed.clone()))
    }

    /// Inline policies deleted and managed ones detached, then the role (a role must be out of
    /// every instance profile first: the profile is deleted before it).
    async fn delete(env: &Env, observed: &ObservedRole) -> Result<(), AwsError> {
        let c = env.c();
        for n in observed.inline_policies.keys() {
            delete_inline(c, &observed.name, n).await?;
        }
        for p in &observed.managed_policies {
            detach(c, &observed.name, p).await?;
        }
        match c.iam.delete_role().role_name(&observed.name).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let err = aws_error("delete IAM role", e);
                if missing(&err) { Ok(()) } else { Err(err) }
            }
        }
    }

    fn desired_tags(desired: &RoleSpec) -> Option<Tags> {
        Some(desired.tags.clone())
    }

    fn tags(observed: &ObservedRole) -> Option<TagRef> {
        Some(TagRef {
            target: TagTarget::IamRole(observed.name.clone()),
            known: Some(observed.tags.clone()),
        })
    }
}
