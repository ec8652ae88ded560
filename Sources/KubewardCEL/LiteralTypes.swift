/// Kubernetes' compile-time checks of what an expression builds from literals, as cel-go's
/// type checker makes them in Kubernetes' environment:
/// - aggregate literals of one type (`cel.HomogeneousAggregateLiterals`, on since 1.0): the
///   elements of a list literal, and the keys and the values of a map literal, are all of the
///   first one's type, `dyn` included (`[object.name, 'x']` is rejected), except anywhere
///   inside a `format` call (its receiver or its arguments), where a mixed literal is a list
///   or map of `dyn`;
/// - a call no overload accepts, when its arguments are constants (`'hello'.charAt(true)`,
///   `isQuantity([1])`) or of known primitive types (`x + 'a'` over `[1, 2]`, see
///   `samples`), and a literal format string its literal list of arguments does not fit
///   (see `FormatCheck`);
/// - a comprehension over a constant that is neither a list nor a map (`1.all(x, x > 0)`).
///
/// It knows a type only where it is certain of cel-go's: constants (folded by running the
/// library's own overloads once), literals built of them, results of functions whose type
/// never varies (`size`, comparisons) or that take operands of known primitive types (the
/// type of what the overload gives), `dyn` (the names the host declares dynamic, what is
/// selected from them, `dyn(x)`), and comprehension variables over ranges of those types
/// (`variableTypes`). Everything else is unknown and agrees with every type.
/// So it misses some of what cel-go finds, and it rejects nothing cel-go accepts as long as
/// the library takes every argument kind cel-go declares for a function (folding trusts the
/// overloads: one missing is a compile error here, where it would be an evaluation error).
struct LiteralTypeChecker {
  let library: Library
  /// Names whose type is `dyn` (an admission policy's `object`, `oldObject`, `params`).
  let dynamicNames: Set<String>
  /// The types of declared objects' fields, where known, by the object's name
  /// (`variables`: an admission policy's variables are of their expressions' types).
  var fieldTypes: [String: @Sendable (String) -> StaticType?] = [:]
  /// Names declared of an object type (`request`), and the object types by name.
  var typedNames: [String: DeclaredObjectType] = [:] {
    didSet {
      objects = [:]
      for type in typedNames.values {
        DeclaredFieldType.object(type).collectObjects(into: &objects)
      }
    }
  }
  private(set) var objects: [String: DeclaredObjectType] = [:]
  /// Folding runs overloads at compile time; all of it shares one small budget (a unit per
  /// call and what the overloads charge), past which calls are left to run time.
  private var folding: EvaluationContext
  static let foldingBudget = 100_000

  init(library: Library, dynamicNames: Set<String>) {
    self.library = library
    self.dynamicNames = dynamicNames
    folding = EvaluationContext(
      activation: DictionaryActivation(), frame: [], budget: Self.foldingBudget, tracer: nil)
  }

  /// The names comprehensions bind where an expression is, with their types.
  typealias Scope = [String: StaticType]

