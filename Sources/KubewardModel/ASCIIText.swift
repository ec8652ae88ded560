/// Searches in names that are ASCII in practice (port names, container names): without the
/// Unicode machinery of `String.lowercased()` and `String.contains`, which cost thousands of
/// instructions a call where cross-object policies make a call per port of every Service.
public enum ASCIIText {
  /// Whether `text` contains one of `words` (written in lower case), ignoring ASCII case.
  public static func contains(_ text: String, anyOf words: [StaticString]) -> Bool {
    var text = text
    return text.withUTF8 { bytes in
      words.contains { word in contains(bytes, word) }
    }
  }

  private static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
    let length = word.utf8CodeUnitCount
    guard length > 0, bytes.count >= length else { return length == 0 }
    let needle = word.utf8Start
    for start in 0...(bytes.count - length) {
      var index = 0
      while index < length && lowered(bytes[start + index]) == needle[index] { index += 1 }
      if index == length { return true }
    }
    return false
  }

  @inline(__always)
  private static func lowered(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
  }
}

extension ASCIIText {
  /// The words of a command line (`command` then `args`), split at the ASCII bytes
  /// `isSeparator` accepts; empty words are dropped. The same as joining the words with spaces
  /// and splitting the text, when a space separates. Split by bytes because command-line
  /// heuristics run for every container, and `String.split` breaks text into grapheme
  /// clusters first: a few thousand instructions a word.
  public static func words(
    of line: [String], separatedBy isSeparator: (UInt8) -> Bool
  ) -> [Substring] {
    var words: [Substring] = []
    for text in line {
      var start: String.Index?
      let utf8 = text.utf8
      var index = utf8.startIndex
      while index != utf8.endIndex {
        if isSeparator(utf8[index]) {
          if let wordStart = start { words.append(text[wordStart..<index]) }
          start = nil
        } else if start == nil {
          start = index
        }
        utf8.formIndex(after: &index)
      }
      if let wordStart = start { words.append(text[wordStart..<utf8.endIndex]) }
    }
    return words
  }

  /// What follows the last `/` of a word that is not its last byte (`/usr/bin/curl` is
  /// `curl`; `bin/` is `bin`): the program a path names.
  public static func lastPathComponent(_ word: Substring) -> Substring {
    let utf8 = word.utf8
    var end = utf8.endIndex
    while end != utf8.startIndex, utf8[utf8.index(before: end)] == UInt8(ascii: "/") {
      utf8.formIndex(before: &end)
    }
    var start = end
    while start != utf8.startIndex, utf8[utf8.index(before: start)] != UInt8(ascii: "/") {
      utf8.formIndex(before: &start)
    }
    return start == end ? word : word[start..<end]
  }

  /// Whether `word` equals one of `words` (written in lower case), ignoring ASCII case.
  public static func equals(_ word: Substring, anyOf words: [StaticString]) -> Bool {
    let bytes = word.utf8
    return words.contains { candidate in
      guard candidate.utf8CodeUnitCount == bytes.count else { return false }
      return zip(bytes, UnsafeBufferPointer(start: candidate.utf8Start, count: bytes.count))
        .allSatisfy { lowered($0) == $1 }
    }
  }
}

extension ASCIIText {
  /// `text` with its ASCII capitals in lower case, and nothing else changed.
  public static func lowercased(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") })
    else { return text }
    return String(decoding: text.utf8.map(lowered), as: UTF8.self)
  }

  /// Whether `needle` occurs in `text` followed by a byte other than a line break, byte for
  /// byte.
  public static func contains(_ needle: String, followedByTextIn text: String) -> Bool {
    let bytes = Array(text.utf8)
    let pattern = Array(needle.utf8)
    guard !pattern.isEmpty, bytes.count > pattern.count else { return false }
    for start in 0..<(bytes.count - pattern.count)
    where bytes[start + pattern.count] != 0x0A
      && bytes[start..<(start + pattern.count)].elementsEqual(pattern)
    {
      return true
    }
    return false
  }

  /// Where `needle` first occurs in `text`, byte for byte: `String.firstRange(of:)` goes
  /// through the string-processing library's generic matcher, a hot spot when it runs for
  /// every container's environment. Knuth–Morris–Pratt, so linear in both: a naive search of
  /// a folder of 50 000 slashes in a value of as many took seconds (values and mount paths
  /// are the manifest's).
  public static func firstRange(of needle: String, in text: String) -> Range<String.Index>? {
    // A short needle costs at most its length per byte: searched in place, with nothing made.
    if needle.utf8.count <= 16 { return shortFirstRange(of: needle, in: text) }
    let wanted = Array(needle.utf8)
    // Where to resume after a mismatch: the longest proper prefix of the needle that ends at
    // each position of it.
    var fallback = [Int](repeating: 0, count: wanted.count)
    var length = 0
    for index in 1..<wanted.count {
      while length > 0 && wanted[index] != wanted[length] { length = fallback[length - 1] }
      if wanted[index] == wanted[length] { length += 1 }
      fallback[index] = length
    }
    var matched = 0
    var offset = 0
    for byte in text.utf8 {
      while matched > 0 && byte != wanted[matched] { matched = fallback[matched - 1] }
      if byte == wanted[matched] { matched += 1 }
      offset += 1
      if matched == wanted.count {
        let utf8 = text.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: offset - wanted.count)
        return lower..<utf8.index(lower, offsetBy: wanted.count)
      }
    }
    return nil
  }

  private static func shortFirstRange(of needle: String, in text: String) -> Range<String.Index>? {
    let haystack = text.utf8
    let wanted = needle.utf8
    guard let first = wanted.first else { return haystack.startIndex..<haystack.startIndex }
    var start = haystack.startIndex
    while let candidate = haystack[start...].firstIndex(of: first) {
      var end = candidate
      var matched = true
      for byte in wanted {
        guard end != haystack.endIndex, haystack[end] == byte else {
          matched = false
          break
        }
        haystack.formIndex(after: &end)
      }
      if matched { return candidate..<end }
      start = haystack.index(after: candidate)
    }
    return nil
  }
}
