//! The fault campaign: one cluster, two services (secrets, DNS zone, autoscaling) and a scheduled
//! task through real Terraform against the local AWS emulator, under injected failures:
//!
//! - a throttling storm (30 % of all calls throttled);
//! - a hard failure of each write the provider makes while creating, updating and destroying;
//! - a lost response (the call is applied, then a 5xx) of each write made while creating;
//! - the provider process killed with SIGKILL in the middle of an apply.
//!
//! The write actions are not listed by hand: they are the ones the emulator saw during a clean
//! create, update and destroy. The emulator answers a retried create of an object that already
//! exists as AWS does, not as moto does.
//!
//! After each trial the stack must converge, the next plan must be empty, destroy must leave
//! nothing, no object may ever exist twice, the seeded secret values must never be read and
//! never appear in Terraform's output or state. Each test prints its matrix (trials, recovered,
//! duplicates, orphans, leaks) and its time: see it with `--nocapture`, or in a failure.
//!
//! Each test runs two trials at once (`ECSPROD_FAULT_WORKERS` changes that), each in its own
//! emulator; `ECSPROD_FAULT_ONLY=<text>` runs only the trials whose label contains the text.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use acceptance_tests::aws_check::{self, Aws};
use acceptance_tests::emulator::{Emulator, Seed};
use acceptance_tests::{
    REQUIRED_PROVIDERS, Run, Workdir, child_processes, cluster_resource, kill_process, repo_root,
};
use serde_json::{Value, json};

const CLUSTER: &str = "flt";
const SERVICES: [&str; 2] = ["api", "web"];
const JOB: &str = "report";
/// The longest one Terraform command may take in a trial.
const COMMAND_LIMIT: Duration = Duration::from_secs(180);
/// How long a call is held back before the provider is killed (the call lands afterwards).
const KILL_WINDOW: Duration = Duration::from_millis(2000);

/// What the configuration asks for: the update trials go from `FIRST` to `CHANGED`.
#[derive(Debug, Clone, Copy)]
struct Shape {
    image: &'static str,
    max_capacity: u32,
    max_size: u32,
}

const FIRST: Shape = Shape {
    image: "public.ecr.aws/nginx/nginx:1.27",
    max_capacity: 6,
    max_size: 4,
};

const CHANGED: Shape = Shape {
    image: "public.ecr.aws/nginx/nginx:1.28",
    max_capacity: 8,
    max_size: 5,
};

fn config(seed: &Seed, shape: Shape) -> String {
    let mut hcl = format!(
        r#"{REQUIRED_PROVIDERS}
{cluster}"#,
        cluster = cluster_resource(
            seed,
            CLUSTER,
            &format!("  max_size            = {}\n", shape.max_size)
        ),
    );
    for name in SERVICES {
        hcl.push_str(&format!(
            r#"
resource "ecsprod_service" "{name}" {{
  cluster           = ecsprod_cluster.main.id
  name              = "{name}"
  image             = "{image}"
  container_port    = 8080
  domain_name       = "{name}.{domain}"
  zone_id           = "{zone}"
  environment       = {{ LOG_LEVEL = "info" }}
  health_check_path = "/healthz"
  secrets = {{
    DATABASE_URL = "{param}"
    API_TOKEN    = "{secret}"
  }}
  autoscaling = {{
    min_capacity = 2
    max_capacity = {max_capacity}
  }}
}}
"#,
            image = shape.image,
            domain = seed.domain,
            zone = seed.zone_id,
            param = seed.parameter_arn,
            secret = seed.secret_arn,
            max_capacity = shape.max_capacity,
        ));
    }
    hcl.push_str(&format!(
        r#"
resource "ecsprod_scheduled_task" "{JOB}" {{
  cluster  = ecsprod_cluster.main.id
  name     = "{JOB}"
  image    = "{image}"
  schedule = "cron(0 3 * * ? *)"
  secrets  = {{ API_TOKEN = "{secret}" }}
}}
"#,
        image = shape.image,
        secret = seed.secret_arn,
    ));
    hcl
}

