"""One ECS service deployment and its lifecycle stages, worked out from timestamps whenever the
service is read (no background threads), as emulator_deployments.py describes: what
DescribeServices lists of it, the status, stage and task counts ListServiceDeployments and
DescribeServiceDeployments report, the forward weights of its listener rules, its failure and
rollback, and ECS's service events on the way."""

import copy
import datetime
import math
import os
import random
import string
import time
import uuid

from moto.elbv2.models import FakeAction

import emulator_wire as wire
from emulator_deployment_checks import listener, rule, steps

MINUTE = float(os.environ.get("ECSPROD_EMULATOR_MINUTE_SECONDS", "1"))
STAGE = 0.3
ROLLBACK_SECONDS = 2 * STAGE
RUNNING = ("PENDING", "IN_PROGRESS", "ROLLBACK_IN_PROGRESS")
# rolloutStateReason of a deployment, ECS's service events and statusReason of a service
# deployment, in ECS's words where ECS's are known (in progress, completed, circuit breaker,
# rolling back, no rollback candidate, the events). The alarm failure reasons follow them and
# name the alarm that fired, as ServiceDeployment.alarms.triggeredAlarmNames does.
IN_PROGRESS = "ECS deployment {} in progress."
COMPLETED = "ECS deployment {} completed."
TASKS_FAILED = "ECS deployment circuit breaker: tasks failed to start."
BREAKER_ROLLING_BACK = "ECS deployment circuit breaker: rolling back to deploymentId {}."
ALARM_FAILED = "ECS deployment failed: alarm {} detected."
ALARM_ROLLING_BACK = "ECS deployment alarm: rolling back to deploymentId {}."
ROLLED_BACK_BECAUSE = "Service deployment rolled back because "
BREAKER_REASON = ROLLED_BACK_BECAUSE + "the circuit breaker threshold was exceeded."
ALARM_REASON = ROLLED_BACK_BECAUSE + "the CloudWatch alarm {} went into ALARM state."
ALARM_STOPPED = "Service deployment failed because the CloudWatch alarm {} went into ALARM state."
NO_CANDIDATE = "No rollback candidate was found to run the rollback."
EVENT_FAILED = "(service {}) (deployment {}) deployment failed: {}."
EVENT_ROLLING_BACK = "(service {}) rolling back to deployment {}."
EVENT_COMPLETED = "(service {}) (deployment {}) deployment completed."
EVENT_STEADY = "(service {}) has reached a steady state."


def stamp(at):
    """A time.time() value as the naive UTC datetime moto's serializer writes."""
    return datetime.datetime.fromtimestamp(at, datetime.timezone.utc).replace(tzinfo=None)


def ecs_arn(service, kind, ident):
    return (f"arn:aws:ecs:{service.region_name}:{wire.ACCOUNT_ID}:{kind}/{service.cluster_name}/"
            f"{service.name}/{ident}")


def deployment_id():
    return f"ecs-svc/{random.randint(10 ** 18, 10 ** 19 - 1)}"


def event(service, message, at):
    service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": stamp(at), "message": message})


class Track:
    """A service's deployments (newest first), revisions, and the revision in production with
    its entry in DescribeServices' deployments. Kept on moto's service object."""

    def __init__(self):
        self.deployments = []
        self.revisions = {}
        self.production = None
        self.production_entry = None


def track(service):
    return service.__dict__.setdefault("ecsprod_deployments", Track())


# --- Traffic ---------------------------------------------------------------------------------

def forward_actions(region, arn):
    """The actions list of a listener rule (ALB) or of a listener's default rule (NLB)."""
    elbv2 = wire.backend("elbv2", region)
    found = rule(elbv2, arn)
    if found is not None:
        return found.actions
    found = listener(elbv2, arn)
    return found[1].default_actions if found else None


