/// Turns an `Expr` into nested closures, resolving what can be resolved once: comprehension
/// variables to frame slots, functions to their overloads, constants to themselves. The
/// closures hold no mutable state, so a compiled program is shared between threads.
struct Compiler {
  typealias Step = Program.Step

  /// A compiled step kept in an array. Wrapped: an array of closures holds them in the most
  /// general calling convention, and each taken out was called through a conversion thunk
  /// (two or three thunks deep, on every evaluation of every operand).
  struct Operand: Sendable {
    let step: Step
    init(_ step: @escaping Step) { self.step = step }
  }

  let library: Library
  /// The names an activation may bind, when the program declares them: a qualified name is
  /// then resolved to its longest declared prefix once, here, rather than by asking the
  /// activation for every prefix on every evaluation.
  let declarations: Set<String>?
  /// Comprehension variables in scope, innermost last, with their slots.
  private var scopes: [(name: String, slot: Int)] = []
  private(set) var maximumSlots = 0
  /// The paths of the qualified names compiled (see `Program.keepForTheProcess()`).
  private(set) var selectionPaths: [SelectionPath] = []
  /// Where constants are worked out (see `folded`): one budget for the whole program.
  private var folding = EvaluationContext(
    activation: DictionaryActivation(), frame: [], budget: Compiler.foldingBudget, tracer: nil)

  /// Whether constants are made once as cel-go's `OptOptimize` makes them, free at run time
  /// (see `folded`): the API server's environment has it on.
  let optimizes: Bool

  /// `LiteralTypeChecker.emptySums`, when the program was checked with literal types.
  var emptySums: [Int: Value] = [:]

  init(library: Library, declarations: Set<String>? = nil, optimizes: Bool = true) {
    self.library = library
    self.declarations = declarations
    self.optimizes = optimizes
  }

  private mutating func withVariables(
    _ names: [String], _ body: (inout Compiler, [Int]) throws(CELCompileError) -> Step
  ) throws(CELCompileError) -> Step {
    let start = scopes.count
    var slots: [Int] = []
    for name in names {
      let slot = scopes.count
      scopes.append((name, slot))
      slots.append(slot)
    }
    maximumSlots = max(maximumSlots, scopes.count)
    defer { scopes.removeLast(scopes.count - start) }
    return try body(&self, slots)
  }

  private func slot(of name: String) -> Int? {
    scopes.last(where: { $0.name == name })?.slot
  }