/// A private copy of the provider mirror, and the CLI configuration that installs from it, made
/// once per run: a `make mirror` meanwhile cannot take the provider away from a long campaign.
fn private_mirror_rc() -> &'static Path {
    static RC: OnceLock<PathBuf> = OnceLock::new();
    RC.get_or_init(|| {
        let rc = std::env::var_os("ECSPROD_MIRROR_RC")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("dist/terraformrc"));
        let text = std::fs::read_to_string(&rc)
            .unwrap_or_else(|e| panic!("{}: {e} (run `make mirror` first)", rc.display()));
        let mirror = text
            .lines()
            .find_map(|l| {
                let (key, value) = l.split_once('=')?;
                (key.trim() == "path").then(|| value.trim().trim_matches('"').to_owned())
            })
            .unwrap_or_else(|| panic!("no mirror path in {}", rc.display()));
        let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
        // Copies of earlier runs whose process is gone.
        if let Ok(entries) = std::fs::read_dir(base) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(pid) = name.strip_prefix("faults-mirror-")
                    && !Path::new("/proc").join(pid).exists()
                {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let copy = base.join(format!("faults-mirror-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&copy);
        link_tree(Path::new(&mirror), &copy.join("mirror"));
        let private_rc = copy.join("terraformrc");
        std::fs::write(
            &private_rc,
            text.replace(&mirror, &copy.join("mirror").display().to_string()),
        )
        .expect("write the private CLI configuration");
        private_rc
    })
}

/// Hard-links (or copies) every file of a tree.
fn link_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create mirror folder");
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("mirror entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            link_tree(&entry.path(), &target);
        } else if std::fs::hard_link(entry.path(), &target).is_err() {
            std::fs::copy(entry.path(), &target).expect("copy mirror file");
        }
    }
}

/// Actions that change something (the ones a hard failure or a lost response is injected into).
fn is_write(action: &str) -> bool {
    const VERBS: [&str; 24] = [
        "Create",
        "Register",
        "Put",
        "Attach",
        "Authorize",
        "Change",
        "Add",
        "Modify",
        "Update",
        "Set",
        "Tag",
        "Untag",
        "Associate",
        "Enable",
        "Disable",
        "Delete",
        "Deregister",
        "Detach",
        "Revoke",
        "Remove",
        "Disassociate",
        "Run",
        "Start",
        "Stop",
    ];
    VERBS.iter().any(|v| action.starts_with(v))
}

/// `service.Action` keys of the writes that grew between two call counts.
fn writes_between(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> Vec<String> {
    after
        .iter()
        .filter(|(key, n)| **n > before.get(*key).copied().unwrap_or(0))
        .map(|(key, _)| key.clone())
        .filter(|key| key.split_once('.').is_some_and(|(_, a)| is_write(a)))
        .collect()
}

/// The error a missing permission gets, in each service's own words.
fn denied(service: &str) -> (&'static str, u16) {
    match service {
        "ec2" => ("UnauthorizedOperation", 403),
        "iam" | "elasticloadbalancing" | "autoscaling" | "route53" | "sts" => ("AccessDenied", 403),
        _ => ("AccessDeniedException", 400),
    }
}

fn split_key(key: &str) -> (&str, &str) {
    key.split_once('.').unwrap_or(("", key))
}

fn hard_failure(key: &str, times: Option<u32>) -> Value {
    let (service, action) = split_key(key);
    let (code, status) = denied(service);
    json!([{
        "service": service, "action": action, "mode": "fail", "times": times,
        "code": code, "status": status,
        "message": "User is not authorized to perform this operation (injected by the test emulator)"
    }])
}

/// The object words of an action: `PutClusterCapacityProviders` → cluster, capacity, provider.
fn object_words(action: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for c in action.chars() {
        if c.is_uppercase() || words.is_empty() {
            words.push(String::new());
        }
        if let Some(w) = words.last_mut() {
            w.push(c.to_ascii_lowercase());
        }
    }
    const GENERIC: [&str; 8] = [
        "to",
        "from",
        "attributes",
        "resource",
        "sets",
        "set",
        "group",
        "policy",
    ];
    words
        .into_iter()
        .skip(1)
        .filter(|w| !GENERIC.contains(&w.as_str()))
        .map(|w| {
            if w.len() > 4 && w.ends_with('s') {
                w[..w.len() - 1].to_owned()
            } else {
                w
            }
        })
        .collect()
}

/// The summaries of Terraform's errors (`Error: <summary>` up to the blank line).
fn error_summaries(stderr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = stderr.lines();
    while let Some(line) = lines.next() {
        if let Some(first) = line.trim_start().strip_prefix("Error: ") {
            let mut summary = first.to_owned();
            for more in lines.by_ref() {
                if more.trim().is_empty() {
                    break;
                }
                summary.push(' ');
                summary.push_str(more.trim());
            }
            out.push(summary);
        }
    }
    out
}

/// Whether an error of the run says which step failed: the action, or one of its object words
/// after "failed to".
fn names_the_step(key: &str, stderr: &str) -> bool {
    let (_, action) = split_key(key);
    let words = object_words(action);
    error_summaries(stderr).iter().any(|s| {
        let lower = s.to_lowercase();
        let step = lower.split_once("failed to ").map_or("", |(_, step)| step);
        lower.contains(&action.to_lowercase()) || words.iter().any(|w| step.contains(w.as_str()))
    })
}

/// Terraform's error blocks (summary and detail), joined, cut to `limit` characters.
fn error_blocks(stderr: &str, limit: usize) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in stderr.lines() {
        if line.trim_start().starts_with("Error: ") {
            inside = true;
        }
        if inside && !line.trim().is_empty() {
            if !out.is_empty() {
                out.push_str(" | ");
            }
            out.push_str(line.trim());
        }
    }
    if out.chars().count() > limit {
        out = out.chars().take(limit).collect::<String>() + " …";
    }
    out
}

