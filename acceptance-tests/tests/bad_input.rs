//! A corpus of invalid configurations, one per validation rule of the provider block,
//! `ecsprod_cluster` and `ecsprod_service`. Each case takes one valid base configuration, makes a
//! single attribute invalid, and runs the real `terraform validate -json` against it. It proves
//! three things per case:
//!
//! (A few cases also leave the other side of a rule between two attributes to its default, so
//! the error must land on the attribute the configuration does set.)
//!
//! 1. Terraform refuses the configuration with an error that says what is wrong;
//! 2. the error points at the line of the offending attribute (or map entry / list element), and
//!    every error of the case points there: nothing else in the base is judged invalid;
//! 3. no AWS endpoint was contacted (the canary behind every endpoint saw no connection).
//!
//! Terraform is slow to start, so each group runs its cases on a few threads, each case in its
//! own working directory, and reports every failing case at the end.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use acceptance_tests::{REQUIRED_PROVIDERS, Workdir, line_of};
use serde_json::Value as Json;

/// Terraform processes per test: each case runs `init` then `validate`, and the provider
/// plugin is a process too, so a few workers keep a 2-core machine busy without thrashing.
const WORKERS: usize = 3;

/// The file every case writes; Terraform reports ranges relative to it.
const FILE: &str = "main.tf";

// ---------------------------------------------------------------------------------------------
// The valid base configuration and single-attribute overrides.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Provider,
    Cluster,
    Service,
    Job,
}

/// The value of one attribute: an HCL expression on the attribute's line, or an object / map
/// written one entry per line so that an error on an entry points at its own line.
#[derive(Debug, Clone)]
enum Hcl {
    Expr(String),
    Entries(Vec<(String, String)>),
}

struct Block {
    kind: Kind,
    header: &'static str,
    attrs: Vec<(String, Hcl)>,
}

struct Config {
    blocks: Vec<Block>,
}

fn q(s: &str) -> String {
    format!("{s:?}")
}

fn expr(s: impl Into<String>) -> Hcl {
    Hcl::Expr(s.into())
}

