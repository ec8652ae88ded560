import KubewardBuiltInPolicies
import KubewardEngine
import KubewardYAML

/// GitHub Actions workflow commands: each finding becomes an annotation on the pull request's
/// diff (`::error file=…,line=…,endLine=…,col=…,endColumn=…,title=…::message`). Paths are
/// made relative to the repository root, where GitHub resolves them.
public final class GitHubReporter: FindingSink {
  private var output: ChunkedOutput
  private let paths: RepositoryPaths

  public init(output: ReportOutput, options: ReportOptions = ReportOptions()) {
    self.output = ChunkedOutput(output)
    self.paths = RepositoryPaths(
      root: options.sourceRoot ?? options.workingDirectory,
      workingDirectory: options.workingDirectory)
  }

  public func file(_ name: String, findings: [Finding]) { write(findings) }

  public func crossObject(_ findings: [Finding]) { write(findings) }

  public func finish(_ summary: LintSummary) { output.flush() }

  private func write(_ findings: [Finding]) {
    for finding in findings where finding.suppression == nil {
      output.append(command(for: finding))
      output.append("\n")
      output.flushIfFull()
    }
  }

  func command(for finding: Finding) -> String {
    let command =
      switch finding.severity {
      case .error: "error"
      case .warning: "warning"
      case .info: "notice"
      }
    let file = paths.relativePath(for: finding.file) ?? finding.file
    let properties = [
      ("file", file), ("line", String(finding.line)), ("endLine", String(finding.range.end.line)),
      ("col", String(finding.column)), ("endColumn", String(finding.range.end.column)),
      ("title", "kubeward \(finding.policy)"),
    ].map { "\($0)=\(Self.escapedProperty($1))" }
    return "::\(command) \(properties.joined(separator: ","))::\(Self.escapedData(finding.message))"
  }

  /// The escaping GitHub's toolkit applies to a command's message, after control characters
  /// and bidi overrides are written visibly (GitHub's log renders escape sequences).
  static func escapedData(_ text: String) -> String {
    let text = VisibleText.escaped(text)
    // Most messages have nothing to escape: answered from the bytes, without rebuilding them.
    guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == 0x0D || $0 == 0x0A })
    else { return text }
    var result = ""
    for character in text.unicodeScalars {
      switch character {
      case "%": result += "%25"
      case "\r": result += "%0D"
      case "\n": result += "%0A"
      default: result.unicodeScalars.append(character)
      }
    }
    return result
  }

  /// The escaping of a property value: the message's, plus `:` and `,`.
  static func escapedProperty(_ text: String) -> String {
    let data = escapedData(text)
    guard data.utf8.contains(where: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ",") })
    else { return data }
    return data.replacing(":", with: "%3A").replacing(",", with: "%2C")
  }
}
