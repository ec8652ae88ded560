/// `"it\'s"`: an escape YAML does not define, which libyaml refuses, and which go-yaml (the
/// YAML library of kubectl, Kustomize, Helm and Argo CD) reads as `'`. Such a file is valid to
/// Kubernetes (the documentation's own examples have one; not a JSON file, which kubectl
/// decodes as JSON, where `\'` is no escape either), so kubeward reads it as they do:
/// each `\'` libyaml stops at is rewritten as `\0`, which keeps every position, and the NUL it
/// gives is turned back into `'` once the file is read (`TreeBuilder.restoreApostrophes`).
enum ApostropheEscapes {
  /// How many times a file is read again: each time rewrites the scalar libyaml stopped at in
  /// each document, so a document of many such scalars takes one read each, and a hostile one
  /// of thousands would take thousands; past this many, the rest are reported.
  static let maximumRereads = 16

  /// Whether libyaml stopped at a `\'` at `position` (a syntax error's).
  static func isApostropheEscape(
    at position: SourcePosition, in bytes: UnsafeBufferPointer<UInt8>, lines: LineIndex
  ) -> Bool {
    offset(of: position, in: bytes, lines: lines) != nil
  }

  /// Rewrites `\'` as `\0` in the rest of each double-quoted scalar these diagnostics of
  /// libyaml stopped in; `false` when none of them is at a `\'`. (The caller makes sure first
  /// that the file writes no NUL itself, see `writesNUL`.)
  static func rewrite(
    _ result: inout [UInt8], at diagnostics: [ReaderDiagnostic], lines: LineIndex
  ) -> Bool {
    let starts = result.withUnsafeBufferPointer { bytes in
      diagnostics.compactMap { diagnostic in
        diagnostic.kind == .syntax
          && diagnostic.message.contains("found unknown escape character")
          ? offset(of: diagnostic.range.start, in: bytes, lines: lines) : nil
      }
    }
    guard !starts.isEmpty else { return false }
    for start in starts {
      // libyaml stopped at the first `\'` of the scalar: what is before it is read already.
      // The scalar ends at its closing quote, or, left open, at the next document's marker
      // (which no quoted scalar holds): what is past it is left as written.
      var index = start
      while index + 1 < result.count {
        let byte = result[index]
        if byte == UInt8(ascii: "\"") || (byte == 0x0A && startsDocument(result, at: index + 1)) {
          break
        }
        guard byte == UInt8(ascii: "\\") else {
          index += 1
          continue
        }
        if result[index + 1] == UInt8(ascii: "'") { result[index + 1] = UInt8(ascii: "0") }
        index += 2
      }
    }
    return true
  }

  /// Whether a line starting at `start` is a document marker (`---` or `...`, then a blank or
  /// the end).
  private static func startsDocument(_ bytes: [UInt8], at start: Int) -> Bool {
    guard start + 3 <= bytes.count else { return false }
    let marker = bytes[start..<(start + 3)]
    guard marker.elementsEqual("---".utf8) || marker.elementsEqual("...".utf8) else {
      return false
    }
    return start + 3 == bytes.count || [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start + 3])
  }

  /// The byte offset of `position` when a `\'` is there.
  private static func offset(
    of position: SourcePosition, in bytes: UnsafeBufferPointer<UInt8>, lines: LineIndex
  ) -> Int? {
    guard let line = lines.byteRange(ofLine: position.line, in: bytes) else { return nil }
    // Columns count Unicode scalars: the first byte of each.
    var column = 1
    var index = line.lowerBound
    while index < line.upperBound && column < position.column {
      index += 1
      if index < line.upperBound && bytes[index] & 0xC0 != 0x80 { column += 1 }
    }
    guard index + 1 < line.upperBound, bytes[index] == UInt8(ascii: "\\"),
      bytes[index + 1] == UInt8(ascii: "'")
    else { return nil }
    return index
  }

  /// Whether the text has an escape that writes a NUL (`\0`, `\x00`, `\u0000`, `\U00000000`),
  /// or looks as if it might: a backslash before `0`, or before `x`, `u` or `U` and zeros.
  static func writesNUL(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var index = 0
    while index + 1 < bytes.count {
      guard bytes[index] == UInt8(ascii: "\\") else {
        index += 1
        continue
      }
      let digits: Int
      switch bytes[index + 1] {
      case UInt8(ascii: "0"): return true
      case UInt8(ascii: "x"): digits = 2
      case UInt8(ascii: "u"): digits = 4
      case UInt8(ascii: "U"): digits = 8
      case UInt8(ascii: "\\"):
        index += 2
        continue
      default:
        index += 1
        continue
      }
      let zeros = bytes[(index + 2)..<min(index + 2 + digits, bytes.count)]
      if zeros.count == digits && zeros.allSatisfy({ $0 == UInt8(ascii: "0") }) { return true }
      index += 2
    }
    return false
  }
}
