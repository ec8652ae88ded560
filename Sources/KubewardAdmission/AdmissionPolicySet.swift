import KubewardCEL
import KubewardEngine
import KubewardModel
import KubewardYAML

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file given as admission policies that holds none, or a set of paths that holds no
/// policy: a usage error.
public struct AdmissionPolicyError: Error, CustomStringConvertible, Sendable {
  public let description: String
}

/// An object of the run or of the policy files that a policy may need: a param, a Namespace
/// (for namespace selectors and `namespaceObject`), a CustomResourceDefinition.
struct ContextObject: Sendable {
  let apiVersion: String
  let kind: String
  let name: String
  let namespace: String?
  let labels: Labels
  let node: Node
}

/// The admission policies of a run: ValidatingAdmissionPolicies with their bindings and
/// params, and Kyverno ValidatingPolicies, read from files with positions and compiled once.
public struct AdmissionPolicySet: Sendable {
  public private(set) var policies: [AdmissionPolicy] = []
  /// The names of the policies read but not evaluated (each said where it is written): a
  /// binding of one binds a policy that is there.
  private var unevaluatedPolicies: Set<String> = []
  private(set) var bindings: [AdmissionBinding] = []
  /// `bindings` by the policy they bind: a set of thousands of policies and bindings is
  /// matched up without a pass over the bindings per policy.
  private var bindingsByPolicy: [String: [AdmissionBinding]] = [:]
  var problems: [PolicyFileProblem] = []

  /// By Kyverno ClusterPolicy (or Policy) of several CEL rules, its rules' ids (each is
  /// `name/rule`; one rule alone is `name`): what `--disable name` means.
  public var kyvernoRuleIDs: [String: [String]] {
    var ids: [String: [String]] = [:]
    for policy in policies {
      if let group = kyvernoGroup(of: policy) { ids[group, default: []].append(policy.name) }
    }
    return ids
  }

  /// The name of the Kyverno policy whose rule `policy` is, when its id is `name/rule`.
  private func kyvernoGroup(of policy: AdmissionPolicy) -> String? {
    guard policy.flavor.isKyvernoRule, let rule = policy.rule else { return nil }
    // By bytes on both sides: a rule named `règle-é` is more bytes than characters.
    let suffix = Array(("/" + rule).utf8)
    let name = Array(policy.name.utf8)
    guard name.count > suffix.count, name.reversed().starts(with: suffix.reversed()) else {
      return nil
    }
    return String(decoding: name.dropLast(suffix.count), as: UTF8.self)
  }
  /// The paths of the files the policies were read from (a run never writes to them).
  public private(set) var files: [FilePath] = []
  /// Kyverno PolicyExceptions, from the policy files and the run (once each, by file and
  /// name: the policy files may be among the linted ones).
  private(set) var exceptions: [PolicyException] = []
  private var exceptionKeys: Set<String> = []

  private mutating func add(_ exception: PolicyException) {
    guard exceptionKeys.insert(exception.file + "\u{0}" + exception.name).inserted else { return }
    exceptions.append(exception)
  }
  /// Objects of the policy files and the run that are neither policies nor bindings.
  var objects: [ContextObject] = []
  var resources = ResourceTable()
  /// Namespace name → its object.
  var namespaces: [String: ContextObject] = [:]
  /// The request every object is evaluated as part of (user, operation).
  public var request = SyntheticRequest()
  /// When set, records each policy's largest cost on one object (tests' cost estimates).
  var costLedger: CostLedger?
  /// Whether the set's compiled objects live to the end of the process
  /// (`keepForTheProcess()`): the checks made of it keep theirs too.
  private(set) var livesForTheProcess = false

  /// Marks the compiled policies, their bindings and exceptions, and what they hold, as
  /// living to the end of the process (`ProcessLifetime`): a run reads them for every object,
  /// and their references are then no longer counted (an atomic operation each). For a set
  /// the process keeps to its end (a lint run's, a server's), before any check is made of it;
  /// never for sets made over and over (they would never be freed).
  public mutating func keepForTheProcess() {
    livesForTheProcess = true
    for policy in policies { policy.keepForTheProcess() }
    for binding in bindings { binding.keepForTheProcess() }
    for exception in exceptions {
      for condition in exception.matchConditions { condition.expression.keepForTheProcess() }
    }
  }
  /// When set, the CEL work the whole run may do (`kubeward lint`; see `WorkBudget`).
  public var workBudget: WorkBudget?
  /// The bytes of the run's inputs `learnContext` read.
  private var readBytes = 0
  /// The run's files `learnContext` did not read, sized only when asked (`inputSize`).
  private var unreadInputs: [LintInput] = []

