/// The libraries Kubernetes adds to CEL for admission policies (k8s.io/apiserver
/// `pkg/cel/library`): lists (and cel-go's lists extension), sets, quantities, URLs, IP
/// addresses and CIDRs, named formats, semantic versions, and the authorizer, which needs a
/// cluster and says so.
enum KubernetesLibrary {
  /// `kubernetes`: the API server's own rules where cel-go's extensions (and cel-spec's
  /// conformance tests) differ: an IPv4-mapped address is refused however it is written.
  static func register(_ library: inout Library, kubernetes: Bool) {
    Lists.register(&library)
    ListsExtension.register(&library)
    Sets.register(&library)
    Quantity.register(&library)
    URL.register(&library)
    IPAddress.register(&library, kubernetes: kubernetes)
    CIDR.register(&library, kubernetes: kubernetes)
    NamedFormat.register(&library)
    Semver.register(&library)
    Authorizer.register(&library)
  }
}

extension KubernetesLibrary {
  /// A library value as text: an address, a CIDR, a quantity's exact value, a URL.
  static func text(of value: any OpaqueValue) -> String {
    switch value {
    case let address as IPAddress: return address.text
    case let cidr as CIDR: return cidr.text
    case let quantity as Quantity: return quantity.value.description
    case let url as URL:
      return (url.scheme.isEmpty ? "" : url.scheme + ":")
        + (url.host.isEmpty ? "" : "//" + url.host)
        + url.opaque + url.path + (url.rawQuery.isEmpty ? "" : "?" + url.rawQuery)
    default: return "<\(value.typeName)>"
    }
  }
}

// MARK: Lists

enum Lists {
  static func register(_ library: inout Library) {
    library.add("isSorted", member: true, arity: 1) { arguments, context in
      guard case .list(let list) = arguments[0] else { return nil }
      guard context.spend(list.count) else { return .error(costLimitExceeded) }
      guard list.count > 1 else { return .bool(true) }
      for index in 1..<list.count {
        // Each comparison is charged by what it reads (long strings their length).
        var work = 0
        let order = Equality.order(
          list.element(at: index - 1), list.element(at: index), "isSorted", work: &work)
        guard context.spend(work) else { return .error(costLimitExceeded) }
        // As Kubernetes' `isSorted`: only a pair in the wrong order says no; a pair that
        // cannot be compared (a NaN, values of two types in a `dyn` list) is passed over.
        // Only elements that have no order at all are an error.
        switch order {
        case .success(let order?): if order > 0 { return .bool(false) }
        case .success(nil): continue
        case .failure(let error):
          guard Equality.isOrdered(list.element(at: index - 1)),
            Equality.isOrdered(list.element(at: index))
          else { return .error(error) }
        }
      }
      return .bool(true)
    }
    library.add("sum", member: true, arity: 1) { arguments, context in
      guard case .list(let list) = arguments[0] else { return nil }
      guard context.spend(list.count) else { return .error(costLimitExceeded) }
      guard list.count > 0 else { return .int(0) }
      var total = list.element(at: 0)
      let add = standardAdd
      for index in 1..<list.count {
        total = add([total, list.element(at: index)], &context)
        if case .error = total { return total }
      }
      switch total {
      case .int, .uint, .double, .duration: return total
      default: return .error(.noMatchingOverload("sum"))
      }
    }
    for (name, wantsLarger) in [("min", false), ("max", true)] {
      library.add(name, member: true, arity: 1) { arguments, context in
        guard case .list(let list) = arguments[0] else { return nil }
        guard context.spend(list.count) else { return .error(costLimitExceeded) }
        guard list.count > 0 else {
          return .error(CELError("\(name) called on empty list"))
        }
        var best = list.element(at: 0)
        for index in 1..<list.count {
          let candidate = list.element(at: index)
          var work = 0
          let order = Equality.order(candidate, best, name, work: &work)
          guard context.spend(work) else { return .error(costLimitExceeded) }
          switch order {
          case .success(let order?):
            if wantsLarger ? order > 0 : order < 0 { best = candidate }
          case .success(nil): continue
          case .failure(let error): return .error(error)
          }
        }
        return best
      }
    }
    library.add("indexOf", member: true, arity: 2) { arguments, context in
      guard case .list(let list) = arguments[0] else { return nil }
      guard context.spend(list.count) else { return .error(costLimitExceeded) }
      var work = 0
      defer { _ = context.spend(work) }
      for index in 0..<list.count
      where Equality.same(
        list.element(at: index), arguments[1], work: &work, limit: context.remaining)
      {
        return .int(Int64(index))
      }
      return work > context.remaining ? .error(costLimitExceeded) : .int(-1)
    }
    // Kubernetes 1.37 (lists version 1): whether a list holds the value, or any other value
    // equals it (`'model-a'.includes('model-a')`).
    library.add("includes", member: true, arity: 2) { arguments, context in
      var work = 0
      defer { _ = context.spend(work) }
      guard case .list(let list) = arguments[0] else {
        let same = Equality.same(arguments[0], arguments[1], work: &work, limit: context.remaining)
        return work > context.remaining ? .error(costLimitExceeded) : .bool(same)
      }
      guard context.spend(list.count) else { return .error(costLimitExceeded) }
      for index in 0..<list.count
      where Equality.same(
        list.element(at: index), arguments[1], work: &work, limit: context.remaining)
      {
        return .bool(true)
      }
      return work > context.remaining ? .error(costLimitExceeded) : .bool(false)
    }
    library.add("lastIndexOf", member: true, arity: 2) { arguments, context in
      guard case .list(let list) = arguments[0] else { return nil }
      guard context.spend(list.count) else { return .error(costLimitExceeded) }
      var work = 0
      defer { _ = context.spend(work) }
      for index in stride(from: list.count - 1, through: 0, by: -1)
      where Equality.same(
        list.element(at: index), arguments[1], work: &work, limit: context.remaining)
      {
        return .int(Int64(index))
      }
      return work > context.remaining ? .error(costLimitExceeded) : .int(-1)
    }
  }

  /// `_+_` as the standard library defines it, for `sum()`.
  private static let standardAdd: @Sendable ([Value], inout EvaluationContext) -> Value = {
    let overloads = Library.standardArithmetic.overloads("_+_", member: false, arity: 2)
    return { arguments, context in Library.dispatch("_+_", overloads, arguments, &context) }
  }()
}

extension Library {
  /// The standard operators alone (what `sum()` adds with).
  static let standardArithmetic: Library = {
    var library = Library()
    Builtins.register(&library)
    return library
  }()
}

// MARK: Sets

