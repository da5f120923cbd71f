//! How each of the cluster's objects shows in the state, so that a setting changed outside
//! Terraform shows on the attribute it concerns and the plan puts it back. A missing object
//! leaves its ID null, so the next plan creates it again.

use ecsprod_cty::Value;

use super::graph::{
    ALB_GROUP, CAPACITY, CLUSTER, EXEC_LOG_GROUP, GROUP, HTTP, HTTPS, INSTANCE_GROUP,
    INSTANCE_PROFILE, OTHER_LISTENERS, PROVIDER, Run, TEMPLATE,
};
use super::schema;
use super::settings;
use crate::blueprint::cluster::{self as bp, InstanceTypeFacts};
use crate::engine::Outputs;
use crate::engine::units::{
    ObservedCapacityProvider, ObservedCluster, ObservedGroup, ObservedListener,
    ObservedLoadBalancer, ObservedLogGroup, ObservedNamespace, ObservedProfile, ObservedRole,
    ObservedSecurityGroup, ObservedTemplate,
};
use crate::resources::fields::{self, set, string_list_value};

fn opt_string(v: Option<&String>) -> Value {
    v.map_or(Value::Null, |s| Value::string(s.clone()))
}

fn map_or_null(map: Option<settings::Texts>) -> Value {
    map.map_or(Value::Null, |m| fields::string_map_value(&m))
}

/// Keeps the prior order of a list when AWS returns the same elements in another order.
fn same_set_keep_order(prior: Option<Vec<String>>, observed: &[String]) -> Vec<String> {
    match prior {
        Some(p) => {
            let mut a = p.clone();
            a.sort();
            let mut b = observed.to_vec();
            b.sort();
            if a == b { p } else { observed.to_vec() }
        }
        None => observed.to_vec(),
    }
}

fn prior_list(state: &Value, attr: &str) -> Option<Vec<String>> {
    fields::known_strings(&fields::string_list(state, attr))
}

pub fn ecs_cluster(run: &Run, o: Option<&ObservedCluster>, outputs: &Outputs, state: &mut Value) {
    if let Some(cl) = o {
        set(state, "arn", Value::string(cl.arn.clone()));
        set(
            state,
            "container_insights",
            Value::bool(cl.container_insights),
        );
        execute_command_key(run, cl, outputs.get(EXEC_LOG_GROUP), state);
    }
}

const EXEC_KEY: &str = "execute_command_kms_key_arn";
/// What `execute_command_kms_key_arn` shows when the cluster does not log ECS Exec sessions
/// to its group.
const NOT_LOGGED: &str = "(sessions not logged to the cluster's group)";

/// The Exec key, as the cluster's execute-command configuration and the session log group
/// have it: the first that differs from the state shows, so the plan puts both back. Sessions
/// logged elsewhere, or not at all, show as a value no configuration has.
fn execute_command_key(
    run: &Run,
    cl: &ObservedCluster,
    group: Option<&ObservedLogGroup>,
    state: &mut Value,
) {
    let recorded = state.get_attr(EXEC_KEY).cloned().unwrap_or(Value::Null);
    let cluster = match &cl.execute_command {
        Some(e) if e.log_group == run.names().execute_command_log_group => {
            opt_string(e.kms_key_arn.as_ref())
        }
        Some(_) | None => Value::string(NOT_LOGGED),
    };
    let group = group.map(|g| opt_string(g.kms_key_id.as_ref()));
    let shown = [Some(cluster), group]
        .into_iter()
        .flatten()
        .find(|v| *v != recorded)
        .unwrap_or(recorded);
    set(state, EXEC_KEY, shown);
}

/// The Service Connect namespace: its name while the ECS cluster's Service Connect default is
/// that namespace (otherwise null, so the plan puts both back), and its ARN.
pub fn service_connect_namespace(
    _: &Run,
    o: Option<&ObservedNamespace>,
    outputs: &Outputs,
    state: &mut Value,
) {
    let default = outputs
        .get(CLUSTER)
        .and_then(|c| c.service_connect_namespace.as_ref());
    let in_use = o.filter(|n| default == Some(&n.arn));
    set(
        state,
        "service_connect_namespace",
        opt_string(in_use.map(|n| &n.name)),
    );
    set(
        state,
        "service_connect_namespace_arn",
        opt_string(o.map(|n| &n.arn)),
    );
}

