/// Where an expression's free names come from: `object`, `params`, a test's bindings.
public protocol Activation {
  /// The value of `name` (a qualified name is looked up whole: `a.b.c`), or `nil`.
  func resolve(_ name: String) -> Value?

  /// Memory evaluations with this activation may reuse, one after another (`nil`: each makes
  /// its own).
  var scratch: EvaluationScratch? { get }

  /// Where paths read from names this activation shares with others are kept (see
  /// `SelectionCache`); `nil`: each evaluation selects its paths itself.
  var selections: SelectionCache? { get }
}

extension Activation {
  public var scratch: EvaluationScratch? { nil }
  public var selections: SelectionCache? { nil }
}

/// The working memory of an evaluation (its comprehension variables and the arguments of
/// the call being made), kept for the next one: a host that runs many expressions on one
/// object (fifty policies) saves an allocation per evaluation and one per function call.
/// Used by one evaluation at a time: one that starts while another holds it makes its own.
public final class EvaluationScratch {
  // Unchecked exclusivity: an evaluation takes the arrays and gives them back, never while
  // another holds them open, and each swap's run-time check cost as much as the swap.
  @exclusivity(unchecked) var frame: [Value] = []
  @exclusivity(unchecked) var unary: [Value] = []
  @exclusivity(unchecked) var binary: [Value] = []
  /// Work the evaluations did beyond their cost units (see `EvaluationContext.uncountedWork`),
  /// for the host to take and count.
  @exclusivity(unchecked) var uncountedWork = 0

  public init() {}

  /// The work beyond cost units done since the last call.
  public func takeUncountedWork() -> Int {
    defer { uncountedWork = 0 }
    return uncountedWork
  }

  /// The work beyond cost units done since `takeUncountedWork()` was last called, left to take.
  public var pendingUncountedWork: Int { uncountedWork }

  /// Runs `body`, and forgets the work beyond cost units it did: a host's re-evaluation that
  /// it charges otherwise (kubeward's traced re-evaluations of failed validations).
  public func discardingUncountedWork<R>(_ body: () -> R) -> R {
    let before = uncountedWork
    defer { uncountedWork = before }
    return body()
  }

  /// Drops what the evaluations left in it (keeping the arrays' room), for a host that hands
  /// it on to evaluations of other data.
  public func forget() {
    frame.removeAll(keepingCapacity: true)
    unary.removeAll(keepingCapacity: true)
    binary.removeAll(keepingCapacity: true)
    uncountedWork = 0
  }
}

/// Names bound in a dictionary.
public struct DictionaryActivation: Activation {
  public var values: [String: Value]
  public init(_ values: [String: Value] = [:]) { self.values = values }
  public func resolve(_ name: String) -> Value? { values[name] }
}

/// Notified of the fields and elements an evaluation reads, in order: kubeward re-runs a
/// failing validation with one to point at the field it read.
///
/// A path that a host's map walks in place (`MapValue.selectTracing`) is reported by its
/// last read alone: each field of it is read from what the field before reached, so the
/// last read is the innermost, and walking in place is what makes paths cheap.
public protocol AccessTracer: AnyObject {
  /// `container` was read at `key` (a field name, a map key, a list index).
  func read(_ key: Value, of container: Value)
  /// The map the host keeps at `location` was read at `key`: the last field of a path the
  /// host walked.
  func read(_ key: Value, at location: HostLocation)
  /// How many reads it has kept, when it counts them: a comprehension then reports the
  /// element that decided an `all` or an `exists` as read, when deciding read nothing of it
  /// (`command.exists(c, c.matches('jcmd'))` found the item; the list was the last read).
  var readCount: Int? { get }
  /// The value the host keeps at `location` decided a comprehension itself: an element of a
  /// list made by the expression (`a + b`), whose own place the list does not know.
  func decided(at location: HostLocation)
}

extension AccessTracer {
  public var readCount: Int? { nil }
  public func decided(at location: HostLocation) {}
}