enum Sets {
  static func register(_ library: inout Library) {
    @Sendable func lists(_ arguments: [Value]) -> (any ListValue, any ListValue)? {
      guard case .list(let a) = arguments[0], case .list(let b) = arguments[1] else { return nil }
      return (a, b)
    }
    /// Whether `list` holds `value`, adding the comparisons' work (see `Equality.same`).
    @Sendable func contains(
      _ list: any ListValue, _ value: Value, _ work: inout Int, _ limit: Int
    ) -> Bool {
      for index in 0..<list.count
      where Equality.same(list.element(at: index), value, work: &work, limit: limit) {
        return true
      }
      return false
    }
    /// `result`, unless the comparisons' `work` beyond what was charged up front (`charged`)
    /// is more than the budget left: nested values compare at more than a unit apiece.
    @Sendable func charged(
      _ result: Bool, _ work: Int, beyond charged: Int, _ context: inout EvaluationContext
    ) -> Value {
      context.spend(max(0, work - charged)) ? .bool(result) : .error(costLimitExceeded)
    }
    /// Kubernetes charges a unit per pair of elements compared, `passes` times over, with the
    /// call's own unit: charged up front.
    @Sendable func pairs(_ a: any ListValue, _ b: any ListValue, passes: Int = 1) -> Int {
      let (product, overflow) = a.count.multipliedReportingOverflow(by: b.count)
      return overflow || product > Int.max / 2 ? Int.max : passes * product
    }
    library.add("sets.contains", arity: 2) { arguments, context in
      guard let (a, b) = lists(arguments) else { return nil }
      let upFront = pairs(a, b)
      guard context.spend(upFront) else { return .error(costLimitExceeded) }
      var work = 0
      // What was charged up front is paid for: the comparisons may do that much first.
      let limit = context.remaining(beyond: upFront)
      let result = (0..<b.count).allSatisfy { contains(a, b.element(at: $0), &work, limit) }
      return charged(result, work, beyond: upFront, &context)
    }
    library.add("sets.equivalent", arity: 2) { arguments, context in
      guard let (a, b) = lists(arguments) else { return nil }
      let upFront = pairs(a, b, passes: 2)
      guard context.spend(upFront) else { return .error(costLimitExceeded) }
      var work = 0
      // What was charged up front is paid for: the comparisons may do that much first.
      let limit = context.remaining(beyond: upFront)
      let result =
        (0..<b.count).allSatisfy { contains(a, b.element(at: $0), &work, limit) }
        && (0..<a.count).allSatisfy { contains(b, a.element(at: $0), &work, limit) }
      return charged(result, work, beyond: upFront, &context)
    }
    library.add("sets.intersects", arity: 2) { arguments, context in
      guard let (a, b) = lists(arguments) else { return nil }
      let upFront = pairs(a, b)
      guard context.spend(upFront) else { return .error(costLimitExceeded) }
      var work = 0
      // What was charged up front is paid for: the comparisons may do that much first.
      let limit = context.remaining(beyond: upFront)
      let result = (0..<b.count).contains { contains(a, b.element(at: $0), &work, limit) }
      return charged(result, work, beyond: upFront, &context)
    }
  }
}

// MARK: Quantity

/// An exact decimal: `digits` × 10^`exponent`, no leading or trailing zero digits (zero has
/// none).
struct ExactDecimal: Sendable, Equatable {
  var negative: Bool
  var digits: [UInt8]
  var exponent: Int

  /// Exponents are bounded so that aligning two numbers stays small.
  static let exponentLimit = 2_000

  /// The work of walking `a` and `b` aligned, digit by digit, in the units of
  /// `EvaluationContext.uncountedWork` (about 25 ns: a few digits each).
  static func alignedWork(_ a: ExactDecimal, _ b: ExactDecimal) -> Int {
    let top = max(a.digits.count + a.exponent, b.digits.count + b.exponent)
    let bottom = min(a.exponent, b.exponent)
    return max(0, top - bottom) / 4 + 1
  }

  init(negative: Bool, digits: [UInt8], exponent: Int) {
    self.negative = negative
    self.digits = digits
    self.exponent = exponent
    normalise()
  }

  private mutating func normalise() {
    let leading = digits.prefix(while: { $0 == 0 }).count
    digits.removeFirst(leading)
    while let last = digits.last, last == 0 {
      digits.removeLast()
      exponent += 1
    }
    if digits.isEmpty {
      exponent = 0
      negative = false
    }
  }

  var isZero: Bool { digits.isEmpty }

  /// -1, 0, 1.
  static func compare(_ a: ExactDecimal, _ b: ExactDecimal) -> Int {
    if a.negative != b.negative { return a.negative ? -1 : 1 }
    let magnitude = compareMagnitude(a, b)
    return a.negative ? -magnitude : magnitude
  }

  private static func compareMagnitude(_ a: ExactDecimal, _ b: ExactDecimal) -> Int {
    if a.isZero || b.isZero { return a.isZero ? (b.isZero ? 0 : -1) : 1 }
    let orderA = a.digits.count + a.exponent
    let orderB = b.digits.count + b.exponent
    if orderA != orderB { return orderA < orderB ? -1 : 1 }
    for index in 0..<max(a.digits.count, b.digits.count) {
      let x = index < a.digits.count ? a.digits[index] : 0
      let y = index < b.digits.count ? b.digits[index] : 0
      if x != y { return x < y ? -1 : 1 }
    }
    return 0
  }

  /// `a + b` exactly; `nil` when the numbers are too far apart to align.
  static func add(_ a: ExactDecimal, _ b: ExactDecimal) -> ExactDecimal? {
    if a.isZero { return b }
    if b.isZero { return a }
    let exponent = min(a.exponent, b.exponent)
    guard a.exponent - exponent < 4 * exponentLimit, b.exponent - exponent < 4 * exponentLimit
    else { return nil }
    let x = a.digits + Array(repeating: 0, count: a.exponent - exponent)
    let y = b.digits + Array(repeating: 0, count: b.exponent - exponent)
    if a.negative == b.negative {
      return ExactDecimal(negative: a.negative, digits: addDigits(x, y), exponent: exponent)
    }
    let order = compareDigits(x, y)
    if order == 0 { return ExactDecimal(negative: false, digits: [], exponent: 0) }
    let (larger, smaller, negative) = order > 0 ? (x, y, a.negative) : (y, x, b.negative)
    return ExactDecimal(
      negative: negative, digits: subtractDigits(larger, smaller), exponent: exponent)
  }

  var negated: ExactDecimal {
    ExactDecimal(negative: !negative, digits: digits, exponent: exponent)
  }

  private static func compareDigits(_ x: [UInt8], _ y: [UInt8]) -> Int {
    let x = Array(x.drop(while: { $0 == 0 }))
    let y = Array(y.drop(while: { $0 == 0 }))
    if x.count != y.count { return x.count < y.count ? -1 : 1 }
    for (a, b) in zip(x, y) where a != b { return a < b ? -1 : 1 }
    return 0
  }

  private static func addDigits(_ x: [UInt8], _ y: [UInt8]) -> [UInt8] {
    var result: [UInt8] = []
    var carry: UInt8 = 0
    var i = x.count - 1
    var j = y.count - 1
    while i >= 0 || j >= 0 || carry > 0 {
      let sum = (i >= 0 ? x[i] : 0) + (j >= 0 ? y[j] : 0) + carry
      result.append(sum % 10)
      carry = sum / 10
      i -= 1
      j -= 1
    }
    return result.reversed()
  }

  private static func subtractDigits(_ x: [UInt8], _ y: [UInt8]) -> [UInt8] {
    var result: [UInt8] = []
    var borrow = 0
    var j = y.count - 1
    for i in stride(from: x.count - 1, through: 0, by: -1) {
      var digit = Int(x[i]) - borrow - (j >= 0 ? Int(y[j]) : 0)
      borrow = digit < 0 ? 1 : 0
      if digit < 0 { digit += 10 }
      result.append(UInt8(digit))
      j -= 1
    }
    return result.reversed()
  }

  func multiplied(by factor: UInt64) -> ExactDecimal {
    var result: [UInt8] = []
    var carry: UInt64 = 0
    for digit in digits.reversed() {
      let product = UInt64(digit) * factor + carry
      result.append(UInt8(product % 10))
      carry = product / 10
    }
    while carry > 0 {
      result.append(UInt8(carry % 10))
      carry /= 10
    }
    return ExactDecimal(negative: negative, digits: result.reversed(), exponent: exponent)
  }

  var isInteger: Bool { exponent >= 0 }

  /// Plain decimal notation (`1.5`, `1073741824`), or digits and an exponent far from 1.
  var description: String {
    guard !isZero else { return "0" }
    let sign = negative ? "-" : ""
    let text = String(decoding: digits.map { $0 + 48 }, as: UTF8.self)
    if exponent >= 0 && exponent <= 30 {
      return sign + text + String(repeating: "0", count: exponent)
    }
    if exponent < 0 && -exponent < 30 {
      let point = digits.count + exponent
      if point > 0 {
        let index = text.index(text.startIndex, offsetBy: point)
        return sign + text[..<index] + "." + text[index...]
      }
      return sign + "0." + String(repeating: "0", count: -point) + text
    }
    return sign + text + "e" + String(exponent)
  }

