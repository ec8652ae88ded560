import Foundation
import Testing

/// A manifest with findings of every severity, a suppressed one, and a cross-object one.
private let manifest = """
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: "web, \\"quoted\\": 100%"
    annotations:
      ignore.kubeward.dev/missing-liveness-probe: "checked by the service mesh"
  spec:
    replicas: 1
    selector:
      matchLabels: {app: web}
    template:
      metadata:
        labels: {app: web}
      spec:
        containers:
          # kubeward:ignore resource-requests -- sized by the VPA
          - name: web
            image: nginx:1.27-alpine
            env:
              - {name: UPSTREAM_HOST, value: api.shop.svc.cluster.local}
  ---
  apiVersion: v1
  kind: Service
  metadata: {name: web}
  spec:
    selector: {app: wbe}
    ports:
      - port: 80
  """

private func writeManifest() throws -> String {
  let folder = try Kubeward.temporaryDirectory()
  try FileManager.default.createDirectory(
    atPath: folder + "/deploy dir", withIntermediateDirectories: true)
  try manifest.write(toFile: folder + "/deploy dir/web.yaml", atomically: true, encoding: .utf8)
  // A repository root, for SARIF's %SRCROOT%.
  try FileManager.default.createDirectory(
    atPath: folder + "/.git", withIntermediateDirectories: true)
  return folder
}

