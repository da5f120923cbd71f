# A queue worker on an existing cluster: no route, scaled on its queue's backlog from zero.

terraform {
  required_providers {
    ecsprod = { source = "ecsprod/ecsprod" }
  }
}

variable "cluster" {
  description = "The id of the ecsprod_cluster to run on."
  type        = string
}

variable "image" {
  description = "The worker's image."
  type        = string
}

variable "queue_arn" {
  description = "ARN of the SQS queue the worker consumes."
  type        = string
}

resource "ecsprod_service" "worker" {
  cluster        = var.cluster
  name           = "worker"
  image          = var.image
  container_port = 8080 # for its container health check; nothing routes to it
  command        = ["bin/worker", "--queue-url-from-env"]
  environment    = { QUEUE_ARN = var.queue_arn }

  health_check = {
    command = ["CMD-SHELL", "test -f /tmp/worker-alive || exit 1"]
  }
  stop_timeout = 120 # let a job in progress finish after SIGTERM

  autoscaling = {
    queue = {
      arn              = var.queue_arn
      backlog_per_task = 100 # messages one task clears in the latency we accept
      min_capacity     = 0   # no task while the queue is empty
      max_capacity     = 20
    }
  }
}