  /// The bytes of the run's inputs, as reading counts them.
  public var inputBytes: Int { inputSize() }

  /// `inputBytes`, worked out when called: the files not read are sized then (a `stat` each).
  public var inputSize: @Sendable () -> Int {
    let (read, unread) = (readBytes, unreadInputs)
    return { read + Self.size(of: unread) }
  }

  /// The sizes of `inputs` as reading would count them: a regular file within the size limit,
  /// else nothing (a sparse file of exabytes would lift the run's budget, or overflow the sum).
  private static func size(of inputs: [LintInput]) -> Int {
    var bytes = 0
    for input in inputs {
      switch input.source {
      case .file(let path):
        guard let status = FileSystem.status(path), status.st_mode & S_IFMT == S_IFREG,
          status.st_size >= 0, status.st_size <= ReaderLimits.standard.maximumFileSize
        else { continue }
        bytes += Int(status.st_size)
      case .bytes(let given): bytes += given.count
      default: continue
      }
    }
    return bytes
  }

  public init() {}

  /// Reads every policy, binding and param of `paths` (files, or folders walked for YAML).
  ///
  /// `confinement` maps paths that the linted tree itself names (a configuration's
  /// `admissionPolicies:`) to the folder their files must stay in, symbolic links resolved: a
  /// pull request that links `policy.yaml` to the runner's `~/.kube/config` would otherwise
  /// have CI read it as params, and print it in messages. Such a file is not read, and said.
  ///
  /// `reservedNames` are the ids of the run's other policies (the built-in catalogue's): a
  /// policy named as one is not evaluated, and said (see `checkNames`).
  public static func load(
    paths: [String], confinement: [String: String] = [:], reservedNames: Set<String> = []
  ) throws(AdmissionPolicyError) -> AdmissionPolicySet {
    var set = AdmissionPolicySet()
    // A policy not read is never a silent pass: a file is said, at its name, with why.
    func unread(_ name: String, because reason: String, severity: Severity = .error) {
      set.problems.append(
        PolicyFileProblem(
          file: name, range: SourceRange(at: SourcePosition(line: 1, column: 1)),
          message: "is not read: \(reason)", policy: nil, severity: severity))
    }
    func refuse(_ name: String, outside folder: String) {
      // The folder as the system resolves it: `.` says nothing in a CI log.
      let shown = FileSystem.realPath(FilePath(folder)).map { FilePath.displayName($0[...]) }
      unread(
        name,
        because: "it resolves outside \(VisibleText.escaped(shown ?? folder)), the folder of the "
          + "configuration that names it (a symbolic link out of the linted tree)")
    }
    // One the command line names stops the run; one a folder holds (a link out of it, a pipe,
    // a file that cannot be opened) is a problem, and the run goes on.
    func notRead(_ input: LintInput, because reason: String, severity: Severity)
      throws(AdmissionPolicyError)
    {
      let reason = VisibleText.escaped(reason)
      guard !input.isExplicit else {
        throw AdmissionPolicyError(
          description:
            "cannot read the admission policy file \(VisibleText.escaped(input.name)): \(reason)")
      }
      unread(input.name, because: reason, severity: severity)
    }
    // A file the command line names too (by any name) is the user's own choice.
    func chosen(_ path: FilePath) -> Bool {
      paths.contains { confinement[$0] == nil && FileSystem.resolves(path, into: FilePath($0)) }
    }
    // An entry that itself leads out (a link to a folder) is refused whole, not walked: a link
    // to `/` would have the run list every file of the runner.
    var walked: [String] = []
    for path in paths {
      if let folder = confinement[path], FileSystem.status(FilePath(path)) != nil,
        !FileSystem.resolves(FilePath(path), into: FilePath(folder)), !chosen(FilePath(path))
      {
        refuse(path, outside: folder)
      } else {
        walked.append(path)
      }
    }
    let inputs: [LintInput]
    do {
      inputs = try InputDiscovery.inputs(for: walked)
    } catch {
      throw AdmissionPolicyError(description: "--policy \(error.description)")
    }
    for input in inputs {
      if case .file(let path) = input.source,
        let folder = Self.confiningFolder(of: input.name, paths: paths, confinement),
        !FileSystem.resolves(path, into: FilePath(folder)), !chosen(path)
      {
        refuse(input.name, outside: folder)
        continue
      }
      let bytes: [UInt8]
      switch (input.source, input.reasonNotRead) {
      case (.file(let path), _):
        switch LintInput.readContents(of: path) {
        case .success(let read): bytes = read
        case .failure(let unreadable):
          try notRead(input, because: unreadable.reason, severity: .error)
          continue
        }
        set.files.append(path)
      case (.helmChart, let reason?):
        try notRead(input, because: reason, severity: .warning)
        continue
      case (_, let reason):
        try notRead(input, because: reason ?? "it is no file", severity: .error)
        continue
      }
      let problemsBefore = set.problems.count
      let found = set.read(file: input.name, bytes: bytes)
      if input.isExplicit && found == 0 {
        // Say what the YAML reader could not read, and where: a policy file with one bad
        // byte was said to hold no policy, and nothing more.
        let unread = set.problems[problemsBefore...].first { $0.policy == nil }.map { problem in
          " (\(problem.range.start.line):\(problem.range.start.column): "
            + "\(VisibleText.escaped(problem.message)))"
        }
        throw AdmissionPolicyError(
          description:
            "\(VisibleText.escaped(input.name)) is not an admission policy file: it holds no "
            + "ValidatingAdmissionPolicy, binding, Kyverno ValidatingPolicy or param object"
            + (unread ?? ""))
      }
    }
    if set.policies.isEmpty {
      // Say why when the policies were there but could not be read (a message quoting a
      // megabyte value is clipped, as a finding's is).
      // On one line: the error is escaped as a whole where it is printed.
      let why = set.problems.prefix(5).map { problem in
        "\(VisibleText.escaped(problem.file)):\(problem.range.start.line):\(problem.range.start.column): \(VisibleText.escaped(InputText.clipped(problem.message)))"
      }
      let reasons = why.isEmpty ? "" : " (" + why.joined(separator: "; ") + ")"
      throw AdmissionPolicyError(
        description:
          "no usable admission policy (a ValidatingAdmissionPolicy, a Kyverno ValidatingPolicy, "
          + "or a Kyverno ClusterPolicy with CEL rules) in "
          + paths.map(VisibleText.escaped).joined(separator: ", ") + reasons)
    }
    set.checkNames(reserved: reservedNames)
    return set
  }

