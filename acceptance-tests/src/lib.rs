//! Harness for the acceptance tests: each test gets its own working directory, writes HCL into
//! it and runs the real Terraform CLI, which installs the provider from the local filesystem
//! mirror (`make mirror`). Nothing is mocked.
//!
//! Environment (set by `make testacc`; defaults point into this repository):
//! - `ECSPROD_TERRAFORM`: the Terraform executable (default `tools/terraform`);
//! - `ECSPROD_MIRROR_RC`: the CLI configuration that installs from the mirror
//!   (default `dist/terraformrc`).

use std::collections::BTreeMap;
use std::io::Read as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// A path from the environment, or `default` under the repository.
pub fn setting(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(default))
}

/// The `terraform { required_providers }` block every fixture starts with.
pub const REQUIRED_PROVIDERS: &str = r#"terraform {
  required_providers {
    ecsprod = {
      source = "ecsprod/ecsprod"
    }
  }
}
"#;

/// A TCP listener standing in for every AWS endpoint: it counts connection attempts, so a test
/// can prove that no AWS call was made.
pub struct AwsCanary {
    pub url: String,
    connections: Arc<AtomicUsize>,
}

impl AwsCanary {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind canary listener");
        let url = format!("http://{}", listener.local_addr().expect("canary address"));
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                counter.fetch_add(1, Ordering::SeqCst);
                // Read a little and drop the connection: any caller gets an error.
                if let Ok(mut s) = stream {
                    let mut buf = [0u8; 512];
                    let _ = s.read(&mut buf);
                }
            }
        });
        Self { url, connections }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// The outcome of one Terraform command.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub seconds: f64,
}

impl Run {
    fn from_output(out: Output, seconds: f64) -> Self {
        Self {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            seconds,
        }
    }

    /// Panics with the full output unless the command exited 0.
    pub fn success(self) -> Self {
        assert_eq!(
            self.code, 0,
            "terraform failed (exit {}):\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "terraform did not print JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// A Terraform working directory with its own environment.
pub struct Workdir {
    dir: tempfile::TempDir,
    terraform: PathBuf,
    env: BTreeMap<String, String>,
    pub canary: AwsCanary,
}

impl Workdir {
    pub fn new() -> Self {
        let terraform = setting("ECSPROD_TERRAFORM", "tools/terraform");
        let rc = setting("ECSPROD_MIRROR_RC", "dist/terraformrc");
        assert!(
            rc.exists(),
            "{} is missing: run `make mirror` (or `make testacc`) first",
            rc.display()
        );
        let canary = AwsCanary::start();
        let mut env = BTreeMap::new();
        env.insert("TF_CLI_CONFIG_FILE".into(), rc.display().to_string());
        env.insert("TF_IN_AUTOMATION".into(), "1".into());
        env.insert("CHECKPOINT_DISABLE".into(), "1".into());
        env.insert("AWS_ENDPOINT_URL".into(), canary.url.clone());
        env.insert("AWS_REGION".into(), "ap-south-1".into());
        env.insert("AWS_ACCESS_KEY_ID".into(), "AKIAIOSFODNN7EXAMPLE".into());
        env.insert(
            "AWS_SECRET_ACCESS_KEY".into(),
            "acceptance-test-secret".into(),
        );
        Self {
            dir: tempfile::Builder::new()
                .prefix("ecsprod-acc-")
                .tempdir()
                .expect("temporary directory"),
            terraform,
            env,
            canary,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.insert(key.to_owned(), value.to_owned());
    }

    /// Runs another Terraform executable from now on (such as `tools/terraform-1.6`, a path
    /// relative to the repository) instead of `ECSPROD_TERRAFORM`'s.
    pub fn use_terraform(&mut self, terraform: &str) {
        self.terraform = repo_root().join(terraform);
    }

    /// Writes a file (relative to the working directory), creating folders.
    pub fn write(&self, name: &str, content: &str) -> &Self {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create fixture folder");
        }
        std::fs::write(&path, content).expect("write fixture");
        self
    }

    /// Copies a folder of the repository (such as an example) into the working directory.
    pub fn copy_from_repo(&self, folder: &str) -> &Self {
        copy_dir(&repo_root().join(folder), self.dir.path());
        self
    }

    /// Runs `terraform <args>` in the working directory.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    pub fn run_with(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args, extra_env);
        let start = Instant::now();
        let out = cmd.output().expect("run terraform");
        Run::from_output(out, start.elapsed().as_secs_f64())
    }

    /// The `terraform <args>` command of this working directory, for tests that need to
    /// control the process themselves (signals, concurrent observation).
    pub fn command(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(&self.terraform);
        cmd.args(args).current_dir(self.dir.path());
        for var in ["TF_LOG", "TF_LOG_PATH", "TF_LOG_PROVIDER", "TF_LOG_CORE"] {
            cmd.env_remove(var);
        }
        cmd.envs(&self.env);
        cmd.envs(extra_env.iter().copied());
        cmd
    }

    /// The attributes `address` (e.g. `ecsprod_service.api`) has in the state.
    pub fn state_of(&self, address: &str) -> serde_json::Value {
        let shown = self.run(&["show", "-json", "-no-color"]).success().json();
        shown["values"]["root_module"]["resources"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["address"] == address))
            .map(|r| r["values"].clone())
            .unwrap_or_else(|| panic!("{address} is not in the state"))
    }

    pub fn init(&self) -> Run {
        self.run(&["init", "-input=false", "-no-color"]).success()
    }

    /// Panics, with the plan, unless a plan of the working directory has no changes; `when`
    /// says which plan in the message.
    pub fn assert_plan_empty(&self, when: &str) {
        let run = self.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
        assert_eq!(
            run.code, 0,
            "plan {when} is not empty:\n{}\n{}",
            run.stdout, run.stderr
        );
    }

    /// `terraform validate -json`, whatever its exit code.
    pub fn validate_json(&self) -> serde_json::Value {
        self.run(&["validate", "-json", "-no-color"]).json()
    }
}

impl Default for Workdir {
    fn default() -> Self {
        Self::new()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()))
    {
        let entry = entry.expect("folder entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// The 1-based line of `needle` in `text` (first occurrence).
pub fn line_of(text: &str, needle: &str) -> Option<u64> {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u64 + 1)
}

pub mod emulator;

/// `resource "ecsprod_cluster" "main"` named `name` in the seed's network, without deletion
/// protection; `extra` holds more arguments, one per line.
pub fn cluster_resource(seed: &emulator::Seed, name: &str, extra: &str) -> String {
    format!(
        r#"resource "ecsprod_cluster" "main" {{
  name                = "{name}"
  vpc_id              = "{vpc}"
  public_subnet_ids   = ["{pub0}", "{pub1}"]
  private_subnet_ids  = ["{priv0}", "{priv1}"]
  certificate_arn     = "{cert}"
  deletion_protection = false
{extra}}}
"#,
        vpc = seed.vpc_id,
        pub0 = seed.public_subnet_ids[0],
        pub1 = seed.public_subnet_ids[1],
        priv0 = seed.private_subnet_ids[0],
        priv1 = seed.private_subnet_ids[1],
        cert = seed.certificate_arn,
    )
}

