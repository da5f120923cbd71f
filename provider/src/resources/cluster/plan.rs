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
