#!/usr/bin/env bash
# Packs a built kubeward into a release asset, as the release workflow and the install tests
# use them: dist/release/kubeward-VERSION-OS-ARCH.tar.gz (the binary, its shell completions and
# the README), with its line in dist/release/checksums.txt (SHA-256, sha256sum's format).
#
#   bash scripts/package-release.sh linux x86_64 dist/kubeward
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: package-release.sh OS ARCH BINARY" >&2; exit 2; }
os=$1
arch=$2
binary=$3
root=$(cd "$(dirname "$0")/.." && pwd)
case "$os" in linux | macos) ;; *) echo "package-release: unknown OS $os" >&2; exit 2 ;; esac
case "$arch" in x86_64 | aarch64) ;; *) echo "package-release: unknown arch $arch" >&2; exit 2 ;; esac
[ -x "$binary" ] || { echo "package-release: no executable at $binary" >&2; exit 1; }

version=$("$binary" --version)
out="$root/dist/release"
mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$binary" "$stage/kubeward"
chmod 755 "$stage/kubeward"
mkdir "$stage/completions"
for shell in bash zsh fish; do
  "$binary" completion "$shell" >"$stage/completions/kubeward.$shell"
done
cp "$root/README.md" "$stage/README.md"
asset="kubeward-$version-$os-$arch.tar.gz"
# Reproducible where GNU tar is there (fixed order, owner and times); macOS's tar packs as is.
if tar --version 2>/dev/null | grep -q GNU; then
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2000-01-01 00:00Z' \
    -C "$stage" -czf "$out/$asset" kubeward completions README.md
else
  tar -C "$stage" -czf "$out/$asset" kubeward completions README.md
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha() { sha256sum "$1"; }
else
  sha() { shasum -a 256 "$1"; }
fi
(
  cd "$out"
  touch checksums.txt
  grep -v "  $asset\$" checksums.txt >checksums.tmp || true
  sha "$asset" >>checksums.tmp
  sort -k2 checksums.tmp >checksums.txt
  rm checksums.tmp
)
echo "package-release: $out/$asset"
