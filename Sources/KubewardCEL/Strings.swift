#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// cel-go's strings extension (`ext.Strings`): `charAt`, `indexOf`, `lastIndexOf`,
/// `lowerAscii`, `upperAscii`, `replace`, `split`, `substring`, `trim`, `join`,
/// `strings.quote` and `format` (version 2, what Kubernetes and Kyverno enable), and from
/// version 3 `reverse`. Positions are in code points, as CEL's `size()` counts them.
enum Strings {
  static func register(_ library: inout Library, version: Int) {
    library.add("charAt", member: true, arity: 2) { arguments, context in
      guard case .string(let text) = arguments[0], case .int(let index) = arguments[1] else {
        return nil
      }
      guard context.spend(1 + text.utf8.count / 10) else { return .error(costLimitExceeded) }
      let scalars = Array(text.unicodeScalars)
      guard index >= 0, index <= scalars.count else { return outOfRange(index) }
      return .string(index == scalars.count ? "" : String(scalars[Int(index)]))
    }
    library.add("indexOf", member: true, arity: 2) { arguments, context in
      guard case .string(let text) = arguments[0], case .string(let part) = arguments[1] else {
        return nil
      }
      guard context.spend(1 + text.utf8.count / 10) else { return .error(costLimitExceeded) }
      // Without a start, a text shorter than what is sought holds no match (cel-go since
      // 0.22 and cel-cpp); the empty text is no range error.
      if part.unicodeScalars.count > text.unicodeScalars.count { return .int(-1) }
      return indexOf(text, part, from: 0)
    }
    library.add("indexOf", member: true, arity: 3) { arguments, context in
      guard case .string(let text) = arguments[0], case .string(let part) = arguments[1],
        case .int(let start) = arguments[2]
      else { return nil }
      guard context.spend(1 + text.utf8.count / 10) else { return .error(costLimitExceeded) }
      if version < 3, let found = kubernetesOffset(text, part, start) { return found }
      return indexOf(text, part, from: start)
    }
    library.add("lastIndexOf", member: true, arity: 2) { arguments, context in
      guard case .string(let text) = arguments[0], case .string(let part) = arguments[1] else {
        return nil
      }
      guard context.spend(1 + text.utf8.count / 10) else { return .error(costLimitExceeded) }
      let count = text.unicodeScalars.count
      if part.isEmpty { return .int(Int64(count)) }
      if part.unicodeScalars.count > count { return .int(-1) }
      return lastIndexOf(text, part, from: Int64(count) - 1)
    }
    library.add("lastIndexOf", member: true, arity: 3) { arguments, context in
      guard case .string(let text) = arguments[0], case .string(let part) = arguments[1],
        case .int(let start) = arguments[2]
      else { return nil }
      guard context.spend(1 + text.utf8.count / 10) else { return .error(costLimitExceeded) }
      if version < 3, let found = kubernetesOffset(text, part, start) { return found }
      return lastIndexOf(text, part, from: start)
    }
    library.add("lowerAscii", member: true, arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      return .string(mapASCII(text) { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 })
    }
    library.add("upperAscii", member: true, arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      return .string(mapASCII(text) { $0 >= 0x61 && $0 <= 0x7A ? $0 - 32 : $0 })
    }
    library.add("replace", member: true, arity: 3) { arguments, context in
      guard case .string(let text) = arguments[0], case .string(let old) = arguments[1],
        case .string(let new) = arguments[2]
      else { return nil }
      guard context.spend(Library.traversalSurcharge(text, passes: 2)),
        context.spend(replacementCost(text, old, new, limit: -1))
      else { return .error(costLimitExceeded) }
      return .string(replace(text, old, new, limit: -1))
    }
    library.add("replace", member: true, arity: 4) { arguments, context in
      guard case .string(let text) = arguments[0], case .string(let old) = arguments[1],
        case .string(let new) = arguments[2], case .int(let limit) = arguments[3]
      else { return nil }
      guard context.spend(Library.traversalSurcharge(text, passes: 2)),
        context.spend(replacementCost(text, old, new, limit: limit))
      else { return .error(costLimitExceeded) }
      return .string(replace(text, old, new, limit: limit))
    }
    library.add("split", member: true, arity: 2) { arguments, context in
      guard case .string(let text) = arguments[0], case .string(let separator) = arguments[1]
      else { return nil }
      guard context.spend(Library.traversalSurcharge(text, passes: 2)) else {
        return .error(costLimitExceeded)
      }
      guard context.mayDoUncountedWork else {
        return .error(EvaluationContext.uncountedLimitExceeded)
      }
      return splitList(split(text, separator, limit: -1), &context)
    }
    library.add("split", member: true, arity: 3) { arguments, context in
      guard case .string(let text) = arguments[0], case .string(let separator) = arguments[1],
        case .int(let limit) = arguments[2]
      else { return nil }
      guard context.spend(Library.traversalSurcharge(text, passes: 2)) else {
        return .error(costLimitExceeded)
      }
      guard context.mayDoUncountedWork else {
        return .error(EvaluationContext.uncountedLimitExceeded)
      }
      return splitList(split(text, separator, limit: limit), &context)
    }
    library.add("substring", member: true, arity: 2) { arguments, context in
      guard case .string(let text) = arguments[0], case .int(let start) = arguments[1] else {
        return nil
      }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      return substring(text, start, nil)
    }
    library.add("substring", member: true, arity: 3) { arguments, context in
      guard case .string(let text) = arguments[0], case .int(let start) = arguments[1],
        case .int(let end) = arguments[2]
      else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      return substring(text, start, end)
    }
    library.add("trim", member: true, arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      // In place, from both ends: copying the scalars into an array and back cost tens of
      // nanoseconds a character, a hundred times what the call is charged.
      let scalars = text.unicodeScalars
      guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return .string("") }
      let last = scalars.lastIndex(where: { !isSpace($0) })!
      return .string(String(Substring(scalars[first...last])))
    }
    library.add("join", member: true, arity: 1) { arguments, context in
      join(arguments[0], separator: "", &context)
    }
    library.add("join", member: true, arity: 2) { arguments, context in
      guard case .string(let separator) = arguments[1] else { return nil }
      return join(arguments[0], separator: separator, &context)
    }
    if version >= 3 { registerVersion3(&library) }
    library.add("strings.quote", arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      return .string(quote(text))
    }
    library.add("format", member: true, arity: 2) { arguments, context in
      guard case .string(let text) = arguments[0], case .list(let list) = arguments[1] else {
        return nil
      }
      let arguments = Builtins.elements(list)
      // What the arguments may print, charged before they are: a list of long strings
      // printed with `%s` is as long as they are.
      func bytes(_ units: Int) -> Int {
        let (product, overflow) = max(0, units).multipliedReportingOverflow(by: 10)
        return overflow ? .max : product
      }
      var weight = 0
      for argument in arguments {
        weight += Builtins.printedWeight(argument, limit: bytes(context.remaining))
      }
      guard context.spend(1 + text.utf8.count / 10 + list.count + weight / 10) else {
        return .error(costLimitExceeded)
      }
      // What was paid for, and what the rest of the budget pays for.
      let paid = text.utf8.count + weight
      let budget = PrintBudget(
        paid.addingReportingOverflow(bytes(context.remaining)).overflow
          ? .max : paid + bytes(context.remaining))
      switch Formatter.format(text, arguments, kubernetes: version < 3, budget: budget) {
      case .success(let result): return .string(result)
      case .failure(let error): return .error(error)
      }
    }
  }

  /// `indexOf` and `lastIndexOf` from an offset as cel-go has answered since 0.22 (what the
  /// API server runs), where it decides: a negative offset is an error, one past the text
  /// finds nothing, and the empty text is found at the offset, at most the text's end.
  /// (cel-spec's conformance tests, older, make an offset past the text an error.)
  private static func kubernetesOffset(_ text: String, _ part: String, _ start: Int64) -> Value? {
    guard start >= 0 else { return outOfRange(start) }
    let count = Int64(text.unicodeScalars.count)
    if part.isEmpty { return .int(min(start, count)) }
    return start >= count ? .int(-1) : nil
  }

  private static func outOfRange(_ index: Int64) -> Value {
    .error(CELError("index out of range: \(index)"))
  }

  /// Whether `text` contains `part`, comparing code points (Swift's `String.contains` compares
  /// grapheme clusters, so `"e\u{301}".contains("e")` would be false).
  static func scalarsContain(_ text: String, _ part: String) -> Bool {
    // In the strings' own bytes: copies of both were two allocations for every test.
    withUTF8(text) { haystack in
      withUTF8(part) { needle in Search.firstIndex(of: needle, in: haystack, from: 0) != nil }
    }
  }

  /// Whether two strings are the same code points: the same UTF-8 bytes (Swift's `==` asks
  /// for canonical equivalence instead, which CEL does not).
  static func sameCodePoints(_ a: String, _ b: String) -> Bool {
    withUTF8(a) { x in
      withUTF8(b) { y in
        x.count == y.count && (x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0)
      }
    }
  }

  /// Whether `text` begins with `part`'s code points, compared as UTF-8 bytes (which is the
  /// same: a valid string's bytes begin where a code point does), where a scalar iterator
  /// decoded both.
  static func hasPrefix(_ text: String, _ part: String) -> Bool {
    withUTF8(text) { haystack in
      withUTF8(part) { needle in
        needle.count <= haystack.count
          && (needle.isEmpty
            || memcmp(haystack.baseAddress!, needle.baseAddress!, needle.count) == 0)
      }
    }
  }

  /// Whether `text` ends with `part`'s code points, as `hasPrefix`.
  static func hasSuffix(_ text: String, _ part: String) -> Bool {
    withUTF8(text) { haystack in
      withUTF8(part) { needle in
        needle.count <= haystack.count
          && (needle.isEmpty
            || memcmp(
              haystack.baseAddress! + (haystack.count - needle.count), needle.baseAddress!,
              needle.count) == 0)
      }
    }
  }

  /// The number of code points of `text`: its bytes that do not continue a code point (Swift's
  /// strings are valid UTF-8). A loop over bytes, where walking the scalars decoded each.
  static func codePointCount(_ text: String) -> Int {
    withUTF8(text) { bytes in
      // Every byte but a continuation byte (10xxxxxx) starts a code point. Eight bytes are
      // looked at a time (`size()` of every value of a ConfigMap was a byte-by-byte loop):
      // the low bit of each byte of `continuations` is its bit 7 and not its bit 6.
      var count = 0
      var index = 0
      if let base = bytes.baseAddress {
        let raw = UnsafeRawPointer(base)
        let lowBits: UInt64 = 0x0101_0101_0101_0101
        while index + 8 <= bytes.count {
          let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
          let continuations = (word >> 7) & ~(word >> 6) & lowBits
          count += 8 - continuations.nonzeroBitCount
          index += 8
        }
      }
      while index < bytes.count {
        if bytes[index] & 0xC0 != 0x80 { count += 1 }
        index += 1
      }
      return count
    }
  }

  /// Calls `body` with the UTF-8 bytes of `text`, in place where they are contiguous (native
  /// and small strings: all of kubeward's). KubewardYAML's `String.withUTF8Bytes`, which this
  /// module, depending on nothing of kubeward's, cannot import.
  static func withUTF8<Result>(
    _ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result
  ) -> Result {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    var copy = text
    return copy.withUTF8(body)
  }

  /// The byte offset of `needle` in `haystack` at or after `start`.
  private static func firstOffset(_ haystack: [UInt8], _ needle: [UInt8], from start: Int) -> Int? {
    Search.firstIndex(of: needle, in: haystack, from: start)
  }

  private static func indexOf(_ text: String, _ part: String, from start: Int64) -> Value {
    if part.isEmpty { return .int(start) }
    let scalars = Array(text.unicodeScalars)
    guard start >= 0, start < scalars.count else { return outOfRange(start) }
    let needle = Array(part.unicodeScalars)
    guard needle.count <= scalars.count else { return .int(-1) }
    return .int(Int64(Search.firstIndex(of: needle, in: scalars, from: Int(start)) ?? -1))
  }

  private static func lastIndexOf(_ text: String, _ part: String, from start: Int64) -> Value {
    if part.isEmpty { return .int(start) }
    let scalars = Array(text.unicodeScalars)
    guard start >= 0, start < scalars.count else { return outOfRange(start) }
    let needle = Array(part.unicodeScalars)
    guard needle.count <= scalars.count else { return .int(-1) }
    // The first match in the reversed text, of the reversed part, among the characters a
    // match starting at or before `start` can use.
    let end = min(Int(start) + needle.count, scalars.count)
    let found = Search.firstIndex(
      of: Array(needle.reversed()), in: Array(scalars[..<end].reversed()), from: 0)
    return .int(Int64(found.map { end - $0 - needle.count } ?? -1))
  }

  private static func substring(_ text: String, _ start: Int64, _ end: Int64?) -> Value {
    let scalars = Array(text.unicodeScalars)
    guard start >= 0, start <= scalars.count else { return outOfRange(start) }
    let end = end ?? Int64(scalars.count)
    guard end >= 0, end <= scalars.count else { return outOfRange(end) }
    guard start <= end else {
      return .error(CELError("invalid substring range. start: \(start), end: \(end)"))
    }
    var result = String.UnicodeScalarView()
    result.append(contentsOf: scalars[Int(start)..<Int(end)])
    return .string(String(result))
  }

  private static func mapASCII(_ text: String, _ transform: (UInt8) -> UInt8) -> String {
    // Written into the new string's storage: an array of the bytes first was an allocation
    // more (and a short result needs none).
    withUTF8(text) { bytes in
      String(unsafeUninitializedCapacity: bytes.count) { result in
        for (index, byte) in bytes.enumerated() {
          result[index] = byte < 0x80 ? transform(byte) : byte
        }
        return bytes.count
      }
    }
  }

  /// What a replacement that lengthens the text may add, charged before it is built, a unit
  /// per ten bytes: `"x".replace("", big)` puts `big` between every two characters.
  static func replacementCost(_ text: String, _ old: String, _ new: String, limit: Int64) -> Int {
    let growth = new.utf8.count - old.utf8.count
    guard growth > 0 else { return 0 }
    var most = old.isEmpty ? text.unicodeScalars.count + 1 : text.utf8.count / old.utf8.count
    if limit >= 0 { most = min(most, Int(clamping: limit)) }
    return most.multipliedReportingOverflow(by: growth).overflow
      ? Int.max : most * growth / 10
  }

  /// Go's `strings.Replace`: at most `limit` replacements (all when negative); an empty `old`
  /// matches before every code point and at the end.
  static func replace(_ text: String, _ old: String, _ new: String, limit: Int64) -> String {
    if limit == 0 || old == new && !old.isEmpty { return text }
    var result = ""
    var replaced: Int64 = 0
    if old.isEmpty {
      for scalar in text.unicodeScalars {
        if limit < 0 || replaced < limit {
          result += new
          replaced += 1
        }
        result.unicodeScalars.append(scalar)
      }
      if limit < 0 || replaced < limit { result += new }
      return result
    }
    let haystack = Array(text.utf8)
    let needle = Array(old.utf8)
    var bytes: [UInt8] = []
    var position = 0
    while limit < 0 || replaced < limit, let found = firstOffset(haystack, needle, from: position) {
      bytes += haystack[position..<found]
      bytes += new.utf8
      position = found + needle.count
      replaced += 1
    }
    bytes += haystack[position...]
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Go's `strings.SplitN`: `limit` 0 gives no parts, a negative limit all; an empty
  /// separator splits between code points.
  /// `parts` as a list, each part's string (an allocation, about 100 ns) counted as work beyond
  /// the cost: Kubernetes charges a split by its text, and `s.split('')` makes a string per
  /// character, ten times the time of the units charged (25 policies splitting a 600-character
  /// text in loops ran for half a minute within the run's budget).
  private static func splitList(_ parts: [String], _ context: inout EvaluationContext) -> Value {
    guard context.addUncountedWork(4 &* parts.count) else {
      return .error(EvaluationContext.uncountedLimitExceeded)
    }
    return .list(ArrayList(parts.map(Value.string)))
  }

  static func split(_ text: String, _ separator: String, limit: Int64) -> [String] {
    if limit == 0 { return [] }
    if separator.isEmpty {
      let scalars = Array(text.unicodeScalars)
      var parts: [String] = []
      for (index, scalar) in scalars.enumerated() {
        if limit > 0 && parts.count == limit - 1 {
          var rest = String.UnicodeScalarView()
          rest.append(contentsOf: scalars[index...])
          parts.append(String(rest))
          return parts
        }
        parts.append(String(scalar))
      }
      return parts
    }
    let haystack = Array(text.utf8)
    let needle = Array(separator.utf8)
    var parts: [String] = []
    var position = 0
    while limit < 0 || parts.count < limit - 1,
      let found = firstOffset(haystack, needle, from: position)
    {
      parts.append(String(decoding: haystack[position..<found], as: UTF8.self))
      position = found + needle.count
    }
    parts.append(String(decoding: haystack[position...], as: UTF8.self))
    return parts
  }

  /// Go's `unicode.IsSpace`: the ASCII spaces, U+0085, U+00A0 and the Unicode space
  /// separators (`Zs`, `Zl`, `Zp`).
  static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x20, 0x85, 0xA0: return true
    case 0..<0x80: return false
    default:
      switch scalar.properties.generalCategory {
      case .spaceSeparator, .lineSeparator, .paragraphSeparator: return true
      default: return false
      }
    }
  }

  private static func join(_ value: Value, separator: String, _ context: inout EvaluationContext)
    -> Value?
  {
    guard case .list(let list) = value else { return nil }
    var parts: [String] = []
    for index in 0..<list.count {
      guard case .string(let text) = list.element(at: index) else {
        return .error(.noMatchingOverload("join"))
      }
      parts.append(text)
    }
    // Charged by what is built, before it is, as Kubernetes charges it: the result's code
    // points, twice (read and written), a unit per ten.
    let length =
      parts.reduce(0) { $0 + codePointCount($1) }
      + codePointCount(separator) * max(parts.count - 1, 0)
    guard context.spend(Library.traversalSurcharge(codePoints: length, passes: 2)) else {
      return .error(costLimitExceeded)
    }
    return .string(parts.joined(separator: separator))
  }

  /// A string as a double-quoted CEL literal: the escapes `\a \b \f \n \r \t \v \\ \"`, every
  /// other code point as itself.
  static func quote(_ text: String) -> String {
    // By bytes: every character escaped is ASCII, and every other byte is copied (appending
    // scalar by scalar to a string cost tens of nanoseconds each).
    var result: [UInt8] = [UInt8(ascii: "\"")]
    result.reserveCapacity(text.utf8.count + 2)
    for byte in text.utf8 {
      if byte < 0x80, let escape = escape(Unicode.Scalar(byte)) {
        result += escape.utf8
      } else {
        result.append(byte)
      }
    }
    result.append(UInt8(ascii: "\""))
    return String(decoding: result, as: UTF8.self)
  }

  /// The escape of `scalar` in a double-quoted literal, where CEL and Go write one alike: the
  /// C escapes, `\\` and `\"`.
  static func escape(_ scalar: Unicode.Scalar) -> String? {
    switch scalar {
    case "\u{07}": "\\a"
    case "\u{08}": "\\b"
    case "\u{0C}": "\\f"
    case "\n": "\\n"
    case "\r": "\\r"
    case "\t": "\\t"
    case "\u{0B}": "\\v"
    case "\\": "\\\\"
    case "\"": "\\\""
    default: nil
    }
  }
}

