import KubewardCEL
import KubewardEngine
import KubewardModel
import KubewardYAML
import Synchronization

/// What a validation's binding decides when it fails.
public enum ValidationAction: String, Sendable, CaseIterable {
  case deny = "Deny"
  case warn = "Warn"
  case audit = "Audit"

  /// Deny is an error, Warn a warning, Audit information.
  public var severity: Severity {
    switch self {
    case .deny: .error
    case .warn: .warning
    case .audit: .info
    }
  }
}

/// Whether an expression that cannot run rejects the request (`Fail`, the default) or lets it
/// through (`Ignore`).
public enum FailurePolicy: String, Sendable {
  case fail = "Fail"
  case ignore = "Ignore"
}

/// A CEL expression of a policy file: its source, where it was written, and its program (or
/// why it has none).
///
/// A class, though immutable: every object a policy matches hands its expressions around, and
/// a reference costs one retain where a copy of the fields (the program's closures, the
/// source, the parsed tree) cost a dozen.
public final class PolicyExpression: Sendable {
  public let source: String
  public let file: String
  let location: ExpressionSource
  public let program: Program?
  public let compileError: CELCompileError?

  /// The names every admission expression may use.
  static let declarations: Set<String> = [
    "object", "oldObject", "request", "params", "namespaceObject", "variables", "authorizer",
    "authorizer.requestResource",
  ]
  /// And a Kyverno ValidatingPolicy's: `exceptions`, what its PolicyExceptions allow.
  static let kyvernoDeclarations = declarations.union(["exceptions"])

  /// The names the API server declares of object types (`BuildRequestType` and
  /// `BuildNamespaceType` in apiserver's `plugin/cel/compile.go`): a field they do not have
  /// is a compile error there. Kyverno's request also has `object` and `oldObject`.
  static func typedNames(kyverno: Bool) -> [String: DeclaredObjectType] {
    kyverno ? kyvernoTypedNames : apiServerTypedNames
  }

  private static let apiServerTypedNames = [
    "request": requestType(kyverno: false), "namespaceObject": namespaceType,
  ]
  private static let kyvernoTypedNames = [
    "request": requestType(kyverno: true), "namespaceObject": namespaceType,
  ]

  private static func requestType(kyverno: Bool) -> DeclaredObjectType {
    let groupVersionKind = DeclaredObjectType(
      name: "kubernetes.GroupVersionKind",
      fields: ["group": .string, "version": .string, "kind": .string])
    let groupVersionResource = DeclaredObjectType(
      name: "kubernetes.GroupVersionResource",
      fields: ["group": .string, "version": .string, "resource": .string])
    let userInfo = DeclaredObjectType(
      name: "kubernetes.UserInfo",
      fields: [
        "username": .string, "uid": .string, "groups": .list(.string),
        "extra": .map(.string, .list(.string)),
      ])
    var fields: [String: DeclaredFieldType] = [
      "kind": .object(groupVersionKind), "resource": .object(groupVersionResource),
      "subResource": .string, "requestKind": .object(groupVersionKind),
      "requestResource": .object(groupVersionResource), "requestSubResource": .string,
      "name": .string, "namespace": .string, "operation": .string, "userInfo": .object(userInfo),
      "dryRun": .bool, "options": .dyn,
    ]
    if kyverno {
      fields["object"] = .dyn
      fields["oldObject"] = .dyn
    }
    return DeclaredObjectType(name: "kubernetes.AdmissionRequest", fields: fields)
  }

  private static let namespaceType: DeclaredObjectType = {
    let condition = DeclaredObjectType(
      name: "kubernetes.NamespaceCondition",
      fields: [
        "status": .string, "type": .string, "lastTransitionTime": .timestamp, "message": .string,
        "reason": .string,
      ])
    let metadata = DeclaredObjectType(
      name: "kubernetes.NamespaceMetadata",
      fields: [
        "name": .string, "generateName": .string, "namespace": .string,
        "labels": .map(.string, .string), "annotations": .map(.string, .string),
        "UID": .string, "creationTimestamp": .timestamp, "deletionGracePeriodSeconds": .int,
        "deletionTimestamp": .timestamp, "generation": .int, "resourceVersion": .string,
        "finalizers": .list(.string),
      ])
    return DeclaredObjectType(
      name: "kubernetes.Namespace",
      fields: [
        "metadata": .object(metadata),
        "spec": .object(
          DeclaredObjectType(
            name: "kubernetes.NamespaceSpec", fields: ["finalizers": .list(.string)])),
        "status": .object(
          DeclaredObjectType(
            name: "kubernetes.NamespaceStatus",
            fields: ["conditions": .list(.object(condition)), "phase": .string])),
      ])
  }()

  /// The names the API server declares of type `dyn` (the others are typed: `request` as an
  /// AdmissionRequest, `namespaceObject` as a Namespace): a list or map literal may not mix
  /// them with typed values.
  static let dynamicNames: Set<String> = ["object", "oldObject", "params"]

  /// The names whose values are the same in every policy on an object (the object, the old
  /// object, the request, the namespace); a policy's own are the others (params, variables,
  /// the authorizer).
  static let requestNames = ["object", "oldObject", "request", "namespaceObject"]

  /// The variables the expression may read (those declared before it, for a variable): reading
  /// another is a compile error, as in the API server.
  let variables: VisibleVariables?

  /// Whether the expression reads only what every policy on an object sees alike (the
  /// object, the old object, the request, the namespace), and nothing a policy has of its own
  /// (params, variables, the authorizer): then its value on an object is the same in every
  /// policy.
  let readsOnlyTheRequest: Bool
  /// Of those, one that reads `namespaceObject`, which matchConditions see as null.
  let readsTheNamespace: Bool

  /// Its place in the order expressions were made in, in the process: the expressions of a
  /// set of policies, made together, have consecutive ones (see `FailurePredictions`).
  let ordinal = PolicyExpression.made.wrappingAdd(1, ordering: .relaxed).oldValue
  private static let made = Atomic<Int>(0)

  /// `bindings`: whether `cel.bind` and `exceptions` are there (Kyverno's policies; the API
  /// server leaves them out of ValidatingAdmissionPolicies' environment).
  /// `returning`: the types the API server requires of its value (`bool` of a validation),
  /// none for any.
  init(
    source: String, node: Node, file: String, bytes: [UInt8], lines: LineIndex,
    cursor: ColumnCursor = ColumnCursor(), variables: VisibleVariables? = nil,
    bindings: Bool = false, returning: [String] = []
  ) {
    self.source = source
    self.file = file
    self.location = ExpressionSource(node: node, file: bytes, lines: lines, cursor: cursor)
    self.variables = variables
    (program, compileError) = Self.checked(
      Self.compile(source, variables: variables, bindings: bindings), returning: returning)
    readsOnlyTheRequest = Self.readsOnlyTheRequest(program)
    readsTheNamespace = Self.readsTheNamespace(program)
  }

  /// The same expression with its text rewritten (Kyverno's autogen), compiled anew.
  init(rewriting original: PolicyExpression, as source: String) {
    self.source = source
    self.file = original.file
    self.location = original.location
    self.variables = original.variables
    // Rewritten for Kyverno only, whose policies have `cel.bind`.
    (program, compileError) = Self.compile(source, variables: variables, bindings: true)
    readsOnlyTheRequest = Self.readsOnlyTheRequest(program)
    readsTheNamespace = Self.readsTheNamespace(program)
  }

  /// The API server's check of the compiled expression's type (`must evaluate to bool but
  /// got dyn`), where kubeward knows cel-go's type for certain (`Program.checkedType`): a
  /// field or an item read from `object`, `oldObject` or `params` is `dyn` (a bare
  /// `object.spec.enabled` is no condition, `object.spec.enabled == true` is), and so are
  /// `dyn(x)` and a conditional with a `dyn` branch.
  private static func checked(
    _ compiled: (Program?, CELCompileError?), returning types: [String]
  ) -> (Program?, CELCompileError?) {
    guard let program = compiled.0, !types.isEmpty, let type = program.checkedType,
      !types.contains(type)
    else { return compiled }
    let wanted =
      types.count == 1 ? types[0] : "one of [\(types.joined(separator: " "))]"
    return (nil, CELCompileError(message: "must evaluate to \(wanted) but got \(type)", offset: 0))
  }

  private static func readsOnlyTheRequest(_ program: Program?) -> Bool {
    // An allow-list: a name-by-name deny-list missed `.params`, the root-qualified form.
    program?.expression.readsOnly(Set(requestNames)) ?? false
  }

  private static func readsTheNamespace(_ program: Program?) -> Bool {
    readsOnlyTheRequest(program)
      && program?.expression.readsOnly(["object", "oldObject", "request"]) == false
  }

  private static func compile(_ source: String, variables: VisibleVariables?, bindings: Bool)
    -> (Program?, CELCompileError?)
  {
    do {
      let program = try Program(
        source, library: bindings ? KyvernoLibrary.library : .kubernetes,
        declarations: bindings ? kyvernoDeclarations : declarations, bindings: bindings,
        validatesLiterals: true, dynamicNames: dynamicNames,
        fields: variables.map { visible in ["variables": { visible.contains($0) }] } ?? [:],
        fieldTypes: variables.map { visible in ["variables": { visible.type(of: $0) }] } ?? [:],
        typedNames: typedNames(kyverno: bindings))
      return (program, nil)
    } catch {
      return (nil, error)
    }
  }

  /// The position of byte `offset` of the expression in its file.
  public func position(ofByte offset: Int) -> SourcePosition {
    location.position(ofByte: offset)
  }

  public var start: SourcePosition { location.start }
}

