#!/bin/sh
# Installs a prebuilt kubeward release: picks the asset for this system, verifies its SHA-256
# against the release's checksums.txt, and puts kubeward (and its shell completions, when the
# folders exist) in place.
#
#   curl -fsSL https://raw.githubusercontent.com/kubeward/kubeward/main/scripts/install.sh | sh
#   curl -fsSL …/install.sh | sh -s -- --version 0.1.0 --dir ~/.local/bin
#
# Environment (or the options): KUBEWARD_VERSION, KUBEWARD_INSTALL_DIR, and
# KUBEWARD_DOWNLOAD_URL (where the release assets are: a mirror, or file:///… for a local copy).
set -eu

version="${KUBEWARD_VERSION:-0.1.0}"
dir="${KUBEWARD_INSTALL_DIR:-/usr/local/bin}"
base="${KUBEWARD_DOWNLOAD_URL:-https://github.com/kubeward/kubeward/releases/download}"

fail() {
  echo "install.sh: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || fail "--version needs a value"; version="$2"; shift 2 ;;
    --dir) [ $# -ge 2 ] || fail "--dir needs a value"; dir="$2"; shift 2 ;;
    --url) [ $# -ge 2 ] || fail "--url needs a value"; base="$2"; shift 2 ;;
    -h | --help)
      sed -n '2,10p' "$0" 2>/dev/null || true
      exit 0
      ;;
    *) fail "unknown option $1" ;;
  esac
done
version="${version#v}"
case "$version" in
  *[!0-9A-Za-z.+-]* | "") fail "not a version: $version" ;;
esac

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=macos ;;
  *) fail "no prebuilt kubeward for $(uname -s); build it from source (see the README)" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x86_64 ;;
  aarch64 | arm64) arch=aarch64 ;;
  *) fail "no prebuilt kubeward for $(uname -m); build it from source (see the README)" ;;
esac

asset="kubeward-$version-$os-$arch.tar.gz"
release="$base/v$version"

if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL --proto '=https,file' --retry 3 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -O "$2" "$1"; }
else
  fail "curl or wget is needed"
fi

if command -v sha256sum >/dev/null 2>&1; then
  digest() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  digest() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  fail "sha256sum or shasum is needed to verify the download"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

echo "install.sh: kubeward $version for $os/$arch from $release"
fetch "$release/checksums.txt" "$work/checksums.txt" || fail "cannot download $release/checksums.txt"
fetch "$release/$asset" "$work/$asset" || fail "cannot download $release/$asset"

expected=$(awk -v name="$asset" '$2 == name || $2 == "*" name { print $1 }' "$work/checksums.txt")
[ -n "$expected" ] || fail "checksums.txt lists no $asset"
actual=$(digest "$work/$asset")
[ "$expected" = "$actual" ] || fail "checksum mismatch for $asset: expected $expected, got $actual"

mkdir -p "$work/unpacked"
tar -xzf "$work/$asset" -C "$work/unpacked"
[ -f "$work/unpacked/kubeward" ] || fail "$asset holds no kubeward"

mkdir -p "$dir" 2>/dev/null || true
[ -w "$dir" ] || fail "cannot write to $dir; run as a user who can, or pass --dir DIR"
install_file() {
  cp "$1" "$2.tmp.$$" && chmod "$3" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
}
install_file "$work/unpacked/kubeward" "$dir/kubeward" 755
echo "install.sh: installed $dir/kubeward"

# Completions, where this system keeps them and the user may write.
for pair in \
  "bash:${BASH_COMPLETION_USER_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/bash-completion}/completions/kubeward" \
  "zsh:${ZDOTDIR:-$HOME}/.zfunc/_kubeward" \
  "fish:${XDG_CONFIG_HOME:-$HOME/.config}/fish/completions/kubeward.fish"; do
  shell=${pair%%:*}
  target=${pair#*:}
  source_file="$work/unpacked/completions/kubeward.$shell"
  [ -f "$source_file" ] || continue
  target_dir=$(dirname "$target")
  [ -d "$target_dir" ] && [ -w "$target_dir" ] || continue
  install_file "$source_file" "$target" 644
  echo "install.sh: installed $shell completions in $target"
done

"$dir/kubeward" --version >/dev/null 2>&1 || fail "$dir/kubeward does not run on this system"
case ":$PATH:" in
  *":$dir:"*) ;;
  *) echo "install.sh: $dir is not on your PATH; add it, or run $dir/kubeward" ;;
esac
