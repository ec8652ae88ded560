import KubewardCEL
import KubewardEngine
import KubewardModel
import KubewardYAML
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Kubernetes' cost limit for one evaluation of one expression, and for all of a policy's
/// expressions on one object.
public enum CostLimits {
  public static let perExpression = 1_000_000
  public static let perPolicy = 10_000_000
  /// A policy's matchConditions on one object (`RuntimeCELCostBudgetMatchConditions`).
  public static let matchConditions = 2_500_000
}

/// The CEL work a whole `kubeward lint` run may do, for all its policies and objects
/// together, shared by its workers. Kubernetes bounds one policy on one object (10 000 000
/// units); a run evaluates every policy on every object, and a few kilobytes of policies that
/// each spend their budget on a few kilobytes of objects kept a run busy for minutes. What is
/// left unevaluated once it is spent is reported, object by object: never a silent pass.
///
/// Each evaluation of a policy on an object also costs `perEvaluation` units, and each
/// expression evaluated `perExpression`, for what they cost however little their expressions
/// do: thousands of policies of `true` over thousands of objects spent nothing and took 14 s
/// for 1.4 MB; a policy of 20 000 validations of constants, 13 s for 0.9 MB.
public final class WorkBudget: Sendable {
  private let spent = Atomic<Int>(0)
  /// The limit once known; -1 until a budget sized by its input is first asked (`limit`).
  private let known: Atomic<Int>
  /// The input's bytes, for a budget sized when first needed.
  private let inputSize: (@Sendable () -> Int)?

  public init(limit: Int) {
    known = Atomic(max(limit, 0))
    inputSize = nil
  }

  /// 250 units per byte of input (a heavy policy library costs a few dozen per byte of
  /// typical manifests; fifty policies over the benchmark's corpus, about two), and at least
  /// 2 × 10^8: a few seconds of the costliest work (a unit of field reads in a loop takes
  /// about 25 ns). Ten thousand per byte let 0.6 MB of policies and objects run for a minute.
  public convenience init(inputBytes: Int) {
    self.init(limit: Self.limit(forInputBytes: inputBytes))
  }

  /// `init(inputBytes:)` with the input sized (a `stat` of every file, when no file was read
  /// before the run) only when the run spends the least a budget allows, `minimum`: most runs
  /// never do, and sizing 4 000 files was a per cent of a run with fifty policies.
  public init(inputSize: @escaping @Sendable () -> Int) {
    known = Atomic(-1)
    self.inputSize = inputSize
  }

  static let minimum = 200_000_000
  /// What one evaluation of a policy on an object costs beyond its expressions' units (the
  /// time of about a hundred of them).
  static let perEvaluation = 100
  /// What evaluating one expression costs beyond its units (the time of about ten).
  static let perExpression = 10
  /// What a finding costs: the time of about a hundred units to find its field and write
  /// it, and its memory until the report is written. Charged at a hundred times that, so
  /// that the findings a run can make, and its reports, stay in proportion to its input (one
  /// per 40 bytes, at least 20 000; the real corpus gives one per 760 bytes under Kyverno's
  /// 253 CEL policies), where a thousand validations that fail on thousands of objects made
  /// four thousand times the input in findings, and at ten times, 200 validations over 1 500
  /// ConfigMaps (111 kB) still made a JUnit report of 426 MB.
  static let perFinding = 10_000

  static func limit(forInputBytes bytes: Int) -> Int {
    let (scaled, overflow) = bytes.multipliedReportingOverflow(by: 250)
    return overflow ? .max : max(scaled, minimum)
  }

  public var limit: Int {
    let value = known.load(ordering: .acquiring)
    if value >= 0 { return value }
    // Workers that ask at once may each size the input: they store the same limit.
    let sized = Self.limit(forInputBytes: inputSize?() ?? 0)
    known.store(sized, ordering: .releasing)
    return sized
  }

  var isSpent: Bool {
    let spent = self.spent.load(ordering: .relaxed)
    let value = known.load(ordering: .relaxed)
    if value >= 0 { return spent >= value }
    return spent >= Self.minimum && spent >= limit
  }

  func charge(_ cost: Int) {
    // Each charge is at most a few policy budgets: the sum cannot wrap before the run stops.
    spent.wrappingAdd(cost, ordering: .relaxed)
  }

  /// The work charged so far.
  var spentWork: Int { spent.load(ordering: .relaxed) }
}

/// The names an admission expression sees (`object`, `request`, `params`, `variables`, …).
/// Variables are evaluated when first read, in the order they are read, and once.
final class AdmissionActivation: Activation, @unchecked Sendable {
  // Used by one evaluation at a time, on one thread.
  /// Unowned: the scope outlives every evaluation with the activation. A spare activation,
  /// kept for the next policy (`ScopeMemory`), may outlive its scope: it is given its next
  /// scope (`prepare`) before anything reads it.
  unowned(unsafe) private(set) var scope: ObjectScope
  private(set) var params: Value
  /// The policy whose variables it has (none: an exception's conditions).
  /// Unowned: the set that holds the policy outlives every evaluation of it, and a spare
  /// activation holds none (`clear`). Held strongly, it was a retain and a release for
  /// every policy on every object.
  unowned(unsafe) private var policy: AdmissionPolicy?
  // Unchecked exclusivity here and below: an activation is used by one evaluation at a time
  // (a nested one reads it, never while another access is open), and the run-time checks of
  // a class's properties were a fifth of a variable's lookup.
  /// Per variable, by position: one array for the activation, where a dictionary of values
  /// and a set of names in evaluation were two allocations for every policy and object.
  @exclusivity(unchecked) private var states: [VariableState] = []
  /// Whether a variable was read since `states` was last reset (most policies read none).
  @exclusivity(unchecked) private var variablesRead = false
  @exclusivity(unchecked) private var depth = 0
  /// Whether the variables before one are being read in order (see `variable(_:)`).
  @exclusivity(unchecked) private var readingInOrder = false
  /// The summed heights of the variables in evaluation (see `maximumNesting`).
  @exclusivity(unchecked) private var nesting = 0
  private enum VariableState {
    case unread, evaluating, done(Value)
  }
  /// Cost spent so far on this object by this policy, in the current phase.
  @exclusivity(unchecked) var cost = 0
  /// The budget of the current phase (matchConditions have a smaller one).
  @exclusivity(unchecked) var limit = CostLimits.perPolicy
  /// Cost of the evaluations it actually ran, in all phases: a shared expression's value is
  /// charged to every policy that reads it (`cost`), but was worked out once.
  @exclusivity(unchecked) var executed = 0
  /// What finding the failed validations' fields is charged to the run's work: for each, what
  /// the validations and the variables they read cost together (what its traced re-evaluation
  /// may spend at most), whether it was traced as it was evaluated or again after. What tracing
  /// actually spends depends on `FailurePredictions` (the objects checked before), which must
  /// never change what a run decides.
  @exclusivity(unchecked) var tracedWork = 0
  @exclusivity(unchecked) var tracer: FieldTracer?
  /// `namespaceObject` reads as null: the API server's matchConditions matcher (and the
  /// variables read from its conditions) is given no namespace.
  @exclusivity(unchecked) var hidesTheNamespace = false

  init(
    scope: ObjectScope, params: Value, policy: AdmissionPolicy? = nil
  ) {
    self.scope = scope
    self.params = params
    self.policy = policy
  }

  /// Empties the activation for its next policy (`ObjectScope.recycle`): the variables'
  /// values go, as one that holds `variables` holds the activation itself.
  fileprivate func clear() {
    params = .null
    policy = nil
    forgetVariables()
    depth = 0
    nesting = 0
    cost = 0
    limit = CostLimits.perPolicy
    executed = 0
    tracedWork = 0
    tracer = nil
    hidesTheNamespace = false
  }

  /// Starts a phase of the policy's evaluation with `limit` to spend, its variables unread:
  /// the API server evaluates matchConditions, validations, messages and audit annotations
  /// each in a context of its own, where a variable is evaluated (and charged) again.
  func startPhase(limit: Int) {
    forgetVariables()
    cost = 0
    self.limit = limit
  }

  /// Marks every variable unread, in place: `removeAll(keepingCapacity:)` went through a
  /// generic `replaceSubrange`, a thousand instructions per phase of every policy with
  /// variables. A policy with fewer variables than the last leaves the rest unread.
  private func forgetVariables() {
    guard variablesRead else { return }
    variablesRead = false
    for index in states.indices { states[index] = .unread }
  }

  /// Makes an emptied activation `scope`'s, for `policy`, with `params`.
  fileprivate func prepare(scope: ObjectScope, params: Value, policy: AdmissionPolicy?) {
    self.scope = scope
    self.params = params
    self.policy = policy
  }

  /// The policy's variables, in order.
  var variables: [NamedExpression] { policy?.variables ?? [] }

  /// Whether the phase has read a variable yet: an evaluation traced now reads every field a
  /// traced evaluation in a new activation would (`AdmissionCheck.tracedNode`).
  var hasReadVariables: Bool { variablesRead }

  /// The object's: every policy on it evaluates one expression after another.
  var scratch: EvaluationScratch? { scope.scratch }
  /// The object's: every policy on it reads the same `object`, `request`, … . None while
  /// the namespace is hidden: what it keeps of `namespaceObject` is the namespace's.
  var selections: SelectionCache? { hidesTheNamespace ? nil : scope.selections }

  func resolve(_ name: String) -> Value? {
    switch name {
    case "object": return scope.object
    case "oldObject": return scope.oldObject
    case "request": return scope.request
    case "params": return params
    case "namespaceObject": return hidesTheNamespace ? .null : scope.namespaceObject
    case "variables": return .map(VariablesMap(activation: self))
    case "exceptions": return scope.exceptions
    case "authorizer", "authorizer.requestResource": return .opaque(Authorizer())
    default: return nil
    }
  }

  /// Kyverno's `exceptions` (`libs.Exception`): the images and the values the PolicyExceptions
  /// that matched the object allow, for the policy's expressions to read.
  static func exceptions(images: [Value], values: [Value]) -> Value {
    var fields = DictionaryMap()
    _ = fields.insert(.string("allowedImages"), .list(ArrayList(images)))
    _ = fields.insert(.string("allowedValues"), .list(ArrayList(values)))
    return .map(fields)
  }

  /// `exceptions` where no PolicyException allows anything.
  static let noExceptions = exceptions(images: [], values: [])

  /// Runs `expression`, counting its cost against the policy's budget.
  func evaluate(_ expression: PolicyExpression) -> Value {
    guard let program = expression.program else {
      return .error(CELError(expression.compileError?.message ?? "does not compile"))
    }
    // A value shared between policies is the namespace's, which matchConditions do not see.
    if !(hidesTheNamespace && expression.readsTheNamespace),
      let slot = scope.sharedExpressions.slot(of: expression)
    {
      return evaluateShared(program, slot: slot)
    }
    return run(program).value
  }

  /// `program`'s value, and what it spent itself: a variable it reads is charged when read.
  /// `counted`: whether it is work the run's budget counts (`executed`), not a traced
  /// evaluation of what an untraced one would have found shared.
  private func run(_ program: Program, counted: Bool = true) -> (value: Value, spent: Int) {
    let remaining = limit - cost
    guard remaining > 0 else { return (.error(costLimitExceeded), 0) }
    let (value, spent) = program.evaluateWithCost(
      self, budget: min(CostLimits.perExpression, remaining), tracer: tracer)
    cost = cost.addingReportingOverflow(spent).overflow ? .max : cost + spent
    guard counted else { return (value, spent) }
    let work = spent.addingReportingOverflow(WorkBudget.perExpression)
    executed =
      work.overflow || executed.addingReportingOverflow(work.partialValue).overflow
      ? .max : executed + work.partialValue
    return (value, spent)
  }

  /// `expression`'s value, or `nil` when the phase has run out of its budget, as the API
  /// server counts it: an evaluation that started with nothing left, or spent more than was
  /// left.
  func evaluateWithinBudget(_ expression: PolicyExpression) -> Value? {
    let remaining = limit - cost
    let value = evaluate(expression)
    return remaining <= 0 || cost > limit ? nil : value
  }

