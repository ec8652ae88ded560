/// `format` as the API server runs it. Kubernetes enables version 2 of cel-go's strings
/// extension, whose formatter (cel-go's `ext/formatting.go`, for versions below 4) prints
/// what cel-spec's newer conformance tests print otherwise:
/// - `%f` and `%e` take doubles (and the strings `NaN`, `Infinity`, `-Infinity`), not
///   integers, and print through an `en_US` number printer: `1,234.500000`, `∞`,
///   `3.140000×10⁰⁰` (`%e`'s precision is a width, as cel-go passes it);
/// - `%d` takes integers only;
/// - `%s` prints a double as `string()` does (`+Inf`, `1e-09`), and the elements of a list or
///   a map as CEL literals: strings quoted as Go's `%q` quotes them, doubles with six
///   decimals, `timestamp("…")`, map entries as `key:value` in the order of their keys' text.
/// Binary, octal and hex are the same in both: `nil` leaves them to `Formatter`.
enum KubernetesFormat {
  /// The largest precision taken (the API server takes any; printing a thousand digits is
  /// already more than a message holds).
  static let largestPrecision = 1_000

  static func formatted(
    _ value: Value, clause: Character, precision: Int?, budget: PrintBudget = PrintBudget(.max)
  ) -> Result<String, CELError>? {
    switch clause {
    case "s":
      guard let text = text(value, budget: budget) else {
        if let stopped = budget.stopped { return .failure(stopped) }
        return Formatter.stringClauseFailure(value.type)
      }
      return .success(text)
    case "d":
      switch value {
      case .int(let number): return .success(String(number))
      case .uint(let number): return .success(String(number))
      default:
        return Formatter.failure(
          "decimal clause can only be used on integers, was given \(value.type)")
      }
    case "f", "e":
      let number: Double
      switch value {
      case .double(let x): number = x
      case .string("NaN"): number = .nan
      case .string("Infinity"): number = .infinity
      case .string("-Infinity"): number = -.infinity
      default:
        let name = clause == "f" ? "fixed-point" : "scientific"
        return Formatter.failure(
          "\(name) clause can only be used on doubles, was given \(value.type)")
      }
      if number.isNaN { return .success("NaN") }
      if number.isInfinite { return .success(number < 0 ? "-∞" : "∞") }
      guard clause == "e" else {
        return .success(
          grouped(CELFormat.printf(number, precision: precision ?? 6, conversion: "f")))
      }
      // cel-go writes the precision into the pattern as a width (`%.2e` prints `%2e`): six
      // decimals, padded to that many characters.
      let text = scientific(CELFormat.printf(number, precision: 6, conversion: "e"))
      let width = min(precision ?? 6, Self.largestPrecision)
      let missing = width - text.unicodeScalars.count
      return .success(missing > 0 ? String(repeating: " ", count: missing) + text : text)
    default:
      return nil
    }
  }

  /// `%s` of a value.
  static func text(_ value: Value, budget: PrintBudget = PrintBudget(.max)) -> String? {
    switch value {
    case .double(let number): return CELFormat.double(number)
    case .list, .map: return literal(value, budget: budget)
    default: return Formatter.plainText(value)
    }
  }

  /// A list's or a map's element as cel-go's formatter prints it: as a CEL literal.
  private static func literal(_ value: Value, budget: PrintBudget) -> String? {
    switch value {
    case .string(let text): return goQuoted(Array(text.utf8))
    case .bytes(let bytes): return "b" + goQuoted(bytes)
    case .double(let number):
      if number.isNaN { return "\"NaN\"" }
      if number.isInfinite { return number < 0 ? "\"-Inf\"" : "\"+Inf\"" }
      return CELFormat.printf(number, precision: 6, conversion: "f")
    case .timestamp(let timestamp): return "timestamp(\(goQuoted(Array(timestamp.text.utf8))))"
    case .duration(let duration): return "duration(\(goQuoted(Array(duration.goText.utf8))))"
    case .list(let list):
      guard budget.enter() else { return nil }
      defer { budget.leave() }
      var parts: [String] = []
      for index in 0..<list.count {
        guard let part = literal(list.element(at: index), budget: budget), budget.take(part)
        else { return nil }
        parts.append(part)
      }
      return "[" + parts.joined(separator: ", ") + "]"
    case .map(let map):
      guard budget.enter() else { return nil }
      defer { budget.leave() }
      var entries: [(key: String, value: String)] = []
      for key in map.keys {
        switch key {
        case .string, .bool, .int, .uint: break
        default: return nil
        }
        guard let keyText = literal(key, budget: budget), let element = map.value(for: key),
          let valueText = literal(element, budget: budget), budget.take(keyText),
          budget.take(valueText)
        else { return nil }
        entries.append((keyText, valueText))
      }
      // Go compares strings byte by byte.
      entries.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
      return "{" + entries.map { "\($0.key):\($0.value)" }.joined(separator: ", ") + "}"
    default:
      return Formatter.plainText(value)
    }
  }