/// The first error summaries of a run, for messages.
fn errors_of(run: &Run) -> String {
    let summaries = error_summaries(&run.stderr);
    if summaries.is_empty() {
        let tail: Vec<&str> = run.stderr.lines().rev().take(6).collect();
        return tail.into_iter().rev().collect::<Vec<_>>().join(" | ");
    }
    summaries
        .into_iter()
        .take(4)
        .collect::<Vec<_>>()
        .join(" | ")
}

/// An emulator holding what a user brings (network, certificate, zone, secrets), and an
/// initialised working directory. Trials reuse both as long as they leave the emulator as they
/// found it (each starts from an empty state); after a trial that did not, the next one gets a
/// new lab.
struct Lab {
    emulator: Emulator,
    rt: tokio::runtime::Runtime,
    sdk: aws_config::SdkConfig,
    seed: Seed,
    aws: Aws,
    w: Workdir,
}

impl Lab {
    fn new() -> Self {
        let acceptance_tests::Lab {
            emulator,
            rt,
            sdk,
            seed,
            aws,
            work: mut w,
        } = acceptance_tests::Lab::on(Emulator::start());
        w.set_env(
            "TF_CLI_CONFIG_FILE",
            &private_mirror_rc().display().to_string(),
        );
        w.write("main.tf", &config(&seed, FIRST));
        w.init();
        Self {
            emulator,
            rt,
            sdk,
            seed,
            aws,
            w,
        }
    }

    fn hosts(&self) -> Vec<(&'static str, String)> {
        SERVICES
            .iter()
            .map(|s| (*s, format!("{s}.{}", self.seed.domain)))
            .collect()
    }

    /// How many of each object exist (see [`aws_check::census`]).
    fn census(&self, converged: bool) -> Vec<aws_check::Count> {
        let hosts = self.hosts();
        let services: Vec<(&str, &str)> = hosts.iter().map(|(s, h)| (*s, h.as_str())).collect();
        self.rt.block_on(aws_check::census(
            &self.sdk,
            &self.seed.vpc_id,
            CLUSTER,
            &services,
            &[JOB],
            &self.seed.zone_id,
            converged,
        ))
    }

    /// Every object of every kind the two resources create that still exists.
    fn leftovers(&self) -> Vec<String> {
        let mut left = self.rt.block_on(self.aws.stack_leftovers(
            &self.seed.vpc_id,
            CLUSTER,
            &self.seed.zone_id,
        ));
        left.sort();
        left.dedup();
        left
    }
}

/// One trial's record.
struct Trial<'a> {
    lab: &'a Lab,
    w: &'a Workdir,
    runs: Vec<(String, Run)>,
    problems: Vec<String>,
    duplicates: BTreeSet<String>,
    leaks: BTreeSet<String>,
    notes: Vec<String>,
}

impl<'a> Trial<'a> {
    fn new(lab: &'a Lab) -> Self {
        lab.emulator.reset_counters();
        for file in [
            "terraform.tfstate",
            "terraform.tfstate.backup",
            ".terraform.tfstate.lock.info",
        ] {
            let _ = std::fs::remove_file(lab.w.path().join(file));
        }
        lab.w.write("main.tf", &config(&lab.seed, FIRST));
        Self {
            lab,
            w: &lab.w,
            runs: Vec::new(),
            problems: Vec::new(),
            duplicates: BTreeSet::new(),
            leaks: BTreeSet::new(),
            notes: Vec::new(),
        }
    }

    fn reshape(&self, shape: Shape) {
        self.w.write("main.tf", &config(&self.lab.seed, shape));
    }

    fn faults(&self, rules: Value) {
        self.lab.emulator.set_faults(rules);
    }

