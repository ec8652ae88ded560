/// libyaml's lines, as editors, git and GitHub count them.
///
/// libyaml (YAML 1.1) also breaks lines at NEL (U+0085), LINE SEPARATOR (U+2028) and
/// PARAGRAPH SEPARATOR (U+2029), which no editor does: after one, every position it gave was a
/// line too far. A file holding none (nearly all; every ASCII file) has no map, and its
/// positions are libyaml's own.
struct UnicodeLineBreaks {
  /// By libyaml's 0-based line: the 1-based line it is on, and the characters before it there.
  private var lines: [(line: Int32, column: Int32)] = [(1, 0)]

  /// The map of `bytes` (UTF-8), or `nil` when they hold no such break.
  init?(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard Self.holdsUnicodeBreak(bytes) else { return nil }
    var line: Int32 = 1
    var column: Int32 = 0
    var index = 0
    let count = bytes.count
    while index < count {
      let byte = bytes[index]
      if byte == 0x0A || byte == 0x0D {
        // CRLF is one break, as a lone CR is (libyaml's, and this map's, line).
        index += byte == 0x0D && index + 1 < count && bytes[index + 1] == 0x0A ? 2 : 1
        line += 1
        column = 0
        lines.append((line, 0))
      } else if let width = Self.unicodeBreakWidth(bytes, at: index) {
        // A break for libyaml only: the next libyaml line goes on on this one.
        index += width
        column += 1
        lines.append((line, column))
      } else {
        // libyaml counts characters: a UTF-8 continuation byte starts none.
        if byte & 0xC0 != 0x80 { column += 1 }
        index += 1
      }
    }
  }

  /// The 1-based position of libyaml's 0-based `line` and `column`.
  func position(line: Int, column: Int) -> SourcePosition {
    guard line >= 0, line < lines.count else {
      return SourcePosition(line: line + 1, column: column + 1)
    }
    let start = lines[line]
    return SourcePosition(line: Int(start.line), column: Int(start.column) + column + 1)
  }

  /// The last of libyaml's 0-based lines on the 1-based `line` (the map is in line order).
  func lastLibyamlLine(onLine line: Int) -> Int {
    var low = 0
    var high = lines.count
    while low < high {
      let middle = (low + high) / 2
      if Int(lines[middle].line) <= line { low = middle + 1 } else { high = middle }
    }
    return max(low - 1, 0)
  }

  /// NEL is C2 85; LINE and PARAGRAPH SEPARATOR are E2 80 A8 and E2 80 A9.
  private static func unicodeBreakWidth(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int)
    -> Int?
  {
    let byte = bytes[index]
    if byte == 0xC2, index + 1 < bytes.count, bytes[index + 1] == 0x85 { return 2 }
    if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80,
      bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9
    {
      return 3
    }
    return nil
  }

  private static func holdsUnicodeBreak(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      if (byte == 0xC2 || byte == 0xE2) && unicodeBreakWidth(bytes, at: index) != nil {
        return true
      }
      index += 1
    }
    return false
  }
}
