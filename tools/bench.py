"""Measures examples/complete against the local emulator: the AWS calls a create, a no-op refresh
and a destroy make, and the sequential round trips of a full apply.

Round trips: the emulator delays every call by a fixed latency; a full apply (plan included)
runs once without and once with it, and (wall with latency - wall without) / latency is the
number of calls the apply waited for one after the other. Each figure is the median of --runs
applies.

Usage: bench.py [--runs N] [--latency-ms MS] [--json]
Needs `make setup mirror` first (Terraform in tools/, the provider in dist/mirror).
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = os.path.join(ROOT, "tools", ".venv", "bin", "python")
TERRAFORM = os.environ.get("ECSPROD_TERRAFORM", os.path.join(ROOT, "tools", "terraform"))
RC = os.environ.get("ECSPROD_MIRROR_RC", os.path.join(ROOT, "dist", "terraformrc"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def control(endpoint, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(endpoint + path, data=data, method="GET" if data is None else "POST")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


class Emulator:
    def __init__(self, log_dir):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(log_dir, f"emulator-{self.port}.log"), "w")
        self.proc = subprocess.Popen(
            [PYTHON, os.path.join(ROOT, "tools", "emulator.py"), str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                control(self.endpoint, "/_ecsprod/health")
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the emulator did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


def terraform(work, env, *args):
    start = time.monotonic()
    out = subprocess.run([TERRAFORM, *args], cwd=work, env=env, capture_output=True, text=True)
    wall = time.monotonic() - start
    if out.returncode not in (0, 2):
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"terraform {' '.join(args)} failed ({out.returncode})")
    return wall


def stack(tmp, emulator):
    work = os.path.join(tmp, f"complete-{emulator.port}")
    shutil.copytree(os.path.join(ROOT, "examples"), os.path.join(tmp, f"examples-{emulator.port}"))
    work = os.path.join(tmp, f"examples-{emulator.port}", "complete")
    seed = subprocess.run([PYTHON, os.path.join(ROOT, "tools", "seed.py"), emulator.endpoint],
                          check=True, capture_output=True, text=True).stdout
    with open(os.path.join(work, "bench.auto.tfvars.json"), "w") as f:
        f.write(seed)
    env = dict(os.environ, TF_CLI_CONFIG_FILE=RC, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
               AWS_ENDPOINT_URL=emulator.endpoint, AWS_REGION="ap-south-1",
               AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY="bench",
               AWS_EC2_METADATA_DISABLED="true")
    env.pop("TF_LOG", None)
    terraform(work, env, "init", "-input=false", "-no-color")
    return work, env


APPLY = ("apply", "-auto-approve", "-input=false", "-no-color")
DESTROY = ("destroy", "-auto-approve", "-input=false", "-no-color")


def counted(emulator, work, env, *args):
    control(emulator.endpoint, "/_ecsprod/reset", {})
    terraform(work, env, *args)
    calls = control(emulator.endpoint, "/_ecsprod/calls")
    return {"total": sum(calls.values()), "calls": calls}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    a = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="ecsprod-bench-")
    emulator = Emulator(tmp)
    try:
        work, env = stack(tmp, emulator)
        create = counted(emulator, work, env, *APPLY)
        refresh = counted(emulator, work, env, "plan", "-refresh-only", "-input=false", "-no-color")
        destroy = counted(emulator, work, env, *DESTROY)
        walls = {0: [], a.latency_ms: []}
        for _ in range(a.runs):
            for latency in walls:
                rules = [] if latency == 0 else [
                    {"service": None, "action": None, "mode": "latency", "delay_ms": latency}]
                control(emulator.endpoint, "/_ecsprod/reset", {})
                control(emulator.endpoint, "/_ecsprod/faults", rules)
                walls[latency].append(terraform(work, env, *APPLY))
                control(emulator.endpoint, "/_ecsprod/faults", [])
                terraform(work, env, *DESTROY)
        fast = statistics.median(walls[0])
        slow = statistics.median(walls[a.latency_ms])
        result = {
            "create_calls": create["total"],
            "refresh_calls": refresh["total"],
            "destroy_calls": destroy["total"],
            "apply_wall_s": round(fast, 2),
            f"apply_wall_s_at_{a.latency_ms}ms": round(slow, 2),
            "sequential_round_trips": round((slow - fast) * 1000 / a.latency_ms, 1),
        }
        if a.json:
            result["calls"] = {"create": create["calls"], "refresh": refresh["calls"],
                               "destroy": destroy["calls"]}
            print(json.dumps(result, indent=2, sort_keys=True))
        else:
            for k, v in result.items():
                print(f"{k:32} {v}")
    finally:
        emulator.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
