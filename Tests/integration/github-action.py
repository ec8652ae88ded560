#!/usr/bin/env python3
"""End-to-end test of action.yml, the composite GitHub Action.

GitHub's runner cannot run here, so this plays its part for a composite action: it reads
action.yml, evaluates the `${{ inputs.* }}`, `${{ github.workspace }}` and `${{ steps.* }}`
expressions the steps use, runs each `run:` step with bash the way the runner does
(`bash --noprofile --norc -eo pipefail`, GITHUB_ACTION_PATH, GITHUB_OUTPUT), and checks
what reaches GitHub: the workflow-command annotations, the exit status, and the SARIF file
handed to the upload step, validated against the SARIF 2.1.0 schema in ../shared/schemas.

CI runs it after the unit tests (.ci/run); by hand: python3 Tests/integration/github-action.py
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = os.path.join(ROOT, "..", "shared", "schemas", "sarif-schema-2.1.0.json")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer
  ports:
    - port: 80
"""


def evaluate(expression, context):
    """The few expression forms action.yml uses: a dotted name, or always() && comparisons."""
    if expression in context:
        return context[expression]
    terms = [term.strip() for term in expression.split("&&")]
    if len(terms) > 1 or "==" in expression or "!=" in expression:
        for term in terms:
            if term == "always()":
                continue
            match = re.fullmatch(r"(\S+)\s*(==|!=)\s*'(.*)'", term)
            if not match:
                raise SystemExit(f"github-action: cannot evaluate {term!r}")
            value = context.get(match.group(1), "")
            if (value == match.group(3)) != (match.group(2) == "=="):
                return False
        return True
    if expression.startswith(("inputs.", "steps.", "github.")):
        return context.get(expression, "")
    raise SystemExit(f"github-action: unknown expression {expression!r}")


def substitute(text, context):
    return EXPRESSION.sub(lambda match: str(evaluate(match.group(1), context)), text)


def package_release(folder):
    """The release assets of dist/kubeward, as the install step downloads them: a file://
    download URL standing for GitHub's releases."""
    version = subprocess.run(
        [os.path.join(ROOT, "dist", "kubeward"), "--version"], capture_output=True, text=True,
        check=True).stdout.strip()
    subprocess.run(
        ["bash", os.path.join(ROOT, "scripts", "package-release.sh"), "linux", "x86_64",
         os.path.join(ROOT, "dist", "kubeward")], check=True, capture_output=True)
    release = os.path.join(folder, "v" + version)
    os.makedirs(release)
    for name in (f"kubeward-{version}-linux-x86_64.tar.gz", "checksums.txt"):
        with open(os.path.join(ROOT, "dist", "release", name), "rb") as source:
            data = source.read()
        with open(os.path.join(release, name), "wb") as target:
            target.write(data)
    return "file://" + folder


def run_action(workspace, inputs):
    """Runs the action's steps; returns (lint step status, its output, upload step's `with`)."""
    action = yaml.safe_load(open(os.path.join(ROOT, "action.yml")))
    assert action["runs"]["using"] == "composite", "the action is a composite action"
    context = {f"inputs.{name}": spec.get("default", "") for name, spec in action["inputs"].items()}
    context.update({f"inputs.{name}": value for name, value in inputs.items()})
    context["github.workspace"] = workspace
    lint_status, lint_output, upload = None, "", None
    for step in action["runs"]["steps"]:
        if "if" in step and not evaluate(step["if"].strip("${} "), context):
            continue
        if "uses" in step:
            assert step["uses"].startswith("github/codeql-action/upload-sarif@"), step["uses"]
            upload = {key: substitute(str(value), context) for key, value in step["with"].items()}
            continue
        assert step.get("shell") == "bash", f"step {step['name']!r} names its shell"
        output_file = os.path.join(workspace, ".github-output")
        open(output_file, "w").close()
        environment = dict(
            os.environ, GITHUB_ACTION_PATH=ROOT, GITHUB_OUTPUT=output_file,
            RUNNER_TEMP=os.path.join(workspace, ".runner-temp"),
            GITHUB_STEP_SUMMARY=os.path.join(workspace, ".step-summary.md"))
        os.makedirs(environment["RUNNER_TEMP"], exist_ok=True)
        environment.update({k: substitute(str(v), context) for k, v in step.get("env", {}).items()})
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", substitute(step["run"], context)],
            cwd=substitute(step.get("working-directory", workspace), context),
            env=environment, capture_output=True, text=True)
        for line in open(output_file).read().splitlines():
            name, _, value = line.partition("=")
            context[f"steps.{step.get('id', '')}.outputs.{name}"] = value
        if step.get("id") == "lint":
            lint_status, lint_output = result.returncode, result.stdout + result.stderr
        elif result.returncode != 0:
            raise SystemExit(f"github-action: step {step['name']!r} failed:\n{result.stderr}")
    return lint_status, lint_output, upload


