import KubewardCEL
import KubewardYAML

/// How the API server writes a `resource.Quantity` it hands an admission policy: the object
/// is decoded into its Go type (`Quantity.UnmarshalJSON`, `ParseQuantity`) and sent as
/// unstructured (`Quantity.ToUnstructured`, `String()`), so `memory: 1024Mi` is `"1Gi"`,
/// `cpu: 0.5` is `"500m"` and `cpu: 1` is the string `"1"`, never an int. A policy's
/// `quantity(c.resources.limits.cpu)` holds on a manifest that writes a plain number, and a
/// comparison of the text sees what the cluster sees.
///
/// The rules are k8s.io/apimachinery's `pkg/api/resource/quantity.go`, followed step by step:
/// a text already in canonical form is kept as written (`ParseQuantity`'s fast path caches
/// it: `"1.500"` stays), and so are its quirks (`1000E` is `"1"`: 10²¹ has no SI suffix).
/// A `ResourceList`'s quantities are rounded up to milli units first
/// (`SetDefaults_ResourceList`): `cpu: 100u` is `"1m"`.
enum QuantityText {
  /// The smallest unit a quantity keeps, a finer part rounded up (away from zero).
  enum Rounding {
    /// `ParseQuantity`'s own.
    case nano
    /// A `ResourceList`'s (`SetDefaults_ResourceList`).
    case milli

    var exponent: Int { self == .nano ? -9 : -3 }
  }

  /// The text the API server sends for a Quantity written as `node` (a string, or a JSON
  /// number), or `nil` for one it would reject (the object is then left as written).
  static func canonical(_ node: Node, rounding: Rounding = .nano) -> String? {
    // Longer than any quantity, white space and all: none (and not copied for every read).
    guard node.scalarByteCount <= longestWritten else { return nil }
    switch node.jsonType {
    case .null:
      // `UnmarshalJSON("null")` is the zero quantity.
      return "0"
    case .integer:
      return node.int.flatMap { canonical(String($0), rounding: rounding) }
    case .number:
      guard let number = Double((node.string ?? "").filter { $0 != "_" }), number.isFinite
      else { return nil }
      return canonical(goJSONText(of: number), rounding: rounding)
    case .string:
      return node.string.flatMap { canonical($0, rounding: rounding) }
    default:
      return nil
    }
  }

  /// `ParseQuantity(strings.TrimSpace(text)).String()`, or `nil` when it does not parse.
  static func canonical(_ written: String, rounding: Rounding = .nano) -> String? {
    isKeptAsWritten(written, rounding: rounding)
      ? written : parsedCanonical(written, rounding: rounding)
  }

  /// `canonical(_:)` the long way, by the parse (what `isKeptAsWritten` shortens).
  static func parsedCanonical(_ written: String, rounding: Rounding = .nano) -> String? {
    guard written.utf8.count <= longestWritten else { return nil }
    let text = written.trimmingGoSpace
    // Longer than any quantity a resource takes: left as written (and never worked on).
    guard !text.isEmpty, text.utf8.count <= maximumLength else { return nil }
    if text == "0" { return text }
    guard let parsed = Parsed(Array(text.utf8)),
      let (base, exponent, suffixFormat) = interpret(parsed.suffix)
    else { return nil }
    if let kept = fastPath(
      parsed, text: text, exponent: exponent, format: suffixFormat, rounding: rounding)
    {
      return kept
    }
    // The slow path reads the written number (`inf.Dec.SetString`), which needs a digit: `Pi`
    // and `e-10` are errors there (the fast path reads `.` and `Ki` as 0).
    guard parsed.hasDigits else { return nil }
    var amount = Decimal(digits: parsed.digits, exponent: -parsed.fraction.count)
    if base == 10 {
      amount.exponent += exponent
    } else {
      for _ in 0..<(exponent / 10) { amount.multiply(by: 1024) }
    }
    var format = suffixFormat
    if !amount.isZero { amount.roundUp(toExponent: rounding.exponent) }
    if format == .binarySI, amount.exceeds(maximumAllowed) { amount = maximumAllowed }
    if format == .binarySI, !amount.isZero, amount.isLessThanOne { format = .decimalSI }
    return render(amount, negative: !parsed.positive, format: format)
  }

  static let maximumLength = 128
  /// The longest text looked at, white space around the quantity included.
  static let longestWritten = 4 * maximumLength