def serving(region, arn, pair):
    """The group of the pair the rule forwards production traffic to, as ECS reads it."""
    for action in forward_actions(region, arn) or []:
        if action.type != "forward":
            continue
        groups = (action.data.get("ForwardConfig") or {}).get("TargetGroups") or [
            {"TargetGroupArn": action.data.get("TargetGroupArn"), "Weight": 1}]
        weighted = [g for g in groups if g.get("TargetGroupArn") in pair and int(g["Weight"])]
        if weighted:
            return max(weighted, key=lambda g: int(g["Weight"]))["TargetGroupArn"]
    return pair[0]


def elb_weights(percent):
    """ELB weights (integers 0-999) of the new and the old group for `percent` on the new one:
    whole percents as percent and 100 - percent, tenths of a percent in per mille."""
    if float(percent).is_integer():
        return int(percent), 100 - int(percent)
    share = round(float(percent) * 10)
    return share, 1000 - share


def shift(region, arn, pair, green, percent):
    """Sets the rule's forward action to the pair, `percent` to the green group."""
    actions = forward_actions(region, arn)
    for index, action in enumerate(actions or []):
        if action.type == "forward":
            config = action.data.get("ForwardConfig") or {}
            weights = dict(zip((green, [g for g in pair if g != green][0]), elb_weights(percent)))
            data = {"Type": "forward", "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": g, "Weight": weights[g]} for g in pair],
                "TargetGroupStickinessConfig": config.get("TargetGroupStickinessConfig",
                                                          {"Enabled": False})}}
            if "Order" in action.data:
                data["Order"] = action.data["Order"]
            actions[index] = FakeAction(data)


def legs(region, load_balancers):
    """Per load balancer with advanced configuration: its rules, target groups and green one."""
    found = []
    for lb in load_balancers or []:
        advanced = lb.get("advancedConfiguration") or {}
        if not advanced.get("productionListenerRule"):
            continue
        pair = (lb["targetGroupArn"], advanced["alternateTargetGroupArn"])
        live = serving(region, advanced["productionListenerRule"], pair)
        found.append({"production": advanced["productionListenerRule"], "pair": pair,
                      "test": advanced.get("testListenerRule"), "green": pair[pair[0] == live]})
    return found


# --- One service deployment ------------------------------------------------------------------

def schedule(configuration):
    """[(stage, seconds, production percent on the new revision or None)] of a deployment."""
    config = steps(configuration)
    shifts = [(100.0, 0)]
    if configuration["strategy"] == "CANARY":
        shifts = [(float(config["canaryPercent"]), config["canaryBakeTimeInMinutes"]), (100.0, 0)]
    elif configuration["strategy"] == "LINEAR":
        step = float(config["stepPercent"])
        count = math.ceil(100 / step - 1e-9)
        shifts = [(min(100.0, round(step * (k + 1), 1)),
                   config["stepBakeTimeInMinutes"] if k < count - 1 else 0) for k in range(count)]
    plan = [("SCALE_UP", STAGE, None), ("TEST_TRAFFIC_SHIFT", STAGE, None)]
    plan += [("PRODUCTION_TRAFFIC_SHIFT", STAGE + bake * MINUTE, pct) for pct, bake in shifts]
    bake = (configuration.get("bakeTimeInMinutes") or 0) * MINUTE
    return plan + [("BAKE_TIME", bake, 100.0), ("CLEAN_UP", STAGE, 100.0)]


