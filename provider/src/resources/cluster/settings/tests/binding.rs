//! The capacity binding and the instance role read as planned, and every change to them shows.

use super::*;

pub(super) fn observed_group() -> ObservedGroup {
    ObservedGroup {
        name: "prod-instances".into(),
        arn: "arn:asg".into(),
        min_size: 2,
        max_size: 10,
        desired_capacity: 2,
        subnet_ids: vec!["subnet-c".into(), "subnet-d".into()],
        instance_types: vec!["m6i.large".into()],
        on_demand_base_capacity: 2,
        on_demand_percentage_above_base: 0,
        spot_allocation_strategy: "capacity-optimized".into(),
        protected_from_scale_in: true,
        capacity_rebalance: true,
        launch_template_id: Some("lt-1".into()),
        launch_template_version: Some("1".into()),
        instance_versions: vec![Some("1".into()); 2],
        deleting: false,
        tags: BTreeMap::new(),
    }
}

/// The group, the cluster's providers and the capacity provider, as the blueprint binds them.
type Binding = (
    Option<ObservedGroup>,
    Option<ObservedCapacity>,
    Option<ObservedCapacityProvider>,
);

fn observed_binding() -> Binding {
    let names = bp::names("prod");
    (
        Some(observed_group()),
        Some(ObservedCapacity {
            cluster: "prod".into(),
            providers: vec![names.capacity_provider.clone()],
            strategy: vec![(names.capacity_provider.clone(), 1, 0)],
        }),
        Some(ObservedCapacityProvider {
            name: names.capacity_provider,
            arn: "arn:cp".into(),
            auto_scaling_group_arn: "arn:asg".into(),
            target_capacity: 80,
            managed_scaling: true,
            managed_termination_protection: true,
            managed_draining: true,
            tags: BTreeMap::new(),
            update_status: None,
            update_status_reason: None,
        }),
    )
}

fn binding_settings(b: &Binding) -> Option<Texts> {
    capacity_binding(b.0.as_ref(), b.1.as_ref(), b.2.as_ref(), Some(("lt-1", 1)))
}

#[test]
fn the_blueprint_capacity_binding_reads_as_planned() {
    assert_eq!(
        shown(binding_settings(&observed_binding())),
        planned_map("capacity_binding")
    );
    assert_eq!(binding_settings(&(None, None, None)), None);
}

#[test]
fn every_changed_binding_reads_differently() {
    fn group(f: fn(&mut ObservedGroup)) -> Box<dyn Fn(&mut Binding)> {
        Box::new(move |b| b.0.iter_mut().for_each(f))
    }
    fn cluster(f: fn(&mut ObservedCapacity)) -> Box<dyn Fn(&mut Binding)> {
        Box::new(move |b| b.1.iter_mut().for_each(f))
    }
    let changes: Vec<Change<Binding>> = vec![
        (
            "auto_scaling_group_launch_template",
            group(|g| g.launch_template_version = Some("$Latest".into())),
        ),
        (
            "auto_scaling_group_launch_template",
            group(|g| g.launch_template_version = Some("$Default".into())),
        ),
        (
            // Instances still on an older version: a roll-out is to do.
            "auto_scaling_group_launch_template",
            group(|g| g.launch_template_version = Some("2".into())),
        ),
        (
            "auto_scaling_group_launch_template",
            group(|g| g.launch_template_version = None),
        ),
        (
            "auto_scaling_group_launch_template",
            group(|g| g.launch_template_id = Some("lt-other".into())),
        ),
        (
            "auto_scaling_group_launch_template",
            group(|g| g.launch_template_id = None),
        ),
        (
            "auto_scaling_group_scale_in_protection",
            group(|g| g.protected_from_scale_in = false),
        ),
        (
            "cluster_capacity_providers",
            cluster(|c| c.providers.push("FARGATE".into())),
        ),
        (
            "cluster_capacity_providers",
            cluster(|c| c.providers.clear()),
        ),
        ("cluster_default_strategy", cluster(|c| c.strategy[0].1 = 2)),
        ("cluster_default_strategy", cluster(|c| c.strategy[0].2 = 1)),
        ("cluster_default_strategy", cluster(|c| c.strategy.clear())),
        (
            "auto_scaling_group_launch_template",
            Box::new(|b| b.0 = None),
        ),
        (
            "capacity_provider_auto_scaling_group",
            Box::new(|b| {
                b.2.iter_mut()
                    .for_each(|p| p.auto_scaling_group_arn = "arn:asg-replaced".into())
            }),
        ),
        (
            "capacity_provider_auto_scaling_group",
            Box::new(|b| b.2 = None),
        ),
    ];
    each_change_shows(
        observed_binding,
        |b| binding_settings(b).expect("binding"),
        changes,
    );
}

