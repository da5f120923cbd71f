//! Tags in each API's own types, and setting and removing them with each API's own calls.

use std::future::Future;

use aws_sdk_autoscaling::types::Tag as GroupTag;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::{TagTarget, Tags};

pub fn ecs(tags: &Tags) -> Vec<aws_sdk_ecs::types::Tag> {
    let tag = |(k, v)| aws_sdk_ecs::types::Tag::builder().key(k).value(v).build();
    tags.iter().map(tag).collect()
}

pub fn ec2(tags: &Tags) -> Vec<aws_sdk_ec2::types::Tag> {
    let tag = |(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build();
    tags.iter().map(tag).collect()
}

pub fn elbv2(tags: &Tags) -> Vec<aws_sdk_elasticloadbalancingv2::types::Tag> {
    use aws_sdk_elasticloadbalancingv2::types::Tag;
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

pub fn iam(tags: &Tags) -> Result<Vec<aws_sdk_iam::types::Tag>, AwsError> {
    let tag = |(k, v)| aws_sdk_iam::types::Tag::builder().key(k).value(v).build();
    tags.iter()
        .map(|t| tag(t).map_err(|e| AwsError::new("tag IAM role", e.to_string())))
        .collect()
}

pub fn cloudwatch(tags: &Tags) -> Vec<aws_sdk_cloudwatch::types::Tag> {
    let tag = |(k, v)| {
        aws_sdk_cloudwatch::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
    };
    tags.iter().map(tag).collect()
}

pub fn cloud_map(tags: &Tags) -> Result<Vec<aws_sdk_servicediscovery::types::Tag>, AwsError> {
    let tag = |(k, v)| {
        aws_sdk_servicediscovery::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
    };
    tags.iter()
        .map(|t| tag(t).map_err(|e| AwsError::new("tag Cloud Map namespace", e.to_string())))
        .collect()
}

/// A tag of Auto Scaling group `group`, given to the instances it launches; no value for a
/// removal.
fn group_tag(group: &str, k: &str, v: Option<&str>) -> GroupTag {
    GroupTag::builder()
        .resource_id(group)
        .resource_type("auto-scaling-group")
        .key(k)
        .set_value(v.map(str::to_owned))
        .propagate_at_launch(true)
        .build()
}

/// The tags of Auto Scaling group `group`, each given to the instances it launches.
pub fn auto_scaling(group: &str, tags: &Tags) -> Vec<GroupTag> {
    tags.iter()
        .map(|(k, v)| group_tag(group, k, Some(v)))
        .collect()
}

/// Waits for a call that answers nothing worth keeping; its failure is `step`'s.
async fn done<O, E, R>(
    step: &str,
    call: impl Future<Output = Result<O, SdkError<E, R>>>,
) -> Result<(), AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    call.await.map(|_| ()).map_err(|e| aws_error(step, e))
}

/// Sets `tags` (adding or changing those keys).
pub async fn set(c: &Clients, target: &TagTarget, tags: &Tags) -> Result<(), AwsError> {
    match target {
        TagTarget::Ecs(arn) => {
            let call = c.ecs.tag_resource().resource_arn(arn);
            done("tag ECS object", call.set_tags(Some(ecs(tags))).send()).await
        }
        TagTarget::Ec2(id) => {
            let call = c.ec2.create_tags().resources(id);
            done("tag EC2 object", call.set_tags(Some(ec2(tags))).send()).await
        }
        TagTarget::Elbv2(arn) => {
            let call = c.elbv2.add_tags().resource_arns(arn);
            done(
                "tag load balancer object",
                call.set_tags(Some(elbv2(tags))).send(),
            )
            .await
        }
        TagTarget::AutoScalingGroup(name) => {
            let call = c.autoscaling.create_or_update_tags();
            let tags = auto_scaling(name, tags);
            done("tag Auto Scaling group", call.set_tags(Some(tags)).send()).await
        }
        TagTarget::IamRole(name) => {
            let call = c.iam.tag_role().role_name(name);
            done("tag IAM role", call.set_tags(Some(iam(tags)?)).send()).await
        }
        TagTarget::LogGroup(arn) => {
            let call = c.logs.tag_resource().resource_arn(arn);
            let tags = tags.clone().into_iter().collect();
            done("tag log group", call.set_tags(Some(tags)).send()).await
        }
        TagTarget::Alarm(arn) => {
            let call = c.cloudwatch.tag_resource().resource_arn(arn);
            done("tag alarm", call.set_tags(Some(cloudwatch(tags))).send()).await
        }
        TagTarget::CloudMap(arn) => {
            let call = c.cloudmap.tag_resource().resource_arn(arn);
            let tags = cloud_map(tags)?;
            done("tag Cloud Map namespace", call.set_tags(Some(tags)).send()).await
        }
    }
}

/// Removes the tags with these keys.
pub async fn remove(c: &Clients, target: &TagTarget, keys: &[String]) -> Result<(), AwsError> {
    let names = Some(keys.to_vec());
    match target {
        TagTarget::Ecs(arn) => {
            let call = c.ecs.untag_resource().resource_arn(arn);
            done("untag ECS object", call.set_tag_keys(names).send()).await
        }
        TagTarget::Ec2(id) => {
            let tag = |k| aws_sdk_ec2::types::Tag::builder().key(k).build();
            let call = c.ec2.delete_tags().resources(id);
            let tags = keys.iter().map(tag).collect();
            done("untag EC2 object", call.set_tags(Some(tags)).send()).await
        }
        TagTarget::Elbv2(arn) => {
            let call = c.elbv2.remove_tags().resource_arns(arn);
            done(
                "untag load balancer object",
                call.set_tag_keys(names).send(),
            )
            .await
        }
        TagTarget::AutoScalingGroup(name) => {
            let tags = keys.iter().map(|k| group_tag(name, k, None)).collect();
            let call = c.autoscaling.delete_tags().set_tags(Some(tags));
            done("untag Auto Scaling group", call.send()).await
        }
        TagTarget::IamRole(name) => {
            let call = c.iam.untag_role().role_name(name);
            done("untag IAM role", call.set_tag_keys(names).send()).await
        }
        TagTarget::LogGroup(arn) => {
            let call = c.logs.untag_resource().resource_arn(arn);
            done("untag log group", call.set_tag_keys(names).send()).await
        }
        TagTarget::Alarm(arn) => {
            let call = c.cloudwatch.untag_resource().resource_arn(arn);
            done("untag alarm", call.set_tag_keys(names).send()).await
        }
        TagTarget::CloudMap(arn) => {
            let call = c.cloudmap.untag_resource().resource_arn(arn);
            done("untag Cloud Map namespace", call.set_tag_keys(names).send()).await
        }
    }
}
