/// Why Go's `net/netip` refuses an address or a prefix, in its words: the API server's `ip()`,
/// `cidr()` and `isIP`-family errors end with them (`ParseAddr("1.2.3.4.5"): IPv4 address too
/// long`), and a failed validation's message shows the error. The parser follows
/// `netip.ParseAddr` and `netip.ParsePrefix` step for step, for their messages only: which
/// addresses are accepted is `IPAddress.parse`'s business.
enum GoAddressErrors {
  /// `netip.ParseAddr(text)`'s error, or `nil` where it accepts `text`.
  static func parseAddr(_ text: String) -> String? {
    let bytes = Array(text.utf8)
    let failure: Failure?
    if let separator = bytes.firstIndex(where: { $0 == dot || $0 == colon || $0 == percent }) {
      switch bytes[separator] {
      case dot: failure = ipv4(bytes, from: 0, to: bytes.count)
      case colon: failure = ipv6(bytes)
      default: failure = Failure("missing IPv6 address")
      }
    } else {
      failure = Failure("unable to parse IP")
    }
    guard let failure else { return nil }
    var message = "ParseAddr(\(quoted(bytes[...]))): \(failure.message)"
    if let at = failure.at, !at.isEmpty { message += " (at \(quoted(at)))" }
    return message
  }

  /// `netip.ParsePrefix(text)`'s error, or `nil` where it accepts `text`.
  static func parsePrefix(_ text: String) -> String? {
    let bytes = Array(text.utf8)
    func failure(_ message: String) -> String {
      "netip.ParsePrefix(\(quoted(bytes[...]))): \(message)"
    }
    guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return failure("no '/'") }
    let address = String(decoding: bytes[..<slash], as: UTF8.self)
    if let error = parseAddr(address) { return failure(error) }
    if address.utf8.contains(percent) && address.utf8.contains(colon) {
      return failure("IPv6 zones cannot be present in a prefix")
    }
    let bits = bytes[(slash + 1)...]
    let bad = failure("bad bits after slash: \(quoted(bits))")
    // Go's strconv.Atoi, without a sign or leading zeros.
    if bits.count > 1, !(UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bits.first!) { return bad }
    guard !bits.isEmpty, bits.count <= 18, bits.allSatisfy(isDigit),
      let value = Int(String(decoding: bits, as: UTF8.self))
    else { return bad }
    let isIPv6 = address.utf8.contains(colon)
    guard value <= (isIPv6 ? 128 : 32) else { return failure("prefix length out of range") }
    return nil
  }

  private struct Failure {
    let message: String
    let at: ArraySlice<UInt8>?

    init(_ message: String, at: ArraySlice<UInt8>? = nil) {
      self.message = message
      self.at = at
    }
  }

  private static let dot = UInt8(ascii: ".")
  private static let colon = UInt8(ascii: ":")
  private static let percent = UInt8(ascii: "%")

  private static func isDigit(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
  }

  private static func quoted(_ bytes: ArraySlice<UInt8>) -> String {
    KubernetesFormat.goQuoted(Array(bytes))
  }

  /// `parseIPv4Fields` over `bytes[start..<end]`.
  private static func ipv4(_ bytes: [UInt8], from start: Int, to end: Int) -> Failure? {
    let field = bytes[start..<end]
    var value = 0
    var digits = 0
    var dots = 0
    for index in field.indices {
      let byte = bytes[index]
      if isDigit(byte) {
        if digits == 1 && value == 0 {
          return Failure("IPv4 field has octet with leading zero")
        }
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
        digits += 1
        if value > 255 { return Failure("IPv4 field has value >255") }
      } else if byte == dot {
        if index == start || index == end - 1 || bytes[index - 1] == dot {
          return Failure("IPv4 field must have at least one digit", at: bytes[index..<end])
        }
        if dots == 3 { return Failure("IPv4 address too long") }
        dots += 1
        value = 0
        digits = 0
      } else {
        return Failure("unexpected character", at: bytes[index..<end])
      }
    }
    return dots < 3 ? Failure("IPv4 address too short") : nil
  }

  /// `parseIPv6`.
  private static func ipv6(_ all: [UInt8]) -> Failure? {
    var end = all.count
    if let percentIndex = all.firstIndex(of: percent) {
      if percentIndex == all.count - 1 { return Failure("zone must be a non-empty string") }
      end = percentIndex
    }
    var position = 0
    var ellipsis = -1
    if end - position >= 2 && all[position] == colon && all[position + 1] == colon {
      ellipsis = 0
      position += 2
      if position == end { return nil }
    }
    var filled = 0
    while filled < 16 {
      var offset = 0
      var accumulated = 0
      while position + offset < end {
        let byte = all[position + offset]
        let digit: Int
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = Int(byte - UInt8(ascii: "A")) + 10
        default: digit = -1
        }
        if digit < 0 { break }
        accumulated = accumulated << 4 + digit
        if offset > 3 {
          return Failure("each group must have 4 or less digits", at: all[position..<end])
        }
        if accumulated > 0xFFFF {
          return Failure("IPv6 field has value >=2^16", at: all[position..<end])
        }
        offset += 1
      }
      if offset == 0 {
        return Failure(
          "each colon-separated field must have at least one digit", at: all[position..<end])
      }
      if position + offset < end && all[position + offset] == dot {
        if ellipsis < 0 && filled != 12 {
          return Failure(
            "embedded IPv4 address must replace the final 2 fields of the address",
            at: all[position..<end])
        }
        if filled + 4 > 16 {
          return Failure(
            "too many hex fields to fit an embedded IPv4 at the end of the address",
            at: all[position..<end])
        }
        if let failure = ipv4(all, from: position, to: end) { return failure }
        position = end
        filled += 4
        break
      }
      filled += 2
      position += offset
      if position == end { break }
      if all[position] != colon {
        return Failure("unexpected character, want colon", at: all[position..<end])
      }
      if position + 1 == end {
        return Failure("colon must be followed by more characters", at: all[position..<end])
      }
      position += 1
      if all[position] == colon {
        if ellipsis >= 0 { return Failure("multiple :: in address", at: all[position..<end]) }
        ellipsis = filled
        position += 1
        if position == end { break }
      }
    }
    if position != end {
      return Failure("trailing garbage after address", at: all[position..<end])
    }
    if filled < 16 {
      if ellipsis < 0 { return Failure("address string too short") }
    } else if ellipsis >= 0 {
      return Failure("the :: must expand to at least one field of zeros")
    }
    return nil
  }
}
