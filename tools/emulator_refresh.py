"""Auto Scaling instance refreshes, which moto does not implement: StartInstanceRefresh,
DescribeInstanceRefreshes, CancelInstanceRefresh and RollbackInstanceRefresh, answered as AWS
answers them (query protocol, XML; AWS's error codes).

Each DescribeInstanceRefreshes shows a refresh as it is, then moves it one step on, so a test
sees every status in turn without waiting:

    Pending -> InProgress 0 % -> InProgress 50 % -> [Baking, with a BakeTime] -> Successful 100 %

InProgress starts with InstancesToUpdate = the instances the refresh covers (all the group's
InService instances, less those its preferences ignore: protected from scale in, in Standby, or
already matching with SkipMatching). On Successful, as in AWS, the group takes the refresh's
desired configuration, and the covered instances are replaced by new ones (new ids) launched
from the group's launch template version; DescribeAutoScalingGroups/Instances report that
version for them (moto reports the template's default version for every instance).

Outcomes a fault rule on StartInstanceRefresh chooses for the refresh it starts:
- refresh_fails:  ... InProgress 50 % -> Failed; with AutoRollback -> RollbackInProgress ->
                  RollbackSuccessful. Instances and group stay as they were.
- refresh_stalls: ... InProgress 0 % for ever (until cancelled or rolled back).
CancelInstanceRefresh (Pending, InProgress, Baking or RollbackInProgress): Cancelling ->
Cancelled. RollbackInstanceRefresh (Pending, InProgress or Baking): RollbackInProgress ->
RollbackSuccessful. Neither touches the group or its instances.

The refreshes live on moto's group objects: deleting the group or resetting moto drops them.
When moto enforces IAM (INITIAL_NO_AUTH_ACTION_COUNT), these calls are authorized as moto
authorizes its own (autoscaling:<Action> in the caller's policies; see emulator_wire.py).
"""

import copy
import datetime
import threading
import uuid
from xml.sax.saxutils import escape

from moto.autoscaling import models as autoscaling_models
from moto.core.types import Base64EncodedString

import emulator_wire as wire
from emulator_refresh_checks import (
    Refused, as_dict, as_list, check_auto_rollback, desired_configuration, invalid,
    name_violations, preference_rule, preferences, rollback_blocker, start_violations, violation,
)
from emulator_wire import error_response, query_response, query_struct

NAMESPACE = "http://autoscaling.amazonaws.com/doc/2011-01-01/"
ACTIONS = ("StartInstanceRefresh", "DescribeInstanceRefreshes", "CancelInstanceRefresh",
           "RollbackInstanceRefresh")
OUTCOMES = ("refresh_fails", "refresh_stalls")
# A refresh in one of these blocks another from starting.
UNFINISHED = ("Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking")
CANCELLABLE = ("Pending", "InProgress", "Baking", "RollbackInProgress")
REVERSIBLE = ("Pending", "InProgress", "Baking")
IN_PROGRESS = ("An Instance Refresh is already in progress and blocks the execution of this "
               "Instance Refresh.")
NO_ACTIVE = "No in progress or pending Instance Refresh found for Auto Scaling group {}"
WARMING_UP = "Waiting for instances to warm up before continuing. For example: {} is warming up."
FAILED = ("The instance refresh failed because its replacement instances failed their health "
          "checks and did not reach the InService state. Check the scaling activities of the "
          "Auto Scaling group for details.")
AUTO_ROLLBACK = "Automatic rollback initiated because the instance refresh failed."
MANUAL_ROLLBACK = "Manual rollback initiated by the user (RollbackInstanceRefresh)."


def now():
    return datetime.datetime.now(datetime.timezone.utc)


# --- The group's instances -------------------------------------------------------------------

def template_spec(desired):
    desired = as_dict(desired)
    if "LaunchTemplate" in desired:
        return desired["LaunchTemplate"]
    policy = as_dict(desired.get("MixedInstancesPolicy"))
    return as_dict(policy.get("LaunchTemplate")).get("LaunchTemplateSpecification")


def launch_source(group, desired):
    """(image id, instance type) of the instances the refresh launches, or None."""
    spec = template_spec(desired)
    try:
        if spec:
            template = group.ec2_backend.get_launch_template(spec["LaunchTemplateId"])
            version = template.get_version(spec.get("Version") or "$Default")
            return version.image_id, version.instance_type
        return group.image_id, group.instance_type
    except Exception:  # the template or the launch configuration is gone: nothing matches
        return None


