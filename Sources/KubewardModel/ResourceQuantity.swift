/// A `resource.Quantity` as the API server reads it (apimachinery's `ParseQuantity`):
/// a signed decimal number (`1`, `2.5`, `.5`, `1.`) and one suffix, binary
/// (`Ki` … `Ei`), decimal (`n`, `u`, `m`, `k`, `M`, `G`, `T`, `P`, `E`) or an exponent (`e3`,
/// `E-2`). Text of any other form (`1Gb`, `1gi`, `0x10`, `1 Gi`) the API server rejects.
public enum ResourceQuantity {
  /// The quantity's value, approximately (a `Double`: for comparing quantities, not for
  /// adding them exactly); `nil` for text the API server rejects. Spaces around it are
  /// allowed, as the API's JSON decoder trims them.
  public static func value(_ text: String) -> Double? {
    var text = text
    return text.withUTF8 { value($0) }
  }

  /// `value` of UTF-8 text. Read byte by byte, without allocating: the schema check reads
  /// every quantity of every container.
  public static func value(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
    var start = 0
    var end = bytes.count
    while start < end, isSpace(bytes[start]) { start += 1 }
    while end > start, isSpace(bytes[end - 1]) { end -= 1 }
    guard start < end else { return nil }
    var index = start
    var sign = 1.0
    if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
      if bytes[index] == UInt8(ascii: "-") { sign = -1 }
      index += 1
    }
    // The digits, as a Double (approximate past 2^53, which is all a comparison needs), and
    // how many follow the point.
    var magnitude = 0.0
    var digits = 0
    var fractionDigits = 0
    while index < end, let digit = digit(bytes[index]) {
      magnitude = magnitude * 10 + digit
      digits += 1
      index += 1
    }
    if index < end, bytes[index] == UInt8(ascii: ".") {
      index += 1
      while index < end, let digit = digit(bytes[index]) {
        magnitude = magnitude * 10 + digit
        digits += 1
        fractionDigits += 1
        index += 1
      }
    }
    // A number without a digit (`Gi`, `.`, `-`) is 0 to Go's fast path, for some suffixes:
    // accepted here for every one, lest a quantity the API server takes be called wrong.
    guard let (base, exponent) = suffix(bytes, from: index, to: end) else { return nil }
    guard digits > 0 else { return 0 }
    let value = sign * magnitude * power(10, -fractionDigits) * power(base, exponent)
    // Hundreds of digits over a large negative exponent: infinity times zero.
    return value.isNaN ? 0 : value
  }

  /// The suffix's base and exponent (`Ki`: 2^10, `m`: 10^-3, `e3`: 10^3); `nil` for one the
  /// API server does not know.
  private static func suffix(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int)
    -> (base: Double, exponent: Int)?
  {
    let length = end - start
    if length == 0 { return (10, 0) }
    let first = bytes[start]
    if length <= 2 {
      let second = length == 2 ? bytes[start + 1] : 0
      if let known = suffixes.first(where: { $0.first == first && $0.second == second }) {
        return (known.base, known.exponent)
      }
    }
    // An exponent: `e` or `E`, then a signed whole number, which Go parses as 64-bit (one
    // past that is rejected) and then cuts to 32 bits (`1e4294967296` is 1).
    guard length > 1, first == UInt8(ascii: "e") || first == UInt8(ascii: "E") else { return nil }
    var index = start + 1
    var negative = false
    if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
      negative = bytes[index] == UInt8(ascii: "-")
      index += 1
    }
    guard index < end else { return nil }
    var exponent = 0
    var overflowed = false
    while index < end {
      guard let digit = digit(bytes[index]) else { return nil }
      if !overflowed {
        let (times, overflow1) = exponent.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = times.addingReportingOverflow(Int(digit))
        if overflow1 || overflow2 { overflowed = true } else { exponent = sum }
      }
      index += 1
    }
    if overflowed { return nil }
    return (10, Int(Int32(truncatingIfNeeded: negative ? -exponent : exponent)))
  }

  /// The suffixes by their bytes (a second byte of 0 for one of one byte), searched in a row:
  /// no text is made of the quantity's.
  private static let suffixes: [(first: UInt8, second: UInt8, base: Double, exponent: Int)] = [
    (UInt8(ascii: "K"), UInt8(ascii: "i"), 2, 10), (UInt8(ascii: "M"), UInt8(ascii: "i"), 2, 20),
    (UInt8(ascii: "G"), UInt8(ascii: "i"), 2, 30), (UInt8(ascii: "T"), UInt8(ascii: "i"), 2, 40),
    (UInt8(ascii: "P"), UInt8(ascii: "i"), 2, 50), (UInt8(ascii: "E"), UInt8(ascii: "i"), 2, 60),
    (UInt8(ascii: "n"), 0, 10, -9), (UInt8(ascii: "u"), 0, 10, -6), (UInt8(ascii: "m"), 0, 10, -3),
    (UInt8(ascii: "k"), 0, 10, 3), (UInt8(ascii: "M"), 0, 10, 6), (UInt8(ascii: "G"), 0, 10, 9),
    (UInt8(ascii: "T"), 0, 10, 12), (UInt8(ascii: "P"), 0, 10, 15), (UInt8(ascii: "E"), 0, 10, 18),
  ]

  /// `base` to the power `exponent`, clamped where a Double ends anyway.
  private static func power(_ base: Double, _ exponent: Int) -> Double {
    let clamped = min(max(exponent, -1100), 1100)
    var result = 1.0
    var factor = base
    var remaining = abs(clamped)
    while remaining > 0 {
      if remaining & 1 == 1 { result *= factor }
      factor *= factor
      remaining >>= 1
    }
    return clamped < 0 ? 1 / result : result
  }

  private static func digit(_ byte: UInt8) -> Double? {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
      ? Double(byte - UInt8(ascii: "0")) : nil
  }

  private static func isSpace(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
      || byte == UInt8(ascii: "\r")
  }
}
