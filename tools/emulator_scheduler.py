"""EventBridge Scheduler as AWS answers it, where moto departs (see emulator.py's docstring).
Facts come from the EventBridge Scheduler API reference and user guide (botocore's model: ranges,
enums, lengths, patterns, required members, the errors' HTTP statuses) and, for the wording of
errors, from AWS's answers as reported publicly; where no wording was found the message is this
module's own (marked "own wording")."""

import datetime
import json
import re
import threading
import zoneinfo
from urllib.parse import parse_qs

from moto.core.utils import get_service_model

import emulator_models as models
import emulator_wire as wire
from emulator_wire import error_response, json_body

ACTIONS = ("CreateSchedule", "UpdateSchedule")


def _operations(model):
    """(method, path pattern, operation) of every Scheduler operation, from botocore's model."""
    for operation in map(model.operation_model, model.operation_names):
        path = re.sub(r"\{\w+\+?\}", "(.+?)", operation.http["requestUri"].split("?")[0])
        yield operation.http["method"], re.compile(f"^{path}/?$"), operation


OPERATIONS = list(_operations(get_service_model("scheduler")))
# The REST calls by their operation names, for the counters, fault rules and recorded requests.
ROUTES = [(method, pattern, operation.name) for method, pattern, operation in OPERATIONS]
OPERATIONS_BY_NAME = {operation.name: operation for _, _, operation in OPERATIONS}


def members(environ):
    """The members a REST request carries in its path and query string, by member name."""
    query = parse_qs(environ.get("QUERY_STRING", ""))
    for verb, pattern, operation in OPERATIONS:
        match = pattern.match(environ.get("PATH_INFO", ""))
        if verb == environ.get("REQUEST_METHOD") and match is not None:
            labels, found = iter(match.groups()), {}
            for name, shape in operation.input_shape.members.items():
                where, key = shape.serialization.get("location"), shape.serialization.get("name")
                if where == "uri":
                    found[name] = next(labels)
                elif where == "querystring" and key in query:
                    found[name] = query[key] if shape.type_name == "list" else query[key][0]
            return found
    return {}


def recorded(service, environ, body):
    """What the control API records of a request: for Scheduler, its JSON body with its path and
    query members (as awsJson bodies hold all of a call's members); others' bodies as they are."""
    if service != "scheduler":
        return body
    return json.dumps({**json_body(body), **members(environ)}).encode()


NAMES = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC", "SUN MON TUE WED THU FRI SAT"
MONTHS, DAYS = ({name: number for number, name in enumerate(names.split(), 1)} for names in NAMES)
TIME_ZONES = zoneinfo.available_timezones()
# cron(minutes hours day-of-month month day-of-week year): each field's range, names and the
# wildcards only it takes (L and W in day-of-month, L and # in day-of-week; user guide,
# "Schedule types"). Fields also take *, value lists (,), ranges (-) and steps (/).
CRON_FIELDS = ((0, 59, {}, None), (0, 23, {}, None), (1, 31, {}, r"L|LW|\d{1,2}W"),
               (1, 12, MONTHS, None), (1, 7, DAYS, rf"L|([1-7]|{'|'.join(DAYS)})(L|#[1-5])"),
               (1970, 2199, {}, None))
CRON_ITEM = re.compile(r"(\*|(\w+)(?:-(\w+))?)(?:/(\d+))?")


def cron_field(text, low, high, names, wildcards):
    """Whether a field of a cron expression is a list of values, ranges, steps or wildcards."""
    for item in text.split(","):
        if wildcards and re.fullmatch(wildcards, item):
            continue
        match = CRON_ITEM.fullmatch(item)
        if match is None or match.group(4) == "0":
            return False
        for value in filter(None, match.group(2, 3)):
            number = int(value) if value.isdigit() else names.get(value, -1)
            if not low <= number <= high:
                return False
    return True


def valid_expression(text):
    """AWS's forms (API reference, ScheduleExpression): at(yyyy-mm-ddThh:mm:ss); rate(value unit),
    value a positive integer, unit minute(s), hour(s) or day(s), singular exactly when the value is
    1; cron(six fields), exactly one of day-of-month and day-of-week being ?."""
    at = re.fullmatch(r"at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)", text)
    if at is not None:
        try:
            return bool(datetime.datetime.strptime(at.group(1), "%Y-%m-%dT%H:%M:%S"))
        except ValueError:
            return False
    rate = re.fullmatch(r"rate\(([1-9]\d*) (minute|hour|day)(s?)\)", text)
    if rate is not None:
        return (rate.group(1) == "1") == (rate.group(3) == "")
    cron = re.fullmatch(r"cron\((\S+(?: \S+){5})\)", text)
    if cron is None:
        return False
    fields = cron.group(1).upper().split(" ")
    return (fields[2] == "?") != (fields[4] == "?") and all(
        (field == "?" and index in (2, 4)) or cron_field(field, *CRON_FIELDS[index])
        for index, field in enumerate(fields))


