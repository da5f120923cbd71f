"""AWS's check of every request against its service's model, before the call runs: required
members, types, enums, string lengths and patterns, number ranges, list and map sizes, as in the
botocore model of the service (the model the AWS SDKs are generated from).

A request is matched to its service by its SigV4 signing name and protocol (X-Amz-Target prefix,
query Version, REST route), to its operation by target, Action or method and URI; its members are
read per protocol (see emulator_members.py; an rpc-v2-cbor call is checked as the awsJson call
emulator_cbor.py turns it into). A request that breaks the model is refused with HTTP 400 in its
protocol's error format, with the code the service answers (CODES) and AWS's words:
"1 validation error detected: Value 'x' at 'logGroupName' failed to satisfy constraint: Member
must have length less than or equal to 512" (members lowerCamel, list items as name.N.member);
EC2 answers the first broken member as MissingParameter or InvalidParameterValue, naming it as
its form does. Patterns are matched whole, as AWS's Java services match them.

Where an AWS SDK legitimately sends what this botocore model refuses, or a model constraint
cannot be checked here, SKEW says so, with the reason; nothing else is let through.
ECSPROD_EMULATOR_MODELS=0 turns the check off.
"""

import datetime
import email.utils
import os
import re
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import NamedTuple
from xml.sax.saxutils import escape

import emulator_wire as wire
from emulator_members import (
    Malformed, Unreadable, carried, form_fields, form_members, form_name, json_document,
    literal_length, rest_members, route,
)

ENABLED = os.environ.get("ECSPROD_EMULATOR_MODELS", "1") != "0"


class Skew(NamedTuple):
    """A constraint of the model not enforced: in a service and operation (botocore names, "*"
    any), at a member (its path as the message names it, fnmatch wildcards), of a kind
    (required, type, enum, length, range, pattern, unchecked-pattern)."""
    service: str
    operation: str
    member: str
    constraint: str
    reason: str


SKEW = (
    Skew("*", "*", "*", "unchecked-pattern",
         "Java regular expressions Python's re cannot read, even respelled by python_pattern: "
         "Unicode property classes (\\p{L}, \\P{C}, ...), \\z, \\x{...}, flags mid-pattern. "
         "In the services the provider calls only \\p{...} ones occur: the tag keys and values "
         "of ECS, ELBv2, IAM, STS, ACM, SSM, CloudWatch Logs and EventBridge "
         "([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*), Application Auto Scaling's PolicyName "
         "(\\p{Print}+), Route 53's CidrNonce (\\p{ASCII}+), CloudWatch's DefinitionPath and "
         "SSM's display names; those members are checked for all but their pattern."),
    Skew("ec2", "*", "*instanceType*", "enum",
         "EC2 checks an instance type against the types it offers, not against the model's "
         "InstanceType enum (which lags the types AWS adds): DescribeInstanceTypes of a type it "
         "does not know answers InvalidInstanceType \"The following supplied instance types do "
         "not exist: [x9.large]\" (as moto does), which the provider reports on instance_types "
         "(architectures.rs); a type newer than this model passes."),
)

# The error code of a request the model refuses, by botocore service name, as AWS's users
# report it (CloudWatch Logs: InvalidParameterException "1 validation error detected: ...";
# Cloud Map: InvalidInput; Route 53: InvalidInput; CloudWatch, being awsQueryCompatible, its
# query code ValidationError in every protocol); else by protocol: the awsJson and REST-JSON
# services' ValidationException (SSM, KMS, ACM, Secrets Manager, Application Auto Scaling,
# Scheduler; ECS too, for want of a report of its own), the query services' ValidationError
# (ELBv2, Auto Scaling, IAM, STS), EC2's InvalidParameterValue, and MissingParameter for a
# member it requires.
CODES = {
    "services": {"logs": "InvalidParameterException", "servicediscovery": "InvalidInput",
                 "route53": "InvalidInput", "cloudwatch": "ValidationError"},
    "protocols": {"json": "ValidationException", "rest-json": "ValidationException",
                  "query": "ValidationError", "rest-xml": "InvalidInput",
                  "ec2": "InvalidParameterValue"},
    # A JSON body whose value has the wrong JSON type is refused before the model's checks.
    "type": {"json": "SerializationException", "rest-json": "SerializationException"},
    "ec2 required": "MissingParameter",
}
XML_PROTOCOLS = ("query", "ec2", "rest-xml")
REDACTED = "*** Sensitive Data Redacted ***"
# The JSON types of each shape type (bool is no number).
JSON_TYPES = {"string": str, "blob": str, "boolean": bool, "integer": int, "long": int,
              "float": (int, float), "double": (int, float), "timestamp": (int, float, str),
              "list": list, "map": dict, "structure": dict}