/// Numbers as CEL prints them.
public enum CELFormat {
  /// A double as `string(x)` gives it (Go's `%g` with the shortest digits that read back the
  /// same: exponent form below 1e-4 and from 1e6 on, `NaN`, `+Inf`, `-Inf`).
  public static func double(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
    return goLayout(value, plainExponents: -4...5, padsNegativeExponent: true)
  }

  /// A finite double in Go's layout of its shortest digits: plain when its decimal exponent
  /// (`x` of `d.ddd × 10^x`) is in `plainExponents`, else `d.ddde±dd`, a negative exponent
  /// written with one digit when it has one unless `padsNegativeExponent` (`%g` pads it,
  /// `encoding/json` does not).
  public static func goLayout(
    _ value: Double, plainExponents: ClosedRange<Int>, padsNegativeExponent: Bool
  ) -> String {
    if value == 0 { return value.sign == .minus ? "-0" : "0" }
    let (digits, exponent) = shortestDigits(abs(value))
    let sign = value < 0 ? "-" : ""
    // `exponent` is the position of the decimal point: value = 0.digits × 10^exponent.
    let scientific = exponent - 1
    if !plainExponents.contains(scientific) {
      var text = String(digits.first!)
      if digits.count > 1 { text += "." + digits.dropFirst() }
      let magnitude = abs(scientific)
      let pads = magnitude < 10 && (scientific >= 0 || padsNegativeExponent)
      text += (scientific < 0 ? "e-" : "e+") + (pads ? "0" : "") + String(magnitude)
      return sign + text
    }
    if exponent <= 0 {
      return sign + "0." + String(repeating: "0", count: -exponent) + digits
    }
    if exponent >= digits.count {
      return sign + digits + String(repeating: "0", count: exponent - digits.count)
    }
    let split = digits.index(digits.startIndex, offsetBy: exponent)
    return sign + digits[..<split] + "." + digits[split...]
  }