/// A rule of `resourceRules`: which requests it names. Rules and the constraints holding
/// them are classes: every policy's are matched against every object, and copying a struct
/// of arrays cost a retain per field each time.
final class ResourceRule: Sendable {
  let apiGroups: [String]
  let apiVersions: [String]
  let operations: [String]
  let resources: [String]
  let resourceNames: [String]
  let scope: String
  /// Whether the lists name `*` (and `*/*` for resources), found once: every object the rule
  /// is matched against looked for them, a string comparison per entry.
  let anyGroup: Bool
  let anyVersion: Bool
  let anyOperation: Bool
  let anyResource: Bool
  /// The resources named with all their subresources (`pods/*`), without the `/*`.
  let wholeResources: [String]
  /// `scope`, read once as well: `Namespaced` or `Cluster` (anything else is every scope).
  let onlyNamespaced: Bool
  let onlyClusterScoped: Bool
  /// How many entries matching it may compare: its lists' lengths, and one.
  let size: Int

  init(
    apiGroups: [String], apiVersions: [String], operations: [String], resources: [String],
    resourceNames: [String], scope: String
  ) {
    self.apiGroups = apiGroups
    self.apiVersions = apiVersions
    self.operations = operations
    // `pods/` names no subresource, as the API server splits it: `pods`.
    self.resources = resources.map {
      $0.count > 1 && $0.hasSuffix("/") && !$0.dropLast().contains("/") ? String($0.dropLast()) : $0
    }
    let resources = self.resources
    self.resourceNames = resourceNames
    self.scope = scope
    anyGroup = apiGroups.contains("*")
    anyVersion = apiVersions.contains("*")
    anyOperation = operations.contains("*")
    anyResource = resources.contains { $0 == "*" || $0 == "*/*" }
    wholeResources = resources.filter { $0.hasSuffix("/*") && $0 != "*/*" }.map {
      String($0.dropLast(2))
    }
    size =
      1 + apiGroups.count + apiVersions.count + operations.count + resources.count
      + resourceNames.count
    onlyNamespaced = scope == "Namespaced"
    onlyClusterScoped = scope == "Cluster"
  }
}

/// `matchConstraints` of a policy or `matchResources` of a binding.
final class MatchResources: Sendable {
  let namespaceSelector: LabelSelector?
  let objectSelector: LabelSelector?
  /// The selectors as they are matched against every object (`LabelSelector.Matcher`).
  let namespaceMatcher: LabelSelector.Matcher?
  let objectMatcher: LabelSelector.Matcher?
  /// `nil`: every resource (a binding that leaves it out narrows nothing).
  let resourceRules: [ResourceRule]?
  let excludeResourceRules: [ResourceRule]
  let exactMatch: Bool
  /// How many entries matching a request against its rules and selectors may compare.
  let ruleWork: Int

  init(
    namespaceSelector: LabelSelector?, objectSelector: LabelSelector?,
    resourceRules: [ResourceRule]?, excludeResourceRules: [ResourceRule], exactMatch: Bool
  ) {
    self.namespaceSelector = namespaceSelector
    self.objectSelector = objectSelector
    namespaceMatcher = namespaceSelector.map(LabelSelector.Matcher.init)
    objectMatcher = objectSelector.map(LabelSelector.Matcher.init)
    self.resourceRules = resourceRules
    self.excludeResourceRules = excludeResourceRules
    self.exactMatch = exactMatch
    // The selectors' terms each look a label up (a long selector worked out by key looks up
    // its keys or the object's labels, whichever are fewer: at most as many).
    let selectorWork = [namespaceMatcher, objectMatcher].reduce(0) { $0 + ($1?.work ?? 0) }
    ruleWork =
      ((resourceRules ?? []) + excludeResourceRules).reduce(0) { $0 + $1.size } + selectorWork
  }

  /// The same constraints for any resource: what autogen keeps of a pod policy's.
  var withoutResourceRules: MatchResources {
    MatchResources(
      namespaceSelector: namespaceSelector, objectSelector: objectSelector, resourceRules: nil,
      excludeResourceRules: excludeResourceRules, exactMatch: exactMatch)
  }
}

struct Validation: Sendable {
  let expression: PolicyExpression
  let message: String?
  let messageExpression: PolicyExpression?
  let reason: String?
}

struct NamedExpression: Sendable {
  let name: String
  let expression: PolicyExpression
}

/// A `paramRef` of a binding.
struct ParamReference: Sendable {
  var name: String?
  var namespace: String?
  var selector: LabelSelector?
  var denyWhenMissing = true
}

/// A ValidatingAdmissionPolicy or a Kyverno ValidatingPolicy, as read and compiled. A class:
/// the check hands it on for every object it may match, and a struct of this many fields
/// was copied, a retain per field, each time.
public final class AdmissionPolicy: Sendable {
  public enum Flavor: String, Sendable {
    case validatingAdmissionPolicy = "ValidatingAdmissionPolicy"
    case kyverno = "ValidatingPolicy"
    /// A `validate.cel` rule of a Kyverno ClusterPolicy (kyverno.io), evaluated as the
    /// ValidatingAdmissionPolicy Kyverno evaluates it as.
    case kyvernoClusterPolicy = "ClusterPolicy"
    /// The same, of a namespaced Kyverno Policy: it applies in its namespace only.
    case kyvernoNamespacedPolicy = "Policy"

    /// A rule of a Kyverno ClusterPolicy or Policy (`kyverno.io`).
    var isKyvernoRule: Bool { self == .kyvernoClusterPolicy || self == .kyvernoNamespacedPolicy }
  }

  public let name: String
  public let flavor: Flavor
  public let file: String
  /// Where the policy's name is written.
  public let nameRange: SourceRange
  let paramKind: (apiVersion: String, kind: String)?
  /// The params of a policy that carries its own actions, which no binding names: a Kyverno
  /// ClusterPolicy rule's `validate.cel.paramRef`.
  let ownParamReference: ParamReference?
  let matchConstraints: MatchResources?
  let matchConditions: [NamedExpression]
  let variables: [NamedExpression]
  /// Each variable's position in `variables` by name (the first, when written twice): every
  /// read of `variables.x` looks here.
  let variablePositions: [String: Int]
  /// Whether a variable is read only once those written before it are (see
  /// `readOneInsideAnother`).
  let readsVariablesInOrder: Bool
  let validations: [Validation]
  let auditAnnotations: [NamedExpression]
  public let failurePolicy: FailurePolicy
  /// Kyverno's own actions (a ValidatingPolicy needs no binding).
  let ownActions: [ValidationAction]?
  /// Kyverno autogen: the controller kinds whose pod templates the policy also checks.
  let autogenControllers: [String]
  public let title: String
  public let summary: String
  /// The rule of a Kyverno ClusterPolicy it is.
  let rule: String?
  /// Its kind as written (`ValidatingPolicy`, `NamespacedValidatingPolicy`, …): a Kyverno
  /// PolicyException names policies by kind and name.
  let kind: String
  /// Whether the cluster checks requests with it: a Kyverno policy with
  /// `evaluation.admission.enabled: false` is checked in background scans only, whose
  /// reports block nothing.
  let checksAtAdmission: Bool
  /// The namespace of a namespaced policy (a NamespacedValidatingPolicy, a Kyverno Policy):
  /// policies of one kind and name in two namespaces are two policies.
  let namespace: String?
  /// A function that needs a cluster or a registry (Kyverno's `resource.Get`, `http.Get`,
  /// `image.*`), with where it is used: the policy is not evaluated.
  let needsCluster: (function: String, expression: PolicyExpression, offset: Int)?

  /// Whether each variable can be read inside the variables that read it: along the longest
  /// chain of variables that read one another, there are at most
  /// `AdmissionActivation.maximumVariableDepth` of them, nesting at most `maximumNesting`
  /// expression levels, which evaluation reads one inside another on the stack. A longer
  /// chain (which the API server evaluates) is read in order instead: each variable after
  /// those written before it, which are then read already (it was an error on every object).
  static func readOneInsideAnother(_ variables: [NamedExpression]) -> Bool {
    var chains: [String: (depth: Int, nesting: Int)] = [:]
    var longest = (depth: 0, nesting: 0)
    for variable in variables {
      let expression = variable.expression.program?.expression
      // A variable read otherwise than by its name (`variables[x]`) may be any before it.
      let before =
        expression?.fieldsRead(of: "variables").map { $0.compactMap { chains[$0] } }
        ?? [longest]
      let chain = (
        depth: 1 + (before.map(\.depth).max() ?? 0),
        nesting: (expression?.height ?? 1) + (before.map(\.nesting).max() ?? 0)
      )
      guard chain.depth <= AdmissionActivation.maximumVariableDepth,
        chain.nesting <= AdmissionActivation.maximumNesting
      else { return false }
      if chains[variable.name] == nil { chains[variable.name] = chain }
      longest = (max(longest.depth, chain.depth), max(longest.nesting, chain.nesting))
    }
    return true
  }

  init(
    name: String, flavor: Flavor, file: String, nameRange: SourceRange,
    paramKind: (apiVersion: String, kind: String)?, matchConstraints: MatchResources?,
    matchConditions: [NamedExpression], variables: [NamedExpression], validations: [Validation],
    auditAnnotations: [NamedExpression], failurePolicy: FailurePolicy,
    ownActions: [ValidationAction]?, autogenControllers: [String], title: String,
    summary: String, needsCluster: (function: String, expression: PolicyExpression, offset: Int)?,
    rule: String? = nil, kind: String? = nil, checksAtAdmission: Bool = true,
    namespace: String? = nil, ownParamReference: ParamReference? = nil
  ) {
    self.ownParamReference = ownParamReference
    self.rule = rule
    self.namespace = namespace
    self.kind = kind ?? flavor.rawValue
    self.checksAtAdmission = checksAtAdmission
    self.name = name
    self.flavor = flavor
    self.file = file
    self.nameRange = nameRange
    self.paramKind = paramKind
    self.matchConstraints = matchConstraints
    self.matchConditions = matchConditions
    self.variables = variables
    var positions: [String: Int] = [:]
    for (position, variable) in variables.enumerated() where positions[variable.name] == nil {
      positions[variable.name] = position
    }
    self.variablePositions = positions
    self.readsVariablesInOrder = !Self.readOneInsideAnother(variables)
    self.validations = validations
    self.auditAnnotations = auditAnnotations
    self.failurePolicy = failurePolicy
    self.ownActions = ownActions
    self.autogenControllers = autogenControllers
    self.title = title
    self.summary = summary
    self.needsCluster = needsCluster
  }

