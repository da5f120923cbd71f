//! The ECS-optimized Amazon Linux 2023 AMI, from AWS's public SSM parameter (public metadata,
//! not a secret).

use super::retry::aws_error;
use super::unit::read_each;

/// The region's recommended ECS-optimized AMI, by the public parameter that names it (one per
/// architecture, see `blueprint::cluster::ami_parameter`): keyed by the parameter's name, read
/// as the AMI ID.
pub struct RecommendedAmi;

read_each! {
    RecommendedAmi: "recommended ECS-optimized AMI", String => String,
    |env, parameter| async move {
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
    }
}
