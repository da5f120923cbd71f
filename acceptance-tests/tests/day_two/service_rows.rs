//! The service's rows.

use acceptance_tests::aws_check::host_headers;

use super::rows::{expect, no_writes};
use super::shape_rows::{container, ecs_service, one_revision, revision};
use super::{CLUSTER, Ctx, Other, Row};

fn quoted(s: &str) -> Option<String> {
    Some(format!("{s:?}"))
}

fn target_group_arn(c: &Ctx<'_>) -> String {
    ecs_service(c).load_balancers()[0]
        .target_group_arn()
        .expect("target group")
        .to_owned()
}

fn target_group(c: &Ctx<'_>) -> aws_sdk_elasticloadbalancingv2::types::TargetGroup {
    c.rt.block_on(c.aws.target_group(&target_group_arn(c)))
}

/// The strategy ECS deploys the service with, and its load balancer entry's traffic shift:
/// (strategy, alternate group, test rule, role).
fn shift(c: &Ctx<'_>) -> (String, Option<String>, Option<String>, Option<String>) {
    let svc = ecs_service(c);
    let strategy = svc
        .deployment_configuration()
        .and_then(|d| d.strategy())
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    let a = svc.load_balancers()[0].advanced_configuration().cloned();
    let field = |f: fn(&aws_sdk_ecs::types::AdvancedConfiguration) -> Option<&str>| {
        a.as_ref().and_then(f).map(str::to_owned)
    };
    (
        strategy,
        field(|a| a.alternate_target_group_arn()),
        field(|a| a.test_listener_rule()),
        field(|a| a.role_arn()),
    )
}

/// The body of the last UpdateService call, as sent.
fn last_update(c: &Ctx<'_>) -> serde_json::Value {
    c.emulator
        .requests("UpdateService")
        .last()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default()
}

