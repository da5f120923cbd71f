//! Many services on one cluster: the configuration and what a plan of it costs in AWS calls.

use std::collections::BTreeMap;

use crate::emulator::Seed;
use crate::{Lab, REQUIRED_PROVIDERS, cluster_resource};

/// The cluster and `count` routed services (`svc-0`, `svc-1`, …) with a secret, a host name
/// each and an alias record.
pub fn config(seed: &Seed, cluster: &str, count: usize) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
{cluster}
resource "ecsprod_service" "svc" {{
  count          = {count}
  cluster        = ecsprod_cluster.main.id
  name           = "svc-${{count.index}}"
  image          = "public.ecr.aws/nginx/nginx:1.27"
  container_port = 8080
  domain_name    = "svc-${{count.index}}.{domain}"
  zone_id        = "{zone}"
  secrets        = {{ DATABASE_URL = "{param}" }}
}}
"#,
        cluster = cluster_resource(seed, cluster, ""),
        domain = seed.domain,
        zone = seed.zone_id,
        param = seed.parameter_arn,
    )
}

/// A lab with the cluster `cluster` and `count` services written and `terraform init` run.
pub fn lab(cluster: &str, count: usize) -> Lab {
    let lab = Lab::start();
    lab.work
        .write("main.tf", &config(&lab.seed, cluster, count));
    lab.work.init();
    lab
}

/// The AWS calls of a no-op plan of the fleet beyond the cluster's own (each with `-target` of
/// the cluster alone), asserted to be at most three per service; answers the plan's calls.
pub fn assert_three_calls_per_service(lab: &Lab, count: usize) -> BTreeMap<String, u64> {
    let cluster = plan_calls(lab, &["-target=ecsprod_cluster.main"]);
    let all = plan_calls(lab, &[]);
    let services = total(&all).saturating_sub(total(&cluster));
    eprintln!(
        "cluster alone: {} calls {cluster:#?}\nwith {count} services: {} calls {all:#?}",
        total(&cluster),
        total(&all)
    );
    assert!(
        services <= 3 * count as u64,
        "{services} calls for {count} services: {all:#?}"
    );
    all
}

/// The calls of one `terraform plan` with `args`, without the configure check's STS call.
fn plan_calls(lab: &Lab, args: &[&str]) -> BTreeMap<String, u64> {
    lab.emulator.reset_counters();
    let mut all = vec!["plan", "-detailed-exitcode", "-input=false", "-no-color"];
    all.extend_from_slice(args);
    let run = lab.work.run(&all);
    assert_eq!(
        run.code, 0,
        "plan not empty:\n{}\n{}",
        run.stdout, run.stderr
    );
    let mut calls = lab.emulator.calls();
    assert_eq!(calls.remove("sts.GetCallerIdentity"), Some(1), "{calls:#?}");
    calls
}

fn total(calls: &BTreeMap<String, u64>) -> u64 {
    calls.values().sum()
}
