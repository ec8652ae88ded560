/// CEL's comparison operators and `in`. Each is one overload of the library that takes every
/// pair of values, so a call of one needs no dispatch: the compiler applies it to its operands
/// directly (see `Compiler.compare`), where passing them through the dispatcher's argument array
/// copied both values in and out on every comparison a policy makes.
enum Comparison: CaseIterable, Sendable {
  case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual, contains

  var function: String {
    switch self {
    case .equal: "_==_"
    case .notEqual: "_!=_"
    case .less: "_<_"
    case .lessOrEqual: "_<=_"
    case .greater: "_>_"
    case .greaterOrEqual: "_>=_"
    case .contains: "@in"
    }
  }

  /// `a op b`, with its work charged; `nil` when the operator does not take such values.
  func apply(_ a: Value, _ b: Value, _ context: inout EvaluationContext) -> Value? {
    switch self {
    case .equal:
      return Equality.equals(a, b, &context)
    case .notEqual:
      return Equality.differs(a, b, &context)
    case .less, .lessOrEqual, .greater, .greaterOrEqual:
      // Text and bytes are compared a character at a time. (Matched one by one: a switch
      // on the pair copied both values.)
      if case .string(let x) = a, case .string(let y) = b {
        guard context.spend(min(x.utf8.count, y.utf8.count) / 10) else {
          return .error(costLimitExceeded)
        }
      } else if case .bytes(let x) = a, case .bytes(let y) = b {
        guard context.spend(min(x.count, y.count) / 10) else { return .error(costLimitExceeded) }
      }
      switch Equality.order(a, b, function) {
      case .success(let order?): return .bool(holds(order))
      // cel-go's `Compare` (equality with a NaN is false, see `Equality`).
      case .success(nil): return .error(Self.unorderedNaN)
      case .failure(let error): return .error(error)
      }
    case .contains:
      switch b {
      case .list(let list):
        // cel-go charges the list's size (instead of a call's unit, charged already), however
        // early the element is found.
        var work = 0
        defer { _ = context.spend(max(work, list.count, 1) - 1) }
        for index in 0..<list.count
        where Equality.same(a, list.element(at: index), work: &work, limit: context.remaining) {
          return .bool(true)
        }
        return work > context.remaining ? .error(costLimitExceeded) : .bool(false)
      case .map(let map):
        guard context.spendHashing(a) else { return .error(costLimitExceeded) }
        return .bool(map.contains(a))
      default:
        return nil
      }
    }
  }

  static let unorderedNaN = CELError("NaN values cannot be ordered")

  /// Whether an ordering (`a` before `b`: negative) satisfies the operator.
  private func holds(_ order: Int) -> Bool {
    switch self {
    case .less: order < 0
    case .lessOrEqual: order <= 0
    case .greater: order > 0
    case .greaterOrEqual: order >= 0
    case .equal: order == 0
    case .notEqual: order != 0
    case .contains: false
    }
  }
}
