//! What one operation may spend: a deadline from the resource's `timeouts`, and Terraform's
//! cancellation (StopProvider). Every wait and every retry of eventual consistency goes through
//! it, so an operation ends at its timeout or at once when Terraform stops it.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::retry::{AwsError, backoff};

#[derive(Debug, Clone)]
pub struct Budget {
    until: Instant,
    /// `create`, `update`, `read` or `delete`: the `timeouts` entry that bounds it.
    operation: &'static str,
    cancel: CancellationToken,
}

impl Budget {
    pub fn new(operation: &'static str, limit: Duration, cancel: CancellationToken) -> Self {
        let now = Instant::now();
        Self {
            until: now.checked_add(limit).unwrap_or(now),
            operation,
            cancel,
        }
    }

    pub fn operation(&self) -> &'static str {
        self.operation
    }

    pub fn remaining(&self) -> Duration {
        self.until.saturating_duration_since(Instant::now())
    }

    pub fn cancel_token(&self) -> &CancellationToken {
        &self.cancel
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// The error of a wait that ran out of time.
    fn out_of_time(&self, step: &str, what: &str, waited: Duration) -> AwsError {
        AwsError::new(
            step,
            format!(
                "{what}: still not done after {} s; the {operation} timeout was reached (raise timeouts.{operation} to wait longer)",
                waited.as_secs(),
                operation = self.operation,
            ),
        )
    }

    /// Sleeps `delay`, or fails at once when Terraform cancels the operation.
    pub async fn pause(&self, step: &str, delay: Duration) -> Result<(), AwsError> {
        tokio::select! {
            _ = self.cancel.cancelled() => Err(AwsError::new(step, "cancelled by Terraform")),
            _ = tokio::time::sleep(delay) => Ok(()),
        }
    }

    /// Waits out AWS throttling: after `error`, when it is AWS refusing the account's request
    /// rate (the SDK's own retries spent) and the operation has time for the pause before
    /// attempt `attempt` (0-based), pauses and answers true: the caller makes its call again.
    /// Otherwise, or when Terraform cancels during the pause, answers false: the error stands.
    pub async fn wait_out_throttling(&self, error: &AwsError, attempt: u32) -> bool {
        if !error.is_throttling() {
            return false;
        }
        let wait = backoff(attempt);
        if wait >= self.remaining() {
            return false;
        }
        tracing::debug!(
            step = error.step.as_str(),
            ?wait,
            "throttled by AWS: trying again"
        );
        self.pause(&error.step, wait).await.is_ok()
    }

    /// Polls `done` until it returns true, with a delay growing from `first` to `most`; fails
    /// naming `what` when the operation's time is up.
    pub async fn poll<F, Fut>(
        &self,
        step: &str,
        what: &str,
        (first, most): (Duration, Duration),
        mut done: F,
    ) -> Result<(), AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<bool, AwsError>>,
    {
        let start = Instant::now();
        let mut delay = first;
        loop {
            if done().await? {
                return Ok(());
            }
            if self.remaining().is_zero() {
                return Err(self.out_of_time(step, what, start.elapsed()));
            }
            self.pause(step, delay.min(self.remaining())).await?;
            delay = (delay * 2).min(most);
        }
    }

    /// Polls `done` every 250 ms, backing off to 10 s.
    pub async fn wait_until<F, Fut>(&self, what: &str, done: F) -> Result<(), AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<bool, AwsError>>,
    {
        let step = format!("wait for {what}");
        self.poll(
            &step,
            what,
            (Duration::from_millis(250), Duration::from_secs(10)),
            done,
        )
        .await
    }

    /// Runs `op` until it succeeds, fails with an error `retryable` does not accept, the time is
    /// up or the operation is cancelled; waits between attempts grow from 1 s to 20 s.
    pub async fn retry_while<T, F, Fut>(
        &self,
        retryable: impl Fn(&AwsError) -> bool,
        mut op: F,
    ) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        let mut attempt = 0;
        loop {
            match op().await {
                Ok(v) => return Ok(v),
                Err(e) if retryable(&e) && !self.remaining().is_zero() => {
                    let wait = backoff(attempt).min(self.remaining());
                    tracing::debug!(step = e.step.as_str(), code = ?e.code, ?wait, "retrying after a transient error");
                    tokio::select! {
                        _ = self.cancel.cancelled() => {
                            return Err(AwsError::new(e.step, "cancelled by Terraform while waiting to retry"));
                        }
                        _ = tokio::time::sleep(wait) => {}
                    }
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_throttling_with_time_left_is_waited_out() {
        let throttled = AwsError {
            code: Some("ThrottlingException".to_owned()),
            ..AwsError::new("register the autoscaling target", "Rate exceeded")
        };
        let quota = AwsError {
            code: Some("LimitExceededException".to_owned()),
            ..AwsError::new("put the role policy", "Cannot exceed quota")
        };
        let ample = Budget::new("create", Duration::from_secs(30), CancellationToken::new());
        let short = Budget::new(
            "create",
            Duration::from_millis(500),
            CancellationToken::new(),
        );
        assert!(!ample.wait_out_throttling(&quota, 0).await);
        assert!(!short.wait_out_throttling(&throttled, 0).await);
        let start = Instant::now();
        assert!(ample.wait_out_throttling(&throttled, 0).await);
        assert!(
            start.elapsed() >= Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
        let cancelled = CancellationToken::new();
        cancelled.cancel();
        let gone = Budget::new("create", Duration::from_secs(30), cancelled);
        assert!(!gone.wait_out_throttling(&throttled, 0).await);
    }

    #[tokio::test]
    async fn only_retryable_errors_are_retried() {
        let budget = Budget::new("create", Duration::from_secs(5), CancellationToken::new());
        let mut calls = 0;
        let result: Result<(), AwsError> = budget
            .retry_while(
                |e| e.code() == Some("Transient"),
                || {
                    calls += 1;
                    async { Err(AwsError::new("step", "fatal")) }
                },
            )
            .await;
        assert!(result.is_err());
        assert_eq!(calls, 1);
    }

    #[tokio::test]
    async fn a_wait_ends_at_the_timeout_naming_what_it_waited_for_and_the_timeout() {
        let budget = Budget::new(
            "delete",
            Duration::from_millis(300),
            CancellationToken::new(),
        );
        let err = budget
            .wait_until("the group to be deleted", || async { Ok(false) })
            .await
            .expect_err("never done");
        assert_eq!(err.step, "wait for the group to be deleted");
        assert!(err.message.contains("timeouts.delete"), "{err}");
    }

    #[tokio::test]
    async fn a_cancelled_wait_ends_at_once() {
        let cancel = CancellationToken::new();
        let budget = Budget::new("update", Duration::from_secs(600), cancel.clone());
        let start = Instant::now();
        let waiting = budget.wait_until("forever", || async { Ok(false) });
        cancel.cancel();
        let err = waiting.await.expect_err("cancelled");
        assert!(err.message.contains("cancelled"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(2));
    }
}
