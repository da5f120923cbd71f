//! `ecsprod_service` shapes beyond one container behind a host name: a main container with a
//! command and a health check beside a sidecar, and ECS Exec turned on and off;
//! each applied, checked in AWS and the request bodies, changed in place, drifted, repaired
//! and destroyed.

use acceptance_tests::drift::{self, Deployment};
use acceptance_tests::emulator::Seed;
use acceptance_tests::{Lab, REQUIRED_PROVIDERS, Workdir, cluster_resource, service_resource};
use aws_sdk_ecs::types::{ContainerDefinition, TaskDefinition};
use serde_json::Value;

const CLUSTER: &str = "shapes";
const ROUTER: &str = "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4";
const ROUTER_NEXT: &str = "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.5";
const EXEC_ACTIONS: &[&str] = &[
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/// The API with a health check, a command, a sidecar that holds a secret, and Exec.
fn config(seed: &Seed, router_image: &str, retries: u32, exec: bool) -> String {
    let extra = format!(
        r#"  command = ["nginx", "-g", "daemon off;"]
  health_check = {{
    command = ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"]
    retries = {retries}
  }}
  readonly_root_filesystem = false
  enable_execute_command   = {exec}
  sidecars = [{{
    name           = "shipper"
    image          = "{router_image}"
    essential      = false
    memory         = 64
    main_waits_for = "START"
    environment    = {{ FLB_LOG_LEVEL = "info" }}
    secrets        = {{ DESTINATION_TOKEN = "{secret}" }}
  }}]
"#,
        secret = seed.secret_arn,
    );
    format!(
        "{REQUIRED_PROVIDERS}\n{}\n{}",
        cluster_resource(seed, CLUSTER, ""),
        service_resource(seed, &extra)
    )
}

fn apply(w: &Workdir) -> acceptance_tests::Run {
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success()
}

fn revision(lab: &Lab) -> TaskDefinition {
    lab.rt
        .block_on(lab.aws.running_task_definition(CLUSTER, "api"))
}

fn container<'a>(td: &'a TaskDefinition, name: &str) -> &'a ContainerDefinition {
    td.container_definitions()
        .iter()
        .find(|c| c.name() == Some(name))
        .unwrap_or_else(|| panic!("no container {name} in {td:#?}"))
}

