//! The engine's walks over a kind of object kept in memory: ordering, concurrency without phase
//! barriers, progress after failures, cancellation, and reverse-order deletion.

use std::collections::BTreeMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use ecsprod_cty::Value;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::aws::retry::AwsError;
use crate::aws::unit::{Change, Changes, Env, Lookup, Unit};

/// Objects by key, and the events of each test, by the test's key prefix.
static STORE: LazyLock<Mutex<BTreeMap<String, u32>>> = LazyLock::new(Mutex::default);
static EVENTS: LazyLock<Mutex<Vec<String>>> = LazyLock::new(Mutex::default);

fn log(event: String) {
    if let Ok(mut e) = EVENTS.lock() {
        e.push(event);
    }
}

fn events(prefix: &str) -> Vec<String> {
    EVENTS
        .lock()
        .map(|e| e.iter().filter(|x| x.contains(prefix)).cloned().collect())
        .unwrap_or_default()
}

fn stored(key: &str) -> Option<u32> {
    STORE.lock().ok().and_then(|s| s.get(key).copied())
}

#[derive(Debug, Clone, PartialEq)]
struct Want {
    value: u32,
    delay_ms: u64,
    fail: bool,
}

struct Memo;

impl Lookup for Memo {
    const KIND: &'static str = "memo";
    type Key = String;
    type Observed = (String, u32);

    async fn read(_: &Env, keys: &[String]) -> Result<Vec<Option<(String, u32)>>, AwsError> {
        log(format!("read {}", keys.join(",")));
        Ok(keys
            .iter()
            .map(|k| stored(k).map(|v| (k.clone(), v)))
            .collect())
    }
}

async fn write(key: &str, want: &Want) -> Result<(String, u32), AwsError> {
    log(format!("start {key}"));
    tokio::time::sleep(Duration::from_millis(want.delay_ms)).await;
    if want.fail {
        log(format!("fail {key}"));
        return Err(AwsError::new(format!("write {key}"), "refused"));
    }
    if let Ok(mut s) = STORE.lock() {
        s.insert(key.to_owned(), want.value);
    }
    log(format!("end {key}"));
    Ok((key.to_owned(), want.value))
}

impl Unit for Memo {
    type Desired = Want;

    fn diff(desired: &Want, observed: &(String, u32)) -> Vec<Change> {
        Changes::new()
            .check("value", desired.value != observed.1)
            .done()
    }

    async fn create(_: &Env, key: &String, desired: &Want) -> Result<(String, u32), AwsError> {
        write(key, desired).await
    }

    async fn update(
        _: &Env,
        desired: &Want,
        observed: &(String, u32),
        _: &[Change],
    ) -> Result<(String, u32), AwsError> {
        write(&observed.0, desired).await
    }

    async fn delete(_: &Env, observed: &(String, u32)) -> Result<(), AwsError> {
        log(format!("delete {}", observed.0));
        if let Ok(mut s) = STORE.lock() {
            s.remove(&observed.0);
        }
        Ok(())
    }
}

/// Per node: its delay and whether it fails.
#[derive(Debug, Clone, Default)]
struct Plan {
    prefix: String,
    delays: BTreeMap<&'static str, u64>,
    failing: Vec<&'static str>,
    value: u32,
    /// a must no longer exist.
    retire_a: bool,
}

const A: NodeId<Memo> = NodeId::new("a");
const B: NodeId<Memo> = NodeId::new("b");
const C: NodeId<Memo> = NodeId::new("c");
const D: NodeId<Memo> = NodeId::new("d");

fn want(plan: &Plan, node: &'static str) -> Want {
    Want {
        value: plan.value,
        delay_ms: plan.delays.get(node).copied().unwrap_or(0),
        fail: plan.failing.contains(&node),
    }
}

fn key(plan: &Plan, node: &str) -> String {
    format!("{}-{node}", plan.prefix)
}