  /// How many variables may be in evaluation at once, each reading the next: every one is a
  /// nested evaluation on the stack, and a chain of thousands overflowed it.
  static let maximumVariableDepth = 250
  /// How deep the variables in evaluation at once may nest, their expressions' heights
  /// summed: 30 variables each 240 deep overflowed the stack (25 did not; an expression alone
  /// is at most 600 deep).
  static let maximumNesting = 1_500

  func variable(_ name: String) -> Value? {
    guard let policy, let index = policy.variablePositions[name] else { return nil }
    let variables = self.variables
    while states.count < variables.count { states.append(.unread) }
    switch states[index] {
    case .done(let value): return value
    case .evaluating: return .error(CELError("variable \(name) refers to itself"))
    case .unread: break
    }
    if policy.readsVariablesInOrder, depth == 0, !readingInOrder {
      // A chain too long to read one inside another (`AdmissionPolicy.readOneInsideAnother`):
      // those written before it first, in order, each finding the ones it reads read.
      readingInOrder = true
      defer { readingInOrder = false }
      for earlier in 0..<index where policy.variablePositions[variables[earlier].name] == earlier {
        if case .unread = states[earlier] { _ = variable(variables[earlier].name) }
      }
    }
    let height = variables[index].expression.program?.expression.height ?? 1
    guard depth < Self.maximumVariableDepth, nesting + height <= Self.maximumNesting else {
      return .error(CELError("variable \(name): variables read one another too deeply"))
    }
    states[index] = .evaluating
    variablesRead = true
    depth += 1
    nesting += height
    var value = evaluate(variables[index].expression)
    depth -= 1
    nesting -= height
    if let compileError = variables[index].expression.compileError {
      // The API server declares a variable that does not compile as `dyn`, and reading it is
      // this error (`cel/composition.go`), which `||`, `&&` and the macros may absorb.
      value = .error(
        CELError("composited variable \"\(name)\" fails to compile: \(compileError.message)"))
    } else if case .error(let error) = value, error != costLimitExceeded {
      // As the API server words it (a variable's name is an identifier: Go's %q adds quotes).
      value = .error(
        CELError("composited variable \"\(name)\" fails to evaluate: \(error.message)"))
    }
    states[index] = .done(value)
    return value
  }
}

extension AdmissionActivation {
  /// An expression the run's policies share (`SharedExpressions`): evaluated once per object,
  /// and each policy is charged what it cost, as if it had evaluated it.
  ///
  /// A traced evaluation (a failed validation's, to find the field it read) keeps its own:
  /// traced once per object, with the last field of the object it read, which every other
  /// traced evaluation of it gets replayed to its tracer, as if read again.
  fileprivate func evaluateShared(_ program: Program, slot: Int) -> Value {
    let remaining = limit - cost
    let bound = min(CostLimits.perExpression, remaining)
    // Whether the untraced value is there for this evaluation: traced where an untraced one
    // would have found it, the run is not charged the work again (what it counts is the same
    // whatever was traced).
    let sharedCost = remaining > 0 ? scope.sharedValues.cost(at: slot) : nil
    let isShared = sharedCost.map { $0 <= bound } ?? false
    if tracer == nil {
      if isShared, let sharedCost, let value = scope.sharedValues.value(at: slot) {
        cost += sharedCost
        return value
      }
    } else if remaining > 0, let shared = scope.tracedValues[slot], shared.cost <= bound {
      cost += shared.cost
      if let tracer, let read = shared.lastRead { tracer.replay(read) }
      return shared.value
    }
    let readsBefore = tracer?.reads
    let (value, spent) = run(program, counted: !isShared)
    // A value cut short by this policy's budget is not the expression's.
    if case .error(let error) = value, error == costLimitExceeded { return value }
    let lastRead = tracer.flatMap { $0.reads == readsBefore ? nil : $0.lastRead }
    let kept = SharedValue(value: value, cost: spent, lastRead: lastRead)
    let slots = scope.sharedExpressions.count
    if !isShared {
      // What is kept lives as long as the object's check: at most `sharedCost` units of
      // work in all (a value is no larger than the work that built it; a traced copy of a
      // value kept shares its storage). A traced value is the untraced one too: a validation
      // traced first (see `FailurePredictions`) leaves it for the policies that evaluate it
      // untraced.
      guard scope.sharedCost <= Self.sharedCost - spent else { return value }
      scope.sharedCost += spent
      scope.sharedValues.keep(kept, at: slot, slots: slots)
    }
    if tracer != nil {
      scope.tracedValues.keep(kept, at: slot, slots: slots)
    }
    return value
  }

  /// The cost of the shared values an object's check keeps, at most: a hundred times what
  /// a policy library's `containers` costs on a large pod, a tenth of one expression's limit.
  static let sharedCost = 100_000
}

/// `variables`: a map whose values are computed when read.
struct VariablesMap: MapValue, @unchecked Sendable {
  let activation: AdmissionActivation

  var count: Int { activation.variables.count }

  func value(for key: Value) -> Value? {
    guard case .string(let name) = key else { return nil }
    return activation.variable(name)
  }

  var keys: [Value] { activation.variables.map { .string($0.name) } }
}

/// The largest CEL cost each policy spent on one object (every expression it evaluated,
/// messages included), for estimating policies against Kubernetes' limits.
final class CostLedger: @unchecked Sendable {
  // Guarded by `mutex`: workers record from several threads.
  private var maximum: [String: Int] = [:]
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

  init() {
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  func record(_ policy: String, cost: Int) {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    maximum[policy] = max(maximum[policy] ?? 0, cost)
  }

  var costs: [String: Int] {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return maximum
  }
}

/// What every policy evaluated on one object shares, built when first read: most
/// expressions read only `object`, and a run evaluates many policies on many objects.
/// A shared expression's value on an object (see `AdmissionActivation.evaluateShared`): what
/// it cost, and for a traced one, the last field of the object it read.
struct SharedValue {
  let value: Value
  let cost: Int
  let lastRead: FieldTracer.Read?
}

/// Which validations failed the last time they were evaluated, to evaluate those traced
/// from the start. A failed validation is reported at the field it read last, which an
/// untraced evaluation does not know: evaluated again traced (`AdmissionCheck.tracedNode`),
/// it was evaluated twice (a tenth of what fifty policies add to a run). Validations that fail
/// mostly fail again on the next object (a library's rules against a team's habits), so
/// those are traced first, and one traced for nothing costs only the tracing.
///
/// Flags in a fixed table, by the expression's `ordinal`: the expressions of a set of policies
/// (made together, numbered in a row) each have a place of their own unless the set has more
/// than `size`; two that share a place share a guess, which costs only time when wrong (what
/// a run decides and is charged never depends on a guess: see `tracedWork`).
struct FailurePredictions {
  private static let size = 4_096
  private var failed = [Bool](repeating: false, count: size)

  private static func place(of expression: PolicyExpression) -> Int {
    expression.ordinal & (size - 1)
  }

  /// `mutating` only to be read in place (see `SharedValues.cost(at:)`).
  mutating func expectsFailure(of expression: PolicyExpression) -> Bool {
    failed[Self.place(of: expression)]
  }

  mutating func record(_ didFail: Bool, of expression: PolicyExpression) {
    failed[Self.place(of: expression)] = didFail
  }
}

/// The shared values an object's check keeps, by slot: where each is in a list, by an array
/// of ints. (A dictionary hashed each slot; an array of optional values, made for every object,
/// copied a nil into each of its places through the type's value witnesses.)
struct SharedValues {
  /// By slot, the value's place in `values`, or -1.
  private var places: [Int32] = []
  private var values: [SharedValue] = []

  subscript(slot: Int) -> SharedValue? {
    guard slot < places.count, places[slot] >= 0 else { return nil }
    return values[Int(places[slot])]
  }

  /// The cost of the value at `slot`, if one is kept (without copying the value).
  ///
  /// This and `value(at:)` are `mutating` though they change nothing: read through the
  /// scope's `_read` accessor, a non-mutating call copied the table out of its class, a
  /// retain and a release of both arrays (for every policy on every object); a mutating one
  /// is made in place, through `_modify`.
  mutating func cost(at slot: Int) -> Int? {
    guard slot < places.count, places[slot] >= 0 else { return nil }
    return values[Int(places[slot])].cost
  }

  /// The value kept at `slot`, alone: an untraced evaluation has no use for the read that
  /// found it, and copying that too (a key and a place) went through its type's witnesses.
  mutating func value(at slot: Int) -> Value? {
    guard slot < places.count, places[slot] >= 0 else { return nil }
    return values[Int(places[slot])].value
  }

  /// Keeps `value` for `slot`, one of `slots`.
  mutating func keep(_ value: SharedValue, at slot: Int, slots: Int) {
    // Grown, not made once: a recycled table (`ScopeMemory`) may come from a set of policies
    // that shares fewer expressions.
    if places.count < slots {
      places.append(contentsOf: repeatElement(-1, count: slots - places.count))
    }
    if places[slot] >= 0 {
      values[Int(places[slot])] = value
    } else {
      places[slot] = Int32(values.count)
      values.append(value)
    }
  }

  /// Drops every value, keeping the memory for the next object's.
  mutating func forget() {
    guard !values.isEmpty else { return }
    places.withUnsafeMutableBufferPointer { $0.update(repeating: -1) }
    values.removeAll(keepingCapacity: true)
  }
}

final class ObjectScope: @unchecked Sendable {
  // Used on one thread: a check makes one per object.
  let object: Value
  private let facts: AdmissionRequestFacts
  private let synthetic: SyntheticRequest
  private let oldObjectNode: Node?
  private let oldObjectIsObject: Bool
  private let namespaceContext: ContextObject?
  private let namespaceName: String?

  init(
    object: Value, facts: AdmissionRequestFacts, request: SyntheticRequest, oldObject: Node?,
    oldObjectIsObject: Bool = false, namespaceObject: ContextObject?, namespace: String?,
    sharedExpressions: SharedExpressions, memory: ScopeMemory = .take()
  ) {
    self.memory = memory
    self.sharedExpressions = sharedExpressions
    self.oldObjectIsObject = oldObjectIsObject
    self.object = object
    self.facts = facts
    self.synthetic = request
    self.oldObjectNode = oldObject
    self.namespaceContext = namespaceObject
    self.namespaceName = namespace
  }

  lazy var request: Value = AdmissionCheck.requestValue(facts, request: synthetic)
  /// Which expressions the policies share, and their values (and costs) on the object, by
  /// slot (see `AdmissionActivation.evaluateShared`).
  let sharedExpressions: SharedExpressions
  var sharedValues: SharedValues {
    _read { yield memory.sharedValues }
    _modify { yield &memory.sharedValues }
  }
  /// The same, as traced evaluations read them: with the last field of the object each read.
  var tracedValues: SharedValues {
    _read { yield memory.tracedValues }
    _modify { yield &memory.tracedValues }
  }
  @exclusivity(unchecked) var sharedCost = 0
  /// The memory the object's evaluations reuse, one after another.
  var scratch: EvaluationScratch { memory.scratch }
  /// The results of a policy's validations (the first of them: the buffer is written over by
  /// each policy, and emptied when the object's check ends), kept for the next policy
  /// (`AdmissionCheck`).
  var validationResults: [Value] {
    _read { yield memory.validationResults }
    _modify { yield &memory.validationResults }
  }
  /// The messages of the validations that failed, by index, in the same way (written for
  /// each failed validation before it is reported).
  var validationMessages: [String] {
    _read { yield memory.validationMessages }
    _modify { yield &memory.validationMessages }
  }
  /// Where each validation that did not hold failed, when it was traced as it was evaluated
  /// (see `FailurePredictions`), by index as `validationResults`; `nil` for one evaluated
  /// untraced.
  var validationNodes: [Node?] {
    _read { yield memory.validationNodes }
    _modify { yield &memory.validationNodes }
  }
  /// Which validations failed when last evaluated.
  var predictions: FailurePredictions {
    _read { yield memory.predictions }
    _modify { yield &memory.predictions }
  }
  /// The paths the object's evaluations read from the names every policy sees alike.
  /// (`params` and `variables` differ between policies and bindings.)
  var selections: SelectionCache { memory.selections }
  /// Where all of the above live: the previous object's, emptied (see `ScopeMemory`).
  private let memory: ScopeMemory

