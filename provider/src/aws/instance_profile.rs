//! The instance profile that gives the cluster's instances their role.

use super::Clients;
use super::iam_role::{PATH, missing};
use super::retry::{AwsError, adopt_after_retried_create, aws_error};
use super::unit::{Change, Changes, Env, Unit, read_each};
use crate::blueprint::role::InstanceProfileSpec;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedProfile {
    pub name: String,
    pub arn: String,
    /// The roles it holds, by name (a profile holds at most one).
    pub roles: Vec<String>,
}

async fn describe(c: &Clients, name: &str) -> Result<Option<ObservedProfile>, AwsError> {
    match c
        .iam
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.instance_profile().map(|p| ObservedProfile {
            name: name.to_owned(),
            arn: p.arn().to_owned(),
            roles: p.roles().iter().map(|r| r.role_name().to_owned()).collect(),
        })),
        Err(e) => {
            let err = aws_error("read instance profile", e);
            if missing(&err) { Ok(None) } else { Err(err) }
        }
    }
}

async fn remove_role(c: &Clients, profile: &str, role: &str) -> Result<(), AwsError> {
    match c
        .iam
        .remove_role_from_instance_profile()
        .instance_profile_name(profile)
        .role_name(role)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("remove role from instance profile", e);
            if missing(&err) { Ok(()) } else { Err(err) }
        }
    }
}

/// Makes `spec.role` the profile's only role.
async fn hold_role(
    c: &Clients,
    spec: &InstanceProfileSpec,
    observed: &ObservedProfile,
) -> Result<ObservedProfile, AwsError> {
    // A profile holds one role: another one there must go before this one can be added.
    for other in observed.roles.iter().filter(|r| **r != spec.role) {
        remove_role(c, &spec.name, other).await?;
    }
    if !observed.roles.contains(&spec.role) {
        let added = c
            .iam
            .add_role_to_instance_profile()
            .instance_profile_name(&spec.name)
            .role_name(&spec.role)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("add role to instance profile", e));
        // After a retried add the profile is full, which is fine when what fills it is this
        // role.
        adopt_after_retried_create(added, "LimitExceeded", || async {
            let holds = describe(c, &spec.name)
                .await?
                .is_some_and(|p| p.roles.contains(&spec.role));
            Ok(holds.then_some(()))
        })
        .await?;
    }
    Ok(ObservedProfile {
        roles: vec![spec.role.clone()],
        ..observed.clone()
    })
}

pub struct InstanceProfile;

read_each! {
    InstanceProfile: "instance profile", String => ObservedProfile,
    |env, k| describe(env.c(), k)
}

impl Unit for InstanceProfile {
    type Desired = InstanceProfileSpec;

    fn diff(desired: &InstanceProfileSpec, observed: &ObservedProfile) -> Vec<Change> {
        Changes::new()
            .check("role", observed.roles != [desired.role.clone()])
            .done()
    }

    async fn create(
        env: &Env,
        _: &String,
        desired: &InstanceProfileSpec,
    ) -> Result<ObservedProfile, AwsError> {
        let c = env.c();
        let created = c
            .iam
            .create_instance_profile()
            .instance_profile_name(&desired.name)
            .path(PATH)
            .send()
            .await
            .map_err(|e| aws_error("create instance profile", e))
            .and_then(|out| {
                out.instance_profile()
                    .map(|p| ObservedProfile {
                        name: desired.name.clone(),
                        arn: p.arn().to_owned(),
                        roles: Vec::new(),
                    })
                    .ok_or_else(|| {
                        AwsError::new("create instance profile", "AWS returned no profile")
                    })
            });
        let profile = adopt_after_retried_create(created, "EntityAlreadyExists", || {
            describe(c, &desired.name)
        })
        .await?;
        hold_role(c, desired, &profile).await
    }

    async fn update(
        env: &Env,
        desired: &InstanceProfileSpec,
        observed: &ObservedProfile,
        _: &[Change],
    ) -> Result<ObservedProfile, AwsError> {
        hold_role(env.c(), desired, observed).await
    }

    async fn delete(env: &Env, observed: &ObservedProfile) -> Result<(), AwsError> {
        let c = env.c();
        for role in &observed.roles {
            remove_role(c, &observed.name, role).await?;
        }
        match c
            .iam
            .delete_instance_profile()
            .instance_profile_name(&observed.name)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let err = aws_error("delete instance profile", e);
                if missing(&err) { Ok(()) } else { Err(err) }
            }
        }
    }
}