    fn calls(&self) -> BTreeMap<String, u64> {
        self.lab.emulator.calls()
    }

    /// Runs one Terraform command, checks its output and the state for the secret values, and
    /// returns its exit code.
    fn run(&mut self, label: &str, args: &[&str], env: &[(&str, &str)]) -> i32 {
        let spawned = self.w.spawn(args, env);
        let run = spawned.wait_for(COMMAND_LIMIT).unwrap_or_else(|| {
            self.problems.push(format!(
                "{label}: still running after {} s, killed",
                COMMAND_LIMIT.as_secs()
            ));
            Run {
                code: -1,
                stdout: String::new(),
                stderr: String::new(),
                seconds: COMMAND_LIMIT.as_secs_f64(),
            }
        });
        self.check_secrets(label, &run.stdout, &run.stderr);
        let code = run.code;
        self.runs.push((label.to_owned(), run));
        code
    }

    fn apply(&mut self, label: &str) -> i32 {
        self.run(
            label,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            &[],
        )
    }

    fn plan(&mut self, label: &str) -> i32 {
        self.run(
            label,
            &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
            &[],
        )
    }

    fn destroy(&mut self, label: &str) -> i32 {
        self.run(
            label,
            &["destroy", "-auto-approve", "-input=false", "-no-color"],
            &[],
        )
    }

    fn last(&self) -> Option<&Run> {
        self.runs.last().map(|(_, r)| r)
    }

    /// Records a problem unless `ok`; returns `ok`.
    fn expect(&mut self, ok: bool, problem: impl FnOnce(&Self) -> String) -> bool {
        if !ok {
            let p = problem(self);
            self.problems.push(p);
        }
        ok
    }

    /// Expects the last command to have exited 0.
    fn expect_success(&mut self) -> bool {
        let (label, code, errors) = match self.runs.last() {
            Some((label, run)) => (label.clone(), run.code, error_blocks(&run.stderr, 1500)),
            None => return false,
        };
        self.expect(code == 0, |_| format!("{label}: exit {code}: {errors}"))
    }

    /// Expects the last command to have failed, naming the step of `key`.
    fn expect_failure_naming(&mut self, key: &str) -> bool {
        let (label, code, named, errors) = match self.runs.last() {
            Some((label, run)) => (
                label.clone(),
                run.code,
                names_the_step(key, &run.stderr),
                errors_of(run),
            ),
            None => return false,
        };
        self.expect(code != 0, |_| {
            format!("{label}: succeeded although {key} failed")
        }) && self.expect(named, |_| {
            format!("{label}: the error does not name the step of {key}: {errors}")
        })
    }

    /// Counts the objects (faults must be off): any kind more often than one stack has it is a
    /// duplicate; once `converged` (after an apply that succeeded), a missing one is a problem.
    fn census(&mut self, converged: bool) {
        let counts = self.lab.census(converged);
        let after = self.runs.last().map(|(l, _)| l.clone()).unwrap_or_default();
        for d in aws_check::duplicates(&counts) {
            self.duplicates.insert(format!("after {after}: {d}"));
        }
        for m in aws_check::missing(&counts) {
            self.problems.push(format!("after {after}: missing {m}"));
        }
    }

    fn check_secrets(&mut self, label: &str, stdout: &str, stderr: &str) {
        let seed = &self.lab.seed;
        let mut texts = vec![
            (format!("{label} stdout"), stdout.to_owned()),
            (format!("{label} stderr"), stderr.to_owned()),
        ];
        for file in ["terraform.tfstate", "terraform.tfstate.backup"] {
            if let Ok(text) = std::fs::read_to_string(self.w.path().join(file)) {
                texts.push((format!("{file} after {label}"), text));
            }
        }
        for (what, text) in texts {
            if text.contains(&seed.parameter_value) {
                self.leaks
                    .insert(format!("the SecureString value in {what}"));
            }
            if text.contains(&seed.secret_value) {
                self.leaks.insert(format!("the secret value in {what}"));
            }
        }
    }