  deinit {
    ScopeMemory.give(memory)
  }
  /// The previous version: the webhook's, as given; offline, for an UPDATE, the object itself
  /// as admission sees it (defaults and all), so that what did not change compares equal.
  lazy var oldObject: Value =
    oldObjectIsObject ? object : oldObjectNode.map(NodeValue.value) ?? .null
  lazy var namespaceObject: Value =
    namespaceContext.map {
      NamespaceObjectView.of(
        APIDefaults.object($0.node, apiVersion: "v1", kind: "Namespace", placement: .cluster))
    } ?? AdmissionCheck.namespaceStub(namespaceName)

  /// What the Kyverno policy being evaluated reads as `exceptions`: the images and values
  /// its PolicyExceptions allow on the object (`AdmissionCheck.exceptionVerdict`).
  @exclusivity(unchecked) var exceptions = AdmissionActivation.noExceptions

  /// An activation of the object for `policy`, with `params`, as new.
  func activation(params: Value, policy: AdmissionPolicy?) -> AdmissionActivation {
    guard let spare = memory.spareActivation else {
      return AdmissionActivation(scope: self, params: params, policy: policy)
    }
    memory.spareActivation = memory.secondSpareActivation
    memory.secondSpareActivation = nil
    spare.prepare(scope: self, params: params, policy: policy)
    return spare
  }

  /// Takes back an activation whose evaluations are over, emptied. What they made does not
  /// outlive them: values of `variables` are kept by the activation itself, and the values
  /// the scope keeps (`sharedValues`) are of expressions that read no variables.
  func recycle(_ activation: AdmissionActivation) {
    activation.clear()
    if memory.spareActivation == nil {
      memory.spareActivation = activation
    } else if memory.secondSpareActivation == nil {
      memory.secondSpareActivation = activation
    }
  }
}

/// The memory an object's evaluations work in (`ObjectScope`), handed on to the next object
/// once its check is over: each object made a dozen buffers and two activations, grew them
/// as its policies ran and freed them all (2 % of a run of 50 policies on 10 000 documents).
final class ScopeMemory: @unchecked Sendable {
  // Used by one scope at a time: taken from the spares when it is made, given back when it
  // goes.
  /// Whether it goes to the spares when its scope is done with it (else it is freed).
  private let isKept: Bool
  let scratch = EvaluationScratch()
  let selections = SelectionCache(names: PolicyExpression.requestNames)
  @exclusivity(unchecked) var sharedValues = SharedValues()
  @exclusivity(unchecked) var tracedValues = SharedValues()
  @exclusivity(unchecked) var validationResults: [Value] = []
  @exclusivity(unchecked) var validationMessages: [String] = []
  @exclusivity(unchecked) var validationNodes: [Node?] = []
  /// Kept from object to object: it says nothing of an object, only how its policies fared.
  @exclusivity(unchecked) var predictions = FailurePredictions()
  /// Activations that were given back (`ObjectScope.recycle`), for the next policy. Two: a
  /// failed validation's traced evaluation (`AdmissionCheck.tracedNode`) needs one while its
  /// policy's is in use.
  @exclusivity(unchecked) var spareActivation: AdmissionActivation?
  @exclusivity(unchecked) var secondSpareActivation: AdmissionActivation?

  init(kept: Bool = true) {
    isKept = kept
  }

  /// Enough for the workers of a run (and a webhook's busiest moments); more are freed.
  private static let kept = 16
  private static let spares = Mutex<[ScopeMemory]>([])

  /// An emptied memory of an object whose check is over, or a new one.
  static func take() -> ScopeMemory {
    spares.withLock { $0.popLast() } ?? ScopeMemory()
  }

  /// Empties `memory` of what its object's evaluations left (keeping the buffers' room), and
  /// keeps it for the next object, or frees it. Nothing of an object, or of a webhook's
  /// request, is held past its check.
  static func give(_ memory: ScopeMemory) {
    memory.selections.forget()
    memory.sharedValues.forget()
    memory.tracedValues.forget()
    memory.validationResults.removeAll(keepingCapacity: true)
    memory.validationMessages.removeAll(keepingCapacity: true)
    memory.validationNodes.removeAll(keepingCapacity: true)
    memory.scratch.forget()
    guard memory.isKept else { return }
    spares.withLock { spares in
      if spares.count < kept { spares.append(memory) }
    }
  }
}

/// What every policy of a set works out once about the object being checked: the request
/// it would arrive in, its namespace, and the scope its expressions read.
final class ObjectContext: @unchecked Sendable {
  // Made and used by one check at a time, on one thread.
  let facts: AdmissionRequestFacts
  let namespace: String?
  private let namespaceObject: ContextObject?
  private let object: KubeObject
  private let request: SyntheticRequest
  private let oldObject: Node?
  private let updatesItself: Bool
  private let sharedExpressions: SharedExpressions

  init(_ object: KubeObject, check: borrowing AdmissionCheck, admission: AdmissionRequestContext?) {
    // `check.set` read in place: binding it to a name copied the set for every object.
    let metadata = object.metadata
    let namespaceNode = metadata.node?["namespace"]
    // A kustomization's namespace is written into what it builds, custom resources too.
    let ofKind = check.set.resources.resource(
      apiVersion: object.apiVersion, kind: object.kind,
      hasNamespace: object.buildNamespace != nil
        || namespaceNode.map { !APIDefaults.isUnset($0) } ?? false)
    // The webhook's request names its resource: a subresource's object is of another kind
    // (`kubectl scale` sends a Scale for `deployments/scale`).
    let resource =
      admission?.resource.map {
        RequestResource(
          group: $0.group, version: $0.version, kind: ofKind.kind, resource: $0.resource,
          namespaced: ofKind.namespaced, kindGroup: ofKind.kindGroup ?? ofKind.group,
          kindVersion: ofKind.kindVersion ?? ofKind.version)
      } ?? ofKind
    let namespace =
      resource.namespaced
      ? (object.buildNamespace ?? namespaceNode.flatMap {
        APIDefaults.isUnset($0) ? nil : $0.string
      }
        ?? object.defaultNamespace) : nil
    let request = check.request(admission)
    self.facts = AdmissionRequestFacts(
      resource: resource,
      name: GeneratedName.requestName(metadata),
      namespace: namespace,
      labelsNode: metadata.labelsNode, operation: request.operation,
      subresource: request.subResource)
    self.namespace = namespace
    self.namespaceObject = namespace.map { check.set.namespaces[$0] } ?? nil
    self.object = object
    self.request = request
    self.oldObject = admission?.oldObject
    // Offline, an UPDATE (`admissionRequest.operation`) has no previous version to read:
    // kubeward evaluates it as an update that changes nothing, where a null oldObject was an
    // error in every policy that compares the two.
    self.updatesItself = admission == nil && request.operation == "UPDATE"
    self.sharedExpressions = check.sharing.expressions
    self.mayBeConverted = AdmissionCheck.isServedInOtherVersions(facts)
  }

  /// Whether the API server may convert the object to another version before a policy reads
  /// it (`AdmissionCheck.isServedInOtherVersions`).
  let mayBeConverted: Bool

  /// The labels namespace selectors see.
  lazy var namespaceLabels: Labels = {
    var labels = namespaceObject?.labels ?? [:]
    if let namespace { labels["kubernetes.io/metadata.name"] = namespace }
    return labels
  }()

  /// The object's labels, for object selectors: made once, however many policies select.
  lazy var objectLabels: Labels = {
    var labels = facts.labels
    // The API server labels a Namespace with its name as it creates it, before admission.
    if facts.resource.group.isEmpty && facts.resource.resource == "namespaces" {
      labels["kubernetes.io/metadata.name"] = facts.name
    }
    return labels
  }()

  // Unchecked exclusivity here and below: one check at a time uses the context, and the
  // run-time checks of a class's properties were asked for every policy on every object.
  /// Match work not charged yet (see `AdmissionCheck.matches`).
  @exclusivity(unchecked) var matchWork = 0

  /// The severities of the findings that say the object was not checked against a policy
  /// because the run's work was spent: one each, for the first policy left out, where one
  /// per policy made a million findings of 0.6 MB of input.
  @exclusivity(unchecked) var uncheckedSeverities: [Severity] = []

  /// Made for the first policy that matches.
  var scope: ObjectScope {
    if let madeScope { return madeScope }
    let made = ObjectScope(
      object: APIDefaults.object(
        object.node, apiVersion: object.apiVersion, kind: object.kind,
        placement: namespace.map(APIDefaults.Placement.namespace) ?? .cluster),
      facts: facts, request: request,
      oldObject: oldObject, oldObjectIsObject: updatesItself, namespaceObject: namespaceObject,
      namespace: namespace, sharedExpressions: sharedExpressions)
    madeScope = made
    return made
  }
  @exclusivity(unchecked) private var madeScope: ObjectScope?
}

/// The params a binding can give its policy, found once per run: the objects of the policy's
/// paramKind that the paramRef's name and selector pick, by the namespace they live in. An
/// object's params are then a lookup, where a pass over every object of the run for every
/// object checked made a run with thousands of ConfigMaps quadratic.
struct ParamIndex: Sendable {
  private typealias Entry = (order: Int, object: ContextObject)
  private let byNamespace: [String: [Entry]]
  private let clusterScoped: [Entry]

  init(
    kind: (apiVersion: String, kind: String), reference: ParamReference,
    objects: [ContextObject]
  ) {
    var byNamespace: [String: [Entry]] = [:]
    var clusterScoped: [Entry] = []
    let selector = reference.selector.map(LabelSelector.Matcher.init)
    for (order, object) in objects.enumerated()
    where object.kind == kind.kind && object.apiVersion == kind.apiVersion {
      if let name = reference.name, object.name != name { continue }
      if let selector, !selector.matches(object.labels) { continue }
      if let namespace = object.namespace {
        byNamespace[namespace, default: []].append((order, object))
      } else {
        clusterScoped.append((order, object))
      }
    }
    self.byNamespace = byNamespace
    self.clusterScoped = clusterScoped
  }

  /// The params for a request in `namespace`: its namespace's and the cluster-scoped ones, in
  /// the order the run read them.
  func params(in namespace: String?) -> [ContextObject] {
    let local = namespace.flatMap { byNamespace[$0] } ?? []
    guard !local.isEmpty else { return clusterScoped.map(\.object) }
    guard !clusterScoped.isEmpty else { return local.map(\.object) }
    var merged: [ContextObject] = []
    merged.reserveCapacity(local.count + clusterScoped.count)
    var (i, j) = (0, 0)
    while i < local.count || j < clusterScoped.count {
      if j == clusterScoped.count || (i < local.count && local[i].order < clusterScoped[j].order) {
        merged.append(local[i].object)
        i += 1
      } else {
        merged.append(clusterScoped[j].object)
        j += 1
      }
    }
    return merged
  }
}

/// Remembers the last field of the object a validation read: where its finding points.
///
/// A read is kept as it comes (the container's node and the key), and made a node only when
/// asked: a traced validation reads many fields, and finding each one's node (its key looked
/// up again, a counted reference) cost more than reading it.
final class FieldTracer: AccessTracer {
  /// A read of the object: the container's place in the object's tree, and the key.
  struct Read {
    let container: HostLocation
    let key: Value
  }