def instances_to_replace(group, refresh):
    """The group's instances the refresh replaces, by its preferences: InService ones (and those
    in Standby unless StandbyInstances is Ignore), less those protected from scale in when
    ScaleInProtectedInstances is Ignore, and with SkipMatching those already running the AMI and
    instance type the refresh launches. (Wait is taken as Refresh/Terminate: nothing waits.)"""
    prefs = refresh.preferences
    target = launch_source(group, refresh.desired) if prefs["SkipMatching"] else None
    chosen = []
    for state in group.instance_states:
        if state.lifecycle_state == "Standby":
            if prefs["StandbyInstances"] == "Ignore":
                continue
        elif state.lifecycle_state not in ("InService", "Pending"):
            continue
        if state.protected_from_scale_in and prefs["ScaleInProtectedInstances"] == "Ignore":
            continue
        if target and target == (state.instance.image_id, state.instance.instance_type):
            continue
        chosen.append(state)
    return chosen


def apply_desired(group, desired):
    """The group takes the desired configuration, as AWS does when a refresh succeeds."""
    spec = dict(template_spec(desired) or {})
    if not spec:
        return
    spec.pop("LaunchTemplateName", None)  # moto takes either the id or the name
    if spec.get("Version") is None:
        spec.pop("Version", None)
    group.launch_config = None
    group.launch_configuration_name = None
    if "LaunchTemplate" in desired:
        group.mixed_instances_policy = None
        group._set_launch_configuration(None, spec, None)
    else:
        policy = copy.deepcopy(desired["MixedInstancesPolicy"])
        policy["LaunchTemplate"]["LaunchTemplateSpecification"] = spec
        group.mixed_instances_policy = policy
        group._set_launch_configuration(None, {}, policy)


def running_template(group):
    """The launch template and version number the group launches instances from, or None."""
    template = group.ec2_launch_template
    if template is None:
        return None
    number = template.get_version(group.launch_template_version).number
    return {"LaunchTemplateId": template.id, "LaunchTemplateName": template.name,
            "Version": str(number)}


def user_data_as_moto_reads_it(group):
    """moto keeps the user data of a version made by CreateLaunchTemplateVersion as plain text,
    but launching from it asserts its own base64 type: wrap it as moto's own API does."""
    template = group.ec2_launch_template
    if template is None:
        return
    data = template.get_version(group.launch_template_version).data
    if isinstance(data.get("UserData"), str):
        data["UserData"] = Base64EncodedString(data["UserData"])


def replace_instances(group, states):
    """Terminates the instances and launches as many from the group's launch template."""
    if not states:
        return
    user_data_as_moto_reads_it(group)
    backend = group.autoscaling_backend
    ids = [state.instance.id for state in states]
    group.instance_states = [state for state in group.instance_states if state not in states]
    backend.ec2_backend.terminate_instances(ids)
    backend.elbv2_backend.notify_terminate_instances(ids)
    kept = set(map(id, group.instance_states))
    group.replace_autoscaling_group_instances(len(states), group.get_propagated_tags())
    template = running_template(group)
    for state in group.instance_states:
        if template and id(state) not in kept:
            state.refreshed_launch_template = template
            state.instance.add_tags({"aws:ec2launchtemplate:version": template["Version"]})
    backend.update_attached_elbs(group.name)
    backend.update_attached_target_groups(group.name)


def _instance_launch_template(original):
    """An instance reports the launch template version it was launched from, as in AWS (moto
    reports the group's template version as it is now)."""

    def launch_template(self):
        return getattr(self, "refreshed_launch_template", None) or original.fget(self)

    return property(launch_template)


def _stamped_at_launch(init):
    """Each instance the group launches records the version it came from."""

    def patched(self, *args, **kwargs):
        init(self, *args, **kwargs)
        try:
            group = self.auto_scaling_group
            self.refreshed_launch_template = running_template(group) if group else None
        except Exception:  # a template moto cannot resolve: moto's own answer stands
            self.refreshed_launch_template = None

    return patched


autoscaling_models.InstanceState.launch_template = _instance_launch_template(
    autoscaling_models.InstanceState.launch_template)