    fn finish(mut self, kind: &'static str, label: String, started: Instant) -> Outcome {
        self.faults(json!([]));
        let orphans = self.lab.leftovers();
        let calls = self.calls();
        for read in ["ssm.GetParameters", "secretsmanager.GetSecretValue"] {
            if let Some(n) = calls.get(read) {
                self.leaks.insert(format!("{n} {read} calls"));
            }
        }
        let parameter = self
            .lab
            .seed
            .parameter_arn
            .split_once(":parameter")
            .map(|(_, name)| name.to_owned())
            .unwrap_or_default();
        for body in self.lab.emulator.requests("GetParameter") {
            if body.contains(&parameter) {
                self.leaks
                    .insert(format!("GetParameter of the seeded SecureString: {body}"));
            }
        }
        let runs = self
            .runs
            .iter()
            .map(|(l, r)| format!("{l}: exit {} in {:.1} s", r.code, r.seconds))
            .collect();
        Outcome {
            kind,
            label,
            problems: self.problems,
            duplicates: self.duplicates.into_iter().collect(),
            orphans,
            leaks: self.leaks.into_iter().collect(),
            notes: self.notes,
            runs,
            seconds: started.elapsed().as_secs_f64(),
        }
    }
}

struct Outcome {
    kind: &'static str,
    label: String,
    problems: Vec<String>,
    duplicates: Vec<String>,
    orphans: Vec<String>,
    leaks: Vec<String>,
    notes: Vec<String>,
    runs: Vec<String>,
    seconds: f64,
}

impl Outcome {
    fn recovered(&self) -> bool {
        self.problems.is_empty()
    }

    fn clean(&self) -> bool {
        self.recovered()
            && self.duplicates.is_empty()
            && self.orphans.is_empty()
            && self.leaks.is_empty()
    }
}

type Flow = Box<dyn Fn(&mut Trial) + Send + Sync>;

fn workers() -> usize {
    std::env::var("ECSPROD_FAULT_WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n: &usize| *n > 0)
        .unwrap_or(2)
}

/// The campaign starts its own emulators, several at once: it cannot run against an endpoint
/// started elsewhere.
fn require_own_emulators() {
    for var in ["ECSPROD_TEST_ENDPOINT", "ECSPROD_TEST_REAL_AWS"] {
        assert!(
            std::env::var_os(var).is_none(),
            "the fault campaign injects faults into emulators it starts itself (one per worker); unset {var} to run it"
        );
    }
}

/// Runs the trials, at most `workers()` at once, each worker with its own emulator. With
/// `ECSPROD_FAULT_ONLY=<text>`, only the trials whose label contains the text run.
fn campaign(kind: &'static str, trials: Vec<(String, Flow)>) -> Vec<Outcome> {
    let only = std::env::var("ECSPROD_FAULT_ONLY").unwrap_or_default();
    let trials: Vec<(String, Flow)> = trials
        .into_iter()
        .filter(|(label, _)| label.contains(&only))
        .collect();
    let order: Vec<String> = trials.iter().map(|(l, _)| l.clone()).collect();
    let queue = Mutex::new(trials.into_iter().collect::<VecDeque<_>>());
    let outcomes = Mutex::new(Vec::new());
    let workers = workers().min(order.len()).max(1);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let mut lab: Option<Lab> = None;
                loop {
                    let next = queue.lock().expect("queue").pop_front();
                    let Some((label, flow)) = next else { break };
                    let current = lab.get_or_insert_with(Lab::new);
                    let started = Instant::now();
                    let mut trial = Trial::new(current);
                    flow(&mut trial);
                    let outcome = trial.finish(kind, label, started);
                    if !outcome.clean() {
                        lab = None;
                    }
                    outcomes.lock().expect("outcomes").push(outcome);
                }
            });
        }
    });
    let mut outcomes = outcomes.into_inner().expect("outcomes");
    outcomes.sort_by_key(|o| order.iter().position(|l| *l == o.label));
    outcomes
}