  /// The object: reads of values from other files (params, the namespace) are not the
  /// object's. (A read of another document of the object's file passes: a file is one tree.)
  private let object: Node
  /// `object`, uncounted (`object` keeps its tree): every read of a traced evaluation looks
  /// up what it found, and a counted node for each was a retain and a release of the tree.
  private let root: UncountedNode
  private let tree: UnsafeRawPointer
  // Unchecked exclusivity: a tracer serves one evaluation, on one thread.
  @exclusivity(unchecked) private(set) var lastRead: Read?
  /// The node `lastRead` found, when it found a field the manifest wrote.
  @exclusivity(unchecked) private var lastFound: UncountedNode?
  /// How many reads of the object it has kept.
  @exclusivity(unchecked) private(set) var reads = 0
  var readCount: Int? { reads }

  init(object: Node) {
    self.object = object
    root = UncountedNode(object)
    tree = UnsafeRawPointer(Unmanaged.passUnretained(object.tree).toOpaque())
  }

  func read(_ key: Value, of container: Value) {
    let location: HostLocation?
    switch container {
    case .map(let map): location = map.hostLocation
    case .list(let list): location = list.hostLocation
    default: return
    }
    guard let location else { return }
    read(key, at: location)
  }

  func read(_ key: Value, at location: HostLocation) {
    guard location.container == tree else { return }
    record(Read(container: location, key: key))
  }

  /// The node at `location` itself: no key (`lastNode` is then the container).
  func decided(at location: HostLocation) {
    read(.null, at: location)
  }

  /// Keeps `read` as the last, as reading it again would (a shared variable's, of this
  /// object: the scope that keeps it is the object's).
  func replay(_ read: Read) {
    assert(read.container.container == tree, "a read of another object")
    record(read)
  }

  /// Keeps `read` as the last, unless it found nothing written (a field the API server
  /// defaults, `resources` on a container that sets none) outside what the last read found:
  /// what the manifest wrote is where its author looks. (A field missing from the container
  /// the last read found is more precise, and kept.)
  private func record(_ read: Read) {
    reads += 1
    let found = self.found(by: read)
    if found == nil, let lastFound, !Self.holds(lastFound, self.container(of: read)) { return }
    lastRead = read
    lastFound = found
  }

  private func container(of read: Read) -> UncountedNode {
    root.inSameTree(NodeID(read.container.place))
  }

  /// The node `read` reaches, when the manifest wrote it (an element that decided: itself).
  private func found(by read: Read) -> UncountedNode? {
    let container = self.container(of: read)
    switch read.key {
    case .null: return container
    case .int(let index) where container.kind == .sequence:
      return index >= 0 && index < container.itemCount ? container.item(at: Int(index)) : nil
    case .string(let name) where container.kind == .mapping:
      return NodeMap.child(of: container, named: name)
    default: return nil
    }
  }

  /// Whether `node` is `ancestor` or inside it, by where they are written: a walk up the
  /// parents, for every read of a deep tree, was as long as the tree is deep.
  private static func holds(_ ancestor: UncountedNode, _ node: UncountedNode) -> Bool {
    if node.nodeID == ancestor.nodeID { return true }
    guard ancestor.kind != .scalar else { return false }
    let outer = ancestor.range
    let start = node.range.start
    return outer.start <= start && start < outer.end
  }

  /// The node of the last field read: an item of a sequence, the value of a mapping's key,
  /// else (a field the API server would default, an index past the end) the container.
  var lastNode: Node? {
    guard let lastRead else { return nil }
    let node = object.tree.node(NodeID(lastRead.container.place))
    if node.isSequence {
      guard case .int(let index) = lastRead.key, index >= 0, index < node.items.count else {
        return node
      }
      return node.items[Int(index)]
    }
    return NodeMap(node: node).child(for: lastRead.key) ?? node
  }
}

/// Every admission policy of a run, as one check the engine runs on each object.
struct AdmissionCheck: ObjectCheck {
  let set: AdmissionPolicySet
  /// What the policies share.
  let sharing: Sharing
  /// `set.workBudget`, unretained (`set` keeps it): asked about half a dozen times for every
  /// policy on every object, a strong reference was an atomic retain and release each time.
  private let budget: Unmanaged<WorkBudget>?

  final class Sharing: Sendable {
    /// Which expressions of the set's policies are evaluated once per object for them all.
    let expressions: SharedExpressions
    /// The policies' Kyverno autogen variants (see `Autogen`), made together: an expression
    /// that several rules share (a YAML alias) is rewritten once.
    let variants: [ObjectIdentifier: [String: AdmissionPolicy]]

    init(policies: [AdmissionPolicy] = []) {
      expressions = SharedExpressions(policies: policies)
      var rewrites = Autogen.Rewrites()
      var variants: [ObjectIdentifier: [String: AdmissionPolicy]] = [:]
      for policy in policies {
        let made = Autogen.variants(of: policy, rewrites: &rewrites)
        if !made.isEmpty { variants[ObjectIdentifier(policy)] = made }
      }
      self.variants = variants
    }

    /// Keeps what it made to the end of the process, as the policies it was made of are
    /// (see `AdmissionPolicySet.keepForTheProcess()`).
    func keepForTheProcess() {
      ProcessLifetime.keep(self)
      ProcessLifetime.keep(expressions)
      for made in variants.values {
        for variant in made.values { variant.keepForTheProcess() }
      }
    }
  }
  /// Per policy: its bindings, and the autogen variants (controller kind → rewritten policy).
  let compiled: [CompiledPolicy]
  /// `compiled`, unretained (`compiled` keeps them): an entry taken out of the array for
  /// every policy and object it may match cost atomic retains and releases of it and its
  /// fields.
  private let unretained: [Unmanaged<CompiledPolicy>]
  let defaultNamespace: String
  /// Severities the configuration sets for policies by name.
  let configuredSeverities: [String: Severity]
  /// The severities of its bindings: once the run's work is spent and an object has said it
  /// was not checked at each, the check has nothing left to say about it.
  let spentSeverities: [Severity]

  /// The policies that can match each resource (by plural name), in order: a policy whose
  /// rules name resources is looked at only for those; one with `*` (or no rules), for all.
  /// Most objects meet few of a run's policies, and this skips the rest without matching.
  let candidatesByResource: [String: [Int]]
  let candidatesForOthers: [Int]
  /// Some policy's rules name a subresource (`deployments/scale`), whose requests come with
  /// objects of any kind (the webhook's).
  let namesSubresources: Bool

  /// The policies that can match `resource`, in order.
  private func candidates(for resource: String) -> [Int] {
    candidatesByResource[resource] ?? candidatesForOthers
  }

  /// Whether the run has spent its work (never, without a budget).
  private var budgetIsSpent: Bool {
    budget?._withUnsafeGuaranteedRef { $0.isSpent } ?? false
  }

  /// Charges `cost` to the run's work, when it has a budget.
  private func charge(_ cost: Int) {
    budget?._withUnsafeGuaranteedRef { $0.charge(cost) }
  }

  /// A class, so that looking one up for every object it may match is a retain, not a copy
  /// of the policy's every field.
  final class CompiledPolicy: Sendable {
    let policy: AdmissionPolicy
    /// The severity of the policy's findings but those a binding or the configuration decides.
    let severity: Severity
    let bindings: [AdmissionBinding]
    let unbound: Bool
    /// Whether an expression of the policy does not compile.
    let hasCompileErrors: Bool
    /// Kyverno autogen: the policy rewritten for pod controllers.
    let variants: [String: AdmissionPolicy]
    /// Per binding, the params its paramRef picks, when the policy takes params.
    let params: [ParamIndex?]
    /// Whether the policy's paramKind is namespaced (from the resource table, else from
    /// whether its objects in the run have namespaces); `nil` when nothing says (a kind no
    /// table or CustomResourceDefinition knows, with no object in the run), where a scope
    /// guessed made configuration errors the API server would not.
    let paramsAreNamespaced: Bool?
    /// Per binding, how its findings name what the object violates.
    let denials: [String]
    /// How a finding says the run's work ran out before the policy was evaluated.
    let unchecked: String
    /// Per binding, the severity of its findings: the configuration's for the policy, else
    /// the strongest of the binding's actions.
    let adjustments: [SeverityAdjustment]
    /// What a denial that no binding's actions decide is (an audit annotation's error).
    let denialAdjustment: SeverityAdjustment
    /// Kyverno PolicyExceptions that exempt objects from the policy.
    let exceptions: [PolicyException]
    /// Whether an expression of the policy reads `params` (a variable's included): one that
    /// reads none gives every param the same verdict, so it is evaluated once, however many
    /// params its binding selects (3 000 params over 3 000 objects took 7 s).
    let readsParams: Bool
    /// Whether the policy reads nothing a version conversion changes (see
    /// `AdmissionCheck.convertsTheObject`): `object` and `oldObject` only through their
    /// metadata but annotations, and not the request's `kind` and `resource`, which name the
    /// version the policy's rule matched.
    let readsNothingConversionChanges: Bool
    /// Per binding, per validation of `policy`, the whole text of its finding when its
    /// message is the same on every object (no messageExpression, or a string literal: most
    /// policies'), else `nil`. A run of fifty policies reports a finding every few
    /// objects, and evaluating and writing the same message each time was a fifth of a
    /// finding's cost.
    let fixedMessages: [[String?]]

    init(
      policy: AdmissionPolicy, bindings: [AdmissionBinding], unbound: Bool,
      hasCompileErrors: Bool, variants: [String: AdmissionPolicy], paramObjects: [ContextObject],
      exceptions: [PolicyException] = [], resources: ResourceTable = ResourceTable(),
      configuredSeverity: Severity? = nil, severity: Severity = .error
    ) {
      self.severity = severity
      self.exceptions = exceptions
      let namesButParams = PolicyExpression.declarations.subtracting(["params"])
      self.readsParams = policy.expressions.contains {
        !($0.program?.expression.readsOnly(namesButParams) ?? false)
      }
      self.readsNothingConversionChanges = policy.expressions.allSatisfy {
        guard let expression = $0.program?.expression else { return true }
        return expression.readsOnlyMetadata(of: ["object", "oldObject"])
          && expression.readsNone(of: ["kind", "resource"], of: "request")
      }
      self.paramsAreNamespaced = policy.paramKind.flatMap { kind in
        guard resources.knows(apiVersion: kind.apiVersion, kind: kind.kind) || !paramObjects.isEmpty
        else { return nil }
        return resources.resource(
          apiVersion: kind.apiVersion, kind: kind.kind,
          hasNamespace: paramObjects.contains { $0.namespace != nil }
        ).namespaced
      }
      self.policy = policy
      self.bindings = bindings
      self.unbound = unbound
      self.hasCompileErrors = hasCompileErrors
      self.variants = variants
      // Clipped once: names are the input's, and a megabyte's was clipped for every finding.
      let denials = bindings.map {
        InputText.clipped(AdmissionCheck.denial(policy, $0, unbound: unbound))
      }
      self.denials = denials
      self.unchecked = InputText.clipped(
        "was not checked against \(policy.kindName) '\(policy.name)'")
      self.fixedMessages = denials.map { verb in
        policy.validations.indices.map { index in
          // Clipped once here, as the report would clip it for every finding.
          AdmissionCheck.fixedMessage(of: policy, at: index).map {
            InputText.clipped("\(verb): \($0)")
          }
        }
      }
      self.adjustments = bindings.map { binding in
        .exactly(configuredSeverity ?? binding.actions.lazy.map(\.severity).max() ?? .error)
      }
      self.denialAdjustment = .exactly(configuredSeverity ?? .error)
      self.params = bindings.map { binding in
        guard let kind = policy.paramKind, let reference = binding.paramReference else {
          return nil
        }
        return ParamIndex(kind: kind, reference: reference, objects: paramObjects)
      }
    }
  }

