/// Kubernetes' semver library (k8s.io/apiserver `pkg/cel/library/semverlib.go`, from 1.33):
/// `semver(s)`, `semver(s, normalize)`, `isSemver` in both forms, `major`, `minor`, `patch`,
/// `isGreaterThan`, `isLessThan` and `compareTo`. Parsing follows blang/semver's `Parse`,
/// which Kubernetes calls: strict `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`; normalizing first
/// drops a leading `v`, leading zeros, and fills a missing minor or patch with 0.
struct Semver: OpaqueValue, Equatable {
  enum Identifier: Equatable {
    case number(UInt64)
    case text(String)
  }

  let major: UInt64
  let minor: UInt64
  let patch: UInt64
  let prerelease: [Identifier]
  /// Kept, but not compared (as semver says).
  let build: [String]
  /// The length of the text it was parsed from: what comparing it may read.
  let size: Int

  var typeName: String { "kubernetes.Semver" }

  func isEqual(to other: any OpaqueValue) -> Bool {
    guard let other = other.exactly(Semver.self) else { return false }
    return Self.compare(self, other) == 0
  }

  var comparisonWeight: Int { size / 10 }

  static func register(_ library: inout Library) {
    // Parsing reads the text: charged as Kubernetes charges string functions.
    library.add("semver", arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      return value(parse(text))
    }
    library.add("semver", arity: 2) { arguments, context in
      guard case .string(let text) = arguments[0], case .bool(let normalize) = arguments[1]
      else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      return value(normalize ? parseNormalizing(text) : parse(text))
    }
    library.add("isSemver", arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      return .bool((try? parse(text).get()) != nil)
    }
    library.add("isSemver", arity: 2) { arguments, context in
      guard case .string(let text) = arguments[0], case .bool(let normalize) = arguments[1]
      else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      return .bool((try? (normalize ? parseNormalizing(text) : parse(text)).get()) != nil)
    }
    @Sendable func semver(_ value: Value) -> Semver? {
      if case .opaque(let opaque) = value { return opaque.exactly(Semver.self) }
      return nil
    }
    for (name, part) in [
      ("major", \Semver.major), ("minor", \Semver.minor), ("patch", \Semver.patch),
    ] {
      library.add(name, member: true, arity: 1) { arguments, _ in
        semver(arguments[0]).map { .int(Int64(truncatingIfNeeded: $0[keyPath: part])) }
      }
    }
    // Comparing reads the prerelease identifiers: charged by the shorter version's text.
    let comparisons: [(String, @Sendable (Int) -> Value)] = [
      ("isGreaterThan", { .bool($0 > 0) }), ("isLessThan", { .bool($0 < 0) }),
      ("compareTo", { .int(Int64($0)) }),
    ]
    for (name, result) in comparisons {
      library.add(name, member: true, arity: 2) { arguments, context in
        guard let a = semver(arguments[0]), let b = semver(arguments[1]) else { return nil }
        guard context.spend(min(a.size, b.size) / 10) else { return .error(costLimitExceeded) }
        return result(compare(a, b))
      }
    }
  }

  private static func value(_ result: Result<Semver, CELError>) -> Value {
    switch result {
    case .success(let version): .opaque(version)
    case .failure(let error): .error(error)
    }
  }

  /// -1, 0 or 1: by major, minor, patch, then prerelease (a version without one is greater;
  /// identifiers compare numbers by value, below text, text by bytes; more is greater).
  static func compare(_ a: Semver, _ b: Semver) -> Int {
    for (x, y) in [(a.major, b.major), (a.minor, b.minor), (a.patch, b.patch)] where x != y {
      return x < y ? -1 : 1
    }
    switch (a.prerelease.isEmpty, b.prerelease.isEmpty) {
    case (true, true): return 0
    case (true, false): return 1
    case (false, true): return -1
    case (false, false): break
    }
    for (x, y) in zip(a.prerelease, b.prerelease) {
      switch (x, y) {
      case (.number(let m), .number(let n)) where m != n: return m < n ? -1 : 1
      case (.number, .text): return -1
      case (.text, .number): return 1
      case (.text(let s), .text(let t)) where s != t:
        return s.utf8.lexicographicallyPrecedes(t.utf8) ? -1 : 1
      default: continue
      }
    }
    let (m, n) = (a.prerelease.count, b.prerelease.count)
    return m == n ? 0 : (m < n ? -1 : 1)
  }

