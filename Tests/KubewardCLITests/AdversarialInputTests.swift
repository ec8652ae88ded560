import Foundation
import Testing

private let loadBalancer = Fixtures.loadBalancerService + "\n"

private func text(_ string: String) -> [UInt8] { Array(string.utf8) }

/// One file per class of bad input, beside a good file; each entry says what kubeward must
/// report for it (policy at line:column), or nothing for a deliberate skip.
private let cases: [(name: String, bytes: [UInt8], expected: [String])] = [
  ("good.yaml", text(loadBalancer), ["loadbalancer-lifecycle 6:9"]),
  (
    "syntax-error-mid-stream.yaml",
    text(
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n"
        + "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n   broken: [\n---\n"
        + loadBalancer),
    // The broken document is reported; the documents before and after it are still linted.
    ["yaml-syntax 10:10", "loadbalancer-lifecycle 17:9"]
  ),
  (
    "helm-template.yaml",
    text(
      "{{- if .Values.enabled }}\napiVersion: v1\nkind: Service\nmetadata:\n"
        + "  name: {{ .Release.Name }}\n{{- end }}\n"),
    ["unrendered-template 1:1"]
  ),
  (
    "binary.yaml", text("apiVersion: v1\n") + [0, 1, 2, 0xFF] + text("binary"), ["binary-file 2:1"]
  ),
  (
    "invalid-utf8.yaml",
    text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf") + [0xE9, 0x0A],
    ["invalid-encoding 4:12"]
  ),
  // Not linted: its suppression suppresses nothing, and is not said to be unused.
  (
    "invalid-utf8-suppressed.yaml",
    text("# kubeward:ignore memory-limit -- a reason\napiVersion: v1\nkind: Pod\nmetadata:\n")
      + text("  name: caf") + [0xE9, 0x0A],
    ["invalid-encoding 5:12"]
  ),
  // A byte order mark and Windows line ends: positions are still exact.
  (
    "bom-crlf.yaml",
    [0xEF, 0xBB, 0xBF] + text(loadBalancer.replacingOccurrences(of: "\n", with: "\r\n")),
    ["loadbalancer-lifecycle 6:9"]
  ),
  (
    "billion-laughs.yaml",
    text(
      "apiVersion: v1\nkind: ConfigMap\n---\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + (1...8).map { level -> String in
          let name = String(UnicodeScalar(UInt8(ascii: "a") + UInt8(level)))
          let previous = String(UnicodeScalar(UInt8(ascii: "a") + UInt8(level - 1)))
          return "\(name): &\(name) ["
            + Array(repeating: "*\(previous)", count: 10)
            .joined(separator: ", ") + "]\n"
        }.joined()),
    ["alias-expansion 9:"]
  ),
  (
    "deep-nesting.yaml",
    text(
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x: "
        + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n"),
    ["nesting-too-deep 6:"]
  ),
  (
    "large-block-scalar.yaml",
    text(
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: large\ndata:\n  blob: |\n"
        + String(repeating: "    " + String(repeating: "x", count: 75) + "\n", count: 524_288)),
    []
  ),
  ("empty.yaml", [], []),
  ("comment-only.yaml", text("# nothing here\n---\n# nor here\n"), []),
  // Not Kubernetes (a Helm values file): skipped and counted, not reported, in a folder.
  ("values.yaml", text("replicaCount: 2\nimage:\n  repository: nginx\n"), []),
  // Not Kubernetes and not YAML either (JSON with comments, line-delimited JSON): not
  // kubeward's to judge when found in a folder.
  ("tsconfig.json", text("{\n  // compiler options\n  \"strict\": true,\n}\n"), []),
  ("events.json", text("{\"a\": 1}\n{\"a\": 2}\n"), []),
  (
    "duplicate-key.yaml",
    text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"),
    ["duplicate-key 5:3"]
  ),
]

/// Contents and modification time of every file under `folder`.
private func snapshot(_ folder: String) throws -> [String: (Data, Date)] {
  var result: [String: (Data, Date)] = [:]
  for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
    let path = folder + "/" + name
    guard let data = FileManager.default.contents(atPath: path) else { continue }
    let date = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
    result[name] = (data, date ?? .distantPast)
  }
  return result
}

