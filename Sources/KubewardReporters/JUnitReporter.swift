import KubewardBuiltInPolicies
import KubewardEngine
import KubewardModel
import KubewardYAML

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// JUnit XML in Apache Ant's form, which Jenkins, GitLab and most CI systems read: one
/// testsuite per linted file, one testcase per object and policy with findings (a file without
/// findings is one passing testcase). Findings at or above `failOn` are failures carrying
/// `file:line` and the message; less serious ones are listed in the suite's `system-out`.
///
/// Test suites need every finding of their file, cross-object ones included, so this report is
/// written when the run ends.
public final class JUnitReporter: FindingSink {
  private var output: ChunkedOutput
  private let options: ReportOptions
  private var files: [String] = []
  private var findings: [String: [Finding]] = [:]

  public init(output: ReportOutput, options: ReportOptions = ReportOptions()) {
    self.output = ChunkedOutput(output)
    self.options = options
  }

  public func file(_ name: String, findings: [Finding]) {
    files.append(name)
    collect(findings)
  }

  public func crossObject(_ findings: [Finding]) { collect(findings) }

  private func collect(_ found: [Finding]) {
    for finding in found where finding.suppression == nil {
      if findings[finding.file] == nil && !files.contains(finding.file) {
        files.append(finding.file)
      }
      findings[finding.file, default: []].append(finding)
    }
  }

  public func finish(_ summary: LintSummary) {
    let timestamp = Self.timestamp()
    let host = Self.hostname()
    output.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n")
    for (id, file) in files.enumerated() {
      writeSuite(
        id: id, file: file, findings: findings[file] ?? [], timestamp: timestamp, host: host)
      output.flushIfFull()
    }
    output.append("</testsuites>\n")
    output.flush()
  }

  private func writeSuite(
    id: Int, file rawFile: String, findings: [Finding], timestamp: String, host: String
  ) {
    // Names are shown as every other report shows them: what a terminal or a CI page would
    // act on (DEL, a right-to-left override) is written as its visible escape.
    let file = VisibleText.escaped(rawFile)
    // A suite's name has a character besides spaces (the schema collapses them): a file named
    // blank (`--stdin-filename ' '`) is shown quoted.
    let suite = file.contains { $0 != " " } ? file : "\"\(file)\""
    // One testcase per object and policy, in the order they first appear.
    var cases: [(name: String, findings: [Finding])] = []
    var caseIndex: [String: Int] = [:]
    for finding in findings {
      let name = VisibleText.escaped(
        "\(finding.object?.description ?? rawFile) [\(finding.policy)]")
      if let index = caseIndex[name] {
        cases[index].findings.append(finding)
      } else {
        caseIndex[name] = cases.count
        cases.append((name, [finding]))
      }
    }
    let failing = cases.filter { $0.findings.contains(where: isFailure) }
    let tests = max(cases.count, 1)
    output.append(
      "  <testsuite package=\"kubeward\" id=\"\(id)\" name=\"\(Self.escaped(suite))\" "
        + "timestamp=\"\(timestamp)\" hostname=\"\(Self.escaped(host))\" tests=\"\(tests)\" "
        + "failures=\"\(failing.count)\" errors=\"0\" time=\"0\">\n    <properties/>\n")
    if cases.isEmpty {
      output.append(
        "    <testcase name=\"kubeward\" classname=\"\(Self.escaped(file))\" time=\"0\"/>\n")
    }
    var notes: [Finding] = []
    for testCase in cases {
      output.append(
        "    <testcase name=\"\(Self.escaped(testCase.name))\" "
          + "classname=\"\(Self.escaped(file))\" time=\"0\"")
      let failures = testCase.findings.filter(isFailure)
      notes += testCase.findings.filter { !isFailure($0) }
      guard let first = failures.first else {
        output.append("/>\n")
        continue
      }
      let details = failures.map(TextReporter.line(for:)).joined(separator: "\n")
      output.append(
        ">\n      <failure message=\"\(Self.escaped(VisibleText.escaped(first.message)))\" "
          + "type=\"\(first.severity)\">\(Self.escaped(details))</failure>\n    </testcase>\n")
    }
    let out = notes.map(TextReporter.line(for:)).joined(separator: "\n")
    output.append(
      out.isEmpty
        ? "    <system-out/>\n"
        : "    <system-out>\(Self.escaped(out))</system-out>\n")
    output.append("    <system-err/>\n  </testsuite>\n")
  }

  private func isFailure(_ finding: Finding) -> Bool {
    guard let threshold = options.failOn else { return false }
    return finding.severity >= threshold
  }

  /// XML text and attribute escaping; characters XML 1.0 cannot hold become U+FFFD.
  /// Works on the UTF-8 bytes, copying runs that need nothing in one go.
  static func escaped(_ text: String) -> String {
    let bytes = Array(text.utf8)
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count + 16)
    var runStart = 0
    var index = 0
    func replace(_ count: Int, with replacement: String) {
      result += bytes[runStart..<index]
      result += replacement.utf8
      index += count
      runStart = index
    }
    while index < bytes.count {
      switch bytes[index] {
      case UInt8(ascii: "&"): replace(1, with: "&amp;")
      case UInt8(ascii: "<"): replace(1, with: "&lt;")
      case UInt8(ascii: ">"): replace(1, with: "&gt;")
      case UInt8(ascii: "\""): replace(1, with: "&quot;")
      case UInt8(ascii: "'"): replace(1, with: "&apos;")
      case 0x09, 0x0A: index += 1
      // A raw carriage return returns a terminal's cursor over what a `cat` of the report
      // showed; as a reference it stays a carriage return to an XML reader.
      case 0x0D: replace(1, with: "&#13;")
      case 0..<0x20: replace(1, with: "\u{FFFD}")
      // C1 controls (U+0080 to U+009F; U+009B is a terminal's CSI): by reference.
      case 0xC2 where index + 1 < bytes.count && (0x80...0x9F).contains(bytes[index + 1]):
        let hex = String(bytes[index + 1], radix: 16, uppercase: true)
        replace(2, with: "&#x\(hex);")
      // U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters either.
      case 0xEF
      where index + 2 < bytes.count && bytes[index + 1] == 0xBF
        && (bytes[index + 2] == 0xBE || bytes[index + 2] == 0xBF):
        replace(3, with: "\u{FFFD}")
      default: index += 1
      }
    }
    if runStart == 0 { return text }
    result += bytes[runStart...]
    return String(decoding: result, as: UTF8.self)
  }

  /// `YYYY-MM-DDTHH:MM:SS` in UTC; `SOURCE_DATE_EPOCH` fixes it for reproducible reports.
  /// One outside the years the format writes (1970 to 9999) is ignored: it made a year of five
  /// digits, or a negative one, which the schema refuses.
  static func timestamp() -> String {
    var seconds = time(nil)
    if let fixed = getenv("SOURCE_DATE_EPOCH").flatMap({ Int(String(cString: $0)) }),
      (0...Self.latestTimestamp).contains(fixed)
    {
      seconds = time_t(fixed)
    }
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
      + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
  }

  /// 9999-12-31T23:59:59 in seconds since 1970.
  static let latestTimestamp = 253_402_300_799

  static func hostname() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    let name = String(
      decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return name.isEmpty ? "localhost" : name
  }
}