  /// A type as cel-go's checker would give it, or `unknown`.
  indirect enum StaticType: Equatable, Sendable {
    case unknown
    case dyn
    /// A type without parameters: `int`, `string`, `null_type`, `net.IP` …
    case named(String)
    case list(StaticType)
    case map(StaticType, StaticType)
    /// cel-go's `optional_type(T)`: what `?.` and `[?]` give.
    case optional(StaticType)

    static let bool = StaticType.named("bool")
    static let int = StaticType.named("int")

    /// cel-go's `IsEquivalentType`, where unknown agrees with anything.
    func agrees(with other: StaticType) -> Bool {
      switch (self, other) {
      case (.unknown, _), (_, .unknown): return true
      case (.dyn, .dyn): return true
      case (.named(let a), .named(let b)): return a == b
      case (.list(let a), .list(let b)): return a.agrees(with: b)
      case (.map(let k1, let v1), .map(let k2, let v2)):
        return k1.agrees(with: k2) && v1.agrees(with: v2)
      case (.optional(let a), .optional(let b)): return a.agrees(with: b)
      // An optional beside a value of another kind: not settled here, so not refused.
      case (.optional, _), (_, .optional): return true
      default: return false
      }
    }

    /// Whether cel-go's checker binds one type parameter to both (`unifies` in its
    /// `isValidTypeSubstitution`): unknown and `dyn` with anything, `null_type` with the
    /// types that may be null (not the primitives, lists or maps), lists and maps by their
    /// parameters.
    func unifies(with other: StaticType) -> Bool {
      switch (self, other) {
      case (.unknown, _), (_, .unknown), (.dyn, _), (_, .dyn): return true
      case (.named(let a), .named(let b)):
        if a == b { return true }
        if a == "null_type" { return !Self.neverNull.contains(b) }
        if b == "null_type" { return !Self.neverNull.contains(a) }
        return false
      case (.list(let a), .list(let b)): return a.unifies(with: b)
      case (.map(let k1, let v1), .map(let k2, let v2)):
        return k1.unifies(with: k2) && v1.unifies(with: v2)
      case (.optional(let a), .optional(let b)): return a.unifies(with: b)
      // An optional may be null; it is no primitive, list or map (`c ? x.?a : 1` is refused).
      case (.optional, .named(let other)), (.named(let other), .optional):
        return other == "null_type"
      default: return false
      }
    }

    private static let neverNull: Set<String> = [
      "bool", "int", "uint", "double", "string", "bytes", "type",
    ]

    /// Whether the type is known whole (no part of it unknown here).
    var isCertain: Bool {
      switch self {
      case .unknown: false
      case .dyn, .named: true
      case .list(let element): element.isCertain
      case .map(let key, let value): key.isCertain && value.isCertain
      case .optional(let value): value.isCertain
      }
    }

    /// As cel-go prints it.
    var description: String {
      switch self {
      case .unknown, .dyn: "dyn"
      case .named(let name): name
      case .list(let element): "list(\(element.description))"
      case .map(let key, let value): "map(\(key.description), \(value.description))"
      case .optional(let value): "optional_type(\(value.description))"
      }
    }

    /// A constant's type; a list's or a map's parameters are left unknown, and types whose
    /// parameters a value does not show (optionals, type values) are unknown.
    init(of value: Value) {
      switch value {
      case .list: self = .list(.unknown)
      case .map: self = .map(.unknown, .unknown)
      case .type: self = .named("type")
      case .optional, .error: self = .unknown
      default: self = .named(value.type.description)
      }
    }
  }

  /// What is known of an expression: its type, and its value when it is a constant.
  struct Known: Sendable {
    var type: StaticType
    var constant: Value? = nil
    /// A list literal's elements' types, for checking `format`'s arguments.
    var elements: [StaticType]? = nil

    static let unknown = Known(type: .unknown)
  }

  /// Checks `expression`, and gives its type.
  mutating func check(_ expression: Expr) throws(CELCompileError) -> StaticType {
    try infer(expression, scope: [:], insideFormat: false).type
  }

  /// What `sum()` gives for an empty list whose elements' type the checker knows, by the
  /// call's offset: the type's zero (`0u`, `0.0`, `duration('0s')`), as the API server's
  /// overload for that type starts from it. Of a list of unknown type (`[]`, an object's
  /// field), cel-go picks the first overload, `int`, at run time: `0`.
  private(set) var emptySums: [Int: Value] = [:]

  private static let zeros: [String: Value] = [
    "uint": .uint(0), "double": .double(0),
    "google.protobuf.Duration": .duration(Duration(seconds: 0)!),
  ]

  private func error(_ message: String, _ expression: Expr) -> CELCompileError {
    CELCompileError(message: message, offset: expression.offset)
  }

