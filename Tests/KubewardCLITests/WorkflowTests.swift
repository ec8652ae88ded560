import Foundation
import Testing

private let deployment = Fixtures.webDeployment

private let service = """
  apiVersion: v1
  kind: Service
  metadata: {name: web}
  spec:
    selector: {app: web}
    ports:
      - {port: 80, targetPort: htp}
  """

private func folder(_ files: [String: String]) throws -> String {
  let root = try Kubeward.temporaryDirectory()
  for (name, text) in files {
    let path = root + "/" + name
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
  }
  return root
}

private func policies(_ run: Kubeward.Run) -> [String] {
  ((run.json?["findings"] as? [[String: Any]]) ?? []).compactMap { $0["policy"] as? String }
}

@Suite("Configuration on the command line")
struct ConfigurationCommandTests {
  @Test func theNearestConfigurationAppliesUpToTheRepositoryRoot() throws {
    let root = try folder([
      ".git/HEAD": "ref: refs/heads/main\n",
      ".kubeward.yaml": "failOn: error\npolicies:\n  ephemeral-storage-limit: off\n",
      "apps/web/deploy.yaml": deployment,
    ])
    let run = try Kubeward.run(["lint", ".", "--format", "json"], in: root + "/apps/web")
    #expect(run.status == 0)  // warnings only, failOn: error
    #expect(!policies(run).contains("ephemeral-storage-limit"))
    #expect(policies(run).contains("missing-readiness-probe"))
    // --fail-on overrides the file.
    #expect(
      try Kubeward.run(["lint", ".", "--fail-on", "warning"], in: root + "/apps/web").status == 1)
    // Above the repository root nothing is read.
    let outside = try folder(["deploy.yaml": deployment, "inner/.git/HEAD": "x\n"])
    try "failOn: never\n".write(
      toFile: outside + "/.kubeward.yaml", atomically: true, encoding: .utf8)
    #expect(try Kubeward.run(["lint", "../deploy.yaml"], in: outside + "/inner").status == 1)
  }

  @Test func anExplicitConfigurationAndExcludes() throws {
    let root = try folder([
      "settings.yaml": "exclude: [\"charts/*/templates\"]\npolicies:\n  image-tag: error\n",
      "charts/web/templates/deployment.yaml": "kind: {{ .Values.kind }}\n",
      "deploy.yaml": deployment.replacing("nginx:1.27", with: "nginx"),
    ])
    let run = try Kubeward.run(
      ["lint", ".", "--config", "settings.yaml", "--format", "json"], in: root)
    #expect(!policies(run).contains("unrendered-template"))
    let imageTag = (run.json?["findings"] as? [[String: Any]])?.first {
      $0["policy"] as? String == "image-tag"
    }
    #expect(imageTag?["severity"] as? String == "error")
  }

  @Test func configurationTyposExitWithTwoAndTheirPosition() throws {
    let root = try folder([
      ".kubeward.yaml": "policies:\n  exec-probe: loud\n", "a.yaml": deployment,
    ])
    let run = try Kubeward.run(["lint", "."], in: root)
    #expect(run.status == 2)
    #expect(
      run.standardError.contains(
        ".kubeward.yaml:2:15: a policy's level is off, info, warning or error"))
    #expect(run.standardOutput.isEmpty)
  }

  @Test func initWritesAStarterConfigurationOnce() throws {
    let root = try folder(["a.yaml": deployment])
    let first = try Kubeward.run(["init"], in: root)
    #expect(first.status == 0)
    let text = try String(contentsOfFile: root + "/.kubeward.yaml", encoding: .utf8)
    #expect(text.contains("# failOn: warning"))
    #expect(text.contains("#   pinningAnnotations:"))
    #expect(try Kubeward.run(["lint", "."], in: root).status == 1)  // the starter changes nothing
    let again = try Kubeward.run(["init"], in: root)
    #expect(again.status == 2)
    #expect(again.standardError.contains("use --force"))
    #expect(try Kubeward.run(["init", "--force"], in: root).status == 0)
  }
}

@Suite("Baselines on the command line")
struct BaselineCommandTests {
  @Test func onlyNewFindingsAreReportedAfterLinesMove() throws {
    let root = try folder(["deploy.yaml": deployment, "svc.yaml": service])
    let write = try Kubeward.run(["lint", ".", "--write-baseline", "baseline.json"], in: root)
    #expect(write.status == 0)
    let baseline = try String(contentsOfFile: root + "/baseline.json", encoding: .utf8)
    #expect(baseline.contains("\"path\": \"spec.template.spec.containers[name=web]\""))
    #expect(baseline.contains("\"policy\": \"service-target-port\""))
    #expect(try Kubeward.run(["lint", ".", "--baseline", "baseline.json"], in: root).status == 0)

    // Lines move (a comment at the top), and one new problem appears.
    let moved =
      "# owned by team web\n# see runbook\n"
      + deployment.replacing("nginx:1.27", with: "nginx:latest")
    try moved.write(toFile: root + "/deploy.yaml", atomically: true, encoding: .utf8)
    let run = try Kubeward.run(
      ["lint", ".", "--baseline", "baseline.json", "--format", "json"], in: root)
    #expect(run.status == 1)
    #expect(policies(run) == ["image-tag"])
    let summary = try #require(run.json?["summary"] as? [String: Any])
    #expect((summary["suppressed"] as? Int ?? 0) > 3)
  }