  mutating func compile(_ expression: Expr) throws(CELCompileError) -> Step {
    switch expression.kind {
    case .literal(let value):
      // A constant costs nothing, as in cel-go's cost model, which Kubernetes' limits count.
      return { _ in value }
    case .identifier(let name):
      if let slot = slot(of: name) {
        // A variable costs a unit to read, as every name does in cel-go.
        return { context in
          guard context.spend(1) else { return .error(costLimitExceeded) }
          return context.frame[slot]
        }
      }
      return Self.resolver(name)
    case .select(let target, let field, let testOnly):
      // `a.b.c` may name a variable `a.b.c` (or `a.b`, then field c) rather than fields.
      if !testOnly, let parts = expression.qualifiedParts, slot(of: parts[0]) == nil {
        return try compileQualified(parts, offset: expression.offset)
      }
      if testOnly {
        // The presence test itself costs nothing: Kubernetes turns cel-go's charge for it off
        // (PresenceTestHasCost(false)); reading what it tests is charged as any read.
        let operand = try compile(target)
        return { context in Access.has(operand(&context), field) }
      }
      // `c.a.b`: one step for the chain of fields, as for a qualified name.
      var reversed = [field]
      var base = target
      while case .select(let inner, let name, false) = base.kind {
        reversed.append(name)
        base = inner
      }
      let fields = Array(reversed.reversed())
      let operand = try compile(base)
      let cost = fields.count
      return { context in
        guard context.spend(cost) else { return .error(costLimitExceeded) }
        let container = operand(&context)
        return Access.select(container, path: fields, &context)
      }
    case .optionalSelect:
      let chain = try compileOptionalChain(expression)!
      return { context in Access.optional(chain(&context)) }
    case .index(let target, let key):
      let operand = try compile(target)
      let index = try compile(key)
      return { context in
        guard context.spend(1) else { return .error(costLimitExceeded) }
        let container = operand(&context)
        return Access.index(container, index(&context), &context)
      }
    case .optionalIndex(let target, let key):
      let operand = try compile(target)
      let index = try compile(key)
      return { context in
        guard context.spend(1) else { return .error(costLimitExceeded) }
        let container = operand(&context)
        return Access.optionalIndex(container, index(&context), &context)
      }
    case .and(let left, let right):
      // The logical operators and the conditional cost nothing of their own, as in cel-go.
      return Self.logical(try compile(left), try compile(right), decidedBy: false)
    case .or(let left, let right):
      return Self.logical(try compile(left), try compile(right), decidedBy: true)
    case .conditional(let condition, let then, let otherwise):
      let test = try compile(condition)
      let first = try compile(then)
      let second = try compile(otherwise)
      return { context in
        switch test(&context) {
        case .bool(true): return first(&context)
        case .bool(false): return second(&context)
        case .error(let error): return .error(error)
        default: return .error(.conditionNotBool)
        }
      }
    case .list(let elements, let optional):
      return try compileList(elements, optional: optional).step
    case .map(let entries):
      return try compileMap(entries).step
    case .message(let name, _):
      return { _ in .error(CELError("unknown type: \(name) (protobuf messages are not supported)"))
      }
    case .call(let name, let target, let arguments):
      let call = try compileCall(name, target: target, arguments: arguments)
      guard name == "sum", target != nil, let zero = emptySums[expression.offset] else {
        return call
      }
      // A list of this type sums to an int only when it is empty: then to the type's zero.
      return { context in
        let total = call(&context)
        if case .int(0) = total { return zero }
        return total
      }
    case .comprehension(let comprehension):
      return try compileComprehension(comprehension)
    }
  }

  /// `&&` (decided by a false operand) or `||` (by a true one): a deciding first operand
  /// ends it; after the other bool, a bool second operand is the answer; anything else goes
  /// to `Logic`, where an error yields to a deciding operand. Each result is switched on where
  /// it is made: `if case .bool(false) = a` on a kept value copied it (a retain and a release).
  private static func logical(
    _ first: @escaping Step, _ second: @escaping Step, decidedBy deciding: Bool
  )
    -> Step
  {
    let combine = deciding ? Logic.or : Logic.and
    return { context in
      switch first(&context) {
      case .bool(let a) where a == deciding: return .bool(deciding)
      case .bool(let a):
        switch second(&context) {
        case .bool(let b): return .bool(b)
        case let b: return combine(.bool(a), b)
        }
      case let a:
        return combine(a, second(&context))
      }
    }
  }

  // MARK: Constants

  /// `compile`, saying too whether the step gives the same value every time: a literal, or a
  /// list or a map of such (then folded). Worked out as the compiler goes: asking each
  /// aggregate's subtree again was quadratic in the nesting.
  private mutating func compileNoting(_ expression: Expr) throws(CELCompileError) -> (
    step: Step, constant: Bool
  ) {
    switch expression.kind {
    case .literal: return (try compile(expression), true)
    case .list(let elements, let optional): return try compileList(elements, optional: optional)
    case .map(let entries): return try compileMap(entries)
    default: return (try compile(expression), false)
    }
  }

