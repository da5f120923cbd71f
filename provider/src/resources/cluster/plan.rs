//! The cluster's own plan adjustments, after Terraform's: fixed settings, the values that
//! follow from other attributes, and the AMI.

use ecsprod_cty::Value;

use super::schema;
use crate::blueprint::cluster as bp;
use crate::protocol::provider::PlanInput;
use crate::resources::fields::{self, Field};

fn put(planned: &mut Value, attr: &str, value: Value) {
    if let Some(slot) = planned.get_attr_mut(attr) {
        *slot = value;
    }
}

pub fn adjust(input: &PlanInput<'_>, planned: &mut Value) {
    // Fixed production settings: always planned as required, so drift shows as a change.
    let name = fields::string(planned, "name").known().cloned();
    let gpu = fields::boolean(planned, "gpu_support").known().copied();
    for (attr, value) in schema::fixed_settings(name.as_deref(), gpu) {
        put(planned, attr, value);
    }
    let rebalance = match fields::int(planned, "on_demand_percentage_above_base") {
        Field::Known(percent) => Value::Bool(bp::capacity_rebalance(percent)),
        _ => Value::unknown(),
    };
    put(planned, "capacity_rebalance", rebalance);
    plan_ami(input, planned);
}

/// The AMI when `ami_id` is not set: with `ami_update = "latest"`, the one AWS recommends now
/// (as the refresh before the plan read it); when the instance types change, the apply keeps
/// the AMI if they share the instances' architecture and takes the recommended one for theirs
/// otherwise, so it is not known before.
fn plan_ami(input: &PlanInput<'_>, planned: &mut Value) {
    if input
        .config
        .get_attr("ami_id")
        .is_some_and(|v| !v.is_null())
    {
        return;
    }
    let recommended = fields::string(planned, "recommended_ami_id");
    let follows = fields::string(planned, "ami_update")
        .known()
        .map(String::as_str)
        == Some(schema::AMI_LATEST);
    let types_change = !input.prior.is_null()
        && input.prior.get_attr("instance_types") != planned.get_attr("instance_types");
    if types_change || (follows && recommended.known().is_none()) {
        put(planned, "ami_id", Value::unknown());
    } else if follows && let Field::Known(id) = recommended {
        put(planned, "ami_id", Value::string(id.clone()));
    }
}

/// What the plan-time read of the instance types tells the plan: their family, with it the
/// launch template's settings and, when the AMI was left to the apply because the types
/// change, that the instances keep it if the family stays.
pub fn with_family(prior: &Value, planned: &mut Value, family: bp::Family) {
    put(planned, "architecture", Value::string(family.architecture));
    put(planned, "gpu_support", Value::Bool(family.gpu));
    if let Some(name) = fields::string(planned, "name").known() {
        let settings = schema::planned_launch_template_settings(name, family.gpu);
        put(
            planned,
            "launch_template_settings",
            fields::string_map_value(&settings),
        );
    }
    let prior_family = (
        fields::string(prior, "architecture").known().cloned(),
        fields::boolean(prior, "gpu_support").known().copied(),
    );
    if prior_family != (Some(family.architecture.to_owned()), Some(family.gpu))
        || fields::string(planned, "ami_id").known().is_some()
    {
        return;
    }
    let recommended = prior.get_attr("recommended_ami_id").cloned();
    put(
        planned,
        "recommended_ami_id",
        recommended.clone().unwrap_or(Value::Null),
    );
    let follows = fields::string(planned, "ami_update")
        .known()
        .map(String::as_str)
        == Some(schema::AMI_LATEST);
    let kept = if follows {
        recommended
    } else {
        prior.get_attr("ami_id").cloned()
    };
    if let Some(ami) = kept.filter(|v| v.is_wholly_known() && !v.is_null()) {
        put(planned, "ami_id", ami);
    }
}
