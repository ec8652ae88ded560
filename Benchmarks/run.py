#!/usr/bin/env python3
"""kubeward's benchmark: kubeward against the raw libyaml parse of the same files.

The floor (`../shared/tools/yamlfloor.c`) is libyaml's event parser over every file and
nothing else: no tool built on libyaml can be faster. This script generates the corpora with
`../shared/tools/gencorpus.py`, builds the floor and a release kubeward, times both with
repeated runs (whole processes, wall clock) and prints the ratios the project holds itself to:

  full lint, one core (--jobs 1)        <= 1.5  x floor
  full lint, all cores (default --jobs) <= 0.8  x floor (single-core)
  pre-commit: 10 files, whole process   <= 30 ms
  peak RSS on 100 000 documents         <= 128 MiB
  50 admission policies, --jobs 1       <= 1.5  x the built-ins-only run
  one CEL evaluation on a Deployment    <= 10 us

The kubeward measured is the release binary users install: the static one that
scripts/build-static.sh makes (dist/kubeward). `--binary dev` measures the dynamically linked
`swift build -c release` one instead, which is a few per cent slower (calls into the Swift
runtime go through the dynamic linker's tables, and it starts slower).

The floor and both kubeward runs are timed side by side: each round runs the three commands
one after another, and a ratio is the median over the rounds of that round's ratio. A shared
machine drifts by several per cent within minutes; timing the floor first and kubeward minutes
later would measure the drift as much as kubeward.

Usage: Benchmarks/run.py [--runs N] [--quick] [--skip-build] [--binary static|dev]
  --quick  only the 10 000-document ratios (skips the 100 000-document memory run)
Corpora are cached under Benchmarks/corpora/ (ignored by git).
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
CORPORA = os.path.join(HERE, "corpora")
BUILD = os.path.join(ROOT, ".build")


def log(message):
    print(message, file=sys.stderr, flush=True)


def corpus(docs, seed=1):
    """Generates (once) a gencorpus corpus and returns its folder."""
    folder = os.path.join(CORPORA, f"n{docs}-s{seed}")
    if not os.path.exists(os.path.join(folder, "files.txt")):
        log(f"generating {docs} documents in {folder}")
        subprocess.run(
            [sys.executable, os.path.join(SHARED, "tools", "gencorpus.py"), "-o", folder,
             "-n", str(docs), "-s", str(seed), "-q", "--force"],
            check=True)
    return folder


def build(skip, kind):
    floor = os.path.join(BUILD, "yamlfloor")
    if not skip or not os.path.exists(floor):
        os.makedirs(BUILD, exist_ok=True)
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "yaml-0.1"], check=True,
                               capture_output=True, text=True).stdout.split()
        subprocess.run(["cc", "-O2", "-o", floor, os.path.join(SHARED, "tools", "yamlfloor.c")]
                       + flags, check=True)
    if kind == "static":
        binary = os.path.join(ROOT, "dist", "kubeward")
        if not skip or not os.path.exists(binary):
            log("building kubeward (static release, scripts/build-static.sh)")
            subprocess.run(["bash", os.path.join(ROOT, "scripts", "build-static.sh")], cwd=ROOT,
                           check=True, stdout=subprocess.DEVNULL)
        return floor, binary
    if not skip:
        log("building kubeward (release)")
        subprocess.run(["swift", "build", "-c", "release", "--product", "kubeward"], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
    folder = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout.strip()
    return floor, os.path.join(folder, "kubeward")


def run_once(command):
    """Wall seconds and peak resident memory (bytes) of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # kubeward exits 1 when it finds something
        raise SystemExit(f"{command[0]} failed with status {code}")
    return elapsed, usage.ru_maxrss * 1024


