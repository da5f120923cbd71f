//! Whether the SSM parameters and Secrets Manager secrets a service names exist, read from
//! their metadata only: DescribeParameters and DescribeSecret never return a value, and
//! nothing here calls GetParameter(s) or GetSecretValue.

use std::collections::BTreeSet;

use aws_sdk_ssm::types::ParameterStringFilter;

use super::Clients;
use super::retry::{AwsError, aws_error};

/// Values one DescribeParameters filter accepts.
const NAMES_PER_CALL: usize = 50;

/// A parameter name as SSM compares it: with one leading `/` (`a` and `/a` are the same name
/// to the `Name` filter).
fn normalized(name: &str) -> String {
    format!("/{}", name.trim_start_matches('/'))
}

/// The names among `names` of parameters that exist in this account and region.
pub async fn existing_parameters(
    c: &Clients,
    names: &[String],
) -> Result<BTreeSet<String>, AwsError> {
    let step = "read parameter metadata";
    let wanted: BTreeSet<String> = names.iter().map(|n| normalized(n)).collect();
    let mut found = BTreeSet::new();
    for chunk in names.chunks(NAMES_PER_CALL) {
        let filter = ParameterStringFilter::builder()
            .key("Name")
            .option("Equals")
            .set_values(Some(chunk.to_vec()))
            .build()
            .map_err(|e| AwsError::new(step, e.to_string()))?;
        let pages = c
            .ssm
            .describe_parameters()
            .parameter_filters(filter)
            .max_results(NAMES_PER_CALL as i32)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| aws_error(step, e))?;
        for p in pages.iter().flat_map(|page| page.parameters()) {
            if let Some(name) = p.name().map(normalized)
                && wanted.contains(&name)
            {
                found.insert(name);
            }
        }
    }
    Ok(names
        .iter()
        .filter(|n| found.contains(&normalized(n)))
        .cloned()
        .collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretState {
    Exists,
    /// Deleted, waiting out its recovery window: ECS cannot read it.
    ScheduledForDeletion,
    Missing,
}

/// The state of a Secrets Manager secret, by ARN (complete or without its random suffix).
pub async fn secret_state(c: &Clients, secret_arn: &str) -> Result<SecretState, AwsError> {
    match c
        .secretsmanager
        .describe_secret()
        .secret_id(secret_arn)
        .send()
        .await
    {
        Ok(out) if out.deleted_date().is_some() => Ok(SecretState::ScheduledForDeletion),
        Ok(_) => Ok(SecretState::Exists),
        Err(e) => {
            let err = aws_error("read secret metadata", e);
            if matches!(err.code(), Some("ResourceNotFoundException")) {
                Ok(SecretState::Missing)
            } else {
                Err(err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_compare_with_one_leading_slash() {
        assert_eq!(normalized("app/db"), "/app/db");
        assert_eq!(normalized("/app/db"), "/app/db");
        assert_eq!(normalized("db"), "/db");
    }
}