  var expressions: [PolicyExpression] {
    decidingExpressions + auditAnnotations.map(\.expression)
  }

  /// Those whose compile errors the binding's actions decide about (an audit annotation's
  /// deny under Fail whatever they are).
  var decidingExpressions: [PolicyExpression] {
    matchConditions.map(\.expression) + variables.map(\.expression)
      + validations.flatMap { [$0.expression] + [$0.messageExpression].compactMap { $0 } }
  }

  /// Whether an expression that decides every request the policy matches does not compile:
  /// failurePolicy then rejects (Fail) or admits (Ignore) them all.
  ///
  /// The API server compiles each expression on its own and meets an error only where it
  /// evaluates one (`validating/validator.go`, `cel/composition.go`): a matchCondition or a
  /// validation that does not compile decides every request. A variable that does not
  /// compile is an error where it is read (see `AdmissionActivation.variable`), which the
  /// expression reading it may absorb (`variables.broken || true`); a messageExpression
  /// leaves its validation the `message`; an audit annotation's error is its own (see
  /// `AdmissionCheck`). Kyverno loads a policy whole, so any of its expressions decides.
  var hasDecidingCompileError: Bool {
    guard flavor == .validatingAdmissionPolicy else {
      return decidingExpressions.contains { $0.program == nil }
    }
    return (matchConditions.map(\.expression) + validations.map(\.expression)).contains {
      $0.program == nil
    }
  }

  /// The positions of the variables `expressions` read, of those these read, and so on (all
  /// of them once one reads `variables` otherwise than by name, `variables[x]`). An
  /// expression that does not compile reads none. Each expression is walked once.
  func variablesRead(by expressions: [PolicyExpression]) -> Set<Int> {
    var read = Set<Int>()
    var pending = expressions
    while let expression = pending.popLast() {
      guard let tree = expression.program?.expression else { continue }
      guard let names = tree.fieldsRead(of: "variables") else { return Set(variables.indices) }
      for name in names {
        if let position = variablePositions[name], read.insert(position).inserted {
          pending.append(variables[position].expression)
        }
      }
    }
    return read
  }

  /// Each expression of the policy that does not compile, in order, with its error and what
  /// the error does to the requests the policy matches, as a finding on the policy says it.
  func compileErrors() -> [(
    expression: PolicyExpression, error: CELCompileError, consequence: String
  )] {
    let decides =
      failurePolicy == .fail
      ? "with failurePolicy Fail the API server rejects every request the policy matches"
      : "with failurePolicy Ignore it never rejects a request, and the policy's other expressions still decide"
    func failing(_ expressions: [PolicyExpression], _ consequence: (Int) -> String)
      -> [(expression: PolicyExpression, error: CELCompileError, consequence: String)]
    {
      expressions.enumerated().compactMap { index, expression in
        expression.compileError.map { (expression, $0, consequence(index)) }
      }
    }
    // The API server refuses to store a policy whose expressions do not compile; what follows
    // says what one stored would do with each (see `hasDecidingCompileError`).
    guard flavor == .validatingAdmissionPolicy else {
      return failing(expressions) { _ in decides }
    }
    let refused = " (and the API server refuses to create the policy)"
    let evaluated = variablesRead(
      by: matchConditions.map(\.expression) + validations.map(\.expression)
        + auditAnnotations.map(\.expression))
    let unread =
      "no matchCondition, validation or audit annotation reads the variable, so it decides no request"
      + refused
    let read =
      "an expression that reads it errs where it needs its value, which failurePolicy "
      + (failurePolicy == .fail ? "Fail turns into a rejection" : "Ignore admits") + refused
    return failing(matchConditions.map(\.expression)) { _ in decides }
      + failing(variables.map(\.expression)) { evaluated.contains($0) ? read : unread }
      + validations.flatMap { validation in
        failing([validation.expression]) { _ in decides }
          + failing([validation.messageExpression].compactMap { $0 }) { _ in
            "a validation that fails says its message instead" + refused
          }
      }
      + failing(auditAnnotations.map(\.expression)) { _ in decides }
  }

  var kindName: String {
    switch flavor {
    case .validatingAdmissionPolicy: "ValidatingAdmissionPolicy"
    case .kyverno: "Kyverno ValidatingPolicy"
    case .kyvernoClusterPolicy: "Kyverno ClusterPolicy"
    case .kyvernoNamespacedPolicy: "Kyverno Policy"
    }
  }

  /// Whether Kyverno's autogen extends it to pod controllers (see `Autogen`).
  var autogens: Bool { flavor != .validatingAdmissionPolicy && !autogenControllers.isEmpty }
}

/// A ValidatingAdmissionPolicyBinding. A class for the reason `PolicyExpression` is one: it
/// is handed around for every object its policy matches.
final class AdmissionBinding: Sendable {
  let name: String
  let policyName: String
  let file: String
  let nameRange: SourceRange
  let paramReference: ParamReference?
  let matchResources: MatchResources?
  let actions: [ValidationAction]

  init(
    name: String, policyName: String, file: String, nameRange: SourceRange,
    paramReference: ParamReference?, matchResources: MatchResources?,
    actions: [ValidationAction]
  ) {
    self.name = name
    self.policyName = policyName
    self.file = file
    self.nameRange = nameRange
    self.paramReference = paramReference
    self.matchResources = matchResources
    self.actions = actions
  }
}

/// The names of a policy's variables, in order, shared by all its expressions.
final class VariableNames: Sendable {
  /// Each name's first position.
  private let positions: [String: Int]
  let count: Int

  init(_ names: [String]) {
    var positions: [String: Int] = [:]
    for (position, name) in names.enumerated() where positions[name] == nil {
      positions[name] = position
    }
    self.positions = positions
    self.count = names.count
  }

  func position(of name: String) -> Int? { positions[name] }
}

/// The variables an expression sees: the first `count` of its policy's. A count, not a set
/// per expression: n variables made n sets of up to n names (4 GB for 16 000 variables).
struct VisibleVariables: Sendable {
  let names: VariableNames
  let count: Int
  /// Their types, where known: the API server declares each variable of its expression's
  /// type (a ValidatingAdmissionPolicy's; Kyverno's are `dyn`).
  var types: VariableTypes? = nil

  func type(of name: String) -> CheckedType? {
    guard let types, let position = names.position(of: name), position < count,
      position < types.byPosition.count
    else { return nil }
    return types.byPosition[position]
  }

  func contains(_ name: String) -> Bool { names.position(of: name).map { $0 < count } ?? false }
}

/// The types of a policy's variables by position, where known (see `VisibleVariables`).
/// Written while its variables compile, each after the one before; only read after.
final class VariableTypes: @unchecked Sendable {
  var byPosition: [CheckedType?]

  init(count: Int) {
    byPosition = Array(repeating: nil, count: count)
  }
}

/// A Kyverno PolicyException (see `PolicyReader.exception`).
struct PolicyException: Sendable {
  /// A policy it names: Kyverno applies it to the policy of that kind and name only.
  struct Reference: Hashable, Sendable {
    let kind: String
    let name: String
  }

  let name: String
  let file: String
  let policies: [Reference]
  let matchConditions: [NamedExpression]
  /// What the policies it names read as `exceptions.allowedImages` and
  /// `exceptions.allowedValues` on the objects it matches.
  let images: [String]
  let allowedValues: [String]
  /// When Kyverno stops applying it, and where that is written.
  let expiresAt: (time: Timestamp, range: SourceRange)?
  /// `images` and `allowedValues` as the policies read them (`exceptions`), made once: an
  /// exception of many images matches object after object.
  let allowance: Value

  init(
    name: String, file: String, policies: [Reference], matchConditions: [NamedExpression],
    images: [String], allowedValues: [String], expiresAt: (time: Timestamp, range: SourceRange)?
  ) {
    self.name = name
    self.file = file
    self.policies = policies
    self.matchConditions = matchConditions
    self.images = images
    self.allowedValues = allowedValues
    self.expiresAt = expiresAt
    allowance = AdmissionActivation.exceptions(
      images: images.map(Value.string), values: allowedValues.map(Value.string))
  }

  /// Whether it exempts objects entirely: it names no images or allowed values.
  var exemptsFully: Bool { images.isEmpty && allowedValues.isEmpty }

  /// Whether it has expired at `now` (seconds since the epoch), as Kyverno's
  /// `PolicyException.IsExpired`: then it applies to nothing.
  func hasExpired(at now: Int64) -> Bool {
    guard let expiresAt else { return false }
    return expiresAt.time.seconds < now
  }
}

/// A problem of a policy file: where, and what.
struct PolicyFileProblem: Sendable {
  let file: String
  let range: SourceRange
  let message: String
  /// The policy it concerns (its findings carry the policy's name), or `nil` for the file.
  let policy: String?
  let severity: Severity
}

