/// Text from a linted tree made safe to show: every character that a terminal, a CI log or a
/// text viewer would act on rather than show is written visibly instead.
///
/// Names, images, paths and source lines are chosen by whoever wrote the manifests. Printed as
/// they are, a newline starts a line that GitHub Actions reads as a workflow command
/// (`::error …`), an escape sequence sets the terminal's title or clears its screen, and a bidi
/// override (U+202E) makes text read differently from what it is. So each report that people
/// read passes input-derived text through here:
///
/// - line breaks and tabs become `\n`, `\r`, `\t`; other C0 controls and DEL become `\x1B` …;
/// - C1 controls (U+0080–U+009F), bidi embeddings, overrides, isolates and marks, the
///   Unicode line and paragraph separators, and the characters a viewer draws as nothing
///   (zero-width spaces and joiners, word joiners, invisible operators, the byte order mark,
///   soft hyphens, fillers, interlinear annotations, the tag characters that smuggle ASCII
///   past a reader, and the supplementary variation selectors U+E0100–U+E01EF, which
///   smuggle any byte so), and the noncharacters U+FFFE and U+FFFF (YAML forbids them: a
///   baseline that held them could not be read back) become `\u{202E}` ….
public enum VisibleText {
  /// `text` with its control characters written visibly.
  public static func escaped(_ text: String) -> String {
    guard needsEscaping(text) else { return text }
    var result = ""
    result.reserveCapacity(text.utf8.count + 16)
    for scalar in text.unicodeScalars {
      if let visible = visible(scalar) {
        result += visible
      } else {
        result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  /// Whether `scalar` is one of the characters every report writes as an escape (the set
  /// above), in its own syntax: `\u{202E}` here, `\u202e` in JSON.
  public static func isWrittenVisibly(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00..<0x20, 0x7F...0x9F, 0xAD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5,
      0x180B...0x180F, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x206F, 0x3164, 0xFEFF, 0xFFA0,
      0xFFF9...0xFFFB, 0xFFFE, 0xFFFF, 0x1D173...0x1D17A, 0xE0000...0xE007F, 0xE0100...0xE01EF:
      true
    default: false
    }
  }

  /// How `scalar` is shown, or `nil` when it is shown as itself. Tabs are kept when
  /// `keepingTabs` (code frames line carets up under them).
  public static func visible(_ scalar: Unicode.Scalar, keepingTabs: Bool = false) -> String? {
    guard isWrittenVisibly(scalar) else { return nil }
    switch scalar.value {
    case 0x09: return keepingTabs ? nil : "\\t"
    case 0x0A: return "\\n"
    case 0x0D: return "\\r"
    case 0x00..<0x20, 0x7F: return "\\x" + hex(scalar.value, digits: 2)
    default: return "\\u{" + hex(scalar.value, digits: 4) + "}"
    }
  }

  /// Compact JSON or a CEL literal with the characters `escaped` would change written as that
  /// language's own escapes (`\u202e`; beyond U+FFFF, a surrogate pair in JSON and
  /// `\U000e0041` in CEL; a control as `\u001b` in JSON and `\x1b` in CEL), so that it stays
  /// valid and means the same: outside its strings such text holds no character concerned.
  public static func escaped(_ text: String, in language: SourceLanguage) -> String {
    guard needsEscaping(text) else { return text }
    var result = ""
    result.reserveCapacity(text.utf8.count + 16)
    for scalar in text.unicodeScalars {
      guard isWrittenVisibly(scalar) else {
        result.unicodeScalars.append(scalar)
        continue
      }
      let value = scalar.value
      switch language {
      case .json where value > 0xFFFF:
        let offset = value - 0x1_0000
        result += "\\u" + hex(0xD800 + (offset >> 10), digits: 4).lowercased()
        result += "\\u" + hex(0xDC00 + (offset & 0x3FF), digits: 4).lowercased()
      case .cel where value > 0xFFFF:
        result += "\\U" + hex(value, digits: 8).lowercased()
      case .cel where value < 0x80:
        result += "\\x" + hex(value, digits: 2).lowercased()
      case .json, .cel:
        result += "\\u" + hex(value, digits: 4).lowercased()
      }
    }
    return result
  }

  /// A language whose string literals `escaped(_:in:)` escapes in.
  public enum SourceLanguage: Sendable {
    case json, cel
  }

  /// Whether `text` holds anything `escaped` would change. Checked on the bytes first: the
  /// first byte of every character concerned is below 0x20, DEL, or one of the UTF-8 lead
  /// bytes in `leadBytes`; most text has none of them.
  public static func needsEscaping(_ text: String) -> Bool {
    text.utf8.contains { byte in byte < 0x20 || byte == 0x7F || isLeadByte(byte) }
      && text.unicodeScalars.contains { visible($0) != nil }
  }

  /// Whether `byte` starts the UTF-8 of a character `visible` writes visibly, beyond ASCII.
  @inline(__always)
  private static func isLeadByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 0xC2, 0xCD, 0xD8, 0xE1, 0xE2, 0xE3, 0xEF, 0xF0, 0xF3: true
    default: false
    }
  }

