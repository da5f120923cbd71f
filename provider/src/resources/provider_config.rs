//! The `provider "ecsprod"` block: schema, validation and its typed form.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use ecsprod_cty::{Type, Value};

use super::fields::{self, Field};
use super::validators::{self as v, ArnKind, at};
use crate::engine::{AssumeRole as ClientAssumeRole, ClientConfig};
use crate::protocol::diag::Diagnostics;
use crate::protocol::schema::{Attribute, Schema};

/// Services whose endpoint can be overridden in `endpoints`, with the aliases users may write.
pub const ENDPOINT_SERVICES: &[(&str, &[&str])] = &[
    ("acm", &[]),
    (
        "applicationautoscaling",
        &["application-autoscaling", "appautoscaling"],
    ),
    ("autoscaling", &[]),
    ("cloudwatch", &["monitoring"]),
    ("cloudwatchlogs", &["logs"]),
    ("ec2", &[]),
    ("ecs", &[]),
    (
        "elbv2",
        &["elasticloadbalancingv2", "elasticloadbalancing", "elb"],
    ),
    ("iam", &[]),
    ("kms", &[]),
    (
        "resourcegroupstaggingapi",
        &["resourcegroupstagging", "tagging"],
    ),
    ("route53", &[]),
    ("scheduler", &[]),
    ("secretsmanager", &[]),
    ("servicediscovery", &["cloudmap"]),
    ("ssm", &[]),
    ("sts", &[]),
];