  var int64: Int64? {
    guard isInteger, digits.count + exponent <= 19 else { return nil }
    var value: Int64 = 0
    for digit in digits + Array(repeating: 0, count: exponent) {
      let (product, overflow1) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflow2) = product.addingReportingOverflow(Int64(digit))
      guard !overflow1, !overflow2 else {
        // -9223372036854775808 does not fit as a positive magnitude.
        return nil
      }
      value = sum
    }
    return negative ? -value : value
  }

  var double: Double {
    let text =
      (negative ? "-" : "")
      + (digits.isEmpty ? "0" : String(decoding: digits.map { $0 + 48 }, as: UTF8.self))
      + "e\(exponent)"
    return Double(text) ?? .nan
  }
}

/// `kubernetes.Quantity`: resource quantities (`500m`, `1.5Gi`, `2e3`), compared exactly.
struct Quantity: OpaqueValue, Equatable {
  let value: ExactDecimal
  var typeName: String { "kubernetes.Quantity" }

  func isEqual(to other: any OpaqueValue) -> Bool {
    guard let other = other.exactly(Quantity.self) else { return false }
    return ExactDecimal.compare(value, other.value) == 0
  }

  /// Parses the Kubernetes quantity grammar: a signed decimal number, then a binary suffix
  /// (`Ki`…`Ei`), a decimal one (`n u m k M G T P E`) or a decimal exponent (`e3`, `E-2`).
  init?(_ text: String) {
    let bytes = Array(text.utf8)
    guard !bytes.isEmpty, bytes.count <= 128 else { return nil }
    var index = 0
    var negative = false
    if bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-") {
      negative = bytes[0] == UInt8(ascii: "-")
      index += 1
    }
    var digits: [UInt8] = []
    var fractionDigits = 0
    var sawDigit = false
    while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
      digits.append(bytes[index] - 0x30)
      sawDigit = true
      index += 1
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
        digits.append(bytes[index] - 0x30)
        fractionDigits += 1
        sawDigit = true
        index += 1
      }
    }
    guard sawDigit else { return nil }
    var number = ExactDecimal(negative: negative, digits: digits, exponent: -fractionDigits)
    let suffix = String(decoding: bytes[index...], as: UTF8.self)
    if suffix.isEmpty {
      // A plain number.
    } else if let power = Self.binaryPower(suffix) {
      for _ in 0..<power { number = number.multiplied(by: 1024) }
    } else if let exponent = Self.decimalExponent(suffix) {
      number = ExactDecimal(
        negative: number.negative, digits: number.digits, exponent: number.exponent + exponent)
    } else {
      guard suffix.hasPrefix("e") || suffix.hasPrefix("E") else { return nil }
      var exponentText = suffix.dropFirst()
      var sign = 1
      if exponentText.first == "+" || exponentText.first == "-" {
        sign = exponentText.first == "-" ? -1 : 1
        exponentText = exponentText.dropFirst()
      }
      guard !exponentText.isEmpty, exponentText.count <= 5, exponentText.allSatisfy(\.isNumber),
        let exponent = Int(exponentText), exponent <= ExactDecimal.exponentLimit
      else { return nil }
      number = ExactDecimal(
        negative: number.negative, digits: number.digits,
        exponent: number.exponent + sign * exponent)
    }
    value = number
  }

  /// The power of 1024 a binary suffix stands for. (Switches, not tables: a dictionary
  /// literal here was built for every quantity parsed.)
  private static func binaryPower(_ suffix: String) -> Int? {
    switch suffix {
    case "Ki": 1
    case "Mi": 2
    case "Gi": 3
    case "Ti": 4
    case "Pi": 5
    case "Ei": 6
    default: nil
    }
  }

  /// The power of ten a decimal suffix stands for.
  private static func decimalExponent(_ suffix: String) -> Int? {
    switch suffix {
    case "n": -9
    case "u": -6
    case "m": -3
    case "k": 3
    case "M": 6
    case "G": 9
    case "T": 12
    case "P": 15
    case "E": 18
    default: nil
    }
  }

  init(value: ExactDecimal) {
    self.value = value
  }

  /// `^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$`: a number, then what may be a suffix.
  static func hasQuantityShape(_ text: String) -> Bool {
    var bytes = Array(text.utf8)[...]
    if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
      bytes = bytes.dropFirst()
    }
    let number = bytes.prefix { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }
    guard !number.isEmpty else { return false }
    var rest = bytes.dropFirst(number.count)
    rest = rest.drop { "eEinumkKMGTP".utf8.contains($0) }
    if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
      rest = rest.dropFirst()
    }
    return rest.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
  }

  static func register(_ library: inout Library) {
    library.add("quantity", arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      guard let quantity = Quantity(text) else {
        // resource.ParseQuantity's two errors: the shape, else the suffix.
        return .error(
          CELError(
            hasQuantityShape(text)
              ? "unable to parse quantity's suffix"
              : "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
          ))
      }
      return .opaque(quantity)
    }
    library.add("isQuantity", arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      return .bool(Quantity(text) != nil)
    }
    @Sendable func quantity(_ value: Value) -> Quantity? {
      if case .opaque(let opaque) = value { return opaque.exactly(Quantity.self) }
      return nil
    }
    @Sendable func operand(_ value: Value) -> ExactDecimal? {
      if let quantity = quantity(value) { return quantity.value }
      if case .int(let number) = value {
        return Quantity(String(number))?.value
      }
      return nil
    }
    library.add("isInteger", member: true, arity: 1) { arguments, _ in
      quantity(arguments[0]).map { .bool($0.value.isInteger && $0.value.int64 != nil) }
    }
    library.add("asInteger", member: true, arity: 1) { arguments, _ in
      guard let quantity = quantity(arguments[0]) else { return nil }
      guard let number = quantity.value.int64 else {
        return .error(CELError("cannot convert value to integer"))
      }
      return .int(number)
    }
    library.add("asApproximateFloat", member: true, arity: 1) { arguments, _ in
      quantity(arguments[0]).map { .double($0.value.double) }
    }
    // A function, not a method, whatever the library's documentation writes
    // (`<Quantity>.sign()`): the API server declares it with `cel.Overload`, and its checker
    // refuses a function called as a method.
    library.add("sign", arity: 1) { arguments, _ in
      quantity(arguments[0]).map {
        .int($0.value.isZero ? 0 : ($0.value.negative ? -1 : 1))
      }
    }
    // Kubernetes charges these a flat cost, but they walk the two numbers' digits aligned
    // (`1e2000 + 1e-2000` holds 4 000): that walk is counted as work beyond the cost, where a
    // loop of such sums within the cost limit took minutes.
    @Sendable func walk(
      _ a: ExactDecimal, _ b: ExactDecimal, _ context: inout EvaluationContext
    ) -> Bool {
      // Asked first: a loop that absorbs the error (`all`, `exists`) goes on.
      context.mayDoUncountedWork && context.addUncountedWork(ExactDecimal.alignedWork(a, b))
    }
    for (name, negate) in [("add", false), ("sub", true)] {
      library.add(name, member: true, arity: 2) { arguments, context in
        guard let left = quantity(arguments[0]), let right = operand(arguments[1]) else {
          return nil
        }
        guard walk(left.value, right, &context) else {
          return .error(EvaluationContext.uncountedLimitExceeded)
        }
        guard let sum = ExactDecimal.add(left.value, negate ? right.negated : right) else {
          return .error(CELError("quantity out of range"))
        }
        return .opaque(Quantity(value: sum))
      }
    }
    for (name, expected) in [("isLessThan", -1), ("isGreaterThan", 1)] {
      library.add(name, member: true, arity: 2) { arguments, context in
        guard let left = quantity(arguments[0]), let right = quantity(arguments[1]) else {
          return nil
        }
        guard walk(left.value, right.value, &context) else {
          return .error(EvaluationContext.uncountedLimitExceeded)
        }
        return .bool(ExactDecimal.compare(left.value, right.value) == expected)
      }
    }
    library.add("compareTo", member: true, arity: 2) { arguments, context in
      guard let left = quantity(arguments[0]), let right = quantity(arguments[1]) else {
        return nil
      }
      guard walk(left.value, right.value, &context) else {
        return .error(EvaluationContext.uncountedLimitExceeded)
      }
      return .int(Int64(ExactDecimal.compare(left.value, right.value)))
    }
  }
}