fn exec_actions(lab: &Lab) -> Option<Vec<String>> {
    let doc = lab.rt.block_on(
        lab.aws
            .inline_policy(&format!("{CLUSTER}-api-task"), "execute-command"),
    )?;
    Some(
        doc["Statement"][0]["Action"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect(),
    )
}

fn service_exec(lab: &Lab) -> bool {
    lab.rt
        .block_on(lab.aws.service(CLUSTER, "api"))
        .enable_execute_command()
}

#[test]
fn a_service_with_a_sidecar_and_a_health_check_registers_both_containers_changes_in_place_and_repairs_drift()
 {
    let lab = Lab::start();
    let w = &lab.work;
    w.write("main.tf", &config(&lab.seed, ROUTER, 3, true));
    w.init();
    let created = apply(w);
    w.assert_plan_empty("after create");

    // Both containers, as registered and as ECS reports them.
    let td = revision(&lab);
    assert_eq!(td.container_definitions().len(), 2);
    let main = container(&td, "api");
    assert_eq!(main.command(), ["nginx", "-g", "daemon off;"]);
    let h = main.health_check().expect("health check");
    assert_eq!(
        (h.interval(), h.timeout(), h.retries(), h.start_period()),
        (Some(30), Some(5), Some(3), Some(0))
    );
    let waits: Vec<_> = main
        .depends_on()
        .iter()
        .map(|d| (d.container_name(), d.condition().as_str()))
        .collect();
    assert_eq!(waits, [("shipper", "START")]);
    let router = container(&td, "shipper");
    assert_eq!(
        (router.essential(), router.memory()),
        (Some(false), Some(64))
    );
    assert_eq!(router.secrets()[0].value_from(), lab.seed.secret_arn);
    let options = router
        .log_configuration()
        .and_then(|l| l.options())
        .expect("log options");
    assert_eq!(options["awslogs-stream-prefix"], "shipper");
    assert_eq!(options["awslogs-group"], format!("/ecs/{CLUSTER}/api"));
    let body = lab.emulator.last_request("RegisterTaskDefinition");
    assert_eq!(body["containerDefinitions"][0]["name"], "api");
    assert_eq!(
        body["containerDefinitions"][0]["readonlyRootFilesystem"],
        Value::Null
    );

    // The execution role reads the sidecar's secret; Exec is on with exactly its actions.
    let exec_policy = lab
        .rt
        .block_on(
            lab.aws
                .inline_policy(&format!("{CLUSTER}-api-exec"), "secrets"),
        )
        .expect("execution role policy");
    assert!(
        exec_policy.to_string().contains(&lab.seed.secret_arn),
        "{exec_policy:#}"
    );
    assert_eq!(
        exec_actions(&lab).as_deref(),
        Some(
            EXEC_ACTIONS
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .as_slice()
        )
    );
    assert!(service_exec(&lab));
    assert_eq!(
        lab.emulator.last_request("CreateService")["enableExecuteCommand"],
        true
    );
    // Sessions are logged to the cluster's group, which the task role may write to.
    let cluster = lab.rt.block_on(lab.aws.cluster(CLUSTER));
    let exec = cluster
        .configuration()
        .and_then(|c| c.execute_command_configuration())
        .expect("execute-command configuration");
    let group = format!("/ecs-exec/{CLUSTER}");
    assert_eq!(exec.logging().map(|l| l.as_str()), Some("OVERRIDE"));
    assert_eq!(
        exec.log_configuration()
            .and_then(|l| l.cloud_watch_log_group_name()),
        Some(group.as_str())
    );
    let task_policy = lab
        .rt
        .block_on(
            lab.aws
                .inline_policy(&format!("{CLUSTER}-api-task"), "execute-command"),
        )
        .expect("Exec policy");
    assert!(
        task_policy
            .to_string()
            .contains(&format!(":log-group:{group}:*")),
        "{task_policy:#}"
    );

    // The secret's value is never read, stored or logged.
    let state = std::fs::read_to_string(w.path().join("terraform.tfstate")).expect("state");
    for text in [&state, &created.stderr, &created.stdout] {
        assert!(
            !text.contains(&lab.seed.secret_value),
            "secret value leaked"
        );
    }
    let calls = lab.emulator.calls();
    assert_eq!(
        calls.get("secretsmanager.GetSecretValue"),
        None,
        "{calls:?}"
    );

    // In place: a new router image and health check retries make one new revision; Exec off.
    let before = td.task_definition_arn().expect("arn").to_owned();
    w.write("main.tf", &config(&lab.seed, ROUTER_NEXT, 5, false));
    apply(w);
    w.assert_plan_empty("after the change");
    let td = revision(&lab);
    assert_ne!(td.task_definition_arn(), Some(before.as_str()));
    assert_eq!(container(&td, "shipper").image(), Some(ROUTER_NEXT));
    let retries = container(&td, "api")
        .health_check()
        .and_then(|h| h.retries());
    assert_eq!(retries, Some(5));
    let active = lab
        .rt
        .block_on(lab.aws.active_revisions(&format!("{CLUSTER}-api")));
    assert_eq!(active.len(), 1, "{active:?}");
    assert!(!service_exec(&lab));
    assert_eq!(exec_actions(&lab), None, "the Exec policy is removed");
    assert_eq!(
        lab.emulator.last_request("UpdateService")["enableExecuteCommand"],
        false
    );

    // Drift: a revision deployed outside Terraform without the sidecar nor the health check.
    lab.rt.block_on(drift::deploy_revision(
        &lab.aws,
        CLUSTER,
        "api",
        &Deployment {
            image: "public.ecr.aws/nginx/nginx:1.27",
            cpu: "256",
            memory: "512",
            environment: &[],
            health_check_grace_period: 60,
        },
    ));
    let plan = w.run(&["plan", "-no-color", "-input=false"]).success();
    for attr in ["sidecars", "health_check", "command"] {
        assert!(
            plan.stdout.contains(&format!("~ {attr}"))
                || plan.stdout.contains(&format!("+ {attr}")),
            "the plan does not show {attr}:\n{}",
            plan.stdout
        );
    }
    apply(w);
    w.assert_plan_empty("after the repair");
    let td = revision(&lab);
    assert_eq!(td.container_definitions().len(), 2);
    assert!(container(&td, "api").health_check().is_some());

    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = lab.leftovers(CLUSTER);
    assert!(left.is_empty(), "left behind: {left:#?}");
}

#[test]
fn exec_turned_on_and_session_logging_switched_outside_terraform_show_on_their_attributes_and_apply_repairs_both()
 {
    let lab = Lab::start();
    let w = &lab.work;
    let config = format!(
        "{REQUIRED_PROVIDERS}\n{}\n{}",
        cluster_resource(&lab.seed, CLUSTER, ""),
        service_resource(&lab.seed, "")
    );
    w.write("main.tf", &config);
    w.init();
    apply(w);
    assert!(!service_exec(&lab));
    lab.rt
        .block_on(drift::set_execute_command(&lab.aws, CLUSTER, "api", true));
    let plan = w.run(&["plan", "-no-color", "-input=false"]).success();
    assert!(
        plan.stdout.lines().any(|l| {
            l.trim_start().starts_with("~ enable_execute_command") && l.ends_with("true -> false")
        }),
        "{}",
        plan.stdout
    );
    apply(w);
    assert!(!service_exec(&lab));
    w.assert_plan_empty("after the repair");

    // The cluster's session logging switched to ECS's default outside Terraform shows on
    // execute_command_kms_key_arn, and the apply logs sessions to the cluster's group again.
    lab.rt.block_on(async {
        use aws_sdk_ecs::types::{
            ClusterConfiguration, ExecuteCommandConfiguration, ExecuteCommandLogging,
        };
        let default = ExecuteCommandConfiguration::builder()
            .logging(ExecuteCommandLogging::Default)
            .build();
        lab.aws
            .ecs
            .update_cluster()
            .cluster(CLUSTER)
            .configuration(
                ClusterConfiguration::builder()
                    .execute_command_configuration(default)
                    .build(),
            )
            .send()
            .await
            .expect("switch the session logging")
    });
    let plan = w.run(&["plan", "-no-color", "-input=false"]).success();
    assert!(
        plan.stdout
            .lines()
            .any(|l| l.contains(" execute_command_kms_key_arn ") && l.contains(" -> null")),
        "{}",
        plan.stdout
    );
    apply(w);
    let cluster = lab.rt.block_on(lab.aws.cluster(CLUSTER));
    let logging = cluster
        .configuration()
        .and_then(|c| c.execute_command_configuration())
        .and_then(|e| e.logging())
        .map(|l| l.as_str().to_owned());
    assert_eq!(logging.as_deref(), Some("OVERRIDE"));

    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
}
