//! CloudWatch log groups of services.

use std::collections::BTreeMap;

use super::Clients;
use super::retry::{AwsError, aws_error};

/// The retention of the group, if it exists (`Some(None)`: exists, never expires).
pub async fn describe(c: &Clients, name: &str) -> Result<Option<Option<i32>>, AwsError> {
    let out = c
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(|e| aws_error("describe log group", e))?;
    Ok(out
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
        .map(|g| g.retention_in_days()))
}

pub async fn ensure(
    c: &Clients,
    name: &str,
    retention_days: i32,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let existing = describe(c, name).await?;
    if existing.is_none() {
        match c
            .logs
            .create_log_group()
            .log_group_name(name)
            .set_tags(Some(tags.clone().into_iter().collect()))
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) => {
                let err = aws_error("create log group", e);
                if err.code() != Some("ResourceAlreadyExistsException") {
                    return Err(err);
                }
            }
        }
    }
    if existing.flatten() != Some(retention_days) {
        c.logs
            .put_retention_policy()
            .log_group_name(name)
            .retention_in_days(retention_days)
            .send()
            .await
            .map_err(|e| aws_error("set log retention", e))?;
    }
    Ok(())
}

pub async fn delete(c: &Clients, name: &str) -> Result<(), AwsError> {
    match c.logs.delete_log_group().log_group_name(name).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("delete log group", e);
            if err.code() == Some("ResourceNotFoundException") {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}
