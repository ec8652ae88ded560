#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A shell-style pattern: `*` matches within a path segment, `**` across segments, and `**/`
/// also matches no folder at all (`**/values.yaml` matches `values.yaml`).
public struct GlobPattern: Sendable {
  /// One step of a pattern.
  fileprivate enum Token: Sendable, Equatable {
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
  /// The tokens as bit masks over the positions (see `matches`).
  private let masks: StateMasks

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
    self.masks = StateMasks(tokens)
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
  /// The set is a row of bits, stepped 64 positions at a time (`StateMasks`): hundreds of
  /// patterns of hundreds of stars each, against as many long file names, took a minute
  /// position by position.
  ///
  /// A candidate shorter than the pattern's literal characters cannot match, and is turned
  /// away before any step: so a pattern is never longer than twice what it is matched against
  /// (a 30 KB pattern of a configuration file took seconds per file).
  public func matches(_ candidate: String) -> Bool {
    guard candidate.utf8.count >= minimumLength, hasLiteralEnds(candidate) else { return false }
    let masks = self.masks
    let words = masks.words
    return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * words) { buffer in
      let current = UnsafeMutableBufferPointer(rebasing: buffer[0..<words])
      let next = UnsafeMutableBufferPointer(rebasing: buffer[words..<(2 * words)])
      current.initialize(repeating: 0)
      next.initialize(repeating: 0)
      current[0] = 1
      masks.close(current)
      for byte in candidate.utf8 {
        guard masks.step(from: current, to: next, on: byte) else { return false }
        _ = current.update(fromContentsOf: next)
      }
      return masks.isSet(masks.accepting, in: current)
    }
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
}

extension GlobPattern {
  /// A pattern's tokens as masks over its positions, for stepping every position at once (a
  /// word holds 64). A token is a position, but `**/`, two: its entry, which may skip it
  /// (it matches nothing), and its loop over any run, left only through a `/` (a run ending
  /// with `/`); one position did not tell the two apart, and `**/x.yaml` matched `ax.yaml`.
  /// The last position, past every token, accepts.
  fileprivate struct StateMasks: Sendable {
    let words: Int
    let accepting: Int
    /// Per byte of the pattern, the positions that advance on it (`byteMaskIndex` says where
    /// a byte's row is; -1 for a byte the pattern has not).
    private let byteMasks: [UInt64]
    private let byteMaskIndex: [Int16]
    /// Positions that stay on any byte (`**`, a `**/` loop), on any but `/` (`*`), that
    /// advance on `/` (a `**/` loop), and that advance on nothing, by one (stars, which may
    /// match nothing; a `**/` entry into its loop) or by two (a `**/` entry past its loop).
    private let stayOnAny: [UInt64]
    private let stayUnlessSlash: [UInt64]
    private let advanceOnSlash: [UInt64]
    private let skipOne: [UInt64]
    private let skipTwo: [UInt64]

    init(_ tokens: [Token]) {
      let positions = tokens.reduce(1) { count, token in count + (token == .folders ? 2 : 1) }
      let words = (positions + 63) / 64
      self.words = words
      accepting = positions - 1
      func row() -> [UInt64] { [UInt64](repeating: 0, count: words) }
      func set(_ position: Int, in row: inout [UInt64]) {
        row[position / 64] |= 1 << UInt64(position % 64)
      }
      var stayOnAny = row()
      var stayUnlessSlash = row()
      var advanceOnSlash = row()
      var skipOne = row()
      var skipTwo = row()
      var index = [Int16](repeating: -1, count: 256)
      var masks: [UInt64] = []
      var position = 0
      for token in tokens {
        switch token {
        case .byte(let byte):
          if index[Int(byte)] < 0 {
            index[Int(byte)] = Int16(masks.count / words)
            masks += row()
          }
          let rowStart = Int(index[Int(byte)]) * words
          masks[rowStart + position / 64] |= 1 << UInt64(position % 64)
        case .star:
          set(position, in: &stayUnlessSlash)
          set(position, in: &skipOne)
        case .doubleStar:
          set(position, in: &stayOnAny)
          set(position, in: &skipOne)
        case .folders:
          set(position, in: &skipOne)
          set(position, in: &skipTwo)
          position += 1
          set(position, in: &stayOnAny)
          set(position, in: &advanceOnSlash)
        }
        position += 1
      }
      byteMasks = masks
      byteMaskIndex = index
      self.stayOnAny = stayOnAny
      self.stayUnlessSlash = stayUnlessSlash
      self.advanceOnSlash = advanceOnSlash
      self.skipOne = skipOne
      self.skipTwo = skipTwo
    }

    func isSet(_ position: Int, in row: UnsafeMutableBufferPointer<UInt64>) -> Bool {
      row[position / 64] & (1 << UInt64(position % 64)) != 0
    }

    /// `next`: the positions `current` reaches on `byte`, closed; whether there are any.
    func step(
      from current: UnsafeMutableBufferPointer<UInt64>, to next: UnsafeMutableBufferPointer<UInt64>,
      on byte: UInt8
    ) -> Bool {
      let slash = byte == UInt8(ascii: "/")
      let rowIndex = Int(byteMaskIndex[Int(byte)])
      // Advancing is a shift by one position, carried from word to word.
      var carry: UInt64 = 0
      var any: UInt64 = 0
      for word in 0..<words {
        var advancing = slash ? current[word] & advanceOnSlash[word] : 0
        if rowIndex >= 0 { advancing |= current[word] & byteMasks[rowIndex * words + word] }
        var staying = current[word] & stayOnAny[word]
        if !slash { staying |= current[word] & stayUnlessSlash[word] }
        let value = (advancing << 1) | carry | staying
        carry = advancing >> 63
        next[word] = value
        any |= value
      }
      guard any != 0 else { return false }
      close(next)
      return true
    }

    /// Adds the positions reachable without reading a byte (a run of stars: at most a few
    /// after merging, but looping until nothing changes costs nothing more).
    func close(_ row: UnsafeMutableBufferPointer<UInt64>) {
      while true {
        var carryOne: UInt64 = 0
        var carryTwo: UInt64 = 0
        var changed = false
        for word in 0..<words {
          let one = row[word] & skipOne[word]
          let two = row[word] & skipTwo[word]
          let value = row[word] | (one << 1) | carryOne | (two << 2) | carryTwo
          carryOne = one >> 63
          carryTwo = two >> 62
          if value != row[word] {
            row[word] = value
            changed = true
          }
        }
        if !changed { return }
      }
    }
  }
}
