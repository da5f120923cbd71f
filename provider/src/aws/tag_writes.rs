//! Setting and removing tags with each API's own calls.

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::{TagTarget, Tags};

fn asg_tag(group: &str, k: &str, v: Option<&str>) -> aws_sdk_autoscaling::types::Tag {
    aws_sdk_autoscaling::types::Tag::builder()
        .resource_id(group)
        .resource_type("auto-scaling-group")
        .key(k)
        .set_value(v.map(str::to_owned))
        .propagate_at_launch(true)
        .build()
}

/// Sets `tags` (adding or changing those keys).
pub async fn set(c: &Clients, target: &TagTarget, tags: &Tags) -> Result<(), AwsError> {
    match target {
        TagTarget::Ecs(arn) => c
            .ecs
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(
                tags.iter()
                    .map(|(k, v)| aws_sdk_ecs::types::Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("tag ECS object", e)),
        TagTarget::Ec2(id) => c
            .ec2
            .create_tags()
            .resources(id)
            .set_tags(Some(
                tags.iter()
                    .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("tag EC2 object", e)),
        TagTarget::Elbv2(arn) => c
            .elbv2
            .add_tags()
            .resource_arns(arn)
            .set_tags(Some(
                tags.iter()
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
            .map_err(|e| aws_error("tag load balancer object", e)),
        TagTarget::AutoScalingGroup(name) => c
            .autoscaling
            .create_or_update_tags()
            .set_tags(Some(
                tags.iter()
                    .map(|(k, v)| asg_tag(name, k, Some(v)))
                    .collect(),
            ))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("tag Auto Scaling group", e)),
        TagTarget::IamRole(name) => c
            .iam
            .tag_role()
            .role_name(name)
            .set_tags(Some(super::iam_role::iam_tags(tags)?))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("tag IAM role", e)),
        TagTarget::LogGroup(arn) => c
            .logs
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags.clone().into_iter().collect()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("tag log group", e)),
    }
}

/// Removes the tags with these keys.
pub async fn remove(c: &Clients, target: &TagTarget, keys: &[String]) -> Result<(), AwsError> {
    let keys = keys.to_vec();
    match target {
        TagTarget::Ecs(arn) => c
            .ecs
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("untag ECS object", e)),
        TagTarget::Ec2(id) => c
            .ec2
            .delete_tags()
            .resources(id)
            .set_tags(Some(
                keys.iter()
                    .map(|k| aws_sdk_ec2::types::Tag::builder().key(k).build())
                    .collect(),
            ))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("untag EC2 object", e)),
        TagTarget::Elbv2(arn) => c
            .elbv2
            .remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("untag load balancer object", e)),
        TagTarget::AutoScalingGroup(name) => c
            .autoscaling
            .delete_tags()
            .set_tags(Some(keys.iter().map(|k| asg_tag(name, k, None)).collect()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("untag Auto Scaling group", e)),
        TagTarget::IamRole(name) => c
            .iam
            .untag_role()
            .role_name(name)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("untag IAM role", e)),
        TagTarget::LogGroup(arn) => c
            .logs
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("untag log group", e)),
    }
}
