//! The provider's own least-privilege IAM policy, `docs/provider-iam-policy.json`: it lists
//! exactly the AWS actions the provider calls, it is scoped where AWS allows, and a deployer that
//! holds nothing else creates, updates and destroys a whole stack in the emulator with IAM
//! enforcement on.

use std::collections::{BTreeMap, BTreeSet};

use acceptance_tests::aws_check::Aws;
use acceptance_tests::emulator::{Emulator, REGION, Seed, seed};
use acceptance_tests::{REQUIRED_PROVIDERS, Workdir, cluster_resource, repo_root, runtime};
use serde_json::{Value, json};

/// Permissions AWS checks without the provider calling an action of that name: passing its
/// roles to EC2 instances and ECS tasks, and the service-linked roles AWS creates on the first
/// ECS cluster, Auto Scaling group, load balancer or scalable target of an account.
const IMPLIED: [&str; 2] = ["iam:PassRole", "iam:CreateServiceLinkedRole"];

/// The provider's SDK client fields (provider/src/aws/clients.rs) and their IAM prefixes.
const CLIENTS: [(&str, &str); 17] = [
    ("ec2", "ec2"),
    ("ecs", "ecs"),
    ("elbv2", "elasticloadbalancing"),
    ("autoscaling", "autoscaling"),
    ("iam", "iam"),
    ("ssm", "ssm"),
    ("sts", "sts"),
    ("logs", "logs"),
    ("cloudwatch", "cloudwatch"),
    ("appautoscaling", "application-autoscaling"),
    ("route53", "route53"),
    ("secretsmanager", "secretsmanager"),
    ("kms", "kms"),
    ("acm", "acm"),
    ("cloudmap", "servicediscovery"),
    ("scheduler", "scheduler"),
    ("tagging", "tag"),
];

fn policy() -> Value {
    let path = repo_root().join("docs/provider-iam-policy.json");
    let text = std::fs::read_to_string(&path).expect("docs/provider-iam-policy.json");
    serde_json::from_str(&text).expect("the policy is JSON")
}

fn as_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn statements(policy: &Value) -> Vec<Value> {
    policy["Statement"]
        .as_array()
        .cloned()
        .expect("a Statement list")
}

fn documented_actions(policy: &Value) -> BTreeSet<String> {
    statements(policy)
        .iter()
        .flat_map(|s| as_list(&s["Action"]))
        .collect()
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read source folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Every `<client>.<operation>()` call in the provider's sources, as IAM actions.
fn called_actions() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&repo_root().join("provider/src"), &mut files);
    let mut actions = BTreeSet::new();
    for file in files {
        let text: String = std::fs::read_to_string(&file)
            .expect("read source")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        for (field, prefix) in CLIENTS {
            let needle = format!(".{field}.");
            let mut rest = text.as_str();
            while let Some(at) = rest.find(&needle) {
                rest = &rest[at + needle.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                if !name.is_empty() && rest[name.len()..].starts_with("()") {
                    actions.insert(format!("{prefix}:{}", camel(&name)));
                }
            }
        }
    }
    actions
}

#[test]
fn the_documented_policy_lists_exactly_the_actions_the_provider_calls() {
    let documented = documented_actions(&policy());
    let mut called = called_actions();
    assert!(
        called.len() > 50,
        "the source scan found only {} actions",
        called.len()
    );
    called.extend(IMPLIED.iter().map(|s| (*s).to_owned()));
    let missing: Vec<_> = called.difference(&documented).collect();
    let unused: Vec<_> = documented.difference(&called).collect();
    assert!(
        missing.is_empty() && unused.is_empty(),
        "docs/provider-iam-policy.json is out of date.\n  called but not granted: {missing:?}\n  granted but never called: {unused:?}"
    );
}

