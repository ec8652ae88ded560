import KubewardYAML

/// A port given by number or by name (`targetPort`, an Ingress backend's port).
public enum IntOrString: Hashable, Sendable, CustomStringConvertible {
  case int(Int)
  case string(String)

  /// A plain integer is a number; anything else, quoted numbers included, is a name (as the
  /// API reads a JSON string).
  public init?(_ node: Node?) {
    guard let node, node.isScalar, !node.isNull else { return nil }
    if node.scalarStyle == .plain, let number = node.int {
      self = .int(number)
    } else if let text = node.string {
      self = .string(text)
    } else {
      return nil
    }
  }

  public var description: String {
    switch self {
    case .int(let number): String(number)
    case .string(let name): "\"\(name)\""
    }
  }
}
