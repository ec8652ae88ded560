#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Regular expressions with RE2's syntax and guarantee: matching time is linear in the text
/// (a Pike VM runs every alternative in lock step), so no pattern a policy author writes can
/// stall an admission request. Supported: literals and escapes, `.`, classes (`[a-z]`,
/// `[^…]`, `[[:alpha:]]`, `\d \s \w` and negations, `\pL`, `\p{Lu}`, `\p{Greek}`), anchors
/// (`^ $ \A \z \b \B`), groups (`(…)`, `(?:…)`, `(?P<name>…)`, `(?<name>…)`), flags (`(?i)`,
/// `(?m)`, `(?s)`, `(?U)`, `(?i:…)`), repetition (`* + ? {n} {n,} {n,m}` and their lazy
/// forms, at most 1000).
/// Back-references and look-around are not RE2 and are errors.
public struct Regex: Sendable {
  let program: [Instruction]
  public let pattern: String
  /// What answers `matches` when the pattern allows it (see `LazyDFA`).
  let automaton: LazyDFA?

  /// Compiled instructions are bounded (RE2 bounds its programs too): `a{1000}{1000}` is an
  /// error, not a million instructions.
  static let maximumInstructions = 50_000

  public init(_ pattern: String) throws(CELError) {
    var parser = RegexParser(pattern)
    let tree = try parser.parse()
    var compiler = RegexCompiler()
    try compiler.emit(tree)
    compiler.append(.match)
    self.program = compiler.program
    self.pattern = pattern
    self.automaton = LazyDFA.make(compiler.program)
  }

  /// Whether the pattern matches anywhere in `text` (RE2's partial match).
  public func matches(_ text: String) -> Bool {
    if let automaton, let answer = automaton.matches(text) { return answer }
    return matchesOnMachine(text)
  }

  /// `matches` as the Pike VM answers it.
  func matchesOnMachine(_ text: String) -> Bool {
    find(Array(text.unicodeScalars), from: 0) != nil
  }

  /// The machine's working memory for one search, in one allocation (on the stack when the
  /// program is short): the two thread lists and the stack `add` follows jumps with. Seven
  /// arrays per search, and one per `add`, cost more than the search of a short name.
  private func withScratch<Result>(
    _ body: (inout ThreadList, inout ThreadList, UnsafeMutablePointer<Int>) -> Result
  ) -> Result {
    let size = program.count
    // Per list: pcs, starts, dense, sparse (4 × size); the stack: 2 × size + 1 (a pc is
    // pushed only by one that entered the list, and each enters once, pushing at most two).
    return withUnsafeTemporaryAllocation(of: Int.self, capacity: 10 * size + 1) { buffer in
      let base = buffer.baseAddress!
      base.initialize(repeating: 0, count: buffer.count)
      defer { base.deinitialize(count: buffer.count) }
      var current = ThreadList(base, size: size)
      var next = ThreadList(base + 4 * size, size: size)
      return body(&current, &next, base + 8 * size)
    }
  }

  /// Whether every match starts at the text's beginning (`^…` without `(?m)`): then a
  /// search that fails there fails everywhere.
  private var startsAtBeginning: Bool {
    if case .assertion(.beginText) = program[0] { return true }
    return false
  }

  /// The first (leftmost, then by preference) match at or after `from`, as scalar offsets.
  func find(_ text: [Unicode.Scalar], from: Int) -> Range<Int>? {
    withScratch { current, next, stack in find(text, from: from, &current, &next, stack) }
  }

  private func find(
    _ text: [Unicode.Scalar], from: Int, _ current: inout ThreadList, _ next: inout ThreadList,
    _ stack: UnsafeMutablePointer<Int>
  ) -> Range<Int>? {
    var found: Range<Int>?
    var position = from
    while true {
      if found == nil {
        add(&current, 0, start: position, at: position, text, stack)
      }
      if current.isEmpty {
        if found != nil || position >= text.count || startsAtBeginning { break }
        // No thread is alive (an assertion that starts the pattern failed here, `\bls` at a
        // space): a match may still start further on.
        current.clear()
        position += 1
        continue
      }
      next.clear()
      for index in 0..<current.count {
        let (pc, start) = (current.pcs[index], current.starts[index])
        switch program[pc] {
        case .match:
          found = start..<position
          // Threads after this one have lower priority: leftmost-first stops here.
          current.count = index + 1
        case .character(let matcher):
          if position < text.count && matcher.matches(text[position]) {
            add(&next, pc + 1, start: start, at: position + 1, text, stack)
          }
        default:
          break
        }
        if case .match = program[pc] { break }
      }
      if position >= text.count { break }
      swap(&current, &next)
      position += 1
    }
    return found
  }

  /// Adds the thread at `pc` and everything reachable from it without reading a character,
  /// in priority order.
  private func add(
    _ list: inout ThreadList, _ pc: Int, start: Int, at position: Int, _ text: [Unicode.Scalar],
    _ stack: UnsafeMutablePointer<Int>
  ) {
    stack[0] = pc
    var depth = 1
    while depth > 0 {
      depth -= 1
      let pc = stack[depth]
      guard list.insert(pc) else { continue }
      switch program[pc] {
      case .jump(let target):
        stack[depth] = target
        depth += 1
      case .split(let first, let second):
        stack[depth] = second
        stack[depth + 1] = first
        depth += 2
      case .assertion(let kind):
        if kind.holds(text, position) {
          stack[depth] = pc + 1
          depth += 1
        }
      case .character, .match:
        list.pcs[list.count] = pc
        list.starts[list.count] = start
        list.count += 1
      }
    }
  }

