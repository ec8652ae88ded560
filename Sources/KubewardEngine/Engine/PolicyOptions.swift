import KubewardYAML

/// The value of a policy option.
public enum OptionValue: Hashable, Sendable, CustomStringConvertible {
  case string(String)
  case int(Int)
  case bool(Bool)
  case strings([String])

  /// Reads a scalar or a list of scalars.
  public init?(node: Node) {
    if node.isSequence {
      var values: [String] = []
      for item in node.items {
        guard let text = item.text else { return nil }
        values.append(text)
      }
      self = .strings(values)
    } else if node.scalarStyle == .plain, let number = node.int {
      self = .int(number)
    } else if let flag = node.bool {
      self = .bool(flag)
    } else if let text = node.text {
      self = .string(text)
    } else {
      return nil
    }
  }

  /// Whether a configured value can stand in for this default.
  func hasSameType(as other: OptionValue) -> Bool {
    switch (self, other) {
    case (.string, .string), (.int, .int), (.bool, .bool), (.strings, .strings): true
    default: false
    }
  }

  public var description: String {
    switch self {
    case .string(let text): text
    case .int(let number): String(number)
    case .bool(let flag): String(flag)
    case .strings(let values): "[" + values.joined(separator: ", ") + "]"
    }
  }
}

/// A policy's options: the catalogue's defaults, overlaid by the configuration file.
public struct PolicyOptions: Sendable {
  public let values: [String: OptionValue]

  public init(values: [String: OptionValue] = [:]) {
    self.values = values
  }

  /// A list option; empty when unknown.
  public func strings(_ name: String) -> [String] {
    if case .strings(let values) = values[name] { return values }
    return []
  }

  public func int(_ name: String) -> Int? {
    if case .int(let value) = values[name] { return value }
    return nil
  }

  public func bool(_ name: String) -> Bool? {
    if case .bool(let value) = values[name] { return value }
    return nil
  }

  public func string(_ name: String) -> String? {
    if case .string(let value) = values[name] { return value }
    return nil
  }
}
