//! The instances' launch template. Settings change through new versions; the ASG follows the
//! template's default version.

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
use super::security_group::ec2_tags;
use crate::blueprint::cluster::LaunchTemplateSpec;

/// What the default version of the template says, for drift detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedTemplate {
    pub id: String,
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
    let tags = ec2_tags(&spec.tags, None);
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

/// The template's ID by name, if it exists.
pub async fn find(c: &Clients, name: &str) -> Result<Option<String>, AwsError> {
    match c
        .ec2
        .describe_launch_templates()
        .launch_template_names(name)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .launch_templates()
            .first()
            .and_then(|t| t.launch_template_id().map(str::to_owned))),
        Err(e) => {
            let err = aws_error("describe launch template", e);
            if err
                .code()
                .is_some_and(|c| c.starts_with("InvalidLaunchTemplateName.NotFound"))
            {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// The template's own tags (not those it gives instances). Read through DescribeTags, which
/// reports tags as they are now for every kind of EC2 object.
pub async fn tags(
    c: &Clients,
    id: &str,
) -> Result<std::collections::BTreeMap<String, String>, AwsError> {
    let out = c
        .ec2
        .describe_tags()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("resource-id")
                .values(id)
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("read launch template tags", e))?;
    Ok(out
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
        .collect())
}

/// The default version's settings; `None` when the template is gone.
pub async fn describe(c: &Clients, id: &str) -> Result<Option<ObservedTemplate>, AwsError> {
    let out = match c
        .ec2
        .describe_launch_template_versions()
        .launch_template_id(id)
        .versions("$Default")
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            let err = aws_error("describe launch template", e);
            if err
                .code()
                .is_some_and(|c| c.starts_with("InvalidLaunchTemplateId"))
            {
                return Ok(None);
            }
            return Err(err);
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
        id: id.to_owned(),
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
        instance_tags: data
            .map(|d| d.tag_specifications())
            .unwrap_or_default()
            .iter()
            .filter(|t| t.resource_type() == Some(&ResourceType::Instance))
            .flat_map(|t| t.tags())
            .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
            .collect(),
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
pub async fn ensure(c: &Clients, spec: &LaunchTemplateSpec) -> Result<String, AwsError> {
    if let Some(id) = find(c, &spec.name).await? {
        return Ok(id);
    }
    let created = c
        .ec2
        .create_launch_template()
        .launch_template_name(&spec.name)
        .launch_template_data(data(spec))
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::LaunchTemplate)
                .set_tags(Some(ec2_tags(&spec.tags, Some(&spec.name))))
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
                find(c, &spec.name)
                    .await?
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

pub async fn delete(c: &Clients, id: &str) -> Result<(), AwsError> {
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
            if err
                .code()
                .is_some_and(|c| c.starts_with("InvalidLaunchTemplateId"))
            {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_data_reads_as_the_script_it_encodes() {
        let script = "#!/bin/bash\necho hi\n";
        let encoded = base64::engine::general_purpose::STANDARD.encode(script);
        assert_eq!(decode_user_data(&encoded), script);
        assert_eq!(decode_user_data("not base64!"), "not base64!");
    }

    #[test]
    fn a_profile_given_by_arn_reads_as_its_name() {
        assert_eq!(
            profile_name(
                None,
                Some("arn:aws:iam::123456789012:instance-profile/ecsprod/prod-ecs-instance")
            ),
            Some("prod-ecs-instance".into())
        );
        assert_eq!(
            profile_name(Some("prod-ecs-instance"), None),
            Some("prod-ecs-instance".into())
        );
        assert_eq!(profile_name(None, None), None);
    }
}
