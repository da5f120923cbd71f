//! Tags as refresh shows them: the user's tags (`tags_all`, and `tags` for what the provider's
//! default tags do not give) as found across every object a resource owns, and the provider's
//! own tags (`managed_tags`) as found.

use std::collections::{BTreeMap, BTreeSet};

use ecsprod_cty::Value;

use super::fields::{self, set};

pub type Tags = BTreeMap<String, String>;

/// The user's tags as seen across objects, and the provider's own tags as seen.
///
/// Each object comes with the provider tags it must carry (`fixed`): those keys are left out of
/// the comparison with `desired` (a group's `Name` is not the user's `Name`). Every key whose
/// value on some object differs from `desired` (changed, added or removed) takes the value found
/// on the first such object, so the result equals `desired` exactly when no object drifted.
/// Likewise for `managed`, the provider tags that `managed_tags` shows. Keys starting with `aws:`
/// belong to AWS and are ignored.
pub fn seen(desired: &Tags, managed: &Tags, objects: &[(&Tags, Tags)]) -> (Tags, Tags) {
    let mut user: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut own: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (observed, fixed) in objects {
        let keys: BTreeSet<&String> = desired
            .keys()
            .chain(observed.keys())
            .filter(|k| !k.starts_with("aws:") && !fixed.contains_key(*k))
            .collect();
        for k in keys {
            let found = observed.get(k);
            if found != desired.get(k) && !user.contains_key(k) {
                user.insert(k.clone(), found.cloned());
            }
        }
        for (k, want) in fixed.iter().filter(|(k, _)| managed.contains_key(*k)) {
            let found = observed.get(k);
            if found != Some(want) && !own.contains_key(k) {
                own.insert(k.clone(), found.cloned());
            }
        }
    }
    let apply = |base: &Tags, changes: BTreeMap<String, Option<String>>| {
        let mut out = base.clone();
        for (k, v) in changes {
            match v {
                Some(v) => out.insert(k, v),
                None => out.remove(&k),
            };
        }
        out
    };
    (apply(desired, user), apply(managed, own))
}

/// The tags a state holds in `tags_all`.
pub fn tags_all(state: &Value) -> Tags {
    fields::known_map(&fields::string_map(state, "tags_all"))
}

/// Records the tags found on `objects`: `managed_tags` (where the resource has it) always,
/// `tags_all` and `tags` when some object's tags differ from `tags_all`.
pub fn show(state: &mut Value, objects: &[(&Tags, Tags)], managed: &Tags, default_tags: &Tags) {
    let desired = tags_all(state);
    let (user, own) = seen(&desired, managed, objects);
    set(state, "managed_tags", fields::string_map_value(&own));
    if user != desired {
        set_user_tags(state, &user, default_tags);
    }
}

/// Sets `tags_all` and, without what the provider's default tags give, `tags`.
pub fn set_user_tags(state: &mut Value, tags_all: &Tags, default_tags: &Tags) {
    let own: Tags = tags_all
        .iter()
        .filter(|(k, v)| default_tags.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    set(state, "tags_all", fields::string_map_value(tags_all));
    set(
        state,
        "tags",
        if own.is_empty() {
            Value::Null
        } else {
            fields::string_map_value(&own)
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::OWNER_TAG;
    use crate::blueprint::cluster::{self as bp, ClusterInput};

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().map(|&(k, v)| (k.into(), v.into())).collect()
    }

    fn input() -> ClusterInput {
        ClusterInput {
            tags: tags(&[("Team", "core"), ("Name", "mine")]),
            ..bp::example()
        }
    }

    fn managed() -> Tags {
        crate::resources::cluster::schema::managed_tags("prod")
    }

    fn owner() -> Tags {
        tags(&[(OWNER_TAG, "prod")])
    }

    #[test]
    fn tags_seen_equal_the_desired_tags_when_every_object_carries_them() {
        let desired = tags(&[("Team", "core"), ("Name", "mine")]);
        let cluster = tags(&[("Team", "core"), ("Name", "mine"), (OWNER_TAG, "prod")]);
        // The group's Name is the provider's, not the user's; aws: keys are AWS's own.
        let group = tags(&[
            ("Team", "core"),
            ("Name", "prod-ecs-instance"),
            (OWNER_TAG, "prod"),
            (bp::ECS_MANAGED_TAG, "true"),
            ("aws:cloudformation:stack-name", "x"),
        ]);
        let group_fixed = tags(&[
            (OWNER_TAG, "prod"),
            ("Name", "prod-ecs-instance"),
            (bp::ECS_MANAGED_TAG, "true"),
        ]);
        let (user, own) = seen(
            &desired,
            &managed(),
            &[(&cluster, owner()), (&group, group_fixed)],
        );
        assert_eq!(user, desired);
        assert_eq!(own, managed());
    }

    #[test]
    fn tags_seen_show_every_key_changed_added_or_removed_on_any_object() {
        let desired = tags(&[("Team", "core"), ("Env", "prod")]);
        let cluster = tags(&[("Team", "core"), ("Env", "prod"), (OWNER_TAG, "prod")]);
        let group = tags(&[("Team", "rogue"), ("Env", "prod"), (OWNER_TAG, "prod")]);
        let lb = tags(&[("Team", "core"), ("Extra", "x"), (OWNER_TAG, "prod")]);
        let (user, own) = seen(
            &desired,
            &managed(),
            &[(&cluster, owner()), (&group, owner()), (&lb, owner())],
        );
        assert_eq!(user, tags(&[("Team", "rogue"), ("Extra", "x")]));
        assert_eq!(own, managed());
    }

    #[test]
    fn tags_seen_show_a_provider_tag_removed_or_changed() {
        let desired = tags(&[("Team", "core")]);
        let group = tags(&[("Team", "core"), (OWNER_TAG, "prod")]);
        let role = tags(&[("Team", "core"), (OWNER_TAG, "other")]);
        let mut group_fixed = owner();
        group_fixed.insert(bp::ECS_MANAGED_TAG.into(), "true".into());
        let (user, own) = seen(
            &desired,
            &managed(),
            &[(&group, group_fixed), (&role, owner())],
        );
        assert_eq!(user, desired);
        assert_eq!(own, tags(&[(OWNER_TAG, "other")]));
    }

    #[test]
    fn fixed_tags_checked_on_refresh_are_those_the_blueprint_sets() {
        let i = input();
        let group = bp::auto_scaling_group(&i, "lt-1", 1);
        let mut want = i.tags.clone();
        want.insert(OWNER_TAG.into(), "prod".into());
        want.insert("Name".into(), bp::instance_name("prod"));
        want.insert(bp::ECS_MANAGED_TAG.into(), "true".into());
        assert_eq!(group.tags, want);
        let (_, own) = seen(
            &i.tags,
            &managed(),
            &[(&group.tags, {
                let mut f = owner();
                f.insert("Name".into(), bp::instance_name("prod"));
                f.insert(bp::ECS_MANAGED_TAG.into(), "true".into());
                f
            })],
        );
        assert_eq!(own, managed());
    }
}