  /// Every match, as Go's `FindAllString` gives them (no empty match right after another);
  /// at most `limit` when it is not negative.
  /// `spend` is asked for each search's cost first (see `cost(ofSearching:)`); `nil` when it
  /// refuses: each search restarts the machine, so k matches cost k searches.
  func findAll(_ text: String, limit: Int, spend: (Int) -> Bool = { _ in true }) -> [String]? {
    let scalars = Array(text.unicodeScalars)
    var results: [String] = []
    var position = 0
    var previousEnd = -1
    while limit < 0 || results.count < limit, position <= scalars.count {
      guard spend(cost(ofSearching: scalars.count - position)) else { return nil }
      guard let match = find(scalars, from: position) else { break }
      var accept = true
      if match.isEmpty {
        if match.lowerBound == previousEnd { accept = false }
        position = match.upperBound + 1
      } else {
        position = match.upperBound
      }
      previousEnd = match.upperBound
      if accept { results.append(Self.text(scalars[match])) }
    }
    return results
  }

  /// The cost units of one search through `length` characters: the machine may run every
  /// instruction at every character, so text × program, a unit per ten (a pattern of 30
  /// instructions over a 63-character name costs 190; the budget, ten million steps).
  func cost(ofSearching length: Int) -> Int {
    let (steps, overflow) = (length + 1).multipliedReportingOverflow(by: program.count)
    return overflow ? Int.max : 1 + steps / 10
  }

  static func text(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars)
    return String(view)
  }
}

/// A sparse set of program counters with the threads (pc and start) in insertion (priority)
/// order, in memory its search provides (`Regex.withScratch`: four runs of `size` Ints).
private struct ThreadList {
  let pcs: UnsafeMutablePointer<Int>
  let starts: UnsafeMutablePointer<Int>
  var count = 0
  private let dense: UnsafeMutablePointer<Int>
  private let sparse: UnsafeMutablePointer<Int>
  private var members = 0

  init(_ memory: UnsafeMutablePointer<Int>, size: Int) {
    pcs = memory
    starts = memory + size
    dense = memory + 2 * size
    sparse = memory + 3 * size
  }

  var isEmpty: Bool { count == 0 }

  mutating func clear() {
    count = 0
    members = 0
  }

  /// `false` when `pc` was already visited in this step.
  mutating func insert(_ pc: Int) -> Bool {
    let slot = sparse[pc]
    if slot < members && dense[slot] == pc { return false }
    sparse[pc] = members
    dense[members] = pc
    members += 1
    return true
  }
}

enum Instruction: Sendable {
  case character(CharacterMatcher)
  case split(Int, Int)
  case jump(Int)
  case assertion(Assertion)
  case match
}

enum Assertion: Sendable {
  case beginText, endText, beginLine, endLine, wordBoundary, notWordBoundary

  func holds(_ text: [Unicode.Scalar], _ position: Int) -> Bool {
    switch self {
    case .beginText: return position == 0
    case .endText: return position == text.count
    case .beginLine: return position == 0 || text[position - 1] == "\n"
    case .endLine: return position == text.count || text[position] == "\n"
    case .wordBoundary, .notWordBoundary:
      let before = position > 0 && Self.isWord(text[position - 1])
      let after = position < text.count && Self.isWord(text[position])
      return (before != after) == (self == .wordBoundary)
    }
  }

  static func isWord(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F: return true
    default: return false
    }
  }
}

/// What one character instruction accepts.
struct CharacterMatcher: Sendable {
  enum Item: Sendable {
    case range(UInt32, UInt32)
    case category(Set<Unicode.GeneralCategory>)
  }

  var items: [Item] = []
  var negated = false
  var foldCase = false
  /// After `mergeRanges`: the first this many items are disjoint ranges in order, searched by
  /// halves; the rest are categories.
  private var sortedRangeCount: Int?

  init(items: [Item] = [], negated: Bool = false, foldCase: Bool = false) {
    self.items = items
    self.negated = negated
    self.foldCase = foldCase
  }

  /// Under `(?i)` a class holds its characters' case variants too, and a negated one is the
  /// complement of that (as in RE2 and Go): `(?i)[^k]` matches neither `k`, `K` nor the Kelvin
  /// sign.
  func matches(_ scalar: Unicode.Scalar) -> Bool {
    var inClass = contains(scalar)
    if !inClass && foldCase {
      inClass = Self.caseVariants(scalar).contains { $0 != scalar && contains($0) }
    }
    return inClass != negated
  }

  /// Sorts and merges the ranges. A class is written from many parts (`[\p{Common}\p{Han}…]`:
  /// `\p{Common}` alone is 174 ranges, and a hostile pattern repeats it hundreds of times):
  /// merged, a character is looked up in time logarithmic in the class, not linear in what
  /// was written.
  mutating func mergeRanges() {
    var ranges: [(UInt32, UInt32)] = []
    var categories: [Item] = []
    for item in items {
      switch item {
      case .range(let low, let high): ranges.append((low, high))
      case .category: categories.append(item)
      }
    }
    ranges.sort { $0.0 < $1.0 }
    var merged: [Item] = []
    var current: (UInt32, UInt32)?
    for range in ranges {
      if let open = current, range.0 <= open.1 &+ 1 {
        current = (open.0, max(open.1, range.1))
      } else {
        if let open = current { merged.append(.range(open.0, open.1)) }
        current = range
      }
    }
    if let open = current { merged.append(.range(open.0, open.1)) }
    sortedRangeCount = merged.count
    items = merged + categories
  }

  private func contains(_ scalar: Unicode.Scalar) -> Bool {
    guard let sortedRangeCount, sortedRangeCount > 8 else {
      for item in items {
        switch item {
        case .range(let low, let high):
          if scalar.value >= low && scalar.value <= high { return true }
        case .category(let categories):
          if categories.contains(scalar.properties.generalCategory) { return true }
        }
      }
      return false
    }
    // The last range that starts at or before the scalar.
    var (lower, upper) = (0, sortedRangeCount)
    while lower < upper {
      let middle = (lower + upper) / 2
      guard case .range(let low, _) = items[middle] else { break }
      if low <= scalar.value { lower = middle + 1 } else { upper = middle }
    }
    if lower > 0, case .range(_, let high) = items[lower - 1], scalar.value <= high {
      return true
    }
    for item in items[sortedRangeCount...] {
      if case .category(let categories) = item,
        categories.contains(scalar.properties.generalCategory)
      {
        return true
      }
    }
    return false
  }

