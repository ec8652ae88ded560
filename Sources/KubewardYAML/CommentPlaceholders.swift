#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A value whose placeholder YAML reads as a comment: `image: #{Image}` is `image: null` until
/// a deployment tool replaces `#{Image}` (Octopus Deploy's variable substitution, the token
/// replacement tasks of Azure Pipelines, which also write `#{Image}#`).
public struct CommentPlaceholder: Sendable {
  /// The null value YAML reads.
  public let node: Node
  /// The placeholder as written: `#{Image}`.
  public let text: String
  /// Where the placeholder is written.
  public let range: SourceRange
}

/// Finds `CommentPlaceholder`s. Only files that hold `#{` pay for it: the reader then keeps
/// its empty values' libyaml positions, and reads the bytes after each once the file is read.
enum CommentPlaceholders {
  /// A placeholder longer than this is not one (Octopus' longest names are well under it).
  static let maximumLength = 200

  /// Whether `bytes` hold `#{` anywhere. Asked of every file: memchr (vectorised) finds each
  /// `#`, where a loop over the bytes cost a few instructions each.
  static func mayHold(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = bytes.baseAddress, bytes.count >= 2 else { return false }
    var index = 0
    let last = bytes.count - 1
    while index < last, let hit = memchr(base + index, Int32(UInt8(ascii: "#")), last - index) {
      index = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
      if bytes[index + 1] == UInt8(ascii: "{") { return true }
      index += 1
    }
    return false
  }

  /// The placeholders after `emptyValues` (libyaml's 0-based line, counted as `LineIndex`
  /// counts breaks, and its column in characters), in their order.
  static func find(
    _ emptyValues: [(node: NodeID, line: Int, column: Int)], in bytes: UnsafeBufferPointer<UInt8>,
    tree: NodeTree
  ) -> [CommentPlaceholder] {
    let lines = LineIndex(bytes)
    var found: [CommentPlaceholder] = []
    // Where the last value was found: the next one on its line is walked to from there, as
    // a line of a million empty flow values (`{a: , b: , …}`) walked from its start for each
    // would take the square of its length.
    var cursor = (line: -1, index: 0, characters: 0)
    for value in emptyValues {
      guard let line = lines.byteRange(ofLine: value.line + 1, in: bytes) else { continue }
      var index = line.lowerBound
      var characters = 0
      if cursor.line == value.line && cursor.characters <= value.column {
        (index, characters) = (cursor.index, cursor.characters)
      } else if index == 0 && bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB
        && bytes[2] == 0xBF
      {
        // libyaml does not count a byte order mark as a column.
        index = 3
      }
      while index < line.upperBound && characters < value.column {
        index += 1
        while index < line.upperBound && bytes[index] & 0xC0 == 0x80 { index += 1 }
        characters += 1
      }
      cursor = (value.line, index, characters)
      var skipped = 0
      func skipSpaces() {
        while index < line.upperBound && (bytes[index] == 0x20 || bytes[index] == 0x09) {
          index += 1
          skipped += 1
        }
      }
      skipSpaces()
      // An anchor before the comment (`image: &image #{Image}`): libyaml's mark is at its
      // start.
      while index < line.upperBound && bytes[index] == UInt8(ascii: "&") {
        while index < line.upperBound && bytes[index] != 0x20 && bytes[index] != 0x09 {
          index += 1
          skipped += 1
        }
        skipSpaces()
      }
      guard let length = placeholderLength(at: index, before: line.upperBound, in: bytes) else {
        continue
      }
      let node = Node(tree: tree, id: value.node)
      let start = node.position
      let text = String(decoding: bytes[index..<(index + length)], as: UTF8.self)
      let first = SourcePosition(line: start.line, column: start.column + skipped)
      found.append(
        CommentPlaceholder(
          node: node, text: text,
          range: SourceRange(
            start: first,
            end: SourcePosition(line: first.line, column: first.column + text.unicodeScalars.count))
        ))
    }
    return found
  }

  /// The length of `#{name}` (or `#{name}#`) at `start`, when one is there: a name that is not
  /// empty, holds no brace, does not start with a space, and holds no `: ` or `, ` (a flow
  /// mapping commented out, `nodeSelector: #{disktype: ssd}`, is no placeholder).
  static func placeholderLength(
    at start: Int, before end: Int, in bytes: UnsafeBufferPointer<UInt8>
  ) -> Int? {
    guard end - start >= 4, bytes[start] == UInt8(ascii: "#"),
      bytes[start + 1] == UInt8(ascii: "{"),
      bytes[start + 2] != 0x20, bytes[start + 2] != UInt8(ascii: "}")
    else { return nil }
    var index = start + 2
    let limit = min(end, start + maximumLength)
    while index < limit {
      switch bytes[index] {
      case UInt8(ascii: "}"):
        let close = index + 1
        return (close < end && bytes[close] == UInt8(ascii: "#") ? close + 1 : close) - start
      case UInt8(ascii: "{"):
        return nil
      case UInt8(ascii: ":"), UInt8(ascii: ","):
        if index + 1 < limit && (bytes[index + 1] == 0x20 || bytes[index + 1] == 0x09) {
          return nil
        }
        index += 1
      default:
        index += 1
      }
    }
    return nil
  }
}
