# The whole production stack: one cluster, an API service, web services from a module and a
# nightly job.

terraform {
  required_providers {
    ecsprod = { source = "ecsprod/ecsprod" }
  }
}

provider "ecsprod" {
  default_tags = { Environment = var.environment }
}

resource "ecsprod_cluster" "main" {
  name               = var.environment
  vpc_id             = var.vpc_id
  public_subnet_ids  = var.public_subnet_ids
  private_subnet_ids = var.private_subnet_ids
  certificate_arn    = var.certificate_arn
  min_size           = var.min_size
  max_size           = var.max_size
  # Off only for throw-away environments: destroy refuses while it is on.
  deletion_protection = var.deletion_protection
}

resource "ecsprod_service" "api" {
  cluster        = ecsprod_cluster.main.id
  name           = "api"
  image          = var.api_image
  container_port = 8080
  domain_name    = "api.${var.domain}"
  zone_id        = var.zone_id
  secrets        = { DATABASE_URL = var.database_url_parameter_arn, API_TOKEN = var.api_token_secret_arn }
  deployment     = { strategy = "canary" }
}

module "web" {
  source      = "../modules/web-service"
  for_each    = var.web_services
  cluster     = ecsprod_cluster.main.id
  name        = each.key
  image       = each.value
  domain_name = "${each.key}.${var.domain}"
  zone_id     = var.zone_id
}

resource "ecsprod_scheduled_task" "nightly_report" {
  cluster  = ecsprod_cluster.main.id
  name     = "nightly-report"
  image    = var.api_image
  command  = ["bin/report", "--yesterday"]
  schedule = "cron(0 3 * * ? *)"
  secrets  = { DATABASE_URL = var.database_url_parameter_arn }
}