  /// The check of `policies` (the enabled ones of `set`).
  init(set: AdmissionPolicySet, configuration: Configuration, policies: [AdmissionPolicy]) {
    let objectsByKind = set.objectsByKind
    let exceptionsByPolicy = set.exceptionsByPolicy
    self.set = set
    let sharing = Sharing(policies: policies.filter { $0.needsCluster == nil })
    // Only when every policy it is made of is kept: a copy of a kept set given new policies
    // and made into checks over and over would keep each check's own.
    if set.livesForTheProcess, policies.allSatisfy(ProcessLifetime.isKept) {
      sharing.keepForTheProcess()
    }
    self.sharing = sharing
    self.budget = set.workBudget.map { .passUnretained($0) }
    self.defaultNamespace = configuration.defaultNamespace
    var severities: [String: Severity] = [:]
    for (name, setting) in configuration.policies {
      if let severity = setting.severity { severities[name] = severity }
    }
    self.configuredSeverities = severities
    self.compiled = policies.filter { $0.needsCluster == nil }.map { policy in
      CompiledPolicy(
        policy: policy, bindings: set.bindings(of: policy),
        unbound: policy.ownActions == nil && !set.isBound(policy),
        // An audit annotation that does not compile errs when evaluated, which denies under
        // Fail whatever the binding's actions (`dispatcher.go`): not the binding's verdict.
        hasCompileErrors: policy.hasDecidingCompileError,
        variants: sharing.variants[ObjectIdentifier(policy)] ?? Autogen.variants(of: policy),
        paramObjects: policy.paramKind.map {
          objectsByKind[AdmissionPolicySet.kindKey($0.apiVersion, $0.kind)] ?? []
        } ?? [],
        exceptions: policy.flavor == .kyverno
          ? exceptionsByPolicy[.init(kind: policy.kind, name: policy.name)] ?? [] : [],
        resources: set.resources, configuredSeverity: severities[policy.name],
        severity: set.severity(of: policy))
    }
    unretained = compiled.map { .passUnretained($0) }
    spentSeverities = Array(
      Set(compiled.flatMap { $0.adjustments.map { $0.apply(to: .error) } }))
    var named: [String: [Int]] = [:]
    var everywhere: [Int] = []
    for (index, entry) in compiled.enumerated() {
      let rules = entry.policy.matchConstraints?.resourceRules
      // By the resource an entry names: `pods/*` names pods with every subresource, the pods
      // themselves too (the empty subresource is one of them), `pods/status` the webhook's
      // requests of a pod's status, `*/scale` every resource's.
      let resources = rules?.flatMap(\.resources).map(ResourceRule.resourceName) ?? ["*"]
      if !entry.variants.isEmpty || resources.contains("*") {
        everywhere.append(index)
      } else {
        for resource in Set(resources) { named[resource, default: []].append(index) }
      }
    }
    candidatesByResource = named.mapValues { ($0 + everywhere).sorted() }
    candidatesForOthers = everywhere
    namesSubresources = compiled.contains { entry in
      (entry.policy.matchConstraints?.resourceRules ?? []).contains {
        $0.resources.contains(where: ResourceRule.namesOnlySubresources)
      }
    }
  }

  /// Only the kinds whose resource some policy of the check may match: the engine asks once
  /// per kind, and leaves the check out for the others' objects.
  func mayCheck(apiVersion: String, kind: String) -> Bool {
    // The API server runs no admission policy on admission policies and their bindings (a
    // policy could lock itself in), nor on the reviews of who may do what, which are asked,
    // never stored (the plugin's excluded resources, `exclusion/resources.go`). Webhook
    // configurations are checked.
    let group = APIVersion.group(of: apiVersion)
    if group == "admissionregistration.k8s.io", Self.exemptKinds.contains(kind) { return false }
    if group == "authentication.k8s.io" || group == "authorization.k8s.io",
      Self.exemptReviewKinds.contains(kind)
    {
      return false
    }
    // A request of a subresource names the resource whose it is, whatever its object's kind.
    if namesSubresources { return true }
    let resource = set.resources.resource(apiVersion: apiVersion, kind: kind, hasNamespace: true)
    return !candidates(for: resource.resource).isEmpty
  }

  /// A CEL interpreter's code, run after the built-in policies' over a file's objects.
  var runsInItsOwnPass: Bool { true }

  static let exemptKinds: Set<String> = [
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
  ]
  static let exemptReviewKinds: Set<String> = [
    "TokenReview", "SelfSubjectReview", "SubjectAccessReview", "SelfSubjectAccessReview",
    "LocalSubjectAccessReview", "SelfSubjectRulesReview",
  ]

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    // A Kustomize patch is merged into the object it patches, never admitted itself; a
    // kustomization (Kustomize's Kustomization or Component) is Kustomize's input.
    guard !report.isKustomizePatch,
      APIVersion.group(of: object.apiVersion) != "kustomize.config.k8s.io"
    else { return }
    let context = ObjectContext(object, check: self, admission: report.admissionRequest)
    func run(_ policy: AdmissionPolicy, _ entry: CompiledPolicy) {
      // Once the run's work is spent, whether an exception applies is unknown too: the
      // evaluation says the object was not checked.
      var allowsExceptions = false
      defer { if allowsExceptions { context.scope.exceptions = AdmissionActivation.noExceptions } }
      if !entry.exceptions.isEmpty, !budgetIsSpent {
        switch Self.exceptionVerdict(
          entry.exceptions, policy: policy, scope: context.scope, budget: set.workBudget)
        {
        case .exempt:
          return
        case .applies(let allowed):
          context.scope.exceptions = allowed
          allowsExceptions = true
        case .fails(let why):
          for index in entry.bindings.indices {
            report.report(
              object.nameNode, "\(entry.denials[index]): \(why)",
              adjustment: entry.adjustments[index])
            charge(WorkBudget.perFinding)
          }
          return
        }
      }
      // By index: iterating copied each binding (a retain and a release).
      let bindings = entry.bindings
      var annotations = AuditAnnotationValues()
      for index in bindings.indices {
        guard matches(bindings[index].matchResources, context) else { continue }
        evaluate(
          policy, binding: bindings[index], at: index, entry: entry, object: object,
          context: context, annotations: &annotations, report: &report)
      }
      let merged = annotations.isEmpty ? [] : annotations.merged()
      // Each is a finding, and costs what one costs: ten thousand keys on every object made
      // findings without end.
      charge(merged.count * WorkBudget.perFinding)
      for (key, value) in merged {
        report.report(
          object.nameNode,
          "gets audit annotation \(policy.name)/\(key): \(Self.oneLine(value)) (from \(policy.kindName) '\(policy.name)')",
          adjustment: .info)
      }
    }
    for index in candidates(for: context.facts.resource.resource) {
      // Once the work is spent and the object said so at every severity, the rest of the
      // policies would say it again.
      if budgetIsSpent, spentSeverities.allSatisfy(context.uncheckedSeverities.contains) {
        break
      }
      unretained[index]._withUnsafeGuaranteedRef { entry in
        report.reportFor(entry.policy.name, severity: entry.severity)
        if !matches(entry.policy.matchConstraints, context) {
          // Kyverno autogen: a pod policy also checks the pod templates of controllers.
          guard !entry.variants.isEmpty, let variant = entry.variants[object.kind],
            matches(variant.matchConstraints, context)
          else { return }
          run(variant, entry)
        } else if context.mayBeConverted, !entry.readsNothingConversionChanges,
          Self.convertsTheObject(entry.policy.matchConstraints, context.facts)
        {
          report.report(
            object.nameNode,
            "\(entry.unchecked): its rules name \(object.kind) only \(Self.otherForm(entry.policy.matchConstraints, context.facts)), to which the API server converts \(object.apiVersion) objects before the policy reads them (matchPolicy Equivalent), and kubeward does not convert objects",
            adjustment: .exactly(.info))
        } else {
          run(entry.policy, entry)
        }
      }
    }
  }

  /// Whether the API server converts the object to another version of its resource before
  /// the policy reads it: the policy's rules name the resource only in another version it is
  /// served in (`matchPolicy: Equivalent`). Of Kubernetes' own resources only
  /// HorizontalPodAutoscalers are served in two versions today (`autoscaling/v1` and `v2`,
  /// of different shapes); kubeward does not convert, so a verdict on what conversion
  /// changes would be a guess. (One in a version no server has, `v2beta2`, is never
  /// converted: the API server refuses it, and it is read as written.)
  static func convertsTheObject(_ constraints: MatchResources?, _ request: AdmissionRequestFacts)
    -> Bool
  {
    guard isServedInOtherVersions(request), let constraints, !constraints.exactMatch,
      let rules = constraints.resourceRules, !rules.isEmpty
    else { return false }
    return !rules.contains { $0.matches(request, exact: true) }
  }

  /// Where the rules name the resource the object is converted to: another version of its
  /// group, or the same resource in another group (core and `events.k8s.io` Events).
  static func otherForm(_ constraints: MatchResources?, _ request: AdmissionRequestFacts)
    -> String
  {
    let group = request.resource.group
    let namesTheGroup =
      constraints?.resourceRules?.contains { $0.anyGroup || $0.apiGroups.contains(group) } ?? false
    if namesTheGroup { return "in another version of \(group.isEmpty ? "the core group" : group)" }
    return "as the same resource in another API group"
  }

  /// Whether the request's resource is served in other versions too, which the API server
  /// may convert it to (see `convertsTheObject`). Asked once per object (`ObjectContext`),
  /// where asking it for every policy an object met was a call and a retain each.
  static func isServedInOtherVersions(_ request: AdmissionRequestFacts) -> Bool {
    // The length first, as `==` of two different strings took Unicode's slow path.
    let resource = request.resource.resource
    let group = request.resource.group
    switch resource.utf8.count {
    case 24 where resource == "horizontalpodautoscalers":
      return group == "autoscaling"
        && ResourceRule.servedVersions["autoscaling"]?.contains(request.resource.version) == true
    case 6 where resource == "events":
      // Core v1 Events and `events.k8s.io/v1` ones, of different shapes.
      return (group.isEmpty || group == "events.k8s.io") && request.resource.version == "v1"
    default:
      return false
    }
  }

  /// Whether `constraints` match the object. Long rule lists (thousands, of a hostile policy,
  /// matched against every object: 5.5 s for 3.2 MB) charge the run's work budget what they
  /// scan; once it is spent they are taken to match, and the evaluation says the object was
  /// not checked, as for every policy left (the verdict is unknown).
  ///
  /// Every match is work, charged once per object (`ObjectContext.matchWork`): thousands of
  /// policies whose selectors turn every object away matched each for nothing, quadratic
  /// and uncounted. Once the work is spent, every policy matches, and says the object was
  /// not checked.
  private func matches(_ constraints: MatchResources?, _ context: ObjectContext) -> Bool {
    guard let constraints else { return true }
    if budget != nil {
      if constraints.ruleWork > Self.cheapRuleWork || context.matchWork > Self.cheapRuleWork {
        charge(context.matchWork + constraints.ruleWork)
        context.matchWork = 0
        if budgetIsSpent { return true }
      } else {
        context.matchWork += constraints.ruleWork + Self.perMatch
      }
    }
    return constraints.matches(
      context.facts, namespaceLabels: context.namespaceLabels,
      objectLabels: context.objectLabels)
  }

  /// The match work (`MatchResources.ruleWork`, and `perMatch` a match) an object gathers
  /// before it is charged to the budget, in one addition (what is left when its checks end,
  /// at most this much, is not charged).
  static let cheapRuleWork = 64
  /// What a match costs beyond its rules' entries: the time of about ten units.
  static let perMatch = 10

  /// What a Kyverno policy's PolicyExceptions make of an object (see `exceptionVerdict`).
  enum ExceptionVerdict {
    /// An exception that names no images or values matched: the policy skips the object.
    case exempt
    /// The policy is evaluated, reading this as `exceptions`: the images and values of the
    /// exceptions that matched.
    case applies(Value)
    /// An exception's conditions erred under failurePolicy Fail: the evaluation is an error,
    /// for this reason.
    case fails(String)
  }

