//! The execution role reads exactly the listed secrets; the roles trust this account's ECS tasks.

use super::*;

#[test]
fn secret_kind_strips_the_json_key_suffix_and_names_parameters() {
    assert_eq!(
        secret_kind(&format!("{SECRET}:password:AWSCURRENT:")),
        Some(SecretKind::SecretsManager {
            secret_arn: SECRET.into()
        })
    );
    assert_eq!(
        secret_kind(SECRET),
        Some(SecretKind::SecretsManager {
            secret_arn: SECRET.into()
        })
    );
    assert_eq!(
        secret_kind(PARAM),
        Some(SecretKind::SsmParameter {
            arn: PARAM.into(),
            name: "/app/db-url".into()
        })
    );
    assert_eq!(
        secret_kind("arn:aws:ssm:eu-west-1:123456789012:parameter/flat"),
        Some(SecretKind::SsmParameter {
            arn: "arn:aws:ssm:eu-west-1:123456789012:parameter/flat".into(),
            name: "flat".into()
        })
    );
    assert_eq!(secret_kind("arn:aws:s3:::bucket"), None);
    assert_eq!(secret_kind("not-an-arn"), None);
}

#[test]
fn execution_policy_reads_exactly_the_listed_secrets() {
    let policy = execution_role_policy(&mixed(), &[]).expect("a policy");
    assert_eq!(
        policy,
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadSsmParameters",
                    "Effect": "Allow",
                    "Action": "ssm:GetParameters",
                    "Resource": [PARAM],
                },
                {
                    "Sid": "ReadSecrets",
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": [SECRET],
                },
            ]
        })
    );
}

#[test]
fn kms_statement_appears_only_with_keys_and_only_via_the_services_used() {
    let keys = vec![KEY.to_owned(), KEY.to_owned()];
    let kms = |i: &ServiceInput, keys: &[String]| {
        execution_role_policy(i, keys).and_then(|p| {
            p["Statement"]
                .as_array()
                .and_then(|s| s.iter().find(|s| s["Action"] == "kms:Decrypt").cloned())
        })
    };
    assert_eq!(kms(&mixed(), &[]), None);
    assert_eq!(
        kms(&mixed(), &keys),
        Some(json!({
            "Sid": "DecryptSecrets",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": [KEY],
            "Condition": { "StringEquals": { "kms:ViaService": [
                "secretsmanager.eu-west-1.amazonaws.com",
                "ssm.eu-west-1.amazonaws.com",
            ] } },
        }))
    );
    let ssm_only = kms(&with_secrets(&[("DB", PARAM)]), &keys).expect("kms");
    assert_eq!(
        ssm_only["Condition"]["StringEquals"]["kms:ViaService"],
        json!(["ssm.eu-west-1.amazonaws.com"])
    );
    let sm_only = kms(&with_secrets(&[("API", SECRET)]), &keys).expect("kms");
    assert_eq!(
        sm_only["Condition"]["StringEquals"]["kms:ViaService"],
        json!(["secretsmanager.eu-west-1.amazonaws.com"])
    );
    // Keys without any secret, or no secrets at all: no inline policy.
    assert_eq!(execution_role_policy(&input(), &keys), None);
    assert_eq!(execution_role_policy(&input(), &[]), None);
}

#[test]
fn no_policy_grants_a_wildcard() {
    let keys = vec![
        KEY.to_owned(),
        "*".to_owned(),
        "arn:aws:kms:*:*:key/*".to_owned(),
    ];
    let exec = execution_role_policy(&mixed(), &keys).expect("a policy");
    let mut found = Vec::new();
    strings(&exec, "", &mut found);
    assert!(found.iter().all(|(_, s)| !s.contains('*')), "{exec}");
    assert_eq!(exec["Statement"][2]["Resource"], json!([KEY]));

    // The trust policy's only pattern is the documented source-ARN condition.
    let trust = ecs_tasks_trust_policy(&input());
    let mut found = Vec::new();
    strings(&trust, "", &mut found);
    let wild: Vec<_> = found.iter().filter(|(_, s)| s.contains('*')).collect();
    assert_eq!(
        wild,
        vec![&("aws:SourceArn", "arn:aws:ecs:eu-west-1:123456789012:*")]
    );
}

#[test]
fn roles_trust_only_this_accounts_ecs_tasks() {
    let trust = ecs_tasks_trust_policy(&input());
    let s = &trust["Statement"][0];
    assert_eq!(s["Principal"]["Service"], "ecs-tasks.amazonaws.com");
    assert_eq!(s["Action"], "sts:AssumeRole");
    assert_eq!(
        s["Condition"]["StringEquals"]["aws:SourceAccount"],
        "123456789012"
    );
    assert_eq!(
        execution_role_managed_policies("aws-cn"),
        vec!["arn:aws-cn:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
    );
}

#[test]
fn exec_adds_exactly_the_session_channels_log_and_key_to_the_task_role() {
    let mut i = input();
    assert_eq!(task_role(&i).inline_policies.len(), 0, "off by default");
    i.enable_execute_command = true;
    i.account_id = "123456789012".into();
    let role = task_role(&i);
    let (name, doc) = &role.inline_policies[0];
    assert_eq!(name, "execute-command");
    let doc: serde_json::Value = serde_json::from_str(doc).expect("JSON");
    let statements = doc["Statement"].as_array().expect("statements");
    assert_eq!(
        statements[0]["Action"],
        serde_json::json!(EXECUTE_COMMAND_ACTIONS)
    );
    assert_eq!(
        statements[1]["Resource"],
        "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs-exec/prod:*"
    );
    assert_eq!(statements.len(), 3, "no key statement without a key");

    i.execute_command_kms_key_arn = Some("arn:aws:kms:eu-west-1:123456789012:key/k".into());
    let role = task_role(&i);
    let doc: serde_json::Value = serde_json::from_str(&role.inline_policies[0].1).expect("JSON");
    assert_eq!(doc["Statement"][3]["Action"], "kms:Decrypt");
    assert_eq!(
        doc["Statement"][3]["Resource"],
        "arn:aws:kms:eu-west-1:123456789012:key/k"
    );
}
