/// The start offset of every line of a byte buffer, with the line breaks libyaml counts:
/// LF, CR LF, a lone CR, and the Unicode breaks NEL (U+0085), LS (U+2028) and PS (U+2029).
/// Built only when a file needs it (a diagnostic, a suppression comment, a code frame).
public struct LineIndex: Sendable {
  /// `starts[n]` is the byte offset of line n + 1.
  public let starts: [Int]
  public let byteCount: Int

  public init(_ bytes: UnsafeBufferPointer<UInt8>) {
    var starts = [0]
    var index = 0
    let count = bytes.count
    while index < count {
      let byte = bytes[index]
      if byte == 0x0A {
        starts.append(index + 1)
      } else if byte == 0x0D {
        if index + 1 < count && bytes[index + 1] == 0x0A { index += 1 }
        starts.append(index + 1)
      } else if byte == 0xC2 && index + 1 < count && bytes[index + 1] == 0x85 {
        index += 1
        starts.append(index + 1)
      } else if byte == 0xE2 && index + 2 < count && bytes[index + 1] == 0x80
        && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9)
      {
        index += 2
        starts.append(index + 1)
      }
      index += 1
    }
    self.starts = starts
    self.byteCount = count
  }

  public init(_ bytes: [UInt8]) {
    self = bytes.withUnsafeBufferPointer { LineIndex($0) }
  }

  public var lineCount: Int { starts.count }

  /// The byte range of a 1-based line, without its line break.
  public func byteRange(ofLine line: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
    guard line >= 1 && line <= starts.count else { return nil }
    let start = starts[line - 1]
    guard line < starts.count else { return start..<byteCount }
    var end = starts[line]
    // Every line but the last ends with exactly one break; drop it.
    if end - start >= 2 && bytes[end - 2] == 0x0D && bytes[end - 1] == 0x0A {
      end -= 2
    } else if bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D {
      end -= 1
    } else if end - start >= 2 && bytes[end - 2] == 0xC2 {
      end -= 2
    } else if end - start >= 3 {
      end -= 3
    }
    return start..<end
  }

  /// The 1-based position of a byte offset, its column counted in Unicode scalars.
  public func position(ofByte offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> SourcePosition {
    let offset = min(max(offset, 0), byteCount)
    var low = 0
    var high = starts.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if starts[middle] <= offset { low = middle } else { high = middle - 1 }
    }
    var column = 1
    var index = starts[low]
    // A byte-order mark is not a column.
    if low == 0 && bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
      index = min(3, offset)
    }
    while index < offset {
      if bytes[index] & 0xC0 != 0x80 { column += 1 }
      index += 1
    }
    return SourcePosition(line: low + 1, column: column)
  }

  /// The index of the first line that starts after byte `offset`, or `nil`: a binary search.
  public func firstStart(after offset: Int) -> Int? {
    var (low, high) = (0, starts.count)
    while low < high {
      let middle = (low + high) / 2
      if starts[middle] > offset { high = middle } else { low = middle + 1 }
    }
    return low < starts.count ? low : nil
  }
}
