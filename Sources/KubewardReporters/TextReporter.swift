import KubewardBuiltInPolicies
import KubewardEngine
import KubewardYAML

/// One line per finding, as compilers write diagnostics (editors and terminals turn them into
/// links), then a summary:
///
///     examples/web.yaml:14:18: warning: Deployment default/web: … [alpine-image]
///
///     3 files, 4 documents, 4 objects: 0 errors, 1 warning, 0 info
///
/// On a terminal it adds colour and a code frame: the offending line with a caret under the
/// reported text. The summary ends with the findings per policy, most severe first: on a
/// repository with hundreds of findings, that is where a reader decides what to fix first.
///
/// `--compact` trades the one-line-per-finding form (each line stands alone for editors, CI
/// logs and grep) for reading: findings grouped by file (the cross-object ones in their own
/// file's group), one short line each (what, not why), one code frame per line of source, and
/// each policy's reason and fix once at the end.
public final class TextReporter: FindingSink {
  private var output: ChunkedOutput
  private let options: ReportOptions
  private var wroteFindings = false
  /// Compact mode: the findings by file, in the order files first appear.
  private var groups: [String: [Finding]] = [:]
  private var fileOrder: [String] = []

  public init(output: ReportOutput, options: ReportOptions = ReportOptions()) {
    self.output = ChunkedOutput(output)
    self.options = options
  }

  public func file(_ name: String, findings: [Finding]) {
    options.compact ? hold(findings) : write(findings)
  }

  public func crossObject(_ findings: [Finding]) {
    options.compact ? hold(findings) : write(findings)
  }

  public func finish(_ summary: LintSummary) {
    if options.compact { writeGroups() }
    if wroteFindings { output.append("\n") }
    output.append(Self.summary(summary))
    output.append("\n")
    output.append(Self.policyTable(summary, hidingBelow: options.minimumSeverity))
    output.flush()
  }

  // MARK: Compact

  private func hold(_ findings: [Finding]) {
    for finding in findings where finding.suppression == nil || options.showSuppressed {
      if groups[finding.file] == nil { fileOrder.append(finding.file) }
      groups[finding.file, default: []].append(finding)
    }
  }

  private func writeGroups() {
    var policies: [String: Int] = [:]
    for file in fileOrder {
      // A file's own findings come sorted; cross-object ones join them here.
      let findings = (groups[file] ?? []).sorted {
        ($0.line, $0.column, $0.policy) < ($1.line, $1.column, $1.policy)
      }
      output.append(
        options.color
          ? "\(Style.bold)\(Self.shownPath(file))\(Style.reset)\n" : "\(Self.shownPath(file))\n")
      var framed: Set<Int> = []
      for finding in findings {
        wroteFindings = true
        policies[finding.policy, default: 0] += 1
        let severity =
          options.color
          ? "\(Style.severity(finding.severity))\(finding.severity)\(Style.reset)"
          : "\(finding.severity)"
        output.append(
          "  \(finding.line):\(finding.column) \(severity) \(VisibleText.escaped(finding.policy)): "
            + VisibleText.escaped(Self.shortMessage(finding)) + Self.suppressionNote(finding) + "\n"
        )
        if options.codeFrames, framed.insert(finding.line).inserted { writeFrame(for: finding) }
        output.flushIfFull()
      }
    }
    guard !policies.isEmpty else { return }
    output.append("\nWhy, and what to do (kubeward explain POLICY tells more):\n")
    for (policy, _) in policies.sorted(by: { $0.key < $1.key }) {
      guard let description = options.catalogue[policy] else { continue }
      // An admission policy's name, title and remediation are the input's.
      output.append(
        "  \(VisibleText.escaped(policy)): \(VisibleText.escaped(description.title)). "
          + "\(VisibleText.escaped(Self.firstSentence(description.remediation)))\n")
    }
  }

  /// What a finding says is wrong, without why or what to do: its message up to the first
  /// `: `, `; ` or `, so ` after the object's name and the container's, outside parentheses
  /// (`(clusterIP: None)` is part of what).
  static func shortMessage(_ finding: Finding) -> String {
    let message = finding.message
    var start = message.startIndex
    if let object = finding.object, message.hasPrefix(object.description) {
      start = message.index(start, offsetBy: object.description.count)
    }
    if let container = finding.container,
      let range = message[start...].firstRange(of: "\"\(container)\"")
    {
      start = range.upperBound
    }
    var depth = 0
    var index = start
    while index < message.endIndex {
      let character = message[index]
      let rest = message[message.index(after: index)...]
      if character == "(" {
        depth += 1
      } else if character == ")" {
        depth = max(0, depth - 1)
      } else if depth == 0,
        (character == ":" || character == ";") && rest.hasPrefix(" ")
          || character == "," && rest.hasPrefix(" so ")
      {
        return String(message[..<index])
      }
      index = message.index(after: index)
    }
    return message
  }