  private mutating func infer(_ expression: Expr, scope: Scope, insideFormat: Bool)
    throws(CELCompileError) -> Known
  {
    switch expression.kind {
    case .literal(let value):
      return Known(type: StaticType(of: value), constant: value)
    case .identifier(let name):
      if let bound = scope[name] { return Known(type: bound) }
      if let type = typedNames[name] { return Known(type: .named(type.name)) }
      return Known(type: dynamicNames.contains(name) ? .dyn : .unknown)
    case .select(let target, let field, let testOnly):
      if !testOnly, !fieldTypes.isEmpty, case .identifier(let name) = target.kind,
        scope[name] == nil, let type = fieldTypes[name]?(field)
      {
        return Known(type: type)
      }
      let operand = try infer(target, scope: scope, insideFormat: insideFormat)
      if let type = try declaredField(field, of: operand.type, expression) {
        return Known(type: testOnly ? .bool : type)
      }
      if testOnly { return Known(type: .bool) }
      // A field of an optional is optional (`object.?a.b`).
      switch operand.type {
      case .dyn: return Known(type: .dyn)
      case .optional(.dyn): return Known(type: .optional(.dyn))
      default: return .unknown
      }
    case .index(let target, let key):
      // cel-go's `_[_]` is `(list(A), int) -> A` and `(map(K, V), K) -> V`.
      let operand = try infer(target, scope: scope, insideFormat: insideFormat)
      let index = try infer(key, scope: scope, insideFormat: insideFormat)
      switch operand.type {
      case .list(let element):
        if Self.certainlyDiffer(index.type, .int) {
          throw overloadMismatch("_[_]", false, [operand.type, index.type], expression)
        }
        return Known(type: element)
      case .map(let keyType, let value):
        if Self.certainlyDiffer(index.type, keyType) {
          throw overloadMismatch("_[_]", false, [operand.type, index.type], expression)
        }
        return Known(type: value)
      case .dyn: return Known(type: .dyn)
      default: return .unknown
      }
    case .optionalSelect(let target, let field):
      let operand = try infer(target, scope: scope, insideFormat: insideFormat)
      if let type = try declaredField(field, of: operand.type, expression) {
        return Known(type: .optional(type))
      }
      return operand.type == .dyn || operand.type == .optional(.dyn)
        ? Known(type: .optional(.dyn)) : .unknown
    case .optionalIndex(let target, let key):
      _ = try infer(target, scope: scope, insideFormat: insideFormat)
      _ = try infer(key, scope: scope, insideFormat: insideFormat)
      return .unknown
    case .and(let left, let right), .or(let left, let right):
      _ = try infer(left, scope: scope, insideFormat: insideFormat)
      _ = try infer(right, scope: scope, insideFormat: insideFormat)
      return Known(type: .bool)
    case .conditional(let condition, let then, let otherwise):
      // cel-go's `_?_:_` is `(bool, A, A) -> A`: branches that do not unify are no overload
      // (`c ? 1 : 'a'`, `c ? null : 'a'`), and `dyn` in either makes A `dyn`.
      let test = try infer(condition, scope: scope, insideFormat: insideFormat).type
      let first = try infer(then, scope: scope, insideFormat: insideFormat).type
      let second = try infer(otherwise, scope: scope, insideFormat: insideFormat).type
      guard test.unifies(with: .bool), first.unifies(with: second) else {
        throw overloadMismatch("_?_:_", false, [test, first, second], expression)
      }
      return Known(type: Self.unified(first, second))
    case .list(let elements, let optionalIndices):
      return try inferList(elements, optionalIndices, scope: scope, insideFormat: insideFormat)
    case .map(let entries):
      return try inferMap(entries, scope: scope, insideFormat: insideFormat)
    case .message(_, let entries):
      for entry in entries {
        _ = try infer(entry.value, scope: scope, insideFormat: insideFormat)
      }
      return .unknown
    case .call(let name, let target, let arguments):
      return try inferCall(
        name, target: target, arguments: arguments, expression, scope: scope,
        insideFormat: insideFormat)
    case .comprehension(let comprehension):
      return try inferComprehension(comprehension, scope: scope, insideFormat: insideFormat)
    }
  }