  /// What `exceptions` make of the object, as Kyverno works it out (`vpol/compiler/policy.go`):
  /// in order, an exception whose matchConditions all hold exempts the object when it names
  /// no images or values, else adds those to what the policy reads as `exceptions`. As for a
  /// policy's own conditions, one that is false is no match, and an error (none false)
  /// follows the policy's failurePolicy: Ignore skips the exception, Fail makes the whole
  /// evaluation an error, unless an exception before it exempted the object already. (A
  /// condition that does not compile is said so, and its exception matches nothing.) All of
  /// a policy's exceptions share its budget on the object: one each let 64 exceptions spend
  /// 64 times the policy's limit.
  private static func exceptionVerdict(
    _ exceptions: [PolicyException], policy: AdmissionPolicy, scope: ObjectScope,
    budget: WorkBudget?
  ) -> ExceptionVerdict {
    let activation = scope.activation(params: .null, policy: nil)
    defer { scope.recycle(activation) }
    defer { budget?.charge(activation.executed + WorkBudget.perEvaluation * exceptions.count) }
    var allowing: [PolicyException] = []
    var exempt = false
    for exception in exceptions {
      var holds = true
      var failure: (condition: String, message: String)?
      for condition in exception.matchConditions {
        guard condition.expression.program != nil else {
          holds = false
          break
        }
        switch activation.evaluate(condition.expression) {
        case .bool(true): continue
        case .bool(false): holds = false
        case .error(let error): failure = failure ?? (condition.name, error.message)
        case let value: failure = failure ?? (condition.name, "must return bool, not \(value.type)")
        }
        if !holds { break }
      }
      guard holds else { continue }
      if let failure {
        if policy.failurePolicy == .ignore || exempt { continue }
        // (A finding clips its message: the names and the error are the input's.)
        return .fails(
          "PolicyException '\(exception.name)': matchCondition '\(failure.condition)' could not be evaluated (\(failure.message)), and under failurePolicy Fail Kyverno makes the policy's evaluation an error"
        )
      }
      if exception.exemptsFully {
        exempt = true
      } else if !exempt {
        allowing.append(exception)
      }
    }
    if exempt { return .exempt }
    // One exception's lists as made when it was read; those of several joined, a unit of
    // work per entry, as every object the policy matches joins them again.
    guard allowing.count > 1 else {
      return .applies(allowing.first?.allowance ?? AdmissionActivation.noExceptions)
    }
    let images = allowing.flatMap(\.images)
    let values = allowing.flatMap(\.allowedValues)
    budget?.charge(images.count + values.count)
    return .applies(
      AdmissionActivation.exceptions(
        images: images.map(Value.string), values: values.map(Value.string)))
  }

  /// How a finding names what the object violates: the policy, its binding and the actions
  /// that decide what the API server does.
  fileprivate static func denial(
    _ policy: AdmissionPolicy, _ binding: AdmissionBinding, unbound: Bool
  ) -> String {
    let actions = binding.actions.map(\.rawValue).joined(separator: ", ")
    switch policy.flavor {
    case .kyverno where !policy.checksAtAdmission:
      return
        "violates Kyverno \(policy.kind) '\(policy.name)' (evaluation.admission.enabled: false: background scans report it, and requests are admitted)"
    case .kyverno:
      return "violates Kyverno \(policy.kind) '\(policy.name)' (\(actions))"
    case .kyvernoClusterPolicy, .kyvernoNamespacedPolicy:
      // In Kyverno's words: Enforce or Audit.
      let action = binding.actions.contains(.deny) ? "Enforce" : "Audit"
      return
        "violates \(policy.kindName) '\(policy.name)' (rule '\(policy.rule ?? "")': \(action))"
    case .validatingAdmissionPolicy:
      break
    }
    if unbound {
      return "violates ValidatingAdmissionPolicy '\(policy.name)' (no binding: as if Deny)"
    }
    return
      "violates ValidatingAdmissionPolicy '\(policy.name)' (binding '\(binding.name)': \(actions))"
  }

  private func evaluate(
    _ policy: AdmissionPolicy, binding: AdmissionBinding, at bindingIndex: Int,
    entry: CompiledPolicy, object: KubeObject, context: ObjectContext,
    annotations: inout AuditAnnotationValues, report: inout ObjectReport
  ) {
    var verb: String { entry.denials[bindingIndex] }
    let adjustment = entry.adjustments[bindingIndex]
    // Compile errors: Fail rejects every request the policy matches. Under Ignore the API
    // server admits what an expression that does not compile would decide, and evaluates the
    // others (each is compiled on its own): it runs on, and that expression errs.
    // Findings made without an evaluation cost what a finding costs, and stop as the others
    // do once the run's work is spent: ten thousand such policies on every object made
    // findings without end.
    if entry.hasCompileErrors && policy.failurePolicy == .fail {
      if !saysUnchecked(
        entry.unchecked, adjustment: adjustment, object: object, context: context,
        report: &report)
      {
        report.report(
          object.nameNode,
          "\(verb): an expression of the policy does not compile, and its failurePolicy Fail rejects every request it matches",
          adjustment: adjustment)
        charge(WorkBudget.perEvaluation + WorkBudget.perFinding)
      }
      return
    }
    // Most policies take no params: one evaluation, with `params` null.
    guard policy.paramKind != nil, binding.paramReference != nil else {
      evaluate(
        policy, param: .null, entry: entry, bindingIndex: bindingIndex, adjustment: adjustment,
        object: object, context: context, annotations: &annotations, report: &report)
      return
    }
    let paramValues: [Value]
    switch params(
      for: policy, binding: binding, entry: entry, index: entry.params[bindingIndex],
      namespace: context.facts.namespace, object: object)
    {
    // Params that no expression reads give the same verdict: the first stands for them all.
    case .values(let values): paramValues = entry.readsParams ? values : Array(values.prefix(1))
    case .configurationError(let why):
      // The API server's configuration errors follow failurePolicy alone: Ignore admits,
      // Fail forbids the request whatever the binding's actions. To Kyverno, params it cannot
      // collect are the rule's error (`validate_cel.go`), which its action decides: Audit
      // reports it, never blocks.
      let configured =
        policy.flavor.isKyvernoRule
        ? adjustment : SeverityAdjustment.exactly(configuredSeverities[policy.name] ?? .error)
      if policy.failurePolicy == .fail,
        !saysUnchecked(
          entry.unchecked, adjustment: configured, object: object, context: context,
          report: &report)
      {
        report.report(
          object.nameNode, "\(verb): failed to configure binding: \(why)", adjustment: configured)
        charge(WorkBudget.perEvaluation + WorkBudget.perFinding)
      }
      return
    }
    // Params that fail alike give the same finding: kept once as they come. A selector of
    // thousands of params over thousands of objects held every (object, param) finding until
    // the file ended (2.9 GB for a 218 KB input).
    var seen: Set<Finding> = []
    for param in paramValues {
      let start = report.findings.count
      evaluate(
        policy, param: param, entry: entry, bindingIndex: bindingIndex, adjustment: adjustment,
        object: object, context: context, annotations: &annotations, report: &report)
      report.dropRepeats(from: start, seen: &seen)
    }
  }

  /// Whether the run has spent its work. What is left is then said, never passed in silence:
  /// once per severity for the object, as every policy after the first left out is left out
  /// too.
  private func saysUnchecked(
    _ unchecked: String, adjustment: SeverityAdjustment, object: KubeObject,
    context: ObjectContext, report: inout ObjectReport
  ) -> Bool {
    guard budgetIsSpent, let budget = set.workBudget else { return false }
    let severity = adjustment.apply(to: .error)
    guard !context.uncheckedSeverities.contains(severity) else { return true }
    context.uncheckedSeverities.append(severity)
    report.report(
      object.nameNode,
      "\(unchecked) or the admission policies after it: the run spent the \(budget.limit) units of CEL work kubeward allows for its input (Kubernetes' cost "
        + "units, and \(WorkBudget.perEvaluation) per policy evaluated on an object, \(WorkBudget.perExpression) per expression, \(WorkBudget.perFinding) per finding), so the verdict is unknown; lint fewer objects or policies at once, or make "
        + "the policies' expressions cheaper",
      adjustment: adjustment)
    return true
  }

