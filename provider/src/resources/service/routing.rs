//! `ecsprod_service`'s routing beyond `domain_name`: more host names, path patterns, and the
//! rule priority the provider allocates. Schema, validation, planning, the blueprint's input,
//! and how the rule's conditions show in the state.

use std::collections::BTreeSet;

use ecsprod_cty::{Type, Value};

use crate::blueprint::service::PriorityBand;
use crate::engine::units::ObservedRule;
use crate::protocol::diag::Diagnostics;
use crate::protocol::schema::Attribute;
use crate::resources::fields::{self, Field, set};
use crate::resources::validators::{self as v, at};

pub const PATHS: &str = "path_patterns";
pub const HOSTS: &str = "additional_domain_names";
pub const PRIORITY: &str = "listener_rule_priority";

/// ALB limits: 3 values per condition, 5 per rule.
const VALUES_PER_CONDITION: usize = 3;
const VALUES_PER_RULE: usize = 5;
const PATH_MAX: usize = 128;

pub fn attributes() -> Vec<Attribute> {
    vec![
        Attribute::optional(
            HOSTS,
            Type::list(Type::String),
            "More host names routed to the service besides `domain_name` (at most 2: a rule matches at most 3 hosts), each covered by the cluster's certificate. With `zone_id`, each gets an alias record too.",
        ),
        Attribute::optional(
            PATHS,
            Type::list(Type::String),
            "Only these paths of the hosts go to the service, e.g. `[\"/api/*\"]` (at most 3; `*` matches any characters, `?` one; case-sensitive). A rule with paths is always evaluated before every rule without paths on the shared listener, so another service can serve the rest of the same host. Null: every path.",
        ),
    ]
}

pub fn priority_attribute() -> Attribute {
    Attribute::computed(
        PRIORITY,
        Type::Number,
        "Priority of the service's rule on the shared HTTPS listener, allocated by the provider: 1-10000 for rules with `path_patterns`, 10001-50000 for the others, so paths are matched first.",
    )
}

fn strings(v: &Value, name: &str) -> Field<Vec<Field<String>>> {
    fields::string_list(v, name)
}

/// What a service without `domain_name` cannot have: settings of a route.
fn unrouted(d: &mut Diagnostics, raw: &Value) {
    let set_but = |d: &mut Diagnostics, attr: &str, what: &str| {
        d.error_at(
            at(attr),
            "Needs domain_name",
            format!("{what}; this service has no domain_name, so no route. Set domain_name, or leave {attr} out."),
        );
    };
    for (attr, what) in [
        ("zone_id", "zone_id holds the alias of domain_name"),
        (
            HOSTS,
            "additional_domain_names are routed beside domain_name",
        ),
        (PATHS, "path_patterns are paths of domain_name"),
    ] {
        if !matches!(raw.get_attr(attr), None | Some(Value::Null)) {
            set_but(d, attr, what);
        }
    }
    let strategy = fields::object(raw, super::deployment::ATTRIBUTE)
        .known()
        .and_then(|dep| fields::string(dep, "strategy").known().cloned());
    if let Some(s) = strategy.filter(|s| s != "rolling") {
        d.error_at(
            at(super::deployment::ATTRIBUTE).attr("strategy"),
            "Needs domain_name",
            format!("The {s:?} strategy moves the service's traffic on its load balancer rule; a service without domain_name deploys with \"rolling\"."),
        );
    }
}

