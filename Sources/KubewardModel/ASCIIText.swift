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
