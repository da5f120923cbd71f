//! What each resource's checks look at, and how a subnet list is judged.

use super::cluster::{ClusterChecks, SubnetList, check_subnet_list, route_table_of};
use super::service::{Coverage, ServiceChecks, in_zone, name_covers, record_planned_certificate};
use super::*;
use crate::engine::units::ObservedSubnet;
use std::collections::BTreeMap;

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::string(*s)).collect())
}

fn cluster(vpc: Value, certificate: &str) -> Value {
    Value::object([
        ("vpc_id", vpc),
        ("public_subnet_ids", list(&["subnet-1", "subnet-2"])),
        ("private_subnet_ids", list(&["subnet-3", "subnet-4"])),
        ("certificate_arn", Value::string(certificate)),
    ])
}

#[test]
fn a_new_cluster_checks_everything_known() {
    let planned = cluster(Value::string("vpc-1"), "arn:cert");
    let checks = ClusterChecks::from_plan(&Value::Null, &planned);
    assert_eq!(checks.vpc_id.as_deref(), Some("vpc-1"));
    assert_eq!(checks.lists().count(), 2);
    assert_eq!(checks.certificate_arn.as_deref(), Some("arn:cert"));
}

#[test]
fn an_unknown_vpc_id_skips_only_the_checks_that_need_it() {
    let planned = cluster(Value::unknown(), "arn:cert");
    let checks = ClusterChecks::from_plan(&Value::Null, &planned);
    assert_eq!(checks.vpc_id, None);
    assert_eq!(checks.lists().count(), 2);
    assert!(checks.certificate_arn.is_some());
}

#[test]
fn an_update_checks_only_what_changed() {
    let prior = cluster(Value::string("vpc-1"), "arn:old");
    let same = ClusterChecks::from_plan(&prior, &prior);
    assert!(same.is_empty());
    let new_cert = ClusterChecks::from_plan(&prior, &cluster(Value::string("vpc-1"), "arn:new"));
    assert!(new_cert.vpc_id.is_none() && new_cert.lists().count() == 0);
    assert_eq!(new_cert.certificate_arn.as_deref(), Some("arn:new"));
}

fn service(cluster: Value, secrets: &[(&str, &str)]) -> Value {
    Value::object([
        ("cluster", cluster),
        ("domain_name", Value::string("api.example.com")),
        ("zone_id", Value::string("Z1")),
        (
            "secrets",
            Value::Map(
                secrets
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), Value::string(*v)))
                    .collect(),
            ),
        ),
    ])
}

const PARAM: &str = "arn:aws:ssm:ap-south-1:123456789012:parameter/app/db";
const SECRET: &str = "arn:aws:secretsmanager:ap-south-1:123456789012:secret:app/token-Ab12Cd";

#[test]
fn a_service_update_checks_only_new_or_changed_secrets() {
    let prior = service(Value::string("prod"), &[("DB", PARAM)]);
    let planned = service(Value::string("prod"), &[("DB", PARAM), ("TOKEN", SECRET)]);
    let checks = ServiceChecks::from_plan(&prior, &planned, false);
    assert_eq!(
        checks.secrets,
        vec![(at("secrets").key("TOKEN"), SECRET.to_owned())]
    );
    assert!(checks.coverage.is_none() && checks.zone.is_none());
}

#[test]
fn a_sidecars_new_secret_is_checked_on_its_own_attribute() {
    let prior = service(Value::string("prod"), &[("DB", PARAM)]);
    let mut planned = prior.clone();
    if let Value::Object(attrs) = &mut planned {
        let sidecar = Value::object([(
            "secrets",
            Value::Map([("TOKEN".to_owned(), Value::string(SECRET))].into()),
        )]);
        attrs.insert("sidecars".into(), Value::List(vec![sidecar]));
    }
    let checks = ServiceChecks::from_plan(&prior, &planned, false);
    assert_eq!(
        checks.secrets,
        vec![(
            at("sidecars").index(0).attr("secrets").key("TOKEN"),
            SECRET.to_owned()
        )]
    );
}

#[test]
fn an_unknown_cluster_skips_the_certificate_check_only() {
    let planned = service(Value::unknown(), &[("DB", PARAM)]);
    let checks = ServiceChecks::from_plan(&Value::Null, &planned, false);
    assert!(checks.coverage.is_none());
    assert!(checks.zone.is_some());
    assert_eq!(checks.secrets.len(), 1);
    let no_sts = ServiceChecks::from_plan(&Value::Null, &planned, true);
    assert!(no_sts.secrets.is_empty(), "SSM checks need the account ID");
}

