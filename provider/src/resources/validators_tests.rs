//! The shared validation rules: patterns, ARNs, durations, unknown values.

use super::*;

#[test]
fn arn_kinds_accept_their_own_shapes_only() {
    let cert =
        "arn:aws:acm:ap-south-1:123456789012:certificate/0123abcd-0123-4567-89ab-0123456789ab";
    assert!(ArnKind::AcmCertificate.accepts(cert));
    assert!(!ArnKind::KmsKey.accepts(cert));
    assert!(
        ArnKind::KmsKey.accepts(
            "arn:aws:kms:ap-south-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab"
        )
    );
    assert!(ArnKind::KmsKey.accepts("arn:aws:kms:ap-south-1:123456789012:alias/ebs"));
    assert!(
        ArnKind::SsmParameter.accepts("arn:aws:ssm:ap-south-1:123456789012:parameter/app/db-url")
    );
    assert!(
        ArnKind::SecretsManagerSecret
            .accepts("arn:aws:secretsmanager:ap-south-1:123456789012:secret:app/db-AbC123")
    );
    assert!(
        ArnKind::SecretsManagerSecret.accepts(
            "arn:aws:secretsmanager:ap-south-1:123456789012:secret:app/db-AbC123:password::"
        )
    );
    assert!(
        !ArnKind::SecretsManagerSecret
            .accepts("arn:aws:secretsmanager:ap-south-1:123456789012:secret:app/db")
    );
    assert!(ArnKind::IamRole.accepts("arn:aws:iam::123456789012:role/deploy"));
    assert!(!ArnKind::IamRole.accepts("arn:aws:iam:ap-south-1:123456789012:role/deploy"));
    assert!(!ArnKind::AcmCertificate.accepts("not-an-arn"));
}

#[test]
fn durations_parse_units_and_reject_garbage() {
    assert_eq!(
        parse_duration("30m"),
        Some(std::time::Duration::from_secs(1800))
    );
    assert_eq!(
        parse_duration("1h30m"),
        Some(std::time::Duration::from_secs(5400))
    );
    assert_eq!(
        parse_duration("45s"),
        Some(std::time::Duration::from_secs(45))
    );
    for bad in ["", "30", "m", "1d", "10 m", "-5m"] {
        assert_eq!(parse_duration(bad), None, "{bad}");
    }
}

#[test]
fn domain_names() {
    let check = |s: &str| {
        let mut d = Diagnostics::new();
        domain_name(&mut d, at("d"), &Field::Known(s.to_owned()));
        !d.has_errors()
    };
    assert!(check("app.example.com"));
    assert!(check("*.example.com"));
    assert!(!check("localhost"));
    assert!(!check("-bad.example.com"));
    assert!(!check("App.example.com"));
    assert!(!check("a..b"));
    assert!(!check("x.123"));
}

#[test]
fn unknown_values_are_never_judged() {
    let mut d = Diagnostics::new();
    int_range(&mut d, at("n"), &Field::Unknown, 1, 2, "n");
    arn(&mut d, at("a"), &Field::Unknown, &[ArnKind::KmsKey], "a");
    domain_name(&mut d, at("d"), &Field::Unknown);
    assert!(d.is_empty());
}

#[test]
fn rules_between_attributes_point_at_the_side_that_differs_from_its_default() {
    let (min, max) = (at("min"), at("max"));
    let two = Field::Known(2);
    let one = Field::Known(1);
    let eleven = Field::Known(11);
    let ten = Field::Known(10);
    // max = 1 written, min left at its default 2: the error belongs on max.
    let side = written_side(&[(min.clone(), &two, Some(2)), (max.clone(), &one, Some(10))]);
    assert_eq!(side, max);
    // min = 11 written, max left at its default 10: on min.
    let side = written_side(&[
        (min.clone(), &eleven, Some(2)),
        (max.clone(), &ten, Some(10)),
    ]);
    assert_eq!(side, min);
    // Both written: the first side.
    let side = written_side(&[
        (min.clone(), &eleven, Some(2)),
        (max.clone(), &one, Some(10)),
    ]);
    assert_eq!(side, min);
}

#[test]
fn built_in_patterns_compile() {
    for p in [
        &SUBNET_ID,
        &VPC_ID,
        &AMI_ID,
        &INSTANCE_TYPE,
        &ENV_NAME,
        &URL,
    ] {
        assert!(!p.as_str().is_empty());
    }
    assert!(SUBNET_ID.is_match("subnet-0123456789abcdef0"));
    assert!(!SUBNET_ID.is_match("subnet-xyz"));
    assert!(INSTANCE_TYPE.is_match("m6i.large"));
    assert!(tag_key_ok("Team Name"));
    assert!(tag_key_ok("Équipe"));
    assert!(!tag_key_ok("bad#key"));
    assert!(!tag_key_ok(""));
    assert!(tag_value_ok(""));
}
