"""ECS service deployments as AWS runs them, where moto keeps one deployment that never changes:
CreateService, UpdateService, DescribeServices and DeleteService, and ListServiceDeployments,
DescribeServiceDeployments and DescribeServiceRevisions, which moto does not implement.

A service keeps its deploymentConfiguration (AWS's defaults filled in) and
availabilityZoneRebalancing (checks in emulator_deployment_checks.py). CreateService, and an
UpdateService that changes the task definition or another revision setting or forces a new
deployment, start a service deployment (ARN .../service-deployment/CLUSTER/SERVICE/ID) of a new
service revision (.../service-revision/CLUSTER/SERVICE/ID). A ROLLING one completes at once.
BLUE_GREEN, CANARY and LINEAR ones move through AWS's lifecycle stages by wall-clock time
(emulator_deployment_stages.py):

    SCALE_UP -> TEST_TRAFFIC_SHIFT -> PRODUCTION_TRAFFIC_SHIFT (one step per canary or linear
    shift, each held for its step bake time) -> BAKE_TIME (bakeTimeInMinutes) -> CLEAN_UP

Each stage lasts 0.3 s; a minute of bake time lasts ECSPROD_EMULATOR_MINUTE_SECONDS seconds
(default 1). While one runs, DescribeServices lists it PRIMARY IN_PROGRESS and the previous one
ACTIVE; once done, it alone, PRIMARY COMPLETED. Its tasks go to the target group of the pair
(targetGroupArn, alternateTargetGroupArn) that the production listener rule does not forward to,
as ECS reads it from the rule; the production rule's forward weights move to that group step by
step, and the test rule forwards to it from TEST_TRAFFIC_SHIFT on. The service's loadBalancers
stay as configured: what alternates between deployments is the group the rules forward to.
A newer deployment stops one in progress (STOPPED, traffic back); DeleteService stops it too.

Fault outcomes (fault rules, see emulator.py): alarm_fires fails a deployment in its first
production traffic step when a deployment alarm goes to ALARM (rolled back with
alarms.rollback, else STOPPED); rolled_back fails it by the circuit breaker and rolls it back
before the next read; rollback and in_progress rewrite DescribeServices' answer."""

import copy
import json
import threading
import time
import uuid

from moto.core.exceptions import ServiceException

import emulator_wire as wire
from emulator_deployment_checks import (
    check_configuration, check_load_balancers, invalid, kept_configuration, kept_rebalancing,
    rebalancing_on_create,
)
from emulator_deployment_stages import (
    RUNNING, Deployment, advance_service, ecs_arn, failure_of, publish, stamp, track,
)
from emulator_wire import Refused, error_response, json_body, json_response

ACTIONS = ("CreateService", "UpdateService", "DescribeServices", "DeleteService",
           "ListServiceDeployments", "DescribeServiceDeployments", "DescribeServiceRevisions")
# The actions moto does not implement, authorized here as moto authorizes its own.
OWN_ACTIONS = ("ListServiceDeployments", "DescribeServiceDeployments", "DescribeServiceRevisions")
OUTCOMES = ("alarm_fires", "rolled_back", "rollback", "in_progress")
# Settings of a service revision: changing one starts a deployment (with the task definition).
REVISION_FIELDS = ("loadBalancers", "networkConfiguration", "platformVersion", "serviceRegistries",
                   "serviceConnectConfiguration", "volumeConfigurations",
                   "vpcLatticeConfigurations")
ROLLED_BACK = ("ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL")
STATUSES = ("PENDING", "SUCCESSFUL", "STOPPED", "STOP_REQUESTED", "IN_PROGRESS",
            "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")


# --- DescribeServices rewrites of the rollback and in_progress fault modes -------------------

def roll_back(service):
    """Every deployment rolled back by the circuit breaker, with the event saying why."""
    for deployment in service.get("deployments", []):
        deployment["rolloutState"] = "FAILED"
        deployment["rolloutStateReason"] = (
            "ECS deployment circuit breaker: tasks failed to start."
        )
        deployment["failedTasks"] = 3
    service.setdefault("events", []).insert(0, {
        "id": str(uuid.uuid4()),
        "createdAt": time.time(),
        "message": f"(service {service.get('serviceName')}) deployment failed: "
                   "tasks failed to start (essential container exited).",
    })


def still_deploying(service):
    """A deployment that has not finished: no task running yet, rollout IN_PROGRESS."""
    service["runningCount"] = 0
    service["pendingCount"] = service.get("desiredCount", 0)
    for deployment in service.get("deployments", []):
        deployment["rolloutState"] = "IN_PROGRESS"
        deployment["rolloutStateReason"] = "ECS deployment in progress."
        deployment["runningCount"] = 0
        deployment["pendingCount"] = deployment.get("desiredCount", 0)


REWRITES = {"rollback": roll_back, "in_progress": still_deploying}


def rewrite_services(answer, rewrite):
    """A DescribeServices answer with `rewrite` applied to each service in it."""
    status, headers, body = answer
    try:
        doc = json.loads(body)
    except ValueError:
        return answer
    if isinstance(doc, dict):
        for service in doc.get("services", []):
            rewrite(service)
        body = json.dumps(doc).encode()
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    return status, headers + [("Content-Length", str(len(body)))], body


