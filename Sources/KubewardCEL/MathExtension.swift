/// cel-go's math extension (`ext.Math`, version 2), which Kyverno's environment enables and
/// Kubernetes' does not: `math.greatest` and `math.least` (macros over `math.@max` and
/// `math.@min`, see `Parser.mathMacro`), `ceil`, `floor`, `round`, `trunc`, `abs`, `sign`,
/// `isNaN`, `isInf`, `isFinite`, the bit operations and `sqrt`, with cel-go's errors.
enum MathExtension {
  static func register(_ library: inout Library) {
    for (name, wanted) in [("math.@max", 1), ("math.@min", -1)] {
      // One number, two numbers of any kinds, or a list of numbers: the macro's forms.
      library.add(name, arity: 1) { arguments, context in
        switch arguments[0] {
        case .int, .uint, .double: return arguments[0]
        case .list(let list):
          guard list.count > 0 else {
            return .error(CELError("\(name)(list) argument must not be empty"))
          }
          guard context.spend(list.count) else { return .error(costLimitExceeded) }
          var best = list.element(at: 0)
          for index in 1..<list.count {
            best = extreme(best, list.element(at: index), wanted: wanted, name)
          }
          switch best {
          case .int, .uint, .double, .error: return best
          default: return .error(CELError("no such overload: \(name)"))
          }
        default: return nil
        }
      }
      library.add(name, arity: 2) { arguments, _ in
        guard arguments[0].isNumber, arguments[1].isNumber else { return nil }
        return extreme(arguments[0], arguments[1], wanted: wanted, name)
      }
    }
    func double(_ name: String, _ body: @escaping @Sendable (Double) -> Value) {
      library.add("math.\(name)", arity: 1) { arguments, _ in
        guard case .double(let x) = arguments[0] else { return nil }
        return body(x)
      }
    }
    double("ceil") { .double($0.rounded(.up)) }
    double("floor") { .double($0.rounded(.down)) }
    // Go's math.Round: half away from zero.
    double("round") { .double($0.rounded(.toNearestOrAwayFromZero)) }
    double("trunc") { .double($0.rounded(.towardZero)) }
    double("isNaN") { .bool($0.isNaN) }
    double("isInf") { .bool($0.isInfinite) }
    double("isFinite") { .bool($0.isFinite) }
    library.add("math.abs", arity: 1) { arguments, _ in
      switch arguments[0] {
      case .double(let x): return .double(Swift.abs(x))
      case .int(let x):
        return x == .min ? .error(CELError.overflow) : .int(Swift.abs(x))
      case .uint: return arguments[0]
      default: return nil
      }
    }
    library.add("math.sign", arity: 1) { arguments, _ in
      switch arguments[0] {
      case .double(let x): return .double(x.isNaN ? x : x > 0 ? 1 : x < 0 ? -1 : 0)
      case .int(let x): return .int(x.signum())
      case .uint(let x): return .uint(x == 0 ? 0 : 1)
      default: return nil
      }
    }
    library.add("math.sqrt", arity: 1) { arguments, _ in
      switch arguments[0] {
      case .double(let x): return .double(x.squareRoot())
      case .int(let x): return .double(Double(x).squareRoot())
      case .uint(let x): return .double(Double(x).squareRoot())
      default: return nil
      }
    }
    let bitwise: [(String, @Sendable (UInt64, UInt64) -> UInt64)] = [
      ("bitAnd", { $0 & $1 }), ("bitOr", { $0 | $1 }), ("bitXor", { $0 ^ $1 }),
    ]
    for (name, operation) in bitwise {
      library.add("math.\(name)", arity: 2) { arguments, _ in
        switch (arguments[0], arguments[1]) {
        case (.int(let a), .int(let b)):
          return .int(Int64(bitPattern: operation(UInt64(bitPattern: a), UInt64(bitPattern: b))))
        case (.uint(let a), .uint(let b)): return .uint(operation(a, b))
        default: return nil
        }
      }
    }
    library.add("math.bitNot", arity: 1) { arguments, _ in
      switch arguments[0] {
      case .int(let a): return .int(~a)
      case .uint(let a): return .uint(~a)
      default: return nil
      }
    }
    // Go's shifts: by 64 bits or more, nothing is left; a right shift of an int is unsigned.
    for (name, left) in [("bitShiftLeft", true), ("bitShiftRight", false)] {
      library.add("math.\(name)", arity: 2) { arguments, _ in
        guard case .int(let bits) = arguments[1] else { return nil }
        let bitPattern: UInt64
        switch arguments[0] {
        case .int(let value): bitPattern = UInt64(bitPattern: value)
        case .uint(let value): bitPattern = value
        default: return nil
        }
        guard bits >= 0 else {
          return .error(CELError("math.\(name)() negative offset: \(bits)"))
        }
        let shifted =
          bits >= 64 ? 0 : left ? bitPattern << UInt64(bits) : bitPattern >> UInt64(bits)
        if case .int = arguments[0] { return .int(Int64(bitPattern: shifted)) }
        return .uint(shifted)
      }
    }
  }

  /// The greater (`wanted` 1) or the lesser (-1) of two numbers of any kinds, the first when
  /// they are equal; cel-go's `maxPair` and `minPair`.
  private static func extreme(_ a: Value, _ b: Value, wanted: Int, _ name: String) -> Value {
    if case .error = a { return a }
    switch Equality.order(a, b, name) {
    case .success(let order?): return order == -wanted ? b : a
    case .success(nil): return .error(CELError("\(Comparison.unorderedNaN.message): \(name)"))
    case .failure(let error):
      return .error(
        error.message.contains(name) ? error : CELError("\(error.message): \(name)"))
    }
  }
}

extension Value {
  var isNumber: Bool {
    switch self {
    case .int, .uint, .double: true
    default: false
    }
  }
}
