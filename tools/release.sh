#!/usr/bin/env bash
# Builds the release files of the provider into dist/release (RELEASE_OUT overrides it), as a
# provider registry or a network mirror serves them:
#   terraform-provider-ecsprod_<version>_<os>_<arch>.zip   per built platform
#   terraform-provider-ecsprod_<version>_manifest.json      protocol versions
#   terraform-provider-ecsprod_<version>_SHA256SUMS         of the zips and the manifest
#   terraform-provider-ecsprod_<version>_SHA256SUMS.sig     with GPG_FINGERPRINT set (its
#                                                            passphrase in GPG_PASSPHRASE)
#   mirror/                                                  a provider network mirror
# The host platform is always built (optimised; RELEASE_BINARY gives a binary already built
# instead); every other installed Rust target with a Terraform platform is built too, and one
# that does not build (no linker for it) is reported and left out.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools/package.sh
source "$root/tools/package.sh"
version="$(provider_version)"
out="${RELEASE_OUT:-$root/dist/release}"
name="terraform-provider-ecsprod_${version}"
build=(cargo build --release -p terraform-provider-ecsprod --bin terraform-provider-ecsprod)

rm -rf "$out"
mkdir -p "$out"

host="$(host_platform)"
binary="${RELEASE_BINARY:-}"
if [[ -z "$binary" ]]; then
  (cd "$root" && "${build[@]}")
  binary="$root/target/release/terraform-provider-ecsprod"
fi
pack "$binary" "$host" "$out"
echo "release: $host"

if command -v rustup >/dev/null; then
  for target in $(rustup target list --installed); do
    platform="$(target_platform "$target")"
    [[ -z "$platform" || "$platform" == "$host" ]] && continue
    if (cd "$root" && "${build[@]}" --target "$target"); then
      exe="$root/target/$target/release/terraform-provider-ecsprod"
      [[ -f "$exe.exe" ]] && exe="$exe.exe"
      pack "$exe" "$platform" "$out"
      echo "release: $platform"
    else
      echo "release: $platform left out: $target does not build here" >&2
    fi
  done
fi

# The plugin protocol the provider speaks (tfplugin6).
cat > "$out/${name}_manifest.json" <<JSON
{
  "version": 1,
  "metadata": {
    "protocol_versions": ["6.0"]
  }
}
JSON

python3 - "$out" "$name" "$version" <<'PY'
import base64, hashlib, json, os, shutil, sys, zipfile
out, name, version = sys.argv[1:4]

def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()

def h1(path):
    """Terraform's h1: hash of a package: SHA-256 of the sorted "<sha256>  <name>" lines of the
    files in it, base64."""
    with zipfile.ZipFile(path) as z:
        lines = sorted(f"{hashlib.sha256(z.read(n)).hexdigest()}  {n}\n" for n in z.namelist())
    return "h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode()

files = sorted(f for f in os.listdir(out) if f.startswith(name) and (f.endswith(".zip") or f.endswith("_manifest.json")))
with open(os.path.join(out, f"{name}_SHA256SUMS"), "w") as sums:
    for f in files:
        sums.write(f"{sha256(os.path.join(out, f))}  {f}\n")

# The provider network mirror protocol: index.json lists the versions, <version>.json the
# archive of each platform with its hashes: h1: (of the files in it, which Terraform checks
# and records in lock files) and zh: (the zip's SHA-256, as in SHA256SUMS); URLs are relative.
base = os.path.join(out, "mirror", "registry.terraform.io", "ecsprod", "ecsprod")
os.makedirs(base)
archives = {}
for f in files:
    if f.endswith(".zip"):
        platform = f[len(name) + 1:-len(".zip")]
        shutil.copyfile(os.path.join(out, f), os.path.join(base, f))
        path = os.path.join(out, f)
        archives[platform] = {"url": f, "hashes": [h1(path), "zh:" + sha256(path)]}
with open(os.path.join(base, "index.json"), "w") as index:
    json.dump({"versions": {version: {}}}, index, indent=2)
with open(os.path.join(base, f"{version}.json"), "w") as listing:
    json.dump({"archives": archives}, listing, indent=2)
PY

if [[ -n "${GPG_FINGERPRINT:-}" ]]; then
  gpg --batch --yes --pinentry-mode loopback --passphrase "${GPG_PASSPHRASE:-}" \
    --local-user "$GPG_FINGERPRINT" --detach-sign \
    --output "$out/${name}_SHA256SUMS.sig" "$out/${name}_SHA256SUMS"
fi
echo "release: $out"