  private mutating func compileList(_ elements: [Expr], optional: Set<Int>)
    throws(CELCompileError) -> (step: Step, constant: Bool)
  {
    var constant = optional.isEmpty
    var steps: [Operand] = []
    for element in elements {
      let compiled = try compileNoting(element)
      constant = constant && compiled.constant
      steps.append(Operand(compiled.step))
    }
    let step: Step = { [steps] context in
      // A new list costs ten, as in cel-go (`ListCreateBaseCost`).
      guard context.spend(10) else { return .error(costLimitExceeded) }
      var values: [Value] = []
      values.reserveCapacity(steps.count)
      for index in steps.indices {
        let value = steps[index].step(&context)
        if case .error = value { return value }
        if optional.contains(index) {
          switch value {
          case .optional(let inner?): values.append(inner)
          case .optional(nil): continue
          default: return .error(CELError("optional list element is not optional"))
          }
        } else {
          values.append(value)
        }
      }
      return .list(ArrayList(values))
    }
    return constant ? (folded(step, free: true), true) : (step, false)
  }

  private mutating func compileMap(_ entries: [Expr.MapEntry]) throws(CELCompileError) -> (
    step: Step, constant: Bool
  ) {
    var constant = true
    var steps: [(key: Operand, value: Operand, isOptional: Bool)] = []
    for entry in entries {
      let key = try compileNoting(entry.key)
      let value = try compileNoting(entry.value)
      constant = constant && !entry.isOptional && key.constant && value.constant
      steps.append((Operand(key.step), Operand(value.step), entry.isOptional))
    }
    let step: Step = { [steps] context in
      // A new map costs thirty, as in cel-go (`MapCreateBaseCost`).
      guard context.spend(30) else { return .error(costLimitExceeded) }
      var map = DictionaryMap()
      for (keyStep, valueStep, isOptional) in steps {
        let key = keyStep.step(&context)
        if case .error = key { return key }
        var value = valueStep.step(&context)
        if case .error = value { return value }
        if isOptional {
          switch value {
          case .optional(let inner?): value = inner
          case .optional(nil): continue
          default: return .error(CELError("optional map entry is not optional"))
          }
        }
        switch key {
        case .bool, .int, .uint, .string: break
        default: return .error(CELError("unsupported key type: \(key.type)"))
        }
        guard context.spendHashing(key) else { return .error(costLimitExceeded) }
        guard map.insert(key, value) else {
          return .error(CELError("Failed with repeated key: \(key.debugText)"))
        }
      }
      return .map(map)
    }
    return constant ? (folded(step, free: true), true) : (step, false)
  }

  /// What folding may spend in all, for one program: past it, constants are made at run
  /// time, where the expression's budget stops them (`lists.range(9999)` repeated a thousand
  /// times is cheap to write and dear to work out, and each folded value is kept). Constants
  /// that policies write (`quantity('2')`, a list of names) cost a few units each.
  static let foldingBudget = 10_000

  /// `step`, of constants only, evaluated here once (`quantity('2')`, `['a', 'b']` were
  /// made again for every object), and charged at each evaluation what it cost then, except
  /// what cel-go's `OptOptimize` makes a constant itself (`optimizes`), which then costs
  /// nothing: a list or a map literal of constants, a type conversion of a constant
  /// (`duration('1s')`). An error is left to run time, where it is raised as it would be.
  private mutating func folded(_ step: @escaping Step, free: Bool = false) -> Step {
    let before = folding.cost
    let value = step(&folding)
    guard !value.isError, folding.cost <= Self.foldingBudget else { return step }
    if free && optimizes { return { _ in value } }
    let cost = folding.cost - before
    return { context in
      guard context.spend(cost) else { return .error(costLimitExceeded) }
      return value
    }
  }

  // MARK: Names

  private static func resolver(_ name: String) -> Step {
    let bare = name.hasPrefix(".") ? String(name.dropFirst()) : name
    // Type names are values: `type(1) == int`.
    // `dyn` denotes no value of its own.
    let typeValue = bare == "dyn" ? nil : Builtins.typeNamed(bare)
    return { context in
      if let value = context.activation.resolve(bare) {
        guard context.spend(1) else { return .error(costLimitExceeded) }
        return value
      }
      // A type name is a constant to cel-go, which costs nothing.
      if let typeValue { return .type(typeValue) }
      guard context.spend(1) else { return .error(costLimitExceeded) }
      return .error(CELError("undeclared reference to '\(bare)' (in container '')"))
    }
  }

