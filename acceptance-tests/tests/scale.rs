//! Many services on one cluster: what a plan costs in AWS calls per service.

use acceptance_tests::fleet;

const CLUSTER: &str = "many";

#[test]
fn a_no_op_plan_of_twenty_services_makes_at_most_three_aws_calls_per_service() {
    const SERVICES: usize = 20;
    let lab = fleet::lab(CLUSTER, SERVICES);
    lab.work
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    fleet::assert_three_calls_per_service(&lab, SERVICES);

    // Drift read through the batched reads shows on the two services it concerns, and apply
    // repairs it: svc-7's log group gains a tag (read from the Tagging API) and loses its
    // retention (the log groups of the cluster listed together); svc-13's task role gains a tag
    // (the account's roles in one read) and its target group another health check path.
    let svc13 = lab.work.state_of("ecsprod_service.svc[13]");
    let role = svc13["task_role_arn"]
        .as_str()
        .and_then(|arn| arn.rsplit('/').next())
        .unwrap_or_default()
        .to_owned();
    let target_group = svc13["target_group_arn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let log_group = format!("/ecs/{CLUSTER}/svc-7");
    lab.rt.block_on(async {
        let aws = &lab.aws;
        let groups = aws
            .logs
            .describe_log_groups()
            .log_group_name_prefix(&log_group)
            .send()
            .await
            .expect("describe log groups");
        let arn = groups
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(log_group.as_str()))
            .and_then(|g| g.log_group_arn())
            .expect("svc-7's log group")
            .to_owned();
        aws.logs
            .tag_resource()
            .resource_arn(arn)
            .tags("Owner", "someone-else")
            .send()
            .await
            .expect("tag the log group");
        aws.logs
            .delete_retention_policy()
            .log_group_name(&log_group)
            .send()
            .await
            .expect("remove the retention");
        let tag = aws_sdk_iam::types::Tag::builder()
            .key("Owner")
            .value("someone-else")
            .build()
            .expect("tag");
        aws.iam
            .tag_role()
            .role_name(&role)
            .tags(tag)
            .send()
            .await
            .expect("tag the role");
        aws.elbv2
            .modify_target_group()
            .target_group_arn(&target_group)
            .health_check_path("/elsewhere")
            .send()
            .await
            .expect("change the health check");
    });
    let run = lab
        .work
        .run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(
        run.code, 2,
        "drift not shown:\n{}\n{}",
        run.stdout, run.stderr
    );
    for (address, attributes) in [
        ("ecsprod_service.svc[7]", ["tags_all", "log_retention_days"]),
        ("ecsprod_service.svc[13]", ["tags_all", "health_check_path"]),
    ] {
        let shown = run
            .stdout
            .split(&format!("# {address} will be updated in-place"))
            .nth(1)
            .and_then(|rest| rest.split("\n    }").next())
            .unwrap_or_else(|| panic!("{address} not updated:\n{}", run.stdout));
        for attribute in attributes {
            let changed = shown.lines().any(|line| {
                let line = line.trim_start();
                ["~ ", "+ ", "- "].iter().any(|m| line.starts_with(m))
                    && line[2..].starts_with(&format!("{attribute} "))
            });
            assert!(changed, "{address}: {attribute} not shown:\n{shown}");
        }
    }
    assert!(
        run.stdout.contains("0 to add, 2 to change, 0 to destroy"),
        "{}",
        run.stdout
    );
    lab.work
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    lab.work.assert_plan_empty("after the drift was repaired");
    let role_tags = lab.rt.block_on(lab.aws.role_tags(&role));
    assert!(!role_tags.contains_key("Owner"), "{role_tags:?}");

    lab.work
        .run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    assert!(
        lab.leftovers(CLUSTER).is_empty(),
        "{:?}",
        lab.leftovers(CLUSTER)
    );
}