  /// `printed` (`-1234.5`) with its integer digits in groups of three: `-1,234.5`.
  static func grouped(_ printed: String) -> String {
    var bytes = Array(printed.utf8)
    let start = bytes.first == UInt8(ascii: "-") ? 1 : 0
    let end = bytes.firstIndex(of: UInt8(ascii: ".")) ?? bytes.count
    var position = end - 3
    while position > start {
      bytes.insert(UInt8(ascii: ","), at: position)
      position -= 3
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// `printed` (`3.140000e+00`) as the number printer writes it: `3.140000×10⁰⁰`. (Before
  /// Kubernetes 1.33, an older golang.org/x/text put narrow spaces, U+202F, around the `×`;
  /// the API server's own tests now expect none.)
  static func scientific(_ printed: String) -> String {
    guard let e = printed.firstIndex(of: "e") else { return printed }
    var result = String(printed[..<e]) + "×10"
    for character in printed[printed.index(after: e)...] {
      switch character {
      case "-": result += "⁻"
      case "+": continue
      default: result += superscripts[Int(character.asciiValue! - UInt8(ascii: "0"))]
      }
    }
    return result
  }

  private static let superscripts = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]

  /// Go's `strconv.Quote` of `bytes`: printable characters as they are, `\"` and `\\`, the C
  /// escapes, `\xNN` for other ASCII controls and bytes that are not UTF-8, `\uNNNN` and
  /// `\UNNNNNNNN` for other characters Go does not print.
  static func goQuoted(_ bytes: [UInt8]) -> String {
    var result = "\""
    var index = 0
    while index < bytes.count {
      let length = sequenceLength(bytes, at: index)
      guard length > 0 else {
        result += "\\x" + hex(UInt32(bytes[index]), digits: 2)
        index += 1
        continue
      }
      let scalar = String(decoding: bytes[index..<(index + length)], as: UTF8.self)
        .unicodeScalars.first!
      index += length
      if let escape = Strings.escape(scalar) {
        result += escape
      } else if isPrintable(scalar) {
        result.unicodeScalars.append(scalar)
      } else if scalar.value < 0x20 || scalar.value == 0x7F {
        result += "\\x" + hex(scalar.value, digits: 2)
      } else if scalar.value < 0x10000 {
        result += "\\u" + hex(scalar.value, digits: 4)
      } else {
        result += "\\U" + hex(scalar.value, digits: 8)
      }
    }
    return result + "\""
  }

  /// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the space.
  private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
    if scalar == " " { return true }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
      .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber,
      .otherNumber, .connectorPunctuation, .dashPunctuation, .openPunctuation,
      .closePunctuation, .initialPunctuation, .finalPunctuation, .otherPunctuation,
      .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
      return true
    default:
      return false
    }
  }

  private static func hex(_ value: UInt32, digits: Int) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
  }

  /// The length of the valid UTF-8 sequence at `index`, or 0 (Go decodes a byte that starts
  /// none as one invalid byte).
  private static func sequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
    let length: Int
    switch bytes[index] {
    case 0..<0x80: return 1
    case 0xC2...0xDF: length = 2
    case 0xE0...0xEF: length = 3
    case 0xF0...0xF4: length = 4
    default: return 0
    }
    guard index + length <= bytes.count,
      String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil
    else { return 0 }
    return length
  }
}
