import KubewardYAML

/// Reads a `policies/<id>.yaml` file, strictly: an unknown or mistyped field is an error, so a
/// typo in the catalogue fails the tests instead of silently dropping documentation.
public enum CatalogueParser {
  /// The comment that marks a line of a failing example where a finding must be reported:
  /// `image: nginx:1.25-alpine  # <- warning`.
  static let marker = "# <-"

  private static let fields: Set<String> = [
    "id", "title", "severity", "scope", "appliesTo", "incident", "rationale", "remediation",
    "options", "examples", "examplesNote", "admission",
  ]

  /// The top-level fields read on demand (`CatalogueBody`): most of a file's text, which a
  /// lint run never reads.
  static let onDemandFields = ["examples", "admission"]

  public static func parse(_ bytes: [UInt8], fileName: String) throws(CatalogueError)
    -> PolicyDescription
  {
    // Every run reads every policy's description: parsed whole, the 280 kB of the catalogue
    // were 27 M instructions (7 ms) of each pre-commit run's start.
    let file = YAMLReader().read(withoutFields(onDemandFields, of: bytes))
    if let diagnostic = file.diagnostics.first {
      throw CatalogueError(
        file: fileName, position: diagnostic.range.start, message: diagnostic.message)
    }
    guard let root = file.documents.first?.root, root.isMapping, file.documents.count == 1 else {
      throw CatalogueError(file: fileName, position: nil, message: "expected one mapping")
    }
    let reader = FieldReader(file: fileName)
    try reader.rejectUnknownKeys(root, allowed: fields)

    let id = try reader.string(root, "id")
    guard fileName == id + ".yaml" else {
      throw CatalogueError(
        file: fileName, position: root[.name]?.position,
        message: "id \(id) does not match the file name")
    }
    let severityName = try reader.string(root, "severity")
    guard let severity = Severity(rawValue: severityName) else {
      throw reader.error(root["severity"], "severity must be error, warning or info")
    }
    let scopeName = try reader.string(root, "scope")
    guard let scope = PolicyDescription.Scope(rawValue: scopeName) else {
      throw reader.error(root["scope"], "scope must be input, object or set")
    }
    return PolicyDescription(
      id: id,
      title: try reader.string(root, "title"),
      severity: severity,
      scope: scope,
      appliesTo: try reader.strings(root, "appliesTo"),
      incident: try reader.optionalString(root, "incident"),
      rationale: try reader.string(root, "rationale"),
      remediation: try reader.string(root, "remediation"),
      options: try root["options"]?.items.map { node throws(CatalogueError) in
        try parseOption(node, reader: reader)
      } ?? [],
      body: CatalogueBody(bytes),
      examplesNote: try reader.optionalString(root, "examplesNote"),
      fileName: fileName,
      source: String(decoding: bytes, as: UTF8.self))
  }

  /// `bytes` with the top-level fields `names` blanked out, line breaks kept (so that what
  /// is left keeps its lines): from a line that starts with one of them to the next line
  /// that starts with a letter, the next top-level key. (A catalogue file is one mapping
  /// whose keys start their lines; what a key holds is indented, or a comment.)
  static func withoutFields(_ names: [String], of bytes: [UInt8]) -> [UInt8] {
    let starts = names.map { Array($0.utf8) + [UInt8(ascii: ":")] }
    var kept: [UInt8] = []
    kept.reserveCapacity(bytes.count)
    var blanking = false
    var lineStart = 0
    while lineStart < bytes.count {
      let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
      let line = bytes[lineStart..<lineEnd]
      if let first = line.first, (first | 0x20) >= UInt8(ascii: "a"),
        (first | 0x20) <= UInt8(ascii: "z")
      {
        blanking = starts.contains { line.starts(with: $0) }
      }
      if !blanking { kept += line }
      if lineEnd < bytes.count { kept.append(UInt8(ascii: "\n")) }
      lineStart = lineEnd + 1
    }
    return kept
  }

  /// The failing or passing examples of a description, validated: linting never needs them,
  /// so they are read only for `explain` and the tests.
  static func examples(of description: PolicyDescription, failing: Bool) throws(CatalogueError)
    -> [PolicyExample]
  {
    let reader = FieldReader(file: description.fileName)
    let examples = description.examples
    if let examples { try reader.rejectUnknownKeys(examples, allowed: ["failing", "passing"]) }
    if description.examplesNote == nil
      && (examples?["failing"]?.childCount ?? 0 == 0 || examples?["passing"]?.childCount ?? 0 == 0)
    {
      throw CatalogueError(
        file: description.fileName, position: nil,
        message: "a policy needs failing and passing examples (or an examplesNote saying why not)")
    }
    let list = description.examples?[failing ? "failing" : "passing"]?.items ?? .none
    return try list.map { node throws(CatalogueError) in
      try parseExample(node, failing: failing, reader: reader)
    }
  }

