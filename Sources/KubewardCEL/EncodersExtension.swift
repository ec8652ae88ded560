/// cel-go's encoders extension (`ext.Encoders`), which Kyverno's environment enables and
/// Kubernetes' does not: `base64.encode(bytes)` and `base64.decode(string)`, which reads
/// padded base64 and, where that fails, unpadded, as cel-go does (Go's decoders skip line
/// breaks).
enum EncodersExtension {
  static func register(_ library: inout Library) {
    library.add("base64.encode", arity: 1) { arguments, context in
      guard case .bytes(let bytes) = arguments[0] else { return nil }
      guard context.spend(bytes.count / 10) else { return .error(costLimitExceeded) }
      return .string(Value.base64(bytes))
    }
    library.add("base64.decode", arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(text.utf8.count / 10) else { return .error(costLimitExceeded) }
      switch decode(Array(text.utf8), padded: true) {
      case .success(let bytes): return .bytes(bytes)
      case .failure:
        switch decode(Array(text.utf8), padded: false) {
        case .success(let bytes): return .bytes(bytes)
        case .failure(let error): return .error(error)
        }
      }
    }
  }

  /// Go's `base64.StdEncoding` (`padded`) or `RawStdEncoding`: `\r` and `\n` are skipped;
  /// an error names the first byte that is wrong, as Go's `CorruptInputError` does.
  static func decode(_ input: [UInt8], padded: Bool) -> Result<[UInt8], CELError> {
    var output: [UInt8] = []
    output.reserveCapacity(input.count / 4 * 3)
    var quantum: [UInt8] = []
    var index = 0
    func corrupt(_ at: Int) -> Result<[UInt8], CELError> {
      .failure(CELError("illegal base64 data at input byte \(at)"))
    }
    func flush() {
      let value = quantum.enumerated().reduce(UInt32(0)) {
        $0 | UInt32($1.element) << (18 - 6 * $1.offset)
      }
      for position in 0..<(quantum.count - 1) {
        output.append(UInt8(truncatingIfNeeded: value >> (16 - 8 * position)))
      }
      quantum.removeAll(keepingCapacity: true)
    }
    while index < input.count {
      let byte = input[index]
      if byte == 0x0A || byte == 0x0D {
        index += 1
        continue
      }
      if byte == UInt8(ascii: "=") {
        // Padding ends the text: two bytes after two digits, one after three.
        guard padded, quantum.count >= 2 else { return corrupt(index) }
        var needed = 4 - quantum.count
        var position = index
        while needed > 0, position < input.count {
          let next = input[position]
          if next == 0x0A || next == 0x0D {
            position += 1
            continue
          }
          guard next == UInt8(ascii: "=") else { return corrupt(position) }
          needed -= 1
          position += 1
        }
        guard needed == 0 else { return corrupt(input.count) }
        while position < input.count, input[position] == 0x0A || input[position] == 0x0D {
          position += 1
        }
        guard position == input.count else { return corrupt(position) }
        flush()
        return .success(output)
      }
      guard let digit = digit(byte) else { return corrupt(index) }
      quantum.append(digit)
      if quantum.count == 4 {
        flush()
      }
      index += 1
    }
    switch quantum.count {
    case 0: return .success(output)
    case 1: return corrupt(input.count - 1)
    default:
      guard !padded else { return corrupt(input.count) }
      flush()
      return .success(output)
    }
  }

  private static func digit(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
    case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
    case UInt8(ascii: "+"): 62
    case UInt8(ascii: "/"): 63
    default: nil
    }
  }
}
