//! Creating, updating, reading, importing and deleting a cluster: each is a walk of the
//! cluster's graph by the engine; this file maps Terraform values to the graph's input and the
//! engine's outputs back to the state.

use std::collections::BTreeMap;

use ecsprod_cty::Value;

use super::graph::{self, GRAPH, Run};
use super::{TYPE_NAME, schema};
use crate::blueprint::OWNER_TAG;
use crate::blueprint::cluster::{self as bp, ClusterInput};
use crate::engine::{Outputs, Session};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::provider::{ApplyOutput, CallContext, ImportOutput, ReadOutput};
use crate::resources::Context;
use crate::resources::fields::{self, Field, set};
use crate::resources::outcome::unchanged;
use crate::resources::tags;
use crate::resources::walks::{Lifecycle, not_imported};

/// Attributes the apply fills from what exists.
const COMPUTED: &[&str] = &[
    "id",
    "arn",
    "execute_command_log_group_name",
    "service_connect_namespace_arn",
    "instance_role_arn",
    "alb_security_group_id",
    "instance_security_group_id",
    "launch_template_id",
    "autoscaling_group_name",
    "capacity_provider_name",
    "alb_arn",
    "alb_dns_name",
    "alb_zone_id",
    "https_listener_arn",
    "ami_id",
    "architecture",
    "gpu_support",
    "recommended_ami_id",
    // Planned only once the instance types' GPU support is known.
    "launch_template_settings",
];

fn int32(v: &Field<i64>) -> Option<i32> {
    v.known().and_then(|n| i32::try_from(*n).ok())
}

/// The blueprint input from a planned value (known at apply time but for `ami_id`).
pub fn input_from(planned: &Value) -> Result<ClusterInput, Diagnostics> {
    let c = super::config::ClusterConfig::from_value(planned);
    let missing = |what: &str| {
        Diagnostics::from(Diagnostic::error(
            "Value not known at apply time",
            format!("{what} must be known when the cluster is applied."),
        ))
    };
    let tags = fields::string_map(planned, "tags_all")
        .known()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.known()?.clone())))
                .collect::<BTreeMap<_, _>>()
        })
        .unwrap_or_default();
    Ok(ClusterInput {
        name: c.name.known().cloned().ok_or_else(|| missing("name"))?,
        vpc_id: c.vpc_id.known().cloned().ok_or_else(|| missing("vpc_id"))?,
        public_subnet_ids: fields::known_strings(&c.public_subnet_ids)
            .ok_or_else(|| missing("public_subnet_ids"))?,
        private_subnet_ids: fields::known_strings(&c.private_subnet_ids)
            .ok_or_else(|| missing("private_subnet_ids"))?,
        certificate_arn: c
            .certificate_arn
            .known()
            .cloned()
            .ok_or_else(|| missing("certificate_arn"))?,
        ssl_policy: c
            .ssl_policy
            .known()
            .cloned()
            .ok_or_else(|| missing("ssl_policy"))?,
        instance_types: fields::known_strings(&c.instance_types)
            .ok_or_else(|| missing("instance_types"))?,
        min_size: int32(&c.min_size).ok_or_else(|| missing("min_size"))?,
        max_size: int32(&c.max_size).ok_or_else(|| missing("max_size"))?,
        on_demand_base_capacity: int32(&c.on_demand_base_capacity)
            .ok_or_else(|| missing("on_demand_base_capacity"))?,
        on_demand_percentage_above_base: int32(&c.on_demand_percentage_above_base)
            .ok_or_else(|| missing("on_demand_percentage_above_base"))?,
        spot_allocation_strategy: c
            .spot_allocation_strategy
            .known()
            .cloned()
            .ok_or_else(|| missing("spot_allocation_strategy"))?,
        target_capacity: int32(&c.target_capacity).ok_or_else(|| missing("target_capacity"))?,
        ami_id: c.ami_id.known().cloned().unwrap_or_default(),
        root_volume_size: int32(&c.root_volume_size).ok_or_else(|| missing("root_volume_size"))?,
        ebs_kms_key_id: c.ebs_kms_key_id.known().cloned(),
        container_insights: c.container_insights.known().copied().unwrap_or(true),
        execute_command_log_retention_days: c
            .execute_command_log_retention_days
            .known()
            .and_then(|n| i32::try_from(*n).ok())
            .unwrap_or(365),
        execute_command_kms_key_arn: c.execute_command_kms_key_arn.known().cloned(),
        service_connect_namespace: c
            .service_connect_namespace
            .known()
            .cloned()
            .ok_or_else(|| missing("service_connect_namespace"))?,
        deletion_protection: c.deletion_protection.known().copied().unwrap_or(true),
        tags,
    })
}

fn run(session: &Session, name: String, state: &Value, config: Option<ClusterInput>) -> Run {
    Run {
        // Imported: the default, the cluster's name.
        namespace: fields::string(state, "service_connect_namespace")
            .known()
            .cloned()
            .unwrap_or_else(|| name.clone()),
        name,
        vpc_id: fields::string(state, "vpc_id").known().cloned(),
        partition: session.partition().to_owned(),
        config,
        instance_types: fields::known_strings(&fields::string_list(state, "instance_types"))
            .unwrap_or_default(),
        kept_ami: None,
    }
}

