#!/usr/bin/env bash
# Fills in packaging/homebrew/kubeward.rb.in from a release's checksums.txt: the formula the
# release attaches, ready for a tap.
#
#   bash scripts/render-formula.sh VERSION dist/release/checksums.txt > dist/release/kubeward.rb
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: render-formula.sh VERSION CHECKSUMS" >&2; exit 2; }
version=${1#v}
checksums=$2
root=$(cd "$(dirname "$0")/.." && pwd)
sum() {
  local asset="kubeward-$version-$1.tar.gz"
  local value
  value=$(awk -v name="$asset" '$2 == name { print $1 }' "$checksums")
  [ -n "$value" ] || { echo "render-formula: $checksums lists no $asset" >&2; exit 1; }
  echo "$value"
}
sed -e "s/@VERSION@/$version/g" \
  -e "s/@SHA256_MACOS_AARCH64@/$(sum macos-aarch64)/" \
  -e "s/@SHA256_MACOS_X86_64@/$(sum macos-x86_64)/" \
  -e "s/@SHA256_LINUX_AARCH64@/$(sum linux-aarch64)/" \
  -e "s/@SHA256_LINUX_X86_64@/$(sum linux-x86_64)/" \
  "$root/packaging/homebrew/kubeward.rb.in"
