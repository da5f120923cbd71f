"""The local AWS emulator for the acceptance tests: moto's server with a control layer.

Serves every AWS API moto implements on one endpoint, plus, under /_ecsprod/:

- GET  /_ecsprod/health              ready check
- GET  /_ecsprod/calls               {"<service>.<Action>": count, ...} since the last reset
- GET  /_ecsprod/inflight            {"inflight": n}: AWS requests being answered now
- GET  /_ecsprod/requests?action=A   bodies of the last requests of action A (newest last)
- POST /_ecsprod/faults              replace the fault rules (JSON list, see below)
- POST /_ecsprod/reset               clear counters, recorded requests and fault rules
                                     (moto's own POST /moto-api/reset wipes its state)
- GET|POST /_ecsprod/limits          AWS's request-rate limits: per service, read/write token
                                     buckets; on with ECSPROD_EMULATOR_RATE_LIMITS=1 or POST
                                     {"enabled": true}; see emulator_limits.py
- POST /_ecsprod/parameter           {"region": R, "name": N, "value": V}: a new version of
                                     parameter N in region R (created if missing), as when AWS
                                     publishes a new value of a public parameter such as
                                     /aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/
                                     image_id, which PutParameter may not write; GetParameter(s)
                                     then answer V with the next Version. Answers {"version": n}.
                                     A moto reset brings back moto's bundled values.

A fault rule: {"service": "ecs" | null, "action": "CreateService" | null, "mode": MODE,
"times": N | null, "probability": P | null, "delay_ms": D}. MODE is one of
- "throttle": answer the service's throttling error without running the call;
- "error":    answer a 500 internal error without running the call;
- "lost":     run the call, then answer a 500 as if the response was lost;
- "latency":  wait delay_ms, then run the call;
- "fail":     answer the error "code" (with HTTP "status", default 400) without running the call;
- "rollback": (ECS DescribeServices) run the call, then report every deployment as rolled back
              by the circuit breaker, with failed tasks and a service event saying why;
- "in_progress": (ECS DescribeServices) run the call, then report every deployment as still
              rolling out (IN_PROGRESS, no task running yet);
- "alarm_fires": (ECS UpdateService or CreateService) run the call; the deployment it starts runs
              into its first production traffic step (ROLLING: 0.6 s), then the deployment
              alarm "alarm" (default: the first of deploymentConfiguration.alarms.alarmNames)
              goes to ALARM (in CloudWatch too): the deployment FAILED, with ECS's events, and,
              with alarms.rollback, rolled back (ROLLBACK_IN_PROGRESS, then ROLLBACK_SUCCESSFUL:
              taskDefinition and the production rule's weights back on the previous revision,
              the failed deployment gone from DescribeServices), else STOPPED; with no previous
              revision (CreateService) ROLLBACK_FAILED. An alarm ECS does not watch (alarms not
              enabled, or not among alarmNames) fires without failing the deployment;
- "rolled_back": (ECS UpdateService) run the call; the deployment it starts is failed by the
              circuit breaker and rolled back before the next read of any kind: DescribeServices
              then shows only the previous revision's deployment, with events saying so, and
              ListServiceDeployments the deployment ROLLBACK_SUCCESSFUL;
- "refresh_fails": (Auto Scaling StartInstanceRefresh) run the call; the refresh it starts fails
              after its InProgress steps: Failed with a StatusReason saying its replacement
              instances failed their health checks or, when its preferences have AutoRollback,
              RollbackInProgress then RollbackSuccessful with that reason and RollbackDetails;
- "refresh_stalls": (Auto Scaling StartInstanceRefresh) run the call; the refresh it starts stays
              InProgress at 0 % until it is cancelled or rolled back.
(A refresh_*, alarm_fires or rolled_back rule that matches another call lets it run as usual.)
Errors use each protocol's own format: awsJson, EC2 query, query XML, REST XML, rpc-v2-cbor.
A rule with "after": N lets the first N matching calls through before it applies.

As in AWS, every request is first checked against its service's model (botocore's: required
members, types, enums, lengths, patterns, ranges, sizes) and refused in AWS's words if it breaks
it (see emulator_models.py; ECSPROD_EMULATOR_MODELS=0 turns that off), and creates of an object
that already exists answer as AWS does where moto differs (see emulator_creates.py): ELBv2 the
existing load balancer, target group or listener, Auto Scaling AlreadyExists, ECS ClientException
(capacity provider) or InvalidParameterException (service, unless it repeats its clientToken).

Always, as in AWS: DeregisterScalableTarget deletes the target's scaling policies with their
alarms and its scheduled actions, and a target it does not find is ObjectNotFoundException (moto
keeps the policies and answers ValidationException; see emulator_patches.py); RemoveRoleFromInstanceProfile of a role the profile does not hold
answers NoSuchEntity (moto answers 500); UpdateCapacityProvider changes managed draining (moto ignores it);
UpdateAutoScalingGroup changes CapacityRebalance (moto ignores it) and keeps the group's mixed
instances policy when it names none (moto drops it); a group's instances report the launch
template version they were launched from (moto reports the group's current one); Auto Scaling instance
refreshes (StartInstanceRefresh, DescribeInstanceRefreshes, CancelInstanceRefresh,
RollbackInstanceRefresh), which moto does not implement, are answered with AWS's shapes,
validation and error codes (InstanceRefreshInProgress, ActiveInstanceRefreshNotFound,
IrreversibleInstanceRefresh), each DescribeInstanceRefreshes moving a refresh one step on
(Pending, InProgress 0 %, InProgress 50 %, Successful); a successful refresh puts the group on
its desired configuration and replaces the instances it covers (see emulator_refresh.py).
CloudWatch Logs AssociateKmsKey and DisassociateKmsKey, which moto does not implement, set and
remove a log group's kmsKeyId (by logGroupName, or its ARN as resourceIdentifier; a query-result
one is accepted and ignored), a missing group answering ResourceNotFoundException; they and
CreateLogGroup refuse with InvalidParameterException a kmsKeyId that is not the ARN of an enabled
key of the call's region (moto keeps any string; see emulator_patches.py).

ECS service deployments run as in AWS (see emulator_deployments.py; moto keeps one deployment
that never changes): services keep deploymentConfiguration (with AWS's defaults: strategy
ROLLING, 200/100 %, circuit breaker and alarms off) and availabilityZoneRebalancing (ENABLED on
create unless DAEMON or binpack), checked as AWS checks them with loadBalancers[].
advancedConfiguration; CreateService and UpdateService with a new task definition (or revision
setting, or forceNewDeployment) start a service deployment: ROLLING ones complete at once,
BLUE_GREEN, CANARY and LINEAR ones go through SCALE_UP, TEST_TRAFFIC_SHIFT,
PRODUCTION_TRAFFIC_SHIFT steps, BAKE_TIME and CLEAN_UP by wall-clock time (0.3 s a stage; a
minute of bake time lasts ECSPROD_EMULATOR_MINUTE_SECONDS seconds, default 1), moving the
production listener rule's forward weights to the target group not in production and the test
rule to it; ListServiceDeployments, DescribeServiceDeployments and DescribeServiceRevisions
answer the history; DeleteService stops a deployment in progress; the service's taskDefinition
is an ARN (moto keeps UpdateService's family:revision); UpdateService of a deleted service
answers ServiceNotActiveException (moto updates it).

ECS containers and Service Connect as in AWS (see emulator_containers.py): task definitions keep
a container healthCheck's defaults (interval 30, timeout 5, retries 3); RegisterTaskDefinition
refuses (ClientException) health checks out of range or without command, duplicate container
names, no essential container, dependsOn on an unknown container, with an unknown condition,
HEALTHY on a container without healthCheck, COMPLETE/SUCCESS on an essential one, or in a cycle,
a Fargate stopTimeout outside 2-120, container memory, memoryReservation or cpu above the task's;
services keep enableExecuteCommand (false by default; moto drops it on create); DescribeClusters
returns configuration only with include CONFIGURATIONS; executeCommandConfiguration's logging
and logConfiguration are checked; a new serviceConnectDefaults namespace name makes a Cloud Map
HTTP namespace, "" removes it; each deployment in DescribeServices has its revision's
serviceConnectConfiguration and serviceConnectResources (the Cloud Map services ECS makes), an
unknown namespace answering NamespaceNotFoundException and a portName that names no portMappings
InvalidParameterException.

Cloud Map as in AWS (see emulator_cloudmap.py): CreateHttpNamespace with the name of a namespace
of the region answers NamespaceAlreadyExists, with that namespace's NamespaceId and
CreatorRequestId, unless it repeats that CreatorRequestId (a retried create: the original
OperationId; moto makes a second namespace); DeleteNamespace of a namespace that holds services
and DeleteService of a service with registered instances answer ResourceInUse (moto deletes
them); ListNamespaces and ListServices apply their Filters (moto ignores them).

EventBridge Scheduler as in AWS (see emulator_scheduler.py): its REST calls are counted, faulted
and recorded by operation name, recorded as JSON with their path and query members; CreateSchedule
and UpdateSchedule check the model's constraints, schedule expressions (at, rate, cron), IANA time
zones, FlexibleTimeWindow (MaximumWindowInMinutes with FLEXIBLE only) and LaunchType with
CapacityProviderStrategy (moto checks none; ValidationException); CreateSchedule of a taken name
answers ConflictException 409 (moto: 400) unless it repeats the ClientToken that created it (a
retried create: its ARN), in a missing group ResourceNotFoundException (moto: 500); UpdateSchedule
replaces State and ActionAfterCompletion too (moto keeps them); GetSchedule omits null members.

Smithy RPC v2 CBOR requests (POST /service/<Service>/operation/<Operation>, what the AWS SDKs
send CloudWatch, SigV4 service monitoring; moto serves only awsJson and query) are translated
(see emulator_cbor.py): the CBOR body is decoded against the operation's input shape in
botocore's model and run as the awsJson call (X-Amz-Target), which the counters, fault rules and
recorded requests (its JSON body) see as <service>.<Operation>; the answer is encoded back to
CBOR against the output shape (timestamps as tag 1 epoch seconds), and errors, moto's and the
fault rules', are CBOR maps of __type (com.amazonaws.<service>#<Error>) and message, with the
query code in x-amzn-query-error for awsQueryCompatible services such as CloudWatch.

Usage: emulator.py PORT
"""

