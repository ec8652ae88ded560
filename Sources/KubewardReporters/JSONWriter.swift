@_spi(Buffers) import KubewardYAML

/// Writes JSON text straight into a byte buffer: no intermediate objects, keys in the order
/// written, so output is byte-for-byte stable. Callers write `{`, keys and values in order;
/// the writer places commas.
///
/// Layout: containers nested no deeper than `lineDepth` put each member on its own indented
/// line; deeper ones are written compactly. With `lineDepth: 2` a report's top-level fields and
/// each element of its arrays get a line each: readable, greppable, and half the size of fully
/// indented JSON.
///
/// Not copyable: it owns its buffer, which it hands to the output a chunk at a time.
public struct JSONWriter: ~Copyable {
  private static let chunkSize = 1 << 16

  private let output: ReportOutput
  private var bytes: RawBuffer<UInt8>
  /// Bit `d` is set when the container open at depth `d` (0: the top level) already holds a
  /// member, so the next one needs a comma.
  private var hasMember: UInt64 = 0
  /// The same for containers nested 64 levels deep or more (kubeward's reports never are).
  private var deeperHaveMember: [Bool] = []
  private var depth = 0
  private let lineDepth: Int
  /// A value right after its key takes no separator of its own.
  private var afterKey = false

  /// - Parameter lineDepth: how deep containers get one line per member; 0 for compact JSON.
  public init(lineDepth: Int = 2, to output: ReportOutput) {
    self.lineDepth = lineDepth
    self.output = output
    self.bytes = RawBuffer(capacity: Self.chunkSize + 4096)
  }

  deinit {
    bytes.deallocate()
  }

  /// Hands what is written so far to the output once a chunk is full; call between elements.
  public mutating func flushIfFull() {
    if bytes.count >= Self.chunkSize { flush() }
  }

  private mutating func flush() {
    guard !bytes.isEmpty else { return }
    bytes.withUnsafeBufferPointer { output.write($0) }
    bytes.removeAll()
  }

  @inline(__always)
  private mutating func append(_ byte: UInt8) { bytes.append(byte) }

  @inline(__always)
  private mutating func append(_ text: StaticString) {
    bytes.append(atMost: text.utf8CodeUnitCount) { out in
      Self.copy(text.utf8Start, count: text.utf8CodeUnitCount, to: out) - out
    }
  }

  /// Copies `count` bytes to `out`; returns where they end. Keys, separators and the values
  /// between escapes are mostly a few bytes, which a call to memcpy costs more than: 8 to 16
  /// are copied as two 8-byte words (overlapping when fewer than 16), fewer byte by byte.
  /// (Byte by byte up to 32, the keys and strings of a report of findings took 7 % more
  /// instructions.)
  @inline(__always)
  private static func copy(
    _ source: UnsafePointer<UInt8>, count: Int, to out: UnsafeMutablePointer<UInt8>
  ) -> UnsafeMutablePointer<UInt8> {
    if count > 16 {
      out.update(from: source, count: count)
    } else if count >= 8 {
      let from = UnsafeRawPointer(source)
      let to = UnsafeMutableRawPointer(out)
      let head = from.loadUnaligned(as: UInt64.self)
      let tail = from.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
      to.storeBytes(of: head, as: UInt64.self)
      to.storeBytes(of: tail, toByteOffset: count - 8, as: UInt64.self)
    } else {
      for offset in 0..<count { out[offset] = source[offset] }
    }
    return out + count
  }

  @inline(__always)
  private mutating func separate() {
    let hadMember = holdsMember(atDepth: depth)
    setHoldsMember(true, atDepth: depth)
    if hadMember { append(UInt8(ascii: ",")) }
    if depth > 0 && depth <= lineDepth {
      newline(indent: depth)
    } else if hadMember && lineDepth > 0 {
      append(UInt8(ascii: " "))
    }
  }

  private static let newlineAndIndent: StaticString = "\n                "

  @inline(__always)
  private mutating func newline(indent: Int) {
    // One copy for the usual depths; `lineDepth` is never deeper in kubeward's reports.
    if indent * 2 < Self.newlineAndIndent.utf8CodeUnitCount {
      bytes.append(
        contentsOf: UnsafeBufferPointer(
          start: Self.newlineAndIndent.utf8Start, count: 1 + indent * 2))
      return
    }
    append(UInt8(ascii: "\n"))
    for _ in 0..<(indent * 2) { append(UInt8(ascii: " ")) }
  }

  private mutating func open(_ bracket: UInt8) {
    append(bracket)
    depth += 1
    setHoldsMember(false, atDepth: depth)
  }

  private mutating func close(_ bracket: UInt8) {
    let hadMembers = holdsMember(atDepth: depth)
    depth -= 1
    if hadMembers && depth < lineDepth { newline(indent: depth) }
    append(bracket)
  }

