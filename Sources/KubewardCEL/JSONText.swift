extension Value {
  /// The value as JSON: numbers as numbers (a double that is not finite as the string
  /// `"NaN"`, `"Infinity"`, `"-Infinity"`), bytes as base64, timestamps and durations as
  /// their text, maps with their keys as strings, optionals as their value or null, types as
  /// their names. An error has no JSON: `nil`.
  public var jsonText: String? {
    var output = ""
    return write(to: &output) ? output : nil
  }

  private func write(to output: inout String) -> Bool {
    switch self {
    case .null: output += "null"
    case .bool(let flag): output += flag ? "true" : "false"
    case .int(let number): output += String(number)
    case .uint(let number): output += String(number)
    case .double(let number):
      if number.isNaN {
        output += "\"NaN\""
      } else if number.isInfinite {
        output += number < 0 ? "\"-Infinity\"" : "\"Infinity\""
      } else if number == number.rounded(), abs(number) < 1e15 {
        output += String(Int64(number))
      } else {
        output += number.description
      }
    case .string(let text): output += Self.quoted(text)
    case .bytes(let bytes): output += Self.quoted(Self.base64(bytes))
    case .list(let list):
      output += "["
      for index in 0..<list.count {
        if index > 0 { output += "," }
        guard list.element(at: index).write(to: &output) else { return false }
      }
      output += "]"
    case .map(let map):
      output += "{"
      for (index, key) in map.keys.enumerated() {
        if index > 0 { output += "," }
        let name: String
        switch key {
        case .string(let text): name = text
        default: name = key.debugText
        }
        output += Self.quoted(name) + ":"
        guard let value = map.value(for: key), value.write(to: &output) else { return false }
      }
      output += "}"
    case .type(let type): output += Self.quoted(type.description)
    case .timestamp(let timestamp): output += Self.quoted(timestamp.text)
    case .duration(let duration): output += Self.quoted(duration.text)
    case .optional(let inner):
      guard let inner else {
        output += "null"
        return true
      }
      return inner.write(to: &output)
    case .opaque(let value): output += Self.quoted(KubernetesLibrary.text(of: value))
    case .error: return false
    }
    return true
  }

  static func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
          || scalar.value == 0x2028 || scalar.value == 0x2029
        {
          let hex = String(scalar.value, radix: 16)
          result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          result.unicodeScalars.append(scalar)
        }
      }
    }
    return result + "\""
  }

  static func base64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var result: [UInt8] = []
    var index = 0
    while index < bytes.count {
      let chunk = bytes[index..<min(index + 3, bytes.count)]
      let value = chunk.enumerated().reduce(UInt32(0)) {
        $0 | UInt32($1.element) << (16 - 8 * $1.offset)
      }
      for position in 0..<4 {
        if position <= chunk.count {
          result.append(alphabet[Int((value >> (18 - 6 * position)) & 63)])
        } else {
          result.append(UInt8(ascii: "="))
        }
      }
      index += 3
    }
    return String(decoding: result, as: UTF8.self)
  }
}

extension Value {
  /// The value as JSON that keeps its CEL types: `{"type": "uint", "value": 1}`, lists and
  /// maps (as `[key, value]` pairs) of such, bytes in hex. For comparing engines, where `1`,
  /// `1u` and `1.0` must stay apart.
  public var typedJSONText: String? {
    var output = ""
    return writeTyped(to: &output) ? output : nil
  }

  /// Written into one text as it goes: a list or map that returned its own text, copied
  /// into its container's, copied each level's again (a value 30 000 lists deep, which YAML
  /// aliases make from a 49 kB manifest, ran for minutes).
  private func writeTyped(to output: inout String) -> Bool {
    func open(_ type: String) { output += "{\"type\":\"\(type)\",\"value\":" }
    switch self {
    case .list(let list):
      open("list")
      output += "["
      for index in 0..<list.count {
        if index > 0 { output += "," }
        guard list.element(at: index).writeTyped(to: &output) else { return false }
      }
      output += "]}"
    case .map(let map):
      open("map")
      output += "["
      for (index, key) in map.keys.enumerated() {
        if index > 0 { output += "," }
        output += "["
        guard key.writeTyped(to: &output), let value = map.value(for: key) else { return false }
        output += ","
        guard value.writeTyped(to: &output) else { return false }
        output += "]"
      }
      output += "]}"
    case .bytes(let bytes):
      open("bytes")
      output += "\"" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + "\"}"
    case .double(let number) where number.isFinite:
      open("double")
      output += number.description + "}"
    case .optional(let inner):
      open("optional")
      if let inner {
        guard inner.writeTyped(to: &output) else { return false }
      } else {
        output += "null"
      }
      output += "}"
    case .error:
      return false
    default:
      guard let json = jsonText else { return false }
      open(type.description)
      output += json + "}"
    }
    return true
  }
}
