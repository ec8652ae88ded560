import KubewardBuiltInPolicies
import KubewardEngine
import KubewardModel
import KubewardYAML

/// SARIF 2.1.0, the format GitHub code scanning and most CI security dashboards read. Rules
/// come from the catalogue; every result carries its exact region, a fingerprint that survives
/// lines moving, the object as a logical location, and, when accepted, its suppression.
public final class SARIFReporter: FindingSink {
  public static let schema = "https://json.schemastore.org/sarif-2.1.0.json"
  /// The base that artifact URIs are relative to.
  public static let sourceRootID = "%SRCROOT%"

  private var json: JSONWriter
  private let options: ReportOptions
  private let rules: [PolicyDescription]
  private let ruleIndex: [String: Int]
  private let paths: RepositoryPaths

  public init(output: ReportOutput, options: ReportOptions = ReportOptions()) {
    // Results sit five levels deep; one line each.
    self.json = JSONWriter(lineDepth: 5, to: output)
    self.options = options
    self.rules = options.catalogue.descriptions.filter { options.severities[$0.id] != nil }
    self.ruleIndex = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.id, $0) })
    self.paths = RepositoryPaths(
      root: options.sourceRoot ?? options.workingDirectory,
      workingDirectory: options.workingDirectory)
    writeHeader()
  }

  public func file(_ name: String, findings: [Finding]) { write(findings) }

  public func crossObject(_ findings: [Finding]) { write(findings) }

  public func finish(_ summary: LintSummary) {
    json.endArray()  // results
    json.key("invocations")
    json.beginArray()
    json.beginObject()
    json.member("executionSuccessful", true)
    json.endObject()
    json.endArray()
    json.endObject()  // run
    json.endArray()  // runs
    json.endObject()
    json.finish()
  }

  // MARK: Writing

  private func writeHeader() {
    json.beginObject()
    json.member("$schema", Self.schema)
    json.member("version", "2.1.0")
    json.key("runs")
    json.beginArray()
    json.beginObject()
    json.key("tool")
    json.beginObject()
    json.key("driver")
    json.beginObject()
    json.member("name", ToolInfo.name)
    json.member("version", ToolInfo.version)
    json.member("semanticVersion", ToolInfo.version)
    json.member("informationUri", ToolInfo.informationURI)
    json.key("rules")
    json.beginArray()
    for rule in rules { write(rule) }
    json.endArray()
    json.endObject()
    json.endObject()
    if let root = paths.root {
      json.key("originalUriBaseIds")
      json.beginObject()
      json.key(text: Self.sourceRootID)
      json.beginObject()
      json.member("uri", RepositoryPaths.fileURI(forDirectory: root))
      json.endObject()
      json.endObject()
    }
    json.member("columnKind", "unicodeCodePoints")
    json.key("results")
    json.beginArray()
  }

  private func write(_ rule: PolicyDescription) {
    json.beginObject()
    // An admission policy's name and text are the input's: shown visibly, and its Markdown
    // escaped (a name or description with a link or an image rendered as one). Only the
    // catalogue's policies have a page to link to.
    func shown(_ text: String) -> String {
      rule.isCatalogueEntry ? text : Self.visibleParagraphs(text)
    }
    json.member("id", VisibleText.escaped(rule.id))
    json.member("name", VisibleText.escaped(Self.ruleName(rule.id)))
    json.key("shortDescription")
    text(shown(rule.title))
    json.key("fullDescription")
    text(shown(Self.paragraph(rule.rationale)))
    json.key("help")
    json.beginObject()
    json.member("text", shown(Self.paragraph(rule.remediation)))
    if rule.isCatalogueEntry {
      json.member(
        "markdown",
        "**\(rule.title)**\n\n\(rule.rationale)\n**What to do**\n\n\(rule.remediation)"
          + "\nRun `kubeward explain \(rule.id)` for examples.")
    } else {
      let escaped = MarkdownReporter.escaped
      json.member(
        "markdown",
        "**\(escaped(rule.title))**\n\n\(escaped(rule.rationale))\n**What to do**\n\n"
          + escaped(rule.remediation))
    }
    json.endObject()
    if rule.isCatalogueEntry {
      json.member("helpUri", PolicyDocumentation.documentationURL(rule.id))
    }
    json.key("defaultConfiguration")
    json.beginObject()
    json.member("level", Self.level(options.severities[rule.id] ?? rule.severity))
    json.endObject()
    json.key("properties")
    json.beginObject()
    json.key("tags")
    json.beginArray()
    json.string("kubernetes")
    json.string(rule.scope.rawValue)
    if let incident = rule.incident { json.string(incident) }
    json.endArray()
    json.endObject()
    json.endObject()
  }

  private func write(_ findings: [Finding]) {
    for index in findings.indices {
      write(findings[index])
      json.flushIfFull()
    }
  }

  private func write(_ finding: Finding) {
    json.beginObject()
    json.member("ruleId", VisibleText.escaped(finding.policy))
    if let index = ruleIndex[finding.policy] { json.member("ruleIndex", index) }
    json.member("level", Self.level(finding.severity))
    json.key("message")
    // Shown to people by code-scanning viewers: control characters and bidi overrides visible,
    // and brackets literal.
    text(Self.literalBrackets(VisibleText.escaped(finding.message)))
    json.key("locations")
    json.beginArray()
    json.beginObject()
    json.key("physicalLocation")
    json.beginObject()
    json.key("artifactLocation")
    json.beginObject()
    let location = paths.artifactURI(for: finding.file)
    json.member("uri", location.uri)
    if location.relativeToRoot { json.member("uriBaseId", Self.sourceRootID) }
    json.endObject()
    json.key("region")
    json.beginObject()
    json.member("startLine", finding.range.start.line)
    json.member("startColumn", finding.range.start.column)
    json.member("endLine", finding.range.end.line)
    json.member("endColumn", max(finding.range.end.column, 1))
    json.endObject()
    json.endObject()
    if let object = finding.object {
      json.key("logicalLocations")
      json.beginArray()
      json.beginObject()
      json.member("name", VisibleText.escaped(object.shownName))
      json.member("fullyQualifiedName", VisibleText.escaped(object.description))
      json.member("kind", "resource")
      json.endObject()
      json.endArray()
    }
    json.endObject()
    json.endArray()
    json.key("partialFingerprints")
    json.beginObject()
    json.member("kubeward/v1", finding.fingerprintHash)
    json.endObject()
    if let suppression = finding.suppression {
      json.key("suppressions")
      json.beginArray()
      json.beginObject()
      json.member("kind", suppression.kind == .baseline ? "external" : "inSource")
      json.member("justification", VisibleText.escaped(suppression.reason))
      json.endObject()
      json.endArray()
    }
    json.endObject()
  }

  private func text(_ value: String) {
    json.beginObject()
    json.member("text", value)
    json.endObject()
  }

  // MARK: Conversions

  /// `text` with `[` and `]` escaped: in a SARIF message, `[text](target)` is an embedded link
  /// (SARIF 2.1.0, 3.11.6), and a manifest's value (an image a policy's message quotes) must
  /// not become one.
  static func literalBrackets(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") })
    else { return text }
    var result = ""
    for character in text {
      if character == "[" || character == "]" { result.append("\\") }
      result.append(character)
    }
    return result
  }

  /// SARIF levels: `error`, `warning`, `note`.
  static func level(_ severity: Severity) -> String {
    switch severity {
    case .error: "error"
    case .warning: "warning"
    case .info: "note"
    }
  }

  /// `image-pull-secrets` → `ImagePullSecrets`, SARIF's conventional rule name.
  static func ruleName(_ id: String) -> String {
    id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
  }

  /// Catalogue text wraps lines; SARIF viewers reflow plain text themselves.
  static func paragraph(_ text: String) -> String {
    var paragraphs: [String] = []
    var lines: [Substring] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.allSatisfy(\.isWhitespace) {
        if !lines.isEmpty { paragraphs.append(lines.joined(separator: " ")) }
        lines.removeAll()
      } else {
        lines.append(line)
      }
    }
    if !lines.isEmpty { paragraphs.append(lines.joined(separator: " ")) }
    return paragraphs.joined(separator: "\n\n")
  }

  /// `text`'s paragraphs (as `paragraph` separates them) with their control characters
  /// written visibly.
  static func visibleParagraphs(_ text: String) -> String {
    text.split(separator: "\n\n", omittingEmptySubsequences: false)
      .map { VisibleText.escaped(String($0)) }.joined(separator: "\n\n")
  }
}
