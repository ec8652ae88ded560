/// cel-go's compile-time check of `format` (strings extension versions 1 to 3, what
/// Kubernetes runs): a literal format string with a literal list of arguments must parse,
/// have an argument for each clause and no more, and each argument's static type must be
/// one its clause takes. An argument of a type not known here passes, as `dyn` does there.
enum FormatCheck {
  typealias StaticType = LiteralTypeChecker.StaticType

  /// The first error, with the offset of the argument it is about (`nil`: the call's).
  static func error(format: String, arguments: [(type: StaticType, offset: Int)]) -> (
    message: String, offset: Int?
  )? {
    let bytes = Array(format.utf8)
    var index = 0
    var next = 0
    var requested = 0
    while index < bytes.count {
      guard bytes[index] == UInt8(ascii: "%") else {
        index += 1
        continue
      }
      if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "%") {
        index += 2
        continue
      }
      requested += 1
      guard index + 1 < bytes.count else { return ("unexpected end of string", nil) }
      guard next < arguments.count else { return ("index \(next) out of range", nil) }
      // The clause: an optional precision (`.` and digits), then its verb.
      var position = index + 1
      if bytes[position] == UInt8(ascii: ".") {
        position += 1
        let digits = position
        while position < bytes.count,
          (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
        {
          position += 1
        }
        guard position < bytes.count else {
          return (
            "could not parse formatting clause: error while parsing precision: could not find end of precision specifier",
            nil
          )
        }
        // Go's strconv.Atoi: no digits, or more than an int holds, is an error.
        let count = position - digits
        guard count > 0,
          count < 19 || Int(String(decoding: bytes[digits..<position], as: UTF8.self)) != nil
        else {
          return (
            "could not parse formatting clause: error while parsing precision: error while converting precision to integer",
            nil
          )
        }
      }
      let verb = bytes[position]
      guard let accepted = accepted[verb] else {
        return (
          "could not parse formatting clause: unrecognized formatting clause \"\(Character(Unicode.Scalar(verb)))\"",
          nil
        )
      }
      let argument = arguments[next]
      if case .named(let name) = argument.type, !accepted.names.contains(name) {
        return ("error during formatting: \(accepted.message), was given \(name)", argument.offset)
      }
      if case .list = argument.type, !accepted.aggregates {
        return ("error during formatting: \(accepted.message), was given list", argument.offset)
      }
      if case .map = argument.type, !accepted.aggregates {
        return ("error during formatting: \(accepted.message), was given map", argument.offset)
      }
      index = position + 1
      next += 1
    }
    if arguments.count > requested {
      return (
        "too many arguments supplied to string.format (expected \(requested), got \(arguments.count))",
        nil
      )
    }
    return nil
  }

  /// Per verb, the types of the arguments it takes (cel-go's `stringFormatChecker`).
  private static let accepted: [UInt8: (names: Set<String>, aggregates: Bool, message: String)] = {
    let integers: Set<String> = ["int", "uint"]
    let decimal = (integers, false, "decimal clause can only be used on integers")
    let string: Set<String> = [
      "int", "uint", "double", "bool", "string", "google.protobuf.Timestamp", "bytes",
      "google.protobuf.Duration", "type", "null_type",
    ]
    let hex = (
      integers.union(["string", "bytes"]), false,
      "only integers, byte buffers, and strings can be formatted as hex"
    )
    return [
      UInt8(ascii: "s"): (
        string, true, Formatter.stringClauseTypes
      ),
      UInt8(ascii: "d"): decimal,
      UInt8(ascii: "f"): (
        ["double", "string"], false, "fixed-point clause can only be used on doubles"
      ),
      UInt8(ascii: "e"): (
        ["double", "string"], false, "scientific clause can only be used on doubles"
      ),
      UInt8(ascii: "b"): (
        integers.union(["bool"]), false, "only integers and bools can be formatted as binary"
      ),
      UInt8(ascii: "x"): hex, UInt8(ascii: "X"): hex,
      UInt8(ascii: "o"): (integers, false, "octal clause can only be used on integers"),
    ]
  }()
}
