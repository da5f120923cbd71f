//! Plan-time preflight checks through real Terraform against the local AWS emulator: a
//! configuration that cannot work fails `terraform plan` with an error on the line of the
//! attribute at fault (the list element or map entry when there is one), made only of reads,
//! before anything is created, and without ever reading a secret value. A valid stack plans;
//! checks whose inputs are unknown are skipped; a read AWS refuses (throttling) is a warning.

use std::collections::BTreeMap;

use acceptance_tests::drift;
use acceptance_tests::emulator::{Emulator, Seed, is_read};
use acceptance_tests::{
    Lab, REQUIRED_PROVIDERS, Run, applied_value, line_of, state_from_create_plan, with_derived,
};
use serde_json::{Value as Json, json};

const CLUSTER: &str = "pre";
const MISSING_CERTIFICATE: &str =
    "arn:aws:acm:ap-south-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

/// A stack as HCL expressions, one attribute (or list element, or map entry) per line.
#[derive(Clone)]
struct Stack {
    vpc_id: String,
    public: Vec<String>,
    private: Vec<String>,
    certificate_arn: String,
    /// `None`: no service in the configuration.
    service: Option<Service>,
    /// Extra top-level HCL (a `terraform_data` resource).
    extra: String,
}

#[derive(Clone)]
struct Service {
    domain_name: String,
    zone_id: String,
    secrets: Vec<(String, String)>,
}

fn q(s: &str) -> String {
    format!("{s:?}")
}

impl Stack {
    fn valid(seed: &Seed) -> Self {
        Self {
            vpc_id: q(&seed.vpc_id),
            public: seed.public_subnet_ids.iter().map(|s| q(s)).collect(),
            private: seed.private_subnet_ids.iter().map(|s| q(s)).collect(),
            certificate_arn: q(&seed.certificate_arn),
            service: Some(Service {
                domain_name: q(&format!("api.{}", seed.domain)),
                zone_id: q(&seed.zone_id),
                secrets: vec![
                    ("DATABASE_URL".into(), q(&seed.parameter_arn)),
                    ("API_TOKEN".into(), q(&seed.secret_arn)),
                ],
            }),
            extra: String::new(),
        }
    }

    fn cluster_only(mut self) -> Self {
        self.service = None;
        self
    }

    fn service(&mut self) -> &mut Service {
        self.service.as_mut().expect("a service in the stack")
    }

    fn hcl(&self) -> String {
        let list = |items: &[String]| {
            items
                .iter()
                .map(|i| format!("    {i},\n"))
                .collect::<String>()
        };
        let mut out = format!(
            r#"{REQUIRED_PROVIDERS}
provider "ecsprod" {{}}
{extra}
resource "ecsprod_cluster" "main" {{
  name                = "{CLUSTER}"
  vpc_id              = {vpc}
  public_subnet_ids = [
{public}  ]
  private_subnet_ids = [
{private}  ]
  certificate_arn     = {cert}
  deletion_protection = false
}}
"#,
            extra = self.extra,
            vpc = self.vpc_id,
            public = list(&self.public),
            private = list(&self.private),
            cert = self.certificate_arn,
        );
        if let Some(s) = &self.service {
            let secrets: String = s
                .secrets
                .iter()
                .map(|(k, v)| format!("    {k} = {v}\n"))
                .collect();
            out.push_str(&format!(
                r#"
resource "ecsprod_service" "api" {{
  cluster        = ecsprod_cluster.main.id
  name           = "api"
  image          = "public.ecr.aws/nginx/nginx:1.27"
  container_port = 8080
  domain_name    = {domain}
  zone_id        = {zone}
  secrets = {{
{secrets}  }}
}}
"#,
                domain = s.domain_name,
                zone = s.zone_id,
            ));
        }
        out
    }
}

/// The test's lab, with the plans the tests share.
struct Env(Lab);

impl std::ops::Deref for Env {
    type Target = Lab;

    fn deref(&self) -> &Lab {
        &self.0
    }
}

fn env_with(emulator: Emulator) -> Env {
    let lab = Lab::on(emulator);
    lab.work.write("main.tf", &Stack::valid(&lab.seed).hcl());
    lab.work.init();
    Env(lab)
}

