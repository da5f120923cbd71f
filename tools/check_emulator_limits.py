"""Hand check of the emulator's rate limits (emulator_limits.py): starts the emulator on a free
port, shows that with limits off 200 ListClusters all succeed, that a 5-token bucket lets about
5 of a burst of 20 calls through and refuses the rest with the service's throttling code (ECS,
ELBv2, EC2, IAM, Route 53), that the bucket refills, and that a reset clears the counts.

Usage: tools/.venv/bin/python tools/check_emulator_limits.py"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
CALLS = [  # (client, operation, bucket, expected throttling code)
    ("ecs", "list_clusters", "ecs.describe", "ThrottlingException"),
    ("elbv2", "describe_load_balancers", "elasticloadbalancing.describe", "Throttling"),
    ("ec2", "describe_vpcs", "ec2.describe", "RequestLimitExceeded"),
    ("iam", "list_roles", "iam.describe", "Throttling"),
    ("route53", "list_hosted_zones", "route53.all", "Throttling"),
]


def control(url, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(url + path, data=data)) as answer:
        return json.loads(answer.read())


def burst(client, operation, count):
    """(successes, {error code: n}) of count quick calls."""
    ok, errors = 0, {}
    for _ in range(count):
        try:
            getattr(client, operation)()
            ok += 1
        except ClientError as error:
            code = error.response["Error"]["Code"]
            errors[code] = errors.get(code, 0) + 1
    return ok, errors


def main():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    emulator = subprocess.Popen([sys.executable, os.path.join(HERE, "emulator.py"), str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            if emulator.poll() is not None:
                raise SystemExit("the emulator exited")
            try:
                control(url, "/_ecsprod/health")
                break
            except OSError:
                time.sleep(0.2)
        session = boto3.Session(aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                                aws_secret_access_key="x", region_name="ap-south-1")
        config = Config(retries={"total_max_attempts": 1})  # no retry (max_attempts 1: one retry)
        clients = {name: session.client(name, endpoint_url=url, config=config)
                   for name, *_ in CALLS}
        print("limits off: ecs list_clusters x200 ->", burst(clients["ecs"], "list_clusters", 200))
        buckets = {bucket: {"capacity": 5, "rate": 1} for _, _, bucket, _ in CALLS}
        control(url, "/_ecsprod/limits", {"enabled": True, "buckets": buckets})
        failures = 0
        for name, operation, bucket, code in CALLS:
            ok, errors = burst(clients[name], operation, 20)
            good = 5 <= ok <= 6 and set(errors) == {code}
            failures += not good
            print(f"limits on: {name} {operation} x20 -> {ok} ok, {errors}"
                  f" ({'as expected' if good else 'UNEXPECTED'})")
        print("throttled:", control(url, "/_ecsprod/limits")["throttled"])
        drained, _ = burst(clients["ecs"], "list_clusters", 10)  # empty the bucket again
        time.sleep(2.2)
        ok, errors = burst(clients["ecs"], "list_clusters", 5)
        failures += not 2 <= ok <= 3
        print(f"after 2.2 s: ecs list_clusters x5 -> {ok} ok, {errors} (expected 2, 3 at most)")
        calls = control(url, "/_ecsprod/calls").get("ecs.ListClusters")
        failures += calls != 235
        print("calls counted for ecs.ListClusters:", calls, "(expected 200 + 20 + 10 + 5 = 235)")
        control(url, "/_ecsprod/reset", {})
        state = control(url, "/_ecsprod/limits")
        failures += state["throttled"] != {} or not state["enabled"]
        print("after reset: enabled", state["enabled"], "throttled", state["throttled"],
              "ecs.describe tokens", state["buckets"]["ecs.describe"]["tokens"])
        control(url, "/_ecsprod/limits", {"enabled": False})
        ok, errors = burst(clients["ecs"], "list_clusters", 20)
        failures += ok != 20
        print("limits off again: ecs list_clusters x20 ->", ok, "ok")
    finally:
        emulator.terminate()
        emulator.wait()
    print("FAILED" if failures else "OK")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
