import Foundation
import Testing

/// What makes a run with hundreds of findings readable, and what keeps a run that read nothing
/// from passing.
@Suite("Big runs, readable")
struct BigRunTests {
  @Test func summaryCountsFindingsPerPolicyMostSevereFirst() throws {
    let run = try Kubeward.run(["lint", "examples/risky"])
    let lines = run.standardOutput.split(separator: "\n")
    let total = try #require(lines.firstIndex { $0.hasPrefix("6 files, ") })
    let table = lines[(total + 1)...].map { $0.split(separator: " ").map(String.init) }
    #expect(
      table.map { $0.last ?? "" } == [
        "alpine-image", "ephemeral-storage-limit", "exec-probe", "headless-service-no-lb",
        "loadbalancer-lifecycle", "image-pull-secrets",
      ])
    #expect(table.map(\.first) == ["warning", "warning", "warning", "warning", "warning", "info"])

    let json = try #require(try Kubeward.run(["lint", "--format", "json", "examples/risky"]).json)
    let byPolicy = try #require(
      (json["summary"] as? [String: Any])?["byPolicy"] as? [[String: Any]])
    #expect(byPolicy.first?["policy"] as? String == "alpine-image")
    #expect(byPolicy.last?["severity"] as? String == "info")
    #expect(byPolicy.compactMap { $0["count"] as? Int }.reduce(0, +) == 6)
  }

  @Test func minSeverityHidesButStillCounts() throws {
    let run = try Kubeward.run(["lint", "--min-severity", "warning", "examples/risky"])
    #expect(!run.standardOutput.contains("[image-pull-secrets]"))
    #expect(run.standardOutput.contains("info    1  image-pull-secrets (not shown)"))
    #expect(run.standardOutput.contains("5 warnings, 1 info"))
    let json = try #require(
      try Kubeward.run(["lint", "--min-severity", "error", "--format", "json", "examples/risky"])
        .json)
    #expect((json["findings"] as? [Any])?.isEmpty == true)
  }

  @Test func enableAndDisableOverrideTheConfiguration() throws {
    let disabled = try Kubeward.run(
      ["lint", "--disable", "alpine-image", "--disable", "exec-probe", "examples/risky"])
    #expect(!disabled.standardOutput.contains("[alpine-image]"))
    #expect(!disabled.standardOutput.contains("[exec-probe]"))
    #expect(disabled.standardOutput.contains("[loadbalancer-lifecycle]"))
    let folder = try Kubeward.temporaryDirectory()
    try "policies:\n  exec-probe: {enabled: false}\n".write(
      toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
    let manifest = try String(
      contentsOfFile: Kubeward.repositoryRoot + "/examples/risky/exec-probe.yaml", encoding: .utf8)
    try manifest.write(toFile: folder + "/queue.yaml", atomically: true, encoding: .utf8)
    let off = try Kubeward.run(["lint", "queue.yaml"], in: folder)
    #expect(!off.standardOutput.contains("[exec-probe]"))
    let on = try Kubeward.run(["lint", "--enable", "exec-probe", "queue.yaml"], in: folder)
    #expect(on.standardOutput.contains("[exec-probe]"))
    let unknown = try Kubeward.run(["lint", "--disable", "no-such-policy", "examples/risky"])
    #expect(unknown.status == 2)
    #expect(unknown.standardError.contains("no policy \"no-such-policy\""))
  }

  /// `--compact`: by file, a short line per finding (what, without why), a code frame per line
  /// at most, and each policy's reason and fix once.
  @Test func compactGroupsByFileWithShortLines() throws {
    let run = try Kubeward.run(["lint", "--compact", "examples/risky"])
    let lines = run.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
    let header = try #require(lines.firstIndex(of: "examples/risky/headless-service.yaml"))
    #expect(
      lines[header + 1]
        == "  35:14 warning headless-service-no-lb: Service shop/pricing is headless (clusterIP: None) but governs no StatefulSet"
    )
    #expect(!run.standardOutput.contains("DNS returns every pod address"))
    #expect(run.standardOutput.contains("Why, and what to do"))
    #expect(
      run.standardOutput.contains(
        "  headless-service-no-lb: Headless Services are for StatefulSets, not for load balancing.")
    )
    // A cross-object finding sits in its own file's group: the headless Service's file holds
    // the Deployment and the Service, and no group of its own comes after the others.
    #expect(lines.filter { $0 == "examples/risky/headless-service.yaml" }.count == 1)
  }

  @Test func readingNothingIsNotAPass() throws {
    let empty = try Kubeward.run(["lint", "-"], stdin: "")
    #expect(empty.status == 3)
    #expect(empty.standardError.contains("no Kubernetes objects were read"))
    #expect(try Kubeward.run(["lint", "--allow-empty", "-"], stdin: "").status == 0)
    let folder = try Kubeward.temporaryDirectory()
    try "replicaCount: 2\n".write(
      toFile: folder + "/values.yaml", atomically: true, encoding: .utf8)
    #expect(try Kubeward.run(["lint", "."], in: folder).status == 3)
    try "allowEmpty: true\n".write(
      toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
    #expect(try Kubeward.run(["lint", "."], in: folder).status == 0)
  }

  @Test func usageMistakesAreErrors() throws {
    let run = try Kubeward.run(["lint", "--stdin-filename", "x.yaml", "examples/risky"])
    #expect(run.status == 2)
    #expect(run.standardError.contains("--stdin-filename"))
    // Standard input is read once: named twice, the second was an empty file, counted.
    let twice = try Kubeward.run(["lint", "-", "-"], stdin: "kind: Pod\n")
    #expect(twice.status == 2)
    #expect(twice.standardError.contains("standard input) is given more than once"))
  }

  @Test func writingABaselineSaysWhatItWroteAndSucceeds() throws {
    let folder = try Kubeward.temporaryDirectory()
    let run = try Kubeward.run(
      ["lint", "--write-baseline", folder + "/baseline.kw", "examples/risky"])
    #expect(run.status == 0)
    #expect(run.standardError.contains("wrote 6 findings to the baseline"))
    #expect(FileManager.default.fileExists(atPath: folder + "/baseline.kw"))
  }

  /// A hook names every staged YAML file: a tool's configuration among them is not reported
  /// as "not Kubernetes" (which `failOn: info` would turn into a blocked commit).
  @Test func toolFilesNamedExplicitlyAreNotReported() throws {
    let folder = try Kubeward.temporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: folder + "/.github/workflows", withIntermediateDirectories: true)
    let files = [
      ".github/workflows/ci.yml": "on: push\njobs: {}\n",
      ".pre-commit-config.yaml": "repos: []\n",
      "values-prod.yaml": "replicaCount: 3\n",
      "Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
      "kustomization.yaml": "resources: []\n",
      "notes.yaml": "title: not a manifest\n",
    ]
    for (name, text) in files {
      try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
    }
    let run = try Kubeward.run(
      ["lint", "--format", "json", "--fail-on", "info", "--allow-empty"] + files.keys.sorted(),
      in: folder)
    let findings = try #require(run.json)["findings"] as? [[String: Any]]
    // Only the file that claims to be nothing in particular is reported.
    #expect(findings?.compactMap { $0["file"] as? String } == ["notes.yaml"])
    #expect(run.status == 1)
  }

  @Test func completionScriptsForEachShell() throws {
    for shell in ["bash", "zsh", "fish"] {
      let run = try Kubeward.run(["completion", shell])
      #expect(run.status == 0)
      #expect(run.standardOutput.contains("kubeward"))
      #expect(run.standardOutput.contains("min-severity"), "\(shell)")
    }
    #expect(try Kubeward.run(["completion", "powershell"]).status != 0)
  }

  /// The Markdown summary (the Action's job summary) escapes what comes from the input.
  @Test func markdownSummaryEscapesInput() throws {
    let run = try Kubeward.run(
      ["lint", "--format", "markdown", "--stdin-filename", "x](http://evil)`.yaml", "-"],
      stdin: Fixtures.loadBalancerService)
    #expect(run.standardOutput.hasPrefix("## kubeward\n"))
    #expect(run.standardOutput.contains("| warning | 1 | `loadbalancer-lifecycle`"))
    #expect(!run.standardOutput.contains("](http://evil)`"))
  }

  @Test func explainAndSARIFLinkToThePolicyPage() throws {
    let explain = try Kubeward.run(["explain", "exec-probe"])
    #expect(explain.standardOutput.contains("/docs/policies/exec-probe.md"))
    let sarif = try Kubeward.run(["lint", "--format", "sarif", "examples/risky/exec-probe.yaml"])
    #expect(sarif.standardOutput.contains("\"helpUri\":"))
    #expect(sarif.standardOutput.contains("docs/policies/exec-probe.md"))
  }
}
