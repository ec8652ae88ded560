import KubewardYAML

/// Where each byte of a scalar's value was written in its file, through quoting, escapes,
/// line folding and block indentation: an error at byte 14 of a CEL expression is shown at the
/// line and column of the policy file that holds that byte.
///
/// The value is rebuilt from the source by YAML's rules for the scalar's style; when the
/// rebuilt text differs from what the reader decoded (a style this does not model exactly),
/// every offset maps to the scalar's start rather than to a wrong column.
struct ExpressionSource: Sendable {
  /// The position of each byte of the value, and one past its end.
  private let positions: [SourcePosition]
  let start: SourcePosition

  init(node: Node, file bytes: [UInt8], lines: LineIndex, cursor: ColumnCursor = ColumnCursor()) {
    start = node.position
    let value = Array((node.string ?? "").utf8)
    var scanner = Scanner(bytes: bytes, lines: lines, node: node, cursor: cursor)
    if let built = scanner.build(), built.value == value {
      positions = built.positions
    } else {
      positions = []
    }
  }

  /// The position of byte `offset` of the value.
  func position(ofByte offset: Int) -> SourcePosition {
    guard !positions.isEmpty else { return start }
    return positions[max(0, min(offset, positions.count - 1))]
  }

  private struct Scanner {
    let bytes: [UInt8]
    let lines: LineIndex
    let node: Node
    var value: [UInt8] = []
    var positions: [SourcePosition] = []
    /// Just past the source of the last byte emitted: where the value's end is shown.
    var end = 0

    let cursor: ColumnCursor

    init(bytes: [UInt8], lines: LineIndex, node: Node, cursor: ColumnCursor) {
      self.bytes = bytes
      self.lines = lines
      self.node = node
      self.cursor = cursor
    }

    /// The byte offset of a position (columns count code points). Counted on from where the
    /// previous expression of the file started when it is on the same line and before this
    /// one: a policy file written as JSON on one line holds thousands of expressions, and
    /// counting each from the line's start was quadratic.
    func offset(of position: SourcePosition) -> Int? {
      guard position.line >= 1, position.line <= lines.starts.count else { return nil }
      var index = lines.starts[position.line - 1]
      var column = 1
      if cursor.line == position.line, cursor.column <= position.column {
        (index, column) = (cursor.offset, cursor.column)
      }
      while column < position.column, index < bytes.count, bytes[index] != 0x0A {
        index += 1
        while index < bytes.count, bytes[index] & 0xC0 == 0x80 { index += 1 }
        column += 1
      }
      (cursor.line, cursor.column, cursor.offset) = (position.line, column, index)
      return index
    }

    /// The last position found at the start of a code point, to count on from: offsets are
    /// asked for in order, and counting each from its line's start made a long line
    /// quadratic (a 200 KB one-line expression took seconds to load).
    var last: (offset: Int, line: Int, column: Int)?

    /// The position of a byte offset.
    mutating func position(of offset: Int) -> SourcePosition {
      let offset = min(offset, bytes.count)
      if let last, offset >= last.offset,
        last.line == lines.starts.count || offset < lines.starts[last.line]
      {
        return position(of: offset, line: last.line, from: last.offset, column: last.column)
      }
      var low = 0
      var high = lines.starts.count - 1
      while low < high {
        let middle = (low + high + 1) / 2
        if lines.starts[middle] <= offset { low = middle } else { high = middle - 1 }
      }
      return position(of: offset, line: low + 1, from: lines.starts[low], column: 1)
    }

    /// Counts code points from `start`, the start of one at `column` of `line`.
    private mutating func position(of offset: Int, line: Int, from start: Int, column: Int)
      -> SourcePosition
    {
      var column = column
      var index = start
      while index < offset {
        index += 1
        while index < offset, bytes[index] & 0xC0 == 0x80 { index += 1 }
        column += 1
      }
      if offset == bytes.count || bytes[offset] & 0xC0 != 0x80 {
        last = (offset, line, column)
      }
      return SourcePosition(line: line, column: column)
    }

    mutating func emit(_ byte: UInt8, at offset: Int) {
      value.append(byte)
      positions.append(position(of: offset))
      end = offset + 1
    }

    /// Emits the source bytes of one code point at `index`; returns the next index.
    mutating func emitScalar(at index: Int) -> Int {
      var end = index + 1
      while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
      let position = self.position(of: index)
      for byte in bytes[index..<end] {
        value.append(byte)
        positions.append(position)
      }
      self.end = end
      return end
    }

