import KubewardCEL
import KubewardYAML

/// A manifest's YAML nodes as CEL values, read in place: a mapping is a CEL map, a sequence a
/// list, scalars the JSON values Kubernetes decodes them to (a plain `3` is an int, as the API
/// server feeds it to CEL, `"3"` a string, `3.5` a double, `yes` a bool). Nothing is copied:
/// evaluating `object.spec.replicas` looks up two keys.
enum NodeValue {
  static func value(_ node: Node) -> Value {
    switch node.kind {
    case .mapping: return .map(NodeMap(node: node))
    case .sequence: return .list(NodeList(node: node))
    case .scalar: return scalar(node)
    }
  }

  static func scalar(_ node: Node) -> Value {
    switch node.jsonType {
    case .null: return .null
    case .boolean: return .bool(node.bool ?? false)
    case .integer:
      if let number = node.int { return .int(Int64(number)) }
      return .string(node.string ?? "")
    case .number:
      let text = (node.string ?? "").filter { $0 != "_" }
      if let number = Double(text) { return .double(number) }
      switch text.lowercased() {
      case ".inf", "+.inf": return .double(.infinity)
      case "-.inf": return .double(-.infinity)
      case ".nan": return .double(.nan)
      default: return .string(node.string ?? "")
      }
    default:
      return .string(node.string ?? "")
    }
  }

  /// The field a CEL name stands for: Kubernetes escapes property names that are not CEL
  /// identifiers (`x-kubernetes-id` is `x__dash__kubernetes__dash__id`, `namespace` …
  /// `__namespace__`), and so may a policy.
  static func unescapedPropertyName(_ name: String) -> String? {
    // Every field read asks: a byte scan, not a generic substring search.
    var previousWasUnderscore = false
    let hasDoubleUnderscore = name.utf8.contains { byte in
      defer { previousWasUnderscore = byte == UInt8(ascii: "_") }
      return previousWasUnderscore && byte == UInt8(ascii: "_")
    }
    guard hasDoubleUnderscore else { return nil }
    if name.hasPrefix("__"), name.hasSuffix("__"), name.count > 4 {
      let inner = String(name.dropFirst(2).dropLast(2))
      if reservedWords.contains(inner) { return inner }
    }
    var result = ""
    var rest = Substring(name)
    while let range = rest.firstRange(of: "__") {
      result += rest[..<range.lowerBound]
      let after = rest[range.upperBound...]
      var matched = false
      for (escape, text) in escapes where after.hasPrefix(escape) {
        result += text
        rest = after.dropFirst(escape.count)
        matched = true
        break
      }
      if !matched {
        result += "__"
        rest = after
      }
    }
    result += rest
    return result == name ? nil : result
  }

  private static let escapes: [(String, String)] = [
    ("underscores__", "__"), ("dot__", "."), ("dash__", "-"), ("slash__", "/"),
  ]

  private static let reservedWords: Set<String> = [
    "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for",
    "function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void",
    "while",
  ]
}

/// A YAML mapping as a CEL map. Keys are strings; a key written twice is the YAML reader's
/// business (it reports it), and the first is used.
struct NodeMap: MapValue {
  let node: Node

  var count: Int { node.pairs.count }

  func value(for key: Value) -> Value? {
    child(for: key).map(NodeValue.value)
  }

  /// The node holding `key`'s value, for pointing at what a validation read.
  func child(for key: Value) -> Node? {
    guard case .string(let name) = key else { return nil }
    return Self.child(of: node, named: name)
  }

  var keys: [Value] {
    node.pairs.map { .string($0.key.string ?? "") }
  }

  func select(path fields: ArraySlice<String>) -> (value: Value, followed: Int)? {
    var node = self.node
    var followed = 0
    for field in fields {
      guard node.isMapping, let child = Self.child(of: node, named: field) else { break }
      node = child
      followed += 1
    }
    return followed == 0 ? nil : (NodeValue.value(node), followed)
  }

  private static func child(of node: Node, named name: String) -> Node? {
    if let value = node.value(forKey: name) { return value }
    if let plain = NodeValue.unescapedPropertyName(name) { return node.value(forKey: plain) }
    return nil
  }
}

/// A YAML sequence as a CEL list.
struct NodeList: ListValue {
  let node: Node

  var count: Int { node.items.count }

  func element(at index: Int) -> Value { NodeValue.value(node.items[index]) }
}
