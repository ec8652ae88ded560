import KubewardCEL
import KubewardEngine
import KubewardModel
import KubewardYAML

/// One expression evaluated as an admission policy would evaluate it on an object: the
/// engine of `kubeward eval`, for trying an expression on a manifest.
public struct ExpressionSession: Sendable {
  /// Why an expression gave no value: where (a byte offset of the expression), and what.
  public struct Failure: Error, Sendable {
    public let message: String
    /// The byte offset in the expression, for compile errors.
    public let offset: Int?
    public let isCompileError: Bool
  }

  let object: Node?
  let params: Node?
  let variables: [String: Node]
  let request: SyntheticRequest
  /// Whether expressions have a Kyverno policy's environment (`cel.bind`, cel-go's math and
  /// encoders, Kyverno's libraries that need no cluster) rather than the API server's.
  let kyverno: Bool

  /// - Parameters:
  ///   - object: the manifest bound to `object` (also `request`'s kind, name and namespace).
  ///   - params: bound to `params`.
  ///   - variables: more names (`--var name=JSON`), each a YAML or JSON value.
  ///   - kyverno: evaluate as a Kyverno ValidatingPolicy's expression.
  public init(
    object: Node?, params: Node? = nil, variables: [String: Node] = [:],
    request: SyntheticRequest = SyntheticRequest(), kyverno: Bool = false
  ) {
    self.object = object
    self.params = params
    self.variables = variables
    self.request = request
    self.kyverno = kyverno
  }

  private func compile(_ source: String) throws(CELCompileError) -> Program {
    let names = kyverno ? PolicyExpression.kyvernoDeclarations : PolicyExpression.declarations
    return try Program(
      source, library: kyverno ? KyvernoLibrary.library : .kubernetes,
      declarations: names.union(variables.keys), bindings: kyverno, validatesLiterals: true,
      dynamicNames: PolicyExpression.dynamicNames,
      // A name bound with --var is what it is bound to.
      typedNames: PolicyExpression.typedNames(kyverno: kyverno).filter { variables[$0.key] == nil })
  }

  /// Evaluates `source` and hands `body` its value or why it has none, and the cost it spent
  /// (0 when it does not compile), as Kubernetes counts it against its limit. The value reads
  /// the session's documents in place, without counting references to them (see
  /// `NodeValue`): it is valid during `body` only.
  public func evaluate<Outcome>(
    _ source: String, _ body: (Result<Value, Failure>, _ cost: Int) throws -> Outcome
  ) rethrows -> Outcome {
    try withExtendedLifetime(self) {
      let program: Program
      do throws(CELCompileError) {
        program = try compile(source)
      } catch {
        return try body(
          .failure(Failure(message: error.message, offset: error.offset, isCompileError: true)), 0)
      }
      let activation = SessionActivation(session: self, object: objectValue)
      let (value, cost) = program.evaluateWithCost(activation, budget: CostLimits.perExpression)
      if case .error(let error) = value {
        return try body(
          .failure(Failure(message: error.message, offset: nil, isCompileError: false)), cost)
      }
      return try body(.success(value), cost)
    }
  }

  /// Evaluates a compiled expression `repetitions` times as a policy does for each object (a
  /// fresh activation each time) and returns the nanoseconds it took in all: what
  /// `kubeward eval --repeat` and the benchmark report per evaluation.
  public func timeEvaluations(_ source: String, repetitions: Int) -> UInt64? {
    guard let program = try? compile(source) else { return nil }
    // The object is the same for every repetition, as it is for every policy on an object.
    let object = objectValue
    let start = ContinuousClock.now
    withExtendedLifetime(self) {
      for _ in 0..<repetitions {
        let activation = SessionActivation(session: self, object: object)
        _ = program.evaluate(activation, budget: CostLimits.perExpression)
      }
    }
    let elapsed = ContinuousClock.now - start
    let (seconds, attoseconds) = elapsed.components
    return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
  }

  /// The object as admission sees it: with the request's namespace and the API server's
  /// defaults (see `APIDefaults`).
  fileprivate var objectValue: Value {
    guard let object else { return .null }
    guard let kind = object["kind"]?.string else { return NodeValue.value(object) }
    let placement: APIDefaults.Placement =
      switch requestFacts {
      case nil: .asWritten
      case let facts?: facts.namespace.map(APIDefaults.Placement.namespace) ?? .cluster
      }
    return APIDefaults.object(
      object, apiVersion: object["apiVersion"]?.string ?? "", kind: kind, placement: placement)
  }

  fileprivate var requestValue: Value {
    requestFacts.map { AdmissionCheck.requestValue($0, request: request) } ?? .null
  }

  private var requestFacts: AdmissionRequestFacts? {
    var set = AdmissionPolicySet()
    set.request = request
    guard let object, let apiVersion = object["apiVersion"]?.string,
      let kind = object["kind"]?.string
    else { return nil }
    let metadata = ObjectMetadata(node: object["metadata"])
    let namespaced = metadata.node?["namespace"].map { !APIDefaults.isUnset($0) } ?? false
    let resource = set.resources.resource(
      apiVersion: apiVersion, kind: kind, hasNamespace: namespaced)
    return AdmissionRequestFacts(
      resource: resource,
      name: GeneratedName.requestName(metadata),
      namespace: resource.namespaced
        ? (metadata.node?["namespace"].flatMap { APIDefaults.isUnset($0) ? nil : $0.string }
          ?? "default") : nil,
      labelsNode: metadata.labelsNode, operation: request.operation)
  }
}

private final class SessionActivation: Activation, @unchecked Sendable {
  let session: ExpressionSession
  let object: Value
  lazy var request = session.requestValue

  init(session: ExpressionSession, object: Value) {
    self.session = session
    self.object = object
  }

  func resolve(_ name: String) -> Value? {
    if let node = session.variables[name] { return NodeValue.value(node) }
    switch name {
    case "object": return object
    case "oldObject": return .null
    case "request": return request
    case "params": return session.params.map(NodeValue.value) ?? .null
    case "namespaceObject": return .null
    case "variables": return .map(DictionaryMap())
    case "authorizer", "authorizer.requestResource": return .opaque(Authorizer())
    default: return nil
    }
  }
}
