//! User data and profile names read back as written; every template setting changed outside Terraform is a change.

use super::*;

#[test]
fn user_data_reads_as_the_script_it_encodes() {
    let script = "#!/bin/bash\necho hi\n";
    let encoded = base64::engine::general_purpose::STANDARD.encode(script);
    assert_eq!(decode_user_data(&encoded), script);
    assert_eq!(decode_user_data("not base64!"), "not base64!");
}

#[test]
fn a_profile_given_by_arn_reads_as_its_name() {
    assert_eq!(
        profile_name(
            None,
            Some("arn:aws:iam::123456789012:instance-profile/ecsprod/prod-ecs-instance")
        ),
        Some("prod-ecs-instance".into())
    );
    assert_eq!(
        profile_name(Some("prod-ecs-instance"), None),
        Some("prod-ecs-instance".into())
    );
    assert_eq!(profile_name(None, None), None);
}

#[test]
fn a_version_made_from_the_blueprint_has_no_changes_and_any_other_setting_is_one() {
    use crate::blueprint::cluster as bp;
    let input = bp::ClusterInput {
        ami_id: "ami-1".into(),
        ..bp::example()
    };
    let spec = bp::launch_template(&input, "prod-ecs-instance", "sg-1", false);
    let made = ObservedTemplate::written(&spec, "lt-1", 1);
    assert_eq!(LaunchTemplate::diff(&spec, &made), Vec::new());
    type Edit = fn(&mut ObservedTemplate);
    let changes: Vec<(&str, Edit)> = vec![
        ("image_id", |t| t.image_id = "ami-2".into()),
        ("metadata_options", |t| t.http_tokens_required = false),
        ("metadata_options", |t| t.hop_limit = 2),
        ("root_volume", |t| t.root_volume_size = 8),
        ("root_volume", |t| t.kms_key_id = Some("key".into())),
        ("instance_tags", |t| {
            t.instance_tags.insert("x".into(), "y".into());
        }),
        ("user_data", |t| t.user_data = None),
        ("network_interfaces", |t| {
            t.network_interfaces[0].associate_public_ip = Some(true)
        }),
        ("network_interfaces", |t| {
            t.security_groups.push("sg-open".into())
        }),
        ("block_devices", |t| {
            t.block_devices[0].encrypted = Some(false)
        }),
        ("instance_profile", |t| t.instance_profile = None),
        ("key_name", |t| t.key_name = Some("ops".into())),
    ];
    for (setting, change) in changes {
        let mut t = made.clone();
        change(&mut t);
        let found: Vec<&str> = LaunchTemplate::diff(&spec, &t)
            .iter()
            .map(|c| c.setting)
            .collect();
        assert_eq!(found, [setting], "{t:?}");
    }
}