  private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

  private static func isAlphanumeric(_ byte: UInt8) -> Bool {
    isDigit(byte) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == UInt8(ascii: "-")
  }

  /// A version number: digits only, no leading zero.
  private static func number(_ text: Substring, _ what: String) -> Result<UInt64, CELError> {
    guard text.utf8.allSatisfy(isDigit) else {
      return .failure(CELError("Invalid character(s) found in \(what) number \"\(text)\""))
    }
    if text.utf8.count > 1, text.utf8.first == UInt8(ascii: "0") {
      let name = what.prefix(1).uppercased() + what.dropFirst()
      return .failure(CELError("\(name) number must not contain leading zeroes \"\(text)\""))
    }
    guard let value = UInt64(text) else {
      // Digits only (checked above): too many of them.
      return .failure(CELError("strconv.ParseUint: parsing \"\(text)\": value out of range"))
    }
    return .success(value)
  }

  static func parse(_ text: String) -> Result<Semver, CELError> {
    guard !text.isEmpty else { return .failure(CELError("Version string empty")) }
    let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count == 3 else {
      return .failure(CELError("No Major.Minor.Patch elements found"))
    }
    var patchText = parts[2]
    var build: [String] = []
    var prerelease: [Identifier] = []
    if let plus = patchText.firstIndex(of: "+") {
      build = patchText[patchText.index(after: plus)...]
        .split(separator: ".", omittingEmptySubsequences: false).map(String.init)
      patchText = patchText[..<plus]
    }
    var prereleaseTexts: [Substring] = []
    if let minus = patchText.firstIndex(of: "-") {
      prereleaseTexts = patchText[patchText.index(after: minus)...]
        .split(separator: ".", omittingEmptySubsequences: false)
      patchText = patchText[..<minus]
    }
    let major: UInt64
    let minor: UInt64
    let patch: UInt64
    switch (number(parts[0], "major"), number(parts[1], "minor"), number(patchText, "patch")) {
    case (.failure(let error), _, _), (_, .failure(let error), _), (_, _, .failure(let error)):
      return .failure(error)
    case (.success(let a), .success(let b), .success(let c)):
      (major, minor, patch) = (a, b, c)
    }
    for identifier in prereleaseTexts {
      guard !identifier.isEmpty else { return .failure(CELError("Prerelease is empty")) }
      if identifier.utf8.allSatisfy(isDigit) {
        if identifier.utf8.count > 1, identifier.utf8.first == UInt8(ascii: "0") {
          return .failure(
            CELError("Numeric PreRelease version must not contain leading zeroes \"\(identifier)\"")
          )
        }
        guard let value = UInt64(identifier) else {
          return .failure(
            CELError("strconv.ParseUint: parsing \"\(identifier)\": value out of range"))
        }
        prerelease.append(.number(value))
      } else if identifier.utf8.allSatisfy(isAlphanumeric) {
        prerelease.append(.text(String(identifier)))
      } else {
        return .failure(CELError("Invalid character(s) found in prerelease \"\(identifier)\""))
      }
    }
    for identifier in build {
      guard !identifier.isEmpty else { return .failure(CELError("Build meta data is empty")) }
      guard identifier.utf8.allSatisfy(isAlphanumeric) else {
        return .failure(CELError("Invalid character(s) found in build meta data \"\(identifier)\""))
      }
    }
    return .success(
      Semver(
        major: major, minor: minor, patch: patch, prerelease: prerelease, build: build,
        size: text.utf8.count))
  }

  /// Kubernetes' `normalizeAndParse`.
  static func parseNormalizing(_ text: String) -> Result<Semver, CELError> {
    let trimmed = text.hasPrefix("v") ? text.dropFirst() : Substring(text)
    var parts = trimmed.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
      .map { part -> String in
        guard part.utf8.count > 1 else { return String(part) }
        let stripped = part.drop { $0 == "0" }
        guard let first = stripped.utf8.first, isDigit(first) else { return "0" + stripped }
        return String(stripped)
      }
    if parts.count < 3 {
      if parts.last!.contains(where: { $0 == "+" || $0 == "-" }) {
        return .failure(CELError("short version cannot contain PreRelease/Build meta data"))
      }
      while parts.count < 3 { parts.append("0") }
    }
    return parse(parts.joined(separator: "."))
  }
}