class Violation(NamedTuple):
    """A constraint a member's value breaks: where (its steps from the input: (member name,
    shape) pairs, list item numbers from 1, map keys), the kind (as in Skew), the value and AWS's
    words for it."""
    kind: str
    at: tuple
    value: object
    constraint: str
    sensitive: bool = False


# --- the model's constraints -------------------------------------------------------------------

def python_pattern(pattern):
    """A model's Java regular expression as Python's re spells it, where only the spelling
    differs: a UTF-16 surrogate pair range (\\uD800\\uDC00-\\uDBFF\\uDFFF, every code point past
    the Basic Multilingual Plane) and a '-' after a class escape such as \\w (literal in Java)."""
    pattern = pattern.replace("\\uD800\\uDC00-\\uDBFF\\uDFFF", "\\U00010000-\\U0010FFFF")
    return re.sub(r"(?<!\\)(\\[wdsWDS])-", r"\1\\-", pattern)


@lru_cache(maxsize=None)
def compiled(pattern):
    """A model pattern compiled for Python's re (\\w, \\d, \\s ASCII only, as in Java), or None
    when re cannot read it."""
    try:
        return re.compile(python_pattern(pattern), re.ASCII)
    except re.error:
        return None


def is_timestamp(value):
    """Whether a value reads as a timestamp: epoch seconds, ISO 8601 or an HTTP date."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    for read in (float, lambda text: datetime.datetime.fromisoformat(text.replace("Z", "+00:00")),
                 email.utils.parsedate_to_datetime):
        try:
            read(value)
            return True
        except (TypeError, ValueError):
            continue
    return False


def fits(kind, value):
    """Whether a value has the type its shape's type calls for."""
    if isinstance(value, Malformed):
        return False
    if kind == "timestamp":
        return is_timestamp(value)
    wanted = JSON_TYPES.get(kind)
    return wanted is None or (isinstance(value, wanted)
                              and (kind == "boolean" or not isinstance(value, bool)))


def bounds(shape, size, what, kind, found, violation):
    """Appends the min and max constraints of a shape that a size (or number) breaks."""
    meta = shape.metadata
    if "min" in meta and size < meta["min"]:
        found.append(violation(kind, f"Member must have {what} greater than or equal to "
                                     f"{meta['min']}"))
    if "max" in meta and size > meta["max"]:
        found.append(violation(kind, f"Member must have {what} less than or equal to "
                                     f"{meta['max']}"))


def check(shape, value, at, found):
    """Appends to found a Violation for each constraint of the model a value breaks."""
    kind = shape.type_name
    sensitive = bool(shape.metadata.get("sensitive"))

    def violation(what, words):
        return Violation(what, at, value, words, sensitive)

    if getattr(shape, "is_document_type", False):  # any JSON value
        return
    if not fits(kind, value):
        found.append(violation("type", f"Member must be of type {kind}"))
    elif kind == "structure":
        check_structure(shape, value, at, found)
    elif kind == "list":
        for number, item in enumerate(value, 1):
            if item is not None:
                check(shape.member, item, at + (number,), found)
        bounds(shape, len(value), "length", "length", found, violation)
    elif kind == "map":
        check_map(shape, value, at, found)
        bounds(shape, len(value), "length", "length", found, violation)
    elif kind == "string":
        check_string(shape, value, found, violation)
    elif kind in ("integer", "long", "float", "double"):
        bounds(shape, value, "value", "range", found, violation)


def check_structure(shape, value, at, found):
    """The members of a structure: those required, and the value of each."""
    for name, member in shape.members.items():
        item = value.get(name)
        where = at + ((name, member),)
        if item is not None:
            check(member, item, where, found)
        elif name in shape.required_members:
            found.append(Violation("required", where, None, "Member must not be null"))


