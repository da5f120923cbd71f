# A cluster is imported by its name.
terraform import ecsprod_cluster.main prod
