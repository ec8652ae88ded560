import KubewardPolicies

/// One line per finding, as compilers write diagnostics (editors and terminals turn them into
/// links), then a summary:
///
///     examples/web.yaml:14:18: warning: Deployment default/web: … [alpine-image]
///
///     3 files, 4 documents, 4 objects: 0 errors, 1 warning, 0 info
///
/// On a terminal it adds colour and a code frame: the offending line with a caret under the
/// reported text.
public final class TextReporter: FindingSink {
  private var output: ChunkedOutput
  private let options: ReportOptions
  private var wroteFindings = false

  public init(output: ReportOutput, options: ReportOptions = ReportOptions()) {
    self.output = ChunkedOutput(output)
    self.options = options
  }

  public func file(_ name: String, findings: [Finding]) { write(findings) }

  public func crossObject(_ findings: [Finding]) { write(findings) }

  public func finish(_ summary: LintSummary) {
    if wroteFindings { output.append("\n") }
    output.append(Self.summary(summary))
    output.append("\n")
    output.flush()
  }

  private func write(_ findings: [Finding]) {
    for finding in findings where finding.suppression == nil || options.showSuppressed {
      wroteFindings = true
      output.append(options.color ? colored(finding) : Self.line(for: finding))
      output.append("\n")
      if options.codeFrames { writeFrame(for: finding) }
      output.flushIfFull()
    }
  }

  /// `path:line:col: severity: message [policy-id]`, and how a suppressed finding was accepted.
  public static func line(for finding: Finding) -> String {
    "\(finding.file):\(finding.line):\(finding.column): \(finding.severity): \(finding.message) "
      + "[\(finding.policy)]" + suppressionNote(finding)
  }

  private static func suppressionNote(_ finding: Finding) -> String {
    guard let suppression = finding.suppression else { return "" }
    let by =
      switch suppression.kind {
      case .annotation: "an annotation"
      case .comment: "a comment"
      case .baseline: "the baseline"
      }
    return " (suppressed by \(by): \(suppression.reason))"
  }

  // MARK: Terminal

  private enum Style {
    static let reset = "\u{1B}[0m"
    static let bold = "\u{1B}[1m"
    static let dim = "\u{1B}[2m"

    static func severity(_ severity: Severity) -> String {
      switch severity {
      case .error: "\u{1B}[1;31m"
      case .warning: "\u{1B}[1;33m"
      case .info: "\u{1B}[1;36m"
      }
    }
  }

  private func colored(_ finding: Finding) -> String {
    let location = "\(finding.file):\(finding.line):\(finding.column):"
    return "\(Style.bold)\(location)\(Style.reset) "
      + "\(Style.severity(finding.severity))\(finding.severity):\(Style.reset) "
      + "\(finding.message) \(Style.dim)[\(finding.policy)]\(Self.suppressionNote(finding))"
      + Style.reset
  }

  /// The reported line with `^~~~` under the reported columns (to the line's end when the
  /// range spans lines). Tabs are kept so the caret lines up.
  private func writeFrame(for finding: Finding) {
    guard let text = options.sources?.line(finding.line, of: finding.file) else { return }
    let number = String(finding.line)
    let gutter = String(repeating: " ", count: number.count)
    let scalars = Array(text.unicodeScalars)
    let start = min(max(finding.column - 1, 0), scalars.count)
    let end =
      finding.range.end.line == finding.line
      ? min(max(finding.range.end.column - 1, start + 1), max(scalars.count, start + 1))
      : max(scalars.count, start + 1)
    var padding = ""
    for scalar in scalars[0..<start] { padding.unicodeScalars.append(scalar == "\t" ? "\t" : " ") }
    let marker = "^" + String(repeating: "~", count: max(0, end - start - 1))
    let bar = options.color ? "\(Style.dim)|\(Style.reset)" : "|"
    let caret =
      options.color ? "\(Style.severity(finding.severity))\(marker)\(Style.reset)" : marker
    output.append(" \(number) \(bar) \(text)\n \(gutter) \(bar) \(padding)\(caret)\n")
  }

  // MARK: Summary

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