import io
import json
import os
import random
import re
import sys
import threading
import time
from collections import defaultdict, deque
from urllib.parse import parse_qs

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
os.environ.setdefault("MOTO_ACM_VALIDATION_WAIT", "0")
os.environ.setdefault("MOTO_ECS_SERVICE_RUNNING", "2")

from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple  # noqa: E402
from moto.core.utils import utcnow  # noqa: E402
from moto.iam import access_control  # noqa: E402
from moto.ssm.models import Parameter  # noqa: E402

sys.dont_write_bytecode = True  # no __pycache__ in tools/ for the emulator's own modules
import emulator_cbor as cbor  # noqa: E402
import emulator_cloudmap as cloudmap  # noqa: E402
import emulator_containers as containers  # noqa: E402
import emulator_models as models  # noqa: E402
import emulator_patches as patches  # noqa: E402
import emulator_scheduler as scheduler  # noqa: E402
import emulator_wire as wire  # noqa: E402
from emulator_deployments import (  # noqa: E402
    ACTIONS as DEPLOYMENT_ACTIONS, OUTCOMES as DEPLOYMENT_OUTCOMES, ServiceDeployments,
)
from emulator_refresh import ACTIONS as REFRESH_ACTIONS, OUTCOMES as REFRESH_OUTCOMES  # noqa: E402
from emulator_refresh import InstanceRefreshes  # noqa: E402
from emulator_creates import RepeatedCreates  # noqa: E402
import emulator_auth as auth  # noqa: E402
from emulator_limits import Limits, throttle  # noqa: E402
from emulator_wire import (  # noqa: E402
    CREDENTIAL_SCOPE, JSON_SERVICES, error_response, json_body, query_param,
)

