//! The ECS-optimized Amazon Linux 2023 AMI, from AWS's public SSM parameter (public metadata,
//! not a secret).

use super::retry::{AwsError, aws_error};
use super::unit::{Env, Lookup};

pub const ECS_AL2023_PARAMETER: &str =
    "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id";

/// The region's recommended ECS-optimized AMI, by the public parameter that names it.
pub struct RecommendedAmi;

impl Lookup for RecommendedAmi {
    const KIND: &'static str = "recommended ECS-optimized AMI";
    /// The parameter's name.
    type Key = String;
    /// The AMI ID.
    type Observed = String;

    async fn read(env: &Env, keys: &[String]) -> Result<Vec<Option<String>>, AwsError> {
        futures_util::future::try_join_all(keys.iter().map(|parameter| async move {
            let step = "look up the ECS-optimized Amazon Linux 2023 AMI";
            let out = env
                .c()
                .ssm
                .get_parameter()
                .name(parameter)
                .send()
                .await
                .map_err(|e| aws_error(step, e))?;
            Ok(out.parameter().and_then(|p| p.value()).map(str::to_owned))
        }))
        .await
    }
}