/// Reads the admission objects of one document.
struct PolicyReader {
  let file: String
  let bytes: [UInt8]
  let lines: LineIndex
  var problems: [PolicyFileProblem] = []
  /// Expressions by node: a YAML alias is the node it names, and one anchored expression
  /// aliased a thousand times is compiled (and mapped to its source) once.
  private var expressions: [NodeID: PolicyExpression] = [:]
  /// Expressions kubeward writes (a ClusterPolicy's names and namespaces), by their text: a
  /// list of namespaces aliased by a thousand rules is compiled once.
  private var generated: [String: PolicyExpression] = [:]
  /// Where the last expression's start was found, for the next one on its line.
  private let cursor = ColumnCursor()
  /// Whether the policy being read has `cel.bind` (a Kyverno policy's).
  var bindings = false

  init(file: String, bytes: [UInt8]) {
    self.file = file
    self.bytes = bytes
    self.lines = LineIndex(bytes)
  }

  static func isPolicy(apiVersion: String, kind: String) -> Bool {
    (apiVersion.hasPrefix("admissionregistration.k8s.io/") && kind == "ValidatingAdmissionPolicy")
      || (apiVersion.hasPrefix("policies.kyverno.io/")
        && (kind == "ValidatingPolicy" || kind == "NamespacedValidatingPolicy"))
  }

  /// Why kubeward does not evaluate an object of another policy engine, or of another kind of
  /// admission policy, given as a policy; `nil` for any other object (a param, a Namespace).
  static func unevaluatedPolicy(apiVersion: String, kind: String) -> String? {
    let group = apiVersion.split(separator: "/").first.map(String.init) ?? ""
    switch (group, kind) {
    case ("policies.kyverno.io", _):
      return "kubeward evaluates Kyverno's ValidatingPolicies, not its \(kind) resources"
    case ("templates.gatekeeper.sh", "ConstraintTemplate"):
      return "kubeward evaluates ValidatingAdmissionPolicies, not Gatekeeper's templates"
    case ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"):
      return "kubeward checks objects and does not mutate them"
    case ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
      ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"):
      return "a webhook's verdict needs the webhook, which runs in the cluster"
    default:
      return nil
    }
  }

  static func isException(apiVersion: String, kind: String) -> Bool {
    apiVersion.hasPrefix("policies.kyverno.io/") && kind == "PolicyException"
  }

  /// A Kyverno PolicyException: the ValidatingPolicies it names (by kind and name) skip the
  /// objects its matchConditions all hold for; one that names `images` or `allowedValues`
  /// exempts nothing itself, and gives the policies those lists to read as `exceptions`.
  mutating func exception(_ root: Node) -> PolicyException? {
    bindings = true
    guard let nameNode = root["metadata"]?["name"], let name = nameNode.string else {
      problem(root, "PolicyException has no metadata.name")
      return nil
    }
    guard let spec = root["spec"], spec.isMapping else {
      problem(nameNode, "PolicyException \(name) has no spec")
      return nil
    }
    // Kyverno's schema requires the list, and a kind and a name in each entry: the API server
    // rejects an exception without them (read without them, one exempted every policy).
    guard let references = spec["policyRefs"], references.isSequence else {
      problem(
        spec["policyRefs"] ?? nameNode,
        "PolicyException \(name) has no spec.policyRefs list: the API server rejects it, and it exempts nothing"
      )
      return nil
    }
    var policies: [PolicyException.Reference] = []
    for reference in references.items {
      guard let kind = text(reference["kind"]), let policy = text(reference["name"]) else {
        problem(
          reference,
          "PolicyException \(name): each policyRefs entry needs a kind and a name: the API server rejects the exception, and it exempts nothing"
        )
        return nil
      }
      policies.append(PolicyException.Reference(kind: kind, name: policy))
    }
    var expiresAt: (Timestamp, SourceRange)?
    if let node = spec["expiresAt"], !node.isNull {
      guard let written = text(node), let time = Timestamp(parsing: written) else {
        problem(
          node,
          "PolicyException \(name): expiresAt is not an RFC 3339 date-time: the API server rejects the exception, and it exempts nothing"
        )
        return nil
      }
      expiresAt = (time, node.range)
    }
    var conditions: [NamedExpression] = []
    for item in spec["matchConditions"]?.items ?? .none {
      guard let expression = expression(item["expression"], policy: name) else {
        problem(item, "each matchCondition needs an expression")
        continue
      }
      conditions.append(NamedExpression(name: text(item["name"]) ?? "", expression: expression))
    }
    return PolicyException(
      name: name, file: file, policies: policies, matchConditions: conditions,
      images: strings(spec["images"]) ?? [], allowedValues: strings(spec["allowedValues"]) ?? [],
      expiresAt: expiresAt)
  }

  static func isBinding(apiVersion: String, kind: String) -> Bool {
    apiVersion.hasPrefix("admissionregistration.k8s.io/")
      && kind == "ValidatingAdmissionPolicyBinding"
  }

  mutating func problem(
    _ node: Node, _ message: String, policy: String? = nil, severity: Severity = .error
  ) {
    problems.append(
      PolicyFileProblem(
        file: file, range: node.range, message: message, policy: policy, severity: severity))
  }

  func text(_ node: Node?) -> String? {
    guard let node, node.isScalar, !node.isNull else { return nil }
    return node.string
  }

  /// A field's text; `""`, which no field takes, when it is written as a list or a map (read
  /// as absent, `[Enforce]` was Audit in silence).
  func writtenText(_ node: Node?) -> String? {
    guard let node, !node.isNull else { return nil }
    return node.isScalar ? node.string : ""
  }

  func strings(_ node: Node?) -> [String]? {
    guard let node, node.isSequence else { return nil }
    return node.items.compactMap { $0.string }
  }

  /// The expression written at `node`; `variables`, those of its policy it may read.
  /// `returning`: the types the API server requires of its value, none for any.
  mutating func expression(
    _ node: Node?, policy: String, variables: VisibleVariables? = nil, returning: [String] = []
  ) -> PolicyExpression? {
    guard let node else { return nil }
    guard node.isScalar, let source = node.string else {
      problem(node, "an expression must be a string", policy: policy)
      return nil
    }
    if let known = expressions[node.id] { return known }
    let expression = PolicyExpression(
      source: source, node: node, file: file, bytes: bytes, lines: lines, cursor: cursor,
      variables: variables, bindings: bindings, returning: returning)
    expressions[node.id] = expression
    return expression
  }

  /// An expression kubeward wrote for what the policy says at `node`, compiled once per text.
  mutating func generatedExpression(_ source: String, at node: Node) -> PolicyExpression {
    if let known = generated[source] { return known }
    let expression = PolicyExpression(
      source: source, node: node, file: file, bytes: bytes, lines: lines)
    generated[source] = expression
    return expression
  }

  func rules(_ node: Node?) -> [ResourceRule]? {
    guard let node, node.isSequence else { return nil }
    return node.items.map { item in
      ResourceRule(
        apiGroups: strings(item["apiGroups"]) ?? [],
        apiVersions: strings(item["apiVersions"]) ?? [],
        operations: strings(item["operations"]) ?? [],
        resources: strings(item["resources"]) ?? [],
        resourceNames: strings(item["resourceNames"]) ?? [], scope: text(item["scope"]) ?? "*")
    }
  }

  /// The first selector of `matchResources` (the policy's `matchConstraints`, the binding's
  /// `matchResources`: `field`) the API server refuses, and why. Read as matching nothing,
  /// such a selector silently turned its policy off.
  static func invalidSelector(in matchResources: Node?, field: String) -> (Node, String)? {
    invalidSelector(matchResources?["namespaceSelector"], named: "\(field).namespaceSelector")
      ?? invalidSelector(matchResources?["objectSelector"], named: "\(field).objectSelector")
  }

  /// What the API server refuses in a label selector: a label or a value that is no text
  /// (its decoder: `matchLabels: {tier: 1}` is no `map[string]string`), and what its strict
  /// `ValidateLabelSelector` refuses (the admission types came after kubernetes#99139): an
  /// operator with values it cannot have, a key that is no qualified name, a value that is no
  /// label value.
  static func invalidSelector(_ selector: Node?, named name: String) -> (Node, String)? {
    guard let selector, selector.isMapping else { return nil }
    if let labels = selector["matchLabels"], !labels.isNull {
      guard labels.isMapping else { return (labels, "\(name).matchLabels must be a mapping") }
      // A key is text whatever it looks like (YAML's keys become JSON's, which are text); a
      // value written null is the empty value.
      for (keyNode, value) in labels.pairs {
        let key = keyNode.string ?? ""
        if let why = Names.qualifiedNameProblems(key).first {
          return (keyNode, "\(name).matchLabels: \(shown(key)): \(why)")
        }
        if value.isNull { continue }
        guard value.jsonType == .string, let text = value.string else {
          return (value, "\(name).matchLabels.\(key) must be a string")
        }
        if let why = Names.labelValueProblems(text).first {
          return (value, "\(name).matchLabels.\(key): \(shown(text)): \(why)")
        }
      }
    }
    guard let requirements = selector["matchExpressions"], requirements.isSequence else {
      return nil
    }
    for (index, requirement) in requirements.items.enumerated() {
      let path = "\(name).matchExpressions[\(index)]"
      let operatorNode = requirement["operator"] ?? requirement
      let valueNodes = requirement["values"]?.items ?? .none
      switch operatorNode.string {
      case "In", "NotIn":
        if valueNodes.isEmpty {
          return (operatorNode, "\(path): values must be given for the operator In or NotIn")
        }
      case "Exists", "DoesNotExist":
        if !valueNodes.isEmpty {
          return (
            operatorNode, "\(path): values must be empty for the operator Exists or DoesNotExist"
          )
        }
      default:
        return (
          operatorNode,
          "\(path): \(shown(operatorNode.string ?? "")) is not a valid selector operator (In, NotIn, Exists or DoesNotExist)"
        )
      }
      let keyNode = requirement["key"] ?? requirement
      if let key = requirement["key"], !key.isNull, key.jsonType != .string {
        return (key, "\(path).key must be a string")
      }
      if let why = Names.qualifiedNameProblems(keyNode.string ?? "").first {
        return (keyNode, "\(path).key \(shown(keyNode.string ?? "")): \(why)")
      }
      for (valueIndex, value) in valueNodes.enumerated() where !value.isNull {
        guard value.jsonType == .string else {
          return (value, "\(path).values[\(valueIndex)] must be a string")
        }
        if let why = Names.labelValueProblems(value.string ?? "").first {
          return (value, "\(path).values[\(valueIndex)] \(shown(value.string ?? "")): \(why)")
        }
      }
    }
    return nil
  }

