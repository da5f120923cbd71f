//! What the service's tasks may do: the execution role limited to the listed secrets, the task
//! role, and the trust both share.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{ServiceInput, names, tags};
use crate::blueprint::role::{OtherPolicies, RoleSpec};

/// Where a secret's value comes from, and what the execution role must be allowed to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretKind {
    SsmParameter {
        /// The ARN as given: also the IAM resource.
        arn: String,
        /// The parameter name: the text after `parameter/`, with the leading `/` of a
        /// hierarchical name (one containing `/`) restored.
        name: String,
    },
    SecretsManager {
        /// The first 7 fields of the ARN: the secret itself, without any
        /// `:json-key:version-stage:version-id` suffix. The IAM resource.
        secret_arn: String,
    },
}

/// What a secret ARN refers to; `None` for anything configuration validation rejects.
pub fn secret_kind(arn: &str) -> Option<SecretKind> {
    let fields: Vec<&str> = arn.split(':').collect();
    if fields.len() < 6 || fields[0] != "arn" {
        return None;
    }
    match fields[2] {
        "ssm" if fields.len() == 6 => {
            let name = fields[5].strip_prefix("parameter/")?;
            let name = if name.contains('/') {
                format!("/{}", name.trim_start_matches('/'))
            } else {
                name.to_owned()
            };
            Some(SecretKind::SsmParameter {
                arn: arn.to_owned(),
                name,
            })
        }
        "secretsmanager" if (fields.len() == 7 || fields.len() == 10) && fields[5] == "secret" => {
            Some(SecretKind::SecretsManager {
                secret_arn: fields[..7].join(":"),
            })
        }
        _ => None,
    }
}

/// The region field of an ARN.
fn arn_region(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or_default()
}

/// The execution role's inline policy: read exactly the listed SSM parameters and Secrets
/// Manager secrets, and decrypt with exactly `kms_keys` (the secrets' customer-managed keys,
/// resolved by the caller) but only through the services the secrets use (pain point 18).
/// Statements without resources are left out; `None` when nothing is left. Key entries that are
/// not ARNs, or contain a wildcard, are ignored: no statement ever has a `*` resource.
pub fn execution_role_policy(input: &ServiceInput, kms_keys: &[String]) -> Option<Value> {
    secrets_policy(super::secret_arns(input), kms_keys)
}

/// The policy that reads exactly the secrets `arns` (see [`execution_role_policy`]).
pub fn secrets_policy<'a>(
    arns: impl IntoIterator<Item = &'a String>,
    kms_keys: &[String],
) -> Option<Value> {
    let mut parameters = BTreeSet::new();
    let mut secrets = BTreeSet::new();
    let mut via_services = BTreeSet::new();
    for arn in arns {
        match secret_kind(arn) {
            Some(SecretKind::SsmParameter { arn, .. }) => {
                via_services.insert(format!("ssm.{}.amazonaws.com", arn_region(&arn)));
                parameters.insert(arn);
            }
            Some(SecretKind::SecretsManager { secret_arn }) => {
                via_services.insert(format!(
                    "secretsmanager.{}.amazonaws.com",
                    arn_region(&secret_arn)
                ));
                secrets.insert(secret_arn);
            }
            None => {}
        }
    }
    let keys: BTreeSet<&String> = kms_keys
        .iter()
        .filter(|k| k.starts_with("arn:") && !k.contains('*'))
        .collect();

    let allow = |sid: &str, action: &str, resources: Value| json!({ "Sid": sid, "Effect": "Allow", "Action": action, "Resource": resources });
    let mut statements = Vec::new();
    if !parameters.is_empty() {
        statements.push(allow(
            "ReadSsmParameters",
            "ssm:GetParameters",
            json!(parameters),
        ));
    }
    if !secrets.is_empty() {
        statements.push(allow(
            "ReadSecrets",
            "secretsmanager:GetSecretValue",
            json!(secrets),
        ));
    }
    if !keys.is_empty() && !via_services.is_empty() {
        let mut decrypt = allow("DecryptSecrets", "kms:Decrypt", json!(keys));
        decrypt["Condition"] = json!({ "StringEquals": { "kms:ViaService": via_services } });
        statements.push(decrypt);
    }
    (!statements.is_empty()).then(|| json!({ "Version": "2012-10-17", "Statement": statements }))
}

