/// Numbers as go-yaml reads plain scalars (its `resolve`), which is how Kubernetes reads them:
/// kubectl and the API server turn YAML into JSON with it before decoding an object.
public enum YAMLNumber {
  /// The integer value of a scalar's text, or `nil` when go-yaml would not read an integer, or
  /// reads a number that is not a whole one within 64 bits. A whole float (`30001.0`) counts:
  /// the JSON it becomes is `30001`, which an integer field accepts.
  static func integer(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
    guard let first = text.first,
      first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: ".")
        || isDigit(first)
    else { return nil }
    // go-yaml drops every underscore before parsing.
    var plain = text.filter { $0 != UInt8(ascii: "_") }
    if first != UInt8(ascii: "."), let value = parseInteger(plain[...]) { return value }
    if first == UInt8(ascii: ".") { plain = Array(text) }
    guard let value = floatValue(plain[...]), value.rounded() == value,
      value >= -9.223_372_036_854_775_808e18, value < 9.223_372_036_854_775_808e18
    else { return nil }
    return Int(value)
  }

  /// Go's `strconv.ParseInt(text, 0, 64)`: a sign, then `0x`, `0o`, `0b` or a leading `0`
  /// (octal) prefix, or decimal digits.
  private static func parseInteger(_ text: ArraySlice<UInt8>) -> Int? {
    var digits = text
    var negative = false
    if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
      negative = sign == UInt8(ascii: "-")
      digits = digits.dropFirst()
    }
    var radix = 10
    if digits.count >= 2, digits.first == UInt8(ascii: "0") {
      switch digits[digits.startIndex + 1] | 0x20 {
      case UInt8(ascii: "x"):
        radix = 16
        digits = digits.dropFirst(2)
      case UInt8(ascii: "o"):
        radix = 8
        digits = digits.dropFirst(2)
      case UInt8(ascii: "b"):
        radix = 2
        digits = digits.dropFirst(2)
      default:
        radix = 8
        digits = digits.dropFirst()
      }
    }
    guard !digits.isEmpty else { return nil }
    var magnitude: UInt64 = 0
    for byte in digits {
      let digit: Int
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Int(byte - UInt8(ascii: "a")) + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = Int(byte - UInt8(ascii: "A")) + 10
      default: return nil
      }
      guard digit < radix else { return nil }
      let (shifted, overflow) = magnitude.multipliedReportingOverflow(by: UInt64(radix))
      let (sum, carry) = shifted.addingReportingOverflow(UInt64(digit))
      guard !overflow, !carry else { return nil }
      magnitude = sum
    }
    if negative {
      guard magnitude <= UInt64(Int.max) + 1 else { return nil }
      return magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude)
    }
    return magnitude <= UInt64(Int.max) ? Int(magnitude) : nil
  }

  /// go-yaml's floats: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
  static func floatValue(_ text: ArraySlice<UInt8>) -> Double? {
    var index = text.startIndex
    let end = text.endIndex
    if index < end, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
      index += 1
    }
    var mantissaDigits = 0
    while index < end, isDigit(text[index]) {
      index += 1
      mantissaDigits += 1
    }
    if index < end, text[index] == UInt8(ascii: ".") {
      index += 1
      var fraction = 0
      while index < end, isDigit(text[index]) {
        index += 1
        fraction += 1
      }
      // `.` needs digits after it when none came before it.
      if mantissaDigits == 0 && fraction == 0 { return nil }
      mantissaDigits += fraction
    }
    guard mantissaDigits > 0 else { return nil }
    if index < end, text[index] | 0x20 == UInt8(ascii: "e") {
      index += 1
      if index < end, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
        index += 1
      }
      var exponent = 0
      while index < end, isDigit(text[index]) {
        index += 1
        exponent += 1
      }
      guard exponent > 0 else { return nil }
    }
    guard index == end else { return nil }
    return Double(String(decoding: text, as: UTF8.self))
  }

  @inline(__always)
  private static func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }
}

/// The JSON type a YAML value becomes when Kubernetes converts a manifest (go-yaml, YAML 1.1
/// rules): what the API server's decoder sees.
public enum JSONType: Sendable, Equatable {
  case null
  case boolean
  /// A whole number (a whole float such as `3.0` is written as `3`).
  case integer
  /// A number with a fraction, or out of 64-bit range.
  case number
  case string
  case object
  case array
}

extension Node {
  /// The JSON type Kubernetes reads this node as.
  public var jsonType: JSONType {
    switch kind {
    case .mapping: return .object
    case .sequence: return .array
    case .scalar: break
    }
    switch tag {
    case .str, .binary, .other: return .string
    case .null: return .null
    case .bool: return bool != nil ? .boolean : .string
    case .int, .float: return int != nil ? .integer : .number
    case .none: break
    }
    guard scalarStyle == .plain else { return .string }
    if isNull { return .null }
    if bool != nil { return .boolean }
    if int != nil { return .integer }
    return withScalarBytes(YAMLNumber.isNumber) ? .number : .string
  }
}

extension YAMLNumber {
  /// Whether go-yaml reads the plain scalar as a number (an integer, or a float such as `1.5`,
  /// `.5`, `1e400`, `.inf` or `.nan`).
  public static func isNumber(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
    if integer(text) != nil { return true }
    let string = String(decoding: text, as: UTF8.self)
    switch string {
    case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
      "-.Inf", "-.INF":
      return true
    default:
      break
    }
    guard let first = text.first,
      first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: ".")
        || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
    else { return false }
    let plain = first == UInt8(ascii: ".") ? Array(text) : text.filter { $0 != UInt8(ascii: "_") }
    return floatValue(plain[...]) != nil
  }
}
