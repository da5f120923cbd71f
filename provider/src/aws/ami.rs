//! The ECS-optimized Amazon Linux 2023 AMI, from AWS's public SSM parameter (public metadata,
//! not a secret).

use super::Clients;
use super::retry::{AwsError, aws_error};

pub const ECS_AL2023_PARAMETER: &str =
    "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id";

pub async fn recommended_ecs_ami(c: &Clients) -> Result<String, AwsError> {
    let step = "look up the ECS-optimized Amazon Linux 2023 AMI";
    let out = c
        .ssm
        .get_parameter()
        .name(ECS_AL2023_PARAMETER)
        .send()
        .await
        .map_err(|e| aws_error(step, e))?;
    out.parameter()
        .and_then(|p| p.value())
        .map(str::to_owned)
        .ok_or_else(|| AwsError::new(step, "the parameter has no value"))
}
