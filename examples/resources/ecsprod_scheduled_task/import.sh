# A scheduled task is imported as <cluster name>/<job name>.
terraform import ecsprod_scheduled_task.nightly_report prod/nightly-report