  /// The folder `name` must resolve into: that of the confined path it was found under.
  private static func confiningFolder(
    of name: String, paths: [String], _ confinement: [String: String]
  ) -> String? {
    guard !confinement.isEmpty else { return nil }
    func isUnder(_ path: String) -> Bool {
      name == path || name.hasPrefix(path.hasSuffix("/") ? path : path + "/")
    }
    return paths.first { confinement[$0] != nil && isUnder($0) }.flatMap { confinement[$0] }
  }

  /// Reads one file's documents; returns how many objects it held.
  @discardableResult
  mutating func read(file: String, bytes: [UInt8]) -> Int {
    let parsed = YAMLReader().read(bytes)
    var reader = PolicyReader(file: file, bytes: bytes)
    for diagnostic in parsed.diagnostics {
      problems.append(
        PolicyFileProblem(
          file: file, range: diagnostic.range, message: diagnostic.message, policy: nil,
          severity: .error))
    }
    var count = 0
    for document in parsed.documents {
      guard let root = document.root, root.isMapping else { continue }
      for object in Self.objects(in: root) {
        guard let apiVersion = object["apiVersion"]?.string, let kind = object["kind"]?.string
        else { continue }
        count += 1
        if PolicyReader.isPolicy(apiVersion: apiVersion, kind: kind) {
          if let policy = reader.policy(object, apiVersion: apiVersion, kind: kind) {
            policies.append(policy)
          } else if let name = object["metadata"]?["name"]?.string {
            unevaluatedPolicies.insert(name)
          }
        } else if PolicyReader.isBinding(apiVersion: apiVersion, kind: kind) {
          if let binding = reader.binding(object, apiVersion: apiVersion) {
            bindings.append(binding)
            bindingsByPolicy[binding.policyName, default: []].append(binding)
          } else if let policyName = object["spec"]?["policyName"]?.string {
            // Rejected by the API server (and said so): the policy it names is bound, by
            // nothing, rather than taken for one with no binding and evaluated as Deny.
            bindingsByPolicy[policyName] = bindingsByPolicy[policyName] ?? []
          }
        } else if PolicyReader.isClusterPolicy(apiVersion: apiVersion, kind: kind) {
          policies += reader.clusterPolicy(object, kind: kind)
        } else if PolicyReader.isException(apiVersion: apiVersion, kind: kind) {
          if let exception = reader.exception(object) { add(exception) }
        } else if let why = PolicyReader.unevaluatedPolicy(apiVersion: apiVersion, kind: kind) {
          // Said where it is written: taken for a param object, it was passed over in silence.
          let name = object["metadata"]?["name"]?.string.map { " \($0)" }
          reader.problem(
            object["kind"] ?? object, "\(kind)\(name ?? "") is not evaluated: \(why)",
            severity: .warning)
        } else {
          learn(object, apiVersion: apiVersion, kind: kind)
        }
      }
    }
    problems += reader.problems
    return count
  }

