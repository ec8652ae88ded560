import KubewardBuiltInPolicies
import KubewardEngine
import KubewardModel

/// kubeward's own machine-readable format, documented in `docs/json-format.md`. Keys are
/// always written in the same order, so the output is stable byte for byte; findings are
/// written as they arrive.
public final class JSONReporter: FindingSink {
  /// Bumped when a field changes meaning or disappears; new fields do not bump it.
  public static let formatVersion = 1

  private var json: JSONWriter
  private let options: ReportOptions
  private var started = false

  public init(output: ReportOutput, options: ReportOptions = ReportOptions()) {
    self.json = JSONWriter(to: output)
    self.options = options
  }

  private func startIfNeeded() {
    guard !started else { return }
    started = true
    json.beginObject()
    json.member("version", Self.formatVersion)
    json.key("tool")
    json.beginObject()
    json.member("name", ToolInfo.name)
    json.member("version", ToolInfo.version)
    json.endObject()
    json.key("findings")
    json.beginArray()
  }

  public func file(_ name: String, findings: [Finding]) { write(findings) }

  public func crossObject(_ findings: [Finding]) { write(findings) }

  private func write(_ findings: [Finding]) {
    startIfNeeded()
    for index in findings.indices
    where findings[index].suppression == nil || options.showSuppressed {
      Self.write(findings[index], to: &json)
      json.flushIfFull()
    }
  }

  public func finish(_ summary: LintSummary) {
    startIfNeeded()
    json.endArray()
    json.key("summary")
    Self.write(summary, to: &json)
    json.endObject()
    json.finish()
  }

  static func write(_ finding: Finding, to json: inout JSONWriter) {
    json.beginObject()
    json.member("policy", finding.policy)
    json.member("severity", finding.severity.rawValue)
    json.member("file", finding.file)
    json.member("line", finding.range.start.line)
    json.member("column", finding.range.start.column)
    json.member("endLine", finding.range.end.line)
    json.member("endColumn", finding.range.end.column)
    json.member("message", finding.message)
    json.key("object")
    if let object = finding.object {
      write(object, to: &json)
    } else {
      json.null()
    }
    if let container = finding.container { json.member("container", container) }
    if let suppression = finding.suppression {
      json.key("suppression")
      json.beginObject()
      json.member("kind", suppression.kind.rawValue)
      json.member("reason", suppression.reason)
      json.endObject()
    }
    json.endObject()
  }

  static func write(_ object: ObjectReference, to json: inout JSONWriter) {
    json.beginObject()
    json.member("apiVersion", object.apiVersion)
    json.member("kind", object.kind)
    json.member("namespace", object.namespace)
    json.member("name", object.name)
    // Only for an object the cluster names from it (its `name` is then null).
    if let generateName = object.generateName { json.member("generateName", generateName) }
    json.endObject()
  }

  static func write(_ summary: LintSummary, to json: inout JSONWriter) {
    json.beginObject()
    json.member("files", summary.files)
    json.member("documents", summary.documents)
    json.member("objects", summary.objects)
    json.member("skippedDocuments", summary.skippedDocuments)
    json.key("findings")
    json.beginObject()
    for severity in Severity.allCases.reversed() {
      json.key(text: severity.rawValue)
      json.int(summary.count(severity))
    }
    json.endObject()
    json.member("suppressed", summary.suppressed)
    json.key("byPolicy")
    json.beginArray()
    for count in summary.policyCounts {
      json.beginObject()
      json.member("policy", count.policy)
      json.member("severity", count.severity.rawValue)
      json.member("count", count.count)
      json.endObject()
    }
    json.endArray()
    json.endObject()
  }
}
