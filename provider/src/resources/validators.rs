//! Offline checks shared by the provider block and the resources. Each one reports on the exact
//! attribute path and ignores unknown values.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use ecsprod_cty::Path;
use regex_lite::Regex;

use super::fields::Field;
use crate::protocol::diag::Diagnostics;
use crate::protocol::schema::Attribute;

fn re(pattern: &str) -> Regex {
    // The patterns are constants in this file, covered by the tests below.
    Regex::new(pattern).unwrap_or_else(|e| panic!("invalid built-in pattern {pattern:?}: {e}"))
}

pub fn at(name: &str) -> Path {
    Path::root().attr(name)
}

/// Retention periods CloudWatch Logs accepts, in days.
pub const LOG_RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// A retention period CloudWatch Logs accepts.
pub fn log_retention(d: &mut Diagnostics, path: Path, v: &Field<i64>) {
    if let Field::Known(n) = v
        && !LOG_RETENTION_DAYS.contains(n)
    {
        d.error_at(
            path,
            "Invalid log retention",
            format!(
                "CloudWatch Logs does not accept {n} days. Use one of: {}.",
                LOG_RETENTION_DAYS
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
}

/// An integer within `min..=max`.
pub fn int_range(d: &mut Diagnostics, path: Path, v: &Field<i64>, min: i64, max: i64, what: &str) {
    if let Field::Known(n) = v
        && (*n < min || *n > max)
    {
        d.error_at(
            path,
            format!("Invalid {what}"),
            format!("{what} must be between {min} and {max}; got {n}."),
        );
    }
}

/// The whole-number default of attribute `name` among `attrs`, if it has one.
pub fn default_int(attrs: &[Attribute], name: &str) -> Option<i64> {
    attrs
        .iter()
        .find(|a| a.name == name)
        .and_then(|a| a.default.as_ref())
        .and_then(|v| v.as_i64())
}

/// Where to report a rule between attributes. Validation sees the configuration with defaults
/// filled in, and Terraform can only point at an attribute the configuration sets (otherwise it
/// shows the whole block). Each side is `(path, value, default)`: the first side whose value is
/// not its default was written in the configuration; if every side holds its default, the first.
pub fn written_side(sides: &[(Path, &Field<i64>, Option<i64>)]) -> Path {
    sides
        .iter()
        .find(|(_, v, default)| v.known().copied() != *default)
        .or(sides.first())
        .map(|(p, _, _)| p.clone())
        .unwrap_or_else(Path::root)
}

/// A whole number (Terraform numbers may carry fractions).
pub fn whole(d: &mut Diagnostics, path: Path, v: &Field<f64>, what: &str) {
    if let Field::Known(n) = v
        && n.fract() != 0.0
    {
        d.error_at(
            path,
            format!("Invalid {what}"),
            format!("{what} must be a whole number; got {n}."),
        );
    }
}

pub fn one_of(d: &mut Diagnostics, path: Path, v: &Field<String>, allowed: &[&str], what: &str) {
    if let Field::Known(s) = v
        && !allowed.contains(&s.as_str())
    {
        d.error_at(
            path,
            format!("Unsupported {what}"),
            format!(
                "{s:?} is not a valid {what}. Use one of: {}.",
                allowed.join(", ")
            ),
        );
    }
}

pub fn matches(
    d: &mut Diagnostics,
    path: Path,
    v: &Field<String>,
    pattern: &Regex,
    summary: &str,
    rule: &str,
) {
    if let Field::Known(s) = v
        && !pattern.is_match(s)
    {
        d.error_at(path, summary, format!("{s:?} is not valid: {rule}"));
    }
}

/// A parsed ARN.
#[derive(Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

static PARTITION: LazyLock<Regex> = LazyLock::new(|| re(r"^aws(-cn|-us-gov|-iso|-iso-[a-z])?$"));
static REGION: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$"));
static ACCOUNT: LazyLock<Regex> = LazyLock::new(|| re(r"^[0-9]{12}$"));

pub fn parse_arn(s: &str) -> Option<Arn<'_>> {
    let mut parts = s.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let arn = Arn {
        partition: parts.next()?,
        service: parts.next()?,
        region: parts.next()?,
        account: parts.next()?,
        resource: parts.next()?,
    };
    let ok = PARTITION.is_match(arn.partition)
        && !arn.service.is_empty()
        && (arn.region.is_empty() || REGION.is_match(arn.region))
        && (arn.account.is_empty() || ACCOUNT.is_match(arn.account))
        && !arn.resource.is_empty();
    ok.then_some(arn)
}

/// The kinds of ARN the provider accepts, each with its resource syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArnKind {
    AcmCertificate,
    KmsKey,
    /// A key itself, not an alias: what IAM statements and CloudWatch Logs need.
    KmsKeyId,
    IamRole,
    SsmParameter,
    SecretsManagerSecret,
}

static UUID: LazyLock<Regex> = LazyLock::new(|| re(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$"));
static KMS_KEY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(key/([0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|mrk-[0-9a-f]{32})|alias/[A-Za-z0-9/_-]{1,250})$",
    )
});
static IAM_ROLE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^role/([\x21-\x7e]*/)?[A-Za-z0-9+=,.@_-]{1,64}$"));
static SSM_PARAM: LazyLock<Regex> = LazyLock::new(|| re(r"^parameter/[A-Za-z0-9_.\-/]{1,2047}$"));
/// `secret:<name>-<6 random chars>` optionally followed by `:<json-key>:<version-stage>:<version-id>`.
static SECRET: LazyLock<Regex> =
    LazyLock::new(|| re(r"^secret:[A-Za-z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6}(:[^:]*:[^:]*:[^:]*)?$"));

impl ArnKind {
    fn service(self) -> &'static str {
        match self {
            ArnKind::AcmCertificate => "acm",
            ArnKind::KmsKey | ArnKind::KmsKeyId => "kms",
            ArnKind::IamRole => "iam",
            ArnKind::SsmParameter => "ssm",
            ArnKind::SecretsManagerSecret => "secretsmanager",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ArnKind::AcmCertificate => {
                "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)"
            }
            ArnKind::KmsKey => {
                "a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<id> or …:alias/<name>)"
            }
            ArnKind::KmsKeyId => {
                "a KMS key ARN, not an alias (arn:aws:kms:<region>:<account>:key/<id>)"
            }
            ArnKind::IamRole => "an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
            ArnKind::SsmParameter => {
                "an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>)"
            }
            ArnKind::SecretsManagerSecret => {
                "a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>, optionally followed by :<json-key>:<version-stage>:<version-id>)"
            }
        }
    }

    /// Whether `s` is an ARN of this kind.
    pub fn accepts(self, s: &str) -> bool {
        let Some(arn) = parse_arn(s) else {
            return false;
        };
        if arn.service != self.service() || arn.account.is_empty() {
            return false;
        }
        let regional = !arn.region.is_empty();
        match self {
            ArnKind::AcmCertificate => {
                regional
                    && arn
                        .resource
                        .strip_prefix("certificate/")
                        .is_some_and(|id| UUID.is_match(id))
            }
            ArnKind::KmsKey => regional && KMS_KEY.is_match(arn.resource),
            ArnKind::KmsKeyId => {
                regional && !arn.resource.starts_with("alias/") && KMS_KEY.is_match(arn.resource)
            }
            ArnKind::IamRole => !regional && IAM_ROLE.is_match(arn.resource),
            ArnKind::SsmParameter => regional && SSM_PARAM.is_match(arn.resource),
            ArnKind::SecretsManagerSecret => regional && SECRET.is_match(arn.resource),
        }
    }
}