#[test]
fn the_policy_is_scoped_never_reads_secret_values_and_passes_only_its_own_roles() {
    let policy = policy();
    for s in statements(&policy) {
        assert_eq!(s["Effect"], "Allow", "{s}");
        for action in as_list(&s["Action"]) {
            assert!(
                !action.contains('*'),
                "wildcard action {action} in {}",
                s["Sid"]
            );
            assert!(
                ![
                    "ssm:GetParameters",
                    "secretsmanager:GetSecretValue",
                    "kms:Decrypt"
                ]
                .contains(&action.as_str()),
                "{action} would let the provider read secret values"
            );
            let resources = as_list(&s["Resource"]);
            let iam_write = action.starts_with("iam:")
                && !action.starts_with("iam:Get")
                && !action.starts_with("iam:List");
            if iam_write && action != "iam:CreateServiceLinkedRole" {
                assert!(
                    resources
                        .iter()
                        .all(|r| r.starts_with("arn:aws:iam::*:role/ecsprod/")
                            || r.starts_with("arn:aws:iam::*:instance-profile/ecsprod/")),
                    "{action} must be limited to the provider's own roles (path /ecsprod/): {resources:?}"
                );
            }
            if action == "iam:PassRole" {
                let to = &s["Condition"]["StringEquals"]["iam:PassedToService"];
                // ECS itself gets only the roles it shifts load balancer traffic with.
                if *to == json!(["ecs.amazonaws.com"]) {
                    assert_eq!(resources, ["arn:aws:iam::*:role/ecsprod/*-lb"]);
                } else if *to == json!(["scheduler.amazonaws.com"]) {
                    // EventBridge Scheduler gets only the roles it runs jobs with.
                    assert_eq!(resources, ["arn:aws:iam::*:role/ecsprod/*-run"]);
                } else {
                    assert_eq!(*to, json!(["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"]));
                }
            }
            if action == "iam:AttachRolePolicy" {
                assert!(
                    s["Condition"]["ArnEquals"]["iam:PolicyARN"].is_array(),
                    "only the AWS managed policies the design names may be attached"
                );
            }
            if action == "iam:CreateServiceLinkedRole" {
                assert!(s["Condition"]["StringEquals"]["iam:AWSServiceName"].is_array());
            }
            if action == "ssm:GetParameter" {
                assert_eq!(
                    resources,
                    ["arn:aws:ssm:*::parameter/aws/service/ecs/optimized-ami/*"],
                    "GetParameter is for the public ECS-optimized AMI parameter only"
                );
            }
            if action.starts_with("cloudwatch:") && action != "cloudwatch:DescribeAlarms" {
                assert!(
                    resources
                        .iter()
                        .all(|r| r.starts_with("arn:aws:cloudwatch:*:*:alarm:*-")),
                    "{action} is for the services' rollback alarms only: {resources:?}"
                );
            }
            if action.starts_with("logs:") && !action.starts_with("logs:Describe") {
                assert_eq!(
                    resources,
                    [
                        "arn:aws:logs:*:*:log-group:/ecs/*",
                        "arn:aws:logs:*:*:log-group:/ecs-exec/*"
                    ],
                    "{action} is for the services' and the Exec sessions' log groups only"
                );
            }
        }
    }
}

/// The policy as the emulator can evaluate it: moto checks most actions against the resource
/// `*` and denies any statement with a condition it has no request context for, so the
/// emulator run proves the action list (the scoping is checked by the test above).
fn emulator_form(policy: &Value) -> Value {
    let statements: Vec<Value> = statements(policy)
        .iter()
        .map(|s| {
            json!({
                "Sid": s["Sid"],
                "Effect": "Allow",
                "Action": s["Action"],
                "Resource": "*",
            })
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn sdk_config_with(url: &str, key: &str, secret: &str) -> aws_config::SdkConfig {
    runtime().block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(url)
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                key,
                secret,
                None,
                None,
                "test-user",
            ))
            .load(),
    )
}

/// Creates an IAM user with one inline policy and returns its access key.
async fn user_with_policy(
    iam: &aws_sdk_iam::Client,
    name: &str,
    policy: &Value,
) -> (String, String) {
    iam.create_user()
        .user_name(name)
        .send()
        .await
        .expect("create user");
    iam.put_user_policy()
        .user_name(name)
        .policy_name("policy")
        .policy_document(policy.to_string())
        .send()
        .await
        .expect("put user policy");
    let key = iam
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .expect("create access key");
    let key = key.access_key().expect("access key");
    (
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    )
}

fn stack(seed: &Seed, image: &str) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
{cluster}
resource "ecsprod_service" "api" {{
  cluster        = ecsprod_cluster.main.id
  name           = "api"
  image          = "{image}"
  container_port = 8080
  domain_name    = "api.{domain}"
  zone_id        = "{zone}"
  secrets = {{
    DATABASE_URL = "{param}"
    API_TOKEN    = "{secret}"
  }}
}}

resource "ecsprod_service" "web" {{
  cluster        = ecsprod_cluster.main.id
  name           = "web"
  image          = "public.ecr.aws/nginx/nginx:1.27"
  container_port = 80
  domain_name    = "www.{domain}"
  zone_id        = "{zone}"
  deployment     = {{ strategy = "canary", canary_bake_time = 0, bake_time = 0 }}
}}

resource "ecsprod_scheduled_task" "report" {{
  cluster  = ecsprod_cluster.main.id
  name     = "report"
  image    = "{image}"
  schedule = "rate(1 day)"
  secrets  = {{ API_TOKEN = "{secret}" }}
}}
"#,
        cluster = cluster_resource(seed, "lp", ""),
        domain = seed.domain,
        zone = seed.zone_id,
        param = seed.parameter_arn,
        secret = seed.secret_arn,
    )
}

