//! Retrying AWS's eventual consistency: calls that fail with a specific, known-transient error
//! code (an IAM role not yet visible to ECS, a load balancer still provisioning) are repeated
//! with exponential backoff and jitter until a deadline. Throttling and 5xx errors are retried by
//! the SDK itself.

use std::future::Future;
use std::time::Duration;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// An AWS failure, named by the step that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{step}: {message}")]
pub struct AwsError {
    pub step: String,
    pub code: Option<String>,
    pub message: String,
}

impl AwsError {
    pub fn new(step: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            step: step.into(),
            code: None,
            message: message.into(),
        }
    }

    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// Whether AWS refused the call for the account's request rate: the call did nothing and
    /// can be made again later.
    pub fn is_throttling(&self) -> bool {
        self.code().is_some_and(|c| THROTTLING.contains(&c))
    }
}

/// AWS's throttling error codes, across its protocols (as the SDKs classify them; quota errors
/// such as LimitExceededException are not among them: waiting does not lift a quota).
pub const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// The error code of an SDK error, when AWS returned one.
pub fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<String> {
    match err {
        SdkError::ServiceError(e) => e.err().code().map(str::to_owned),
        _ => None,
    }
}

/// An error and its causes in words, as one line: each cause that says something its parent
/// did not, joined by ": " (the SDK's own rendering ends with the whole chain's debug form).
pub fn readable_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// Converts an SDK error into an [`AwsError`] for `step`.
pub fn aws_error<E, R>(step: &str, err: SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let code = error_code(&err);
    let message = match &err {
        SdkError::ServiceError(e) => {
            let inner = e.err();
            match (inner.code(), inner.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_owned(),
                _ => readable_chain(&err),
            }
        }
        _ => readable_chain(&err),
    };
    tracing::debug!(
        step,
        error = %aws_smithy_types::error::display::DisplayErrorContext(&err),
        "AWS call failed"
    );
    AwsError {
        step: step.to_owned(),
        code,
        message,
    }
}

/// Backoff before attempt `n` (0-based): 1 s, 2 s, 4 s … capped at 20 s, with up to 25 % jitter.
pub fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(1000u64.saturating_mul(1u64 << attempt.min(5)))
        .min(Duration::from_secs(20));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = base.mul_f64(f64::from(nanos % 1000) / 4000.0);
    base + jitter
}

/// The result of a create the SDK may have sent twice: when the first attempt's answer was lost,
/// the retry meets what that attempt made and AWS answers it with `code` (an "already exists"
/// error). Then `find` looks for what was made, and that is the result; otherwise the error
/// stands.
pub async fn adopt_after_retried_create<T, Fut>(
    created: Result<T, AwsError>,
    code: &str,
    find: impl FnOnce() -> Fut,
) -> Result<T, AwsError>
where
    Fut: Future<Output = Result<Option<T>, AwsError>>,
{
    match created {
        Err(e) if e.code() == Some(code) => find().await?.ok_or(e),
        other => other,
    }
}

/// What a read found; `None` where AWS answers `gone`: what the read looks in does not exist.
pub fn unless_gone<T>(result: Result<T, AwsError>, gone: &str) -> Result<Option<T>, AwsError> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(e) if e.code() == Some(gone) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A token unique to one create intent: the SDK sends the same request, token included, when it
/// retries, so a create whose answer was lost is answered with what it made (for CreateService,
/// instead of ECS's "creation of service was not idempotent").
pub fn client_token() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("ecsprod-{:x}-{:x}", nanos as u64, std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exists(code: &str) -> AwsError {
        AwsError {
            step: "create".into(),
            code: Some(code.into()),
            message: format!("{code}: already exists"),
        }
    }

    #[tokio::test]
    async fn a_retried_create_adopts_what_exists_only_on_its_error_code() {
        let found = |v: Option<i32>| move || async move { Ok(v) };
        assert_eq!(
            adopt_after_retried_create(Err(exists("Duplicate")), "Duplicate", found(Some(7))).await,
            Ok(7)
        );
        assert_eq!(
            adopt_after_retried_create(Err(exists("Duplicate")), "Duplicate", found(None)).await,
            Err(exists("Duplicate")),
            "nothing found: the create's error stands"
        );
        assert_eq!(
            adopt_after_retried_create(Err(exists("Other")), "Duplicate", found(Some(7))).await,
            Err(exists("Other"))
        );
        assert_eq!(
            adopt_after_retried_create(Ok(1), "Duplicate", found(Some(7))).await,
            Ok(1)
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(0) >= Duration::from_secs(1) && backoff(0) < Duration::from_millis(1300));
        assert!(backoff(3) >= Duration::from_secs(8));
        assert!(backoff(30) <= Duration::from_secs(25));
    }
}