autoscaling_models.InstanceState.__init__ = _stamped_at_launch(
    autoscaling_models.InstanceState.__init__)


# --- One refresh -----------------------------------------------------------------------------

class Refresh:
    """One instance refresh of a group and the step it has reached."""

    def __init__(self, group_name, prefs, desired, outcome):
        self.id = str(uuid.uuid4())
        self.group_name = group_name
        self.preferences = prefs
        self.desired = desired
        self.outcome = outcome
        self.status = "Pending"
        self.reason = None
        self.start = now()
        self.end = None
        self.percent = 0
        self.to_update = 0
        self.rollback = None

    def describe(self):
        """The refresh as an InstanceRefresh (members in AWS's order; None is left out)."""
        progress = None if self.status == "Pending" else {"LivePoolProgress": {
            "PercentageComplete": self.percent, "InstancesToUpdate": self.to_update}}
        return {
            "InstanceRefreshId": self.id, "AutoScalingGroupName": self.group_name,
            "Status": self.status, "StatusReason": self.reason,
            "StartTime": self.start, "EndTime": self.end,
            "PercentageComplete": self.percent, "InstancesToUpdate": self.to_update,
            "ProgressDetails": progress, "Preferences": self.preferences,
            "DesiredConfiguration": self.desired, "RollbackDetails": self.rollback,
            "Strategy": "Rolling",
        }

    def advance(self, group):
        """One step on, for the next DescribeInstanceRefreshes to see."""
        step = {
            "Pending": self.begin, "InProgress": self.progress, "Baking": self.succeed,
            "Cancelling": self.cancelled, "RollbackInProgress": self.rolled_back,
        }.get(self.status)
        if step is not None:
            step(group)

    def begin(self, group):
        covered = instances_to_replace(group, self)
        self.status, self.to_update = "InProgress", len(covered)
        example = covered[0].instance.id if covered else None
        self.reason = WARMING_UP.format(example) if example else None

    def progress(self, group):
        if self.outcome == "refresh_stalls":
            return
        if self.percent == 0:
            self.percent, self.to_update = 50, self.to_update - self.to_update // 2
        elif self.outcome == "refresh_fails":
            self.fail()
        elif self.preferences.get("BakeTime"):
            self.status, self.percent, self.to_update, self.reason = "Baking", 100, 0, None
        else:
            self.succeed(group)

    def fail(self):
        self.reason = FAILED
        if self.preferences["AutoRollback"]:
            self.roll_back(AUTO_ROLLBACK)
        else:
            self.finish("Failed")

    def succeed(self, group):
        try:
            apply_desired(group, self.desired)
            replace_instances(group, instances_to_replace(group, self))
        except Exception as error:  # e.g. its launch template was deleted in the meantime
            self.reason = f"The instance refresh failed: {error!r}"
            self.finish("Failed")
            return
        self.percent, self.to_update, self.reason = 100, 0, None
        self.finish("Successful")

    def cancel(self):
        self.status, self.reason = "Cancelling", None

    def cancelled(self, group):
        self.finish("Cancelled")

    def roll_back(self, reason):
        self.status = "RollbackInProgress"
        self.rollback = {
            "RollbackReason": reason, "RollbackStartTime": now(),
            "PercentageCompleteOnRollback": self.percent,
            "InstancesToUpdateOnRollback": self.to_update,
        }

    def rolled_back(self, group):
        self.percent = 0
        self.finish("RollbackSuccessful")

    def finish(self, status):
        self.status, self.end = status, now()


# --- The actions -----------------------------------------------------------------------------

def refreshes(group):
    """The group's refreshes, newest first (kept on moto's group object)."""
    return group.__dict__.setdefault("ecsprod_instance_refreshes", [])


def find_group(backend, request):
    name = request["AutoScalingGroupName"]
    group = backend.autoscaling_groups.get(name)
    if group is None:
        raise Refused("ValidationError",
                      f"AutoScalingGroup name not found - AutoScalingGroup: {name} not found")
    return group


def active(group, statuses):
    return next((r for r in refreshes(group) if r.status in statuses), None)