def measure(command, runs, warmup=1):
    for _ in range(warmup):
        run_once(command)
    samples = [run_once(command) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def measure_side_by_side(commands, runs, warmup=1):
    """Times `commands` in rounds, each round running every command once, in turn. Returns,
    per command, its median seconds, its peak resident memory, and its per-round times."""
    for _ in range(warmup):
        for command in commands:
            run_once(command)
    rounds = [[run_once(command) for command in commands] for _ in range(runs)]
    return [
        (statistics.median(r[i][0] for r in rounds), max(r[i][1] for r in rounds),
         [r[i][0] for r in rounds])
        for i in range(len(commands))
    ]


def ratio(times, floor_times):
    """The median over the rounds of kubeward's time over the floor's in the same round."""
    return statistics.median(t / f for t, f in zip(times, floor_times))


def verdict(ok):
    return "met" if ok else "MISSED"


def admission(kubeward, small, runs):
    """The admission case: 50 ValidatingAdmissionPolicies over the 10 000-document corpus,
    against the same run without them, and the time of one evaluation of each policy's
    validation on a typical Deployment."""
    policies = os.path.join(CORPORA, "admission-policies.yaml")
    subprocess.run([sys.executable, os.path.join(HERE, "admission", "make_policies.py"),
                    policies], check=True, stdout=subprocess.DEVNULL)
    lint = [kubeward, "lint", "--format", "json", "--fail-on", "never", "--jobs", "1"]
    (builtin, _, builtin_times), (with_policies, _, policy_times) = measure_side_by_side(
        [lint + [small], lint + ["--policy", policies, small]], runs)
    slowdown = ratio(policy_times, builtin_times)
    deployment = os.path.join(HERE, "admission", "deployment.yaml")
    expressions = []
    with open(policies) as handle:
        for line in handle:
            line = line.strip()
            if line.startswith('- expression: "'):
                expressions.append(line[len('- expression: "'):-1].replace('\\"', '"')
                                   .replace("\\\\", "\\"))
    per_eval = []
    for expression in expressions[:25]:
        result = subprocess.run(
            [kubeward, "eval", expression, "--object", deployment, "--repeat", "20000"],
            capture_output=True, text=True)
        for line in result.stderr.splitlines():
            if "evaluations," in line:
                per_eval.append(float(line.split(",")[1].split()[0]))
    print(f"50 admission policies, --jobs 1   {with_policies * 1000:8.1f} ms  "
          f"{slowdown:5.2f} x built-ins only ({builtin * 1000:.1f} ms)  "
          f"(target <= 1.5: {verdict(slowdown <= 1.5)})")
    if per_eval:
        print(f"CEL evaluation on a Deployment  median {statistics.median(per_eval):.2f} us, "
              f"slowest {max(per_eval):.2f} us over {len(per_eval)} validations "
              f"(target <= 10 us: {verdict(max(per_eval) <= 10)})")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--binary", choices=["static", "dev"], default="static")
    args = parser.parse_args()

    floor, kubeward = build(args.skip_build, args.binary)
    cores = os.cpu_count() or 1
    small = corpus(10_000)
    files = os.path.join(small, "files.txt")

    lint = [kubeward, "lint", "--format", "json", "--fail-on", "never"]
    (floor_seconds, _, floor_times), (one_core, one_core_rss, one_core_times), \
        (all_cores, _, all_cores_times) = measure_side_by_side(
            [[floor, "-q", "-l", files], lint + ["--jobs", "1", small], lint + [small]], args.runs)
    one_core_ratio = ratio(one_core_times, floor_times)
    all_cores_ratio = ratio(all_cores_times, floor_times)
    with open(files) as handle:
        ten = [line.strip() for line in handle if line.strip()][:10]
    pre_commit, _ = measure([kubeward, "lint", "--fail-on", "never"] + ten, args.runs * 3)

    print(f"corpus: gencorpus.py -n 10000 -s 1 ({small}), {cores} cores, {args.runs} rounds "
          "side by side (medians)")
    print(f"kubeward: {os.path.relpath(kubeward, ROOT)} ({args.binary} build)")
    print(f"floor (libyaml parse only)      {floor_seconds * 1000:8.1f} ms")
    print(f"kubeward --jobs 1               {one_core * 1000:8.1f} ms  "
          f"{one_core_ratio:5.2f} x floor  (target <= 1.5: "
          f"{verdict(one_core_ratio <= 1.5)})  peak RSS {one_core_rss / 2**20:.0f} MiB")
    print(f"kubeward --jobs {cores} (default)     {all_cores * 1000:8.1f} ms  "
          f"{all_cores_ratio:5.2f} x floor  (target <= 0.8: "
          f"{verdict(all_cores_ratio <= 0.8)})")
    print(f"pre-commit, 10 files            {pre_commit * 1000:8.1f} ms            "
          f"(target <= 30 ms: {verdict(pre_commit <= 0.030)})")

    admission(kubeward, small, args.runs)

    if not args.quick:
        large = corpus(100_000)
        large_floor, _ = measure([floor, "-q", "-l", os.path.join(large, "files.txt")], 3)
        large_seconds, large_rss = measure(
            [kubeward, "lint", "--format", "json", "--fail-on", "never", large], 3)
        print(f"100 000 documents: floor {large_floor * 1000:.0f} ms, kubeward "
              f"{large_seconds * 1000:.0f} ms ({large_seconds / large_floor:.2f} x), "
              f"peak RSS {large_rss / 2**20:.0f} MiB (target <= 128 MiB: "
              f"{verdict(large_rss <= 128 * 2**20)}; 10 000 documents: "
              f"{one_core_rss / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