def check_map(shape, value, at, found):
    """The keys and values of a map, those of scalar shapes in AWS's words for maps."""
    def wrapped(violation, words):
        return violation._replace(at=at, constraint=f"{words} must satisfy constraint: "
                                                    f"[{violation.constraint}]")

    scalar_values = shape.value.type_name not in ("structure", "list", "map")
    for key, item in value.items():
        keys, values = [], []
        check(shape.key, key, at, keys)
        if item is not None:
            check(shape.value, item, at + (key,), values)
        found += [wrapped(violation, "Map keys") for violation in keys]
        found += [wrapped(violation, "Map value") if scalar_values else violation
                  for violation in values]


def check_string(shape, value, found, violation):
    """A string's enum, length and pattern."""
    if shape.enum and value not in shape.enum:
        found.append(violation("enum", f"Member must satisfy enum value set: "
                                       f"[{', '.join(shape.enum)}]"))
    bounds(shape, len(value), "length", "length", found, violation)
    pattern = shape.metadata.get("pattern")
    if pattern is None:
        return
    regex = compiled(pattern)
    if regex is None:
        found.append(violation("unchecked-pattern", f"Member must satisfy regular expression "
                                                    f"pattern: {pattern}"))
    elif regex.fullmatch(value) is None:
        found.append(violation("pattern", f"Member must satisfy regular expression pattern: "
                                          f"{pattern}"))


# --- a request's service, operation and members ------------------------------------------------

def protocols(model):
    """The protocols a service's model speaks."""
    return model.metadata.get("protocols") or [model.metadata["protocol"]]


@lru_cache(maxsize=None)
def models_for(signing_name, region):
    """botocore's models of the services a SigV4 signing name may stand for: the service of that
    name and those moto serves on its endpoint (elasticloadbalancing: elb and elbv2)."""
    from botocore.exceptions import DataNotFoundError
    from moto.backend_index import backend_url_patterns
    from moto.core.utils import get_service_model

    names = [signing_name]
    for host in (f"https://{signing_name}.{region}.amazonaws.com",
                 f"https://{signing_name}.amazonaws.com"):
        names += [backend for backend, pattern in backend_url_patterns if pattern.match(host)]
    found = []
    for name in dict.fromkeys(names):
        try:
            found.append(get_service_model(name))
        except DataNotFoundError:
            continue
    return tuple(found)


@lru_cache(maxsize=None)
def routes(model):
    """The REST routes of a service, most specific first."""
    operations = sorted(map(model.operation_model, model.operation_names),
                        key=literal_length, reverse=True)
    return [(*route(operation), operation) for operation in operations]


def json_call(models, target, body):
    """(model, operation, protocol, members) of an awsJson request, or None."""
    prefix, _, name = target.rpartition(".")
    for model in models:
        if model.metadata.get("targetPrefix") == prefix and name in model.operation_names:
            return model, model.operation_model(name), "json", json_document(body or b"{}")
    return None


def form_call(models, fields, text):
    """(model, operation, protocol, members) of a query or ec2 request, or None."""
    for model in models:
        kind = next((p for p in ("ec2", "query") if p in protocols(model)), None)
        if (kind is None or fields["Action"] not in model.operation_names
                or fields.get("Version", model.metadata["apiVersion"])
                != model.metadata["apiVersion"]):
            continue
        operation = model.operation_model(fields["Action"])
        return model, operation, kind, form_members(operation.input_shape, text, kind == "ec2")
    return None


def rest_call(models, environ, body):
    """(model, operation, protocol, members) of a rest-json or rest-xml request, or None: of the
    operations whose route (method, path, query parameters of the URI) it matches, the most
    specific, then the one requiring the most of the query and header members it carries, then
    one not deprecated."""
    method = environ.get("REQUEST_METHOD", "GET")
    # PATH_INFO: the path decoded, its bytes as latin-1 (PEP 3333); AWS's paths are UTF-8.
    path = environ.get("PATH_INFO", "").encode("latin-1", "replace").decode("utf-8", "replace")
    query = form_fields(environ.get("QUERY_STRING", ""))
    for model in models:
        kind = next((p for p in ("rest-json", "rest-xml") if p in protocols(model)), None)
        if kind is None:
            continue
        matches = [(operation, match) for verb, pattern, literal, operation in routes(model)
                   if verb == method and (match := pattern.match(path)) is not None
                   and all(query.get(key) == value if value else key in query
                           for key, value in literal)]
        if not matches:
            continue
        operation, match = max(matches, key=lambda found: (
            literal_length(found[0]), carried(found[0], query, environ), not found[0].deprecated))
        members = rest_members(operation, match, environ, body, kind == "rest-xml")
        return model, operation, kind, members
    return None


