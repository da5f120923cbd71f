resource "ecsprod_scheduled_task" "nightly_report" {
  cluster  = ecsprod_cluster.main.id
  name     = "nightly-report"
  image    = "ghcr.io/example/report:1.4.0"
  command  = ["bin/report", "--yesterday"]
  schedule = "cron(0 3 * * ? *)" # 03:00 every day
  timezone = "Europe/Paris"

  secrets = {
    DATABASE_URL = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/report/db-AbCdEf"
  }

  # A run EventBridge Scheduler could not start is tried again twice, for up to an hour.
  max_retry_attempts = 2
}