  /// One evaluation of `policy` (`entry`'s, or its Kyverno autogen variant) on the object,
  /// with `param` as `params`, for `entry`'s binding at `bindingIndex`.
  private func evaluate(
    _ policy: AdmissionPolicy, param: Value, entry: CompiledPolicy, bindingIndex: Int,
    adjustment: SeverityAdjustment, object: KubeObject,
    context objectContext: ObjectContext, annotations collected: inout AuditAnnotationValues,
    report: inout ObjectReport
  ) {
    if saysUnchecked(
      entry.unchecked, adjustment: adjustment, object: object, context: objectContext,
      report: &report)
    {
      return
    }
    // Read where a finding is made: copied for every evaluation, the binding's texts were a
    // retain and a release each, and most evaluations make no finding.
    var verb: String { entry.denials[bindingIndex] }
    func fixedMessage(at index: Int) -> String? {
      // A Kyverno autogen variant has validations of its own.
      policy === entry.policy ? entry.fixedMessages[bindingIndex][index] : nil
    }
    let scope = objectContext.scope
    func activation() -> AdmissionActivation {
      scope.activation(params: param, policy: policy)
    }
    let context = activation()
    defer { scope.recycle(context) }
    // The run's budget counts the work done (a shared value is worked out once), however the
    // evaluation ends; the ledger, each phase's largest cost.
    var largestCost = 0
    let findingsBefore = report.findings.count
    defer {
      let findings = max(report.findings.count - findingsBefore, 0)
      charge(
        context.executed + context.tracedWork + WorkBudget.perEvaluation
          + findings * WorkBudget.perFinding + scope.scratch.takeUncountedWork())
      set.costLedger?.record(policy.name, cost: max(largestCost, context.cost))
    }
    // What failurePolicy Fail makes of a request the policy could not decide: a denial with
    // the API server's reason (Ignore admits it).
    @inline(never) func failClosed(_ reason: String) {
      guard policy.failurePolicy == .fail else { return }
      report.report(object.nameNode, "\(verb): \(reason)", adjustment: adjustment)
    }
    // matchConditions, the failed validations' messages and findings, and audit annotations
    // are out of line (`@inline(never)`): most evaluations take none of them, and inlined,
    // their setup was paid by every evaluation (fifty policies over 2 000 documents ran 4.5 M
    // more instructions, of 1 952 M).
    // matchConditions, as the API server's matcher reads them: all are evaluated, with a
    // budget of their own; running out of it follows failurePolicy; then one that is false
    // skips the policy, whatever the others give; else an error follows failurePolicy;
    // anything else (true, a value that is not false) matches. Read by index, here and
    // below: iterating copied each entry (a retain per field) for every object.
    @inline(never) func conditionsMatch() -> Bool {
      let conditions = policy.matchConditions
      context.startPhase(limit: CostLimits.matchConditions)
      // Kyverno passes its policies' conditions the namespace.
      context.hidesTheNamespace = policy.flavor == .validatingAdmissionPolicy
      defer { context.hidesTheNamespace = false }
      var isFalse = false
      var conditionError: (index: Int, message: String)?
      for index in conditions.indices {
        guard let result = context.evaluateWithinBudget(conditions[index].expression) else {
          failClosed(
            "matchConditions ran out of their cost budget (\(CostLimits.matchConditions)), and "
              + "failurePolicy Fail rejects the request")
          return false
        }
        switch result {
        case .bool(false): isFalse = true
        case .error(let error): if conditionError == nil { conditionError = (index, error.message) }
        default: continue
        }
      }
      if isFalse { return false }
      if let (index, message) = conditionError {
        failClosed(
          "matchCondition '\(conditions[index].name)' could not be evaluated (\(message)), and "
            + "failurePolicy Fail rejects the request")
        return false
      }
      largestCost = context.cost
      return true
    }
    if !policy.matchConditions.isEmpty, !conditionsMatch() { return }
    context.startPhase(limit: CostLimits.perPolicy)
    let validations = policy.validations
    // In the scope's buffer, written over policy after policy: an array made (or emptied) for
    // every policy and object cost an allocation (or a generic loop) each.
    var failed = false
    var allHold = true
    var evaluated = validations.count
    // Out of the policy's budget, the API server drops every validation's result for one
    // error, which failurePolicy decides: Ignore admits the object.
    let outOfBudget =
      "validation failed due to running out of cost budget, no further validation rules will be run"
    for index in validations.indices {
      let expression = validations[index].expression
      // Traced from the start where the validation failed last time (see
      // `FailurePredictions`), unless a variable was read already: traced again in a new
      // activation, its reads would count too.
      var tracer: FieldTracer?
      if scope.predictions.expectsFailure(of: expression), !context.hasReadVariables {
        tracer = FieldTracer(object: object.node)
        context.tracer = tracer
      }
      let outcome = context.evaluateWithinBudget(expression)
      context.tracer = nil
      guard let result = outcome else {
        failClosed(outOfBudget)
        return
      }
      var holds = false
      switch result {
      case .bool(true): holds = true
      case .bool(false):
        failed = true
        allHold = false
      default: allHold = false
      }
      scope.predictions.record(!holds, of: expression)
      let node = holds ? nil : tracer.map { $0.lastNode ?? object.nameNode }
      if index < scope.validationResults.count {
        scope.validationResults[index] = result
        scope.validationNodes[index] = node
      } else {
        scope.validationResults.append(result)
        scope.validationNodes.append(node)
      }
      // Kyverno stops at the first validation that does not hold: it alone is the result.
      if policy.flavor == .kyverno, !allHold {
        evaluated = index + 1
        break
      }
    }
    let validationsCost = context.cost
    // What a traced re-evaluation of one of them may spend at most, charged for each failed
    // one however its field is found (see `tracedWork`).
    let tracingCharge = validationsCost + scope.scratch.pendingUncountedWork
    // The messages of the failed validations, from what the validations left of the budget,
    // their variables evaluated again (the API server's messages are a context of their own).
    // Running out there turns every validation that did not err into an error, for
    // failurePolicy. (The API server also evaluates the messageExpressions of validations
    // that hold, for nothing but their cost: kubeward does not, which errs only where they
    // alone would spend the rest of the budget.) Then the findings. `false`: the messages ran
    // out of the budget.
    @inline(never) func reportResults() -> Bool {
      if failed {
        while scope.validationMessages.count < validations.count {
          scope.validationMessages.append("")
        }
        context.startPhase(limit: context.limit - validationsCost)
      }
      for index in 0..<evaluated where failed {
        guard case .bool(false) = scope.validationResults[index] else { continue }
        if let fixed = fixedMessage(at: index) {
          scope.validationMessages[index] = fixed
          continue
        }
        var value: Value?
        if let expression = validations[index].messageExpression {
          guard let evaluated = context.evaluateWithinBudget(expression) else {
            failClosed("failed messageExpression: \(outOfBudget)")
            return false
          }
          value = evaluated
        }
        let message =
          policy.flavor == .kyverno
          ? Self.kyvernoMessage(validations[index], messageValue: value, index: index)
          : Self.message(validations[index], messageValue: value)
        scope.validationMessages[index] = "\(verb): \(message)"
      }
      for index in 0..<evaluated {
        let expression = validations[index].expression
        switch scope.validationResults[index] {
        case .bool(true):
          continue
        case .bool(false):
          let node =
            scope.validationNodes[index]
            ?? tracedNode(expression, object: object, build: activation)
          context.tracedWork += tracingCharge
          report.report(node, scope.validationMessages[index], adjustment: adjustment)
        case .error(let error):
          // Kyverno applies failurePolicy to matchConditions only: a validation that errs is
          // a rule error, which its handler denies under Deny (`vpol/compiler/policy.go`).
          guard policy.failurePolicy == .fail || policy.flavor == .kyverno else { continue }
          let node =
            scope.validationNodes[index]
            ?? tracedNode(expression, object: object, build: activation)
          context.tracedWork += tracingCharge
          report.report(
            node,
            "\(verb): expression '\(Self.shown(expression))' resulted in error: \(error.message)",
            adjustment: adjustment)
        case let result:
          let why = "expression '\(Self.shown(expression))' must return bool, not \(result.type)"
          // To Kyverno a value that is not a bool is a rule error, as an error is.
          guard policy.flavor == .kyverno else {
            failClosed(why)
            continue
          }
          report.report(object.nameNode, "\(verb): \(why)", adjustment: adjustment)
        }
      }
      return true
    }
    if !allHold {
      guard reportResults() else { return }
    }
    largestCost = max(largestCost, validationsCost + (failed ? context.cost : 0))
    // Audit annotations have a budget of their own, as in the API server.
    @inline(never) func evaluateAnnotations() {
      let annotations = policy.auditAnnotations
      context.startPhase(limit: CostLimits.perPolicy)
      // An annotation that cannot be worked out denies the request whatever the binding's
      // actions (the dispatcher adds it to the denials itself): under failurePolicy Fail, or
      // whatever the failurePolicy when its value is neither a string nor null.
      func denyForAnnotation(_ reason: String) {
        report.report(object.nameNode, "\(verb): \(reason)", adjustment: entry.denialAdjustment)
      }
      for index in annotations.indices {
        switch context.evaluate(annotations[index].expression) {
        case .null: continue
        // Blank, once trimmed: left out, as the API server does.
        case .string(let text) where text[...].trimmingSpaces.isEmpty: continue
        case .string(let text):
          collected.add(text, for: annotations[index].name)
        case .error(let error):
          guard policy.failurePolicy == .fail else { continue }
          denyForAnnotation(
            "audit annotation '\(annotations[index].name)' could not be evaluated: expression '\(Self.shown(annotations[index].expression))' resulted in error: \(error.message)"
          )
        case let value:
          denyForAnnotation(
            "valueExpression '\(Self.shown(annotations[index].expression))' resulted in unsupported return type: \(value.type). Return type must be either string or null."
          )
        }
      }
    }
    if !policy.auditAnnotations.isEmpty { evaluateAnnotations() }
  }

  static let longestEvaluatedMessage = 5 * 1024

  /// The message of `policy`'s validation at `index` when it is the same on every object: it
  /// has no messageExpression, or one that is a string literal (a literal costs nothing to
  /// evaluate).
  static func fixedMessage(of policy: AdmissionPolicy, at index: Int) -> String? {
    let validation = policy.validations[index]
    var value: Value?
    if let expression = validation.messageExpression {
      guard case .literal(let literal) = expression.program?.expression.kind,
        case .string = literal
      else { return nil }
      value = literal
    }
    guard policy.flavor == .kyverno else { return message(validation, messageValue: value) }
    return kyvernoMessage(validation, messageValue: value, index: index)
  }

  /// A Kyverno ValidatingPolicy's message, given what its messageExpression evaluated to, as
  /// Kyverno words it (`vpol/compiler/policy.go`): the expression's string (not trimmed, and
  /// used even when empty), else why it has none; without one, `message`; and when that is
  /// empty, its default.
  private static func kyvernoMessage(_ validation: Validation, messageValue: Value?, index: Int)
    -> String
  {
    var message = validation.message ?? ""
    switch messageValue {
    case nil: break
    case .string(let text): message = text
    case .error(let error): message = "failed to evaluate message expression: \(error.message)"
    case let value?:
      message =
        "failed to convert message expression to string: type conversion error from '\(value.type)' to 'string'"
    }
    guard !message.isEmpty else { return "CEL expression validation failed at index \(index)" }
    return oneLine(prefix(message, bytes: longestMessage))
  }

  /// The message, given what its messageExpression evaluated to.
  private static func message(_ validation: Validation, messageValue: Value?) -> String {
    // The API server trims the result, then falls back to `message` for one that is not a
    // line of at most 5 KiB (`MaxEvaluatedMessageExpressionSizeBytes`): a trailing newline
    // is trimmed away, not a reason to fall back.
    if case .string(let text) = messageValue {
      let trimmed = text[...].trimmingSpaces
      if !trimmed.isEmpty, trimmed.utf8.count <= Self.longestEvaluatedMessage,
        !trimmed.withUTF8Bytes({ $0.contains(0x0A) })
      {
        // A message is a line: at most `longestMessage` bytes of it are kept before anything
        // else reads it.
        return Self.prefix(trimmed, bytes: Self.longestMessage)
      }
    }
    if let message = validation.message.map({ Self.prefix($0, bytes: Self.longestMessage) })?[...]
      .trimmingSpaces, !message.isEmpty
    {
      return message
    }
    return "failed expression: \(Self.shown(validation.expression))"
  }

  /// An expression's source as a finding quotes it: one line, of at most `longestMessage`
  /// bytes (a megabyte's expression was joined and clipped again for every finding).
  static func shown(_ expression: PolicyExpression) -> String {
    oneLine(prefix(expression.source, bytes: longestMessage))
  }

  static let longestMessage = 4096

  /// At most `bytes` bytes of `text`, cut at a character and marked with `…` when cut.
  static func prefix(_ text: String, bytes: Int) -> String {
    guard text.utf8.count > bytes else { return text }
    var end = text.utf8.index(text.utf8.startIndex, offsetBy: bytes)
    // Back to the start of a code point: past continuation bytes.
    while end > text.startIndex, text.utf8[end] & 0xC0 == 0x80 {
      text.utf8.formIndex(before: &end)
    }
    return String(text[..<end]) + "…"
  }

  static func oneLine(_ text: String) -> String {
    text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map {
      $0.trimmingSpaces
    }.joined(separator: " ")
  }

  /// Re-evaluates a failed validation with a tracer: the last field of the object it read
  /// is where the finding points (the object's name when it read none).
  ///
  /// Each re-evaluation has a budget as large as the policy's, apart from it: it starts with
  /// no variables cached, so that the fields a variable reads are traced too, and what tracing
  /// spends must not make a later validation run out of the budget the API server gives it.
  /// A budget of its own, not one the policy's re-evaluations share: whether an earlier one
  /// ran depends on `FailurePredictions`, and must not cut a later one short (and move its
  /// finding). What it spends is charged as `tracedWork`, an upper bound known beforehand, and
  /// the work beyond cost units it does is left uncounted for the same reason.
  // Out of line: the failing validations' path, kept out of the code every evaluation runs.
  @inline(never)
  private func tracedNode(
    _ expression: PolicyExpression, object: KubeObject, build: () -> AdmissionActivation
  ) -> Node {
    let tracer = FieldTracer(object: object.node)
    let context = build()
    defer { context.scope.recycle(context) }
    context.tracer = tracer
    context.scope.scratch.discardingUncountedWork { _ = context.evaluate(expression) }
    return tracer.lastNode ?? object.nameNode
  }

  private enum Params {
    /// An evaluation per value (none: the request is admitted).
    case values([Value])
    case configurationError(String)
  }

  /// The params of a policy that takes none, or of a binding without a paramRef: one
  /// evaluation, with `params` null.
  private static let noParams: [Value] = [.null]

  /// The params a binding gives its policy for an object in `namespace` (nil: cluster-scoped),
  /// as the API server's `CollectParams` finds them.
  private func params(
    for policy: AdmissionPolicy, binding: AdmissionBinding, entry: CompiledPolicy,
    index: ParamIndex?, namespace: String?, object: KubeObject
  ) -> Params {
    guard let kind = policy.paramKind, let reference = binding.paramReference, let index else {
      return .values(Self.noParams)
    }
    if entry.paramsAreNamespaced == true {
      if reference.namespace == nil && namespace == nil {
        return .configurationError(
          "cannot use namespaced paramRef in policy binding that matches cluster-scoped resources")
      }
    } else if entry.paramsAreNamespaced == false && reference.namespace != nil {
      return .configurationError(
        "paramRef.namespace must not be provided for a cluster-scoped `paramKind`")
    }
    if reference.name != nil && reference.selector != nil {
      return .configurationError("paramRef.name and paramRef.selector are mutually exclusive")
    }
    // Namespaced params are looked up in the paramRef's namespace, else the request's.
    // The object being created is not stored yet: it is no param of its own admission.
    let matching = index.params(in: reference.namespace ?? namespace).filter { param in
      !(param.kind == object.kind && param.name == object.metadata.name
        && (param.namespace ?? defaultNamespace) == (namespace ?? defaultNamespace)
        && APIVersion.group(of: param.apiVersion) == APIVersion.group(of: object.apiVersion))
    }
    guard !matching.isEmpty else {
      guard reference.denyWhenMissing else { return .values([]) }
      let what = reference.name.map { "'\($0)'" } ?? "matching the paramRef's selector"
      return .configurationError(
        "no params found for policy binding with `Deny` parameterNotFoundAction (no \(kind.kind) \(what) was found among the policy files and the run)"
      )
    }
    return .values(matching.map { NodeValue.value($0.node) })
  }