  private static func objects(in root: Node) -> [Node] {
    if root["kind"]?.string == "List", let items = root["items"] {
      return items.items.filter(\.isMapping)
    }
    return [root]
  }

  private mutating func learn(_ node: Node, apiVersion: String, kind: String) {
    let metadata = ObjectMetadata(node: node["metadata"])
    let object = ContextObject(
      apiVersion: apiVersion, kind: kind, name: metadata.name ?? "",
      namespace: metadata.node?["namespace"]?.string, labels: metadata.labels, node: node)
    switch kind {
    case "Namespace" where apiVersion == "v1":
      if namespaces[object.name] == nil { namespaces[object.name] = object }
    case "CustomResourceDefinition":
      resources.learn(customResourceDefinition: node)
    default:
      break
    }
    objects.append(object)
  }

  /// Policy names are policy ids: two policies of one name are one too many.
  /// Keeps one policy per name: findings, the configuration's severities, suppressions and
  /// baselines name a policy by it. A second of a name, or one named as a built-in policy
  /// (`reserved`), is not evaluated, and said at its name.
  /// Keeps one policy of each kind, namespace and name, as a cluster holds one (the first
  /// read here; the rest are said to be ignored). Policies of other kinds or namespaces with
  /// the same name are others, which the cluster applies too (a ValidatingAdmissionPolicy and
  /// the Kyverno ValidatingPolicy it was generated from; one NamespacedValidatingPolicy in
  /// each team's namespace): their findings share the name as their id.
  mutating func checkNames(reserved: Set<String>) {
    var seen: Set<String> = []
    var unique: [AdmissionPolicy] = []
    var refusedGroups: Set<String> = []
    for policy in policies {
      let clash: String
      // A ClusterPolicy of several rules is named for them all (`--disable NAME`), so its
      // name may be no other policy's id either.
      let group = kyvernoGroup(of: policy)
      if reserved.contains(policy.name) {
        clash = "a built-in policy of kubeward is also named \(policy.name)"
      } else if policy.name == AdmissionPolicySource.invalidPolicyID {
        clash = "kubeward reports problems of policy files under \(policy.name)"
      } else if let group,
        reserved.contains(group) || group == AdmissionPolicySource.invalidPolicyID
      {
        // Said once for the policy, not once per rule.
        guard refusedGroups.insert(group).inserted else { continue }
        clash = "a policy of kubeward is also named \(group)"
      } else if !seen.insert(
        policy.kind + "\u{0}" + (policy.namespace ?? "") + "\u{0}" + policy.name
      ).inserted {
        let place = policy.namespace.map { " in namespace \($0)" } ?? ""
        clash = "another \(policy.kind)\(place) is also named \(policy.name)"
      } else {
        unique.append(policy)
        continue
      }
      problems.append(
        PolicyFileProblem(
          file: policy.file, range: policy.nameRange,
          message: "\(clash); this one is ignored", policy: nil, severity: .error))
    }
    policies = unique
  }

  /// The kinds the policies take params of, which the run's files may hold.
  var paramKinds: Set<String> { Set(policies.compactMap { $0.paramKind?.kind }) }