fn env() -> Env {
    env_with(Emulator::start())
}

/// The diagnostics of a `terraform plan -json` run.
fn diagnostics(run: &Run) -> Vec<Json> {
    run.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Json>(l).ok())
        .filter(|m| m["type"] == "diagnostic")
        .map(|m| m["diagnostic"].clone())
        .collect()
}

fn of_severity(run: &Run, severity: &str) -> Vec<Json> {
    diagnostics(run)
        .into_iter()
        .filter(|d| d["severity"] == severity)
        .collect()
}

fn describe(run: &Run) -> String {
    format!(
        "exit {}\n--- stdout\n{}\n--- stderr\n{}",
        run.code, run.stdout, run.stderr
    )
}

impl Env {
    /// Writes the stack, clears the call counters and runs `terraform plan -json`.
    fn plan(&self, stack: &Stack, extra: &[&str]) -> (Run, String) {
        let hcl = stack.hcl();
        self.work.write("main.tf", &hcl);
        self.emulator.reset_counters();
        let mut args = vec!["plan", "-json", "-input=false"];
        args.extend_from_slice(extra);
        (self.work.run(&args), hcl)
    }

    /// The calls since the last reset; panics if one of them could change anything or read a
    /// secret value.
    fn read_only_calls(&self) -> BTreeMap<String, u64> {
        let calls = self.emulator.calls();
        for call in calls.keys() {
            let action = call.split_once('.').map_or(call.as_str(), |(_, a)| a);
            assert!(
                is_read(call),
                "the plan made a call that is not a read: {call} (all calls: {calls:?})"
            );
            assert!(
                !matches!(action, "GetParameters" | "GetSecretValue"),
                "the plan read a secret value: {call} (all calls: {calls:?})"
            );
        }
        // GetParameter only of AWS's public recommended-AMI parameter, which the refresh reads.
        for body in self.emulator.requests("GetParameter") {
            assert!(
                body.contains("\"/aws/service/ecs/optimized-ami/"),
                "the plan read a parameter other than the recommended AMI: {body}"
            );
        }
        calls
    }

