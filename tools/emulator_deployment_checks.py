"""The deployment settings an ECS service keeps, and the checks AWS makes of them on CreateService
and UpdateService: the deployment configuration (strategy, canary and linear steps, bake times),
availabilityZoneRebalancing, and the load balancers' advancedConfiguration that blue/green,
linear and canary deployments shift traffic with (see emulator_deployments.py)."""

import copy

import emulator_wire as wire
from emulator_wire import Refused

STRATEGIES = ("ROLLING", "BLUE_GREEN", "LINEAR", "CANARY")
# How AWS names a strategy in "advancedConfiguration field is required ... when using the X
# deployment strategy" (seen answered as ClientException for CANARY and Blue/green).
STRATEGY_WORDS = {"BLUE_GREEN": "Blue/green", "LINEAR": "linear", "CANARY": "canary"}
REBALANCING = ("ENABLED", "DISABLED")
# AWS's defaults for the canary and linear steps (API reference: CanaryConfiguration,
# LinearConfiguration), used when the service's configuration leaves them out.
CANARY_DEFAULTS = {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 10}
LINEAR_DEFAULTS = {"stepPercent": 10.0, "stepBakeTimeInMinutes": 6}
MAX_BAKE_MINUTES = 1440
ADVANCED_REQUIRED = ("alternateTargetGroupArn", "productionListenerRule", "roleArn")


def invalid(message):
    return Refused("InvalidParameterException", message)


def enum_violation(value, member, allowed):
    return invalid(f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
                   f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]")


# --- What the service keeps ------------------------------------------------------------------

def default_configuration(scheduling):
    """The deploymentConfiguration AWS reports for a service that was given none: the
    scheduler's task percentages, circuit breaker and alarms off, the rolling strategy."""
    daemon = scheduling == "DAEMON"
    return {
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "maximumPercent": 100 if daemon else 200,
        "minimumHealthyPercent": 0 if daemon else 100,
        "alarms": {"alarmNames": [], "rollback": False, "enable": False},
        "strategy": "ROLLING",
    }


def kept_configuration(sent, current, scheduling):
    """The deploymentConfiguration a service keeps after a request: the members sent replace the
    current ones, the others stay (a new service starts from AWS's defaults). A canary or linear
    configuration is kept only with its own strategy: AWS drops it silently otherwise."""
    kept = copy.deepcopy(current) if current else default_configuration(scheduling)
    for member, value in (sent or {}).items():
        if value is not None:
            kept[member] = copy.deepcopy(value)
    kept.setdefault("strategy", "ROLLING")
    if kept["strategy"] != "CANARY":
        kept.pop("canaryConfiguration", None)
    if kept["strategy"] != "LINEAR":
        kept.pop("linearConfiguration", None)
    return kept


def steps(configuration):
    """The canary or linear configuration in force, AWS's defaults filling what is left out."""
    if configuration.get("strategy") == "CANARY":
        return {**CANARY_DEFAULTS, **(configuration.get("canaryConfiguration") or {})}
    if configuration.get("strategy") == "LINEAR":
        return {**LINEAR_DEFAULTS, **(configuration.get("linearConfiguration") or {})}
    return {}


def kept_rebalancing(request, current):
    """availabilityZoneRebalancing after a request. CreateService without it: ENABLED when the
    service is compatible with rebalancing, DISABLED for daemon services and binpack placement.
    UpdateService without it: the current value (DISABLED if the service never had one)."""
    value = request.get("availabilityZoneRebalancing")
    if value is not None:
        if value not in REBALANCING:
            raise enum_violation(value, "availabilityZoneRebalancing", REBALANCING)
        return value
    if current is not None:
        return current
    return "DISABLED"


def rebalancing_on_create(request):
    if request.get("availabilityZoneRebalancing") is not None:
        return kept_rebalancing(request, None)
    binpack = any(p.get("type") == "binpack" for p in request.get("placementStrategy") or [])
    return "DISABLED" if request.get("schedulingStrategy") == "DAEMON" or binpack else "ENABLED"


# --- The deployment configuration ------------------------------------------------------------

