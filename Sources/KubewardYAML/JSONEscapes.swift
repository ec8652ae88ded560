/// JSON's escapes of UTF-16 surrogates, which YAML refuses.
///
/// JSON writers escape a character beyond U+FFFF as its surrogate pair (`"\ud83d\ude00"`, as
/// Python's `json.dumps` writes 😀), and JSON decoders read a lone surrogate as U+FFFD. YAML
/// (libyaml, and go-yaml with it) refuses both, but kubectl decodes a stream that starts with
/// `{` as JSON: such a file is valid to Kubernetes.
enum JSONEscapes {
  /// `bytes` with each surrogate escape of its strings written as YAML reads the same character
  /// (`\U0001f600`; `\ufffd` for a lone one), when it is a JSON stream (its first byte past
  /// white space is `{`) that holds one; else `nil`.
  ///
  /// The text keeps its length: a pair's escape (12 bytes) becomes 10, and the two spaces left
  /// over go after the string's closing quote, where JSON and YAML allow them. So every line,
  /// column and byte outside the strings concerned is where the file has it.
  static func surrogatesAsYAML(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
    guard startsAsJSON(bytes) else { return nil }
    var result: [UInt8] = []
    var changed = false
    var inString = false
    var pendingSpaces = 0
    var index = 0
    let count = bytes.count
    func hexValue(at start: Int) -> UInt32? {
      guard start + 4 <= count else { return nil }
      var value: UInt32 = 0
      for offset in 0..<4 {
        let byte = bytes[start + offset]
        let digit: UInt8
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
        default: return nil
        }
        value = value << 4 | UInt32(digit)
      }
      return value
    }
    /// The code unit of a `\uXXXX` escape at `start`, when there is one.
    func escape(at start: Int) -> UInt32? {
      guard start + 1 < count, bytes[start] == UInt8(ascii: "\\"),
        bytes[start + 1] == UInt8(ascii: "u")
      else { return nil }
      return hexValue(at: start + 2)
    }
    while index < count {
      let byte = bytes[index]
      guard inString else {
        if byte == UInt8(ascii: "\"") { inString = true }
        result.append(byte)
        index += 1
        continue
      }
      switch byte {
      case UInt8(ascii: "\""):
        inString = false
        result.append(byte)
        result.append(contentsOf: repeatElement(UInt8(ascii: " "), count: pendingSpaces))
        pendingSpaces = 0
        index += 1
      case UInt8(ascii: "\\"):
        guard let unit = escape(at: index), (0xD800...0xDFFF).contains(unit) else {
          // Any other escape, copied whole (its second byte may be a quote).
          result.append(contentsOf: bytes[index..<min(index + 2, count)])
          index += 2
          continue
        }
        changed = true
        if unit < 0xDC00, let low = escape(at: index + 6), (0xDC00...0xDFFF).contains(low) {
          let scalar = 0x1_0000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
          result.append(contentsOf: Array("\\U".utf8) + hexDigits(scalar, count: 8))
          pendingSpaces += 2
          index += 12
        } else {
          result.append(contentsOf: Array("\\ufffd".utf8))
          index += 6
        }
      default:
        result.append(byte)
        index += 1
      }
    }
    // A string left open keeps its spaces at the end, where the reader reports it.
    result.append(contentsOf: repeatElement(UInt8(ascii: " "), count: pendingSpaces))
    return changed ? result : nil
  }

  /// Whether the first byte past a byte order mark and white space is `{`, as kubectl's
  /// decoder tells JSON from YAML.
  static func startsAsJSON(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var index = 0
    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
    while index < bytes.count {
      switch bytes[index] {
      case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"):
        index += 1
      case UInt8(ascii: "{"): return true
      default: return false
      }
    }
    return false
  }

  private static func hexDigits(_ value: UInt32, count: Int) -> [UInt8] {
    let digits = Array("0123456789abcdef".utf8)
    return (0..<count).reversed().map { digits[Int((value >> UInt32($0 * 4)) & 0xF)] }
  }
}
