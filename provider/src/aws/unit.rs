//! The contract every AWS object kind fulfils, so one engine can create, update, refresh, import
//! and delete any of them.
//!
//! A [`Unit`] is one kind of owned object (a security group, a listener rule…). Its file says
//! how an object of the kind is found by its deterministic key (adopting what an interrupted
//! create made), read (several keys in as few calls as the API allows), compared with the
//! blueprint's desired value (each difference named, in place or by replacement), created,
//! updated (writing only what differs) and deleted (with its own waiter), and where its tags are.
//! A [`Lookup`] is a kind the resources only read (the recommended AMI, the cluster a service
//! runs on).

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::Clients;
use super::budget::Budget;
use super::retry::AwsError;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
pub type Tags = BTreeMap<String, String>;

/// What a unit call works with: the clients, the operation's budget, and the reads several
/// kinds share.
#[derive(Debug, Clone)]
pub struct Env {
    pub clients: Arc<Clients>,
    pub budget: Budget,
    shared: Arc<SharedReads>,
}

type SharedRead = Arc<OnceCell<Result<Arc<dyn Any + Send + Sync>, AwsError>>>;

/// Reads of one operation that several kinds make (ECS's DescribeClusters, ELB's
/// DescribeListeners), made once: concurrent callers wait for the one call.
#[derive(Default)]
struct SharedReads(Mutex<HashMap<String, SharedRead>>);

impl Debug for SharedReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedReads")
    }
}

impl Env {
    pub fn new(clients: Arc<Clients>, budget: Budget) -> Self {
        Self {
            clients,
            budget,
            shared: Arc::default(),
        }
    }

    pub fn c(&self) -> &Clients {
        &self.clients
    }

    /// The result of `load` under `key`, loaded once per operation.
    pub async fn shared<T, F, Fut>(&self, key: String, load: F) -> Result<T, AwsError>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        let cell = match self.shared.0.lock() {
            Ok(mut slots) => slots.entry(key.clone()).or_default().clone(),
            Err(_) => SharedRead::default(),
        };
        let found = cell
            .get_or_init(|| async {
                load()
                    .await
                    .map(|v| Arc::new(v) as Arc<dyn Any + Send + Sync>)
            })
            .await;
        match found {
            Ok(v) => v
                .downcast_ref::<T>()
                .cloned()
                .ok_or_else(|| AwsError::new("read", format!("{key}: another type was shared"))),
            Err(e) => Err(e.clone()),
        }
    }

    /// Forgets what was read under `key`: the object changed.
    pub fn forget(&self, key: &str) {
        if let Ok(mut slots) = self.shared.0.lock() {
            slots.remove(key);
        }
    }
}

/// How a difference is made good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    /// The object is changed where it is.
    InPlace,
    /// AWS cannot change it: the engine deletes the object and creates it again.
    Replace,
}

/// One setting that differs from the desired value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub setting: &'static str,
    pub fix: Fix,
}

impl Change {
    pub fn in_place(setting: &'static str) -> Self {
        Self {
            setting,
            fix: Fix::InPlace,
        }
    }

    pub fn replace(setting: &'static str) -> Self {
        Self {
            setting,
            fix: Fix::Replace,
        }
    }
}

/// Collects the settings that differ: `changes.check("min_size", a != b)`.
#[derive(Debug, Default)]
pub struct Changes(pub Vec<Change>);

impl Changes {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn check(&mut self, setting: &'static str, differs: bool) -> &mut Self {
        if differs {
            self.0.push(Change::in_place(setting));
        }
        self
    }

    /// `setting` changes in place when what is observed is not what is desired.
    pub fn differ<T: PartialEq + ?Sized>(
        &mut self,
        setting: &'static str,
        observed: &T,
        desired: &T,
    ) -> &mut Self {
        self.check(setting, observed != desired)
    }

    pub fn check_replace(&mut self, setting: &'static str, differs: bool) -> &mut Self {
        if differs {
            self.0.push(Change::replace(setting));
        }
        self
    }

    pub fn done(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.0)
    }
}

/// Checks each named field of `observed` against the same field of `desired`, in place; the
/// field's name is the setting's.
macro_rules! same_fields {
    ($changes:expr, $observed:expr, $desired:expr; $($field:ident),+ $(,)?) => {{
        let changes = $changes;
        $( changes.differ(stringify!($field), &$observed.$field, &$desired.$field); )+
        changes
    }};
}
pub(crate) use same_fields;

/// Whether `changes` name `setting`.
pub fn names(changes: &[Change], setting: &str) -> bool {
    changes.iter().any(|c| c.setting == setting)
}

/// Where an object's tags are written, by the API that tags it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TagTarget {
    Ecs(String),
    Ec2(String),
    Elbv2(String),
    AutoScalingGroup(String),
    IamRole(String),
    /// By ARN (without the `:*` that DescribeLogGroups appends).
    LogGroup(String),
    /// A CloudWatch alarm, by ARN.
    Alarm(String),
    /// A Cloud Map namespace, by ARN.
    CloudMap(String),
}

/// An object's tags: where they are, and what they are when the read already reported them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRef {
    pub target: TagTarget,
    pub known: Option<Tags>,
}

