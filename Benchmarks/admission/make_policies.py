#!/usr/bin/env python3
"""Writes the benchmark's 50 ValidatingAdmissionPolicies (with bindings) to one file.

They are the rules platform teams write (Kubernetes' own examples, the pod security
standards as CEL, registry, label, resource and networking rules): 25 templates, each written
twice with different values, so that no two policies are the same expression. Usage:

  make_policies.py OUT.yaml
"""

import sys

WORKLOADS = '["deployments", "statefulsets", "daemonsets", "replicasets"]'
PODSPEC_CONTAINERS = ("object.spec.template.spec.containers + "
                      "object.spec.template.spec.?initContainers.orValue([])")

TEMPLATES = [
    # (name, resources, variables, expression, messageExpression)
    ("replica-limit-{i}", '["deployments"]', [],
     "!has(object.spec.replicas) || object.spec.replicas <= {n}",
     "'replicas must be at most {n}, not ' + string(object.spec.replicas)"),
    ("require-label-{i}", WORKLOADS, [],
     "has(object.metadata.labels) && '{label}' in object.metadata.labels",
     "'workloads need the label {label}'"),
    ("trusted-registry-{i}", WORKLOADS, [("containers", PODSPEC_CONTAINERS)],
     "variables.containers.all(c, c.image.startsWith('{registry}/') || c.image.startsWith('docker.io/'))",
     "'untrusted image: ' + variables.containers.filter(c, !c.image.startsWith('{registry}/')).map(c, c.image).join(', ')"),
    ("no-latest-{i}", WORKLOADS, [("containers", PODSPEC_CONTAINERS)],
     "variables.containers.all(c, c.image.contains(':') && !c.image.endsWith(':latest'))",
     "'pin every image to a version tag'"),
    ("memory-limit-{i}", WORKLOADS, [],
     "object.spec.template.spec.containers.all(c, has(c.resources) && has(c.resources.limits) && 'memory' in c.resources.limits)",
     "'every container needs a memory limit'"),
    ("cpu-request-{i}", WORKLOADS, [],
     "object.spec.template.spec.containers.all(c, !has(c.resources) || !has(c.resources.requests) || !('cpu' in c.resources.requests) || quantity(string(c.resources.requests.cpu)).compareTo(quantity('{cpu}')) <= 0)",
     "'cpu requests above {cpu} need an exception'"),
    ("no-privileged-{i}", WORKLOADS, [("containers", PODSPEC_CONTAINERS)],
     "variables.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || c.securityContext.privileged == false)",
     "'privileged containers are not allowed'"),
    ("no-privilege-escalation-{i}", WORKLOADS, [],
     "object.spec.template.spec.containers.all(c, has(c.securityContext) && has(c.securityContext.allowPrivilegeEscalation) && c.securityContext.allowPrivilegeEscalation == false)",
     "'set allowPrivilegeEscalation: false'"),
    ("run-as-non-root-{i}", WORKLOADS, [],
     "object.spec.template.spec.?securityContext.?runAsNonRoot.orValue(false) || object.spec.template.spec.containers.all(c, c.?securityContext.?runAsNonRoot.orValue(false))",
     "'run as non-root'"),
    ("drop-capabilities-{i}", WORKLOADS, [],
     "object.spec.template.spec.containers.all(c, c.?securityContext.?capabilities.?drop.orValue([]).exists(d, d == 'ALL'))",
     "'drop ALL capabilities'"),
    ("no-host-namespaces-{i}", WORKLOADS, [],
     "!object.spec.template.spec.?hostNetwork.orValue(false) && !object.spec.template.spec.?hostPID.orValue(false) && !object.spec.template.spec.?hostIPC.orValue(false)",
     "'host namespaces are not allowed'"),
    ("no-host-path-{i}", WORKLOADS, [],
     "!object.spec.template.spec.?volumes.orValue([]).exists(v, has(v.hostPath))",
     "'hostPath volumes are not allowed'"),
    ("read-only-root-{i}", WORKLOADS, [],
     "object.spec.template.spec.containers.all(c, c.?securityContext.?readOnlyRootFilesystem.orValue(false))",
     "'use a read-only root file system'"),
    ("probes-required-{i}", '["deployments", "statefulsets"]', [],
     "object.spec.template.spec.containers.all(c, has(c.readinessProbe) && has(c.livenessProbe))",
     "'containers need readiness and liveness probes'"),
    ("port-range-{i}", WORKLOADS, [],
     "object.spec.template.spec.containers.all(c, c.?ports.orValue([]).all(p, p.containerPort >= 1024 && p.containerPort <= {port}))",
     "'container ports must be between 1024 and {port}'"),
    ("service-type-{i}", '["services"]', [],
     "!has(object.spec.type) || object.spec.type in ['ClusterIP', 'NodePort']",
     "'Services of type ' + object.spec.type + ' need approval'"),
    ("lb-source-ranges-{i}", '["services"]', [],
     "object.spec.?type.orValue('ClusterIP') != 'LoadBalancer' || size(object.spec.?loadBalancerSourceRanges.orValue([])) > 0",
     "'LoadBalancers must restrict loadBalancerSourceRanges'"),
    ("ingress-host-{i}", '["ingresses"]', [],
     "object.spec.?rules.orValue([]).all(r, !has(r.host) || r.host.matches('^[a-z0-9.-]+\\\\\\\\.{domain}$'))",
     "'Ingress hosts must be under {domain}'"),
    ("ingress-tls-{i}", '["ingresses"]', [],
     "has(object.spec.tls) && object.spec.tls.all(t, has(t.secretName))",
     "'Ingresses need TLS with a secretName'"),
    ("name-format-{i}", WORKLOADS, [],
     "object.metadata.name.matches('^[a-z][a-z0-9-]{{0,{maxlen}}}$')",
     "'names are lowercase words of at most {maxlen} characters'"),
    ("annotation-owner-{i}", WORKLOADS, [],
     "object.metadata.?annotations.orValue({{}}).exists(k, k.startsWith('{prefix}'))",
     "'workloads need an annotation under {prefix}'"),
    ("env-no-secrets-{i}", WORKLOADS, [],
     "object.spec.template.spec.containers.all(c, c.?env.orValue([]).all(e, !e.name.upperAscii().contains('{secret}') || has(e.valueFrom)))",
     "'secrets in env must come from valueFrom'"),
    ("cronjob-history-{i}", '["cronjobs"]', [],
     "object.spec.?successfulJobsHistoryLimit.orValue(3) <= {n} && object.spec.?failedJobsHistoryLimit.orValue(1) <= {n}",
     "'keep at most {n} jobs of history'"),
    ("configmap-size-{i}", '["configmaps"]', [],
     "object.?data.orValue({{}}).all(k, size(object.data[k]) < {size})",
     "'ConfigMap values must stay under {size} characters'"),
    ("pod-anti-affinity-{i}", '["deployments"]', [],
     "object.spec.?replicas.orValue(1) < {n} || has(object.spec.template.spec.affinity) || has(object.spec.template.spec.topologySpreadConstraints)",
     "'spread {n} or more replicas across nodes'"),
]

