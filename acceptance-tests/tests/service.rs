//! `ecsprod_service` end to end: a cluster and two services (one through the HCL module in
//! examples/modules/web-service), real Terraform, the local AWS emulator, SDK assertions.

use acceptance_tests::aws_check::{Aws, service_leftovers};
use acceptance_tests::emulator::{Emulator, Seed, seed};
use acceptance_tests::{REQUIRED_PROVIDERS, Workdir, repo_root, runtime};
use serde_json::{Value, json};

const CLUSTER: &str = "svc";

fn config(seed: &Seed, api_image: &str) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
resource "ecsprod_cluster" "main" {{
  name                = "{CLUSTER}"
  vpc_id              = "{vpc}"
  public_subnet_ids   = ["{pub0}", "{pub1}"]
  private_subnet_ids  = ["{priv0}", "{priv1}"]
  certificate_arn     = "{cert}"
  deletion_protection = false
}}

resource "ecsprod_service" "api" {{
  cluster        = ecsprod_cluster.main.id
  name           = "api"
  image          = "{api_image}"
  container_port = 8080
  domain_name    = "api.{domain}"
  zone_id        = "{zone}"
  environment    = {{ LOG_LEVEL = "info" }}
  secrets = {{
    DATABASE_URL = "{param}"
    API_TOKEN    = "{secret}"
  }}
  health_check_path = "/healthz"
}}

module "web" {{
  source      = "./modules/web-service"
  for_each    = {{ www = "public.ecr.aws/nginx/nginx:1.27" }}
  cluster     = ecsprod_cluster.main.id
  name        = each.key
  image       = each.value
  domain_name = "${{each.key}}.{domain}"
  zone_id     = "{zone}"
}}
"#,
        vpc = seed.vpc_id,
        pub0 = seed.public_subnet_ids[0],
        pub1 = seed.public_subnet_ids[1],
        priv0 = seed.private_subnet_ids[0],
        priv1 = seed.private_subnet_ids[1],
        cert = seed.certificate_arn,
        domain = seed.domain,
        zone = seed.zone_id,
        param = seed.parameter_arn,
        secret = seed.secret_arn,
    )
}

fn all_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| all_strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| all_strings(x, out)),
        _ => {}
    }
}