  /// The shortest decimal digits that read back as `value` (positive, finite), and the
  /// position of the decimal point before them. Swift's `description` prints the shortest
  /// round-trip digits; only its layout is taken apart here.
  static func shortestDigits(_ value: Double) -> (digits: String, exponent: Int) {
    let text = value.description
    var mantissa = Substring(text)
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      mantissa = text[..<e]
      exponent = Int(text[text.index(after: e)...]) ?? 0
    }
    var integer = mantissa
    var fraction: Substring = ""
    if let dot = mantissa.firstIndex(of: ".") {
      integer = mantissa[..<dot]
      fraction = mantissa[mantissa.index(after: dot)...]
    }
    var digits = String(integer) + fraction
    var point = integer.count + exponent
    while digits.hasPrefix("0") && digits.count > 1 {
      digits.removeFirst()
      point -= 1
    }
    while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
    return (digits, point)
  }

  /// `double("…")`: Go's `strconv.ParseFloat`, which reads Go's floating-point literals:
  /// decimal, and hexadecimal with a binary exponent (`0x1p-2`), digits separated by single
  /// underscores (`1_000.5`, `0x_1p0`); and `NaN`, `Inf` and `Infinity`.
  public static func parseDouble(_ text: String) -> Double? {
    switch text.lowercased() {
    case "nan": return .nan
    case "inf", "+inf", "infinity", "+infinity": return .infinity
    case "-inf", "-infinity": return -.infinity
    default: break
    }
    var bytes = Array(text.utf8)
    if bytes.contains(UInt8(ascii: "_")) {
      guard underscoresSeparateDigits(bytes) else { return nil }
      bytes.removeAll { $0 == UInt8(ascii: "_") }
    }
    var digits = bytes[...]
    if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
      digits = digits.dropFirst()
    }
    let isHex =
      digits.count > 2 && digits.first == UInt8(ascii: "0")
      && (digits.dropFirst().first! | 0x20) == UInt8(ascii: "x")
    guard !digits.isEmpty,
      isHex
        ? isHexFloat(digits.dropFirst(2)) : digits.allSatisfy({ Self.numberBytes.contains($0) }),
      let value = Double(String(decoding: bytes, as: UTF8.self))
    else {
      return nil
    }
    // A numeral past the largest double is a range error in Go's ParseFloat, not infinity.
    return value.isFinite ? value : nil
  }

  private static let numberBytes = Set("0123456789+-.eE".utf8)

  /// Go's hexadecimal mantissa (after `0x`: hex digits, at most one point, one digit at
  /// least) and the binary exponent it must have (`p`, a sign, decimal digits).
  private static func isHexFloat(_ text: ArraySlice<UInt8>) -> Bool {
    guard let p = text.firstIndex(where: { $0 | 0x20 == UInt8(ascii: "p") }) else { return false }
    let mantissa = text[..<p]
    var exponent = text[(p + 1)...]
    if let sign = exponent.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
      exponent = exponent.dropFirst()
    }
    func isHexDigit(_ byte: UInt8) -> Bool {
      (0x30...0x39).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
    }
    return mantissa.filter { $0 == UInt8(ascii: ".") }.count <= 1
      && mantissa.contains(where: isHexDigit)
      && mantissa.allSatisfy { $0 == UInt8(ascii: ".") || isHexDigit($0) }
      && !exponent.isEmpty && exponent.allSatisfy { (0x30...0x39).contains($0) }
  }

  /// Go's `underscoreOK`: each underscore between two digits, or between a base prefix and a
  /// digit (`0x_1p0`).
  private static func underscoresSeparateDigits(_ text: [UInt8]) -> Bool {
    var rest = text[...]
    if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
      rest = rest.dropFirst()
    }
    var afterDigit = false
    var afterUnderscore = false
    var hex = false
    if rest.count >= 2, rest.first == UInt8(ascii: "0"),
      [UInt8(ascii: "b"), UInt8(ascii: "o"), UInt8(ascii: "x")].contains(
        rest.dropFirst().first! | 0x20)
    {
      hex = rest.dropFirst().first! | 0x20 == UInt8(ascii: "x")
      rest = rest.dropFirst(2)
      afterDigit = true
    }
    for byte in rest {
      let lower = byte | 0x20
      if (0x30...0x39).contains(byte)
        || hex && (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(lower)
      {
        afterDigit = true
        afterUnderscore = false
      } else if byte == UInt8(ascii: "_") {
        guard afterDigit else { return false }
        afterDigit = false
        afterUnderscore = true
      } else {
        if afterUnderscore { return false }
        afterDigit = false
      }
    }
    return !afterUnderscore
  }

  /// C's `printf` for one double with one conversion (`%.3f`, `%e`): exact decimal rounding.
  static func printf(_ value: Double, precision: Int, conversion: Character) -> String {
    let format = "%.\(precision)\(conversion)"
    var buffer = [CChar](repeating: 0, count: 512)
    let count = format.withCString { pattern in
      withVaList([value]) { arguments in
        vsnprintf(&buffer, buffer.count, pattern, arguments)
      }
    }
    guard count >= 0 else { return "" }
    if Int(count) >= buffer.count {
      buffer = [CChar](repeating: 0, count: Int(count) + 1)
      _ = format.withCString { pattern in
        withVaList([value]) { arguments in vsnprintf(&buffer, buffer.count, pattern, arguments) }
      }
    }
    return String(
      decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}

/// The strings extension's `format`: `%s`, `%d`, `%f`, `%e`, `%b`, `%o`, `%x`, `%X` with an
/// optional precision (`%.3f`), and `%%`. `kubernetes`: the clauses of the version Kubernetes
/// runs (`KubernetesFormat`), else those of cel-spec's conformance tests.
enum Formatter {
  static func format(
    _ text: String, _ arguments: [Value], kubernetes: Bool = false,
    budget: PrintBudget = PrintBudget(.max)
  ) -> Result<String, CELError> {
    var result = ""
    var scalars = text.unicodeScalars.makeIterator()
    var next = 0
    while let scalar = scalars.next() {
      guard scalar == "%" else {
        result.unicodeScalars.append(scalar)
        continue
      }
      guard var clause = scalars.next() else {
        return .failure(CELError("could not parse formatting clause: unexpected end of string"))
      }
      if clause == "%" {
        result += "%"
        continue
      }
      var precision: Int?
      if clause == "." {
        var digits = ""
        while let digit = scalars.next() {
          if digit.properties.numericType != nil && digit.isASCII {
            digits.unicodeScalars.append(digit)
          } else {
            clause = digit
            break
          }
        }
        guard let number = Int(digits),
          number <= (kubernetes ? KubernetesFormat.largestPrecision : 100)
        else {
          return .failure(CELError("could not parse formatting clause: invalid precision"))
        }
        precision = number
      }
      guard "sdfeboxX".unicodeScalars.contains(clause) else {
        return .failure(
          CELError(
            "could not parse formatting clause: unrecognized formatting clause \"\(clause)\""))
      }
      guard next < arguments.count else {
        return .failure(CELError("index \(next) out of range"))
      }
      let argument = arguments[next]
      next += 1
      let text =
        kubernetes
        ? KubernetesFormat.formatted(
          argument, clause: Character(clause), precision: precision, budget: budget)
        : nil
      switch text
        ?? formatted(argument, clause: Character(clause), precision: precision, budget: budget)
      {
      case .success(let text):
        guard budget.take(text) else { return .failure(costLimitExceeded) }
        result += text
      case .failure(let error): return .failure(error)
      }
    }
    return .success(result)
  }

  static func failure(_ message: String) -> Result<String, CELError> {
    .failure(CELError("error during formatting: \(message)"))
  }

  /// `%s` of a value it cannot print, in cel-go's words (both formatters, and the checker).
  static let stringClauseTypes =
    "string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps"

  static func stringClauseFailure(_ type: CELType) -> Result<String, CELError> {
    failure("\(stringClauseTypes), was given \(type)")
  }

  private static func special(_ value: Double) -> String? {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
    return nil
  }

  private static func formatted(
    _ value: Value, clause: Character, precision: Int?, budget: PrintBudget
  ) -> Result<String, CELError> {
    switch clause {
    case "s":
      guard let text = plainText(value, budget: budget) else {
        if let stopped = budget.stopped { return .failure(stopped) }
        return stringClauseFailure(value.type)
      }
      return .success(text)
    case "d":
      switch value {
      case .int(let number): return .success(String(number))
      case .uint(let number): return .success(String(number))
      case .double(let number) where special(number) != nil: return .success(special(number)!)
      default:
        return failure("decimal clause can only be used on integers, was given \(value.type)")
      }
    case "f", "e":
      let number: Double
      switch value {
      case .double(let x): number = x
      case .int(let x): number = Double(x)
      case .uint(let x): number = Double(x)
      default:
        let name = clause == "f" ? "fixed-point" : "scientific"
        return failure("\(name) clause can only be used on doubles, was given \(value.type)")
      }
      if let text = special(number) { return .success(text) }
      return .success(CELFormat.printf(number, precision: precision ?? 6, conversion: clause))
    case "b":
      switch value {
      case .int(let number): return .success(String(number, radix: 2))
      case .uint(let number): return .success(String(number, radix: 2))
      case .bool(let flag): return .success(flag ? "1" : "0")
      default:
        return failure(
          "only integers and bools can be formatted as binary, was given \(value.type)")
      }
    case "o":
      switch value {
      case .int(let number): return .success(String(number, radix: 8))
      case .uint(let number): return .success(String(number, radix: 8))
      default:
        return failure("octal clause can only be used on integers, was given \(value.type)")
      }
    default:  // x, X
      let upper = clause == "X"
      let text: String
      switch value {
      case .int(let number): text = String(number, radix: 16, uppercase: upper)
      case .uint(let number): text = String(number, radix: 16, uppercase: upper)
      case .string(let string): text = hex(Array(string.utf8), upper: upper)
      case .bytes(let bytes): text = hex(bytes, upper: upper)
      default:
        return failure(
          "only integers, byte buffers, and strings can be formatted as hex, was given \(value.type)"
        )
      }
      return .success(text)
    }
  }

  private static func hex(_ bytes: [UInt8], upper: Bool) -> String {
    let digits = Array((upper ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count * 2)
    for byte in bytes {
      result.append(digits[Int(byte >> 4)])
      result.append(digits[Int(byte & 15)])
    }
    return String(decoding: result, as: UTF8.self)
  }

  /// `%s`: strings as they are, doubles as `string()` gives them (infinities spelled out),
  /// lists and maps with their elements so printed, map entries in the order of their keys'
  /// text.
  static func plainText(_ value: Value, budget: PrintBudget = PrintBudget(.max)) -> String? {
    switch value {
    case .string(let text): return text
    case .bytes(let bytes): return String(decoding: bytes, as: UTF8.self)
    case .int(let number): return String(number)
    case .uint(let number): return String(number)
    case .double(let number): return special(number) ?? CELFormat.double(number)
    case .bool(let flag): return flag ? "true" : "false"
    case .null: return "null"
    case .type(let type): return type.description
    case .timestamp(let timestamp): return timestamp.text
    case .duration(let duration): return duration.goText
    case .list(let list):
      guard budget.enter() else { return nil }
      defer { budget.leave() }
      var parts: [String] = []
      for index in 0..<list.count {
        guard let text = plainText(list.element(at: index), budget: budget),
          budget.take(text)
        else { return nil }
        parts.append(text)
      }
      return "[" + parts.joined(separator: ", ") + "]"
    case .map(let map):
      guard budget.enter() else { return nil }
      defer { budget.leave() }
      var entries: [(String, String)] = []
      for key in map.keys {
        guard let keyText = plainText(key, budget: budget),
          let valueText = plainText(map.value(for: key)!, budget: budget),
          budget.take(keyText), budget.take(valueText)
        else { return nil }
        entries.append((keyText, valueText))
      }
      entries.sort { $0.0 < $1.0 }
      return "{" + entries.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
    default:
      return nil
    }
  }
}

/// What `format` may still write, in bytes (ten per unit of the expression's remaining cost):
/// every clause's text, and every element of a list or map it prints, takes from it, so that
/// arguments that print far more than their estimated weight (a list of `1e308`, each with its
/// six decimals; strings whose escapes quadruple them) end in a cost error, not in gigabytes.
final class PrintBudget {
  private var remaining: Int
  /// How many lists and maps the value being printed is inside of.
  private var depth = 0
  /// Whether the value nests deeper than `deepest`.
  private(set) var isTooDeep = false

  init(_ bytes: Int) { remaining = bytes }

  var isSpent: Bool { remaining < 0 }

  /// The most lists and maps a printed value may nest: YAML aliases build values tens of
  /// thousands of levels deep within the reader's limits (each document nests at most 512),
  /// and printing one, a call per level, overflowed the stack. cel-go prints it; kubeward
  /// says it will not.
  static let deepest = 1_000

  /// Goes into a list or a map: `false` past `deepest`.
  func enter() -> Bool {
    depth += 1
    if depth > Self.deepest { isTooDeep = true }
    return !isTooDeep
  }

  func leave() { depth -= 1 }

  /// Why printing stopped, when it stopped for the budget or for the depth.
  var stopped: CELError? {
    if isSpent { return costLimitExceeded }
    if isTooDeep {
      return CELError("value nests more than \(Self.deepest) lists or maps deep to be formatted")
    }
    return nil
  }

  /// Takes `text`'s bytes: `false` once they are more than remain.
  func take(_ text: String) -> Bool {
    remaining -= text.utf8.count
    return remaining >= 0
  }
}

/// Substring search in time linear in the text and the part (Knuth, Morris and Pratt): the
/// plain search is their product, and CEL charges a search by the text's length, so a hostile
/// 300 000-character text and 150 000-character part took seconds within budget.
enum Search {
  static func firstIndex<Text: RandomAccessCollection>(
    of needle: Text, in haystack: Text, from start: Int
  ) -> Int? where Text.Index == Int, Text.Element: Equatable {
    guard !needle.isEmpty else { return start <= haystack.count ? start : nil }
    guard start >= 0, haystack.count - start >= needle.count else { return nil }
    // border[i]: the length of the longest proper prefix of needle[...i] that is also its
    // suffix, where a partial match falls back to on a mismatch. On the stack when short.
    return withUnsafeTemporaryAllocation(of: Int.self, capacity: needle.count) { border in
      border[0] = 0
      var length = 0
      for index in 1..<needle.count {
        while length > 0 && needle[index] != needle[length] { length = border[length - 1] }
        if needle[index] == needle[length] { length += 1 }
        border[index] = length
      }
      var matched = 0
      for index in start..<haystack.count {
        while matched > 0 && haystack[index] != needle[matched] { matched = border[matched - 1] }
        if haystack[index] == needle[matched] { matched += 1 }
        if matched == needle.count { return index - needle.count + 1 }
      }
      return nil
    }
  }
}

extension Strings {
  /// `reverse` (version 3), which Kubernetes' environment (version 2) does not have.
  fileprivate static func registerVersion3(_ library: inout Library) {
    library.add("reverse", member: true, arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(1 + text.utf8.count / 10) else { return .error(costLimitExceeded) }
      var result = String.UnicodeScalarView()
      result.append(contentsOf: text.unicodeScalars.reversed())
      return .string(String(result))
    }
  }
}