# With IAM enforcement on (INITIAL_NO_AUTH_ACTION_COUNT), moto recomputes each request's SigV4
# signature from the form fields it parsed and re-encoded, which differs from what the AWS SDKs
# signed whenever a value holds a space or another escaped character, so valid requests fail
# with AuthFailure. Signature checking is therefore off; the access key must still belong to an
# IAM user, and that user's policies still decide every action.
access_control.IAMRequestBase.check_signature = lambda self: None
wire.iam_action_prefixes(access_control)


patches.apply()
for module in (containers, cloudmap, scheduler):
    module.install()


def publish_parameter(region, name, value):
    """A new version of a parameter, as when AWS publishes a new value of one of its public
    parameters (/aws/service/..., which PutParameter may not write). Returns the version."""
    history = wire.backend("ssm", region)._parameters[name]  # loads moto's bundled values
    last = history[-1] if history else None
    version = last.version + 1 if last else 1
    history.append(Parameter(
        account_id=wire.ACCOUNT_ID, name=name, value=value,
        parameter_type=last.parameter_type if last else "String",
        description=last.description if last else None, allowed_pattern=None,
        keyid=last.keyid if last else None, last_modified_date=utcnow(), version=version,
        data_type=last.data_type if last else "text",
    ))
    return version


ROUTE53_ACTIONS = [
    ("POST", re.compile(r"/hostedzone/[^/]+/rrset/?$"), "ChangeResourceRecordSets"),
    ("GET", re.compile(r"/hostedzone/[^/]+/rrset/?$"), "ListResourceRecordSets"),
    ("POST", re.compile(r"/hostedzone/?$"), "CreateHostedZone"),
    ("GET", re.compile(r"/hostedzone/?$"), "ListHostedZones"),
    ("GET", re.compile(r"/hostedzonesbyname/?$"), "ListHostedZonesByName"),
    ("GET", re.compile(r"/hostedzone/[^/]+/?$"), "GetHostedZone"),
    ("DELETE", re.compile(r"/hostedzone/[^/]+/?$"), "DeleteHostedZone"),
    ("GET", re.compile(r"/change/[^/]+/?$"), "GetChange"),
]
REST_ACTIONS = {"route53": ROUTE53_ACTIONS, "scheduler": scheduler.ROUTES}  # REST calls' names


