//! The instances' launch template. Found by name (its default version, in one call); settings
//! change through a new default version, which the Auto Scaling group follows.

use aws_sdk_ec2::types::{
    LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest,
    LaunchTemplateHttpTokensState, LaunchTemplateIamInstanceProfileSpecificationRequest,
    LaunchTemplateInstanceMetadataEndpointState, LaunchTemplateInstanceMetadataOptionsRequest,
    LaunchTemplateInstanceNetworkInterfaceSpecificationRequest,
    LaunchTemplateTagSpecificationRequest, RequestLaunchTemplateData, ResourceType,
    TagSpecification, VolumeType,
};
use base64::Engine as _;

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::{Change, Changes, Env, TagRef, TagTarget, Tags, Unit, read_each, same_fields};
use crate::blueprint::cluster::LaunchTemplateSpec;

/// What the default version of the template says, for drift detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedTemplate {
    pub id: String,
    pub name: String,
    pub default_version: i64,
    pub image_id: String,
    pub http_tokens_required: bool,
    pub hop_limit: i32,
    pub root_volume_size: i32,
    pub root_volume_encrypted: bool,
    pub kms_key_id: Option<String>,
    /// Tags given to the instances it launches.
    pub instance_tags: std::collections::BTreeMap<String, String>,
    /// The user data, decoded from base64 (the raw value when it is not base64 text).
    pub user_data: Option<String>,
    pub network_interfaces: Vec<ObservedInterface>,
    /// Security groups given outside any network interface.
    pub security_groups: Vec<String>,
    pub block_devices: Vec<ObservedBlockDevice>,
    /// The instance profile, by name (the last part of its ARN when given by ARN).
    pub instance_profile: Option<String>,
    /// The key pair given instances for SSH, if any.
    pub key_name: Option<String>,
}

/// A network interface the template gives instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedInterface {
    pub device_index: Option<i32>,
    pub associate_public_ip: Option<bool>,
    pub security_groups: Vec<String>,
}

/// A block device the template gives instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedBlockDevice {
    pub device_name: String,
    pub volume_type: Option<String>,
    pub encrypted: Option<bool>,
}

/// User data as text: base64-decoded UTF-8, or the raw value when it is not that.
pub fn decode_user_data(raw: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| raw.to_owned())
}

/// An instance profile's name from the name or ARN a template gives.
pub fn profile_name(name: Option<&str>, arn: Option<&str>) -> Option<String> {
    name.map(str::to_owned)
        .or_else(|| arn.and_then(|a| a.rsplit('/').next()).map(str::to_owned))
}

fn data(spec: &LaunchTemplateSpec) -> RequestLaunchTemplateData {
    let mut ebs = LaunchTemplateEbsBlockDeviceRequest::builder()
        .volume_size(spec.root_volume_size)
        .volume_type(VolumeType::from(spec.root_volume_type.as_str()))
        .encrypted(spec.root_volume_encrypted)
        .delete_on_termination(true);
    if let Some(key) = &spec.kms_key_id {
        ebs = ebs.kms_key_id(key);
    }
    let tags = super::tag_writes::ec2(&spec.tags);
    RequestLaunchTemplateData::builder()
        .image_id(&spec.image_id)
        .iam_instance_profile(
            LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                .name(&spec.instance_profile_name)
                .build(),
        )
        .metadata_options(
            LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .http_endpoint(LaunchTemplateInstanceMetadataEndpointState::Enabled)
                .http_tokens(if spec.http_tokens_required {
                    LaunchTemplateHttpTokensState::Required
                } else {
                    LaunchTemplateHttpTokensState::Optional
                })
                .http_put_response_hop_limit(spec.http_put_response_hop_limit)
                .build(),
        )
        .block_device_mappings(
            LaunchTemplateBlockDeviceMappingRequest::builder()
                .device_name(&spec.root_device_name)
                .ebs(ebs.build())
                .build(),
        )
        .network_interfaces(
            LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
                .device_index(0)
                .associate_public_ip_address(spec.associate_public_ip)
                .groups(&spec.security_group_id)
                .delete_on_termination(true)
                .build(),
        )
        .user_data(base64::engine::general_purpose::STANDARD.encode(&spec.user_data))
        .tag_specifications(
            LaunchTemplateTagSpecificationRequest::builder()
                .resource_type(ResourceType::Instance)
                .set_tags(Some(tags.clone()))
                .build(),
        )
        .tag_specifications(
            LaunchTemplateTagSpecificationRequest::builder()
                .resource_type(ResourceType::Volume)
                .set_tags(Some(tags))
                .build(),
        )
        .build()
}

fn not_found(err: &AwsError) -> bool {
    err.code().is_some_and(|c| {
        c.starts_with("InvalidLaunchTemplateId") || c.starts_with("InvalidLaunchTemplateName")
    })
}