/// What an evaluation carries: the names, the comprehension variables, the cost so far.
public struct EvaluationContext {
  var activation: any Activation
  /// Comprehension and bind variables, by slot.
  var frame: [Value]
  /// Cost units spent; an evaluation that exceeds `budget` stops with an error.
  public internal(set) var cost: Int = 0
  /// Work done beyond what the cost units say, in units of the same time (about 25 ns): the
  /// regular-expression machine's steps, which Kubernetes' cost charges a tenth of. Not
  /// part of the cost (the API server's verdict does not depend on it); a host that bounds
  /// the time of a run counts it (`EvaluationScratch.takeUncountedWork`).
  var uncountedWork = 0
  let budget: Int

  /// The most work beyond its cost one evaluation may do (about half a second): the run's
  /// bound is counted between evaluations, and an expression that compiles a new pattern or
  /// reads a new time zone at every step of a loop its cost allows did minutes of it first.
  static let uncountedLimit = 20_000_000
  static let uncountedLimitExceeded = CELError(
    "operation cancelled: the expression's work beyond its cost units (compiling patterns, "
      + "reading time zones, splitting text, long quantities' arithmetic) exceeded kubeward's "
      + "limit")

  /// Adds `work` to `uncountedWork`: `false` once past `uncountedLimit`.
  mutating func addUncountedWork(_ work: Int) -> Bool {
    uncountedWork = uncountedWork &+ work
    return uncountedWork <= Self.uncountedLimit
  }

  /// Whether more such work may start: an error a loop absorbs (`all`, `exists`) does not end
  /// the loop, so each step asks first.
  var mayDoUncountedWork: Bool { uncountedWork <= Self.uncountedLimit }
  /// Unowned: the caller of `evaluate` holds it for the evaluation, which is all a context
  /// lives; a weak reference cost an atomic load on every field read.
  unowned(unsafe) var tracer: AccessTracer?
  /// The arguments of the one- and two-argument function being called, reused from call to
  /// call (and from evaluation to evaluation, through `EvaluationScratch`): an array made for
  /// every operator applied was most of an evaluation's allocations.
  var unary: [Value] = []
  var binary: [Value] = []

  /// Calls `overloads` with `first` in `unary`'s storage, moved out for the call and back
  /// after it (a copy of the array counted a reference in and out for every call). Overloads'
  /// bodies evaluate nothing, so no other call uses it meanwhile; one that keeps its
  /// arguments keeps a copy (and the next call makes a new buffer).
  @inline(__always)
  mutating func dispatch(_ name: String, _ overloads: [Library.Overload], _ first: Value)
    -> Value
  {
    var values: [Value] = []
    swap(&values, &unary)
    if values.count == 1 { values[0] = first } else { values = [first] }
    let result = Library.dispatch(name, overloads, values, &self)
    swap(&values, &unary)
    return result
  }

  /// `dispatch` with two arguments, in `binary`'s storage.
  @inline(__always)
  mutating func dispatch(
    _ name: String, _ overloads: [Library.Overload], _ first: Value, _ second: Value
  ) -> Value {
    var values: [Value] = []
    swap(&values, &binary)
    if values.count == 2 {
      values[0] = first
      values[1] = second
    } else {
      values = [first, second]
    }
    let result = Library.dispatch(name, overloads, values, &self)
    swap(&values, &binary)
    return result
  }

  /// What is left of the budget.
  var remaining: Int { budget - cost }

  /// `remaining`, and `prepaid` units already charged for the work about to be bounded by it
  /// (a comparison's first unit, a set function's up-front charge).
  func remaining(beyond prepaid: Int) -> Int {
    let (sum, overflow) = remaining.addingReportingOverflow(prepaid)
    return overflow ? .max : sum
  }

  @inline(__always)
  mutating func spend(_ units: Int) -> Bool {
    // Saturating: a charge worked out from hostile sizes may be huge.
    let (sum, overflow) = cost.addingReportingOverflow(units)
    cost = overflow ? .max : sum
    return cost <= budget
  }