  /// A `matchPolicy` other than Exact or Equivalent (`validateMatchResources`; left out or
  /// null, it is defaulted to Equivalent), or else the first entry of `matchResources`'
  /// `resourceRules` or `excludeResourceRules` that the API server's validation refuses
  /// (`validateNamedRuleWithOperations`), and why. Read as it
  /// is written, such a rule silently matched nothing (`operations` left out, `create` in
  /// lower case) or more than the author meant.
  static func invalidRule(in matchResources: Node?) -> (Node, String)? {
    if let policy = matchResources?["matchPolicy"], !policy.isNull,
      !["Exact", "Equivalent"].contains(policy.isScalar ? policy.string ?? "" : "")
    {
      guard policy.isScalar else {
        return (policy, "matchPolicy must be a string (Exact or Equivalent)")
      }
      return (
        policy, "matchPolicy: \(shown(policy.string ?? "")) is not supported (Exact or Equivalent)"
      )
    }
    for field in ["resourceRules", "excludeResourceRules"] {
      guard let rules = matchResources?[field], rules.isSequence else { continue }
      for (index, rule) in rules.items.enumerated() {
        if let (node, why) = invalidRule(rule) { return (node, "\(field)[\(index)].\(why)") }
      }
    }
    return nil
  }

  private static let operations: Set<String> = ["*", "CREATE", "UPDATE", "DELETE", "CONNECT"]
  private static let scopes: Set<String> = ["*", "Cluster", "Namespaced"]

  private static func invalidRule(_ rule: Node) -> (Node, String)? {
    /// A list the rule must hold, with `*` alone when it is there.
    func list(_ name: String) -> (Node, String)? {
      guard let node = rule[name], node.isSequence, !node.items.isEmpty else {
        return (rule[name] ?? rule, "\(name) is required")
      }
      // A null entry decodes as "" (the core group), which the checks below judge.
      if let index = node.items.firstIndex(where: { $0.jsonType != .string && !$0.isNull }) {
        return (node.items[index], "\(name)[\(index)] must be a string")
      }
      let values = node.items.map { $0.string ?? "" }
      if values.count > 1 && values.contains("*") {
        return (node, "\(name): if '*' is present, it must be the only entry")
      }
      return nil
    }
    if let problem = list("operations") { return problem }
    let written = rule["operations"]?.items.map { $0 } ?? []
    if let unknown = written.first(where: { !operations.contains($0.string ?? "") }) {
      return (
        unknown,
        "operations: \(shown(unknown.string ?? "")) is not supported (*, CREATE, UPDATE, DELETE or CONNECT)"
      )
    }
    if let problem = list("apiGroups") ?? list("apiVersions") { return problem }
    let versions = rule["apiVersions"]?.items.map { $0 } ?? []
    if let empty = versions.first(where: { ($0.string ?? "").isEmpty }) {
      return (empty, "apiVersions: an empty version is not allowed")
    }
    guard let resources = rule["resources"], resources.isSequence, !resources.items.isEmpty else {
      return (rule["resources"] ?? rule, "resources is required")
    }
    for name in ["resources", "resourceNames"] {
      let items = rule[name]?.items ?? .none
      if let index = items.firstIndex(where: { $0.jsonType != .string && !$0.isNull }) {
        return (items[index], "\(name)[\(index)] must be a string")
      }
    }
    if let scope = rule["scope"], !scope.isNull, scope.jsonType != .string {
      return (scope, "scope must be a string")
    }
    // `validateResources`, in its order: `x/*` or `*/y` before `x/y` overlaps it, and, as the
    // API server reads it, the last resource written without a subresource decides whether
    // `*` has company.
    var withAllSubresources: Set<Substring> = []
    var withAllResources: Set<Substring> = []
    var lastPlainIsNotWildcard = false
    for item in resources.items {
      let name = item.string ?? ""
      guard !name.isEmpty else { return (item, "resources: an empty resource is not allowed") }
      guard let slash = name.firstIndex(of: "/") else {
        lastPlainIsNotWildcard = name != "*"
        continue
      }
      let resource = name[..<slash]
      let subresource = name[name.index(after: slash)...]
      if withAllSubresources.contains(resource) {
        let by = shown(String(resource) + "/*")
        return (item, "resources: \(shown(name)) is already named by \(by)")
      }
      if withAllResources.contains(subresource) {
        let by = shown("*/" + String(subresource))
        return (item, "resources: \(shown(name)) is already named by \(by)")
      }
      if subresource == "*" { withAllSubresources.insert(resource) }
      if resource == "*" { withAllResources.insert(subresource) }
    }
    let names = resources.items.map { $0.string ?? "" }
    if names.count > 1 && names.contains("*/*") {
      return (resources, "resources: if '*/*' is present, it must be the only entry")
    }
    if names.contains("*") && lastPlainIsNotWildcard {
      return (
        resources,
        "resources: '*' names every resource, so no other resource without a subresource may be listed with it"
      )
    }
    if let scope = rule["scope"], !scope.isNull, !scopes.contains(scope.string ?? "") {
      return (
        scope, "scope: \(shown(scope.string ?? "")) is not supported (*, Cluster or Namespaced)"
      )
    }
    return nil
  }

  func matchResources(_ node: Node?) -> MatchResources? {
    guard let node, node.isMapping else { return nil }
    func selector(_ key: String) -> LabelSelector? {
      guard let selector = node[key], selector.isMapping else { return nil }
      return LabelSelector(selector: selector)
    }
    return MatchResources(
      namespaceSelector: selector("namespaceSelector"), objectSelector: selector("objectSelector"),
      resourceRules: rules(node["resourceRules"]),
      excludeResourceRules: rules(node["excludeResourceRules"]) ?? [],
      exactMatch: text(node["matchPolicy"]) == "Exact")
  }

  private mutating func actions(_ node: Node?, policy: String) -> [ValidationAction]? {
    guard let node else { return nil }
    var actions: [ValidationAction] = []
    for item in node.items {
      guard let text = item.string, let action = ValidationAction(rawValue: text) else {
        problem(item, "validationActions are Deny, Warn or Audit", policy: policy)
        continue
      }
      actions.append(action)
    }
    return actions
  }

  /// How deep a policy's variables may nest in all (their expressions' heights summed).
  static let maximumVariableNesting = 2_000

  /// Kyverno's functions that reach a cluster, a registry or the network.
  static let clusterLibraries = ["resource", "http", "globalContext", "imagedata", "image"]

  /// Kyverno's own CEL libraries that need no cluster but that kubeward does not implement:
  /// a policy using one is not evaluated, and says so, where a compile error would claim the
  /// API server rejects every request.
  private static let kyvernoLibraries: Set<String> = [
    "hash", "json", "jsonpatch", "yaml", "x509", "gzip", "random",
    // cel-go's regex extension (`regex.extract`, `regex.replace`), whose capture groups
    // kubeward's regular expressions do not track.
    "regex",
  ]