VALUES = [
    dict(n=10, label="app", registry="registry.example.com", cpu="2", port=32767,
         domain="example.com", maxlen=40, prefix="team.example.com/", secret="PASSWORD",
         size=65536),
    dict(n=20, label="team", registry="ghcr.io", cpu="4", port=65535, domain="example.org",
         maxlen=62, prefix="owner", secret="TOKEN", size=1048576),
]


def main():
    out = sys.argv[1]
    documents = []
    for index, values in enumerate(VALUES):
        for name, resources, variables, expression, message in TEMPLATES:
            name = name.format(i=index)
            group = '""' if resources in ('["services"]', '["configmaps"]') else (
                '"networking.k8s.io"' if resources == '["ingresses"]' else (
                    '"batch"' if resources == '["cronjobs"]' else '"apps"'))
            lines = [
                "apiVersion: admissionregistration.k8s.io/v1",
                "kind: ValidatingAdmissionPolicy",
                f"metadata: {{name: {name}}}",
                "spec:",
                "  failurePolicy: Fail",
                "  matchConstraints:",
                "    resourceRules:",
                f"      - {{apiGroups: [{group}], apiVersions: [\"*\"], operations: [\"CREATE\", \"UPDATE\"], resources: {resources}}}",
            ]
            if variables:
                lines.append("  variables:")
                for variable, value in variables:
                    lines += [f"    - name: {variable}", f"      expression: \"{value}\""]
            lines += [
                "  validations:",
                "    - expression: \"" + expression.format(**values).replace('"', '\\"') + "\"",
                "      messageExpression: \"" + message.format(**values).replace('"', '\\"') + "\"",
            ]
            documents.append("\n".join(lines))
            action = ["Deny", "Warn", "Audit"][len(documents) % 3]
            documents.append("\n".join([
                "apiVersion: admissionregistration.k8s.io/v1",
                "kind: ValidatingAdmissionPolicyBinding",
                f"metadata: {{name: {name}}}",
                f"spec: {{policyName: {name}, validationActions: [{action}]}}",
            ]))
    with open(out, "w") as handle:
        handle.write("\n---\n".join(documents) + "\n")
    print(f"{len(VALUES) * len(TEMPLATES)} policies written to {out}")


if __name__ == "__main__":
    main()