@Suite("Report formats")
struct ReportFormatTests {
  @Test(.enabled(if: Validators.jsonSchemaAvailable || Validators.required))
  func sarifValidatesAndCarriesExactLocations() throws {
    let folder = try writeManifest()
    let run = try Kubeward.run(
      ["lint", "deploy dir", "--format", "sarif", "--output", "out.sarif"], in: folder)
    #expect(run.status == 1)
    #expect(
      Validators.sarif(folder + "/out.sarif") == nil,
      "\(Validators.sarif(folder + "/out.sarif") ?? "")")
    let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/out.sarif"))
    let sarif = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let sarifRun = try #require((sarif["runs"] as? [[String: Any]])?.first)
    #expect(sarifRun["columnKind"] as? String == "unicodeCodePoints")
    let base = (sarifRun["originalUriBaseIds"] as? [String: [String: String]])?["%SRCROOT%"]?["uri"]
    #expect(base == "file://" + folder.replacingOccurrences(of: " ", with: "%20") + "/")
    let driver = try #require((sarifRun["tool"] as? [String: Any])?["driver"] as? [String: Any])
    let rules = try #require(driver["rules"] as? [[String: Any]])
    #expect(rules.count > 30)
    let results = try #require(sarifRun["results"] as? [[String: Any]])
    let alpine = try #require(results.first { $0["ruleId"] as? String == "alpine-image" })
    #expect((rules[alpine["ruleIndex"] as! Int]["id"] as? String) == "alpine-image")
    #expect(alpine["level"] as? String == "warning")
    let location = try #require((alpine["locations"] as? [[String: Any]])?.first)
    let physical = try #require(location["physicalLocation"] as? [String: Any])
    let artifact = try #require(physical["artifactLocation"] as? [String: String])
    #expect(artifact == ["uri": "deploy%20dir/web.yaml", "uriBaseId": "%SRCROOT%"])
    let region = try #require(physical["region"] as? [String: Int])
    #expect(region == ["startLine": 18, "startColumn": 18, "endLine": 18, "endColumn": 35])
    let logical = try #require((location["logicalLocations"] as? [[String: String]])?.first)
    #expect(logical["fullyQualifiedName"] == "Deployment default/web, \"quoted\": 100%")
    #expect((alpine["partialFingerprints"] as? [String: String])?["kubeward/v1"]?.count == 16)
    // Suppressed findings are kept, with their justification.
    let suppressed = results.filter { $0["suppressions"] != nil }
    #expect(
      Set(suppressed.compactMap { $0["ruleId"] as? String }) == [
        "missing-liveness-probe", "resource-requests",
      ])
    let info = results.first { $0["ruleId"] as? String == "single-replica" }
    #expect(info?["level"] as? String == "note")
  }

  @Test(.enabled(if: Validators.xmllintAvailable || Validators.required))
  func junitValidatesWithOneSuitePerFile() throws {
    let folder = try writeManifest()
    try "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n".write(
      toFile: folder + "/clean.yaml", atomically: true, encoding: .utf8)
    let run = try Kubeward.run(
      ["lint", ".", "--format", "junit", "--output", "report.xml"], in: folder)
    #expect(run.status == 1)
    #expect(
      Validators.junit(folder + "/report.xml") == nil,
      "\(Validators.junit(folder + "/report.xml") ?? "")")
    let xml = try String(contentsOfFile: folder + "/report.xml", encoding: .utf8)
    #expect(xml.components(separatedBy: "<testsuite ").count - 1 == 2)
    #expect(xml.contains("name=\"clean.yaml\""))
    #expect(xml.contains("<testcase name=\"kubeward\" classname=\"clean.yaml\""))
    #expect(
      xml.contains(
        "<testcase name=\"Deployment default/web, &quot;quoted&quot;: 100% [alpine-image]\""))
    #expect(xml.contains("deploy dir/web.yaml:18:18: warning:"))
    // Info findings are below the failure threshold: listed, not failures.
    let systemOut = try #require(
      xml.firstRange(of: "<system-out>deploy dir/").map { xml[$0.lowerBound...] })
    let infoLines = systemOut.components(separatedBy: "</system-out>")[0]
    #expect(infoLines.contains("deploy dir/web.yaml:8:13: info:"))
    #expect(infoLines.contains("[single-replica]"))
    // A file's name is shown as the other reports show it: DEL and a right-to-left override
    // as their visible escapes, not raw in the suite's and the cases' names.
    let odd = "odd\u{7F}\u{202E}.yaml"
    try
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: nginx}\n"
      .write(toFile: folder + "/" + odd, atomically: true, encoding: .utf8)
    let named = try Kubeward.run(["lint", odd, "--format", "junit"], in: folder)
    #expect(!named.standardOutput.contains("\u{7F}"))
    #expect(!named.standardOutput.contains("\u{202E}"))
    #expect(named.standardOutput.contains("classname=\"odd\\x7F\\u{202E}.yaml\""))
  }

  /// The suite of standard input named blank (`--stdin-filename "$UNSET"`) is named quoted,
  /// and a `SOURCE_DATE_EPOCH` past the years the timestamp writes is ignored: both made
  /// reports the schema refuses (an empty suite name, the year 10000).
  @Test(.enabled(if: Validators.xmllintAvailable || Validators.required))
  func junitStaysValidForBlankNamesAndDistantDates() throws {
    let folder = try writeManifest()
    let text = try String(contentsOfFile: folder + "/deploy dir/web.yaml", encoding: .utf8)
    for (name, epoch, expected) in [
      (" ", "0", "timestamp=\"1970-01-01T00:00:00\""),
      ("", "253402300799", "timestamp=\"9999-12-31T23:59:59\""),
      ("web.yaml", "253402300800", "timestamp=\"2"), ("web.yaml", "-62167219201", "timestamp=\"2"),
    ] {
      let run = try Kubeward.run(
        ["lint", "-", "--stdin-filename", name, "--format", "junit", "--output", "report.xml"],
        stdin: text, in: folder, environment: ["SOURCE_DATE_EPOCH": epoch])
      #expect(run.status == 1, "\(run.standardError)")
      let report = folder + "/report.xml"
      #expect(
        Validators.junit(report) == nil, "\(name) \(epoch): \(Validators.junit(report) ?? "")")
      let xml = try String(contentsOfFile: report, encoding: .utf8)
      #expect(xml.contains(expected), "\(epoch)")
      if name.allSatisfy({ $0 == " " }) {
        #expect(xml.contains("name=\"&quot;\(name)&quot;\""), "\(xml)")
      }
    }
  }

  @Test func githubAnnotationsEscapeAsTheToolkitDoes() throws {
    let folder = try writeManifest()
    let run = try Kubeward.run(["lint", "deploy dir", "--format", "github"], in: folder)
    let lines = run.standardOutput.split(separator: "\n")
    let alpine = try #require(lines.first { $0.contains("alpine-image") })
    #expect(
      alpine.hasPrefix(
        "::warning file=deploy dir/web.yaml,line=18,endLine=18,col=18,endColumn=35,"
          + "title=kubeward alpine-image::Deployment default/web, \"quoted\": 100%25: container"))
    #expect(lines.contains { $0.hasPrefix("::notice file=deploy dir/web.yaml,line=8,") })
    #expect(!lines.contains { $0.contains("missing-liveness-probe") })  // suppressed
    let pattern =
      /^::(error|warning|notice) file=[^,]+,line=\d+,endLine=\d+,col=\d+,endColumn=\d+,title=[^,:]+::.+$/
    for line in lines { #expect(line.wholeMatch(of: pattern) != nil, "\(line)") }
  }

  @Test func severalReportsFromOneRun() throws {
    let folder = try writeManifest()
    let run = try Kubeward.run(
      [
        "lint", "deploy dir", "--format", "json", "--output", "report.json", "--format", "text",
        "--format", "sarif", "--output", "report.sarif",
      ], in: folder)
    #expect(run.status == 1)
    #expect(run.standardOutput.contains("[alpine-image]"))
    let json = try Data(contentsOf: URL(fileURLWithPath: folder + "/report.json"))
    let findings = try #require(
      (try JSONSerialization.jsonObject(with: json) as? [String: Any])?["findings"] as? [Any])
    #expect(!findings.isEmpty)
    #expect(FileManager.default.fileExists(atPath: folder + "/report.sarif"))
    let two = try Kubeward.run(
      ["lint", "deploy dir", "--format", "json", "--format", "text"], in: folder)
    #expect(two.status == 2)
    #expect(two.standardError.contains("only one report can go to standard output"))
  }

  @Test func neverWritesOverALintedFile() throws {
    let folder = try writeManifest()
    let run = try Kubeward.run(
      ["lint", "deploy dir/web.yaml", "--format", "json", "--output", "deploy dir/web.yaml"],
      in: folder)
    #expect(run.status == 2)
    #expect(
      try String(contentsOfFile: folder + "/deploy dir/web.yaml", encoding: .utf8) == manifest)
  }

  @Test func colourAndCodeFramesOnRequest() throws {
    let folder = try writeManifest()
    let plain = try Kubeward.run(["lint", "deploy dir"], in: folder)
    #expect(!plain.standardOutput.contains("\u{1B}["))
    #expect(!plain.standardOutput.contains(" | "))
    let colored = try Kubeward.run(["lint", "deploy dir", "--color", "always"], in: folder)
    #expect(colored.standardOutput.contains("\u{1B}[1;33mwarning:"))
    // The code frame: the line, and a caret under the reported text.
    let bar = "\u{1B}[2m|\u{1B}[0m "
    #expect(colored.standardOutput.contains(" 18 \(bar)          image: nginx:1.27-alpine\n"))
    // Column 18 to 35: 17 spaces, then a caret under the 17 reported characters.
    let caret = "\u{1B}[1;33m^" + String(repeating: "~", count: 16) + "\u{1B}[0m\n"
    #expect(
      colored.standardOutput.contains("    \(bar)" + String(repeating: " ", count: 17) + caret))
    let noColor = try Kubeward.run(
      ["lint", "deploy dir", "--color", "auto"], in: folder, environment: ["NO_COLOR": "1"])
    #expect(!noColor.standardOutput.contains("\u{1B}["))
  }

  @Test func suppressedFindingsAreCountedAndShownOnRequest() throws {
    let folder = try writeManifest()
    let quiet = try Kubeward.run(["lint", "deploy dir"], in: folder)
    #expect(!quiet.standardOutput.contains("missing-liveness-probe"))
    #expect(quiet.standardOutput.contains(", 2 suppressed"))
    let shown = try Kubeward.run(["lint", "deploy dir", "--show-suppressed"], in: folder)
    #expect(
      shown.standardOutput.contains(
        "[missing-liveness-probe] (suppressed by an annotation: checked by the service mesh)"))
    #expect(
      shown.standardOutput.contains(
        "[resource-requests] (suppressed by a comment: sized by the VPA)"))
  }
}
