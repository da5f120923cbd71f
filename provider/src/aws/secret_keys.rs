//! The customer-managed KMS keys behind a service's secrets, found from their metadata only:
//! DescribeParameters and DescribeSecret never return values.

use std::collections::BTreeSet;

use aws_sdk_ssm::types::ParameterStringFilter;

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::read_all;
use crate::blueprint::service::SecretKind;

/// AWS-managed keys (`alias/aws/...`) need no grant; customer-managed ones do.
fn customer_managed(key: &str) -> bool {
    !key.is_empty() && !key.contains("alias/aws/")
}

/// ARNs of the customer-managed keys that encrypt these secrets.
pub async fn kms_keys(c: &Clients, secrets: &[SecretKind]) -> Result<Vec<String>, AwsError> {
    let mut keys = BTreeSet::new();
    for secret in secrets {
        let key = match secret {
            SecretKind::SsmParameter { name, .. } => {
                let out = c
                    .ssm
                    .describe_parameters()
                    .parameter_filters(
                        ParameterStringFilter::builder()
                            .key("Name")
                            .option("Equals")
                            .values(name)
                            .build()
                            .map_err(|e| AwsError::new("read parameter metadata", e.to_string()))?,
                    )
                    .send()
                    .await
                    .map_err(|e| aws_error("read parameter metadata", e))?;
                out.parameters()
                    .first()
                    .and_then(|p| p.key_id())
                    .map(str::to_owned)
            }
            SecretKind::SecretsManager { secret_arn } => c
                .secretsmanager
                .describe_secret()
                .secret_id(secret_arn)
                .send()
                .await
                .map_err(|e| aws_error("read secret metadata", e))?
                .kms_key_id()
                .map(str::to_owned),
        };
        if let Some(key) = key.filter(|k| customer_managed(k)) {
            keys.insert(key_arn(c, &key).await?);
        }
    }
    Ok(keys.into_iter().collect())
}

/// Resolves a key ID or alias to the key's ARN (IAM policies need the key ARN).
async fn key_arn(c: &Clients, key: &str) -> Result<String, AwsError> {
    if key.starts_with("arn:") && key.contains(":key/") {
        return Ok(key.to_owned());
    }
    let out = c
        .kms
        .describe_key()
        .key_id(key)
        .send()
        .await
        .map_err(|e| aws_error("read KMS key metadata", e))?;
    out.key_metadata()
        .and_then(|m| m.arn())
        .map(str::to_owned)
        .ok_or_else(|| AwsError::new("read KMS key metadata", format!("no ARN for key {key}")))
}

/// The customer-managed keys of a service's secrets.
pub struct SecretKeys;

read_all! {
    SecretKeys: "secrets' KMS keys", Vec<SecretKind> => Vec<String>,
    |env, keys| {
        futures_util::future::try_join_all(
            keys.iter()
                .map(|secrets| async move { kms_keys(env.c(), secrets).await.map(Some) }),
        )
        .await
}
}
