"""What the emulator's modules share: AWS's wire formats (errors, request parameters) and the
lookups of moto's per-region backends."""

import datetime
import json
import re
import threading
import uuid
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

ACCOUNT_ID = "123456789012"
JSON_SERVICES = {
    "ecs", "logs", "ssm", "secretsmanager", "acm", "application-autoscaling", "kms",
    "servicediscovery", "scheduler",
}
EC2_SERVICES = {"ec2"}
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
# The request being answered, where its service alone does not tell its protocol: CloudWatch
# is called in rpc-v2-cbor, awsJson and query alike; emulator_cbor.py sets cbor_error, the
# writer of its errors, while it runs an rpc-v2-cbor call.
REQUEST = threading.local()


class Refused(Exception):
    """An AWS error answer (HTTP 400)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def error_response(service, code, message, status, protocol=None):
    """(status, headers, body) of an AWS error in the service's own protocol, or in the protocol
    named (botocore's: json, rest-json, query, ec2, rest-xml)."""
    cbor_error = getattr(REQUEST, "cbor_error", None)
    if cbor_error is not None:
        return cbor_error(code, message, status)
    request_id = str(uuid.uuid4())
    if protocol is None:
        protocol = ("json" if service in JSON_SERVICES
                    else "ec2" if service in EC2_SERVICES else "query")
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", code),
        ]
    elif protocol == "ec2":
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


def query_param(body, name):
    return parse_qs(body.decode("utf-8", "replace")).get(name, [None])[0]


def json_body(body):
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def backend(name, region):
    """moto's backend of a service in a region of the emulator's account."""
    from moto.backends import get_backend

    return get_backend(name)[ACCOUNT_ID][region]


def region(environ):
    """The region a request is signed for."""
    m = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return m.group(1) if m else "us-east-1"


def query_struct(body):
    """A query-protocol request's parameters (A.B.member.1.C=v) as nested dicts and lists."""
    root = {}
    for key, values in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
        node = root
        parts = key.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1]] = values[0]
    return _as_lists(root)


def _as_lists(node):
    if not isinstance(node, dict):
        return node
    if list(node) == ["member"] and isinstance(node["member"], dict):
        members = node["member"]
        order = sorted(members, key=lambda index: int(index) if index.isdigit() else 0)
        return [_as_lists(members[index]) for index in order]
    return {key: _as_lists(value) for key, value in node.items()}


def xml_element(name, value):
    """<name>value</name> as the query protocol writes it: structures as elements in order, lists
    as <member> elements, booleans as true/false, timestamps in ISO 8601; None is left out."""
    if value is None:
        return ""
    if isinstance(value, dict):
        inner = "".join(xml_element(key, item) for key, item in value.items())
    elif isinstance(value, list):
        inner = "".join(xml_element("member", item) for item in value)
    elif isinstance(value, bool):
        inner = "true" if value else "false"
    elif isinstance(value, datetime.datetime):
        inner = value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        inner = escape(str(value))
    return f"<{name}>{inner}</{name}>"


def query_response(action, result, namespace):
    """(status, headers, body) of a query-protocol (XML) answer to action."""
    request_id = str(uuid.uuid4())
    body = (
        f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><{action}Response xmlns=\"{namespace}\">"
        f"{xml_element(f'{action}Result', result)}"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    ).encode()
    return 200, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id),
                 ("Content-Length", str(len(body)))], body


def json_response(service, operation, result):
    """(status, headers, body) of an awsJson answer to operation, written by moto's serializer
    from the botocore model: members outside the output shape and None values are left out,
    timestamps are epoch seconds."""
    from moto.core.serialize import JSONSerializer, XFormedAttributePicker
    from moto.core.utils import get_service_model

    model = get_service_model(service).operation_model(operation)
    out = JSONSerializer(operation_model=model, pretty_print=False,
                         value_picker=XFormedAttributePicker()).serialize(result)
    body = out["body"].encode() if isinstance(out["body"], str) else out["body"]
    return 200, [("Content-Type", "application/x-amz-json-1.1"),
                 ("x-amzn-RequestId", str(uuid.uuid4())),
                 ("Content-Length", str(len(body)))], body


def iam_refusal(service, environ, action, body):
    """moto's IAM check of a call it does not see, when it enforces IAM (past its
    INITIAL_NO_AUTH_ACTION_COUNT first calls, which this call counts among): the error answer
    when the caller's policies do not allow <service>:<action>, else None."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.exceptions import _RESTError
    from moto.iam.access_control import IAMRequest

    if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
        ActionAuthenticatorMixin.request_count += 1
        return None
    headers = {"Authorization": environ.get("HTTP_AUTHORIZATION", "")}
    try:
        IAMRequest(account_id=ACCOUNT_ID, method=environ.get("REQUEST_METHOD", "POST"),
                   path=environ.get("PATH_INFO", "/"), data={}, body=body, headers=headers,
                   action=action).check_action_permitted("*")
    except _RESTError as error:
        message = error.message if service in JSON_SERVICES else escape(error.message)
        return error_response(service, error.error_type, message, error.code)
    except (IndexError, KeyError):  # not signed
        return error_response(service, "MissingAuthenticationToken",
                              "Request is missing Authentication Token", 403)
    return None


# Signing names whose IAM action prefix differs: CloudWatch signs as `monitoring` and its
# actions are `cloudwatch:*` in IAM policies.
IAM_PREFIXES = {"monitoring": "cloudwatch"}


def iam_action_prefixes(access_control):
    """Makes moto's IAM enforcement check the action names IAM policies use: moto builds them
    from the signing name (`monitoring:PutMetricAlarm`), AWS from the service's IAM prefix
    (`cloudwatch:PutMetricAlarm`)."""
    original = access_control.IAMRequestBase.__init__

    def patched(self, *args, **kwargs):
        original(self, *args, **kwargs)
        service, _, name = self._action.partition(":")
        if service in IAM_PREFIXES:
            self._action = f"{IAM_PREFIXES[service]}:{name}"

    access_control.IAMRequestBase.__init__ = patched