  @inline(__always)
  private func holdsMember(atDepth depth: Int) -> Bool {
    depth < 64 ? hasMember & (1 << UInt64(depth)) != 0 : deeperHaveMember[depth - 64]
  }

  @inline(__always)
  private mutating func setHoldsMember(_ holds: Bool, atDepth depth: Int) {
    guard depth >= 64 else {
      hasMember = holds ? hasMember | (1 << UInt64(depth)) : hasMember & ~(1 << UInt64(depth))
      return
    }
    if deeperHaveMember.count <= depth - 64 { deeperHaveMember.append(holds) }
    deeperHaveMember[depth - 64] = holds
  }

  @inline(__always)
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
    let hadMember = holdsMember(atDepth: depth)
    setHoldsMember(true, atDepth: depth)
    let onItsLine = depth > 0 && depth <= lineDepth
    let spaced = lineDepth > 0
    let depth = self.depth
    // The separator, the indentation and the quoted key in one write: reports are mostly keys.
    bytes.append(atMost: name.utf8CodeUnitCount + 6 + (onItsLine ? 1 + 2 * depth : 0)) { start in
      var out = start
      if hadMember {
        out.pointee = UInt8(ascii: ",")
        out += 1
      }
      if onItsLine {
        out.pointee = UInt8(ascii: "\n")
        out += 1
        for _ in 0..<(2 * depth) {
          out.pointee = UInt8(ascii: " ")
          out += 1
        }
      } else if hadMember && spaced {
        out.pointee = UInt8(ascii: " ")
        out += 1
      }
      out.pointee = UInt8(ascii: "\"")
      out = Self.copy(name.utf8Start, count: name.utf8CodeUnitCount, to: out + 1)
      out[0] = UInt8(ascii: "\"")
      out[1] = UInt8(ascii: ":")
      out += 2
      if spaced {
        out.pointee = UInt8(ascii: " ")
        out += 1
      }
      return out - start
    }
    afterKey = true
  }

  /// Starts an object member whose name is not a literal (a property bag's key).
  public mutating func key(text name: String) {
    separate()
    writeString(name)
    append(lineDepth > 0 ? ": " : ":")
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
    bytes.append(atMost: 20) { start in
      // Digits are written from the right, then moved to the start.
      var magnitude = value.magnitude
      var end = start + 20
      repeat {
        end -= 1
        end.pointee = UInt8(ascii: "0") + UInt8(magnitude % 10)
        magnitude /= 10
      } while magnitude > 0
      if value < 0 {
        end -= 1
        end.pointee = UInt8(ascii: "-")
      }
      let count = start + 20 - end
      // Forwards, as the regions may overlap and the copy moves bytes towards the start.
      for offset in 0..<count { start[offset] = end[offset] }
      return count
    }
  }

  public mutating func bool(_ value: Bool) {
    beforeValue()
    append(value ? "true" : "false")
  }

  public mutating func null() {
    beforeValue()
    append("null")
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

  /// Control characters, `"`, `\\` and DEL are escaped, and so is every character the other
  /// reports write visibly (`VisibleText.isWrittenVisibly`): the C1 controls (U+009B is a
  /// terminal's CSI), U+2028 and U+2029 (line breaks to JavaScript and to some viewers), the
  /// bidi controls that reorder what a viewer shows and the characters it draws as nothing.
  /// Every byte above ASCII is only a candidate: `writeQuoted` decodes its character.
  @inline(__always)
  private static func needsEscape(_ byte: UInt8) -> Bool {
    byte < 0x20 || byte == 0x22 || byte == 0x5C || byte >= 0x7F
  }

  /// Whether any of the eight bytes of `word` needs escaping (bit tricks on the whole word:
  /// reports are mostly long messages with nothing to escape).
  @inline(__always)
  private static func needsEscape(word: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highBits: UInt64 = 0x8080_8080_8080_8080
    func hasZeroByte(_ value: UInt64) -> Bool { (value &- ones) & ~value & highBits != 0 }
    let control = (word &- ones &* 0x20) & ~word & highBits != 0
    return control || word & highBits != 0 || hasZeroByte(word ^ (ones &* 0x22))
      || hasZeroByte(word ^ (ones &* 0x5C)) || hasZeroByte(word ^ (ones &* 0x7F))
  }

  /// The offset of the first byte of `text[from...]` that needs escaping, or `text.count`.
  @inline(__always)
  private static func firstEscape(in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
    let base = text.baseAddress!
    var index = start
    while index + 8 <= text.count {
      let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
      if needsEscape(word: word) { break }
      index += 8
    }
    while index < text.count && !needsEscape(base[index]) { index += 1 }
    return index
  }

  private mutating func writeString(_ value: String) {
    let written: Void? = value.utf8.withContiguousStorageIfAvailable { writeQuoted($0) }
    if written == nil {
      var copy = value
      copy.withUTF8 { writeQuoted($0) }
    }
  }

  /// Writes `text` quoted and escaped, straight into the buffer: room for the worst case (every
  /// byte escaped as `\u00XX`) is made once.
  private mutating func writeQuoted(_ text: UnsafeBufferPointer<UInt8>) {
    bytes.append(atMost: text.count * 6 + 2) { start in
      var out = start
      out.pointee = UInt8(ascii: "\"")
      out += 1
      guard let base = text.baseAddress else {
        out.pointee = UInt8(ascii: "\"")
        return 2
      }
      // Runs that need no escaping are copied in one go.
      var runStart = 0
      var index = Self.firstEscape(in: text, from: 0)
      while true {
        out = Self.copy(base + runStart, count: index - runStart, to: out)
        guard index < text.count else { break }
        switch base[index] {
        case 0x80...:
          // A character beyond ASCII (the text is a String's: valid UTF-8).
          let (scalar, length) = Self.decode(base + index, available: text.count - index)
          if let scalar = Unicode.Scalar(scalar), VisibleText.isWrittenVisibly(scalar) {
            out = Self.writeUnicodeEscape(of: scalar.value, at: out)
          } else {
            out = Self.copy(base + index, count: length, to: out)
          }
          runStart = index + length
        default:
          out = Self.writeEscape(of: base[index], at: out)
          runStart = index + 1
        }
        index = Self.firstEscape(in: text, from: runStart)
      }
      out.pointee = UInt8(ascii: "\"")
      out += 1
      return out - start
    }
  }

  @inline(__always)
  private static func copy(_ text: StaticString, to out: UnsafeMutablePointer<UInt8>)
    -> UnsafeMutablePointer<UInt8>
  {
    copy(text.utf8Start, count: text.utf8CodeUnitCount, to: out)
  }

  /// The code point of the UTF-8 character at `start`, and its length in bytes (cut to the
  /// `available` bytes).
  @inline(__always)
  private static func decode(_ start: UnsafePointer<UInt8>, available: Int) -> (UInt32, Int) {
    let lead = start[0]
    let length = min(lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4, available)
    var scalar = UInt32(lead) & (lead < 0xE0 ? 0x1F : lead < 0xF0 ? 0x0F : 0x07)
    for offset in 1..<max(length, 1) {
      scalar = scalar << 6 | UInt32(start[offset] & 0x3F)
    }
    return (scalar, length)
  }

  /// Writes `\\u` and the four hex digits of `scalar` at `out` (beyond U+FFFF, its UTF-16
  /// surrogate pair, as JSON writes it); returns where it ends.
  private static func writeUnicodeEscape(of scalar: UInt32, at out: UnsafeMutablePointer<UInt8>)
    -> UnsafeMutablePointer<UInt8>
  {
    guard scalar <= 0xFFFF else {
      let offset = scalar - 0x1_0000
      let next = writeUnicodeEscape(of: 0xD800 + (offset >> 10), at: out)
      return writeUnicodeEscape(of: 0xDC00 + (offset & 0x3FF), at: next)
    }
    let hex: StaticString = "0123456789abcdef"
    out[0] = UInt8(ascii: "\\")
    out[1] = UInt8(ascii: "u")
    for digit in 0..<4 {
      out[2 + digit] = hex.utf8Start[Int((scalar >> UInt32(12 - 4 * digit)) & 0xF)]
    }
    return out + 6
  }

  /// Writes the escape sequence of `byte` at `out`; returns where it ends.
  private static func writeEscape(of byte: UInt8, at out: UnsafeMutablePointer<UInt8>)
    -> UnsafeMutablePointer<UInt8>
  {
    out[0] = UInt8(ascii: "\\")
    switch byte {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"):
      out[1] = byte
      return out + 2
    case 0x0A:
      out[1] = UInt8(ascii: "n")
      return out + 2
    case 0x0D:
      out[1] = UInt8(ascii: "r")
      return out + 2
    case 0x09:
      out[1] = UInt8(ascii: "t")
      return out + 2
    default:
      let hex: StaticString = "0123456789abcdef"
      out[1] = UInt8(ascii: "u")
      out[2] = UInt8(ascii: "0")
      out[3] = UInt8(ascii: "0")
      out[4] = hex.utf8Start[Int(byte >> 4)]
      out[5] = hex.utf8Start[Int(byte & 0xF)]
      return out + 6
    }
  }

  /// Ends the document with a newline and hands the rest to the output.
  public mutating func finish() {
    append(UInt8(ascii: "\n"))
    flush()
  }
}