/// `resource "ecsprod_service" "api"` on the cluster of [`cluster_resource`]: nginx on port
/// 8080 at `api.` the seed's domain; `extra` holds more arguments, one per line.
pub fn service_resource(seed: &emulator::Seed, extra: &str) -> String {
    format!(
        r#"resource "ecsprod_service" "api" {{
  cluster        = ecsprod_cluster.main.id
  name           = "api"
  image          = "public.ecr.aws/nginx/nginx:1.27"
  container_port = 8080
  domain_name    = "api.{domain}"
{extra}}}
"#,
        domain = seed.domain,
    )
}

impl Workdir {
    /// Points every AWS call at the emulator instead of the canary.
    /// On real AWS, Terraform gets the credentials and region of the test's environment.
    pub fn use_emulator(&mut self, emulator: &emulator::Emulator) {
        if emulator.is_real_aws() {
            for var in [
                "AWS_ENDPOINT_URL",
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
            ] {
                self.env.remove(var);
            }
            if std::env::var_os("AWS_REGION").is_some() {
                self.env.remove("AWS_REGION");
            }
            return;
        }
        self.set_env("AWS_ENDPOINT_URL", &emulator.url);
        self.set_env("AWS_REGION", emulator::REGION);
        self.set_env("AWS_EC2_METADATA_DISABLED", "true");
    }
}
pub mod aws_check;
pub mod drift;
pub mod fleet;
mod lab;
mod seed;
mod state;

pub use lab::Lab;
pub use state::{applied_value, state_from_create_plan, with_derived};

/// A multi-threaded runtime for the SDK calls of one test.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A Terraform command running in the background, its output going to unnamed files.
pub struct Spawned {
    child: std::process::Child,
    stdout: std::fs::File,
    stderr: std::fs::File,
    start: Instant,
}

impl Workdir {
    /// Starts `terraform <args>` without waiting for it.
    pub fn spawn(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Spawned {
        let stdout = tempfile::tempfile().expect("stdout file");
        let stderr = tempfile::tempfile().expect("stderr file");
        let child = self
            .command(args, extra_env)
            .stdin(std::process::Stdio::null())
            .stdout(stdout.try_clone().expect("stdout handle"))
            .stderr(stderr.try_clone().expect("stderr handle"))
            .spawn()
            .expect("start terraform");
        Spawned {
            child,
            stdout,
            stderr,
            start: Instant::now(),
        }
    }
}

impl Spawned {
    /// The process id of Terraform itself (the launcher `exec`s it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the command is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits for the command; after `limit`, kills it with its child processes and returns
    /// `None`.
    pub fn wait_for(mut self, limit: std::time::Duration) -> Option<Run> {
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if self.start.elapsed() < limit => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                _ => {
                    for pid in child_processes(self.pid(), "") {
                        kill_process(pid);
                    }
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return None;
                }
            }
        }
        Some(self.wait())
    }

    /// Waits for the command and collects its output.
    pub fn wait(mut self) -> Run {
        use std::io::Seek as _;
        let status = self.child.wait().expect("wait for terraform");
        let seconds = self.start.elapsed().as_secs_f64();
        let read = |file: &mut std::fs::File| {
            let _ = file.rewind();
            let mut bytes = Vec::new();
            let _ = file.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        };
        Run {
            code: status.code().unwrap_or(-1),
            stdout: read(&mut self.stdout),
            stderr: read(&mut self.stderr),
            seconds,
        }
    }
}

/// Process ids of the direct children of `parent` whose executable name starts with `prefix`
/// (from /proc; empty elsewhere).
pub fn child_processes(parent: u32, prefix: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        // `pid (comm) state ppid ...`: the name may hold spaces and parentheses.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid != Some(parent) {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let argv0 = cmdline.split(|b| *b == 0).next().unwrap_or_default();
        let argv0 = String::from_utf8_lossy(argv0);
        let name = argv0.rsplit('/').next().unwrap_or_default();
        if name.starts_with(prefix) {
            found.push(pid);
        }
    }
    found
}

/// Sends SIGKILL to one process.
pub fn kill_process(pid: u32) {
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
}