#[test]
fn a_service_checks_the_certificate_its_cluster_is_planned_with() {
    let cluster = Value::object([
        ("name", Value::string("recorded-cluster")),
        ("certificate_arn", Value::string("arn:planned")),
    ]);
    record_planned_certificate(&cluster);
    let planned = service(Value::string("recorded-cluster"), &[]);
    let checks = ServiceChecks::from_plan(&Value::Null, &planned, false);
    assert_eq!(
        checks.coverage,
        Some(Coverage {
            cluster: "recorded-cluster".into(),
            domains: vec![(at("domain_name"), "api.example.com".into())],
            planned_certificate: Some("arn:planned".into()),
        })
    );
    let elsewhere = service(Value::string("unplanned-cluster"), &[]);
    let checks = ServiceChecks::from_plan(&Value::Null, &elsewhere, false);
    assert_eq!(
        checks.coverage.and_then(|c| c.planned_certificate),
        None,
        "a cluster planned elsewhere is read from AWS"
    );
}

#[test]
fn a_domain_is_in_its_zone_or_under_it() {
    assert!(in_zone("api.example.com", "example.com."));
    assert!(in_zone("Example.com", "example.com"));
    assert!(!in_zone("api.example.org", "example.com"));
    assert!(!in_zone("badexample.com", "example.com"));
}

fn subnet(id: &str, vpc: &str, az: &str) -> (String, ObservedSubnet) {
    (
        id.to_owned(),
        ObservedSubnet {
            id: id.into(),
            vpc_id: vpc.into(),
            availability_zone: az.into(),
        },
    )
}

fn subnet_list(ids: &[&str]) -> SubnetList {
    SubnetList {
        attr: "public_subnet_ids",
        ids: ids.iter().map(|s| Some((*s).to_owned())).collect(),
    }
}

fn paths(f: &Findings) -> Vec<(String, Option<Path>)> {
    f.diagnostics
        .iter()
        .map(|d| (d.summary.clone(), d.path.clone()))
        .collect()
}

#[test]
fn subnet_lists_report_missing_foreign_and_single_zone_subnets_on_their_element() {
    let observed: BTreeMap<_, _> = [
        subnet("subnet-1", "vpc-1", "az-a"),
        subnet("subnet-2", "vpc-1", "az-a"),
        subnet("subnet-9", "vpc-2", "az-b"),
    ]
    .into_iter()
    .collect();
    let mut f = Findings::default();
    check_subnet_list(
        &mut f,
        &subnet_list(&["subnet-1", "subnet-2"]),
        &observed,
        Some("vpc-1"),
        true,
    );
    assert_eq!(
        paths(&f),
        vec![(
            "Subnets in a single Availability Zone".to_owned(),
            Some(at("public_subnet_ids"))
        )]
    );
    let mut f = Findings::default();
    check_subnet_list(
        &mut f,
        &subnet_list(&["subnet-1", "subnet-8", "subnet-9"]),
        &observed,
        Some("vpc-1"),
        true,
    );
    assert_eq!(
        paths(&f),
        vec![
            (
                "Subnet not found".to_owned(),
                Some(at("public_subnet_ids").index(1))
            ),
            (
                "Subnet is in another VPC".to_owned(),
                Some(at("public_subnet_ids").index(2))
            ),
        ]
    );
}
#[test]
fn exact_names_and_one_label_wildcards_cover_a_host() {
    assert!(name_covers("api.example.com", "api.example.com"));
    assert!(name_covers("API.Example.com.", "api.example.com"));
    assert!(name_covers("*.example.com", "api.example.com"));
    assert!(!name_covers("*.example.com", "example.com"));
    assert!(!name_covers("*.example.com", "a.b.example.com"));
    assert!(!name_covers("*.example.com", "api.example.org"));
    assert!(!name_covers("example.com", "api.example.com"));
    assert!(!name_covers("*.example.com", ".example.com"));
}

fn table(id: &str, main: bool, subnets: &[&str]) -> crate::engine::units::ObservedRouteTable {
    crate::engine::units::ObservedRouteTable {
        id: id.into(),
        main,
        subnet_ids: subnets.iter().map(|s| (*s).to_owned()).collect(),
        internet_routes: Vec::new(),
    }
}

#[test]
fn a_subnet_uses_its_own_table_else_the_main_one() {
    let tables = [
        table("rtb-main", true, &[]),
        table("rtb-public", false, &["subnet-a", "subnet-b"]),
    ];
    assert_eq!(
        route_table_of(&tables, "subnet-b").map(|t| t.id.as_str()),
        Some("rtb-public")
    );
    assert_eq!(
        route_table_of(&tables, "subnet-c").map(|t| t.id.as_str()),
        Some("rtb-main")
    );
    assert_eq!(route_table_of(&tables[1..], "subnet-c"), None);
}
