/// Writes JSON text straight into a byte buffer: no intermediate objects, keys in the order
/// written, so output is byte-for-byte stable. Callers write `{`, keys and values in order;
/// the writer places commas.
///
/// Layout: containers nested no deeper than `lineDepth` put each member on its own indented
/// line; deeper ones are written compactly. With `lineDepth: 2` a report's top-level fields and
/// each element of its arrays get a line each: readable, greppable, and half the size of fully
/// indented JSON.
public struct JSONWriter {
  private var output: ChunkedOutput
  private var bytes: [UInt8] {
    get { output.bytes }
    _modify { yield &output.bytes }
  }
  /// Per open container (plus the top level): whether it already holds a member, so the next
  /// one needs a comma.
  private var hasMember: [Bool] = [false]
  private let lineDepth: Int
  /// A value right after its key takes no separator of its own.
  private var afterKey = false

  /// - Parameter lineDepth: how deep containers get one line per member; 0 for compact JSON.
  public init(lineDepth: Int = 2, to output: ReportOutput) {
    self.lineDepth = lineDepth
    self.output = ChunkedOutput(output)
  }

  /// Hands what is written so far to the sink once a chunk is full; call between elements.
  public mutating func flushIfFull() { output.flushIfFull() }

  private var depth: Int { hasMember.count - 1 }

  private mutating func separate() {
    let hadMember = hasMember[depth]
    hasMember[depth] = true
    if hadMember { bytes.append(UInt8(ascii: ",")) }
    if depth > 0 && depth <= lineDepth {
      newline(indent: depth)
    } else if hadMember && lineDepth > 0 {
      bytes.append(UInt8(ascii: " "))
    }
  }

  private mutating func newline(indent: Int) {
    bytes.append(UInt8(ascii: "\n"))
    for _ in 0..<(indent * 2) { bytes.append(UInt8(ascii: " ")) }
  }

  private mutating func open(_ bracket: UInt8) {
    bytes.append(bracket)
    hasMember.append(false)
  }

  private mutating func close(_ bracket: UInt8) {
    let hadMembers = hasMember.removeLast()
    if hadMembers && depth < lineDepth { newline(indent: depth) }
    bytes.append(bracket)
  }

  private mutating func beforeValue() {
    if afterKey {
      afterKey = false
    } else {
      separate()
    }
  }

  // MARK: Containers

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

  // MARK: Keys and values

  /// Starts an object member; follow with exactly one value. Keys are literals: they need no
  /// escaping.
  public mutating func key(_ name: StaticString) {
    separate()
    bytes.append(UInt8(ascii: "\""))
    bytes.append(
      contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    bytes.append(UInt8(ascii: "\""))
    bytes.append(UInt8(ascii: ":"))
    if lineDepth > 0 { bytes.append(UInt8(ascii: " ")) }
    afterKey = true
  }

  /// Starts an object member whose name is not a literal (a property bag's key).
  public mutating func key(text name: String) {
    separate()
    writeString(name)
    bytes.append(UInt8(ascii: ":"))
    if lineDepth > 0 { bytes.append(UInt8(ascii: " ")) }
    afterKey = true
  }

  public mutating func string(_ value: String) {
    beforeValue()
    writeString(value)
  }

  public mutating func string(_ value: String?) {
    if let value { string(value) } else { null() }
  }

  public mutating func int(_ value: Int) {
    beforeValue()
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    var magnitude = value.magnitude
    var digits:
      (
        UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
        UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
      ) = (
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
      )
    var count = 0
    withUnsafeMutableBytes(of: &digits) { buffer in
      repeat {
        buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
        magnitude /= 10
        count += 1
      } while magnitude > 0
      bytes.append(contentsOf: buffer[(20 - count)...])
    }
  }

  public mutating func bool(_ value: Bool) {
    beforeValue()
    bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
  }

  public mutating func null() {
    beforeValue()
    bytes.append(contentsOf: Self.nullBytes)
  }

  /// A member with a string value, or `null`.
  public mutating func member(_ name: StaticString, _ value: String?) {
    key(name)
    string(value)
  }

  public mutating func member(_ name: StaticString, _ value: Int) {
    key(name)
    int(value)
  }

  public mutating func member(_ name: StaticString, _ value: Bool) {
    key(name)
    bool(value)
  }

  private static let trueBytes = Array("true".utf8)
  private static let falseBytes = Array("false".utf8)
  private static let nullBytes = Array("null".utf8)
  private static let hex: [UInt8] = Array("0123456789abcdef".utf8)
  /// Control characters, `"`, `\\` and DEL are escaped; every other byte (UTF-8 included) is
  /// copied.
  private static let needsEscape: [Bool] = (0...255).map { byte in
    byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F
  }

  private mutating func writeString(_ value: String) {
    bytes.append(UInt8(ascii: "\""))
    var value = value
    value.withUTF8 { text in
      guard let base = text.baseAddress else { return }
      // Copy runs that need no escaping in one go.
      var runStart = 0
      for index in 0..<text.count {
        let byte = base[index]
        guard Self.needsEscape[Int(byte)] else { continue }
        bytes.append(
          contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart))
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
      bytes.append(
        contentsOf: UnsafeBufferPointer(start: base + runStart, count: text.count - runStart))
    }
    bytes.append(UInt8(ascii: "\""))
  }

  /// Ends the document with a newline and hands the rest to the sink.
  public mutating func finish() {
    bytes.append(UInt8(ascii: "\n"))
    output.flush()
  }
}
