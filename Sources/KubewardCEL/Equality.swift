/// CEL's equality and ordering. Equality is defined between any two values (of different
/// kinds it is false; numbers compare by value whatever their kind, so `1 == 1.0` and
/// `1u == 1`), but for Kubernetes' own types (a quantity, an IP, a URL …) beside a value of
/// another type, which the API server finds no overload for (see `Verdict`); ordering is
/// defined between numbers, strings, bytes, bools, timestamps and durations.
enum Equality {
  /// What comparing two values finds. `incomparable`: the first is of one of Kubernetes' own
  /// types and the second of another type (`dyn(quantity('1')) == 1`), where cel-go asks the
  /// first, whose `Equal` answers "no such overload": so `==` errs, `!=` is true, and `in`
  /// finds nothing; inside a list or a map cel-go goes on past it, as past equal elements
  /// (`[dyn(quantity('1'))] == [1]` is true). The other way round (`1 == dyn(quantity('1'))`)
  /// a CEL value answers false.
  enum Verdict { case equal, different, incomparable }

  static let noSuchOverload = CELError("no such overload")

  /// `a == b`: a bool, or the error of an operand; the comparison's work is charged.
  static func equals(_ a: Value, _ b: Value, _ context: inout EvaluationContext) -> Value {
    switch verdict(a, b, &context) {
    case .success(.equal): return .bool(true)
    case .success(.different): return .bool(false)
    case .success(.incomparable): return .error(noSuchOverload)
    case .failure(let error): return .error(error)
    }
  }

  /// `a != b`: true unless `a == b` is (cel-go negates its equality's "is it true").
  static func differs(_ a: Value, _ b: Value, _ context: inout EvaluationContext) -> Value {
    switch verdict(a, b, &context) {
    case .success(let verdict): return .bool(verdict != .equal)
    case .failure(let error): return .error(error)
    }
  }

  /// The verdict on `a` and `b`, or the error of an operand; the comparison's work is charged.
  private static func verdict(_ a: Value, _ b: Value, _ context: inout EvaluationContext)
    -> Result<Verdict, CELError>
  {
    if case .error(let error) = a { return .failure(error) }
    if case .error(let error) = b { return .failure(error) }
    // The call's own unit, already spent, is the first value's: two scalars cost 1 in all, as
    // in cel-go.
    var work = 0
    let result = verdict(a, b, work: &work, limit: context.remaining(beyond: 1))
    guard context.spend(work - 1) else { return .failure(costLimitExceeded) }
    return .success(result)
  }

  static func same(_ a: Value, _ b: Value) -> Bool {
    var work = 0
    return same(a, b, work: &work, limit: .max)
  }

  /// Whether `a` equals `b` (see `verdict`), adding the work to `work`.
  static func same(_ a: Value, _ b: Value, work: inout Int, limit: Int) -> Bool {
    verdict(a, b, work: &work, limit: limit) == .equal
  }

  /// The verdict on `a` and `b`, adding to `work` what it compared (a unit per value, one per
  /// ten bytes of text), as Kubernetes' cost model charges equality; past `limit` it stops
  /// (`different`): the caller's charge then fails. Values are as deep as the YAML reader
  /// allows and as large as an expression's budget let it build, so one comparison is
  /// bounded, and so are many.
  static func verdict(_ a: Value, _ b: Value, work: inout Int, limit: Int) -> Verdict {
    work += 1
    guard work <= limit else { return .different }
    // A switch on `a`, then a match of `b`: a switch on the pair `(a, b)` copied both values
    // into a tuple (through their value witnesses) for every comparison.
    switch a {
    case .int, .uint, .double:
      return numericOrder(a, b) == 0 ? .equal : .different
    case .null:
      if case .null = b { return .equal }
      return .different
    case .bool(let x):
      guard case .bool(let y) = b else { return .different }
      return x == y ? .equal : .different
    case .string(let x):
      guard case .string(let y) = b else { return .different }
      work += min(x.utf8.count, y.utf8.count) / 10
      return Strings.sameCodePoints(x, y) ? .equal : .different
    case .bytes(let x):
      guard case .bytes(let y) = b else { return .different }
      work += min(x.count, y.count) / 10
      return x == y ? .equal : .different
    case .type(let x):
      guard case .type(let y) = b else { return .different }
      return x == y ? .equal : .different
    case .timestamp(let x):
      guard case .timestamp(let y) = b else { return .different }
      return x == y ? .equal : .different
    case .duration(let x):
      guard case .duration(let y) = b else { return .different }
      return x == y ? .equal : .different
    case .optional(let x):
      guard case .optional(let y) = b else { return .different }
      switch (x, y) {
      case (nil, nil): return .equal
      case (let x?, let y?): return verdict(x, y, work: &work, limit: limit)
      default: return .different
      }
    case .opaque(let x):
      // A null is never equal (cel-go's `Equal` asks nothing of a null operand).
      if case .null = b { return .different }
      guard case .opaque(let y) = b, x.typeName == y.typeName else { return .incomparable }
      work += min(x.comparisonWeight, y.comparisonWeight)
      return work <= limit && x.isEqual(to: y) ? .equal : .different
    case .list(let x):
      guard case .list(let y) = b, x.count == y.count else { return .different }
      for index in 0..<x.count
      where verdict(x.element(at: index), y.element(at: index), work: &work, limit: limit)
        == .different
      {
        return .different
      }
      return .equal
    case .map(let x):
      guard case .map(let y) = b, x.count == y.count else { return .different }
      // Listing the keys is work too, before any value is compared.
      work += x.count
      guard work <= limit else { return .different }
      for key in x.keys {
        guard let other = y.value(for: key), let mine = x.value(for: key),
          verdict(mine, other, work: &work, limit: limit) != .different
        else { return .different }
      }
      return .equal
    case .error:
      return .different
    }
  }

