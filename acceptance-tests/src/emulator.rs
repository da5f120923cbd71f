//! The local AWS emulator (moto server behind `tools/emulator.py`'s control layer), started per
//! test on a free port, and what a user brings to it: a VPC with public and private subnets in
//! two Availability Zones, an ACM certificate, a hosted zone, an SSM SecureString and a Secrets
//! Manager secret.
//!
//! Elsewhere, no emulator is started:
//! - `ECSPROD_TEST_ENDPOINT=URL`: every call goes to that endpoint (LocalStack Pro on :4566, or a
//!   `tools/emulator.py` started by hand). The call counters, recorded requests and fault layer
//!   are there only when the endpoint serves `tools/emulator.py`'s control API; a test that
//!   needs them fails saying so.
//! - `ECSPROD_TEST_REAL_AWS=1`: real AWS, with the credentials and region of the environment
//!   (`AWS_PROFILE`, `AWS_ACCESS_KEY_ID`..., `AWS_REGION`).
//!
//! `ECSPROD_TEST_SEED=FILE` (a JSON object with the fields of [`Seed`]) replaces the seeding with
//! what the file names: on real AWS it must, since a certificate the tests can use has to be
//! issued for a domain the account controls. Tests on a shared endpoint use the same object
//! names, so run them one at a time there (`-- --test-threads 1`).

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::repo_root;

pub const REGION: &str = "ap-south-1";