  private static func parseOption(_ node: Node, reader: FieldReader) throws(CatalogueError)
    -> PolicyOptionDescription
  {
    try reader.rejectUnknownKeys(node, allowed: ["name", "description", "default"])
    guard let defaultNode = node["default"], let value = OptionValue(node: defaultNode) else {
      throw reader.error(node, "an option needs a default: a string, number, boolean or list")
    }
    return PolicyOptionDescription(
      name: try reader.string(node, "name"), description: try reader.string(node, "description"),
      defaultValue: value)
  }

  private static func parseExample(_ node: Node, failing: Bool, reader: FieldReader)
    throws(CatalogueError) -> PolicyExample
  {
    try reader.rejectUnknownKeys(
      node, allowed: ["description", "manifest", "base64", "findings"])
    let manifest: [UInt8]
    if let text = try reader.optionalString(node, "manifest") {
      manifest = Array(text.utf8)
    } else if let encoded = try reader.optionalString(node, "base64") {
      guard let decoded = Base64.decode(encoded) else {
        throw reader.error(node["base64"], "not valid base64")
      }
      manifest = decoded
    } else {
      throw reader.error(node, "an example needs a manifest (or base64 bytes)")
    }
    var expectations = markedLines(in: manifest)
    for finding in node["findings"]?.items ?? NodeItems.none {
      try reader.rejectUnknownKeys(finding, allowed: ["line", "severity"])
      guard let line = finding["line"]?.int else {
        throw reader.error(finding, "a finding needs a line number")
      }
      let severity = try reader.optionalString(finding, "severity").flatMap(Severity.init)
      expectations.append(PolicyExample.Expectation(line: line, severity: severity))
    }
    if failing && expectations.isEmpty {
      throw reader.error(node, "a failing example must mark the lines it is reported at")
    }
    if !failing && !expectations.isEmpty {
      throw reader.error(node, "a passing example must not mark findings")
    }
    return PolicyExample(
      description: try reader.optionalString(node, "description"), manifest: manifest,
      expectations: expectations)
  }

  /// Lines carrying the `# <- severity` marker.
  static func markedLines(in manifest: [UInt8]) -> [PolicyExample.Expectation] {
    let marker = Array(Self.marker.utf8)
    var expectations: [PolicyExample.Expectation] = []
    for (index, line) in manifest.split(
      separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false
    )
    .enumerated() {
      guard let start = line.firstRange(of: marker)?.upperBound else { continue }
      let word = line[start...].split(separator: UInt8(ascii: " ")).first
      let severity = word.flatMap { Severity(rawValue: String(decoding: $0, as: UTF8.self)) }
      expectations.append(PolicyExample.Expectation(line: index + 1, severity: severity))
    }
    return expectations
  }
}

/// Typed, positioned access to the fields of a YAML mapping, used by the catalogue and the
/// configuration file readers alike.
struct FieldReader {
  let file: String

  func error(_ node: Node?, _ message: String) -> CatalogueError {
    CatalogueError(file: file, position: node?.position, message: message)
  }

  func rejectUnknownKeys(_ node: Node, allowed: Set<String>) throws(CatalogueError) {
    guard node.isMapping else { throw error(node, "expected a mapping") }
    for (key, _) in node.pairs {
      guard let name = key.string, allowed.contains(name) else {
        throw error(
          key,
          "unknown field \"\(key.string ?? "?")\" (expected one of: "
            + allowed.sorted().joined(separator: ", ") + ")")
      }
    }
  }

  func optionalString(_ node: Node, _ field: String) throws(CatalogueError) -> String? {
    guard let value = node[field], !value.isNull else { return nil }
    guard value.isScalar, let text = value.string else {
      throw error(value, "\(field) must be text")
    }
    return text
  }

  func string(_ node: Node, _ field: String) throws(CatalogueError) -> String {
    guard let text = try optionalString(node, field), !text.isEmpty else {
      throw error(node, "missing \(field)")
    }
    return text
  }

  func strings(_ node: Node, _ field: String) throws(CatalogueError) -> [String] {
    guard let value = node[field], value.isSequence else {
      throw error(node[field] ?? node, "\(field) must be a list")
    }
    return try value.items.map { item throws(CatalogueError) in
      guard let text = item.text else { throw error(item, "\(field) must list text") }
      return text
    }
  }
}

/// Standard base64 (RFC 4648), for example manifests that are not text.
enum Base64 {
  static func decode(_ text: String) -> [UInt8]? {
    var bytes: [UInt8] = []
    var buffer: UInt32 = 0
    var bits = 0
    for character in text.utf8 {
      let value: UInt8
      switch character {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = character - UInt8(ascii: "A")
      case UInt8(ascii: "a")...UInt8(ascii: "z"): value = character - UInt8(ascii: "a") + 26
      case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0") + 52
      case UInt8(ascii: "+"): value = 62
      case UInt8(ascii: "/"): value = 63
      case UInt8(ascii: "="), UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
      default: return nil
      }
      buffer = (buffer << 6) | UInt32(value)
      bits += 6
      if bits >= 8 {
        bits -= 8
        bytes.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
      }
    }
    return bytes
  }
}
