//! The coalescer with kinds kept in memory: many callers, one read; an error reaches only the
//! callers it concerns; kinds that do not gather read at once.

use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::read;
use crate::aws::budget::Budget;
use crate::aws::retry::AwsError;
use crate::aws::unit::{Env, Lookup};
use crate::aws::{ClientConfig, Clients};

/// A kind's read and the keys it was called with.
type Made = (&'static str, Vec<String>);

/// Every read made.
static READS: LazyLock<Mutex<Vec<Made>>> = LazyLock::new(Mutex::default);

fn reads_of(kind: &str) -> Vec<Vec<String>> {
    READS
        .lock()
        .map(|r| {
            r.iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, v)| v.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Answers each key with its length; a batch holding `bad` fails as a whole.
async fn answer(kind: &'static str, keys: &[String]) -> Result<Vec<Option<usize>>, AwsError> {
    if let Ok(mut r) = READS.lock() {
        r.push((kind, keys.to_vec()));
    }
    if keys.iter().any(|k| k == "bad") {
        return Err(AwsError::new("read", "refused"));
    }
    Ok(keys.iter().map(|k| Some(k.len())).collect())
}

struct Gathered;

impl Lookup for Gathered {
    const KIND: &'static str = "gathered";
    const GATHERS: bool = true;
    type Key = String;
    type Observed = usize;

    async fn read(_: &Env, keys: &[String]) -> Result<Vec<Option<usize>>, AwsError> {
        answer(Self::KIND, keys).await
    }
}

struct Failing;

impl Lookup for Failing {
    const KIND: &'static str = "failing";
    const GATHERS: bool = true;
    type Key = String;
    type Observed = usize;

    async fn read(_: &Env, keys: &[String]) -> Result<Vec<Option<usize>>, AwsError> {
        answer(Self::KIND, keys).await
    }
}

struct Alone;

impl Lookup for Alone {
    const KIND: &'static str = "alone";
    type Key = String;
    type Observed = usize;

    async fn read(_: &Env, keys: &[String]) -> Result<Vec<Option<usize>>, AwsError> {
        answer(Self::KIND, keys).await
    }
}

/// Environments of separate operations on the same clients, as Terraform's concurrent calls
/// have.
async fn envs(n: usize) -> Vec<Env> {
    let config = ClientConfig {
        region: Some("eu-west-1".into()),
        ..ClientConfig::default()
    };
    let clients = Arc::new(Clients::new(&config).await.expect("clients"));
    (0..n)
        .map(|_| {
            let budget = Budget::new("read", Duration::from_secs(30), CancellationToken::new());
            Env::new(clients.clone(), budget)
        })
        .collect()
}

/// Each caller's keys: `caller-<i>` and the key every caller shares.
fn keys_of(i: usize) -> Vec<String> {
    vec![format!("caller-{i}"), "shared".to_owned()]
}

#[tokio::test]
async fn reads_of_one_kind_made_together_by_ten_operations_are_one_read_and_each_gets_its_keys() {
    let envs = envs(10).await;
    let reads = envs
        .iter()
        .enumerate()
        .map(|(i, env)| async move { (i, read::<Gathered>(env, &keys_of(i)).await) });
    for (i, found) in futures_util::future::join_all(reads).await {
        let expected = vec![Some(format!("caller-{i}").len()), Some(6)];
        assert_eq!(found.expect("read"), expected);
    }
    let made = reads_of("gathered");
    assert_eq!(made.len(), 1, "{made:?}");
    // Every caller's own key once, and the shared key once.
    assert_eq!(made[0].len(), 11, "{made:?}");
}

#[tokio::test]
async fn a_failed_batch_is_read_again_caller_by_caller_so_the_error_reaches_only_its_caller() {
    let envs = envs(3).await;
    let keys = [
        vec!["fine".to_owned()],
        vec!["bad".to_owned()],
        vec!["ok".to_owned()],
    ];
    let reads = envs
        .iter()
        .zip(&keys)
        .map(|(env, k)| async move { read::<Failing>(env, k).await });
    let found = futures_util::future::join_all(reads).await;
    assert_eq!(found[0].as_ref().ok(), Some(&vec![Some(4)]));
    assert!(found[1].is_err(), "{:?}", found[1]);
    assert_eq!(found[2].as_ref().ok(), Some(&vec![Some(2)]));
    // The batch, then each caller alone.
    assert_eq!(reads_of("failing").len(), 4, "{:?}", reads_of("failing"));
}

#[tokio::test]
async fn a_kind_that_does_not_gather_is_read_at_once_by_each_caller() {
    let envs = envs(3).await;
    let reads = envs
        .iter()
        .enumerate()
        .map(|(i, env)| async move { read::<Alone>(env, &keys_of(i)).await });
    for found in futures_util::future::join_all(reads).await {
        assert!(found.is_ok());
    }
    assert_eq!(reads_of("alone").len(), 3);
}