  /// -1, 0 or 1 for two numbers of any kinds; `nil` when either is not a number or a NaN is
  /// involved.
  static func numericOrder(_ a: Value, _ b: Value) -> Int? {
    // Nested switches, not one on `(a, b)`: see `same`.
    switch a {
    case .int(let x):
      switch b {
      case .int(let y): return x < y ? -1 : (x > y ? 1 : 0)
      case .uint(let y):
        if x < 0 { return -1 }
        return UInt64(x) < y ? -1 : (UInt64(x) > y ? 1 : 0)
      case .double(let y): return compare(int: x, double: y)
      default: return nil
      }
    case .uint(let x):
      switch b {
      case .uint(let y): return x < y ? -1 : (x > y ? 1 : 0)
      case .int: return numericOrder(b, a).map { -$0 }
      case .double(let y): return compare(uint: x, double: y)
      default: return nil
      }
    case .double(let x):
      switch b {
      case .double(let y):
        if x.isNaN || y.isNaN { return nil }
        return x < y ? -1 : (x > y ? 1 : 0)
      case .int, .uint: return numericOrder(b, a).map { -$0 }
      default: return nil
      }
    default:
      return nil
    }
  }

  // An int or uint meets a double as a double (cel-go converts, and the conformance suite
  // expects `dyn(9223372036854775807) < 9223372036854775808.0` to be false).
  private static func compare(int x: Int64, double y: Double) -> Int? {
    compare(Double(x), y)
  }

  private static func compare(uint x: UInt64, double y: Double) -> Int? {
    compare(Double(x), y)
  }

  private static func compare(_ x: Double, _ y: Double) -> Int? {
    if x.isNaN || y.isNaN { return nil }
    return x < y ? -1 : (x > y ? 1 : 0)
  }

  /// The order of `a` and `b` for `<`, `<=`, `>`, `>=`: an int, an error for values that have
  /// no order, or `nil` for a NaN (every comparison with NaN is false).
  static func order(_ a: Value, _ b: Value, _ function: String) -> Result<Int?, CELError> {
    var work = 0
    return order(a, b, function, work: &work)
  }

  /// `order`, adding to `work` what it compared (as `same`: a unit, and one per ten bytes of
  /// text), for the functions that compare many values (`sort`, `min`, `isSorted` …).
  static func order(_ a: Value, _ b: Value, _ function: String, work: inout Int) -> Result<
    Int?, CELError
  > {
    work += 1
    var mismatch: Result<Int?, CELError> { .failure(.noMatchingOverload(function)) }
    // Nested switches, not one on `(a, b)`: see `same`.
    switch a {
    case .string(let x):
      guard case .string(let y) = b else { return mismatch }
      work += min(x.utf8.count, y.utf8.count) / 10
      return .success(lexicographic(x.utf8, y.utf8))
    case .bytes(let x):
      guard case .bytes(let y) = b else { return mismatch }
      work += min(x.count, y.count) / 10
      return .success(lexicographic(x, y))
    case .bool(let x):
      guard case .bool(let y) = b else { return mismatch }
      return .success(x == y ? 0 : (x ? 1 : -1))
    case .timestamp(let x):
      guard case .timestamp(let y) = b else { return mismatch }
      return .success(x < y ? -1 : (x == y ? 0 : 1))
    case .duration(let x):
      guard case .duration(let y) = b else { return mismatch }
      return .success(x < y ? -1 : (x == y ? 0 : 1))
    case .int, .uint, .double:
      switch b {
      case .int, .uint, .double: return .success(numericOrder(a, b))
      default: return mismatch
      }
    default:
      return mismatch
    }
  }

  /// Whether values of `value`'s type have an order (cel-go's `traits.Comparer`).
  static func isOrdered(_ value: Value) -> Bool {
    switch value {
    case .string, .bytes, .bool, .timestamp, .duration, .int, .uint, .double: true
    default: false
    }
  }

  /// Byte order (for UTF-8, code point order), read in place.
  private static func lexicographic<Bytes: Collection<UInt8>>(_ x: Bytes, _ y: Bytes) -> Int {
    for (left, right) in zip(x, y) where left != right { return left < right ? -1 : 1 }
    return x.count < y.count ? -1 : (x.count == y.count ? 0 : 1)
  }
}