  /// Whether a policy reads Namespaces: a namespace selector (the policy's or a binding's) or
  /// an expression that names `namespaceObject`. Kyverno's PolicyExceptions, found in the
  /// run, may read them too.
  private var readsNamespaces: Bool {
    func selects(_ constraints: MatchResources?) -> Bool { constraints?.namespaceSelector != nil }
    return policies.contains { policy in
      policy.flavor != .validatingAdmissionPolicy || selects(policy.matchConstraints)
        || bindings(of: policy).contains { selects($0.matchResources) }
        || policy.expressions.contains { expression in
          expression.source.utf8.withContiguousStorageIfAvailable {
            Self.contains($0, "namespaceObject")
          } ?? true
        }
    }
  }

  /// Whether a CustomResourceDefinition of the run can change what a policy sees: the
  /// resource and scope of a kind Kubernetes does not serve, which only a rule for any group,
  /// or for a group a definition may declare, can match; or its paramKind's scope.
  private var readsResourceDefinitions: Bool {
    policies.contains { policy in
      if policy.flavor != .validatingAdmissionPolicy { return true }
      if let kind = policy.paramKind, ResourceTable.mayBeCustom(apiVersion: kind.apiVersion) {
        return true
      }
      guard let rules = policy.matchConstraints?.resourceRules else { return true }
      return rules.contains { rule in
        rule.anyGroup || rule.apiGroups.contains(where: ResourceTable.mayBeCustom(group:))
      }
    }
  }

  /// Learns the Namespaces, CustomResourceDefinitions and params among the run's files, those
  /// of them the policies read. Only files that mention such a kind are parsed; when the
  /// policies read none, no file is read (a second read of every file was about 6 % of the
  /// time of a run with fifty policies), and `inputBytes` is the files' sizes, when asked.
  public mutating func learnContext(from inputs: [LintInput]) {
    // A kind is a name of at most 63 characters (the API server's limit for resource names
    // derived from it); a longer param kind names nothing, and searching every file for a
    // hostile one of megabytes took seconds.
    let paramKinds = self.paramKinds.filter { $0.utf8.count <= 63 }
    let needsExceptions = policies.contains { $0.flavor == .kyverno }
    let needsNamespaces = readsNamespaces
    let needsDefinitions = readsResourceDefinitions
    let needles =
      (needsNamespaces ? ["Namespace"] : [])
      + (needsDefinitions ? ["CustomResourceDefinition"] : [])
      + (needsExceptions ? ["PolicyException"] : []) + paramKinds.sorted()
    guard !needles.isEmpty else {
      unreadInputs += inputs
      return
    }
    var contents = ContentsReader()
    for input in inputs {
      func mentions(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        needles.contains { needle in Self.contains(buffer, needle) }
      }
      // Most files mention none of the kinds: they are scanned in the reader's buffer, and
      // only the others are copied and parsed.
      let bytes: [UInt8]
      switch input.source {
      case .file(let path):
        guard
          let read = contents.withContents(
            of: path,
            { buffer in
              readBytes += buffer.count
              return mentions(buffer) ? Array(buffer) : nil
            }),
          let read
        else { continue }
        bytes = read
      case .bytes(let given):
        readBytes += given.count
        guard given.withUnsafeBufferPointer(mentions) else { continue }
        bytes = given
      default: continue
      }
      let parsed = YAMLReader().read(bytes)
      var reader = PolicyReader(file: input.name, bytes: bytes)
      for document in parsed.documents {
        guard let root = document.root, root.isMapping else { continue }
        for object in Self.objects(in: root) {
          guard let apiVersion = object["apiVersion"]?.string, let kind = object["kind"]?.string
          else { continue }
          if needsExceptions && PolicyReader.isException(apiVersion: apiVersion, kind: kind) {
            if let exception = reader.exception(object) { add(exception) }
            continue
          }
          guard
            kind == "Namespace" && needsNamespaces
              || kind == "CustomResourceDefinition" && needsDefinitions
              || paramKinds.contains(kind)
          else { continue }
          learn(object, apiVersion: apiVersion, kind: kind)
        }
      }
      problems += reader.problems
    }
  }

