/// CEL's standard functions and operators (cel-spec langdef.md, "Functions").
public enum Builtins {
  static func typeNamed(_ name: String) -> CELType? {
    switch name {
    case "int": .int
    case "uint": .uint
    case "double": .double
    case "bool": .bool
    case "string": .string
    case "bytes": .bytes
    case "list": .list
    case "map": .map
    case "null_type": .null
    case "type": .type
    case "google.protobuf.Timestamp": .timestamp
    case "google.protobuf.Duration": .duration
    case "optional_type": .optional
    case "dyn": .dyn
    case "net.IP", "net.CIDR", "kubernetes.Quantity", "kubernetes.URL": .opaque(name)
    default: nil
    }
  }

  static func register(_ library: inout Library) {
    arithmetic(&library)
    comparisons(&library)
    conversions(&library)
    collections(&library)
    optionals(&library)
  }

  // MARK: Arithmetic

  private static func arithmetic(_ library: inout Library) {
    library.add("_+_", arity: 2) { arguments, context in
      switch (arguments[0], arguments[1]) {
      case (.int(let a), .int(let b)):
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .error(.overflow) : .int(sum)
      case (.uint(let a), .uint(let b)):
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .error(.unsignedOverflow) : .uint(sum)
      case (.double(let a), .double(let b)): return .double(a + b)
      // Concatenations are charged by what they build (a unit per ten bytes, per element),
      // before they build it: doubling a value in a chain of binds must run out of budget,
      // not memory.
      case (.string(let a), .string(let b)):
        guard context.spend((a.utf8.count + b.utf8.count) / 10) else {
          return .error(costLimitExceeded)
        }
        return .string(a + b)
      case (.bytes(let a), .bytes(let b)):
        guard context.spend((a.count + b.count) / 10) else { return .error(costLimitExceeded) }
        return .bytes(a + b)
      case (.list(let a), .list(let b)):
        guard context.spend(a.count + b.count) else { return .error(costLimitExceeded) }
        // A list and an empty one are the list itself: `containers + ?initContainers
        // .orValue([])`, the usual way of reading a pod's containers, made a copy of every
        // container for nothing (two thirds of that variable's time), and lost where the
        // list is written for the field a failing validation read.
        if b.count == 0 { return .list(a) }
        if a.count == 0 { return .list(b) }
        return .list(ArrayList(elements(a) + elements(b)))
      case (.timestamp(let a), .duration(let b)), (.duration(let b), .timestamp(let a)):
        return a.adding(b).map(Value.timestamp) ?? .error(.timestampOverflow)
      case (.duration(let a), .duration(let b)):
        return a.adding(b).map(Value.duration) ?? .error(.overflow)
      default: return nil
      }
    }
    library.add("_-_", arity: 2) { arguments, _ in
      switch (arguments[0], arguments[1]) {
      case (.int(let a), .int(let b)):
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? .error(.overflow) : .int(difference)
      case (.uint(let a), .uint(let b)):
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? .error(.unsignedOverflow) : .uint(difference)
      case (.double(let a), .double(let b)): return .double(a - b)
      case (.timestamp(let a), .timestamp(let b)):
        return a.difference(b).map(Value.duration) ?? .error(.overflow)
      case (.timestamp(let a), .duration(let b)):
        return a.subtracting(b).map(Value.timestamp) ?? .error(.timestampOverflow)
      case (.duration(let a), .duration(let b)):
        return a.subtracting(b).map(Value.duration) ?? .error(.overflow)
      default: return nil
      }
    }
    library.add("_*_", arity: 2) { arguments, _ in
      switch (arguments[0], arguments[1]) {
      case (.int(let a), .int(let b)):
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .error(.overflow) : .int(product)
      case (.uint(let a), .uint(let b)):
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .error(.unsignedOverflow) : .uint(product)
      case (.double(let a), .double(let b)): return .double(a * b)
      default: return nil
      }
    }
    library.add("_/_", arity: 2) { arguments, _ in
      switch (arguments[0], arguments[1]) {
      case (.int(let a), .int(let b)):
        if b == 0 { return .error(.divideByZero) }
        let (quotient, overflow) = a.dividedReportingOverflow(by: b)
        return overflow ? .error(.overflow) : .int(quotient)
      case (.uint(let a), .uint(let b)):
        return b == 0 ? .error(.divideByZero) : .uint(a / b)
      case (.double(let a), .double(let b)): return .double(a / b)
      default: return nil
      }
    }
    library.add("_%_", arity: 2) { arguments, _ in
      switch (arguments[0], arguments[1]) {
      case (.int(let a), .int(let b)):
        if b == 0 { return .error(.moduloByZero) }
        let (remainder, overflow) = a.remainderReportingOverflow(dividingBy: b)
        return overflow ? .error(.overflow) : .int(remainder)
      case (.uint(let a), .uint(let b)):
        return b == 0 ? .error(.moduloByZero) : .uint(a % b)
      default: return nil
      }
    }
    library.add("-_", arity: 1) { arguments, _ in
      switch arguments[0] {
      case .int(let a): return a == Int64.min ? .error(.overflow) : .int(-a)
      // No duration: cel-go's `-_` takes ints and doubles only.
      case .double(let a): return .double(-a)
      default: return nil
      }
    }
    library.add("!_", arity: 1) { arguments, _ in
      if case .bool(let a) = arguments[0] { return .bool(!a) }
      return nil
    }
  }