#[test]
fn a_deployer_holding_only_the_documented_policy_creates_updates_and_destroys_a_stack() {
    // moto enforces IAM after the first three requests: the ones that create the admin user.
    let emulator = Emulator::start_with_env(&[("INITIAL_NO_AUTH_ACTION_COUNT", "3")]);
    let rt = runtime();
    let bootstrap = rt.block_on(emulator.sdk_config());
    let (admin_key, admin_secret) = rt.block_on(user_with_policy(
        &aws_sdk_iam::Client::new(&bootstrap),
        "admin",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}
        ]}),
    ));
    let admin = sdk_config_with(&emulator.url, &admin_key, &admin_secret);
    let seed = rt.block_on(seed(&admin));
    let (key, secret) = rt.block_on(user_with_policy(
        &aws_sdk_iam::Client::new(&admin),
        "ecsprod-deployer",
        &emulator_form(&policy()),
    ));

    // Enforcement is on: the deployer cannot do what the policy does not grant.
    let deployer = sdk_config_with(&emulator.url, &key, &secret);
    let denied = rt.block_on(
        aws_sdk_secretsmanager::Client::new(&deployer)
            .get_secret_value()
            .secret_id(&seed.secret_arn)
            .send(),
    );
    assert!(
        denied.is_err(),
        "the emulator must refuse GetSecretValue to the deployer"
    );
    let denied = rt.block_on(
        aws_sdk_iam::Client::new(&deployer)
            .create_user()
            .user_name("not-allowed")
            .send(),
    );
    assert!(
        denied.is_err(),
        "the emulator must refuse iam:CreateUser to the deployer"
    );

    let mut w = Workdir::new();
    w.use_emulator(&emulator);
    w.set_env("AWS_ACCESS_KEY_ID", &key);
    w.set_env("AWS_SECRET_ACCESS_KEY", &secret);
    w.write("main.tf", &stack(&seed, "public.ecr.aws/nginx/nginx:1.27"));
    w.init();
    emulator.reset_counters();
    let apply = w.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(apply.code, 0, "create as the deployer:\n{}", apply.stderr);
    let plan = w.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    // What the provider called so far; the test's own reads below are not counted.
    let mut calls: BTreeMap<String, u64> = emulator.calls();
    // The policy scopes IAM to the path /ecsprod/: every role and instance profile is on it.
    let (roles, profiles) = rt.block_on(async {
        let iam = aws_sdk_iam::Client::new(&admin);
        let roles = iam.list_roles().send().await.expect("list roles");
        let profiles = iam
            .list_instance_profiles()
            .send()
            .await
            .expect("list instance profiles");
        (
            roles
                .roles()
                .iter()
                .map(|r| (r.role_name().to_owned(), r.path().to_owned()))
                .collect::<Vec<_>>(),
            profiles
                .instance_profiles()
                .iter()
                .map(|p| (p.instance_profile_name().to_owned(), p.path().to_owned()))
                .collect::<Vec<_>>(),
        )
    });
    assert_eq!(
        roles.len(),
        9,
        "instance role, two roles per service, the canary's traffic-shifting role and the job's three roles: {roles:?}"
    );
    assert_eq!(profiles.len(), 1, "{profiles:?}");
    for (name, path) in roles.iter().chain(&profiles) {
        assert_eq!(path, "/ecsprod/", "{name} is outside the policy's path");
    }
    emulator.reset_counters();
    w.write("main.tf", &stack(&seed, "public.ecr.aws/nginx/nginx:1.28"));
    let update = w.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(update.code, 0, "update as the deployer:\n{}", update.stderr);
    let destroy = w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(
        destroy.code, 0,
        "destroy as the deployer:\n{}",
        destroy.stderr
    );

    // Every call the provider made is granted by the documented policy.
    let documented = documented_actions(&policy());
    for (action, count) in emulator.calls() {
        *calls.entry(action).or_default() += count;
    }
    let made: BTreeSet<String> = calls
        .keys()
        .filter_map(|k| k.split_once('.'))
        .map(|(service, action)| {
            // CloudWatch signs as `monitoring`, the Tagging API as `tagging`; their IAM actions
            // are `cloudwatch:*` and `tag:*`.
            let prefix = match service {
                "monitoring" => "cloudwatch",
                "tagging" => "tag",
                other => other,
            };
            format!("{prefix}:{action}")
        })
        .collect();
    let ungranted: Vec<_> = made
        .iter()
        .filter(|a| !documented.contains(*a) && *a != "sts:GetCallerIdentity")
        .collect();
    assert!(
        ungranted.is_empty(),
        "called but not in the policy: {ungranted:?}"
    );
    println!(
        "least-privilege run: {} distinct actions, {} calls",
        made.len(),
        calls.values().sum::<u64>()
    );

    let aws = Aws::from_config(&admin);
    let left = rt.block_on(aws.stack_leftovers(&seed.vpc_id, "lp", &seed.zone_id));
    assert!(left.is_empty(), "left behind: {left:#?}");
}
