#!/usr/bin/env bash
# The main job, for now: real Terraform installs the provider from the local mirror, then
# validates and plans examples/complete (one cluster, an API service and a web service through
# examples/modules/web-service) with examples/environments/dev.tfvars.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
terraform="$root/tools/terraform"
work="$root/dist/demo"

export TF_CLI_CONFIG_FILE="$root/dist/terraformrc"
export TF_IN_AUTOMATION=1
export CHECKPOINT_DISABLE=1
# Planning needs a region and credentials shape, not real AWS: this build makes no AWS call yet.
export AWS_REGION="${AWS_REGION:-eu-west-1}"

rm -rf "$work"
mkdir -p "$work"
cp -r "$root/examples/." "$work/"
cd "$work/complete"

echo "== terraform init (provider from $root/dist/mirror)"
"$terraform" init -input=false -no-color
echo "== terraform validate"
"$terraform" validate -no-color
echo "== terraform plan -var-file=../environments/dev.tfvars"
"$terraform" plan -input=false -no-color -var-file=../environments/dev.tfvars
cat <<MSG

The plan above is what ecsprod_cluster and ecsprod_service will build. Applying it needs the
resource implementations that come next; nothing was created, so there is nothing to destroy.
Working copy: $work
MSG
