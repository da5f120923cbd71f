//! Reads of one kind that several resources make at about the same time, answered by one batched
//! read, as a data loader does.
//!
//! Terraform reads and plans many resources at once in one provider process. The first read of
//! a kind that gathers ([`Lookup::GATHERS`]) opens a batch; every read of the kind joins it until
//! none has joined for [`QUIET`], or [`WINDOW`] after it opened. The kind's own read then runs once over every key of
//! the batch (in as few calls as the API allows) and each caller receives the objects of its
//! own keys. When the batched read fails, each caller reads its own keys again alone, so an
//! error reaches only the callers it concerns.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::oneshot;

use super::retry::AwsError;
use super::unit::{Env, Lookup};

/// A batch closes once no read has joined it for this long. Terraform's concurrent calls reach
/// the provider within a few milliseconds of each other; an AWS call takes tens.
pub const QUIET: Duration = Duration::from_millis(15);

/// However many reads keep joining, a batch closes this long after its first read.
pub const WINDOW: Duration = Duration::from_millis(60);

/// From this many objects of a kind in one read on, an API that answers for many at once (IAM's
/// account details, the Resource Groups Tagging API) replaces calls object by object.
pub const MANY: usize = 8;

type Found<L> = Result<Vec<Option<<L as Lookup>::Observed>>, AwsError>;

/// The open batches, one per kind.
#[derive(Default)]
pub struct Coalescer(Mutex<HashMap<TypeId, Box<dyn Any + Send>>>);

impl std::fmt::Debug for Coalescer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Coalescer")
    }
}

/// One caller's keys and where its answer goes.
impl Coalescer {
    /// The open batches; a panic while they were held leaves them as they were, still usable.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TypeId, Box<dyn Any + Send>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

struct Waiter<L: Lookup> {
    keys: Vec<L::Key>,
    answer: oneshot::Sender<Found<L>>,
}

struct Batch<L: Lookup>(Vec<Waiter<L>>);

/// The objects of `keys`, read together with the reads of the same kind other resources make at
/// about the same time when the kind gathers, else at once.
pub async fn read<L: Lookup>(env: &Env, keys: &[L::Key]) -> Found<L> {
    if !L::GATHERS || keys.is_empty() {
        return L::read(env, keys).await;
    }
    let (answer, receive) = oneshot::channel();
    let waiter = Waiter {
        keys: keys.to_vec(),
        answer,
    };
    let opened = match join::<L>(env, waiter) {
        Ok(opened) => opened,
        // The kind's slot holds another kind's batch (it cannot): read alone.
        Err(_) => return L::read(env, keys).await,
    };
    if opened {
        let env = env.clone();
        tokio::spawn(async move {
            let opened = tokio::time::Instant::now();
            let mut seen = 1;
            loop {
                tokio::time::sleep(QUIET).await;
                let now = waiting::<L>(&env);
                if now == seen || opened.elapsed() >= WINDOW {
                    break;
                }
                seen = now;
            }
            let waiters = close::<L>(&env);
            answer_all::<L>(&env, waiters).await;
        });
    }
    match receive.await {
        Ok(found) => found,
        // The batch was dropped unanswered (the runtime is shutting down): read alone.
        Err(_) => L::read(env, keys).await,
    }
}

/// Adds `waiter` to the kind's open batch; true when it opened the batch.
fn join<L: Lookup>(env: &Env, waiter: Waiter<L>) -> Result<bool, Waiter<L>> {
    let mut batches = env.c().coalescer.lock();
    let slot = batches
        .entry(TypeId::of::<L>())
        .or_insert_with(|| Box::new(Batch::<L>(Vec::new())));
    match slot.downcast_mut::<Batch<L>>() {
        Some(batch) => {
            batch.0.push(waiter);
            Ok(batch.0.len() == 1)
        }
        None => Err(waiter),
    }
}

/// How many reads the kind's open batch holds.
fn waiting<L: Lookup>(env: &Env) -> usize {
    let batches = env.c().coalescer.lock();
    batches
        .get(&TypeId::of::<L>())
        .and_then(|b| b.downcast_ref::<Batch<L>>())
        .map_or(0, |b| b.0.len())
}

/// Takes the kind's batch out, so the next read opens a new one.
fn close<L: Lookup>(env: &Env) -> Vec<Waiter<L>> {
    let mut batches = env.c().coalescer.lock();
    batches
        .remove(&TypeId::of::<L>())
        .and_then(|b| b.downcast::<Batch<L>>().ok())
        .map(|b| b.0)
        .unwrap_or_default()
}

/// Reads every key of the batch once and answers each waiter its part.
async fn answer_all<L: Lookup>(env: &Env, waiters: Vec<Waiter<L>>) {
    if let [_] = waiters.as_slice() {
        for w in waiters {
            let found = L::read(env, &w.keys).await;
            let _ = w.answer.send(found);
        }
        return;
    }
    let mut union: Vec<L::Key> = Vec::new();
    for key in waiters.iter().flat_map(|w| &w.keys) {
        if !union.contains(key) {
            union.push(key.clone());
        }
    }
    tracing::debug!(
        kind = L::KIND,
        callers = waiters.len(),
        keys = union.len(),
        "batched read"
    );
    match L::read(env, &union).await {
        Ok(found) => {
            for w in waiters {
                let part = w
                    .keys
                    .iter()
                    .map(|k| {
                        union
                            .iter()
                            .position(|u| u == k)
                            .and_then(|i| found.get(i).cloned().flatten())
                    })
                    .collect();
                let _ = w.answer.send(Ok(part));
            }
        }
        Err(_) => {
            let alone = waiters.into_iter().map(|w| async move {
                let found = L::read(env, &w.keys).await;
                let _ = w.answer.send(found);
            });
            futures_util::future::join_all(alone).await;
        }
    }
}

#[cfg(test)]
#[path = "coalesce_tests.rs"]
mod tests;