pub fn arn(d: &mut Diagnostics, path: Path, v: &Field<String>, kinds: &[ArnKind], what: &str) {
    if let Field::Known(s) = v
        && !kinds.iter().any(|k| k.accepts(s))
    {
        let expected: Vec<_> = kinds.iter().map(|k| k.describe()).collect();
        d.error_at(
            path,
            format!("Invalid {what}"),
            format!("{s:?} is not {}.", expected.join(" or ")),
        );
    }
}

static HOST_LABEL: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"));

/// A DNS host name: lower-case labels of letters, digits and hyphens, at least two labels,
/// optionally starting with a `*.` wildcard.
pub fn domain_name(d: &mut Diagnostics, path: Path, v: &Field<String>) {
    let Field::Known(s) = v else { return };
    let name = s.strip_suffix('.').unwrap_or(s);
    let name = name.strip_prefix("*.").unwrap_or(name);
    let labels: Vec<&str> = name.split('.').collect();
    let problem = if s.len() > 253 {
        Some("it is longer than 253 characters")
    } else if labels.len() < 2 {
        Some("it needs at least two labels, such as app.example.com")
    } else if s.chars().any(|c| c.is_ascii_uppercase()) {
        Some("use lower-case letters")
    } else if !labels.iter().all(|l| HOST_LABEL.is_match(l)) {
        Some("each label is 1-63 letters, digits or hyphens and cannot start or end with a hyphen")
    } else if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        Some("the last label cannot be numeric")
    } else {
        None
    };
    if let Some(problem) = problem {
        d.error_at(
            path,
            "Invalid domain name",
            format!("{s:?} is not a valid host name: {problem}."),
        );
    }
}