class Control:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = defaultdict(int)
        self.requests = defaultdict(lambda: deque(maxlen=200))
        self.rules = []
        self.inflight = 0

    def reset(self):
        with self.lock:
            self.calls.clear()
            self.requests.clear()
            self.rules = []

    def record(self, service, action, body):
        with self.lock:
            self.calls[f"{service}.{action}"] += 1
            self.requests[action].append(body.decode("utf-8", "replace"))

    def pick_fault(self, service, action):
        with self.lock:
            for rule in self.rules:
                if rule.get("service") not in (None, service):
                    continue
                if rule.get("action") not in (None, action):
                    continue
                after = rule.get("after")
                if after:
                    rule["after"] = after - 1
                    continue
                times = rule.get("times")
                if times is not None and times <= 0:
                    continue
                probability = rule.get("probability")
                if probability is not None and random.random() >= probability:
                    continue
                if times is not None:
                    rule["times"] = times - 1
                return dict(rule)
        return None


def identify(environ, body):
    """(service, action) of an AWS request."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    m = CREDENTIAL_SCOPE.search(auth)
    service = m.group(2) if m else "unknown"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return service, target.rsplit(".", 1)[-1]
    if service in REST_ACTIONS:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        for verb, pattern, action in REST_ACTIONS[service]:
            if verb == method and pattern.search(path):
                return service, action
        return service, f"{method} {path}"
    params = parse_qs(body.decode("utf-8", "replace")) if body else {}
    if "Action" not in params:
        params = parse_qs(environ.get("QUERY_STRING", ""))
    action = params.get("Action", ["unknown"])[0]
    return service, action


def internal_error(service):
    code = "InternalFailure" if service in JSON_SERVICES else "InternalError"
    return error_response(service, code, "Internal error (injected by the test emulator)", 500)


def role_not_in_profile(body):
    """AWS's NoSuchEntity for removing a role an instance profile does not hold (moto answers
    500)."""
    profile_name = query_param(body, "InstanceProfileName")
    role = query_param(body, "RoleName")
    backend = wire.backend("iam", "aws")
    for profile in backend.get_instance_profiles():
        if profile.name == profile_name and not any(r.name == role for r in profile.roles):
            return error_response("iam", "NoSuchEntity",
                                  f"The role with name {role} cannot be found.", 404)
    return None


class App:
    def __init__(self):
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.control = Control()
        self.limits = Limits()
        self.creates = RepeatedCreates()
        self.refreshes = InstanceRefreshes()
        self.deployments = ServiceDeployments()
        self.containers = containers.Containers()
        self.checks = {"servicediscovery": (cloudmap.ACTIONS, cloudmap.CloudMap()),
                       "scheduler": (scheduler.ACTIONS, scheduler.Scheduler())}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_ecsprod/"):
            return self.control_api(environ, start_response, path)
        with self.control.lock:
            self.control.inflight += 1
        try:
            return self.handle(environ, start_response, path)
        finally:
            with self.control.lock:
                self.control.inflight -= 1

    def handle(self, environ, start_response, path):
        """Answers an AWS request: faults first, then AWS's behaviour where moto departs."""
        if cbor.is_rpcv2(environ):  # answered as the awsJson call it translates to
            return cbor.call(self, environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        service, action = identify(environ, body)
        self.control.record(service, action, scheduler.recorded(service, environ, body))
        if not self.limits.allow(service, action):  # AWS's rate limits, when on
            return self.send(start_response, *throttle(service, environ))
        fault = self.control.pick_fault(service, action)
        if fault:
            mode = fault.get("mode")
            if mode == "latency":
                time.sleep(fault.get("delay_ms", 100) / 1000.0)
            elif mode == "throttle":
                return self.send(start_response, *throttle(service, environ))
            elif mode == "error":
                return self.send(start_response, *internal_error(service))
            elif mode == "fail":
                status = int(fault.get("status", 400))
                code = fault.get("code", "ValidationError")
                message = fault.get("message", "Failure injected by the test emulator")
                return self.send(start_response, *error_response(service, code, message, status))
            elif mode in REFRESH_OUTCOMES or mode in DEPLOYMENT_OUTCOMES:
                return self.dispatch(environ, start_response, service, action, body, fault)
            elif mode == "lost":
                # Run the call for real, drop its response.
                result = self.dispatch(environ, lambda *a, **k: None, service, action, body)
                for _ in result:
                    pass
                if hasattr(result, "close"):
                    result.close()
                return self.send(start_response, *internal_error(service))
        return self.dispatch(environ, start_response, service, action, body)

    def dispatch(self, environ, start_response, service, action, body, fault=None):
        """Runs a call in moto once its model's checks pass, answering as AWS does first where
        moto does not (creates of existing objects, instance refreshes and ECS deployments, which
        end as the fault rule's mode says)."""
        answer = (models.refusal(environ, service, body)
                  or self.creates.answer(self.moto, environ, service, action, body))
        if answer is not None:
            return self.send(start_response, *answer)
        if service == "autoscaling" and action in REFRESH_ACTIONS:
            answer = self.refreshes.answer(environ, action, body, (fault or {}).get("mode"))
            return self.send(start_response, *answer)
        if service == "ecs" and action in containers.ACTIONS:
            refusal = self.containers.check(environ, action, body)
            if refusal is not None:
                return self.send(start_response, *refusal)
        actions, checker = self.checks.get(service, ((), None))
        if action in actions:  # AWS's answer, where moto's departs (None: moto's is AWS's)
            answer = checker.check(environ, action, body)
            if answer is not None:
                return self.send(start_response, *answer)
        if service == "ecs" and action in DEPLOYMENT_ACTIONS:
            answer = self.deployments.answer(self.moto, environ, action, body, fault)
            return self.send(start_response, *answer)
        if service == "iam" and action == "RemoveRoleFromInstanceProfile":
            answer = role_not_in_profile(body)
            if answer is not None:
                return self.send(start_response, *answer)
        return auth.answer(self.moto, environ, start_response, service)

    @staticmethod
    def send(start_response, status, headers, body):
        reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
                  409: "Conflict", 500: "Internal Server Error"}.get(status, "Error")
        start_response(f"{status} {reason}", headers)
        return [body]

    def control_api(self, environ, start_response, path):
        method = environ.get("REQUEST_METHOD", "GET")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if path == "/_ecsprod/health":
            return self.json(start_response, {"ok": True})
        if path == "/_ecsprod/inflight":
            with self.control.lock:
                return self.json(start_response, {"inflight": self.control.inflight})
        if path == "/_ecsprod/calls":
            with self.control.lock:
                return self.json(start_response, dict(self.control.calls))
        if path == "/_ecsprod/requests":
            action = query.get("action", [""])[0]
            with self.control.lock:
                return self.json(start_response, list(self.control.requests.get(action, [])))
        if path == "/_ecsprod/faults" and method == "POST":
            rules = json.loads(self.read_body(environ) or b"[]")
            with self.control.lock:
                self.control.rules = rules
            return self.json(start_response, {"rules": len(rules)})
        if path == "/_ecsprod/parameter" and method == "POST":
            return self.parameter(start_response, json_body(self.read_body(environ)))
        if path == "/_ecsprod/limits":
            return self.send(start_response, *self.limits.control(method, self.read_body(environ)))
        if path == "/_ecsprod/reset" and method == "POST":
            self.control.reset()
            self.limits.reset()
            return self.json(start_response, {"reset": True})
        return self.send(start_response, 404, [("Content-Type", "text/plain")], b"not found")

    def parameter(self, start_response, request):
        """POST /_ecsprod/parameter: a new value of a public parameter in a region."""
        missing = [key for key in ("region", "name", "value") if not request.get(key)]
        if missing:
            message = f"missing {', '.join(missing)}: send {{region, name, value}}".encode()
            return self.send(start_response, 400, [("Content-Type", "text/plain")], message)
        try:
            version = publish_parameter(request["region"], request["name"], request["value"])
        except KeyError:
            message = f"unknown region {request['region']}".encode()
            return self.send(start_response, 400, [("Content-Type", "text/plain")], message)
        return self.json(start_response, {"region": request["region"], "name": request["name"],
                                          "version": version})

    @staticmethod
    def read_body(environ):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return environ["wsgi.input"].read(length) if length else b""

    @staticmethod
    def json(start_response, value):
        body = json.dumps(value).encode()
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]


def main():
    port = int(sys.argv[1])
    run_simple(
        "127.0.0.1",
        port,
        App(),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
