"""AWS's request-rate limits (throttling), which moto does not enforce, and the throttling error
both they and the "throttle" fault rules answer.

AWS throttles each account's requests with token buckets: every request takes a token from its
API family's bucket, which holds at most `capacity` tokens (the burst) and gains `rate` tokens a
second (the sustained rate); a request that finds its bucket empty is refused with the service's
throttling error (ECS, CloudWatch Logs, Application Auto Scaling ThrottlingException, EC2
RequestLimitExceeded, ELBv2, IAM, Auto Scaling, CloudWatch, STS, Route 53 Throttling; HTTP 400, in
the protocol's own format). Here, when the limits are on, each AWS request takes a token from the
bucket "<service>.<family>" before anything else runs: <service> is the SigV4 signing name (as in
/_ecsprod/calls: ecs, ec2, elasticloadbalancing, monitoring, ...), <family> is "describe" for
Describe*, List*, Get*, BatchGet*, Search*, Lookup* and REST GETs, "mutate" for every other
action, or "all" for a service with a single bucket (Route 53, STS). A request that finds its
bucket empty is answered at once with the throttling error, without running the call; it is still
counted in /_ecsprod/calls and recorded in /_ecsprod/requests (as AWS received it), and is not
seen by the fault rules. Services missing from the table are not limited (the Resource Groups
Tagging API, "tagging", on purpose: its awsJson errors are not written yet). Buckets are per
account, shared by all regions (stricter than AWS, whose buckets are per region).

The limits are off unless the environment variable ECSPROD_EMULATOR_RATE_LIMITS is 1 (or another
number above 0: the scale, see below) when the emulator starts, or the control API turns them on:
- POST /_ecsprod/limits  {"enabled": true | false, "scale": S, "buckets": {KEY: {"capacity": C,
  "rate": R}}} replaces the settings (missing members: off, scale 1, no overrides) and refills
  every bucket. scale multiplies each default capacity and rate (smaller is stricter; a capacity
  is at least 1); buckets sets single buckets exactly, scale not applied, a member left out taking
  the scaled default (a key outside the table adds a bucket). Answers the settings, as GET does;
  a malformed body answers 400 and changes nothing.
- GET /_ecsprod/limits   {"enabled": bool, "scale": S, "buckets": {KEY: {"capacity", "rate",
  "tokens"}}, "throttled": {KEY: n}}: the requests each bucket refused since the last reset.
- POST /_ecsprod/reset   also clears the throttled counts and refills every bucket; the settings
  (on or off, scale, overrides) stay as they are.

The default table, modelled on AWS's published defaults (burst, refill per second) and scaled down
where they are large so that a Terraform run of ~100 resources against the emulator, which
answers in milliseconds, meets throttling now and then."""

import json
import os
import re
import threading
import time
from collections import defaultdict

from emulator_wire import error_response

THROTTLE_CODE = {"ec2": "RequestLimitExceeded", "servicediscovery": "RequestLimitExceeded",
                 **dict.fromkeys(("ecs", "logs", "ssm", "secretsmanager", "acm", "kms",
                                  "application-autoscaling", "scheduler"), "ThrottlingException")}

# "<service>.<family>": (capacity, refill per second)
DEFAULTS = {
    "ecs.describe": (50, 20),  # ECS's read actions (DescribeClusters...): 50 burst, 20/s
    "ecs.mutate": (20, 5),  # ECS's modification buckets are smaller and refill slower
    "ec2.describe": (50, 10),  # EC2 unfiltered/unpaginated describes 50/10 (filtered 100/20)
    "ec2.mutate": (50, 5),  # EC2 mutating actions 200/5, burst scaled down to 50
    "elasticloadbalancing.describe": (40, 10),  # ELBv2's non-mutating bucket: 40 tokens
    "elasticloadbalancing.mutate": (20, 4),  # ELBv2 registration/mutating buckets: 20, slow refill
    "autoscaling.describe": (40, 10),  # unpublished; taken as ELBv2's, its sibling query API
    "autoscaling.mutate": (20, 4),  # unpublished; as ELBv2's mutating actions
    "application-autoscaling.describe": (20, 10),  # unpublished; a small control-plane API
    "application-autoscaling.mutate": (10, 2),  # unpublished; policy/target writes are slow
    "logs.describe": (10, 10),  # CloudWatch Logs DescribeLogGroups: 10 TPS
    "logs.mutate": (5, 5),  # CreateLogGroup, PutRetentionPolicy, DeleteLogGroup: 5 TPS
    "monitoring.describe": (9, 9),  # CloudWatch DescribeAlarms: 9 TPS
    "monitoring.mutate": (3, 3),  # CloudWatch PutMetricAlarm, DeleteAlarms: 3 TPS
    "iam.describe": (20, 10),  # unpublished; IAM is a global, slow control plane
    "iam.mutate": (10, 5),  # unpublished; IAM writes are throttled sooner than reads
    "route53.all": (5, 5),  # Route 53: five requests a second per account, all actions
    "sts.all": (100, 50),  # STS: 600 requests/s per account, scaled down
    "ssm.describe": (40, 40),  # SSM GetParameter(s): 40 TPS default throughput
    "ssm.mutate": (3, 3),  # SSM PutParameter: 3 TPS (standard throughput)
    "secretsmanager.describe": (50, 25),  # Secrets Manager reads 100 TPS, halved
    "secretsmanager.mutate": (25, 10),  # Secrets Manager writes 50 TPS, halved
    "acm.describe": (10, 10),  # ACM DescribeCertificate: 10 TPS
    "acm.mutate": (5, 5),  # ACM RequestCertificate: 5 TPS
    "kms.describe": (100, 50),  # KMS DescribeKey 2000 TPS (shared), scaled down
    "kms.mutate": (5, 5),  # KMS CreateKey: 5 TPS
    "servicediscovery.describe": (50, 20),  # unpublished; as ECS, whose Service Connect uses it
    "servicediscovery.mutate": (20, 5),  # unpublished; namespace/service writes as ECS's
    "scheduler.describe": (50, 25),  # EventBridge Scheduler: 50 TPS per action, halved
    "scheduler.mutate": (25, 10),  # Create/Update/DeleteSchedule 50 TPS, scaled down
}
READS = re.compile(r"(Describe|List|Get|BatchGet|Search|Lookup|GET )")