  /// Charges for hashing `key` to look it up in or add it to a map: one unit per KiB of a
  /// string key. Kubernetes charges a map lookup a constant whatever the key, but hashing
  /// reads every byte: a megabyte key looked up a hundred thousand times for a few units each
  /// took 25 s in one expression. Keys of real policies (names, labels) are far below a KiB,
  /// so their costs are Kubernetes' own.
  @inline(__always)
  mutating func spendHashing(_ key: Value) -> Bool {
    guard case .string(let text) = key else { return true }
    return spend(text.utf8.count >> 10)
  }
}

/// The error of an evaluation that spent its budget.
public let costLimitExceeded = CELError("operation cancelled: actual cost limit exceeded")

/// A compiled expression: parsed, macros expanded, checked, and turned into closures once;
/// evaluated any number of times (concurrently: it holds no mutable state). A class: each
/// evaluation reads it where it is stored, where a struct of closures and source was copied.
public final class Program: Sendable {
  typealias Step = @Sendable (inout EvaluationContext) -> Value

  let step: Step
  let slots: Int
  /// The paths of the qualified names it reads, which its steps hold.
  let selectionPaths: [SelectionPath]
  /// The source, for messages.
  public let source: String
  public let expression: Expr
  /// The type cel-go's checker gives the expression, where kubeward knows it for certain
  /// (compiled with `validatesLiterals`): `bool`, `dyn` (a field of `object`), `list(int)` …
  public let checkedType: String?
  /// The type cel-go's checker gives the expression, as far as kubeward knows it (compiled
  /// with `validatesLiterals`): what a host declares a name of when the expression's value is
  /// bound to it (an admission policy's variable).
  public let resultType: CheckedType?

  /// Kubernetes' limit per expression evaluation.
  public static let defaultBudget = 1_000_000

  /// Compiles `source`; with `declarations`, names outside them are compile errors (with
  /// `nil`, unknown names are errors only when evaluated). `validatesLiterals` adds
  /// Kubernetes' checks of constant regular expressions, durations and timestamps, and of
  /// literals' types (see `LiteralTypeChecker`; `dynamicNames` are the names of type `dyn`);
  /// `fields` names the fields of declared objects (`variables`: the policy's variables),
  /// and `fieldTypes` gives their types where known (`variables.count`: `int`);
  /// `typedNames` declares names of object types (`request`: an AdmissionRequest), whose
  /// fields are known;
  /// `bindings: false` leaves out the `cel.bind` macro, as Kubernetes does;
  /// `optimizesConstants: false` charges list and map literals of constants and conversions
  /// of constants at every evaluation, as cel-go does without the `OptOptimize` the API
  /// server's environment turns on (Kubernetes' library cost tests leave it off).
  public init(
    _ source: String, library: Library = .standard, declarations: Set<String>? = nil,
    check: Bool = true, macros: Bool = true, bindings: Bool = true,
    validatesLiterals: Bool = false, dynamicNames: Set<String> = [],
    fields: [String: @Sendable (String) -> Bool] = [:],
    fieldTypes: [String: @Sendable (String) -> CheckedType?] = [:],
    typedNames: [String: DeclaredObjectType] = [:],
    optimizesConstants: Bool = true
  ) throws(CELCompileError) {
    let expression: Expr
    var emptySums: [Int: Value] = [:]
    do {
      expression = try Parser.parse(
        source, macros: macros, bindings: bindings, mathMacros: library.knows("math.@max"))
    } catch {
      throw CELCompileError(message: "syntax error: \(error.message)", offset: error.offset)
    }
    if check {
      var checker = Checker(
        library: library, declarations: declarations, validatesLiterals: validatesLiterals,
        fields: fields, dynamicNames: dynamicNames)
      checker.fieldTypes = fieldTypes.mapValues { type in { type($0)?.type } }
      checker.typedNames = typedNames
      let (type, sums) = try checker.check(expression)
      emptySums = sums
      checkedType = type.flatMap { $0.isCertain ? $0.description : nil }
      resultType = type.flatMap { $0 == .unknown ? nil : CheckedType(type: $0) }
    } else {
      checkedType = nil
      resultType = nil
    }
    var compiler = Compiler(
      library: library, declarations: declarations, optimizes: optimizesConstants)
    compiler.emptySums = emptySums
    self.step = try compiler.compile(expression)
    self.slots = compiler.maximumSlots
    self.selectionPaths = compiler.selectionPaths
    self.source = source
    self.expression = expression
  }

