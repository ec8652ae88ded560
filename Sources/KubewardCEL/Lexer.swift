/// CEL's tokens, with the byte offset each starts at (for error positions).
struct Token: Sendable {
  enum Kind: Sendable, Equatable {
    case int(Int64)
    /// An integer literal too large for `Int64`, kept to be negated (`-9223372036854775808`).
    case bigInt(UInt64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case identifier(String)
    case reserved(String)
    /// A back-quoted field name (`` a.`content-type` ``).
    case quotedField(String)
    case punctuation(String)
    case end
  }

  let kind: Kind
  let offset: Int
}

/// A syntax error, at a byte offset of the expression.
public struct CELSyntaxError: Error, Sendable, CustomStringConvertible {
  public let message: String
  /// Byte offset in the expression.
  public let offset: Int

  public var description: String { message }
}

/// Splits an expression into tokens: literals per the CEL specification (decimal and hex
/// integers, `u` suffixes, floats with exponents; quoted, triple-quoted, raw and byte strings
/// with every escape), identifiers, reserved words, operators; `//` comments and whitespace
/// skipped.
struct Lexer {
  private let bytes: [UInt8]
  private var index = 0

  init(_ text: String) {
    bytes = Array(text.utf8)
  }

  static let reservedWords: Set<String> = [
    "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop",
    "package", "namespace", "return", "var", "void", "while",
  ]

  mutating func tokens() throws(CELSyntaxError) -> [Token] {
    var tokens: [Token] = []
    while true {
      skipSpace()
      guard index < bytes.count else {
        tokens.append(Token(kind: .end, offset: index))
        return tokens
      }
      tokens.append(try next())
    }
  }

  private func error(_ message: String, at offset: Int? = nil) -> CELSyntaxError {
    CELSyntaxError(message: message, offset: offset ?? index)
  }

