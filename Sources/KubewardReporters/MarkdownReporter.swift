import KubewardBuiltInPolicies
import KubewardEngine
import KubewardYAML

/// A Markdown summary of a run, for a CI job summary (`$GITHUB_STEP_SUMMARY`) or a comment: the
/// totals, the findings per policy and severity, and the most severe findings (at most
/// `shownFindings`), with a note when GitHub shows only some of them as annotations (it shows
/// 10 errors and 10 warnings per step, notices included in neither).
///
/// Text from the input (paths, names in messages) is written visibly and with Markdown's
/// special characters escaped: a file name cannot format the page or add a link.
public final class MarkdownReporter: FindingSink {
  public static let shownFindings = 25
  /// GitHub's annotation limits per step, by workflow command.
  public static let annotationLimit = 10

  private var output: ChunkedOutput
  private let options: ReportOptions
  /// The most severe findings seen, kept to `shownFindings`.
  private var top: [Finding] = []

  public init(output: ReportOutput, options: ReportOptions = ReportOptions()) {
    self.output = ChunkedOutput(output)
    self.options = options
  }

  public func file(_ name: String, findings: [Finding]) { keep(findings) }

  public func crossObject(_ findings: [Finding]) { keep(findings) }

  private func keep(_ findings: [Finding]) {
    for finding in findings where finding.suppression == nil {
      top.append(finding)
    }
    // Stable: among findings of one severity, the first reported stay.
    if top.count > 4 * Self.shownFindings { trim() }
  }

  private func trim() {
    let ranked = top.enumerated().sorted { a, b in
      a.element.severity != b.element.severity
        ? a.element.severity > b.element.severity : a.offset < b.offset
    }
    top = ranked.prefix(Self.shownFindings).map(\.element)
  }

  public func finish(_ summary: LintSummary) {
    trim()
    var text = "## kubeward\n\n"
    text +=
      "\(summary.files) files, \(summary.documents) documents, \(summary.objects) objects: "
      + "**\(summary.count(.error)) errors**, **\(summary.count(.warning)) warnings**, "
      + "\(summary.count(.info)) info"
    if summary.suppressed > 0 { text += ", \(summary.suppressed) suppressed" }
    text += "\n"
    let counts = summary.policyCounts
    if !counts.isEmpty {
      text += "\n| severity | findings | policy |\n|---|---:|---|\n"
      for count in counts {
        text +=
          "| \(count.severity) | \(count.count) | `\(Self.code(count.policy, inTable: true))` "
        text += "(\(Self.escaped(options.catalogue[count.policy]?.title ?? ""))) |\n"
      }
    }
    if !top.isEmpty {
      let total = summary.findingCount
      text += "\n### " + (total > top.count ? "The \(top.count) most severe findings" : "Findings")
      text += "\n\n"
      for finding in top {
        text += "- **\(finding.severity)** `\(Self.code(finding.file)):\(finding.line)` "
        text += "\(Self.escaped(finding.message)) (`\(Self.code(finding.policy))`)\n"
      }
    }
    let hidden = [(Severity.error, "errors"), (.warning, "warnings")].compactMap {
      severity, name -> String? in
      let count = summary.count(severity)
      return count > Self.annotationLimit
        ? "\(count - Self.annotationLimit) of the \(count) \(name)" : nil
    }
    if !hidden.isEmpty {
      text +=
        "\nGitHub annotates at most \(Self.annotationLimit) errors and \(Self.annotationLimit) "
        + "warnings per step: \(hidden.joined(separator: " and ")) have no annotation on the "
        + "diff. The SARIF upload (code scanning) and the log have them all.\n"
    }
    output.append(text)
    output.flush()
  }

  /// Text in Markdown: visible, with the characters that format or link escaped. `&` too, or
  /// a named entity (`&rlm;`) renders as the control it names; and `@` goes in a code span, or
  /// a name such as `@org/team` in a manifest notifies people when the report is posted as a
  /// pull-request comment (GitHub makes no mention inside code).
  static func escaped(_ text: String) -> String {
    var result = ""
    for character in VisibleText.escaped(text) {
      if character == "@" {
        result += "`@`"
        continue
      }
      if "\\`*_{}[]()<>#+-.!|~&".contains(character) { result.append("\\") }
      result.append(character)
    }
    return result
  }

  /// Text inside a code span: visible, its backticks replaced (a span cannot escape them).
  /// In a table's cell a `|` would end the cell, code span or not, and leave the rest of the
  /// span outside it, where a policy named `![t](https://…)` became an image: GFM reads `\|`
  /// there as the character.
  static func code(_ text: String, inTable: Bool = false) -> String {
    VisibleText.escaped(text).reduce(into: "") { result, character in
      switch character {
      case "`": result.append("'")
      case "|" where inTable: result.append("\\|")
      default: result.append(character)
      }
    }
  }
}
