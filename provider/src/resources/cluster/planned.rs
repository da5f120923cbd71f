//! The planned values of the cluster's settings attributes: what the blueprint builds, in the
//! settings' text formats.

use std::collections::BTreeMap;

use ecsprod_cty::Value;

use super::texts::*;
use crate::blueprint::OWNER_TAG;
use crate::blueprint::cluster::{self as bp, Ingress, Source};

/// The blueprint's egress as an egress attribute value.
pub fn planned_egress(egress: &[bp::Egress]) -> Value {
    egress_value(
        egress
            .iter()
            .map(|e| ("all".to_owned(), -1, -1, e.cidr.clone())),
    )
}

pub fn planned_name_tags(cluster: &str) -> BTreeMap<String, String> {
    let names = bp::names(cluster);
    name_tags(
        names.alb_security_group,
        names.instance_security_group,
        names.launch_template,
        bp::instance_name(cluster),
    )
}

/// The blueprint's rules as an ingress attribute value (all TCP).
pub fn planned_ingress(ingress: &[Ingress]) -> Value {
    ingress_value(ingress.iter().map(|i| {
        let source = match &i.source {
            Source::Cidr(c) | Source::Ipv6Cidr(c) => c.clone(),
            Source::LoadBalancer => ALB_GROUP_SOURCE.to_owned(),
            Source::SameGroup => SAME_GROUP_SOURCE.to_owned(),
        };
        ("tcp".to_owned(), i.from_port, i.to_port, source)
    }))
}

/// The tags the provider keeps on the objects besides `tags_all`, as `managed_tags` shows them.
pub fn managed_tags(cluster: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (OWNER_TAG.to_owned(), cluster.to_owned()),
        (bp::ECS_MANAGED_TAG.to_owned(), "true".to_owned()),
    ])
}

/// The load balancer settings the blueprint sets.
pub fn planned_load_balancer_settings() -> BTreeMap<String, String> {
    load_balancer_settings(
        true,
        ALB_GROUP_SOURCE.to_owned(),
        listener_text(bp::HTTP, bp::HTTP_PORT, &[bp::redirect_action()]),
        // Certificate and policy are user attributes; the protocol, port and action are fixed.
        listener_text(bp::HTTPS, bp::HTTPS_PORT, &[bp::not_found_action()]),
        NONE.to_owned(),
    )
}

pub fn planned_capacity_binding(cluster: &str) -> BTreeMap<String, String> {
    let cp = bp::names(cluster).capacity_provider;
    capacity_binding(
        template_binding_text(Some(LAUNCH_TEMPLATE_SOURCE), None),
        "true".to_owned(),
        cp.clone(),
        strategy_text(&[(cp, bp::STRATEGY_WEIGHT, bp::STRATEGY_BASE)]),
        AUTO_SCALING_GROUP_SOURCE.to_owned(),
    )
}

pub fn planned_instance_role_settings(cluster: &str) -> BTreeMap<String, String> {
    instance_role_settings(
        crate::blueprint::policy::normalized_policy(&bp::instance_role_trust_policy()),
        // The partition does not change a policy's text.
        policies_text(&bp::instance_role_policies("aws")),
        NONE.to_owned(),
        bp::names(cluster).instance_role,
    )
}

pub fn planned_launch_template_settings(cluster: &str, gpu: bool) -> BTreeMap<String, String> {
    launch_template_settings(
        bp::user_data(cluster, gpu),
        interface_text(Some(0), Some(false), INSTANCE_GROUP_SOURCE.to_owned()),
        block_device_text(bp::ROOT_DEVICE_NAME, Some(bp::ROOT_VOLUME_TYPE), Some(true)),
        bp::names(cluster).instance_profile,
        NONE.to_owned(),
    )
}

/// Fixed production settings and the value the plan always gives them, so that drift recorded
/// by refresh shows as a change back. `cluster` is the name and `gpu` the GPU support, when
/// known.
pub fn fixed_settings(cluster: Option<&str>, gpu: Option<bool>) -> Vec<(&'static str, Value)> {
    vec![
        (
            "instance_metadata_options",
            Value::string(metadata_options(true, 1)),
        ),
        (
            "alb_security_group_ingress",
            planned_ingress(&bp::alb_ingress()),
        ),
        (
            "instance_security_group_ingress",
            planned_ingress(&bp::instance_ingress()),
        ),
        (
            "alb_security_group_egress",
            planned_egress(&bp::open_egress()),
        ),
        (
            "instance_security_group_egress",
            planned_egress(&bp::open_egress()),
        ),
        (
            "name_tags",
            cluster.map_or_else(Value::unknown, |name| {
                crate::resources::fields::string_map_value(&planned_name_tags(name))
            }),
        ),
        (
            "capacity_provider_settings",
            Value::string(capacity_provider_settings(true, true, true)),
        ),
        (
            "managed_tags",
            cluster.map_or_else(Value::unknown, |name| {
                crate::resources::fields::string_map_value(&managed_tags(name))
            }),
        ),
        (
            "load_balancer_settings",
            crate::resources::fields::string_map_value(&planned_load_balancer_settings()),
        ),
        (
            "capacity_binding",
            cluster.map_or_else(Value::unknown, |name| {
                crate::resources::fields::string_map_value(&planned_capacity_binding(name))
            }),
        ),
        (
            "instance_role_settings",
            cluster.map_or_else(Value::unknown, |name| {
                crate::resources::fields::string_map_value(&planned_instance_role_settings(name))
            }),
        ),
        (
            "launch_template_settings",
            match (cluster, gpu) {
                (Some(name), Some(gpu)) => crate::resources::fields::string_map_value(
                    &planned_launch_template_settings(name, gpu),
                ),
                _ => Value::unknown(),
            },
        ),
    ]
}
