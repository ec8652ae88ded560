#!/usr/bin/env bash
# Builds the fuzz target with libFuzzer and AddressSanitizer and runs it, seeded with the real
# manifests in ../shared/corpus/real (read only) and kubeward's examples and policy examples.
#
#   bash Fuzz/run.sh [SECONDS]        # default 600; findings land in Fuzz/artifacts/
#   Fuzz/.build/release/FuzzLint CRASH-FILE   # replays one input
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-600}
cd "$here"
swift build -c release -Xswiftc -sanitize=fuzzer,address -Xlinker --allow-multiple-definition \
  2>&1 | grep -E "error|warning: |Build complete" || true

# libFuzzer writes new interesting inputs to the first folder; the others are seeds it only reads.
mkdir -p corpus artifacts
seeds=("$here/../examples")
[ -d "$here/../../shared/corpus/real" ] && seeds+=("$here/../../shared/corpus/real")
# Swift's own crash backtracer would trip AddressSanitizer; libFuzzer reports crashes itself.
export SWIFT_BACKTRACE=enable=no
exec .build/release/FuzzLint corpus "${seeds[@]}" \
  -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix=artifacts/ -print_final_stats=1
