# Shared by tools/mirror.sh and tools/release.sh (sourced): the provider's version, the
# Terraform platform of the host or of a Rust target, and its registry zip.

# The version in the workspace's Cargo.toml.
provider_version() {
  sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1
}

# The Terraform platform (os_arch) of this machine.
host_platform() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) echo "unsupported OS $(uname -s)" >&2; return 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "unsupported CPU $(uname -m)" >&2; return 1 ;;
  esac
  echo "${os}_${arch}"
}

# The Terraform platform of a Rust target triple; nothing for a target Terraform has no
# platform for.
target_platform() {
  case "$1" in
    x86_64-unknown-linux-gnu | x86_64-unknown-linux-musl) echo linux_amd64 ;;
    aarch64-unknown-linux-gnu | aarch64-unknown-linux-musl) echo linux_arm64 ;;
    x86_64-apple-darwin) echo darwin_amd64 ;;
    aarch64-apple-darwin) echo darwin_arm64 ;;
    x86_64-pc-windows-msvc | x86_64-pc-windows-gnu) echo windows_amd64 ;;
  esac
}

# pack BINARY PLATFORM DIR: DIR/terraform-provider-ecsprod_<version>_<platform>.zip holding the
# binary as terraform-provider-ecsprod_v<version> (executable), as registries serve it.
pack() {
  local version
  version="$(provider_version)"
  python3 - "$1" "terraform-provider-ecsprod_v$version" \
    "$3/terraform-provider-ecsprod_${version}_$2.zip" <<'PY'
import sys, zipfile
src, name, dst = sys.argv[1:4]
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o755 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(src, "rb") as f:
        z.writestr(info, f.read())
PY
}
