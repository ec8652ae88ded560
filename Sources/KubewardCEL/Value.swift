/// A CEL value (the Common Expression Language, cel.dev), as the evaluator passes them around.
///
/// Lists and maps are protocols, so that a host can hand over its own data without copying it
/// (kubeward's admission policies read YAML nodes in place); `ArrayList` and `DictionaryMap`
/// are the evaluator's own. Errors are values too: CEL's `&&`, `||` and comprehensions absorb
/// them where the other operand decides.
public enum Value: Sendable {
  case null
  case bool(Bool)
  case int(Int64)
  case uint(UInt64)
  case double(Double)
  case string(String)
  case bytes([UInt8])
  indirect case list(any ListValue)
  indirect case map(any MapValue)
  case type(CELType)
  case timestamp(Timestamp)
  case duration(Duration)
  indirect case optional(Value?)
  indirect case opaque(any OpaqueValue)
  case error(CELError)

  public var isError: Bool {
    if case .error = self { return true }
    return false
  }

  public var type: CELType {
    switch self {
    case .null: .null
    case .bool: .bool
    case .int: .int
    case .uint: .uint
    case .double: .double
    case .string: .string
    case .bytes: .bytes
    case .list: .list
    case .map: .map
    case .type: .type
    case .timestamp: .timestamp
    case .duration: .duration
    case .optional: .optional
    case .opaque(let value): .opaque(value.typeName)
    case .error: .error
    }
  }
}

/// An error a CEL evaluation produced: a value that propagates through most operations.
public struct CELError: Error, Sendable, CustomStringConvertible, Equatable {
  public let message: String

  public init(_ message: String) {
    self.message = message
  }

  public var description: String { message }

  static func noMatchingOverload(_ function: String) -> CELError {
    CELError("no matching overload for '\(function)'")
  }

  /// A condition that is no bool: of a ternary, or of a macro's step (`&&` in `all`, `||` in
  /// `exists`, a ternary in `exists_one`, `filter` and the others), in cel-go's words, which
  /// the API server prints.
  static let conditionNotBool = CELError("no such overload")

  static let divideByZero = CELError("division by zero")
  static let moduloByZero = CELError("modulus by zero")
  /// cel-go's words (what the API server prints), not the conformance suite's.
  static let overflow = CELError("integer overflow")
  static let unsignedOverflow = CELError("unsigned integer overflow")
  static let timestampOverflow = CELError("timestamp overflow")
  /// As cel-go prints it (`%v`: a string key without quotes).
  static func noSuchKey(_ key: Value) -> CELError {
    if case .string(let name) = key { return CELError("no such key: \(name)") }
    return CELError("no such key: \(key.debugText)")
  }
  static func noSuchField(_ name: String) -> CELError { CELError("no such key: \(name)") }
  static let indexOutOfRange = CELError("index out of range")
}

/// A CEL type, as `type(x)` returns it and as the checker knows it.
public enum CELType: Sendable, Hashable, CustomStringConvertible {
  case null, bool, int, uint, double, string, bytes, list, map, type, timestamp, duration
  case optional, dyn, error
  /// A library's own type (`net.IP`, `kubernetes.Quantity`).
  case opaque(String)

  public var description: String {
    switch self {
    case .null: "null_type"
    case .bool: "bool"
    case .int: "int"
    case .uint: "uint"
    case .double: "double"
    case .string: "string"
    case .bytes: "bytes"
    case .list: "list"
    case .map: "map"
    case .type: "type"
    case .timestamp: "google.protobuf.Timestamp"
    case .duration: "google.protobuf.Duration"
    case .optional: "optional_type"
    case .dyn: "dyn"
    case .error: "error"
    case .opaque(let name): name
    }
  }
}

/// Where a host's list or map keeps its data: the address of what holds it (a document's
/// tree) and the place in that (a node). A host tells its own values from others' by it,
/// where a dynamic cast to each of its types cost about 400 instructions a value.
public struct HostLocation: Equatable, @unchecked Sendable {
  /// Compared, never read through.
  public let container: UnsafeRawPointer
  public let place: Int

  public init(container: UnsafeRawPointer, place: Int) {
    self.container = container
    self.place = place
  }
}

/// A list the evaluator reads element by element.
public protocol ListValue: Sendable {
  var count: Int { get }
  func element(at index: Int) -> Value
  /// Where the host keeps it, when the host's data holds it; `nil` by default.
  var hostLocation: HostLocation? { get }
}

extension ListValue {
  public var hostLocation: HostLocation? { nil }

