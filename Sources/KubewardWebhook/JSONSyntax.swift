/// Checks that bytes are one JSON text (RFC 8259), in one pass with bounded nesting.
///
/// The body of an admission review is read by kubeward's YAML reader (JSON is YAML, and its
/// nodes are what the policies read), which would also accept YAML that is not JSON. The API
/// server only sends JSON, so anything else is a bad request and is refused before it is read.
public enum JSONSyntax {
  /// Why `bytes` are not JSON, with the byte offset; `nil` when they are.
  public static func problem(in bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int = 256)
    -> (offset: Int, message: String)?
  {
    check(bytes, maximumDepth: maximumDepth).problem
  }

  /// What JSON allows and the YAML reader does not read as JSON means it, to be rewritten
  /// before it reads the text (`readable`): a key longer than YAML's 1 024 characters for an
  /// implicit key (a Deployment's managedFields name its long env vars in keys), which is
  /// written as an explicit key (`? "…": …`); and a `\u` escape of a UTF-16 surrogate, which
  /// is written as the character the pair makes (U+FFFD for a lone one, as Go decodes it).
  public enum Edit: Sendable, Equatable {
    case explicitKey(at: Int)
    case replace(Range<Int>, with: [UInt8])
  }

  /// Why `bytes` are not JSON (`problem`), else what the YAML reader needs rewritten.
  public static func check(_ bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int = 256)
    -> (problem: (offset: Int, message: String)?, edits: [Edit])
  {
    var scanner = Scanner(bytes: bytes, maximumDepth: maximumDepth)
    do throws(Scanner.Failure) {
      scanner.skipSpace()
      try scanner.value(depth: 0)
      scanner.skipSpace()
      guard scanner.index == bytes.count else { throw Scanner.Failure("text after the value") }
      return (nil, scanner.edits)
    } catch {
      return ((scanner.index, error.message), [])
    }
  }

