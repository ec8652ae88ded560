/// Test fixtures: manifests kept in a repository to be rejected, parsed or compared by its
/// tests (`testdata/`, `bad_resources/`, `invalid-deployment.yaml`), or applied by its test
/// suites to throwaway clusters (`tests/`, `e2e/`), not to be deployed; and files whose
/// comments say they are wrong on purpose (`# Intentionally broken`). In a folder walk their
/// findings are information at most; a file named on the command line is still checked as it
/// is.
enum Fixtures {
  /// Folder names that hold fixtures, compared without case: Go's `testdata`, the `fixtures`
  /// of most test frameworks, and folders of deliberately bad input.
  private static let folderNames: Set<String> = [
    "testdata", "test-data", "test_data", "fixtures", "__fixtures__", "test-fixtures",
    "bad", "bad_resources", "bad-resources", "invalid", "negative", "rejected",
    "failing", "broken", "test", "tests", "testing", "e2e", "e2e-tests", "integration-tests",
  ]

  /// Prefixes and suffixes of file names of deliberately bad input.
  private static let badWords: Set<String> = [
    "bad", "invalid", "broken", "reject", "rejected", "failing", "malformed",
  ]

  /// Whether a comment of the file says its content is wrong on purpose: `# Intentionally
  /// misconfigured`, `# deliberately broken so that the scan fails`. Both words must be there
  /// (a comment that a port is "omitted intentionally" says nothing of the kind). Found from
  /// the bytes before any text is made.
  static func saysWrongOnPurpose(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard Linter.contains(bytes, "ntentional") || Linter.contains(bytes, "eliberate") else {
      return false
    }
    let text = String(decoding: bytes, as: UTF8.self)
    let wrong = [
      "broken", "wrong", "invalid", "misconfigur", "fail", "insecure", "reject",
      "vulnerab", "missing", "crash", "unschedulable",
      "bad ",
    ]
    for line in text.split(separator: "\n") {
      guard let hash = line.firstIndex(of: "#") else { continue }
      let comment = line[hash...].lowercased()
      if comment.contains("intentional") || comment.contains("deliberate"),
        wrong.contains(where: comment.contains)
      {
        return true
      }
    }
    return false
  }

  static func isFixtureFolder(_ name: [UInt8]) -> Bool {
    folderNames.contains(String(decoding: name, as: UTF8.self).lowercased())
  }

  /// Whether the file's own name says it is bad input: `bad_service.yaml`, `invalid-pod.yml`,
  /// `deployment_invalid.yaml`.
  static func isFixtureFile(_ path: String) -> Bool {
    let name = path.split(separator: "/").last.map(String.init)?.lowercased() ?? ""
    let stem = name.split(separator: ".").first.map(String.init) ?? name
    let words = stem.split(whereSeparator: { $0 == "_" || $0 == "-" })
    guard let first = words.first, let last = words.last, words.count > 1 else { return false }
    return badWords.contains(String(first)) || badWords.contains(String(last))
  }
}
