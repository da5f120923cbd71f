//! Random and malformed protocol input for every `tfplugin6.Provider` call of the real provider,
//! served in process and called through the generated gRPC service trait.
//!
//! Three properties, each over random cases:
//! - schema-shaped values in every value field: values generated from each resource's cty type
//!   (nulls, unknowns with refinements, extreme numbers, long and odd strings, attributes of the
//!   wrong type, missing or extra attributes), encoded as Terraform encodes them, then often
//!   truncated, corrupted, replaced by arbitrary bytes or sent as JSON;
//! - arbitrary protocol structure, call after call on one server: missing fields, empty
//!   requests, unknown type names, huge strings, extreme schema versions, legacy flatmap state,
//!   and every call for objects the provider does not offer;
//! - complete, well-typed configurations planned, applied, updated, read, destroyed and imported
//!   as far as an unreachable AWS lets each call go.
//!
//! What must hold for every call: it does not panic; it answers within [`CALL_LIMIT`]; it answers
//! `Ok` (provider errors are diagnostics, never gRPC statuses); its diagnostics are well formed;
//! a request value that cannot be decoded yields an error diagnostic; every state the provider
//! returns decodes against the resource's schema; and a plan answered for a request Terraform
//! could make passes Terraform's own plan checks. Deterministic regression cases cover the
//! nastiest shapes found (deep nesting, refinements that do not fit their type, oversized length
//! headers, unknowns everywhere, stored-state edge cases, huge timeouts, overlong Route53 IDs).
//!
//! AWS is unreachable: before any server is built the process environment points every AWS
//! endpoint at a closed local port, with dummy static credentials and no profile, and every
//! configured provider has `max_retries = 0`. Calls that reach AWS therefore fail at once.
//!
//! `ECSPROD_RPC_FUZZ_CASES` sets the number of random cases of each property (default
//! [`DEFAULT_CASES`]; the cheap structure property runs three times as many).

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, LazyLock, Mutex, Once};
use std::time::{Duration, Instant};

use ecsprod_cty::{Number, ObjectType, Refinements, Type, Value, json, msgpack};
use ecsprod_proto::tfplugin6 as pb;
use ecsprod_proto::tfplugin6::provider_server::Provider as _;
use ecsprod_provider::protocol::provider::Provider as _;
use ecsprod_provider::protocol::rpc::ProviderServer;
use ecsprod_provider::protocol::schema::{AttrType, Attribute, Mode};
use ecsprod_provider::resources::EcsProd;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use tokio::runtime::Runtime;
use tonic::Request;

/// The longest any call may take: a call still running after this is a hang.
const CALL_LIMIT: Duration = Duration::from_secs(5);
/// Random cases per property when `ECSPROD_RPC_FUZZ_CASES` is not set.
const DEFAULT_CASES: u32 = 300;
/// A local port nothing listens on: every AWS call is refused at once.
const CLOSED_ENDPOINT: &str = "http://127.0.0.1:9";

const CLUSTER: &str = "ecsprod_cluster";
const SERVICE: &str = "ecsprod_service";

type Server = Arc<ProviderServer<EcsProd>>;

// ---------------------------------------------------------------------------------------------
// Environment, servers and calls
// ---------------------------------------------------------------------------------------------

/// Points the AWS SDK at a closed port with dummy credentials, once per process.
fn offline() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let inherited: Vec<String> = std::env::vars()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with("AWS_"))
            .collect();
        // SAFETY: every test of this file calls `offline()` before anything else, and `Once`
        // holds them all until the environment is set, so no other thread reads it meanwhile.
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

fn runtime() -> Runtime {
    offline();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn new_server() -> Server {
    Arc::new(ProviderServer::new(Arc::new(EcsProd::new())))
}

/// Calls, total time and longest time of one RPC.
type Timing = (u32, Duration, Duration);

/// Timings per RPC, printed at the end of each test (`--nocapture`).
static TIMES: LazyLock<Mutex<BTreeMap<&'static str, Timing>>> = LazyLock::new(Default::default);

/// Answers per call with an error, with warnings only, and with no diagnostic.
static OUTCOMES: LazyLock<Mutex<BTreeMap<String, [u32; 3]>>> = LazyLock::new(Default::default);

fn record_outcome(rpc: &str, diags: &[pb::Diagnostic]) {
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

fn record(rpc: &'static str, elapsed: Duration) {
    if let Ok(mut t) = TIMES.lock() {
        let e = t.entry(rpc).or_default();
        e.0 += 1;
        e.1 += elapsed;
        e.2 = e.2.max(elapsed);
    }
}

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
fn call<T, F>(rt: &Runtime, rpc: &'static str, fut: F) -> Result<T, TestCaseError>
where
    F: Future<Output = Result<tonic::Response<T>, tonic::Status>> + Send + 'static,
    T: Send + 'static,
{
    call_within(rt, rpc, CALL_LIMIT, fut)
}

fn call_within<T, F>(
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
        let server = Arc::clone(&$server);
        let req = $req;
        call($rt, stringify!($method), async move {
            server.$method(Request::new(req)).await
        })
    }};
}

// ---------------------------------------------------------------------------------------------
// Schemas and what the provider must make of a value
// ---------------------------------------------------------------------------------------------

struct Types {
    cluster: Type,
    service: Type,
    provider: Type,
}

/// The provider whose schemas the checks read.
static SCHEMAS: LazyLock<EcsProd> = LazyLock::new(EcsProd::new);

static TYPES: LazyLock<Types> = LazyLock::new(|| {
    let p = &*SCHEMAS;
    let of = |name: &str| {
        p.resource(name)
            .map(|r| r.schema().value_type())
            .unwrap_or_else(|| panic!("the provider has no resource {name}"))
    };
    Types {
        cluster: of(CLUSTER),
        service: of(SERVICE),
        provider: p.schema().value_type(),
    }
});

fn resource_type(type_name: &str) -> Option<&'static Type> {
    match type_name {
        CLUSTER => Some(&TYPES.cluster),
        SERVICE => Some(&TYPES.service),
        _ => None,
    }
}

/// A request value decoded as the provider decodes it: msgpack when present, else JSON, else
/// null (also when the field is not set).
fn decode_request_value(dv: Option<&pb::DynamicValue>, t: &Type) -> Result<Value, String> {
    let Some(dv) = dv else {
        return Ok(Value::Null);
    };
    if !dv.msgpack.is_empty() {
        msgpack::decode(&dv.msgpack, t).map_err(|e| e.to_string())
    } else if !dv.json.is_empty() {
        json::decode(&dv.json, t).map_err(|e| e.to_string())
    } else {
        Ok(Value::Null)
    }
}

/// Why a request value cannot be decoded as `t`, if it cannot.
fn undecodable(dv: Option<&pb::DynamicValue>, t: &Type) -> Option<String> {
    decode_request_value(dv, t).err()
}

fn is_error(d: &pb::Diagnostic) -> bool {
    d.severity == pb::diagnostic::Severity::Error as i32
}

/// Diagnostics are errors or warnings with a summary; when `must_fail` names a reason, one of
/// them is an error.
fn check_diagnostics(
    rpc: &str,
    diags: &[pb::Diagnostic],
    must_fail: Option<&str>,
) -> Result<(), TestCaseError> {
    record_outcome(rpc, diags);
    for d in diags {
        let severity_ok = d.severity == pb::diagnostic::Severity::Error as i32
            || d.severity == pb::diagnostic::Severity::Warning as i32;
        prop_assert!(
            severity_ok && !d.summary.is_empty(),
            "{rpc} returned a malformed diagnostic: {d:?}"
        );
    }
    if let Some(reason) = must_fail {
        prop_assert!(
            diags.iter().any(is_error),
            "{rpc} returned no error diagnostic although {reason}; diagnostics: {diags:?}"
        );
    }
    Ok(())
}

/// A state the provider returns must be one Terraform can decode.
fn check_state(rpc: &str, dv: Option<&pb::DynamicValue>, t: &Type) -> Result<(), TestCaseError> {
    let Some(dv) = dv else { return Ok(()) };
    prop_assert!(
        !dv.msgpack.is_empty(),
        "{rpc} returned a state without msgpack: {dv:?}"
    );
    if let Err(e) = msgpack::decode(&dv.msgpack, t) {
        return Err(TestCaseError::fail(format!(
            "{rpc} returned a state that does not decode against its schema: {e}"
        )));
    }
    Ok(())
}

/// The value with the refinements of its unknowns dropped (Terraform compares plans so).
fn unrefined(v: &Value) -> Value {
    match v {
        Value::Unknown(_) => Value::unknown(),
        Value::List(vs) => Value::List(vs.iter().map(unrefined).collect()),
        Value::Set(vs) => Value::set(vs.iter().map(unrefined).collect()),
        Value::Tuple(vs) => Value::Tuple(vs.iter().map(unrefined).collect()),
        Value::Map(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), unrefined(v))).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), unrefined(v))).collect())
        }
        Value::Dynamic(t, inner) => Value::Dynamic(t.clone(), Box::new(unrefined(inner))),
        other => other.clone(),
    }
}

/// Terraform's rules for a planned attribute value (`objchange.AssertPlanValid`): it is the
/// configured value, or the prior value when both are set, or anything for a computed-only
/// attribute, or anything for a computed attribute the configuration leaves null.
fn plan_violations(
    attrs: &[Attribute],
    prior: &Value,
    config: &Value,
    planned: &Value,
    path: &str,
    out: &mut Vec<String>,
) {
    for a in attrs {
        let get = |v: &Value| v.get_attr(a.name).cloned().unwrap_or(Value::Null);
        let (p, c, n) = (get(prior), get(config), get(planned));
        let here = format!("{path}.{}", a.name);
        let computed = matches!(a.mode, Mode::Computed | Mode::OptionalComputed);
        let optional = matches!(a.mode, Mode::Optional | Mode::OptionalComputed);
        if unrefined(&n) == unrefined(&c)
            || (unrefined(&n) == unrefined(&p) && !p.is_null() && !c.is_null())
            || (computed && !optional)
            || (c.is_null() && computed)
        {
            continue;
        }
        if c.is_null() {
            out.push(format!(
                "{here}: planned {n:?} for a non-computed attribute"
            ));
            continue;
        }
        match &a.ty {
            AttrType::Object(children) if !n.is_null() && c.is_known() && n.is_known() => {
                plan_violations(children, &p, &c, &n, &here, out);
            }
            _ => out.push(format!(
                "{here}: planned {n:?} matches neither the configuration {c:?} nor the prior state {p:?}"
            )),
        }
    }
}

/// A plan answered for a request Terraform could make (a configured object, a proposed
/// object, a prior object or none) must pass Terraform's own checks of plans.
fn check_plan_valid(
    type_name: &str,
    prior: Option<&pb::DynamicValue>,
    proposed: Option<&pb::DynamicValue>,
    config: Option<&pb::DynamicValue>,
    planned: Option<&pb::DynamicValue>,
) -> Result<(), TestCaseError> {
    let (Some(t), Some(resource)) = (resource_type(type_name), SCHEMAS.resource(type_name)) else {
        return Ok(());
    };
    let (Some(prior), Some(proposed), Some(config), Some(planned)) = (
        decode_request_value(prior, t).ok(),
        decode_request_value(proposed, t).ok(),
        decode_request_value(config, t).ok(),
        decode_request_value(planned, t).ok(),
    ) else {
        return Ok(());
    };
    let objects = matches!(config, Value::Object(_))
        && matches!(proposed, Value::Object(_))
        && matches!(prior, Value::Object(_) | Value::Null);
    if !objects {
        return Ok(());
    }
    let mut violations = Vec::new();
    plan_violations(
        &resource.schema().attributes,
        &prior,
        &config,
        &planned,
        "",
        &mut violations,
    );
    prop_assert!(
        violations.is_empty(),
        "{type_name}: Terraform would reject this plan as invalid:\n{}",
        violations.join("\n")
    );
    Ok(())
}

