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
    if first != UInt8(ascii: "."), let value = parseInteger(text) { return value }
    guard mayBeFloat(text) else { return nil }
    // A float: go-yaml drops every underscore before parsing (but for `.5`-like text).
    let plain =
      first == UInt8(ascii: ".") || !text.contains(UInt8(ascii: "_"))
      ? Array(text) : text.filter { $0 != UInt8(ascii: "_") }
    guard let value = floatValue(plain[...]), value.rounded() == value,
      value >= -9.223_372_036_854_775_808e18, value < 9.223_372_036_854_775_808e18
    else { return nil }
    return Int(value)
  }

  /// Go's `strconv.ParseInt(text, 0, 64)` of the text without its underscores (go-yaml drops
  /// them first): a sign, then `0x`, `0o`, `0b` or a leading `0` (octal) prefix, or decimal
  /// digits. Reads the bytes in place.
  private static func parseInteger(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
    guard let (sign, magnitude) = parseMagnitude(text) else { return nil }
    if sign == UInt8(ascii: "-") {
      guard magnitude <= UInt64(Int.max) + 1 else { return nil }
      return magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude)
    }
    return magnitude <= UInt64(Int.max) ? Int(magnitude) : nil
  }

  /// The value of an integer beyond `Int.max` that go-yaml reads as a `uint64` (Go's
  /// `strconv.ParseUint(text, 0, 64)`, which takes no sign): the JSON it becomes is that
  /// number, which the API server decodes as a float (`0xFFFFFFFFFFFFFFFF` is 1.8446744073709552e19).
  public static func unsignedBeyondInt(_ text: UnsafeBufferPointer<UInt8>) -> UInt64? {
    guard let (sign, magnitude) = parseMagnitude(text), sign == nil,
      magnitude > UInt64(Int.max)
    else { return nil }
    return magnitude
  }

  /// The sign and the magnitude of an integer's text as Go's `strconv.ParseUint`/`ParseInt`
  /// with base 0 read it (`nil` when it is none, or past 64 bits).
  private static func parseMagnitude(_ text: UnsafeBufferPointer<UInt8>)
    -> (sign: UInt8?, magnitude: UInt64)?
  {
    var index = 0
    let end = text.count
    func skipUnderscores() { while index < end && text[index] == UInt8(ascii: "_") { index += 1 } }
    skipUnderscores()
    var sign: UInt8? = nil
    if index < end, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
      sign = text[index]
      index += 1
    }
    skipUnderscores()
    var radix = 10
    if index < end, text[index] == UInt8(ascii: "0") {
      // Look past underscores for a prefix letter or a second digit.
      var next = index + 1
      while next < end && text[next] == UInt8(ascii: "_") { next += 1 }
      if next < end {
        switch text[next] | 0x20 {
        case UInt8(ascii: "x"):
          radix = 16
          index = next + 1
        case UInt8(ascii: "o"):
          radix = 8
          index = next + 1
        case UInt8(ascii: "b"):
          radix = 2
          index = next + 1
        default:
          radix = 8
          index = next
        }
      }
    }
    var magnitude: UInt64 = 0
    var digits = 0
    while index < end {
      let byte = text[index]
      index += 1
      if byte == UInt8(ascii: "_") { continue }
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
      digits += 1
    }
    // "0" alone (radix 10, one digit); "0x" with no digits is no number.
    guard digits > 0 || (radix == 10 && text.contains(UInt8(ascii: "0"))) else { return nil }
    return (sign, magnitude)
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
    // Past a double's range Go's `ParseFloat` errs, and go-yaml keeps the text (`1e400` is a
    // string to Kubernetes; no infinity reaches an object that way).
    guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite else {
      return nil
    }
    return value
  }

  /// Whether every byte may be part of a float (digits, `.`, `_`, signs, `e`): rules out, before
  /// any copy, the text that merely starts like a number (`500m`, `1Gi`, `10.0.0.1/8`).
  private static func mayBeFloat(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
    text.allSatisfy { byte in
      isDigit(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
        || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
        || byte | 0x20 == UInt8(ascii: "e")
    }
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
    case .scalar:
      let style = raw.style
      return withScalarBytes { JSONType.ofScalar(style: style, $0) }
    }
  }
}

