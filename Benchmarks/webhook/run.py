#!/usr/bin/env python3
"""The webhook's load and soak benchmark: `kubeward serve` under wrk, over TLS.

A realistic Deployment AdmissionReview (what the API server sends: defaulted, managedFields,
userInfo) is POSTed by wrk over 8 kept-alive TLS connections for 30 s, client and server on
the same machine. Targets on 2 cores, client included:

  throughput              >= 5 000 requests/s
  p99 latency             <= 5 ms
  soak of 1 000 000 reqs  RSS at the end within 10 % of RSS after the first 10 000

Usage: Benchmarks/webhook/run.py [--binary dist/kubeward] [--duration 30] [--soak 1000000]
  --soak 0 skips the soak. Needs wrk and openssl (Debian: wrk, openssl).
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import ssl

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def review_body():
    container = {
        "name": "api", "image": "registry.example.com/shop/api:2.14.1",
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": [{"name": "LOG_LEVEL", "value": "info"},
                {"name": "DB_HOST", "valueFrom": {"secretKeyRef": {"name": "db", "key": "host"}}}],
        "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": "250m", "memory": "256Mi"}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"},
                          "initialDelaySeconds": 10, "timeoutSeconds": 2, "periodSeconds": 10,
                          "successThreshold": 1, "failureThreshold": 3},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"},
                           "timeoutSeconds": 1, "periodSeconds": 5, "successThreshold": 1,
                           "failureThreshold": 3},
        "securityContext": {"runAsNonRoot": True, "readOnlyRootFilesystem": True,
                            "allowPrivilegeEscalation": False,
                            "capabilities": {"drop": ["ALL"]}},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
    }
    deployment = {
        "kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": {
            "name": "api", "namespace": "shop", "uid": "6c8a3e0e-4c39-4b0e-9a43-1b8f2f1d2c11",
            "generation": 1, "creationTimestamp": None,
            "labels": {"app.kubernetes.io/name": "api", "app.kubernetes.io/part-of": "shop"},
            "annotations": {"deployment.kubernetes.io/revision": "1"},
            "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update",
                               "apiVersion": "apps/v1", "time": "2026-11-29T02:00:00Z",
                               "fieldsType": "FieldsV1",
                               "fieldsV1": {"f:spec": {"f:replicas": {}, "f:template": {}}}}],
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "api"}},
            "template": {
                "metadata": {"creationTimestamp": None,
                             "labels": {"app.kubernetes.io/name": "api"}},
                "spec": {"containers": [container], "restartPolicy": "Always",
                         "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
                         "serviceAccountName": "api", "serviceAccount": "api",
                         "securityContext": {"fsGroup": 1000}, "schedulerName": "default-scheduler",
                         "imagePullSecrets": [{"name": "registry"}]},
            },
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
        },
        "status": {},
    }
    kind = {"group": "apps", "version": "v1", "kind": "Deployment"}
    resource = {"group": "apps", "version": "v1", "resource": "deployments"}
    return json.dumps({
        "kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1",
        "request": {
            "uid": "0df28fbd-5f5f-11e8-bc74-36e6bb280816", "kind": kind, "resource": resource,
            "requestKind": kind, "requestResource": resource, "name": "api", "namespace": "shop",
            "operation": "CREATE",
            "userInfo": {"username": "system:serviceaccount:argocd:argocd-application-controller",
                         "uid": "2f7d0b", "groups": ["system:serviceaccounts",
                                                     "system:serviceaccounts:argocd",
                                                     "system:authenticated"]},
            "object": deployment, "oldObject": None, "dryRun": False,
            "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1",
                        "fieldManager": "argocd-controller"},
        },
    }, separators=(",", ":"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def requests_served(port, context):
    with urllib.request.urlopen(f"https://127.0.0.1:{port}/metrics", context=context) as reply:
        text = reply.read().decode()
    return sum(float(value) for value in
               re.findall(r'^kubeward_admission_requests_total\{[^}]*\} (\S+)$', text, re.M))


def wrk(port, seconds, connections, body_path, threads=1):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "-s", os.path.join(HERE, "review.lua"),
               f"https://127.0.0.1:{port}/validate?timeout=5s"]
    result = subprocess.run(command, env=dict(os.environ, REVIEW_BODY=body_path),
                            capture_output=True, text=True, check=True)
    output = result.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    units = {"us": 1e-3, "ms": 1.0, "s": 1000.0}
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    p99_ms = float(p99.group(1)) * units[p99.group(2)] if p99 else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    total = int(re.search(r"(\d+) requests in", output).group(1))
    return {"rate": rate, "p99_ms": p99_ms, "requests": total,
            "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else None, "raw": output}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, "dist", "kubeward"))
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--soak", type=int, default=1_000_000)
    args = parser.parse_args()
    for tool in ["wrk", "openssl"]:
        if not shutil.which(tool):
            sys.exit(f"webhook benchmark: {tool} is missing (apt-get install {tool})")

    work = tempfile.mkdtemp(prefix="kubeward-webhook-bench-")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        cwd=work, check=True, capture_output=True)
    body_path = os.path.join(work, "review.json")
    with open(body_path, "w") as out:
        out.write(review_body())
    def start_server():
        port = free_port()
        server = subprocess.Popen(
            [args.binary, "serve", "--tls-cert-file", os.path.join(work, "cert.pem"),
             "--tls-private-key-file", os.path.join(work, "key.pem"), "--address", "127.0.0.1",
             "--port", str(port)],
            cwd=work, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(work, f"log-{port}.jsonl"), "w"))
        for _ in range(200):
            try:
                requests_served(port, context)
                return server, port
            except OSError:
                time.sleep(0.05)
        server.kill()
        sys.exit("webhook benchmark: the server did not start")

    def stop(server):
        server.terminate()
        server.wait(timeout=30)

    context = ssl.create_default_context(cafile=os.path.join(work, "cert.pem"))
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                    if line.startswith("model name")), "?")
        print(f"webhook benchmark on {os.cpu_count()} cores ({cpu}), body "
              f"{os.path.getsize(body_path)} bytes, {args.connections} connections, TLS, keep-alive")
        server, port = start_server()
        try:
            wrk(port, 2, args.connections, body_path)  # warm-up
            load = wrk(port, args.duration, args.connections, body_path)
        finally:
            stop(server)
        print(f"  throughput   {load['rate']:10.0f} requests/s   (target >= 5000)  "
              f"{'ok' if load['rate'] >= 5000 else 'MISSED'}")
        print(f"  p99 latency  {load['p99_ms']:10.2f} ms           (target <= 5)     "
              f"{'ok' if load['p99_ms'] <= 5 else 'MISSED'}")
        print(f"  requests     {load['requests']:10d}, non-2xx {load['non2xx']}, "
              f"socket errors {load['socket_errors'] or 'none'}")
        if args.soak:
            # A new server: its RSS after its first 10 000 requests is the reference.
            server, port = start_server()
            try:
                served = 0
                while served < 10_000:
                    wrk(port, 1, args.connections, body_path)
                    served = requests_served(port, context)
                baseline = rss_kib(server.pid)
                print(f"  soak: RSS {baseline / 1024:.1f} MiB after the first {served:.0f} requests")
                rate = max(load["rate"], 1000)
                while served < args.soak:
                    seconds = max(2, min(60, int((args.soak - served) / rate) + 1))
                    wrk(port, seconds, args.connections, body_path)
                    served = requests_served(port, context)
                    print(f"  soak: RSS {rss_kib(server.pid) / 1024:.1f} MiB after {served:.0f} requests")
                end = rss_kib(server.pid)
            finally:
                stop(server)
            growth = (end - baseline) / baseline * 100
            print(f"  soak: {served:.0f} requests, RSS {baseline / 1024:.1f} -> {end / 1024:.1f} MiB "
                  f"({growth:+.1f} %, target within 10 %)  {'ok' if abs(growth) <= 10 else 'MISSED'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
