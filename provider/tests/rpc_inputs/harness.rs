//! The provider served in process and offline: the environment, runtimes, servers, calls under
//! a time limit with their timings and outcomes, and the settings of the properties.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, LazyLock, Mutex, Once};
use std::time::{Duration, Instant};

use ecsprod_proto::tfplugin6 as pb;
use ecsprod_provider::protocol::rpc::ProviderServer;
use ecsprod_provider::resources::EcsProd;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use tokio::runtime::Runtime;

use crate::schemas::is_error;

/// The longest any call may take: a call still running after this is a hang.
pub const CALL_LIMIT: Duration = Duration::from_secs(5);
/// Random cases per property when `ECSPROD_RPC_FUZZ_CASES` is not set.
const DEFAULT_CASES: u32 = 300;
/// A local port nothing listens on: every AWS call is refused at once.
pub const CLOSED_ENDPOINT: &str = "http://127.0.0.1:9";

/// The provider's gRPC service, shared by the calls of a test.
pub type Server = Arc<ProviderServer<EcsProd>>;

/// Points the AWS SDK at a closed port with dummy credentials, once per process.
fn offline() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let inherited: Vec<String> = std::env::vars()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with("AWS_"))
            .collect();
        // SAFETY: every test calls `offline()` (through `runtime()`) before anything else, and
        // `Once` holds them all until the environment is set, so no other thread reads it
        // meanwhile.
        unsafe {
            for k in inherited {
                std::env::remove_var(k);
            }
            std::env::remove_var("ECSPROD_CRASH_IN_RPC");
            for (k, v) in [
                ("AWS_ENDPOINT_URL", CLOSED_ENDPOINT),
                ("AWS_REGION", "ap-south-1"),
                ("AWS_ACCESS_KEY_ID", "AKIAECSPRODRPCINPUTS"),
                ("AWS_SECRET_ACCESS_KEY", "not-a-secret"),
                ("AWS_EC2_METADATA_DISABLED", "true"),
                ("AWS_MAX_ATTEMPTS", "1"),
                ("AWS_RETRY_MODE", "standard"),
                ("AWS_CONFIG_FILE", "/nonexistent/ecsprod-rpc-inputs/config"),
                (
                    "AWS_SHARED_CREDENTIALS_FILE",
                    "/nonexistent/ecsprod-rpc-inputs/credentials",
                ),
            ] {
                std::env::set_var(k, v);
            }
        }
    });
}

/// A runtime for the calls of one test, once the environment is offline.
pub fn runtime() -> Runtime {
    offline();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A new server of the provider, not configured.
pub fn new_server() -> Server {
    Arc::new(ProviderServer::new(Arc::new(EcsProd::new())))
}

/// Calls, total time and longest time of one RPC.
type Timing = (u32, Duration, Duration);

/// Timings per RPC, printed at the end of each test (`--nocapture`).
static TIMES: LazyLock<Mutex<BTreeMap<&'static str, Timing>>> = LazyLock::new(Default::default);

/// Answers per call with an error, with warnings only, and with no diagnostic.
static OUTCOMES: LazyLock<Mutex<BTreeMap<String, [u32; 3]>>> = LazyLock::new(Default::default);

/// Counts `diags` as an answer of `rpc` with an error, with warnings only or with no
/// diagnostic.
pub fn record_outcome(rpc: &str, diags: &[pb::Diagnostic]) {
    let class = if diags.iter().any(is_error) {
        0
    } else if diags.is_empty() {
        2
    } else {
        1
    };
    if let Ok(mut o) = OUTCOMES.lock() {
        o.entry(rpc.to_owned()).or_default()[class] += 1;
    }
}

/// Adds a call of `rpc` that took `elapsed` to the timings.
fn record(rpc: &'static str, elapsed: Duration) {
    if let Ok(mut t) = TIMES.lock() {
        let e = t.entry(rpc).or_default();
        e.0 += 1;
        e.1 += elapsed;
        e.2 = e.2.max(elapsed);
    }
}

/// Prints the timings and outcomes so far under the name of `test`.
fn print_times(test: &str) {
    if let Ok(t) = TIMES.lock() {
        eprintln!("{test}: calls, total and longest time per RPC so far");
        for (rpc, (n, total, max)) in t.iter() {
            eprintln!("  {rpc:<36} {n:>6} {total:>12.3?} {max:>12.3?}");
        }
    }
    if let Ok(o) = OUTCOMES.lock() {
        eprintln!("{test}: answers with an error / warnings only / no diagnostic so far");
        for (rpc, [e, w, c]) in o.iter() {
            eprintln!("  {rpc:<36} {e:>6} {w:>6} {c:>6}");
        }
    }
}

/// The message of the panic that ended a task.
fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(p) => p
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(non-string panic payload)".to_owned()),
        Err(e) => format!("task failed: {e}"),
    }
}

