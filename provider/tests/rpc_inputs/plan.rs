//! `PlanResourceChange`: what must hold for any plan, Terraform's own checks of a planned
//! value, and plans of values Terraform does not know yet.

use ecsprod_cty::{Refinements, Type, Value, msgpack};
use ecsprod_proto::tfplugin6 as pb;
use ecsprod_provider::protocol::provider::Provider as _;
use ecsprod_provider::protocol::schema::{AttrType, Attribute, Mode};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use tokio::runtime::Runtime;

use crate::fixtures::valid_config;
use crate::harness::{Server, must, new_server, rpc, runtime};
use crate::schema_and_validation::validate_request;
use crate::schemas::{
    CLUSTER, SCHEMAS, SERVICE, check_diagnostics, check_state, decode_reason, decode_request_value,
    first_reason, is_error, resource_type, unknown_type_reason,
};
use crate::value_regressions::every_value_field;
use crate::wire::mp;

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
            // A list of nested objects: element by element, against the prior element at the
            // same index.
            AttrType::List(children) => match (&c, &n) {
                (Value::List(cs), Value::List(ns)) if cs.len() == ns.len() => {
                    for (i, (ci, ni)) in cs.iter().zip(ns).enumerate() {
                        let pi = match &p {
                            Value::List(ps) => ps.get(i).cloned().unwrap_or(Value::Null),
                            _ => Value::Null,
                        };
                        let here = format!("{here}[{i}]");
                        if unrefined(ci) == unrefined(ni) {
                            continue;
                        }
                        if ci.is_known() && ni.is_known() && !ni.is_null() {
                            plan_violations(children, &pi, ci, ni, &here, out);
                        } else {
                            out.push(format!(
                                "{here}: planned {ni:?} matches neither the configuration {ci:?}"
                            ));
                        }
                    }
                }
                _ => out.push(format!(
                    "{here}: planned {n:?} matches neither the configuration {c:?} nor the prior state {p:?}"
                )),
            },
            _ => out.push(format!(
                "{here}: planned {n:?} matches neither the configuration {c:?} nor the prior state {p:?}"
            )),
        }
    }
}

/// A plan answered for a request Terraform could make (a configured object, a proposed
/// object, a prior object or none) must pass Terraform's own checks of plans.
pub fn check_plan_valid(
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

/// `PlanResourceChange` of `type_name` with the given values and nothing else.
pub fn plan_request(
    type_name: &str,
    prior_state: Option<pb::DynamicValue>,
    proposed_new_state: Option<pb::DynamicValue>,
    config: Option<pb::DynamicValue>,
) -> pb::plan_resource_change::Request {
    pb::plan_resource_change::Request {
        type_name: type_name.to_owned(),
        prior_state,
        proposed_new_state,
        config,
        ..Default::default()
    }
}

/// The plan to create `type_name` from `config`, proposed as configured.
pub fn plan_create(
    type_name: &str,
    config: Option<pb::DynamicValue>,
) -> pb::plan_resource_change::Request {
    plan_request(type_name, None, config.clone(), config)
}

/// `PlanResourceChange`: an unknown type and a value that does not decode are errors; a
/// planned state decodes against the schema.
pub fn plan(
    rt: &Runtime,
    server: &Server,
    req: pb::plan_resource_change::Request,
) -> Result<pb::plan_resource_change::Response, TestCaseError> {
    let t = resource_type(&req.type_name);
    let reason = first_reason([
        unknown_type_reason(&req.type_name),
        decode_reason("prior state", req.prior_state.as_ref(), t),
        decode_reason("proposed new state", req.proposed_new_state.as_ref(), t),
        decode_reason("configuration", req.config.as_ref(), t),
    ]);
    let resp = rpc!(rt, server, plan_resource_change, req)?;
    check_diagnostics("PlanResourceChange", &resp.diagnostics, reason.as_deref())?;
    if let Some(t) = t {
        check_state("PlanResourceChange", resp.planned_state.as_ref(), t)?;
    }
    Ok(resp)
}

/// The plan `resp` answered for `req` passes Terraform's checks (see [`check_plan_valid`]).
pub fn check_planned(
    req: &pb::plan_resource_change::Request,
    resp: &pb::plan_resource_change::Response,
) -> Result<(), TestCaseError> {
    check_plan_valid(
        &req.type_name,
        req.prior_state.as_ref(),
        req.proposed_new_state.as_ref(),
        req.config.as_ref(),
        resp.planned_state.as_ref(),
    )
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
        // Collections of unknowns: a list of two (sets never merge unknowns either; a list's
        // length is known, and two is within every list's bounds) and maps whose values are
        // unknown.
        let mut collections = valid_config(type_name);
        for (name, at) in &ot.attrs {
            let slot = collections.get_attr_mut(name).expect("attribute");
            match at {
                Type::List(_) => *slot = Value::list(vec![Value::unknown(); 2]),
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
            let req = validate_request(type_name, Some(mp(bytes.clone())));
            let resp =
                rpc!(&rt, server, validate_resource_config, req).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                !resp.diagnostics.iter().any(is_error),
                "{type_name}: validation of unknown values failed: {:?}",
                resp.diagnostics
            );
            let req = plan_create(type_name, Some(mp(bytes.clone())));
            let resp =
                rpc!(&rt, server, plan_resource_change, req).unwrap_or_else(|e| panic!("{e}"));
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
