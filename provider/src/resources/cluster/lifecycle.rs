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

use super::TYPE_NAME;

/// The time an operation has left, from the resource's `timeouts`.
#[derive(Debug, Clone, Copy)]
struct Budget {
    until: Instant,
}

impl Budget {
    fn new(limit: Duration) -> Self {
        Self {
            until: Instant::now() + limit,
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
    let budget = Budget::new(super::config::timeout(planned, operation));
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

    // Phase 1: the cluster, IAM, both security groups and the AMI, concurrently.
    let cluster_step = async {
        let existing = ecs_cluster::describe(c, &names.cluster).await?;
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
        let role = iam_role::ensure_role(
            c,
            &names.instance_role,
            &bp::instance_role_trust_policy(),
            &bp::instance_role_policies(&c.partition),
            &tags,
        )
        .await?;
        progress.record(|ids| ids.instance_role_arn = Some(role));
        iam_role::ensure_instance_profile(c, &names.instance_profile, &names.instance_role).await?;
        progress.record(|ids| ids.instance_profile = Some(names.instance_profile.clone()));
        Ok(())
    };
    let groups_step = async {
        let alb_spec = bp::alb_security_group(input);
        let alb = security_group::ensure(c, &input.vpc_id, &alb_spec, "", &tags).await?;
        progress.record(|ids| ids.alb_security_group_id = Some(alb.clone()));
        let instance_spec = bp::instance_security_group(input);
        let instances =
            security_group::ensure(c, &input.vpc_id, &instance_spec, &alb, &tags).await?;
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
        load_balancer::set_attributes(c, &lb.arn, &lb_spec).await?;
        let https = load_balancer::ensure_https(c, &lb.arn, &https_spec, &tags).await?;
        progress.record(|ids| ids.https_listener_arn = Some(https));
        let http = load_balancer::ensure_http_redirect(c, &lb.arn, &http_spec, &tags).await?;
        progress.record(|ids| ids.http_listener_arn = Some(http));
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
    let asg_arn = group_step(c, call, budget, &asg_spec)
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
                found.arn
            }
            None => capacity_provider::ensure(c, &cp_spec).await?,
        };
        progress.record(|ids| {
            ids.capacity_provider_name = Some(cp_spec.name.clone());
            ids.capacity_provider_arn = Some(arn);
        });
        let cluster = ecs_cluster::describe(c, &names.cluster).await?;
        let attached = cluster.is_some_and(|cl| {
            cl.capacity_providers == vec![cp_spec.name.clone()]
                && cl.default_strategy == vec![cp_spec.name.clone()]
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
    let mut steps: Vec<StepFuture<'_>> = Vec::new();
    if let Some(arn) = ids.arn.clone() {
        let t = tags.clone();
        steps.push(Box::pin(async move { aws_tags::ecs(c, &arn, &t).await }));
    }
    if let Some(arn) = ids.capacity_provider_arn.clone() {
        let t = tags.clone();
        steps.push(Box::pin(async move { aws_tags::ecs(c, &arn, &t).await }));
    }
    let group_tags = asg_spec.tags.clone();
    let group_name = asg_spec.name.clone();
    steps.push(Box::pin(async move {
        aws_tags::autoscaling(c, &group_name, &group_tags).await
    }));
    for (id, name) in [
        (
            ids.launch_template_id.clone(),
            names.launch_template.clone(),
        ),
        (
            ids.alb_security_group_id.clone(),
            names.alb_security_group.clone(),
        ),
        (
            ids.instance_security_group_id.clone(),
            names.instance_security_group.clone(),
        ),
    ] {
        if let Some(id) = id {
            let t = named(&name);
            steps.push(Box::pin(async move { aws_tags::ec2(c, &id, &t).await }));
        }
    }
    for arn in [
        ids.alb_arn.clone(),
        ids.https_listener_arn.clone(),
        ids.http_listener_arn.clone(),
    ]
    .into_iter()
    .flatten()
    {
        let t = tags.clone();
        steps.push(Box::pin(async move { aws_tags::elbv2(c, &arn, &t).await }));
    }
    let role = names.instance_role.clone();
    let role_tags = tags.clone();
    steps.push(Box::pin(async move {
        aws_tags::iam_role(c, &role, &role_tags).await
    }));
    engine::phase(steps).await
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
}

async fn group_step(
    c: &Clients,
    call: &CallContext,
    budget: Budget,
    spec: &bp::AutoScalingGroupSpec,
) -> Result<String, AwsError> {
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
            {
                auto_scaling_group::update(c, spec).await?;
            }
            Ok(found.arn)
        }
        _ => {
            retry_while(
                &call.cancel,
                budget.remaining(),
                profile_not_yet_visible,
                || auto_scaling_group::ensure(c, spec),
            )
            .await
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
    role_arn: Option<String>,
    alb_sg: Option<String>,
    instance_sg: Option<String>,
    template: Option<launch_template::ObservedTemplate>,
    group: Option<auto_scaling_group::ObservedGroup>,
    capacity_provider: Option<capacity_provider::ObservedCapacityProvider>,
    lb: Option<load_balancer::ObservedLoadBalancer>,
    deletion_protection: Option<bool>,
    https: Option<load_balancer::ObservedListener>,
}

async fn observe(
    c: &Clients,
    name: &str,
    vpc_hint: Option<&str>,
    template_id: Option<&str>,
) -> Result<Observed, AwsError> {
    let names = bp::names(name);
    let (cluster, role_arn, group, cp, lb) = tokio::try_join!(
        ecs_cluster::describe(c, &names.cluster),
        iam_role::role_arn(c, &names.instance_role),
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
    let (alb_sg, instance_sg, template, lb_details) = tokio::try_join!(
        async {
            match &vpc {
                Some(v) => Ok(security_group::find(c, v, &names.alb_security_group)
                    .await?
                    .map(|g| g.0)),
                None => Ok(None),
            }
        },
        async {
            match &vpc {
                Some(v) => Ok(security_group::find(c, v, &names.instance_security_group)
                    .await?
                    .map(|g| g.0)),
                None => Ok(None),
            }
        },
        async {
            match &template_id {
                Some(id) => launch_template::describe(c, id).await,
                None => Ok(None),
            }
        },
        async {
            match &lb {
                Some(l) => {
                    let (protection, listeners) = tokio::try_join!(
                        load_balancer::deletion_protection(c, &l.arn),
                        load_balancer::listeners(c, &l.arn)
                    )?;
                    Ok::<_, AwsError>(Some((protection, listeners)))
                }
                None => Ok(None),
            }
        },
    )?;
    let (deletion_protection, https) = match lb_details {
        Some((p, listeners)) => (Some(p), listeners.into_iter().find(|l| l.port == 443)),
        None => (None, None),
    };
    Ok(Observed {
        cluster,
        role_arn,
        alb_sg,
        instance_sg,
        template,
        group: group.filter(|g| !g.deleting),
        capacity_provider: cp,
        lb,
        deletion_protection,
        https,
    })
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
    set(state, "instance_role_arn", opt_string(o.role_arn.as_ref()));
    set(
        state,
        "alb_security_group_id",
        opt_string(o.alb_sg.as_ref()),
    );
    set(
        state,
        "instance_security_group_id",
        opt_string(o.instance_sg.as_ref()),
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
        }
        None => set(state, "capacity_provider_name", Value::Null),
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
        Ok(o)
            if o.cluster.is_none()
                && o.group.is_none()
                && o.lb.is_none()
                && o.role_arn.is_none() =>
        {
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
    let default_tags = ctx
        .config()
        .and_then(|c| c.default_tags.known().cloned())
        .unwrap_or_default();
    let own: BTreeMap<String, String> = tags_all
        .iter()
        .filter(|(k, v)| default_tags.get(*k).and_then(|d| d.known()) != Some(*v))
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
                    "still not done after {} s; the delete timeout was reached (raise timeouts.delete to wait longer)",
                    start.elapsed().as_secs()
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
    let budget = Budget::new(super::config::timeout(prior, "delete"));
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
            if let Some((id, _)) = security_group::find(c, vpc, group).await? {
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