  /// The other characters of `scalar`'s case-folding orbit, as RE2 and Go fold under `(?i)`:
  /// `s`, `S` and the long `ſ`; `k`, `K` and the Kelvin sign; `σ`, `Σ` and the final `ς`.
  static func caseVariants(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
    let value = scalar.value
    if scalar.isASCII && !CaseOrbits.asciiWithOthers.contains(value) {
      if value >= 0x41 && value <= 0x5A { return [Unicode.Scalar(value + 32)!] }
      if value >= 0x61 && value <= 0x7A { return [Unicode.Scalar(value - 32)!] }
      return []
    }
    return CaseOrbits.shared.others(of: value)
  }
}

/// Characters that are one under simple case folding, grouped. Swift tells a character's
/// lower-, upper- and titlecase, not which characters map to it: `ſ` maps to `S`, but nothing
/// maps to `ſ`, so `s` could not find it. The groups are the characters joined by their
/// one-character case mappings, found once by a pass over every cased character.
final class CaseOrbits: Sendable {
  static let shared = CaseOrbits()

  /// The ASCII letters whose orbit holds a character beyond ASCII (`K`, `S`, `k`, `s`).
  static let asciiWithOthers: Set<UInt32> = [0x4B, 0x53, 0x6B, 0x73]

  private let orbits: [UInt32: [UInt32]]

  private init() {
    var parent: [UInt32: UInt32] = [:]
    func root(_ value: UInt32) -> UInt32 {
      var value = value
      while let next = parent[value], next != value { value = next }
      return value
    }
    func join(_ a: UInt32, _ b: UInt32) {
      let (x, y) = (root(a), root(b))
      if x != y { parent[max(x, y)] = min(x, y) }
    }
    // Cased characters end before U+1F000 (Adlam's are the last).
    for value in UInt32(0)..<0x1_F000 {
      // The dotted and dotless i fold with i only in Turkish, which RE2 does not do.
      guard value != 0x130, value != 0x131, let scalar = Unicode.Scalar(value),
        scalar.properties.changesWhenCaseMapped
      else { continue }
      let properties = scalar.properties
      for mapping in [
        properties.lowercaseMapping, properties.uppercaseMapping, properties.titlecaseMapping,
      ] {
        let scalars = mapping.unicodeScalars
        guard scalars.count == 1, let other = scalars.first?.value, other != value,
          other != 0x130, other != 0x131
        else { continue }
        if parent[value] == nil { parent[value] = value }
        if parent[other] == nil { parent[other] = other }
        join(value, other)
      }
    }
    var groups: [UInt32: [UInt32]] = [:]
    for value in parent.keys { groups[root(value), default: []].append(value) }
    var orbits: [UInt32: [UInt32]] = [:]
    for members in groups.values where members.count > 1 {
      for member in members { orbits[member] = members.filter { $0 != member }.sorted() }
    }
    self.orbits = orbits
  }

  func others(of value: UInt32) -> [Unicode.Scalar] {
    (orbits[value] ?? []).compactMap(Unicode.Scalar.init)
  }
}

/// The parsed form of a pattern.
indirect enum RegexNode {
  case empty
  case character(CharacterMatcher)
  case concatenation([RegexNode])
  case alternation([RegexNode])
  case repetition(RegexNode, minimum: Int, maximum: Int?, greedy: Bool)
  case assertion(Assertion)
}

struct RegexFlags {
  var caseInsensitive = false
  var multiLine = false
  var dotAll = false
  var ungreedy = false
}

struct RegexParser {
  private let scalars: [Unicode.Scalar]
  private var index = 0
  private var depth = 0
  /// Inside a class, the named classes (`\p{…}`, `\P{…}`) it already holds: written again, one
  /// adds nothing, and `[\p{Common}\p{Common}…]` made a class of as many ranges as times
  /// written.
  private var namedInClass: Set<String>?

  init(_ pattern: String) {
    scalars = Array(pattern.unicodeScalars)
  }

  private func error(_ message: String) -> CELError {
    CELError("error parsing regexp: \(message)")
  }

  private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

  mutating func parse() throws(CELError) -> RegexNode {
    guard scalars.count <= 10_000 else { throw error("expression too large") }
    var flags = RegexFlags()
    let node = try alternation(&flags)
    if index < scalars.count { throw error("unexpected ): `\(Regex.text(scalars[...]))`") }
    return node
  }

  private mutating func alternation(_ flags: inout RegexFlags) throws(CELError) -> RegexNode {
    depth += 1
    defer { depth -= 1 }
    guard depth < 500 else { throw error("expression nests too deeply") }
    var branches = [try concatenation(&flags)]
    while current == "|" {
      index += 1
      branches.append(try concatenation(&flags))
    }
    return branches.count == 1 ? branches[0] : .alternation(branches)
  }

  private mutating func concatenation(_ flags: inout RegexFlags) throws(CELError) -> RegexNode {
    var items: [RegexNode] = []
    while let scalar = current, scalar != "|", scalar != ")" {
      guard var atom = try self.atom(&flags) else { continue }
      atom = try repetitions(of: atom, flags)
      items.append(atom)
    }
    switch items.count {
    case 0: return .empty
    case 1: return items[0]
    default: return .concatenation(items)
    }
  }

  private mutating func repetitions(of atom: RegexNode, _ flags: RegexFlags) throws(CELError)
    -> RegexNode
  {
    var node = atom
    var repeated = false
    while let scalar = current {
      var minimum = 0
      var maximum: Int?
      switch scalar {
      case "*": index += 1
      case "+":
        index += 1
        minimum = 1
      case "?":
        index += 1
        maximum = 1
      case "{":
        guard let bounds = try braces() else { return node }
        (minimum, maximum) = bounds
      default:
        return node
      }
      if repeated { throw error("invalid nested repetition operator") }
      if case .empty = node { throw error("missing argument to repetition operator") }
      if case .assertion = node {}
      var greedy = !flags.ungreedy
      if current == "?" {
        index += 1
        greedy.toggle()
      }
      if current == "+" { throw error("invalid nested repetition operator: possessive") }
      node = .repetition(node, minimum: minimum, maximum: maximum, greedy: greedy)
      repeated = true
    }
    return node
  }

