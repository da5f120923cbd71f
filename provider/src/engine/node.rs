//! A node's operations on erased values, so the engine walks nodes of any kind: how its object
//! is found, read and shown ([`Finds`], one implementation for every kind), and how it is
//! changed ([`Changes`]: an owned object is created, updated, replaced or deleted; an object
//! only read stays as it is).

use std::any::{Any, TypeId};
use std::sync::Arc;

use ecsprod_cty::Value;

use super::graph::{DesiredFn, KeyFn, NodeId, ProjectFn};
use super::outputs::{Missing, Outputs};
use crate::aws::retry::AwsError;
use crate::aws::unit::{BoxFuture, Env, Fix, Lookup, TagRef, Tags, Unit};

pub(crate) type Erased = Arc<dyn Any + Send + Sync>;

fn typed<T: Clone + 'static>(v: &Erased) -> Option<T> {
    v.downcast_ref::<T>().cloned()
}

fn erase<T: Send + Sync + 'static>(v: T) -> Erased {
    Arc::new(v)
}

/// How a node's object is found, read and shown on the state.
pub(crate) trait Finds<I>: Send + Sync {
    fn kind(&self) -> &'static str;
    /// One value per kind: the reads of nodes of one kind go in one batch.
    fn kind_id(&self) -> TypeId;
    fn key(&self, input: &I, outputs: &Outputs) -> Option<Erased>;
    fn same_key(&self, a: &Erased, b: &Erased) -> bool;
    fn read<'a>(
        &'a self,
        env: &'a Env,
        keys: Vec<Erased>,
    ) -> BoxFuture<'a, Result<Vec<Option<Erased>>, AwsError>>;
    fn project(&self, input: &I, outputs: &Outputs, state: &mut Value);
    /// The error when the object is needed and there is none.
    fn missing(&self, input: &I) -> Option<String>;
}

/// The finding side of a node holding an object of kind `L`.
pub(crate) struct Finder<I, L: Lookup> {
    pub id: NodeId<L>,
    pub key: KeyFn<I, L::Key>,
    pub project: ProjectFn<I, L::Observed>,
    pub missing: Option<fn(&I) -> String>,
}

impl<I: Send + Sync + 'static, L: Lookup> Finds<I> for Finder<I, L> {
    fn kind(&self) -> &'static str {
        L::KIND
    }

    fn kind_id(&self) -> TypeId {
        TypeId::of::<L>()
    }

    fn key(&self, input: &I, outputs: &Outputs) -> Option<Erased> {
        (self.key)(input, outputs).map(erase)
    }

    fn same_key(&self, a: &Erased, b: &Erased) -> bool {
        match (a.downcast_ref::<L::Key>(), b.downcast_ref::<L::Key>()) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }

    fn read<'a>(
        &'a self,
        env: &'a Env,
        keys: Vec<Erased>,
    ) -> BoxFuture<'a, Result<Vec<Option<Erased>>, AwsError>> {
        Box::pin(async move {
            let keys: Vec<L::Key> = keys.iter().filter_map(typed::<L::Key>).collect();
            let found = crate::aws::coalesce::read::<L>(env, &keys).await?;
            Ok(found.into_iter().map(|o| o.map(erase)).collect())
        })
    }

    fn project(&self, input: &I, outputs: &Outputs, state: &mut Value) {
        (self.project)(input, outputs.get(self.id), outputs, state);
    }

    fn missing(&self, input: &I) -> Option<String> {
        self.missing.map(|m| m(input))
    }
}

/// What a node's write did: the object as it is now (`None`: there is none), whether it was
/// made new in this walk, and the failure, if any.
pub(crate) struct Step {
    pub now: Option<Erased>,
    pub created: bool,
    pub error: Option<AwsError>,
}

impl Step {
    pub(crate) fn kept(now: Option<Erased>, error: Option<AwsError>) -> Self {
        Self {
            now,
            created: false,
            error,
        }
    }

    /// The step of a create: the object made, or the failure with nothing made.
    fn made<O: Send + Sync + 'static>(result: Result<O, AwsError>) -> Self {
        match result {
            Ok(o) => Self {
                now: Some(erase(o)),
                created: true,
                error: None,
            },
            Err(e) => Self::kept(None, Some(e)),
        }
    }
}