  /// Whether `text` is in the form most manifests write, which the API server keeps: a whole
  /// number without leading zeros, with an SI suffix and not ending in `000`, or below 1024
  /// with a binary one (`500m`, `2`, `128Mi`). Said from the bytes, without the parse's
  /// copies: a policy reads a container's quantities on every object.
  private static func isKeptAsWritten(_ text: String, rounding: Rounding) -> Bool {
    let bytes = text.utf8
    guard let first = bytes.first, (0x31...0x39).contains(first), bytes.count <= 17 else {
      return false
    }
    var index = bytes.startIndex
    var value = 0
    var trailingZeros = 0
    while index != bytes.endIndex, isDigit(bytes[index]) {
      value = value * 10 + Int(bytes[index] - 0x30)
      trailingZeros = bytes[index] == 0x30 ? trailingZeros + 1 : 0
      bytes.formIndex(after: &index)
    }
    let suffix = bytes[index...]
    switch suffix.count {
    case 0: return trailingZeros < 3
    case 1:
      // Nano and micro units are rounded to milli ones in a ResourceList.
      let suffixes = rounding == .nano ? "numkMGTPE" : "mkMGTPE"
      return suffixes.utf8.contains(suffix[index]) && trailingZeros < 3
    case 2:
      // Ei would pass 2⁶³ from 8Ei on (and be capped): left to the parse.
      return "KMGTP".utf8.contains(suffix[index]) && suffix.last == UInt8(ascii: "i")
        && value < 1024
    default: return false
    }
  }

  enum Format { case decimalExponent, decimalSI, binarySI }

  /// The sign, numerator, denominator and suffix of a quantity (`parseQuantityString`): the
  /// numerator without its leading zeros.
  private struct Parsed {
    var positive = true
    var numerator: ArraySlice<UInt8> = []
    var fraction: ArraySlice<UInt8> = []
    var suffix: ArraySlice<UInt8> = []

    /// Whether a digit is written (a leading zero included).
    var hasDigits = false

    var digits: [UInt8] { Array(numerator) + Array(fraction) }