def check_percent(value, member, least):
    """A percentage AWS takes in multiples of 0.1 from `least` to 100.0."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not least <= number <= 100 or abs(number * 10 - round(number * 10)) > 1e-6:
        raise invalid(f"Invalid {member} value {value}: valid values are multiples of 0.1 from "
                      f"{least} to 100.0.")


def check_bake_time(holder, member):
    value = holder.get(member)
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_BAKE_MINUTES:
        raise invalid(f"Invalid {member} value {value}: valid values are 0 to 1440 minutes "
                      "(24 hours).")


def check_configuration(configuration):
    strategy = configuration.get("strategy")
    if strategy not in STRATEGIES:
        raise enum_violation(strategy, "deploymentConfiguration.strategy", STRATEGIES)
    check_bake_time(configuration, "bakeTimeInMinutes")
    if strategy == "CANARY":
        canary = configuration.get("canaryConfiguration") or {}
        if "canaryPercent" in canary:
            check_percent(canary["canaryPercent"], "canaryPercent", 0.1)
        check_bake_time(canary, "canaryBakeTimeInMinutes")
    if strategy == "LINEAR":
        linear = configuration.get("linearConfiguration") or {}
        if "stepPercent" in linear:
            check_percent(linear["stepPercent"], "stepPercent", 3.0)
        check_bake_time(linear, "stepBakeTimeInMinutes")


# --- The load balancers' advanced configuration ----------------------------------------------

def check_load_balancers(strategy, load_balancers, region):
    """AWS's checks of loadBalancers[].advancedConfiguration, in the order it makes them."""
    load_balancers = load_balancers or []
    advanced = [lb for lb in load_balancers if lb.get("advancedConfiguration")]
    for lb in advanced:
        if lb.get("loadBalancerName"):
            raise invalid("advancedConfiguration field is not allowed with ELBv1 loadBalancers")
    if advanced and len(advanced) != len(load_balancers):
        raise invalid("Either all or none of the provided loadBalancers must have "
                      "advancedConfiguration defined")
    if strategy != "ROLLING" and load_balancers and not advanced:
        raise Refused("ClientException", "advancedConfiguration field is required for all "
                      "loadBalancers when using the "
                      f"{STRATEGY_WORDS[strategy]} deployment strategy")
    seen = set()
    for lb in load_balancers:
        alternate = (lb.get("advancedConfiguration") or {}).get("alternateTargetGroupArn")
        for arn in (lb.get("targetGroupArn"), alternate):
            if arn and arn in seen:
                raise invalid(f"Duplicate targetGroupArn found: {arn}")
            seen.add(arn)
    for lb in advanced:
        check_advanced(lb["advancedConfiguration"], region)
        check_attached(lb, region)


def forwarded(found):
    """The target group ARNs a moto listener rule forwards to."""
    arns = set()
    for action in found.actions:
        data = action.data
        if data.get("TargetGroupArn"):
            arns.add(data["TargetGroupArn"])
        for group in (data.get("ForwardConfig") or {}).get("TargetGroups", []):
            arns.add(group.get("TargetGroupArn"))
    return arns


def check_attached(lb, region):
    """As in AWS, both target groups must be attached to the load balancer through the
    production listener rule: ECS moves the traffic between them on that rule."""
    advanced = lb["advancedConfiguration"]
    production = rule(wire.backend("elbv2", region), advanced["productionListenerRule"])
    if production is None:
        return
    for arn in (lb.get("targetGroupArn"), advanced["alternateTargetGroupArn"]):
        if arn not in forwarded(production):
            raise invalid(f"The target group {arn} does not have an associated load balancer.")


def check_advanced(advanced, region):
    test, production = advanced.get("testListenerRule"), advanced.get("productionListenerRule")
    if test and not production:
        raise invalid("advancedConfiguration.testListenerRule can't be set without "
                      "advancedConfiguration.productionListenerRule.")
    for member in ADVANCED_REQUIRED:
        if not advanced.get(member):
            raise invalid(f"advancedConfiguration.{member} is required.")
    if test == production:
        raise invalid("The following rules cannot be used as both production and test "
                      f"listener rules: {production}")
    elbv2 = wire.backend("elbv2", region)
    alternate = advanced["alternateTargetGroupArn"]
    if alternate not in elbv2.target_groups:
        raise invalid(f"The target group {alternate} does not exist.")
    for member in ("productionListenerRule", "testListenerRule"):
        if advanced.get(member):
            check_rule(elbv2, member, advanced[member])
    try:
        wire.backend("iam", "aws").get_role_by_arn(advanced["roleArn"])
    except Exception:  # moto's NoSuchEntity
        raise invalid(f"Unable to assume role {advanced['roleArn']}: the role does not exist.")


def check_rule(elbv2, member, arn):
    """A listener rule (Application Load Balancer) or a listener (Network Load Balancer)."""
    if ":listener/" in arn:
        found = listener(elbv2, arn)
        if found is None:
            raise invalid(f"One or more listeners not found: {arn}")
        if found[0].type == "network":
            return
    if ":listener-rule/" not in arn:
        raise invalid(f"{member} has an invalid ARN format. Must be RuleArn for ALB or "
                      f"ListenerArn for NLB. Got: {arn}")
    if rule(elbv2, arn) is None:
        raise invalid(f"One or more rules not found: {arn}")


def listener(elbv2, arn):
    """(load balancer, listener) of a listener ARN, or None."""
    for balancer in elbv2.load_balancers.values():
        if arn in balancer.listeners:
            return balancer, balancer.listeners[arn]
    return None


def rule(elbv2, arn):
    """moto's listener rule of an ARN, or None."""
    for balancer in elbv2.load_balancers.values():
        for found in balancer.listeners.values():
            for candidate in found.rules.values():
                if candidate.arn == arn:
                    return candidate
    return None
