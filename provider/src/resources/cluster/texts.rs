//! How the cluster's settings attributes show each fixed production setting, as text a user
//! can read in a plan: one format per setting, used both for the planned value and for what
//! refresh reads.

use std::collections::BTreeMap;

use ecsprod_cty::Value;

use crate::blueprint::cluster as bp;

/// The launch template's metadata settings, as `instance_metadata_options` shows them.
pub fn metadata_options(http_tokens_required: bool, hop_limit: i32) -> String {
    format!(
        "http_tokens={},hop_limit={hop_limit}",
        if http_tokens_required {
            "required"
        } else {
            "optional"
        }
    )
}

/// How the ingress attributes name the load balancer's security group as a rule's source.
pub const ALB_GROUP_SOURCE: &str = "alb_security_group_id";

/// How the ingress attributes name a rule's own security group as its source.
pub const SAME_GROUP_SOURCE: &str = "self";

/// An ingress rule observed or planned: protocol, first and last port (-1 for all), source.
pub type IngressRule = (String, i32, i32, String);

/// One ingress rule as the `*_security_group_ingress` attributes show it, e.g.
/// `tcp 443 from 0.0.0.0/0`, `tcp 32768-65535 from alb_security_group_id`, `all from 10.0.0.0/8`.
pub fn ingress_rule_text(rule: &IngressRule) -> String {
    let (protocol, from, to, source) = rule;
    if protocol == "all" {
        return format!("all from {source}");
    }
    let ports = match (from, to) {
        (-1, -1) => "all".to_owned(),
        (f, t) if f == t => f.to_string(),
        (f, t) => format!("{f}-{t}"),
    };
    format!("{protocol} {ports} from {source}")
}

/// Rules as an ingress attribute value, ordered by port, then source, then protocol.
pub fn ingress_value(rules: impl IntoIterator<Item = IngressRule>) -> Value {
    rules_value(rules, ingress_rule_text)
}

/// One egress rule as the `*_security_group_egress` attributes show it, e.g. `all to 0.0.0.0/0`
/// or `tcp 443 to pl-123`.
pub fn egress_rule_text(rule: &IngressRule) -> String {
    let text = ingress_rule_text(rule);
    match text.rsplit_once(" from ") {
        Some((what, to)) => format!("{what} to {to}"),
        None => text,
    }
}

/// Rules as an egress attribute value, ordered like `ingress_value`.
pub fn egress_value(rules: impl IntoIterator<Item = IngressRule>) -> Value {
    rules_value(rules, egress_rule_text)
}

fn rules_value(
    rules: impl IntoIterator<Item = IngressRule>,
    text: fn(&IngressRule) -> String,
) -> Value {
    let mut rules: Vec<IngressRule> = rules.into_iter().collect();
    rules.sort_by(|a, b| (a.1, a.2, &a.3, &a.0).cmp(&(b.1, b.2, &b.3, &b.0)));
    let mut texts: Vec<String> = rules.iter().map(text).collect();
    texts.dedup();
    Value::List(texts.into_iter().map(Value::string).collect())
}

/// The `Name` tags of the objects that carry one, as `name_tags` shows them.
pub fn name_tags(
    alb_security_group: String,
    instance_security_group: String,
    launch_template: String,
    auto_scaling_group: String,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("alb_security_group".to_owned(), alb_security_group),
        (
            "instance_security_group".to_owned(),
            instance_security_group,
        ),
        ("launch_template".to_owned(), launch_template),
        ("auto_scaling_group".to_owned(), auto_scaling_group),
    ])
}

/// The capacity provider's managed features, as `capacity_provider_settings` shows them.
pub fn capacity_provider_settings(
    scaling: bool,
    termination_protection: bool,
    draining: bool,
) -> String {
    let on = |b: bool| if b { "enabled" } else { "disabled" };
    format!(
        "managed_scaling={},managed_termination_protection={},managed_draining={}",
        on(scaling),
        on(termination_protection),
        on(draining)
    )
}

/// How the settings attributes show an object that does not exist.
pub const NONE: &str = "none";