class Deployment:
    """A service deployment from the production revision (source) to a new one (target)."""

    def __init__(self, service, target, source, configuration, failure, previous):
        self.arn = ecs_arn(service, "service-deployment", "".join(
            random.choices(string.ascii_letters + string.digits + "-_", k=21)))
        self.service_arn, self.cluster_arn = service.arn, service.cluster_arn
        self.region, self.name = service.region_name, service.name
        self.target, self.source, self.previous = target, source, previous
        self.configuration = copy.deepcopy(configuration)
        self.failure = failure  # None, ("alarm", name) or ("breaker", None)
        self.created = self.updated = time.time()
        self.finished = self.stopped = self.rollback = self.reason = self.stage = None
        self.status, self.triggered, self.weight, self.test_weight = "IN_PROGRESS", [], 0.0, 0.0
        self.running = [service.desired_count if source else 0, 0]  # source, target tasks
        rolling = configuration["strategy"] == "ROLLING"
        self.plan = [(None, 2 * STAGE, None)] if rolling else schedule(configuration)
        self.fail_at = None
        if failure and failure[0] == "breaker":
            self.fail_at = 0.0
        elif failure:
            self.fail_at = 2 * STAGE if rolling else sum(p[1] for p in self.plan[:2]) + STAGE
        self.rollback_seconds = 0.0 if self.fail_at == 0.0 else ROLLBACK_SECONDS
        self.legs = [] if rolling else legs(self.region, target.get("loadBalancers"))
        self.entry = self.new_entry(service, target["taskDefinition"], "IN_PROGRESS", IN_PROGRESS)
        self.rollback_entry = None

    @staticmethod
    def new_entry(service, task_definition, state, reason):
        """A deployment as DescribeServices lists it, on moto's first one's launch settings."""
        entry = copy.deepcopy(service.deployments[0]) if service.deployments else {}
        ident, now = deployment_id(), stamp(time.time())
        entry.update({"id": ident, "status": "PRIMARY", "taskDefinition": task_definition,
                      "desiredCount": service.desired_count, "pendingCount": 0,
                      "runningCount": 0, "failedTasks": 0, "createdAt": now, "updatedAt": now,
                      "rolloutState": state, "rolloutStateReason": reason.format(ident)})
        return entry

    def settle(self, entry, state, reason, running):
        entry.update({"rolloutState": state, "rolloutStateReason": reason.format(entry["id"]),
                      "runningCount": running, "updatedAt": stamp(self.updated),
                      "pendingCount": max(0, entry["desiredCount"] - running)})

    def traffic(self, percent, test):
        for leg in self.legs:
            if percent is not None:
                shift(self.region, leg["production"], leg["pair"], leg["green"], percent)
            if test and leg["test"]:
                shift(self.region, leg["test"], leg["pair"], leg["green"], 100 if test > 0 else 0)

    def begin(self, service):
        self.entry["pendingCount"] = service.desired_count
        previous = [dict(self.previous, status="ACTIVE")] if self.previous else []
        service.deployments = [self.entry] + previous

    def advance(self, service, clock):
        """Brings the deployment to where it is at `clock`."""
        if self.status not in RUNNING:
            return
        elapsed = clock - self.created
        if self.fail_at is not None and elapsed >= self.fail_at:
            if self.status == "IN_PROGRESS":
                self.reach(service, self.fail_at - 1e-6)  # the stage it fails in, as it was
                self.fail(service, self.created + self.fail_at)
            done = self.created + self.fail_at + self.rollback_seconds
            if self.status == "ROLLBACK_IN_PROGRESS" and clock >= done:
                self.rolled_back(service, done)
        elif not self.reach(service, elapsed):
            self.succeed(service, self.created + sum(step[1] for step in self.plan))

    def reach(self, service, elapsed):
        """Puts the deployment in its stage at `elapsed` seconds: the new revision's tasks
        running once it has scaled up, the rules' weights; False past the last stage."""
        start = 0.0
        for index, (stage, seconds, percent) in enumerate(self.plan):
            if elapsed < start + seconds:
                self.stage, self.weight = stage, percent or 0.0
                self.updated = max(self.updated, self.created + start)
                if (index or stage is None) and not self.running[1]:
                    self.running[1] = service.desired_count
                    self.settle(self.entry, "IN_PROGRESS", IN_PROGRESS, service.desired_count)
                self.test_weight = 100.0 if index and stage else 0.0
                self.traffic(percent, 1 if index and stage else 0)
                return True
            start += seconds
        return False

    def succeed(self, service, at):
        rolling = self.configuration["strategy"] == "ROLLING"
        self.status, self.finished, self.updated, self.weight = "SUCCESSFUL", at, at, 100.0
        self.test_weight = 0.0 if rolling else 100.0
        self.stage = None if rolling else "CLEAN_UP"
        self.traffic(100, 1)
        running = service.running_count if rolling else service.desired_count
        done = running >= service.desired_count
        self.settle(self.entry, "COMPLETED" if done else "IN_PROGRESS",
                    COMPLETED if done else IN_PROGRESS, running)
        self.running = [0, running]
        service.deployments = [self.entry]
        tr = track(service)
        tr.production, tr.production_entry = self.target["serviceRevisionArn"], self.entry
        if not rolling:
            event(service, EVENT_COMPLETED.format(self.name, self.entry["id"]), at)
            event(service, EVENT_STEADY.format(self.name), at)

    def fail(self, service, at):
        kind, alarm = self.failure
        self.updated = at
        if kind == "alarm":
            self.triggered = [alarm]
            set_alarm(self.region, alarm)
        self.settle(self.entry, "FAILED", ALARM_FAILED.format(alarm) if alarm else TASKS_FAILED,
                    self.running[1] if alarm else 0)
        self.entry["failedTasks"] = 0 if alarm else self.threshold(service)
        cause = "alarm detected" if alarm else "tasks failed to start"
        event(service, EVENT_FAILED.format(self.name, self.entry["id"], cause), at)
        if alarm and not (self.configuration.get("alarms") or {}).get("rollback"):
            self.status, self.reason = "STOPPED", ALARM_STOPPED.format(alarm)
            self.stopped = self.finished = at
            return
        if self.previous is None:
            self.status, self.reason, self.finished = "ROLLBACK_FAILED", NO_CANDIDATE, at
            return
        self.status = "ROLLBACK_IN_PROGRESS"
        self.reason = ALARM_REASON.format(alarm) if alarm else BREAKER_REASON
        self.rollback = {"reason": self.reason, "startedAt": stamp(at),
                         "serviceRevisionArn": self.source["serviceRevisionArn"]}
        rolling_back = (ALARM_ROLLING_BACK if alarm else BREAKER_ROLLING_BACK).format(
            self.previous["id"])
        self.rollback_entry = self.new_entry(service, self.source["taskDefinition"],
                                             "IN_PROGRESS", rolling_back)
        self.rollback_entry["runningCount"] = self.running[0]
        self.entry["status"] = "ACTIVE"
        service.deployments = [self.rollback_entry, self.entry]
        service.task_definition = self.source["taskDefinition"]
        self.traffic(0, -1)
        self.weight = self.test_weight = 0.0
        event(service, EVENT_ROLLING_BACK.format(self.name, self.previous["id"]), at)

    def rolled_back(self, service, at):
        self.status, self.finished, self.updated = "ROLLBACK_SUCCESSFUL", at, at
        self.running = [service.desired_count, 0]
        self.settle(self.rollback_entry, "COMPLETED", COMPLETED, service.desired_count)
        service.deployments = [self.rollback_entry]
        track(service).production_entry = self.rollback_entry
        event(service, EVENT_STEADY.format(self.name), at)

    def stop(self, service, restore):
        """Stopped by DeleteService, or superseded by a newer deployment (traffic restored)."""
        self.status = "STOPPED"
        self.stopped = self.finished = self.updated = time.time()
        if restore:
            self.traffic(0, -1)

    @staticmethod
    def threshold(service):
        """The circuit breaker's failure threshold: half the desired count, within 3..200."""
        return min(200, max(3, math.ceil(service.desired_count / 2)))

    def monitor(self, member, fired):
        if fired:
            return "TRIGGERED"
        if not (self.configuration.get(member) or {}).get("enable"):
            return "DISABLED"
        return "MONITORING" if self.status == "IN_PROGRESS" else "MONITORING_COMPLETE"

    def summary(self, revision, running, weight, test):
        """A revision's tasks and, when traffic is shifted between revisions, its weights."""
        shifted = self.configuration["strategy"] != "ROLLING"
        return {"arn": revision["serviceRevisionArn"], "requestedTaskCount": running,
                "runningTaskCount": running, "pendingTaskCount": 0,
                "requestedProductionTrafficWeight": weight if shifted else None,
                "requestedTestTrafficWeight": test if shifted else None}

    def describe(self, service):
        """The deployment as a ServiceDeployment (ListServiceDeployments reads its brief)."""
        breaker = bool(self.failure) and self.failure[0] == "breaker" and self.status in (
            "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")
        test = self.test_weight
        source = [self.summary(self.source, self.running[0], 100.0 - self.weight,
                               100.0 - test)] if self.source else []
        return {
            "serviceDeploymentArn": self.arn, "serviceArn": self.service_arn,
            "clusterArn": self.cluster_arn, "createdAt": stamp(self.created),
            "startedAt": stamp(self.created), "updatedAt": stamp(self.updated),
            "finishedAt": stamp(self.finished) if self.finished else None,
            "stoppedAt": stamp(self.stopped) if self.stopped else None,
            "targetServiceRevisionArn": self.target["serviceRevisionArn"],
            "sourceServiceRevisions": source,
            "targetServiceRevision": self.summary(self.target, self.running[1], self.weight, test),
            "status": self.status, "statusReason": self.reason, "lifecycleStage": self.stage,
            "deploymentConfiguration": self.configuration, "rollback": self.rollback,
            "deploymentCircuitBreaker": {
                "status": self.monitor("deploymentCircuitBreaker", breaker),
                "failureCount": self.threshold(service) if breaker else 0,
                "threshold": self.threshold(service)},
            "alarms": {"status": self.monitor("alarms", self.triggered),
                       "alarmNames": (self.configuration.get("alarms") or {}).get("alarmNames", []),
                       "triggeredAlarmNames": self.triggered},
        }