  /// `{n}`, `{n,}`, `{n,m}`; `nil` (and the brace a literal) when it is not one.
  private mutating func braces() throws(CELError) -> (Int, Int?)? {
    let start = index
    index += 1
    func number(_ parser: inout RegexParser) -> Int? {
      var digits = ""
      while let scalar = parser.current, scalar.value >= 0x30, scalar.value <= 0x39 {
        digits.unicodeScalars.append(scalar)
        parser.index += 1
      }
      return digits.isEmpty || digits.count > 6 ? nil : Int(digits)
    }
    guard let minimum = number(&self) else {
      index = start
      return nil
    }
    var maximum: Int? = minimum
    if current == "," {
      index += 1
      maximum = current == "}" ? nil : number(&self)
      if maximum == nil && current != "}" {
        index = start
        return nil
      }
    }
    guard current == "}" else {
      index = start
      return nil
    }
    index += 1
    if minimum > 1000 || (maximum ?? 0) > 1000 || maximum.map({ $0 < minimum }) == true {
      throw error("invalid repeat count")
    }
    return (minimum, maximum)
  }

  private func literal(_ scalar: Unicode.Scalar, _ flags: RegexFlags) -> RegexNode {
    .character(
      CharacterMatcher(
        items: [.range(scalar.value, scalar.value)], negated: false,
        foldCase: flags.caseInsensitive))
  }

  /// One atom, or `nil` for a flag group that changes `flags` and matches nothing.
  private mutating func atom(_ flags: inout RegexFlags) throws(CELError) -> RegexNode? {
    guard let scalar = current else { return .empty }
    index += 1
    switch scalar {
    case "(":
      var inner = flags
      if current == "?" {
        index += 1
        if current == "P" || current == "<" {
          if current == "P" { index += 1 }
          guard current == "<" else { throw error("invalid or unsupported Perl syntax") }
          index += 1
          var name = ""
          while let next = current, next != ">" {
            guard next.properties.isAlphabetic || next == "_" || next.properties.numericType != nil
            else { throw error("invalid named capture") }
            name.unicodeScalars.append(next)
            index += 1
          }
          guard current == ">", !name.isEmpty else { throw error("invalid named capture") }
          index += 1
        } else {
          // Flags: `(?i)` applies to the rest of the group, `(?i:…)` to its own.
          var negate = false
          var sawFlag = false
          while let next = current, next != ")", next != ":" {
            index += 1
            switch next {
            case "i": inner.caseInsensitive = !negate
            case "m": inner.multiLine = !negate
            case "s": inner.dotAll = !negate
            case "U": inner.ungreedy = !negate
            case "-":
              guard !negate else { throw error("invalid or unsupported Perl syntax") }
              negate = true
              continue
            default: throw error("invalid or unsupported Perl syntax: `(?\(next)`")
            }
            sawFlag = true
          }
          guard let end = current, sawFlag || end == ":" else {
            throw error("missing argument to repetition operator: `?`")
          }
          index += 1
          if end == ")" {
            flags = inner
            return nil
          }
        }
      }
      let node = try alternation(&inner)
      guard current == ")" else { throw error("missing closing ): `\(Regex.text(scalars[...]))`") }
      index += 1
      return node
    case ")":
      throw error("unexpected )")
    case "*", "+", "?":
      throw error("missing argument to repetition operator: `\(scalar)`")
    case ".":
      var matcher = CharacterMatcher(items: [.range(0x0A, 0x0A)], negated: true)
      if flags.dotAll { matcher = CharacterMatcher(items: [.range(0, 0x10FFFF)]) }
      return .character(matcher)
    case "^":
      return .assertion(flags.multiLine ? .beginLine : .beginText)
    case "$":
      return .assertion(flags.multiLine ? .endLine : .endText)
    case "[":
      return .character(try characterClass(flags))
    case "\\":
      return try escape(flags, inClass: false).node(flags)
    default:
      return literal(scalar, flags)
    }
  }

  /// What an escape stands for.
  private enum Escaped {
    case scalar(Unicode.Scalar)
    case matcher(CharacterMatcher)
    case assertion(Assertion)
    case quoted([Unicode.Scalar])

    func node(_ flags: RegexFlags) -> RegexNode {
      switch self {
      case .scalar(let scalar):
        return .character(
          CharacterMatcher(
            items: [.range(scalar.value, scalar.value)], foldCase: flags.caseInsensitive))
      case .matcher(var matcher):
        matcher.foldCase = flags.caseInsensitive
        return .character(matcher)
      case .assertion(let assertion):
        return .assertion(assertion)
      case .quoted(let scalars):
        return .concatenation(
          scalars.map {
            .character(
              CharacterMatcher(
                items: [.range($0.value, $0.value)], foldCase: flags.caseInsensitive))
          })
      }
    }
  }

  private static let perlClasses: [Unicode.Scalar: [CharacterMatcher.Item]] = [
    "d": [.range(0x30, 0x39)],
    "s": [.range(0x09, 0x0A), .range(0x0C, 0x0D), .range(0x20, 0x20)],
    "w": [.range(0x30, 0x39), .range(0x41, 0x5A), .range(0x5F, 0x5F), .range(0x61, 0x7A)],
  ]

