//! How listener rules are read: every rule of a listener page by page, one rule by ARN, and the
//! rules of many keys at once (each listener's rules read once, rules known only by ARN twenty
//! per call).

use super::Clients;
use super::listener_rule::{ObservedRule, RuleKey, observed_rule};
use super::retry::{AwsError, aws_error};

/// Every rule of the listener, page by page.
pub async fn rules(c: &Clients, listener_arn: &str) -> Result<Vec<ObservedRule>, AwsError> {
    let mut found = Vec::new();
    let mut marker = None;
    loop {
        let out = c
            .elbv2
            .describe_rules()
            .listener_arn(listener_arn)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| aws_error("describe listener rules", e))?;
        found.extend(out.rules().iter().map(observed_rule));
        match out.next_marker() {
            Some(next) if !next.is_empty() => marker = Some(next.to_owned()),
            _ => return Ok(found),
        }
    }
}

/// One rule by ARN; `None` when it no longer exists.
pub async fn describe_rule(c: &Clients, arn: &str) -> Result<Option<ObservedRule>, AwsError> {
    match c.elbv2.describe_rules().rule_arns(arn).send().await {
        Ok(out) => Ok(out.rules().first().map(observed_rule)),
        Err(e) => {
            let err = aws_error("describe listener rule", e);
            if err.code() == Some("RuleNotFound") {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// The rules of `keys`, in order: the rules of each listener are read once for all of its keys.
pub(super) async fn find_many(
    c: &Clients,
    keys: &[RuleKey],
) -> Result<Vec<Option<ObservedRule>>, AwsError> {
    let mut listeners: Vec<&str> = keys
        .iter()
        .filter_map(|k| k.listener_arn.as_deref())
        .collect();
    listeners.sort_unstable();
    listeners.dedup();
    // A listener that is gone has no rules.
    let listed = futures_util::future::try_join_all(listeners.iter().map(|l| async move {
        match rules(c, l).await {
            Err(e) if e.code() == Some("ListenerNotFound") => Ok(Vec::new()),
            other => other,
        }
    }))
    .await?;
    // Rules known by ARN alone (before the listener is read), twenty per call.
    let by_arn: Vec<String> = keys
        .iter()
        .filter(|k| k.listener_arn.is_none())
        .filter_map(|k| k.arn.clone())
        .collect();
    let mut described = Vec::new();
    for chunk in by_arn.chunks(20).filter(|c| c.len() > 1) {
        match c
            .elbv2
            .describe_rules()
            .set_rule_arns(Some(chunk.to_vec()))
            .send()
            .await
        {
            Ok(out) => described.extend(out.rules().iter().map(observed_rule)),
            Err(e) => {
                // One rule that is gone fails the call: each is then read on its own.
                let err = aws_error("describe listener rules", e);
                if err.code() != Some("RuleNotFound") {
                    return Err(err);
                }
            }
        }
    }
    let described = &described;
    let each = keys.iter().map(|key| {
        let known = key
            .arn
            .as_ref()
            .and_then(|arn| described.iter().find(|r| r.arn == *arn))
            .cloned();
        let on_listener = key
            .listener_arn
            .as_deref()
            .and_then(|l| listeners.iter().position(|x| *x == l))
            .and_then(|i| listed.get(i));
        async move {
            match (known, on_listener) {
                (Some(rule), _) => Ok(Some(rule)),
                (None, Some(all)) => find_among(c, key, all).await,
                (None, None) => find(c, key).await,
            }
        }
    });
    futures_util::future::try_join_all(each).await
}

/// The rule of `key` among its listener's rules `all`: by its recorded ARN (read on its own
/// when it is not there), else the rule that forwards to the service's groups.
async fn find_among(
    c: &Clients,
    key: &RuleKey,
    all: &[ObservedRule],
) -> Result<Option<ObservedRule>, AwsError> {
    if let Some(arn) = &key.arn {
        if let Some(rule) = all.iter().find(|r| r.arn == *arn) {
            return Ok(Some(rule.clone()));
        }
        if let Some(rule) = describe_rule(c, arn).await? {
            return Ok(Some(rule));
        }
    }
    Ok(forwarding(key, all))
}

/// Of `all`, the rule that forwards to the key's groups (for the key's host, when it has one).
fn forwarding(key: &RuleKey, all: &[ObservedRule]) -> Option<ObservedRule> {
    if key.target_groups.is_empty() {
        return None;
    }
    all.iter()
        .find(|r| {
            r.target_group_arns
                .iter()
                .any(|arn| key.target_groups.contains(arn))
                && key.host.as_ref().is_none_or(|h| r.host_headers.contains(h))
        })
        .cloned()
}

/// The rule by its recorded ARN, else the listener's rule that forwards to the service's groups.
async fn find(c: &Clients, key: &RuleKey) -> Result<Option<ObservedRule>, AwsError> {
    if let Some(arn) = &key.arn
        && let Some(rule) = describe_rule(c, arn).await?
    {
        return Ok(Some(rule));
    }
    match &key.listener_arn {
        Some(listener) if !key.target_groups.is_empty() => {
            Ok(forwarding(key, &rules(c, listener).await?))
        }
        _ => Ok(None),
    }
}
