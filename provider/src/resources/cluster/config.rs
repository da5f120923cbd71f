//! `ecsprod_cluster` configuration: its typed form and the offline validation rules.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use ecsprod_cty::Value;
use regex_lite::Regex;

use super::schema::{AMI_LATEST, AMI_PINNED, SCHEMA, SPOT_STRATEGIES};
use crate::protocol::diag::Diagnostics;
use crate::resources::fields::{self, Field};
use crate::resources::validators::{self as v, ArnKind, at};

/// ALB TLS security policies (predefined by Elastic Load Balancing).
pub const SSL_POLICIES: &[&str] = &[
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-1-2021-06",
    "ELBSecurityPolicy-TLS13-1-0-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-2018-06",
    "ELBSecurityPolicy-FS-1-1-2019-08",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    "ELBSecurityPolicy-2015-05",
    "ELBSecurityPolicy-TLS-1-0-2015-04",
];

/// 1-28 characters so that every derived name (load balancer, target groups, roles) fits AWS
/// limits: letters, digits and hyphens, starting with a letter, not ending with a hyphen.
pub static CLUSTER_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z]([A-Za-z0-9-]{0,26}[A-Za-z0-9])?$").unwrap_or_else(|e| panic!("{e}"))
});

pub const CLUSTER_NAME_RULE: &str =
    "use 1-28 letters, digits and hyphens, starting with a letter and not ending with a hyphen.";

/// A Cloud Map HTTP namespace name as ECS takes it for Service Connect: visible ASCII without
/// `<`, `>`, `"` or `/`.
pub static NAMESPACE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^[!#-.0-;=?-~]{1,1024}$"#).unwrap_or_else(|e| panic!("{e}")));

pub const NAMESPACE_NAME_RULE: &str =
    "use 1-1024 visible ASCII characters other than <, >, \" and /.";

/// The cluster as configured. Optional attributes hold their planned defaults when validated
/// from a plan, and may be null when validated from raw configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    pub name: Field<String>,
    pub vpc_id: Field<String>,
    pub public_subnet_ids: Field<Vec<Field<String>>>,
    pub private_subnet_ids: Field<Vec<Field<String>>>,
    pub certificate_arn: Field<String>,
    pub ssl_policy: Field<String>,
    pub instance_types: Field<Vec<Field<String>>>,
    pub min_size: Field<i64>,
    pub max_size: Field<i64>,
    pub on_demand_base_capacity: Field<i64>,
    pub on_demand_percentage_above_base: Field<i64>,
    pub spot_allocation_strategy: Field<String>,
    pub target_capacity: Field<i64>,
    pub ami_id: Field<String>,
    pub ami_update: Field<String>,
    pub root_volume_size: Field<i64>,
    pub ebs_kms_key_id: Field<String>,
    pub container_insights: Field<bool>,
    pub execute_command_log_retention_days: Field<i64>,
    pub execute_command_kms_key_arn: Field<String>,
    pub service_connect_namespace: Field<String>,
    pub deletion_protection: Field<bool>,
    pub tags: Field<BTreeMap<String, Field<String>>>,
}

impl ClusterConfig {
    pub fn from_value(c: &Value) -> Self {
        Self {
            name: fields::string(c, "name"),
            vpc_id: fields::string(c, "vpc_id"),
            public_subnet_ids: fields::string_list(c, "public_subnet_ids"),
            private_subnet_ids: fields::string_list(c, "private_subnet_ids"),
            certificate_arn: fields::string(c, "certificate_arn"),
            ssl_policy: fields::string(c, "ssl_policy"),
            instance_types: fields::string_list(c, "instance_types"),
            min_size: fields::int(c, "min_size"),
            max_size: fields::int(c, "max_size"),
            on_demand_base_capacity: fields::int(c, "on_demand_base_capacity"),
            on_demand_percentage_above_base: fields::int(c, "on_demand_percentage_above_base"),
            spot_allocation_strategy: fields::string(c, "spot_allocation_strategy"),
            target_capacity: fields::int(c, "target_capacity"),
            ami_id: fields::string(c, "ami_id"),
            ami_update: fields::string(c, "ami_update"),
            root_volume_size: fields::int(c, "root_volume_size"),
            ebs_kms_key_id: fields::string(c, "ebs_kms_key_id"),
            container_insights: fields::boolean(c, "container_insights"),
            execute_command_log_retention_days: fields::int(
                c,
                "execute_command_log_retention_days",
            ),
            execute_command_kms_key_arn: fields::string(c, "execute_command_kms_key_arn"),
            service_connect_namespace: fields::string(c, "service_connect_namespace"),
            deletion_protection: fields::boolean(c, "deletion_protection"),
            tags: fields::string_map(c, "tags"),
        }
    }
}

/// Numeric attributes that must be whole numbers.
const WHOLE_NUMBERS: &[&str] = &[
    "min_size",
    "max_size",
    "on_demand_base_capacity",
    "on_demand_percentage_above_base",
    "target_capacity",
    "root_volume_size",
    "execute_command_log_retention_days",
];