# --- One call --------------------------------------------------------------------------------

class Call:
    """One ECS request: its region, parameters and fault rule, and moto to run it in."""

    def __init__(self, moto, environ, body, fault):
        self.moto, self.environ, self.fault = moto, environ, fault or {}
        self.region, self.request = wire.region(environ), json_body(body)
        self.backend = wire.backend("ecs", self.region)

    def run(self):
        """(status, headers, body) of moto's answer to the request."""
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self.moto(self.environ, capture))
        return int(captured["status"].split(" ", 1)[0]), captured["headers"], body

    def existing(self, cluster, name):
        """moto's service of that name or ARN in the cluster, or None."""
        cluster = (cluster or "default").rsplit("/", 1)[-1]
        return self.backend.services.get(f"{cluster}:{(name or '').rsplit('/', 1)[-1]}")

    def found(self):
        """The request's service, or AWS's ClusterNotFoundException/ServiceNotFoundException."""
        return self.backend._get_service(self.request.get("cluster") or "default",
                                         self.request.get("service") or "")

    def task_definition(self, service):
        name = self.request.get("taskDefinition")
        return self.backend.describe_task_definition(name).arn if name else service.task_definition


def revision(service, spec):
    """A new service revision of the service with `spec` (task definition and REVISION_FIELDS)."""
    found = {"serviceRevisionArn": ecs_arn(service, "service-revision", str(uuid.uuid4().int)[:19]),
             "serviceArn": service.arn, "clusterArn": service.cluster_arn,
             "launchType": service.launch_type, "platformVersion": service.platform_version,
             "createdAt": stamp(time.time()), **copy.deepcopy(spec)}
    track(service).revisions[found["serviceRevisionArn"]] = found
    return found


def revision_spec(request, production, task_definition):
    spec = {"taskDefinition": task_definition}
    for field in REVISION_FIELDS:
        value = request[field] if field in request else production.get(field)
        if value is not None:
            spec[field] = copy.deepcopy(value)
    return spec


def start(call, service, spec, configuration):
    """Starts a service deployment of a new revision with `spec`."""
    tr = track(service)
    for running in tr.deployments:
        if running.status in RUNNING:
            running.stop(service, restore=True)
    source = tr.revisions.get(tr.production)
    deployment = Deployment(service, revision(service, spec), source, configuration,
                            failure_of(call.fault, configuration, call.region),
                            tr.production_entry)
    tr.deployments.insert(0, deployment)
    service.task_definition = spec["taskDefinition"]
    if configuration["strategy"] == "ROLLING" and deployment.failure is None:
        deployment.succeed(service, deployment.created)
    else:
        deployment.begin(service)
    publish(service)


# --- The actions -----------------------------------------------------------------------------

def create_service(call):
    request = call.request
    configuration = kept_configuration(request.get("deploymentConfiguration"), None,
                                       request.get("schedulingStrategy"))
    check_configuration(configuration)
    check_load_balancers(configuration["strategy"], request.get("loadBalancers"), call.region)
    rebalancing = rebalancing_on_create(request)
    answer = call.run()
    if answer[0] != 200:
        return answer
    service = call.existing(request.get("cluster"), request.get("serviceName"))
    service.deployment_configuration = configuration
    service.availability_zone_rebalancing = rebalancing
    start(call, service, revision_spec(request, {}, service.task_definition), configuration)
    return json_response("ecs", "CreateService", {"service": service})


def update_service(call):
    request = call.request
    service = call.existing(request.get("cluster"), request.get("service"))
    if service is None:
        return call.run()
    if service.status != "ACTIVE":  # moto updates a deleted service
        raise Refused("ServiceNotActiveException", "Service was not ACTIVE.")
    advance_service(service)
    configuration = kept_configuration(request.get("deploymentConfiguration"),
                                       getattr(service, "deployment_configuration", None),
                                       service.scheduling_strategy)
    check_configuration(configuration)
    load_balancers = request.get("loadBalancers", service.load_balancers)
    check_load_balancers(configuration["strategy"], load_balancers, call.region)
    rebalancing = kept_rebalancing(request, getattr(service, "availability_zone_rebalancing", None))
    tr = track(service)
    latest = tr.deployments[0] if tr.deployments else None
    current = latest.target if latest and latest.status not in ROLLED_BACK else (
        tr.revisions.get(tr.production) or {})
    try:
        spec = revision_spec(request, current, call.task_definition(service))
    except ServiceException:  # an unknown task definition: moto answers as AWS does
        return call.run()
    changed = request.get("forceNewDeployment") or any(
        spec.get(field) != current.get(field) for field in ("taskDefinition",) + REVISION_FIELDS)
    answer = call.run()
    if answer[0] != 200:
        return answer
    service.deployment_configuration = configuration
    service.availability_zone_rebalancing = rebalancing
    service.task_definition = spec["taskDefinition"]  # moto keeps the request's family:revision
    if changed:
        start(call, service, spec, configuration)
    elif service.deployments and service.deployments[0].get("rolloutState") == "COMPLETED":
        service.deployments[0].update({  # a new desired count, reached at once as moto has it
            "desiredCount": service.desired_count, "runningCount": service.running_count,
            "pendingCount": service.pending_count})
    return json_response("ecs", "UpdateService", {"service": service})