/// The instance role as the blueprint makes it, with the trust policy as IAM returns it, and the
/// profile holding it.
fn observed_role(partition: &str, trust: &str) -> (Option<ObservedRole>, Option<ObservedProfile>) {
    (
        Some(ObservedRole {
            name: "prod-ecs-instance".into(),
            arn: "arn:role".into(),
            tags: BTreeMap::new(),
            trust_policy: Some(crate::blueprint::policy::decode_policy_document(trust)),
            managed_policies: bp::instance_role_policies(partition)
                .into_iter()
                .rev()
                .collect(),
            inline_policies: BTreeMap::new(),
        }),
        Some(ObservedProfile {
            name: "prod-ecs-instance".into(),
            arn: "arn:profile".into(),
            roles: vec![bp::names("prod").instance_role],
        }),
    )
}

#[test]
fn the_blueprint_role_reads_as_planned_in_any_partition_and_encoding() {
    let trust = bp::instance_role_trust_policy();
    // IAM returns the document URL-encoded.
    let encoded: String = trust
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    for (partition, document) in [("aws", trust.as_str()), ("aws-cn", encoded.as_str())] {
        let (role, profile) = observed_role(partition, document);
        assert_eq!(
            shown(instance_role(role.as_ref(), profile.as_ref())),
            planned_map("instance_role_settings"),
            "{partition}"
        );
    }
}

#[test]
fn every_changed_role_setting_reads_differently() {
    type Pair = (Option<ObservedRole>, Option<ObservedProfile>);
    fn role(f: fn(&mut ObservedRole)) -> Box<dyn Fn(&mut Pair)> {
        Box::new(move |p| p.0.iter_mut().for_each(f))
    }
    let changes: Vec<Change<Pair>> = vec![
        (
            "trust_policy",
            role(|r| {
                r.trust_policy = Some(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#.into(),
                )
            }),
        ),
        (
            "managed_policies",
            role(|r| {
                r.managed_policies
                    .push("arn:aws:iam::aws:policy/AdministratorAccess".into())
            }),
        ),
        (
            "managed_policies",
            role(|r| {
                r.managed_policies.pop();
            }),
        ),
        (
            "inline_policies",
            role(|r| {
                r.inline_policies.insert("extra".into(), "{}".into());
            }),
        ),
        (
            "instance_profile_role",
            Box::new(|p| p.1.iter_mut().for_each(|x| x.roles = vec!["admin".into()])),
        ),
        (
            "instance_profile_role",
            Box::new(|p| p.1.iter_mut().for_each(|x| x.roles.clear())),
        ),
        ("instance_profile_role", Box::new(|p| p.1 = None)),
    ];
    let trust = bp::instance_role_trust_policy();
    each_change_shows(
        || observed_role("aws", &trust),
        |(r, p)| instance_role(r.as_ref(), p.as_ref()).expect("settings"),
        changes,
    );
}

#[test]
fn policies_show_aws_managed_ones_by_name_and_others_by_arn() {
    assert_eq!(
        schema::policy_text(
            "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
        ),
        "service-role/AmazonEC2ContainerServiceforEC2Role"
    );
    assert_eq!(
        schema::policy_text("arn:aws-us-gov:iam::aws:policy/AmazonSSMManagedInstanceCore"),
        "AmazonSSMManagedInstanceCore"
    );
    assert_eq!(
        schema::policy_text("arn:aws:iam::123456789012:policy/AmazonSSMManagedInstanceCore"),
        "arn:aws:iam::123456789012:policy/AmazonSSMManagedInstanceCore"
    );
}

#[test]
fn planned_fixed_settings_are_what_the_blueprint_builds() {
    let i = input();
    let planned: BTreeMap<&str, Value> = schema::fixed_settings(Some("prod"), Some(false))
        .into_iter()
        .collect();
    let lt = bp::launch_template(&i, "prod-ecs-instance", "sg-1", false);
    assert_eq!(
        planned["instance_metadata_options"],
        Value::string(schema::metadata_options(
            lt.http_tokens_required,
            lt.http_put_response_hop_limit
        ))
    );
    let cp = bp::capacity_provider(&i, "arn:asg");
    assert_eq!(
        planned["capacity_provider_settings"],
        Value::string(schema::capacity_provider_settings(
            true,
            cp.managed_termination_protection,
            cp.managed_draining
        ))
    );
    assert_eq!(
        planned["managed_tags"],
        fields::string_map_value(&BTreeMap::from([
            (crate::blueprint::OWNER_TAG.to_owned(), "prod".to_owned()),
            (bp::ECS_MANAGED_TAG.to_owned(), "true".to_owned()),
        ]))
    );
    let without_name: BTreeMap<&str, Value> =
        schema::fixed_settings(None, None).into_iter().collect();
    assert!(
        !without_name["managed_tags"].is_known(),
        "unknown until the name is known"
    );
    // The user data says whether tasks get the GPUs: unknown until the instance types are.
    let without_gpu: BTreeMap<&str, Value> = schema::fixed_settings(Some("prod"), None)
        .into_iter()
        .collect();
    assert!(!without_gpu["launch_template_settings"].is_known());
}