/// The first reason among `reasons` that the call must fail.
fn first_reason(reasons: impl IntoIterator<Item = Option<String>>) -> Option<String> {
    reasons.into_iter().flatten().next()
}

fn unknown_type_reason(type_name: &str) -> Option<String> {
    resource_type(type_name)
        .is_none()
        .then(|| format!("{type_name:?} is no resource type of the provider"))
}

fn decode_reason(what: &str, dv: Option<&pb::DynamicValue>, t: Option<&Type>) -> Option<String> {
    undecodable(dv, t?).map(|e| format!("the {what} does not decode ({e})"))
}

// ---------------------------------------------------------------------------------------------
// Value generators
// ---------------------------------------------------------------------------------------------

/// Strings some validator accepts, and near misses, so that random values get past the format
/// checks and reach what lies behind them.
const PLAUSIBLE: &[&str] = &[
    "prod",
    "api",
    "web-1",
    "vpc-0a1b2c3d4e5f60718",
    "subnet-0a1b2c3d4e5f60001",
    "subnet-0a1b2c3d4e5f60002",
    "arn:aws:acm:ap-south-1:123456789012:certificate/6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
    "arn:aws:iam::123456789012:role/deploy",
    "arn:aws:ssm:ap-south-1:123456789012:parameter/prod/api/database-url",
    "arn:aws:secretsmanager:ap-south-1:123456789012:secret:prod/api/token-Ab12Cd",
    "arn:aws:secretsmanager:ap-south-1:123456789012:secret:prod/api/token-Ab12Cd:password::",
    "arn:aws:kms:ap-south-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "m6i.large",
    "t3.micro",
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "price-capacity-optimized",
    "ami-0123456789abcdef0",
    "public.ecr.aws/nginx/nginx:1.27",
    "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "api.example.com",
    "*.example.com",
    "Z0123456789ABCDEFGHIJ",
    "/healthz",
    "200-399",
    "30m",
    "1h30m",
    "0s",
    "24h",
    "86401s",
    "99999999999h",
    "prod/api",
    "ap-south-1",
    "{\"Version\":\"2012-10-17\",\"Statement\":[]}",
    CLOSED_ENDPOINT,
    "",
    " ",
    "\u{0}",
    "é",
    "aws:reserved",
];

fn arb_string() -> BoxedStrategy<String> {
    prop_oneof![
        20 => prop::sample::select(PLAUSIBLE).prop_map(str::to_owned),
        12 => "(?s).{0,12}",
        8 => "[a-z][a-z0-9-]{0,40}",
        1 => (any::<char>(), 200usize..20_000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
    .boxed()
}

fn arb_key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(&["Team", "Name", "LOG_LEVEL", "DATABASE_URL", "aws:x", "", "a b"][..])
            .prop_map(str::to_owned),
        2 => "[A-Za-z_][A-Za-z0-9_]{0,12}",
        1 => "(?s).{0,10}",
        1 => "k{129,140}",
    ]
    .boxed()
}

fn arb_number() -> BoxedStrategy<Number> {
    prop_oneof![
        4 => (-5i64..300).prop_map(Number::from_i64),
        2 => prop::sample::select(vec![
            i64::MIN,
            i64::MAX,
            i64::from(i32::MAX) + 1,
            i64::from(i32::MIN) - 1,
            65_535,
            65_536,
            -1,
            0,
        ])
        .prop_map(Number::from_i64),
        1 => any::<u64>().prop_map(Number::from_u64),
        1 => any::<f64>()
            .prop_filter("NaN is no cty number", |f| !f.is_nan())
            .prop_map(Number::from_f64),
        1 => prop::sample::select(vec![
            "0.5",
            "-0",
            "1e308",
            "-1e308",
            "1e-400",
            "1e400",
            "2.5e9",
            "12345678901234567890123456789012345678901234567890",
            "1.00000000000000000000000000000000000000001",
        ])
        .prop_filter_map("parses", |s| s.parse::<Number>().ok()),
    ]
    .boxed()
}

fn arb_refinements(t: &Type) -> BoxedStrategy<Refinements> {
    let not_null = any::<bool>();
    match t {
        Type::Dynamic => Just(Refinements::default()).boxed(),
        Type::String => (
            not_null,
            prop::option::of(prop_oneof!["(?s).{0,8}", "é{120,140}"]),
        )
            .prop_map(|(not_null, string_prefix)| Refinements {
                not_null,
                string_prefix,
                ..Refinements::default()
            })
            .boxed(),
        Type::Number => (
            not_null,
            prop::option::of((arb_number(), any::<bool>())),
            prop::option::of((arb_number(), any::<bool>())),
        )
            .prop_map(|(not_null, number_lower, number_upper)| Refinements {
                not_null,
                number_lower,
                number_upper,
                ..Refinements::default()
            })
            .boxed(),
        Type::List(_) | Type::Set(_) | Type::Map(_) => (
            not_null,
            prop::option::of(prop_oneof![0u64..8, any::<u64>()]),
            prop::option::of(prop_oneof![0u64..8, any::<u64>()]),
        )
            .prop_map(|(not_null, length_lower, length_upper)| Refinements {
                not_null,
                length_lower,
                length_upper,
                ..Refinements::default()
            })
            .boxed(),
        _ => not_null
            .prop_map(|not_null| Refinements {
                not_null,
                ..Refinements::default()
            })
            .boxed(),
    }
}

/// A value of type `t`: null, unknown (refined as `t` allows) or known.
fn arb_value(t: &Type) -> BoxedStrategy<Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => arb_refinements(t).prop_map(Value::Unknown),
        6 => arb_known(t),
    ]
    .boxed()
}

fn arb_known(t: &Type) -> BoxedStrategy<Value> {
    match t {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::String => arb_string().prop_map(Value::String).boxed(),
        Type::List(e) => prop::collection::vec(arb_value(e), 0..5)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(e) => prop::collection::vec(arb_value(e), 0..5)
            .prop_map(Value::set)
            .boxed(),
        Type::Map(e) => prop::collection::btree_map(arb_key(), arb_value(e), 0..5)
            .prop_map(Value::Map)
            .boxed(),
        Type::Tuple(ts) => ts
            .iter()
            .map(arb_value)
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        Type::Object(ot) => {
            let names: Vec<String> = ot.attrs.keys().cloned().collect();
            ot.attrs
                .values()
                .map(arb_value)
                .collect::<Vec<_>>()
                .prop_map(move |vals| Value::Object(names.iter().cloned().zip(vals).collect()))
                .boxed()
        }
        Type::Dynamic => prop_oneof![
            arb_string().prop_map(|s| Value::dynamic(Type::String, Value::String(s))),
            arb_number().prop_map(|n| Value::dynamic(Type::Number, Value::Number(n))),
            Just(Value::dynamic(
                Type::list(Type::String),
                Value::list(vec![Value::unknown()])
            )),
        ]
        .boxed(),
    }
}

/// Some type other than `t`, for a value of the wrong type.
fn other_type(t: &Type) -> BoxedStrategy<Type> {
    let choices: Vec<Type> = [
        Type::String,
        Type::Number,
        Type::Bool,
        Type::Dynamic,
        Type::list(Type::String),
        Type::list(Type::Number),
        Type::set(Type::String),
        Type::set(Type::list(Type::Bool)),
        Type::map(Type::String),
        Type::map(Type::Number),
        Type::Tuple(vec![Type::String, Type::Number]),
        Type::object([("x", Type::String)]),
    ]
    .into_iter()
    .filter(|c| c != t)
    .collect();
    prop::sample::select(choices).boxed()
}

/// A value for a position of type `t` with the type it is encoded as: mostly `t`, sometimes
/// another type; objects also lose, gain or rename attributes.
fn arb_typed(t: &Type) -> BoxedStrategy<(Type, Value)> {
    let wrong = other_type(t).prop_flat_map(|w| {
        let v = arb_value(&w);
        (Just(w), v)
    });
    match t {
        Type::Object(ot) => {
            let t1 = t.clone();
            let t2 = t.clone();
            prop_oneof![
                1 => Just((t1, Value::Null)),
                1 => arb_refinements(t).prop_map(move |r| (t2.clone(), Value::Unknown(r))),
                12 => arb_object(ot),
                1 => wrong,
            ]
            .boxed()
        }
        _ => {
            let t1 = t.clone();
            prop_oneof![
                40 => arb_value(t).prop_map(move |v| (t1.clone(), v)),
                1 => wrong,
            ]
            .boxed()
        }
    }
}

fn arb_object(ot: &ObjectType) -> BoxedStrategy<(Type, Value)> {
    let attrs: Vec<_> = ot
        .attrs
        .iter()
        .map(|(name, at)| {
            let name = name.clone();
            arb_typed(at).prop_map(move |(t, v)| (name.clone(), t, v))
        })
        .collect();
    (attrs, 0u8..20, any::<prop::sample::Index>())
        .prop_map(|(attrs, shape, which)| {
            let mut types = BTreeMap::new();
            let mut values = BTreeMap::new();
            for (name, t, v) in attrs {
                types.insert(name.clone(), t);
                values.insert(name, v);
            }
            let victim = (!types.is_empty())
                .then(|| types.keys().nth(which.index(types.len())).cloned())
                .flatten();
            match (shape, victim) {
                // one attribute missing
                (0, Some(k)) => {
                    types.remove(&k);
                    values.remove(&k);
                }
                // one attribute too many
                (1, _) => {
                    types.insert("unexpected".to_owned(), Type::String);
                    values.insert("unexpected".to_owned(), Value::string("x"));
                }
                // the right number of attributes, one with an unknown name
                (2, Some(k)) => {
                    if let Some(t) = types.remove(&k) {
                        types.insert(format!("{k}_renamed"), t);
                    }
                    if let Some(v) = values.remove(&k) {
                        values.insert(format!("{k}_renamed"), v);
                    }
                }
                _ => {}
            }
            (
                Type::Object(ObjectType {
                    attrs: types,
                    optional: Default::default(),
                }),
                Value::Object(values),
            )
        })
        .boxed()
}

/// The value with everything JSON cannot hold (unknowns, infinities) made null.
fn json_safe(v: &Value) -> Value {
    match v {
        Value::Unknown(_) => Value::Null,
        Value::Number(n) if !n.is_finite() => Value::Null,
        Value::List(vs) => Value::List(vs.iter().map(json_safe).collect()),
        Value::Set(vs) => Value::Set(vs.iter().map(json_safe).collect()),
        Value::Tuple(vs) => Value::Tuple(vs.iter().map(json_safe).collect()),
        Value::Map(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), json_safe(v))).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), json_safe(v))).collect())
        }
        Value::Dynamic(t, inner) => Value::Dynamic(t.clone(), Box::new(json_safe(inner))),
        other => other.clone(),
    }
}

fn encode_pair(t: &Type, v: &Value) -> (Vec<u8>, Vec<u8>) {
    let mp = msgpack::encode(v, t)
        .unwrap_or_else(|e| panic!("a generated value does not encode as its own type: {e}"));
    let js = json::encode(&json_safe(v), t).unwrap_or_else(|_| b"null".to_vec());
    (mp, js)
}

/// One `DynamicValue` field of a request, labelled by how it was made.
#[derive(Debug, Clone)]
enum Wire {
    Absent,
    Empty,
    Valid(Vec<u8>),
    Truncated(Vec<u8>),
    Corrupted(Vec<u8>),
    Arbitrary(Vec<u8>),
    Json(Vec<u8>),
    CorruptedJson(Vec<u8>),
    Both { msgpack: Vec<u8>, json: Vec<u8> },
}

impl Wire {
    fn dv(&self) -> Option<pb::DynamicValue> {
        let mp = |b: &Vec<u8>| pb::DynamicValue {
            msgpack: b.clone(),
            json: Vec::new(),
        };
        let js = |b: &Vec<u8>| pb::DynamicValue {
            msgpack: Vec::new(),
            json: b.clone(),
        };
        match self {
            Wire::Absent => None,
            Wire::Empty => Some(pb::DynamicValue::default()),
            Wire::Valid(b) | Wire::Truncated(b) | Wire::Corrupted(b) | Wire::Arbitrary(b) => {
                Some(mp(b))
            }
            Wire::Json(b) | Wire::CorruptedJson(b) => Some(js(b)),
            Wire::Both { msgpack, json } => Some(pb::DynamicValue {
                msgpack: msgpack.clone(),
                json: json.clone(),
            }),
        }
    }
}