  private mutating func inferList(
    _ elements: [Expr], _ optionalIndices: Set<Int>, scope: Scope, insideFormat: Bool
  ) throws(CELCompileError) -> Known {
    var elementType: StaticType? = nil
    var constants: [Value]? = optionalIndices.isEmpty ? [] : nil
    var mixed = false
    var types: [StaticType] = []
    for (index, element) in elements.enumerated() {
      let known = try infer(element, scope: scope, insideFormat: insideFormat)
      // `?e`: the element is the optional's value, of a type not known here.
      let type = optionalIndices.contains(index) ? StaticType.unknown : known.type
      types.append(type)
      if let expected = elementType {
        if !expected.agrees(with: type) {
          guard insideFormat else { throw mismatch(expected, type, element) }
          mixed = true
        }
      } else {
        elementType = type
      }
      if let constant = known.constant { constants?.append(constant) } else { constants = nil }
    }
    // Exempt, a mixed literal is a list of dyn to cel-go, which any list overload takes.
    if mixed { return Known(type: .list(.dyn), elements: types) }
    return Known(
      type: .list(elementType ?? .unknown), constant: constants.map { .list(ArrayList($0)) },
      elements: types)
  }

  private mutating func inferMap(
    _ entries: [Expr.MapEntry], scope: Scope, insideFormat: Bool
  )
    throws(CELCompileError) -> Known
  {
    var keyType: StaticType? = nil
    var valueType: StaticType = .unknown
    var mixed = false
    var constant: DictionaryMap? = DictionaryMap()
    for entry in entries {
      let key = try infer(entry.key, scope: scope, insideFormat: insideFormat)
      let value = try infer(entry.value, scope: scope, insideFormat: insideFormat)
      let type = entry.isOptional ? StaticType.unknown : value.type
      if let expected = keyType {
        if !expected.agrees(with: key.type) {
          guard insideFormat else { throw mismatch(expected, key.type, entry.key) }
          mixed = true
        }
        if !valueType.agrees(with: type) {
          guard insideFormat else { throw mismatch(valueType, type, entry.value) }
          mixed = true
        }
      } else {
        keyType = key.type
        valueType = type
      }
      // A constant map: every entry constant, not optional, its key not repeated.
      guard var map = constant else { continue }
      constant = nil
      if !entry.isOptional, let k = key.constant, let v = value.constant, map.insert(k, v) {
        constant = map
      }
    }
    if mixed { return Known(type: .map(.dyn, .dyn)) }
    return Known(
      type: .map(keyType ?? .unknown, valueType), constant: constant.map { .map($0) })
  }

  /// The type of `field` of a declared object type (`nil` for any other type), or cel-go's
  /// compile error for a field it does not have.
  private func declaredField(_ field: String, of type: StaticType, _ expression: Expr)
    throws(CELCompileError) -> StaticType?
  {
    guard case .named(let name) = type, let object = objects[name] else { return nil }
    guard let declared = object.fields[field] else {
      throw error("undefined field '\(field)'", expression)
    }
    return declared.staticType
  }

  private func mismatch(_ expected: StaticType, _ found: StaticType, _ at: Expr)
    -> CELCompileError
  {
    error("expected type '\(expected.description)' but found '\(found.description)'", at)
  }

  /// Functions whose result is of one type whatever their arguments.
  private static let resultTypes: [String: StaticType] = [
    "_==_": .bool, "_!=_": .bool, "_<_": .bool, "_<=_": .bool, "_>_": .bool, "_>=_": .bool,
    "!_": .bool, "@in": .bool, "size": .int, "string": .named("string"), "int": .int,
    "uint": .named("uint"), "double": .named("double"), "bool": .bool,
    "bytes": .named("bytes"), "dyn": .dyn, "type": .named("type"),
  ]

