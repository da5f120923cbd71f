//! The cluster's own plan adjustments, after Terraform's: fixed settings, the values that
//! follow from other attributes, and the AMI.

use ecsprod_cty::Value;

use super::schema;
use crate::blueprint::cluster as bp;
use crate::protocol::diag::Diagnostic;
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

/// The Service Connect namespace: as configured, else as the state records it, else the
/// cluster's name. Every service names it, so a cluster that has one keeps it.
pub fn namespace(input: &PlanInput<'_>, planned: &mut Value) -> Option<Diagnostic> {
    const ATTR: &str = "service_connect_namespace";
    // A new name replaces the cluster, namespace and all.
    let replaced =
        fields::string(input.prior, "name").known() != fields::string(planned, "name").known();
    let recorded = fields::string(input.prior, ATTR)
        .known()
        .filter(|_| !replaced)
        .cloned();
    let configured = fields::string(input.config, ATTR);
    if let (Some(recorded), Field::Known(configured)) = (&recorded, &configured)
        && recorded != configured
    {
        return Some(
            Diagnostic::error(
                "Service Connect namespace cannot change",
                format!(
                    "The cluster's services are in Cloud Map namespace {recorded:?} and their Service Connect configurations name it. Set service_connect_namespace back to {recorded:?}; to use another namespace, create a new cluster."
                ),
            )
            .at(ecsprod_cty::Path::root().attr(ATTR)),
        );
    }
    let value = match (configured, recorded, fields::string(planned, "name")) {
        (Field::Known(name), _, _)
        | (_, Some(name), _)
        | (Field::Null, None, Field::Known(name)) => Value::string(name),
        _ => Value::unknown(),
    };
    put(planned, ATTR, value);
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(name: &str, namespace: Option<&str>) -> Value {
        Value::object([
            ("name", Value::string(name)),
            (
                "service_connect_namespace",
                namespace.map_or(Value::Null, Value::string),
            ),
        ])
    }

    fn planned(prior: &Value, config: &Value) -> (Value, Option<Diagnostic>) {
        let mut planned = config.clone();
        let refused = namespace(&PlanInput { prior, config }, &mut planned);
        (planned, refused)
    }

    fn shown(v: &Value) -> Option<String> {
        fields::string(v, "service_connect_namespace")
            .known()
            .cloned()
    }

    #[test]
    fn the_namespace_defaults_to_the_cluster_name_and_is_kept_but_never_changed_in_place() {
        let (created, refused) = planned(&Value::Null, &value("prod", None));
        assert_eq!((shown(&created).as_deref(), refused), (Some("prod"), None));

        let recorded = value("prod", Some("mesh"));
        let (kept, refused) = planned(&recorded, &value("prod", None));
        assert_eq!((shown(&kept).as_deref(), refused), (Some("mesh"), None));

        let (_, refused) = planned(&recorded, &value("prod", Some("other")));
        assert!(refused.is_some(), "a new namespace under the same cluster");

        // A new name replaces the cluster: its namespace may change with it.
        let (replaced, refused) = planned(&recorded, &value("prod2", Some("other")));
        assert_eq!(
            (shown(&replaced).as_deref(), refused),
            (Some("other"), None)
        );
    }
}
