#!/usr/bin/env bash
# End-to-end test of the install channels that can run here: the release packaging
# (scripts/package-release.sh), the install script (scripts/install.sh) against those assets
# served as a release would serve them (file:// standing for GitHub's download URL), and the
# Homebrew formula rendered from the release's checksums. Needs dist/kubeward
# (scripts/build-static.sh). CI runs it (.ci/run); by hand: bash Tests/integration/install.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$root/dist/kubeward" ] || { echo "install: build dist/kubeward first" >&2; exit 1; }
version=$("$root/dist/kubeward" --version)
case "$(uname -m)" in aarch64 | arm64) arch=aarch64 ;; *) arch=x86_64 ;; esac

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0
failed=0
ok() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAILED: $1"; [ -f "$scratch/log" ] && sed 's/^/  | /' "$scratch/log"; failed=$((failed + 1)); }

bash "$root/scripts/package-release.sh" linux "$arch" "$root/dist/kubeward" >/dev/null
asset="kubeward-$version-linux-$arch.tar.gz"
releases="$scratch/releases/v$version"
mkdir -p "$releases"
cp "$root/dist/release/$asset" "$root/dist/release/checksums.txt" "$releases/"
tar -tzf "$releases/$asset" >"$scratch/contents"
if grep -qx kubeward "$scratch/contents" && grep -qx completions/kubeward.bash "$scratch/contents"; then
  ok "the release asset holds the binary and its completions"
else
  fail "the release asset holds the binary and its completions"
fi

install_into() {  # install_into HOME-FOLDER [install.sh options…]
  local home=$1
  shift
  mkdir -p "$home"
  env -i PATH="/usr/bin:/bin" HOME="$home" \
    KUBEWARD_DOWNLOAD_URL="file://$scratch/releases" KUBEWARD_VERSION="$version" \
    sh "$root/scripts/install.sh" "$@" >"$scratch/log" 2>&1
}

home="$scratch/home"
mkdir -p "$home/.local/share/bash-completion/completions" "$home/.config/fish/completions"
if install_into "$home" --dir "$home/bin" && [ "$("$home/bin/kubeward" --version)" = "$version" ]; then
  ok "install.sh installs the release binary, verified"
else
  fail "install.sh installs the release binary, verified"
fi
if [ -s "$home/.local/share/bash-completion/completions/kubeward" ] \
  && [ -s "$home/.config/fish/completions/kubeward.fish" ]; then
  ok "install.sh installs the completions where the folders exist"
else
  fail "install.sh installs the completions where the folders exist"
fi
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n' \
  >"$scratch/service.yaml"
"$home/bin/kubeward" lint "$scratch/service.yaml" >"$scratch/lint" 2>&1 || true
if grep -q "\[loadbalancer-lifecycle\]" "$scratch/lint"; then
  ok "the installed kubeward lints"
else
  fail "the installed kubeward lints"
fi

# A tampered asset is refused, and nothing is installed.
cp "$releases/$asset" "$scratch/original.tar.gz"
printf 'tampered' >>"$releases/$asset"
if ! install_into "$scratch/home2" --dir "$scratch/home2/bin" \
  && grep -q "checksum mismatch" "$scratch/log" && [ ! -e "$scratch/home2/bin/kubeward" ]; then
  ok "a download that does not match checksums.txt is refused"
else
  fail "a download that does not match checksums.txt is refused"
fi
cp "$scratch/original.tar.gz" "$releases/$asset"

# A version with no release fails with a message, not a half install.
if ! install_into "$scratch/home3" --dir "$scratch/home3/bin" --version 9.9.9 \
  && grep -q "cannot download" "$scratch/log" && [ ! -e "$scratch/home3/bin/kubeward" ]; then
  ok "a missing release is reported"
else
  fail "a missing release is reported"
fi

# The Homebrew formula, rendered from a release's checksums.txt.
{
  for platform in macos-aarch64 macos-x86_64 linux-aarch64 linux-x86_64; do
    printf '%064d  kubeward-%s-%s.tar.gz\n' "$((passed + 1))" "$version" "$platform"
  done
} >"$scratch/checksums.txt"
if bash "$root/scripts/render-formula.sh" "$version" "$scratch/checksums.txt" >"$scratch/kubeward.rb" \
  && ! grep -q "@[A-Z0-9_]*@" "$scratch/kubeward.rb" \
  && grep -q "version \"$version\"" "$scratch/kubeward.rb" \
  && grep -q "kubeward-$version-linux-x86_64.tar.gz" "$scratch/kubeward.rb"; then
  ok "the Homebrew formula is rendered with the release's version and checksums"
else
  fail "the Homebrew formula is rendered with the release's version and checksums"
fi
if command -v ruby >/dev/null 2>&1; then
  if ruby -c "$scratch/kubeward.rb" >/dev/null 2>&1; then ok "the formula is valid Ruby"; else fail "the formula is valid Ruby"; fi
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