/// The Exec session log group: its name and retention (its key shows with the cluster's).
pub fn execute_command_log_group(
    _: &Run,
    o: Option<&ObservedLogGroup>,
    _: &Outputs,
    state: &mut Value,
) {
    set(
        state,
        "execute_command_log_group_name",
        opt_string(o.map(|g| &g.name)),
    );
    if let Some(g) = o {
        // Events that never expire show as null, so the plan sets the retention again.
        set(
            state,
            "execute_command_log_retention_days",
            g.retention_days
                .map_or(Value::Null, |d| Value::number(i64::from(d))),
        );
    }
}

pub fn instance_role(_: &Run, o: Option<&ObservedRole>, outputs: &Outputs, state: &mut Value) {
    set(state, "instance_role_arn", opt_string(o.map(|r| &r.arn)));
    let profile = outputs.get(INSTANCE_PROFILE);
    set(
        state,
        "instance_role_settings",
        map_or_null(settings::instance_role(o, profile)),
    );
}

/// Shown in `instance_role_settings` (by the role).
pub fn instance_profile(_: &Run, _: Option<&ObservedProfile>, _: &Outputs, _: &mut Value) {}

fn security_group(
    prefix: &str,
    o: Option<&ObservedSecurityGroup>,
    outputs: &Outputs,
    state: &mut Value,
) {
    let alb = outputs.get(ALB_GROUP).map(|g| g.id.as_str());
    set(
        state,
        &format!("{prefix}_security_group_id"),
        opt_string(o.map(|g| &g.id)),
    );
    set(
        state,
        &format!("{prefix}_security_group_ingress"),
        settings::ingress(o, alb),
    );
    set(
        state,
        &format!("{prefix}_security_group_egress"),
        settings::egress(o),
    );
}

pub fn alb_security_group(
    _: &Run,
    o: Option<&ObservedSecurityGroup>,
    outputs: &Outputs,
    state: &mut Value,
) {
    security_group("alb", o, outputs, state);
}

pub fn instance_security_group(
    _: &Run,
    o: Option<&ObservedSecurityGroup>,
    outputs: &Outputs,
    state: &mut Value,
) {
    security_group("instance", o, outputs, state);
}

pub fn launch_template(
    _: &Run,
    o: Option<&ObservedTemplate>,
    outputs: &Outputs,
    state: &mut Value,
) {
    let instance_group = outputs.get(INSTANCE_GROUP).map(|g| g.id.as_str());
    set(
        state,
        "launch_template_settings",
        map_or_null(o.map(|t| settings::template(t, instance_group))),
    );
    match o {
        Some(t) => {
            set(state, "launch_template_id", Value::string(t.id.clone()));
            set(state, "ami_id", Value::string(t.image_id.clone()));
            set(
                state,
                "root_volume_size",
                Value::number(i64::from(t.root_volume_size)),
            );
            set(state, "ebs_kms_key_id", opt_string(t.kms_key_id.as_ref()));
            set(
                state,
                "instance_metadata_options",
                Value::string(schema::metadata_options(
                    t.http_tokens_required,
                    t.hop_limit,
                )),
            );
        }
        None => set(state, "launch_template_id", Value::Null),
    }
}

pub fn auto_scaling_group(
    run: &Run,
    o: Option<&ObservedGroup>,
    outputs: &Outputs,
    state: &mut Value,
) {
    set(
        state,
        "name_tags",
        map_or_null(settings::name_tags(outputs)),
    );
    let Some(g) = o else {
        set(state, "autoscaling_group_name", Value::Null);
        return;
    };
    set(
        state,
        "autoscaling_group_name",
        Value::string(run.names().auto_scaling_group),
    );
    let int = |n: i32| Value::number(i64::from(n));
    set(state, "min_size", int(g.min_size));
    set(state, "max_size", int(g.max_size));
    set(
        state,
        "on_demand_base_capacity",
        int(g.on_demand_base_capacity),
    );
    set(
        state,
        "on_demand_percentage_above_base",
        int(g.on_demand_percentage_above_base),
    );
    set(
        state,
        "capacity_rebalance",
        Value::Bool(g.capacity_rebalance),
    );
    set(
        state,
        "spot_allocation_strategy",
        Value::string(g.spot_allocation_strategy.clone()),
    );
    set(
        state,
        "instance_types",
        string_list_value(&g.instance_types),
    );
    let private = same_set_keep_order(prior_list(state, "private_subnet_ids"), &g.subnet_ids);
    set(state, "private_subnet_ids", string_list_value(&private));
}

