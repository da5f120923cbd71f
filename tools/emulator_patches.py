"""moto's models patched where they depart from AWS in a way the provider meets: each patch says
what AWS does that moto does not."""

import copy
import json
import re

from moto.applicationautoscaling import models as scaling_models
from moto.applicationautoscaling import responses as scaling_responses
from moto.autoscaling import models as autoscaling_models
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.exceptions import JsonRESTError
from moto.ecs import models as ecs_models
from moto.kms.models import kms_backends
from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException
from moto.logs.responses import LogsResponse


def _update_capacity_provider(update):
    """UpdateCapacityProvider also changes managed draining, as in AWS (moto ignores it)."""

    def patched(self, asg_details):
        update(self, asg_details)
        if "managedDraining" in asg_details:
            self.auto_scaling_group_provider["managedDraining"] = asg_details["managedDraining"]

    return patched



def _update_group_capacity_rebalance(update):
    """UpdateAutoScalingGroup also changes CapacityRebalance, as in AWS (moto ignores it)."""

    def patched(self):
        result = update(self)
        rebalance = self._get_bool_param("CapacityRebalance")
        if rebalance is not None:
            name = self._get_param("AutoScalingGroupName")
            self.autoscaling_backend.autoscaling_groups[name].capacity_rebalance = rebalance
        return result

    return patched



def _update_group_keeps_its_template(update):
    """UpdateAutoScalingGroup without a launch template, configuration or mixed instances policy
    keeps the group's own, as in AWS (moto drops the mixed instances policy)."""

    def patched(self, **kwargs):
        names = ("launch_config_name", "launch_template", "mixed_instances_policy")
        if self.mixed_instances_policy and not any(kwargs.get(name) for name in names):
            policy = copy.deepcopy(self.mixed_instances_policy)
            spec = policy["LaunchTemplate"]["LaunchTemplateSpecification"]
            if spec.get("LaunchTemplateId"):  # moto takes the id or the name, not both
                spec.pop("LaunchTemplateName", None)
            kwargs["mixed_instances_policy"] = policy
        return update(self, **kwargs)

    return patched



def _put_scaling_policy_replaces_its_alarms(put):
    """PutScalingPolicy of an existing target tracking policy replaces its CloudWatch alarms, as
    in AWS (moto makes new ones and leaves the old ones behind)."""

    def patched(self, policy_name, service_namespace, resource_id, scalable_dimension,
                policy_body, policy_type):
        key = scaling_models.FakeApplicationAutoscalingPolicy.formulate_key(
            service_namespace, resource_id, scalable_dimension, policy_name)
        old = self.policies.get(key)
        policy = put(self, policy_name, service_namespace, resource_id, scalable_dimension,
                     policy_body, policy_type)
        if old is not None and old is not policy:
            old.delete_alarms(self.account_id, self.region_name)
        return policy

    return patched

def _deregister_scalable_target(self, namespace, r_id, dimension):
    """DeregisterScalableTarget as AWS does it: "deregistering a scalable target deletes the
    scaling policies and the scheduled actions that are associated with it" (with the alarms of
    its target tracking policies); a target that does not exist is ObjectNotFoundException (moto
    keeps the policies and answers ValidationException)."""
    if not self._scalable_target_exists(r_id, dimension):
        raise JsonRESTError(
            "ObjectNotFoundException",
            f"No scalable target found for service namespace: {namespace}, resource ID: {r_id}, "
            f"scalable dimension: {dimension}")
    del self.targets[dimension][r_id]
    for key, policy in list(self.policies.items()):
        if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (
                namespace, r_id, dimension):
            policy.delete_alarms(self.account_id, self.region_name)
            del self.policies[key]
    self.scheduled_actions = [
        a for a in self.scheduled_actions
        if (a.service_namespace, a.resource_id, a.scalable_dimension) != (
            namespace, r_id, dimension)]


def _describe_scaling_policies(self):
    """DescribeScalingPolicies as AWS answers it: the policies of the ResourceId,
    ScalableDimension and PolicyNames given, exactly (moto keeps those whose ResourceId is a
    substring of the one given, so service/c/svc-1's were listed for service/c/svc-14, and
    ignores PolicyNames), ten per page unless asked for fewer (moto: a hundred)."""
    backend = self.applicationautoscaling_backend
    resource_id = self._get_param("ResourceId")
    dimension = self._get_param("ScalableDimension")
    names = self._get_param("PolicyNames") or []
    kept = [p for p in backend.policies.values()
            if p.service_namespace == self._get_param("ServiceNamespace")
            and (not resource_id or p.resource_id == resource_id)
            and (not dimension or p.scalable_dimension == dimension)
            and (not names or p.policy_name in names)]
    start = int(self._get_param("NextToken") or 0)
    end = start + min(self._get_int_param("MaxResults") or 10, 10)
    return json.dumps({
        "ScalingPolicies": [scaling_responses._build_policy(p) for p in kept[start:end]],
        "NextToken": str(end) if end < len(kept) else None,
    })