/// Prints the matrix and every trial, then fails unless every trial recovered cleanly.
fn report(kind: &str, outcomes: &[Outcome], started: Instant) {
    let count = |f: &dyn Fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    println!(
        "\nfault campaign, {kind}: {} trials in {:.1} s ({} workers)",
        outcomes.len(),
        started.elapsed().as_secs_f64(),
        workers()
    );
    println!(
        "{:<14} {:>6} {:>9} {:>10} {:>7} {:>5}",
        "kind", "trials", "recovered", "duplicates", "orphans", "leaks"
    );
    println!(
        "{:<14} {:>6} {:>9} {:>10} {:>7} {:>5}",
        kind,
        outcomes.len(),
        count(&|o| o.recovered()),
        count(&|o| !o.duplicates.is_empty()),
        count(&|o| !o.orphans.is_empty()),
        count(&|o| !o.leaks.is_empty()),
    );
    let mut failures = Vec::new();
    for o in outcomes {
        println!(
            "  {:<58} {:>5.1} s  {}",
            o.label,
            o.seconds,
            if o.clean() { "ok" } else { "FAILED" }
        );
        for n in &o.notes {
            println!("      note: {n}");
        }
        if !o.clean() {
            let mut lines = Vec::new();
            lines.extend(o.problems.iter().map(|p| format!("not recovered: {p}")));
            lines.extend(o.duplicates.iter().map(|d| format!("duplicate: {d}")));
            lines.extend(o.orphans.iter().map(|d| format!("orphan: {d}")));
            lines.extend(o.leaks.iter().map(|d| format!("secret leak: {d}")));
            lines.extend(o.runs.iter().map(|r| format!("ran {r}")));
            for l in &lines {
                println!("      {l}");
            }
            failures.push(format!(
                "{} / {}:\n    {}",
                o.kind,
                o.label,
                lines.join("\n    ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {kind} trials did not recover cleanly:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
}

/// The writes a clean create, update and destroy make, seen by the emulator.
struct Baseline {
    create: Vec<String>,
    update: Vec<String>,
    destroy: Vec<String>,
}

fn baseline() -> &'static Baseline {
    static BASELINE: OnceLock<Baseline> = OnceLock::new();
    BASELINE.get_or_init(|| {
        let started = Instant::now();
        let lab = Lab::new();
        let mut t = Trial::new(&lab);
        let before = t.calls();
        t.apply("clean apply");
        t.expect_success();
        let created = t.calls();
        t.census(true);
        t.plan("plan after the clean apply");
        t.expect_success();
        t.reshape(CHANGED);
        let before_update = t.calls();
        t.apply("clean update");
        t.expect_success();
        let updated = t.calls();
        t.census(true);
        t.plan("plan after the clean update");
        t.expect_success();
        let before_destroy = t.calls();
        t.destroy("clean destroy");
        t.expect_success();
        let destroyed = t.calls();
        let b = Baseline {
            create: writes_between(&before, &created),
            update: writes_between(&before_update, &updated),
            destroy: writes_between(&before_destroy, &destroyed),
        };
        let outcome = t.finish("baseline", "clean create, update, destroy".into(), started);
        println!(
            "baseline in {:.1} s: {} writes while creating, {} while updating, {} while destroying",
            outcome.seconds,
            b.create.len(),
            b.update.len(),
            b.destroy.len()
        );
        report("baseline", &[outcome], started);
        assert!(
            !b.create.is_empty() && !b.update.is_empty() && !b.destroy.is_empty(),
            "the emulator saw no writes"
        );
        b
    })
}

// ---- the flows ------------------------------------------------------------------------------

/// Apply, plan and destroy while 30 % of every call is throttled.
fn storm(t: &mut Trial) {
    let storm = json!([{"mode": "throttle", "probability": 0.3}]);
    t.faults(storm.clone());
    t.run(
        "apply in the storm (TF_LOG=TRACE)",
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &[("TF_LOG", "TRACE")],
    );
    t.faults(json!([]));
    let calls: u64 = t.calls().values().sum();
    t.notes.push(format!(
        "{calls} calls during the apply, about 30 % throttled"
    ));
    if t.expect_success() {
        t.census(true);
    }
    t.faults(storm);
    t.plan("plan in the storm");
    t.expect(t.last().is_some_and(|r| r.code == 0), |t| {
        let r = t.last().map(errors_of).unwrap_or_default();
        format!("plan in the storm is not empty: {r}")
    });
    t.destroy("destroy in the storm");
    t.faults(json!([]));
    t.expect_success();
}

/// Every `key` call fails for good: the apply fails naming the step, then converges.
fn create_hard(t: &mut Trial, key: &str) {
    t.faults(hard_failure(key, None));
    t.apply(&format!("apply with every {key} failing"));
    t.faults(json!([]));
    t.expect_failure_naming(key);
    t.census(false);
    converge(t, "apply without faults");
}

/// The first `key` call is applied but its response is lost: the apply (or the next one)
/// converges without duplicates.
fn create_lost(t: &mut Trial, key: &str) {
    let (service, action) = split_key(key);
    t.faults(json!([{"service": service, "action": action, "mode": "lost", "times": 1}]));
    let code = t.apply(&format!("apply losing the first {key} response"));
    t.faults(json!([]));
    if code == 0 {
        t.census(true);
    } else {
        let errors = t.last().map(errors_of).unwrap_or_default();
        // A failed create taints the resource: the next apply would replace it. The retried
        // call must be recognised and what it made adopted within the same apply.
        t.expect(false, |_| {
            format!("the apply losing the first {key} response failed: {errors}")
        });
        t.census(false);
    }
    if code != 0 || t.plan("plan after the lost response") != 0 {
        if code == 0 {
            t.expect(false, |_| {
                format!("the plan after the apply losing the first {key} response was not empty")
            });
        }
        converge(t, "second apply");
    } else {
        t.destroy("destroy");
        t.expect_success();
    }
}

/// An apply that must succeed, then an empty plan, then destroy.
fn converge(t: &mut Trial, label: &str) {
    t.apply(label);
    if t.expect_success() {
        t.census(true);
        t.plan(&format!("plan after the {label}"));
        let code = t.last().map_or(-1, |r| r.code);
        t.expect(code == 0, |t| {
            let r = t
                .last()
                .map(|r| {
                    r.stdout
                        .lines()
                        .filter(|l| l.contains('#') || l.contains("->") || l.contains("Error"))
                        .take(12)
                        .collect::<Vec<_>>()
                        .join(" | ")
                })
                .unwrap_or_default();
            format!("plan after the {label} exits {code}, not 0: {r}")
        });
    }
    t.destroy("destroy");
    t.expect_success();
}

/// A clean create: whether it succeeded (when it did not, what it made is destroyed).
fn first_apply(t: &mut Trial) -> bool {
    t.apply("first apply");
    if !t.expect_success() {
        t.destroy("destroy");
        return false;
    }
    true
}

/// The provider is killed with SIGKILL while the first `key` call is held back; the call lands
/// afterwards. The next apply converges by adopting what exists.
fn kill_at(t: &mut Trial, key: &str, during_update: bool) {
    if during_update {
        if !first_apply(t) {
            return;
        }
        t.reshape(CHANGED);
    }
    let (service, action) = split_key(key);
    let before = t.calls().get(key).copied().unwrap_or(0);
    t.faults(json!([{
        "service": service, "action": action, "mode": "latency", "times": 1,
        "delay_ms": KILL_WINDOW.as_millis() as u64
    }]));
    let label = format!("apply killed at {key}");
    let mut apply = t.w.spawn(
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &[],
    );
    let start = Instant::now();
    let mut killed = Vec::new();
    let mut seen = None;
    while apply.running() && start.elapsed() < COMMAND_LIMIT {
        if t.calls().get(key).copied().unwrap_or(0) > before {
            seen = Some(Instant::now());
            killed = child_processes(apply.pid(), "terraform-provider-ecsprod");
            for pid in &killed {
                kill_process(*pid);
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let run = apply.wait_for(COMMAND_LIMIT);
    t.faults(json!([]));
    let Some(run) = run else {
        t.problems
            .push(format!("{label}: did not end after the kill"));
        return;
    };
    t.check_secrets(&label, &run.stdout, &run.stderr);
    let code = run.code;
    t.runs.push((label.clone(), run));
    if !t.expect(seen.is_some(), |_| {
        format!("{label}: the provider never called {key}")
    }) || !t.expect(!killed.is_empty(), |_| {
        format!("{label}: no terraform-provider-ecsprod process under Terraform")
    }) {
        t.destroy("destroy");
        return;
    }
    t.expect(code != 0, |_| {
        format!("{label}: Terraform reported success after its provider was killed")
    });
    t.notes.push(format!(
        "killed provider pid {killed:?}; Terraform said: {}",
        t.last().map(errors_of).unwrap_or_default()
    ));
    // The held-back call lands once its delay is over: wait until the emulator has answered it.
    if let Some(seen) = seen {
        std::thread::sleep((seen + KILL_WINDOW).saturating_duration_since(Instant::now()));
        let limit = Instant::now() + Duration::from_secs(30);
        while t.lab.emulator.inflight() > 0 && Instant::now() < limit {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    t.census(false);
    converge(t, "apply after the kill");
}

/// A clean create, then every `key` call fails for good while updating: the update fails naming
/// the step, then converges.
fn update_hard(t: &mut Trial, key: &str) {
    if !first_apply(t) {
        return;
    }
    t.reshape(CHANGED);
    t.faults(hard_failure(key, None));
    t.apply(&format!("update with every {key} failing"));
    t.faults(json!([]));
    t.expect_failure_naming(key);
    t.census(false);
    converge(t, "update without faults");
}

/// A clean create, then the first `key` call fails during destroy: a repeated destroy finishes.
fn destroy_hard(t: &mut Trial, key: &str) {
    if !first_apply(t) {
        return;
    }
    t.faults(hard_failure(key, Some(1)));
    let code = t.destroy(&format!("destroy with the first {key} failing"));
    t.faults(json!([]));
    if code == 0 {
        t.notes
            .push(format!("destroy finished although the first {key} failed"));
        return;
    }
    t.expect_failure_naming(key);
    t.census(false);
    t.destroy("repeated destroy");
    t.expect_success();
}

fn trials_for(keys: &[String], flow: fn(&mut Trial, &str)) -> Vec<(String, Flow)> {
    keys.iter()
        .map(|key| {
            let k = key.clone();
            let f: Flow = Box::new(move |t: &mut Trial| flow(t, &k));
            (key.clone(), f)
        })
        .collect()
}

// ---- the tests ------------------------------------------------------------------------------

#[test]
fn storm_of_throttling_on_30_percent_of_all_calls_still_applies_plans_empty_and_destroys_everything()
 {
    require_own_emulators();
    let started = Instant::now();
    let trials: Vec<(String, Flow)> = (1..=2)
        .map(|i| {
            let f: Flow = Box::new(storm);
            (format!("30 % throttled, run {i}"), f)
        })
        .collect();
    let outcomes = campaign("storm", trials);
    report("storm", &outcomes, started);
}

#[test]
fn create_hard_failure_at_each_step_fails_the_apply_naming_the_step_and_the_next_apply_converges() {
    require_own_emulators();
    let started = Instant::now();
    let keys = baseline().create.clone();
    let outcomes = campaign("create-hard", trials_for(&keys, create_hard));
    report("create-hard", &outcomes, started);
}

#[test]
fn create_lost_response_at_each_step_converges_without_duplicates() {
    require_own_emulators();
    let started = Instant::now();
    let keys = baseline().create.clone();
    let outcomes = campaign("create-lost", trials_for(&keys, create_lost));
    report("create-lost", &outcomes, started);
}

#[test]
fn kill_of_the_provider_mid_apply_is_followed_by_an_apply_that_adopts_what_exists() {
    require_own_emulators();
    let started = Instant::now();
    let points: [(&str, bool); 12] = [
        ("iam.CreateRole", false),
        ("elasticloadbalancing.CreateLoadBalancer", false),
        ("ec2.CreateLaunchTemplate", false),
        ("autoscaling.CreateAutoScalingGroup", false),
        ("ecs.CreateCapacityProvider", false),
        ("elasticloadbalancing.CreateTargetGroup", false),
        ("ecs.RegisterTaskDefinition", false),
        ("elasticloadbalancing.CreateRule", false),
        ("ecs.CreateService", false),
        ("application-autoscaling.PutScalingPolicy", false),
        ("ecs.RegisterTaskDefinition", true),
        ("autoscaling.UpdateAutoScalingGroup", true),
    ];
    let trials: Vec<(String, Flow)> = points
        .iter()
        .map(|(key, update)| {
            let k = (*key).to_owned();
            let update = *update;
            let f: Flow = Box::new(move |t: &mut Trial| kill_at(t, &k, update));
            let label = if update {
                format!("{key} (update)")
            } else {
                (*key).to_owned()
            };
            (label, f)
        })
        .collect();
    let outcomes = campaign("kill", trials);
    report("kill", &outcomes, started);
}

#[test]
fn update_hard_failure_at_each_step_fails_the_apply_naming_the_step_and_the_next_apply_converges() {
    require_own_emulators();
    let started = Instant::now();
    let keys = baseline().update.clone();
    let outcomes = campaign("update-hard", trials_for(&keys, update_hard));
    report("update-hard", &outcomes, started);
}

#[test]
fn destroy_failure_at_each_step_is_finished_by_a_repeated_destroy() {
    require_own_emulators();
    let started = Instant::now();
    let keys = baseline().destroy.clone();
    let outcomes = campaign("destroy-hard", trials_for(&keys, destroy_hard));
    report("destroy-hard", &outcomes, started);
}

#[test]
fn object_words_name_what_an_action_changes() {
    assert_eq!(
        object_words("PutClusterCapacityProviders"),
        ["cluster", "capacity", "provider"]
    );
    assert_eq!(object_words("CreateLoadBalancer"), ["load", "balancer"]);
    assert_eq!(
        object_words("AddRoleToInstanceProfile"),
        ["role", "instance", "profile"]
    );
    assert!(names_the_step(
        "elasticloadbalancing.CreateLoadBalancer",
        "\nError: ecsprod_cluster: failed to create load balancer\n\nAccessDenied\n"
    ));
    assert!(!names_the_step(
        "elasticloadbalancing.CreateLoadBalancer",
        "\nError: ecsprod_service: failed to create target group\n\nAccessDenied\n"
    ));
    assert!(is_write("RegisterTaskDefinition") && !is_write("DescribeServices"));
}
