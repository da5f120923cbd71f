#!/usr/bin/env bash
# The main job: start the local AWS emulator, seed it with what a user brings (VPC, subnets,
# certificate, hosted zone, secrets), then have real Terraform install the provider from the
# local mirror and apply examples/complete (one cluster, an API service and a web service through
# examples/modules/web-service) against the emulator.
#
# ECSPROD_DEMO_PORT (default 45660) is the emulator's port, ECSPROD_DEMO_DIR (default dist/demo)
# where the configuration, its state and the emulator's log go.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
terraform="${ECSPROD_TERRAFORM:-$root/tools/terraform}"
python="$root/tools/.venv/bin/python"
work="${ECSPROD_DEMO_DIR:-$root/dist/demo}"
port="${ECSPROD_DEMO_PORT:-45660}"
endpoint="http://127.0.0.1:$port"

# The directory is the demo's own (marked by it) or new: it is wiped, and the emulator of an
# earlier demo there is stopped.
marker="$work/.ecsprod-demo"
if [ -d "$work" ] && [ -n "$(ls -A "$work")" ] && [ ! -f "$marker" ]; then
  echo "$work is not empty and holds no earlier demo: choose another ECSPROD_DEMO_DIR" >&2
  exit 1
fi
if [ -f "$work/emulator.pid" ] && kill -0 "$(cat "$work/emulator.pid")" 2>/dev/null; then
  kill "$(cat "$work/emulator.pid")" || true
  sleep 1
fi
rm -rf "$work"
mkdir -p "$work"
touch "$marker"
cp -r "$root/examples/." "$work/"

echo "== starting the AWS emulator on $endpoint"
nohup "$python" "$root/tools/emulator.py" "$port" > "$work/emulator.log" 2>&1 &
echo $! > "$work/emulator.pid"
for _ in $(seq 1 300); do
  curl -sf "$endpoint/_ecsprod/health" > /dev/null 2>&1 && break
  sleep 0.1
done
if ! curl -sf "$endpoint/_ecsprod/health" > /dev/null 2>&1; then
  echo "the emulator did not answer on $endpoint within 30 s; its log: $work/emulator.log" >&2
  exit 1
fi

echo "== seeding a VPC, subnets, an ACM certificate, a hosted zone and two secrets"
"$python" "$root/tools/seed.py" "$endpoint" > "$work/complete/demo.auto.tfvars.json"

rc="${ECSPROD_MIRROR_RC:-$root/dist/terraformrc}"
export TF_CLI_CONFIG_FILE="$rc"
export TF_IN_AUTOMATION=1
export CHECKPOINT_DISABLE=1
export AWS_ENDPOINT_URL="$endpoint"
export AWS_REGION=ap-south-1
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=demo-secret
export AWS_EC2_METADATA_DISABLED=true
cd "$work/complete"

echo "== terraform init (the provider from the mirror that $rc names)"
"$terraform" init -input=false -no-color
echo "== terraform apply"
"$terraform" apply -auto-approve -input=false -no-color
echo "== outputs"
"$terraform" output -no-color
cat <<MSG

The stack runs against the local emulator ($endpoint), state in $work/complete; the URLs above are
the services' host names on the shared HTTPS load balancer.
To destroy it:   cd $work/complete && AWS_ENDPOINT_URL=$endpoint AWS_REGION=ap-south-1 \\
                   AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x TF_CLI_CONFIG_FILE=$rc \\
                   $terraform destroy -auto-approve
To stop the emulator:   kill \$(cat $work/emulator.pid)
MSG