pub fn validate(raw: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    for name in WHOLE_NUMBERS {
        v::whole(&mut d, at(name), &fields::number(raw, name), name);
    }
    let c = ClusterConfig::from_value(raw);

    v::matches(
        &mut d,
        at("name"),
        &c.name,
        &CLUSTER_NAME,
        "Invalid cluster name",
        CLUSTER_NAME_RULE,
    );
    v::matches(
        &mut d,
        at("vpc_id"),
        &c.vpc_id,
        &v::VPC_ID,
        "Invalid VPC ID",
        "a VPC ID looks like vpc-0123456789abcdef0.",
    );
    for attr in ["public_subnet_ids", "private_subnet_ids"] {
        let list = if attr == "public_subnet_ids" {
            &c.public_subnet_ids
        } else {
            &c.private_subnet_ids
        };
        v::id_list(
            &mut d,
            at(attr),
            list,
            2,
            16,
            &v::SUBNET_ID,
            "subnets",
            "a subnet ID looks like subnet-0123456789abcdef0.",
        );
    }
    if let (Field::Known(public), Field::Known(private)) =
        (&c.public_subnet_ids, &c.private_subnet_ids)
    {
        let public: BTreeSet<&String> = public.iter().filter_map(Field::known).collect();
        for (i, s) in private.iter().enumerate() {
            if let Field::Known(s) = s
                && public.contains(s)
            {
                d.error_at(
                    at("private_subnet_ids").index(i as i64),
                    "Subnet is both public and private",
                    format!(
                        "{s:?} is also in public_subnet_ids. Instances belong in private subnets without a route to an internet gateway; the load balancer in public ones."
                    ),
                );
            }
        }
    }
    v::arn(
        &mut d,
        at("certificate_arn"),
        &c.certificate_arn,
        &[ArnKind::AcmCertificate],
        "certificate ARN",
    );
    v::one_of(
        &mut d,
        at("ssl_policy"),
        &c.ssl_policy,
        SSL_POLICIES,
        "SSL policy",
    );
    v::id_list(
        &mut d,
        at("instance_types"),
        &c.instance_types,
        1,
        40,
        &v::INSTANCE_TYPE,
        "instance types",
        "an instance type looks like m6i.large.",
    );
    v::int_range(&mut d, at("min_size"), &c.min_size, 0, 10_000, "min_size");
    v::int_range(&mut d, at("max_size"), &c.max_size, 1, 10_000, "max_size");
    let attrs = &SCHEMA.attributes;
    let max_side = (
        at("max_size"),
        &c.max_size,
        v::default_int(attrs, "max_size"),
    );
    if let (Field::Known(min), Field::Known(max)) = (&c.min_size, &c.max_size)
        && min > max
    {
        let min_side = (
            at("min_size"),
            &c.min_size,
            v::default_int(attrs, "min_size"),
        );
        d.error_at(
            v::written_side(&[min_side, max_side.clone()]),
            "min_size is larger than max_size",
            format!("min_size ({min}) must not exceed max_size ({max})."),
        );
    }
    v::int_range(
        &mut d,
        at("on_demand_base_capacity"),
        &c.on_demand_base_capacity,
        0,
        10_000,
        "on_demand_base_capacity",
    );
    if let (Field::Known(base), Field::Known(max)) = (&c.on_demand_base_capacity, &c.max_size)
        && base > max
    {
        let base_side = (
            at("on_demand_base_capacity"),
            &c.on_demand_base_capacity,
            v::default_int(attrs, "on_demand_base_capacity"),
        );
        d.error_at(
            v::written_side(&[base_side, max_side]),
            "On-Demand base exceeds max_size",
            format!("on_demand_base_capacity ({base}) must not exceed max_size ({max})."),
        );
    }
    v::int_range(
        &mut d,
        at("on_demand_percentage_above_base"),
        &c.on_demand_percentage_above_base,
        0,
        100,
        "on_demand_percentage_above_base",
    );
    v::one_of(
        &mut d,
        at("spot_allocation_strategy"),
        &c.spot_allocation_strategy,
        SPOT_STRATEGIES,
        "Spot allocation strategy",
    );
    v::int_range(
        &mut d,
        at("target_capacity"),
        &c.target_capacity,
        1,
        100,
        "target_capacity",
    );
    v::one_of(
        &mut d,
        at("ami_update"),
        &c.ami_update,
        &[AMI_PINNED, AMI_LATEST],
        "AMI update mode",
    );
    v::matches(
        &mut d,
        at("ami_id"),
        &c.ami_id,
        &v::AMI_ID,
        "Invalid AMI ID",
        "an AMI ID looks like ami-0123456789abcdef0.",
    );
    v::int_range(
        &mut d,
        at("root_volume_size"),
        &c.root_volume_size,
        30,
        16_384,
        "root_volume_size",
    );
    v::arn(
        &mut d,
        at("ebs_kms_key_id"),
        &c.ebs_kms_key_id,
        &[ArnKind::KmsKey],
        "KMS key",
    );
    v::arn(
        &mut d,
        at("execute_command_kms_key_arn"),
        &c.execute_command_kms_key_arn,
        &[ArnKind::KmsKeyId],
        "KMS key",
    );
    v::log_retention(
        &mut d,
        at("execute_command_log_retention_days"),
        &c.execute_command_log_retention_days,
    );
    v::matches(
        &mut d,
        at("service_connect_namespace"),
        &c.service_connect_namespace,
        &NAMESPACE_NAME,
        "Invalid Service Connect namespace",
        NAMESPACE_NAME_RULE,
    );
    v::tags(&mut d, at("tags"), &c.tags);
    crate::resources::timeouts::validate(&mut d, raw);
    d
}
