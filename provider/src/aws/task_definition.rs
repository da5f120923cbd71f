//! Task definitions: a new revision is registered only when the desired one differs from the
//! revision in use; the family's other revisions are deregistered once the service runs the new
//! one.

use aws_sdk_ecs::types::{Compatibility, NetworkMode};

use super::Clients;
use super::retry::{AwsError, aws_error, unless_gone};
use super::unit::{Change, Changes, Env, Unit, read_all, read_each};
use crate::blueprint::service::{TaskDefinitionSpec, task_definition_matches};

/// The registered revision (an ARN, or a family's latest active revision), with its ARN, read
/// back into the blueprint's shape.
pub async fn describe(
    c: &Clients,
    arn: &str,
) -> Result<Option<(String, TaskDefinitionSpec)>, AwsError> {
    let found = c
        .ecs
        .describe_task_definition()
        .task_definition(arn)
        .send()
        .await
        .map_err(|e| aws_error("describe task definition", e));
    let Some(out) = unless_gone(found, "ClientException")? else {
        return Ok(None);
    };
    let Some(td) = out.task_definition() else {
        return Ok(None);
    };
    if td.status().map(|s| s.as_str()) == Some("INACTIVE") {
        return Ok(None);
    }
    let mut containers = td
        .container_definitions()
        .iter()
        .map(super::container_definition::from_sdk);
    let Some(container) = containers.next() else {
        return Ok(None);
    };
    let arn = td.task_definition_arn().unwrap_or(arn).to_owned();
    Ok(Some((
        arn,
        TaskDefinitionSpec {
            family: td.family().unwrap_or_default().to_owned(),
            network_mode: td
                .network_mode()
                .map(|m| m.as_str().to_owned())
                .unwrap_or_default(),
            requires_compatibilities: td
                .requires_compatibilities()
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            cpu: td.cpu().unwrap_or_default().to_owned(),
            memory: td.memory().unwrap_or_default().to_owned(),
            execution_role_arn: td.execution_role_arn().unwrap_or_default().to_owned(),
            task_role_arn: td.task_role_arn().unwrap_or_default().to_owned(),
            container,
            sidecars: containers.collect(),
            tags: Default::default(),
        },
    )))
}

/// Registers a new revision and returns its ARN.
pub async fn register(c: &Clients, spec: &TaskDefinitionSpec) -> Result<String, AwsError> {
    let step = "register task definition";
    let containers = spec
        .containers()
        .map(super::container_definition::to_sdk)
        .collect::<Result<Vec<_>, _>>()?;
    let out = c
        .ecs
        .register_task_definition()
        .family(&spec.family)
        .network_mode(NetworkMode::from(spec.network_mode.as_str()))
        .set_requires_compatibilities(Some(
            spec.requires_compatibilities
                .iter()
                .map(|c| Compatibility::from(c.as_str()))
                .collect(),
        ))
        .cpu(&spec.cpu)
        .memory(&spec.memory)
        .execution_role_arn(&spec.execution_role_arn)
        .task_role_arn(&spec.task_role_arn)
        .set_container_definitions(Some(containers))
        .set_tags(Some(super::tag_writes::ecs(&spec.tags)))
        .send()
        .await
        .map_err(|e| aws_error(step, e))?;
    out.task_definition()
        .and_then(|t| t.task_definition_arn())
        .map(str::to_owned)
        .ok_or_else(|| AwsError::new(step, "AWS returned no task definition ARN"))
}

/// Active revisions of the family.
pub async fn revisions(c: &Clients, family: &str) -> Result<Vec<String>, AwsError> {
    let out = c
        .ecs
        .list_task_definitions()
        .family_prefix(family)
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .map_err(|e| aws_error("list task definitions", e))?;
    // The prefix also matches longer family names; keep this family only.
    Ok(out
        .task_definition_arns()
        .iter()
        .filter(|arn| {
            arn.rsplit_once('/')
                .and_then(|(_, fam_rev)| fam_rev.rsplit_once(':'))
                .is_some_and(|(fam, _)| fam == family)
        })
        .cloned()
        .collect())
}

