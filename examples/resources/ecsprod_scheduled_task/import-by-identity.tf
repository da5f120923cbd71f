import {
  to       = ecsprod_scheduled_task.nightly_report
  identity = { cluster = "prod", name = "nightly-report" }
}
