# A team's house style for web services on an ecsprod cluster: one place to set the
# defaults every service shares.

terraform {
  required_providers {
    ecsprod = {
      source = "ecsprod/ecsprod"
    }
  }
}

variable "cluster" {
  description = "ecsprod_cluster id to run on."
  type        = string
}

variable "name" {
  description = "Service name."
  type        = string
}

variable "image" {
  description = "Container image."
  type        = string
}

variable "domain_name" {
  description = "Host name routed to the service."
  type        = string
}

variable "zone_id" {
  description = "Route53 zone for the alias record."
  type        = string
}

variable "port" {
  description = "Container port."
  type        = number
  default     = 8080
}

variable "secrets" {
  description = "Environment variable name to SSM parameter or Secrets Manager ARN."
  type        = map(string)
  default     = {}
}

resource "ecsprod_service" "this" {
  cluster           = var.cluster
  name              = var.name
  image             = var.image
  container_port    = var.port
  domain_name       = var.domain_name
  zone_id           = var.zone_id
  secrets           = var.secrets
  health_check_path = "/healthz"
  tags              = { Service = var.name }
}

output "url" {
  description = "https:// URL of the service."
  value       = ecsprod_service.this.url
}
