//! IAM roles: their policies, trust, tags and instance profiles.

use std::collections::BTreeMap;

use super::Aws;

impl Aws {
    /// The names of the managed policies attached to a role, sorted.
    pub async fn attached_policy_names(&self, role: &str) -> Vec<String> {
        let attached = self
            .iam
            .list_attached_role_policies()
            .role_name(role)
            .send()
            .await
            .expect("list attached role policies");
        let mut names: Vec<String> = attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_name())
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    }

    /// The names of a role's inline policies.
    pub async fn inline_policy_names(&self, role: &str) -> Vec<String> {
        self.iam
            .list_role_policies()
            .role_name(role)
            .send()
            .await
            .expect("list role policies")
            .policy_names()
            .to_vec()
    }

    /// The first inline policy of a role, as JSON (IAM may return it URL-encoded).
    pub async fn first_inline_policy(&self, role: &str) -> serde_json::Value {
        let name = self
            .inline_policy_names(role)
            .await
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("role {role} has no inline policy"));
        self.inline_policy(role, &name)
            .await
            .unwrap_or_else(|| panic!("role {role} lost its policy {name}"))
    }

    /// The inline policy `name` of a role, as JSON; `None` when the role has no such policy.
    pub async fn inline_policy(&self, role: &str, name: &str) -> Option<serde_json::Value> {
        if !self
            .inline_policy_names(role)
            .await
            .iter()
            .any(|n| n == name)
        {
            return None;
        }
        let policy = self
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .expect("get role policy");
        let text = policy.policy_document();
        let decoded = if text.starts_with('%') || text.contains("%22") {
            percent_decode(text)
        } else {
            text.to_owned()
        };
        Some(serde_json::from_str(&decoded).expect("policy JSON"))
    }

    /// The trust policy of a role, as IAM returns it.
    pub async fn trust_policy(&self, role: &str) -> String {
        self.iam
            .get_role()
            .role_name(role)
            .send()
            .await
            .expect("get role")
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .expect("trust policy")
            .to_owned()
    }

    /// The tags of a role.
    pub async fn role_tags(&self, role: &str) -> BTreeMap<String, String> {
        self.iam
            .list_role_tags()
            .role_name(role)
            .send()
            .await
            .expect("list role tags")
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect()
    }

    /// The names of the roles an instance profile holds.
    pub async fn instance_profile_roles(&self, profile: &str) -> Vec<String> {
        self.iam
            .get_instance_profile()
            .instance_profile_name(profile)
            .send()
            .await
            .expect("get instance profile")
            .instance_profile()
            .expect("instance profile")
            .roles()
            .iter()
            .map(|r| r.role_name().to_owned())
            .collect()
    }
}

/// Decodes a URL-encoded text, as IAM returns policy documents and the emulator records
/// form-encoded requests.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