  /// The request: the webhook's real one, else the one the configuration describes.
  fileprivate func request(_ admission: AdmissionRequestContext?) -> SyntheticRequest {
    guard let live = admission else { return set.request }
    var request = SyntheticRequest()
    request.uid = live.uid
    request.operation = live.operation
    request.subResource = live.subResource
    request.username = live.username
    request.groups = live.groups
    request.dryRun = live.dryRun
    return request
  }

  /// The `request` of an admission review for an object (what the API server passes).
  static func requestValue(_ facts: AdmissionRequestFacts, request: SyntheticRequest) -> Value {
    func map(_ pairs: [(String, Value)]) -> Value {
      var map = DictionaryMap()
      for (key, value) in pairs { map.insert(.string(key), value) }
      return .map(map)
    }
    let resource = facts.resource
    let kind = map([
      ("group", .string(resource.kindGroup ?? resource.group)),
      ("version", .string(resource.kindVersion ?? resource.version)),
      ("kind", .string(resource.kind)),
    ])
    let resourceValue = map([
      ("group", .string(resource.group)), ("version", .string(resource.version)),
      ("resource", .string(resource.resource)),
    ])
    // The API server's AdmissionRequest as JSON: empty `omitempty` fields are left out, so
    // `has(request.namespace)` is false for a cluster-scoped object, as in the cluster.
    func unlessEmpty(_ name: String, _ text: String) -> [(String, Value)] {
      text.isEmpty ? [] : [(name, .string(text))]
    }
    let userInfo =
      [("username", Value.string(request.username))]
      + (request.groups.isEmpty
        ? [] : [("groups", .list(ArrayList(request.groups.map(Value.string))))])
    return map(
      [("uid", .string(request.uid)), ("kind", kind), ("resource", resourceValue)]
        + unlessEmpty("subResource", request.subResource)
        + [("requestKind", kind), ("requestResource", resourceValue)]
        + unlessEmpty("name", facts.name) + unlessEmpty("namespace", facts.namespace ?? "")
        + [
          ("operation", .string(request.operation)), ("userInfo", map(userInfo)),
          // The request's options, as the API server hands them over (`CreateOptions` for a
          // CREATE); `fieldManager` is the client's, which kubeward does not know.
          (
            "options",
            map([
              ("kind", .string(request.operation == "UPDATE" ? "UpdateOptions" : "CreateOptions")),
              ("apiVersion", .string("meta.k8s.io/v1")),
            ])
          ),
          ("dryRun", .bool(request.dryRun)),
        ])
  }

  /// A Namespace kubeward has not seen: what the API server would at least know of it.
  static func namespaceStub(_ namespace: String?) -> Value {
    guard let namespace else { return .null }
    var labels = DictionaryMap()
    labels.insert(.string("kubernetes.io/metadata.name"), .string(namespace))
    var metadata = DictionaryMap()
    metadata.insert(.string("name"), .string(namespace))
    metadata.insert(.string("labels"), .map(labels))
    // No kind or apiVersion: see `NamespaceObjectView`.
    var object = DictionaryMap()
    object.insert(.string("metadata"), .map(metadata))
    // What the API server gave it when it was created.
    var spec = DictionaryMap()
    spec.insert(.string("finalizers"), .list(ArrayList([.string("kubernetes")])))
    object.insert(.string("spec"), .map(spec))
    var status = DictionaryMap()
    status.insert(.string("phase"), .string("Active"))
    object.insert(.string("status"), .map(status))
    return .map(object)
  }
}

/// The values a policy's audit annotations take on an object, by key, over all its bindings
/// and params: the API server's dispatcher publishes one annotation per key, its distinct
/// values sorted and joined with ", " (`auditAnnotationCollector`).
struct AuditAnnotationValues {
  // Made for every policy on every object, and most policies have no audit annotations:
  // `Dictionary()`, where a `[:]` literal was a call to its variadic initializer each.
  private var keys: [String] = []
  private var values = [String: Set<String>]()
  /// The bytes kept: past `AdmissionCheck.longestMessage` the joined value is clipped, so a
  /// key gathers no more (thousands of params, each with a value of its own).
  private var bytes = [String: Int]()

  var isEmpty: Bool { keys.isEmpty }

  mutating func add(_ value: String, for key: String) {
    let value = AdmissionCheck.prefix(value, bytes: AdmissionCheck.longestMessage)
    if values[key] == nil { keys.append(key) }
    guard bytes[key, default: 0] <= AdmissionCheck.longestMessage,
      values[key, default: []].insert(value).inserted
    else { return }
    bytes[key, default: 0] += value.utf8.count + 2
  }

  /// How many distinct values `key` keeps.
  func count(for key: String) -> Int { values[key]?.count ?? 0 }

  /// Each key, in the order first set, with its value.
  func merged() -> [(key: String, value: String)] {
    keys.map { key in
      // Sorted as Go sorts strings: by their bytes.
      let joined = (values[key] ?? []).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        .joined(separator: ", ")
      return (key, AdmissionCheck.prefix(joined, bytes: AdmissionCheck.longestMessage))
    }
  }
}

extension Substring {
  /// Without leading and trailing white space (Unicode's), cut at scalars.
  var trimmingSpaces: String {
    // Every finding's message passes here, and most have no space at either end.
    if let first = utf8.first, let last = utf8.last,
      (0x21..<0x80).contains(first), (0x21..<0x80).contains(last)
    {
      return String(self)
    }
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else {
      return ""
    }
    let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
    return String(Substring(scalars[first...last]))
  }
}

/// Kyverno's autogen: a policy written for Pods also checks the pod templates of the
/// controllers that make pods, with its expressions rewritten to reach the template
/// (`object.spec` → `object.spec.template.spec`, and through `jobTemplate` for CronJobs).
enum Autogen {
  /// Kyverno's `CanAutoGen`: only a policy matching exactly core v1 pods, by one rule with
  /// no names, exclusions or object selector, is extended to controllers.
  static func canAutogen(_ constraints: MatchResources) -> Bool {
    if let selector = constraints.objectSelector, !selector.isEmpty { return false }
    guard constraints.excludeResourceRules.isEmpty, let rules = constraints.resourceRules,
      rules.count == 1
    else { return false }
    let rule = rules[0]
    return rule.resourceNames.isEmpty && rule.apiGroups == [""] && rule.apiVersions == ["v1"]
      && rule.resources == ["pods"]
  }

  /// Expressions rewritten for a controller's pod template, by the expression and the
  /// template's place.
  struct Rewrites {
    struct Key: Hashable {
      let expression: ObjectIdentifier
      let prefix: String
    }
    fileprivate var made: [Key: PolicyExpression] = [:]
  }

  static func variants(of policy: AdmissionPolicy) -> [String: AdmissionPolicy] {
    var rewrites = Rewrites()
    return variants(of: policy, rewrites: &rewrites)
  }

  /// The policy rewritten for each controller kind it autogens for. Kinds whose pod template
  /// is in one place (all but CronJob) share one rewritten policy, and an expression met
  /// before (`rewrites`: an alias, in this policy or another) is not compiled again: a 20 KB
  /// file of one aliased expression took 10 s and 1 GB compiling it seven times per alias.
  static func variants(of policy: AdmissionPolicy, rewrites: inout Rewrites)
    -> [String: AdmissionPolicy]
  {
    // A ClusterPolicy's rule was read as Kyverno decides autogen for it (the reader knows its
    // `match`, which the constraints it was read into do not say all of).
    guard policy.autogens, let constraints = policy.matchConstraints,
      policy.flavor.isKyvernoRule || canAutogen(constraints)
    else { return [:] }
    var byPrefix: [String: AdmissionPolicy] = [:]
    var variants: [String: AdmissionPolicy] = [:]
    for kind in policy.autogenControllers {
      let prefix =
        kind == "CronJob" ? "object.spec.jobTemplate.spec.template" : "object.spec.template"
      if let made = byPrefix[prefix] {
        variants[kind] = made
        continue
      }
      func rewrite(_ expression: PolicyExpression) -> PolicyExpression {
        let key = Rewrites.Key(expression: ObjectIdentifier(expression), prefix: prefix)
        if let made = rewrites.made[key] { return made }
        let source = rewritten(
          expression.source, into: String(prefix.dropFirst("object.".count)),
          keepingNamespace: !policy.flavor.isKyvernoRule)
        let made = PolicyExpression(rewriting: expression, as: source)
        rewrites.made[key] = made
        return made
      }
      func rewrite(_ named: NamedExpression) -> NamedExpression {
        NamedExpression(name: named.name, expression: rewrite(named.expression))
      }
      let constraints = policy.matchConstraints?.withoutResourceRules
      let variant = AdmissionPolicy(
        name: policy.name, flavor: policy.flavor, file: policy.file, nameRange: policy.nameRange,
        paramKind: policy.paramKind, matchConstraints: constraints,
        matchConditions: policy.matchConditions.map(rewrite),
        variables: policy.variables.map(rewrite),
        validations: policy.validations.map { validation in
          Validation(
            expression: rewrite(validation.expression), message: validation.message,
            messageExpression: validation.messageExpression.map(rewrite),
            reason: validation.reason)
        },
        auditAnnotations: policy.auditAnnotations.map(rewrite),
        failurePolicy: policy.failurePolicy, ownActions: policy.ownActions,
        autogenControllers: [], title: policy.title, summary: policy.summary, needsCluster: nil,
        rule: policy.rule, kind: policy.kind, checksAtAdmission: policy.checksAtAdmission,
        namespace: policy.namespace)
      byPrefix[prefix] = variant
      variants[kind] = variant
    }
    return variants
  }

  /// `source` reading the pod template at `template` (`spec.template`) where it read the
  /// object's (and the old object's) `spec` and `metadata`, as Kyverno's replacements do
  /// (`object.spec` → `object.spec.template.spec`). A ValidatingPolicy's keep
  /// `object.metadata.namespace`, which a pod template has not (Kyverno 1.19's
  /// `protectedSuffixes`); a ClusterPolicy's rewrite it.
  static func rewritten(_ source: String, into template: String, keepingNamespace: Bool)
    -> String
  {
    var source = source
    for field in ["spec", "metadata"] {
      for root in ["object", "oldObject"] {
        source = replacing(
          "\(root).\(field)", with: "\(root).\(template).\(field)", in: source,
          sparing: keepingNamespace ? ".namespace" : nil)
      }
    }
    return source
  }

  /// `text` with `from` replaced by `to`, but where `suffix` follows it as a whole field.
  private static func replacing(
    _ from: String, with to: String, in text: String, sparing suffix: String?
  ) -> String {
    var result = ""
    var rest = text[...]
    while let range = rest.firstRange(of: from) {
      result += rest[..<range.lowerBound]
      let after = rest[range.upperBound...]
      let spared =
        suffix.map { suffix in
          after.hasPrefix(suffix)
            && !(after.dropFirst(suffix.count).first.map { $0 == "_" || $0.isASCIIAlphanumeric }
              ?? false)
        } ?? false
      result += spared ? from : to
      rest = after
    }
    return result + rest
  }
}

extension Character {
  fileprivate var isASCIIAlphanumeric: Bool {
    isASCII && (isLetter || isNumber)
  }
}
