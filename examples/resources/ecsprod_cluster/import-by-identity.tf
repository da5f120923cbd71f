import {
  to       = ecsprod_cluster.main
  identity = { name = "prod" }
}
