//! The local AWS emulator (moto server behind `tools/emulator.py`'s control layer), started per
//! test on a free port, and what a user brings to it: a VPC with public and private subnets in
//! two Availability Zones, an ACM certificate, a hosted zone, an SSM SecureString and a Secrets
//! Manager secret.
//!
//! With `ECSPROD_TEST_ENDPOINT` set (LocalStack Pro, or real AWS with `ECSPROD_TEST_REAL_AWS=1`)
//! no emulator is started and the tests run against that endpoint; the call counters and the
//! fault layer are then unavailable.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::repo_root;

pub const REGION: &str = "ap-south-1";

pub struct Emulator {
    child: Option<Child>,
    /// Base URL of the AWS endpoint.
    pub url: String,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A minimal HTTP/1.1 exchange with the control API (no client library needed for it).
fn http(url: &str, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

impl Emulator {
    /// Starts a private emulator (or uses `ECSPROD_TEST_ENDPOINT`).
    pub fn start() -> Self {
        Self::start_with_env(&[])
    }

    /// Starts a private emulator with extra environment for moto (for example
    /// `INITIAL_NO_AUTH_ACTION_COUNT`), or uses `ECSPROD_TEST_ENDPOINT`.
    pub fn start_with_env(env: &[(&str, &str)]) -> Self {
        if let Ok(url) = std::env::var("ECSPROD_TEST_ENDPOINT") {
            return Self { child: None, url };
        }
        let python = repo_root().join("tools/.venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run `make setup` first",
            python.display()
        );
        let port = free_port();
        let child = Command::new(python)
            .arg(repo_root().join("tools/emulator.py"))
            .arg(port.to_string())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the emulator");
        let url = format!("http://127.0.0.1:{port}");
        let emulator = Self {
            child: Some(child),
            url,
        };
        let start = Instant::now();
        loop {
            if let Ok((200, _)) = http(&emulator.url, "GET", "/_ecsprod/health", "") {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the emulator did not start within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        emulator
    }

    pub fn is_local(&self) -> bool {
        self.child.is_some()
    }

    /// API calls per `service.Action` since the last reset.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        let (_, body) = http(&self.url, "GET", "/_ecsprod/calls", "").expect("read call counts");
        serde_json::from_str(&body).expect("call counts JSON")
    }

    /// Bodies of the recorded requests of one action.
    pub fn requests(&self, action: &str) -> Vec<String> {
        let (_, body) = http(
            &self.url,
            "GET",
            &format!("/_ecsprod/requests?action={action}"),
            "",
        )
        .expect("read recorded requests");
        serde_json::from_str(&body).expect("requests JSON")
    }

    /// Replaces the fault rules (see tools/emulator.py).
    pub fn set_faults(&self, rules: serde_json::Value) {
        let (status, body) =
            http(&self.url, "POST", "/_ecsprod/faults", &rules.to_string()).expect("set faults");
        assert_eq!(status, 200, "{body}");
    }

    /// Clears counters, recorded requests and faults.
    pub fn reset_counters(&self) {
        http(&self.url, "POST", "/_ecsprod/reset", "").expect("reset counters");
    }

    /// An SDK configuration pointing at the emulator.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        sdk_config(&self.url).await
    }
}

/// SDK settings for an emulator at `url` (one this harness started or another).
pub async fn sdk_config(url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(url)
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "acceptance-test-secret",
            None,
            None,
            "acceptance-tests",
        ))
        .load()
        .await
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What a user brings: the network, a certificate, a zone and two secrets.
#[derive(Debug, Clone)]
pub struct Seed {
    pub vpc_id: String,
    pub public_subnet_ids: Vec<String>,
    pub private_subnet_ids: Vec<String>,
    pub certificate_arn: String,
    pub zone_id: String,
    pub domain: String,
    pub parameter_arn: String,
    pub secret_arn: String,
    /// The customer-managed KMS key that encrypts the SecureString.
    pub kms_key_arn: String,
    /// The secret values, so tests can prove they never leak.
    pub parameter_value: String,
    pub secret_value: String,
}

pub async fn seed(config: &aws_config::SdkConfig) -> Seed {
    let ec2 = aws_sdk_ec2::Client::new(config);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.42.0.0/16")
        .send()
        .await
        .expect("create VPC");
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("VPC id")
        .to_owned();
    let igw = ec2
        .create_internet_gateway()
        .send()
        .await
        .expect("create IGW");
    let igw_id = igw
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .expect("IGW id")
        .to_owned();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("attach IGW");
    let mut public = Vec::new();
    let mut private = Vec::new();
    for (i, (az, kind)) in [
        ("a", "public"),
        ("b", "public"),
        ("a", "private"),
        ("b", "private"),
    ]
    .iter()
    .enumerate()
    {
        let subnet = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(format!("10.42.{i}.0/24"))
            .availability_zone(format!("{REGION}{az}"))
            .send()
            .await
            .expect("create subnet");
        let id = subnet
            .subnet()
            .and_then(|s| s.subnet_id())
            .expect("subnet id")
            .to_owned();
        if *kind == "public" {
            public.push(id);
        } else {
            private.push(id);
        }
    }
    // Public subnets route to the internet gateway; private ones only through a NAT gateway (in
    // the first public subnet). The VPC's main route table keeps only its local route.
    let route_table = |name: &'static str| {
        let ec2 = ec2.clone();
        let vpc_id = vpc_id.clone();
        async move {
            ec2.create_route_table()
                .vpc_id(&vpc_id)
                .send()
                .await
                .unwrap_or_else(|e| panic!("create {name} route table: {e}"))
                .route_table()
                .and_then(|t| t.route_table_id())
                .expect("route table id")
                .to_owned()
        }
    };
    let public_table = route_table("public").await;
    ec2.create_route()
        .route_table_id(&public_table)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw_id)
        .send()
        .await
        .expect("route to the internet gateway");
    let address = ec2
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .expect("allocate the NAT gateway's address");
    let nat_id = ec2
        .create_nat_gateway()
        .subnet_id(&public[0])
        .allocation_id(address.allocation_id().expect("allocation id"))
        .send()
        .await
        .expect("create NAT gateway")
        .nat_gateway()
        .and_then(|n| n.nat_gateway_id())
        .expect("NAT gateway id")
        .to_owned();
    let private_table = route_table("private").await;
    ec2.create_route()
        .route_table_id(&private_table)
        .destination_cidr_block("0.0.0.0/0")
        .nat_gateway_id(&nat_id)
        .send()
        .await
        .expect("route to the NAT gateway");
    for (table, subnets) in [(&public_table, &public), (&private_table, &private)] {
        for subnet in subnets {
            ec2.associate_route_table()
                .route_table_id(table)
                .subnet_id(subnet)
                .send()
                .await
                .expect("associate route table");
        }
    }
    let domain = "ecsprod.test".to_owned();
    let acm = aws_sdk_acm::Client::new(config);
    let certificate_arn = acm
        .request_certificate()
        .domain_name(format!("*.{domain}"))
        .subject_alternative_names(&domain)
        .validation_method(aws_sdk_acm::types::ValidationMethod::Dns)
        .send()
        .await
        .expect("request certificate")
        .certificate_arn()
        .expect("certificate ARN")
        .to_owned();
    let route53 = aws_sdk_route53::Client::new(config);
    let zone = route53
        .create_hosted_zone()
        .name(&domain)
        .caller_reference(format!("ecsprod-{}", std::process::id()))
        .send()
        .await
        .expect("create hosted zone");
    let zone_id = zone
        .hosted_zone()
        .map(|z| z.id().trim_start_matches("/hostedzone/").to_owned())
        .expect("zone id");
    let kms = aws_sdk_kms::Client::new(config);
    let key = kms
        .create_key()
        .description("ecsprod acceptance tests: SecureString key")
        .send()
        .await
        .expect("create KMS key");
    let key_metadata = key.key_metadata().expect("key metadata");
    let kms_key_arn = key_metadata.arn().expect("key ARN").to_owned();
    let parameter_value = format!("postgres://app:p4ss-{}@db/app", std::process::id());
    let ssm = aws_sdk_ssm::Client::new(config);
    ssm.put_parameter()
        .name("/ecsprod-test/database-url")
        .value(&parameter_value)
        .key_id(key_metadata.key_id())
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .expect("put parameter");
    let parameter_arn =
        format!("arn:aws:ssm:{REGION}:123456789012:parameter/ecsprod-test/database-url");
    let secret_value = format!("token-{}-s3cr3t", std::process::id());
    let secrets = aws_sdk_secretsmanager::Client::new(config);
    let secret_arn = secrets
        .create_secret()
        .name("ecsprod-test/api-token")
        .secret_string(&secret_value)
        .send()
        .await
        .expect("create secret")
        .arn()
        .expect("secret ARN")
        .to_owned();
    Seed {
        vpc_id,
        public_subnet_ids: public,
        private_subnet_ids: private,
        certificate_arn,
        zone_id,
        domain,
        parameter_arn,
        secret_arn,
        kms_key_arn,
        parameter_value,
        secret_value,
    }
}