def semantic_error(request):
    """The message of the first of AWS's checks beyond the model that the request fails."""
    expression = request.get("ScheduleExpression")
    if not isinstance(expression, str) or not valid_expression(expression):
        # AWS's words, as reported by its users (localstack/localstack#9284).
        return f"Invalid Schedule Expression {expression}."
    zone = request.get("ScheduleExpressionTimezone")
    if zone is not None and zone not in TIME_ZONES:
        # A name of the IANA time zone database (user guide, "Time zones").
        return f"Invalid ScheduleExpressionTimezone {zone}: not an IANA time zone."  # own wording
    window = request.get("FlexibleTimeWindow") or {}
    # FLEXIBLE "must then specify a maximum window" (user guide, flexible time windows); OFF not.
    if window.get("Mode") == "FLEXIBLE" and window.get("MaximumWindowInMinutes") is None:
        return ("FlexibleTimeWindow.MaximumWindowInMinutes is required when "
                "FlexibleTimeWindow.Mode is FLEXIBLE.")  # own wording
    if window.get("Mode") == "OFF" and window.get("MaximumWindowInMinutes") is not None:
        return ("FlexibleTimeWindow.MaximumWindowInMinutes must not be set when "
                "FlexibleTimeWindow.Mode is OFF.")  # own wording
    ecs = (request.get("Target") or {}).get("EcsParameters") or {}
    # As in ECS's RunTask, which the target calls: a launch type or a capacity provider strategy.
    if ecs.get("LaunchType") is not None and ecs.get("CapacityProviderStrategy"):
        return ("EcsParameters.LaunchType and EcsParameters.CapacityProviderStrategy cannot "
                "both be specified.")  # own wording
    return None


def invalid(action, request):
    """AWS's ValidationException for a CreateSchedule or UpdateSchedule request, or None: the
    model's constraints first (see emulator_models.py), then AWS's checks beyond the model."""
    found = models.violations("scheduler", OPERATIONS_BY_NAME[action], request)
    message = models.summary(found) if found else semantic_error(request)
    return error_response("scheduler", "ValidationException", message, 400) if message else None


def create_schedule(backend, request):
    """The checks; a group that does not exist answers ResourceNotFoundException 404 (moto: 500);
    a name the group holds answers ConflictException 409 (moto: 400), unless the request repeats
    the ClientToken that created it: a retried create, answered 200 with its ScheduleArn."""
    answer = invalid("CreateSchedule", request)
    if answer is not None:
        return answer
    group = request.get("GroupName") or "default"
    if group not in backend.schedule_groups:
        message = f"Schedule group {group} does not exist."  # AWS's words, as moto's elsewhere
        return error_response("scheduler", "ResourceNotFoundException", message, 404)
    existing = backend.schedule_groups[group].schedules.get(request["Name"])
    if existing is None:
        return None
    token = request.get("ClientToken")
    if token is not None and token == getattr(existing, "client_token", None):
        body = json.dumps({"ScheduleArn": existing.arn}).encode()
        return 200, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body
    message = f"Schedule {request['Name']} already exists."  # AWS's words, per Terraform's users
    return error_response("scheduler", "ConflictException", message, 409)


CHECKS = {"CreateSchedule": create_schedule,  # UpdateSchedule: a missing schedule is moto's (404)
          "UpdateSchedule": lambda backend, request: invalid("UpdateSchedule", request)}


def install():
    """Makes moto keep what AWS keeps: a create's ClientToken (moto drops it); ConflictException
    is HTTP 409 (moto: 400); UpdateSchedule replaces all, State and ActionAfterCompletion going
    back to ENABLED and NONE when left out (moto keeps the old ActionAfterCompletion and sets no
    State); GetSchedule leaves out members without a value (moto answers them null)."""
    from moto.scheduler import exceptions, models, responses

    exceptions.ScheduleExists.code = 409
    api = responses.EventBridgeSchedulerResponse
    create, update, to_dict = api.create_schedule, api.update_schedule, models.Schedule.to_dict

    def written(self, answer, created):  # moto's answer, once what it leaves out is kept
        request = json_body(self.body)
        schedule = self.scheduler_backend.get_schedule(
            request.get("GroupName"), self.uri.split("?")[0].split("/")[-1])
        if created:
            schedule.client_token = request.get("ClientToken")
        schedule.state = request.get("State") or "ENABLED"
        schedule.action_after_completion = request.get("ActionAfterCompletion") or "NONE"
        return answer

    api.create_schedule = lambda self: written(self, create(self), True)
    api.update_schedule = lambda self: written(self, update(self), False)
    models.Schedule.to_dict = lambda self, short=False: {
        key: value for key, value in to_dict(self, short).items() if value is not None}


class Scheduler:
    """AWS's answers to ACTIONS where moto's differ, given before moto runs them."""

    def __init__(self):
        self.lock = threading.Lock()

    def check(self, environ, action, body):
        """(status, headers, body) of AWS's answer to the request, or None to run it in moto."""
        request = {**json_body(body), **members(environ)}
        with self.lock:
            answer = CHECKS[action](wire.backend("scheduler", wire.region(environ)), request)
        # A call moto does not see is authorized here as moto would (when it enforces IAM).
        return answer and (wire.iam_refusal("scheduler", environ, action, body) or answer)