/// How the settings attributes name the IDs the plan cannot know yet.
pub const INSTANCE_GROUP_SOURCE: &str = "instance_security_group_id";
pub const LAUNCH_TEMPLATE_SOURCE: &str = "launch_template_id";
pub const AUTO_SCALING_GROUP_SOURCE: &str = "autoscaling_group_name";

fn joined_or_none(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    if items.is_empty() {
        NONE.to_owned()
    } else {
        items.join(", ")
    }
}

/// IDs as a settings value: sorted, with `own` (when given) named by `placeholder`.
pub fn ids_text(ids: &[String], own: Option<&str>, placeholder: &str) -> String {
    let mut ids: Vec<String> = ids
        .iter()
        .map(|id| {
            if Some(id.as_str()) == own {
                placeholder.to_owned()
            } else {
                id.clone()
            }
        })
        .collect();
    ids.sort();
    ids.dedup();
    joined_or_none(ids)
}

/// One listener action as `load_balancer_settings` shows it, e.g.
/// `redirect to HTTPS://#{host}:443/#{path}?#{query} HTTP_301` or
/// `fixed-response 404 text/plain "Not found"`.
pub fn action_text(action: &bp::ListenerAction) -> String {
    match action {
        bp::ListenerAction::FixedResponse {
            status_code,
            content_type,
            body,
        } => {
            let mut text = format!("fixed-response {status_code}");
            if let Some(t) = content_type {
                text.push(' ');
                text.push_str(t);
            }
            if let Some(b) = body {
                text.push_str(&format!(" {b:?}"));
            }
            text
        }
        bp::ListenerAction::Redirect(r) => {
            // A part AWS leaves out keeps the request's own value.
            let part =
                |v: &Option<String>, keep: &str| v.clone().unwrap_or_else(|| keep.to_owned());
            let path = part(&r.path, "/#{path}");
            let query = part(&r.query, "#{query}");
            format!(
                "redirect to {}://{}:{}{}{}{} {}",
                part(&r.protocol, "#{protocol}"),
                part(&r.host, "#{host}"),
                part(&r.port, "#{port}"),
                path,
                if query.is_empty() { "" } else { "?" },
                query,
                r.status_code,
            )
        }
        bp::ListenerAction::Forward { target_groups } => {
            format!(
                "forward to {}",
                joined_or_none(target_groups.iter().cloned())
            )
        }
        bp::ListenerAction::Other { kind } => kind.clone(),
    }
}

/// A listener as `load_balancer_settings` shows it: `PROTOCOL:port` and its default actions.
pub fn listener_text(protocol: &str, port: i32, actions: &[bp::ListenerAction]) -> String {
    let actions: Vec<String> = actions.iter().map(action_text).collect();
    format!("{protocol}:{port} {}", joined_or_none(actions))
}

/// The `load_balancer_settings` value from its parts (listeners already as text).
pub fn load_balancer_settings(
    drop_invalid_header_fields: bool,
    security_groups: String,
    http_listener: String,
    https_listener: String,
    other_listeners: String,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "drop_invalid_header_fields".to_owned(),
            drop_invalid_header_fields.to_string(),
        ),
        ("security_groups".to_owned(), security_groups),
        ("http_listener".to_owned(), http_listener),
        ("https_listener".to_owned(), https_listener),
        ("other_listeners".to_owned(), other_listeners),
    ])
}

/// Listeners on other ports as `load_balancer_settings` shows them, by port.
pub fn other_listeners_text(mut listeners: Vec<(i32, String)>) -> String {
    listeners.sort();
    let texts: Vec<String> = listeners.into_iter().map(|(_, t)| t).collect();
    if texts.is_empty() {
        NONE.to_owned()
    } else {
        texts.join("; ")
    }
}

/// The Auto Scaling group's template binding as `capacity_binding` shows it; a `version` of
/// `None` is the template's default version.
pub fn template_binding_text(template: Option<&str>, version: Option<&str>) -> String {
    match (template, version) {
        (Some(t), None) => format!("{t} default version"),
        (Some(t), Some(v)) => format!("{t} version {v}"),
        (None, _) => NONE.to_owned(),
    }
}