  /// The type of an optional's member function (`x.?a.orValue(d)`), or of any other: an
  /// optional's value is of its parameter's type, unified with the default's.
  private static func optionalResult(_ name: String, _ types: [StaticType]) -> StaticType {
    switch (name, types.count, types[0]) {
    case ("first", 1, .list(let element)), ("last", 1, .list(let element)):
      return .optional(element)
    case ("unwrapOpt", 1, .list(.optional(let value))): return .list(value)
    default: break
    }
    guard case .optional(let value) = types[0] else { return resultTypes[name] ?? .unknown }
    switch (name, types.count) {
    case ("hasValue", 1): return .bool
    case ("value", 1): return value
    case ("orValue", 2): return unified(value, types[1])
    case ("or", 2):
      guard case .optional(let other) = types[1] else { return .unknown }
      let both = unified(value, other)
      return both == .unknown ? .unknown : .optional(both)
    default: return resultTypes[name] ?? .unknown
    }
  }

  /// The type cel-go binds a type parameter to from two of its uses: `dyn` when either is,
  /// the type itself when both are it; else not known here.
  private static func unified(_ first: StaticType, _ second: StaticType) -> StaticType {
    if first == .dyn || second == .dyn { return .dyn }
    return first == second ? first : .unknown
  }

  /// Whether cel-go's checker certainly binds no type parameter to both: both known whole,
  /// neither `null_type` (whose assignability kubeward does not settle), and not unifying.
  static func certainlyDiffer(_ first: StaticType, _ second: StaticType) -> Bool {
    let null = StaticType.named("null_type")
    return first.isCertain && second.isCertain && first != null && second != null
      && !first.unifies(with: second)
  }

  /// Whether cel-go's checker unifies the two operands of `==`: `dyn` and what is not known
  /// here agree with any type, and so does `null_type` (which cel-go assigns to several).
  static func comparable(_ first: StaticType, _ second: StaticType) -> Bool {
    switch (first, second) {
    case (.unknown, _), (_, .unknown), (.dyn, _), (_, .dyn): return true
    case (.named("null_type"), _), (_, .named("null_type")): return true
    case (.named(let a), .named(let b)): return a == b
    case (.list(let a), .list(let b)): return comparable(a, b)
    case (.map(let k1, let v1), .map(let k2, let v2)):
      return comparable(k1, k2) && comparable(v1, v2)
    case (.optional(let a), .optional(let b)): return comparable(a, b)
    default: return false
    }
  }

  /// The conversions, none of which takes a type (`string(type(x))` is refused by cel-go's
  /// checker, whatever `x` is).
  private static let conversions: Set<String> = [
    "string", "int", "uint", "double", "bool", "bytes",
  ]