  private mutating func escape(_ flags: RegexFlags, inClass: Bool) throws(CELError) -> Escaped {
    guard let scalar = current else { throw error("trailing backslash at end of expression") }
    index += 1
    switch scalar {
    case "a": return .scalar("\u{07}")
    case "f": return .scalar("\u{0C}")
    case "t": return .scalar("\t")
    case "n": return .scalar("\n")
    case "r": return .scalar("\r")
    case "v": return .scalar("\u{0B}")
    case "d", "s", "w":
      return .matcher(CharacterMatcher(items: Self.perlClasses[scalar]!))
    case "D", "S", "W":
      let lower = Unicode.Scalar(scalar.value + 32)!
      return .matcher(CharacterMatcher(items: Self.perlClasses[lower]!, negated: true))
    case "p", "P":
      var name = ""
      if current == "{" {
        index += 1
        while let next = current, next != "}" {
          name.unicodeScalars.append(next)
          index += 1
        }
        guard current == "}" else { throw error("invalid character class range") }
        index += 1
      } else if let next = current {
        name = String(next)
        index += 1
      }
      var negated = scalar == "P"
      if name.hasPrefix("^") {
        negated.toggle()
        name.removeFirst()
      }
      guard let items = Self.unicodeClass(named: name) else {
        throw error("invalid character class range: `\\p{\(name)}`")
      }
      if namedInClass != nil,
        namedInClass!.insert((negated ? "^" : "") + Self.lookupKey(name)).inserted == false
      {
        return .matcher(CharacterMatcher())
      }
      var matcher = CharacterMatcher(items: items, negated: negated)
      matcher.mergeRanges()
      return .matcher(matcher)
    case "x":
      var digits = ""
      if current == "{" {
        index += 1
        while let next = current, next != "}" {
          digits.unicodeScalars.append(next)
          index += 1
        }
        index += 1
      } else {
        for _ in 0..<2 {
          guard let next = current else { break }
          digits.unicodeScalars.append(next)
          index += 1
        }
      }
      guard let value = UInt32(digits, radix: 16), let result = Unicode.Scalar(value) else {
        throw error("invalid escape sequence: `\\x\(digits)`")
      }
      return .scalar(result)
    case "0"..."7":
      // Octal: `\0`, `\012`; `\1`…`\9` alone would be back-references, which RE2 lacks.
      var value = scalar.value - 0x30
      if scalar != "0" && !(current.map { $0 >= "0" && $0 <= "7" } ?? false) {
        throw error("invalid escape sequence: `\\\(scalar)`")
      }
      var digits = 1
      while digits < 3, let next = current, next >= "0", next <= "7" {
        value = value * 8 + (next.value - 0x30)
        index += 1
        digits += 1
      }
      return .scalar(Unicode.Scalar(value)!)
    case "A" where !inClass: return .assertion(.beginText)
    case "z" where !inClass: return .assertion(.endText)
    case "b" where !inClass: return .assertion(.wordBoundary)
    case "B" where !inClass: return .assertion(.notWordBoundary)
    case "Q" where !inClass:
      var quoted: [Unicode.Scalar] = []
      while let next = current {
        if next == "\\" && index + 1 < scalars.count && scalars[index + 1] == "E" {
          index += 2
          break
        }
        quoted.append(next)
        index += 1
      }
      return .quoted(quoted)
    default:
      // Only punctuation may be escaped to stand for itself.
      if scalar.isASCII && !scalar.properties.isAlphabetic && !(scalar >= "0" && scalar <= "9") {
        return .scalar(scalar)
      }
      throw error("invalid escape sequence: `\\\(scalar)`")
    }
  }

  private static let asciiClasses: [String: [CharacterMatcher.Item]] = [
    "alnum": [.range(0x30, 0x39), .range(0x41, 0x5A), .range(0x61, 0x7A)],
    "alpha": [.range(0x41, 0x5A), .range(0x61, 0x7A)],
    "ascii": [.range(0, 0x7F)],
    "blank": [.range(0x09, 0x09), .range(0x20, 0x20)],
    "cntrl": [.range(0, 0x1F), .range(0x7F, 0x7F)],
    "digit": [.range(0x30, 0x39)],
    "graph": [.range(0x21, 0x7E)],
    "lower": [.range(0x61, 0x7A)],
    "print": [.range(0x20, 0x7E)],
    "punct": [.range(0x21, 0x2F), .range(0x3A, 0x40), .range(0x5B, 0x60), .range(0x7B, 0x7E)],
    "space": [.range(0x09, 0x0D), .range(0x20, 0x20)],
    "upper": [.range(0x41, 0x5A)],
    "word": [.range(0x30, 0x39), .range(0x41, 0x5A), .range(0x5F, 0x5F), .range(0x61, 0x7A)],
    "xdigit": [.range(0x30, 0x39), .range(0x41, 0x46), .range(0x61, 0x66)],
  ]

  /// What `\p{name}` matches, as Go's regexp (1.25, which current API servers run) reads the
  /// name: without regard to case, spaces, underscores or hyphens; `Any`, `Assigned`, `ASCII`, a
  /// general category (`Lu`) or its long name (`Uppercase_Letter`), or a script (`Greek`).
  static func unicodeClass(named name: String) -> [CharacterMatcher.Item]? {
    let key = lookupKey(name)
    switch key {
    case "any": return [.range(0, 0x10FFFF)]
    case "ascii": return [.range(0, 0x7F)]
    case "assigned":
      return [
        .category(
          Set(categories["C"]!).union(categories["L"]!).union(categories["M"]!)
            .union(categories["N"]!).union(categories["P"]!).union(categories["S"]!)
            .union(categories["Z"]!).subtracting([.unassigned]))
      ]
    default: break
    }
    if let category = categoryNames[key], let members = categories[category] {
      return [.category(members)]
    }
    guard let script = scriptNames[key], let ranges = UnicodeScripts.ranges(named: script) else {
      return nil
    }
    return ranges.map { .range($0.low, $0.high) }
  }

