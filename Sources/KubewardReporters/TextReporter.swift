import KubewardPolicies

/// One line per finding, as compilers write diagnostics (editors and terminals turn them into
/// links), then a summary:
///
///     examples/web.yaml:14:18: warning: Deployment default/web: … [alpine-image]
///
///     3 files, 4 documents, 4 objects: 0 errors, 1 warning, 0 info
public struct TextReporter: Reporter {
  public init() {}

  public func write(_ result: LintResult, to sink: ReportSink) {
    var output = ChunkedOutput(sink: sink)
    for index in result.findings.indices {
      output.bytes.append(contentsOf: Self.line(for: result.findings[index]).utf8)
      output.bytes.append(UInt8(ascii: "\n"))
      output.flushIfFull()
    }
    if !result.findings.isEmpty { output.bytes.append(UInt8(ascii: "\n")) }
    output.bytes.append(contentsOf: Self.summary(result.summary).utf8)
    output.bytes.append(UInt8(ascii: "\n"))
    output.flush()
  }

  /// `path:line:col: severity: message [policy-id]`
  public static func line(for finding: Finding) -> String {
    "\(finding.file):\(finding.line):\(finding.column): \(finding.severity): \(finding.message) "
      + "[\(finding.policy)]"
  }

  public static func summary(_ summary: LintSummary) -> String {
    var text =
      "\(counted(summary.files, "file")), \(counted(summary.documents, "document")), "
      + "\(counted(summary.objects, "object"))"
    if summary.skippedDocuments > 0 {
      text += " (\(counted(summary.skippedDocuments, "document")) skipped: not objects, or patches)"
    }
    text +=
      ": \(counted(summary.count(.error), "error")), "
      + "\(counted(summary.count(.warning), "warning")), \(summary.count(.info)) info"
    if summary.suppressed > 0 { text += ", \(summary.suppressed) suppressed" }
    return text
  }

  static func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
  }
}