    init?(_ bytes: [UInt8]) {
      var position = 0
      if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
        positive = sign != UInt8(ascii: "-")
        position = 1
      }
      let zerosStart = position
      while position < bytes.count, bytes[position] == UInt8(ascii: "0") { position += 1 }
      hasDigits = position > zerosStart
      let start = position
      while position < bytes.count, isDigit(bytes[position]) { position += 1 }
      hasDigits = hasDigits || position > start
      numerator = start == position ? [UInt8(ascii: "0")] : bytes[start..<position]
      if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
        position += 1
        let fractionStart = position
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        fraction = bytes[fractionStart..<position]
        hasDigits = hasDigits || !fraction.isEmpty
      }
      let suffixStart = position
      while position < bytes.count, "eEinumkKMGTP".utf8.contains(bytes[position]) {
        position += 1
      }
      if position < bytes.count,
        bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+")
      {
        position += 1
      }
      while position < bytes.count, isDigit(bytes[position]) { position += 1 }
      guard position == bytes.count else { return nil }
      suffix = bytes[suffixStart...]
    }
  }

  private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

  /// The base, exponent and format a suffix stands for (`suffixHandler.interpret`).
  private static func interpret(_ suffix: ArraySlice<UInt8>) -> (Int, Int, Format)? {
    let text = String(decoding: suffix, as: UTF8.self)
    if let exponent = decimalSuffixes.first(where: { $0.suffix == text })?.exponent {
      return (10, exponent, .decimalSI)
    }
    if let power = binarySuffixes.firstIndex(of: text), power > 0 {
      return (2, power * 10, .binarySI)
    }
    guard suffix.count > 1, suffix.first == UInt8(ascii: "e") || suffix.first == UInt8(ascii: "E"),
      let exponent = Int(String(decoding: suffix.dropFirst(), as: UTF8.self)),
      (-maximumExponent...maximumExponent).contains(exponent)
    else { return nil }
    return (10, exponent, .decimalExponent)
  }

  /// Beyond it the text is left as written, deliberately (Go takes any exponent, wrapped to
  /// 32 bits): no resource is 10¹⁰⁰⁰⁰ of anything, and the digits worked on stay few.
  private static let maximumExponent = 10_000

  private static let decimalSuffixes: [(suffix: String, exponent: Int)] = [
    ("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15),
    ("E", 18),
  ]
  /// By power of 1024.
  private static let binarySuffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]

  /// `ParseQuantity`'s int64 fast path: the written text when it keeps it (it is canonical as
  /// written), the canonical text of the value when it takes the path, else `nil` (the slow
  /// path, which rounds to nano units and caps binary values).
  private static func fastPath(
    _ parsed: Parsed, text: String, exponent: Int, format: Format, rounding: Rounding
  ) -> String? {
    let length = parsed.numerator.count + parsed.fraction.count
    var scale = 0
    var mantissaShift = 0
    let precision: Int
    switch format {
    case .decimalExponent, .decimalSI:
      scale = exponent
      precision = 18 - length
    case .binarySI:
      if parsed.fraction.isEmpty {
        mantissaShift = exponent
        precision = 15 - parsed.numerator.count - Int(Float(exponent) * 3 / 10) - 1
      } else {
        precision = -1
      }
    }
    guard precision >= 0 else { return nil }
    scale -= parsed.fraction.count
    // Finer than the rounding keeps: the slow path (a ResourceList's `RoundUp` drops the
    // kept text and rounds as the slow path does).
    guard scale >= rounding.exponent else { return nil }
    let shifted = parsed.digits
    var value: Int64 = 0
    for digit in shifted { value = value * 10 + Int64(digit - 0x30) }
    let (result, overflow) = value.multipliedReportingOverflow(by: Int64(1) << mantissaShift)
    guard !overflow else { return nil }
    switch format {
    case .binarySI:
      if exponent % 10 == 0, value & 0x07 != 0 { return text }
    case .decimalExponent, .decimalSI:
      let endsInThousands = shifted.count >= 3 && shifted.suffix(3).allSatisfy { $0 == 0x30 }
      if scale % 3 == 0, !endsInThousands, shifted.first != 0x30 { return text }
    }
    var amount = Decimal(digits: Array(String(result).utf8), exponent: scale)
    amount.trim()
    return render(amount, negative: !parsed.positive, format: format)
  }

  /// 2⁶³ − 1, the largest binary quantity (`maxAllowed`).
  private static let maximumAllowed = Decimal(
    digits: Array("9223372036854775807".utf8), exponent: 0)

  /// `Quantity.CanonicalizeBytes` of a value's magnitude, with its sign.
  private static func render(_ magnitude: Decimal, negative: Bool, format: Format) -> String {
    var amount = magnitude
    amount.trim()
    if amount.isZero { return "0" }
    let sign = negative ? "-" : ""
    var format = format
    if format == .binarySI, amount.isLessThan1024 || !amount.isInteger { format = .decimalSI }
    if format == .binarySI {
      var integer = amount.integerDigits
      var power = 0
      while let quotient = Decimal.divide(integer, by: 1024) {
        integer = quotient
        power += 1
      }
      let suffix = power < binarySuffixes.count ? binarySuffixes[power] : ""
      return sign + String(decoding: integer, as: UTF8.self) + suffix
    }
    // The exponent brought down to a multiple of three (Go's `%` truncates, as Swift's).
    while amount.exponent % 3 != 0 {
      amount.digits.append(0x30)
      amount.exponent -= 1
    }
    let number = sign + String(decoding: amount.digits, as: UTF8.self)
    switch format {
    case .decimalExponent:
      return amount.exponent == 0 ? number : number + "e\(amount.exponent)"
    default:
      // An exponent without an SI suffix gets none (10²¹ is written "1").
      return number
        + (decimalSuffixes.first { $0.exponent == amount.exponent }?.suffix ?? "")
    }
  }

  /// A non-negative decimal: ASCII `digits` times ten to the `exponent`.
  private struct Decimal {
    var digits: [UInt8]
    var exponent: Int

    /// Without leading zeros, and trailing ones moved into the exponent.
    mutating func trim() {
      let leading = digits.prefix { $0 == 0x30 }.count
      digits.removeFirst(leading)
      while digits.last == 0x30 {
        digits.removeLast()
        exponent += 1
      }
      if digits.isEmpty { exponent = 0 }
    }

    var isZero: Bool { digits.allSatisfy { $0 == 0x30 } }

    mutating func multiply(by factor: UInt64) {
      var carry: UInt64 = 0
      for index in digits.indices.reversed() {
        let product = UInt64(digits[index] - 0x30) * factor + carry
        digits[index] = UInt8(product % 10) + 0x30
        carry = product / 10
      }
      while carry > 0 {
        digits.insert(UInt8(carry % 10) + 0x30, at: 0)
        carry /= 10
      }
    }

    /// Rounded up (away from zero) to ten to the `target` (`inf.RoundUp`).
    mutating func roundUp(toExponent target: Int) {
      guard exponent < target else { return }
      let dropped = target - exponent
      let kept = max(digits.count - dropped, 0)
      let carries = digits[kept...].contains { $0 != 0x30 }
      digits = Array(digits[..<kept])
      exponent = target
      if digits.isEmpty { digits = [0x30] }
      if carries { increment() }
    }

    private mutating func increment() {
      var index = digits.count - 1
      while index >= 0 {
        if digits[index] == 0x39 {
          digits[index] = 0x30
          index -= 1
        } else {
          digits[index] += 1
          return
        }
      }
      digits.insert(0x31, at: 0)
    }

    /// The integer part's digits, without leading zeros ("0" for none).
    var integerDigits: [UInt8] {
      var whole: [UInt8]
      if exponent >= 0 {
        whole = digits + [UInt8](repeating: 0x30, count: exponent)
      } else {
        whole = Array(digits.dropLast(-exponent))
      }
      whole = Array(whole.drop { $0 == 0x30 })
      return whole.isEmpty ? [0x30] : whole
    }

    var isInteger: Bool {
      exponent >= 0 || digits.suffix(-exponent).allSatisfy { $0 == 0x30 }
    }

    /// Compared with an integer `other` (its exponent 0).
    func exceeds(_ other: Decimal) -> Bool {
      let whole = integerDigits
      if whole.count != other.digits.count { return whole.count > other.digits.count }
      if whole != other.digits { return whole.lexicographicallyPrecedes(other.digits) == false }
      return !isInteger
    }

    var isLessThanOne: Bool { integerDigits == [0x30] }

    var isLessThan1024: Bool {
      let whole = integerDigits
      return whole.count < 4
        || (whole.count == 4 && whole.lexicographicallyPrecedes(Array("1024".utf8)))
    }

    /// `digits` (an integer) divided by `divisor` when it divides them, else `nil`.
    static func divide(_ digits: [UInt8], by divisor: UInt64) -> [UInt8]? {
      guard digits != [0x30] else { return nil }
      var quotient: [UInt8] = []
      var remainder: UInt64 = 0
      for digit in digits {
        remainder = remainder * 10 + UInt64(digit - 0x30)
        let next = UInt8(remainder / divisor) + 0x30
        if !(quotient.isEmpty && next == 0x30) { quotient.append(next) }
        remainder %= divisor
      }
      return remainder == 0 ? quotient : nil
    }
  }

  /// How Go's `encoding/json` writes a float64 (kubectl's YAML-to-JSON gives the API server
  /// `cpu: 0.5` so): the shortest digits that read back as it, plain between 10⁻⁶ and 10²¹,
  /// else with an exponent (`1e+21`, `1e-7`).
  static func goJSONText(of number: Double) -> String {
    CELFormat.goLayout(number, plainExponents: -6...20, padsNegativeExponent: false)
  }
}

extension String {
  /// Without the white space at either end that `Quantity.UnmarshalJSON` trims: Go's
  /// `strings.TrimSpace` of the JSON text, where a control character is an escape
  /// (`\n`, which is no space and fails the parse), and so are U+2028 and U+2029; what is
  /// left is the space and the Unicode spaces JSON writes as they are (NBSP, NEL …).
  fileprivate var trimmingGoSpace: String {
    guard let head = utf8.first, let tail = utf8.last,
      head == 0x20 || head >= 0x80 || tail == 0x20 || tail >= 0x80
    else { return self }
    func isTrimmed(_ scalar: Unicode.Scalar) -> Bool {
      switch scalar.value {
      case 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x202F, 0x205F, 0x3000: true
      default: false
      }
    }
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { !isTrimmed($0) }) else { return "" }
    let last = scalars.lastIndex(where: { !isTrimmed($0) })!
    return String(scalars[first...last])
  }
}