  private mutating func inferCall(
    _ name: String, target: Expr?, arguments: [Expr], _ expression: Expr,
    scope: Scope,
    insideFormat: Bool
  ) throws(CELCompileError) -> Known {
    var name = name
    var operands = arguments
    var member = false
    if let target {
      // `sets.contains(a, b)`: a function named by a qualified name.
      if let full = qualifiedFunction(name, target: target, scope: scope) {
        name = full
      } else {
        operands.insert(target, at: 0)
        member = true
      }
    }
    let inside = insideFormat || name == "format"
    var values: [Value]? = []
    var constants: [Value?] = []
    var types: [StaticType] = []
    var elements: [StaticType]? = nil
    for operand in operands {
      let known = try infer(operand, scope: scope, insideFormat: inside)
      types.append(known.type)
      constants.append(known.constant)
      elements = known.elements
      if let constant = known.constant { values?.append(constant) } else { values = nil }
    }
    if name == "sum", member, types.count == 1, case .list(.named(let element)) = types[0],
      let zero = Self.zeros[element]
    {
      emptySums[expression.offset] = zero
    }
    if name == "format", member, operands.count == 2,
      case .literal(.string(let format)) = operands[0].kind,
      case .list(let items, _) = operands[1].kind, let elements,
      let failure = FormatCheck.error(
        format: format, arguments: zip(elements, items).map { ($0, $1.offset) })
    {
      throw CELCompileError(
        message: failure.message, offset: failure.offset ?? expression.offset)
    }
    if !member, types.count == 1, types[0] == .named("type"), Self.conversions.contains(name) {
      throw overloadMismatch(name, member, types, expression)
    }
    // `@in` is `(A, list(A)) -> bool` and `(A, map(A, B)) -> bool`: cel-go's checker refuses
    // `1 in [1.0]`, which only `dyn` lets through.
    if !member, name == "@in", types.count == 2 {
      switch types[1] {
      case .list(let element), .map(let element, _):
        if Self.certainlyDiffer(types[0], element) {
          throw overloadMismatch(name, member, types, expression)
        }
      default: break
      }
    }
    // `_==_` and `_!=_` take two operands of one type (`(A, A) -> bool`): cel-go's checker
    // refuses `size(x) == 1.0` and `[1] == [1.0]`, which only `dyn` lets through.
    if !member, name == "_==_" || name == "_!=_", types.count == 2,
      !Self.comparable(types[0], types[1])
    {
      throw overloadMismatch(name, member, types, expression)
    }
    var resultType = member ? Self.optionalResult(name, types) : Self.resultTypes[name] ?? .unknown
    if !member, name == "optional.of", types.count == 1, types[0] != .unknown {
      resultType = .optional(types[0])
    }
    // `dyn(1)` is of type dyn, not int: no constant for cel-go's checker.
    guard name != "dyn" else { return Known(type: resultType) }
    if let values {
      guard let result = try resolve(name, member, types, values, expression) else {
        return Known(type: resultType)
      }
      // A constant's type hides its parameters (`optional.of(1)`): the call's says them.
      let folded = StaticType(of: result)
      return Known(type: folded == .unknown ? resultType : folded, constant: result)
    }
    // Operands not all constants, but all of primitive types the checker knows (`x + 'a'`
    // over `[1, 2]`, `size(s) + 1 == 'a'`): cel-go's checker resolves the overload from the
    // types alone. A value of each type stands for it (see `samples`), and what the overload
    // gives is the call's type.
    var samples: [Value] = []
    for (type, constant) in zip(types, constants) {
      guard case .named(let typeName) = type, let sample = constant ?? Self.samples[typeName]
      else {
        return Known(type: resultType)
      }
      samples.append(sample)
    }
    guard let result = try resolve(name, member, types, samples, expression) else {
      return Known(type: resultType)
    }
    let sampled = StaticType(of: result)
    return Known(type: sampled == .unknown ? resultType : sampled)
  }

  /// What the library's overloads (kubeward's declarations) give for `arguments`, run once
  /// at compile time: `nil` when that is not worked out here (no overloads, a lazy one,
  /// folding's budget spent) or is an error of the values; a compile error, as cel-go
  /// words it, when none takes their kinds.
  private mutating func resolve(
    _ name: String, _ member: Bool, _ types: [StaticType], _ arguments: [Value],
    _ expression: Expr
  ) throws(CELCompileError) -> Value? {
    let overloads = library.overloads(name, member: member, arity: arguments.count)
    guard !overloads.isEmpty, !overloads.contains(where: \.isLazy), folding.spend(1) else {
      return nil
    }
    guard let result = Library.firstAccepting(overloads, arguments, &folding) else {
      throw overloadMismatch(name, member, types, expression)
    }
    if case .error(let failure) = result {
      // An overload that takes lists or maps may refuse their elements' kinds.
      if failure == .noMatchingOverload(name) {
        throw overloadMismatch(name, member, types, expression)
      }
      return nil
    }
    return result
  }

  /// A value of each primitive type, standing for any of its values where an operand is of
  /// that type but no constant: the overloads choose by kind, never by value (a value they
  /// refuse, `int('a')`, is an evaluation error, not a missing overload), so a call none
  /// takes with these is one cel-go's checker refuses.
  private static let samples: [String: Value] = [
    "bool": .bool(true), "int": .int(1), "uint": .uint(1), "double": .double(1),
    "string": .string("a"), "bytes": .bytes([0x61]), "null_type": .null,
    "google.protobuf.Timestamp": .timestamp(Timestamp(seconds: 0)!),
    "google.protobuf.Duration": .duration(Duration(seconds: 1)!),
  ]

