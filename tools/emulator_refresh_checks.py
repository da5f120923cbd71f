"""The checks AWS makes of a StartInstanceRefresh request (and of a rollback), with its error
codes: first the parameters' declared constraints (ValidationError "N validation error(s)
detected: ..."), then the rules between them, the desired configuration, and auto rollback."""

import copy

from emulator_wire import Refused

STRATEGIES = ("Rolling", "ReplaceRootVolume")
INTEGER_PREFERENCES = {  # name -> (least, greatest)
    "MinHealthyPercentage": (0, 100),
    "MaxHealthyPercentage": (100, 200),
    "InstanceWarmup": (0, None),
    "CheckpointDelay": (0, 172800),
    "BakeTime": (0, 172800),
}
ENUM_PREFERENCES = {
    "ScaleInProtectedInstances": ("Refresh", "Ignore", "Wait"),
    "StandbyInstances": ("Terminate", "Ignore", "Wait"),
}
# RefreshPreferences' members in the order AWS writes them.
PREFERENCE_ORDER = (
    "MinHealthyPercentage", "InstanceWarmup", "CheckpointPercentages", "CheckpointDelay",
    "SkipMatching", "AutoRollback", "ScaleInProtectedInstances", "StandbyInstances",
    "AlarmSpecification", "MaxHealthyPercentage", "BakeTime",
)
DEFAULT_PREFERENCES = {
    "MinHealthyPercentage": 90, "SkipMatching": False, "AutoRollback": False,
    "ScaleInProtectedInstances": "Wait", "StandbyInstances": "Wait",
}
DEFAULT_CHECKPOINT_DELAY = 3600


def as_dict(value):
    return value if isinstance(value, dict) else {}


def as_list(value):
    return value if isinstance(value, list) else []


# --- AWS's parameter checks, made before any rule of the service ----------------------------

def invalid(violations):
    """AWS's ValidationError for parameters that break their declared constraints."""
    count = len(violations)
    plural = "s" if count > 1 else ""
    return Refused("ValidationError",
                   f"{count} validation error{plural} detected: {'; '.join(violations)}")


def violation(value, path, constraint):
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: Member must {constraint}"


def name_violations(request):
    name = request.get("AutoScalingGroupName")
    return [] if name else [violation(None, "autoScalingGroupName", "not be null")]


def integer_violation(raw, name, path):
    least, greatest = INTEGER_PREFERENCES[name]
    try:
        value = int(raw[name])
    except (TypeError, ValueError):
        return violation(raw[name], path, "be an integer")
    if value < least:
        return violation(value, path, f"have value greater than or equal to {least}")
    if greatest is not None and value > greatest:
        return violation(value, path, f"have value less than or equal to {greatest}")
    return None


def checkpoint_violation(raw):
    try:
        points = [int(point) for point in as_list(raw.get("CheckpointPercentages"))]
    except ValueError:
        points = None
    if points is None or any(point < 1 or point > 100 for point in points):
        sent = f"[{', '.join(map(str, as_list(raw.get('CheckpointPercentages'))))}]"
        return violation(sent, "preferences.checkpointPercentages",
                         "satisfy constraint: [Member must have value greater than or equal to "
                         "1, Member must have value less than or equal to 100]")
    return None


def preference_violations(raw):
    found = []
    for name in INTEGER_PREFERENCES:
        if name in raw:
            found.append(integer_violation(raw, name, f"preferences.{name[0].lower()}{name[1:]}"))
    for name, allowed in ENUM_PREFERENCES.items():
        if name in raw and raw[name] not in allowed:
            found.append(violation(raw[name], f"preferences.{name[0].lower()}{name[1:]}",
                                   f"satisfy enum value set: [{', '.join(allowed)}]"))
    if "CheckpointPercentages" in raw:
        found.append(checkpoint_violation(raw))
    return [item for item in found if item]


def start_violations(request):
    found = name_violations(request)
    strategy = request.get("Strategy")
    if strategy is not None and strategy not in STRATEGIES:
        found.append(violation(strategy, "strategy",
                               f"satisfy enum value set: [{', '.join(STRATEGIES)}]"))
    return found + preference_violations(as_dict(request.get("Preferences")))


# --- StartInstanceRefresh's rules ------------------------------------------------------------

def preferences(raw):
    """The preferences as sent, typed, with AWS's defaults filled in, as Describe shows them."""
    prefs = dict(DEFAULT_PREFERENCES)
    for name in INTEGER_PREFERENCES:
        if name in raw:
            prefs[name] = int(raw[name])
    if "CheckpointPercentages" in raw:
        prefs["CheckpointPercentages"] = [int(p) for p in as_list(raw["CheckpointPercentages"])]
        prefs.setdefault("CheckpointDelay", DEFAULT_CHECKPOINT_DELAY)
    for name in ("SkipMatching", "AutoRollback"):
        if name in raw:
            prefs[name] = str(raw[name]).lower() == "true"
    for name in ENUM_PREFERENCES:
        if name in raw:
            prefs[name] = raw[name]
    if "AlarmSpecification" in raw:
        alarms = as_list(as_dict(raw["AlarmSpecification"]).get("Alarms"))
        prefs["AlarmSpecification"] = {"Alarms": alarms}
    return {name: prefs[name] for name in PREFERENCE_ORDER if name in prefs}