/// Every object's tags as found, each with the tags the provider gives it itself; the launch
/// template's instance tags count as an object of their own.
fn tag_objects<'a>(run: &Run, outputs: &'a Outputs) -> Vec<(&'a tags::Tags, tags::Tags)> {
    let name = &run.name;
    let names = bp::names(name);
    let owner = || BTreeMap::from([(OWNER_TAG.to_owned(), name.to_owned())]);
    let named = |n: &str| {
        let mut t = owner();
        t.insert("Name".into(), n.to_owned());
        t
    };
    let mut objects = Vec::new();
    for (node, found) in outputs.all_tags() {
        let fixed = match node {
            n if n == graph::ALB_GROUP.name() => named(&names.alb_security_group),
            n if n == graph::INSTANCE_GROUP.name() => named(&names.instance_security_group),
            n if n == graph::TEMPLATE.name() => named(&names.launch_template),
            n if n == graph::GROUP.name() => {
                let mut t = named(&bp::instance_name(name));
                t.insert(bp::ECS_MANAGED_TAG.into(), "true".into());
                t
            }
            _ => owner(),
        };
        objects.push((found, fixed));
    }
    if let Some(t) = outputs.get(graph::TEMPLATE) {
        objects.push((&t.instance_tags, owner()));
    }
    objects
}

/// The cluster's walks.
pub const LIFECYCLE: Lifecycle<Run> = Lifecycle {
    type_name: TYPE_NAME,
    schema: &super::schema::SCHEMA,
    graph: &GRAPH,
    computed: COMPUTED,
    facts: &["recommended_ami_id"],
    tag_objects,
    managed_tags: |run| schema::managed_tags(&run.name),
};

/// What a create or update walks from: the planned configuration, and the AMI the instances
/// run when the plan leaves it to the apply.
pub fn apply_input(session: &Session, prior: &Value, planned: &Value) -> Result<Run, Diagnostics> {
    let input = input_from(planned)?;
    let mut run = run(session, input.name.clone(), planned, Some(input));
    if fields::string(planned, "ami_id").known().is_none() {
        run.kept_ami = kept_ami(prior);
    }
    Ok(run)
}

/// The AMI a state records with the family it was chosen for.
fn kept_ami(state: &Value) -> Option<(String, bp::Family)> {
    let ami = fields::string(state, "ami_id").known()?.clone();
    let architecture = match fields::string(state, "architecture").known()?.as_str() {
        bp::ARM64 => bp::ARM64,
        _ => bp::X86_64,
    };
    let gpu = *fields::boolean(state, "gpu_support").known()?;
    Some((ami, bp::Family { architecture, gpu }))
}

pub async fn read(ctx: &Context, call: &CallContext, state: Value) -> ReadOutput {
    LIFECYCLE
        .refresh(ctx, call, state, |session, state| {
            let name = fields::string(state, "name").known().cloned()?;
            Some(run(session, name, state, None))
        })
        .await
}

pub async fn import(
    ctx: &Context,
    call: &CallContext,
    schema_defaults: Value,
    name: String,
) -> ImportOutput {
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(d) => return not_imported(d),
    };
    let run = run(session, name.clone(), &Value::Null, None);
    let absent = || {
        Diagnostic::error(
            "Cluster not found",
            format!("No active ECS cluster named {name:?} exists in this account and region."),
        )
    };
    let tags = |o: &Outputs| o.get(graph::CLUSTER).map(|c| c.tags.clone());
    let found = LIFECYCLE.find(session, &run, call, &schema_defaults, tags, absent);
    let (outputs, mut tags_all) = match found.await {
        Ok(found) => found,
        Err(failed) => return failed,
    };
    let mut state = schema_defaults;
    set(&mut state, "name", Value::string(name.clone()));
    set(&mut state, "id", Value::string(name.clone()));
    // Tags: everything but the ownership tag; the provider's default tags are not the
    // resource's own.
    tags_all.remove(OWNER_TAG);
    LIFECYCLE.imported(ctx, &run, &outputs, state, &tags_all, |wanted| {
        apply_input(session, &Value::Null, wanted)
    })
}

/// Deletes everything in the safe order. On failure the resource stays, with what still exists.
pub async fn delete(ctx: &Context, call: &CallContext, prior: &Value) -> ApplyOutput {
    if fields::boolean(prior, "deletion_protection").known() == Some(&true) {
        return unchanged(prior, super::protected().into());
    }
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(d) => return unchanged(prior, d),
    };
    let Some(name) = fields::string(prior, "name").known().cloned() else {
        return unchanged(&Value::Null, Diagnostics::new());
    };
    let mut run = run(session, name, prior, None);
    // A delete needs no facts about instance types or AMIs.
    run.instance_types.clear();
    LIFECYCLE.delete(session, &run, call, prior).await
}