  private func overloadMismatch(
    _ name: String, _ member: Bool, _ types: [StaticType], _ expression: Expr
  ) -> CELCompileError {
    let receiver = member ? types[0].description + "." : ""
    let rest = (member ? types.dropFirst() : types[...]).map(\.description)
    return error(
      "found no matching overload for '\(name)' applied to '\(receiver)(\(rest.joined(separator: ", ")))'",
      expression)
  }

  /// The function `target.name` names, when `target` is a chain of names the library knows
  /// as a prefix (`optional.of`, `sets.contains`), as the compiler reads it.
  private func qualifiedFunction(_ name: String, target: Expr, scope: Scope)
    -> String?
  {
    guard let parts = target.qualifiedParts, scope[parts[0]] == nil else { return nil }
    let full = parts.joined(separator: ".") + "." + name
    return library.knows(full) ? full : nil
  }

  private mutating func inferComprehension(
    _ comprehension: Comprehension, scope: Scope, insideFormat: Bool
  ) throws(CELCompileError) -> Known {
    let range = try infer(comprehension.range, scope: scope, insideFormat: insideFormat)
    switch comprehension.kind {
    case .bind, .optionalMap, .optionalFlatMap:
      break
    default:
      switch range.type {
      case .unknown, .dyn, .list, .map: break
      case .named, .optional:
        throw error(
          "expression of type '\(range.type.description)' cannot be range of a comprehension (must be list, map, or dynamic)",
          comprehension.range)
      }
    }
    let (first, second) = Self.variableTypes(
      comprehension.kind, range: range.type, twoVariables: comprehension.variable2 != nil)
    var inner = scope
    inner[comprehension.variable] = first
    if let variable = comprehension.variable2 { inner[variable] = second }
    if let predicate = comprehension.predicate {
      _ = try infer(predicate, scope: inner, insideFormat: insideFormat)
    }
    var transformed = StaticType.unknown
    if let transform = comprehension.transform {
      transformed = try infer(transform, scope: inner, insideFormat: insideFormat).type
    }
    // The types of cel-go's expansions' results (their accumulators').
    switch comprehension.kind {
    case .all, .exists, .existsOne: return Known(type: .bool)
    case .map, .transformList: return Known(type: .list(transformed))
    case .filter: return Known(type: .list(first))
    case .bind, .optionalFlatMap: return Known(type: transformed)
    case .optionalMap: return Known(type: .optional(transformed))
    // cel-go inserts each result in a map: under the first variable's key (`int` over a
    // list), or, for transformMapEntry, the entry the result is.
    case .transformMap: return Known(type: .map(first, transformed))
    case .transformMapEntry:
      if case .map = transformed { return Known(type: transformed) }
      return Known(type: .map(.unknown, .unknown))
    }
  }

  /// The types cel-go's checker gives a comprehension's variables: a list's elements (and
  /// `int` indices, in the two-variable forms), a map's keys (and values), an optional's
  /// value (`optMap`), `cel.bind`'s value; `dyn` over `dyn`. Unknown where the range is.
  static func variableTypes(_ kind: Comprehension.Kind, range: StaticType, twoVariables: Bool)
    -> (StaticType, StaticType)
  {
    switch (kind, range) {
    case (.bind, _): return (range, .unknown)
    case (.optionalMap, .optional(let value)), (.optionalFlatMap, .optional(let value)):
      return (value, .unknown)
    case (.optionalMap, _), (.optionalFlatMap, _): return (.unknown, .unknown)
    case (_, .list(let element)): return twoVariables ? (.int, element) : (element, .unknown)
    case (_, .map(let key, let value)): return (key, value)
    case (_, .dyn): return (.dyn, .dyn)
    default: return (.unknown, .unknown)
    }
  }
}