def preference_rule(raw, prefs):
    """The message of the rule between preferences the request breaks, or None."""
    if "MaxHealthyPercentage" in raw and "MinHealthyPercentage" not in raw:
        return ("The request isn't valid. You must specify MinHealthyPercentage when you "
                "specify MaxHealthyPercentage.")
    if prefs.get("MaxHealthyPercentage", 100) - prefs["MinHealthyPercentage"] > 100:
        return ("The request isn't valid. The difference between MaxHealthyPercentage and "
                "MinHealthyPercentage can't be greater than 100.")
    if "CheckpointDelay" in raw and not prefs.get("CheckpointPercentages"):
        return ("The request isn't valid. You must specify CheckpointPercentages when you "
                "specify CheckpointDelay.")
    points = prefs.get("CheckpointPercentages", [])
    if points != sorted(set(points)):
        return ("The request isn't valid. CheckpointPercentages must be unique and in "
                "ascending order.")
    return None


def find_template(ec2, spec):
    """The EC2 launch template a LaunchTemplateSpecification names, checked as AWS checks it."""
    template_id, name = spec.get("LaunchTemplateId"), spec.get("LaunchTemplateName")
    if bool(template_id) == bool(name):
        raise Refused("ValidationError",
                      "Valid requests must contain either launchTemplateId or LaunchTemplateName")
    if template_id:
        template, named = ec2.launch_templates.get(template_id), f"ID {template_id}"
    else:
        template = ec2.launch_templates.get(ec2.launch_template_name_to_ids.get(name))
        named = f"name {name}"
    if template is None:
        raise Refused("ValidationError", "You must use a valid fully-formed launch template. "
                      f"The specified launch template, with template {named}, does not exist.")
    return template


def template_version(template, version):
    """The launch template version a version string ($Latest, $Default or a number) names."""
    text = str(version or "$Default")
    known = text.lower() in ("$latest", "$default") or (
        text.isdigit() and 1 <= int(text) <= len(template.versions))
    if not known:
        raise Refused("ValidationError", "You must use a valid fully-formed launch template. "
                      f"The launch template {template.id} has no version {text}.")
    return template.get_version(text)


def resolved_spec(spec, ec2):
    """A LaunchTemplateSpecification with both the template's id and name, its version as sent."""
    spec = as_dict(spec)
    template = find_template(ec2, spec)
    template_version(template, spec.get("Version"))
    return {"LaunchTemplateId": template.id, "LaunchTemplateName": template.name,
            "Version": spec.get("Version")}


def desired_configuration(raw, ec2):
    """The desired configuration as Describe shows it, or None when none was sent."""
    raw = as_dict(raw)
    if not raw:
        return None
    if "LaunchTemplate" in raw:
        return {"LaunchTemplate": resolved_spec(raw["LaunchTemplate"], ec2)}
    if "MixedInstancesPolicy" in raw:
        policy = copy.deepcopy(as_dict(raw["MixedInstancesPolicy"]))
        launch = policy["LaunchTemplate"] = as_dict(policy.get("LaunchTemplate"))
        launch["LaunchTemplateSpecification"] = resolved_spec(
            launch.get("LaunchTemplateSpecification"), ec2)
        return {"MixedInstancesPolicy": policy}
    raise Refused("ValidationError", "The request isn't valid. A desired configuration must "
                  "specify either a LaunchTemplate or a MixedInstancesPolicy.")


def rollback_blocker(group):
    """Why AWS could not roll the group back to its configuration, or None: AWS rolls back only
    to a numbered launch template version whose image is an AMI id."""
    template = group.ec2_launch_template
    if template is None:
        return "the Auto Scaling group uses a launch configuration"
    version = str(getattr(group, "launch_template_version", "$Default"))
    if not version.isdigit():
        return "the Auto Scaling group uses the $Latest or $Default version of its launch template"
    try:
        image = template.get_version(version).image_id or ""
    except Exception:  # a version that no longer exists
        return (f"the Auto Scaling group uses version {version} of its launch template, which "
                "does not exist")
    if image.startswith("resolve:ssm:"):
        return ("the Auto Scaling group's launch template uses a Systems Manager parameter "
                "instead of an AMI ID")
    return None


def check_auto_rollback(group, desired):
    if desired is None:
        raise Refused("ValidationError", "The request isn't valid. The AutoRollback parameter "
                      "cannot be set to true when the DesiredConfiguration parameter is empty. "
                      "Set AutoRollback to false or specify a desired configuration and try "
                      "again.")
    blocker = rollback_blocker(group)
    if blocker:
        raise Refused("ValidationError", "The request isn't valid. The AutoRollback parameter "
                      f"cannot be set to true when {blocker}. Set AutoRollback to false and try "
                      "again.")