    mutating func build() -> (value: [UInt8], positions: [SourcePosition])? {
      guard let begin = offset(of: node.position), let style = node.scalarStyle else { return nil }
      // Positions are counted on from the value's start: from its line's start, a one-line
      // file of n expressions was quadratic.
      last = (begin, node.position.line, node.position.column)
      let finished: Bool
      switch style {
      case .plain: finished = flow(from: begin, quote: nil)
      case .singleQuoted: finished = flow(from: begin + 1, quote: UInt8(ascii: "'"))
      case .doubleQuoted: finished = flow(from: begin + 1, quote: UInt8(ascii: "\""))
      case .literal, .folded: finished = block(from: begin, folded: style == .folded)
      }
      guard finished else { return nil }
      positions.append(position(of: positions.isEmpty ? begin : end))
      return (value, positions)
    }

    /// Plain and quoted scalars: line breaks fold to a space (or to n-1 newlines for n),
    /// spaces around them are dropped.
    private mutating func flow(from begin: Int, quote: UInt8?) -> Bool {
      let endOffset = offset(of: node.range.end) ?? bytes.count
      var index = begin
      var pendingSpaces: [(UInt8, Int)] = []
      while index < bytes.count {
        let byte = bytes[index]
        if quote == nil && index >= endOffset { break }
        if let quote, byte == quote {
          if quote == UInt8(ascii: "'"), index + 1 < bytes.count, bytes[index + 1] == quote {
            flushSpaces(&pendingSpaces)
            emit(quote, at: index)
            index += 2
            continue
          }
          break
        }
        if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
          pendingSpaces.append((byte, index))
          index += 1
          continue
        }
        if byte == 0x0A || byte == 0x0D {
          // Fold: trailing spaces dropped, breaks counted, next line's indentation dropped.
          pendingSpaces.removeAll()
          var breaks = 0
          let breakOffset = index
          while index < bytes.count,
            bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == UInt8(ascii: " ")
              || bytes[index] == UInt8(ascii: "\t")
          {
            if bytes[index] == 0x0A { breaks += 1 }
            index += 1
          }
          if quote == nil && index >= endOffset { break }
          if breaks <= 1 {
            emit(UInt8(ascii: " "), at: breakOffset)
          } else {
            for _ in 1..<breaks { emit(0x0A, at: breakOffset) }
          }
          continue
        }
        flushSpaces(&pendingSpaces)
        if quote == UInt8(ascii: "\""), byte == UInt8(ascii: "\\") {
          guard let next = escape(at: index) else { return false }
          index = next
          continue
        }
        index = emitScalar(at: index)
      }
      if quote == nil { return true }
      return index < bytes.count
    }

    private mutating func flushSpaces(_ spaces: inout [(UInt8, Int)]) {
      for (byte, offset) in spaces { emit(byte, at: offset) }
      spaces.removeAll()
    }

    /// A double-quoted escape at `index` (the backslash); returns the index after it.
    private mutating func escape(at index: Int) -> Int? {
      guard index + 1 < bytes.count else { return nil }
      let letter = bytes[index + 1]
      let simple: [UInt8: UInt8] = [
        UInt8(ascii: "0"): 0, UInt8(ascii: "a"): 7, UInt8(ascii: "b"): 8, UInt8(ascii: "t"): 9,
        0x09: 9, UInt8(ascii: "n"): 10, UInt8(ascii: "v"): 11, UInt8(ascii: "f"): 12,
        UInt8(ascii: "r"): 13, UInt8(ascii: "e"): 27, UInt8(ascii: " "): 32,
        UInt8(ascii: "\""): 34, UInt8(ascii: "/"): 47, UInt8(ascii: "\\"): 92,
      ]
      if let byte = simple[letter] {
        emit(byte, at: index)
        return index + 2
      }
      if letter == 0x0A || letter == 0x0D {
        // An escaped line break joins the lines; the next line's indentation is dropped.
        var next = index + 1
        while next < bytes.count, bytes[next] == 0x0A || bytes[next] == 0x0D { next += 1 }
        while next < bytes.count, bytes[next] == UInt8(ascii: " ") || bytes[next] == 0x09 {
          next += 1
        }
        return next
      }
      let digits: Int
      switch letter {
      case UInt8(ascii: "x"): digits = 2
      case UInt8(ascii: "u"): digits = 4
      case UInt8(ascii: "U"): digits = 8
      case UInt8(ascii: "N"), UInt8(ascii: "_"), UInt8(ascii: "L"), UInt8(ascii: "P"):
        let scalar: Unicode.Scalar =
          switch letter {
          case UInt8(ascii: "N"): "\u{85}"
          case UInt8(ascii: "_"): "\u{A0}"
          case UInt8(ascii: "L"): "\u{2028}"
          default: "\u{2029}"
          }
        for byte in String(scalar).utf8 { emit(byte, at: index) }
        return index + 2
      default: return nil
      }
      guard index + 2 + digits <= bytes.count,
        let code = UInt32(
          String(decoding: bytes[(index + 2)..<(index + 2 + digits)], as: UTF8.self), radix: 16),
        let scalar = Unicode.Scalar(code)
      else { return nil }
      for byte in String(scalar).utf8 { emit(byte, at: index) }
      return index + 2 + digits
    }

