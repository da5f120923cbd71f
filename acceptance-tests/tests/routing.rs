//! Path routing and more host names on the shared listener: a service that serves one path of
//! a host is matched before the service that serves the rest of it, whatever their names; a
//! service answers on several hosts with an alias each; both change in place, drift shows on
//! `path_patterns` and `additional_domain_names`, and destroy leaves nothing.

use acceptance_tests::aws_check::host_headers;
use acceptance_tests::drift;
use acceptance_tests::emulator::Seed;
use acceptance_tests::{Lab, REQUIRED_PROVIDERS, Workdir, cluster_resource};
use aws_sdk_elasticloadbalancingv2::types::Rule;

const CLUSTER: &str = "routes";

/// `site` serves api.<domain> and, with `extra`, www.<domain> too (aliases in the zone);
/// `v2` serves `/v2/*` of api.<domain>; `site_paths` narrows `site` to paths of its own.
fn config(seed: &Seed, extra: bool, site_paths: Option<&str>) -> String {
    let additional = if extra {
        format!("  additional_domain_names = [\"www.{}\"]\n", seed.domain)
    } else {
        String::new()
    };
    routes(seed, "api", &additional, site_paths)
}

/// The stack with `site` at `<site_host>.<domain>` and `additional` arguments.
fn routes(seed: &Seed, site_host: &str, additional: &str, site_paths: Option<&str>) -> String {
    let domain = &seed.domain;
    let paths = site_paths
        .map(|p| format!("  path_patterns = [{p:?}]\n"))
        .unwrap_or_default();
    format!(
        r#"{REQUIRED_PROVIDERS}
{cluster}
resource "ecsprod_service" "site" {{
  cluster        = ecsprod_cluster.main.id
  name           = "site"
  image          = "public.ecr.aws/nginx/nginx:1.27"
  container_port = 8080
  domain_name    = "{site_host}.{domain}"
  zone_id        = "{zone}"
{additional}{paths}}}

resource "ecsprod_service" "v2" {{
  cluster        = ecsprod_cluster.main.id
  name           = "v2"
  image          = "public.ecr.aws/nginx/nginx:1.27"
  container_port = 8080
  domain_name    = "api.{domain}"
  path_patterns  = ["/v2/*"]
}}
"#,
        cluster = cluster_resource(seed, CLUSTER, ""),
        zone = seed.zone_id,
    )
}

fn apply(w: &Workdir) {
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
}

fn paths(rule: &Rule) -> Vec<String> {
    rule.conditions()
        .iter()
        .filter_map(|c| c.path_pattern_config())
        .flat_map(|p| p.values().to_vec())
        .collect()
}

fn priority(rule: &Rule) -> i32 {
    rule.priority()
        .and_then(|p| p.parse().ok())
        .expect("a numbered rule")
}

/// The rule the service's state names, as AWS has it.
fn rule_of(lab: &Lab, service: &str) -> Rule {
    let state = lab.work.state_of(&format!("ecsprod_service.{service}"));
    let arn = state["listener_rule_arn"].as_str().expect("rule ARN");
    let rule = lab.rt.block_on(lab.aws.rule(arn));
    assert_eq!(
        state["listener_rule_priority"].as_i64(),
        Some(i64::from(priority(&rule))),
        "the state shows the rule's priority"
    );
    rule
}

fn alias(lab: &Lab, host: &str) -> bool {
    let fqdn = format!("{host}.{}.", lab.seed.domain);
    lab.rt
        .block_on(lab.aws.a_record(&lab.seed.zone_id, &fqdn))
        .is_some()
}

#[test]
fn a_path_rule_is_matched_before_the_host_rule_of_its_host_and_both_change_in_place() {
    let lab = Lab::start();
    let w = &lab.work;
    w.write("main.tf", &config(&lab.seed, true, None));
    w.init();
    apply(w);
    w.assert_plan_empty("after create");

    let (site, v2) = (rule_of(&lab, "site"), rule_of(&lab, "v2"));
    let api = format!("api.{}", lab.seed.domain);
    let www = format!("www.{}", lab.seed.domain);
    assert_eq!(host_headers(&site), [api.clone(), www.clone()]);
    assert!(paths(&site).is_empty());
    assert_eq!(host_headers(&v2), std::slice::from_ref(&api));
    assert_eq!(paths(&v2), ["/v2/*"]);
    assert!(
        priority(&v2) < priority(&site),
        "/v2/* of {api} must be matched before the rest of it: {} vs {}",
        priority(&v2),
        priority(&site)
    );
    assert!(alias(&lab, "api") && alias(&lab, "www"));

    // Drift: the path condition removed outside Terraform shows on path_patterns.
    let v2_arn = v2.rule_arn().expect("arn").to_owned();
    lab.rt
        .block_on(drift::route_rule_to_host(&lab.aws, &v2_arn, &api));
    let plan = w.run(&["plan", "-no-color", "-input=false"]).success();
    assert!(
        plan.stdout.lines().any(|l| l.contains("+ path_patterns")),
        "{}",
        plan.stdout
    );
    apply(w);
    assert_eq!(paths(&rule_of(&lab, "v2")), ["/v2/*"]);
    w.assert_plan_empty("after the repair");

    // Hosts that swap places between domain_name and additional_domain_names keep their
    // aliases: no record is deleted that is still wanted.
    let swapped = format!(
        "  additional_domain_names = [\"api.{}\"]\n",
        lab.seed.domain
    );
    w.write("main.tf", &routes(&lab.seed, "www", &swapped, None));
    apply(w);
    w.assert_plan_empty("after the swap");
    assert!(
        alias(&lab, "api") && alias(&lab, "www"),
        "both aliases stay"
    );
    w.write("main.tf", &config(&lab.seed, true, None));
    apply(w);
    assert!(
        alias(&lab, "api") && alias(&lab, "www"),
        "both aliases stay"
    );

    // In place: the host-only service narrows to paths of its own (its rule moves before every
    // host-only rule) and drops its second host (the alias goes).
    w.write("main.tf", &config(&lab.seed, false, Some("/app/*")));
    let plan = w.run(&["plan", "-no-color", "-input=false"]).success();
    assert!(
        plan.stdout.contains("listener_rule_priority")
            && plan.stdout.contains("(known after apply)"),
        "the plan shows the rule moving: {}",
        plan.stdout
    );
    apply(w);
    w.assert_plan_empty("after the change");
    let site = rule_of(&lab, "site");
    assert_eq!(site.rule_arn(), rule_of(&lab, "site").rule_arn());
    assert_eq!(host_headers(&site), [api]);
    assert_eq!(paths(&site), ["/app/*"]);
    assert!(
        (1..=10_000).contains(&priority(&site)),
        "{}",
        priority(&site)
    );
    assert!(alias(&lab, "api"));
    assert!(
        !alias(&lab, "www"),
        "the alias of the dropped host is deleted"
    );

    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = lab.leftovers(CLUSTER);
    assert!(left.is_empty(), "left behind: {left:#?}");
}