  /// Marks the program and the paths its steps read as living to the end of the process
  /// (see `ProcessLifetime`): every evaluation reads them, and their references are then not
  /// counted. Only for a program the process keeps to its end, before it is shared.
  public func keepForTheProcess() {
    ProcessLifetime.keep(self)
    for path in selectionPaths { ProcessLifetime.keep(path) }
  }

  /// Evaluates with `activation`; errors are values (`.error`).
  public func evaluate(
    _ activation: any Activation, budget: Int = Program.defaultBudget,
    tracer: AccessTracer? = nil
  ) -> Value {
    evaluateWithCost(activation, budget: budget, tracer: tracer).value
  }

  /// Evaluates, and reports the cost spent.
  public func evaluateWithCost(
    _ activation: any Activation, budget: Int = Program.defaultBudget,
    tracer: AccessTracer? = nil
  ) -> (value: Value, cost: Int) {
    // The scratch's arrays are taken (a nested evaluation finds them empty and makes its
    // own) and given back with whatever they hold. A frame's slots need no reset: a slot is
    // read only where its comprehension has bound it.
    var context = EvaluationContext(
      activation: activation, frame: [], budget: budget, tracer: tracer)
    let scratch = activation.scratch
    if let scratch {
      swap(&context.frame, &scratch.frame)
      swap(&context.unary, &scratch.unary)
      swap(&context.binary, &scratch.binary)
    }
    if context.frame.count < slots {
      context.frame.append(contentsOf: repeatElement(.null, count: slots - context.frame.count))
    }
    let value = step(&context)
    if let scratch {
      scratch.uncountedWork = scratch.uncountedWork &+ context.uncountedWork
      swap(&context.frame, &scratch.frame)
      swap(&context.unary, &scratch.unary)
      swap(&context.binary, &scratch.binary)
    }
    return (context.cost > budget ? .error(costLimitExceeded) : value, context.cost)
  }
}

/// A type as cel-go's checker gives it, where kubeward knows it (`Program.resultType`).
public struct CheckedType: Sendable, Equatable, CustomStringConvertible {
  let type: LiteralTypeChecker.StaticType
  /// As cel-go prints it (`int`, `list(string)`, `dyn`).
  public var description: String { type.description }

  /// The type the API server declares a variable of, for an expression of this type
  /// (`convertCelTypeToDeclType` in apiserver's `composition.go`): the simple types, and
  /// lists and maps of them; anything else (an optional, a quantity, an IP, a type) is
  /// `dyn`. Nested deeper than `maximumDepth`, `dyn` too: a chain of variables each wrapping
  /// the one before (`[variables.v1]`) made types as deep as the chain, and checking them
  /// superlinear; `dyn` only lets more through.
  public var asVariable: CheckedType? {
    let declared = Self.declared(type, depth: 0)
    return declared == .unknown ? nil : CheckedType(type: declared)
  }

  static let maximumDepth = 8
  private static let simpleTypes: Set<String> = [
    "bool", "bytes", "double", "google.protobuf.Duration", "int", "null_type", "string",
    "google.protobuf.Timestamp", "uint",
  ]

  private static func declared(_ type: LiteralTypeChecker.StaticType, depth: Int)
    -> LiteralTypeChecker.StaticType
  {
    guard depth < maximumDepth else { return .dyn }
    switch type {
    case .unknown, .dyn: return type
    case .named(let name): return simpleTypes.contains(name) ? type : .dyn
    case .list(let element): return .list(declared(element, depth: depth + 1))
    case .map(let key, let value):
      return .map(declared(key, depth: depth + 1), declared(value, depth: depth + 1))
    case .optional: return .dyn
    }
  }
}

/// A compile error: syntax, an unknown function, a wrong number of arguments, a bad
/// literal; at a byte offset of the expression.
public struct CELCompileError: Error, Sendable, CustomStringConvertible {
  public let message: String
  public let offset: Int
  public var description: String { message }

  public init(message: String, offset: Int) {
    self.message = message
    self.offset = offset
  }
}