/// Runs one call on its own task: a panic, a call still running after [`CALL_LIMIT`] and a gRPC
/// status are failures; otherwise the response.
pub fn call<T, F>(rt: &Runtime, rpc: &'static str, fut: F) -> Result<T, TestCaseError>
where
    F: Future<Output = Result<tonic::Response<T>, tonic::Status>> + Send + 'static,
    T: Send + 'static,
{
    call_within(rt, rpc, CALL_LIMIT, fut)
}

/// [`call`] with `limit` instead of [`CALL_LIMIT`].
pub fn call_within<T, F>(
    rt: &Runtime,
    rpc: &'static str,
    limit: Duration,
    fut: F,
) -> Result<T, TestCaseError>
where
    F: Future<Output = Result<tonic::Response<T>, tonic::Status>> + Send + 'static,
    T: Send + 'static,
{
    let started = Instant::now();
    let outcome = rt.block_on(async move { tokio::time::timeout(limit, tokio::spawn(fut)).await });
    record(rpc, started.elapsed());
    match outcome {
        Err(_) => Err(TestCaseError::fail(format!(
            "{rpc} did not answer within {limit:?}"
        ))),
        Ok(Err(join)) => Err(TestCaseError::fail(format!(
            "{rpc} panicked: {}",
            panic_message(join)
        ))),
        Ok(Ok(Err(status))) => Err(TestCaseError::fail(format!(
            "{rpc} returned the gRPC status {status:?} instead of diagnostics"
        ))),
        Ok(Ok(Ok(resp))) => Ok(resp.into_inner()),
    }
}

/// Calls `$method` of the gRPC service on `$server` with `$req` (see [`call`]).
macro_rules! rpc {
    ($rt:expr, $server:expr, $method:ident, $req:expr) => {{
        use ::ecsprod_proto::tfplugin6::provider_server::Provider as _;
        let server = ::std::sync::Arc::clone(&$server);
        let req = $req;
        $crate::harness::call($rt, stringify!($method), async move {
            server.$method(::tonic::Request::new(req)).await
        })
    }};
}
pub(crate) use rpc;

/// Fails the test with `r`'s error, if any.
pub fn must(r: Result<(), TestCaseError>) {
    if let Err(e) = r {
        panic!("{e}");
    }
}

/// The number of random cases of each property: `ECSPROD_RPC_FUZZ_CASES`, else
/// [`DEFAULT_CASES`].
fn cases() -> u32 {
    std::env::var("ECSPROD_RPC_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// The settings of a property that runs `scale` times the configured number of cases.
pub fn config_scaled(scale: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases().saturating_mul(scale),
        // A failing case is printed; nothing is written into the source tree.
        failure_persistence: None,
        // Shrinking a failure stops after 30 s with the smallest case found so far.
        max_shrink_time: 30_000,
        ..ProptestConfig::default()
    }
}

/// The settings of a property that runs the configured number of cases.
pub fn config() -> ProptestConfig {
    config_scaled(1)
}

/// Runs `test` over the cases of `strategy` with `config`, prints the timings so far under the
/// name of the test, and fails with proptest's report of the smallest failing case.
pub fn check_property<S: Strategy>(
    test_name: &str,
    config: ProptestConfig,
    strategy: &S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let mut runner = TestRunner::new(config);
    let result = runner.run(strategy, test);
    print_times(test_name);
    if let Err(e) = result {
        panic!("{e}");
    }
}