def start(backend, request, outcome):
    violations = start_violations(request)
    if violations:
        raise invalid(violations)
    if request.get("Strategy") == "ReplaceRootVolume":
        raise Refused("ValidationError", "The ReplaceRootVolume strategy is not emulated: the "
                      "test emulator runs Rolling instance refreshes only.")
    group = find_group(backend, request)
    raw = as_dict(request.get("Preferences"))
    prefs = preferences(raw)
    rule = preference_rule(raw, prefs)
    if rule:
        raise Refused("ValidationError", rule)
    desired = desired_configuration(request.get("DesiredConfiguration"), backend.ec2_backend)
    if prefs["AutoRollback"]:
        check_auto_rollback(group, desired)
    if active(group, UNFINISHED):
        raise Refused("InstanceRefreshInProgress", IN_PROGRESS)
    refresh = Refresh(group.name, prefs, desired, outcome if outcome in OUTCOMES else None)
    refreshes(group).insert(0, refresh)
    return {"InstanceRefreshId": refresh.id}


def page_size(request):
    raw = request.get("MaxRecords")
    if raw is None:
        return 50, []
    try:
        size = int(raw)
    except ValueError:
        return 50, [violation(raw, "maxRecords", "be an integer")]
    if size < 1 or size > 100:
        limit = "greater than or equal to 1" if size < 1 else "less than or equal to 100"
        return size, [violation(size, "maxRecords", f"have value {limit}")]
    return size, []


def describe(backend, request, outcome):
    size, violations = page_size(request)
    violations = name_violations(request) + violations
    if violations:
        raise invalid(violations)
    group = find_group(backend, request)
    ids = as_list(request.get("InstanceRefreshIds"))
    chosen = [r for r in refreshes(group) if not ids or r.id in ids]
    token = request.get("NextToken")
    first = 0
    if token:
        after = [index for index, r in enumerate(chosen) if r.id == token]
        if not after:
            raise Refused("InvalidNextToken", f"The token '{token}' is invalid.")
        first = after[0] + 1
    page = chosen[first:first + size]
    shown = [refresh.describe() for refresh in page]
    for refresh in page:
        refresh.advance(group)
    more = first + size < len(chosen)
    return {"InstanceRefreshes": shown, "NextToken": page[-1].id if more else None}


def the_active(backend, request, statuses):
    """The request's group and its refresh in one of `statuses`, as Cancel and Rollback find
    them; AWS's ActiveInstanceRefreshNotFound when there is none."""
    if name_violations(request):
        raise invalid(name_violations(request))
    group = find_group(backend, request)
    refresh = active(group, statuses)
    if refresh is None:
        raise Refused("ActiveInstanceRefreshNotFound", NO_ACTIVE.format(group.name))
    return group, refresh


def cancel(backend, request, outcome):
    _, refresh = the_active(backend, request, CANCELLABLE)
    refresh.cancel()
    return {"InstanceRefreshId": refresh.id}


def roll_back(backend, request, outcome):
    group, refresh = the_active(backend, request, REVERSIBLE)
    blocker = rollback_blocker(group)
    if refresh.desired is None:
        blocker = "it was started without a desired configuration"
    if blocker:
        raise Refused("IrreversibleInstanceRefresh",
                      f"The instance refresh can't be rolled back because {blocker}.")
    refresh.reason = None
    refresh.roll_back(MANUAL_ROLLBACK)
    return {"InstanceRefreshId": refresh.id}


HANDLERS = {
    "StartInstanceRefresh": start,
    "DescribeInstanceRefreshes": describe,
    "CancelInstanceRefresh": cancel,
    "RollbackInstanceRefresh": roll_back,
}


class InstanceRefreshes:
    """Answers the instance refresh actions for every region."""

    def __init__(self):
        self.lock = threading.Lock()

    def answer(self, environ, action, body, outcome=None):
        """(status, headers, body) of the answer to one of ACTIONS; outcome (one of OUTCOMES)
        decides how a refresh that StartInstanceRefresh starts ends."""
        refusal = wire.iam_refusal("autoscaling", environ, action, body)
        if refusal is not None:
            return refusal
        request = query_struct(body)
        backend = wire.backend("autoscaling", wire.region(environ))
        try:
            with self.lock:
                result = HANDLERS[action](backend, request, outcome)
        except Refused as refused:
            return error_response("autoscaling", refused.code, escape(refused.message), 400)
        return query_response(action, result, NAMESPACE)
