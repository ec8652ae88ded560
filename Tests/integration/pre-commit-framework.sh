#!/usr/bin/env bash
# End-to-end test of .pre-commit-hooks.yaml with the real pre-commit tool (PyPI): in a
# throwaway git repository whose .pre-commit-config.yaml names this checkout at its commit,
# `pre-commit run` builds kubeward the way a user's pre-commit would (swift build -c release,
# once: every check below reuses the environment, as a user's commits do) and runs it on the
# staged manifests. Uncommitted changes of the checkout are committed in a copy of it first,
# as `pre-commit try-repo` does (which builds afresh on every call: 12 minutes each here).
# CI runs it after the unit tests (.ci/run); run it by hand with
#   bash Tests/integration/pre-commit-framework.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

if command -v pre-commit >/dev/null 2>&1; then
  pre_commit=(pre-commit)
elif python3 -m pre_commit --version >/dev/null 2>&1; then
  pre_commit=(python3 -m pre_commit)
else
  echo "pre-commit-framework: pre-commit is not installed (pip install pre-commit)" >&2
  exit 1
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# A private cache, so the hook is built from this checkout and not from an earlier run.
export PRE_COMMIT_HOME="$scratch/cache"

hooks_repository=$root
if ! git -C "$root" diff --quiet HEAD; then
  hooks_repository="$scratch/hooks"
  git clone -q "$root" "$hooks_repository"
  git -C "$root" diff --binary HEAD | git -C "$hooks_repository" apply --index
  git -C "$hooks_repository" -c user.email=test@example.com -c user.name=Test \
    commit -q -m "uncommitted changes"
fi
revision=$(git -C "$hooks_repository" rev-parse HEAD)

repository="$scratch/repository"
mkdir -p "$repository/apps/web"
cd "$repository"
git init -q
git config user.email test@example.com
git config user.name Test

passed=0
failed=0
hook=kubeward
check() {  # check NAME EXPECTED-STATUS EXPECTED-TEXT
  local name=$1 expected=$2 text=$3 status=0
  # Outside the repository, as a config the commit does not stage.
  printf 'repos:\n  - repo: %s\n    rev: %s\n    hooks: [{id: %s}]\n' \
    "$hooks_repository" "$revision" "$hook" >"$scratch/config.yaml"
  "${pre_commit[@]}" run --config "$scratch/config.yaml" >"$scratch/output" 2>&1 || status=$?
  if { [ "$expected" = pass ] && [ $status -eq 0 ]; } \
    || { [ "$expected" = fail ] && [ $status -ne 0 ]; }; then
    if grep -qF -- "$text" "$scratch/output"; then
      echo "ok: $name"
      passed=$((passed + 1))
      return
    fi
  fi
  echo "FAILED: $name (status $status, expected to $expected showing \"$text\")"
  sed 's/^/  | /' "$scratch/output"
  failed=$((failed + 1))
}

cat >apps/web/deployment.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: example/web:1.0
          ports: [{name: http, containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /ready, port: http}
          livenessProbe:
            httpGet: {path: /live, port: http}
          resources:
            requests: {cpu: 100m, memory: 128Mi, ephemeral-storage: 64Mi}
            limits: {memory: 128Mi, ephemeral-storage: 256Mi}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: web}
YAML
git add apps/web/deployment.yaml
check "a clean Deployment passes" pass "kubeward"
git commit -q -m deployment

cat >apps/web/service.yaml <<'YAML'
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer
  ports:
    - {port: 80, targetPort: http}
  selector: {app: web}
YAML
git add apps/web/service.yaml
check "a LoadBalancer Service fails" fail "apps/web/service.yaml:6:9: warning:"

sed -i 's/type: LoadBalancer/type: ClusterIP/; s/app: web}/app: wbe}/' apps/web/service.yaml
git add apps/web/service.yaml
# The committed Deployment is the context that shows the selector matches nothing.
check "a selector typo fails against the repository" fail "[service-selects-nothing]"

sed -i 's/app: wbe}/app: web}/' apps/web/service.yaml
git add apps/web/service.yaml
check "the fixed Service passes" pass "kubeward"

git commit -q -m service

# The kubeward-system hook runs the kubeward on the PATH (here the static release binary):
# nothing to build.
if [ -x "$root/dist/kubeward" ]; then
  mkdir -p "$scratch/bin"
  cp "$root/dist/kubeward" "$scratch/bin/kubeward"
  export PATH="$scratch/bin:$PATH"
  hook=kubeward-system
  cat >apps/web/values.yaml <<'YAML'
replicaCount: 2
image: {repository: example/web, tag: "1.0"}
YAML
  git add apps/web/values.yaml
  # A chart's values are no manifest: no object read is not a failure for a hook.
  check "kubeward-system passes a commit without manifests" pass "kubeward"
  sed -i 's/type: ClusterIP/type: LoadBalancer/' apps/web/service.yaml
  git add apps/web/service.yaml
  check "kubeward-system fails a LoadBalancer Service" fail "[loadbalancer-lifecycle]"
else
  echo "FAILED: dist/kubeward is not built (bash scripts/build-static.sh)"
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
