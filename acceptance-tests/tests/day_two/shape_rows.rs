//! The rows of the service's container settings, sidecars, ECS Exec and routing, and the
//! readers of the revision the service runs.

use super::rows::expect;
use super::{CLUSTER, Ctx, Row};

pub(super) fn ecs_service(c: &Ctx<'_>) -> aws_sdk_ecs::types::Service {
    c.rt.block_on(c.aws.service(CLUSTER, "api"))
}

/// The Service Connect configuration of the service's primary deployment.
fn primary_connect(c: &Ctx<'_>) -> Option<aws_sdk_ecs::types::ServiceConnectConfiguration> {
    ecs_service(c)
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
        .and_then(|d| d.service_connect_configuration().cloned())
}

pub(super) fn revision(c: &Ctx<'_>) -> aws_sdk_ecs::types::TaskDefinition {
    c.rt.block_on(c.aws.running_task_definition(CLUSTER, "api"))
}

pub(super) fn container(c: &Ctx<'_>) -> aws_sdk_ecs::types::ContainerDefinition {
    revision(c).container_definitions()[0].clone()
}

/// The active revisions of the service's family: only the one it runs.
pub(super) fn one_revision(c: &Ctx<'_>) -> Result<(), String> {
    let active =
        c.rt.block_on(c.aws.active_revisions(&format!("{CLUSTER}-api")));
    expect("active revisions", active.len(), 1)
}

/// The service's rule, as its state names it.
fn service_rule(c: &Ctx<'_>) -> aws_sdk_elasticloadbalancingv2::types::Rule {
    let state = c.work.state_of("ecsprod_service.api");
    let arn = state["listener_rule_arn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    c.rt.block_on(c.aws.rule(&arn))
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

pub fn rows() -> Vec<Row> {
    vec![
        Row {
            attribute: "command",
            value: |_| Some(r#"["nginx", "-g", "daemon off;"]"#.into()),
            check: |c| {
                let want = strings(&["nginx", "-g", "daemon off;"]);
                expect("command", container(c).command().to_vec(), want)?;
                one_revision(c)
            },
        },
        Row {
            attribute: "entrypoint",
            value: |_| Some(r#"["/docker-entrypoint.sh"]"#.into()),
            check: |c| {
                let want = strings(&["/docker-entrypoint.sh"]);
                expect("entrypoint", container(c).entry_point().to_vec(), want)
            },
        },
        Row {
            attribute: "health_check",
            value: |_| {
                Some(
                    r#"{ command = ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"], interval = 10 }"#
                        .into(),
                )
            },
            check: |c| {
                let h = container(c)
                    .health_check()
                    .cloned()
                    .ok_or("no health check")?;
                expect(
                    "interval, timeout",
                    (h.interval(), h.timeout()),
                    (Some(10), Some(5)),
                )
            },
        },
        Row {
            attribute: "stop_timeout",
            value: |_| Some("60".into()),
            check: |c| expect("stop timeout", container(c).stop_timeout(), Some(60)),
        },
        Row {
            attribute: "readonly_root_filesystem",
            value: |_| Some("true".into()),
            check: |c| {
                expect(
                    "read-only root",
                    container(c).readonly_root_filesystem(),
                    Some(true),
                )
            },
        },
        Row {
            attribute: "user",
            value: |_| Some(r#""101:101""#.into()),
            check: |c| {
                expect(
                    "user",
                    container(c).user().map(str::to_owned),
                    Some("101:101".into()),
                )
            },
        },
        Row {
            attribute: "sidecars",
            value: |c| {
                Some(format!(
                    r#"[{{ name = "metrics", image = "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0", memory = 64, depends_on = "HEALTHY", secrets = {{ TOKEN = "{}" }} }}]"#,
                    c.extra.parameter
                ))
            },
            check: |c| {
                let td = revision(c);
                let sidecar = td
                    .container_definitions()
                    .iter()
                    .find(|d| d.name() == Some("metrics"))
                    .ok_or("no sidecar")?;
                let waits: Vec<_> = sidecar
                    .depends_on()
                    .iter()
                    .map(|d| {
                        (
                            d.container_name().to_owned(),
                            d.condition().as_str().to_owned(),
                        )
                    })
                    .collect();
                expect(
                    "sidecar waits for",
                    waits,
                    vec![("api".into(), "HEALTHY".into())],
                )?;
                let policy =
                    c.rt.block_on(
                        c.aws
                            .inline_policy(&format!("{CLUSTER}-api-exec"), "secrets"),
                    )
                    .ok_or("no execution role policy")?;
                expect(
                    "execution role reads the sidecar's secret",
                    policy.to_string().contains(&c.extra.parameter),
                    true,
                )
            },
        },
        Row {
            attribute: "additional_domain_names",
            value: |c| Some(format!("[\"www2.{}\"]", c.seed.domain)),
            check: |c| {
                let hosts = acceptance_tests::aws_check::host_headers(&service_rule(c));
                expect(
                    "second host",
                    hosts.last().cloned(),
                    Some(format!("www2.{}", c.seed.domain)),
                )
            },
        },
        Row {
            attribute: "path_patterns",
            value: |_| Some(r#"["/app/*"]"#.into()),
            check: |c| {
                let rule = service_rule(c);
                let paths: Vec<String> = rule
                    .conditions()
                    .iter()
                    .filter_map(|k| k.path_pattern_config())
                    .flat_map(|p| p.values().to_vec())
                    .collect();
                expect("paths", paths, vec!["/app/*".to_owned()])?;
                let priority: i32 = rule.priority().and_then(|p| p.parse().ok()).unwrap_or(0);
                expect("in the path band", (1..=10_000).contains(&priority), true)
            },
        },
        Row {
            attribute: "internal",
            value: |_| Some(r#"{ dns_name = "api.internal" }"#.into()),
            check: |c| {
                let connect = primary_connect(c).ok_or("no Service Connect configuration")?;
                let aliases: Vec<(Option<String>, i32)> = connect
                    .services()
                    .iter()
                    .flat_map(|s| s.client_aliases())
                    .map(|a| (a.dns_name().map(str::to_owned), a.port()))
                    .collect();
                expect(
                    "published",
                    aliases,
                    vec![(Some("api.internal".into()), 80)],
                )
            },
        },
        Row {
            attribute: "internal",
            value: |_| None,
            check: |c| {
                let published = primary_connect(c).map(|sc| sc.services().len());
                expect("published services", published, Some(0))
            },
        },
        Row {
            attribute: "service_connect",
            value: |_| Some("false".into()),
            check: |c| {
                let enabled = primary_connect(c).map(|sc| sc.enabled());
                expect("in the namespace", enabled.unwrap_or(false), false)
            },
        },
        Row {
            attribute: "enable_execute_command",
            value: |_| Some("true".into()),
            check: |c| {
                expect(
                    "service Exec",
                    ecs_service(c).enable_execute_command(),
                    true,
                )?;
                let policy = c.rt.block_on(
                    c.aws
                        .inline_policy(&format!("{CLUSTER}-api-task"), "execute-command"),
                );
                expect("task role Exec policy", policy.is_some(), true)
            },
        },
    ]
}