  private static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: String) -> Bool {
    let pattern = Array(needle.utf8)
    guard let base = bytes.baseAddress, let first = pattern.first, bytes.count >= pattern.count
    else { return false }
    var index = 0
    let last = bytes.count - pattern.count
    // memchr (vectorised) finds each candidate first byte.
    while index <= last, let hit = memchr(base + index, Int32(first), last - index + 1) {
      index = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
      if memcmp(hit, pattern, pattern.count) == 0 { return true }
      index += 1
    }
    return false
  }

  /// The PolicyExceptions that apply, by the kind and name of each policy they name, in the
  /// order they were read: worked out once for all the policies of a set. An expired one
  /// applies to nothing (and `policyFileFindings` says so).
  var exceptionsByPolicy: [PolicyException.Reference: [PolicyException]] {
    let now = Self.now()
    var byPolicy: [PolicyException.Reference: [PolicyException]] = [:]
    for exception in exceptions where !exception.hasExpired(at: now) {
      for reference in Set(exception.policies) {
        byPolicy[reference, default: []].append(exception)
      }
    }
    return byPolicy
  }

  /// Seconds since the epoch, for PolicyExceptions' `expiresAt`.
  static func now() -> Int64 {
    Int64(time(nil))
  }

  /// The bindings of `policy`; a VAP with none is bound as if with Deny (and the findings say
  /// so once); a Kyverno policy binds itself with its own actions.
  func bindings(of policy: AdmissionPolicy) -> [AdmissionBinding] {
    if let actions = policy.ownActions {
      // Checked in background scans only, its violations are reported, as Audit reports them.
      return [
        AdmissionBinding(
          name: "", policyName: policy.name, file: policy.file, nameRange: policy.nameRange,
          paramReference: policy.ownParamReference, matchResources: nil,
          actions: policy.checksAtAdmission ? actions : [.audit])
      ]
    }
    // None when every binding of it was rejected.
    if let bound = bindingsByPolicy[policy.name] { return bound }
    return [
      AdmissionBinding(
        name: "", policyName: policy.name, file: policy.file, nameRange: policy.nameRange,
        paramReference: nil, matchResources: nil, actions: [.deny])
    ]
  }

  /// The most severe action of any binding of `policy`: its default severity.
  /// Whether some binding among the policy files binds `policy`.
  func isBound(_ policy: AdmissionPolicy) -> Bool { bindingsByPolicy[policy.name] != nil }

  /// The run's and the policy files' objects by apiVersion and kind (see `kindKey`), in the
  /// order they were read: where params are looked for.
  var objectsByKind: [String: [ContextObject]] {
    Dictionary(grouping: objects) { Self.kindKey($0.apiVersion, $0.kind) }
  }

  static func kindKey(_ apiVersion: String, _ kind: String) -> String {
    apiVersion + " " + kind
  }

  func severity(of policy: AdmissionPolicy) -> Severity {
    bindings(of: policy).flatMap(\.actions).map(\.severity).max() ?? .error
  }

  /// Findings about the policy files themselves: what cannot be read, expressions that do not
  /// compile (at their own line and column), policies that need a cluster, unbound policies.
  /// `lintsManifests`: for a run that lints manifests, whose requests are of objects, never
  /// of subresources (not the webhook's).
  public func policyFileFindings(lintsManifests: Bool = true) -> [Finding] {
    var findings: [Finding] = []
    for problem in problems {
      findings.append(
        Finding(
          policy: problem.policy ?? AdmissionPolicySource.invalidPolicyID,
          severity: problem.severity, file: problem.file, range: problem.range,
          message: problem.message))
    }
    let now = Self.now()
    for exception in exceptions {
      if let expiresAt = exception.expiresAt, exception.hasExpired(at: now) {
        findings.append(
          Finding(
            policy: AdmissionPolicySource.invalidPolicyID, severity: .info, file: exception.file,
            range: expiresAt.range,
            message:
              "PolicyException \(exception.name) expired at \(expiresAt.time.text): Kyverno no longer applies it, and it exempts nothing"
          ))
      }
      for condition in exception.matchConditions {
        guard let error = condition.expression.compileError else { continue }
        findings.append(
          Finding(
            policy: AdmissionPolicySource.invalidPolicyID, severity: .warning,
            file: exception.file,
            range: SourceRange(at: condition.expression.position(ofByte: error.offset)),
            message:
              "PolicyException \(exception.name): this matchCondition does not compile (\(error.message)); it exempts nothing"
          ))
      }
    }
    for policy in policies {
      // A Kyverno policy that uses a library kubeward lacks is not evaluated, and says so
      // below. What it does with the library's values (`parseImageReference(…).registry()`)
      // does not compile here, but may in Kyverno: no error claims a rejection kubeward cannot
      // know of.
      let declined = policy.needsCluster != nil && policy.flavor != .validatingAdmissionPolicy
      for (expression, error, consequence) in declined ? [] : policy.compileErrors() {
        let position = expression.position(ofByte: error.offset)
        findings.append(
          Finding(
            policy: policy.name, severity: policy.failurePolicy == .fail ? .error : .warning,
            file: policy.file, range: SourceRange(at: position),
            message:
              "\(policy.kindName) \(policy.name): this expression does not compile (\(error.message)); \(consequence)"
          ))
      }
      if let (function, expression, offset) = policy.needsCluster {
        let library = String(function.prefix { $0 != "." && $0 != "(" })
        let why =
          library == "authorizer"
            || (function.contains(".") && PolicyReader.clusterLibraries.contains(library))
          ? "calls \(function)(), which needs a cluster, a registry or the network"
          : "uses Kyverno's \(function), which kubeward does not implement"
        findings.append(
          Finding(
            policy: policy.name, severity: .warning, file: policy.file,
            range: SourceRange(at: expression.position(ofByte: offset)),
            message:
              "\(policy.kindName) \(policy.name) \(why); kubeward does not evaluate this policy"
          ))
      }
      // The API server matches a rule's `pods/status` to requests of that subresource only:
      // no object kubeward lint reads is one, and such a policy was passed over in silence.
      let entries = policy.matchConstraints?.resourceRules?.flatMap(\.resources) ?? []
      if lintsManifests, !entries.isEmpty, entries.allSatisfy(ResourceRule.namesOnlySubresources) {
        findings.append(
          Finding(
            policy: policy.name, severity: .info, file: policy.file, range: policy.nameRange,
            message:
              "\(policy.kindName) \(policy.name) matches only subresources (\(entries.prefix(3).map(InputText.clipped).joined(separator: ", "))), which no manifest is: kubeward lint does not evaluate it (kubeward serve does, on the API server's CREATE and UPDATE requests of them)"
          ))
      }
      // A policy of UPDATE requests only (one that compares `oldObject`) never meets the
      // request kubeward imagines for a manifest: said, as it was passed over in silence.
      let rules = policy.matchConstraints?.resourceRules ?? []
      let operations = Set(rules.flatMap(\.operations)).sorted()
      if lintsManifests, !rules.isEmpty, !operations.isEmpty,
        !rules.contains(where: { $0.anyOperation || $0.operations.contains(request.operation) })
      {
        findings.append(
          Finding(
            policy: policy.name, severity: .info, file: policy.file, range: policy.nameRange,
            message:
              "\(policy.kindName) \(policy.name) matches only \(operations.prefix(4).map(InputText.clipped).joined(separator: ", ")) requests, and kubeward lint evaluates each manifest as a \(request.operation) request (admissionRequest.operation in .kubeward.yaml): it does not evaluate it"
          ))
      }
      if policy.ownActions == nil && !isBound(policy) && policy.needsCluster == nil {
        findings.append(
          Finding(
            policy: policy.name, severity: .info, file: policy.file, range: policy.nameRange,
            message:
              "ValidatingAdmissionPolicy \(policy.name) has no binding among the policy files: kubeward evaluates it as if bound with validationActions [Deny] to every object it matches"
              + (policy.paramKind != nil ? ", without params" : "")))
      }
    }
    let names = Set(policies.map(\.name))
    for binding in bindings where !names.contains(binding.policyName) {
      findings.append(
        Finding(
          policy: AdmissionPolicySource.invalidPolicyID, severity: .warning, file: binding.file,
          range: binding.nameRange,
          message: unevaluatedPolicies.contains(binding.policyName)
            ? "ValidatingAdmissionPolicyBinding \(binding.name) binds \(binding.policyName), which kubeward does not evaluate (said where it is written)"
            : "ValidatingAdmissionPolicyBinding \(binding.name) binds \(binding.policyName), which is not among the policy files"
        ))
    }
    return findings
  }
}

/// The request kubeward imagines for every object: a CREATE by a user the configuration may
/// name.
public struct SyntheticRequest: Sendable {
  public var uid = "00000000-0000-0000-0000-000000000000"
  public var operation = "CREATE"
  public var subResource = ""
  public var username = "kubeward"
  public var groups = ["system:authenticated"]
  public var dryRun = false

  public init() {}
}