// MARK: URL

/// `kubernetes.URL`: an absolute URI or an absolute path, as Go's `url.ParseRequestURI`
/// reads it.
struct URL: OpaqueValue, Equatable {
  let scheme: String
  /// `host[:port]`, unescaped as Go's `url.Parse` gives it (brackets kept for IPv6).
  let host: String
  let path: String
  /// What follows the scheme of an opaque URI (`mailto:a@b`), which Go's `url.Parse` keeps as
  /// `Opaque`, its path left empty; `""` otherwise.
  let opaque: String
  let rawQuery: String
  var typeName: String { "kubernetes.URL" }

  func isEqual(to other: any OpaqueValue) -> Bool {
    (other.exactly(URL.self)) == self
  }

  /// Kubernetes checks the text with Go's `url.ParseRequestURI` (to which a `#` is any other
  /// character, and not one a host may hold), then reads it with `url.Parse`, which cuts the
  /// fragment off first (and reads `//host` without a scheme as a host, where a request's
  /// URI is a path).
  init?(_ text: String) {
    guard Self.isRequestURI(text) else { return nil }
    let hash = text.firstIndex(of: "#") ?? text.endIndex
    self.init(components: text[..<hash], viaRequest: false)
  }

  /// Whether Go's `url.ParseRequestURI` takes `text` (all `isURL` asks).
  static func isRequestURI(_ text: String) -> Bool {
    URL(components: Substring(text), viaRequest: true) != nil
  }