def describe_services(call):
    for name in call.request.get("services") or []:
        service = call.existing(call.request.get("cluster"), name)
        if service is not None:
            advance_service(service)
    answer = call.run()
    rewrite = REWRITES.get(call.fault.get("mode"))
    return rewrite_services(answer, rewrite) if rewrite and answer[0] == 200 else answer


def delete_service(call):
    service = call.existing(call.request.get("cluster"), call.request.get("service"))
    if service is not None:
        advance_service(service)
    answer = call.run()
    if answer[0] == 200 and service is not None:
        for deployment in track(service).deployments:
            if deployment.status in RUNNING:
                deployment.stop(service, restore=False)
    return answer


def page(items, request, default, key):
    """One page of items (maxResults 1-100, default `default`) and the token of the next."""
    size = request.get("maxResults", default)
    if not isinstance(size, int) or not 1 <= size <= 100:
        raise invalid("maxResults must be between 1 and 100.")
    first, token = 0, request.get("nextToken")
    if token:
        after = [index for index, item in enumerate(items) if key(item) == token]
        if not after:
            raise invalid("The nextToken is not valid.")
        first = after[0] + 1
    chosen = items[first:first + size]
    more = first + size < len(items)
    return chosen, key(chosen[-1]) if more and chosen else None


def list_service_deployments(call):
    request = call.request
    service = call.found()
    statuses = request.get("status") or []
    for status in statuses:
        if status not in STATUSES:
            raise invalid(f"1 validation error detected: Value '{status}' at 'status' failed to "
                          f"satisfy constraint: Member must satisfy enum value set: "
                          f"[{', '.join(STATUSES)}]")
    created = request.get("createdAt") or {}
    advance_service(service)
    chosen = [d for d in track(service).deployments
              if (not statuses or d.status in statuses)
              and ("after" not in created or d.created >= float(created["after"]))
              and ("before" not in created or d.created <= float(created["before"]))]
    shown, token = page(chosen, request, 20, lambda d: d.arn)
    return json_response("ecs", "ListServiceDeployments", {
        "serviceDeployments": [d.describe(service) for d in shown], "nextToken": token})


def located(call, arn, kind):
    """The service of a service-deployment or service-revision ARN (`kind`), brought up to date,
    or None."""
    parts = arn.split(":", 5)[-1].split("/")
    if len(parts) != 4 or parts[0] != kind:
        return None
    service = call.existing(parts[1], parts[2])
    if service is not None:
        advance_service(service)
    return service


def described(call, member, kind, find):
    """ARNs of `member` described by find(service, arn), or failures MISSING, as AWS answers."""
    arns = call.request.get(member) or []
    if not arns or len(arns) > 20:
        raise invalid(f"{member} must contain between 1 and 20 ARNs.")
    found, failures = [], []
    for arn in arns:
        service = located(call, arn, kind)
        item = find(service, arn) if service is not None else None
        if item is None:
            failures.append({"arn": arn, "reason": "MISSING"})
        else:
            found.append(item)
    return found, failures


def describe_service_deployments(call):
    def find(service, arn):
        match = [d for d in track(service).deployments if d.arn == arn]
        return match[0].describe(service) if match else None

    found, failures = described(call, "serviceDeploymentArns", "service-deployment", find)
    found.sort(key=lambda d: d["createdAt"], reverse=True)
    return json_response("ecs", "DescribeServiceDeployments",
                         {"serviceDeployments": found, "failures": failures})


def describe_service_revisions(call):
    found, failures = described(call, "serviceRevisionArns", "service-revision",
                                lambda service, arn: track(service).revisions.get(arn))
    return json_response("ecs", "DescribeServiceRevisions",
                         {"serviceRevisions": found, "failures": failures})


HANDLERS = {
    "CreateService": create_service,
    "UpdateService": update_service,
    "DescribeServices": describe_services,
    "DeleteService": delete_service,
    "ListServiceDeployments": list_service_deployments,
    "DescribeServiceDeployments": describe_service_deployments,
    "DescribeServiceRevisions": describe_service_revisions,
}


class ServiceDeployments:
    """Answers ACTIONS for every region."""

    def __init__(self):
        self.lock = threading.Lock()

    def answer(self, moto, environ, action, body, fault=None):
        """(status, headers, body) of the answer to one of ACTIONS; `fault` is the fault rule
        that matched the call, if any (its mode one of OUTCOMES)."""
        if action in OWN_ACTIONS:
            refusal = wire.iam_refusal("ecs", environ, action, body)
            if refusal is not None:
                return refusal
        call = Call(moto, environ, body, fault)
        try:
            with self.lock:
                return HANDLERS[action](call)
        except Refused as refused:
            return error_response("ecs", refused.code, refused.message, 400)
        except ServiceException as error:  # moto's own, e.g. ClusterNotFoundException
            return error_response("ecs", error.code, error.message, 400)