  /// What makes an expression one kubeward cannot evaluate offline, and where: the
  /// authorizer, which asks the cluster; or, in a Kyverno policy, one of Kyverno's libraries,
  /// which kubeward does not declare (a function that needs a cluster, or one it does not
  /// implement). Read from the compiler, not the text: `image.endsWith(…)` whose `image` is a
  /// comprehension's variable compiles, and calls no library (Gatekeeper's templates filter
  /// `exemptImages` so); a ValidatingAdmissionPolicy has none of them, and one that calls them
  /// does not compile, as in the API server.
  private static func unevaluable(_ expression: PolicyExpression, flavor: AdmissionPolicy.Flavor)
    -> (String, Int)?
  {
    // The authorizer asks the cluster's authorizers, which a linter has none of (read in the
    // parsed expression: the word in a string is no call).
    if let offset = expression.program?.expression.firstReference(to: "authorizer") {
      return (calledFunction(at: offset, in: Array(expression.source.utf8)), offset)
    }
    guard flavor == .kyverno, let error = expression.compileError,
      let name = error.message.firstMatch(of: /undeclared reference to '([^']+)'/)?.1,
      clusterLibraries.contains(String(name)) || kyvernoLibraries.contains(String(name))
    else { return nil }
    let bytes = Array(expression.source.utf8)
    // Where the compiler found the name, else where it is first written as one.
    let offset =
      bytes.dropFirst(error.offset).starts(with: name.utf8)
      ? error.offset : nameOffset(String(name), in: expression.source)
    guard let offset else { return (String(name), 0) }
    return (calledFunction(at: offset, in: bytes), offset)
  }

  /// Where `name` is first written as a name of its own (not a field, not part of a longer
  /// name).
  private static func nameOffset(_ name: String, in source: String) -> Int? {
    let bytes = Array(source.utf8)
    let needle = Array(name.utf8)
    var start = 0
    while start + needle.count <= bytes.count {
      let end = start + needle.count
      if bytes[start..<end].elementsEqual(needle),
        start == 0 || !isNamePart(bytes[start - 1]) && bytes[start - 1] != UInt8(ascii: "."),
        end == bytes.count || !isNamePart(bytes[end])
      {
        return start
      }
      start += 1
    }
    return nil
  }

  /// The name at `offset` with the function of it that is called (`hash.md5`).
  private static func calledFunction(at offset: Int, in bytes: [UInt8]) -> String {
    var stop = offset
    while stop < bytes.count, isNamePart(bytes[stop]) { stop += 1 }
    if stop < bytes.count, bytes[stop] == UInt8(ascii: ".") {
      stop += 1
      while stop < bytes.count, isNamePart(bytes[stop]) { stop += 1 }
    }
    return String(decoding: bytes[offset..<stop], as: UTF8.self)
  }

  private static func isNamePart(_ byte: UInt8) -> Bool {
    (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
      || byte == UInt8(ascii: "_")
  }

  /// A ValidatingAdmissionPolicy or Kyverno ValidatingPolicy.
  /// The longest name of an object the API server takes (a DNS subdomain's).
  static let maximumNameLength = 253

  mutating func policy(_ root: Node, apiVersion: String, kind: String) -> AdmissionPolicy? {
    let metadata = root["metadata"]
    guard let nameNode = metadata?["name"], let name = nameNode.string, !name.isEmpty else {
      problem(root, "\(kind) has no metadata.name")
      return nil
    }
    // The name is the id of the policy's findings, written whole in each: one of a megabyte
    // made hundreds of megabytes of report. The API server and Kyverno refuse it.
    guard name.utf8.count <= Self.maximumNameLength else {
      problem(
        nameNode,
        "\(kind)'s metadata.name is longer than \(Self.maximumNameLength) characters, which "
          + "the API server refuses (a name is a DNS subdomain); it is not evaluated")
      return nil
    }
    // A refused name is no id, whatever else is wrong (`team/rule` without a spec was filed
    // under a ClusterPolicy's rule).
    if refuses(name, of: kind, at: nameNode) { return nil }
    guard let spec = root["spec"], spec.isMapping else {
      problem(nameNode, "\(kind) \(name) has no spec", policy: name)
      return nil
    }
    let flavor: AdmissionPolicy.Flavor =
      kind == "ValidatingAdmissionPolicy" ? .validatingAdmissionPolicy : .kyverno
    bindings = flavor == .kyverno
    let parts = PolicyParts(
      matchConditions: spec["matchConditions"], variables: spec["variables"],
      validations: spec["validations"], auditAnnotations: spec["auditAnnotations"])
    if let (node, why) = flavor == .validatingAdmissionPolicy
      ? Self.invalidEntryName(in: spec, policy: name) ?? Self.invalidEntry(in: parts)
      : Self.invalidEntry(in: parts, asTheAPIServer: false)
    {
      let refuser = flavor == .kyverno ? "its schema" : "the API server"
      problem(
        node, "\(kind) \(name): \(why): \(refuser) rejects it, and kubeward does not evaluate it",
        policy: name)
      return nil
    }
    var paramKind: (String, String)?
    if let node = spec["paramKind"] {
      guard let version = text(node["apiVersion"]), let kind = text(node["kind"]) else {
        problem(node, "paramKind needs apiVersion and kind", policy: name)
        return nil
      }
      paramKind = (version, kind)
    }
    guard var body = body(parts, name: name, kind: kind, flavor: flavor, nameNode: nameNode)
    else { return nil }
    // A NamespacedValidatingPolicy applies to the requests of its own namespace, as Kyverno's
    // handler selects it: read as written, it checked every namespace's objects.
    var namespace: String?
    if kind == "NamespacedValidatingPolicy" {
      guard let written = ownNamespace(metadata, of: kind, name, at: nameNode) else {
        return nil
      }
      namespace = written
      let own = generatedExpression(Self.inNamespace(written), at: nameNode)
      body.matchConditions.insert(
        NamedExpression(name: "kyverno-namespace", expression: own), at: 0)
    }
    var failurePolicy = FailurePolicy.fail
    // Left out or null, it is defaulted to Fail.
    if let node = spec["failurePolicy"], !node.isNull {
      guard let text = node.string, let value = FailurePolicy(rawValue: text) else {
        problem(node, "failurePolicy is Fail or Ignore", policy: name)
        return nil
      }
      failurePolicy = value
    }
    var ownActions: [ValidationAction]?
    var autogen: [String] = []
    var checksAtAdmission = true
    if flavor == .kyverno {
      let written = spec["validationActions"]
      if let written, !written.isSequence && !written.isNull {
        problem(written, "validationActions is a list of Deny, Warn and Audit", policy: name)
        return nil
      }
      // Left out or empty: Deny, Kyverno's default.
      let given = actions(written, policy: name) ?? []
      // Every action written was invalid (and reported): Kyverno rejects the policy.
      if given.isEmpty && !(written?.items.isEmpty ?? true) { return nil }
      ownActions = given.isEmpty ? [.deny] : given
      autogen = Self.autogenControllers(spec)
      checksAtAdmission = spec["evaluation"]?["admission"]?["enabled"]?.bool != false
    }
    // The API server (and Kyverno) reject a policy that does not say what it matches.
    guard let constraints = matchResources(spec["matchConstraints"]) else {
      problem(
        nameNode,
        "\(kind) \(name) has no spec.matchConstraints: it is rejected, and kubeward does not evaluate it",
        policy: name)
      return nil
    }
    if let (node, why) = Self.invalidSelector(
      in: spec["matchConstraints"], field: "matchConstraints")
    {
      problem(
        node, "\(kind) \(name): \(why): it is rejected, and kubeward does not evaluate it",
        policy: name)
      return nil
    }
    // Kyverno refuses a ValidatingPolicy without resourceRules as the API server does
    // (`vpol.Validate`): read as matching every object, one such policy flagged them all.
    let refuser = flavor == .kyverno ? "Kyverno" : "the API server"
    if constraints.resourceRules?.isEmpty ?? true {
      problem(
        spec["matchConstraints"] ?? nameNode,
        "\(kind) \(name) has no spec.matchConstraints.resourceRules: \(refuser) rejects it, and kubeward does not evaluate it",
        policy: name)
      return nil
    }
    if flavor == .validatingAdmissionPolicy,
      let (node, why) = Self.invalidRule(in: spec["matchConstraints"])
    {
      problem(
        node,
        "\(kind) \(name): matchConstraints.\(why): the API server rejects it, and kubeward does not evaluate it",
        policy: name)
      return nil
    }
    let annotations = metadata?["annotations"]
    let title =
      annotations?["policies.kyverno.io/title"]?.string ?? annotations?["title"]?.string ?? name
    let summary =
      annotations?["policies.kyverno.io/description"]?.string
      ?? annotations?["description"]?.string
      ?? "\(flavor == .kyverno ? "Kyverno ValidatingPolicy" : "ValidatingAdmissionPolicy") \(name) from \(file)."
    return AdmissionPolicy(
      name: name, flavor: flavor, file: file, nameRange: nameNode.range, paramKind: paramKind,
      matchConstraints: constraints,
      matchConditions: body.matchConditions, variables: body.variables,
      validations: body.validations, auditAnnotations: body.auditAnnotations,
      failurePolicy: failurePolicy, ownActions: ownActions, autogenControllers: autogen,
      title: title, summary: summary, needsCluster: body.needsCluster, kind: kind,
      checksAtAdmission: checksAtAdmission, namespace: namespace)
  }

  /// The API server's limits on a ValidatingAdmissionPolicy's lists
  /// (`validateValidatingAdmissionPolicySpec`).
  static let maximumMatchConditions = 64
  /// The longest match condition name or audit annotation key kept whole: a qualified name,
  /// valid, is at most 317 bytes (a 253-byte prefix, `/`, 63 bytes).
  static let longestShownEntryName = 320
  static let maximumAuditAnnotations = 20

  /// The first name or key of a ValidatingAdmissionPolicy's lists that the API server refuses
  /// the policy for, or a list longer than it takes: a variable not named with a CEL
  /// identifier; a match condition not named with a qualified name, or named twice; an audit
  /// annotation whose key, after the policy's name and `/`, is not a qualified name (at most
  /// 63 characters: a key of a megabyte was worked on for every object), or is given twice.
  /// Missing names, and names that are no text, are said where the entry is read
  /// (`invalidEntry`).
  static func invalidEntryName(in spec: Node, policy: String) -> (Node, String)? {
    for (index, variable) in (spec["variables"]?.items ?? .none).enumerated() {
      guard let node = variable["name"], node.jsonType == .string, let name = node.string,
        !name[...].trimmingSpaces.isEmpty, !Names.isIdentifier(name)
      else { continue }
      return (node, "variables[\(index)].name \(shown(name)) is not a valid CEL identifier")
    }
    func uniqueQualifiedNames(
      _ field: String, key: String, limit: Int, qualified: (String) -> String
    ) -> (Node, String)? {
      guard let list = spec[field], list.isSequence else { return nil }
      if list.items.count > limit {
        return (list, "\(field) has \(list.items.count) entries, more than \(limit)")
      }
      var seen: Set<String> = []
      for (index, entry) in list.items.enumerated() {
        guard let node = entry[key], node.jsonType == .string, let name = node.string,
          !name.isEmpty
        else { continue }
        if let why = Names.qualifiedNameProblems(qualified(name)).first {
          return (node, "\(field)[\(index)].\(key) \(shown(name)): \(why)")
        }
        if !seen.insert(name).inserted {
          return (node, "\(field)[\(index)].\(key) \(shown(name)) is given twice")
        }
      }
      return nil
    }
    return uniqueQualifiedNames(
      "matchConditions", key: "name", limit: maximumMatchConditions, qualified: { $0 })
      ?? uniqueQualifiedNames(
        "auditAnnotations", key: "key", limit: maximumAuditAnnotations,
        qualified: { policy + "/" + $0 })
  }

  /// The reasons a validation may give (`supportedValidationPolicyReason`).
  static let validationReasons: Set<String> = ["Forbidden", "Invalid", "RequestEntityTooLarge"]
  /// The longest audit annotation valueExpression the API server takes, in bytes, trimmed.
  static let longestAnnotationExpression = 5 * 1024

  /// The first entry of a ValidatingAdmissionPolicy's lists that the API server refuses the
  /// policy for, beyond its names (`invalidEntryName`), as `validateVariable`,
  /// `validateMatchCondition`, `validateValidation` and `validateAuditAnnotation` do: a name
  /// or expression left out or blank; a message or messageExpression given blank; a message
  /// of more than one line; a reason it does not support; an audit annotation's
  /// valueExpression over 5 KiB. Read as written, such a policy was evaluated, and its
  /// findings were about a policy no cluster runs.
  ///
  /// Not `asTheAPIServer` (a Kyverno policy, a custom resource), what its schema refuses
  /// only: a list or an entry of another shape, a required field left out, a text field given
  /// as no text.
  static func invalidEntry(in parts: PolicyParts, asTheAPIServer: Bool = true) -> (Node, String)? {
    // A list or a text written as another shape does not decode: read as absent, the policy
    // was evaluated without it.
    for (field, list) in [
      ("variables", parts.variables), ("matchConditions", parts.matchConditions),
      ("validations", parts.validations), ("auditAnnotations", parts.auditAnnotations),
    ] {
      if let list, !list.isNull, !list.isSequence {
        return (list, "\(field) must be a list")
      }
    }
    /// The text of `key`, as written and trimmed, when it is given as text.
    func given(_ entry: Node, _ key: String) -> (node: Node, text: String, trimmed: String)? {
      guard let node = entry[key], node.isScalar, !node.isNull, let text = node.string else {
        return nil
      }
      return (node, text, text[...].trimmingSpaces)
    }
    /// Where `key` of `entry` is given as something else than text: a map, a list, or a
    /// plain number or boolean (`message: 404`, `expression: true`), which the API server's
    /// decoder refuses for a string field as it refuses a map.
    func notText(_ entry: Node, _ key: String, at path: String) -> (Node, String)? {
      guard let node = entry[key], !node.isNull, node.jsonType != .string else { return nil }
      return (node, "\(path).\(key) must be a string")
    }
    /// Where a required `key` of `entry` is left out, blank or no text, and why.
    func missing(_ entry: Node, _ key: String, at path: String) -> (Node, String)? {
      guard entry.isMapping else { return (entry, "\(path) must be a mapping") }
      guard let node = entry[key], !node.isNull else {
        return (entry, "\(path).\(key) is required")
      }
      if let refusal = notText(entry, key, at: path) { return refusal }
      guard asTheAPIServer, let (node, _, trimmed) = given(entry, key), trimmed.isEmpty else {
        return nil
      }
      return (node, "\(path).\(key) is required (it is blank)")
    }
    for (field, list) in [
      ("variables", parts.variables), ("matchConditions", parts.matchConditions),
    ] {
      for (index, entry) in (list?.items ?? .none).enumerated() {
        let path = "\(field)[\(index)]"
        if let refusal = missing(entry, "name", at: path) ?? missing(entry, "expression", at: path)
        {
          return refusal
        }
      }
    }
    for (index, entry) in (parts.validations?.items ?? .none).enumerated() {
      let path = "validations[\(index)]"
      if let refusal = missing(entry, "expression", at: path) { return refusal }
      for key in ["message", "messageExpression", "reason"] {
        if let refusal = notText(entry, key, at: path) { return refusal }
      }
      guard asTheAPIServer else { continue }
      for key in ["message", "messageExpression"] {
        guard let (node, text, trimmed) = given(entry, key) else { continue }
        if !text.isEmpty && trimmed.isEmpty {
          return (node, "\(path).\(key) must be non-empty if specified")
        }
        if key == "message", trimmed.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
          return (node, "\(path).message must not contain line breaks")
        }
      }
      if let reason = entry["reason"], reason.isScalar, !reason.isNull,
        let written = reason.string, !validationReasons.contains(written)
      {
        return (
          reason,
          "\(path).reason \(shown(written)) is not supported (Forbidden, Invalid or RequestEntityTooLarge)"
        )
      }
    }
    for (index, entry) in (parts.auditAnnotations?.items ?? .none).enumerated() {
      let path = "auditAnnotations[\(index)]"
      if let refusal = missing(entry, "key", at: path)
        ?? missing(entry, "valueExpression", at: path)
      {
        return refusal
      }
      if asTheAPIServer, let (node, _, trimmed) = given(entry, "valueExpression"),
        trimmed.utf8.count > longestAnnotationExpression
      {
        return (
          node,
          "\(path).valueExpression must not exceed \(longestAnnotationExpression) bytes in length"
        )
      }
    }
    return nil
  }

  /// What the API server refuses in a binding's paramRef beyond its selector
  /// (`validateParamRef`): neither a name nor a selector, a name that is no path segment, an
  /// action it does not know (kubeward read every action but `Allow` as `Deny`). One left out
  /// is said where the binding is read.
  /// A binding's `paramRef` (a Kyverno ClusterPolicy rule's too): what is not `Allow` denies
  /// when the params are missing.
  func paramReference(_ node: Node) -> ParamReference {
    var reference = ParamReference()
    reference.name = text(node["name"])
    reference.namespace = text(node["namespace"])
    if let selector = node["selector"], selector.isMapping {
      reference.selector = LabelSelector(selector: selector)
    }
    reference.denyWhenMissing = text(node["parameterNotFoundAction"]) != "Allow"
    return reference
  }

  static func invalidParamRef(_ reference: Node?) -> (Node, String)? {
    guard let reference, reference.isMapping else { return nil }
    func written(_ key: String) -> (node: Node, text: String)? {
      guard let node = reference[key], !node.isNull else { return nil }
      return (node, node.string ?? "")
    }
    let name = written("name").flatMap { $0.text.isEmpty ? nil : $0 }
    let selector = written("selector")
    guard name != nil || selector != nil else {
      return (reference, "paramRef: one of name or selector must be specified")
    }
    if let (node, _) = selector, name != nil {
      return (node, "paramRef: name and selector are mutually exclusive")
    }
    if let (node, text) = name {
      let why =
        text == "." || text == ".."
        ? "may not be \(shown(text))"
        : text.contains("/")
          ? "may not contain '/'"
          : text.contains("%") ? "may not contain '%'" : nil
      if let why { return (node, "paramRef.name \(shown(text)): \(why)") }
    }
    // Left out or empty, it is said where the binding is read (and read as Deny).
    if let (node, text) = written("parameterNotFoundAction"), !text.isEmpty, text != "Deny",
      text != "Allow"
    {
      return (
        node, "paramRef.parameterNotFoundAction \(shown(text)) is not supported (Deny or Allow)"
      )
    }
    return nil
  }

  /// Whether `node` is left out, null or an empty string.
  static func isLeftEmpty(_ node: Node?) -> Bool {
    guard let node else { return true }
    return node.isNull || (node.isScalar && node.string == "")
  }

  /// Whether the API server refuses `name` for an object of `kind`, and says so at `node`:
  /// a ValidatingAdmissionPolicy's and its binding's, and a custom resource's (Kyverno's
  /// policies'), is a DNS subdomain (`Bad_Name` is refused).
  ///
  /// Said under `admission-policy`, not the name: a name the API server refuses is no id
  /// (one with a `/` was taken for a ClusterPolicy's rule, one with control characters or
  /// past 253 bytes was an id the configuration refuses).
  mutating func refuses(_ name: String, of kind: String, at node: Node) -> Bool {
    guard let why = Names.dnsSubdomainProblems(name).first else { return false }
    problem(
      node,
      "\(kind) \(Self.shown(name)): metadata.name: \(why): the API server rejects it, and kubeward does not evaluate it",
      policy: nil)
    return true
  }

  /// A name of the input, quoted and clipped, as a refusal quotes it.
  static func shown(_ name: String) -> String { "'\(AdmissionCheck.prefix(name, bytes: 64))'" }

  /// Where a policy's expressions are written: a ValidatingAdmissionPolicy's spec, or a
  /// Kyverno ClusterPolicy rule's `validate.cel` (with `celPreconditions` for conditions).
  struct PolicyParts {
    var matchConditions: Node?
    var variables: Node?
    var validations: Node?
    var auditAnnotations: Node?
    /// The message of a validation that has none (a Kyverno ClusterPolicy rule's
    /// `validate.message`, which Kyverno gives each of its CEL expressions without one).
    var defaultMessage: String? = nil
  }

  /// A policy's expressions, compiled.
  struct PolicyBody {
    var matchConditions: [NamedExpression]
    var variables: [NamedExpression]
    var validations: [Validation]
    var auditAnnotations: [NamedExpression]
    var needsCluster: (function: String, expression: PolicyExpression, offset: Int)?
  }

  /// Reads and compiles the expressions of `parts`; `nil` (and a problem) when its variables
  /// nest too deep to evaluate.
  mutating func body(
    _ parts: PolicyParts, name: String, kind: String, flavor: AdmissionPolicy.Flavor,
    nameNode: Node
  ) -> PolicyBody? {
    var needsCluster: (String, PolicyExpression, Int)?
    // Variables are compiled in order, each seeing those before it; every other expression
    // sees them all.
    let names = VariableNames((parts.variables?.items ?? .none).compactMap { text($0["name"]) })
    // Filled as the variables compile, in order (a repeated name keeps its first position's
    // type, as it keeps its first position): each expression reads those before it.
    let types = VariableTypes(count: flavor == .validatingAdmissionPolicy ? names.count : 0)
    let allVariables = VisibleVariables(names: names, count: names.count, types: types)
    // The types the API server's compiler requires (ValidatingAdmissionPolicies; Kyverno
    // compiles its own way).
    func required(_ types: [String]) -> [String] {
      flavor == .validatingAdmissionPolicy ? types : []
    }
    func named(
      _ list: Node?, field: String, reader: inout PolicyReader, inOrder: Bool = false,
      returning: [String] = []
    ) -> [NamedExpression] {
      var result: [NamedExpression] = []
      var visible = inOrder ? VisibleVariables(names: names, count: 0, types: types) : allVariables
      for item in list?.items ?? .none {
        defer {
          if inOrder, reader.text(item["name"]) != nil {
            visible = VisibleVariables(names: names, count: visible.count + 1, types: types)
          }
        }
        let key = field == "key" ? "key" : "name"
        let valueKey = field == "key" ? "valueExpression" : "expression"
        guard let itemName = reader.text(item[key]) else {
          reader.problem(item, "each entry needs a \(key)", policy: name)
          continue
        }
        // A condition's name and an annotation's key are only shown, in findings about any
        // object: one of a megabyte (which Kyverno's policies do not refuse) was written into
        // each. A variable's name is what expressions read it by, and is kept whole.
        let shownName =
          inOrder ? itemName : AdmissionCheck.prefix(itemName, bytes: Self.longestShownEntryName)
        guard let expressionNode = item[valueKey] else {
          reader.problem(item, "\(shownName) has no \(valueKey)", policy: name)
          continue
        }
        guard
          let expression = reader.expression(
            expressionNode, policy: name, variables: visible, returning: returning)
        else { continue }
        if inOrder, visible.count < types.byPosition.count,
          names.position(of: itemName) == visible.count
        {
          types.byPosition[visible.count] = expression.program?.resultType?.asVariable
        }
        if let (function, offset) = Self.unevaluable(expression, flavor: flavor) {
          if needsCluster == nil { needsCluster = (function, expression, offset) }
          continue
        }
        result.append(NamedExpression(name: shownName, expression: expression))
      }
      return result
    }
    // Variables first, as the API server compiles them: every other expression reads them
    // at their types.
    let variables = named(parts.variables, field: "name", reader: &self, inOrder: true)
    let matchConditions = named(
      parts.matchConditions, field: "name", reader: &self, returning: required(["bool"]))
    // Each variable can nest what the one before built as deep as its own expression: a value
    // made by thousands of them was deeper than the stack that compares or frees it.
    let nesting = variables.reduce(0) { $0 + ($1.expression.program?.expression.height ?? 1) }
    guard nesting <= Self.maximumVariableNesting else {
      problem(
        parts.variables ?? nameNode,
        "\(kind) \(name): its variables nest \(nesting) expression levels in all; kubeward evaluates at most \(Self.maximumVariableNesting) and does not evaluate this policy",
        policy: name)
      return nil
    }
    let auditAnnotations = named(
      parts.auditAnnotations, field: "key", reader: &self,
      returning: required(["string", "null_type"]))
    var validations: [Validation] = []
    for item in parts.validations?.items ?? .none {
      guard let expressionNode = item["expression"] else {
        problem(item, "a validation needs an expression", policy: name)
        continue
      }
      guard
        let expression = expression(
          expressionNode, policy: name, variables: allVariables, returning: required(["bool"]))
      else { continue }
      if let (function, offset) = Self.unevaluable(expression, flavor: flavor) {
        if needsCluster == nil { needsCluster = (function, expression, offset) }
        continue
      }
      validations.append(
        Validation(
          expression: expression,
          message: (text(item["message"]) ?? "").isEmpty
            ? parts.defaultMessage.flatMap { $0.isEmpty ? nil : $0 } ?? text(item["message"])
            : text(item["message"]),
          // One left empty (or null) is none: the API server compiles only one with text.
          messageExpression: Self.isLeftEmpty(item["messageExpression"])
            ? nil
            : self.expression(
              item["messageExpression"], policy: name, variables: allVariables,
              returning: required(["string"])),
          reason: text(item["reason"])))
    }
    if validations.isEmpty && auditAnnotations.isEmpty && needsCluster == nil {
      problem(
        nameNode, "\(kind) \(name) has no validations (nor auditAnnotations): it checks nothing",
        policy: name)
    }
    return PolicyBody(
      matchConditions: matchConditions, variables: variables, validations: validations,
      auditAnnotations: auditAnnotations, needsCluster: needsCluster)
  }

  /// The pod controllers Kyverno's autogen extends a pod policy to: all of them unless
  /// `spec.autogen.podControllers.controllers` names some (an empty list turns it off).
  private static func autogenControllers(_ spec: Node) -> [String] {
    // Kyverno's `ConfigsMap`: no ReplicationController (a ClusterPolicy's autogen has one),
    // and the controllers named by their resources as written (`deployments`).
    let all = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet"]
    // Null is left out: the CRD drops it, and Kyverno takes every controller.
    guard let controllers = spec["autogen"]?["podControllers"]?["controllers"], !controllers.isNull
    else { return all }
    let names = Set(controllers.items.compactMap(\.string))
    return all.filter { names.contains($0.lowercased() + "s") }
  }

  mutating func binding(_ root: Node, apiVersion: String) -> AdmissionBinding? {
    guard let nameNode = root["metadata"]?["name"], let name = nameNode.string else {
      problem(root, "ValidatingAdmissionPolicyBinding has no metadata.name")
      return nil
    }
    guard let spec = root["spec"], let policyNode = spec["policyName"],
      let policyName = text(policyNode)
    else {
      problem(
        nameNode, "ValidatingAdmissionPolicyBinding \(Self.shown(name)) names no spec.policyName")
      return nil
    }
    if policyNode.jsonType != .string {
      problem(
        policyNode,
        "ValidatingAdmissionPolicyBinding \(Self.shown(name)): spec.policyName must be a string: the API server rejects it, and kubeward does not evaluate it"
      )
      return nil
    }
    // Both DNS subdomains, as the API server's `validateValidatingAdmissionPolicyBinding` has
    // them.
    if refuses(name, of: "ValidatingAdmissionPolicyBinding", at: nameNode) {
      return nil
    }
    if let why = Names.dnsSubdomainProblems(policyName).first {
      problem(
        policyNode,
        "ValidatingAdmissionPolicyBinding \(Self.shown(name)): spec.policyName \(Self.shown(policyName)): \(why): the API server rejects it, and kubeward does not evaluate it"
      )
      return nil
    }
    var reference: ParamReference?
    if let node = spec["paramRef"], node.isMapping {
      let ref = paramReference(node)
      let action = text(node["parameterNotFoundAction"])
      // Left out, v1alpha1 defaults it to Deny; written empty, no version does. Either way
      // the binding is read, as Deny, and the warning says what the API server does.
      if action == "" || (action == nil && !apiVersion.hasSuffix("/v1alpha1")) {
        problem(
          node,
          "ValidatingAdmissionPolicyBinding \(Self.shown(name)): paramRef.parameterNotFoundAction is required (Allow or Deny), and the API server rejects the binding without it; kubeward reads it as Deny",
          severity: .warning)
      }
      reference = ref
    }
    if let (node, why) = Self.invalidSelector(in: spec["matchResources"], field: "matchResources")
      ?? Self.invalidRule(in: spec["matchResources"]).map({ ($0.0, "matchResources.\($0.1)") })
      ?? Self.invalidSelector(spec["paramRef"]?["selector"], named: "paramRef.selector")
      ?? Self.invalidParamRef(spec["paramRef"])
    {
      problem(
        node,
        "ValidatingAdmissionPolicyBinding \(name): \(why): the API server rejects it, and kubeward does not evaluate it"
      )
      return nil
    }
    // The API server's `validateValidationActions`: one at least, none twice, and never both
    // Deny and Warn (a denial cannot also be a warning).
    let actions = actions(spec["validationActions"], policy: policyName) ?? []
    let invalidActions: String? =
      if actions.isEmpty {
        "has no validationActions (give Deny, Warn or Audit)"
      } else if actions.contains(.deny) && actions.contains(.warn) {
        "has validationActions Deny and Warn, which may not be given together"
      } else if Set(actions).count < actions.count {
        "gives a validationAction twice"
      } else {
        nil
      }
    if let invalidActions {
      problem(
        spec["validationActions"] ?? nameNode,
        "ValidatingAdmissionPolicyBinding \(name) \(invalidActions): the API server rejects it, and kubeward does not evaluate it"
      )
      return nil
    }
    return AdmissionBinding(
      name: name, policyName: policyName, file: file, nameRange: nameNode.range,
      paramReference: reference, matchResources: matchResources(spec["matchResources"]),
      actions: actions)
  }
}

// MARK: Kept for the process

// What a run reads for every object it checks, marked as living to the end of the process
// (see `ProcessLifetime`, and `AdmissionPolicySet.keepForTheProcess()`).

extension PolicyExpression {
  func keepForTheProcess() {
    ProcessLifetime.keep(self)
    program?.keepForTheProcess()
  }
}

extension MatchResources {
  func keepForTheProcess() {
    ProcessLifetime.keep(self)
    for rule in (resourceRules ?? []) + excludeResourceRules { ProcessLifetime.keep(rule) }
  }
}

extension AdmissionPolicy {
  func keepForTheProcess() {
    ProcessLifetime.keep(self)
    for expression in expressions { expression.keepForTheProcess() }
    needsCluster?.expression.keepForTheProcess()
    matchConstraints?.keepForTheProcess()
  }
}

extension AdmissionBinding {
  func keepForTheProcess() {
    ProcessLifetime.keep(self)
    matchResources?.keepForTheProcess()
  }
}