def set_alarm(region, name):
    """The deployment alarm goes to ALARM in CloudWatch too, when moto holds it."""
    alarms = wire.backend("cloudwatch", region)
    if name in alarms.alarms:
        alarms.set_alarm_state(name, "Threshold Crossed (injected by the test emulator)", None,
                               "ALARM")


def advance_service(service):
    """Brings the service's deployments to now, then its current deployment and revisions."""
    clock = time.time()
    for deployment in reversed(track(service).deployments):
        deployment.advance(service, clock)
    publish(service)


def publish(service):
    """The service's currentServiceDeployment and currentServiceRevisions."""
    tr = track(service)
    latest = tr.deployments[0] if tr.deployments else None
    running = latest is not None and latest.status in RUNNING
    service.current_service_deployment = latest.arn if latest else None
    current = [(tr.production, latest.running[0] if running else service.running_count)]
    if running:
        current.append((latest.target["serviceRevisionArn"], latest.running[1]))
    service.current_service_revisions = [
        {"arn": arn, "requestedTaskCount": service.desired_count, "runningTaskCount": count,
         "pendingTaskCount": 0} for arn, count in current if arn]


def failure_of(request_fault, configuration, region):
    """What a fault rule makes of the deployment it starts: (kind, alarm) or None."""
    mode = (request_fault or {}).get("mode")
    if mode == "rolled_back":
        return ("breaker", None)
    if mode != "alarm_fires":
        return None
    alarms = configuration.get("alarms") or {}
    name = request_fault.get("alarm") or next(iter(alarms.get("alarmNames") or []), None)
    if alarms.get("enable") and name in (alarms.get("alarmNames") or []):
        return ("alarm", name)
    if name:  # ECS does not watch it: the alarm fires, the deployment goes on
        set_alarm(region, name)
    return None