  private static func hex(_ value: UInt32, digits: Int) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
  }

  /// How many columns of a terminal `scalar` takes, shown as it is (not escaped): two for
  /// the East Asian wide and fullwidth characters and emoji drawn as such, none for the
  /// marks that combine with the character before them and for format characters, one for
  /// the rest. What a caret under a reported character counts: by scalars, it stood left of
  /// the character after each CJK character or emoji of the line. (The wide ranges are
  /// Markus Kuhn's `mk_wcwidth`'s with its emoji blocks; terminals differ on a few symbols.)
  public static func columns(of scalar: Unicode.Scalar) -> Int {
    let value = scalar.value
    // Nothing before the combining marks is wide or combines.
    if value < 0x300 { return 1 }
    switch value {
    // Regional indicators: two make a flag, drawn two columns wide.
    case 0x1F1E6...0x1F1FF: return 1
    case 0x1160...0x11FF: return 0  // Hangul vowels and finals, drawn within the syllable
    case 0x1100...0x115F, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
      0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF,
      0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
      0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
      return 2
    default:
      break
    }
    let properties = scalar.properties
    switch properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return 0
    default: return properties.isEmojiPresentation ? 2 : 1
    }
  }

  /// `columns(of:)` of `scalar` after `previous`: U+FE0F asks for the emoji presentation of
  /// a character otherwise drawn as text (`❤` in one column, `❤️` in two, a keycap `1️⃣`
  /// too), and takes the column that character lacked.
  public static func columns(of scalar: Unicode.Scalar, after previous: Unicode.Scalar?) -> Int {
    guard scalar.value == 0xFE0F, let previous, previous.properties.isEmoji,
      columns(of: previous) == 1
    else { return columns(of: scalar) }
    return 1
  }

  /// How many columns of a terminal `text` takes (see `columns(of:after:)`).
  public static func columns(_ text: String) -> Int {
    var total = 0
    var previous: Unicode.Scalar?
    for scalar in text.unicodeScalars {
      total += columns(of: scalar, after: previous)
      previous = scalar
    }
    return total
  }
}

/// Keeps what input text adds to a report in proportion to the input.
///
/// Messages quote names, images and values from the manifest. A value is bounded only by the
/// file, and one value can appear in thousands of findings (aliased into every container), so
/// an unbounded quote would make a report thousands of times its input. kubeward's own words
/// are short, so a long run of text without a space can only come from the input: such runs are
/// cut to their start and end, which identify them.
public enum InputText {
  /// Runs of more than this many bytes without a space are cut. Longer than any valid
  /// Kubernetes name (253) and than image references with a digest.
  static let longestRun = 256

  /// `text` with runs longer than `longestRun` bytes cut to their first 128 and last 64 bytes
  /// around a `…`, and text still longer than 8 KiB cut in its middle.
  public static func clipped(_ text: String) -> String {
    var text = text
    guard text.utf8.count > longestRun else { return text }
    // One pass over the bytes: is there a run of more than `longestRun` bytes without a space?
    let needed = text.withUTF8 { hasRun($0, longerThan: longestRun) }
    guard needed || text.utf8.count > 8192 else { return text }
    var result = ""
    // Split at the space byte, which is never part of a longer UTF-8 sequence: splitting the
    // characters (grapheme clusters) cost 25 ns a byte, 25 ms for each finding of a
    // policy whose message is a megabyte.
    let words = text.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
    for (index, bytes) in words.enumerated() {
      if index > 0 { result += " " }
      let word = Substring(bytes)
      result += bytes.count > longestRun ? elided(word, keeping: 128, 64) : String(word)
    }
    return result.utf8.count > 8192 ? elided(result[...], keeping: 4096, 2048) : result
  }

  /// Whether `bytes` holds more than `limit` bytes in a row without a space. Every finding's
  /// message passes here, so eight bytes are looked at a time: in `spaces`, each byte of the
  /// word that is a space gets its high bit set (exactly: no borrow crosses bytes).
  static func hasRun(_ bytes: UnsafeBufferPointer<UInt8>, longerThan limit: Int) -> Bool {
    guard let base = bytes.baseAddress else { return false }
    let raw = UnsafeRawPointer(base)
    var run = 0
    var index = 0
    // A run between two spaces of one word (at most 6 bytes) is never looked at on its own,
    // so words are only used when no such run can be too long.
    while limit >= 6, index + 8 <= bytes.count {
      let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
      let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
      let flipped = word ^ 0x2020_2020_2020_2020  // a space becomes 0
      let spaces = ~(((flipped & low7) &+ low7) | flipped | low7)
      if spaces == 0 {
        run += 8
      } else {
        // Bytes before the word's first space extend the run; those after its last start one.
        if run + spaces.trailingZeroBitCount / 8 > limit { return true }
        run = 7 - (63 - spaces.leadingZeroBitCount) / 8
      }
      if run > limit { return true }
      index += 8
    }
    while index < bytes.count {
      run = bytes[index] == UInt8(ascii: " ") ? 0 : run + 1
      if run > limit { return true }
      index += 1
    }
    return false
  }

  /// The first `head` and last `tail` bytes of `text` (whole characters) around a `…`.
  private static func elided(_ text: Substring, keeping head: Int, _ tail: Int) -> String {
    var start = text.utf8.index(text.startIndex, offsetBy: head)
    while start > text.startIndex && !isScalarBoundary(start, in: text) {
      start = text.utf8.index(before: start)
    }
    var end = text.utf8.index(text.endIndex, offsetBy: -tail)
    while end < text.endIndex && !isScalarBoundary(end, in: text) {
      end = text.utf8.index(after: end)
    }
    let omitted = text.utf8.distance(from: start, to: end)
    return String(text[..<start]) + "…(\(omitted) bytes)…" + String(text[end...])
  }

  private static func isScalarBoundary(_ index: String.Index, in text: Substring) -> Bool {
    let byte = text.utf8[index]
    return byte & 0xC0 != 0x80
  }
}
