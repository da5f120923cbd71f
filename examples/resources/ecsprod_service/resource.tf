resource "ecsprod_service" "api" {
  cluster        = ecsprod_cluster.main.id
  name           = "api"
  image          = "public.ecr.aws/nginx/nginx:1.27"
  container_port = 8080
  domain_name    = "api.example.com"
  zone_id        = "Z0123456789ABCDEFGHIJ"

  cpu    = 512
  memory = 1024

  environment = {
    LOG_LEVEL = "info"
  }

  # Passed to ECS by ARN: the provider never reads the values.
  secrets = {
    DATABASE_URL = "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/api/database-url"
    API_TOKEN    = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api/token-Ab12Cd"
  }

  health_check_path = "/healthz"

  # Docker's own check inside the container; interval, timeout and retries are ECS's defaults.
  health_check = {
    command      = ["CMD-SHELL", "curl -f http://localhost:8080/healthz || exit 1"]
    start_period = 15
  }

  # Database migrations that must succeed before the application starts.
  sidecars = [{
    name           = "migrate"
    image          = "ghcr.io/example/api-migrations:1.4.2"
    essential      = false
    memory         = 128
    command        = ["migrate", "up"]
    secrets        = { DATABASE_URL = "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/api/database-url" }
    main_waits_for = "SUCCESS"
  }]

  # `aws ecs execute-command` into the running tasks during an incident.
  enable_execute_command = true

  autoscaling = {
    min_capacity = 2
    max_capacity = 20
  }

  # 10 % of the traffic to a new revision for 5 minutes, then all of it; both revisions run
  # 5 more minutes, and the 5xx-rate and unhealthy-host alarms roll back a bad release.
  deployment = {
    strategy  = "canary"
    test_host = "api-next.example.com"
  }
}
