//! Cloud Map HTTP namespaces, where ECS Service Connect publishes services: found by name and
//! owned only when tagged as the cluster's (one of that name that is not is refused, never
//! adopted), created (an asynchronous Cloud Map operation, waited for), tagged, and deleted with
//! the Cloud Map services ECS made in them for the cluster's services.

use aws_sdk_servicediscovery::types::{
    FilterCondition, NamespaceFilter, NamespaceFilterName, NamespaceType, OperationStatus,
    ServiceFilter, ServiceFilterName,
};

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::{Change, Env, TagRef, TagTarget, Tags, Unit, read_each};
use crate::blueprint::OWNER_TAG;
use crate::blueprint::cluster::NamespaceSpec;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedNamespace {
    pub id: String,
    pub arn: String,
    pub name: String,
    /// The cluster that owns it (its objects' prefix).
    pub cluster: String,
    pub tags: Tags,
}

/// Where a cluster's namespace is found: its name, and the cluster that must own it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceKey {
    pub name: String,
    pub cluster: String,
}

fn filter(name: NamespaceFilterName, value: &str) -> Result<NamespaceFilter, AwsError> {
    NamespaceFilter::builder()
        .name(name)
        .values(value)
        .condition(FilterCondition::Eq)
        .build()
        .map_err(|e| AwsError::new("find Cloud Map namespace", e.to_string()))
}

/// The cluster's HTTP namespace of that name, if there is one; one of that name that is not
/// tagged as the cluster's is an error, so another's namespace is never taken over.
async fn find(c: &Clients, key: &NamespaceKey) -> Result<Option<ObservedNamespace>, AwsError> {
    let Some((id, arn)) = find_named(c, &key.name).await? else {
        return Ok(None);
    };
    let tags = c
        .cloudmap
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map(|o| super::tags::pairs(o.tags().iter().map(|t| (Some(t.key()), Some(t.value())))))
        .map_err(|e| aws_error("read Cloud Map tags", e))?;
    match tags.get(OWNER_TAG) {
        Some(owner) if *owner == key.cluster => Ok(Some(ObservedNamespace {
            id,
            arn,
            name: key.name.clone(),
            cluster: key.cluster.clone(),
            tags,
        })),
        owner => Err(AwsError::new(
            "find Cloud Map namespace",
            format!(
                "Cloud Map namespace {:?} exists and is not cluster {:?}'s ({}): set service_connect_namespace to another name, or tag the namespace {OWNER_TAG} = {:?} to let the cluster own it",
                key.name,
                key.cluster,
                owner.map_or("it has no ownership tag".to_owned(), |o| format!(
                    "{OWNER_TAG} is {o:?}"
                )),
                key.cluster,
            ),
        )),
    }
}

/// The ID and ARN of the HTTP namespace called `name`, if there is one.
async fn find_named(c: &Clients, name: &str) -> Result<Option<(String, String)>, AwsError> {
    let mut token = None;
    loop {
        let out = c
            .cloudmap
            .list_namespaces()
            .filters(filter(
                NamespaceFilterName::Type,
                NamespaceType::Http.as_str(),
            )?)
            .filters(filter(NamespaceFilterName::Name, name)?)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| aws_error("find Cloud Map namespace", e))?;
        let found = out
            .namespaces()
            .iter()
            .find(|n| n.name() == Some(name) && n.r#type() == Some(&NamespaceType::Http));
        if let Some(n) = found {
            let (Some(id), Some(arn)) = (n.id(), n.arn()) else {
                return Err(AwsError::new(
                    "find Cloud Map namespace",
                    format!("AWS listed namespace {name:?} without its ID or ARN"),
                ));
            };
            return Ok(Some((id.to_owned(), arn.to_owned())));
        }
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(None);
        }
    }
}

/// Waits until Cloud Map's operation `id` has succeeded; a failed one is the error.
async fn wait_for(env: &Env, step: &str, id: &str) -> Result<(), AwsError> {
    env.budget
        .wait_until(step, || async {
            let out = env
                .c()
                .cloudmap
                .get_operation()
                .operation_id(id)
                .send()
                .await
                .map_err(|e| aws_error(step, e))?;
            let op = out.operation();
            match op.and_then(|o| o.status()) {
                Some(OperationStatus::Success) => Ok(true),
                Some(OperationStatus::Fail) => Err(AwsError::new(
                    step,
                    op.and_then(|o| o.error_message())
                        .unwrap_or("the Cloud Map operation failed")
                        .to_owned(),
                )),
                _ => Ok(false),
            }
        })
        .await
}

