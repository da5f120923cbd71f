//! CloudWatch log groups of services: found by name, created with their retention, retention
//! changed in place, deleted with the service.

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::{Change, Changes, Env, TagRef, TagTarget, Tags, Unit, names, read_all};
use crate::blueprint::service::LogGroupSpec;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedLogGroup {
    pub name: String,
    /// Without the `:*` DescribeLogGroups appends; empty for a group just created.
    pub arn: String,
    /// `None`: its events never expire.
    pub retention_days: Option<i32>,
    /// The KMS key that encrypts its events; `None`: CloudWatch's own encryption.
    pub kms_key_id: Option<String>,
}

async fn describe(c: &Clients, name: &str) -> Result<Option<ObservedLogGroup>, AwsError> {
    let out = c
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(|e| aws_error("describe log group", e))?;
    Ok(out
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
        .map(observed))
}

fn observed(g: &aws_sdk_cloudwatchlogs::types::LogGroup) -> ObservedLogGroup {
    ObservedLogGroup {
        name: g.log_group_name().unwrap_or_default().to_owned(),
        arn: g
            .log_group_arn()
            .map(str::to_owned)
            .or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_owned()))
            .unwrap_or_default(),
        retention_days: g.retention_in_days(),
        kms_key_id: g.kms_key_id().map(str::to_owned),
    }
}

/// The groups of `names`, in order. Names under one folder (`/ecs/<cluster>/`) are listed
/// together, in name order, page by page up to the last of them; after as many pages as there
/// are names, those not reached yet are read one by one, as are names outside any folder.
async fn describe_many(
    c: &Clients,
    names: &[String],
) -> Result<Vec<Option<ObservedLogGroup>>, AwsError> {
    let folder = |n: &str| n.rfind('/').map(|i| n[..=i].to_owned()).unwrap_or_default();
    let mut folders: Vec<String> = names.iter().map(|n| folder(n)).collect();
    folders.sort_unstable();
    folders.dedup();
    let mut listed = Vec::new();
    // Names up to this one (in its folder) have been listed.
    let mut reached: Vec<(String, Option<String>)> = Vec::new();
    for prefix in folders.into_iter().filter(|f| !f.is_empty()) {
        let inside: Vec<&String> = names.iter().filter(|n| folder(n) == prefix).collect();
        if inside.len() < 2 {
            continue;
        }
        let last = inside.iter().max().map(|n| n.as_str()).unwrap_or_default();
        let mut token = None;
        // The last name listed so far ("": none yet).
        let mut upto = String::new();
        for _ in 0..inside.len() {
            let out = c
                .logs
                .describe_log_groups()
                .log_group_name_prefix(&prefix)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| aws_error("describe log groups", e))?;
            listed.extend(out.log_groups().iter().map(observed));
            if let Some(name) = out.log_groups().last().and_then(|g| g.log_group_name()) {
                name.clone_into(&mut upto);
            }
            // Past the last name, or no more pages: done (an empty page may still have more).
            match out.next_token() {
                Some(next) if upto.as_str() <= last => token = Some(next.to_owned()),
                _ => {
                    token = None;
                    break;
                }
            }
        }
        // `None`: the whole folder up to its last name was listed.
        reached.push((prefix, token.map(|_| upto)));
    }
    let each = names.iter().map(|n| {
        let listed_through = reached
            .iter()
            .find(|(p, _)| *p == folder(n))
            .map(|(_, upto)| upto.as_ref().is_none_or(|u| n <= u));
        let found = listed.iter().find(|g| g.name == *n).cloned();
        async move {
            match listed_through {
                Some(true) => Ok(found),
                _ => describe(c, n).await,
            }
        }
    });
    futures_util::future::try_join_all(each).await
}

async fn set_retention(c: &Clients, spec: &LogGroupSpec) -> Result<(), AwsError> {
    c.logs
        .put_retention_policy()
        .log_group_name(&spec.name)
        .retention_in_days(spec.retention_days)
        .send()
        .await
        .map_err(|e| aws_error("set log retention", e))?;
    Ok(())
}

/// Puts the group's events under `key`, or back under CloudWatch's own encryption.
async fn set_key(c: &Clients, name: &str, key: Option<&String>) -> Result<(), AwsError> {
    match key {
        Some(key) => c
            .logs
            .associate_kms_key()
            .log_group_name(name)
            .kms_key_id(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("encrypt log group", e)),
        None => c
            .logs
            .disassociate_kms_key()
            .log_group_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("stop encrypting log group", e)),
    }
}

pub struct LogGroup;

read_all! {
    /// The groups of one folder listed together (see `describe_many`).
    LogGroup: "log group", String => ObservedLogGroup,
    gathers: true,
    |env, keys| {
        describe_many(env.c(), keys).await
    }
}

impl Unit for LogGroup {
    type Desired = LogGroupSpec;

    fn diff(desired: &LogGroupSpec, observed: &ObservedLogGroup) -> Vec<Change> {
        Changes::new()
            .check(
                "retention",
                observed.retention_days != Some(desired.retention_days),
            )
            .check(
                "kms_key",
                desired
                    .kms_key_id
                    .as_ref()
                    .is_some_and(|k| *k != observed.kms_key_id),
            )
            .done()
    }

    async fn create(
        env: &Env,
        _: &String,
        desired: &LogGroupSpec,
    ) -> Result<ObservedLogGroup, AwsError> {
        let c = env.c();
        if let Err(e) = c
            .logs
            .create_log_group()
            .log_group_name(&desired.name)
            .set_kms_key_id(desired.kms_key_id.clone().flatten())
            .set_tags(Some(desired.tags.clone().into_iter().collect()))
            .send()
            .await
        {
            let err = aws_error("create log group", e);
            if err.code() != Some("ResourceAlreadyExistsException") {
                return Err(err);
            }
        }
        set_retention(c, desired).await?;
        Ok(ObservedLogGroup {
            name: desired.name.clone(),
            arn: String::new(),
            retention_days: Some(desired.retention_days),
            kms_key_id: desired.kms_key_id.clone().flatten(),
        })
    }

    async fn update(
        env: &Env,
        desired: &LogGroupSpec,
        observed: &ObservedLogGroup,
        changes: &[Change],
    ) -> Result<ObservedLogGroup, AwsError> {
        if names(changes, "retention") {
            set_retention(env.c(), desired).await?;
        }
        let mut kms_key_id = observed.kms_key_id.clone();
        if let (true, Some(key)) = (names(changes, "kms_key"), &desired.kms_key_id) {
            set_key(env.c(), &desired.name, key.as_ref()).await?;
            kms_key_id = key.clone();
        }
        Ok(ObservedLogGroup {
            retention_days: Some(desired.retention_days),
            kms_key_id,
            ..observed.clone()
        })
    }

    async fn delete(env: &Env, observed: &ObservedLogGroup) -> Result<(), AwsError> {
        match env
            .c()
            .logs
            .delete_log_group()
            .log_group_name(&observed.name)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let err = aws_error("delete log group", e);
                if err.code() == Some("ResourceNotFoundException") {
                    Ok(())
                } else {
                    Err(err)
                }
            }
        }
    }

    fn desired_tags(desired: &LogGroupSpec) -> Option<Tags> {
        Some(desired.tags.clone())
    }

    fn tags(observed: &ObservedLogGroup) -> Option<TagRef> {
        (!observed.arn.is_empty()).then(|| TagRef {
            target: TagTarget::LogGroup(observed.arn.clone()),
            known: None,
        })
    }
}