  /// `self` as `T`, when that is its type (see `OpaqueValue.exactly`).
  func exactly<T: ListValue>(_ type: T.Type) -> T? {
    Self.self == T.self ? unsafeBitCast(self, to: T.self) : nil
  }
}

/// A map the evaluator looks keys up in. Keys are bool, int, uint or string values; a lookup
/// by an int finds a uint or double key of the same numeric value (CEL's heterogeneous
/// equality).
public protocol MapValue: Sendable {
  var count: Int { get }
  /// The value for `key`, or `nil`.
  func value(for key: Value) -> Value?
  /// Whether `key` has a value: `has(m.f)` and `k in m`, which need not make it (a map that
  /// wraps a document would read a scalar into a string or a number only to drop it).
  func contains(_ key: Value) -> Bool
  /// The keys, in a stable order.
  var keys: [Value] { get }
  /// Follows `fields` from `start` on (`a.b.c`) from this map through nested maps of its own
  /// kind, as far as each is a key, and gives the value reached and how many fields it
  /// followed; `nil` when it follows none. The evaluator then selects the rest one by one.
  /// (An array and an index: a slice of the program's shared array was a reference counted
  /// on every read.)
  ///
  /// Field paths are most of what admission expressions read. A map that wraps a document can
  /// walk it without making a value, a key and a dynamic call per field; the default does not.
  func select(path fields: [String], from start: Int) -> (value: Value, followed: Int)?
  /// `select(path:from:)` for a traced evaluation: also where the last field it followed was
  /// read from, which the evaluator reports to the tracer (`AccessTracer.read(_:at:)`) in
  /// place of a read per field, and keeps with a path it caches (`SelectionCache`) for the
  /// traced evaluations that read it there. `nil` by default: a traced evaluation then reads
  /// the fields one by one.
  func selectTracing(path fields: [String], from start: Int)
    -> (value: Value, followed: Int, lastRead: HostLocation)?
  /// Where the host keeps it, when the host's data holds it; `nil` by default.
  var hostLocation: HostLocation? { get }
}

extension MapValue {
  public var hostLocation: HostLocation? { nil }

  public func contains(_ key: Value) -> Bool { value(for: key) != nil }

  public func select(path fields: [String], from start: Int) -> (value: Value, followed: Int)? {
    nil
  }

  public func selectTracing(path fields: [String], from start: Int)
    -> (value: Value, followed: Int, lastRead: HostLocation)?
  {
    nil
  }
}

/// A value of a library's own type (an IP address, a Quantity).
public protocol OpaqueValue: Sendable {
  var typeName: String { get }
  func isEqual(to other: any OpaqueValue) -> Bool
  /// What comparing one costs beyond a unit (a semantic version of a megabyte reads it).
  var comparisonWeight: Int { get }
}

extension OpaqueValue {
  public var comparisonWeight: Int { 0 }

  /// `self` as `T`, when that is its type. By comparing types: `as?` from an existential to
  /// a struct searched the runtime's conformance tables (about 600 instructions) for every
  /// quantity compared.
  public func exactly<T: OpaqueValue>(_ type: T.Type) -> T? {
    Self.self == T.self ? unsafeBitCast(self, to: T.self) : nil
  }
}

/// The evaluator's own list.
public struct ArrayList: ListValue {
  public let elements: [Value]
  public init(_ elements: [Value]) { self.elements = elements }
  public var count: Int { elements.count }
  public func element(at index: Int) -> Value { elements[index] }
}

/// The evaluator's own map, in insertion order.
public struct DictionaryMap: MapValue {
  public private(set) var keys: [Value] = []
  // `Dictionary()`: a `[:]` literal was a call to the variadic initializer for every empty
  // map made (every comprehension over a list makes one).
  private var values = [MapKey: Value]()

  public init() {}

  /// Adds `key`; `false` when it is already there (a map literal may not repeat a key).
  @discardableResult
  public mutating func insert(_ key: Value, _ value: Value) -> Bool {
    guard let mapKey = MapKey(key) else { return false }
    // `{0: 1, 0u: 2}` repeats a key: numbers are equal across kinds.
    if MapKey.lookups(key).contains(where: { values[$0] != nil }) { return false }
    values[mapKey] = value
    keys.append(key)
    return true
  }

  public var count: Int { keys.count }

  public func value(for key: Value) -> Value? {
    for candidate in MapKey.lookups(key) {
      if let value = values[candidate] { return value }
    }
    return nil
  }
}

/// A hashable map key: the numeric kinds are kept apart, and `lookups` lists the forms under
/// which a number may have been stored.
enum MapKey: Hashable {
  case bool(Bool)
  case int(Int64)
  case uint(UInt64)
  case string(CodePoints)