/// The IDs and names of the Cloud Map services in namespace `id`.
async fn services_in(c: &Clients, id: &str) -> Result<Vec<(String, String)>, AwsError> {
    let in_namespace = ServiceFilter::builder()
        .name(ServiceFilterName::NamespaceId)
        .values(id)
        .condition(FilterCondition::Eq)
        .build()
        .map_err(|e| AwsError::new("list Cloud Map services", e.to_string()))?;
    let mut ids = Vec::new();
    let mut token = None;
    loop {
        let out = c
            .cloudmap
            .list_services()
            .filters(in_namespace.clone())
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| aws_error("list Cloud Map services", e))?;
        ids.extend(
            out.services()
                .iter()
                .filter_map(|s| Some((s.id()?.to_owned(), s.name()?.to_owned()))),
        );
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(ids);
        }
    }
}

/// How the Cloud Map services ECS makes for a cluster's services begin.
fn discovery_prefix(cluster: &str) -> String {
    crate::blueprint::service::discovery_name(cluster, "")
}

pub struct Namespace;

read_each! {
    Namespace: "Cloud Map namespace", NamespaceKey => ObservedNamespace,
    |env, k| find(env.c(), k)
}

impl Unit for Namespace {
    type Desired = NamespaceSpec;

    /// A namespace has nothing to change but its tags.
    fn diff(_: &NamespaceSpec, _: &ObservedNamespace) -> Vec<Change> {
        Vec::new()
    }

    async fn create(
        env: &Env,
        key: &NamespaceKey,
        desired: &NamespaceSpec,
    ) -> Result<ObservedNamespace, AwsError> {
        let step = "create Cloud Map namespace";
        let created = env
            .c()
            .cloudmap
            .create_http_namespace()
            .name(&key.name)
            .creator_request_id(super::retry::client_token())
            .description(&desired.description)
            .set_tags(Some(super::tag_writes::cloud_map(&desired.tags)?))
            .send()
            .await
            .map_err(|e| aws_error(step, e))
            .map(|out| out.operation_id().map(str::to_owned));
        match created {
            Ok(Some(operation)) => wait_for(env, step, &operation).await?,
            Ok(None) => {}
            // A create whose answer was lost meets the namespace it made, which Cloud Map lists
            // once its creation has finished: that one is adopted, when it is the cluster's.
            Err(e) if e.code() == Some("NamespaceAlreadyExists") => {
                env.budget
                    .wait_until("the namespace to be listed", || async {
                        Ok(find_named(env.c(), &key.name).await?.is_some())
                    })
                    .await?
            }
            Err(e) => return Err(e),
        }
        find(env.c(), key)
            .await?
            .ok_or_else(|| AwsError::new(step, "the new namespace cannot be read back"))
    }

    async fn update(
        _: &Env,
        _: &NamespaceSpec,
        observed: &ObservedNamespace,
        _: &[Change],
    ) -> Result<ObservedNamespace, AwsError> {
        Ok(observed.clone())
    }

    /// The Cloud Map services ECS made for the cluster's services stay after those are
    /// deleted: they go first (their instances may take a moment to be deregistered). Any other
    /// service keeps the namespace, and the error says so.
    async fn delete(env: &Env, observed: &ObservedNamespace) -> Result<(), AwsError> {
        let c = env.c();
        let own = discovery_prefix(&observed.cluster);
        for (id, _) in services_in(c, &observed.id)
            .await?
            .into_iter()
            .filter(|(_, name)| name.starts_with(&own))
        {
            let deleted = env
                .budget
                .retry_while(
                    |e| e.code() == Some("ResourceInUse"),
                    || async {
                        c.cloudmap
                            .delete_service()
                            .id(&id)
                            .send()
                            .await
                            .map_err(|e| aws_error("delete Cloud Map service", e))
                    },
                )
                .await;
            if let Err(err) = deleted
                && err.code() != Some("ServiceNotFound")
            {
                return Err(err);
            }
        }
        let step = "delete Cloud Map namespace";
        match c.cloudmap.delete_namespace().id(&observed.id).send().await {
            Ok(out) => match out.operation_id() {
                Some(id) => wait_for(env, step, id).await,
                None => Ok(()),
            },
            Err(e) => {
                let err = aws_error(step, e);
                if err.code() == Some("NamespaceNotFound") {
                    Ok(())
                } else {
                    Err(err)
                }
            }
        }
    }

    fn desired_tags(desired: &NamespaceSpec) -> Option<Tags> {
        Some(desired.tags.clone())
    }

    fn tags(observed: &ObservedNamespace) -> Option<TagRef> {
        Some(TagRef {
            target: TagTarget::CloudMap(observed.arn.clone()),
            known: Some(observed.tags.clone()),
        })
    }
}