/// The AWS-managed policy of the execution role: image pulls and CloudWatch Logs.
pub fn execution_role_managed_policies(partition: &str) -> Vec<String> {
    vec![format!(
        "arn:{partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    )]
}

/// Trust policy of the execution and task roles: ECS tasks of this account and region only
/// (the confused-deputy conditions).
pub fn ecs_tasks_trust_policy(input: &ServiceInput) -> Value {
    ecs_tasks_trust(&input.partition, &input.region, &input.account_id)
}

/// Trust of ECS tasks of `account_id` in `region` only.
pub fn ecs_tasks_trust(partition: &str, region: &str, account_id: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "ecs-tasks.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": { "aws:SourceAccount": account_id },
                "ArnLike": { "aws:SourceArn": format!("arn:{partition}:ecs:{region}:{account_id}:*") },
            },
        }]
    })
}

/// The execution role: pulls images, writes logs and reads exactly the listed secrets (through
/// `kms_keys`, their customer-managed keys). Users may attach more policies.
pub fn execution_role(input: &ServiceInput, kms_keys: &[String]) -> RoleSpec {
    let n = names(&input.cluster, &input.name);
    RoleSpec {
        name: n.execution_role,
        trust_policy: ecs_tasks_trust_policy(input).to_string(),
        managed_policies: execution_role_managed_policies(&input.partition),
        others: OtherPolicies::Keep,
        inline_policies: execution_role_policy(input, kms_keys)
            .map(|doc| vec![(n.execution_role_policy, doc.to_string())])
            .unwrap_or_default(),
        tags: tags(input),
    }
}

/// The SSM Messages channel actions the ECS agent's SSM agent uses for ECS Exec sessions.
/// These actions take no resource-level permissions.
pub const EXECUTE_COMMAND_ACTIONS: &[&str] = &[
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/// The task role's inline policy under `enable_execute_command`: the session channels, the
/// session log in the cluster's group, and the cluster's session key when it has one.
pub fn execute_command_policy(input: &ServiceInput) -> String {
    let group = crate::blueprint::cluster::names(&input.cluster).execute_command_log_group;
    let group_arn = format!(
        "arn:{}:logs:{}:{}:log-group:{group}",
        input.partition, input.region, input.account_id
    );
    let mut statements = vec![
        json!({
            "Sid": "ExecuteCommandChannels",
            "Effect": "Allow",
            "Action": EXECUTE_COMMAND_ACTIONS,
            "Resource": "*",
        }),
        json!({
            "Sid": "ExecuteCommandSessionLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            "Resource": format!("{group_arn}:*"),
        }),
        // The agent looks the group up before it writes; DescribeLogGroups takes no resource.
        json!({
            "Sid": "ExecuteCommandFindLogGroup",
            "Effect": "Allow",
            "Action": "logs:DescribeLogGroups",
            "Resource": "*",
        }),
    ];
    if let Some(key) = &input.execute_command_kms_key_arn {
        statements.push(json!({
            "Sid": "ExecuteCommandSessionKey",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": key,
        }));
    }
    json!({ "Version": "2012-10-17", "Statement": statements }).to_string()
}

/// The task role: what the application may do, from `task_role_policy_json`. Users may attach
/// more policies.
pub fn task_role(input: &ServiceInput) -> RoleSpec {
    let n = names(&input.cluster, &input.name);
    RoleSpec {
        name: n.task_role,
        trust_policy: ecs_tasks_trust_policy(input).to_string(),
        managed_policies: Vec::new(),
        others: OtherPolicies::Keep,
        inline_policies: input
            .task_role_policy_json
            .iter()
            .map(|doc| (n.task_role_policy.clone(), doc.clone()))
            .chain(input.enable_execute_command.then(|| {
                (
                    n.execute_command_policy.clone(),
                    execute_command_policy(input),
                )
            }))
            .chain(super::queue_policy(input).map(|doc| (n.queue_policy.clone(), doc)))
            .collect(),
        tags: tags(input),
    }
}
