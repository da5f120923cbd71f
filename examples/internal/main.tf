# An internal API and the public web front end that calls it, on an existing cluster. The API
# has no route on the load balancer: the cluster's other services reach it at http://orders
# through Service Connect.

terraform {
  required_providers {
    ecsprod = { source = "ecsprod/ecsprod" }
  }
}

variable "cluster" {
  description = "The id of the ecsprod_cluster to run on."
  type        = string
}

variable "domain_name" {
  description = "Host name of the web front end, covered by the cluster's certificate."
  type        = string
}

resource "ecsprod_service" "orders" {
  cluster        = var.cluster
  name           = "orders"
  image          = "ghcr.io/example/orders:4.1.0"
  container_port = 8080

  internal = {
    dns_name = "orders" # http://orders from every service of the cluster
  }
}

resource "ecsprod_service" "web" {
  cluster        = var.cluster
  name           = "web"
  image          = "ghcr.io/example/web:2.0.3"
  container_port = 3000
  domain_name    = var.domain_name
  environment    = { ORDERS_URL = "http://orders" }

  # Its first tasks start once orders is published, so they can reach it.
  depends_on = [ecsprod_service.orders]
}