/// A node written after `after`, showing nothing.
fn node(
    id: NodeId<Memo>,
    after: &'static [&'static str],
    key: KeyFn<Plan, String>,
    desired: DesiredFn<Plan, Want>,
) -> UnitNode<Plan, Memo> {
    UnitNode {
        id,
        after,
        read_after: &[],
        delete_after: &[],
        key,
        desired,
        project: |_, _, _, _| {},
    }
}

/// a and b are independent; c needs a; d needs b and c.
fn graph() -> Graph<Plan> {
    Graph::<Plan>::new()
        .unit(node(
            A,
            &[],
            |p, _| Some(key(p, "a")),
            |p, _| Ok(Some(want(p, "a"))),
        ))
        .unit(node(
            B,
            &[],
            |p, _| Some(key(p, "b")),
            |p, _| Ok(Some(want(p, "b"))),
        ))
        .unit(UnitNode {
            id: C,
            after: &[A.name],
            read_after: &[],
            delete_after: &[],
            key: |p, _| Some(key(p, "c")),
            desired: |p, o| {
                o.need(A)?;
                Ok(Some(want(p, "c")))
            },
            project: |_, _, _, _| {},
        })
        .unit(UnitNode {
            id: D,
            after: &[B.name, C.name],
            read_after: &[],
            delete_after: &[],
            key: |p, _| Some(key(p, "d")),
            desired: |p, _| Ok(Some(want(p, "d"))),
            project: |_, o, _, state| {
                if let Value::Object(attrs) = state {
                    attrs.insert(
                        "d".into(),
                        o.map_or(Value::Null, |(_, v)| Value::number(i64::from(*v))),
                    );
                }
            },
        })
}

/// The walk of `graph()` for `p`, with no deadline to speak of and no cancellation.
async fn walked(s: &Session, walk: Walk, p: &Plan) -> Outcome {
    s.walk(walk, &graph(), p, &limits(CancellationToken::new()))
        .await
}

async fn session() -> Session {
    let config = ClientConfig {
        region: Some("eu-west-1".into()),
        ..ClientConfig::default()
    };
    Session::connect(&config).await.expect("session")
}

fn limits(cancel: CancellationToken) -> Limits {
    Limits {
        operation: "create",
        limit: Duration::from_secs(30),
        cancel,
    }
}

fn plan(prefix: &str) -> Plan {
    Plan {
        prefix: prefix.into(),
        value: 1,
        ..Plan::default()
    }
}

#[tokio::test]
async fn a_node_starts_when_its_own_dependencies_are_done_not_when_a_whole_level_is() {
    let mut p = plan("barrier");
    // b is slow; c needs only a, so it must finish before b does.
    p.delays.insert("b", 400);
    let outcome = walked(&session().await, Walk::Apply, &p).await;
    assert!(outcome.succeeded(), "{:?}", outcome.errors);
    let e = events("barrier");
    let at = |x: &str| e.iter().position(|y| y == x).unwrap_or(usize::MAX);
    assert!(at("end barrier-c") < at("end barrier-b"), "{e:?}");
    assert!(at("end barrier-b") < at("start barrier-d"), "{e:?}");
    assert!(at("end barrier-c") < at("start barrier-d"), "{e:?}");
    // Every key is read in one call before anything is written.
    assert_eq!(
        at("read barrier-a,barrier-b,barrier-c,barrier-d"),
        0,
        "{e:?}"
    );
}