#[test]
fn cluster_and_two_services_apply_then_plans_stay_empty_an_image_change_rolls_in_place_and_destroy_leaves_nothing()
 {
    let emulator = Emulator::start();
    let rt = runtime();
    let sdk = rt.block_on(emulator.sdk_config());
    let seed = rt.block_on(seed(&sdk));
    let aws = rt.block_on(Aws::new(&emulator));
    let mut w = Workdir::new();
    w.use_emulator(&emulator);
    w.copy_from_repo("examples/modules");
    std::fs::rename(w.path().join("web-service"), w.path().join("modules-web")).ok();
    std::fs::create_dir_all(w.path().join("modules")).expect("modules folder");
    std::fs::rename(
        w.path().join("modules-web"),
        w.path().join("modules/web-service"),
    )
    .expect("module in place");
    assert!(
        repo_root()
            .join("examples/modules/web-service/main.tf")
            .exists()
    );
    w.write("main.tf", &config(&seed, "public.ecr.aws/nginx/nginx:1.27"));
    w.init();
    emulator.reset_counters();
    let apply = w.run_with(
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &[("TF_LOG", "TRACE")],
    );
    assert_eq!(apply.code, 0, "apply failed:\n{}", apply.stderr);

    let ecs = aws_sdk_ecs::Client::new(&sdk);
    rt.block_on(async {
        // Task definition: secrets by ARN, awslogs to the service's group, dynamic host port.
        let svc = ecs
            .describe_services()
            .cluster(CLUSTER)
            .services("api")
            .send()
            .await
            .expect("service");
        let svc = &svc.services()[0];
        assert_eq!(svc.status(), Some("ACTIVE"));
        let td = ecs
            .describe_task_definition()
            .task_definition(svc.task_definition().expect("task definition"))
            .send()
            .await
            .expect("task definition");
        let td = td.task_definition().expect("td");
        assert_eq!(td.network_mode().map(|m| m.as_str()), Some("bridge"));
        let c = &td.container_definitions()[0];
        let mut secrets: Vec<(&str, &str)> = c
            .secrets()
            .iter()
            .map(|s| (s.name(), s.value_from()))
            .collect();
        secrets.sort();
        assert_eq!(
            secrets,
            [
                ("API_TOKEN", seed.secret_arn.as_str()),
                ("DATABASE_URL", seed.parameter_arn.as_str())
            ]
        );
        let log = c.log_configuration().expect("log configuration");
        assert_eq!(log.log_driver().as_str(), "awslogs");
        assert_eq!(
            log.options()
                .and_then(|o| o.get("awslogs-group"))
                .map(String::as_str),
            Some("/ecs/svc/api")
        );
        let port = &c.port_mappings()[0];
        assert_eq!(
            (port.container_port(), port.host_port()),
            (Some(8080), Some(0))
        );

        // Execution role: exactly the two secret ARNs, never `*`.
        let policies = aws
            .iam
            .list_role_policies()
            .role_name("svc-api-exec")
            .send()
            .await
            .expect("inline policies");
        let name = policies.policy_names()[0].clone();
        let doc = aws
            .iam
            .get_role_policy()
            .role_name("svc-api-exec")
            .policy_name(name)
            .send()
            .await
            .expect("inline policy");
        let text = doc.policy_document();
        let decoded = if text.starts_with('%') || text.contains("%22") {
            percent_decode(text)
        } else {
            text.to_owned()
        };
        let policy: Value = serde_json::from_str(&decoded).expect("policy JSON");
        let mut strings = Vec::new();
        all_strings(&policy, &mut strings);
        assert!(
            !strings.iter().any(|s| s == "*"),
            "a * resource: {policy:#}"
        );
        assert!(strings.contains(&seed.parameter_arn), "{policy:#}");
        assert!(strings.contains(&seed.secret_arn), "{policy:#}");
        // The parameter's customer-managed key, only through SSM and Secrets Manager.
        let kms = policy["Statement"]
            .as_array()
            .and_then(|s| {
                s.iter().find(|st| {
                    st["Action"] == "kms:Decrypt" || st["Action"] == json!(["kms:Decrypt"])
                })
            })
            .unwrap_or_else(|| panic!("no kms:Decrypt statement: {policy:#}"));
        let mut resources = Vec::new();
        all_strings(&kms["Resource"], &mut resources);
        assert_eq!(
            resources,
            std::slice::from_ref(&seed.kms_key_arn),
            "{policy:#}"
        );
        let mut via = Vec::new();
        all_strings(&kms["Condition"], &mut via);
        assert!(
            via.contains(&"ssm.ap-south-1.amazonaws.com".to_owned()),
            "{policy:#}"
        );

        // Target group, rule and DNS.
        let groups = aws
            .elbv2
            .describe_target_groups()
            .send()
            .await
            .expect("target groups");
        let api_tg = groups
            .target_groups()
            .iter()
            .find(|g| g.health_check_path() == Some("/healthz") && g.port() == Some(8080))
            .expect("the API's target group");
        assert_eq!(
            api_tg.matcher().and_then(|m| m.http_code()),
            Some("200-399")
        );
        let lb = aws
            .elbv2
            .describe_load_balancers()
            .names("svc-alb")
            .send()
            .await
            .expect("lb");
        let listeners = aws
            .elbv2
            .describe_listeners()
            .load_balancer_arn(lb.load_balancers()[0].load_balancer_arn().expect("arn"))
            .send()
            .await
            .expect("listeners");
        let https = listeners
            .listeners()
            .iter()
            .find(|l| l.port() == Some(443))
            .expect("https");
        let rules = aws
            .elbv2
            .describe_rules()
            .listener_arn(https.listener_arn().expect("arn"))
            .send()
            .await
            .expect("rules");
        let hosts: Vec<String> = rules
            .rules()
            .iter()
            .flat_map(|r| r.conditions())
            .flat_map(|c| {
                c.host_header_config()
                    .map(|h| h.values().to_vec())
                    .unwrap_or_default()
            })
            .collect();
        assert!(hosts.contains(&format!("api.{}", seed.domain)), "{hosts:?}");
        assert!(hosts.contains(&format!("www.{}", seed.domain)), "{hosts:?}");
        let priorities: Vec<&str> = rules.rules().iter().filter_map(|r| r.priority()).collect();
        let mut unique = priorities.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), priorities.len(), "distinct rule priorities");
        let route53 = aws_sdk_route53::Client::new(&sdk);
        let records = route53
            .list_resource_record_sets()
            .hosted_zone_id(&seed.zone_id)
            .send()
            .await
            .expect("records");
        let alias = records
            .resource_record_sets()
            .iter()
            .find(|r| r.name() == format!("api.{}.", seed.domain))
            .expect("alias record");
        assert!(alias.alias_target().is_some());

        // Both scaling policies.
        let scaling = aws_sdk_applicationautoscaling::Client::new(&sdk);
        let policies = scaling
            .describe_scaling_policies()
            .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
            .resource_id("service/svc/api")
            .send()
            .await
            .expect("scaling policies");
        let mut metrics: Vec<String> = policies
            .scaling_policies()
            .iter()
            .filter_map(|p| p.target_tracking_scaling_policy_configuration())
            .filter_map(|c| c.predefined_metric_specification())
            .map(|m| m.predefined_metric_type().as_str().to_owned())
            .collect();
        metrics.sort();
        assert_eq!(
            metrics,
            [
                "ECSServiceAverageCPUUtilization",
                "ECSServiceAverageMemoryUtilization"
            ]
        );
    });

    // What the provider sent to CreateService (the emulator does not keep these settings).
    let create: Vec<Value> = emulator
        .requests("CreateService")
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect();
    let api = create
        .iter()
        .find(|r| r["serviceName"] == "api")
        .expect("CreateService for api");
    assert_eq!(api["deploymentConfiguration"]["minimumHealthyPercent"], 100);
    assert_eq!(api["deploymentConfiguration"]["maximumPercent"], 200);
    assert_eq!(
        api["deploymentConfiguration"]["deploymentCircuitBreaker"],
        json!({"enable": true, "rollback": true})
    );
    assert_eq!(
        api["capacityProviderStrategy"][0]["capacityProvider"],
        "svc-capacity"
    );
    assert_eq!(
        api["placementStrategy"][0]["field"],
        "attribute:ecs.availability-zone"
    );
    assert_eq!(api["enableECSManagedTags"], true);
    assert_eq!(api["propagateTags"], "SERVICE");
    assert_eq!(api["healthCheckGracePeriodSeconds"], 60);

    // Secret values are never read, planned, stored or logged.
    let calls = emulator.calls();
    assert_eq!(calls.get("ssm.GetParameters"), None, "{calls:?}");
    assert_eq!(
        calls.get("secretsmanager.GetSecretValue"),
        None,
        "{calls:?}"
    );
    for body in emulator.requests("GetParameter") {
        assert!(
            !body.contains("ecsprod-test"),
            "read a secret parameter: {body}"
        );
    }
    let state = std::fs::read_to_string(w.path().join("terraform.tfstate")).expect("state");
    for (what, text) in [
        ("state", &state),
        ("TRACE log", &apply.stderr),
        ("output", &apply.stdout),
    ] {
        assert!(
            !text.contains(&seed.parameter_value),
            "SecureString value in the {what}"
        );
        assert!(
            !text.contains(&seed.secret_value),
            "secret value in the {what}"
        );
    }

    let plan = |w: &Workdir| w.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    let run = plan(&w);
    assert_eq!(
        run.code, 0,
        "plan after apply is not empty:\n{}\n{}",
        run.stdout, run.stderr
    );

    // Autoscaling moves the count within its range: no diff.
    rt.block_on(async {
        ecs.update_service()
            .cluster(CLUSTER)
            .service("api")
            .desired_count(5)
            .send()
            .await
            .expect("scale out");
    });
    let run = plan(&w);
    assert_eq!(
        run.code, 0,
        "a count within the autoscaling range shows as a diff:\n{}",
        run.stdout
    );

    // An image change is an in-place update onto a new revision.
    let before = rt.block_on(async {
        ecs.describe_services()
            .cluster(CLUSTER)
            .services("api")
            .send()
            .await
            .expect("service")
            .services()[0]
            .task_definition()
            .map(str::to_owned)
    });
    w.write("main.tf", &config(&seed, "public.ecr.aws/nginx/nginx:1.28"));
    w.run(&["plan", "-input=false", "-no-color", "-out=tfplan"])
        .success();
    let shown = w.run(&["show", "-json", "tfplan"]).success().json();
    let change = shown["resource_changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["address"] == "ecsprod_service.api"))
        .expect("api change");
    assert_eq!(change["change"]["actions"], json!(["update"]));
    let plan_json = shown.to_string();
    assert!(!plan_json.contains(&seed.parameter_value) && !plan_json.contains(&seed.secret_value));
    w.run(&["apply", "-input=false", "-no-color", "tfplan"])
        .success();
    let after = rt.block_on(async {
        ecs.describe_services()
            .cluster(CLUSTER)
            .services("api")
            .send()
            .await
            .expect("service")
            .services()[0]
            .task_definition()
            .map(str::to_owned)
    });
    assert_ne!(before, after, "the service moved to a new revision");
    let run = plan(&w);
    assert_eq!(
        run.code, 0,
        "second plan after the image change:\n{}",
        run.stdout
    );

    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = rt.block_on(async {
        let mut left = service_leftovers(&sdk, CLUSTER, &seed.zone_id).await;
        left.extend(aws.cluster_leftovers(&seed.vpc_id, CLUSTER).await);
        left
    });
    assert!(left.is_empty(), "left behind after destroy: {left:#?}");
}