fn flip(bytes: &[u8], flips: &[(prop::sample::Index, u8)]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    if !b.is_empty() {
        for (i, x) in flips {
            let i = i.index(b.len());
            b[i] ^= x;
        }
    }
    b
}

fn arb_flips() -> impl Strategy<Value = Vec<(prop::sample::Index, u8)>> {
    prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4)
}

/// A `DynamicValue` for a position of type `t`.
fn arb_wire(t: &Type) -> BoxedStrategy<Wire> {
    let derived = arb_typed(t)
        .prop_map(|(wt, v)| encode_pair(&wt, &v))
        .prop_flat_map(|(mp, js)| {
            let (mp1, mp2, mp3, mp4, mp5) = (mp.clone(), mp.clone(), mp.clone(), mp.clone(), mp);
            let (js1, js2, js3) = (js.clone(), js.clone(), js);
            prop_oneof![
                6 => Just(Wire::Valid(mp1)),
                2 => any::<prop::sample::Index>()
                    .prop_map(move |i| Wire::Truncated(mp2[..i.index(mp2.len())].to_vec())),
                2 => arb_flips().prop_map(move |f| Wire::Corrupted(flip(&mp3, &f))),
                1 => (any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 1..6))
                    .prop_map(move |(i, extra)| {
                        let mut b = mp4.clone();
                        let at = i.index(b.len() + 1);
                        b.splice(at..at, extra);
                        Wire::Corrupted(b)
                    }),
                2 => Just(Wire::Json(js1)),
                1 => arb_flips().prop_map(move |f| Wire::CorruptedJson(flip(&js2, &f))),
                1 => Just(Wire::Both { msgpack: mp5.clone(), json: js3.clone() }),
            ]
        });
    prop_oneof![
        1 => Just(Wire::Absent),
        1 => Just(Wire::Empty),
        2 => prop::collection::vec(any::<u8>(), 0..48).prop_map(Wire::Arbitrary),
        14 => derived,
    ]
    .boxed()
}

/// A `DynamicValue` as Terraform sends it for a position of type `t`: a value of that type
/// (nulls and unknowns included), mostly as msgpack, sometimes as JSON or not set at all.
fn arb_clean_wire(t: &Type) -> BoxedStrategy<Wire> {
    let t1 = t.clone();
    let t2 = t.clone();
    prop_oneof![
        1 => Just(Wire::Absent),
        12 => arb_value(t).prop_map(move |v| Wire::Valid(encode_pair(&t1, &v).0)),
        2 => arb_value(t).prop_map(move |v| Wire::Json(encode_pair(&t2, &v).1)),
    ]
    .boxed()
}

/// Stored state for `UpgradeResourceState`: JSON of a value of type `t` (often damaged),
/// arbitrary bytes, deep nesting, legacy flatmap, or nothing.
fn arb_raw_state(t: &Type) -> BoxedStrategy<Option<pb::RawState>> {
    let json_text = arb_typed(t).prop_map(|(wt, v)| encode_pair(&wt, &v).1);
    let json = prop_oneof![
        6 => json_text.clone(),
        2 => (json_text.clone(), any::<prop::sample::Index>())
            .prop_map(|(j, i)| j[..i.index(j.len())].to_vec()),
        2 => (json_text, arb_flips()).prop_map(|(j, f)| flip(&j, &f)),
        1 => prop::collection::vec(any::<u8>(), 0..48),
        1 => (1usize..600).prop_map(|n| "[".repeat(n).into_bytes()),
        1 => (1usize..400).prop_map(|n| format!("{}{}", "{\"a\":".repeat(n), "}".repeat(n)).into_bytes()),
        1 => Just(Vec::new()),
    ];
    let flatmap = prop_oneof![
        4 => Just(HashMap::new()),
        1 => prop::collection::hash_map(arb_key(), arb_string(), 0..6),
    ];
    prop_oneof![
        1 => Just(None),
        10 => (json, flatmap).prop_map(|(json, flatmap)| Some(pb::RawState { json, flatmap })),
    ]
    .boxed()
}

fn arb_type_name() -> BoxedStrategy<String> {
    prop_oneof![
        4 => Just(CLUSTER.to_owned()),
        4 => Just(SERVICE.to_owned()),
        1 => prop::sample::select(&[
            "",
            "ecsprod_clusters",
            "ECSPROD_CLUSTER",
            "ecsprod_service\u{0}",
            "aws_instance",
            "ecsprod",
        ][..])
        .prop_map(str::to_owned),
        1 => "(?s).{0,16}",
    ]
    .boxed()
}

fn arb_version() -> BoxedStrategy<i64> {
    prop_oneof![
        8 => Just(0i64),
        1 => -2i64..3,
        1 => any::<i64>(),
    ]
    .boxed()
}

/// The provider block a configured server gets: always valid, always offline, never retrying.
fn arb_provider_block() -> BoxedStrategy<Value> {
    let region = prop_oneof![
        Just(Value::Null),
        Just(Value::string("ap-south-1")),
        Just(Value::unknown()),
    ];
    let tag_value = prop_oneof![
        4 => "[a-z0-9 ]{0,12}".prop_map(Value::String),
        1 => Just(Value::unknown()),
    ];
    let default_tags = prop_oneof![
        2 => Just(Value::Null),
        1 => Just(Value::unknown()),
        3 => prop::collection::btree_map(
            prop::sample::select(&["Team", "Owner", "CostCenter", "Name"][..]).prop_map(str::to_owned),
            tag_value,
            0..4,
        )
        .prop_map(Value::Map),
    ];
    (region, default_tags, any::<bool>())
        .prop_map(|(region, default_tags, skip)| {
            Value::object([
                ("region", region),
                ("default_tags", default_tags),
                ("skip_credentials_validation", Value::bool(skip)),
                ("skip_requesting_account_id", Value::bool(skip)),
                ("max_retries", Value::number(0)),
            ])
        })
        .boxed()
}

/// A server, configured through `ConfigureProvider` with `block` when given.
fn server_with(rt: &Runtime, block: Option<&Value>) -> Result<Server, TestCaseError> {
    let server = new_server();
    if let Some(block) = block {
        let config = msgpack::encode(block, &TYPES.provider)
            .map_err(|e| TestCaseError::fail(format!("provider block does not encode: {e}")))?;
        let resp = rpc!(
            rt,
            server,
            configure_provider,
            pb::configure_provider::Request {
                terraform_version: "1.15.5".to_owned(),
                config: Some(pb::DynamicValue {
                    msgpack: config,
                    json: Vec::new(),
                }),
                client_capabilities: None,
            }
        )?;
        prop_assert!(
            !resp.diagnostics.iter().any(is_error),
            "a valid provider block was refused: {:?}",
            resp.diagnostics
        );
    }
    Ok(server)
}

// ---------------------------------------------------------------------------------------------
// Property: schema-shaped, malformed values to every handler that takes values
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Case {
    type_name: String,
    /// The provider block, when the server is configured before the calls.
    provider_block: Option<Value>,
    prior: Wire,
    proposed: Wire,
    config: Wire,
    planned: Wire,
    private: Vec<u8>,
    version: i64,
    raw_state: Option<pb::RawState>,
    import_id: String,
    provider_config: Wire,
}

/// A case damages at most one of the four resource values (prior, proposed, config, planned),
/// so that the others get past decoding and the damage reaches the code behind it.
fn arb_case() -> impl Strategy<Value = Case> {
    (arb_type_name(), 0usize..5).prop_flat_map(|(type_name, damaged)| {
        let t = resource_type(&type_name).unwrap_or(&TYPES.cluster);
        let wire = |i: usize| {
            if i == damaged {
                arb_wire(t)
            } else {
                arb_clean_wire(t)
            }
        };
        (
            Just(type_name),
            prop::option::of(arb_provider_block()),
            wire(0),
            wire(1),
            wire(2),
            wire(3),
            prop::collection::vec(any::<u8>(), 0..16),
            arb_version(),
            arb_raw_state(t),
            prop_oneof![
                prop::sample::select(&["prod", "prod/api", "", "/", "a/b/c", "prod/"][..])
                    .prop_map(str::to_owned),
                "(?s).{0,24}",
            ],
            arb_wire(&TYPES.provider),
        )
            .prop_map(
                |(
                    type_name,
                    provider_block,
                    prior,
                    proposed,
                    config,
                    planned,
                    private,
                    version,
                    raw_state,
                    import_id,
                    provider_config,
                )| Case {
                    type_name,
                    provider_block,
                    prior,
                    proposed,
                    config,
                    planned,
                    private,
                    version,
                    raw_state,
                    import_id,
                    provider_config,
                },
            )
    })
}