  private mutating func skipSpace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D, 0x0C:
        index += 1
      case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "/"):
        while index < bytes.count && bytes[index] != 0x0A { index += 1 }
      default:
        return
      }
    }
  }

  private static let punctuation3: [String] = []
  private static let punctuation2: Set<String> = ["==", "!=", "<=", ">=", "&&", "||", ".?", "[?"]
  private static let punctuation1: Set<UInt8> = Set("+-*/%!<>=?:.,()[]{}".utf8)

  private mutating func next() throws(CELSyntaxError) -> Token {
    let start = index
    let byte = bytes[index]
    // Strings and bytes, with their prefixes.
    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
      return Token(kind: .string(try string(raw: false)), offset: start)
    }
    if let prefix = stringPrefix() {
      index += prefix.count
      let raw = prefix.lowercased().contains("r")
      let isBytes = prefix.lowercased().contains("b")
      if isBytes {
        return Token(kind: .bytes(try stringBytes(raw: raw, isBytes: true)), offset: start)
      }
      return Token(kind: .string(try string(raw: raw)), offset: start)
    }
    if isDigit(byte)
      || (byte == UInt8(ascii: ".") && index + 1 < bytes.count && isDigit(bytes[index + 1]))
    {
      return try number()
    }
    if byte == UInt8(ascii: "`") {
      index += 1
      let nameStart = index
      while index < bytes.count && bytes[index] != UInt8(ascii: "`") {
        let character = bytes[index]
        guard isIdentifierPart(character) || "./- ".utf8.contains(character) else {
          throw error("invalid character in a quoted field name")
        }
        index += 1
      }
      guard index < bytes.count, index > nameStart else {
        throw error("unterminated quoted field name", at: start)
      }
      index += 1
      return Token(
        kind: .quotedField(String(decoding: bytes[nameStart..<(index - 1)], as: UTF8.self)),
        offset: start)
    }
    if isIdentifierStart(byte) {
      while index < bytes.count && isIdentifierPart(bytes[index]) { index += 1 }
      let word = String(decoding: bytes[start..<index], as: UTF8.self)
      return Token(
        kind: Self.reservedWords.contains(word) ? .reserved(word) : .identifier(word),
        offset: start)
    }
    if index + 1 < bytes.count {
      let pair = String(decoding: bytes[index...(index + 1)], as: UTF8.self)
      if Self.punctuation2.contains(pair) {
        index += 2
        return Token(kind: .punctuation(pair), offset: start)
      }
    }
    if Self.punctuation1.contains(byte) {
      index += 1
      return Token(kind: .punctuation(String(UnicodeScalar(byte))), offset: start)
    }
    throw error("unexpected character")
  }

  /// `r`, `R`, `b`, `B`, `rb`, `br` … directly before a quote.
  private func stringPrefix() -> String? {
    for length in [2, 1] where index + length < bytes.count {
      let prefix = bytes[index..<(index + length)]
      guard prefix.allSatisfy({ "rRbB".utf8.contains($0) }) else { continue }
      if length == 2 && Set(prefix.map { $0 | 0x20 }).count != 2 { continue }
      let quote = bytes[index + length]
      if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
        return String(decoding: prefix, as: UTF8.self)
      }
    }
    return nil
  }

  private mutating func string(raw: Bool) throws(CELSyntaxError) -> String {
    let start = index
    let decoded = try stringBytes(raw: raw, isBytes: false)
    guard let text = String(validating: decoded, as: UTF8.self) else {
      throw error("invalid UTF-8 in string literal", at: start)
    }
    return text
  }

  /// The bytes of a quoted literal at `index` (the opening quote), escapes decoded: code
  /// points as UTF-8, and in bytes literals `\x`, octal escapes as single bytes.
  private mutating func stringBytes(raw: Bool, isBytes: Bool) throws(CELSyntaxError) -> [UInt8] {
    let start = index
    let quote = bytes[index]
    let triple =
      index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote
    index += triple ? 3 : 1
    var result: [UInt8] = []
    while true {
      guard index < bytes.count else { throw error("unterminated string literal", at: start) }
      let byte = bytes[index]
      if byte == quote {
        if !triple {
          index += 1
          return result
        }
        if index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote {
          index += 3
          return result
        }
      }
      if !triple && (byte == 0x0A || byte == 0x0D) {
        throw error("newline in string literal", at: index)
      }
      if byte == UInt8(ascii: "\\") && !raw {
        try escape(into: &result, isBytes: isBytes)
        continue
      }
      result.append(byte)
      index += 1
    }
  }

  private mutating func escape(into result: inout [UInt8], isBytes: Bool) throws(CELSyntaxError) {
    let start = index
    index += 1
    guard index < bytes.count else { throw error("unterminated escape", at: start) }
    let kind = bytes[index]
    index += 1
    func appendScalar(_ value: UInt32) throws(CELSyntaxError) {
      guard let scalar = Unicode.Scalar(value) else {
        throw error("invalid code point in escape", at: start)
      }
      result.append(contentsOf: Array(String(scalar).utf8))
    }
    func hexDigits(_ count: Int) throws(CELSyntaxError) -> UInt32 {
      guard index + count <= bytes.count else { throw error("short escape", at: start) }
      var value: UInt32 = 0
      for byte in bytes[index..<(index + count)] {
        guard let digit = hexValue(byte) else { throw error("bad hex escape", at: start) }
        value = value << 4 | UInt32(digit)
      }
      index += count
      return value
    }
    switch kind {
    case UInt8(ascii: "a"): result.append(0x07)
    case UInt8(ascii: "b"): result.append(0x08)
    case UInt8(ascii: "f"): result.append(0x0C)
    case UInt8(ascii: "n"): result.append(0x0A)
    case UInt8(ascii: "r"): result.append(0x0D)
    case UInt8(ascii: "t"): result.append(0x09)
    case UInt8(ascii: "v"): result.append(0x0B)
    case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"),
      UInt8(ascii: "?"):
      result.append(kind)
    case UInt8(ascii: "x"), UInt8(ascii: "X"):
      let value = try hexDigits(2)
      if isBytes { result.append(UInt8(value)) } else { try appendScalar(value) }
    case UInt8(ascii: "u"):
      if isBytes { throw error("\\u escape in bytes literal", at: start) }
      try appendScalar(try hexDigits(4))
    case UInt8(ascii: "U"):
      if isBytes { throw error("\\U escape in bytes literal", at: start) }
      try appendScalar(try hexDigits(8))
    case UInt8(ascii: "0")...UInt8(ascii: "3"):
      guard index + 2 <= bytes.count,
        bytes[index...(index + 1)].allSatisfy({ $0 >= 0x30 && $0 <= 0x37 })
      else { throw error("bad octal escape", at: start) }
      let value =
        UInt32(kind - 0x30) << 6 | UInt32(bytes[index] - 0x30) << 3
        | UInt32(bytes[index + 1] - 0x30)
      index += 2
      if isBytes { result.append(UInt8(value)) } else { try appendScalar(value) }
    default:
      throw error("invalid escape sequence", at: start)
    }
  }

  private mutating func number() throws(CELSyntaxError) -> Token {
    let start = index
    // Hexadecimal integers.
    if bytes[index] == UInt8(ascii: "0"), index + 1 < bytes.count,
      bytes[index + 1] | 0x20 == UInt8(ascii: "x")
    {
      index += 2
      let digitsStart = index
      while index < bytes.count, hexValue(bytes[index]) != nil { index += 1 }
      guard index > digitsStart else { throw error("bad hex literal", at: start) }
      var value: UInt64 = 0
      for byte in bytes[digitsStart..<index] {
        let (shifted, overflow) = value.multipliedReportingOverflow(by: 16)
        guard !overflow else { throw error("integer literal out of range", at: start) }
        value = shifted + UInt64(hexValue(byte)!)
      }
      return try integer(value, start: start)
    }
    while index < bytes.count && isDigit(bytes[index]) { index += 1 }
    var isFloat = false
    if index + 1 < bytes.count && bytes[index] == UInt8(ascii: ".") && isDigit(bytes[index + 1]) {
      isFloat = true
      index += 1
      while index < bytes.count && isDigit(bytes[index]) { index += 1 }
    }
    if index < bytes.count && bytes[index] | 0x20 == UInt8(ascii: "e") {
      var lookahead = index + 1
      if lookahead < bytes.count
        && (bytes[lookahead] == UInt8(ascii: "+") || bytes[lookahead] == UInt8(ascii: "-"))
      {
        lookahead += 1
      }
      if lookahead < bytes.count && isDigit(bytes[lookahead]) {
        isFloat = true
        index = lookahead
        while index < bytes.count && isDigit(bytes[index]) { index += 1 }
      }
    }
    let text = String(decoding: bytes[start..<index], as: UTF8.self)
    if isFloat {
      guard let value = Double(text) else { throw error("bad float literal", at: start) }
      return Token(kind: .double(value), offset: start)
    }
    guard let value = UInt64(text) else { throw error("integer literal out of range", at: start) }
    return try integer(value, start: start)
  }

  private mutating func integer(_ value: UInt64, start: Int) throws(CELSyntaxError) -> Token {
    if index < bytes.count && bytes[index] | 0x20 == UInt8(ascii: "u") {
      index += 1
      return Token(kind: .uint(value), offset: start)
    }
    if value <= UInt64(Int64.max) { return Token(kind: .int(Int64(value)), offset: start) }
    return Token(kind: .bigInt(value), offset: start)
  }

  private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

  private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 0x30...0x39: byte - 0x30
    case 0x61...0x66: byte - 0x61 + 10
    case 0x41...0x46: byte - 0x41 + 10
    default: nil
    }
  }

  private func isIdentifierStart(_ byte: UInt8) -> Bool {
    (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == UInt8(ascii: "_")
  }

  private func isIdentifierPart(_ byte: UInt8) -> Bool {
    isIdentifierStart(byte) || isDigit(byte)
  }
}