pub struct Emulator {
    child: Option<Child>,
    /// Base URL of the AWS endpoint; empty for real AWS.
    pub url: String,
    /// Whether the endpoint serves `tools/emulator.py`'s control API.
    control: bool,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A minimal HTTP/1.1 exchange with the control API (no client library needed for it).
fn http(url: &str, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    exchange(
        url,
        method,
        path,
        &[("Content-Type", "application/json")],
        body,
    )
}

/// One HTTP/1.1 request with `headers`: the status and body of its answer.
fn exchange(
    url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
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
        let elsewhere = std::env::var("ECSPROD_TEST_REAL_AWS").as_deref() == Ok("1")
            || std::env::var_os("ECSPROD_TEST_ENDPOINT").is_some();
        assert!(
            env.is_empty() || !elsewhere,
            "this test needs an emulator started with {env:?}: unset ECSPROD_TEST_ENDPOINT and ECSPROD_TEST_REAL_AWS to run it"
        );
        if std::env::var("ECSPROD_TEST_REAL_AWS").as_deref() == Ok("1") {
            return Self {
                child: None,
                url: String::new(),
                control: false,
            };
        }
        if let Ok(url) = std::env::var("ECSPROD_TEST_ENDPOINT") {
            return Self::external(&url);
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
            control: true,
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

    /// An endpoint started elsewhere; its control API is used when it serves one.
    pub fn external(url: &str) -> Self {
        let url = url.trim_end_matches('/').to_owned();
        let control = matches!(http(&url, "GET", "/_ecsprod/health", ""), Ok((200, _)));
        Self {
            child: None,
            url,
            control,
        }
    }

    /// Whether the calls go to an emulator this harness started for the test alone.
    pub fn is_local(&self) -> bool {
        self.child.is_some()
    }

    /// Real AWS rather than an emulator.
    pub fn is_real_aws(&self) -> bool {
        self.url.is_empty()
    }

    /// The endpoint, for a test that counts calls, reads requests or injects faults.
    fn control_url(&self, what: &str) -> &str {
        assert!(
            self.control,
            "this test {what} through the control API of tools/emulator.py, which {} does not serve: run it against the local emulator (without ECSPROD_TEST_ENDPOINT and ECSPROD_TEST_REAL_AWS)",
            if self.url.is_empty() {
                "real AWS"
            } else {
                self.url.as_str()
            }
        );
        &self.url
    }

    /// API calls per `service.Action` since the last reset.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        let url = self.control_url("counts API calls");
        let (_, body) = http(url, "GET", "/_ecsprod/calls", "").expect("read call counts");
        serde_json::from_str(&body).expect("call counts JSON")
    }

    /// How many AWS requests the emulator is answering now (a held-back call counts until it
    /// has landed).
    pub fn inflight(&self) -> u64 {
        let url = self.control_url("counts requests in flight");
        let (_, body) =
            http(url, "GET", "/_ecsprod/inflight", "").expect("read requests in flight");
        let doc: serde_json::Value = serde_json::from_str(&body).expect("in-flight JSON");
        doc["inflight"].as_u64().unwrap_or(0)
    }

    /// Bodies of the recorded requests of one action.
    pub fn requests(&self, action: &str) -> Vec<String> {
        let (_, body) = http(
            self.control_url("reads the requests AWS received"),
            "GET",
            &format!("/_ecsprod/requests?action={action}"),
            "",
        )
        .expect("read recorded requests");
        serde_json::from_str(&body).expect("requests JSON")
    }

    /// The body of the last request of one action, as JSON.
    pub fn last_request(&self, action: &str) -> serde_json::Value {
        self.requests(action)
            .last()
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or_else(|| panic!("no {action} request was recorded"))
    }

    /// Replaces the fault rules (see tools/emulator.py).
    pub fn set_faults(&self, rules: serde_json::Value) {
        let url = self.control_url("injects faults");
        let (status, body) =
            http(url, "POST", "/_ecsprod/faults", &rules.to_string()).expect("set faults");
        assert_eq!(status, 200, "{body}");
    }

    /// Sets AWS-like request-rate limits (see tools/emulator_limits.py): `{"enabled": true}`
    /// for the default buckets; answers the settings and the calls throttled so far.
    pub fn set_limits(&self, settings: serde_json::Value) -> serde_json::Value {
        let url = self.control_url("limits request rates");
        let (status, body) =
            http(url, "POST", "/_ecsprod/limits", &settings.to_string()).expect("set rate limits");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("limits JSON")
    }

    /// The rate-limit settings and the calls throttled, per bucket, since the last reset.
    pub fn limits(&self) -> serde_json::Value {
        let url = self.control_url("limits request rates");
        let (_, body) = http(url, "GET", "/_ecsprod/limits", "").expect("read rate limits");
        serde_json::from_str(&body).expect("limits JSON")
    }

    /// Publishes a new value of one of AWS's public SSM parameters in the emulator's region, as
    /// AWS does when it recommends a new AMI.
    pub fn publish_parameter(&self, name: &str, value: &str) {
        let url = self.control_url("publishes AWS's public parameters");
        let body = serde_json::json!({ "region": REGION, "name": name, "value": value });
        let (status, answer) =
            http(url, "POST", "/_ecsprod/parameter", &body.to_string()).expect("publish parameter");
        assert_eq!(status, 200, "{answer}");
    }

    /// Clears counters, recorded requests and faults.
    pub fn reset_counters(&self) {
        let url = self.control_url("counts API calls");
        http(url, "POST", "/_ecsprod/reset", "").expect("reset counters");
    }

    /// An unsigned AWS request to `service` (`s3`, `dynamodb`...) in `region`, for a test that
    /// prepares or reads what Terraform itself keeps in AWS: the credential scope of its
    /// `Authorization` header routes it, and the emulator does not check the signature. Returns
    /// the status and body of the answer.
    pub fn unsigned(
        &self,
        service: &str,
        region: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        assert!(
            !self.is_real_aws(),
            "this test sends unsigned requests, which real AWS refuses: run it against an emulator"
        );
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"
        );
        let mut all = vec![("Authorization", authorization.as_str())];
        all.extend_from_slice(headers);
        exchange(&self.url, method, path, &all, body)
            .unwrap_or_else(|e| panic!("{service} {method} {path}: {e}"))
    }

    /// An SDK configuration pointing at the emulator.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        if self.is_real_aws() {
            let region = std::env::var("AWS_REGION").unwrap_or_else(|_| REGION.to_owned());
            return aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new(region))
                .load()
                .await;
        }
        sdk_config(&self.url).await
    }
}

/// Whether a `service.Action` key of [`Emulator::calls`] names a read: an action that
/// describes, lists or gets.
pub fn is_read(call: &str) -> bool {
    let action = call.split_once('.').map_or(call, |(_, a)| a);
    ["Describe", "List", "Get"]
        .iter()
        .any(|read| action.starts_with(read))
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

pub use crate::seed::{Seed, new_seed, seed, seed_from_file};
