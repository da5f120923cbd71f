output "load_balancer" {
  description = "DNS name of the shared load balancer."
  value       = ecsprod_cluster.main.alb_dns_name
}

output "urls" {
  description = "Every service's URL."
  value       = merge({ api = ecsprod_service.api.url }, { for k, m in module.web : k => m.url })
}
