/// A shell-style pattern: `*` matches within a path segment, `**` across segments, and `**/`
/// also matches no folder at all (`**/values.yaml` matches `values.yaml`).
public struct GlobPattern: Sendable {
  let text: String
  private let bytes: [UInt8]
  /// How much the pattern pins down: its literal characters.
  let specificity: Int
  /// A pattern with `/` matches `host/repository`; one without, the host.
  let matchesPaths: Bool

  public init(_ text: String) {
    self.text = text
    self.bytes = Array(text.utf8)
    self.specificity = bytes.filter { $0 != UInt8(ascii: "*") }.count
    self.matchesPaths = bytes.contains(UInt8(ascii: "/"))
  }

  public func matches(_ candidate: String) -> Bool {
    var candidate = candidate
    return candidate.withUTF8 { subject in
      bytes.withUnsafeBufferPointer { pattern in Self.match(pattern, 0, subject, 0) }
    }
  }

  /// Backtracking match; patterns are short and hold few stars, so this stays cheap.
  private static func match(
    _ pattern: UnsafeBufferPointer<UInt8>, _ p: Int, _ subject: UnsafeBufferPointer<UInt8>,
    _ s: Int
  ) -> Bool {
    var p = p
    var s = s
    while p < pattern.count {
      let byte = pattern[p]
      if byte == UInt8(ascii: "*") {
        let crossesSegments = p + 1 < pattern.count && pattern[p + 1] == UInt8(ascii: "*")
        let next = crossesSegments ? p + 2 : p + 1
        // `**/` may stand for no folder at all.
        if crossesSegments && next < pattern.count && pattern[next] == UInt8(ascii: "/")
          && match(pattern, next + 1, subject, s)
        {
          return true
        }
        var end = s
        while true {
          if match(pattern, next, subject, end) { return true }
          guard end < subject.count, crossesSegments || subject[end] != UInt8(ascii: "/") else {
            return false
          }
          end += 1
        }
      }
      guard s < subject.count, subject[s] == byte else { return false }
      p += 1
      s += 1
    }
    return s == subject.count
  }
}
