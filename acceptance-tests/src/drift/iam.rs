//! IAM roles: their policies and trust, and the role an instance profile holds.

use crate::aws_check::Aws;

/// Attaches a managed policy to a role.
pub async fn attach_role_policy(aws: &Aws, role: &str, policy_arn: &str) {
    aws.iam
        .attach_role_policy()
        .role_name(role)
        .policy_arn(policy_arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("attach {policy_arn} to {role}: {e}"));
}

/// Puts an inline policy on a role.
pub async fn put_role_policy(aws: &Aws, role: &str, name: &str, document: &str) {
    aws.iam
        .put_role_policy()
        .role_name(role)
        .policy_name(name)
        .policy_document(document)
        .send()
        .await
        .unwrap_or_else(|e| panic!("put inline policy {name} on {role}: {e}"));
}

/// Replaces the trust policy of a role.
pub async fn set_trust_policy(aws: &Aws, role: &str, document: &str) {
    aws.iam
        .update_assume_role_policy()
        .role_name(role)
        .policy_document(document)
        .send()
        .await
        .unwrap_or_else(|e| panic!("replace the trust policy of {role}: {e}"));
}

/// Creates a role with a trust policy.
pub async fn create_role(aws: &Aws, name: &str, trust_policy: &str) {
    aws.iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust_policy)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create role {name}: {e}"));
}

/// Deletes a role.
pub async fn delete_role(aws: &Aws, name: &str) {
    aws.iam
        .delete_role()
        .role_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete role {name}: {e}"));
}

/// Takes role `from` out of an instance profile and puts role `to` in.
pub async fn swap_instance_profile_role(aws: &Aws, profile: &str, from: &str, to: &str) {
    aws.iam
        .remove_role_from_instance_profile()
        .instance_profile_name(profile)
        .role_name(from)
        .send()
        .await
        .unwrap_or_else(|e| panic!("take {from} out of {profile}: {e}"));
    aws.iam
        .add_role_to_instance_profile()
        .instance_profile_name(profile)
        .role_name(to)
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {to} in {profile}: {e}"));
}