  private init?(components text: Substring, viaRequest: Bool) {
    // Linear in the text, which Go's parser bounds no more than this.
    guard !text.isEmpty,
      !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
    else { return nil }
    // Go's `url.parse`: `*` alone is a path (`OPTIONS *`).
    if text == "*" {
      (scheme, host, path, opaque, rawQuery) = ("", "", "*", "", "")
      return
    }
    var rest = text
    var scheme = ""
    if !rest.hasPrefix("/") {
      // A scheme: a letter, then letters, digits, `+ - .`, then `:`.
      guard let colon = rest.firstIndex(of: ":"), colon != rest.startIndex else { return nil }
      let name = rest[..<colon]
      guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic,
        name.unicodeScalars.allSatisfy({
          $0.isASCII
            && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
              || "+-.".unicodeScalars.contains($0))
        })
      else { return nil }
      scheme = name.lowercased()
      rest = rest[rest.index(after: colon)...]
    }
    var query = ""
    if let mark = rest.firstIndex(of: "?") {
      query = String(rest[rest.index(after: mark)...])
      rest = rest[..<mark]
    }
    var host = ""
    let hasAuthority =
      rest.hasPrefix("//") && (!scheme.isEmpty || !viaRequest && !rest.hasPrefix("///"))
    if hasAuthority {
      rest = rest.dropFirst(2)
      let end = rest.firstIndex(of: "/") ?? rest.endIndex
      var authority = rest[..<end]
      rest = rest[end...]
      if let at = authority.lastIndex(of: "@") {
        guard URL.validUserinfo(authority[..<at]) else { return nil }
        authority = authority[authority.index(after: at)...]
      }
      guard let parsed = URL.parsedHost(authority) else { return nil }
      host = parsed
    }
    // An opaque URI (`mailto:a@b`, `https:://x`): no host, and an empty path (its
    // `getEscapedPath()` is '', as Go's).
    let isOpaque = !scheme.isEmpty && !hasAuthority && !rest.hasPrefix("/")
    if isOpaque {
      guard !rest.isEmpty else { return nil }
    } else {
      // Go unescapes the path: each `%` must start two hex digits.
      guard URL.unescaped(rest, mode: .path) != nil else { return nil }
    }
    self.scheme = scheme
    self.host = host
    self.path = isOpaque ? "" : String(rest)
    self.opaque = isOpaque ? String(rest) : ""
    self.rawQuery = query
  }

  /// What Go's `unescape` checks of a part of a URL.
  private enum EscapeMode { case path, userinfo, host, zone }

  /// `text` with its percent escapes decoded, or `nil` where Go's `url.unescape` refuses it:
  /// a `%` not followed by two hex digits; in a host, an escape of an ASCII byte (but `%25`,
  /// an IPv6 zone's percent sign) and an ASCII byte a host may not hold; in a zone, an escape
  /// of any byte but those a host holds as they are, `%` and a space.
  private static func unescaped(_ text: Substring, mode: EscapeMode) -> String? {
    let bytes = Array(text.utf8)
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count)
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      guard byte == UInt8(ascii: "%") else {
        if mode == .host || mode == .zone, byte < 0x80, !isHostByte(byte) { return nil }
        result.append(byte)
        index += 1
        continue
      }
      guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]),
        let low = hexValue(bytes[index + 2])
      else { return nil }
      let value = high << 4 | low
      switch mode {
      case .host where high < 8 && value != 0x25: return nil
      case .zone where value != 0x25 && value != 0x20 && (value >= 0x80 || !isHostByte(value)):
        return nil
      default: break
      }
      result.append(value)
      index += 3
    }
    return String(decoding: result, as: UTF8.self)
  }

  private static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }

  /// An ASCII byte Go's url package lets a host hold as it is (`shouldEscape` in host mode):
  /// letters, digits, `-._~`, sub-delimiters, `:[]<>"`.
  private static func isHostByte(_ byte: UInt8) -> Bool {
    (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || (0x30...0x39).contains(byte)
      || "-._~!$&'()*+,;=:[]<>\"".utf8.contains(byte)
  }

  /// Go's `validOptionalPort`: nothing, or `:` and ASCII digits.
  private static func isOptionalPort(_ text: Substring) -> Bool {
    text.isEmpty
      || (text.hasPrefix(":")
        && text.utf8.dropFirst().allSatisfy { (0x30...0x39).contains($0) })
  }

  /// Go's `validUserinfo`, and its escapes.
  private static func validUserinfo(_ text: Substring) -> Bool {
    text.utf8.allSatisfy { byte in
      (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || (0x30...0x39).contains(byte)
        || "-._:~!$&'()*+,;=%@".utf8.contains(byte)
    } && unescaped(text, mode: .userinfo) != nil
  }

  /// The host of an authority as Go's `parseHost` gives it (unescaped), or `nil`.
  private static func parsedHost(_ host: Substring) -> String? {
    if host.hasPrefix("[") {
      guard let close = host.lastIndex(of: "]"),
        isOptionalPort(host[host.index(after: close)...])
      else { return nil }
      // RFC 6874: `%25` starts an IPv6 zone, which may escape more.
      if let zone = host[..<close].firstRange(of: "%25") {
        guard let before = unescaped(host[..<zone.lowerBound], mode: .host),
          let inZone = unescaped(host[zone.lowerBound..<close], mode: .zone),
          let after = unescaped(host[close...], mode: .host)
        else { return nil }
        return before + inZone + after
      }
    } else if let colon = host.lastIndex(of: ":"), !isOptionalPort(host[colon...]) {
      return nil
    }
    return unescaped(host, mode: .host)
  }

  /// Go's `splitHostPort` of the host: the port, when what follows the last colon is one,
  /// and the host without it and without its brackets.
  private var hostAndPort: (host: Substring, port: Substring) {
    var name = host[...]
    var port: Substring = ""
    if let colon = host.lastIndex(of: ":"), URL.isOptionalPort(host[colon...]) {
      name = host[..<colon]
      port = host[host.index(after: colon)...]
    }
    if name.hasPrefix("["), name.hasSuffix("]") { name = name.dropFirst().dropLast() }
    return (name, port)
  }

  var hostname: String { String(hostAndPort.host) }

  var port: String { String(hostAndPort.port) }

  /// The path with what a path may not hold percent-encoded (`/a b` is `/a%20b`).
  var escapedPath: String {
    var result: [UInt8] = []
    let allowed = Set(
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/%".utf8)
    for byte in path.utf8 {
      if allowed.contains(byte) {
        result.append(byte)
      } else {
        result += Array("%".utf8) + Array(String(byte, radix: 16, uppercase: true).utf8).paddedHex
      }
    }
    return String(decoding: result, as: UTF8.self)
  }

  /// The query's keys and their values, decoded (`+` is a space), in order of appearance.
  var query: DictionaryMap {
    var order: [String] = []
    var values: [String: [String]] = [:]
    for pair in rawQuery.split(separator: "&") where !pair.contains(";") {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      guard let key = URL.unescape(parts[0]) else { continue }
      let value = parts.count > 1 ? URL.unescape(parts[1]) : ""
      guard let value else { continue }
      if values[key] == nil { order.append(key) }
      values[key, default: []].append(value)
    }
    var map = DictionaryMap()
    for key in order {
      map.insert(.string(key), .list(ArrayList(values[key]!.map(Value.string))))
    }
    return map
  }

  private static func unescape(_ text: Substring) -> String? {
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8)[...]
    while let byte = iterator.popFirst() {
      switch byte {
      case UInt8(ascii: "+"): bytes.append(0x20)
      case UInt8(ascii: "%"):
        guard iterator.count >= 2,
          let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
        else { return nil }
        bytes.append(value)
        iterator = iterator.dropFirst(2)
      default: bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  static func register(_ library: inout Library) {
    library.add("url", arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      guard let url = URL(text) else {
        return .error(CELError("URL parse error during conversion from string: \(text)"))
      }
      return .opaque(url)
    }
    library.add("isURL", arity: 1) { arguments, _ in
      guard case .string(let text) = arguments[0] else { return nil }
      return .bool(URL.isRequestURI(text))
    }
    let accessors: [(String, @Sendable (URL) -> Value)] = [
      ("getScheme", { .string($0.scheme) }),
      ("getHost", { .string($0.host) }),
      ("getHostname", { .string($0.hostname) }),
      ("getPort", { .string($0.port) }),
      ("getEscapedPath", { .string($0.escapedPath) }),
      ("getQuery", { .map($0.query) }),
    ]
    for (name, accessor) in accessors {
      library.add(name, member: true, arity: 1) { arguments, _ in
        guard case .opaque(let opaque) = arguments[0], let url = opaque.exactly(URL.self) else {
          return nil
        }
        return accessor(url)
      }
    }
  }
}

extension Array where Element == UInt8 {
  /// Two hex digits (`F` is `0F`).
  fileprivate var paddedHex: [UInt8] { count == 1 ? [UInt8(ascii: "0")] + self : self }
}

// MARK: IP addresses and CIDRs

/// `net.IP`: an IPv4 or IPv6 address, without zone.
/// Address checks for hosts that read addresses as the CEL network library does.
public enum NetworkAddresses {
  /// Whether `text` is an IPv6 address (IPv4-mapped included, a plain IPv4 one not).
  public static func isIPv6(_ text: Substring) -> Bool { IPAddress.parseIPv6(text) != nil }
}

struct IPAddress: OpaqueValue, Equatable {
  /// 4 or 16 bytes.
  let bytes: [UInt8]
  var typeName: String { "net.IP" }

  func isEqual(to other: any OpaqueValue) -> Bool {
    guard let other = other.exactly(IPAddress.self) else { return false }
    return unmapped.bytes == other.unmapped.bytes
  }

  var isIPv4: Bool { bytes.count == 4 }

  /// An IPv4-mapped IPv6 address as the IPv4 address it maps.
  var unmapped: IPAddress {
    if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF,
      bytes[11] == 0xFF
    {
      return IPAddress(bytes: Array(bytes[12...]))
    }
    return self
  }

  init(bytes: [UInt8]) {
    self.bytes = bytes
  }

  enum ParseError: Error {
    /// Not an address to Go's `netip.ParseAddr`, with its words when it says them.
    case invalid(String?)
    case zone, mapped
  }

  /// An address as the API server's `ip()` takes it: what `netip.ParseAddr` parses, without
  /// a zone, and not IPv4-mapped (`::ffff:1.2.3.4`; with `kubernetes`, however written: the
  /// API server asks `Is4In6`, cel-go's network extension only refuses the dotted form).
  static func parse(_ text: String, kubernetes: Bool = true) -> Result<IPAddress, ParseError> {
    if let error = GoAddressErrors.parseAddr(text) { return .failure(.invalid(error)) }
    if text.contains("%") { return .failure(.zone) }
    guard let bytes = parseIPv4(Substring(text)) ?? parseIPv6(Substring(text)) else {
      return .failure(.invalid(nil))
    }
    let address = IPAddress(bytes: bytes)
    if bytes.count == 16 && address.unmapped.bytes.count == 4 && (kubernetes || text.contains("."))
    {
      return .failure(.mapped)
    }
    return .success(address)
  }

  /// The API server's error for `text`, which `parse` refuses.
  static func parseError(_ text: String, _ error: ParseError) -> CELError {
    let quoted = KubernetesFormat.goQuoted(Array(text.utf8))
    switch error {
    case .invalid(let detail):
      return CELError(
        "IP Address \(quoted) parse error during conversion from string"
          + (detail.map { ": \($0)" } ?? ""))
    case .zone: return CELError("IP address \(quoted) with zone value is not allowed")
    case .mapped: return CELError("IPv4-mapped IPv6 address \(quoted) is not allowed")
    }
  }

  static func parseIPv4(_ text: Substring) -> [UInt8]? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var bytes: [UInt8] = []
    for part in parts {
      // No leading zeros (`01` could be octal to some readers).
      guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
        part == "0" || !part.hasPrefix("0"), let value = Int(part), value <= 255
      else { return nil }
      bytes.append(UInt8(value))
    }
    return bytes
  }

  static func parseIPv6(_ text: Substring) -> [UInt8]? {
    guard text.contains(":"), text.count <= 45 else { return nil }
    var head: [UInt16] = []
    var tail: [UInt16] = []
    var sawGap = false
    var rest = text
    if rest.hasPrefix("::") {
      sawGap = true
      rest = rest.dropFirst(2)
      if rest.isEmpty { return Array(repeating: 0, count: 16) }
    } else if rest.hasPrefix(":") {
      return nil
    }
    var groups = rest.split(separator: ":", omittingEmptySubsequences: false)
    if groups.last == "" {
      // A trailing `::`.
      guard rest.hasSuffix("::"), !sawGap else { return nil }
      groups.removeLast(2)
      sawGap = true
      if groups.contains("") { return nil }
      head = []
      for group in groups {
        guard let value = hexGroup(group) else { return nil }
        head.append(value)
      }
      guard head.count <= 7 else { return nil }
      return bytes(head + Array(repeating: 0, count: 8 - head.count))
    }
    var embedded: [UInt8]?
    for (index, group) in groups.enumerated() {
      if group.isEmpty {
        guard !sawGap else { return nil }
        sawGap = true
        continue
      }
      if index == groups.count - 1, group.contains(".") {
        guard let four = parseIPv4(group) else { return nil }
        embedded = four
        continue
      }
      guard let value = hexGroup(group) else { return nil }
      if sawGap && (text.hasPrefix("::") || groups[..<index].contains("")) {
        tail.append(value)
      } else {
        head.append(value)
      }
    }
    if let embedded {
      let value1 = UInt16(embedded[0]) << 8 | UInt16(embedded[1])
      let value2 = UInt16(embedded[2]) << 8 | UInt16(embedded[3])
      if sawGap { tail += [value1, value2] } else { head += [value1, value2] }
    }
    let total = head.count + tail.count
    if sawGap {
      guard total <= 7 else { return nil }
      return bytes(head + Array(repeating: 0, count: 8 - total) + tail)
    }
    guard total == 8 else { return nil }
    return bytes(head)
  }

  private static func hexGroup(_ group: Substring) -> UInt16? {
    guard !group.isEmpty, group.count <= 4, group.allSatisfy(\.isHexDigit) else { return nil }
    return UInt16(group, radix: 16)
  }

  private static func bytes(_ groups: [UInt16]) -> [UInt8] {
    groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
  }

  /// Dotted decimal, or RFC 5952 (lowercase, the longest run of zero groups as `::`).
  var text: String {
    if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
    if unmapped.isIPv4 { return "::ffff:" + unmapped.text }
    let groups = stride(from: 0, to: 16, by: 2).map {
      UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1])
    }
    var bestStart = -1
    var bestLength = 1
    var index = 0
    while index < 8 {
      if groups[index] == 0 {
        var end = index
        while end < 8 && groups[end] == 0 { end += 1 }
        if end - index > bestLength {
          bestStart = index
          bestLength = end - index
        }
        index = end
      } else {
        index += 1
      }
    }
    let hex = groups.map { String($0, radix: 16) }
    if bestStart < 0 { return hex.joined(separator: ":") }
    return hex[..<bestStart].joined(separator: ":") + "::"
      + hex[(bestStart + bestLength)...].joined(separator: ":")
  }

  var family: Int64 { unmapped.isIPv4 ? 4 : 6 }

  /// The longest text of an address: IPv6 with an IPv4 tail, every group of four digits
  /// (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`).
  static let longestText = 45

  static func register(_ library: inout Library, kubernetes: Bool) {
    library.add("ip", arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      return result(text, kubernetes: kubernetes)
    }
    library.add("isIP", arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      // No address is written in more than 45 bytes (a zone is refused): a longer text is
      // none, without parsing it (a parse of a long text is slow per unit of its cost).
      guard text.utf8.count <= Self.longestText else { return .bool(false) }
      if case .success = parse(text, kubernetes: kubernetes) { return .bool(true) }
      return .bool(false)
    }
    library.add("ip.isCanonical", arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      // Parsed, then compared with the text: two passes.
      guard context.spend(Library.traversalSurcharge(text, passes: 2)) else {
        return .error(costLimitExceeded)
      }
      switch parse(text, kubernetes: kubernetes) {
      case .success(let address): return .bool(address.text == text)
      case .failure: return result(text, kubernetes: kubernetes)
      }
    }
    library.add("string", arity: 1) { arguments, _ in
      guard case .opaque(let opaque) = arguments[0] else { return nil }
      if let address = opaque.exactly(IPAddress.self) { return .string(address.text) }
      if let cidr = opaque.exactly(CIDR.self) { return .string(cidr.text) }
      return nil
    }
    let tests: [(String, @Sendable (IPAddress) -> Bool)] = [
      ("isUnspecified", { $0.bytes.allSatisfy { $0 == 0 } }),
      (
        "isLoopback",
        { $0.isIPv4 ? $0.bytes[0] == 127 : $0.bytes == Array(repeating: 0, count: 15) + [1] }
      ),
      (
        "isLinkLocalMulticast",
        {
          $0.isIPv4
            ? $0.bytes[0..<3] == [224, 0, 0] : $0.bytes[0] == 0xFF && $0.bytes[1] & 0x0F == 0x02
        }
      ),
      (
        "isLinkLocalUnicast",
        {
          $0.isIPv4
            ? $0.bytes[0] == 169 && $0.bytes[1] == 254
            : $0.bytes[0] == 0xFE && $0.bytes[1] & 0xC0 == 0x80
        }
      ),
      (
        "isGlobalUnicast",
        { address in
          if address.isIPv4 {
            let b = address.bytes
            return
              !(b == [255, 255, 255, 255] || b[0] == 0 && b.allSatisfy { $0 == 0 } || b[0] == 127
              || b[0] >= 224 && b[0] < 240 || b[0] == 169 && b[1] == 254)
          }
          let b = address.bytes
          return
            !(b.allSatisfy { $0 == 0 } || b == Array(repeating: 0, count: 15) + [1]
            || b[0] == 0xFF || b[0] == 0xFE && b[1] & 0xC0 == 0x80)
        }
      ),
    ]
    for (name, test) in tests {
      library.add(name, member: true, arity: 1) { arguments, _ in
        guard case .opaque(let opaque) = arguments[0], let address = opaque.exactly(IPAddress.self)
        else {
          return nil
        }
        return .bool(test(address.unmapped))
      }
    }
    library.add("family", member: true, arity: 1) { arguments, _ in
      guard case .opaque(let opaque) = arguments[0], let address = opaque.exactly(IPAddress.self)
      else {
        return nil
      }
      return .int(address.family)
    }
  }

  private static func result(_ text: String, kubernetes: Bool) -> Value {
    switch parse(text, kubernetes: kubernetes) {
    case .success(let address): return .opaque(address)
    case .failure(let error): return .error(parseError(text, error))
    }
  }
}

/// `net.CIDR`: an address and a prefix length.
struct CIDR: OpaqueValue, Equatable {
  let address: IPAddress
  let prefixLength: Int
  var typeName: String { "net.CIDR" }

  func isEqual(to other: any OpaqueValue) -> Bool {
    guard let other = other.exactly(CIDR.self) else { return false }
    return address.bytes == other.address.bytes && prefixLength == other.prefixLength
  }

  var text: String { "\(address.text)/\(prefixLength)" }

  var masked: CIDR {
    var bytes = address.bytes
    for index in 0..<bytes.count {
      let bitsHere = max(0, min(8, prefixLength - index * 8))
      bytes[index] &= bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
    }
    return CIDR(address: IPAddress(bytes: bytes), prefixLength: prefixLength)
  }

  func contains(_ other: IPAddress) -> Bool {
    guard other.bytes.count == address.bytes.count else { return false }
    return CIDR(address: other, prefixLength: prefixLength).masked.address.bytes
      == masked.address.bytes
  }

  /// A prefix as the API server's `cidr()` takes it: what `netip.ParsePrefix` parses, not
  /// IPv4-mapped; its errors in its words (which say their first words twice).
  static func parse(_ text: String, kubernetes: Bool = true) -> Value {
    let prefix = "network address parse error during conversion from string: "
    if let error = GoAddressErrors.parsePrefix(text) {
      return .error(CELError(prefix + prefix + error))
    }
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let length = Int(parts[1]) else {
      return .error(CELError(prefix.dropLast(2) + ""))
    }
    switch IPAddress.parse(String(parts[0]), kubernetes: kubernetes) {
    case .success(let address):
      return .opaque(CIDR(address: address, prefixLength: length))
    case .failure(.mapped):
      let quoted = KubernetesFormat.goQuoted(Array(text.utf8))
      return .error(CELError(prefix + "IPv4-mapped IPv6 address \(quoted) is not allowed"))
    case .failure:
      return .error(CELError(prefix.dropLast(2) + ""))
    }
  }

  static func register(_ library: inout Library, kubernetes: Bool) {
    library.add("cidr", arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      return parse(text, kubernetes: kubernetes)
    }
    library.add("isCIDR", arity: 1) { arguments, context in
      guard case .string(let text) = arguments[0] else { return nil }
      guard context.spend(Library.traversalSurcharge(text)) else {
        return .error(costLimitExceeded)
      }
      // No prefix is written in more than 45 + 4 bytes: a longer text is none (see `isIP`).
      guard text.utf8.count <= IPAddress.longestText + 4 else { return .bool(false) }
      if case .opaque = parse(text, kubernetes: kubernetes) { return .bool(true) }
      return .bool(false)
    }
    @Sendable func cidr(_ value: Value) -> CIDR? {
      if case .opaque(let opaque) = value { return opaque.exactly(CIDR.self) }
      return nil
    }
    library.add("containsIP", member: true, arity: 2) { arguments, context in
      guard let range = cidr(arguments[0]) else { return nil }
      switch arguments[1] {
      case .opaque(let opaque):
        guard let address = opaque.exactly(IPAddress.self) else { return nil }
        return .bool(range.contains(address))
      case .string(let text):
        guard context.spend(Library.traversalSurcharge(text)) else {
          return .error(costLimitExceeded)
        }
        switch IPAddress.parse(text, kubernetes: kubernetes) {
        case .success(let address): return .bool(range.contains(address))
        case .failure(let error): return .error(IPAddress.parseError(text, error))
        }
      default: return nil
      }
    }
    library.add("containsCIDR", member: true, arity: 2) { arguments, context in
      guard let range = cidr(arguments[0]) else { return nil }
      var other: CIDR
      switch arguments[1] {
      case .opaque(let opaque):
        guard let given = opaque.exactly(CIDR.self) else { return nil }
        other = given
      case .string(let text):
        guard context.spend(Library.traversalSurcharge(text)) else {
          return .error(costLimitExceeded)
        }
        let parsed = parse(text, kubernetes: kubernetes)
        guard case .opaque(let opaque) = parsed, let given = opaque.exactly(CIDR.self) else {
          return parsed
        }
        other = given
      default: return nil
      }
      return .bool(other.prefixLength >= range.prefixLength && range.contains(other.address))
    }
    library.add("ip", member: true, arity: 1) { arguments, _ in
      cidr(arguments[0]).map { .opaque($0.address) }
    }
    library.add("masked", member: true, arity: 1) { arguments, _ in
      cidr(arguments[0]).map { .opaque($0.masked) }
    }
    library.add("prefixLength", member: true, arity: 1) { arguments, _ in
      cidr(arguments[0]).map { .int(Int64($0.prefixLength)) }
    }
  }
}

// MARK: Named formats

/// `format.dns1123Label()` and its siblings: `validate(s)` gives `optional.none()` when `s`
/// is valid, else the list of what is wrong, as Kubernetes' own validation says it.
struct NamedFormat: OpaqueValue {
  let name: String
  var typeName: String { "kubernetes.NamedFormat" }

  func isEqual(to other: any OpaqueValue) -> Bool {
    (other.exactly(NamedFormat.self))?.name == name
  }

  static let names = [
    "dns1123Label", "dns1123Subdomain", "dns1035Label", "qualifiedName", "dns1123LabelPrefix",
    "dns1123SubdomainPrefix", "dns1035LabelPrefix", "labelValue", "uri", "uuid", "byte", "date",
    "datetime",
  ]

  static func register(_ library: inout Library) {
    for name in names {
      library.add("format." + name, arity: 0) { _, _ in .opaque(NamedFormat(name: name)) }
    }
    library.add("format.named", arity: 1) { arguments, _ in
      guard case .string(let name) = arguments[0] else { return nil }
      return .optional(names.contains(name) ? .opaque(NamedFormat(name: name)) : nil)
    }
    library.add("validate", member: true, arity: 2) { arguments, context in
      guard case .opaque(let opaque) = arguments[0], let format = opaque.exactly(NamedFormat.self),
        case .string(let text) = arguments[1]
      else { return nil }
      // Validating reads the text: a unit per ten bytes, as string functions.
      guard context.spend(1 + text.utf8.count / 10) else { return .error(costLimitExceeded) }
      let problems = format.problems(text)
      return .optional(problems.isEmpty ? nil : .list(ArrayList(problems.map(Value.string))))
    }
  }

  // The messages and checks of k8s.io/apimachinery's validation (`IsDNS1123Label`,
  // `IsDNS1123Subdomain`, `IsDNS1035Label`, `IsLabelKey`, `IsLabelValue`), lengths in bytes.

  private static let labelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
  private static let subdomainFormat = labelFormat + "(\\." + labelFormat + ")*"
  private static let dns1035Format = "[a-z]([-a-z0-9]*[a-z0-9])?"
  private static let labelKeyFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
  private static let labelMessage =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
  private static let subdomainMessage =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
  private static let dns1035Message =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
  private static let labelKeyMessage =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
  private static let labelValueMessage =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

  /// apimachinery's `RegexError`.
  private static func regexError(_ message: String, _ format: String, _ examples: [String])
    -> String
  {
    guard !examples.isEmpty else { return message + " (regex used for validation is '\(format)')" }
    return message + " (e.g. " + examples.map { "'\($0)', " }.joined(separator: " or ")
      + "regex used for validation is '\(format)')"
  }

  private static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
  private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
  private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
    isLower(byte | 0x20) || isDigit(byte)
  }

  /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, or with `[a-z]` first for DNS-1035.
  private static func isLabel(_ bytes: ArraySlice<UInt8>, letterFirst: Bool = false) -> Bool {
    guard let first = bytes.first, let last = bytes.last else { return false }
    return (letterFirst ? isLower(first) : isLower(first) || isDigit(first))
      && (isLower(last) || isDigit(last))
      && bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
  }

  private static func isSubdomain(_ bytes: ArraySlice<UInt8>) -> Bool {
    // Label by label, in place.
    var start = bytes.startIndex
    while let dot = bytes[start...].firstIndex(of: UInt8(ascii: ".")) {
      guard isLabel(bytes[start..<dot]) else { return false }
      start = dot + 1
    }
    return isLabel(bytes[start...])
  }

  /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
  private static func isLabelKeyName(_ bytes: ArraySlice<UInt8>) -> Bool {
    guard let first = bytes.first, let last = bytes.last else { return false }
    return isLetterOrDigit(first) && isLetterOrDigit(last)
      && bytes.allSatisfy { isLetterOrDigit($0) || "-_.".utf8.contains($0) }
  }

  /// apimachinery's `maskTrailingDash`, for the prefix forms: a name that ends in `-` (more is
  /// appended to it) has its last two bytes replaced by `a`.
  private static func maskingTrailingDash(_ text: String) -> ArraySlice<UInt8> {
    let bytes = Array(text.utf8)
    guard bytes.count > 1, bytes.last == UInt8(ascii: "-") else { return bytes[...] }
    return (bytes.dropLast(2) + [UInt8(ascii: "a")])[...]
  }

  private static func dns1123Label(_ bytes: ArraySlice<UInt8>) -> [String] {
    var problems: [String] = []
    if bytes.count > 63 { problems.append("must be no more than 63 characters") }
    if !isLabel(bytes) {
      problems.append(
        isSubdomain(bytes)
          ? "must not contain dots"
          : regexError(labelMessage, labelFormat, ["my-name", "123-abc"]))
    }
    return problems
  }

  static func dns1123Subdomain(_ bytes: ArraySlice<UInt8>) -> [String] {
    var problems: [String] = []
    if bytes.count > 253 { problems.append("must be no more than 253 characters") }
    if !isSubdomain(bytes) {
      problems.append(regexError(subdomainMessage, subdomainFormat, ["example.com"]))
    }
    return problems
  }

  private static func dns1035Label(_ bytes: ArraySlice<UInt8>) -> [String] {
    var problems: [String] = []
    if bytes.count > 63 { problems.append("must be no more than 63 characters") }
    if !isLabel(bytes, letterFirst: true) {
      problems.append(regexError(dns1035Message, dns1035Format, ["my-name", "abc-123"]))
    }
    return problems
  }

  static func qualifiedName(_ text: String) -> [String] {
    let parts = Array(text.utf8).split(
      separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    var problems: [String] = []
    let examples = ["MyName", "my.name", "123-abc"]
    switch parts.count {
    case 1: break
    case 2:
      if parts[0].isEmpty {
        problems.append("prefix part must be non-empty")
      } else {
        problems += dns1123Subdomain(parts[0]).map { "prefix part " + $0 }
      }
    default:
      return [
        "a valid label key " + regexError(labelKeyMessage, labelKeyFormat, examples)
          + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
      ]
    }
    let name = parts[parts.count - 1]
    if name.isEmpty {
      problems.append("name part must be non-empty")
    } else if name.count > 63 {
      problems.append("name part must be no more than 63 characters")
    }
    if !isLabelKeyName(name) {
      problems.append("name part " + regexError(labelKeyMessage, labelKeyFormat, examples))
    }
    return problems
  }

  /// kube-openapi's `IsDate`: Go's `time.Parse("2006-01-02", _)`, which takes the year 0.
  private static func isDate(_ bytes: ArraySlice<UInt8>) -> Bool {
    let digits = [0, 1, 2, 3, 5, 6, 8, 9]
    guard bytes.count == 10, bytes[bytes.startIndex + 4] == UInt8(ascii: "-"),
      bytes[bytes.startIndex + 7] == UInt8(ascii: "-"),
      digits.allSatisfy({ (0x30...0x39).contains(bytes[bytes.startIndex + $0]) })
    else { return false }
    func number(_ offset: Int, _ count: Int) -> Int64 {
      bytes[(bytes.startIndex + offset)..<(bytes.startIndex + offset + count)].reduce(0) {
        $0 * 10 + Int64($1 - 0x30)
      }
    }
    let month = number(5, 2)
    let day = number(8, 2)
    return (1...12).contains(month) && day >= 1
      && day <= Civil.daysIn(month: month, year: number(0, 4))
  }

  /// kube-openapi's `IsDateTime`, quirks and all, as the API server validates the format:
  /// the text lower-cased and split at each `t`, a date before the first and, between the
  /// first and the second, `hh:mm:ss`, perhaps any one character and digits (the pattern's
  /// `.` is not escaped), then `z` or an offset `±hh:mm` of any two-digit numbers.
  private static func isDateTime(_ text: String) -> Bool {
    guard text.utf8.count >= 4 else { return false }
    // By scalars, as Go splits bytes: a `t` with a combining mark after it is a `t` too.
    let parts = Array(text.lowercased().unicodeScalars).split(
      separator: "t", omittingEmptySubsequences: false)
    guard parts.count >= 2, isDate(Array(String(String.UnicodeScalarView(parts[0])).utf8)[...])
    else { return false }
    let time = Array(parts[1])
    func isDigit(_ index: Int) -> Bool {
      index < time.count && ("0"..."9").contains(time[index])
    }
    guard time.count >= 9, isDigit(0), isDigit(1), time[2] == ":", isDigit(3), isDigit(4),
      time[5] == ":", isDigit(6), isDigit(7)
    else { return false }
    func number(_ index: Int) -> Int {
      Int(time[index].value - 0x30) * 10 + Int(time[index + 1].value - 0x30)
    }
    guard number(0) <= 23, number(3) <= 59, number(6) <= 59 else { return false }
    // What follows the seconds: the zone, or one character and digits then the zone. A zone
    // starts with no digit, so the digits are all that run.
    func isZone(_ start: Int) -> Bool {
      if start + 1 == time.count, time[start] == "z" { return true }
      return start + 6 == time.count && (time[start] == "+" || time[start] == "-")
        && isDigit(start + 1) && isDigit(start + 2) && time[start + 3] == ":"
        && isDigit(start + 4) && isDigit(start + 5)
    }
    if isZone(8) { return true }
    var end = 9
    while isDigit(end) { end += 1 }
    return end > 9 && isZone(end)
  }

  /// kube-openapi's `UUIDPattern`: 32 hex digits of either case in groups of 8, 4, 4, 4
  /// and 12, each dash between them optional.
  private static func isUUID(_ bytes: ArraySlice<UInt8>) -> Bool {
    var rest = bytes
    for (index, length) in [8, 4, 4, 4, 12].enumerated() {
      if index > 0, rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
      guard rest.count >= length,
        rest.prefix(length).allSatisfy({
          ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66)
        })
      else { return false }
      rest = rest.dropFirst(length)
    }
    return rest.isEmpty
  }

  static func labelValue(_ text: String) -> [String] {
    let bytes = Array(text.utf8)[...]
    var problems: [String] = []
    if bytes.count > 63 { problems.append("must be no more than 63 characters") }
    if !bytes.isEmpty && !isLabelKeyName(bytes) {
      problems.append(
        regexError(
          labelValueMessage, "(" + labelKeyFormat + ")?", ["MyValue", "my_value", "12345"]))
    }
    return problems
  }

  func problems(_ text: String) -> [String] {
    switch name {
    case "dns1123Label": return Self.dns1123Label(Array(text.utf8)[...])
    case "dns1123LabelPrefix": return Self.dns1123Label(Self.maskingTrailingDash(text))
    case "dns1035Label": return Self.dns1035Label(Array(text.utf8)[...])
    case "dns1035LabelPrefix": return Self.dns1035Label(Self.maskingTrailingDash(text))
    case "dns1123Subdomain": return Self.dns1123Subdomain(Array(text.utf8)[...])
    case "dns1123SubdomainPrefix": return Self.dns1123Subdomain(Self.maskingTrailingDash(text))
    case "qualifiedName": return Self.qualifiedName(text)
    case "labelValue": return Self.labelValue(text)
    case "uri":
      return URL(text) == nil ? ["must be a valid URI"] : []
    case "uuid":
      return Self.isUUID(Array(text.utf8)[...]) ? [] : ["does not match the UUID format"]
    case "byte":
      // kube-openapi's govalidator pattern: groups of four, the last perhaps padded, and at
      // least one (an empty text is not base64).
      let bytes = Array(text.utf8)
      let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
      let body = bytes.prefix(while: { $0 != UInt8(ascii: "=") })
      let padding = bytes.count - body.count
      let valid =
        !bytes.isEmpty && bytes.count % 4 == 0 && body.allSatisfy(alphabet.contains)
        && padding <= 2 && bytes[body.count...].allSatisfy { $0 == UInt8(ascii: "=") }
      return valid ? [] : ["invalid base64"]
    case "date":
      return Self.isDate(Array(text.utf8)[...]) ? [] : ["invalid date"]
    case "datetime":
      return Self.isDateTime(text) ? [] : ["invalid datetime"]
    default:
      return []
    }
  }
}

// MARK: Authorizer

/// `authorizer`: decisions of the cluster's authorizers, which a linter without a cluster
/// cannot make. Every call is an error that says so, so a validation that needs it fails
/// loudly rather than passing.
public struct Authorizer: OpaqueValue {
  public init() {}
  public var typeName: String { "kubernetes.authorization.Authorizer" }
  public func isEqual(to other: any OpaqueValue) -> Bool { other is Authorizer }

  static let unavailable = CELError(
    "authorizer is not available offline: kubeward has no cluster to ask")

  static let methods: [(String, Int)] = [
    ("path", 2), ("group", 2), ("serviceAccount", 3), ("resource", 2), ("subresource", 2),
    ("namespace", 2), ("name", 2), ("check", 2), ("allowed", 1), ("reason", 1), ("errored", 1),
    ("error", 1), ("fieldSelector", 2), ("labelSelector", 2),
  ]

  static func register(_ library: inout Library) {
    for (name, arity) in methods {
      library.add(name, member: true, arity: arity) { arguments, _ in
        guard case .opaque(let opaque) = arguments[0], opaque is Authorizer else { return nil }
        return .error(unavailable)
      }
    }
  }
}
