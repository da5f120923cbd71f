//! How a new revision reaches production traffic: the deployment strategy, its bake times and
//! traffic steps, and the CloudWatch alarms that roll a bad release back.

use super::{ServiceInput, names, tags};
use crate::blueprint::role::{OtherPolicies, RoleSpec};

/// How ECS moves production traffic to a new revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Tasks are replaced in place, in batches, behind one target group.
    Rolling,
    /// A share of the traffic first, then all of it.
    Canary,
    /// The traffic in equal steps.
    Linear,
    /// All the traffic at once, after the new revision is up in the other target group.
    BlueGreen,
}

impl Strategy {
    pub const ALL: [Strategy; 4] = [
        Strategy::Rolling,
        Strategy::Canary,
        Strategy::Linear,
        Strategy::BlueGreen,
    ];

    /// The value of the `deployment.strategy` attribute.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Rolling => "rolling",
            Strategy::Canary => "canary",
            Strategy::Linear => "linear",
            Strategy::BlueGreen => "blue_green",
        }
    }

    /// The value of ECS's `deploymentConfiguration.strategy`.
    pub fn api(self) -> &'static str {
        match self {
            Strategy::Rolling => "ROLLING",
            Strategy::Canary => "CANARY",
            Strategy::Linear => "LINEAR",
            Strategy::BlueGreen => "BLUE_GREEN",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn from_api(api: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.api() == api)
    }

    /// Whether ECS shifts traffic between two target groups (everything but rolling).
    pub fn shifts_traffic(self) -> bool {
        self != Strategy::Rolling
    }
}

/// Minutes both revisions keep running after all the traffic has moved, before the old one
/// stops (the shifting strategies).
pub const BAKE_TIME: i32 = 5;
/// The canary's share of the traffic, in percent, and its minutes before the rest moves.
pub const CANARY_PERCENT: i32 = 10;
pub const CANARY_BAKE_TIME: i32 = 5;
/// The share each linear step moves, in percent, and the minutes between steps.
pub const LINEAR_STEP_PERCENT: i32 = 25;
pub const LINEAR_STEP_BAKE_TIME: i32 = 5;
/// The longest bake time ECS accepts, in minutes.
pub const BAKE_TIME_MAX: i32 = 1440;

/// A traffic step: its share in tenths of a percent (ECS takes multiples of 0.1) and the minutes
/// it bakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrafficStep {
    pub percent_tenths: i32,
    pub bake_time: i32,
}

/// The alarms the provider creates on the service's traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackAlarms {
    pub enabled: bool,
    /// Target 5xx responses, in percent of requests, above which a deployment rolls back.
    pub error_rate_percent: i32,
    /// Unhealthy targets at or above which a deployment rolls back.
    pub unhealthy_hosts: i32,
    /// One-minute periods a threshold must be crossed in a row.
    pub evaluation_minutes: i32,
}

pub const ALARMS_ENABLED: bool = true;
pub const ERROR_RATE_PERCENT: i32 = 5;
pub const UNHEALTHY_HOSTS: i32 = 1;
pub const EVALUATION_MINUTES: i32 = 2;

/// The `deployment` settings, with the defaults of the chosen strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentInput {
    pub strategy: Strategy,
    pub bake_time: i32,
    pub canary: TrafficStep,
    pub linear: TrafficStep,
    /// A host routed to the new revision before production traffic moves.
    pub test_host: Option<String>,
    pub alarms: RollbackAlarms,
    /// Alarms of the user's own that also roll a deployment back.
    pub extra_alarm_names: Vec<String>,
}

impl Default for DeploymentInput {
    fn default() -> Self {
        Self {
            strategy: Strategy::Rolling,
            bake_time: BAKE_TIME,
            canary: TrafficStep {
                percent_tenths: CANARY_PERCENT * 10,
                bake_time: CANARY_BAKE_TIME,
            },
            linear: TrafficStep {
                percent_tenths: LINEAR_STEP_PERCENT * 10,
                bake_time: LINEAR_STEP_BAKE_TIME,
            },
            test_host: None,
            alarms: RollbackAlarms {
                enabled: ALARMS_ENABLED,
                error_rate_percent: ERROR_RATE_PERCENT,
                unhealthy_hosts: UNHEALTHY_HOSTS,
                evaluation_minutes: EVALUATION_MINUTES,
            },
            extra_alarm_names: Vec::new(),
        }
    }
}

/// The AWS-managed policy that lets ECS move a load balancer's traffic between target groups.
pub fn load_balancer_role_policy(partition: &str) -> String {
    format!("arn:{partition}:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers")
}

/// The role ECS uses to shift traffic on the service's listener rules: only for the shifting
/// strategies, trusted by ECS of this account only.
pub fn load_balancer_role(input: &ServiceInput) -> Option<RoleSpec> {
    if !input.deployment.strategy.shifts_traffic() {
        return None;
    }
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "ecs.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "aws:SourceAccount": input.account_id } },
        }]
    });
    Some(RoleSpec {
        name: names(&input.cluster, &input.name).load_balancer_role,
        trust_policy: trust.to_string(),
        managed_policies: vec![load_balancer_role_policy(&input.partition)],
        others: OtherPolicies::Detach,
        inline_policies: Vec::new(),
        tags: tags(input),
    })
}
