//! What exists in the account and region, for `terraform query`: the active ECS clusters, and
//! the services of a cluster.

use super::ecs_cluster::{self, ObservedCluster};
use super::retry::aws_error;
use super::unit::read_each;

/// The name at the end of an ECS ARN (`…:cluster/prod`, `…:service/prod/api`).
fn last_name(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_owned()
}

/// Every active ECS cluster, with what describing it gives.
pub struct Clusters;

read_each! {
    Clusters: "ECS clusters", () => Vec<(String, ObservedCluster)>,
    |env, _| async move {
        let c = env.c();
        let mut names = Vec::new();
        let mut pages = c.ecs.list_clusters().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws_error("list ECS clusters", e))?;
            names.extend(page.cluster_arns().iter().map(|a| last_name(a)));
        }
        let mut found = Vec::new();
        // DescribeClusters takes up to 100 clusters a call.
        for chunk in names.chunks(100) {
            let described = ecs_cluster::describe_many(c, chunk).await?;
            found.extend(
                chunk
                    .iter()
                    .zip(described)
                    .filter_map(|(name, cluster)| Some((name.clone(), cluster?))),
            );
        }
        Ok(Some(found))
    }
}

/// The services of a cluster (active and draining ones), by name, by cluster name.
pub struct ServiceNames;

read_each! {
    ServiceNames: "ECS services", String => Vec<String>,
    |env, cluster| async move {
        let mut names = Vec::new();
        let mut pages = env
            .c()
            .ecs
            .list_services()
            .cluster(cluster)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => names.extend(page.service_arns().iter().map(|a| last_name(a))),
                Err(e) => {
                    let err = aws_error("list ECS services", e);
                    if err.code() == Some("ClusterNotFoundException") {
                        return Ok(None);
                    }
                    return Err(err);
                }
            }
        }
        names.sort();
        Ok(Some(names))
    }
}

#[cfg(test)]
mod tests {
    use super::last_name;

    #[test]
    fn names_are_the_last_part_of_the_arn() {
        assert_eq!(
            last_name("arn:aws:ecs:eu-west-1:123456789012:service/prod/api"),
            "api"
        );
        assert_eq!(
            last_name("arn:aws:ecs:eu-west-1:123456789012:cluster/prod"),
            "prod"
        );
    }
}