# --- CloudWatch Logs: log groups' KMS keys -----------------------------------------------------
# The API reference: kmsKeyId is "the Amazon Resource Name (ARN) of the KMS key"; "if the KMS key
# does not exist or the KMS key is disabled, you receive an InvalidParameterException error".
# AWS's words for a key it does not find (a bare key id, an alias, an unknown ARN), as reported by
# its users: "The specified KMS Key Id could not be found."
KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key/([A-Za-z0-9-]+)")
LOGS_ARN = re.compile(r"arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):(log-group:(.+)|query-result:\*)")


def _usable_key(response, kms_key_id):
    """Refuses, as AWS does, a kmsKeyId that is not the ARN of a key of the request's region and
    account, and a key that is not enabled (disabled or pending deletion)."""
    m = KEY_ARN.fullmatch(kms_key_id or "")
    key = None
    if m and (m.group(1), m.group(2)) == (response.region, response.current_account):
        key = kms_backends[response.current_account][response.region].keys.get(m.group(3))
    if key is None:
        raise InvalidParameterException("The specified KMS Key Id could not be found.")
    if key.key_state != "Enabled":  # own wording
        raise InvalidParameterException(f"The specified KMS key is not enabled: {kms_key_id}")


def _kms_target(response):
    """The log group an AssociateKmsKey or DisassociateKmsKey names (logGroupName, or
    resourceIdentifier with the group's ARN), or None for the account's query results
    (resourceIdentifier arn:aws:logs:REGION:ACCOUNT_ID:query-result:*, accepted and ignored: moto
    keeps no query results). Own wording for the refusals."""
    name = response._get_param("logGroupName")
    identifier = response._get_param("resourceIdentifier")
    if (name is None) == (identifier is None):
        raise InvalidParameterException(
            "Specify either logGroupName or resourceIdentifier, but not both.")
    if identifier is not None:
        m = LOGS_ARN.fullmatch(identifier)
        if not m or (m.group(1), m.group(2)) != (response.region, response.current_account):
            raise InvalidParameterException(f"Invalid resourceIdentifier: {identifier}")
        if m.group(4) is None:
            return None
        name = m.group(4)
    group = response.logs_backend.groups.get(name)
    if group is None:
        raise ResourceNotFoundException()  # "The specified log group does not exist."
    return group


def _associate_kms_key(self):
    """AssociateKmsKey (moto does not implement it): the group's kmsKeyId, a key ARN checked as
    AWS checks it."""
    group = _kms_target(self)
    kms_key_id = self._get_param("kmsKeyId")
    _usable_key(self, kms_key_id)
    if group is not None:
        group.kms_key_id = kms_key_id
    return ""


def _disassociate_kms_key(self):
    """DisassociateKmsKey (moto does not implement it): the group has no kmsKeyId any more."""
    group = _kms_target(self)
    if group is not None:
        group.kms_key_id = None
    return ""


def _create_log_group_checks_its_key(create):
    """CreateLogGroup with a kmsKeyId checks the key as AssociateKmsKey does, as in AWS (moto
    keeps any string)."""

    def patched(self):
        kms_key_id = self._get_param("kmsKeyId")
        if kms_key_id is not None:
            _usable_key(self, kms_key_id)
        return create(self)

    return patched


def apply():
    """Applies every patch to moto's classes (once, at start)."""
    ecs_models.CapacityProvider.update = _update_capacity_provider(
        ecs_models.CapacityProvider.update)
    AutoScalingResponse.update_auto_scaling_group = _update_group_capacity_rebalance(
        AutoScalingResponse.update_auto_scaling_group)
    autoscaling_models.FakeAutoScalingGroup.update = _update_group_keeps_its_template(
        autoscaling_models.FakeAutoScalingGroup.update)
    backend = scaling_models.ApplicationAutoscalingBackend
    backend.put_scaling_policy = _put_scaling_policy_replaces_its_alarms(
        backend.put_scaling_policy)
    backend.deregister_scalable_target = _deregister_scalable_target
    scaling_responses.ApplicationAutoScalingResponse.describe_scaling_policies = (
        _describe_scaling_policies)
    LogsResponse.associate_kms_key = _associate_kms_key
    LogsResponse.disassociate_kms_key = _disassociate_kms_key
    LogsResponse.create_log_group = _create_log_group_checks_its_key(LogsResponse.create_log_group)