@Suite("Adversarial input")
struct AdversarialInputTests {
  @Test func everyClassIsReportedOrDeliberatelySkippedAndTheRestIsLinted() throws {
    let folder = try Kubeward.temporaryDirectory()
    for (name, bytes, _) in cases {
      try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name))
    }
    try FileManager.default.createSymbolicLink(
      atPath: folder + "/dangling-link.yaml", withDestinationPath: "missing.yaml")
    let before = try snapshot(folder)

    let run = try Kubeward.run(["lint", "--format", "json", "--fail-on", "never", "."], in: folder)
    #expect(run.status == 0, "\(run.standardError)")
    let json = try #require(run.json)
    let findings = try #require(json["findings"] as? [[String: Any]])
    var reported: [String: [String]] = [:]
    for finding in findings {
      let file = try #require(finding["file"] as? String)
      reported[file, default: []].append(
        "\(finding["policy"] ?? "") \(finding["line"] ?? 0):\(finding["column"] ?? 0)")
    }
    for (name, _, expected) in cases {
      let actual = reported[name] ?? []
      #expect(actual.count == expected.count, "\(name): \(actual)")
      for (finding, prefix) in zip(actual, expected) {
        #expect(finding.hasPrefix(prefix), "\(name): \(finding), expected \(prefix)")
      }
    }
    #expect(reported["dangling-link.yaml"] == ["unreadable-file 1:1"])

    let summary = try #require(json["summary"] as? [String: Any])
    #expect(summary["files"] as? Int == cases.count + 1)
    // values.yaml, and the first line of the line-delimited JSON (the rest does not parse).
    #expect(summary["skippedDocuments"] as? Int == 2)
    // good.yaml, the two intact documents around the syntax error, bom-crlf.yaml, the large
    // ConfigMap, the ConfigMap with a duplicate key (reported, and still linted) and the
    // ConfigMap before the alias bomb.
    #expect(summary["objects"] as? Int == 7, "\(summary)")

    let after = try snapshot(folder)
    #expect(before.keys.sorted() == after.keys.sorted())
    for (name, (data, date)) in before {
      #expect(after[name]?.0 == data, "\(name) changed")
      #expect(after[name]?.1 == date, "\(name) was touched")
    }
  }

  /// Permissions do not stop root, so as root the run switches to an unprivileged user.
  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
  func unreadableFilesAndFoldersAreReported() throws {
    let folder = try Kubeward.temporaryDirectory()
    try FileManager.default.setAttributes(
      [.posixPermissions: 0o755], ofItemAtPath: folder)
    try text(loadBalancer).write(to: folder + "/good.yaml")
    try text(loadBalancer).write(to: folder + "/secret.yaml")
    try FileManager.default.createDirectory(
      atPath: folder + "/locked", withIntermediateDirectories: false)
    try text(loadBalancer).write(to: folder + "/locked/inside.yaml")
    try FileManager.default.setAttributes(
      [.posixPermissions: 0o000], ofItemAtPath: folder + "/secret.yaml")
    try FileManager.default.setAttributes(
      [.posixPermissions: 0o000], ofItemAtPath: folder + "/locked")
    defer {
      try? FileManager.default.setAttributes(
        [.posixPermissions: 0o755], ofItemAtPath: folder + "/locked")
    }
    let arguments = ["lint", "--format", "json", "--fail-on", "never", folder]
    let run =
      getuid() == 0
      ? try Kubeward.run(
        ["--reuid=65534", "--regid=65534", "--clear-groups", Kubeward.executable] + arguments,
        executable: "/usr/bin/setpriv")
      : try Kubeward.run(arguments)
    let findings = try #require(run.json?["findings"] as? [[String: Any]], "\(run.standardError)")
    let byFile = Dictionary(grouping: findings) { ($0["file"] as? String) ?? "" }
      .mapValues { $0.compactMap { $0["policy"] as? String } }
    #expect(byFile[folder + "/good.yaml"] == ["loadbalancer-lifecycle"])
    #expect(byFile[folder + "/secret.yaml"] == ["unreadable-file"], "\(byFile)")
    #expect(byFile[folder + "/locked"] == ["unreadable-file"], "\(byFile)")
  }
}

extension [UInt8] {
  fileprivate func write(to path: String) throws {
    try Data(self).write(to: URL(fileURLWithPath: path))
  }
}