  /// ASCII letters lowered (as Go does; the Kelvin sign is no `k`), `_ - ` dropped.
  private static func lookupKey(_ name: String) -> String {
    var key: [UInt8] = []
    for byte in name.utf8
    where byte != UInt8(ascii: "_") && byte != UInt8(ascii: "-")
      && byte != UInt8(ascii: " ")
    {
      key.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte)
    }
    return String(decoding: key, as: UTF8.self)
  }

  /// By lookup key, the category a short or long name names (Unicode's aliases, as Go's
  /// `unicode.CategoryAliases`).
  private static let categoryNames: [String: String] = {
    let aliases: [String: [String]] = [
      "C": ["Other"], "Cc": ["Control", "cntrl"], "Cf": ["Format"], "Cn": ["Unassigned"],
      "Co": ["Private_Use"], "Cs": ["Surrogate"], "L": ["Letter"], "LC": ["Cased_Letter"],
      "Ll": ["Lowercase_Letter"], "Lm": ["Modifier_Letter"], "Lo": ["Other_Letter"],
      "Lt": ["Titlecase_Letter"], "Lu": ["Uppercase_Letter"], "M": ["Mark", "Combining_Mark"],
      "Mc": ["Spacing_Mark"], "Me": ["Enclosing_Mark"], "Mn": ["Nonspacing_Mark"],
      "N": ["Number"], "Nd": ["Decimal_Number", "digit"], "Nl": ["Letter_Number"],
      "No": ["Other_Number"], "P": ["Punctuation", "punct"], "Pc": ["Connector_Punctuation"],
      "Pd": ["Dash_Punctuation"], "Pe": ["Close_Punctuation"], "Pf": ["Final_Punctuation"],
      "Pi": ["Initial_Punctuation"], "Po": ["Other_Punctuation"], "Ps": ["Open_Punctuation"],
      "S": ["Symbol"], "Sc": ["Currency_Symbol"], "Sk": ["Modifier_Symbol"],
      "Sm": ["Math_Symbol"], "So": ["Other_Symbol"], "Z": ["Separator"],
      "Zl": ["Line_Separator"], "Zp": ["Paragraph_Separator"], "Zs": ["Space_Separator"],
    ]
    var names: [String: String] = [:]
    for (category, longNames) in aliases {
      for name in [category] + longNames { names[lookupKey(name)] = category }
    }
    return names
  }()

  /// By lookup key, the script's name in `UnicodeScripts`.
  private static let scriptNames: [String: String] = Dictionary(
    uniqueKeysWithValues: UnicodeScripts.names.map { (lookupKey($0), $0) })

  private static let categories: [String: Set<Unicode.GeneralCategory>] = {
    let groups: [String: [Unicode.GeneralCategory]] = [
      "L": [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter],
      "Lu": [.uppercaseLetter], "Ll": [.lowercaseLetter], "Lt": [.titlecaseLetter],
      "Lm": [.modifierLetter], "Lo": [.otherLetter],
      "M": [.nonspacingMark, .spacingMark, .enclosingMark],
      "Mn": [.nonspacingMark], "Mc": [.spacingMark], "Me": [.enclosingMark],
      "N": [.decimalNumber, .letterNumber, .otherNumber],
      "Nd": [.decimalNumber], "Nl": [.letterNumber], "No": [.otherNumber],
      "P": [
        .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
        .initialPunctuation, .finalPunctuation, .otherPunctuation,
      ],
      "Pc": [.connectorPunctuation], "Pd": [.dashPunctuation], "Ps": [.openPunctuation],
      "Pe": [.closePunctuation], "Pi": [.initialPunctuation], "Pf": [.finalPunctuation],
      "Po": [.otherPunctuation],
      "S": [.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol],
      "Sm": [.mathSymbol], "Sc": [.currencySymbol], "Sk": [.modifierSymbol],
      "So": [.otherSymbol],
      "Z": [.spaceSeparator, .lineSeparator, .paragraphSeparator],
      "Zs": [.spaceSeparator], "Zl": [.lineSeparator], "Zp": [.paragraphSeparator],
      "C": [.control, .format, .surrogate, .privateUse, .unassigned],
      "Cc": [.control], "Cf": [.format], "Cs": [.surrogate], "Co": [.privateUse],
      "Cn": [.unassigned], "LC": [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter],
    ]
    return groups.mapValues(Set.init)
  }()

  private mutating func characterClass(_ flags: RegexFlags) throws(CELError) -> CharacterMatcher {
    // Just past the `[`: RE2 quotes the class from it on when it is not closed.
    let opening = max(index - 1, 0)
    var matcher = CharacterMatcher(foldCase: flags.caseInsensitive)
    if current == "^" {
      matcher.negated = true
      index += 1
    }
    namedInClass = []
    defer { namedInClass = nil }
    var first = true
    while let scalar = current {
      if scalar == "]" && !first {
        index += 1
        // A negated class never matches a newline unless the pattern is `(?s)`-free RE2
        // semantics say so: RE2 lets `[^a]` match `\n`, and so does this.
        matcher.mergeRanges()
        return matcher
      }
      first = false
      if scalar == "[", index + 1 < scalars.count, scalars[index + 1] == ":" {
        guard let close = scalars[(index + 2)...].firstIndex(of: ":"), close + 1 < scalars.count,
          scalars[close + 1] == "]"
        else { throw error("missing closing ]") }
        var name = Regex.text(scalars[(index + 2)..<close])
        var negated = false
        if name.hasPrefix("^") {
          negated = true
          name.removeFirst()
        }
        guard let items = Self.asciiClasses[name] else {
          throw error("invalid character class range: `[:\(name):]`")
        }
        index = close + 2
        if negated {
          matcher.items.append(contentsOf: Self.complement(items))
        } else {
          matcher.items.append(contentsOf: items)
        }
        continue
      }
      var low: Unicode.Scalar
      index += 1
      if scalar == "\\" {
        switch try escape(flags, inClass: true) {
        case .scalar(let value): low = value
        case .matcher(let inner):
          if inner.negated {
            guard inner.items.allSatisfy({ if case .range = $0 { true } else { false } }) else {
              // `[\P{L}]`: a negated category inside a class.
              if case .category(let categories) = inner.items[0] {
                let all = Set(Self.categories["L"]!).union(Self.categories["M"]!)
                  .union(Self.categories["N"]!).union(Self.categories["P"]!)
                  .union(Self.categories["S"]!).union(Self.categories["Z"]!)
                  .union(Self.categories["C"]!)
                matcher.items.append(.category(all.subtracting(categories)))
              }
              continue
            }
            matcher.items.append(contentsOf: Self.complement(inner.items))
          } else {
            matcher.items.append(contentsOf: inner.items)
          }
          continue
        default: throw error("invalid escape sequence in class")
        }
      } else {
        low = scalar
      }
      if current == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
        index += 1
        guard var high = current else { break }
        index += 1
        if high == "\\" {
          guard case .scalar(let value) = try escape(flags, inClass: true) else {
            throw error("invalid character class range")
          }
          high = value
        }
        guard low <= high else {
          throw error("invalid character class range: `\(low)-\(high)`")
        }
        matcher.items.append(.range(low.value, high.value))
      } else {
        matcher.items.append(.range(low.value, low.value))
      }
    }
    throw error("missing closing ]: `\(Regex.text(scalars[opening...]))`")
  }

  /// The ranges of code points not in `items` (which are ranges).
  private static func complement(_ items: [CharacterMatcher.Item]) -> [CharacterMatcher.Item] {
    var ranges: [(UInt32, UInt32)] = items.compactMap {
      if case .range(let low, let high) = $0 { return (low, high) }
      return nil
    }
    ranges.sort { $0.0 < $1.0 }
    var result: [CharacterMatcher.Item] = []
    var next: UInt32 = 0
    for (low, high) in ranges {
      if low > next { result.append(.range(next, low - 1)) }
      next = max(next, high + 1)
    }
    if next <= 0x10FFFF { result.append(.range(next, 0x10FFFF)) }
    return result
  }
}

