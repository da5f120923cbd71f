//! The ECS-optimized Amazon Linux 2023 AMI, from AWS's public SSM parameter (public metadata,
//! not a secret).

use super::retry::{AwsError, aws_error};
use super::unit::{Env, Lookup, each};

/// The region's recommended ECS-optimized AMI, by the public parameter that names it (one per
/// architecture, see `blueprint::cluster::ami_parameter`).
pub struct RecommendedAmi;

impl Lookup for RecommendedAmi {
    const KIND: &'static str = "recommended ECS-optimized AMI";
    /// The parameter's name.
    type Key = String;
    /// The AMI ID.
    type Observed = String;

    async fn read(env: &Env, keys: &[String]) -> Result<Vec<Option<String>>, AwsError> {
        each(keys, |parameter| async move {
            let step = "look up the ECS-optimized Amazon Linux 2023 AMI";
            let out = env
                .c()
                .ssm
                .get_parameter()
                .name(parameter)
                .send()
                .await
                .map_err(|e| aws_error(step, e));
            match out {
                Ok(out) => Ok(out.parameter().and_then(|p| p.value()).map(str::to_owned)),
                // A region without the parameter has no recommended AMI.
                Err(e) if e.code() == Some("ParameterNotFound") => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await
    }
}
