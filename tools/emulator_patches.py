"""moto's models patched where they depart from AWS in a way the provider meets: each patch says
what AWS does that moto does not."""

import copy

from moto.applicationautoscaling import models as scaling_models
from moto.autoscaling import models as autoscaling_models
from moto.autoscaling.responses import AutoScalingResponse
from moto.ecs import models as ecs_models


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