private struct RegexCompiler {
  var program: [Instruction] = []

  mutating func append(_ instruction: Instruction) {
    program.append(instruction)
  }

  private mutating func check() throws(CELError) {
    guard program.count <= Regex.maximumInstructions else {
      throw CELError("error parsing regexp: expression too large")
    }
  }

  mutating func emit(_ node: RegexNode) throws(CELError) {
    try check()
    switch node {
    case .empty:
      break
    case .character(let matcher):
      append(.character(matcher))
    case .assertion(let assertion):
      append(.assertion(assertion))
    case .concatenation(let items):
      for item in items { try emit(item) }
    case .alternation(let branches):
      // split L1, next; L1: branch; jump end; next: split … ; last branch.
      var jumps: [Int] = []
      for (position, branch) in branches.enumerated() {
        if position < branches.count - 1 {
          let split = program.count
          append(.split(split + 1, 0))
          try emit(branch)
          jumps.append(program.count)
          append(.jump(0))
          program[split] = .split(split + 1, program.count)
        } else {
          try emit(branch)
        }
      }
      for jump in jumps { program[jump] = .jump(program.count) }
    case .repetition(let inner, let minimum, let maximum, let greedy):
      for _ in 0..<minimum { try emit(inner) }
      if let maximum {
        // Each optional copy: split(take, skip), nested so that skipping one skips the rest.
        var splits: [Int] = []
        for _ in minimum..<maximum {
          splits.append(program.count)
          append(.split(0, 0))
          try emit(inner)
        }
        for split in splits {
          program[split] =
            greedy ? .split(split + 1, program.count) : .split(program.count, split + 1)
        }
      } else {
        // L: split(body, end); body; jump L.
        let split = program.count
        append(.split(0, 0))
        try emit(inner)
        append(.jump(split))
        program[split] =
          greedy ? .split(split + 1, program.count) : .split(program.count, split + 1)
      }
    }
    try check()
  }
}

/// Compiled patterns, shared between evaluations: policies match with the same few patterns
/// on every object.
final class RegexCache: @unchecked Sendable {
  static let shared = RegexCache()

  // Unchecked exclusivity: the mutex orders the accesses (and the checks cost a third of a
  // lookup).
  @exclusivity(unchecked) private var mutex = pthread_mutex_t()
  @exclusivity(unchecked) private var entries: [String: Result<Regex, CELError>] = [:]
  /// The instructions the entries hold, kept under `maximumInstructions`: hostile policies
  /// could otherwise fill 512 entries of 50 000 instructions each.
  @exclusivity(unchecked) private var instructions = 0
  private static let maximumInstructions = 500_000

  private init() {
    pthread_mutex_init(&mutex, nil)
  }

  /// What compiling a pattern takes, in units of about 25 ns: its classes built (case
  /// folding, Unicode categories), about 20 µs for `(?i)\pL{1000}`, and more as its program
  /// grows. Kubernetes' cost charges a pattern by its text, and distinct patterns made at run
  /// time (`'(?i)\\pL{1000}' + string(i)`) compiled 50 000 programs a second within budget.
  static func compilingWork(pattern: String, instructions: Int) -> Int {
    2_000 &+ pattern.utf8.count &+ 2 &* instructions
  }

  /// The compiled `pattern`, from the cache or compiled now; `work` gains what compiling took,
  /// in the units of `EvaluationContext.uncountedWork`.
  func regex(_ pattern: String, work: inout Int) -> Result<Regex, CELError> {
    pthread_mutex_lock(&mutex)
    if let entry = entries[pattern] {
      pthread_mutex_unlock(&mutex)
      return entry
    }
    pthread_mutex_unlock(&mutex)
    let entry: Result<Regex, CELError>
    do {
      entry = .success(try Regex(pattern))
    } catch {
      entry = .failure(error)
    }
    let size = (try? entry.get())?.program.count ?? 0
    work = work &+ Self.compilingWork(pattern: pattern, instructions: size)
    pthread_mutex_lock(&mutex)
    if entries.count > 512 || instructions + size > Self.maximumInstructions {
      entries.removeAll()
      instructions = 0
    }
    if entries[pattern] == nil, size <= Self.maximumInstructions {
      entries[pattern] = entry
      instructions += size
    }
    pthread_mutex_unlock(&mutex)
    return entry
  }
}