    /// Literal and folded block scalars: the content lines below the header, less their
    /// indentation; chomping per the header.
    private mutating func block(from begin: Int, folded: Bool) -> Bool {
      var index = begin + 1
      var explicitIndent: Int?
      var chomping: UInt8 = 0  // 0 clip, "-" strip, "+" keep
      while index < bytes.count, bytes[index] != 0x0A {
        let byte = bytes[index]
        if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
          chomping = byte
        } else if byte >= UInt8(ascii: "1"), byte <= UInt8(ascii: "9"), explicitIndent == nil {
          explicitIndent = Int(byte - UInt8(ascii: "0"))
        } else if byte == UInt8(ascii: "#") {
          while index < bytes.count, bytes[index] != 0x0A { index += 1 }
          break
        }
        index += 1
      }
      index += 1
      guard let headerLine = lines.firstStart(after: begin).map({ $0 - 1 }) else {
        return false
      }
      let parentIndent =
        node.parent.map { parent in
          parent.position.column - 1
        } ?? 0
      // Content lines: until a non-empty line less indented than the content.
      var contentLines: [(start: Int, end: Int)] = []
      var line = headerLine + 1
      var indent = explicitIndent.map { $0 + parentIndentOfKey() } ?? -1
      while line < lines.starts.count {
        let start = lines.starts[line]
        var end = line + 1 < lines.starts.count ? lines.starts[line + 1] - 1 : bytes.count
        if end > start, bytes[end - 1] == 0x0D { end -= 1 }
        var spaces = 0
        while start + spaces < end, bytes[start + spaces] == UInt8(ascii: " ") { spaces += 1 }
        let blank = start + spaces == end
        if !blank {
          if indent < 0 { indent = spaces }
          if spaces < indent { break }
        }
        contentLines.append((start, end))
        line += 1
      }
      _ = parentIndent
      if indent < 0 { indent = 0 }
      // Trailing blank lines belong to chomping.
      var lastContent = contentLines.count - 1
      while lastContent >= 0 {
        let (start, end) = contentLines[lastContent]
        if end - start > indent || (start..<end).contains(where: { bytes[$0] != 0x20 }) { break }
        lastContent -= 1
      }
      var previousWasText = false
      var previousMoreIndented = false
      for (position, (start, end)) in contentLines.enumerated() where position <= lastContent {
        let textStart = min(start + indent, end)
        let isBlank = textStart >= end
        let moreIndented =
          !isBlank && (bytes[textStart] == UInt8(ascii: " ") || bytes[textStart] == 0x09)
        if position > 0 {
          // The break that ended the previous line.
          let breakOffset = contentLines[position - 1].end
          if folded && previousWasText && !isBlank && !moreIndented && !previousMoreIndented {
            emit(UInt8(ascii: " "), at: breakOffset)
          } else if folded && previousWasText && isBlank {
            // A blank line after text: the text's break is dropped, the blank one kept.
          } else {
            emit(0x0A, at: breakOffset)
          }
        }
        var cursor = textStart
        while cursor < end { cursor = emitScalar(at: cursor) }
        previousWasText = !isBlank
        previousMoreIndented = moreIndented
      }
      if lastContent >= 0 {
        let finalBreak = contentLines[lastContent].end
        // A file that ends without a line break gives its last line none.
        switch finalBreak < bytes.count ? chomping : UInt8(ascii: "-") {
        case UInt8(ascii: "-"): break
        case UInt8(ascii: "+"):
          emit(0x0A, at: finalBreak)
          for _ in (lastContent + 1)..<contentLines.count { emit(0x0A, at: finalBreak) }
        default: emit(0x0A, at: finalBreak)
        }
      }
      return true
    }

    /// The indentation of the line that holds the block scalar's key (for explicit
    /// indentation indicators, which count from it).
    private func parentIndentOfKey() -> Int {
      guard let begin = offset(of: node.position) else { return 0 }
      var lineStart = begin
      while lineStart > 0, bytes[lineStart - 1] != 0x0A { lineStart -= 1 }
      var spaces = 0
      while lineStart + spaces < bytes.count, bytes[lineStart + spaces] == UInt8(ascii: " ") {
        spaces += 1
      }
      return spaces
    }
  }
}

/// Where the start of the last expression of a file was found (see `Scanner.offset(of:)`).
/// Used by one reader of one file at a time.
final class ColumnCursor: @unchecked Sendable {
  var line = 0
  var column = 0
  var offset = 0
}