/// The template's default version, by the template's name; `None` when there is no template.
pub async fn describe(c: &Clients, name: &str) -> Result<Option<ObservedTemplate>, AwsError> {
    let out = match c
        .ec2
        .describe_launch_template_versions()
        .launch_template_name(name)
        .versions("$Default")
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            let err = aws_error("describe launch template", e);
            return if not_found(&err) { Ok(None) } else { Err(err) };
        }
    };
    let Some(version) = out.launch_template_versions().first() else {
        return Ok(None);
    };
    let data = version.launch_template_data();
    let metadata = data.and_then(|d| d.metadata_options());
    let root = data
        .and_then(|d| d.block_device_mappings().first())
        .and_then(|m| m.ebs());
    Ok(Some(ObservedTemplate {
        id: version.launch_template_id().unwrap_or_default().to_owned(),
        name: name.to_owned(),
        default_version: version.version_number().unwrap_or(1),
        image_id: data
            .and_then(|d| d.image_id())
            .unwrap_or_default()
            .to_owned(),
        http_tokens_required: metadata
            .and_then(|m| m.http_tokens())
            .is_some_and(|t| t.as_str() == "required"),
        hop_limit: metadata
            .and_then(|m| m.http_put_response_hop_limit())
            .unwrap_or(1),
        root_volume_size: root.and_then(|e| e.volume_size()).unwrap_or(0),
        root_volume_encrypted: root.and_then(|e| e.encrypted()).unwrap_or(false),
        kms_key_id: root.and_then(|e| e.kms_key_id()).map(str::to_owned),
        instance_tags: super::tags::pairs(
            data.map(|d| d.tag_specifications())
                .unwrap_or_default()
                .iter()
                .filter(|t| t.resource_type() == Some(&ResourceType::Instance))
                .flat_map(|t| t.tags())
                .map(|t| (t.key(), t.value())),
        ),
        user_data: data.and_then(|d| d.user_data()).map(decode_user_data),
        key_name: data.and_then(|d| d.key_name()).map(str::to_owned),
        network_interfaces: data
            .map(|d| d.network_interfaces())
            .unwrap_or_default()
            .iter()
            .map(|n| ObservedInterface {
                device_index: n.device_index(),
                associate_public_ip: n.associate_public_ip_address(),
                security_groups: n.groups().to_vec(),
            })
            .collect(),
        security_groups: data
            .map(|d| {
                d.security_group_ids()
                    .iter()
                    .chain(d.security_groups())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
        block_devices: data
            .map(|d| d.block_device_mappings())
            .unwrap_or_default()
            .iter()
            .map(|m| ObservedBlockDevice {
                device_name: m.device_name().unwrap_or_default().to_owned(),
                volume_type: m
                    .ebs()
                    .and_then(|e| e.volume_type())
                    .map(|t| t.as_str().to_owned()),
                encrypted: m.ebs().and_then(|e| e.encrypted()),
            })
            .collect(),
        instance_profile: data
            .and_then(|d| d.iam_instance_profile())
            .and_then(|p| profile_name(p.name(), p.arn())),
    }))
}

/// Creates the template (adopting one of the same name) and returns its ID.
async fn create(c: &Clients, spec: &LaunchTemplateSpec) -> Result<String, AwsError> {
    let created = c
        .ec2
        .create_launch_template()
        .launch_template_name(&spec.name)
        .launch_template_data(data(spec))
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::LaunchTemplate)
                .set_tags(Some(super::tag_writes::ec2(&spec.template_tags)))
                .build(),
        )
        .send()
        .await;
    match created {
        Ok(out) => out
            .launch_template()
            .and_then(|t| t.launch_template_id())
            .map(str::to_owned)
            .ok_or_else(|| AwsError::new("create launch template", "AWS returned no template ID")),
        Err(e) => {
            let err = aws_error("create launch template", e);
            if err.code() == Some("InvalidLaunchTemplateName.AlreadyExistsException") {
                describe(c, &spec.name)
                    .await?
                    .map(|t| t.id)
                    .ok_or_else(|| AwsError::new("create launch template", "template vanished"))
            } else {
                Err(err)
            }
        }
    }
}

/// Publishes the spec as a new version and makes it the default.
pub async fn new_default_version(
    c: &Clients,
    id: &str,
    spec: &LaunchTemplateSpec,
) -> Result<i64, AwsError> {
    let out = c
        .ec2
        .create_launch_template_version()
        .launch_template_id(id)
        .launch_template_data(data(spec))
        .send()
        .await
        .map_err(|e| aws_error("create launch template version", e))?;
    let version = out
        .launch_template_version()
        .and_then(|v| v.version_number())
        .ok_or_else(|| {
            AwsError::new("create launch template version", "AWS returned no version")
        })?;
    c.ec2
        .modify_launch_template()
        .launch_template_id(id)
        .default_version(version.to_string())
        .send()
        .await
        .map_err(|e| aws_error("set launch template default version", e))?;
    Ok(version)
}