def throttle(service, environ=None):
    """The service's throttling error, in awsJson for a request that came in it (X-Amz-Target:
    CloudWatch is called in awsJson as well as in query and rpc-v2-cbor)."""
    code = THROTTLE_CODE.get(service, "Throttling")
    protocol = "json" if (environ or {}).get("HTTP_X_AMZ_TARGET") else None
    return error_response(service, code, "Rate exceeded (injected by the test emulator)", 400,
                          protocol)


def bucket_key(table, service, action):
    """The bucket a request takes its token from."""
    if f"{service}.all" in table:
        return f"{service}.all"
    return f"{service}.{'describe' if READS.match(action) else 'mutate'}"


class Limits:
    """The token buckets, their settings and how many requests each refused."""

    def __init__(self):
        self.lock = threading.Lock()
        self.throttled = defaultdict(int)
        value = os.environ.get("ECSPROD_EMULATOR_RATE_LIMITS", "0")
        scale = float(value) if re.fullmatch(r"\d*\.?\d+", value) else 0
        self.configure({"enabled": scale > 0, "scale": scale or 1})

    def configure(self, settings):
        """Replaces the settings; raises ValueError (or TypeError) on a malformed one."""
        if not isinstance(settings, dict) or not isinstance(settings.get("buckets", {}), dict):
            raise ValueError('send {"enabled": bool, "scale": S, "buckets": {KEY: {...}}}')
        scale = float(settings.get("scale", 1))
        if scale <= 0:
            raise ValueError("scale must be above 0")
        table = {key: (max(1.0, capacity * scale), rate * scale)
                 for key, (capacity, rate) in DEFAULTS.items()}
        for key, bucket in (settings.get("buckets") or {}).items():
            default = dict(zip(("capacity", "rate"), table.get(key, (None, None))))
            bucket = {**default, **bucket}
            capacity, rate = float(bucket["capacity"]), float(bucket["rate"])
            if "." not in key or capacity < 1 or rate < 0:
                raise ValueError(f"{key}: a <service>.<family> key, capacity >= 1, rate >= 0")
            table[key] = (capacity, rate)
        with self.lock:
            self.enabled, self.scale = bool(settings.get("enabled")), scale
            self.table, self.buckets = table, {}

    def reset(self):
        with self.lock:
            self.throttled.clear()
            self.buckets = {}

    def level(self, key, now):
        """The tokens bucket key holds at time now (lock held)."""
        capacity, rate = self.table[key]
        tokens, then = self.buckets.get(key, (capacity, now))
        return min(capacity, tokens + (now - then) * rate)

    def allow(self, service, action):
        """Whether a request may run: takes a token, or counts the request as throttled."""
        if not self.enabled:
            return True
        with self.lock:
            key = bucket_key(self.table, service, action)
            if not self.enabled or key not in self.table:
                return True
            now = time.monotonic()
            tokens = self.level(key, now)
            allowed = tokens >= 1
            self.buckets[key] = (tokens - 1 if allowed else tokens, now)
            if not allowed:
                self.throttled[key] += 1
            return allowed

    def state(self):
        with self.lock:
            now = time.monotonic()
            return {"enabled": self.enabled, "scale": self.scale,
                    "buckets": {key: {"capacity": capacity, "rate": rate,
                                      "tokens": round(self.level(key, now), 3)}
                                for key, (capacity, rate) in sorted(self.table.items())},
                    "throttled": dict(self.throttled)}

    def control(self, method, body):
        """(status, headers, body) answering GET or POST /_ecsprod/limits."""
        if method == "POST":
            try:
                self.configure(json.loads(body or b"{}"))
            except (ValueError, TypeError, KeyError) as failure:
                message = f"bad limits: {failure}".encode()
                return 400, [("Content-Type", "text/plain")], message
        payload = json.dumps(self.state()).encode()
        return 200, [("Content-Type", "application/json"),
                     ("Content-Length", str(len(payload)))], payload