  @Test func aBrokenBaselineIsAUsageError() throws {
    let root = try folder(["deploy.yaml": deployment, "baseline.json": "{\"findings\": 3}\n"])
    let run = try Kubeward.run(["lint", ".", "--baseline", "baseline.json"], in: root)
    #expect(run.status == 2)
    #expect(run.standardError.contains("is not a kubeward baseline"))
    // A folder given as the baseline: the reason is said.
    let folderRun = try Kubeward.run(["lint", ".", "--baseline", "/"], in: root)
    #expect(folderRun.status == 2)
    #expect(folderRun.standardError.contains("cannot read the baseline /: "))
  }

  /// A path that cannot be read, found while running, is said on one line: the path and the
  /// reason, with no usage lines (they named the root command) and no "Error:".
  @Test func unreadablePathsAreOneLineWithoutUsage() throws {
    let root = try folder(["deploy.yaml": deployment])
    for arguments in [
      ["lint", "missing.yaml"], ["lint", "--policy", "missing-policies", "deploy.yaml"],
      ["lint", "--context", "missing-folder", "deploy.yaml"],
      ["eval", "true", "--object", "missing.yaml"],
    ] {
      let run = try Kubeward.run(arguments, in: root)
      #expect(run.status == 2, "\(arguments)")
      #expect(run.standardError.hasPrefix("kubeward: "), "\(arguments): \(run.standardError)")
      #expect(run.standardError.contains("missing"), "\(arguments): \(run.standardError)")
      #expect(!run.standardError.contains("Usage:"), "\(arguments): \(run.standardError)")
      #expect(!run.standardError.contains("Error:"), "\(arguments): \(run.standardError)")
      #expect(run.standardError.split(separator: "\n").count == 1, "\(arguments)")
    }
    // How a command is written is still a usage error, with the subcommand's usage.
    let jobs = try Kubeward.run(["lint", "--jobs", "0", "deploy.yaml"], in: root)
    #expect(jobs.status == 2)
    #expect(jobs.standardError.contains("Usage: kubeward lint"))
  }

  /// A baseline may be larger than the manifests' limit (64 MiB): `--write-baseline` wrote
  /// 82 MB for 400 000 findings, which kubeward then could not read back.
  @Test func aBaselineLargerThanAManifestIsRead() throws {
    let root = try folder(["deploy.yaml": deployment])
    let written = try Kubeward.run(
      ["lint", "deploy.yaml", "--write-baseline", "baseline.json", "--fail-on", "never"],
      in: root)
    #expect(written.status == 0)
    let baseline = try String(contentsOfFile: root + "/baseline.json", encoding: .utf8)
    let padding = String(
      repeating: "#" + String(repeating: " ", count: 1_022) + "\n", count: 66_000)
    try (padding + baseline).write(
      toFile: root + "/baseline.json", atomically: true, encoding: .utf8)
    let run = try Kubeward.run(["lint", "deploy.yaml", "--baseline", "baseline.json"], in: root)
    #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
  }
}

@Suite("Context and standard input")
struct ContextTests {
  @Test func contextInformsCrossObjectPoliciesWithoutBeingReported() throws {
    let repository = try folder(["k8s/deploy.yaml": deployment, "k8s/svc.yaml": service])
    let staged = try folder(["k8s/svc.yaml": service])
    // Alone, the Service's Deployment is unknown: nothing to say about its targetPort.
    let alone = try Kubeward.run(["lint", "k8s/svc.yaml", "--format", "json"], in: staged)
    #expect(!policies(alone).contains("service-target-port"))
    let run = try Kubeward.run(
      ["lint", "k8s/svc.yaml", "--context", repository, "--format", "json"], in: staged)
    #expect(policies(run) == ["service-target-port"])
    let finding = try #require((run.json?["findings"] as? [[String: Any]])?.first)
    #expect(finding["file"] as? String == "k8s/svc.yaml")
    // The repository's own findings (the Deployment's) are not reported, nor counted.
    #expect((run.json?["summary"] as? [String: Any])?["files"] as? Int == 1)
  }

  @Test func helmOutputIsAttributedToItsTemplates() throws {
    let rendered = """
      ---
      # Source: web/templates/service.yaml
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec:
        type: LoadBalancer
        ports: [{port: 80}]
      ---
      # Source: web/templates/deployment.yaml
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        template:
          spec:
            containers:
              - name: web
                image: nginx:1.27-alpine
      """
    let run = try Kubeward.run(["lint", "-", "--format", "json"], stdin: rendered)
    let findings = try #require(run.json?["findings"] as? [[String: Any]])
    let lb = try #require(findings.first { $0["policy"] as? String == "loadbalancer-lifecycle" })
    #expect(lb["file"] as? String == "web/templates/service.yaml")
    #expect(lb["line"] as? Int == 5)
    let alpine = try #require(findings.first { $0["policy"] as? String == "alpine-image" })
    #expect(alpine["file"] as? String == "web/templates/deployment.yaml")
    #expect(alpine["line"] as? Int == 9)
    // A finding on a `# Source:` line itself (a control byte in the comment) is the
    // stream's, at its own line: not the previous template's.
    let broken = rendered.replacingOccurrences(
      of: "# Source: web/templates/deployment.yaml", with: "# Source: web/templates/de\u{7F}.yaml")
    let brokenRun = try Kubeward.run(["lint", "-", "--format", "json"], stdin: broken)
    let encoding = try #require(
      (brokenRun.json?["findings"] as? [[String: Any]])?.first {
        $0["policy"] as? String == "invalid-encoding"
      }, "\(brokenRun.standardOutput)")
    #expect(encoding["file"] as? String == "-")
    #expect(encoding["line"] as? Int == 10)
  }
}