async fn delete(c: &Clients, id: &str) -> Result<(), AwsError> {
    match c
        .ec2
        .delete_launch_template()
        .launch_template_id(id)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("delete launch template", e);
            if not_found(&err) { Ok(()) } else { Err(err) }
        }
    }
}

/// Errors worth retrying while a new instance profile propagates through IAM.
pub fn profile_not_yet_visible(e: &AwsError) -> bool {
    let m = e.message.to_ascii_lowercase();
    (m.contains("instance profile") || m.contains("iaminstanceprofile"))
        && (m.contains("invalid") || m.contains("not found") || m.contains("does not exist"))
}

impl ObservedTemplate {
    /// What DescribeLaunchTemplateVersions reports for version `version` of template `id`,
    /// made from `spec`.
    pub fn written(spec: &LaunchTemplateSpec, id: &str, version: i64) -> Self {
        Self {
            id: id.to_owned(),
            name: spec.name.clone(),
            default_version: version,
            image_id: spec.image_id.clone(),
            http_tokens_required: spec.http_tokens_required,
            hop_limit: spec.http_put_response_hop_limit,
            root_volume_size: spec.root_volume_size,
            root_volume_encrypted: spec.root_volume_encrypted,
            kms_key_id: spec.kms_key_id.clone(),
            instance_tags: spec.tags.clone(),
            user_data: Some(spec.user_data.clone()),
            network_interfaces: vec![ObservedInterface {
                device_index: Some(0),
                associate_public_ip: Some(spec.associate_public_ip),
                security_groups: vec![spec.security_group_id.clone()],
            }],
            security_groups: Vec::new(),
            block_devices: vec![ObservedBlockDevice {
                device_name: spec.root_device_name.clone(),
                volume_type: Some(spec.root_volume_type.clone()),
                encrypted: Some(spec.root_volume_encrypted),
            }],
            instance_profile: Some(spec.instance_profile_name.clone()),
            key_name: None,
        }
    }
}

pub struct LaunchTemplate;

read_each! {
    LaunchTemplate: "launch template", String => ObservedTemplate,
    |env, k| describe(env.c(), k)
}

impl Unit for LaunchTemplate {
    type Desired = LaunchTemplateSpec;

    /// Every setting of the default version; any difference is a new default version.
    fn diff(desired: &LaunchTemplateSpec, observed: &ObservedTemplate) -> Vec<Change> {
        let want = ObservedTemplate::written(desired, &observed.id, observed.default_version);
        let mut changes = Changes::new();
        same_fields!(&mut changes, observed, want;
            image_id, instance_tags, user_data, block_devices, instance_profile);
        changes
            .check(
                "metadata_options",
                (observed.http_tokens_required, observed.hop_limit)
                    != (want.http_tokens_required, want.hop_limit),
            )
            .check(
                "root_volume",
                (
                    observed.root_volume_size,
                    observed.root_volume_encrypted,
                    &observed.kms_key_id,
                ) != (
                    want.root_volume_size,
                    want.root_volume_encrypted,
                    &want.kms_key_id,
                ),
            )
            .check(
                "network_interfaces",
                observed.network_interfaces != want.network_interfaces
                    || !observed.security_groups.is_empty(),
            )
            .check("key_name", observed.key_name.is_some())
            .done()
    }

    async fn create(
        env: &Env,
        _: &String,
        desired: &LaunchTemplateSpec,
    ) -> Result<ObservedTemplate, AwsError> {
        let id = env
            .budget
            .retry_while(profile_not_yet_visible, || create(env.c(), desired))
            .await?;
        Ok(ObservedTemplate::written(desired, &id, 1))
    }

    async fn update(
        env: &Env,
        desired: &LaunchTemplateSpec,
        observed: &ObservedTemplate,
        _: &[Change],
    ) -> Result<ObservedTemplate, AwsError> {
        let version = env
            .budget
            .retry_while(profile_not_yet_visible, || {
                new_default_version(env.c(), &observed.id, desired)
            })
            .await?;
        Ok(ObservedTemplate::written(desired, &observed.id, version))
    }

    async fn delete(env: &Env, observed: &ObservedTemplate) -> Result<(), AwsError> {
        delete(env.c(), &observed.id).await
    }

    fn desired_tags(desired: &LaunchTemplateSpec) -> Option<Tags> {
        Some(desired.template_tags.clone())
    }

    /// The template's own tags, read with the other EC2 objects' (its version does not carry
    /// them).
    fn tags(observed: &ObservedTemplate) -> Option<TagRef> {
        Some(TagRef {
            target: TagTarget::Ec2(observed.id.clone()),
            known: None,
        })
    }
}

#[cfg(test)]
#[path = "launch_template_tests.rs"]
mod tests;
