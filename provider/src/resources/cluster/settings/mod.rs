//! The fixed production settings of the cluster's objects as the settings attributes show them
//! (`load_balancer_settings`, `capacity_binding`, `instance_role_settings`,
//! `launch_template_settings`, `name_tags`, the security groups' rules): text a user can read in
//! a plan, equal to the planned value exactly when AWS has what the blueprint asks for.

use std::collections::BTreeMap;

use ecsprod_cty::Value;

use super::graph::{ALB_GROUP, GROUP, INSTANCE_GROUP, TEMPLATE};
use super::schema;
use crate::blueprint::policy::normalized_policy;
use crate::engine::Outputs;
use crate::engine::units::{
    DROP_INVALID_HEADER_FIELDS, ObservedCapacity, ObservedCapacityProvider, ObservedGroup,
    ObservedListener, ObservedLoadBalancer, ObservedProfile, ObservedRole, ObservedSecurityGroup,
    ObservedTemplate,
};

pub type Texts = BTreeMap<String, String>;

fn none() -> String {
    schema::NONE.to_owned()
}

/// An observed group's rules as its ingress attribute shows them; the load balancer's group is
/// named by the attribute that holds its ID.
pub fn ingress(group: Option<&ObservedSecurityGroup>, alb_group_id: Option<&str>) -> Value {
    match group {
        Some(g) => schema::ingress_value(g.rules.iter().map(|r| {
            let source = if Some(r.source.as_str()) == alb_group_id {
                schema::ALB_GROUP_SOURCE.to_owned()
            } else if r.source == g.id {
                schema::SAME_GROUP_SOURCE.to_owned()
            } else {
                r.source.clone()
            };
            (r.protocol.clone(), r.from_port, r.to_port, source)
        })),
        None => Value::Null,
    }
}

/// An observed group's egress rules as its egress attribute shows them.
pub fn egress(group: Option<&ObservedSecurityGroup>) -> Value {
    match group {
        Some(g) => schema::egress_value(
            g.egress
                .iter()
                .map(|r| (r.protocol.clone(), r.from_port, r.to_port, r.source.clone())),
        ),
        None => Value::Null,
    }
}

/// The `Name` tags of the security groups, the launch template and the Auto Scaling group as
/// `name_tags` shows them; `None` when none of them exists.
pub fn name_tags(outputs: &Outputs) -> Option<Texts> {
    let nodes = [
        ALB_GROUP.name(),
        INSTANCE_GROUP.name(),
        TEMPLATE.name(),
        GROUP.name(),
    ];
    if !nodes.iter().any(|n| outputs.has(n)) {
        return None;
    }
    let name = |node: &str| {
        outputs
            .tags(node)
            .and_then(|t| t.get("Name"))
            .cloned()
            .unwrap_or_else(none)
    };
    Some(schema::name_tags(
        name(nodes[0]),
        name(nodes[1]),
        name(nodes[2]),
        name(nodes[3]),
    ))
}

/// An ID as the settings attributes show it: `placeholder` when it is the cluster's own object.
fn own_or_id(id: &str, own: Option<&str>, placeholder: &str) -> String {
    if Some(id) == own {
        placeholder.to_owned()
    } else {
        id.to_owned()
    }
}

/// The load balancer's listeners, by what they are to the cluster.
#[derive(Debug, Default)]
pub struct Listeners<'a> {
    pub https: Option<&'a ObservedListener>,
    pub http: Option<&'a ObservedListener>,
    pub others: Option<&'a [ObservedListener]>,
}

/// The load balancer's fixed settings as `load_balancer_settings` shows them.
pub fn load_balancer(
    lb: &ObservedLoadBalancer,
    listeners: &Listeners<'_>,
    alb_group_id: Option<&str>,
) -> Texts {
    let listener = |l: Option<&ObservedListener>| {
        l.map_or_else(none, |l| {
            schema::listener_text(&l.protocol, l.port, &l.default_actions)
        })
    };
    schema::load_balancer_settings(
        lb.attribute_on(DROP_INVALID_HEADER_FIELDS),
        schema::ids_text(
            &lb.security_group_ids,
            alb_group_id,
            schema::ALB_GROUP_SOURCE,
        ),
        listener(listeners.http),
        listener(listeners.https),
        schema::other_listeners_text(
            listeners
                .others
                .unwrap_or_default()
                .iter()
                .map(|l| (l.port, listener(Some(l))))
                .collect(),
        ),
    )
}