/// The service's target groups that exist (by their names' prefix).
fn service_groups(c: &Ctx<'_>) -> usize {
    let prefix = format!("{CLUSTER}-api-");
    c.rt.block_on(c.aws.target_groups())
        .iter()
        .filter(|g| {
            g.target_group_name()
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .count()
}

fn alarm_threshold(c: &Ctx<'_>) -> Option<f64> {
    c.rt.block_on(c.aws.alarm(&format!("{CLUSTER}-api-5xx-rate")))
        .and_then(|a| a.threshold())
}

/// The A record of `fqdn` in `zone`, if any.
fn record(c: &Ctx<'_>, zone: &str, fqdn: &str) -> bool {
    c.rt.block_on(c.aws.a_record(zone, fqdn)).is_some()
}

pub fn rows() -> Vec<Row> {
    let mut rows = vec![
        Row {
            attribute: "image",
            value: |_| quoted("public.ecr.aws/nginx/nginx:1.28"),
            check: |c| {
                expect(
                    "image",
                    container(c).image().map(str::to_owned),
                    Some("public.ecr.aws/nginx/nginx:1.28".to_owned()),
                )?;
                one_revision(c)
            },
        },
        Row {
            attribute: "container_port",
            value: |_| Some("9090".into()),
            check: |c| {
                let entry = ecs_service(c).load_balancers()[0].clone();
                expect("service container port", entry.container_port(), Some(9090))?;
                expect("target group port", target_group(c).port(), Some(9090))?;
                let ours = c.rt.block_on(c.aws.target_groups());
                let named: Vec<_> = ours
                    .iter()
                    .filter(|g| {
                        g.target_group_name()
                            .is_some_and(|n| n.starts_with("day2-api"))
                    })
                    .collect();
                expect("the service's target groups", named.len(), 1)?;
                one_revision(c)
            },
        },
        Row {
            attribute: "domain_name",
            value: |c| quoted(&format!("web.{}", c.seed.domain)),
            check: |c| {
                let rule_hosts = c.rt.block_on(async {
                    let lb = c.aws.load_balancer_arn(&format!("{CLUSTER}-alb")).await;
                    let listener = c.aws.listener_arn(&lb, 443).await;
                    c.aws
                        .listener_rules(&listener)
                        .await
                        .iter()
                        .flat_map(host_headers)
                        .collect::<Vec<_>>()
                });
                expect(
                    "hosts routed",
                    rule_hosts,
                    vec![format!("web.{}", c.seed.domain)],
                )?;
                expect(
                    "new record",
                    record(c, &c.seed.zone_id, &format!("web.{}.", c.seed.domain)),
                    true,
                )?;
                expect(
                    "old record",
                    record(c, &c.seed.zone_id, &format!("api.{}.", c.seed.domain)),
                    false,
                )
            },
        },
        Row {
            attribute: "zone_id",
            value: |c| quoted(&c.extra.zone),
            check: |c| {
                let name = format!("web.{}.", c.seed.domain);
                expect(
                    "record in the new zone",
                    record(c, &c.extra.zone, &name),
                    true,
                )?;
                expect(
                    "record in the old zone",
                    record(c, &c.seed.zone_id, &name),
                    false,
                )
            },
        },
        Row {
            attribute: "cpu",
            value: |_| Some("512".into()),
            check: |c| {
                expect(
                    "cpu",
                    revision(c).cpu().map(str::to_owned),
                    Some("512".to_owned()),
                )
            },
        },
        Row {
            attribute: "memory",
            value: |_| Some("1024".into()),
            check: |c| {
                expect(
                    "memory",
                    revision(c).memory().map(str::to_owned),
                    Some("1024".to_owned()),
                )
            },
        },
        Row {
            attribute: "environment",
            value: |_| Some(r#"{ MODE = "day2" }"#.into()),
            check: |c| {
                let env: Vec<(String, String)> = container(c)
                    .environment()
                    .iter()
                    .filter_map(|kv| Some((kv.name()?.to_owned(), kv.value()?.to_owned())))
                    .collect();
                expect(
                    "environment",
                    env,
                    vec![("MODE".to_owned(), "day2".to_owned())],
                )
            },
        },
        Row {
            attribute: "secrets",
            value: |c| {
                Some(format!(
                    "{{ DATABASE_URL = {:?}, EXTRA = {:?} }}",
                    c.seed.parameter_arn, c.extra.parameter
                ))
            },
            check: |c| {
                let mut names: Vec<String> = container(c)
                    .secrets()
                    .iter()
                    .map(|s| s.name().to_owned())
                    .collect();
                names.sort();
                expect(
                    "secrets",
                    names,
                    vec!["DATABASE_URL".to_owned(), "EXTRA".to_owned()],
                )?;
                let policy =
                    c.rt.block_on(c.aws.first_inline_policy(&format!("{CLUSTER}-api-exec")))
                        .to_string();
                expect(
                    "the execution role reads the new parameter",
                    policy.contains(&c.extra.parameter),
                    true,
                )
            },
        },
        Row {
            attribute: "health_check_path",
            value: |_| quoted("/ready"),
            check: |c| {
                expect(
                    "health check path",
                    target_group(c).health_check_path().map(str::to_owned),
                    Some("/ready".to_owned()),
                )
            },
        },
        Row {
            attribute: "health_check_matcher",
            value: |_| quoted("200"),
            check: |c| {
                expect(
                    "matcher",
                    target_group(c)
                        .matcher()
                        .and_then(|m| m.http_code())
                        .map(str::to_owned),
                    Some("200".to_owned()),
                )
            },
        },
        Row {
            attribute: "deregistration_delay",
            value: |_| Some("10".into()),
            check: |c| {
                let attributes =
                    c.rt.block_on(c.aws.target_group_attributes(&target_group_arn(c)));
                expect(
                    "deregistration delay",
                    attributes
                        .get("deregistration_delay.timeout_seconds")
                        .cloned(),
                    Some("10".to_owned()),
                )
            },
        },
        Row {
            attribute: "availability_zone_rebalancing",
            value: |_| Some("false".into()),
            check: |c| {
                expect(
                    "Availability Zone rebalancing",
                    ecs_service(c)
                        .availability_zone_rebalancing()
                        .map(|r| r.as_str().to_owned()),
                    Some("DISABLED".to_owned()),
                )
            },
        },
        Row {
            attribute: "health_check_grace_period",
            value: |_| Some("30".into()),
            check: |c| {
                expect(
                    "grace period sent",
                    last_update(c)["healthCheckGracePeriodSeconds"].clone(),
                    serde_json::json!(30),
                )
            },
        },
        Row {
            attribute: "autoscaling",
            value: |_| {
                Some(
                    "{ min_capacity = 2, max_capacity = 8, cpu_target = 50, memory_target = 70 }"
                        .into(),
                )
            },
            check: |c| {
                let id = format!("service/{CLUSTER}/api");
                let target = c.rt.block_on(c.aws.scalable_targets(&id))[0].clone();
                expect(
                    "bounds",
                    (target.min_capacity(), target.max_capacity()),
                    (2, 8),
                )?;
                let mut values: Vec<i64> =
                    c.rt.block_on(c.aws.scaling_policies(&id))
                        .iter()
                        .filter_map(|p| {
                            p.target_tracking_scaling_policy_configuration()
                                .map(|t| t.target_value() as i64)
                        })
                        .collect();
                values.sort();
                expect("targets", values, vec![50, 70])
            },
        },
        Row {
            attribute: "deployment",
            value: |_| {
                Some(r#"{ strategy = "canary", canary_bake_time = 0, bake_time = 0 }"#.into())
            },
            check: |c| {
                let (strategy, alternate, test, role) = shift(c);
                expect("strategy", strategy.as_str(), "CANARY")?;
                expect("alternate group set", alternate.is_some(), true)?;
                expect("test rule", test, None)?;
                expect("role set", role.is_some(), true)?;
                expect("target groups", service_groups(c), 2)
            },
        },
        Row {
            attribute: "deployment",
            value: |c| {
                Some(format!(
                    r#"{{ strategy = "linear", linear_step_percent = 50, linear_step_bake_time = 0, bake_time = 0, test_host = "api-next.{}" }}"#,
                    c.seed.domain
                ))
            },
            check: |c| {
                let (strategy, _, test, _) = shift(c);
                expect("strategy", strategy.as_str(), "LINEAR")?;
                let d = ecs_service(c).deployment_configuration().cloned();
                let step = d.as_ref().and_then(|d| d.linear_configuration());
                expect(
                    "linear step",
                    step.map(|l| (l.step_percent(), l.step_bake_time_in_minutes())),
                    Some((Some(50.0), Some(0))),
                )?;
                expect(
                    "canary",
                    d.and_then(|d| d.canary_configuration().cloned()),
                    None,
                )?;
                let sent = &last_update(c)["deploymentConfiguration"];
                expect(
                    "linear step sent",
                    (
                        &sent["strategy"],
                        &sent["linearConfiguration"]["stepPercent"],
                    ),
                    (&serde_json::json!("LINEAR"), &serde_json::json!(50.0)),
                )?;
                expect("canary sent", sent["canaryConfiguration"].is_null(), true)?;
                let test = test.ok_or("no test rule in the load balancer entry")?;
                let rule = c.rt.block_on(c.aws.rule(&test));
                expect(
                    "test host",
                    host_headers(&rule),
                    vec![format!("api-next.{}", c.seed.domain)],
                )
            },
        },
        Row {
            attribute: "deployment",
            value: |_| {
                Some(r#"{ strategy = "blue_green", bake_time = 0, rollback_alarms = { enabled = false } }"#.into())
            },
            check: |c| {
                let (strategy, _, test, _) = shift(c);
                expect("strategy", strategy.as_str(), "BLUE_GREEN")?;
                let d = ecs_service(c).deployment_configuration().cloned();
                expect(
                    "bake time",
                    d.as_ref().and_then(|d| d.bake_time_in_minutes()),
                    Some(0),
                )?;
                expect(
                    "alarm rollback",
                    d.and_then(|d| d.alarms().map(|a| (a.enable(), a.alarm_names().len()))),
                    Some((false, 0)),
                )?;
                expect("test rule", test, None)?;
                expect("alarm", alarm_threshold(c), None)
            },
        },
        Row {
            attribute: "deployment",
            value: |_| Some("{ rollback_alarms = { error_rate_percent = 10 } }".into()),
            check: |c| {
                let (strategy, alternate, _, role) = shift(c);
                expect("strategy", strategy.as_str(), "ROLLING")?;
                expect("alternate group", alternate, None)?;
                expect("role", role, None)?;
                expect("target groups", service_groups(c), 1)?;
                expect("alarm threshold", alarm_threshold(c), Some(10.0))
            },
        },
        Row {
            attribute: "log_retention_days",
            value: |_| Some("14".into()),
            check: |c| {
                let groups =
                    c.rt.block_on(c.aws.log_groups(&format!("/ecs/{CLUSTER}/api")));
                expect("retention", groups[0].retention_in_days(), Some(14))
            },
        },
        Row {
            attribute: "wait_for_steady_state",
            value: |_| Some("false".into()),
            check: no_writes,
        },
        Row {
            attribute: "task_role_policy_json",
            value: |_| {
                Some(r#"jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::day2/*" }] })"#.into())
            },
            check: |c| {
                let policy =
                    c.rt.block_on(c.aws.first_inline_policy(&format!("{CLUSTER}-api-task")))
                        .to_string();
                expect(
                    "task role policy",
                    policy.contains("arn:aws:s3:::day2/*"),
                    true,
                )
            },
        },
        Row {
            attribute: "tags",
            value: |_| Some(r#"{ Team = "day2" }"#.into()),
            check: |c| {
                let arn = ecs_service(c)
                    .service_arn()
                    .expect("service ARN")
                    .to_owned();
                let tags =
                    c.rt.block_on(c.aws.ecs.list_tags_for_resource().resource_arn(arn).send())
                        .map_err(|e| e.to_string())?;
                let found = tags
                    .tags()
                    .iter()
                    .find(|t| t.key() == Some("Team"))
                    .and_then(|t| t.value())
                    .map(str::to_owned);
                expect("service Team tag", found, Some("day2".to_owned()))?;
                let group =
                    c.rt.block_on(c.aws.load_balancing_tags(&target_group_arn(c)));
                expect(
                    "target group Team tag",
                    group.get("Team").cloned(),
                    Some("day2".to_owned()),
                )
            },
        },
        Row {
            attribute: "timeouts",
            value: |_| Some(r#"{ update = "20m" }"#.into()),
            check: no_writes,
        },
        Row {
            attribute: "desired_count",
            value: |_| Some("4".into()),
            check: no_writes,
        },
        Row {
            attribute: "zone_id",
            value: |_| None,
            check: |c| {
                expect(
                    "record in the zone",
                    record(c, &c.extra.zone, &format!("web.{}.", c.seed.domain)),
                    false,
                )
            },
        },
    ];
    rows.extend(super::shape_rows::rows());
    rows
}

pub fn others() -> Vec<(&'static str, Other)> {
    vec![("cluster", Other::Replaces), ("name", Other::Replaces)]
}