/// How a node's object is changed. The defaults are those of an object the resource only
/// reads: nothing is desired, written or deleted.
pub(crate) trait Changes<I>: Send + Sync {
    fn owned(&self) -> bool {
        false
    }

    /// Whether an apply makes the object when there is none.
    fn creates(&self) -> bool {
        false
    }

    fn desired(&self, _: &I, _: &Outputs) -> Result<Option<Erased>, Missing> {
        Ok(None)
    }

    fn write<'a>(
        &'a self,
        _: &'a Env,
        _: Erased,
        _: Option<Erased>,
        observed: Option<Erased>,
    ) -> BoxFuture<'a, Step> {
        Box::pin(async move { Step::kept(observed, None) })
    }

    fn delete<'a>(&'a self, _: &'a Env, _: Erased) -> BoxFuture<'a, Result<(), AwsError>> {
        Box::pin(async { Ok(()) })
    }

    fn tags(&self, _: &Erased) -> Option<TagRef> {
        None
    }

    fn desired_tags(&self, _: &Erased) -> Option<Tags> {
        None
    }
}

/// The changing side of an object the resource only reads.
pub(crate) struct ReadOnly;

impl<I> Changes<I> for ReadOnly {}

/// The changing side of an owned object of kind `U`.
pub(crate) struct Owned<I, U: Unit> {
    pub desired: DesiredFn<I, U::Desired>,
}

impl<I: Send + Sync + 'static, U: Unit> Owned<I, U> {
    /// Brings `observed` to `desired`: in place where every change allows it, else by
    /// replacement.
    async fn converge(&self, env: &Env, key: &U::Key, d: &U::Desired, o: &U::Observed) -> Step {
        let kept = |error| Step::kept(Some(erase(o.clone())), error);
        let changes = U::diff(d, o);
        if changes.is_empty() {
            return kept(None);
        }
        if changes.iter().any(|c| c.fix == Fix::Replace) {
            tracing::info!(kind = U::KIND, ?changes, "replacing");
            if let Err(e) = U::delete(env, o).await {
                return kept(Some(e));
            }
            return Step::made(U::create(env, key, d).await);
        }
        tracing::info!(kind = U::KIND, ?changes, "updating in place");
        match U::update(env, d, o, &changes).await {
            Ok(now) => Step::kept(Some(erase(now)), None),
            Err(e) => kept(Some(e)),
        }
    }
}

impl<I: Send + Sync + 'static, U: Unit> Changes<I> for Owned<I, U> {
    fn owned(&self) -> bool {
        true
    }

    fn creates(&self) -> bool {
        U::CREATES
    }

    fn desired(&self, input: &I, outputs: &Outputs) -> Result<Option<Erased>, Missing> {
        Ok((self.desired)(input, outputs)?.map(erase))
    }

    fn write<'a>(
        &'a self,
        env: &'a Env,
        key: Erased,
        desired: Option<Erased>,
        observed: Option<Erased>,
    ) -> BoxFuture<'a, Step> {
        Box::pin(async move {
            let key = typed::<U::Key>(&key);
            let desired = desired.as_ref().and_then(typed::<U::Desired>);
            match (
                desired,
                observed.as_ref().and_then(typed::<U::Observed>),
                key,
            ) {
                (None, None, _) => Step::kept(observed, None),
                (None, Some(o), _) => match U::delete(env, &o).await {
                    Ok(()) => Step::kept(None, None),
                    Err(e) => Step::kept(observed, Some(e)),
                },
                (Some(d), None, Some(k)) => Step::made(U::create(env, &k, &d).await),
                (Some(d), Some(o), Some(k)) => self.converge(env, &k, &d, &o).await,
                (Some(_), _, None) => Step::kept(
                    observed,
                    Some(AwsError::new(
                        format!("find the {}", U::KIND),
                        "its key is not known",
                    )),
                ),
            }
        })
    }

    fn delete<'a>(&'a self, env: &'a Env, observed: Erased) -> BoxFuture<'a, Result<(), AwsError>> {
        Box::pin(async move {
            match typed::<U::Observed>(&observed) {
                Some(o) => U::delete(env, &o).await,
                None => Ok(()),
            }
        })
    }

    fn tags(&self, observed: &Erased) -> Option<TagRef> {
        U::tags(&typed::<U::Observed>(observed)?)
    }

    fn desired_tags(&self, desired: &Erased) -> Option<Tags> {
        U::desired_tags(&typed::<U::Desired>(desired)?)
    }
}