  /// `a.b.c`: the longest prefix bound as a variable, then fields for the rest.
  private mutating func compileQualified(_ parts: [String], offset: Int) throws(CELCompileError)
    -> Step
  {
    let root = parts[0].hasPrefix(".") ? String(parts[0].dropFirst()) : parts[0]
    let names = (0..<parts.count).map { count in
      ([root] + parts[1...].prefix(count)).joined(separator: ".")
    }
    let typeValue = Builtins.typeNamed(names.last!)
    if let declarations, let declared = names.lastIndex(where: declarations.contains) {
      let name = names[declared]
      let fields = Array(parts[(declared + 1)...])
      let path = fields.isEmpty ? nil : SelectionPath(name: name, fields: fields)
      if let path { selectionPaths.append(path) }
      return { context in
        guard context.spend(parts.count) else { return .error(costLimitExceeded) }
        // A shared name's path is selected once for all the evaluations that share it. A
        // traced evaluation is told of the one read the path was (as if it read it again), or
        // reads a path of more steps anew.
        var shared: (cache: SelectionCache, path: SelectionPath)?
        if let path, let cache = context.activation.selections, cache.keeps(name) {
          if let place = cache.place(of: path) {
            guard let tracer = context.tracer else { return cache.value(at: place) }
            if let read = cache.read(at: place) {
              tracer.read(read.key, at: read.location)
              return cache.value(at: place)
            }
          } else {
            shared = (cache, path)
          }
        }
        guard let value = context.activation.resolve(name) else {
          if let typeValue { return .type(typeValue) }
          return .error(CELError("undeclared reference to '\(root)' (in container '')"))
        }
        guard let shared else { return Access.select(value, path: fields, &context) }
        let (selected, read) = Access.selectNotingRead(value, path: fields, &context)
        return shared.cache.store(selected, read: read, for: shared.path)
      }
    }
    return { context in
      guard context.spend(parts.count) else { return .error(costLimitExceeded) }
      var index = names.count - 1
      while index >= 0 {
        if let value = context.activation.resolve(names[index]) {
          return Access.select(value, path: parts, from: index + 1, &context)
        }
        index -= 1
      }
      if let typeValue { return .type(typeValue) }
      return .error(CELError("undeclared reference to '\(root)' (in container '')"))
    }
  }

  // MARK: Optional chains

  /// `x.?a.?b.?c` as one step (`nil`: `optional.none()`), where each `.?` was a step that
  /// made an optional for the next to take apart: a heap box apiece (`Value.optional` is
  /// indirect). `nil` when `expression` is not an optional selection.
  private mutating func compileOptionalChain(_ expression: Expr) throws(CELCompileError)
    -> (@Sendable (inout EvaluationContext) -> Value?)?
  {
    var reversed: [String] = []
    var base = expression
    while case .optionalSelect(let inner, let field) = base.kind {
      reversed.append(field)
      base = inner
    }
    guard !reversed.isEmpty else { return nil }
    let fields = Array(reversed.reversed())
    let operand = try compile(base)
    let cost = fields.count
    return { context in
      guard context.spend(cost) else { return .error(costLimitExceeded) }
      return Access.optionalSelect(operand(&context), path: fields, &context)
    }
  }

  // MARK: Calls