fn entries(items: &[(&str, &str)]) -> Hcl {
    Hcl::Entries(
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

/// An HCL object key: bare when it is an identifier, quoted otherwise (`"aws:team"`, `"1BAD"`).
fn key(k: &str) -> String {
    let mut chars = k.chars();
    let ident = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ident { k.to_owned() } else { q(k) }
}

fn attr_line(indent: usize, name: &str, value: &str) -> String {
    format!("{:indent$}{} = {value}", "", key(name))
}

const CERTIFICATE: &str =
    "arn:aws:acm:ap-south-1:123456789012:certificate/6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b";
const KMS_KEY: &str =
    "arn:aws:kms:ap-south-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
const SSM_PARAMETER: &str = "arn:aws:ssm:ap-south-1:123456789012:parameter/prod/api/database-url";
const SECRET: &str = "arn:aws:secretsmanager:ap-south-1:123456789012:secret:prod/api/token-Ab12Cd";

/// A valid provider block, cluster and service, using every rule-bearing attribute so that each
/// case only changes one value. The provider's `endpoints` point at the canary too.
fn base(canary_url: &str) -> Config {
    let provider = vec![
        ("region", expr(q("ap-south-1"))),
        (
            "assume_role",
            entries(&[
                ("role_arn", &q("arn:aws:iam::123456789012:role/deploy")),
                ("session_name", &q("terraform")),
                ("external_id", &q("acceptance-tests")),
            ]),
        ),
        (
            "endpoints",
            entries(&[("ecs", &q(canary_url)), ("sts", &q(canary_url))]),
        ),
        ("default_tags", entries(&[("ManagedBy", &q("terraform"))])),
        ("max_retries", expr("5")),
    ];
    let cluster = vec![
        ("name", expr(q("prod"))),
        ("vpc_id", expr(q("vpc-0a1b2c3d4e5f60718"))),
        (
            "public_subnet_ids",
            expr(r#"["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]"#),
        ),
        (
            "private_subnet_ids",
            expr(r#"["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"]"#),
        ),
        ("certificate_arn", expr(q(CERTIFICATE))),
        ("ssl_policy", expr(q("ELBSecurityPolicy-TLS13-1-2-2021-06"))),
        ("instance_types", expr(r#"["m6i.large", "m6a.large"]"#)),
        ("min_size", expr("2")),
        ("max_size", expr("10")),
        ("on_demand_base_capacity", expr("2")),
        ("on_demand_percentage_above_base", expr("20")),
        (
            "spot_allocation_strategy",
            expr(q("price-capacity-optimized")),
        ),
        ("target_capacity", expr("80")),
        ("ami_id", expr(q("ami-0123456789abcdef0"))),
        ("ami_update", expr(q("pinned"))),
        ("root_volume_size", expr("50")),
        ("ebs_kms_key_id", expr(q(KMS_KEY))),
        ("tags", entries(&[("Team", &q("platform"))])),
        (
            "timeouts",
            entries(&[("create", &q("45m")), ("delete", &q("1h30m"))]),
        ),
    ];
    let service = vec![
        ("cluster", expr("ecsprod_cluster.main.id")),
        ("name", expr(q("api"))),
        ("image", expr(q("public.ecr.aws/nginx/nginx:1.27"))),
        ("container_port", expr("8080")),
        ("domain_name", expr(q("api.example.com"))),
        ("zone_id", expr(q("Z0123456789ABCDEFGHIJ"))),
        ("cpu", expr("512")),
        ("memory", expr("1024")),
        ("desired_count", expr("3")),
        ("environment", entries(&[("LOG_LEVEL", &q("info"))])),
        (
            "secrets",
            entries(&[
                ("DATABASE_URL", &q(SSM_PARAMETER)),
                ("API_TOKEN", &q(SECRET)),
            ]),
        ),
        ("health_check_path", expr(q("/healthz"))),
        ("health_check_matcher", expr(q("200-299"))),
        ("deregistration_delay", expr("30")),
        ("health_check_grace_period", expr("60")),
        (
            "autoscaling",
            entries(&[
                ("min_capacity", "2"),
                ("max_capacity", "20"),
                ("cpu_target", "60"),
                ("memory_target", "75"),
            ]),
        ),
        ("availability_zone_rebalancing", expr("true")),
        (
            "deployment",
            entries(&[
                ("strategy", &q("canary")),
                ("canary_percent", "10"),
                ("canary_bake_time", "5"),
                ("bake_time", "5"),
                ("test_host", &q("api-next.example.com")),
                ("extra_alarm_names", r#"["team-latency"]"#),
            ]),
        ),
        ("log_retention_days", expr("30")),
        ("wait_for_steady_state", expr("true")),
        (
            "task_role_policy_json",
            expr(
                r#"jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })"#,
            ),
        ),
        ("tags", entries(&[("Service", &q("api"))])),
    ];
    let job = vec![
        ("cluster", expr("ecsprod_cluster.main.id")),
        ("name", expr(q("nightly"))),
        (
            "image",
            expr(q("public.ecr.aws/docker/library/busybox:1.37")),
        ),
        ("schedule", expr(q("cron(0 3 * * ? *)"))),
        ("timezone", expr(q("Europe/Paris"))),
        ("command", expr(r#"["report"]"#)),
        ("cpu", expr("256")),
        ("memory", expr("512")),
        ("secrets", entries(&[("API_TOKEN", &q(SECRET))])),
        ("max_retry_attempts", expr("2")),
        ("max_event_age", expr("3600")),
        (
            "dead_letter_queue_arn",
            expr(q("arn:aws:sqs:ap-south-1:123456789012:job-dead-letters")),
        ),
        ("flexible_window", expr("15")),
    ];
    let block = |kind, header, attrs: Vec<(&str, Hcl)>| Block {
        kind,
        header,
        attrs: attrs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    };
    Config {
        blocks: vec![
            block(Kind::Provider, r#"provider "ecsprod""#, provider),
            block(
                Kind::Cluster,
                r#"resource "ecsprod_cluster" "main""#,
                cluster,
            ),
            block(
                Kind::Service,
                r#"resource "ecsprod_service" "api""#,
                service,
            ),
            block(
                Kind::Job,
                r#"resource "ecsprod_scheduled_task" "nightly""#,
                job,
            ),
        ],
    }
}

impl Config {
    /// Sets `path` (`attr`, or `attr.key` for an entry of an object or map attribute) to the
    /// HCL expression `value`, replacing the base value or adding it. Returns the line that
    /// will hold it, to find in the rendered file.
    fn set(&mut self, kind: Kind, path: &str, value: &str) -> String {
        let block = self
            .blocks
            .iter_mut()
            .find(|b| b.kind == kind)
            .expect("every kind has a block");
        let (name, entry) = match path.split_once('.') {
            Some((name, entry)) => (name, Some(entry)),
            None => (path, None),
        };
        let slot = match block.attrs.iter().position(|(n, _)| n == name) {
            Some(i) => &mut block.attrs[i].1,
            None => {
                let empty = match entry {
                    Some(_) => Hcl::Entries(Vec::new()),
                    None => Hcl::Expr(String::new()),
                };
                block.attrs.push((name.to_owned(), empty));
                &mut block.attrs.last_mut().expect("just pushed").1
            }
        };
        match entry {
            None => {
                *slot = Hcl::Expr(value.to_owned());
                attr_line(2, name, value)
            }
            Some(entry) => {
                let Hcl::Entries(items) = slot else {
                    panic!("{path}: {name} is not written as entries in the base")
                };
                match items.iter_mut().find(|(k, _)| k == entry) {
                    Some(item) => item.1 = value.to_owned(),
                    None => items.push((entry.to_owned(), value.to_owned())),
                }
                attr_line(4, entry, value)
            }
        }
    }

    /// Removes `path` (`attr` or `attr.key`) from the block.
    fn unset(&mut self, kind: Kind, path: &str) {
        let block = self
            .blocks
            .iter_mut()
            .find(|b| b.kind == kind)
            .expect("every kind has a block");
        let before = block.attrs.len();
        match path.split_once('.') {
            None => block.attrs.retain(|(n, _)| n != path),
            Some((name, entry)) => {
                for (n, value) in &mut block.attrs {
                    if let (true, Hcl::Entries(items)) = (n == name, value) {
                        let had = items.len();
                        items.retain(|(k, _)| k != entry);
                        assert_ne!(had, items.len(), "{path} is not in the base");
                        return;
                    }
                }
            }
        }
        assert_ne!(before, block.attrs.len(), "{path} is not in the base");
    }

    fn render(&self) -> String {
        let mut out = String::from(REQUIRED_PROVIDERS);
        for block in &self.blocks {
            let _ = writeln!(out, "\n{} {{", block.header);
            for (name, value) in &block.attrs {
                match value {
                    Hcl::Expr(e) => {
                        let _ = writeln!(out, "{}", attr_line(2, name, e));
                    }
                    Hcl::Entries(items) => {
                        let _ = writeln!(out, "  {} = {{", key(name));
                        for (k, v) in items {
                            let _ = writeln!(out, "{}", attr_line(4, k, v));
                        }
                        let _ = writeln!(out, "  }}");
                    }
                }
            }
            let _ = writeln!(out, "}}");
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

enum Expect {
    /// Refused with an error whose summary or detail contains this text, at the override's line.
    Refused(&'static str),
    /// `valid: true` and no diagnostics at all.
    Accepted,
}

struct Case {
    name: &'static str,
    kind: Kind,
    /// Empty for the unchanged base.
    path: &'static str,
    value: String,
    /// Attributes (or `attr.key` entries) removed from the base, so they take their defaults.
    leave_out: &'static [&'static str],
    /// Extra configuration appended to the file (e.g. the resource an unknown value comes from).
    extra: &'static str,
    expect: Expect,
}

fn bad(
    name: &'static str,
    kind: Kind,
    path: &'static str,
    value: impl Into<String>,
    expect: &'static str,
) -> Case {
    Case {
        name,
        kind,
        path,
        value: value.into(),
        leave_out: &[],
        extra: "",
        expect: Expect::Refused(expect),
    }
}

impl Case {
    /// The same case with these attributes left to their defaults: a rule between two
    /// attributes must still point at the one the configuration sets.
    fn leaving_out(mut self, attrs: &'static [&'static str]) -> Self {
        self.leave_out = attrs;
        self
    }
}

// One line per case: name, block, attribute (`attr` or `attr.key` for an entry of a map or
// nested object), the invalid HCL value, and text the error must contain.

#[rustfmt::skip]
fn provider_cases() -> Vec<Case> {
    use Kind::Provider as P;
    vec![
        bad("region_is_a_city",                   P, "region",                  q("Mumbai"),                                             "Invalid region"),
        bad("region_without_number",              P, "region",                  q("eu-west"),                                            "Invalid region"),
        bad("assume_role_arn_is_a_user",          P, "assume_role.role_arn",    q("arn:aws:iam::123456789012:user/deploy"),              "Invalid role ARN"),
        bad("assume_role_arn_is_not_an_arn",      P, "assume_role.role_arn",    q("deploy"),                                             "Invalid role ARN"),
        bad("assume_role_arn_has_a_region",       P, "assume_role.role_arn",    q("arn:aws:iam:ap-south-1:123456789012:role/deploy"),    "Invalid role ARN"),
        bad("assume_role_session_name_too_short", P, "assume_role.session_name", q("x"),                                                 "Invalid session name"),
        bad("assume_role_session_name_has_space", P, "assume_role.session_name", q("terraform run"),                                     "Invalid session name"),
        bad("assume_role_external_id_too_short",  P, "assume_role.external_id", q("x"),                                                  "Invalid external ID"),
        bad("endpoints_unknown_service",          P, "endpoints.lambda",        q("http://localhost:4566"),                              "Unknown service in endpoints"),
        bad("endpoints_not_a_url",                P, "endpoints.ecs",           q("localhost:4566"),                                     "Invalid endpoint URL"),
        bad("endpoints_alias_not_http",           P, "endpoints.logs",          q("ftp://localhost"),                                    "Invalid endpoint URL"),
        bad("max_retries_99",                     P, "max_retries",             "99",                                                    "max_retries must be between 0 and 25"),
        bad("max_retries_fraction",               P, "max_retries",             "2.5",                                                   "max_retries must be a whole number"),
        bad("default_tags_reserved_aws_key",      P, "default_tags.aws:team",   q("platform"),                                           "Reserved tag key"),
        bad("default_tags_bad_key",               P, "default_tags.team#1",     q("platform"),                                           "Invalid tag key"),
    ]
}

#[rustfmt::skip]
fn cluster_cases() -> Vec<Case> {
    use Kind::Cluster as C;
    let list = |ids: &[&str]| format!("[{}]", ids.iter().map(|s| q(s)).collect::<Vec<_>>().join(", "));
    let (pub1, pub2, priv1) = ("subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002", "subnet-0a1b2c3d4e5f60003");
    vec![
        bad("name_too_long",                    C, "name",                            q("production-cluster-eu-south-1"), "Invalid cluster name"),
        bad("name_bad_characters",              C, "name",                            q("prod_main"),                     "Invalid cluster name"),
        bad("name_leading_digit",               C, "name",                            q("1prod"),                         "Invalid cluster name"),
        bad("name_trailing_hyphen",             C, "name",                            q("prod-"),                         "Invalid cluster name"),
        bad("vpc_id_malformed",                 C, "vpc_id",                          q("vpc-xyz"),                       "Invalid VPC ID"),
        bad("vpc_id_is_a_subnet_id",            C, "vpc_id",                          q(pub1),                            "Invalid VPC ID"),
        bad("one_public_subnet",                C, "public_subnet_ids",               list(&[pub1]),                      "Wrong number of subnets"),
        bad("one_private_subnet",               C, "private_subnet_ids",              list(&[priv1]),                     "Wrong number of subnets"),
        bad("seventeen_public_subnets",         C, "public_subnet_ids",               r#"[for i in range(17) : format("subnet-%017x", i)]"#, "Give between 2 and 16 subnets; got 17"),
        bad("public_subnet_id_malformed",       C, "public_subnet_ids",               list(&[pub1, "subnet-xyz"]),        "Invalid entry in subnets"),
        bad("private_subnet_listed_twice",      C, "private_subnet_ids",              list(&[priv1, priv1]),              "Duplicate entry in subnets"),
        bad("subnet_both_public_and_private",   C, "private_subnet_ids",              list(&[priv1, pub2]),               "Subnet is both public and private"),
        bad("certificate_arn_wrong_syntax",     C, "certificate_arn",                 q("certificate/6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"), "Invalid certificate ARN"),
        bad("certificate_arn_of_a_kms_key",     C, "certificate_arn",                 q(KMS_KEY),                         "Invalid certificate ARN"),
        bad("ssl_policy_unknown",               C, "ssl_policy",                      q("ELBSecurityPolicy-TLS13-9-9"),   "Unsupported SSL policy"),
        bad("instance_type_malformed",          C, "instance_types",                  list(&["m6i.large", "large"]),      "Invalid entry in instance types"),
        bad("instance_types_empty",             C, "instance_types",                  "[]",                               "Wrong number of instance types"),
        bad("forty_one_instance_types",         C, "instance_types",                  r#"[for i in range(41) : "m6i.size${i}"]"#, "Give between 1 and 40 instance types; got 41"),
        bad("min_size_above_max_size",          C, "min_size",                        "11",                               "min_size is larger than max_size"),
        bad("min_size_negative",                C, "min_size",                        "-1",                               "min_size must be between 0 and 10000"),
        bad("max_size_too_large",               C, "max_size",                        "10001",                            "max_size must be between 1 and 10000"),
        bad("on_demand_base_above_max_size",    C, "on_demand_base_capacity",         "11",                               "On-Demand base exceeds max_size"),
        bad("max_size_below_default_min_size",  C, "max_size",                        "1",                                "min_size is larger than max_size").leaving_out(&["min_size", "on_demand_base_capacity"]),
        bad("max_size_below_default_od_base",   C, "max_size",                        "1",                                "On-Demand base exceeds max_size").leaving_out(&["min_size", "on_demand_base_capacity"]),
        bad("min_size_above_default_max_size",  C, "min_size",                        "11",                               "min_size is larger than max_size").leaving_out(&["max_size"]),
        bad("on_demand_percentage_101",         C, "on_demand_percentage_above_base", "101",                              "on_demand_percentage_above_base must be between 0 and 100"),
        bad("on_demand_percentage_negative",    C, "on_demand_percentage_above_base", "-1",                               "on_demand_percentage_above_base must be between 0 and 100"),
        bad("spot_allocation_strategy_unknown", C, "spot_allocation_strategy",        q("cheapest"),                      "Unsupported Spot allocation strategy"),
        bad("target_capacity_0",                C, "target_capacity",                 "0",                                "target_capacity must be between 1 and 100"),
        bad("target_capacity_101",              C, "target_capacity",                 "101",                              "target_capacity must be between 1 and 100"),
        bad("ami_id_malformed",                 C, "ami_id",                          q("ami-123"),                       "Invalid AMI ID"),
        bad("ami_update_unknown",               C, "ami_update",                      q("newest"),                        "Unsupported AMI update mode"),
        bad("root_volume_size_below_30",        C, "root_volume_size",                "20",                               "root_volume_size must be between 30 and 16384"),
        bad("ebs_kms_key_id_not_an_arn",        C, "ebs_kms_key_id",                  q("alias/ebs"),                     "Invalid KMS key"),
        bad("ebs_kms_key_id_of_a_certificate",  C, "ebs_kms_key_id",                  q(CERTIFICATE),                     "Invalid KMS key"),
        bad("min_size_fraction",                C, "min_size",                        "2.5",                              "min_size must be a whole number"),
        bad("target_capacity_fraction",         C, "target_capacity",                 "80.5",                             "target_capacity must be a whole number"),
        bad("tags_reserved_aws_key",            C, "tags.aws:owner",                  q("me"),                            "Reserved tag key"),
        bad("timeouts_create_not_a_duration",   C, "timeouts.create",                 q("soon"),                          "Invalid duration"),
        bad("timeouts_delete_in_days",          C, "timeouts.delete",                 q("2d"),                            "Invalid duration"),
        bad("tags_bad_value",                   C, "tags.Owner",                      q("me<admin>"),                     "Invalid tag value"),
        bad("fifty_one_tags",                   C, "tags",                            r#"{ for i in range(51) : "Key${i}" => "v" }"#, "Too many tags"),
        bad("exec_log_retention_31",            C, "execute_command_log_retention_days", "31",                      "CloudWatch Logs does not accept 31 days"),
        bad("exec_kms_key_is_an_alias_name",    C, "execute_command_kms_key_arn",     q("alias/exec"),                    "Invalid KMS key"),
        bad("service_connect_namespace_slash",  C, "service_connect_namespace",       q("prod/internal"),                 "Invalid Service Connect namespace"),
    ]
}

#[rustfmt::skip]
fn service_cases() -> Vec<Case> {
    use Kind::Service as S;
    let too_long_domain = format!("{0}.{0}.{0}.{0}.com", "a".repeat(63));
    vec![
        bad("name_too_long",                       S, "name",                      q("payments-api-for-the-eu-customers"), "Invalid service name"),
        bad("name_bad_characters",                 S, "name",                      q("api_v2"),                        "Invalid service name"),
        bad("name_leading_digit",                  S, "name",                      q("2api"),                          "Invalid service name"),
        bad("cluster_not_a_cluster_name",          S, "cluster",                   q("1-prod"),                        "Invalid cluster"),
        bad("image_with_space",                    S, "image",                     q("nginx latest"),                  "Invalid image"),
        bad("image_longer_than_255",               S, "image",                     r#"format("nginx:%0250d", 1)"#,     "Invalid image"),
        bad("container_port_0",                    S, "container_port",            "0",                                "container_port must be between 1 and 65535"),
        bad("container_port_70000",                S, "container_port",            "70000",                            "container_port must be between 1 and 65535"),
        bad("container_port_fraction",             S, "container_port",            "8080.5",                           "container_port must be a whole number"),
        bad("domain_single_label",                 S, "domain_name",               q("localhost"),                     "at least two labels"),
        bad("domain_upper_case",                   S, "domain_name",               q("API.example.com"),               "use lower-case letters"),
        bad("domain_label_starts_with_hyphen",     S, "domain_name",               q("-api.example.com"),              "cannot start or end with a hyphen"),
        bad("domain_empty_label",                  S, "domain_name",               q("api..example.com"),              "Invalid domain name"),
        bad("domain_underscore",                   S, "domain_name",               q("api_v2.example.com"),            "Invalid domain name"),
        bad("domain_numeric_tld",                  S, "domain_name",               q("api.example.123"),               "the last label cannot be numeric"),
        bad("domain_is_a_url",                     S, "domain_name",               q("https://api.example.com"),       "Invalid domain name"),
        bad("domain_longer_than_253",              S, "domain_name",               q(&too_long_domain),                "longer than 253 characters"),
        bad("zone_id_lower_case",                  S, "zone_id",                   q("z-0123"),                        "Invalid hosted zone ID"),
        bad("cpu_below_128",                       S, "cpu",                       "64",                               "cpu must be between 128 and 196608"),
        bad("cpu_above_196608",                    S, "cpu",                       "200000",                           "cpu must be between 128 and 196608"),
        bad("memory_below_6",                      S, "memory",                    "4",                                "memory must be between 6 and 1048576"),
        bad("memory_fraction",                     S, "memory",                    "512.5",                            "memory must be a whole number"),
        bad("desired_count_above_autoscaling_max", S, "desired_count",             "25",                               "desired_count outside the autoscaling range"),
        bad("desired_count_below_autoscaling_min", S, "desired_count",             "1",                                "desired_count outside the autoscaling range"),
        bad("environment_name_leading_digit",      S, "environment.1BAD",          q("x"),                             "Invalid environment variable name"),
        bad("environment_name_with_hyphen",        S, "environment.LOG-FORMAT",    q("json"),                          "Invalid environment variable name"),
        bad("secrets_name_with_dot",               S, "secrets.db.url",            q(SSM_PARAMETER),                   "Invalid environment variable name"),
        bad("secret_value_not_an_arn",             S, "secrets.API_TOKEN",         q("prod/api/token"),                "Invalid secret ARN"),
        bad("secret_value_is_an_s3_arn",           S, "secrets.API_TOKEN",         q("arn:aws:s3:::prod-secrets/api-token"), "Invalid secret ARN"),
        bad("secret_value_without_random_suffix",  S, "secrets.API_TOKEN",         q("arn:aws:secretsmanager:ap-south-1:123456789012:secret:prod/api/token"), "Invalid secret ARN"),
        bad("secret_value_ssm_without_region",     S, "secrets.DATABASE_URL",      q("arn:aws:ssm::123456789012:parameter/prod/api/database-url"), "Invalid secret ARN"),
        bad("variable_in_environment_and_secrets", S, "secrets.LOG_LEVEL",         q(SSM_PARAMETER),                   "Variable defined twice"),
        bad("health_check_path_relative",          S, "health_check_path",         q("healthz"),                       "Invalid health check path"),
        bad("health_check_path_with_space",        S, "health_check_path",         q("/health check"),                 "Invalid health check path"),
        bad("health_check_matcher_500",            S, "health_check_matcher",      q("500"),                           "Invalid health check matcher"),
        bad("health_check_matcher_reversed_range", S, "health_check_matcher",      q("399-200"),                       "Invalid health check matcher"),
        bad("deregistration_delay_4000",           S, "deregistration_delay",      "4000",                             "deregistration_delay must be between 0 and 3600"),
        bad("health_check_grace_period_negative",  S, "health_check_grace_period", "-1",                               "health_check_grace_period must be between 0"),
        bad("log_retention_days_31",               S, "log_retention_days",        "31",                               "CloudWatch Logs does not accept 31 days"),
        bad("autoscaling_min_above_max",           S, "autoscaling.min_capacity",  "30",                               "min_capacity is larger than max_capacity"),
        bad("autoscaling_max_below_default_min",   S, "autoscaling.max_capacity",  "1",                                "min_capacity is larger than max_capacity").leaving_out(&["autoscaling.min_capacity"]),
        bad("autoscaling_min_above_default_count", S, "autoscaling.min_capacity",  "5",                                "desired_count outside the autoscaling range").leaving_out(&["desired_count"]),
        bad("desired_count_above_default_max",     S, "desired_count",             "11",                               "desired_count outside the autoscaling range").leaving_out(&["autoscaling"]),
        bad("autoscaling_max_too_large",           S, "autoscaling.max_capacity",  "10001",                            "max_capacity must be between 1 and 10000"),
        bad("autoscaling_cpu_target_0",            S, "autoscaling.cpu_target",    "0",                                "cpu_target must be between 1 and 100"),
        bad("autoscaling_memory_target_101",       S, "autoscaling.memory_target", "101",                              "memory_target must be between 1 and 100"),
        bad("autoscaling_min_capacity_fraction",   S, "autoscaling.min_capacity",  "2.5",                              "min_capacity must be a whole number"),
        bad("task_role_policy_not_json",           S, "task_role_policy_json",     q("s3:GetObject on *"),             "not valid JSON"),
        bad("task_role_policy_without_statement",  S, "task_role_policy_json",     r#"jsonencode({ Version = "2012-10-17" })"#, r#"a JSON object with a "Statement""#),
        bad("task_role_policy_over_10240_chars",   S, "task_role_policy_json",     r#"jsonencode({ Version = "2012-10-17", Statement = [for i in range(200) : { Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::bucket-${i}/*" }] })"#, "at most 10240 characters"),
        bad("tags_reserved_aws_key_any_case",      S, "tags.AWS:Service",          q("api"),                           "Reserved tag key"),
        bad("deployment_strategy_unknown",         S, "deployment.strategy",       q("gradual"),                       "Unsupported deployment strategy"),
        bad("deployment_canary_percent_0",         S, "deployment.canary_percent", "0",                                "canary_percent must be between 0.1 and 100"),
        bad("deployment_canary_percent_hundredths", S, "deployment.canary_percent", "10.25",                           "in steps of 0.1"),
        bad("deployment_bake_time_over_a_day",     S, "deployment.bake_time",      "1441",                             "bake_time must be between 0 and 1440"),
        bad("deployment_linear_step_with_canary",  S, "deployment.linear_step_percent", "20",                          "linear_step_percent does not apply to \"canary\""),
        bad("deployment_test_host_is_production",  S, "deployment.test_host",      q("api.example.com"),               "test_host is the production host"),
        bad("deployment_error_rate_0",             S, "deployment.rollback_alarms", "{ error_rate_percent = 0 }",     "error_rate_percent must be between 1 and 100"),
        bad("deployment_extra_alarm_name_empty",   S, "deployment.extra_alarm_names", r#"[""]"#,                      "Invalid alarm name"),
        bad("health_check_interval_3",             S, "health_check",              r#"{ command = ["CMD-SHELL", "true"], interval = 3 }"#, "interval must be between 5 and 300"),
        bad("health_check_command_without_cmd",   S, "health_check",              r#"{ command = ["curl", "-f", "http://localhost/"] }"#, "Invalid health check command"),
        bad("stop_timeout_600",                    S, "stop_timeout",              "600",                              "stop_timeout must be between 2 and 120"),
        bad("user_with_space",                     S, "user",                      q("app user"),                      "Invalid user"),
        bad("sidecar_named_as_the_service",        S, "sidecars",                  r#"[{ name = "api", image = "busybox:1.37" }]"#, "Container name taken"),
        bad("sidecar_essential_waited_to_complete", S, "sidecars",                 r#"[{ name = "init", image = "busybox:1.37", main_waits_for = "COMPLETE" }]"#, "Condition needs a non-essential container"),
        bad("path_pattern_without_slash",          S, "path_patterns",             r#"["api/*"]"#,                    "Invalid path pattern"),
        bad("path_patterns_four",                  S, "path_patterns",             r#"["/a", "/b", "/c", "/d"]"#,     "Invalid number of path patterns"),
        bad("additional_domain_is_domain_name",    S, "additional_domain_names",   r#"["api.example.com"]"#,          "Host name given twice"),
        bad("additional_domain_upper_case",        S, "additional_domain_names",   r#"["WWW.example.com"]"#,          "use lower-case letters"),
        bad("zone_id_without_domain_name",         S, "zone_id",                   q("Z0123456789ABCDEFGHIJ"),         "Needs domain_name").leaving_out(&["domain_name", "deployment"]),
        bad("canary_without_domain_name",          S, "deployment.strategy",       q("canary"),                        "Needs domain_name").leaving_out(&["domain_name", "zone_id"]),
        bad("autoscaling_queue_arn_is_sns",        S, "autoscaling.queue",         r#"{ arn = "arn:aws:sns:ap-south-1:123456789012:jobs", backlog_per_task = 10 }"#, "Invalid queue ARN"),
        bad("autoscaling_queue_backlog_0",         S, "autoscaling.queue",         r#"{ arn = "arn:aws:sqs:ap-south-1:123456789012:jobs", backlog_per_task = 0 }"#, "backlog_per_task must be between 1 and 100000"),
        bad("internal_dns_name_upper_case",        S, "internal",                  r#"{ dns_name = "Orders" }"#,       "Invalid internal DNS name"),
        bad("internal_port_0",                     S, "internal",                  r#"{ dns_name = "orders", port = 0 }"#, "port must be between 1 and 65535"),
        bad("internal_port_name_with_dot",         S, "internal",                  r#"{ dns_name = "orders", port_name = "http.1" }"#, "Invalid port name"),
        bad("sidecar_secret_not_an_arn",           S, "sidecars",                  r#"[{ name = "agent", image = "busybox:1.37", secrets = { TOKEN = "prod/token" } }]"#, "Invalid secret ARN"),
    ]
}

#[rustfmt::skip]
fn job_cases() -> Vec<Case> {
    use Kind::Job as J;
    vec![
        bad("job_name_with_underscore",          J, "name",                  q("nightly_report"),            "Invalid job name"),
        bad("job_schedule_five_cron_fields",     J, "schedule",              q("cron(0 3 * * *)"),           "6 fields"),
        bad("job_schedule_rate_singular_unit",   J, "schedule",              q("rate(5 minute)"),            "rate(5 minutes)"),
        bad("job_schedule_both_day_fields",      J, "schedule",              q("cron(0 3 1 * MON *)"),       "exactly one of day-of-month and day-of-week"),
        bad("job_schedule_one_time",             J, "schedule",              q("at(2027-01-01T03:00:00)"),   "runs once"),
        bad("job_timezone_unknown",              J, "timezone",              q("Europe/Pariss"),             "Invalid time zone"),
        bad("job_timezone_wrong_case",           J, "timezone",              q("europe/paris"),              "Invalid time zone"),
        bad("job_secret_not_an_arn",             J, "secrets.API_TOKEN",     q("prod/token"),                "Invalid secret ARN"),
        bad("job_retries_over_185",              J, "max_retry_attempts",    "186",                          "max_retry_attempts must be between 0 and 185"),
        bad("job_event_age_under_a_minute",      J, "max_event_age",         "30",                           "max_event_age must be between 60 and 86400"),
        bad("job_flexible_window_over_a_day",    J, "flexible_window",       "1441",                         "flexible_window must be between 1 and 1440"),
        bad("job_dead_letters_not_sqs",          J, "dead_letter_queue_arn", q("arn:aws:sns:ap-south-1:123456789012:dead"), "Invalid queue ARN"),
        bad("job_cpu_64",                        J, "cpu",                   "64",                           "cpu must be between 128 and 196608"),
    ]
}

/// Configurations that must pass: the base itself, and rule-breaking values that are unknown at
/// validation time (the provider never judges an unknown value).
fn valid_cases() -> Vec<Case> {
    let unknown = |name, kind, path, value: &str, extra| Case {
        name,
        kind,
        path,
        value: value.to_owned(),
        leave_out: &[],
        extra,
        expect: Expect::Accepted,
    };
    vec![
        Case {
            name: "base",
            kind: Kind::Service,
            path: "",
            value: String::new(),
            leave_out: &[],
            extra: "",
            expect: Expect::Accepted,
        },
        unknown(
            "unknown_container_port_of_70000",
            Kind::Service,
            "container_port",
            "terraform_data.port.output",
            "\nresource \"terraform_data\" \"port\" {\n  input = 70000\n}\n",
        ),
        unknown(
            "unknown_secret_that_is_not_an_arn",
            Kind::Service,
            "secrets.API_TOKEN",
            "terraform_data.secret.output",
            "\nresource \"terraform_data\" \"secret\" {\n  input = \"not-an-arn\"\n}\n",
        ),
        unknown(
            "unknown_cluster_min_size_above_max_size",
            Kind::Cluster,
            "min_size",
            "terraform_data.size.output",
            "\nresource \"terraform_data\" \"size\" {\n  input = 11\n}\n",
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Running and judging
// ---------------------------------------------------------------------------------------------

/// The rendered file and the 1-based line of the override (None for the unchanged base).
fn fixture(case: &Case, canary_url: &str) -> Result<(String, Option<u64>), String> {
    let mut config = base(canary_url);
    for path in case.leave_out {
        config.unset(case.kind, path);
    }
    let needle = (!case.path.is_empty()).then(|| config.set(case.kind, case.path, &case.value));
    let mut text = config.render();
    text.push_str(case.extra);
    let Some(needle) = needle else {
        return Ok((text, None));
    };
    let hits = text.lines().filter(|l| l.contains(needle.as_str())).count();
    if hits != 1 {
        return Err(format!(
            "the override line {needle:?} occurs {hits} times in the fixture, not once"
        ));
    }
    let line = line_of(&text, &needle);
    Ok((text, line))
}

fn describe(d: &Json) -> String {
    let range = &d["range"];
    let at = if range.is_object() {
        format!(
            "{}:{}:{}",
            range["filename"].as_str().unwrap_or("?"),
            range["start"]["line"],
            range["start"]["column"]
        )
    } else {
        "(no range)".to_owned()
    };
    format!(
        "{} at {at}: {} -- {}",
        d["severity"].as_str().unwrap_or("?"),
        d["summary"].as_str().unwrap_or(""),
        d["detail"].as_str().unwrap_or("")
    )
}

fn start_line(d: &Json) -> Option<(String, u64)> {
    let range = d.get("range")?;
    Some((
        range["filename"].as_str()?.to_owned(),
        range["start"]["line"].as_u64()?,
    ))
}

/// Runs one case; `Err` holds the problems found.
fn check(case: &Case) -> Result<(), Vec<String>> {
    let w = Workdir::new();
    let (text, line) = fixture(case, &w.canary.url).map_err(|e| vec![e])?;
    w.write(FILE, &text);
    let init = w.run(&["init", "-input=false", "-no-color", "-backend=false"]);
    if init.code != 0 {
        return Err(vec![format!(
            "terraform init failed (exit {}):\n{}{}",
            init.code, init.stdout, init.stderr
        )]);
    }
    let run = w.run(&["validate", "-json", "-no-color"]);
    let result: Json = serde_json::from_str(&run.stdout).map_err(|e| {
        vec![format!(
            "validate printed no JSON ({e}):\n{}{}",
            run.stdout, run.stderr
        )]
    })?;
    let diagnostics = result["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let errors: Vec<&Json> = diagnostics
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();

    let mut problems = Vec::new();
    match (&case.expect, line) {
        (Expect::Accepted, _) => {
            if result["valid"] != true {
                problems.push("expected valid: true".to_owned());
            }
            if !diagnostics.is_empty() {
                problems.push("expected no diagnostics".to_owned());
            }
        }
        (Expect::Refused(_), None) => problems.push("a refused case needs an override".into()),
        (Expect::Refused(expected), Some(line)) => {
            if result["valid"] != false {
                problems.push("expected valid: false".to_owned());
            }
            let mentions = |d: &&Json| {
                [&d["summary"], &d["detail"]]
                    .iter()
                    .any(|t| t.as_str().is_some_and(|t| t.contains(expected)))
            };
            match errors.iter().copied().find(mentions) {
                None => problems.push(format!("no error mentions {expected:?}")),
                Some(d) => match start_line(d) {
                    Some((file, l)) if file == FILE && l == line => {}
                    other => problems.push(format!(
                        "the error mentioning {expected:?} starts at {other:?}, not ({FILE:?}, {line})"
                    )),
                },
            }
            for d in &errors {
                if start_line(d) != Some((FILE.to_owned(), line)) {
                    problems.push(format!(
                        "an error points away from line {line}: {}",
                        describe(d)
                    ));
                }
            }
        }
    }
    let connections = w.canary.connections();
    if connections != 0 {
        problems.push(format!(
            "the AWS canary saw {connections} connection(s) during init/validate"
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    if let Some(line) = line {
        let source = text
            .lines()
            .nth(line as usize - 1)
            .unwrap_or_default()
            .trim();
        problems.push(format!("offending line {FILE}:{line}: {source}"));
    }
    problems.push(format!(
        "terraform said (valid: {}, exit {}):",
        result["valid"], run.code
    ));
    if diagnostics.is_empty() {
        problems.push("  (no diagnostics)".to_owned());
    }
    for d in &diagnostics {
        problems.push(format!("  {}", describe(d)));
    }
    Err(problems)
}

/// Runs every case on `WORKERS` threads and fails once, listing every failing case.
fn run_all(group: &str, cases: &[Case]) {
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let failures: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS.min(cases.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = cases.get(i) else { break };
                    let outcome =
                        catch_unwind(AssertUnwindSafe(|| check(case))).unwrap_or_else(|panic| {
                            let msg = panic
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                                .unwrap_or_default();
                            Err(vec![format!("panicked: {msg}")])
                        });
                    if let Err(problems) = outcome {
                        let expected = match case.expect {
                            Expect::Refused(e) => format!("refused, mentioning {e:?}"),
                            Expect::Accepted => "accepted".to_owned(),
                        };
                        let mut report = format!(
                            "[{group}] {} ({:?} {} = {})\n  expected: {expected}\n",
                            case.name, case.kind, case.path, case.value
                        );
                        for p in problems {
                            let _ = writeln!(report, "  {p}");
                        }
                        failures
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((i, report));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    failures.sort_by_key(|(i, _)| *i);
    eprintln!(
        "[{group}] {} cases in {:.1} s on {WORKERS} threads",
        cases.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {} {group} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures
            .into_iter()
            .map(|(_, r)| r)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// Checks the corpus itself without Terraform: enough cases, unique names, and every override
/// lands on exactly one line of its fixture.
#[test]
fn corpus_has_forty_single_attribute_cases_each_on_a_line_of_its_own() {
    let groups = [
        provider_cases(),
        cluster_cases(),
        service_cases(),
        job_cases(),
    ];
    let total: usize = groups.iter().map(Vec::len).sum();
    assert!(total >= 40, "only {total} invalid configurations");
    for cases in groups.iter().chain([&valid_cases()]) {
        let mut names: Vec<_> = cases.iter().map(|c| c.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate case names: {names:?}");
        for case in cases {
            let (_, line) = fixture(case, "http://127.0.0.1:1")
                .unwrap_or_else(|e| panic!("{}: {e}", case.name));
            assert_eq!(line.is_some(), !case.path.is_empty(), "{}", case.name);
        }
    }
}

#[test]
fn every_invalid_provider_setting_is_refused_at_its_line_before_any_aws_call() {
    run_all("provider", &provider_cases());
}

#[test]
fn every_invalid_cluster_setting_is_refused_at_its_line_before_any_aws_call() {
    run_all("ecsprod_cluster", &cluster_cases());
}

#[test]
fn every_invalid_service_setting_is_refused_at_its_line_before_any_aws_call() {
    run_all("ecsprod_service", &service_cases());
}

#[test]
fn every_invalid_scheduled_task_setting_is_refused_at_its_line_before_any_aws_call() {
    run_all("ecsprod_scheduled_task", &job_cases());
}

#[test]
fn the_valid_base_and_unknown_rule_breaking_values_validate_cleanly() {
    run_all("valid", &valid_cases());
}