/// The version the group launches, `None` when it is its own template's default version.
fn launched_version<'g>(
    g: &'g ObservedGroup,
    own_template: Option<(&str, i64)>,
) -> Option<&'g str> {
    let version = g.launch_template_version.as_deref().unwrap_or(schema::NONE);
    let default = own_template.filter(|(id, _)| g.launch_template_id.as_deref() == Some(*id));
    match default {
        Some((_, number)) if version == number.to_string() => None,
        _ => Some(version),
    }
}

/// The group's template binding, the cluster's capacity providers and the provider's group as
/// `capacity_binding` shows them; `None` when none of them exists.
pub fn capacity_binding(
    group: Option<&ObservedGroup>,
    cluster: Option<&ObservedCapacity>,
    provider: Option<&ObservedCapacityProvider>,
    own_template: Option<(&str, i64)>,
) -> Option<Texts> {
    if group.is_none() && cluster.is_none() && provider.is_none() {
        return None;
    }
    let (template, protection) = match group {
        Some(g) => (
            schema::template_binding_text(
                g.launch_template_id
                    .as_deref()
                    .map(|id| {
                        own_or_id(
                            id,
                            own_template.map(|(own, _)| own),
                            schema::LAUNCH_TEMPLATE_SOURCE,
                        )
                    })
                    .as_deref(),
                launched_version(g, own_template),
            ),
            g.protected_from_scale_in.to_string(),
        ),
        None => (none(), none()),
    };
    let (providers, strategy) = match cluster {
        Some(cl) => (
            schema::names_text(&cl.providers),
            schema::strategy_text(&cl.strategy),
        ),
        None => (none(), none()),
    };
    let provider_group = match provider {
        Some(cp) => own_or_id(
            &cp.auto_scaling_group_arn,
            group.map(|g| g.arn.as_str()),
            schema::AUTO_SCALING_GROUP_SOURCE,
        ),
        None => none(),
    };
    Some(schema::capacity_binding(
        template,
        protection,
        providers,
        strategy,
        provider_group,
    ))
}

/// The instance role and profile as `instance_role_settings` shows them.
pub fn instance_role(
    role: Option<&ObservedRole>,
    profile: Option<&ObservedProfile>,
) -> Option<Texts> {
    if role.is_none() && profile.is_none() {
        return None;
    }
    let inline: Option<Vec<String>> = role.map(|r| r.inline_policies.keys().cloned().collect());
    Some(schema::instance_role_settings(
        role.and_then(|r| r.trust_policy.as_deref())
            .map_or_else(none, normalized_policy),
        role.map_or_else(none, |r| schema::policies_text(&r.managed_policies)),
        inline.as_deref().map_or_else(none, schema::names_text),
        profile.map_or_else(none, |p| schema::names_text(&p.roles)),
    ))
}

/// A launch template version as `launch_template_settings` shows it; the instances' security
/// group is named by the attribute that holds its ID.
pub fn template(t: &ObservedTemplate, instance_group_id: Option<&str>) -> Texts {
    let mut interfaces: Vec<String> = t
        .network_interfaces
        .iter()
        .map(|n| {
            schema::interface_text(
                n.device_index,
                n.associate_public_ip,
                schema::ids_text(
                    &n.security_groups,
                    instance_group_id,
                    schema::INSTANCE_GROUP_SOURCE,
                ),
            )
        })
        .collect();
    if !t.security_groups.is_empty() {
        interfaces.push(format!(
            "security_groups={}",
            schema::ids_text(
                &t.security_groups,
                instance_group_id,
                schema::INSTANCE_GROUP_SOURCE
            )
        ));
    }
    let devices: Vec<String> = t
        .block_devices
        .iter()
        .map(|b| schema::block_device_text(&b.device_name, b.volume_type.as_deref(), b.encrypted))
        .collect();
    let listed = |items: Vec<String>| {
        if items.is_empty() {
            none()
        } else {
            items.join("; ")
        }
    };
    schema::launch_template_settings(
        t.user_data.clone().unwrap_or_default(),
        listed(interfaces),
        listed(devices),
        t.instance_profile.clone().unwrap_or_else(none),
        t.key_name.clone().unwrap_or_else(none),
    )
}

#[cfg(test)]
mod tests;