  /// `bytes` with `edits` (in order, as `check` finds them) made.
  public static func readable(_ bytes: UnsafeBufferPointer<UInt8>, _ edits: [Edit]) -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count + 2 * edits.count)
    var copied = 0
    for edit in edits {
      switch edit {
      case .explicitKey(let at):
        result.append(contentsOf: bytes[copied..<at])
        result.append(contentsOf: "? ".utf8)
        copied = at
      case .replace(let range, let replacement):
        result.append(contentsOf: bytes[copied..<range.lowerBound])
        result.append(contentsOf: replacement)
        copied = range.upperBound
      }
    }
    result.append(contentsOf: bytes[copied...])
    return result
  }

  /// YAML's longest implicit key, less a margin for the quotes.
  static let longestImplicitKey = 1_000

  private struct Scanner {
    struct Failure: Error {
      let message: String
      init(_ message: String) { self.message = message }
    }

    let bytes: UnsafeBufferPointer<UInt8>
    let maximumDepth: Int
    var index = 0
    var edits: [Edit] = []

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
      self.bytes = bytes
      self.maximumDepth = maximumDepth
    }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpace() {
      while let byte = current,
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
      {
        index += 1
      }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
      guard current == byte else { throw Failure("expected \(what)") }
      index += 1
    }

    /// An object's members or an array's items, from its opening bracket: `element`s
    /// separated by commas, up to `closing`.
    mutating func elements(
      until closing: UInt8, _ element: (inout Scanner) throws(Failure) -> Void
    ) throws(Failure) {
      index += 1
      skipSpace()
      if current == closing {
        index += 1
        return
      }
      while true {
        try element(&self)
        skipSpace()
        if current == UInt8(ascii: ",") {
          index += 1
          skipSpace()
          continue
        }
        try expect(closing, "',' or '\(Character(Unicode.Scalar(closing)))'")
        return
      }
    }

    mutating func value(depth: Int) throws(Failure) {
      guard let byte = current else { throw Failure("unexpected end of the body") }
      switch byte {
      case UInt8(ascii: "{"):
        guard depth < maximumDepth else { throw Failure("nested deeper than \(maximumDepth)") }
        try elements(until: UInt8(ascii: "}")) { scanner throws(Failure) in
          guard scanner.current == UInt8(ascii: "\"") else {
            throw Failure("expected a string key")
          }
          let start = scanner.index
          let editsBefore = scanner.edits.count
          try scanner.string()
          if scanner.index - start > JSONSyntax.longestImplicitKey {
            // Before the key's own edits: `readable` makes them in order.
            scanner.edits.insert(.explicitKey(at: start), at: editsBefore)
          }
          scanner.skipSpace()
          try scanner.expect(UInt8(ascii: ":"), "':'")
          scanner.skipSpace()
          try scanner.value(depth: depth + 1)
        }
      case UInt8(ascii: "["):
        guard depth < maximumDepth else { throw Failure("nested deeper than \(maximumDepth)") }
        try elements(until: UInt8(ascii: "]")) { scanner throws(Failure) in
          try scanner.value(depth: depth + 1)
        }
      case UInt8(ascii: "\""):
        try string()
      case UInt8(ascii: "t"): try word("true")
      case UInt8(ascii: "f"): try word("false")
      case UInt8(ascii: "n"): try word("null")
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        try number()
      default:
        throw Failure("expected a value")
      }
    }

    mutating func word(_ text: StaticString) throws(Failure) {
      let count = text.utf8CodeUnitCount
      guard index + count <= bytes.count else { throw Failure("expected a value") }
      for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] {
        throw Failure("expected a value")
      }
      index += count
    }

    mutating func digits() -> Int {
      let start = index
      while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
      return index - start
    }

    mutating func number() throws(Failure) {
      if current == UInt8(ascii: "-") { index += 1 }
      if current == UInt8(ascii: "0") {
        index += 1
      } else if digits() == 0 {
        throw Failure("expected a digit")
      }
      if current == UInt8(ascii: ".") {
        index += 1
        guard digits() > 0 else { throw Failure("expected a digit") }
      }
      if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
        index += 1
        if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
        guard digits() > 0 else { throw Failure("expected a digit") }
      }
    }

    /// A string; its UTF-8 is checked by the YAML reader that reads it next.
    mutating func string() throws(Failure) {
      index += 1
      while let byte = current {
        switch byte {
        case UInt8(ascii: "\""):
          index += 1
          return
        case UInt8(ascii: "\\"):
          index += 1
          guard let escaped = current else { break }
          switch escaped {
          case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
            UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 1
          case UInt8(ascii: "u"):
            let escape = index - 1
            index += 1
            let unit = try hexUnit()
            guard (0xD800..<0xE000).contains(unit) else { break }
            // A surrogate: with the low one that follows, the character they make.
            if unit < 0xDC00, index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
              bytes[index + 1] == UInt8(ascii: "u")
            {
              let second = index
              index += 2
              let low = try hexUnit()
              if (0xDC00..<0xE000).contains(low) {
                let scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
                edits.append(.replace(escape..<index, with: Array(String(scalar).utf8)))
                break
              }
              index = second
            }
            edits.append(.replace(escape..<index, with: Array("\\uFFFD".utf8)))
          default:
            throw Failure("bad escape")
          }
        case 0..<0x20:
          throw Failure("control character in a string")
        default:
          index += 1
        }
      }
      throw Failure("unterminated string")
    }

    /// The four hex digits of a `\\u` escape, as a UTF-16 unit.
    mutating func hexUnit() throws(Failure) -> UInt32 {
      var unit: UInt32 = 0
      for _ in 0..<4 {
        guard let hex = current, hex.isHexDigit else { throw Failure("bad \\u escape") }
        unit = unit << 4 + UInt32(hex.hexValue)
        index += 1
      }
      return unit
    }
  }
}

extension UInt8 {
  fileprivate var hexValue: UInt8 {
    switch self {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): self - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): self - UInt8(ascii: "a") + 10
    default: self - UInt8(ascii: "A") + 10
    }
  }

  fileprivate var isHexDigit: Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
      || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
      || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
  }
}
