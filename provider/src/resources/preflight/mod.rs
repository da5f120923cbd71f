//! Plan-time checks against the live account, so that a change that cannot work fails at
//! `terraform plan`, on the attribute at fault, before anything is created.
//!
//! - `ecsprod_cluster`: the VPC exists; every subnet exists and is in that VPC; each subnet
//!   list spans at least two Availability Zones; no private subnet routes to an internet
//!   gateway; the certificate exists in the provider's region and is issued; every instance type
//!   exists, is offered in the private subnets' zones (in only some: a warning) and all run one
//!   architecture.
//! - `ecsprod_service`: a certificate of the cluster's HTTPS listener (as planned in this run, or
//!   as it is now) covers `domain_name`; the hosted zone exists and contains `domain_name`;
//!   every secret exists (metadata only: secret values are never read).
//!
//! Only reads, all independent ones at once. A check runs when the resource is created or its
//! inputs change, and is skipped while an input is unknown (an object Terraform has not created
//! yet). A definite answer (does not exist, another VPC, not issued) is an error; a read that
//! fails (throttling, an outage, a denied permission) only makes a warning, so that an AWS
//! problem never blocks the plan of a working stack. Reads retry little and the whole check is
//! bounded in time.

mod cluster;
mod instance_types;
mod service;

use std::future::Future;
use std::time::Duration;

use ecsprod_cty::{Path, Value};

use super::Context;
use super::fields;
use crate::engine::{Error, Limits, Session};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::provider::CallContext;

pub use cluster::cluster;
pub use service::{job, service};

/// Bound of all the checks of one resource.
const LIMIT: Duration = Duration::from_secs(20);
/// Attempts per read at most (fewer when the provider block asks for fewer).
const MAX_ATTEMPTS: u32 = 3;
/// Bound of one attempt of one read.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) fn at(attr: &str) -> Path {
    Path::root().attr(attr)
}

/// Whether `attr` is planned to a new value (everything is new on create).
pub(super) fn changed(prior: &Value, planned: &Value, attr: &str) -> bool {
    prior.is_null() || prior.get_attr(attr) != planned.get_attr(attr)
}

pub(super) fn known_string(planned: &Value, attr: &str) -> Option<String> {
    fields::string(planned, attr).known().cloned()
}

/// The region field of an ARN.
pub(super) fn arn_region(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or_default()
}

/// The account field of an ARN.
pub(super) fn arn_account(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

/// Findings of one resource's checks: errors and warnings on attributes, and the reads that
/// failed (reported together as one warning).
#[derive(Debug, Default)]
pub(super) struct Findings {
    diagnostics: Diagnostics,
    unchecked: Vec<String>,
}

impl Findings {
    pub(super) fn error(&mut self, path: Path, summary: &str, detail: String) {
        self.diagnostics.error_at(path, summary, detail);
    }

    pub(super) fn warning(&mut self, path: Path, summary: &str, detail: String) {
        self.diagnostics
            .push(Diagnostic::warning(summary, detail).at(path));
    }

    pub(super) fn unchecked(&mut self, what: &str, err: &Error) {
        self.unchecked.push(format!("{what}: {err}"));
    }

    fn into_diagnostics(self) -> Diagnostics {
        let mut d = self.diagnostics;
        if !self.unchecked.is_empty() {
            d.push(Diagnostic::warning(
                "Preflight checks skipped",
                format!(
                    "These plan-time checks could not read AWS, so they were skipped and do not block the plan (apply will still fail if the configuration is wrong):\n- {}",
                    self.unchecked.join("\n- ")
                ),
            ));
        }
        d
    }
}

/// The session for the checks: few attempts, short timeouts. `Ok(None)` skips the checks
/// without a word (the provider block is not known yet); `Err` is the warning that they cannot
/// run.
async fn session(ctx: &Context) -> Result<Option<Session>, Diagnostics> {
    let Some(config) = ctx.config() else {
        return Ok(None);
    };
    if config.region.is_unknown() || config.profile.is_unknown() || config.assume_role.is_unknown()
    {
        return Ok(None);
    }
    let attempts = config
        .max_retries
        .map(|n| u32::try_from(n.max(0)).unwrap_or(0) + 1)
        .unwrap_or(MAX_ATTEMPTS)
        .clamp(1, MAX_ATTEMPTS);
    let session = ctx.session().await.map_err(|d| {
        let detail = d
            .iter()
            .map(|d| format!("{}: {}", d.summary, d.detail))
            .collect::<Vec<_>>()
            .join("\n");
        Diagnostics::from(Diagnostic::warning(
            "Preflight checks skipped",
            format!("The plan-time checks against AWS could not run:\n{detail}"),
        ))
    })?;
    Ok(Some(session.quick(attempts, ATTEMPT_TIMEOUT)))
}

/// A session and the limits its checks run within.
pub(super) struct Reader {
    pub session: Session,
    pub limits: Limits,
}

impl Reader {
    pub fn region(&self) -> &str {
        self.session.region()
    }
}

/// Runs `checks` with the check session, bounded by [`LIMIT`] and by Terraform's stop request.
pub(super) async fn run<F, Fut>(
    ctx: &Context,
    call: &CallContext,
    resource: &str,
    checks: F,
) -> Diagnostics
where
    F: FnOnce(Reader) -> Fut,
    Fut: Future<Output = Findings>,
{
    let session = match session(ctx).await {
        Ok(Some(s)) => s,
        Ok(None) => return Diagnostics::new(),
        Err(d) => return d,
    };
    let reader = Reader {
        session,
        limits: Limits {
            operation: "read",
            limit: LIMIT,
            cancel: call.cancel.clone(),
        },
    };
    let started = std::time::Instant::now();
    let findings = tokio::select! {
        f = checks(reader) => f,
        _ = tokio::time::sleep(LIMIT) => {
            let mut f = Findings::default();
            f.unchecked.push(format!("AWS did not answer within {} s", LIMIT.as_secs()));
            f
        }
        _ = call.cancel.cancelled() => Findings::default(),
    };
    tracing::debug!(
        resource,
        errors = findings.diagnostics.iter().filter(|d| d.is_error()).count(),
        unchecked = findings.unchecked.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "preflight checks done"
    );
    findings.into_diagnostics()
}

#[cfg(test)]
mod tests;