def main():
    passed = failed = 0

    def check(name, condition, detail=""):
        nonlocal passed, failed
        if condition:
            passed += 1
            print(f"ok: {name}")
        else:
            failed += 1
            print(f"FAILED: {name}\n{detail}")

    schema = json.load(open(SCHEMA))
    with tempfile.TemporaryDirectory() as workspace, tempfile.TemporaryDirectory() as releases:
        subprocess.run(["git", "init", "-q", workspace], check=True)
        os.makedirs(os.path.join(workspace, "deploy"))
        with open(os.path.join(workspace, "deploy", "web.yaml"), "w") as file:
            file.write(SERVICE)

        download = package_release(releases)
        status, output, upload = run_action(
            workspace, {"paths": "deploy", "download-url": download})
        check("a finding fails the lint step", status == 1, output)
        installed = os.path.join(workspace, ".runner-temp", "kubeward-bin", "kubeward")
        check("the release binary is installed, not built", os.access(installed, os.X_OK), output)
        summary = open(os.path.join(workspace, ".step-summary.md")).read() \
            if os.path.exists(os.path.join(workspace, ".step-summary.md")) else ""
        check(
            "the job summary counts the findings per policy",
            "| warning | 1 | `loadbalancer-lifecycle`" in summary, summary)
        check(
            "findings are annotated with workflow commands",
            "::warning file=deploy/web.yaml,line=6,endLine=6,col=9," in output, output)
        check("the SARIF report is handed to the upload step", upload is not None, output)
        if upload:
            sarif_path = os.path.join(workspace, upload["sarif_file"])
            try:
                report = json.load(open(sarif_path))
                jsonschema.validate(report, schema)
                valid = True
            except (OSError, ValueError, jsonschema.ValidationError) as error:
                valid, report = False, str(error)
            check("the SARIF report validates against the 2.1.0 schema", valid, report)
            if valid:
                location = report["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
                check(
                    "SARIF locations are relative to the repository",
                    location["artifactLocation"]["uri"] == "deploy/web.yaml"
                    and location["region"]["startLine"] == 6, json.dumps(location))

        status, output, upload = run_action(
            workspace, {"paths": "deploy", "fail-on": "never", "upload-sarif": "false",
                        "download-url": download})
        check("fail-on: never passes the step", status == 0, output)
        check("upload-sarif: false skips the upload", upload is None, str(upload))

        # A pull request that turns the gate off in its own .kubeward.yaml: with
        # config-from-ref, the configuration is read as the base commit has it.
        def git(*arguments):
            subprocess.run(
                ["git", "-c", "user.email=ci@example.com", "-c", "user.name=CI", *arguments],
                cwd=workspace, check=True, capture_output=True)
        with open(os.path.join(workspace, ".kubeward.yaml"), "w") as file:
            file.write("failOn: warning\n")
        git("add", ".")
        git("commit", "-q", "-m", "base")
        git("tag", "base")
        with open(os.path.join(workspace, ".kubeward.yaml"), "w") as file:
            file.write("failOn: never\n")
        status, output, _ = run_action(
            workspace, {"paths": "deploy", "upload-sarif": "false", "download-url": download})
        check("a pull request's own configuration can turn the gate off", status == 0, output)
        status, output, _ = run_action(
            workspace, {"paths": "deploy", "upload-sarif": "false", "config-from-ref": "base",
                        "download-url": download})
        check("config-from-ref pins the base commit's configuration", status == 1, output)

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