/// The `endpoints` keys in words: `acm`, `cloudwatchlogs` (or `logs`), …
fn endpoint_keys() -> String {
    ENDPOINT_SERVICES
        .iter()
        .map(|(name, aliases)| match aliases {
            [] => format!("`{name}`"),
            _ => {
                let others: Vec<String> = aliases.iter().map(|a| format!("`{a}`")).collect();
                format!("`{name}` (or {})", others.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The canonical service name for an `endpoints` key, if the key is known.
pub fn canonical_service(key: &str) -> Option<&'static str> {
    ENDPOINT_SERVICES
        .iter()
        .find(|(name, aliases)| *name == key || aliases.contains(&key))
        .map(|(name, _)| *name)
}

pub static SCHEMA: LazyLock<Schema> = LazyLock::new(|| Schema {
    version: 0,
    description: "The ecsprod provider builds production ECS-on-EC2 clusters and services. It \
uses the standard AWS credential chain and environment (`AWS_REGION`, `AWS_PROFILE`, \
`AWS_ACCESS_KEY_ID`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, …): with those set, the \
provider block can be empty."
        .into(),
    attributes: vec![
        Attribute::optional(
            "region",
            Type::String,
            "AWS region, e.g. `eu-west-1`. Defaults to `AWS_REGION` / `AWS_DEFAULT_REGION` or the profile's region.",
        ),
        Attribute::optional(
            "profile",
            Type::String,
            "Named profile from the shared AWS config and credentials files. Defaults to `AWS_PROFILE`.",
        ),
        Attribute::optional_object(
            "assume_role",
            vec![
                Attribute::required(
                    "role_arn",
                    Type::String,
                    "ARN of the IAM role to assume for every AWS call.",
                ),
                Attribute::optional(
                    "session_name",
                    Type::String,
                    "Session name recorded in CloudTrail (2-64 characters of letters, digits and `+=,.@_-`). Defaults to `terraform-provider-ecsprod`.",
                ),
                Attribute::optional(
                    "external_id",
                    Type::String,
                    "External ID the role's trust policy requires, if any.",
                ),
            ],
            "Assume this IAM role (with the base credentials) before calling AWS.",
        ),
        Attribute::optional(
            "endpoints",
            Type::map(Type::String),
            format!(
                "Custom endpoint URL per AWS service, for LocalStack and other emulators, e.g. \
`{{ ecs = \"http://localhost:4566\" }}`. Keys: {}. `AWS_ENDPOINT_URL` and \
`AWS_ENDPOINT_URL_<SERVICE>` work as well.",
                endpoint_keys()
            ),
        ),
        Attribute::optional(
            "default_tags",
            Type::map(Type::String),
            "Tags applied to every AWS object the provider creates. A resource's own `tags` win on conflicts.",
        ),
        Attribute::optional(
            "skip_credentials_validation",
            Type::Bool,
            "Skip the STS `GetCallerIdentity` check of the credentials when the provider is configured. Default `false`.",
        ),
        Attribute::optional(
            "skip_requesting_account_id",
            Type::Bool,
            "Do not look up the account ID; ARNs are then read from AWS responses only. Default `false`.",
        ),
        Attribute::optional(
            "max_retries",
            Type::Number,
            "Maximum attempts for a throttled or failed AWS call before giving up (0-25). Default `10`.",
        ),
    ],
});

static SESSION_NAME: LazyLock<regex_lite::Regex> = LazyLock::new(|| {
    regex_lite::Regex::new(r"^[\w+=,.@-]{2,64}$").unwrap_or_else(|e| panic!("{e}"))
});
static REGION: LazyLock<regex_lite::Regex> = LazyLock::new(|| {
    regex_lite::Regex::new(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$").unwrap_or_else(|e| panic!("{e}"))
});

pub fn validate(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    v::matches(
        &mut d,
        at("region"),
        &fields::string(config, "region"),
        &REGION,
        "Invalid region",
        "an AWS region looks like eu-west-1 or ap-south-1.",
    );
    if let Field::Known(role) = fields::object(config, "assume_role") {
        let base = at("assume_role");
        v::arn(
            &mut d,
            base.attr("role_arn"),
            &fields::string(role, "role_arn"),
            &[ArnKind::IamRole],
            "role ARN",
        );
        v::matches(
            &mut d,
            base.attr("session_name"),
            &fields::string(role, "session_name"),
            &SESSION_NAME,
            "Invalid session name",
            "use 2-64 letters, digits or +=,.@_- characters.",
        );
        if let Field::Known(id) = fields::string(role, "external_id")
            && !(2..=1224).contains(&id.len())
        {
            d.error_at(
                base.attr("external_id"),
                "Invalid external ID",
                "An external ID is 2-1224 characters long.",
            );
        }
    }
    if let Field::Known(endpoints) = fields::string_map(config, "endpoints") {
        for (service, url) in &endpoints {
            let path = at("endpoints").key(service.clone());
            if canonical_service(service).is_none() {
                let known: Vec<_> = ENDPOINT_SERVICES.iter().map(|(n, _)| *n).collect();
                d.error_at(
                    path,
                    "Unknown service in endpoints",
                    format!(
                        "{service:?} is not a service this provider calls. Use one of: {}.",
                        known.join(", ")
                    ),
                );
            } else {
                v::matches(
                    &mut d,
                    path,
                    url,
                    &v::URL,
                    "Invalid endpoint URL",
                    "an endpoint is an http:// or https:// URL such as http://localhost:4566.",
                );
            }
        }
    }
    v::tags(
        &mut d,
        at("default_tags"),
        &fields::string_map(config, "default_tags"),
    );
    v::int_range(
        &mut d,
        at("max_retries"),
        &fields::int(config, "max_retries"),
        0,
        25,
        "max_retries",
    );
    v::whole(
        &mut d,
        at("max_retries"),
        &fields::number(config, "max_retries"),
        "max_retries",
    );
    d
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
}

/// The provider block once Terraform configured it. Unknown values (provider configuration that
/// depends on resources not yet created) are kept as unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderConfig {
    pub region: Field<String>,
    pub profile: Field<String>,
    pub assume_role: Field<AssumeRole>,
    /// Canonical service name → URL.
    pub endpoints: BTreeMap<String, String>,
    pub default_tags: Field<BTreeMap<String, Field<String>>>,
    pub skip_credentials_validation: bool,
    pub skip_requesting_account_id: bool,
    pub max_retries: Option<i64>,
}

impl ProviderConfig {
    /// What the AWS clients are built from; an error names a setting not known yet.
    pub fn client_config(&self) -> Result<ClientConfig, String> {
        let unknown = |what: &str| {
            format!(
                "the provider configuration is not known yet ({what}); it must be known before resources can be read or changed"
            )
        };
        let known = |f: &Field<String>, what: &str| match f {
            Field::Known(v) => Ok(Some(v.clone())),
            Field::Null => Ok(None),
            Field::Unknown => Err(unknown(what)),
        };
        Ok(ClientConfig {
            region: known(&self.region, "region")?,
            profile: known(&self.profile, "profile")?,
            assume_role: match &self.assume_role {
                Field::Known(r) => Some(ClientAssumeRole {
                    role_arn: r.role_arn.clone(),
                    session_name: r.session_name.clone(),
                    external_id: r.external_id.clone(),
                }),
                Field::Null => None,
                Field::Unknown => return Err(unknown("assume_role")),
            },
            endpoints: self.endpoints.clone(),
            max_retries: self.max_retries,
        })
    }

    pub fn from_value(config: &Value) -> Self {
        let assume_role = match fields::object(config, "assume_role") {
            Field::Null => Field::Null,
            Field::Unknown => Field::Unknown,
            Field::Known(role) => match fields::string(role, "role_arn") {
                Field::Known(role_arn) => Field::Known(AssumeRole {
                    role_arn,
                    session_name: fields::string(role, "session_name").known().cloned(),
                    external_id: fields::string(role, "external_id").known().cloned(),
                }),
                Field::Unknown => Field::Unknown,
                Field::Null => Field::Null,
            },
        };
        let endpoints = fields::string_map(config, "endpoints")
            .known()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| {
                        Some((canonical_service(k)?.to_owned(), v.known()?.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            region: fields::string(config, "region"),
            profile: fields::string(config, "profile"),
            assume_role,
            endpoints,
            default_tags: fields::string_map(config, "default_tags"),
            skip_credentials_validation: fields::boolean(config, "skip_credentials_validation")
                .known()
                .copied()
                .unwrap_or(false),
            skip_requesting_account_id: fields::boolean(config, "skip_requesting_account_id")
                .known()
                .copied()
                .unwrap_or(false),
            max_retries: fields::int(config, "max_retries").known().copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_aliases_map_to_canonical_names() {
        assert_eq!(canonical_service("logs"), Some("cloudwatchlogs"));
        assert_eq!(canonical_service("elasticloadbalancingv2"), Some("elbv2"));
        assert_eq!(canonical_service("lambda"), None);
    }
}
