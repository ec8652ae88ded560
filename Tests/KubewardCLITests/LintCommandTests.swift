import Foundation
import Testing

private let risky = Fixtures.loadBalancerService

@Suite("kubeward lint")
struct LintCommandTests {
  @Test func examplesShowEachMissionPolicyOnceAtItsLine() throws {
    let run = try Kubeward.run(["lint", "examples/", "--format", "json"])
    #expect(run.status == 1)
    let findings = try #require(run.json?["findings"] as? [[String: Any]])
    let reported = findings.map { "\($0["policy"]!)@\($0["file"]!):\($0["line"]!)" }.sorted()
    #expect(
      reported == [
        "alpine-image@examples/risky/alpine-image.yaml:16",
        "ephemeral-storage-limit@examples/risky/ephemeral-storage.yaml:16",
        "exec-probe@examples/risky/exec-probe.yaml:25",
        "headless-service-no-lb@examples/risky/headless-service.yaml:35",
        "image-pull-secrets@examples/risky/image-pull-secrets.yaml:18",
        "loadbalancer-lifecycle@examples/risky/loadbalancer-lifecycle.yaml:9",
      ])
  }

  @Test func cleanApplicationPasses() throws {
    let run = try Kubeward.run(["lint", "examples/clean-app"])
    #expect(run.status == 0, "\(run.standardOutput)")
    #expect(run.standardOutput.hasPrefix("3 files, 4 documents, 4 objects: 0 errors, 0 warnings"))
  }

  @Test func textLinesAreCompilerStyle() throws {
    let run = try Kubeward.run(["lint", "examples/risky"])
    let lines = run.standardOutput.split(separator: "\n")
    let findingLines = lines.filter { $0.hasPrefix("examples/") }
    #expect(findingLines.count == 6)
    let pattern = /^[^:]+:\d+:\d+: (error|warning|info): .+ \[[a-z0-9-]+\]$/
    for line in findingLines { #expect(line.wholeMatch(of: pattern) != nil, "\(line)") }
    #expect(
      lines.contains {
        $0.hasPrefix("6 files, 11 documents, 11 objects: 0 errors, 5 warnings, 1 info")
      })
  }

  @Test func jsonShape() throws {
    let run = try Kubeward.run(["lint", "-", "--format", "json"], stdin: risky)
    let json = try #require(run.json)
    #expect(json["version"] as? Int == 1)
    let finding = try #require((json["findings"] as? [[String: Any]])?.first)
    for key in ["policy", "severity", "file", "line", "column", "endLine", "endColumn", "message"] {
      #expect(finding[key] != nil, "missing \(key)")
    }
    #expect(finding["policy"] as? String == "loadbalancer-lifecycle")
    #expect(finding["file"] as? String == "-")
    #expect(finding["line"] as? Int == 6 && finding["column"] as? Int == 9)
    let object = try #require(finding["object"] as? [String: Any])
    #expect(object["apiVersion"] as? String == "v1")
    #expect(object["kind"] as? String == "Service")
    #expect(object["namespace"] as? String == "default")
    #expect(object["name"] as? String == "web")
    #expect(finding["container"] == nil)
    let summary = try #require(json["summary"] as? [String: Any])
    #expect(summary["files"] as? Int == 1 && summary["objects"] as? Int == 1)
    #expect((summary["findings"] as? [String: Int]) == ["error": 0, "warning": 1, "info": 0])
  }

  @Test func containerIsReportedWhereThereIsOne() throws {
    let run = try Kubeward.run(
      ["lint", "examples/risky/alpine-image.yaml", "--format", "json"])
    let finding = try #require((run.json?["findings"] as? [[String: Any]])?.first)
    #expect(finding["container"] as? String == "report")
  }

  @Test func standardInputWithAName() throws {
    let run = try Kubeward.run(["lint", "-", "--stdin-filename", "svc.yaml"], stdin: risky)
    #expect(run.standardOutput.hasPrefix("svc.yaml:6:9: warning: Service default/web is type"))
  }

  @Test func exitStatusFollowsTheThreshold() throws {
    #expect(try Kubeward.run(["lint", "-"], stdin: risky).status == 1)
    #expect(try Kubeward.run(["lint", "-", "--fail-on", "error"], stdin: risky).status == 0)
    #expect(try Kubeward.run(["lint", "-", "--fail-on", "info"], stdin: risky).status == 1)
    #expect(try Kubeward.run(["lint", "-", "--fail-on", "never"], stdin: risky).status == 0)
    let broken = try Kubeward.run(["lint", "-", "--fail-on", "error"], stdin: "a: [\n")
    #expect(broken.status == 1)
    #expect(broken.standardOutput.contains("[yaml-syntax]"))
  }

  @Test func usageErrorsExitWithTwo() throws {
    let unknownFlag = try Kubeward.run(["lint", "--no-such-flag", "examples"])
    #expect(unknownFlag.status == 2)
    #expect(unknownFlag.standardError.contains("--no-such-flag"))
    let missing = try Kubeward.run(["lint", "does/not/exist.yaml"])
    #expect(missing.status == 2)
    #expect(missing.standardError.contains("does/not/exist.yaml"))
    #expect(try Kubeward.run(["lint", "--fail-on", "sometimes", "examples"]).status == 2)
    #expect(try Kubeward.run(["explain", "no-such-policy"]).status == 2)
  }

  @Test func defaultsToTheCurrentFolderAndImpliesLint() throws {
    let folder = try Kubeward.temporaryDirectory()
    try risky.write(toFile: folder + "/svc.yaml", atomically: true, encoding: .utf8)
    try "replicaCount: 2\n".write(
      toFile: folder + "/settings.yaml", atomically: true, encoding: .utf8)
    let run = try Kubeward.run([], in: folder)
    #expect(run.status == 1)
    #expect(run.standardOutput.hasPrefix("svc.yaml:6:9: warning:"))
    // A non-Kubernetes document found in a folder is skipped and counted, not reported.
    #expect(run.standardOutput.contains("(1 document skipped: not objects, or patches)"))
    #expect(try Kubeward.run(["."], in: folder).standardOutput == run.standardOutput)
    // Named explicitly, it is reported.
    let named = try Kubeward.run(["lint", "settings.yaml"], in: folder)
    #expect(named.standardOutput.contains("[not-kubernetes]"))
    // And a run that read no object at all is not a pass.
    #expect(named.status == 3)
  }

  @Test func doesNotWriteToTheFilesItLints() throws {
    let folder = try Kubeward.temporaryDirectory()
    let path = folder + "/svc.yaml"
    try risky.write(toFile: path, atomically: true, encoding: .utf8)
    let before = try FileManager.default.attributesOfItem(atPath: path)
    _ = try Kubeward.run(["lint", path, "--format", "json"])
    let after = try FileManager.default.attributesOfItem(atPath: path)
    #expect(before[.modificationDate] as? Date == after[.modificationDate] as? Date)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == risky)
  }

  /// The real manifests when `../shared` is there (thousands of files, cross-object findings
  /// across them), else the examples: every report is byte for byte the same for any --jobs.
  @Test func reportsAreByteIdenticalForAnyNumberOfJobs() throws {
    let real = Kubeward.repositoryRoot + "/../shared/corpus/real"
    let target = FileManager.default.fileExists(atPath: real) ? real : "examples"
    var reports: [String: String] = [:]
    for jobs in ["1", "2", "7", "16", "64"] {
      for format in ["json", "sarif"] {
        let run = try Kubeward.run(
          ["lint", "--jobs", jobs, "--format", format, "--fail-on", "never", target])
        #expect(run.status == 0, "\(run.standardError)")
        if let first = reports[format] {
          #expect(run.standardOutput == first, "--jobs \(jobs) --format \(format) differs")
        } else {
          reports[format] = run.standardOutput
        }
      }
    }
    #expect((reports["json"]?.count ?? 0) > 1000)
  }

  @Test func refusesToWriteAReportOverALintedFile() throws {
    let folder = try Kubeward.temporaryDirectory()
    try risky.write(toFile: folder + "/svc.yaml", atomically: true, encoding: .utf8)
    // The same file by another name: through a symbolic link, and as an absolute path.
    try FileManager.default.createSymbolicLink(
      atPath: folder + "/link.json", withDestinationPath: folder + "/svc.yaml")
    for output in ["link.json", folder + "/svc.yaml", "./svc.yaml"] {
      let run = try Kubeward.run(
        ["lint", ".", "--format", "sarif", "--output", output], in: folder)
      #expect(run.status == 2, "\(output)")
      #expect(run.standardError.contains("kubeward never writes to them"), "\(output)")
      #expect(try String(contentsOfFile: folder + "/svc.yaml", encoding: .utf8) == risky)
    }
    let baseline = try Kubeward.run(
      ["lint", "svc.yaml", "--write-baseline", "svc.yaml"], in: folder)
    #expect(baseline.status == 2)
    #expect(try String(contentsOfFile: folder + "/svc.yaml", encoding: .utf8) == risky)
  }

  /// Nor over what the run reads to decide: the configuration (given or found), an admission
  /// policy, and, for a report, the baseline (a new baseline may replace the one it reads:
  /// that is how it is brought up to date).
  @Test func refusesToWriteOverItsConfigurationPoliciesAndBaseline() throws {
    let folder = try Kubeward.temporaryDirectory()
    try risky.write(toFile: folder + "/svc.yaml", atomically: true, encoding: .utf8)
    let configuration = "failOn: error\n"
    try configuration.write(
      toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
    let policy = try String(
      contentsOfFile: Kubeward.repositoryRoot + "/examples/admission/policies/replica-limit.yaml",
      encoding: .utf8)
    try policy.write(toFile: folder + "/policy.yaml", atomically: true, encoding: .utf8)
    let written = try Kubeward.run(
      ["lint", "svc.yaml", "--write-baseline", "baseline.json"], in: folder)
    #expect(written.status != 2, "\(written.standardError)")
    let baselineText = try String(contentsOfFile: folder + "/baseline.json", encoding: .utf8)
    for arguments in [
      ["--format", "json", "--output", ".kubeward.yaml"],
      ["--config", ".kubeward.yaml", "--format", "json", "--output", ".kubeward.yaml"],
      ["--policy", "policy.yaml", "--format", "json", "--output", "policy.yaml"],
      ["--policy", ".", "--write-baseline", "policy.yaml"],
      ["--baseline", "baseline.json", "--format", "json", "--output", "baseline.json"],
    ] {
      let run = try Kubeward.run(["lint", "svc.yaml"] + arguments, in: folder)
      #expect(run.status == 2, "\(arguments)")
      #expect(run.standardError.contains("kubeward never writes to them"), "\(arguments)")
    }
    // Nor two reports to one file, by any name: the last would replace the others.
    for arguments in [
      ["--format", "json", "--output", "out.json", "--format", "sarif", "--output", "./out.json"],
      ["--format", "json", "--output", "out.json", "--write-baseline", "out.json"],
      ["--format", "json", "--output", "baseline.json", "--write-baseline", "baseline.json"],
    ] {
      let run = try Kubeward.run(["lint", "svc.yaml"] + arguments, in: folder)
      #expect(run.status == 2, "\(arguments)")
      #expect(run.standardError.contains("is named as the output of two reports"), "\(arguments)")
    }
    #expect(!FileManager.default.fileExists(atPath: folder + "/out.json"))
    #expect(
      try String(contentsOfFile: folder + "/.kubeward.yaml", encoding: .utf8) == configuration)
    #expect(try String(contentsOfFile: folder + "/policy.yaml", encoding: .utf8) == policy)
    #expect(try String(contentsOfFile: folder + "/baseline.json", encoding: .utf8) == baselineText)
    let refreshed = try Kubeward.run(
      ["lint", "svc.yaml", "--baseline", "baseline.json", "--write-baseline", "baseline.json"],
      in: folder)
    #expect(refreshed.status != 2, "\(refreshed.standardError)")
  }
}

@Suite("Other commands")
struct OtherCommandTests {
  @Test func version() throws {
    let run = try Kubeward.run(["--version"])
    #expect(run.status == 0)
    #expect(run.standardOutput.wholeMatch(of: /\d+\.\d+\.\d+\n/) != nil)
  }

  @Test func rulesListEveryPolicy() throws {
    let run = try Kubeward.run(["rules"])
    #expect(run.status == 0)
    for id in ["image-pull-secrets", "exec-probe", "yaml-syntax", "headless-service-no-lb"] {
      #expect(run.standardOutput.contains(id))
    }
  }

  @Test func explainRunsFromAnyFolderWithoutTheRepository() throws {
    let run = try Kubeward.run(["explain", "exec-probe"], in: "/")
    #expect(run.status == 0)
    #expect(run.standardOutput.hasPrefix("exec-probe: Probes should not run commands"))
    #expect(run.standardOutput.contains("I-5"))
    #expect(run.standardOutput.contains("Reported: A liveness command every 5 seconds"))
  }
}