/// Deregisters a revision; one already inactive is fine.
pub async fn deregister(c: &Clients, arn: &str) -> Result<(), AwsError> {
    match c
        .ecs
        .deregister_task_definition()
        .task_definition(arn)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("deregister task definition", e);
            if err.code() == Some("ClientException") {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}

/// IAM changes take time to reach ECS: these errors mean "not yet".
pub fn iam_not_yet_visible(e: &AwsError) -> bool {
    let m = e.message.to_ascii_lowercase();
    m.contains("unable to assume")
        || m.contains("role is not valid")
        || m.contains("not authorized to perform: iam:passrole")
}

/// A registered revision, read back into the blueprint's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedTaskDefinition {
    pub arn: String,
    pub definition: TaskDefinitionSpec,
}

/// The revision a service runs (or is to run). A revision cannot change: a different desired
/// one is registered as a new revision, and the one it replaces stays until the service moves.
pub struct TaskDefinition;

/// Where a revision is found: by its ARN, else the family's latest active revision (one an
/// interrupted apply registered is adopted when it is the desired one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionKey {
    pub family: String,
    pub arn: Option<String>,
}

read_each! {
    TaskDefinition: "task definition", RevisionKey => ObservedTaskDefinition,
    |env, key| async move {
        let found = describe(env.c(), key.arn.as_deref().unwrap_or(&key.family)).await?;
        Ok(found.map(|(arn, definition)| ObservedTaskDefinition { arn, definition }))
    }
}

async fn register_new(
    env: &Env,
    spec: &TaskDefinitionSpec,
) -> Result<ObservedTaskDefinition, AwsError> {
    let arn = env
        .budget
        .retry_while(iam_not_yet_visible, || register(env.c(), spec))
        .await?;
    Ok(ObservedTaskDefinition {
        arn,
        definition: spec.clone(),
    })
}

impl Unit for TaskDefinition {
    type Desired = TaskDefinitionSpec;

    fn diff(desired: &TaskDefinitionSpec, observed: &ObservedTaskDefinition) -> Vec<Change> {
        Changes::new()
            .check(
                "revision",
                !task_definition_matches(desired, &observed.definition),
            )
            .done()
    }

    async fn create(
        env: &Env,
        _: &RevisionKey,
        desired: &TaskDefinitionSpec,
    ) -> Result<ObservedTaskDefinition, AwsError> {
        register_new(env, desired).await
    }

    async fn update(
        env: &Env,
        desired: &TaskDefinitionSpec,
        _: &ObservedTaskDefinition,
        _: &[Change],
    ) -> Result<ObservedTaskDefinition, AwsError> {
        register_new(env, desired).await
    }

    async fn delete(env: &Env, observed: &ObservedTaskDefinition) -> Result<(), AwsError> {
        deregister(env.c(), &observed.arn).await
    }
}

/// A task family, and the revision in use when there is one: the family is listed again once
/// the revision in use changes (a revision registered twice by a retried call shows then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyKey {
    pub family: String,
    pub in_use: Option<String>,
}

/// The active revisions of a service's task family: only the one in use may remain. On
/// delete, every one goes.
pub struct FamilyRevisions;

// Read as the ARNs of the family's active revisions.
read_all! {
    FamilyRevisions: "task definition revisions", FamilyKey => Vec<String>,
    |env, keys| {
        futures_util::future::try_join_all(
            keys.iter()
                .map(|k| async move { revisions(env.c(), &k.family).await.map(Some) }),
        )
        .await
}
}

impl Unit for FamilyRevisions {
    /// The revision in use.
    type Desired = String;

    const CREATES: bool = false;

    fn diff(desired: &String, observed: &Vec<String>) -> Vec<Change> {
        Changes::new()
            .check("old_revisions", observed.iter().any(|r| r != desired))
            .done()
    }

    async fn create(_: &Env, _: &FamilyKey, desired: &String) -> Result<Vec<String>, AwsError> {
        Ok(vec![desired.clone()])
    }

    async fn update(
        env: &Env,
        desired: &String,
        observed: &Vec<String>,
        _: &[Change],
    ) -> Result<Vec<String>, AwsError> {
        for arn in observed.iter().filter(|r| *r != desired) {
            deregister(env.c(), arn).await?;
        }
        Ok(vec![desired.clone()])
    }

    async fn delete(env: &Env, observed: &Vec<String>) -> Result<(), AwsError> {
        for arn in observed {
            deregister(env.c(), arn).await?;
        }
        Ok(())
    }
}
