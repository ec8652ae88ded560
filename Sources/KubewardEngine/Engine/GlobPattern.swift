/// A shell-style pattern: `*` matches within a path segment, `**` across segments, and `**/`
/// also matches no folder at all (`**/values.yaml` matches `values.yaml`).
public struct GlobPattern: Sendable {
  /// One step of a pattern.
  private enum Token: Sendable, Equatable {
    case byte(UInt8)
    /// `*`: any run of characters but `/`.
    case star
    /// `**`: any run of characters.
    case doubleStar
    /// `**/`: nothing, or any run of characters ending with `/`.
    case folders
  }

  public let text: String
  private let tokens: [Token]
  /// How much the pattern pins down: its literal characters.
  public let specificity: Int
  /// A pattern with `/` matches `host/repository`; one without, the host.
  public let matchesPaths: Bool
  /// The fewest bytes a match has: the pattern's literal bytes (`**/` may match nothing).
  private let minimumLength: Int

  public init(_ text: String) {
    self.text = text
    let bytes = Array(text.utf8)
    var tokens: [Token] = []
    var index = 0
    while index < bytes.count {
      guard bytes[index] == UInt8(ascii: "*") else {
        tokens.append(.byte(bytes[index]))
        index += 1
        continue
      }
      if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*") {
        if index + 2 < bytes.count && bytes[index + 2] == UInt8(ascii: "/") {
          tokens.append(.folders)
          index += 3
        } else {
          tokens.append(.doubleStar)
          index += 2
        }
      } else {
        tokens.append(.star)
        index += 1
      }
    }
    self.tokens = tokens
    self.minimumLength = tokens.count { if case .byte = $0 { true } else { false } }
    self.specificity = bytes.filter { $0 != UInt8(ascii: "*") }.count
    self.matchesPaths = bytes.contains(UInt8(ascii: "/"))
  }

  /// Whether `candidate` matches the whole pattern.
  ///
  /// The pattern runs as a set of positions over the candidate's bytes, one step per byte
  /// (a Thompson simulation): time grows with the pattern's length times the candidate's, never
  /// exponentially. A backtracking matcher took minutes on `*a*a*a*a*a*a*a*a*a*a*b` against
  /// forty characters, and patterns come from configuration files a pull request can change.
  ///
  /// A candidate shorter than the pattern's literal characters cannot match, and is turned
  /// away before any step: so a pattern is never longer than twice what it is matched against
  /// (a 30 KB pattern of a configuration file took seconds per file).
  public func matches(_ candidate: String) -> Bool {
    guard candidate.utf8.count >= minimumLength else { return false }
    let count = tokens.count
    var current = [Bool](repeating: false, count: count + 1)
    var next = current
    current[0] = true
    close(&current)
    for byte in candidate.utf8 {
      var any = false
      for position in 0..<count where current[position] {
        switch tokens[position] {
        case .byte(let expected):
          if byte == expected { next[position + 1] = true }
        case .star:
          if byte != UInt8(ascii: "/") { next[position] = true }
        case .doubleStar:
          next[position] = true
        case .folders:
          next[position] = true
          if byte == UInt8(ascii: "/") { next[position + 1] = true }
        }
      }
      close(&next)
      for position in 0...count {
        current[position] = next[position]
        any = any || next[position]
        next[position] = false
      }
      if !any { return false }
    }
    return current[count]
  }

  /// Adds the positions reachable without reading a byte: past a star, which may match nothing.
  private func close(_ positions: inout [Bool]) {
    for position in 0..<tokens.count where positions[position] {
      switch tokens[position] {
      case .star, .doubleStar, .folders: positions[position + 1] = true
      case .byte: break
      }
    }
  }
}
