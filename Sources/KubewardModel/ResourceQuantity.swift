/// A `resource.Quantity` as the API server reads it (apimachinery's `ParseQuantity`):
/// a signed decimal number (`1`, `2.5`, `.5`, `1.`, with a digit) and one suffix, binary (`Ki` … `Ei`),
/// decimal (`n`, `u`, `m`, `k`, `M`, `G`, `T`, `P`, `E`) or an exponent (`e3`, `E-2`). Text of
/// any other form (`1Gb`, `1gi`, `0x10`, `1 Gi`) the API server rejects.
public enum ResourceQuantity {
  /// The quantity's value, approximately (a `Double`: for comparing quantities, not for
  /// adding them exactly); `nil` for text the API server rejects. Spaces around it are
  /// allowed, as the API's JSON decoder trims them.
  public static func value(_ text: String) -> Double? {
    let bytes = Array(text.utf8)
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
    let numberStart = index
    while index < end, isDigit(bytes[index]) { index += 1 }
    if index < end, bytes[index] == UInt8(ascii: ".") {
      index += 1
      while index < end, isDigit(bytes[index]) { index += 1 }
    }
    // A number without a digit (`Gi`, `.`) is none: Go's decimal parser rejects it.
    let number = String(decoding: bytes[numberStart..<index], as: UTF8.self)
    guard number.utf8.contains(where: isDigit), let magnitude = Double("0" + number),
      let factor = factor(of: Array(bytes[index..<end]))
    else { return nil }
    return sign * magnitude * factor
  }

  private static let decimal: [String: Double] = [
    "": 1, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
    "E": 1e18,
  ]
  private static let binary: [String: Double] = [
    "Ki": 0x1p10, "Mi": 0x1p20, "Gi": 0x1p30, "Ti": 0x1p40, "Pi": 0x1p50, "Ei": 0x1p60,
  ]

  /// What a suffix multiplies by; `nil` for one the API server does not know.
  private static func factor(of suffix: [UInt8]) -> Double? {
    let text = String(decoding: suffix, as: UTF8.self)
    if let factor = decimal[text] ?? binary[text] { return factor }
    // An exponent: `e` or `E`, then a signed whole number.
    guard suffix.count > 1, suffix[0] == UInt8(ascii: "e") || suffix[0] == UInt8(ascii: "E")
    else { return nil }
    var digits = suffix.dropFirst()
    if digits.first == UInt8(ascii: "-") || digits.first == UInt8(ascii: "+") {
      digits = digits.dropFirst()
    }
    // Go parses the exponent as a 64-bit number: one past it is rejected, and a large one
    // is accepted (and is here infinite, or zero).
    guard !digits.isEmpty, digits.allSatisfy(isDigit), let exponent = Int(text.dropFirst())
    else { return nil }
    return Double("1e\(min(max(exponent, -400), 400))")
  }

  private static func isDigit(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
  }

  private static func isSpace(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
      || byte == UInt8(ascii: "\r")
  }
}