extension Regex {
  /// The compiled `pattern`, its reading charged first (a unit per ten bytes, as string
  /// functions are): looking a megabyte pattern up, or refusing it, is work too.
  fileprivate static func compiled(_ pattern: String, _ context: inout EvaluationContext)
    -> Result<Regex, CELError>
  {
    guard context.spend(1 + pattern.utf8.count / 10) else { return .failure(costLimitExceeded) }
    return counted(pattern, &context)
  }

  /// The compiled `pattern`, from the cache or compiled now, the compiling counted as work
  /// beyond the cost (`RegexCache.compilingWork`).
  fileprivate static func counted(_ pattern: String, _ context: inout EvaluationContext)
    -> Result<Regex, CELError>
  {
    guard context.mayDoUncountedWork else {
      return .failure(EvaluationContext.uncountedLimitExceeded)
    }
    var work = 0
    let compiled = RegexCache.shared.regex(pattern, work: &work)
    guard context.addUncountedWork(work) else {
      return .failure(EvaluationContext.uncountedLimitExceeded)
    }
    return compiled
  }

  /// What `text.matches(pattern)` costs in all, as Kubernetes charges it:
  /// `ceil((1 + |text|) / 10) × ceil(|pattern| / 4)`. The automaton takes a step per
  /// character, whatever the pattern, so this bounds its work (see `matches(_:charging:)`).
  func kubernetesCost(of text: String) -> Int {
    let length = Strings.codePointCount(text)
    let (product, overflow) = ((length + 10) / 10).multipliedReportingOverflow(
      by: (pattern.unicodeScalars.count + 3) / 4)
    return overflow ? Int.max : max(1, product)
  }

  /// Whether the pattern matches in `text`, charged `charged` units already (Kubernetes' cost).
  /// When the automaton cannot answer (text beyond ASCII, a pattern past its limits, another
  /// thread holding it), the machine runs, which may take every instruction at every
  /// character: its work is charged first, beyond what was, and `nil` when it does not fit.
  /// (A pattern of 50 000 instructions made from a short one, `(a|b){1000}`, would otherwise
  /// run for minutes within budget.)
  func matches(_ text: String, charged: Int, spend: (Int) -> Bool, work: inout Int) -> Bool? {
    if let automaton, let answer = automaton.matches(text) { return answer }
    let search = cost(ofSearching: Strings.codePointCount(text))
    let total = 1 + pattern.utf8.count / 10 + search
    guard spend(max(0, total - charged)) else { return nil }
    work = work &+ Self.uncountedWork(ofSearchCost: search)
    return matchesOnMachine(text)
  }

  /// A machine search charged `cost` units takes about ten times as long as that many units
  /// of other work (a unit per ten steps, a step about as long as a unit): the rest, for the
  /// host's bound on a run's time (`EvaluationContext.uncountedWork`).
  static func uncountedWork(ofSearchCost cost: Int) -> Int {
    cost.multipliedReportingOverflow(by: 9).overflow ? Int.max / 2 : cost * 9
  }

  static func register(_ library: inout Library) {
    let matches: @Sendable ([Value], inout EvaluationContext) -> Value? = { arguments, context in
      guard case .string(let text) = arguments[0], case .string(let pattern) = arguments[1] else {
        return nil
      }
      // Charged by Kubernetes' formula below, not as `compiled` charges a pattern's reading.
      switch counted(pattern, &context) {
      case .success(let regex):
        // The call's own unit is part of Kubernetes' cost.
        let charged = regex.kubernetesCost(of: text)
        var work = 0
        guard context.spend(charged - 1),
          let matched = regex.matches(
            text, charged: charged, spend: { context.spend($0) }, work: &work)
        else { return .error(costLimitExceeded) }
        context.uncountedWork = context.uncountedWork &+ work
        return .bool(matched)
      case .failure(let error):
        // Refusing a pattern read it: charged as a search of nothing.
        guard context.spend(pattern.utf8.count / 10) else { return .error(costLimitExceeded) }
        return .error(error)
      }
    }
    library.add("matches", member: true, arity: 2, matches)
    library.add("matches", member: false, arity: 2, matches)
    /// Kubernetes' `find` and `findAll` say so before the parser's words (`matches` does not).
    @Sendable func illegal(_ error: CELError) -> CELError {
      error == costLimitExceeded || error == EvaluationContext.uncountedLimitExceeded
        ? error : CELError("Illegal regex: " + error.message)
    }
    library.add("find", member: true, arity: 2) { arguments, context in
      guard case .string(let text) = arguments[0], case .string(let pattern) = arguments[1] else {
        return nil
      }
      switch compiled(pattern, &context) {
      case .success(let regex):
        let scalars = Array(text.unicodeScalars)
        let search = regex.cost(ofSearching: scalars.count)
        guard context.spend(search) else { return .error(costLimitExceeded) }
        context.uncountedWork = context.uncountedWork &+ Regex.uncountedWork(ofSearchCost: search)
        guard let match = regex.find(scalars, from: 0) else { return .string("") }
        return .string(Regex.text(scalars[match]))
      case .failure(let error): return .error(illegal(error))
      }
    }
    for arity in [2, 3] {
      library.add("findAll", member: true, arity: arity) { arguments, context in
        guard case .string(let text) = arguments[0], case .string(let pattern) = arguments[1]
        else { return nil }
        var limit = -1
        if arity == 3 {
          guard case .int(let given) = arguments[2] else { return nil }
          limit = given < 0 ? -1 : Int(clamping: given)
        }
        switch compiled(pattern, &context) {
        case .success(let regex):
          var work = 0
          let found = regex.findAll(text, limit: limit) { search in
            work = work &+ Regex.uncountedWork(ofSearchCost: search)
            return context.spend(search)
          }
          context.uncountedWork = context.uncountedWork &+ work
          guard let found else { return .error(costLimitExceeded) }
          return .list(ArrayList(found.map(Value.string)))
        case .failure(let error): return .error(illegal(error))
        }
      }
    }
  }
}
