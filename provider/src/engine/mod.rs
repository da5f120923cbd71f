//! Running a resource's steps: a step is an async unit of work that reads what earlier steps
//! produced and records what it produced. Steps of one phase run concurrently; a phase starts
//! only when every step of the previous one succeeded. Whatever was recorded before a failure is
//! kept, so the resource can return the state of everything that exists.

use std::future::Future;
use std::sync::{Arc, Mutex};

use crate::aws::retry::AwsError;
use crate::protocol::diag::{Diagnostic, Diagnostics};

/// Progress shared by the steps of one apply.
#[derive(Debug)]
pub struct Progress<S> {
    state: Arc<Mutex<S>>,
}

impl<S> Clone for Progress<S> {
    fn clone(&self) -> Self {
        Self {
            state: self.state.clone(),
        }
    }
}

impl<S: Clone> Progress<S> {
    pub fn new(initial: S) -> Self {
        Self {
            state: Arc::new(Mutex::new(initial)),
        }
    }

    /// Records a step's result.
    pub fn record(&self, f: impl FnOnce(&mut S)) {
        if let Ok(mut s) = self.state.lock() {
            f(&mut s);
        }
    }

    /// A copy of everything recorded so far.
    pub fn snapshot(&self) -> S {
        match self.state.lock() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// Runs the steps of one phase concurrently and collects their failures.
pub async fn phase<F>(steps: Vec<F>) -> Result<(), Vec<AwsError>>
where
    F: Future<Output = Result<(), AwsError>>,
{
    let results = futures_util::future::join_all(steps).await;
    let errors: Vec<AwsError> = results.into_iter().filter_map(Result::err).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Turns step failures into diagnostics that name the step.
pub fn diagnostics(resource: &str, errors: &[AwsError]) -> Diagnostics {
    errors
        .iter()
        .map(|e| {
            Diagnostic::error(
                format!("{resource}: failed to {}", e.step),
                format!(
                    "{}\n\nEverything created before the failure is recorded in the state; run terraform apply again to continue, or terraform destroy to remove it.",
                    e.message
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn steps_of_a_phase_run_concurrently() {
        let start = std::time::Instant::now();
        let step = || async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            Ok(())
        };
        phase(vec![step(), step(), step()]).await.expect("phase");
        assert!(start.elapsed() < Duration::from_millis(500));
    }

    #[tokio::test]
    async fn failures_are_collected_and_progress_is_kept() {
        let progress = Progress::new(Vec::<&str>::new());
        let p1 = progress.clone();
        let p2 = progress.clone();
        let ok = async move {
            p1.record(|s| s.push("a"));
            Ok(())
        };
        let bad = async move {
            p2.record(|s| s.push("b-partial"));
            Err(AwsError::new("create thing", "boom"))
        };
        let errors = phase(vec![
            Box::pin(ok) as std::pin::Pin<Box<dyn Future<Output = Result<(), AwsError>>>>,
            Box::pin(bad),
        ])
        .await
        .expect_err("one step failed");
        assert_eq!(errors.len(), 1);
        let mut seen = progress.snapshot();
        seen.sort();
        assert_eq!(seen, vec!["a", "b-partial"]);
        let d = diagnostics("ecsprod_cluster", &errors);
        assert!(
            d.iter()
                .next()
                .is_some_and(|d| d.summary.contains("create thing"))
        );
    }
}
