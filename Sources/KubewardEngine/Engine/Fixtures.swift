import KubewardModel

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Test fixtures: manifests kept in a repository to be rejected, parsed or compared by its
/// tests (`testdata/`, `bad_resources/`, `invalid-deployment.yaml`), or applied by its test
/// suites to throwaway clusters (`tests/`, `e2e/`), not to be deployed; and files whose
/// comments say they are wrong on purpose (`# Intentionally broken`). In a folder walk their
/// findings are information at most; a file named on the command line is still checked as it
/// is.
enum Fixtures {
  /// What a finding lowered to information in a fixture adds to its message: why.
  static let loweredByName =
    " (information here: its folder or name makes this file a test fixture; lint it by name "
    + "for its own severity)"
  static let loweredByComment =
    " (information here: a comment of this file says it is wrong on purpose; lint it by name "
    + "for its own severity)"

  /// `message` without the reason a fixture's lowering added: a fingerprint made of a
  /// message (a finding about the file itself) is the same whether it was lowered or not, and
  /// a baseline written before the reason was said still matches.
  static func withoutLoweringReason(_ message: String) -> String {
    for reason in [loweredByName, loweredByComment] where message.hasSuffix(reason) {
      return String(message.dropLast(reason.count))
    }
    return message
  }

  /// Folder names that hold fixtures, compared without case: Go's `testdata`, the `fixtures`
  /// of most test frameworks, the test doubles' `fake/` and `mocks/` (linkerd's proxy injector
  /// reads its `fake/data/` manifests in its tests), a conformance suite's setup (Gateway
  /// API's echo backends, which its test binary embeds and applies to a throwaway cluster),
  /// and folders of deliberately bad input.
  private static let folderNames: Set<String> = [
    "testdata", "test-data", "test_data", "fixtures", "__fixtures__", "test-fixtures",
    "conformance",
    "fake", "fakes", "mock", "mocks",
    "bad", "bad_resources", "bad-resources", "invalid", "negative", "rejected",
    "failing", "broken", "test", "tests", "testing", "e2e", "e2e-tests", "integration-tests",
  ]

  /// Prefixes and suffixes of file names of deliberately bad input.
  private static let badWords: [StaticString] = [
    "bad", "invalid", "broken", "reject", "rejected", "failing", "malformed", "disallowed",
  ]

  /// Whether a comment of the file says its content is wrong on purpose: `# Intentionally
  /// misconfigured`, `# deliberately broken so that the scan fails`. Both words must be there
  /// (a comment that a port is "omitted intentionally" says nothing of the kind). Found from
  /// the bytes before any text is made.
  static func saysWrongOnPurpose(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    // Only comments count, and `#` is rare in manifests: one memchr pass finds them, where
    // searching the whole file for the words stops at every `n` and `e`.
    guard let base = bytes.baseAddress else { return false }
    var index = 0
    while index < bytes.count,
      let hash = memchr(base + index, Int32(UInt8(ascii: "#")), bytes.count - index)
    {
      let start = UnsafeRawPointer(hash) - UnsafeRawPointer(base)
      var end = start
      while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
      if commentSaysWrongOnPurpose(UnsafeBufferPointer(rebasing: bytes[start..<end])) {
        return true
      }
      index = end + 1
    }
    return false
  }

  private static func commentSaysWrongOnPurpose(_ comment: UnsafeBufferPointer<UInt8>) -> Bool {
    guard
      Linter.contains(comment, "ntentional") || Linter.contains(comment, "eliberate")
        || Linter.contains(comment, "NTENTIONAL") || Linter.contains(comment, "ELIBERATE")
    else { return false }
    let text = String(decoding: comment, as: UTF8.self).lowercased()
    let wrong = [
      "broken", "wrong", "invalid", "misconfigur", "fail", "insecure", "reject",
      "vulnerab", "missing", "crash", "unschedulable",
      "bad ",
    ]
    return (text.contains("intentional") || text.contains("deliberate"))
      && wrong.contains(where: text.contains)
  }

  /// Gatekeeper's test suites (`gator verify`): a folder whose `suite.yaml` is a `Suite` of
  /// `test.gatekeeper.sh` holds the objects its tests feed the policies, allowed and
  /// disallowed (gatekeeper-library's `samples/`), with everything below it.
  static let suiteFileName = Array("suite.yaml".utf8)

  /// Whether the folder open at `descriptor` holds such a `suite.yaml` (its first 4 KiB).
  static func holdsTestSuite(_ descriptor: Int32) -> Bool {
    let file = openat(descriptor, "suite.yaml", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
    guard file >= 0 else { return false }
    defer { close(file) }
    var status = stat()
    guard fstat(file, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return false }
    var bytes = [UInt8](repeating: 0, count: 4096)
    let count = bytes.withUnsafeMutableBytes { read(file, $0.baseAddress, $0.count) }
    guard count > 0 else { return false }
    return bytes.withUnsafeBufferPointer { buffer in
      let head = UnsafeBufferPointer(rebasing: buffer[0..<count])
      return Linter.contains(head, "test.gatekeeper.sh") && Linter.contains(head, "Suite")
    }
  }

  /// Words that, first in a folder's name, make it a test suite's: `test-resources` (the
  /// Kubernetes dashboard's UI fixtures), `e2e-manifests`; and last: `smoke_tests`. Not
  /// `testing` nor a last `test`: `postgres-chaos-testing` and `load-test` are what a tutorial
  /// deploys.
  private static let leadingTestWords: [StaticString] = ["test", "tests", "e2e"]
  private static let trailingTestWords: [StaticString] = ["tests", "e2e"]

  static func isFixtureFolder(_ name: [UInt8]) -> Bool {
    let text = String(decoding: name, as: UTF8.self)
    if folderNames.contains(text.lowercased()) { return true }
    let words = ASCIIText.words(of: [text]) {
      $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
    }
    guard let first = words.first, let last = words.last, words.count > 1 else { return false }
    return ASCIIText.equals(first, anyOf: leadingTestWords)
      || ASCIIText.equals(last, anyOf: trailingTestWords)
  }

  /// Whether the file's own name says it is bad input: `bad_service.yaml`, `invalid-pod.yml`,
  /// `deployment_invalid.yaml`.
  static func isFixtureFile(_ path: String) -> Bool {
    // Asked of every file of a walk: bytes, not `String.split` and `lowercased()`.
    let name = ASCIIText.lastPathComponent(Substring(path))
    let stem = ASCIIText.words(of: [String(name)]) { $0 == UInt8(ascii: ".") }.first ?? name
    let words = ASCIIText.words(of: [String(stem)]) {
      $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
    }
    guard let first = words.first, let last = words.last, words.count > 1 else { return false }
    return ASCIIText.equals(first, anyOf: badWords) || ASCIIText.equals(last, anyOf: badWords)
  }
}