extension JSONType {
  /// The type of a scalar with the reader's `style` byte (`RawNode.style`) and text `bytes`.
  @usableFromInline
  static func ofScalar(style: UInt8, _ bytes: UnsafeBufferPointer<UInt8>) -> JSONType {
    // 0: plain and untagged, which is most scalars: resolved from the text alone.
    if style == 0 { return YAMLNumber.plainType(bytes) }
    switch ScalarTag(rawValue: style >> 4) ?? .other {
    case .str, .binary, .other: return .string
    case .null: return .null
    case .bool: return YAMLBoolean.value(bytes) != nil ? .boolean : .string
    case .int, .float: return YAMLNumber.integer(bytes) != nil ? .integer : .number
    case .none: return .string  // quoted or block text
    }
  }
}

extension YAMLNumber {
  /// The JSON type go-yaml resolves a plain, untagged scalar to. The first byte decides which
  /// of the (rare) null, boolean and number forms the text can be, so the usual text values
  /// (`nginx`, `app`) are told apart with one comparison; this runs for every value the
  /// `schema` policy checks.
  static func plainType(_ text: UnsafeBufferPointer<UInt8>) -> JSONType {
    guard let first = text.first else { return .null }
    switch first {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"),
      UInt8(ascii: "."):
      if integer(text) != nil { return .integer }
      return isFraction(text) || unsignedBeyondInt(text) != nil ? .number : .string
    case UInt8(ascii: "~"):
      return text.count == 1 ? .null : .string
    case UInt8(ascii: "n"), UInt8(ascii: "N"):
      if text.count == 4 && isNullWord(text) { return .null }
      return YAMLBoolean.value(text) != nil ? .boolean : .string
    case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"),
      UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "o"), UInt8(ascii: "O"):
      return YAMLBoolean.value(text) != nil ? .boolean : .string
    default:
      return .string
    }
  }

  /// `null`, `Null` or `NULL`.
  private static func isNullWord(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
    var packed: UInt32 = 0
    for byte in text { packed = packed << 8 | UInt32(byte) }
    return packed == 0x6E75_6C6C || packed == 0x4E75_6C6C || packed == 0x4E55_4C4C
  }
}

extension YAMLNumber {
  /// Whether go-yaml reads the plain scalar as a number (an integer, or a float such as `1.5`,
  /// `.5`, `1e400`, `.inf` or `.nan`).
  public static func isNumber(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let first = text.first,
      first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: ".")
        || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
    else { return false }
    return integer(text) != nil || isFraction(text) || unsignedBeyondInt(text) != nil
  }

  /// Whether go-yaml reads text that is not an integer as a float.
  private static func isFraction(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let first = text.first else { return false }
    // `.inf`, `-.Inf`, `.NAN` and the like.
    let sign = first == UInt8(ascii: "+") || first == UInt8(ascii: "-") ? 1 : 0
    let word = text.dropFirst(sign)
    if word.count == 4, word.first == UInt8(ascii: ".") {
      var packed: UInt32 = 0
      for byte in word.dropFirst() { packed = packed << 8 | UInt32(byte) }
      switch packed {
      case 0x696E66, 0x496E66, 0x494E46: return true  // inf, Inf, INF
      case 0x6E616E, 0x4E614E, 0x4E414E: return sign == 0  // nan, NaN, NAN
      default: break
      }
    }
    guard mayBeFloat(text) else { return false }
    let plain = first == UInt8(ascii: ".") ? Array(text) : text.filter { $0 != UInt8(ascii: "_") }
    return floatValue(plain[...]) != nil
  }
}

/// YAML 1.1 booleans as go-yaml reads them: `true`, `yes`, `on`, `y` and their opposites, in
/// lower case, capitalised or upper case.
enum YAMLBoolean {
  static func value(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
    guard (1...5).contains(bytes.count) else { return nil }
    // The word in lower case, packed; then the forms go-yaml accepts: all lower, all upper,
    // or capitalised.
    var packed: UInt64 = 0
    for byte in bytes { packed = packed << 8 | UInt64(byte | 0x20) }
    let answer: Bool
    switch packed {
    // The words' ASCII bytes, packed as above (so a switch of constants).
    case 0x7472_7565, 0x79_6573, 0x6F6E, 0x79: answer = true  // true, yes, on, y
    case 0x66_616C_7365, 0x6E6F, 0x6F_6666, 0x6E: answer = false  // false, no, off, n
    default: return nil
    }
    let rest = bytes.dropFirst()
    let lower = bytes.allSatisfy { $0 >= UInt8(ascii: "a") }
    let upper = bytes.allSatisfy { $0 < UInt8(ascii: "a") }
    let capitalised = bytes[0] < UInt8(ascii: "a") && rest.allSatisfy { $0 >= UInt8(ascii: "a") }
    return lower || upper || capitalised ? answer : nil
  }
}
