//! `ecsprod_service` configuration: its typed form and the offline validation rules.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use ecsprod_cty::{Path, Value};
use regex_lite::Regex;

use super::schema::SCHEMA;
use crate::protocol::diag::Diagnostics;
use crate::protocol::schema::AttrType;
use crate::resources::cluster::config::{CLUSTER_NAME, CLUSTER_NAME_RULE};
use crate::resources::fields::{self, Field};
use crate::resources::validators::{self as v, ArnKind, at};

fn re(p: &str) -> Regex {
    Regex::new(p).unwrap_or_else(|e| panic!("invalid built-in pattern {p:?}: {e}"))
}

pub static SERVICE_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[A-Za-z]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$"));
pub(crate) static IMAGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[A-Za-z0-9][A-Za-z0-9._/:@#-]{0,254}$"));
static ZONE_ID: LazyLock<Regex> = LazyLock::new(|| re(r"^(/hostedzone/)?[A-Z0-9]{1,32}$"));
static HEALTH_PATH: LazyLock<Regex> = LazyLock::new(|| re(r"^/[\x21-\x7e]{0,1023}$"));

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autoscaling {
    pub min_capacity: Field<i64>,
    pub max_capacity: Field<i64>,
    pub cpu_target: Field<i64>,
    pub memory_target: Field<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    pub cluster: Field<String>,
    pub name: Field<String>,
    pub image: Field<String>,
    pub container_port: Field<i64>,
    pub domain_name: Field<String>,
    pub zone_id: Field<String>,
    pub cpu: Field<i64>,
    pub memory: Field<i64>,
    pub desired_count: Field<i64>,
    pub environment: Field<BTreeMap<String, Field<String>>>,
    pub secrets: Field<BTreeMap<String, Field<String>>>,
    pub health_check_path: Field<String>,
    pub health_check_matcher: Field<String>,
    pub deregistration_delay: Field<i64>,
    pub health_check_grace_period: Field<i64>,
    pub availability_zone_rebalancing: Field<bool>,
    pub autoscaling: Field<Autoscaling>,
    pub log_retention_days: Field<i64>,
    pub wait_for_steady_state: Field<bool>,
    pub task_role_policy_json: Field<String>,
    pub enable_execute_command: Field<bool>,
    pub tags: Field<BTreeMap<String, Field<String>>>,
}

impl ServiceConfig {
    pub fn from_value(c: &Value) -> Self {
        let autoscaling = match fields::object(c, "autoscaling") {
            Field::Null => Field::Null,
            Field::Unknown => Field::Unknown,
            Field::Known(a) => Field::Known(Autoscaling {
                min_capacity: fields::int(a, "min_capacity"),
                max_capacity: fields::int(a, "max_capacity"),
                cpu_target: fields::int(a, "cpu_target"),
                memory_target: fields::int(a, "memory_target"),
            }),
        };
        Self {
            cluster: fields::string(c, "cluster"),
            name: fields::string(c, "name"),
            image: fields::string(c, "image"),
            container_port: fields::int(c, "container_port"),
            domain_name: fields::string(c, "domain_name"),
            zone_id: fields::string(c, "zone_id"),
            cpu: fields::int(c, "cpu"),
            memory: fields::int(c, "memory"),
            desired_count: fields::int(c, "desired_count"),
            environment: fields::string_map(c, "environment"),
            secrets: fields::string_map(c, "secrets"),
            health_check_path: fields::string(c, "health_check_path"),
            health_check_matcher: fields::string(c, "health_check_matcher"),
            deregistration_delay: fields::int(c, "deregistration_delay"),
            health_check_grace_period: fields::int(c, "health_check_grace_period"),
            availability_zone_rebalancing: fields::boolean(c, "availability_zone_rebalancing"),
            autoscaling,
            log_retention_days: fields::int(c, "log_retention_days"),
            wait_for_steady_state: fields::boolean(c, "wait_for_steady_state"),
            task_role_policy_json: fields::string(c, "task_role_policy_json"),
            enable_execute_command: fields::boolean(c, "enable_execute_command"),
            tags: fields::string_map(c, "tags"),
        }
    }
}

const WHOLE_NUMBERS: &[&str] = &[
    "container_port",
    "cpu",
    "memory",
    "desired_count",
    "deregistration_delay",
    "health_check_grace_period",
    "log_retention_days",
];

const AUTOSCALING_NUMBERS: &[&str] = &[
    "min_capacity",
    "max_capacity",
    "cpu_target",
    "memory_target",
];

/// `200`, `200,204`, `200-399`: codes between 200 and 499.
fn matcher_ok(s: &str) -> bool {
    let code = |c: &str| c.parse::<u16>().ok().filter(|n| (200..=499).contains(n));
    !s.is_empty()
        && s.split(',').all(|part| match part.split_once('-') {
            Some((lo, hi)) => matches!((code(lo), code(hi)), (Some(a), Some(b)) if a <= b),
            None => code(part).is_some(),
        })
}

/// A container's `environment` and `secrets` under `base`: variable names, secret ARNs, and no
/// variable in both.
pub(crate) fn variables(
    d: &mut Diagnostics,
    base: &Path,
    environment: &Field<BTreeMap<String, Field<String>>>,
    secrets: &Field<BTreeMap<String, Field<String>>>,
) {
    for (attr, map) in [("environment", environment), ("secrets", secrets)] {
        for name in map.known().into_iter().flat_map(BTreeMap::keys) {
            if !v::ENV_NAME.is_match(name) {
                d.error_at(
                    base.attr(attr).key(name.clone()),
                    "Invalid environment variable name",
                    format!(
                        "{name:?} is not a valid variable name: use letters, digits and underscores, not starting with a digit."
                    ),
                );
            }
        }
    }
    let Field::Known(secrets) = secrets else {
        return;
    };
    for (name, arn) in secrets {
        v::arn(
            d,
            base.attr("secrets").key(name.clone()),
            arn,
            &[ArnKind::SsmParameter, ArnKind::SecretsManagerSecret],
            "secret ARN",
        );
    }
    if let Field::Known(env) = environment {
        for name in secrets.keys().filter(|k| env.contains_key(*k)) {
            d.error_at(
                base.attr("secrets").key(name.clone()),
                "Variable defined twice",
                format!("{name:?} is in both environment and secrets; keep it in one of them."),
            );
        }
    }
}

/// `task_role_policy_json`: a JSON policy document that fits an inline role policy.
pub(crate) fn task_role_policy(d: &mut Diagnostics, policy_field: &Field<String>) {
    if let Field::Known(policy) = policy_field {
        let problem = match serde_json::from_str::<serde_json::Value>(policy) {
            Err(e) => Some(format!("it is not valid JSON: {e}")),
            Ok(doc) if doc.get("Statement").is_none() => {
                Some("an IAM policy document is a JSON object with a \"Statement\"".to_owned())
            }
            Ok(_) if policy.len() > 10_240 => {
                Some("an inline role policy is at most 10240 characters".to_owned())
            }
            Ok(_) => None,
        };
        if let Some(problem) = problem {
            d.error_at(
                at("task_role_policy_json"),
                "Invalid task role policy",
                format!("The policy cannot be used: {problem}."),
            );
        }
    }
}

pub fn validate(raw: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    for name in WHOLE_NUMBERS {
        v::whole(&mut d, at(name), &fields::number(raw, name), name);
    }
    if let Field::Known(a) = fields::object(raw, "autoscaling") {
        for name in AUTOSCALING_NUMBERS {
            v::whole(
                &mut d,
                at("autoscaling").attr(*name),
                &fields::number(a, name),
                name,
            );
        }
    }
    let c = ServiceConfig::from_value(raw);

    v::matches(
        &mut d,
        at("cluster"),
        &c.cluster,
        &CLUSTER_NAME,
        "Invalid cluster",
        CLUSTER_NAME_RULE,
    );
    v::matches(
        &mut d,
        at("name"),
        &c.name,
        &SERVICE_NAME,
        "Invalid service name",
        "use 1-32 letters, digits and hyphens, starting with a letter and not ending with a hyphen.",
    );
    v::matches(
        &mut d,
        at("image"),
        &c.image,
        &IMAGE,
        "Invalid image",
        "an image reference is up to 255 letters, digits and . _ / : @ # - characters, such as public.ecr.aws/nginx/nginx:1.27.",
    );
    v::int_range(
        &mut d,
        at("container_port"),
        &c.container_port,
        1,
        65_535,
        "container_port",
    );
    v::domain_name(&mut d, at("domain_name"), &c.domain_name);
    v::matches(
        &mut d,
        at("zone_id"),
        &c.zone_id,
        &ZONE_ID,
        "Invalid hosted zone ID",
        "a Route53 hosted zone ID looks like Z0123456789ABCDEFGHIJ.",
    );
    v::int_range(&mut d, at("cpu"), &c.cpu, 128, 196_608, "cpu");
    v::int_range(&mut d, at("memory"), &c.memory, 6, 1_048_576, "memory");
    v::int_range(
        &mut d,
        at("desired_count"),
        &c.desired_count,
        0,
        10_000,
        "desired_count",
    );

    variables(&mut d, &Path::root(), &c.environment, &c.secrets);

    v::matches(
        &mut d,
        at("health_check_path"),
        &c.health_check_path,
        &HEALTH_PATH,
        "Invalid health check path",
        "a path starts with / and has no spaces (at most 1024 characters).",
    );
    if let Field::Known(m) = &c.health_check_matcher
        && !matcher_ok(m)
    {
        d.error_at(
            at("health_check_matcher"),
            "Invalid health check matcher",
            format!(
                "{m:?} is not valid: give HTTP codes or ranges between 200 and 499, comma separated, such as 200 or 200-399."
            ),
        );
    }
    v::int_range(
        &mut d,
        at("deregistration_delay"),
        &c.deregistration_delay,
        0,
        3600,
        "deregistration_delay",
    );
    v::int_range(
        &mut d,
        at("health_check_grace_period"),
        &c.health_check_grace_period,
        0,
        2_147_483_647,
        "health_check_grace_period",
    );
    v::log_retention(&mut d, at("log_retention_days"), &c.log_retention_days);

    if let Field::Known(a) = &c.autoscaling {
        let base = at("autoscaling");
        v::int_range(
            &mut d,
            base.attr("min_capacity"),
            &a.min_capacity,
            0,
            10_000,
            "min_capacity",
        );
        v::int_range(
            &mut d,
            base.attr("max_capacity"),
            &a.max_capacity,
            1,
            10_000,
            "max_capacity",
        );
        v::int_range(
            &mut d,
            base.attr("cpu_target"),
            &a.cpu_target,
            1,
            100,
            "cpu_target",
        );
        v::int_range(
            &mut d,
            base.attr("memory_target"),
            &a.memory_target,
            1,
            100,
            "memory_target",
        );
        // Defaults are filled in before validation: report on a side the configuration sets.
        let nested = match SCHEMA.attribute("autoscaling").map(|a| &a.ty) {
            Some(AttrType::Object(children)) => children.as_slice(),
            _ => &[],
        };
        let min_side = (
            base.attr("min_capacity"),
            &a.min_capacity,
            v::default_int(nested, "min_capacity"),
        );
        let max_side = (
            base.attr("max_capacity"),
            &a.max_capacity,
            v::default_int(nested, "max_capacity"),
        );
        if let (Field::Known(min), Field::Known(max)) = (&a.min_capacity, &a.max_capacity) {
            if min > max {
                d.error_at(
                    v::written_side(&[min_side, max_side]),
                    "min_capacity is larger than max_capacity",
                    format!(
                        "autoscaling.min_capacity ({min}) must not exceed max_capacity ({max})."
                    ),
                );
            } else if let Field::Known(n) = &c.desired_count
                && (n < min || n > max)
                && !super::queue::sets_bounds(raw)
            {
                let count_side = (
                    at("desired_count"),
                    &c.desired_count,
                    v::default_int(&SCHEMA.attributes, "desired_count"),
                );
                let bound_side = if n < min { min_side } else { max_side };
                d.error_at(
                    v::written_side(&[count_side, bound_side]),
                    "desired_count outside the autoscaling range",
                    format!(
                        "desired_count ({n}) must be between autoscaling.min_capacity ({min}) and max_capacity ({max}); autoscaling would move it at once."
                    ),
                );
            }
        }
    }

    task_role_policy(&mut d, &c.task_role_policy_json);
    super::deployment::validate(&mut d, raw);
    super::containers::validate(&mut d, raw);
    super::routing::validate(&mut d, raw);
    super::queue::validate(&mut d, raw);
    super::internal::validate(&mut d, raw);
    v::tags(&mut d, at("tags"), &c.tags);
    crate::resources::timeouts::validate(&mut d, raw);
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matcher_accepts_codes_lists_and_ranges_only() {
        for ok in ["200", "200,204", "200-399", "200-299,404"] {
            assert!(matcher_ok(ok), "{ok}");
        }
        for bad in ["", "100", "500", "399-200", "abc", "200,", "200-"] {
            assert!(!matcher_ok(bad), "{bad}");
        }
    }
}