  init?(_ value: Value) {
    switch value {
    case .bool(let flag): self = .bool(flag)
    case .int(let number): self = .int(number)
    case .uint(let number): self = .uint(number)
    case .string(let text): self = .string(CodePoints(text))
    default: return nil
    }
  }

  static func lookups(_ value: Value) -> [MapKey] {
    switch value {
    case .bool(let flag): return [.bool(flag)]
    case .string(let text): return [.string(CodePoints(text))]
    case .int(let number):
      return number >= 0 ? [.int(number), .uint(UInt64(number))] : [.int(number)]
    case .uint(let number):
      return number <= UInt64(Int64.max) ? [.uint(number), .int(Int64(number))] : [.uint(number)]
    case .double(let number):
      var keys: [MapKey] = []
      if number.rounded() == number {
        if number >= -9.223_372_036_854_775_808e18 && number < 9.223_372_036_854_775_808e18 {
          keys.append(.int(Int64(number)))
        }
        if number >= 0 && number < 1.844_674_407_370_955_2e19 { keys.append(.uint(UInt64(number))) }
      }
      return keys
    default:
      return []
    }
  }
}

/// A string that equals another and hashes by its code points (its UTF-8 bytes), as CEL
/// compares strings. Swift's own `==` and hash treat canonically equivalent text as one
/// (`"\u{E9}"` and `"e\u{301}"` were the same map key), and normalizing made each hash of
/// non-ASCII text slow.
struct CodePoints: Hashable {
  let text: String

  init(_ text: String) { self.text = text }

  static func == (a: CodePoints, b: CodePoints) -> Bool { Strings.sameCodePoints(a.text, b.text) }

  func hash(into hasher: inout Hasher) {
    Strings.withUTF8(text) { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
  }
}

extension Value {
  /// The value as a CEL literal that reads back as the same type: `debugText`, but for doubles,
  /// written with a fraction or an exponent (`1.0`, not the `1` messages show), and
  /// `double("NaN")`, `double("Infinity")` for the values no literal writes; bytes other than
  /// printable ASCII as `\x` escapes, so that every byte reads back (not only UTF-8).
  public var literalText: String {
    switch self {
    case .bytes(let bytes):
      let hex = Array("0123456789abcdef".utf8)
      var text: [UInt8] = Array("b\"".utf8)
      for byte in bytes {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): text += [UInt8(ascii: "\\"), byte]
        case 0x20...0x7E: text.append(byte)
        default:
          text += [
            UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
          ]
        }
      }
      text.append(UInt8(ascii: "\""))
      return String(decoding: text, as: UTF8.self)
    case .double(let number):
      if number.isNaN { return "double(\"NaN\")" }
      if number.isInfinite { return number < 0 ? "double(\"-Infinity\")" : "double(\"Infinity\")" }
      let text = CELFormat.double(number)
      return text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? text : text + ".0"
    case .list(let list):
      return "["
        + (0..<list.count).map { list.element(at: $0).literalText }.joined(separator: ", ") + "]"
    case .map(let map):
      return "{"
        + map.keys.map { "\($0.literalText): \(map.value(for: $0)?.literalText ?? "?")" }.joined(
          separator: ", ") + "}"
    case .optional(let value):
      return value.map { "optional.of(\($0.literalText))" } ?? "optional.none()"
    default:
      return debugText
    }
  }

  /// How the value is shown in messages (`"a"`, `1u`, `[1, 2]`).
  public var debugText: String {
    switch self {
    case .null: return "null"
    case .bool(let flag): return flag ? "true" : "false"
    case .int(let number): return String(number)
    case .uint(let number): return "\(number)u"
    case .double(let number): return CELFormat.double(number)
    case .string(let text): return Strings.quote(text)
    case .bytes(let bytes): return "b" + Strings.quote(String(decoding: bytes, as: UTF8.self))
    case .list(let list):
      return "[" + (0..<list.count).map { list.element(at: $0).debugText }.joined(separator: ", ")
        + "]"
    case .map(let map):
      return "{"
        + map.keys.map { "\($0.debugText): \(map.value(for: $0)?.debugText ?? "?")" }.joined(
          separator: ", ") + "}"
    case .type(let type): return type.description
    case .timestamp(let timestamp): return "timestamp(\"\(timestamp.text)\")"
    case .duration(let duration): return "duration(\"\(duration.text)\")"
    case .optional(let value):
      return value.map { "optional.of(\($0.debugText))" } ?? "optional.none()"
    case .opaque(let value): return "<\(value.typeName)>"
    case .error(let error): return "error(\(error.message))"
    }
  }
}