  /// The first sentence of a catalogue text, on one line: up to `. ` or a line that ends in
  /// `.` or `:` (what introduces a list). An abbreviation ends none, opening a parenthesis
  /// too (`(e.g. 1Gi)`: the summary of `emptydir-size-limit` stopped at it).
  static func firstSentence(_ text: String) -> String {
    var sentence = ""
    for line in text.split(separator: "\n") {
      for word in line.split(separator: " ") {
        sentence += sentence.isEmpty ? String(word) : " " + word
        let bare = word.drop { "([\"'`".contains($0) }
        let abbreviation = ["e.g.", "i.e.", "etc.", "vs."].contains(String(bare))
        if word.hasSuffix(".") && !abbreviation { return sentence }
      }
      if sentence.hasSuffix(":") { return String(sentence.dropLast()) + "." }
    }
    return sentence
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
  /// Text from the input (the path, names in the message) is shown with its control characters
  /// written visibly: one finding is always one line.
  public static func line(for finding: Finding) -> String {
    "\(shownPath(finding.file)):\(finding.line):\(finding.column): \(finding.severity): "
      + "\(VisibleText.escaped(finding.message)) [\(VisibleText.escaped(finding.policy))]"
      + suppressionNote(finding)
  }

  /// The path as it starts a line: visible, and never starting with `::`, which CI systems
  /// read as a command (`::error title=x::…` is a GitHub annotation whatever follows).
  static func shownPath(_ path: String) -> String {
    let visible = VisibleText.escaped(path)
    return visible.hasPrefix("::") ? "./" + visible : visible
  }

  private static func suppressionNote(_ finding: Finding) -> String {
    guard let suppression = finding.suppression else { return "" }
    let by =
      switch suppression.kind {
      case .annotation: "an annotation"
      case .comment: "a comment"
      case .baseline: "the baseline"
      }
    return " (suppressed by \(by): \(VisibleText.escaped(suppression.reason)))"
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
    let location = "\(Self.shownPath(finding.file)):\(finding.line):\(finding.column):"
    return "\(Style.bold)\(location)\(Style.reset) "
      + "\(Style.severity(finding.severity))\(finding.severity):\(Style.reset) "
      + "\(VisibleText.escaped(finding.message)) \(Style.dim)[\(VisibleText.escaped(finding.policy))]"
      + "\(Self.suppressionNote(finding))" + Style.reset
  }

  /// The reported line with `^~~~` under the reported columns (to the line's end when the
  /// range spans lines). Tabs are kept so the caret lines up; other control characters are
  /// written visibly, and a long line (minified JSON) is cut to a window around the caret.
  private func writeFrame(for finding: Finding) {
    guard let scalars = options.sources?.scalars(ofLine: finding.line, of: finding.file) else {
      return
    }
    let frame = CodeFrame(
      line: scalars, startColumn: finding.column,
      endColumn: finding.range.end.line == finding.line ? finding.range.end.column : nil)
    let number = String(finding.line)
    let gutter = String(repeating: " ", count: number.count)
    let bar = options.color ? "\(Style.dim)|\(Style.reset)" : "|"
    let caret =
      options.color
      ? "\(Style.severity(finding.severity))\(frame.marker)\(Style.reset)" : frame.marker
    output.append(" \(number) \(bar) \(frame.text)\n \(gutter) \(bar) \(frame.padding)\(caret)\n")
  }

  // MARK: Summary

  /// The findings per policy, most severe first, then the most frequent:
  ///
  ///     error        1  deprecated-api-version
  ///     warning    137  memory-limit
  public static func policyTable(_ summary: LintSummary, hidingBelow minimum: Severity? = nil)
    -> String
  {
    let counts = summary.policyCounts
    guard !counts.isEmpty else { return "" }
    let width = String(counts.map(\.count).max() ?? 0).count
    var text = ""
    for count in counts {
      let number = String(count.count)
      let severity = count.severity.rawValue.padding(toLength: 8)
      text +=
        "  \(severity)\(String(repeating: " ", count: width - number.count))\(number)  "
        + "\(VisibleText.escaped(count.policy))"
        + (minimum.map { count.severity < $0 ? " (not shown)" : "" } ?? "") + "\n"
    }
    return text
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

/// One source line as a code frame shows it, with the caret line under it.
struct CodeFrame {
  /// Columns of source shown at most: a one-line JSON file is one line of any length.
  static let maximumWidth = 160

  /// The line as shown: control characters visible, cut around the caret when too long.
  let text: String
  /// What goes before the caret, so that it lines up (tabs kept as tabs).
  let padding: String
  /// `^~~~` under the reported columns.
  let marker: String

  /// - Parameters:
  ///   - startColumn: the first reported column (1-based, in Unicode scalars).
  ///   - endColumn: the column after the reported text, or `nil` for the rest of the line.
  init(line: [Unicode.Scalar], startColumn: Int, endColumn: Int?) {
    let start = min(max(startColumn - 1, 0), line.count)
    let end = min(max((endColumn ?? Int.max) - 1, start + 1), max(line.count, start + 1))
    // The window shown: the whole line, or `maximumWidth` scalars from a little before the
    // caret. Only the window is looked at, so a finding costs the same on any line.
    var first = 0
    var last = line.count
    if line.count > Self.maximumWidth {
      first = max(0, min(start - 20, line.count - Self.maximumWidth))
      last = min(line.count, first + Self.maximumWidth)
    }
    let lead = first > 0 ? "…" : ""
    var text = lead
    var padding = String(repeating: " ", count: lead.count)
    var width = 0
    for index in first..<last {
      // Each scalar as it is shown: itself, or its visible escape.
      let visible = VisibleText.visible(line[index], keepingTabs: true)
      if let visible { text += visible } else { text.unicodeScalars.append(line[index]) }
      let taken =
        visible?.count
        ?? VisibleText.columns(of: line[index], after: index > first ? line[index - 1] : nil)
      if index < start {
        padding += line[index] == "\t" ? "\t" : String(repeating: " ", count: taken)
      } else if index < end {
        width += taken
      }
    }
    if last < line.count { text += "…" }
    // A range that ends past the line (or past the window) marks at least one column.
    width = max(width, 1)
    self.text = text
    self.padding = padding
    self.marker = "^" + String(repeating: "~", count: width - 1)
  }
}

extension String {
  /// Padded with spaces to `length` characters (never cut).
  fileprivate func padding(toLength length: Int) -> String {
    count >= length ? self + " " : self + String(repeating: " ", count: length - count)
  }
}