#[tokio::test]
async fn independent_writes_run_at_the_same_time() {
    let mut p = plan("concurrent");
    p.delays.insert("a", 300);
    p.delays.insert("b", 300);
    let start = Instant::now();
    let outcome = walked(&session().await, Walk::Apply, &p).await;
    assert!(outcome.succeeded());
    // a and b (300 ms each) overlap; c and d follow without waiting.
    assert!(
        start.elapsed() < Duration::from_millis(550),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn a_failure_stops_only_what_needs_it_and_the_outputs_hold_everything_that_exists() {
    let mut p = plan("failure");
    p.failing.push("a");
    p.delays.insert("b", 50);
    let outcome = walked(&session().await, Walk::Apply, &p).await;
    assert_eq!(outcome.errors.len(), 1);
    assert_eq!(outcome.errors[0].node, "a");
    assert_eq!(outcome.errors[0].step, "write failure-a");
    let outputs = outcome.outputs.expect("outputs");
    assert!(outputs.has("b"), "b does not need a and was made");
    assert!(!outputs.has("c") && !outputs.has("d"));
    assert_eq!(stored("failure-b"), Some(1));
    assert_eq!(stored("failure-c"), None, "c needs a: never started");
    // The next walk makes what is missing and leaves b alone.
    p.failing.clear();
    let again = walked(&session().await, Walk::Apply, &p).await;
    assert!(again.succeeded());
    assert_eq!(
        events("failure-b")
            .iter()
            .filter(|e| e.starts_with("start"))
            .count(),
        1,
        "b written once"
    );
}

#[tokio::test]
async fn an_update_writes_only_what_differs_and_projects_the_result() {
    let mut p = plan("update");
    let s = session().await;
    assert!(walked(&s, Walk::Apply, &p).await.succeeded());
    let writes = || {
        events("update")
            .iter()
            .filter(|e| e.starts_with("start"))
            .count()
    };
    assert_eq!(writes(), 4);
    assert!(walked(&s, Walk::Apply, &p).await.succeeded());
    assert_eq!(writes(), 4, "nothing differs: nothing written");
    p.value = 2;
    let outcome = walked(&s, Walk::Apply, &p).await;
    assert_eq!(writes(), 8);
    let mut state = Value::Object(BTreeMap::new());
    project(&graph(), &p, &outcome.outputs.expect("outputs"), &mut state);
    assert_eq!(state.get_attr("d"), Some(&Value::number(2)));
}

#[tokio::test]
async fn a_cancelled_walk_starts_nothing_more() {
    let mut p = plan("cancel");
    p.delays.insert("a", 200);
    p.delays.insert("b", 200);
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        stop.cancel();
    });
    let outcome = session()
        .await
        .walk(Walk::Apply, &graph(), &p, &limits(cancel))
        .await;
    assert!(
        outcome
            .errors
            .iter()
            .any(|e| e.message.contains("cancelled")),
        "{:?}",
        outcome.errors
    );
    assert_eq!(stored("cancel-c"), None);
    assert_eq!(stored("cancel-d"), None);
}

#[tokio::test]
async fn delete_runs_the_edges_in_reverse_and_finds_objects_by_their_keys() {
    let p = plan("delete");
    let s = session().await;
    assert!(walked(&s, Walk::Apply, &p).await.succeeded());
    let outcome = walked(&s, Walk::Delete, &p).await;
    assert!(outcome.succeeded());
    let e = events("delete");
    let at = |x: &str| e.iter().position(|y| y == x).unwrap_or(usize::MAX);
    assert!(at("delete delete-d") < at("delete delete-c"), "{e:?}");
    assert!(at("delete delete-d") < at("delete delete-b"), "{e:?}");
    assert!(at("delete delete-c") < at("delete delete-a"), "{e:?}");
    for node in ["a", "b", "c", "d"] {
        assert_eq!(stored(&format!("delete-{node}")), None);
    }
}

#[test]
fn a_graph_with_a_cycle_or_an_unknown_node_says_so() {
    let cyclic = Graph::<Plan>::new()
        .unit(UnitNode {
            id: A,
            after: &[B.name],
            read_after: &[],
            delete_after: &["nowhere"],
            key: |p, _| Some(key(p, "a")),
            desired: |p, _| Ok(Some(want(p, "a"))),
            project: |_, _, _, _| {},
        })
        .unit(node(
            B,
            &[A.name],
            |p, _| Some(key(p, "b")),
            |p, _| Ok(Some(want(p, "b"))),
        ));
    let problems = cyclic.problems();
    assert!(
        problems.iter().any(|p| p.contains("nowhere")),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.contains("cycle")), "{problems:?}");
    assert!(graph().problems().is_empty());
    let chart = graph().mermaid();
    assert!(
        chart.contains("a --> c") && chart.contains("c --> d"),
        "{chart}"
    );
}

