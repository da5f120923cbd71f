//! Who the credentials belong to: one STS `GetCallerIdentity`, made when the provider is
//! configured to prove the credentials work, and remembered for the account ID the plan-time
//! checks need. A failure is explained for people: the region, the endpoint, where the
//! credentials came from, and what to do.

use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;

use super::clients::Clients;
use super::retry::{AwsError, aws_error, readable_chain};

const STEP: &str = "read the caller identity";

/// Error codes of an STS that is failing on its side (throttling aside).
const TRANSIENT: &[&str] = &["InternalFailure", "InternalError", "ServiceUnavailable"];

/// The account the credentials belong to, read once per provider process.
pub async fn account_id(c: &Clients) -> Result<String, AwsError> {
    c.origin
        .account
        .get_or_try_init(|| async {
            let out = c
                .sts
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| aws_error(STEP, e))?;
            out.account()
                .map(str::to_owned)
                .ok_or_else(|| AwsError::new(STEP, "AWS returned no account"))
        })
        .await
        .cloned()
}

/// Proves the credentials work with one `GetCallerIdentity`; the error is the whole
/// explanation, ready to show.
pub async fn validate(c: &Clients) -> Result<(), String> {
    // A few quick attempts: an endpoint that cannot be reached should say so in seconds. One
    // that answers "slow down" or fails on its side is asked again at the usual pace.
    let quick = c.quick(3, std::time::Duration::from_secs(10));
    let err = match account_id(&quick).await {
        Ok(_) => return Ok(()),
        Err(e) if e.is_throttling() || e.code().is_some_and(|code| TRANSIENT.contains(&code)) => {
            match account_id(c).await {
                Ok(_) => return Ok(()),
                Err(e) => e,
            }
        }
        Err(e) => e,
    };
    let origin = &c.origin;
    let endpoint = origin
        .sts_endpoint
        .clone()
        .unwrap_or_else(|| default_endpoint(&c.region));
    // The call failed: resolve the credentials on their own, to tell a credentials problem
    // from a refused key or an endpoint that cannot be reached.
    let credentials = match &origin.credentials {
        Some(provider) => provider.provide_credentials().await.err(),
        None => Some(CredentialsError::not_loaded_no_source()),
    };
    let (what, advice) = match &credentials {
        Some(e) => credentials_problem(e, origin.profile.as_deref()),
        None => call_problem(&err),
    };
    Err(format!(
        "{what}\n\nRegion: {region}\nSTS endpoint: {endpoint}\nCredentials: {source}\nAWS said: {said}\n\n{advice}",
        region = c.region,
        source = origin.credentials_source,
        said = match &credentials {
            Some(e) => readable_chain(e),
            None => err.message.clone(),
        },
    ))
}

fn default_endpoint(region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://sts.{region}.{suffix}")
}

/// What went wrong and what to do, when the credentials themselves could not be had.
fn credentials_problem(e: &CredentialsError, profile: Option<&str>) -> (&'static str, String) {
    let text = readable_chain(e).to_lowercase();
    if text.contains("sso") && (text.contains("expired") || text.contains("token")) {
        let login = match profile {
            Some(p) => format!("aws sso login --profile {p}"),
            None => "aws sso login".to_owned(),
        };
        return (
            "The AWS SSO session of the profile has expired or was never started.",
            format!("Run `{login}`, then run Terraform again."),
        );
    }
    let (what, advice) = match e {
        CredentialsError::CredentialsNotLoaded(_) => (
            "No AWS credentials were found.",
            "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), or name a profile (`profile` in the provider block or AWS_PROFILE) from ~/.aws/config, or run `aws sso login` for an SSO profile.",
        ),
        CredentialsError::ProviderTimedOut(_) => (
            "Loading the AWS credentials timed out.",
            "On a laptop this is usually the instance metadata lookup of the default chain: set credentials in the environment or name a profile.",
        ),
        _ => (
            "The AWS credentials could not be loaded.",
            "Check the profile's settings in ~/.aws/config and ~/.aws/credentials, or the assume_role settings of the provider block.",
        ),
    };
    (what, advice.to_owned())
}

/// What went wrong and what to do, when the credentials loaded but the call failed.
fn call_problem(err: &AwsError) -> (&'static str, String) {
    let (what, advice) = call_problem_words(err);
    (what, advice.to_owned())
}

fn call_problem_words(err: &AwsError) -> (&'static str, &'static str) {
    match err.code() {
        Some("InvalidClientTokenId" | "UnrecognizedClientException" | "SignatureDoesNotMatch") => (
            "AWS refused the credentials: the access key is not valid.",
            "Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the keys of the profile; a key that was deleted or deactivated in IAM fails this way.",
        ),
        Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired") => (
            "The AWS credentials have expired.",
            "Renew the temporary credentials (`aws sso login` for an SSO profile, or a new session token), then run Terraform again.",
        ),
        Some(_) => (
            "AWS refused the credentials check.",
            "Check the credentials and the region, or set skip_credentials_validation = true where STS cannot be called.",
        ),
        None => (
            "The AWS STS endpoint could not be reached.",
            "Check the network (a proxy, a VPN, a firewall) and the region: a region that does not exist has no endpoint. With a custom endpoint (`endpoints` or AWS_ENDPOINT_URL), check that it is up.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_keys_expired_tokens_and_unreachable_endpoints_each_get_their_advice() {
        let refused = AwsError {
            step: STEP.into(),
            code: Some("InvalidClientTokenId".into()),
            message: "InvalidClientTokenId: The security token included in the request is invalid."
                .into(),
        };
        assert!(call_problem(&refused).0.contains("not valid"));
        let expired = AwsError {
            code: Some("ExpiredToken".into()),
            ..refused.clone()
        };
        assert!(call_problem(&expired).0.contains("expired"));
        let unreachable = AwsError::new(STEP, "could not connect: Connection refused");
        assert!(
            call_problem(&unreachable)
                .0
                .contains("could not be reached")
        );
        let none = CredentialsError::not_loaded_no_source();
        assert!(
            credentials_problem(&none, None)
                .0
                .contains("No AWS credentials")
        );
    }

    #[test]
    fn the_default_sts_endpoint_follows_the_partition() {
        assert_eq!(
            default_endpoint("eu-west-1"),
            "https://sts.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            default_endpoint("cn-north-1"),
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
    }
}
