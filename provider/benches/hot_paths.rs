//! The provider's own work per resource, without AWS: what every `terraform plan` of a fleet of
//! services pays once per service, in the order Terraform asks for it.
//!
//! - `codec/*`: a planned service as MessagePack (every PlanResourceChange and ReadResource
//!   decodes and encodes values of this size) and as JSON (state upgrades).
//! - `plan/*`: ValidateResourceConfig, then PlanResourceChange's generic pipeline and the
//!   service's own plan adjustments, for a new service and for an unchanged one (the no-op
//!   plan of a refresh).
//!
//! Run with `cargo bench -p terraform-provider-ecsprod`; `cargo test` runs each once.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use ecsprod_cty::{Type, Value, json, msgpack};
use ecsprod_provider::protocol::plan;
use ecsprod_provider::protocol::provider::{PlanInput, Resource};
use ecsprod_provider::resources::Context;
use ecsprod_provider::resources::service::ServiceResource;

const REGION_ACCOUNT: &str = "eu-west-1:123456789012";

/// A service as a team writes it: a route, an alias, secrets, environment and tags.
fn config(resource: &ServiceResource) -> Value {
    let secrets = (0..6).map(|i| {
        (
            format!("SECRET_{i}"),
            Value::string(format!(
                "arn:aws:ssm:{REGION_ACCOUNT}:parameter/prod/api/secret-{i}"
            )),
        )
    });
    let environment =
        (0..10).map(|i| (format!("SETTING_{i}"), Value::string(format!("value-{i}"))));
    let config = Value::object([
        ("cluster", Value::string("prod")),
        ("name", Value::string("api")),
        ("image", Value::string("public.ecr.aws/nginx/nginx:1.27")),
        ("container_port", Value::number(8080)),
        ("domain_name", Value::string("api.example.com")),
        ("zone_id", Value::string("Z0123456789ABCDEFGHIJ")),
        ("secrets", Value::map(secrets)),
        ("environment", Value::map(environment)),
        (
            "tags",
            Value::map([
                ("team", Value::string("payments")),
                ("cost-center", Value::string("cc-42")),
            ]),
        ),
    ]);
    plan::with_defaults(resource.schema(), &config)
}

/// The value with every unknown leaf made known, as the state apply returns for a plan.
fn settled(v: &Value, t: &Type) -> Value {
    match (v, t) {
        (Value::Unknown(_), Type::String) => Value::string("arn:aws:ecs:eu-west-1:123456789012:x"),
        (Value::Unknown(_), Type::Number) => Value::number(1),
        (Value::Unknown(_), Type::Bool) => Value::bool(false),
        (Value::Unknown(_), Type::List(_)) => Value::list(Vec::new()),
        (Value::Unknown(_), Type::Map(_)) => Value::map(Vec::<(String, Value)>::new()),
        (Value::Unknown(_), _) => Value::Null,
        (Value::Object(attrs), Type::Object(o)) => Value::Object(
            attrs
                .iter()
                .map(|(k, a)| {
                    let at = o.attrs.get(k).unwrap_or(&Type::Dynamic);
                    (k.clone(), settled(a, at))
                })
                .collect(),
        ),
        (Value::List(items), Type::List(e)) => {
            Value::List(items.iter().map(|i| settled(i, e)).collect())
        }
        (Value::Map(entries), Type::Map(e)) => Value::Map(
            entries
                .iter()
                .map(|(k, i)| (k.clone(), settled(i, e)))
                .collect(),
        ),
        _ => v.clone(),
    }
}

/// Validation, the generic plan and the service's adjustments: PlanResourceChange without I/O.
fn plan_change(resource: &ServiceResource, prior: &Value, config: &Value) -> Value {
    let diagnostics = resource.validate(config);
    assert!(!diagnostics.has_errors(), "{diagnostics:?}");
    let mut planned = plan::plan(resource.schema(), prior, config, config);
    let input = PlanInput { prior, config };
    let diagnostics = resource.modify_plan(&input, &mut planned.state);
    assert!(!diagnostics.has_errors(), "{diagnostics:?}");
    planned.state
}

fn benches(c: &mut Criterion) {
    let resource = ServiceResource::new(Arc::new(Context::default()));
    let ty = resource.schema().value_type();
    let config = config(&resource);
    let planned = plan_change(&resource, &Value::Null, &config);
    let mut applied = settled(&planned, &ty);
    // A host-only rule's priority, as the provider allocates it.
    if let Some(priority) = applied.get_attr_mut("listener_rule_priority") {
        *priority = Value::number(10001);
    }
    let state = plan_change(&resource, &applied, &config);
    assert!(state.is_wholly_known(), "{state:?}");
    assert_eq!(
        plan_change(&resource, &state, &config),
        state,
        "an unchanged service plans no change"
    );

    let packed = msgpack::encode(&state, &ty).expect("encode the state");
    let text = json::encode(&state, &ty).expect("encode the state as JSON");
    c.bench_function("codec/msgpack_encode_service_state", |b| {
        b.iter(|| msgpack::encode(black_box(&state), &ty))
    });
    c.bench_function("codec/msgpack_decode_service_state", |b| {
        b.iter(|| msgpack::decode(black_box(&packed), &ty))
    });
    c.bench_function("codec/json_decode_service_state", |b| {
        b.iter(|| json::decode(black_box(&text), &ty))
    });
    c.bench_function("plan/new_service", |b| {
        b.iter(|| plan_change(&resource, black_box(&Value::Null), &config))
    });
    c.bench_function("plan/unchanged_service", |b| {
        b.iter(|| plan_change(&resource, black_box(&state), &config))
    });
}

criterion_group!(hot_paths, benches);
criterion_main!(hot_paths);