/// A list with at least `min` elements, each matching `pattern`, without duplicates.
#[allow(clippy::too_many_arguments)]
pub fn id_list(
    d: &mut Diagnostics,
    path: Path,
    v: &Field<Vec<Field<String>>>,
    min: usize,
    max: usize,
    pattern: &Regex,
    what: &str,
    rule: &str,
) {
    let Field::Known(items) = v else { return };
    if items.len() < min || items.len() > max {
        d.error_at(
            path.clone(),
            format!("Wrong number of {what}"),
            format!("Give between {min} and {max} {what}; got {}.", items.len()),
        );
    }
    let mut seen = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let Field::Known(s) = item else { continue };
        let item_path = path.index(i as i64);
        if !pattern.is_match(s) {
            d.error_at(
                item_path,
                format!("Invalid entry in {what}"),
                format!("{s:?} is not valid: {rule}"),
            );
        } else if !seen.insert(s.clone()) {
            d.error_at(
                item_path,
                format!("Duplicate entry in {what}"),
                format!("{s:?} is listed more than once."),
            );
        }
    }
}

/// Characters AWS allows in tag keys and values: Unicode letters, digits and spaces, and
/// `_ . : / = + - @`.
fn tag_chars_ok(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c))
}

fn tag_key_ok(k: &str) -> bool {
    (1..=128).contains(&k.chars().count()) && tag_chars_ok(k)
}

fn tag_value_ok(v: &str) -> bool {
    v.chars().count() <= 256 && tag_chars_ok(v)
}

/// AWS tag rules: at most 50, keys 1-128 and values 0-256 characters of letters, digits,
/// spaces and `_ . : / = + - @`; the `aws:` prefix is reserved.
pub fn tags(d: &mut Diagnostics, path: Path, v: &Field<BTreeMap<String, Field<String>>>) {
    let Field::Known(map) = v else { return };
    if map.len() > 50 {
        d.error_at(
            path.clone(),
            "Too many tags",
            format!("AWS allows at most 50 tags per object; got {}.", map.len()),
        );
    }
    for (k, value) in map {
        let p = path.key(k.clone());
        if k.to_ascii_lowercase().starts_with("aws:") {
            d.error_at(
                p,
                "Reserved tag key",
                format!("{k:?}: keys starting with \"aws:\" are reserved for AWS."),
            );
        } else if !tag_key_ok(k) {
            d.error_at(
                p,
                "Invalid tag key",
                format!("{k:?} must be 1-128 letters, digits, spaces or _ . : / = + - @."),
            );
        } else if let Field::Known(s) = value
            && !tag_value_ok(s)
        {
            d.error_at(
                p,
                "Invalid tag value",
                format!(
                    "The value of {k:?} must be at most 256 letters, digits, spaces or _ . : / = + - @."
                ),
            );
        }
    }
}

/// Parses a duration such as `45s`, `30m`, `2h` or `1h30m` (units h, m, s; at least one part).
pub fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let mut total = 0u64;
    let mut digits = String::new();
    let mut parts = 0;
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
        parts += 1;
    }
    (digits.is_empty() && parts > 0).then(|| std::time::Duration::from_secs(total))
}

/// A duration attribute (see [`parse_duration`]), at least one second and at most a day.
pub fn duration(d: &mut Diagnostics, path: Path, v: &Field<String>) {
    if let Field::Known(s) = v {
        match parse_duration(s) {
            Some(t) if (1..=86_400).contains(&t.as_secs()) => {}
            _ => d.error_at(
                path,
                "Invalid duration",
                format!("{s:?} is not a duration between 1s and 24h such as 45s, 30m or 1h30m."),
            ),
        }
    }
}

pub static SUBNET_ID: LazyLock<Regex> =
    LazyLock::new(|| re(r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$"));
pub static VPC_ID: LazyLock<Regex> = LazyLock::new(|| re(r"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$"));
pub static AMI_ID: LazyLock<Regex> = LazyLock::new(|| re(r"^ami-([0-9a-f]{8}|[0-9a-f]{17})$"));
pub static INSTANCE_TYPE: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$"));
pub static ENV_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z_][A-Za-z0-9_]*$"));
pub static URL: LazyLock<Regex> = LazyLock::new(|| re(r"^https?://[^\s/]+(/\S*)?$"));

#[cfg(test)]
#[path = "validators_tests.rs"]
mod tests;
