#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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
  /// The literal bytes before the first star and after the last: every match starts and ends
  /// with them, which turns most candidates away without a step (a registry list of
  /// `reg.io/team-N/**` patterns is matched against every image of a run).
  private let literalPrefix: [UInt8]
  private let literalSuffix: [UInt8]

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
          Self.append(.folders, to: &tokens)
          index += 3
        } else {
          Self.append(.doubleStar, to: &tokens)
          index += 2
        }
      } else {
        Self.append(.star, to: &tokens)
        index += 1
      }
    }
    self.tokens = tokens
    func literal(_ token: Token) -> UInt8? { if case .byte(let byte) = token { byte } else { nil } }
    let prefix = tokens.prefix { literal($0) != nil }.compactMap(literal)
    literalPrefix = prefix
    // A pattern without stars is all prefix.
    literalSuffix =
      prefix.count == tokens.count
      ? []
      : tokens.reversed().prefix { literal($0) != nil }
        .compactMap(literal).reversed()
    self.minimumLength = tokens.count { if case .byte = $0 { true } else { false } }
    self.specificity = bytes.filter { $0 != UInt8(ascii: "*") }.count
    self.matchesPaths = bytes.contains(UInt8(ascii: "/"))
  }

  /// Appends a star, merged with the star before it when the two match what one of them does
  /// (`****` is `**`, `**/**/` is `**/`): every star stays alive over the rest of the path, so
  /// `**` repeated 4 000 times cost 4 000 steps per byte of every path (8 s for a 100 KB tree).
  /// After merging no more than two stars are ever adjacent (`**/*`).
  private static func append(_ star: Token, to tokens: inout [Token]) {
    switch (tokens.last, star) {
    case (.doubleStar?, _), (.star?, .star), (.folders?, .folders):
      return
    case (.star?, .doubleStar), (.folders?, .doubleStar):
      tokens[tokens.count - 1] = .doubleStar
    default:
      tokens.append(star)
    }
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
    guard candidate.utf8.count >= minimumLength, hasLiteralEnds(candidate) else { return false }
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

  /// Whether `candidate` starts with the literal prefix and ends with the literal suffix.
  private func hasLiteralEnds(_ candidate: String) -> Bool {
    var candidate = candidate
    return candidate.withUTF8 { bytes in
      guard bytes.count >= literalPrefix.count + literalSuffix.count else { return false }
      let prefixMatches = literalPrefix.withUnsafeBufferPointer {
        $0.isEmpty || memcmp(bytes.baseAddress!, $0.baseAddress!, $0.count) == 0
      }
      return prefixMatches
        && literalSuffix.withUnsafeBufferPointer {
          $0.isEmpty
            || memcmp(bytes.baseAddress! + bytes.count - $0.count, $0.baseAddress!, $0.count) == 0
        }
    }
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