#[tokio::test]
async fn an_object_whose_dependents_are_already_gone_is_deleted_too() {
    let p = plan("orphan");
    let s = session().await;
    assert!(walked(&s, Walk::Apply, &p).await.succeeded());
    // c and d (declared after a, and needing it) were deleted by an earlier destroy that
    // stopped part way.
    if let Ok(mut store) = STORE.lock() {
        store.remove("orphan-c");
        store.remove("orphan-d");
    }
    let outcome = walked(&s, Walk::Delete, &p).await;
    assert!(outcome.succeeded());
    assert_eq!(stored("orphan-a"), None);
    assert_eq!(stored("orphan-b"), None);
}

/// e is keyed from a's object (like a listener from its load balancer): it is read in a second
/// round, after a.
fn keyed_graph() -> Graph<Plan> {
    graph().unit(UnitNode {
        id: NodeId::<Memo>::new("e"),
        after: &[A.name],
        read_after: &[A.name],
        delete_after: &[],
        key: |p, o| o.get(A).map(|(_, v)| format!("{}-e{v}", p.prefix)),
        desired: |p, _| Ok(Some(want(p, "e"))),
        project: |_, _, _, _| {},
    })
}

#[tokio::test]
async fn a_key_from_another_nodes_object_is_read_after_that_object() {
    let p = plan("keyed");
    let s = session().await;
    assert!(
        s.walk(
            Walk::Apply,
            &keyed_graph(),
            &p,
            &limits(CancellationToken::new())
        )
        .await
        .succeeded()
    );
    assert_eq!(stored("keyed-e1"), Some(1));
    let outputs = s
        .refresh(&keyed_graph(), &p, &limits(CancellationToken::new()))
        .await
        .expect("refresh");
    assert!(outputs.has("e"), "e is found through a");
    let e = events("keyed");
    assert!(e.contains(&"read keyed-e1".to_owned()), "{e:?}");
}

/// c needs a while a exists, and says in its value whether it saw a.
fn retiring_graph() -> Graph<Plan> {
    Graph::<Plan>::new()
        .unit(node(
            A,
            &[],
            |p, _| Some(key(p, "a")),
            |p, _| Ok((!p.retire_a).then(|| want(p, "a"))),
        ))
        .unit(node(
            C,
            &[A.name],
            |p, _| Some(key(p, "c")),
            |p, o| {
                let value = if o.get(A).is_some() { 1 } else { 7 };
                Ok(Some(Want {
                    value,
                    ..want(p, "c")
                }))
            },
        ))
}

#[tokio::test]
async fn an_object_that_must_go_is_deleted_after_what_is_written_after_it_which_sees_it_gone() {
    let mut p = plan("retire");
    p.delays.insert("c", 100);
    let s = session().await;
    let limits = limits(CancellationToken::new());
    assert!(
        s.walk(Walk::Apply, &retiring_graph(), &p, &limits)
            .await
            .succeeded()
    );
    assert_eq!((stored("retire-a"), stored("retire-c")), (Some(1), Some(1)));
    p.retire_a = true;
    let outcome = s.walk(Walk::Apply, &retiring_graph(), &p, &limits).await;
    assert!(outcome.succeeded(), "{:?}", outcome.errors);
    assert_eq!((stored("retire-a"), stored("retire-c")), (None, Some(7)));
    let e = events("retire");
    let at = |x: &str| e.iter().position(|y| y == x).unwrap_or(usize::MAX);
    assert!(at("end retire-c") < at("delete retire-a"), "{e:?}");
}