pub fn validate(d: &mut Diagnostics, raw: &Value) {
    if matches!(fields::string(raw, "domain_name"), Field::Null) {
        unrouted(d, raw);
        return;
    }
    let domain = fields::string(raw, "domain_name").known().cloned();
    let hosts = strings(raw, HOSTS);
    let paths = strings(raw, PATHS);
    if let Field::Known(items) = &hosts {
        if items.len() > VALUES_PER_CONDITION - 1 {
            d.error_at(
                at(HOSTS),
                "Too many host names",
                format!(
                    "A load balancer rule matches at most {VALUES_PER_CONDITION} host names: domain_name and at most {} more.",
                    VALUES_PER_CONDITION - 1
                ),
            );
        }
        let mut seen = BTreeSet::new();
        for (i, host) in items.iter().enumerate() {
            let path = at(HOSTS).index(i as i64);
            v::domain_name(d, path.clone(), host);
            if let Field::Known(h) = host
                && (Some(h) == domain.as_ref() || !seen.insert(h.clone()))
            {
                d.error_at(
                    path,
                    "Host name given twice",
                    format!("{h:?} is already routed to the service; list each host once."),
                );
            }
        }
    }
    let Field::Known(items) = &paths else { return };
    if items.is_empty() || items.len() > VALUES_PER_CONDITION {
        d.error_at(
            at(PATHS),
            "Invalid number of path patterns",
            format!("Give 1 to {VALUES_PER_CONDITION} path patterns, or leave path_patterns out for every path."),
        );
    }
    let host_count = 1 + hosts.known().map_or(0, Vec::len);
    if host_count + items.len() > VALUES_PER_RULE {
        d.error_at(
            at(PATHS),
            "Too many conditions",
            format!(
                "A load balancer rule matches at most {VALUES_PER_RULE} hosts and paths together: {host_count} hosts leave room for {} paths.",
                VALUES_PER_RULE.saturating_sub(host_count)
            ),
        );
    }
    let mut seen = BTreeSet::new();
    for (i, p) in items.iter().enumerate() {
        let Field::Known(p) = p else { continue };
        let path = at(PATHS).index(i as i64);
        if !pattern_ok(p) {
            d.error_at(
                path,
                "Invalid path pattern",
                format!(
                    "{p:?} is not a path pattern: start with /, at most {PATH_MAX} characters of letters, digits and _ - . $ / ~ \" ' @ : + & * ?."
                ),
            );
        } else if !seen.insert(p.clone()) {
            d.error_at(
                path,
                "Path pattern given twice",
                format!("{p:?} is listed twice."),
            );
        }
    }
}

/// A path pattern ALB accepts: `/`, then letters, digits and `_-.$/~"'@:+&*?`.
fn pattern_ok(p: &str) -> bool {
    p.starts_with('/')
        && p.len() <= PATH_MAX
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.$/~\"'@:+&*?".contains(c))
}

/// The configured (or recorded) host names and paths.
pub fn input(planned: &Value) -> (Vec<String>, Vec<String>) {
    let known = |name| fields::known_strings(&strings(planned, name)).unwrap_or_default();
    (known(HOSTS), known(PATHS))
}

/// A service without `domain_name` has no route: its route's objects are planned null.
pub fn plan_unrouted(planned: &mut Value) {
    if matches!(fields::string(planned, "domain_name"), Field::Null) {
        for attr in ["target_group_arn", "listener_rule_arn", PRIORITY] {
            set(planned, attr, Value::Null);
        }
    }
}

/// The priority stays as recorded while it is in the band the planned paths need; otherwise
/// the apply moves the rule and the plan shows the priority as unknown.
pub fn plan_priority(prior: &Value, planned: &mut Value) {
    let recorded = fields::int(prior, PRIORITY).known().copied();
    let paths = strings(planned, PATHS);
    let band = match &paths {
        Field::Null => Some(PriorityBand::Host),
        Field::Known(_) => fields::known_strings(&paths).map(|p| PriorityBand::of(&p)),
        Field::Unknown => None,
    };
    let keeps = matches!(
        (recorded, band),
        (Some(p), Some(b)) if i32::try_from(p).is_ok_and(|p| b.contains(p))
    );
    if !keeps && !prior.is_null() {
        set(planned, PRIORITY, Value::unknown());
    }
}

/// The rule's hosts and paths on `domain_name`, `additional_domain_names` and `path_patterns`,
/// and its priority.
pub fn show_rule(rule: &ObservedRule, state: &mut Value) {
    set(
        state,
        PRIORITY,
        rule.priority
            .map_or(Value::Null, |p| Value::number(i64::from(p))),
    );
    let paths = fields::list_or_null(state, PATHS, &rule.path_patterns);
    set(state, PATHS, paths);
    let domain = fields::string(state, "domain_name").known().cloned();
    let extra = fields::known_strings(&strings(state, HOSTS)).unwrap_or_default();
    let expected: Vec<String> = domain.into_iter().chain(extra).collect();
    if rule.host_headers == expected {
        return;
    }
    let (first, rest) = match rule.host_headers.split_first() {
        Some((first, rest)) => (Value::string(first.clone()), rest),
        None => (Value::Null, &[][..]),
    };
    set(state, "domain_name", first);
    let hosts = fields::list_or_null(state, HOSTS, rest);
    set(state, HOSTS, hosts);
}

#[cfg(test)]
#[path = "routing_tests.rs"]
mod tests;
