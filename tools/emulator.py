"""The local AWS emulator for the acceptance tests: moto's server with a control layer.

Serves every AWS API moto implements on one endpoint, plus, under /_ecsprod/:

- GET  /_ecsprod/health              ready check
- GET  /_ecsprod/calls               {"<service>.<Action>": count, ...} since the last reset
- GET  /_ecsprod/requests?action=A   bodies of the last requests of action A (newest last)
- POST /_ecsprod/faults              replace the fault rules (JSON list, see below)
- POST /_ecsprod/reset               clear counters, recorded requests and fault rules
                                     (moto's own POST /moto-api/reset wipes its state)

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
              rolling out (IN_PROGRESS, no task running yet).
Errors use each protocol's own format: awsJson, EC2 query, query XML, REST XML.

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
import uuid
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

JSON_SERVICES = {
    "ecs", "logs", "ssm", "secretsmanager", "acm", "application-autoscaling", "kms",
}
EC2_SERVICES = {"ec2"}
REST_XML_SERVICES = {"route53"}
THROTTLE_CODE = {
    "ec2": "RequestLimitExceeded",
    "ecs": "ThrottlingException",
    "logs": "ThrottlingException",
    "ssm": "ThrottlingException",
    "secretsmanager": "ThrottlingException",
    "acm": "ThrottlingException",
    "application-autoscaling": "ThrottlingException",
    "kms": "ThrottlingException",
}
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
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


class Control:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = defaultdict(int)
        self.requests = defaultdict(lambda: deque(maxlen=200))
        self.rules = []

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
    if service in REST_XML_SERVICES:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        for verb, pattern, action in ROUTE53_ACTIONS:
            if verb == method and pattern.search(path):
                return service, action
        return service, f"{method} {path}"
    params = parse_qs(body.decode("utf-8", "replace")) if body else {}
    if "Action" not in params:
        params = parse_qs(environ.get("QUERY_STRING", ""))
    action = params.get("Action", ["unknown"])[0]
    return service, action


def error_response(service, code, message, status):
    request_id = str(uuid.uuid4())
    if service in JSON_SERVICES:
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", code),
        ]
    elif service in EC2_SERVICES:
        body = (
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error>"
            f"<Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    else:
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ErrorResponse><Error>"
            f"<Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    headers.append(("Content-Length", str(len(body))))
    return status, headers, body


def throttle(service):
    code = THROTTLE_CODE.get(service, "Throttling")
    return error_response(service, code, "Rate exceeded (injected by the test emulator)", 400)


def internal_error(service):
    code = "InternalFailure" if service in JSON_SERVICES else "InternalError"
    return error_response(service, code, "Internal error (injected by the test emulator)", 500)


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


class App:
    def __init__(self):
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.control = Control()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_ecsprod/"):
            return self.control_api(environ, start_response, path)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        service, action = identify(environ, body)
        self.control.record(service, action, body)
        fault = self.control.pick_fault(service, action)
        if fault:
            mode = fault.get("mode")
            if mode == "latency":
                time.sleep(fault.get("delay_ms", 100) / 1000.0)
            elif mode == "throttle":
                return self.send(start_response, *throttle(service))
            elif mode == "error":
                return self.send(start_response, *internal_error(service))
            elif mode == "fail":
                status = int(fault.get("status", 400))
                code = fault.get("code", "ValidationError")
                message = fault.get("message", "Failure injected by the test emulator")
                return self.send(start_response, *error_response(service, code, message, status))
            elif mode == "rollback":
                return self.rewrite_services(environ, start_response, roll_back)
            elif mode == "in_progress":
                return self.rewrite_services(environ, start_response, still_deploying)
            elif mode == "lost":
                # Run the call for real, drop its response.
                result = self.moto(environ, lambda *a, **k: None)
                for _ in result:
                    pass
                if hasattr(result, "close"):
                    result.close()
                return self.send(start_response, *internal_error(service))
        return self.moto(environ, start_response)

    def rewrite_services(self, environ, start_response, rewrite):
        """Runs a DescribeServices call, then rewrites each service in its answer."""
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self.moto(environ, capture))
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            for service in doc.get("services", []):
                rewrite(service)
            body = json.dumps(doc).encode()
        headers = [(k, v) for k, v in captured.get("headers", []) if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(captured.get("status", "200 OK"), headers)
        return [body]

    @staticmethod
    def send(start_response, status, headers, body):
        reason = {400: "Bad Request", 500: "Internal Server Error"}.get(status, "Error")
        start_response(f"{status} {reason}", headers)
        return [body]

    def control_api(self, environ, start_response, path):
        method = environ.get("REQUEST_METHOD", "GET")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if path == "/_ecsprod/health":
            return self.json(start_response, {"ok": True})
        if path == "/_ecsprod/calls":
            with self.control.lock:
                return self.json(start_response, dict(self.control.calls))
        if path == "/_ecsprod/requests":
            action = query.get("action", [""])[0]
            with self.control.lock:
                return self.json(start_response, list(self.control.requests.get(action, [])))
        if path == "/_ecsprod/faults" and method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            rules = json.loads(environ["wsgi.input"].read(length) or b"[]")
            with self.control.lock:
                self.control.rules = rules
            return self.json(start_response, {"rules": len(rules)})
        if path == "/_ecsprod/reset" and method == "POST":
            self.control.reset()
            return self.json(start_response, {"reset": True})
        return self.send(start_response, 404, [("Content-Type", "text/plain")], b"not found")

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