/// Reads each key on its own, all at once.
pub fn each<'a, K: Sync, T: Send + 'a, F, Fut>(
    keys: &'a [K],
    read: F,
) -> BoxFuture<'a, Result<Vec<Option<T>>, AwsError>>
where
    F: Fn(&'a K) -> Fut + Send + 'a,
    Fut: std::future::Future<Output = Result<Option<T>, AwsError>> + Send + 'a,
{
    Box::pin(futures_util::future::try_join_all(keys.iter().map(read)))
}

/// Implements [`Lookup`] for a kind whose keys are read together:
/// `read_all!(Kind: "name", Key => Observed, |env, keys| { the objects of all keys, in order })`,
/// with `gathers: true,` before the closure when reads of several resources are gathered into
/// one. Attributes before the kind document its read.
macro_rules! read_all {
    (
        $(#[$doc:meta])*
        $kind:ident: $name:literal, $key:ty => $observed:ty,
        $(gathers: $gathers:literal,)?
        |$env:ident, $keys:ident| $read:block $(,)?
    ) => {
        impl $crate::aws::unit::Lookup for $kind {
            const KIND: &'static str = $name;
            $(const GATHERS: bool = $gathers;)?
            type Key = $key;
            type Observed = $observed;

            $(#[$doc])*
            async fn read(
                $env: &$crate::aws::unit::Env,
                $keys: &[$key],
            ) -> Result<Vec<Option<$observed>>, $crate::aws::retry::AwsError> $read
        }
    };
}
pub(crate) use read_all;

/// Implements [`Lookup`] for a kind whose keys are each read on their own, all at once:
/// `read_each!(Kind: "name", Key => Observed, |env, key| the future of one key's object)`, with
/// `gathers: true,` when many resources read the same keys (gathered, each key is read once).
/// Attributes before the kind document its read.
macro_rules! read_each {
    (
        $(#[$doc:meta])*
        $kind:ident: $name:literal, $key:ty => $observed:ty,
        $(gathers: $gathers:literal,)?
        |$env:ident, $k:pat_param| $read:expr $(,)?
    ) => {
        $crate::aws::unit::read_all! {
            $(#[$doc])*
            $kind: $name, $key => $observed,
            $(gathers: $gathers,)?
            |$env, keys| { $crate::aws::unit::each(keys, move |$k| $read).await }
        }
    };
}
pub(crate) use read_each;

/// A kind of object that is only read.
pub trait Lookup: Send + Sync + 'static {
    /// The kind's name in messages and diagrams.
    const KIND: &'static str;
    /// Whether reads of several resources made at about the same time are gathered into one
    /// (see [`super::coalesce`]): true for kinds whose read of many keys costs fewer calls than
    /// reads of each.
    const GATHERS: bool = false;
    type Key: Clone + Debug + PartialEq + Send + Sync + 'static;
    type Observed: Clone + Debug + Send + Sync + 'static;

    /// The object of each key, `None` where there is none; several keys in as few calls as the
    /// API allows.
    fn read(
        env: &Env,
        keys: &[Self::Key],
    ) -> impl Future<Output = Result<Vec<Option<Self::Observed>>, AwsError>> + Send;
}

/// A kind of object a resource owns.
pub trait Unit: Lookup {
    type Desired: Clone + Debug + Send + Sync + 'static;

    /// Whether a missing object of this kind is one an apply makes (false for bookkeeping of
    /// objects made by other means, such as a task definition family's old revisions).
    const CREATES: bool = true;

    /// The settings of `observed` that differ from `desired`.
    fn diff(desired: &Self::Desired, observed: &Self::Observed) -> Vec<Change>;

    /// Creates the object; when a retried create finds what an earlier attempt made, that is
    /// adopted.
    fn create(
        env: &Env,
        key: &Self::Key,
        desired: &Self::Desired,
    ) -> impl Future<Output = Result<Self::Observed, AwsError>> + Send;

    /// Writes what `changes` name, and only that.
    fn update(
        env: &Env,
        desired: &Self::Desired,
        observed: &Self::Observed,
        changes: &[Change],
    ) -> impl Future<Output = Result<Self::Observed, AwsError>> + Send;

    /// Deletes the object and waits until it is gone (one already gone is fine).
    fn delete(
        env: &Env,
        observed: &Self::Observed,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;

    /// The tags the object must carry.
    fn desired_tags(_desired: &Self::Desired) -> Option<Tags> {
        None
    }

    /// Where the object's tags are.
    fn tags(_observed: &Self::Observed) -> Option<TagRef> {
        None
    }
}

/// A kind whose objects must not exist: every one found is deleted (listeners on ports the
/// cluster does not serve, a service's earlier target groups). A node of such a kind has no
/// desired value, so the engine deletes what it reads.
pub trait Leftovers: Lookup<Observed = Vec<Self::Item>> {
    type Item: Clone + Debug + Send + Sync + 'static;

    /// Deletes one of them (one already gone is fine).
    fn delete_one(
        env: &Env,
        item: &Self::Item,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

impl<T: Leftovers> Unit for T {
    /// Nothing: they are only deleted.
    type Desired = ();

    fn diff(_: &(), observed: &Vec<T::Item>) -> Vec<Change> {
        Changes::new().check(T::KIND, !observed.is_empty()).done()
    }

    async fn create(_: &Env, _: &T::Key, _: &()) -> Result<Vec<T::Item>, AwsError> {
        Ok(Vec::new())
    }

    async fn update(
        env: &Env,
        _: &(),
        observed: &Vec<T::Item>,
        _: &[Change],
    ) -> Result<Vec<T::Item>, AwsError> {
        Self::delete(env, observed).await?;
        Ok(Vec::new())
    }

    async fn delete(env: &Env, observed: &Vec<T::Item>) -> Result<(), AwsError> {
        for item in observed {
            T::delete_one(env, item).await?;
        }
        Ok(())
    }
}
