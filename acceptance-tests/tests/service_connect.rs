//! Service Connect: the cluster's Cloud Map namespace, every service in it as a client, a
//! service with `internal` published under its DNS name, the instances' group open between
//! tasks on the dynamic ports only, drift on `internal` and `service_connect`, and a destroy
//! that leaves nothing.

use acceptance_tests::emulator::Seed;
use acceptance_tests::{Lab, REQUIRED_PROVIDERS, Workdir, cluster_resource};
use serde_json::{Value, json};

const CLUSTER: &str = "mesh";

/// The cluster, `orders` (no route; `internal` as given, empty: none) and `web` (routed).
fn config(seed: &Seed, internal: &str, cluster_extra: &str) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
{cluster}
resource "ecsprod_service" "orders" {{
  cluster        = ecsprod_cluster.main.id
  name           = "orders"
  image          = "public.ecr.aws/nginx/nginx:1.27"
  container_port = 8080
{internal}}}

resource "ecsprod_service" "web" {{
  cluster        = ecsprod_cluster.main.id
  name           = "web"
  image          = "public.ecr.aws/nginx/nginx:1.27"
  container_port = 3000
  domain_name    = "web.{domain}"
  environment    = {{ ORDERS_URL = "http://orders" }}
}}
"#,
        cluster = cluster_resource(seed, CLUSTER, cluster_extra),
        domain = seed.domain,
    )
}

fn apply(w: &Workdir) {
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
}

/// The Service Connect configuration of a service's primary deployment.
fn connect(lab: &Lab, service: &str) -> Value {
    let svc = lab.rt.block_on(lab.aws.service(CLUSTER, service));
    let primary = svc
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
        .expect("primary deployment");
    let c = primary
        .service_connect_configuration()
        .expect("Service Connect configuration");
    let services: Vec<Value> = c
        .services()
        .iter()
        .map(|s| {
            json!({
                "portName": s.port_name(),
                "discoveryName": s.discovery_name(),
                "aliases": s.client_aliases().iter()
                    .map(|a| json!([a.dns_name(), a.port()])).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "enabled": c.enabled(), "namespace": c.namespace(), "services": services })
}

#[test]
fn services_join_the_clusters_namespace_and_an_internal_one_is_published_under_its_dns_name() {
    let lab = Lab::start();
    let w = &lab.work;
    let internal = "  internal = { dns_name = \"orders\" }\n";
    w.write("main.tf", &config(&lab.seed, internal, ""));
    w.init();
    apply(w);
    w.assert_plan_empty("after create");

    // The cluster's namespace: created by the cluster, its Service Connect default.
    let cluster = w.state_of("ecsprod_cluster.main");
    assert_eq!(cluster["service_connect_namespace"], CLUSTER);
    let arn = cluster["service_connect_namespace_arn"]
        .as_str()
        .expect("namespace ARN")
        .to_owned();
    let namespaces = lab.rt.block_on(lab.aws.namespaces());
    assert_eq!(namespaces.len(), 1, "{namespaces:?}");
    assert_eq!(namespaces[0].arn(), Some(arn.as_str()));
    assert_eq!(namespaces[0].r#type().map(|t| t.as_str()), Some("HTTP"));
    let created = lab.emulator.last_request("CreateCluster");
    assert_eq!(created["serviceConnectDefaults"]["namespace"], arn.as_str());

    // Tasks reach each other only on the dynamic ports, only from the cluster's instances.
    assert_eq!(
        cluster["instance_security_group_ingress"],
        json!([
            "tcp 32768-65535 from alb_security_group_id",
            "tcp 32768-65535 from self"
        ])
    );

    // `orders` is published; `web` only calls.
    assert_eq!(
        connect(&lab, "orders"),
        json!({"enabled": true, "namespace": arn, "services": [{
            "portName": "http", "discoveryName": "mesh-orders", "aliases": [["orders", 80]],
        }]})
    );
    assert_eq!(
        connect(&lab, "web"),
        json!({"enabled": true, "namespace": arn, "services": []})
    );
    let revision = lab.rt.block_on(
        lab.aws.task_definition(
            w.state_of("ecsprod_service.orders")["task_definition_arn"]
                .as_str()
                .expect("revision"),
        ),
    );
    let ports = revision.container_definitions()[0].port_mappings();
    assert_eq!(ports[0].name(), Some("http"));
    let ns_id = namespaces[0].id().expect("namespace id").to_owned();
    assert_eq!(
        lab.rt.block_on(lab.aws.discovery_services(&ns_id)),
        ["mesh-orders"]
    );

    // In place: another port; the deployment carries it and the plan is empty after.
    let moved = "  internal = { dns_name = \"orders.internal\", port = 8080 }\n";
    w.write("main.tf", &config(&lab.seed, moved, ""));
    apply(w);
    w.assert_plan_empty("after changing internal");
    assert_eq!(
        connect(&lab, "orders")["services"][0]["aliases"],
        json!([["orders.internal", 8080]])
    );

    // Unpublished outside Terraform: the plan shows it on `internal`, the apply puts it back.
    lab.rt.block_on(async {
        let off = aws_sdk_ecs::types::ServiceConnectConfiguration::builder()
            .enabled(true)
            .namespace(&arn)
            .build();
        lab.aws
            .ecs
            .update_service()
            .cluster(CLUSTER)
            .service("orders")
            .service_connect_configuration(off)
            .send()
            .await
            .expect("update service")
    });
    let plan = w.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(plan.code, 2, "{}\n{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("+ internal"), "{}", plan.stdout);
    apply(w);
    w.assert_plan_empty("after repairing drift");

    // A caller taken out of the namespace outside Terraform shows on `service_connect`.
    lab.rt.block_on(async {
        let off = aws_sdk_ecs::types::ServiceConnectConfiguration::builder()
            .enabled(false)
            .build();
        lab.aws
            .ecs
            .update_service()
            .cluster(CLUSTER)
            .service("web")
            .service_connect_configuration(off)
            .send()
            .await
            .expect("update service")
    });
    let plan = w.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(plan.code, 2, "{}\n{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.contains("service_connect") && plan.stdout.contains("false -> true"),
        "{}",
        plan.stdout
    );
    apply(w);
    w.assert_plan_empty("after the caller rejoined");
    assert_eq!(connect(&lab, "web")["enabled"], true);

    // The namespace is the services': it cannot change under them.
    w.write(
        "main.tf",
        &config(
            &lab.seed,
            moved,
            "  service_connect_namespace = \"other\"\n",
        ),
    );
    let refused = w.run(&["plan", "-input=false", "-no-color"]);
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("Service Connect namespace cannot change"),
        "{}",
        refused.stderr
    );

    // Unpublished in place, then everything destroyed, Cloud Map included.
    w.write("main.tf", &config(&lab.seed, "", ""));
    apply(w);
    w.assert_plan_empty("after removing internal");
    assert_eq!(connect(&lab, "orders")["services"], json!([]));
    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = lab.leftovers(CLUSTER);
    assert!(left.is_empty(), "left behind: {left:#?}");
}