    /// Plans `stack` and asserts it fails with exactly these errors, each on the line of its
    /// needle, made only of reads.
    fn plan_fails_with(&self, case: &str, stack: &Stack, expected: &[(&str, &str)]) {
        let (run, hcl) = self.plan(stack, &[]);
        assert_ne!(
            run.code,
            0,
            "{case}: the plan should fail\n{}",
            describe(&run)
        );
        let mut got: Vec<(String, u64)> = of_severity(&run, "error")
            .iter()
            .map(|d| {
                assert_eq!(
                    d["range"]["filename"], "main.tf",
                    "{case}: an error without a source range: {d:#}"
                );
                (
                    d["summary"].as_str().unwrap_or_default().to_owned(),
                    d["range"]["start"]["line"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        got.sort();
        let mut want: Vec<(String, u64)> = expected
            .iter()
            .map(|(summary, needle)| {
                let line = line_of(&hcl, needle)
                    .unwrap_or_else(|| panic!("{case}: {needle:?} is not in the fixture"));
                ((*summary).to_owned(), line)
            })
            .collect();
        want.sort();
        assert_eq!(
            got,
            want,
            "{case}: errors (summary, line)\n{hcl}\n{}",
            describe(&run)
        );
        let calls = self.read_only_calls();
        assert!(!calls.is_empty(), "{case}: no AWS read was made");
    }

    fn plan_succeeds(&self, case: &str, stack: &Stack) -> (Run, BTreeMap<String, u64>) {
        let (run, _) = self.plan(stack, &[]);
        assert_eq!(
            run.code,
            0,
            "{case}: the plan should succeed\n{}",
            describe(&run)
        );
        assert!(
            of_severity(&run, "error").is_empty(),
            "{case}: {}",
            describe(&run)
        );
        let calls = self.read_only_calls();
        (run, calls)
    }
}

#[test]
fn seeded_public_subnets_route_to_the_internet_gateway_and_private_ones_through_nat() {
    let e = env();
    e.rt.block_on(async {
        for subnet in &e.seed.public_subnet_ids {
            let table = e.aws.route_table_of_subnet(subnet).await;
            assert!(
                table
                    .routes()
                    .iter()
                    .any(|r| r.destination_cidr_block() == Some("0.0.0.0/0")
                        && r.gateway_id().is_some_and(|g| g.starts_with("igw-"))),
                "{subnet}: {table:#?}"
            );
        }
        for subnet in &e.seed.private_subnet_ids {
            let table = e.aws.route_table_of_subnet(subnet).await;
            assert!(
                table
                    .routes()
                    .iter()
                    .all(|r| r.gateway_id().is_none_or(|g| !g.starts_with("igw-"))),
                "{subnet}: {table:#?}"
            );
            assert!(
                table
                    .routes()
                    .iter()
                    .any(|r| r.destination_cidr_block() == Some("0.0.0.0/0")
                        && r.nat_gateway_id().is_some()),
                "{subnet}: {table:#?}"
            );
        }
    });
}

#[test]
fn network_and_certificate_problems_fail_the_plan_on_their_attribute_line_with_reads_only() {
    let e = env();
    // What a user could mistakenly point at: a subnet of another VPC, a second public subnet in
    // the same zone, a public subnet in each zone, and a subnet on a main route table that
    // routes to the internet gateway.
    let (foreign, same_zone_public, public_b, main_routed_a) = e.rt.block_on(async {
        let aws = &e.aws;
        let vpc = &e.seed.vpc_id;
        let other_vpc = drift::create_vpc(aws, "10.43.0.0/16").await;
        let foreign = drift::create_subnet(aws, &other_vpc, "10.43.1.0/24", "b").await;
        let public_table = aws
            .route_table_of_subnet(&e.seed.public_subnet_ids[0])
            .await;
        let igw = public_table
            .routes()
            .iter()
            .find_map(|r| r.gateway_id().filter(|g| g.starts_with("igw-")))
            .expect("the public table routes to the internet gateway")
            .to_owned();
        let same_zone_public = drift::create_subnet(aws, vpc, "10.42.10.0/24", "a").await;
        let public_b = drift::create_subnet(aws, vpc, "10.42.11.0/24", "b").await;
        for subnet in [&same_zone_public, &public_b] {
            let table = public_table.route_table_id().expect("table id");
            drift::associate_route_table(aws, table, subnet).await;
        }
        let main_routed_a = drift::create_subnet(aws, vpc, "10.42.12.0/24", "a").await;
        let main = aws.main_route_table(vpc).await;
        drift::route_to_internet_gateway(aws, &main, &igw).await;
        (
            q(&foreign),
            q(&same_zone_public),
            q(&public_b),
            q(&main_routed_a),
        )
    });
    let valid = Stack::valid(&e.seed).cluster_only();
    let element = |id: &str| format!("    {id},");

    let mut s = valid.clone();
    s.vpc_id = q("vpc-0123456789abcdef0");
    e.plan_fails_with("unknown VPC", &s, &[("VPC not found", "vpc_id ")]);

    let mut s = valid.clone();
    s.public[1] = q("subnet-0123456789abcdef0");
    e.plan_fails_with(
        "unknown subnet",
        &s,
        &[("Subnet not found", &element(&s.public[1]))],
    );

    let mut s = valid.clone();
    s.private[1] = foreign.clone();
    e.plan_fails_with(
        "subnet of another VPC",
        &s,
        &[("Subnet is in another VPC", &element(&foreign))],
    );

    let mut s = valid.clone();
    s.public[1] = same_zone_public.clone();
    e.plan_fails_with(
        "public subnets in one zone",
        &s,
        &[(
            "Subnets in a single Availability Zone",
            "public_subnet_ids = [",
        )],
    );

    let mut s = valid.clone();
    s.private = vec![main_routed_a.clone(), public_b.clone()];
    e.plan_fails_with(
        "private subnets with a route to the internet gateway",
        &s,
        &[
            (
                "Private subnet routes to an internet gateway",
                &element(&main_routed_a),
            ),
            (
                "Private subnet routes to an internet gateway",
                &element(&public_b),
            ),
        ],
    );

    let mut s = valid.clone();
    s.certificate_arn = q(MISSING_CERTIFICATE);
    e.plan_fails_with(
        "unknown certificate",
        &s,
        &[("Certificate not found", "certificate_arn ")],
    );

    let mut s = valid.clone();
    s.certificate_arn = q(&e.seed.certificate_arn.replace("ap-south-1", "us-east-1"));
    e.plan_fails_with(
        "certificate of another region",
        &s,
        &[("Certificate in another region", "certificate_arn ")],
    );
}

#[test]
fn zone_and_secret_problems_fail_the_plan_on_their_attribute_line_without_reading_secret_values() {
    let e = env();
    let deleted = e.rt.block_on(async {
        let arn = drift::create_secret(&e.aws, "ecsprod-test/retired", "retired-value").await;
        drift::schedule_secret_deletion(&e.aws, &arn, 7).await;
        arn
    });
    let valid = Stack::valid(&e.seed);

    let mut s = valid.clone();
    s.service().zone_id = q("Z0123456789ABCDEFGHIJ");
    e.plan_fails_with("unknown zone", &s, &[("Hosted zone not found", "zone_id ")]);

    // Outside the zone, and outside what the new cluster's certificate covers.
    let mut s = valid.clone();
    s.service().domain_name = q("api.example.org");
    e.plan_fails_with(
        "domain outside the zone and the certificate",
        &s,
        &[
            ("domain_name is outside the hosted zone", "zone_id "),
            ("Certificate does not cover domain_name", "domain_name "),
        ],
    );

    // A new cluster in the same plan: its certificate is checked before anything exists.
    let mut s = valid.clone();
    s.service().domain_name = q(&format!("deep.api.{}", e.seed.domain));
    e.plan_fails_with(
        "domain the new cluster's certificate does not cover",
        &s,
        &[("Certificate does not cover domain_name", "domain_name ")],
    );

    let missing_parameter = e
        .seed
        .parameter_arn
        .replace("database-url", "no-such-parameter");
    let missing_secret =
        "arn:aws:secretsmanager:ap-south-1:123456789012:secret:ecsprod-test/no-such-secret-AbCdEf";
    let mut s = valid.clone();
    s.service().secrets[0].1 = q(&missing_parameter);
    e.plan_fails_with(
        "missing SSM parameter",
        &s,
        &[("Secret not found", "DATABASE_URL =")],
    );

    let mut s = valid.clone();
    s.service().secrets[1].1 = q(missing_secret);
    e.plan_fails_with(
        "missing Secrets Manager secret",
        &s,
        &[("Secret not found", "API_TOKEN =")],
    );

    let mut s = valid.clone();
    s.service().secrets.push(("RETIRED".into(), q(&deleted)));
    s.service().secrets[0].1 = q(&missing_parameter);
    e.plan_fails_with(
        "a missing parameter and a secret scheduled for deletion",
        &s,
        &[
            ("Secret not found", "DATABASE_URL ="),
            ("Secret is scheduled for deletion", "RETIRED ="),
        ],
    );

    // A scheduled task's secrets are checked the same way.
    let mut s = valid.clone().cluster_only();
    s.extra = format!(
        r#"
resource "ecsprod_scheduled_task" "nightly" {{
  cluster  = ecsprod_cluster.main.id
  name     = "nightly"
  image    = "public.ecr.aws/docker/library/busybox:1.37"
  schedule = "rate(1 day)"
  secrets = {{
    JOB_TOKEN = {missing}
  }}
}}
"#,
        missing = q(missing_secret)
    );
    e.plan_fails_with(
        "a scheduled task's missing secret",
        &s,
        &[("Secret not found", "JOB_TOKEN =")],
    );
}

#[test]
fn a_valid_stack_plans_with_twelve_preflight_reads_and_an_unchanged_one_with_none() {
    let e = env();
    let stack = Stack::valid(&e.seed);
    e.work.write("main.tf", &stack.hcl());
    e.emulator.reset_counters();
    let run = e
        .work
        .run(&["plan", "-input=false", "-no-color", "-out=tfplan"]);
    assert_eq!(run.code, 0, "{}", describe(&run));
    let calls = e.read_only_calls();
    let total: u64 = calls.values().sum();
    println!("preflight reads for a new cluster and service: {total} {calls:?}");
    let expected: BTreeMap<String, u64> = [
        // ecsprod_cluster: VPC, subnets, route tables, certificate, the instance types and
        // the zones that offer them.
        ("ec2.DescribeVpcs", 1),
        ("ec2.DescribeSubnets", 1),
        ("ec2.DescribeRouteTables", 1),
        ("acm.DescribeCertificate", 2),
        ("ec2.DescribeInstanceTypes", 1),
        ("ec2.DescribeInstanceTypeOfferings", 1),
        // ecsprod_service: its cluster's load balancer (none yet) and the certificate the
        // cluster is planned with (counted above), the zone, the parameter (and whose account
        // it is), the secret.
        ("elasticloadbalancing.DescribeLoadBalancers", 1),
        ("route53.GetHostedZone", 1),
        ("ssm.DescribeParameters", 1),
        ("sts.GetCallerIdentity", 1),
        ("secretsmanager.DescribeSecret", 1),
    ]
    .into_iter()
    .map(|(c, n)| (c.to_owned(), n))
    .collect();
    assert_eq!(calls, expected);
    assert!(
        !run.stdout.contains("Preflight checks skipped"),
        "{}",
        run.stdout
    );

    // The same configuration, as if applied: planning it again makes no preflight read.
    let plan = e.work.run(&["show", "-json", "tfplan"]).success().json();
    let state = state_from_create_plan(&plan, |_, attr| applied_value(attr, "pre-api"));
    let state = with_derived(&e.work, state, &["launch_template_settings"]);
    e.work.write(
        "terraform.tfstate",
        &serde_json::to_string_pretty(&state).expect("state JSON"),
    );
    e.emulator.reset_counters();
    let run = e.work.run(&[
        "plan",
        "-input=false",
        "-no-color",
        "-refresh=false",
        "-detailed-exitcode",
    ]);
    assert_eq!(run.code, 0, "expected an empty plan: {}", describe(&run));
    let mut calls = e.emulator.calls();
    // Only the credentials check when Terraform configures the provider: one STS call a run.
    assert_eq!(calls.remove("sts.GetCallerIdentity"), Some(1), "{calls:?}");
    assert!(
        calls.is_empty(),
        "an unchanged plan made AWS calls: {calls:?}"
    );
}

#[test]
fn a_vpc_id_unknown_at_plan_time_skips_the_checks_that_need_it_and_the_plan_succeeds() {
    let e = env();
    let mut stack = Stack::valid(&e.seed);
    stack.extra = format!(
        "\nresource \"terraform_data\" \"vpc\" {{\n  input = {}\n}}\n",
        q(&e.seed.vpc_id)
    );
    stack.vpc_id = "terraform_data.vpc.output".into();
    let (run, calls) = e.plan_succeeds("unknown vpc_id", &stack);
    assert!(
        !run.stdout.contains("Preflight checks skipped"),
        "{}",
        describe(&run)
    );
    assert_eq!(calls.get("ec2.DescribeVpcs"), None, "{calls:?}");
    assert_eq!(calls.get("ec2.DescribeRouteTables"), None, "{calls:?}");
    assert_eq!(
        calls.get("ec2.DescribeSubnets"),
        Some(&1),
        "the subnets are known and still checked: {calls:?}"
    );
}

#[test]
fn a_throttled_preflight_read_is_a_warning_and_the_plan_succeeds() {
    let e = env();
    let stack = Stack::valid(&e.seed).cluster_only();
    e.work.write("main.tf", &stack.hcl());
    e.emulator.reset_counters();
    e.emulator.set_faults(json!([
        {"service": "ec2", "action": "DescribeSubnets", "mode": "throttle"},
        {"service": "acm", "action": "DescribeCertificate", "mode": "throttle"}
    ]));
    let run = e.work.run(&["plan", "-json", "-input=false"]);
    assert_eq!(run.code, 0, "{}", describe(&run));
    assert!(of_severity(&run, "error").is_empty(), "{}", describe(&run));
    let warnings = of_severity(&run, "warning");
    let skipped = warnings
        .iter()
        .find(|w| w["summary"] == "Preflight checks skipped")
        .unwrap_or_else(|| panic!("no warning about the skipped checks: {}", describe(&run)));
    let detail = skipped["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("subnets") && detail.contains("certificate"),
        "the warning names what was not checked: {detail}"
    );
    assert!(detail.contains("RequestLimitExceeded"), "{detail}");
    let calls = e.read_only_calls();
    assert_eq!(
        calls.get("ec2.DescribeSubnets"),
        Some(&3),
        "a throttled preflight read is tried 3 times, not the provider's 10: {calls:?}"
    );
    assert!(run.seconds < 60.0, "took {} s", run.seconds);
}

#[test]
fn a_certificate_pending_validation_fails_the_plan_on_certificate_arn() {
    // ACM issues the emulator's certificates after an hour, like a DNS validation never done.
    let e = env_with(Emulator::start_with_env(&[(
        "MOTO_ACM_VALIDATION_WAIT",
        "3600",
    )]));
    let status =
        e.rt.block_on(e.aws.certificate_status(&e.seed.certificate_arn));
    assert_eq!(status.as_deref(), Some("PENDING_VALIDATION"));
    e.plan_fails_with(
        "certificate pending validation",
        &Stack::valid(&e.seed).cluster_only(),
        &[("Certificate is not issued", "certificate_arn ")],
    );
}

#[test]
fn a_domain_the_clusters_certificate_does_not_cover_fails_on_domain_name_and_destroy_plans_skip_checks()
 {
    let e = env();
    let cluster = Stack::valid(&e.seed).cluster_only();
    e.work.write("main.tf", &cluster.hcl());
    e.work
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();

    // The certificate is for *.ecsprod.test and ecsprod.test: a wildcard covers one label only.
    let mut s = Stack::valid(&e.seed);
    s.service().domain_name = q(&format!("deep.api.{}", e.seed.domain));
    e.plan_fails_with(
        "domain with two labels under the wildcard",
        &s,
        &[("Certificate does not cover domain_name", "domain_name ")],
    );

    let (_, calls) = e.plan_succeeds("a covered domain", &Stack::valid(&e.seed));
    // The cluster keeps its certificate: its listener's other (SNI) certificates are read too.
    for read in [
        "elasticloadbalancing.DescribeLoadBalancers",
        "elasticloadbalancing.DescribeListeners",
        "elasticloadbalancing.DescribeListenerCertificates",
        "acm.DescribeCertificate",
    ] {
        assert!(
            calls.contains_key(read),
            "the coverage check reads {read}: {calls:?}"
        );
    }

    // The cluster moves to a certificate for another domain in the same plan: the service is
    // checked against the certificate the listener will serve, not the one it serves now.
    let other =
        e.rt.block_on(drift::request_certificate(&e.aws, "*.other.test"));
    let mut s = Stack::valid(&e.seed);
    s.certificate_arn = q(&other);
    e.plan_fails_with(
        "a domain only the outgoing certificate covers",
        &s,
        &[("Certificate does not cover domain_name", "domain_name ")],
    );
    s.service().domain_name = q("api.other.test");
    s.service().zone_id = "null".into();
    e.plan_succeeds("a domain the incoming certificate covers", &s);

    e.work.write("main.tf", &cluster.hcl());
    e.emulator.reset_counters();
    let run = e.work.run(&[
        "plan",
        "-destroy",
        "-refresh=false",
        "-input=false",
        "-no-color",
    ]);
    assert_eq!(run.code, 0, "{}", describe(&run));
    let mut calls = e.emulator.calls();
    // Only the credentials check when Terraform configures the provider: one STS call a run.
    assert_eq!(calls.remove("sts.GetCallerIdentity"), Some(1), "{calls:?}");
    assert!(calls.is_empty(), "a destroy plan made AWS calls: {calls:?}");
}