  private mutating func compileCall(_ name: String, target: Expr?, arguments: [Expr])
    throws(CELCompileError) -> Step
  {
    // `optional.of(x)`, `strings.quote(s)`: a function named by a qualified name, unless the
    // name's root is a comprehension variable.
    if let target, let parts = target.qualifiedParts, slot(of: parts[0]) == nil {
      let full = parts.joined(separator: ".") + "." + name
      if library.knows(full) {
        return try compileCall(full, target: nil, arguments: arguments)
      }
    }
    // `x.?a.?b.orValue(d)`: the chain's value, else d, with no optional made between.
    if name == "orValue", arguments.count == 1, let target,
      let chain = try compileOptionalChain(target)
    {
      let fallback = try compile(arguments[0])
      return { context in
        guard context.spend(1) else { return .error(costLimitExceeded) }
        return chain(&context) ?? fallback(&context)
      }
    }
    var constant = true
    var operands: [Operand] = []
    for argument in [target].compactMap({ $0 }) + arguments {
      let compiled = try compileNoting(argument)
      constant = constant && compiled.constant
      operands.append(Operand(compiled.step))
    }
    let overloads = library.overloads(name, member: target != nil, arity: operands.count)
    if overloads.isEmpty {
      return { [operands] context in
        for operand in operands {
          let value = operand.step(&context)
          if case .error = value { return value }
        }
        return .error(CELError("no such overload: \(name)/\(operands.count) (unbound function)"))
      }
    }
    let lazy = overloads.allSatisfy(\.isLazy)
    if lazy, let first = overloads.first, let body = first.lazyBody {
      let steps = operands.map(\.step)
      return { context in
        guard context.spend(1) else { return .error(costLimitExceeded) }
        return body(steps, &context)
      }
    }
    let step: Step
    if operands.count == 2, overloads.count == 1, let comparison = overloads[0].comparison {
      step = Self.compare(comparison, operands[0].step, operands[1].step)
    } else if operands.count == 2, overloads.count == 1, let strings = overloads[0].strings {
      step = Self.callOnStrings(name, overloads, strings, operands[0].step, operands[1].step)
    } else {
      step = Self.call(name, overloads, operands)
    }
    return constant
      ? folded(step, free: operands.count == 1 && Self.conversions.contains(name)) : step
  }

  /// The type conversions, which `OptOptimize` works out once when their argument is a
  /// constant (cel-go's `IsTypeConversionFunction`).
  private static let conversions: Set<String> = [
    "bool", "bytes", "double", "duration", "dyn", "int", "string", "timestamp", "type", "uint",
  ]

  /// A comparison of what `first` and `second` give: its library overload applied directly.
  private static func compare(
    _ comparison: Comparison, _ first: @escaping Step, _ second: @escaping Step
  )
    -> Step
  {
    { context in
      switch evaluatePair(first, second, &context) {
      case .failure(let error): return .error(error)
      case .success(let (x, y)):
        return comparison.apply(x, y, &context)
          ?? .error(.noMatchingOverload(comparison.function))
      }
    }
  }

  /// What a call of two operands is made on: the call's unit paid, `first`'s value then
  /// `second`'s, or the first error (the unit's, then either operand's).
  @inline(__always)
  private static func evaluatePair(
    _ first: Step, _ second: Step, _ context: inout EvaluationContext
  ) -> Result<(Value, Value), CELError> {
    guard context.spend(1) else { return .failure(costLimitExceeded) }
    // Matched by switching on each result, not by `if case .error = x`: a look at a kept
    // value copied it (a retain and a release).
    let x: Value
    switch first(&context) {
    case .error(let error): return .failure(error)
    case let value: x = value
    }
    switch second(&context) {
    case .error(let error): return .failure(error)
    case let y: return .success((x, y))
    }
  }

  /// A call of a method of two strings (`startsWith`, `contains`, …) on what `first` and
  /// `second` give: called directly on two strings, where passing them through `dispatch`'s
  /// argument array counted each string's reference in and out twice.
  private static func callOnStrings(
    _ name: String, _ overloads: [Library.Overload],
    _ strings: @escaping @Sendable (String, String, inout EvaluationContext) -> Value,
    _ first: @escaping Step, _ second: @escaping Step
  ) -> Step {
    { context in
      switch evaluatePair(first, second, &context) {
      case .failure(let error): return .error(error)
      case .success(let (.string(a), .string(b))): return strings(a, b, &context)
      case .success(let (x, y)): return context.dispatch(name, overloads, x, y)
      }
    }
  }

