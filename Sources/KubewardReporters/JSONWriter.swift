/// Writes JSON text straight into a byte buffer: no intermediate objects, keys in the order
/// written, so output is byte-for-byte stable. Callers write `{`, keys and values in order;
/// the writer places commas.
public struct JSONWriter: Sendable {
  public private(set) var bytes: [UInt8] = []
  /// Per open container (plus the top level): whether it already holds a member, so the next
  /// one needs a comma.
  private var hasMember: [Bool] = [false]
  private let indentation: Int?

  /// - Parameter pretty: indent with two spaces (for files people read); compact otherwise.
  public init(pretty: Bool = true, capacity: Int = 4096) {
    indentation = pretty ? 2 : nil
    bytes.reserveCapacity(capacity)
  }

  private mutating func separate() {
    if hasMember[hasMember.count - 1] { bytes.append(UInt8(ascii: ",")) }
    hasMember[hasMember.count - 1] = true
    newline()
  }

  private mutating func newline() {
    guard let indentation, hasMember.count > 1 else { return }
    bytes.append(UInt8(ascii: "\n"))
    bytes.append(
      contentsOf: repeatElement(UInt8(ascii: " "), count: (hasMember.count - 1) * indentation))
  }

  private mutating func open(_ bracket: UInt8) {
    bytes.append(bracket)
    hasMember.append(false)
  }

  private mutating func close(_ bracket: UInt8) {
    let hadMembers = hasMember.removeLast()
    if hadMembers { newline() }
    bytes.append(bracket)
  }

  // MARK: Values

  public mutating func beginObject() {
    beforeValue()
    open(UInt8(ascii: "{"))
  }

  public mutating func endObject() { close(UInt8(ascii: "}")) }

  public mutating func beginArray() {
    beforeValue()
    open(UInt8(ascii: "["))
  }

  public mutating func endArray() { close(UInt8(ascii: "]")) }

  /// Starts an object member; follow with exactly one value.
  public mutating func key(_ name: String) {
    separate()
    writeString(name)
    bytes.append(UInt8(ascii: ":"))
    if indentation != nil { bytes.append(UInt8(ascii: " ")) }
    afterKey = true
  }

  /// A value right after its key takes no separator of its own.
  private var afterKey = false

  private mutating func beforeValue() {
    if afterKey {
      afterKey = false
    } else {
      separate()
    }
  }

  public mutating func string(_ value: String) {
    beforeValue()
    writeString(value)
  }

  public mutating func int(_ value: Int) {
    beforeValue()
    bytes.append(contentsOf: String(value).utf8)
  }

  public mutating func bool(_ value: Bool) {
    beforeValue()
    bytes.append(contentsOf: (value ? "true" : "false").utf8)
  }

  public mutating func null() {
    beforeValue()
    bytes.append(contentsOf: "null".utf8)
  }

  public mutating func string(_ value: String?) {
    if let value { string(value) } else { null() }
  }

  /// A member with a string value, or `null`.
  public mutating func member(_ name: String, _ value: String?) {
    key(name)
    string(value)
  }

  public mutating func member(_ name: String, _ value: Int) {
    key(name)
    int(value)
  }

  public mutating func member(_ name: String, _ value: Bool) {
    key(name)
    bool(value)
  }

  private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

  private mutating func writeString(_ value: String) {
    bytes.append(UInt8(ascii: "\""))
    var value = value
    value.withUTF8 { text in
      // Copy runs that need no escaping in one go.
      var runStart = 0
      for index in 0..<text.count {
        let byte = text[index]
        guard
          byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0x7F
        else { continue }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<index]))
        runStart = index + 1
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        default:
          bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30])
          bytes.append(Self.hex[Int(byte >> 4)])
          bytes.append(Self.hex[Int(byte & 0xF)])
        }
      }
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart...]))
    }
    bytes.append(UInt8(ascii: "\""))
  }

  /// The finished document, with a final newline.
  public func finish() -> [UInt8] { bytes + [UInt8(ascii: "\n")] }
}