/// IAM returns policy documents URL-encoded.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn a_deployment_the_circuit_breaker_rolls_back_fails_the_apply_with_the_reason() {
    let emulator = Emulator::start();
    let rt = runtime();
    let sdk = rt.block_on(emulator.sdk_config());
    let seed = rt.block_on(seed(&sdk));
    let mut w = Workdir::new();
    w.use_emulator(&emulator);
    // Only the API service: the module is not needed here.
    let hcl = config(&seed, "public.ecr.aws/nginx/nginx:1.27");
    let hcl = &hcl[..hcl.find("module \"web\"").unwrap_or(hcl.len())];
    w.write("main.tf", hcl);
    w.init();
    emulator.set_faults(json!([
        {"service": "ecs", "action": "DescribeServices", "mode": "rollback"}
    ]));
    let run = w.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0, "a rolled-back deployment must fail the apply");
    assert!(
        run.stderr.contains("failed to wait for the deployment")
            && run.stderr.contains("circuit breaker"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("tasks failed to start"),
        "the service events are in the error:\n{}",
        run.stderr
    );
    // Once deployments succeed again, the next apply converges and destroy cleans up.
    emulator.set_faults(json!([]));
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let again = w.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let aws = rt.block_on(Aws::new(&emulator));
    let left = rt.block_on(async {
        let mut left = service_leftovers(&sdk, CLUSTER, &seed.zone_id).await;
        left.extend(aws.cluster_leftovers(&seed.vpc_id, CLUSTER).await);
        left
    });
    assert!(left.is_empty(), "left behind: {left:#?}");
}

#[test]
fn import_by_cluster_and_name_reconstructs_the_service_and_the_next_plan_is_empty() {
    let emulator = Emulator::start();
    let rt = runtime();
    let sdk = rt.block_on(emulator.sdk_config());
    let seed = rt.block_on(seed(&sdk));
    let mut w = Workdir::new();
    w.use_emulator(&emulator);
    let hcl = config(&seed, "public.ecr.aws/nginx/nginx:1.27");
    let hcl = &hcl[..hcl.find("module \"web\"").unwrap_or(hcl.len())];
    w.write("main.tf", hcl);
    w.init();
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    // Autoscaling has moved the count since creation.
    rt.block_on(async {
        aws_sdk_ecs::Client::new(&sdk)
            .update_service()
            .cluster(CLUSTER)
            .service("api")
            .desired_count(4)
            .send()
            .await
            .expect("scale");
    });
    w.run(&["state", "rm", "ecsprod_service.api"]).success();
    w.run(&[
        "import",
        "-input=false",
        "-no-color",
        "ecsprod_service.api",
        "svc/api",
    ])
    .success();
    let run = w.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(
        run.code, 0,
        "plan after import is not empty:\n{}\n{}",
        run.stdout, run.stderr
    );
    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
}
