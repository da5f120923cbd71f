//! Queue workers: task count scaling on the backlog per task of an SQS queue, as AWS's guidance
//! describes it (metric math over the queue's visible messages and the service's running
//! tasks), and the permissions a consumer of the queue needs.

use serde_json::json;

use super::ServiceInput;

/// What the worker consumes and how many waiting messages one task should have at most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueScaling {
    pub arn: String,
    pub backlog_per_task: i32,
}

/// The queue's visible messages (`AWS/SQS`, by `QueueName`).
pub const QUEUE_NAMESPACE: &str = "AWS/SQS";
pub const QUEUE_METRIC: &str = "ApproximateNumberOfMessagesVisible";
/// The service's running tasks (Container Insights, by `ClusterName` and `ServiceName`).
pub const TASKS_NAMESPACE: &str = "ECS/ContainerInsights";
pub const TASKS_METRIC: &str = "RunningTaskCount";
/// Backlog per task; with no task running, the whole backlog (so a worker scaled to zero
/// starts again).
pub const BACKLOG_EXPRESSION: &str = "IF(tasks > 0, messages / tasks, messages)";
pub const BACKLOG_LABEL: &str = "backlog per task";

/// The queue's name: the last field of its ARN.
pub fn queue_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

/// The SQS actions a consumer needs on its queue: receive, delete, extend the visibility of
/// messages, and read the queue's attributes and URL.
pub const CONSUMER_ACTIONS: &[&str] = &[
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
];

/// The task role's inline policy for the queue the service scales on, if any.
pub fn queue_policy(input: &ServiceInput) -> Option<String> {
    let queue = input.autoscaling.queue.as_ref()?;
    Some(
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "ConsumeQueue",
                "Effect": "Allow",
                "Action": CONSUMER_ACTIONS,
                "Resource": queue.arn,
            }],
        })
        .to_string(),
    )
}