def call_of(environ, body):
    """(model, operation, protocol, members) of an AWS request, or None when it names no
    operation of a model (unsigned, unknown service or operation: moto answers it)."""
    scope = wire.CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if scope is None:
        return None
    models = models_for(scope.group(2), scope.group(1))
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return json_call(models, target, body)
    form = environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")
    text = body.decode("utf-8", "replace") if form else environ.get("QUERY_STRING", "")
    fields = form_fields(text)
    if "Action" in fields:
        return form_call(models, fields, text)
    return rest_call(models, environ, body)


# --- AWS's answer ------------------------------------------------------------------------------

def shown(value):
    """A value as AWS's messages show it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={shown(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(shown, value)) + "]"
    return str(value)


def member_path(at):
    """A member's path as AWS's messages name it: lowerCamel names, list items name.N.member."""
    return ".".join(f"{step}.member" if isinstance(step, int) else step if isinstance(step, str)
                    else step[0][:1].lower() + step[0][1:] for step in at)


def form_path(at):
    """A member's name in an EC2 form (LaunchTemplateData.TagSpecification.1.ResourceType)."""
    return ".".join(step if isinstance(step, str) else str(step) if isinstance(step, int)
                    else form_name(step[1], step[0][:1].upper() + step[0][1:], True) for step in at)


def sentence(violation):
    """AWS's words for one violation."""
    if violation.value is None:
        value = "Value null"
    elif violation.sensitive:
        value = f"Value '{REDACTED}'"
    else:
        value = f"Value '{shown(violation.value)}'"
    return (f"{value} at '{member_path(violation.at)}' failed to satisfy constraint: "
            f"{violation.constraint}")


def ec2_invalid(violation):
    """EC2's words for a value it refuses (the constraint, unless it lists an enum's values)."""
    value = REDACTED if violation.sensitive else shown(violation.value)
    reason = "" if violation.kind == "enum" else f" {violation.constraint}"
    return f"Value ({value}) for parameter {form_path(violation.at)} is invalid.{reason}"


def skewed(service, operation, violation):
    """Whether SKEW lets a violation through."""
    path = member_path(violation.at)
    return any(fnmatchcase(service, skew.service) and fnmatchcase(operation, skew.operation)
               and fnmatchcase(path, skew.member) and skew.constraint == violation.kind
               for skew in SKEW)


def violations(service_name, operation, members):
    """The violations of the model in an operation's input members that SKEW does not let
    through (service_name: botocore's)."""
    found = []
    if operation.input_shape is not None:
        check(operation.input_shape, members, (), found)
    return [violation for violation in found
            if not skewed(service_name, operation.name, violation)]


def summary(found):
    """AWS's message for violations: "N validation error(s) detected: ...; ..."."""
    count = len(found)
    return (f"{count} validation error{'s' * (count > 1)} detected: "
            + "; ".join(map(sentence, found)))


def answer(service, model, protocol, found):
    """(status, headers, body) of AWS's refusal of the violations, in the request's protocol."""
    typed = [violation for violation in found if violation.kind == "type"]
    shown_ones = typed or found
    if protocol == "ec2":
        first = shown_ones[0]
        required = first.kind == "required"
        code = CODES["ec2 required"] if required else CODES["protocols"]["ec2"]
        message = (f"The request must contain the parameter {form_path(first.at)}" if required
                   else ec2_invalid(first))
    else:
        code = (typed and CODES["type"].get(protocol)
                or CODES["services"].get(model.service_name) or CODES["protocols"][protocol])
        message = summary(shown_ones)
    if protocol in XML_PROTOCOLS:
        message = escape(message)
    return wire.error_response(service, code, message, 400, protocol=protocol)


def refusal(environ, service, body):
    """(status, headers, body) of AWS's refusal of a request that breaks its service's model,
    or None to run it."""
    if not ENABLED:
        return None
    try:
        call = call_of(environ, body)
    except Unreadable:
        return None
    if call is None:
        return None
    model, operation, protocol, members = call
    broken = violations(model.service_name, operation, members)
    return answer(service, model, protocol, broken) if broken else None
