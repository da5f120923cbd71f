//! `ecsprod_service` end to end: a cluster and two services (one through the HCL module in
//! examples/modules/web-service), real Terraform, the local AWS emulator, SDK assertions.

use acceptance_tests::aws_check::{self, Aws, forwarded_target_groups, percent_decode};
use acceptance_tests::drift::{self, Deployment};
use acceptance_tests::emulator::{Emulator, Seed, is_read};
use acceptance_tests::{Lab, REQUIRED_PROVIDERS, Workdir, cluster_resource, repo_root};
use serde_json::{Value, json};

const CLUSTER: &str = "svc";

fn config(seed: &Seed, api_image: &str) -> String {
    config_with_port(seed, api_image, 8080)
}

fn config_with_port(seed: &Seed, api_image: &str, port: u16) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
{cluster}
resource "ecsprod_service" "api" {{
  cluster        = ecsprod_cluster.main.id
  name           = "api"
  image          = "{api_image}"
  container_port = {port}
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
        cluster = cluster_resource(seed, CLUSTER, ""),
        domain = seed.domain,
        zone = seed.zone_id,
        param = seed.parameter_arn,
        secret = seed.secret_arn,
    )
}

/// A seeded emulator, the runtime and SDK clients that reach it, and a working directory whose
/// Terraform uses it.
fn start() -> (Emulator, tokio::runtime::Runtime, Seed, Aws, Workdir) {
    let Lab {
        emulator,
        rt,
        seed,
        aws,
        work,
        ..
    } = Lab::start();
    (emulator, rt, seed, aws, work)
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
fn cluster_and_two_services_apply_then_plans_stay_empty_an_image_change_writes_only_a_revision_and_the_service_and_destroy_leaves_nothing()
 {
    let (emulator, rt, seed, aws, w) = start();
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

    rt.block_on(async {
        // Task definition: secrets by ARN, awslogs to the service's group, dynamic host port.
        let svc = aws.service(CLUSTER, "api").await;
        assert_eq!(svc.status(), Some("ACTIVE"));
        let td = aws
            .task_definition(svc.task_definition().expect("task definition"))
            .await;
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
        let policy = aws.first_inline_policy("svc-api-exec").await;
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
        let groups = aws.target_groups().await;
        let api_tg = groups
            .iter()
            .find(|g| g.health_check_path() == Some("/healthz") && g.port() == Some(8080))
            .expect("the API's target group");
        assert_eq!(
            api_tg.matcher().and_then(|m| m.http_code()),
            Some("200-399")
        );
        let lb_arn = aws.load_balancer_arn("svc-alb").await;
        let rules = aws
            .listener_rules(&aws.listener_arn(&lb_arn, 443).await)
            .await;
        let hosts: Vec<String> = rules.iter().flat_map(aws_check::host_headers).collect();
        assert!(hosts.contains(&format!("api.{}", seed.domain)), "{hosts:?}");
        assert!(hosts.contains(&format!("www.{}", seed.domain)), "{hosts:?}");
        let priorities: Vec<&str> = rules.iter().filter_map(|r| r.priority()).collect();
        let mut unique = priorities.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), priorities.len(), "distinct rule priorities");
        let alias = aws
            .a_record(&seed.zone_id, &format!("api.{}.", seed.domain))
            .await
            .expect("alias record");
        assert!(alias.alias_target().is_some());

        // Both scaling policies.
        let mut metrics: Vec<String> = aws
            .scaling_policies("service/svc/api")
            .await
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
    assert_eq!(api["availabilityZoneRebalancing"], "ENABLED");

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
    rt.block_on(drift::set_desired_count(&aws, CLUSTER, "api", 5));
    let run = plan(&w);
    assert_eq!(
        run.code, 0,
        "a count within the autoscaling range shows as a diff:\n{}",
        run.stdout
    );

    // An image change is an in-place update onto a new revision.
    let before = rt.block_on(aws.running_task_definition_arn(CLUSTER, "api"));
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
    emulator.reset_counters();
    w.run(&["apply", "-input=false", "-no-color", "tfplan"])
        .success();
    // Only the revisions and the service change (the new revision registered, the one it
    // replaces retired): roles, policies, target group, rule, record and scaling are read and
    // left as they are.
    let writes: Vec<String> = emulator
        .calls()
        .into_keys()
        .filter(|action| !is_read(action))
        .collect();
    eprintln!("image change writes: {writes:?}");
    assert_eq!(
        writes,
        [
            "ecs.DeregisterTaskDefinition",
            "ecs.RegisterTaskDefinition",
            "ecs.UpdateService"
        ],
        "writes of an image change"
    );
    let after = rt.block_on(aws.running_task_definition_arn(CLUSTER, "api"));
    assert_ne!(before, after, "the service moved to a new revision");
    let run = plan(&w);
    assert_eq!(
        run.code, 0,
        "second plan after the image change:\n{}",
        run.stdout
    );

    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = rt.block_on(aws.stack_leftovers(&seed.vpc_id, CLUSTER, &seed.zone_id));
    assert!(left.is_empty(), "left behind after destroy: {left:#?}");
}

#[test]
fn a_deployment_the_circuit_breaker_rolls_back_fails_the_apply_with_the_reason() {
    let (emulator, rt, seed, aws, w) = start();
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
    let left = rt.block_on(aws.stack_leftovers(&seed.vpc_id, CLUSTER, &seed.zone_id));
    assert!(left.is_empty(), "left behind: {left:#?}");
}

#[test]
fn import_by_cluster_and_name_reconstructs_the_service_and_the_next_plan_is_empty() {
    let (_emulator, rt, seed, aws, w) = start();
    let hcl = config(&seed, "public.ecr.aws/nginx/nginx:1.27");
    let hcl = &hcl[..hcl.find("module \"web\"").unwrap_or(hcl.len())];
    w.write("main.tf", hcl);
    w.init();
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    // Autoscaling has moved the count since creation.
    rt.block_on(drift::set_desired_count(&aws, CLUSTER, "api", 4));
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

const NGINX: &str = "public.ecr.aws/nginx/nginx:1.27";

/// The cluster and the API service only (no module).
fn api_only(seed: &Seed, image: &str, port: u16) -> String {
    let hcl = config_with_port(seed, image, port);
    hcl[..hcl.find("module \"web\"").unwrap_or(hcl.len())].to_owned()
}

/// The API service's attributes in the state.
fn api_state(w: &Workdir) -> Value {
    w.state_of("ecsprod_service.api")
}

/// The planned change of the API service, from a saved plan (`tfplan`).
fn api_change(w: &Workdir) -> Value {
    w.run(&["plan", "-input=false", "-no-color", "-out=tfplan"])
        .success();
    let shown = w.run(&["show", "-json", "tfplan"]).success().json();
    shown["resource_changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["address"] == "ecsprod_service.api"))
        .map(|c| c["change"].clone())
        .expect("a planned change of ecsprod_service.api")
}

fn text<'v>(v: &'v Value, attr: &str) -> &'v str {
    v[attr]
        .as_str()
        .unwrap_or_else(|| panic!("{attr} is not a string: {v:#}"))
}

#[test]
fn a_container_port_change_moves_the_service_in_place_to_a_new_target_group_and_deletes_the_old_one()
 {
    let (emulator, rt, seed, aws, w) = start();
    w.write("main.tf", &api_only(&seed, NGINX, 8080));
    w.init();
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let before = api_state(&w);
    let old_tg = text(&before, "target_group_arn").to_owned();

    // An image change keeps the target group.
    w.write(
        "main.tf",
        &api_only(&seed, "public.ecr.aws/nginx/nginx:1.28", 8080),
    );
    let change = api_change(&w);
    assert_eq!(change["actions"], json!(["update"]));
    assert_eq!(
        change["after"]["target_group_arn"],
        json!(old_tg),
        "{change:#}"
    );
    assert_ne!(change["after_unknown"]["target_group_arn"], json!(true));

    // A port change: an update in place; only the target group (and the revision) change.
    w.write("main.tf", &api_only(&seed, NGINX, 9090));
    let change = api_change(&w);
    assert_eq!(change["actions"], json!(["update"]), "{change:#}");
    assert_eq!(change["before"]["container_port"], json!(8080));
    assert_eq!(change["after"]["container_port"], json!(9090));
    assert_eq!(change["after_unknown"]["target_group_arn"], json!(true));
    assert_eq!(change["after_unknown"]["task_definition_arn"], json!(true));
    assert_eq!(
        change["after"]["listener_rule_arn"], before["listener_rule_arn"],
        "the rule is kept and repointed"
    );
    assert_eq!(change["after"]["arn"], before["arn"], "the service is kept");
    emulator.reset_counters();
    w.run(&["apply", "-input=false", "-no-color", "tfplan"])
        .success();
    let after = api_state(&w);
    let new_tg = text(&after, "target_group_arn").to_owned();
    assert_ne!(new_tg, old_tg);
    assert_eq!(after["previous_target_group_arns"], Value::Null);
    assert_eq!(after["listener_rule_arn"], before["listener_rule_arn"]);
    rt.block_on(async {
        let svc = aws.service(CLUSTER, "api").await;
        let lbs: Vec<(Option<&str>, Option<i32>)> = svc
            .load_balancers()
            .iter()
            .map(|l| (l.target_group_arn(), l.container_port()))
            .collect();
        assert_eq!(lbs, [(Some(new_tg.as_str()), Some(9090))]);
        let td = aws
            .task_definition(svc.task_definition().expect("revision"))
            .await;
        let ports: Vec<Option<i32>> = td.container_definitions()[0]
            .port_mappings()
            .iter()
            .map(|p| p.container_port())
            .collect();
        assert_eq!(ports, [Some(9090)]);
        assert_eq!(aws.target_group(&new_tg).await.port(), Some(9090));
        assert_eq!(
            aws.existing_target_groups(&[&old_tg, &new_tg]).await,
            std::slice::from_ref(&new_tg),
            "the old target group is deleted"
        );
        let rule = aws.rule(text(&after, "listener_rule_arn")).await;
        assert_eq!(forwarded_target_groups(&rule), [(new_tg.clone(), 1)]);
    });
    // The new group joined the rule without traffic before the service moved into it; the
    // traffic moved afterwards.
    let modified: Vec<String> = emulator
        .requests("ModifyRule")
        .iter()
        .map(|b| percent_decode(b))
        .collect();
    assert_eq!(modified.len(), 2, "{modified:#?}");
    assert!(
        modified[0].contains(&old_tg)
            && modified[0].contains(&new_tg)
            && modified[0].contains("Weight=0"),
        "{}",
        modified[0]
    );
    assert!(
        modified[1].contains(&new_tg) && !modified[1].contains(&old_tg),
        "{}",
        modified[1]
    );
    let updates: Vec<Value> = emulator
        .requests("UpdateService")
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect();
    assert_eq!(updates.len(), 1, "{updates:#?}");
    assert_eq!(
        updates[0]["loadBalancers"],
        json!([{"targetGroupArn": new_tg, "containerName": "api", "containerPort": 9090}])
    );
    w.assert_plan_empty("after the port change");

    // The move fails after the new group exists: the state records both groups and the next
    // apply finishes the move.
    emulator.set_faults(json!([{
        "service": "ecs", "action": "UpdateService", "mode": "fail",
        "code": "InvalidParameterException", "message": "injected by the test"
    }]));
    w.write("main.tf", &api_only(&seed, NGINX, 9191));
    let failed = w.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(failed.code, 0, "the injected failure must fail the apply");
    let partial = api_state(&w);
    let third_tg = text(&partial, "target_group_arn").to_owned();
    assert_ne!(third_tg, new_tg);
    assert_eq!(partial["previous_target_group_arns"], json!([new_tg]));
    let both = rt.block_on(aws.existing_target_groups(&[&new_tg, &third_tg]));
    assert_eq!(both.len(), 2, "{both:?}");
    emulator.set_faults(json!([]));
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let converged = api_state(&w);
    assert_eq!(converged["target_group_arn"], json!(third_tg));
    assert_eq!(converged["previous_target_group_arns"], Value::Null);
    assert_eq!(
        rt.block_on(aws.existing_target_groups(&[&new_tg, &third_tg])),
        std::slice::from_ref(&third_tg)
    );
    w.assert_plan_empty("after the interrupted move was finished");

    // Deleting the old group fails: destroy still removes both groups and everything else.
    emulator.set_faults(json!([{
        "service": "elasticloadbalancing", "action": "DeleteTargetGroup", "mode": "fail",
        "code": "ResourceInUse", "message": "injected by the test"
    }]));
    w.write("main.tf", &api_only(&seed, NGINX, 9292));
    let failed = w.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(failed.code, 0, "the injected failure must fail the apply");
    let partial = api_state(&w);
    assert_eq!(partial["previous_target_group_arns"], json!([third_tg]));
    emulator.set_faults(json!([]));
    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = rt.block_on(aws.stack_leftovers(&seed.vpc_id, CLUSTER, &seed.zone_id));
    assert!(left.is_empty(), "left behind: {left:#?}");
}

#[test]
fn settings_changed_outside_terraform_show_in_the_plan_on_their_attributes_and_apply_puts_them_back()
 {
    use aws_sdk_applicationautoscaling::types::MetricType;
    let (emulator, rt, seed, aws, w) = start();
    w.write("main.tf", &api_only(&seed, NGINX, 8080));
    w.init();
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    w.assert_plan_empty("after apply");
    let state = api_state(&w);
    let tg = text(&state, "target_group_arn").to_owned();
    let rule = text(&state, "listener_rule_arn").to_owned();
    let domain = format!("api.{}", seed.domain);

    // Refresh reads each of the service's objects once, all at the same time.
    emulator.reset_counters();
    let refresh = w.run(&[
        "plan",
        "-refresh-only",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        "-target=ecsprod_service.api",
    ]);
    assert_eq!(refresh.code, 0, "{}\n{}", refresh.stdout, refresh.stderr);
    let calls = emulator.calls();
    eprintln!(
        "refresh of the cluster and the service: {:.2} s, calls: {calls:#?}",
        refresh.seconds
    );
    for action in [
        "ecs.DescribeServices",
        "elasticloadbalancing.DescribeRules",
        "elasticloadbalancing.DescribeTargetGroupAttributes",
        "application-autoscaling.DescribeScalableTargets",
        "application-autoscaling.DescribeScalingPolicies",
        "route53.ListResourceRecordSets",
    ] {
        assert_eq!(calls.get(action), Some(&1), "{action}: {calls:#?}");
    }
    // One log group each: the service's, and the cluster's ECS Exec session group.
    assert_eq!(calls.get("logs.DescribeLogGroups"), Some(&2), "{calls:#?}");
    assert_eq!(
        calls.get("ecs.DescribeTaskDefinition"),
        None,
        "the running revision is the recorded one: no need to read it"
    );

    // Round 1: almost every setting changed outside Terraform.
    rt.block_on(async {
        drift::set_health_check(&aws, &tg, "/changed", "200").await;
        drift::set_target_group_attribute(&aws, &tg, "deregistration_delay.timeout_seconds", "5")
            .await;
        drift::route_rule_to_host(&aws, &rule, &format!("other.{}", seed.domain)).await;
        drift::set_scalable_target_range(&aws, "service/svc/api", 3, 7).await;
        for (name, metric, target) in [
            ("api-cpu", MetricType::EcsServiceAverageCpuUtilization, 41.0),
            (
                "api-memory",
                MetricType::EcsServiceAverageMemoryUtilization,
                42.0,
            ),
        ] {
            drift::put_target_tracking_policy(&aws, "service/svc/api", name, metric, target).await;
        }
        drift::set_log_retention(&aws, "/ecs/svc/api", 7).await;
        drift::delete_a_record(&aws, &seed.zone_id, &format!("{domain}.")).await;
        // A revision deployed outside Terraform, with another image, size and environment.
        let deployment = Deployment {
            image: "public.ecr.aws/nginx/nginx:drifted",
            cpu: "512",
            memory: "1024",
            environment: &[("LOG_LEVEL", "debug")],
            health_check_grace_period: 5,
        };
        drift::deploy_revision(&aws, CLUSTER, "api", &deployment).await;
        drift::set_availability_zone_rebalancing(&aws, CLUSTER, "api", false).await;
    });
    let change = api_change(&w);
    assert_eq!(change["actions"], json!(["update"]), "{change:#}");
    for (attr, live, configured) in [
        ("health_check_path", json!("/changed"), json!("/healthz")),
        ("health_check_matcher", json!("200"), json!("200-399")),
        ("deregistration_delay", json!(5), json!(30)),
        (
            "autoscaling",
            json!({"min_capacity": 3, "max_capacity": 7, "cpu_target": 41, "memory_target": 42, "queue": null}),
            json!({"min_capacity": 2, "max_capacity": 10, "cpu_target": 60, "memory_target": 75, "queue": null}),
        ),
        ("log_retention_days", json!(7), json!(30)),
        (
            "domain_name",
            json!(format!("other.{}", seed.domain)),
            json!(domain),
        ),
        ("zone_id", Value::Null, json!(seed.zone_id)),
        ("health_check_grace_period", json!(5), json!(60)),
        ("availability_zone_rebalancing", json!(false), json!(true)),
        (
            "image",
            json!("public.ecr.aws/nginx/nginx:drifted"),
            json!(NGINX),
        ),
        ("cpu", json!(512), json!(256)),
        ("memory", json!(1024), json!(512)),
        (
            "environment",
            json!({"LOG_LEVEL": "debug"}),
            json!({"LOG_LEVEL": "info"}),
        ),
    ] {
        assert_eq!(
            (&change["before"][attr], &change["after"][attr]),
            (&live, &configured),
            "{attr} in the plan"
        );
    }
    w.run(&["apply", "-input=false", "-no-color", "tfplan"])
        .success();
    rt.block_on(async {
        let g = aws.target_group(&tg).await;
        assert_eq!(g.health_check_path(), Some("/healthz"));
        assert_eq!(g.matcher().and_then(|m| m.http_code()), Some("200-399"));
        let attrs = aws.target_group_attributes(&tg).await;
        assert_eq!(
            attrs
                .get("deregistration_delay.timeout_seconds")
                .map(String::as_str),
            Some("30")
        );
        let hosts = aws_check::host_headers(&aws.rule(&rule).await);
        assert_eq!(hosts, std::slice::from_ref(&domain));
        let targets = aws.scalable_targets("service/svc/api").await;
        let t = &targets[0];
        assert_eq!((t.min_capacity(), t.max_capacity()), (2, 10));
        let mut values: Vec<f64> = aws
            .scaling_policies("service/svc/api")
            .await
            .iter()
            .filter_map(|p| p.target_tracking_scaling_policy_configuration())
            .map(|c| c.target_value())
            .collect();
        values.sort_by(f64::total_cmp);
        assert_eq!(values, [60.0, 75.0]);
        let groups = aws.log_groups("/ecs/svc/api").await;
        assert_eq!(groups[0].retention_in_days(), Some(30));
        assert!(
            aws.records(&seed.zone_id)
                .await
                .iter()
                .any(|r| { r.name() == format!("{domain}.") && r.alias_target().is_some() })
        );
        let svc = aws.service(CLUSTER, "api").await;
        assert_eq!(svc.health_check_grace_period_seconds(), Some(60));
        assert_eq!(
            svc.availability_zone_rebalancing(),
            Some(&aws_sdk_ecs::types::AvailabilityZoneRebalancing::Enabled)
        );
        let td = aws
            .task_definition(svc.task_definition().expect("revision"))
            .await;
        assert_eq!((td.cpu(), td.memory()), (Some("256"), Some("512")));
        let c = &td.container_definitions()[0];
        assert_eq!(c.image(), Some(NGINX));
        let env: Vec<(Option<&str>, Option<&str>)> = c
            .environment()
            .iter()
            .map(|e| (e.name(), e.value()))
            .collect();
        assert_eq!(env, [(Some("LOG_LEVEL"), Some("info"))]);
    });
    w.assert_plan_empty("after the repair");

    // Round 2: the rule forwards to a group that is not the service's, and the scalable target
    // is gone.
    let foreign = rt.block_on(async {
        let foreign = drift::create_target_group(&aws, "not-the-service", &seed.vpc_id).await;
        drift::forward_rule_to(&aws, &rule, &foreign).await;
        drift::deregister_scalable_target(&aws, "service/svc/api").await;
        foreign
    });
    let change = api_change(&w);
    assert_eq!(change["actions"], json!(["update"]), "{change:#}");
    assert_eq!(change["before"]["domain_name"], Value::Null, "{change:#}");
    assert_eq!(change["after"]["domain_name"], json!(domain));
    assert_eq!(change["before"]["autoscaling"], Value::Null);
    w.run(&["apply", "-input=false", "-no-color", "tfplan"])
        .success();
    rt.block_on(async {
        let forwarded = forwarded_target_groups(&aws.rule(&rule).await);
        assert_eq!(forwarded, [(tg.clone(), 1)]);
        assert_eq!(aws.scalable_targets("service/svc/api").await.len(), 1);
    });
    w.assert_plan_empty("after the rule was pointed back");

    // Round 3: the rule is deleted; apply creates it again.
    rt.block_on(drift::delete_rule(&aws, &rule));
    let change = api_change(&w);
    assert_eq!(change["before"]["domain_name"], Value::Null, "{change:#}");
    assert_eq!(change["after"]["domain_name"], json!(domain));
    assert_eq!(change["after_unknown"]["listener_rule_arn"], json!(true));
    w.run(&["apply", "-input=false", "-no-color", "tfplan"])
        .success();
    let state = api_state(&w);
    let recreated = text(&state, "listener_rule_arn").to_owned();
    let forwarded = rt.block_on(async { forwarded_target_groups(&aws.rule(&recreated).await) });
    assert_eq!(forwarded, [(tg.clone(), 1)]);
    w.assert_plan_empty("after the rule was created again");

    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = rt.block_on(async {
        drift::delete_target_group(&aws, &foreign).await;
        aws.stack_leftovers(&seed.vpc_id, CLUSTER, &seed.zone_id)
            .await
    });
    assert!(left.is_empty(), "left behind: {left:#?}");
}

#[test]
fn apply_polls_the_service_until_its_deployment_is_steady_and_only_when_asked_to_wait() {
    // The emulator reports the deployment as still rolling out (no task running) for the first
    // `ROLLING` DescribeServices calls, then as it really is: steady.
    const ROLLING: u64 = 5;
    let (emulator, _, seed, _, w) = start();
    w.write("main.tf", &api_only(&seed, NGINX, 8080));
    w.init();
    // An apply while the deployment rolls out: how many times it asked for the service.
    let apply_during_rollout = || {
        emulator.reset_counters();
        emulator.set_faults(json!([{
            "service": "ecs", "action": "DescribeServices", "mode": "in_progress", "times": ROLLING
        }]));
        w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
            .success();
        emulator
            .calls()
            .get("ecs.DescribeServices")
            .copied()
            .unwrap_or(0)
    };
    let polled = apply_during_rollout();
    // One look before CreateService, then polls until a steady answer: every rolling answer
    // was consumed and one more came after them.
    assert!(
        polled > ROLLING,
        "DescribeServices called {polled} times: the apply did not wait for the deployment"
    );

    // Without the wait, the same rollout in progress is not polled at all.
    let hcl = api_only(&seed, "public.ecr.aws/nginx/nginx:1.28", 8080).replace(
        "  health_check_path = \"/healthz\"\n",
        "  health_check_path = \"/healthz\"\n  wait_for_steady_state = false\n",
    );
    assert!(hcl.contains("wait_for_steady_state = false"));
    w.write("main.tf", &hcl);
    let polled = apply_during_rollout();
    assert!(
        polled < ROLLING,
        "DescribeServices called {polled} times without wait_for_steady_state"
    );
    emulator.set_faults(json!([]));
    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
}
