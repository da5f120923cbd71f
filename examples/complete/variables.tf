variable "environment" {
  description = "Environment name; also the cluster name."
  type        = string
}

variable "vpc_id" {
  description = "Existing VPC."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets (load balancer), two or more Availability Zones."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Private subnets (instances), two or more Availability Zones."
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate covering *.domain."
  type        = string
}

variable "domain" {
  description = "Parent domain of the services' host names."
  type        = string
}

variable "zone_id" {
  description = "Route53 hosted zone of the domain."
  type        = string
}

variable "min_size" {
  description = "Fewest cluster instances."
  type        = number
  default     = 2
}

variable "max_size" {
  description = "Most cluster instances."
  type        = number
  default     = 10
}

variable "deletion_protection" {
  description = "Protect the cluster's load balancer (and the cluster) from deletion."
  type        = bool
  default     = true
}

variable "api_image" {
  description = "Image of the API service."
  type        = string
}

variable "web_services" {
  description = "Web services to run: name => image."
  type        = map(string)
  default     = {}
}

variable "database_url_parameter_arn" {
  description = "SSM SecureString parameter holding the API's database URL."
  type        = string
}

variable "api_token_secret_arn" {
  description = "Secrets Manager secret holding the API token."
  type        = string
}