  /// A call of `overloads` on what `operands` give, evaluated first to last.
  private static func call(
    _ name: String, _ overloads: [Library.Overload], _ operands: [Operand]
  ) -> Step {
    switch operands.count {
    case 1:
      let a = operands[0].step
      return { context in
        guard context.spend(1) else { return .error(costLimitExceeded) }
        // Switched on, not `if case`: see `compare`.
        switch a(&context) {
        case .error(let error): return .error(error)
        case let x: return context.dispatch(name, overloads, x)
        }
      }
    case 2:
      let a = operands[0].step
      let b = operands[1].step
      return { context in
        switch Self.evaluatePair(a, b, &context) {
        case .failure(let error): return .error(error)
        case .success(let (x, y)): return context.dispatch(name, overloads, x, y)
        }
      }
    default:
      return { context in
        guard context.spend(1) else { return .error(costLimitExceeded) }
        var values: [Value] = []
        values.reserveCapacity(operands.count)
        for operand in operands {
          let value = operand.step(&context)
          if case .error = value { return value }
          values.append(value)
        }
        return Library.dispatch(name, overloads, values, &context)
      }
    }
  }

  // MARK: Comprehensions

  private mutating func compileComprehension(_ comprehension: Comprehension)
    throws(CELCompileError) -> Step
  {
    let range = try compile(comprehension.range)
    var names = [comprehension.variable]
    if let second = comprehension.variable2 { names.append(second) }
    let kind = comprehension.kind
    let twoVariables = comprehension.variable2 != nil
    if kind == .bind {
      return try withVariables(names) { compiler, slots throws(CELCompileError) in
        let body = try compiler.compile(comprehension.transform!)
        return { context in
          let saved = context.frame[slots[0]]
          context.frame[slots[0]] = range(&context)
          defer { context.frame[slots[0]] = saved }
          return body(&context)
        }
      }
    }
    return try withVariables(names) { compiler, slots throws(CELCompileError) in
      // Not `Optional.map`: a closure it returns is converted through a thunk (see `Operand`).
      var predicate: Operand?
      if let expression = comprehension.predicate {
        predicate = Operand(try compiler.compile(expression))
      }
      var transform: Operand?
      if let expression = comprehension.transform {
        transform = Operand(try compiler.compile(expression))
      }
      let first = slots[0]
      let second = slots.count > 1 ? slots[1] : nil
      return { [predicate, transform] context in
        let source: Value
        switch range(&context) {
        case .error(let error): return .error(error)
        case let value: source = value
        }
        if kind == .optionalMap || kind == .optionalFlatMap {
          guard case .optional(let inner) = source else {
            return .error(.noMatchingOverload(kind == .optionalMap ? "optMap" : "optFlatMap"))
          }
          guard let inner else { return .optional(nil) }
          let saved = context.frame[first]
          context.frame[first] = inner
          defer { context.frame[first] = saved }
          let result = transform!.step(&context)
          if case .error = result { return result }
          if kind == .optionalFlatMap {
            guard case .optional = result else {
              return .error(.noMatchingOverload("optFlatMap"))
            }
            return result
          }
          return .optional(result)
        }
        return Comprehensions.run(
          kind, source, first: first, second: second, twoVariables: twoVariables,
          predicate: predicate, transform: transform, &context)
      }
    }
  }
}

/// The logic operators' CEL semantics: commutative, and an error yields to a deciding operand.
enum Logic {
  static func and(_ a: Value, _ b: Value) -> Value {
    switch (a, b) {
    case (.bool(false), _), (_, .bool(false)): return .bool(false)
    case (.bool(true), .bool(true)): return .bool(true)
    case (.error, _): return a
    case (_, .error): return b
    default: return .error(.noMatchingOverload("_&&_"))
    }
  }

  static func or(_ a: Value, _ b: Value) -> Value {
    switch (a, b) {
    case (.bool(true), _), (_, .bool(true)): return .bool(true)
    case (.bool(false), .bool(false)): return .bool(false)
    case (.error, _): return a
    case (_, .error): return b
    default: return .error(.noMatchingOverload("_||_"))
    }
  }
}