  /// About how many bytes printing `value` takes (`format`'s `%s`, `kubeward eval`), counted
  /// up to `limit`: YAML aliases can make a value of a few kilobytes print gigabytes.
  public static func printedWeight(_ value: Value, limit: Int) -> Int {
    var weight = 0
    func visit(_ value: Value) {
      guard weight <= limit else { return }
      switch value {
      case .string(let text): weight += text.utf8.count
      case .bytes(let bytes): weight += bytes.count
      case .list(let list):
        weight += 2
        for index in 0..<list.count where weight <= limit { visit(list.element(at: index)) }
      case .map(let map):
        weight += 2
        for key in map.keys where weight <= limit {
          visit(key)
          visit(map.value(for: key) ?? .null)
        }
      case .optional(let inner?): visit(inner)
      default: weight += 8
      }
    }
    visit(value)
    return weight
  }

  static func elements(_ list: any ListValue) -> [Value] {
    if let array = list.exactly(ArrayList.self) { return array.elements }
    return (0..<list.count).map { list.element(at: $0) }
  }

  // MARK: Comparisons

  private static func comparisons(_ library: inout Library) {
    for comparison in Comparison.allCases { library.add(comparison) }
  }

  // MARK: Conversions

  private static func conversions(_ library: inout Library) {
    library.add("int", arity: 1) { arguments, _ in
      switch arguments[0] {
      case .int: return arguments[0]
      case .uint(let value):
        return value > UInt64(Int64.max) ? .error(CELError("range error")) : .int(Int64(value))
      case .double(let value):
        guard value.isFinite, value > -9.223_372_036_854_775_808e18,
          value < 9.223_372_036_854_775_808e18
        else { return .error(CELError("range error")) }
        return .int(Int64(value.rounded(.towardZero)))
      case .string(let text):
        return Int64(text).map(Value.int) ?? .error(CELError("cannot convert '\(text)' to int"))
      case .timestamp(let timestamp): return .int(timestamp.seconds)
      case .duration(let duration):
        // Nanoseconds, as cel-go's `int(duration('1s'))` (1000000000).
        let (product, overflow) = duration.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, overflowed) = product.addingReportingOverflow(Int64(duration.nanos))
        return overflow || overflowed ? .error(CELError("range error")) : .int(sum)
      default: return nil
      }
    }
    library.add("uint", arity: 1) { arguments, _ in
      switch arguments[0] {
      case .uint: return arguments[0]
      case .int(let value):
        return value < 0 ? .error(CELError("range error")) : .uint(UInt64(value))
      case .double(let value):
        // As cel-go: below zero is out of range, even when it would truncate to 0.
        guard value.isFinite, value >= 0, value < 1.844_674_407_370_955_2e19 else {
          return .error(CELError("range error"))
        }
        return .uint(UInt64(value.rounded(.towardZero)))
      case .string(let text):
        // Go's ParseUint takes no sign, where Swift's takes `+` and `-0`.
        let signed = text.utf8.first == UInt8(ascii: "+") || text.utf8.first == UInt8(ascii: "-")
        return (signed ? nil : UInt64(text)).map(Value.uint)
          ?? .error(CELError("cannot convert '\(text)' to uint"))
      default: return nil
      }
    }
    library.add("double", arity: 1) { arguments, _ in
      switch arguments[0] {
      case .double: return arguments[0]
      case .int(let value): return .double(Double(value))
      case .uint(let value): return .double(Double(value))
      case .string(let text):
        return CELFormat.parseDouble(text).map(Value.double)
          ?? .error(CELError("cannot convert '\(text)' to double"))
      default: return nil
      }
    }
    // Converting between strings and bytes copies them: cel-go charges a tenth of a unit per
    // character or byte (its StringTraversalCostFactor), as for any traversal.
    library.add("string", arity: 1) { arguments, context in
      if case .bytes(let bytes) = arguments[0],
        !context.spend(Library.traversalSurcharge(codePoints: bytes.count))
      {
        return .error(costLimitExceeded)
      }
      switch arguments[0] {
      case .string: return arguments[0]
      case .int(let value): return .string(String(value))
      case .uint(let value): return .string(String(value))
      case .double(let value): return .string(CELFormat.double(value))
      case .bool(let value): return .string(value ? "true" : "false")
      case .bytes(let bytes):
        guard let text = String(validating: bytes, as: UTF8.self) else {
          return .error(CELError("invalid UTF-8"))
        }
        return .string(text)
      case .timestamp(let timestamp): return .string(timestamp.text)
      case .duration(let duration): return .string(duration.goText)
      default: return nil
      }
    }
    library.add("bytes", arity: 1) { arguments, context in
      switch arguments[0] {
      case .bytes: return arguments[0]
      case .string(let text):
        guard context.spend(Library.traversalSurcharge(text)) else {
          return .error(costLimitExceeded)
        }
        return .bytes(Array(text.utf8))
      default: return nil
      }
    }
    library.add("bool", arity: 1) { arguments, _ in
      switch arguments[0] {
      case .bool: return arguments[0]
      case .string(let text):
        switch text {
        case "true", "True", "TRUE", "t", "1": return .bool(true)
        case "false", "False", "FALSE", "f", "0": return .bool(false)
        default: return .error(CELError("cannot convert '\(text)' to bool"))
        }
      default: return nil
      }
    }
    library.add("dyn", arity: 1) { arguments, _ in arguments[0] }
    library.add("type", arity: 1) { arguments, _ in .type(arguments[0].type) }
  }

  // MARK: Collections and strings

  private static func collections(_ library: inout Library) {
    library.addBoth("size", arity: 1) { arguments, context in
      switch arguments[0] {
      case .string(let text):
        // Counting code points reads the text.
        guard context.spend(text.utf8.count / 10) else { return .error(costLimitExceeded) }
        return .int(Int64(Strings.codePointCount(text)))
      case .bytes(let bytes): return .int(Int64(bytes.count))
      case .list(let list): return .int(Int64(list.count))
      case .map(let map): return .int(Int64(map.count))
      default: return nil
      }
    }
    let tests: [(String, @Sendable (String, String) -> Bool)] = [
      ("contains", { @Sendable a, b in b.isEmpty || Strings.scalarsContain(a, b) }),
      ("startsWith", { @Sendable a, b in Strings.hasPrefix(a, b) }),
      ("endsWith", { @Sendable a, b in Strings.hasSuffix(a, b) }),
    ]
    for (name, test) in tests {
      library.addStrings(name) { a, b, context in
        guard context.spend(1 + a.utf8.count / 10) else { return .error(costLimitExceeded) }
        return .bool(test(a, b))
      }
    }
  }

  // MARK: Optionals

  private static func optionals(_ library: inout Library) {
    library.add("optional.of", arity: 1) { arguments, _ in .optional(arguments[0]) }
    library.add("optional.ofNonZeroValue", arity: 1) { arguments, _ in
      .optional(isZero(arguments[0]) ? nil : arguments[0])
    }
    library.add("optional.none", arity: 0) { _, _ in .optional(nil) }
    library.add("hasValue", member: true, arity: 1) { arguments, _ in
      guard case .optional(let inner) = arguments[0] else { return nil }
      return .bool(inner != nil)
    }
    library.add("value", member: true, arity: 1) { arguments, _ in
      guard case .optional(let inner) = arguments[0] else { return nil }
      return inner ?? .error(CELError("optional.none() dereference"))
    }
    // Version 2 of cel-go's optional library (since v0.23, all the API server's
    // `cel.OptionalTypes()` has had: it asks for no version, which is the latest).
    for (name, first) in [("first", true), ("last", false)] {
      library.add(name, member: true, arity: 1) { arguments, _ in
        guard case .list(let list) = arguments[0] else { return nil }
        guard list.count > 0 else { return .optional(nil) }
        return .optional(list.element(at: first ? 0 : list.count - 1))
      }
    }
    // Charged as one call, as cel-go does: each element was charged when it was made.
    let unwrap: @Sendable ([Value], inout EvaluationContext) -> Value? = { arguments, _ in
      guard case .list(let list) = arguments[0] else { return nil }
      var values: [Value] = []
      for index in 0..<list.count {
        let element = list.element(at: index)
        guard case .optional(let inner) = element else {
          return .error(CELError("value \(element.debugText) is not optional"))
        }
        if let inner { values.append(inner) }
      }
      return .list(ArrayList(values))
    }
    library.add("optional.unwrap", arity: 1, unwrap)
    library.add("unwrapOpt", member: true, arity: 1, unwrap)
    // `x.or(y)` and `x.orValue(y)` on an `x` that is not optional give `x`: cel-go did so
    // until v0.28 (every Kubernetes release uses an older one), Kyverno keeps it, and
    // policies rely on it (`c.volumeMounts.orValue([])`).
    library.addLazy("or", member: true, arity: 2) { operands, context in
      let first = operands[0](&context)
      guard case .optional(let inner) = first else { return first }
      if inner != nil { return first }
      let second = operands[1](&context)
      if case .error = second { return second }
      guard case .optional = second else { return .error(.noMatchingOverload("or")) }
      return second
    }
    library.addLazy("orValue", member: true, arity: 2) { operands, context in
      let first = operands[0](&context)
      guard case .optional(let inner) = first else { return first }
      return inner ?? operands[1](&context)
    }
  }

  static func isZero(_ value: Value) -> Bool {
    switch value {
    case .null: return true
    case .bool(let flag): return !flag
    case .int(let number): return number == 0
    case .uint(let number): return number == 0
    case .double(let number): return number == 0
    case .string(let text): return text.isEmpty
    case .bytes(let bytes): return bytes.isEmpty
    case .list(let list): return list.count == 0
    case .map(let map): return map.count == 0
    // Go's zero time, as cel-go's `IsZeroValue`: 0001-01-01T00:00:00Z, not the epoch.
    case .timestamp(let timestamp):
      return timestamp.seconds == -62_135_596_800 && timestamp.nanos == 0
    case .duration(let duration): return duration.seconds == 0 && duration.nanos == 0
    default: return false
    }
  }
}
