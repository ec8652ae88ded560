#!/usr/bin/env python3
"""The admission case without the noise: 50 admission policies against the built-ins-only run,
both under valgrind's cachegrind with its cache and branch simulation, on a 2 000-document
corpus. It prints, for each run, the instructions, the first-level instruction and data cache
misses and the mispredicted branches, and an estimate of the cycles they cost:

  cycles ~ instructions / 4 + 12 x (I1 + D1 misses) + 15 x mispredicted branches

(about what a current x86 core pays: four instructions a cycle when nothing stalls, a
second-level cache hit, a pipeline flush). `run.py`'s wall-clock ratio of the same two runs
moved between 1.40 and 1.70 from one run to the next on this project's shared machines
(2026-12-04, the same binary); these counts do not move (hashing is made deterministic for
them), so a change to the admission path is judged here first. Three limits: the simulated
branch predictor is simpler than a real one; it is sensitive to where code lies, so that a
rebuild that moves code shifts its mispredictions by up to a tenth (the built-ins run's, its
code unchanged: 14.1 M in one build, 15.6 M in another) and the estimated ratio by up to
0.03, while instructions and cache misses stay within a per cent; and loading and compiling
the policies, done once, weighs more in 2 000 documents than in the benchmark's 10 000.

The instruction count alone misleads: fifty policies add about 45 % to the built-ins run's
instructions, but about 70 % to its estimated cycles, as the code they run misses the
instruction cache and mispredicts branches two to three times as often per instruction.

Usage: Benchmarks/admission/cycles.py [KUBEWARD]   (default: .build/release/kubeward)
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
CORPORA = os.path.join(ROOT, "Benchmarks", "corpora")

INSTRUCTIONS_PER_CYCLE = 4
MISS_CYCLES = 12
MISPREDICT_CYCLES = 15


def run(command):
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def counts(kubeward, arguments):
    """cachegrind's totals for one run of `kubeward lint`."""
    with tempfile.TemporaryDirectory() as folder:
        # valgrind 3.19 cannot read the DWARF of Swift 6: a copy without it runs the same code.
        binary = os.path.join(folder, "kubeward")
        run(["objcopy", "--strip-debug", kubeward, binary])
        out = os.path.join(folder, "cachegrind.out")
        environment = dict(os.environ, SWIFT_DETERMINISTIC_HASHING="1")
        subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=yes", "--branch-sim=yes",
             f"--cachegrind-out-file={out}", binary, "lint", "--jobs", "1", "--format", "json",
             "--fail-on", "never"] + arguments,
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
        events = summary = None
        with open(out) as handle:
            for line in handle:
                if line.startswith("events:"):
                    events = line.split()[1:]
                elif line.startswith("summary:"):
                    summary = [int(value) for value in line.split()[1:]]
        return dict(zip(events, summary))


def cycles(count):
    misses = count["I1mr"] + count["D1mr"] + count["D1mw"]
    return (count["Ir"] / INSTRUCTIONS_PER_CYCLE + MISS_CYCLES * misses
            + MISPREDICT_CYCLES * (count["Bcm"] + count["Bim"]))


def describe(name, count):
    print(f"{name:24} {count['Ir'] / 1e6:8.1f} M instructions  "
          f"I1 misses {count['I1mr'] / 1e6:5.2f} M  D1 misses "
          f"{(count['D1mr'] + count['D1mw']) / 1e6:5.2f} M  mispredicted "
          f"{(count['Bcm'] + count['Bim']) / 1e6:5.2f} M  ~{cycles(count) / 1e6:7.1f} M cycles")


def main():
    kubeward = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, ".build", "release", "kubeward")
    corpus = os.path.join(CORPORA, "n2000-s1")
    if not os.path.exists(os.path.join(corpus, "files.txt")):
        run([sys.executable, os.path.join(SHARED, "tools", "gencorpus.py"), "-o", corpus,
             "-n", "2000", "-s", "1", "-q", "--force"])
    policies = os.path.join(CORPORA, "admission-policies.yaml")
    run([sys.executable, os.path.join(HERE, "make_policies.py"), policies])
    builtin = counts(kubeward, [corpus])
    admission = counts(kubeward, ["--policy", policies, corpus])
    describe("built-ins only", builtin)
    describe("50 admission policies", admission)
    print(f"ratio: instructions {admission['Ir'] / builtin['Ir']:.3f}, "
          f"estimated cycles {cycles(admission) / cycles(builtin):.3f} (target <= 1.5)")


if __name__ == "__main__":
    main()