/// A default capacity provider strategy as `capacity_binding` shows it.
pub fn strategy_text(items: &[(String, i32, i32)]) -> String {
    joined_or_none(
        items
            .iter()
            .map(|(cp, weight, base)| format!("{cp} weight={weight} base={base}")),
    )
}

/// The `capacity_binding` value from its parts.
pub fn capacity_binding(
    launch_template: String,
    scale_in_protection: String,
    capacity_providers: String,
    default_strategy: String,
    provider_group: String,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "capacity_provider_auto_scaling_group".to_owned(),
            provider_group,
        ),
        (
            "auto_scaling_group_launch_template".to_owned(),
            launch_template,
        ),
        (
            "auto_scaling_group_scale_in_protection".to_owned(),
            scale_in_protection,
        ),
        ("cluster_capacity_providers".to_owned(), capacity_providers),
        ("cluster_default_strategy".to_owned(), default_strategy),
    ])
}

/// A managed policy as `instance_role_settings` shows it: an AWS managed policy by its path and
/// name (`service-role/AmazonEC2ContainerServiceforEC2Role`), any other by its ARN.
pub fn policy_text(arn: &str) -> String {
    let mut parts = arn.splitn(6, ':');
    let (_, _, service, region, account, resource) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    );
    match (service, region, account, resource) {
        (Some("iam"), Some(""), Some("aws"), Some(r)) if r.starts_with("policy/") => {
            r["policy/".len()..].to_owned()
        }
        _ => arn.to_owned(),
    }
}

/// Managed policies as `instance_role_settings` shows them, sorted.
pub fn policies_text(arns: &[String]) -> String {
    let mut texts: Vec<String> = arns.iter().map(|a| policy_text(a)).collect();
    texts.sort();
    texts.dedup();
    joined_or_none(texts)
}

/// Names as a settings value, sorted.
pub fn names_text(names: &[String]) -> String {
    let mut names = names.to_vec();
    names.sort();
    joined_or_none(names)
}

/// The `instance_role_settings` value from its parts.
pub fn instance_role_settings(
    trust_policy: String,
    managed_policies: String,
    inline_policies: String,
    instance_profile_role: String,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("trust_policy".to_owned(), trust_policy),
        ("managed_policies".to_owned(), managed_policies),
        ("inline_policies".to_owned(), inline_policies),
        ("instance_profile_role".to_owned(), instance_profile_role),
    ])
}

/// A network interface of the launch template as `launch_template_settings` shows it.
pub fn interface_text(
    device_index: Option<i32>,
    associate_public_ip: Option<bool>,
    security_groups: String,
) -> String {
    let or_unset = |v: Option<String>| v.unwrap_or_else(|| "unset".to_owned());
    format!(
        "device_index={},associate_public_ip={},security_groups={security_groups}",
        or_unset(device_index.map(|i| i.to_string())),
        or_unset(associate_public_ip.map(|b| b.to_string())),
    )
}

/// A block device of the launch template as `launch_template_settings` shows it (its size and
/// key are `root_volume_size` and `ebs_kms_key_id`).
pub fn block_device_text(
    device: &str,
    volume_type: Option<&str>,
    encrypted: Option<bool>,
) -> String {
    format!(
        "device={device},type={},encrypted={}",
        volume_type.unwrap_or("unset"),
        encrypted.map_or_else(|| "unset".to_owned(), |b| b.to_string()),
    )
}

/// The `launch_template_settings` value from its parts.
pub fn launch_template_settings(
    user_data: String,
    network_interfaces: String,
    block_devices: String,
    instance_profile: String,
    key_name: String,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("key_name".to_owned(), key_name),
        ("user_data".to_owned(), user_data),
        ("network_interfaces".to_owned(), network_interfaces),
        ("block_devices".to_owned(), block_devices),
        ("instance_profile".to_owned(), instance_profile),
    ])
}
