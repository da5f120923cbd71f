//! Discovery with `terraform query` (Terraform 1.14 and later): `list "ecsprod_service"` finds
//! every service of a cluster, those this provider did not create included, and
//! `list "ecsprod_cluster"` the clusters that have the objects this provider expects;
//! `-generate-config-out` writes importable configuration, and importing a service made by other
//! means names the objects that differ from what the provider would manage.

use acceptance_tests::{Lab, REQUIRED_PROVIDERS, cluster_resource, service_resource};
use aws_sdk_ecs::types::ContainerDefinition;

const CLUSTER: &str = "qry";

const QUERY: &str = r#"
list "ecsprod_service" "all" {
  provider = ecsprod
  config {
    cluster = "qry"
  }
}

list "ecsprod_cluster" "ours" {
  provider = ecsprod
}
"#;

/// A service made with the ECS API alone, as another tool would: its own task definition,
/// none of the objects this provider gives a service.
fn foreign_service(lab: &Lab, cluster: &str, name: &str) {
    let ecs = &lab.aws.ecs;
    lab.rt.block_on(async {
        let family = format!("{name}-by-hand");
        ecs.register_task_definition()
            .family(&family)
            .container_definitions(
                ContainerDefinition::builder()
                    .name("app")
                    .image("public.ecr.aws/nginx/nginx:1.27")
                    .memory(128)
                    .build(),
            )
            .send()
            .await
            .expect("register a task definition");
        ecs.create_service()
            .cluster(cluster)
            .service_name(name)
            .task_definition(&family)
            .desired_count(0)
            .send()
            .await
            .expect("create a service by hand");
    });
}

#[test]
fn query_lists_every_service_of_a_cluster_and_our_clusters_and_writes_importable_configuration() {
    let lab = Lab::start();
    let w = &lab.work;
    let config = format!(
        "{REQUIRED_PROVIDERS}\n{}\n{}",
        cluster_resource(&lab.seed, CLUSTER, ""),
        service_resource(&lab.seed, "")
    );
    w.write("main.tf", &config);
    w.init();
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
    foreign_service(&lab, CLUSTER, "legacy");
    // A cluster made by hand, without the provider's capacity provider or tag: not ours.
    lab.rt
        .block_on(lab.aws.ecs.create_cluster().cluster_name("other").send())
        .expect("create a cluster by hand");

    w.write("search.tfquery.hcl", QUERY);
    let query = w.run(&["query", "-no-color"]).success();
    for found in ["qry/api", "qry/legacy"] {
        assert!(query.stdout.contains(found), "{found}:\n{}", query.stdout);
    }
    let clusters: Vec<&str> = query
        .stdout
        .lines()
        .filter(|l| l.starts_with("list.ecsprod_cluster.ours"))
        .collect();
    assert_eq!(clusters.len(), 1, "{}", query.stdout);
    assert!(clusters[0].contains("name=qry"), "{}", query.stdout);

    // Generated configuration: a resource and an import block by identity for each service.
    let generated = w
        .run(&["query", "-no-color", "-generate-config-out=generated.tf"])
        .success();
    let text = std::fs::read_to_string(w.path().join("generated.tf")).unwrap_or_else(|e| {
        panic!(
            "generated.tf: {e}\n{}\n{}",
            generated.stdout, generated.stderr
        )
    });
    assert_eq!(text.matches("import {").count(), 3, "{text}");
    assert!(text.contains("resource \"ecsprod_service\""), "{text}");
    assert!(text.contains("identity = {"), "{text}");
    assert!(text.contains("name    = \"legacy\""), "{text}");
    assert!(
        text.contains("image") && text.contains("public.ecr.aws/nginx/nginx:1.27"),
        "{text}"
    );

    // The generated configuration is valid beside the one that made the stack.
    w.run(&["validate", "-no-color"]).success();

    // Importing the service made by hand adopts it and names what the provider would add.
    for file in ["search.tfquery.hcl", "generated.tf"] {
        std::fs::remove_file(w.path().join(file)).expect("remove the query's files");
    }
    w.write(
        "import.tf",
        "import {\n  to       = ecsprod_service.legacy\n  identity = { cluster = \"qry\", name = \"legacy\" }\n}\n",
    );
    let plan = w.run(&[
        "plan",
        "-input=false",
        "-no-color",
        "-generate-config-out=legacy.tf",
    ]);
    let said = format!("{}\n{}", plan.stdout, plan.stderr).replace('\n', " ");
    assert!(
        said.contains("Imported objects differ from what the provider manages"),
        "{said}"
    );
    for absent in [
        "log_group (log group)",
        "execution_role (IAM role)",
        "autoscaling",
    ] {
        assert!(said.contains(absent), "{absent}: {said}");
    }
    assert!(!said.contains("ecs_service (ECS service)"), "{said}");
    assert!(said.contains("1 to import"), "{said}");
}