pub fn capacity_provider(
    run: &Run,
    o: Option<&ObservedCapacityProvider>,
    _: &Outputs,
    state: &mut Value,
) {
    match o {
        Some(cp) => {
            set(
                state,
                "capacity_provider_name",
                Value::string(run.names().capacity_provider),
            );
            set(
                state,
                "target_capacity",
                Value::number(i64::from(cp.target_capacity)),
            );
            set(
                state,
                "capacity_provider_settings",
                Value::string(schema::capacity_provider_settings(
                    cp.managed_scaling,
                    cp.managed_termination_protection,
                    cp.managed_draining,
                )),
            );
        }
        None => {
            set(state, "capacity_provider_name", Value::Null);
            set(state, "capacity_provider_settings", Value::Null);
        }
    }
}

/// The group's template binding, the cluster's providers and the provider's group.
pub fn capacity_binding<T>(_: &Run, _: Option<&T>, outputs: &Outputs, state: &mut Value) {
    let binding = settings::capacity_binding(
        outputs.get(GROUP),
        outputs.get(CAPACITY),
        outputs.get(PROVIDER),
        outputs
            .get(TEMPLATE)
            .map(|t| (t.id.as_str(), t.default_version)),
    );
    set(state, "capacity_binding", map_or_null(binding));
}

pub fn load_balancer(
    _: &Run,
    o: Option<&ObservedLoadBalancer>,
    outputs: &Outputs,
    state: &mut Value,
) {
    let listeners = settings::Listeners {
        https: outputs.get(HTTPS),
        http: outputs.get(HTTP),
        others: outputs.get(OTHER_LISTENERS).map(Vec::as_slice),
    };
    let alb = outputs.get(ALB_GROUP).map(|g| g.id.as_str());
    set(
        state,
        "load_balancer_settings",
        map_or_null(o.map(|lb| settings::load_balancer(lb, &listeners, alb))),
    );
    match o {
        Some(lb) => {
            set(state, "alb_arn", Value::string(lb.arn.clone()));
            set(state, "alb_dns_name", Value::string(lb.dns_name.clone()));
            set(state, "alb_zone_id", Value::string(lb.zone_id.clone()));
            set(state, "vpc_id", Value::string(lb.vpc_id.clone()));
            let public =
                same_set_keep_order(prior_list(state, "public_subnet_ids"), &lb.subnet_ids);
            set(state, "public_subnet_ids", string_list_value(&public));
            set(
                state,
                "deletion_protection",
                Value::bool(lb.attribute_on(crate::engine::units::DELETION_PROTECTION)),
            );
        }
        None => {
            for a in ["alb_arn", "alb_dns_name", "alb_zone_id"] {
                set(state, a, Value::Null);
            }
        }
    }
}

pub fn https_listener(_: &Run, o: Option<&ObservedListener>, _: &Outputs, state: &mut Value) {
    match o {
        Some(l) => {
            set(state, "https_listener_arn", Value::string(l.arn.clone()));
            if let Some(p) = &l.ssl_policy {
                set(state, "ssl_policy", Value::string(p.clone()));
            }
            if let Some(cert) = &l.certificate_arn {
                set(state, "certificate_arn", Value::string(cert.clone()));
            }
        }
        None => set(state, "https_listener_arn", Value::Null),
    }
}

/// Shown in `load_balancer_settings` (by the load balancer).
pub fn in_load_balancer_settings<T>(_: &Run, _: Option<&T>, _: &Outputs, _: &mut Value) {}

/// The architecture the instance types share and whether they have GPUs; null when they share
/// none (the plan refuses such a list).
pub fn architecture(_: &Run, o: Option<&Vec<InstanceTypeFacts>>, _: &Outputs, state: &mut Value) {
    let family = o.and_then(|facts| bp::family(facts).ok());
    set(
        state,
        "architecture",
        family.map_or(Value::Null, |f| Value::string(f.architecture)),
    );
    set(
        state,
        "gpu_support",
        family.map_or(Value::Null, |f| Value::Bool(f.gpu)),
    );
}

/// The AMI AWS recommends now; the one the instances run shows as `ami_id`, through the launch
/// template.
pub fn recommended_ami(_: &Run, o: Option<&String>, _: &Outputs, state: &mut Value) {
    let ami = o.map_or(Value::Null, |id| Value::string(id.clone()));
    set(state, "recommended_ami_id", ami);
}