fn run_case(rt: &Runtime, case: &Case) -> Result<(), TestCaseError> {
    let provider_type = &TYPES.provider;
    let provider_config = case.provider_config.dv();

    // The provider block: validated, then configured on a server used for nothing else.
    let resp = rpc!(
        rt,
        new_server(),
        validate_provider_config,
        pb::validate_provider_config::Request {
            config: provider_config.clone(),
        }
    )?;
    check_diagnostics(
        "ValidateProviderConfig",
        &resp.diagnostics,
        decode_reason(
            "provider configuration",
            provider_config.as_ref(),
            Some(provider_type),
        )
        .as_deref(),
    )?;
    let resp = rpc!(
        rt,
        new_server(),
        configure_provider,
        pb::configure_provider::Request {
            terraform_version: "1.15.5".to_owned(),
            config: provider_config.clone(),
            client_capabilities: None,
        }
    )?;
    check_diagnostics(
        "ConfigureProvider",
        &resp.diagnostics,
        decode_reason(
            "provider configuration",
            provider_config.as_ref(),
            Some(provider_type),
        )
        .as_deref(),
    )?;

    let server = server_with(rt, case.provider_block.as_ref())?;
    let type_name = case.type_name.clone();
    let t = resource_type(&type_name);
    let unknown_type = unknown_type_reason(&type_name);
    let (prior, proposed, config, planned) = (
        case.prior.dv(),
        case.proposed.dv(),
        case.config.dv(),
        case.planned.dv(),
    );

    let resp = rpc!(
        rt,
        server,
        validate_resource_config,
        pb::validate_resource_config::Request {
            type_name: type_name.clone(),
            config: config.clone(),
            client_capabilities: None,
        }
    )?;
    check_diagnostics(
        "ValidateResourceConfig",
        &resp.diagnostics,
        first_reason([
            unknown_type.clone(),
            decode_reason("configuration", config.as_ref(), t),
        ])
        .as_deref(),
    )?;

    let resp = rpc!(
        rt,
        server,
        upgrade_resource_state,
        pb::upgrade_resource_state::Request {
            type_name: type_name.clone(),
            version: case.version,
            raw_state: case.raw_state.clone(),
        }
    )?;
    let raw_json = case
        .raw_state
        .as_ref()
        .map(|r| r.json.as_slice())
        .unwrap_or_default();
    let upgrade_reason = first_reason([
        unknown_type.clone(),
        (case.version > 0).then(|| format!("schema version {} is newer than 0", case.version)),
        raw_json
            .is_empty()
            .then(|| "the stored state has no JSON".to_owned()),
        t.and_then(|t| json::decode(raw_json, t).err())
            .filter(|_| !raw_json.is_empty())
            .map(|e| format!("the stored JSON does not decode ({e})")),
    ]);
    check_diagnostics(
        "UpgradeResourceState",
        &resp.diagnostics,
        upgrade_reason.as_deref(),
    )?;
    if let Some(t) = t {
        check_state("UpgradeResourceState", resp.upgraded_state.as_ref(), t)?;
        if !resp.diagnostics.iter().any(is_error) {
            prop_assert!(
                resp.upgraded_state.is_some(),
                "UpgradeResourceState answered neither a state nor an error"
            );
        }
    }

    let resp = rpc!(
        rt,
        server,
        plan_resource_change,
        pb::plan_resource_change::Request {
            type_name: type_name.clone(),
            prior_state: prior.clone(),
            proposed_new_state: proposed.clone(),
            config: config.clone(),
            prior_private: case.private.clone(),
            provider_meta: None,
            client_capabilities: None,
            prior_identity: None,
        }
    )?;
    check_diagnostics(
        "PlanResourceChange",
        &resp.diagnostics,
        first_reason([
            unknown_type.clone(),
            decode_reason("prior state", prior.as_ref(), t),
            decode_reason("proposed new state", proposed.as_ref(), t),
            decode_reason("configuration", config.as_ref(), t),
        ])
        .as_deref(),
    )?;
    if let Some(t) = t {
        check_state("PlanResourceChange", resp.planned_state.as_ref(), t)?;
        if !resp.diagnostics.iter().any(is_error) {
            prop_assert!(
                resp.planned_state.is_some(),
                "PlanResourceChange answered neither a plan nor an error"
            );
            check_plan_valid(
                &type_name,
                prior.as_ref(),
                proposed.as_ref(),
                config.as_ref(),
                resp.planned_state.as_ref(),
            )?;
        }
    }

    let unconfigured = case
        .provider_block
        .is_none()
        .then(|| "the provider is not configured".to_owned());

    let resp = rpc!(
        rt,
        server,
        read_resource,
        pb::read_resource::Request {
            type_name: type_name.clone(),
            current_state: prior.clone(),
            private: case.private.clone(),
            provider_meta: None,
            client_capabilities: None,
            current_identity: None,
        }
    )?;
    check_diagnostics(
        "ReadResource",
        &resp.diagnostics,
        first_reason([
            unknown_type.clone(),
            decode_reason("current state", prior.as_ref(), t),
            unconfigured.clone(),
        ])
        .as_deref(),
    )?;
    if let Some(t) = t {
        check_state("ReadResource", resp.new_state.as_ref(), t)?;
    }

    let resp = rpc!(
        rt,
        server,
        apply_resource_change,
        pb::apply_resource_change::Request {
            type_name: type_name.clone(),
            prior_state: prior.clone(),
            planned_state: planned.clone(),
            config: config.clone(),
            planned_private: case.private.clone(),
            provider_meta: None,
            planned_identity: None,
        }
    )?;
    check_diagnostics(
        "ApplyResourceChange",
        &resp.diagnostics,
        first_reason([
            unknown_type.clone(),
            decode_reason("prior state", prior.as_ref(), t),
            decode_reason("planned state", planned.as_ref(), t),
            decode_reason("configuration", config.as_ref(), t),
            unconfigured.clone(),
        ])
        .as_deref(),
    )?;
    if let Some(t) = t {
        check_state("ApplyResourceChange", resp.new_state.as_ref(), t)?;
    }

    let resp = rpc!(
        rt,
        server,
        import_resource_state,
        pb::import_resource_state::Request {
            type_name: type_name.clone(),
            id: case.import_id.clone(),
            client_capabilities: None,
            identity: None,
        }
    )?;
    check_diagnostics(
        "ImportResourceState",
        &resp.diagnostics,
        first_reason([unknown_type, unconfigured]).as_deref(),
    )?;
    if let Some(t) = t {
        for r in &resp.imported_resources {
            check_state("ImportResourceState", r.state.as_ref(), t)?;
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("ECSPROD_RPC_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// The settings of a property that runs `scale` times the configured number of cases.
fn config_scaled(scale: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases().saturating_mul(scale),
        // A failing case is printed; nothing is written into the source tree.
        failure_persistence: None,
        // Shrinking a failure stops after 30 s with the smallest case found so far.
        max_shrink_time: 30_000,
        ..ProptestConfig::default()
    }
}

fn config() -> ProptestConfig {
    config_scaled(1)
}

#[test]
fn malformed_values_to_every_handler_yield_diagnostics_never_panics_or_hangs() {
    let rt = runtime();
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let result = runner.run(&arb_case(), |case| run_case(&rt, &case));
    print_times("malformed_values_to_every_handler_yield_diagnostics_never_panics_or_hangs");
    if let Err(e) = result {
        panic!("{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Property: arbitrary protocol structure, call after call on one server
// ---------------------------------------------------------------------------------------------

/// One call with arbitrary fields.
#[derive(Debug, Clone)]
enum Op {
    GetMetadata,
    GetProviderSchema,
    GetResourceIdentitySchemas,
    GetFunctions,
    StopProvider,
    ValidateProvider(pb::validate_provider_config::Request),
    Configure(pb::configure_provider::Request),
    ValidateResource(pb::validate_resource_config::Request),
    ValidateData(pb::validate_data_resource_config::Request),
    ValidateEphemeral(pb::validate_ephemeral_resource_config::Request),
    Upgrade(pb::upgrade_resource_state::Request),
    UpgradeIdentity(pb::upgrade_resource_identity::Request),
    Plan(pb::plan_resource_change::Request),
    Read(pb::read_resource::Request),
    Apply(pb::apply_resource_change::Request),
    Import(pb::import_resource_state::Request),
    Move(pb::move_resource_state::Request),
    ReadData(pb::read_data_source::Request),
    Generate(pb::generate_resource_config::Request),
    Open(pb::open_ephemeral_resource::Request),
    Renew(pb::renew_ephemeral_resource::Request),
    Close(pb::close_ephemeral_resource::Request),
    CallFunction(pb::call_function::Request),
}

/// Type names and other names: the real ones, odd ones and huge ones.
fn arb_name() -> BoxedStrategy<String> {
    prop_oneof![
        6 => arb_type_name(),
        1 => (any::<char>(), 10_000usize..1_000_000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
    .boxed()
}

fn arb_bytes() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..32),
        1 => (1usize..100_000).prop_map(|n| {
            let mut b = vec![0x91; n];
            b.push(0xc0);
            b
        }),
        1 => (1usize..100_000).prop_map(|n| "[".repeat(n).into_bytes()),
        1 => Just(vec![0xc0]),
        1 => Just(msgpack::UNKNOWN_BYTES.to_vec()),
        1 => Just(vec![0xdf, 0xff, 0xff, 0xff, 0xff]),
    ]
    .boxed()
}

fn arb_dv() -> BoxedStrategy<Option<pb::DynamicValue>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(pb::DynamicValue::default())),
        4 => (arb_bytes(), arb_bytes()).prop_map(|(msgpack, json)| Some(pb::DynamicValue { msgpack, json })),
        2 => arb_bytes().prop_map(|json| Some(pb::DynamicValue { msgpack: Vec::new(), json })),
    ]
    .boxed()
}

/// A provider block for `ConfigureProvider`: arbitrary bytes that never decode to a usable
/// block, or a valid offline one. A block that decodes to null or unknown would configure the
/// provider's default of 10 attempts per AWS call, which overrides `AWS_MAX_ATTEMPTS`: an import
/// against the closed port then retries with backoff for about a minute.
fn arb_configure_dv() -> BoxedStrategy<Option<pb::DynamicValue>> {
    let nil_or_unknown = |b: &u8| matches!(b, 0xc0 | 0xc7..=0xc9 | 0xd4..=0xd8);
    prop_oneof![
        3 => (any::<u8>(), prop::collection::vec(any::<u8>(), 0..32))
            .prop_filter("does not start with nil or an unknown", move |(first, _)| !nil_or_unknown(first))
            .prop_map(|(first, rest)| {
                let mut msgpack = vec![first];
                msgpack.extend(rest);
                Some(pb::DynamicValue { msgpack, json: Vec::new() })
            }),
        1 => arb_provider_block().prop_map(|b| {
            Some(pb::DynamicValue {
                msgpack: msgpack::encode(&b, &TYPES.provider).unwrap_or_default(),
                json: Vec::new(),
            })
        }),
    ]
    .boxed()
}

fn arb_raw() -> BoxedStrategy<Option<pb::RawState>> {
    prop::option::of(
        (
            arb_bytes(),
            prop::collection::hash_map(arb_key(), arb_string(), 0..4),
        )
            .prop_map(|(json, flatmap)| pb::RawState { json, flatmap }),
    )
    .boxed()
}

fn arb_caps() -> BoxedStrategy<Option<pb::ClientCapabilities>> {
    prop::option::of(
        (any::<bool>(), any::<bool>()).prop_map(|(d, w)| pb::ClientCapabilities {
            deferral_allowed: d,
            write_only_attributes_allowed: w,
        }),
    )
    .boxed()
}

fn arb_identity() -> BoxedStrategy<Option<pb::ResourceIdentityData>> {
    prop::option::of(arb_dv().prop_map(|identity_data| pb::ResourceIdentityData { identity_data }))
        .boxed()
}

fn arb_private() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        3 => Just(Vec::new()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
    .boxed()
}

fn arb_op() -> BoxedStrategy<Op> {
    let n = arb_name;
    prop_oneof![
        Just(Op::GetMetadata),
        Just(Op::GetProviderSchema),
        Just(Op::GetResourceIdentitySchemas),
        Just(Op::GetFunctions),
        Just(Op::StopProvider),
        arb_dv().prop_map(
            |config| Op::ValidateProvider(pb::validate_provider_config::Request { config })
        ),
        ("(?s).{0,12}", arb_configure_dv(), arb_caps()).prop_map(
            |(terraform_version, config, client_capabilities)| {
                Op::Configure(pb::configure_provider::Request {
                    terraform_version,
                    config,
                    client_capabilities,
                })
            }
        ),
        (n(), arb_dv(), arb_caps()).prop_map(|(type_name, config, client_capabilities)| {
            Op::ValidateResource(pb::validate_resource_config::Request {
                type_name,
                config,
                client_capabilities,
            })
        }),
        (n(), arb_dv()).prop_map(|(type_name, config)| {
            Op::ValidateData(pb::validate_data_resource_config::Request { type_name, config })
        }),
        (n(), arb_dv()).prop_map(|(type_name, config)| {
            Op::ValidateEphemeral(pb::validate_ephemeral_resource_config::Request {
                type_name,
                config,
            })
        }),
        (n(), any::<i64>(), arb_raw()).prop_map(|(type_name, version, raw_state)| {
            Op::Upgrade(pb::upgrade_resource_state::Request {
                type_name,
                version,
                raw_state,
            })
        }),
        (n(), any::<i64>(), arb_raw()).prop_map(|(type_name, version, raw_identity)| {
            Op::UpgradeIdentity(pb::upgrade_resource_identity::Request {
                type_name,
                version,
                raw_identity,
            })
        }),
        (
            n(),
            arb_dv(),
            arb_dv(),
            arb_dv(),
            arb_private(),
            arb_dv(),
            arb_caps(),
            arb_identity()
        )
            .prop_map(
                |(
                    type_name,
                    prior_state,
                    proposed_new_state,
                    config,
                    prior_private,
                    provider_meta,
                    client_capabilities,
                    prior_identity,
                )| {
                    Op::Plan(pb::plan_resource_change::Request {
                        type_name,
                        prior_state,
                        proposed_new_state,
                        config,
                        prior_private,
                        provider_meta,
                        client_capabilities,
                        prior_identity,
                    })
                }
            ),
        (
            n(),
            arb_dv(),
            arb_private(),
            arb_dv(),
            arb_caps(),
            arb_identity()
        )
            .prop_map(
                |(
                    type_name,
                    current_state,
                    private,
                    provider_meta,
                    client_capabilities,
                    current_identity,
                )| {
                    Op::Read(pb::read_resource::Request {
                        type_name,
                        current_state,
                        private,
                        provider_meta,
                        client_capabilities,
                        current_identity,
                    })
                }
            ),
        (
            n(),
            arb_dv(),
            arb_dv(),
            arb_dv(),
            arb_private(),
            arb_dv(),
            arb_identity()
        )
            .prop_map(
                |(
                    type_name,
                    prior_state,
                    planned_state,
                    config,
                    planned_private,
                    provider_meta,
                    planned_identity,
                )| {
                    Op::Apply(pb::apply_resource_change::Request {
                        type_name,
                        prior_state,
                        planned_state,
                        config,
                        planned_private,
                        provider_meta,
                        planned_identity,
                    })
                }
            ),
        (n(), n(), arb_caps(), arb_identity()).prop_map(
            |(type_name, id, client_capabilities, identity)| {
                Op::Import(pb::import_resource_state::Request {
                    type_name,
                    id,
                    client_capabilities,
                    identity,
                })
            }
        ),
        (
            n(),
            n(),
            any::<i64>(),
            arb_raw(),
            n(),
            arb_private(),
            arb_raw(),
            any::<i64>()
        )
            .prop_map(
                |(
                    source_provider_address,
                    source_type_name,
                    source_schema_version,
                    source_state,
                    target_type_name,
                    source_private,
                    source_identity,
                    source_identity_schema_version,
                )| {
                    Op::Move(pb::move_resource_state::Request {
                        source_provider_address,
                        source_type_name,
                        source_schema_version,
                        source_state,
                        target_type_name,
                        source_private,
                        source_identity,
                        source_identity_schema_version,
                    })
                }
            ),
        (n(), arb_dv(), arb_dv(), arb_caps()).prop_map(
            |(type_name, config, provider_meta, client_capabilities)| {
                Op::ReadData(pb::read_data_source::Request {
                    type_name,
                    config,
                    provider_meta,
                    client_capabilities,
                })
            }
        ),
        (n(), arb_dv()).prop_map(|(type_name, state)| {
            Op::Generate(pb::generate_resource_config::Request { type_name, state })
        }),
        (n(), arb_dv(), arb_caps()).prop_map(|(type_name, config, client_capabilities)| {
            Op::Open(pb::open_ephemeral_resource::Request {
                type_name,
                config,
                client_capabilities,
            })
        }),
        (n(), prop::option::of(arb_private())).prop_map(|(type_name, private)| {
            Op::Renew(pb::renew_ephemeral_resource::Request { type_name, private })
        }),
        (n(), prop::option::of(arb_private())).prop_map(|(type_name, private)| {
            Op::Close(pb::close_ephemeral_resource::Request { type_name, private })
        }),
        (
            n(),
            prop::collection::vec(arb_dv().prop_map(Option::unwrap_or_default), 0..4)
        )
            .prop_map(
                |(name, arguments)| Op::CallFunction(pb::call_function::Request {
                    name,
                    arguments
                })
            ),
    ]
    .boxed()
}

/// Runs `ops` in order on one server. `configured` follows `ConfigureProvider`'s answers.
fn run_ops(rt: &Runtime, ops: &[Op]) -> Result<(), TestCaseError> {
    let server = new_server();
    let mut configured = false;
    for op in ops {
        run_op(rt, &server, op, &mut configured)?;
    }
    Ok(())
}

fn run_op(
    rt: &Runtime,
    server: &Server,
    op: &Op,
    configured: &mut bool,
) -> Result<(), TestCaseError> {
    let unconfigured = (!*configured).then(|| "the provider is not configured".to_owned());
    match op.clone() {
        Op::GetMetadata => {
            let resp = rpc!(rt, server, get_metadata, pb::get_metadata::Request {})?;
            check_diagnostics("GetMetadata", &resp.diagnostics, None)?;
            prop_assert!(
                !resp.diagnostics.iter().any(is_error),
                "GetMetadata failed: {:?}",
                resp.diagnostics
            );
            let names: Vec<&str> = resp
                .resources
                .iter()
                .map(|r| r.type_name.as_str())
                .collect();
            prop_assert!(
                names.contains(&CLUSTER) && names.contains(&SERVICE),
                "GetMetadata lists {names:?}"
            );
        }
        Op::GetProviderSchema => {
            let resp = rpc!(
                rt,
                server,
                get_provider_schema,
                pb::get_provider_schema::Request {}
            )?;
            check_diagnostics("GetProviderSchema", &resp.diagnostics, None)?;
            prop_assert!(
                !resp.diagnostics.iter().any(is_error),
                "GetProviderSchema failed: {:?}",
                resp.diagnostics
            );
            prop_assert!(
                resp.provider.is_some(),
                "GetProviderSchema has no provider schema"
            );
            prop_assert!(
                resp.resource_schemas.contains_key(CLUSTER)
                    && resp.resource_schemas.contains_key(SERVICE),
                "GetProviderSchema lacks a resource schema"
            );
        }
        Op::GetResourceIdentitySchemas => {
            let resp = rpc!(
                rt,
                server,
                get_resource_identity_schemas,
                pb::get_resource_identity_schemas::Request {}
            )?;
            check_diagnostics("GetResourceIdentitySchemas", &resp.diagnostics, None)?;
            prop_assert!(
                !resp.diagnostics.iter().any(is_error),
                "GetResourceIdentitySchemas failed"
            );
        }
        Op::GetFunctions => {
            let resp = rpc!(rt, server, get_functions, pb::get_functions::Request {})?;
            check_diagnostics("GetFunctions", &resp.diagnostics, None)?;
            prop_assert!(resp.functions.is_empty() && !resp.diagnostics.iter().any(is_error));
        }
        Op::StopProvider => {
            let resp = rpc!(rt, server, stop_provider, pb::stop_provider::Request {})?;
            prop_assert!(resp.error.is_empty(), "StopProvider failed: {}", resp.error);
        }
        Op::ValidateProvider(req) => {
            let reason = decode_reason(
                "provider configuration",
                req.config.as_ref(),
                Some(&TYPES.provider),
            );
            let resp = rpc!(rt, server, validate_provider_config, req)?;
            check_diagnostics(
                "ValidateProviderConfig",
                &resp.diagnostics,
                reason.as_deref(),
            )?;
        }
        Op::Configure(req) => {
            let reason = decode_reason(
                "provider configuration",
                req.config.as_ref(),
                Some(&TYPES.provider),
            );
            let resp = rpc!(rt, server, configure_provider, req)?;
            check_diagnostics("ConfigureProvider", &resp.diagnostics, reason.as_deref())?;
            *configured |= !resp.diagnostics.iter().any(is_error);
        }
        Op::ValidateResource(req) => {
            let t = resource_type(&req.type_name);
            let reason = first_reason([
                unknown_type_reason(&req.type_name),
                decode_reason("configuration", req.config.as_ref(), t),
            ]);
            let resp = rpc!(rt, server, validate_resource_config, req)?;
            check_diagnostics(
                "ValidateResourceConfig",
                &resp.diagnostics,
                reason.as_deref(),
            )?;
        }
        Op::ValidateData(req) => {
            let resp = rpc!(rt, server, validate_data_resource_config, req)?;
            check_diagnostics(
                "ValidateDataResourceConfig",
                &resp.diagnostics,
                Some("the provider has no data sources"),
            )?;
        }
        Op::ValidateEphemeral(req) => {
            let resp = rpc!(rt, server, validate_ephemeral_resource_config, req)?;
            check_diagnostics(
                "ValidateEphemeralResourceConfig",
                &resp.diagnostics,
                Some("the provider has no ephemeral resources"),
            )?;
        }
        Op::Upgrade(req) => {
            let t = resource_type(&req.type_name);
            let raw_json = req
                .raw_state
                .as_ref()
                .map(|r| r.json.clone())
                .unwrap_or_default();
            let reason = first_reason([
                unknown_type_reason(&req.type_name),
                (req.version > 0)
                    .then(|| format!("schema version {} is newer than 0", req.version)),
                raw_json
                    .is_empty()
                    .then(|| "the stored state has no JSON".to_owned()),
                t.and_then(|t| json::decode(&raw_json, t).err())
                    .filter(|_| !raw_json.is_empty())
                    .map(|e| format!("the stored JSON does not decode ({e})")),
            ]);
            let resp = rpc!(rt, server, upgrade_resource_state, req)?;
            check_diagnostics("UpgradeResourceState", &resp.diagnostics, reason.as_deref())?;
            if let Some(t) = t {
                check_state("UpgradeResourceState", resp.upgraded_state.as_ref(), t)?;
            }
        }
        Op::UpgradeIdentity(req) => {
            let resp = rpc!(rt, server, upgrade_resource_identity, req)?;
            check_diagnostics(
                "UpgradeResourceIdentity",
                &resp.diagnostics,
                Some("no resource declares an identity"),
            )?;
        }
        Op::Plan(req) => {
            let t = resource_type(&req.type_name);
            let reason = first_reason([
                unknown_type_reason(&req.type_name),
                decode_reason("prior state", req.prior_state.as_ref(), t),
                decode_reason("proposed new state", req.proposed_new_state.as_ref(), t),
                decode_reason("configuration", req.config.as_ref(), t),
            ]);
            let resp = rpc!(rt, server, plan_resource_change, req.clone())?;
            check_diagnostics("PlanResourceChange", &resp.diagnostics, reason.as_deref())?;
            if let Some(t) = t {
                check_state("PlanResourceChange", resp.planned_state.as_ref(), t)?;
            }
            if !resp.diagnostics.iter().any(is_error) {
                check_plan_valid(
                    &req.type_name,
                    req.prior_state.as_ref(),
                    req.proposed_new_state.as_ref(),
                    req.config.as_ref(),
                    resp.planned_state.as_ref(),
                )?;
            }
        }
        Op::Read(req) => {
            let t = resource_type(&req.type_name);
            let reason = first_reason([
                unknown_type_reason(&req.type_name),
                decode_reason("current state", req.current_state.as_ref(), t),
                unconfigured,
            ]);
            let resp = rpc!(rt, server, read_resource, req)?;
            check_diagnostics("ReadResource", &resp.diagnostics, reason.as_deref())?;
            if let Some(t) = t {
                check_state("ReadResource", resp.new_state.as_ref(), t)?;
            }
        }
        Op::Apply(req) => {
            let t = resource_type(&req.type_name);
            let reason = first_reason([
                unknown_type_reason(&req.type_name),
                decode_reason("prior state", req.prior_state.as_ref(), t),
                decode_reason("planned state", req.planned_state.as_ref(), t),
                decode_reason("configuration", req.config.as_ref(), t),
                unconfigured,
            ]);
            let resp = rpc!(rt, server, apply_resource_change, req)?;
            check_diagnostics("ApplyResourceChange", &resp.diagnostics, reason.as_deref())?;
            if let Some(t) = t {
                check_state("ApplyResourceChange", resp.new_state.as_ref(), t)?;
            }
        }
        Op::Import(req) => {
            let t = resource_type(&req.type_name);
            let reason = first_reason([unknown_type_reason(&req.type_name), unconfigured]);
            let resp = rpc!(rt, server, import_resource_state, req)?;
            check_diagnostics("ImportResourceState", &resp.diagnostics, reason.as_deref())?;
            if let Some(t) = t {
                for r in &resp.imported_resources {
                    check_state("ImportResourceState", r.state.as_ref(), t)?;
                }
            }
        }
        Op::Move(req) => {
            let resp = rpc!(rt, server, move_resource_state, req)?;
            check_diagnostics(
                "MoveResourceState",
                &resp.diagnostics,
                Some("the provider moves no state across types"),
            )?;
        }
        Op::ReadData(req) => {
            let resp = rpc!(rt, server, read_data_source, req)?;
            check_diagnostics(
                "ReadDataSource",
                &resp.diagnostics,
                Some("the provider has no data sources"),
            )?;
        }
        Op::Generate(req) => {
            let resp = rpc!(rt, server, generate_resource_config, req)?;
            check_diagnostics(
                "GenerateResourceConfig",
                &resp.diagnostics,
                Some("the provider generates no configuration"),
            )?;
        }
        Op::Open(req) => {
            let resp = rpc!(rt, server, open_ephemeral_resource, req)?;
            check_diagnostics(
                "OpenEphemeralResource",
                &resp.diagnostics,
                Some("the provider has no ephemeral resources"),
            )?;
        }
        Op::Renew(req) => {
            let resp = rpc!(rt, server, renew_ephemeral_resource, req)?;
            check_diagnostics(
                "RenewEphemeralResource",
                &resp.diagnostics,
                Some("the provider has no ephemeral resources"),
            )?;
        }
        Op::Close(req) => {
            let resp = rpc!(rt, server, close_ephemeral_resource, req)?;
            check_diagnostics(
                "CloseEphemeralResource",
                &resp.diagnostics,
                Some("the provider has no ephemeral resources"),
            )?;
        }
        Op::CallFunction(req) => {
            let resp = rpc!(rt, server, call_function, req)?;
            prop_assert!(
                resp.error.as_ref().is_some_and(|e| !e.text.is_empty()) && resp.result.is_none(),
                "CallFunction of a function the provider does not have answered {resp:?}"
            );
        }
    }
    Ok(())
}

#[test]
fn arbitrary_request_structure_to_every_rpc_yields_diagnostics_never_panics_or_hangs() {
    let rt = runtime();
    // Cheap cases: three times as many.
    let mut runner = proptest::test_runner::TestRunner::new(config_scaled(3));
    let result = runner.run(&prop::collection::vec(arb_op(), 1..10), |ops| {
        run_ops(&rt, &ops)
    });
    print_times(
        "arbitrary_request_structure_to_every_rpc_yields_diagnostics_never_panics_or_hangs",
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Property: complete, well-typed configurations through plan, apply, read and import offline
// ---------------------------------------------------------------------------------------------

/// A configuration of `type_name` as Terraform sends it once every value is known: each
/// attribute the user may set holds a value of its type (null now and then when optional), and
/// the computed-only ones are null.
fn arb_complete(type_name: &str) -> BoxedStrategy<Value> {
    let resource = SCHEMAS
        .resource(type_name)
        .unwrap_or_else(|| panic!("the provider has no resource {type_name}"));
    let attrs: Vec<_> = resource
        .schema()
        .attributes
        .iter()
        .map(|a| {
            let name = a.name.to_owned();
            let t = a.value_type();
            let value = match a.mode {
                Mode::Computed => Just(Value::Null).boxed(),
                Mode::Required => arb_known(&t),
                Mode::Optional | Mode::OptionalComputed => prop_oneof![
                    1 => Just(Value::Null),
                    4 => arb_known(&t),
                ]
                .boxed(),
            };
            value.prop_map(move |v| (name.clone(), v))
        })
        .collect();
    attrs
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
        .boxed()
}

#[derive(Debug, Clone)]
struct Lifecycle {
    type_name: String,
    provider_block: Value,
    config: Value,
}

fn arb_lifecycle() -> impl Strategy<Value = Lifecycle> {
    prop_oneof![Just(CLUSTER), Just(SERVICE)].prop_flat_map(|type_name| {
        (arb_provider_block(), arb_complete(type_name)).prop_map(move |(provider_block, config)| {
            Lifecycle {
                type_name: type_name.to_owned(),
                provider_block,
                config,
            }
        })
    })
}

/// Validate, plan a create, then apply it, update, read, destroy and import, as far as an
/// unreachable AWS lets each of them go.
fn run_lifecycle(rt: &Runtime, case: &Lifecycle) -> Result<(), TestCaseError> {
    let type_name = case.type_name.clone();
    let t = resource_type(&type_name).expect("a resource type");
    let server = server_with(rt, Some(&case.provider_block))?;
    let config = Some(mp(msgpack::encode(&case.config, t).map_err(|e| {
        TestCaseError::fail(format!("configuration does not encode: {e}"))
    })?));

    let resp = rpc!(
        rt,
        server,
        validate_resource_config,
        pb::validate_resource_config::Request {
            type_name: type_name.clone(),
            config: config.clone(),
            client_capabilities: None,
        }
    )?;
    check_diagnostics("ValidateResourceConfig", &resp.diagnostics, None)?;

    let plan = rpc!(
        rt,
        server,
        plan_resource_change,
        pb::plan_resource_change::Request {
            type_name: type_name.clone(),
            proposed_new_state: config.clone(),
            config: config.clone(),
            ..Default::default()
        }
    )?;
    check_diagnostics("PlanResourceChange", &plan.diagnostics, None)?;
    check_state("PlanResourceChange", plan.planned_state.as_ref(), t)?;
    if plan.diagnostics.iter().any(is_error) {
        return Ok(());
    }
    check_plan_valid(
        &type_name,
        None,
        config.as_ref(),
        config.as_ref(),
        plan.planned_state.as_ref(),
    )?;
    let planned = plan.planned_state.clone();

    for (what, prior, planned) in [
        ("create", None, planned.clone()),
        ("update", config.clone(), planned.clone()),
        ("destroy", config.clone(), None),
    ] {
        let resp = rpc!(
            rt,
            server,
            apply_resource_change,
            pb::apply_resource_change::Request {
                type_name: type_name.clone(),
                prior_state: prior,
                planned_state: planned,
                config: config.clone(),
                ..Default::default()
            }
        )?;
        check_diagnostics("ApplyResourceChange", &resp.diagnostics, None)
            .map_err(|e| TestCaseError::fail(format!("{what}: {e}")))?;
        check_state("ApplyResourceChange", resp.new_state.as_ref(), t)?;
    }

    let resp = rpc!(
        rt,
        server,
        read_resource,
        pb::read_resource::Request {
            type_name: type_name.clone(),
            current_state: config.clone(),
            ..Default::default()
        }
    )?;
    check_diagnostics("ReadResource", &resp.diagnostics, None)?;
    check_state("ReadResource", resp.new_state.as_ref(), t)?;

    let name = case
        .config
        .get_attr("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let id = match case.config.get_attr("cluster").and_then(Value::as_str) {
        Some(cluster) if type_name == SERVICE => format!("{cluster}/{name}"),
        _ => name.to_owned(),
    };
    let resp = rpc!(
        rt,
        server,
        import_resource_state,
        pb::import_resource_state::Request {
            type_name: type_name.clone(),
            id,
            ..Default::default()
        }
    )?;
    check_diagnostics(
        "ImportResourceState",
        &resp.diagnostics,
        Some("AWS is unreachable"),
    )?;
    Ok(())
}

#[test]
fn complete_configurations_through_plan_apply_read_and_import_offline_never_panic_or_hang() {
    let rt = runtime();
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let result = runner.run(&arb_lifecycle(), |case| run_lifecycle(&rt, &case));
    print_times(
        "complete_configurations_through_plan_apply_read_and_import_offline_never_panic_or_hang",
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Regression cases: the nastiest shapes, each sent in every value field of every handler
// ---------------------------------------------------------------------------------------------

fn must(r: Result<(), TestCaseError>) {
    if let Err(e) = r {
        panic!("{e}");
    }
}

/// An object of type `t` with `attrs` set and every other attribute null.
fn object_of<'a>(t: &Type, attrs: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    let Type::Object(ot) = t else {
        panic!("not an object type: {t}")
    };
    let mut v = Value::default_null_object(ot);
    for (name, value) in attrs {
        let slot = v
            .get_attr_mut(name)
            .unwrap_or_else(|| panic!("no attribute {name}"));
        *slot = value;
    }
    v
}

fn strings(items: &[&str]) -> Value {
    Value::list(items.iter().map(|s| Value::string(*s)).collect())
}

fn cluster_config() -> Value {
    object_of(
        &TYPES.cluster,
        [
            ("name", Value::string("prod")),
            ("vpc_id", Value::string("vpc-0a1b2c3d4e5f60718")),
            (
                "public_subnet_ids",
                strings(&["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]),
            ),
            (
                "private_subnet_ids",
                strings(&["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"]),
            ),
            (
                "certificate_arn",
                Value::string(
                    "arn:aws:acm:ap-south-1:123456789012:certificate/6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
                ),
            ),
            ("deletion_protection", Value::bool(false)),
            ("tags", Value::map([("Team", Value::string("platform"))])),
        ],
    )
}

fn service_config() -> Value {
    object_of(
        &TYPES.service,
        [
            ("cluster", Value::string("prod")),
            ("name", Value::string("api")),
            ("image", Value::string("public.ecr.aws/nginx/nginx:1.27")),
            ("container_port", Value::number(8080)),
            ("domain_name", Value::string("api.example.com")),
            ("zone_id", Value::string("Z0123456789ABCDEFGHIJ")),
            (
                "secrets",
                Value::map([(
                    "DATABASE_URL",
                    Value::string(
                        "arn:aws:ssm:ap-south-1:123456789012:parameter/prod/api/database-url",
                    ),
                )]),
            ),
        ],
    )
}

fn mp(bytes: Vec<u8>) -> pb::DynamicValue {
    pb::DynamicValue {
        msgpack: bytes,
        json: Vec::new(),
    }
}

fn js(bytes: Vec<u8>) -> pb::DynamicValue {
    pb::DynamicValue {
        msgpack: Vec::new(),
        json: bytes,
    }
}

/// The msgpack of `value` (an object of type `t`) with the encoding of attribute `attr`
/// replaced by `raw`.
fn with_raw_attr(t: &Type, value: &Value, attr: &str, raw: &[u8]) -> Vec<u8> {
    const MARK: &str = "\u{1}ecsprod-rpc-inputs-placeholder\u{1}";
    let Type::Object(ot) = t else {
        panic!("not an object type: {t}")
    };
    let mut wire = ot.clone();
    wire.attrs.insert(attr.to_owned(), Type::String);
    let mut v = value.clone();
    *v.get_attr_mut(attr)
        .unwrap_or_else(|| panic!("no attribute {attr}")) = Value::string(MARK);
    let bytes = msgpack::encode(&v, &Type::Object(wire)).expect("encodes");
    let mark = msgpack::encode(&Value::string(MARK), &Type::String).expect("encodes");
    let at = bytes
        .windows(mark.len())
        .position(|w| w == mark.as_slice())
        .expect("placeholder in the encoding");
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(raw);
    out.extend_from_slice(&bytes[at + mark.len()..]);
    out
}

/// Every call that takes a resource value, with `dv` as each of its value fields in turn and
/// valid values of the resource in the others.
fn resource_value_ops(type_name: &str, valid: &Value, dv: &pb::DynamicValue) -> Vec<Op> {
    let t = resource_type(type_name).expect("a resource type");
    let good = Some(mp(msgpack::encode(valid, t).expect("encodes")));
    let bad = Some(dv.clone());
    let plan = |prior: &Option<pb::DynamicValue>,
                proposed: &Option<pb::DynamicValue>,
                config: &Option<pb::DynamicValue>| {
        Op::Plan(pb::plan_resource_change::Request {
            type_name: type_name.to_owned(),
            prior_state: prior.clone(),
            proposed_new_state: proposed.clone(),
            config: config.clone(),
            ..Default::default()
        })
    };
    let apply = |prior: &Option<pb::DynamicValue>,
                 planned: &Option<pb::DynamicValue>,
                 config: &Option<pb::DynamicValue>| {
        Op::Apply(pb::apply_resource_change::Request {
            type_name: type_name.to_owned(),
            prior_state: prior.clone(),
            planned_state: planned.clone(),
            config: config.clone(),
            ..Default::default()
        })
    };
    let mut ops = vec![
        Op::ValidateResource(pb::validate_resource_config::Request {
            type_name: type_name.to_owned(),
            config: bad.clone(),
            client_capabilities: None,
        }),
        plan(&None, &bad, &good),
        plan(&None, &good, &bad),
        plan(&bad, &good, &good),
        Op::Read(pb::read_resource::Request {
            type_name: type_name.to_owned(),
            current_state: bad.clone(),
            ..Default::default()
        }),
        apply(&bad, &good, &good),
        apply(&good, &bad, &good),
        apply(&None, &good, &bad),
    ];
    if !dv.json.is_empty() {
        ops.push(Op::Upgrade(pb::upgrade_resource_state::Request {
            type_name: type_name.to_owned(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: dv.json.clone(),
                flatmap: HashMap::new(),
            }),
        }));
    }
    ops
}

/// Sends `dv` in every value field of every call (see [`resource_value_ops`]), on an
/// unconfigured server and on one configured offline; with `rejected`, `dv` must not decode.
fn every_value_field(rt: &Runtime, type_name: &str, dv: pb::DynamicValue, rejected: bool) {
    let t = resource_type(type_name).expect("a resource type");
    let valid = if type_name == CLUSTER {
        cluster_config()
    } else {
        service_config()
    };
    if rejected {
        assert!(
            undecodable(Some(&dv), t).is_some(),
            "{type_name}: expected this value not to decode: {dv:?}"
        );
    }
    let ops = resource_value_ops(type_name, &valid, &dv);
    must(run_ops(rt, &ops));
    let block = Value::object([("max_retries", Value::number(0))]);
    let server = server_with(rt, Some(&block)).unwrap_or_else(|e| panic!("{e}"));
    let mut configured = true;
    for op in &ops {
        must(run_op(rt, &server, op, &mut configured));
    }
}

/// `n` nested one-element arrays around a nil.
fn nested_arrays(n: usize) -> Vec<u8> {
    let mut b = vec![0x91; n];
    b.push(0xc0);
    b
}

#[test]
fn deeply_nested_values_are_diagnostics_not_stack_overflows() {
    let rt = runtime();
    for (type_name, valid, list_attr) in [
        (CLUSTER, cluster_config(), "instance_types"),
        (SERVICE, service_config(), "environment"),
    ] {
        let t = resource_type(type_name).expect("a resource type");
        every_value_field(&rt, type_name, mp(nested_arrays(1_000_000)), true);
        every_value_field(
            &rt,
            type_name,
            mp(with_raw_attr(t, &valid, list_attr, &nested_arrays(100_000))),
            true,
        );
        every_value_field(&rt, type_name, js("[".repeat(1_000_000).into_bytes()), true);
        every_value_field(
            &rt,
            type_name,
            js(format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000)).into_bytes()),
            true,
        );
        // An unknown whose refinements hold a deeply nested value under a key cty does not
        // know: the key is skipped, the unknown stands.
        let mut body = vec![0x81, 0x09];
        body.extend(nested_arrays(1000));
        let mut unknown = vec![0xc9];
        unknown.extend((body.len() as u32).to_be_bytes());
        unknown.push(12);
        unknown.extend(body);
        every_value_field(
            &rt,
            type_name,
            mp(with_raw_attr(t, &valid, list_attr, &unknown)),
            false,
        );
    }
    let provider_ops = [
        Op::ValidateProvider(pb::validate_provider_config::Request {
            config: Some(mp(nested_arrays(1_000_000))),
        }),
        Op::Configure(pb::configure_provider::Request {
            config: Some(js("[".repeat(1_000_000).into_bytes())),
            ..Default::default()
        }),
    ];
    must(run_ops(&rt, &provider_ops));
}

/// A refined unknown (extension 12) with `body` as its payload.
fn refined(body: &[u8]) -> Vec<u8> {
    let mut b = vec![0xc7, u8::try_from(body.len()).expect("a short payload"), 12];
    b.extend_from_slice(body);
    b
}

#[test]
fn refinements_that_do_not_fit_their_type_are_diagnostics() {
    let rt = runtime();
    let t = &TYPES.cluster;
    let valid = cluster_config();
    let mut nan_bound = vec![0x81, 0x03, 0x92, 0xcb];
    nan_bound.extend(f64::NAN.to_be_bytes());
    nan_bound.push(0xc3);
    let mut oversize = vec![0xc9];
    oversize.extend(2000u32.to_be_bytes());
    oversize.push(12);
    oversize.push(0x80);
    oversize.extend(vec![0xc0; 1999]);
    let rejected: Vec<(&str, Vec<u8>)> = vec![
        // a string prefix on a number, a map and an object
        ("min_size", refined(&[0x81, 0x02, 0xa3, b'a', b'b', b'c'])),
        ("tags", refined(&[0x81, 0x02, 0xa1, b'x'])),
        ("timeouts", refined(&[0x81, 0x02, 0xa1, b'x'])),
        // number bounds on a string and an object
        ("name", refined(&[0x81, 0x03, 0x92, 0x01, 0xc3])),
        ("timeouts", refined(&[0x81, 0x04, 0x92, 0x01, 0xc2])),
        // length bounds on a string and a number; a negative length on a list
        ("name", refined(&[0x81, 0x05, 0x01])),
        ("min_size", refined(&[0x81, 0x06, 0x01])),
        ("instance_types", refined(&[0x81, 0x05, 0xff])),
        // a NaN bound
        ("min_size", refined(&nan_bound)),
        // payloads that are not a map, or a map cut short
        ("name", refined(&[0x91, 0xc0])),
        ("name", refined(&[0x82, 0x01, 0xc2])),
        ("instance_types", refined(&[0x81, 0x05])),
        // a payload over the size limit; an extension type cty does not define
        ("name", oversize),
        ("name", vec![0xd6, 0x05, 0, 0, 0, 0]),
    ];
    for (attr, raw) in rejected {
        every_value_field(&rt, CLUSTER, mp(with_raw_attr(t, &valid, attr, &raw)), true);
    }
    let mut long_prefix = vec![0x81, 0x02, 0xd9, 200];
    long_prefix.extend("é".repeat(100).into_bytes());
    let accepted: Vec<(&str, Vec<u8>)> = vec![
        // "definitely null", which go-cty turns into a known null, is taken as no refinement
        ("min_size", refined(&[0x81, 0x01, 0xc3])),
        ("timeouts", refined(&[0x81, 0x01, 0xc2])),
        ("name", refined(&long_prefix)),
        (
            "min_size",
            refined(&[0x82, 0x03, 0x92, 0x0a, 0xc3, 0x04, 0x92, 0x01, 0xc2]),
        ),
        ("instance_types", refined(&[0x82, 0x05, 0x03, 0x06, 0x01])),
        // an unknown as a whole list element, a map value and the whole value
        ("instance_types", vec![0x92, 0xd4, 0, 0, 0xd4, 0, 0]),
        ("tags", vec![0x81, 0xa1, b'k', 0xd4, 0, 0]),
    ];
    for (attr, raw) in accepted {
        let bytes = with_raw_attr(t, &valid, attr, &raw);
        assert!(
            msgpack::decode(&bytes, t).is_ok(),
            "{attr}: expected this refinement to decode"
        );
        every_value_field(&rt, CLUSTER, mp(bytes), false);
    }
}

#[test]
fn oversized_msgpack_length_headers_are_diagnostics() {
    let rt = runtime();
    let huge = 0xffff_ffffu32.to_be_bytes();
    let header = |marker: u8, tail: &[u8]| {
        let mut b = vec![marker];
        b.extend(huge);
        b.extend_from_slice(tail);
        b
    };
    let t = &TYPES.cluster;
    let valid = cluster_config();
    for (attr, raw) in [
        ("name", header(0xdb, b"abc")),
        ("name", header(0xc6, b"abc")),
        ("instance_types", header(0xdd, &[0xa1, b'x'])),
        ("tags", header(0xdf, &[0xa1, b'k', 0xa1, b'v'])),
        ("min_size", header(0xc9, &[12, 0x80])),
        ("min_size", header(0xdb, b"1")),
    ] {
        every_value_field(&rt, CLUSTER, mp(with_raw_attr(t, &valid, attr, &raw)), true);
    }
    every_value_field(&rt, CLUSTER, mp(header(0xdf, &[])), true);
    every_value_field(&rt, SERVICE, mp(header(0xdd, &[0xc0])), true);
    // Numbers too long or too large to be cty numbers, and ones that are but fit no integer.
    for text in [
        "9".repeat(5000),
        "1e99999999999999999999".to_owned(),
        "0x10".to_owned(),
        "NaN".to_owned(),
        "-Infinity".to_owned(),
        "1e400".to_owned(),
        "-1e-400".to_owned(),
        "18446744073709551616".to_owned(),
    ] {
        let raw = msgpack::encode(&Value::string(text.clone()), &Type::String).expect("encodes");
        let bytes = with_raw_attr(t, &valid, "min_size", &raw);
        let rejected = msgpack::decode(&bytes, t).is_err();
        every_value_field(&rt, CLUSTER, mp(bytes), rejected);
    }
}

#[test]
fn unknown_values_everywhere_validate_and_plan_without_errors() {
    let rt = runtime();
    for type_name in [CLUSTER, SERVICE] {
        let t = resource_type(type_name).expect("a resource type");
        let Type::Object(ot) = t else { unreachable!() };
        // Every attribute unknown but known not to be null, as for values from other resources.
        let refined_config = Value::Object(
            ot.attrs
                .keys()
                .map(|k| (k.clone(), Value::unknown_refined(Refinements::not_null())))
                .collect(),
        );
        // Collections of unknowns: a list of three (sets never merge unknowns either) and maps
        // whose values are unknown.
        let valid = if type_name == CLUSTER {
            cluster_config()
        } else {
            service_config()
        };
        let mut collections = valid.clone();
        for (name, at) in &ot.attrs {
            let slot = collections.get_attr_mut(name).expect("attribute");
            match at {
                Type::List(_) => *slot = Value::list(vec![Value::unknown(); 3]),
                Type::Map(_) => {
                    let key = |n: u8| format!("{}_{n}", name.to_ascii_uppercase());
                    *slot = Value::map([(key(1), Value::unknown()), (key(2), Value::unknown())]);
                }
                _ => {}
            }
        }
        for config in [refined_config, collections] {
            let bytes = msgpack::encode(&config, t).expect("encodes");
            let server = new_server();
            let resp = rpc!(
                &rt,
                server,
                validate_resource_config,
                pb::validate_resource_config::Request {
                    type_name: type_name.to_owned(),
                    config: Some(mp(bytes.clone())),
                    client_capabilities: None,
                }
            )
            .unwrap_or_else(|e| panic!("{e}"));
            assert!(
                !resp.diagnostics.iter().any(is_error),
                "{type_name}: validation of unknown values failed: {:?}",
                resp.diagnostics
            );
            let resp = rpc!(
                &rt,
                server,
                plan_resource_change,
                pb::plan_resource_change::Request {
                    type_name: type_name.to_owned(),
                    proposed_new_state: Some(mp(bytes.clone())),
                    config: Some(mp(bytes.clone())),
                    ..Default::default()
                }
            )
            .unwrap_or_else(|e| panic!("{e}"));
            assert!(
                !resp.diagnostics.iter().any(is_error),
                "{type_name}: planning unknown values failed: {:?}",
                resp.diagnostics
            );
            must(check_state(
                "PlanResourceChange",
                resp.planned_state.as_ref(),
                t,
            ));
            assert!(resp.planned_state.is_some(), "{type_name}: no plan");
        }
        // The whole value unknown, where Terraform never sends one: answered all the same.
        every_value_field(&rt, type_name, mp(msgpack::UNKNOWN_BYTES.to_vec()), false);
    }
}

#[test]
fn stored_state_edge_cases_are_diagnostics() {
    let rt = runtime();
    let valid = json::encode(&cluster_config(), &TYPES.cluster).expect("encodes");
    let text = String::from_utf8(valid.clone()).expect("UTF-8");
    let upgrade = |version: i64, json: Vec<u8>, flatmap: &[(&str, &str)]| {
        Op::Upgrade(pb::upgrade_resource_state::Request {
            type_name: CLUSTER.to_owned(),
            version,
            raw_state: Some(pb::RawState {
                json,
                flatmap: flatmap
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            }),
        })
    };
    let rejected = [
        upgrade(1, valid.clone(), &[]),
        upgrade(i64::MAX, valid.clone(), &[]),
        upgrade(0, Vec::new(), &[("id", "prod"), ("name", "prod")]),
        upgrade(0, Vec::new(), &[]),
        Op::Upgrade(pb::upgrade_resource_state::Request {
            type_name: CLUSTER.to_owned(),
            version: 0,
            raw_state: None,
        }),
        upgrade(0, [&[0xef, 0xbb, 0xbf][..], &valid].concat(), &[]),
        upgrade(0, [&valid[..], b" x"].concat(), &[]),
        upgrade(0, [&valid[..valid.len() - 1], &[0xff, b'}']].concat(), &[]),
        upgrade(
            0,
            text.replacen("\"name\":\"prod\"", "\"name\":\"prod\",\"name\":\"x\"", 1)
                .into_bytes(),
            &[],
        ),
        upgrade(
            0,
            text.replacen("{", "{\"unexpected\":1,", 1).into_bytes(),
            &[],
        ),
        upgrade(
            0,
            text.replacen(
                "\"min_size\":null",
                &format!("\"min_size\":{}", "9".repeat(5000)),
                1,
            )
            .into_bytes(),
            &[],
        ),
        upgrade(0, b"[]".to_vec(), &[]),
        upgrade(0, b"\"prod\"".to_vec(), &[]),
    ];
    for op in &rejected {
        let Op::Upgrade(req) = op else { unreachable!() };
        let json = req
            .raw_state
            .as_ref()
            .map(|r| r.json.clone())
            .unwrap_or_default();
        assert!(
            req.version > 0 || json.is_empty() || json::decode(&json, &TYPES.cluster).is_err(),
            "expected this stored state to be rejected: {op:?}"
        );
    }
    must(run_ops(&rt, &rejected));
    let accepted = [
        upgrade(0, valid.clone(), &[]),
        upgrade(-1, valid.clone(), &[]),
        upgrade(i64::MIN, valid.clone(), &[("ignored", "x")]),
        upgrade(
            0,
            text.replacen("\"min_size\":null", "\"min_size\":\"3\"", 1)
                .into_bytes(),
            &[],
        ),
        upgrade(0, b"null".to_vec(), &[]),
        upgrade(0, b" {} ".to_vec(), &[]),
    ];
    for op in &accepted {
        let server = new_server();
        let mut configured = false;
        must(run_op(&rt, &server, op, &mut configured));
    }
}

/// The calls that reach AWS, with valid values and the provider configured offline: each fails
/// with a diagnostic, promptly.
#[test]
fn aws_reaching_calls_fail_fast_offline() {
    let rt = runtime();
    let block = Value::object([
        ("region", Value::string("ap-south-1")),
        ("max_retries", Value::number(0)),
    ]);
    for (type_name, config, import_id) in [
        (CLUSTER, cluster_config(), "prod"),
        (SERVICE, service_config(), "prod/api"),
    ] {
        let t = resource_type(type_name).expect("a resource type");
        let server = server_with(&rt, Some(&block)).unwrap_or_else(|e| panic!("{e}"));
        let config = Some(mp(msgpack::encode(&config, t).expect("encodes")));
        let timed = |rpc: &str, started: Instant| {
            let took = started.elapsed();
            eprintln!("{type_name} {rpc} offline: {took:?}");
            took
        };

        let started = Instant::now();
        let plan = rpc!(
            &rt,
            server,
            plan_resource_change,
            pb::plan_resource_change::Request {
                type_name: type_name.to_owned(),
                proposed_new_state: config.clone(),
                config: config.clone(),
                ..Default::default()
            }
        )
        .unwrap_or_else(|e| panic!("{e}"));
        timed("PlanResourceChange", started);
        must(check_diagnostics(
            "PlanResourceChange",
            &plan.diagnostics,
            None,
        ));
        assert!(
            !plan.diagnostics.iter().any(is_error)
                && plan
                    .diagnostics
                    .iter()
                    .any(|d| d.summary == "Preflight checks skipped"),
            "{type_name}: an unreachable AWS must make the preflight checks a warning: {:?}",
            plan.diagnostics
        );
        must(check_state(
            "PlanResourceChange",
            plan.planned_state.as_ref(),
            t,
        ));
        let planned = plan.planned_state.clone();

        let started = Instant::now();
        let read = rpc!(
            &rt,
            server,
            read_resource,
            pb::read_resource::Request {
                type_name: type_name.to_owned(),
                current_state: config.clone(),
                ..Default::default()
            }
        )
        .unwrap_or_else(|e| panic!("{e}"));
        timed("ReadResource", started);
        must(check_diagnostics(
            "ReadResource",
            &read.diagnostics,
            Some("AWS is unreachable"),
        ));
        must(check_state("ReadResource", read.new_state.as_ref(), t));

        let started = Instant::now();
        let import = rpc!(
            &rt,
            server,
            import_resource_state,
            pb::import_resource_state::Request {
                type_name: type_name.to_owned(),
                id: import_id.to_owned(),
                ..Default::default()
            }
        )
        .unwrap_or_else(|e| panic!("{e}"));
        timed("ImportResourceState", started);
        must(check_diagnostics(
            "ImportResourceState",
            &import.diagnostics,
            Some("AWS is unreachable"),
        ));

        for (what, prior, planned) in [
            ("create", None, planned.clone()),
            ("destroy", config.clone(), None),
        ] {
            let started = Instant::now();
            let apply = rpc!(
                &rt,
                server,
                apply_resource_change,
                pb::apply_resource_change::Request {
                    type_name: type_name.to_owned(),
                    prior_state: prior,
                    planned_state: planned,
                    config: config.clone(),
                    ..Default::default()
                }
            )
            .unwrap_or_else(|e| panic!("{e}"));
            timed(what, started);
            must(check_diagnostics(
                "ApplyResourceChange",
                &apply.diagnostics,
                Some("AWS is unreachable"),
            ));
            must(check_state(
                "ApplyResourceChange",
                apply.new_state.as_ref(),
                t,
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The checks themselves
// ---------------------------------------------------------------------------------------------

#[test]
fn the_checks_catch_panics_hangs_statuses_missing_errors_and_invalid_plans() {
    let rt = runtime();
    let failed = |r: Result<(), TestCaseError>| r.is_err();
    let limit = Duration::from_millis(200);
    assert!(failed(call_within(&rt, "panicking", limit, async move {
        if limit > Duration::ZERO {
            panic!("deliberate");
        }
        Ok(tonic::Response::new(()))
    })));
    assert!(failed(call_within(&rt, "hanging", limit, async {
        std::future::pending::<()>().await;
        Ok(tonic::Response::new(()))
    })));
    assert!(failed(call_within(&rt, "status", limit, async {
        Err::<tonic::Response<()>, _>(tonic::Status::internal("plugin error"))
    })));
    assert!(!failed(call_within(&rt, "answering", limit, async {
        Ok(tonic::Response::new(()))
    })));

    let warning = pb::Diagnostic {
        severity: pb::diagnostic::Severity::Warning as i32,
        summary: "w".to_owned(),
        ..Default::default()
    };
    let invalid = pb::Diagnostic {
        severity: pb::diagnostic::Severity::Invalid as i32,
        summary: "?".to_owned(),
        ..Default::default()
    };
    assert!(failed(check_diagnostics(
        "t",
        std::slice::from_ref(&warning),
        Some("bad input")
    )));
    assert!(failed(check_diagnostics("t", &[invalid], None)));
    assert!(!failed(check_diagnostics("t", &[warning], None)));

    let t = &TYPES.cluster;
    let config = cluster_config();
    let encoded = |v: &Value| Some(mp(msgpack::encode(v, t).expect("encodes")));
    let mut ignored = config.clone();
    *ignored.get_attr_mut("name").expect("name") = Value::string("other");
    assert!(failed(check_plan_valid(
        CLUSTER,
        None,
        encoded(&config).as_ref(),
        encoded(&config).as_ref(),
        encoded(&ignored).as_ref(),
    )));
    let mut computed = config.clone();
    *computed.get_attr_mut("arn").expect("arn") = Value::string("arn:aws:ecs:x");
    assert!(!failed(check_plan_valid(
        CLUSTER,
        None,
        encoded(&config).as_ref(),
        encoded(&config).as_ref(),
        encoded(&computed).as_ref(),
    )));
    assert!(failed(check_state("t", Some(&mp(vec![0x91, 0xc0])), t)));
}

/// `timeouts` are validated (at most 24 h) only by `ValidateResourceConfig`, which sees unknown
/// values as unknown; an apply must survive any duration its planned state carries.
#[test]
fn huge_cluster_timeouts_at_apply_are_answered_not_a_panic() {
    let rt = runtime();
    let block = Value::object([("max_retries", Value::number(0))]);
    let t = &TYPES.cluster;
    let mut failures = Vec::new();
    for duration in ["18446744073709551615s", "2562047788015216h", "99999999999h"] {
        let timeouts = Value::object([
            ("create", Value::string(duration)),
            ("update", Value::string(duration)),
            ("delete", Value::string(duration)),
        ]);
        let mut config = cluster_config();
        *config.get_attr_mut("timeouts").expect("timeouts") = timeouts;
        let state = Some(mp(msgpack::encode(&config, t).expect("encodes")));
        let server = server_with(&rt, Some(&block)).unwrap_or_else(|e| panic!("{e}"));
        let plan = rpc!(
            &rt,
            server,
            plan_resource_change,
            pb::plan_resource_change::Request {
                type_name: CLUSTER.to_owned(),
                proposed_new_state: state.clone(),
                config: state.clone(),
                ..Default::default()
            }
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            plan.planned_state.is_some(),
            "no plan: {:?}",
            plan.diagnostics
        );
        for (what, prior, planned) in [
            ("create", None, plan.planned_state.clone()),
            ("update", state.clone(), plan.planned_state.clone()),
            ("destroy", state.clone(), None),
        ] {
            let server = server_with(&rt, Some(&block)).unwrap_or_else(|e| panic!("{e}"));
            let apply = rpc!(
                &rt,
                server,
                apply_resource_change,
                pb::apply_resource_change::Request {
                    type_name: CLUSTER.to_owned(),
                    prior_state: prior,
                    planned_state: planned,
                    config: state.clone(),
                    ..Default::default()
                }
            )
            .and_then(|r| {
                check_diagnostics(
                    "ApplyResourceChange",
                    &r.diagnostics,
                    Some("AWS is unreachable"),
                )
            });
            if let Err(e) = apply {
                failures.push(format!("{what} with timeouts of {duration}: {e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Route53 is the one AWS API with request values in the URI: a zone ID or a record name too
/// long for a URI must be answered, not crash the provider.
#[test]
fn overlong_route53_identifiers_are_answered_not_a_panic() {
    let rt = runtime();
    let block = Value::object([("max_retries", Value::number(0))]);
    let t = &TYPES.service;
    let with = |attr: &str, value: String| {
        let mut c = service_config();
        *c.get_attr_mut(attr).expect("attribute") = Value::string(value);
        (attr.to_owned(), c)
    };
    let mut failures = Vec::new();
    for (attr, config) in [
        with("zone_id", "Z".repeat(70_000)),
        with("domain_name", format!("{}.example.com", "a".repeat(70_000))),
    ] {
        let value = Some(mp(msgpack::encode(&config, t).expect("encodes")));
        let server = server_with(&rt, Some(&block)).unwrap_or_else(|e| panic!("{e}"));
        let plan = rpc!(
            &rt,
            server,
            plan_resource_change,
            pb::plan_resource_change::Request {
                type_name: SERVICE.to_owned(),
                proposed_new_state: value.clone(),
                config: value.clone(),
                ..Default::default()
            }
        )
        .and_then(|r| check_diagnostics("PlanResourceChange", &r.diagnostics, None));
        if let Err(e) = plan {
            failures.push(format!("plan with a long {attr}: {e}"));
        }
        let read = rpc!(
            &rt,
            server,
            read_resource,
            pb::read_resource::Request {
                type_name: SERVICE.to_owned(),
                current_state: value.clone(),
                ..Default::default()
            }
        )
        .and_then(|r| {
            check_diagnostics("ReadResource", &r.diagnostics, Some("AWS is unreachable"))
        });
        if let Err(e) = read {
            failures.push(format!("read with a long {attr}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
