import KubewardCEL
import KubewardModel
import KubewardYAML

/// Kyverno ClusterPolicies (`kyverno.io/v1`): each `validate.cel` rule is the
/// ValidatingAdmissionPolicy Kyverno evaluates it as, its `match` and `exclude` read into
/// match constraints and conditions. A rule of another kind (a pattern, a JMESPath `deny`), or
/// one whose match depends on what offline evaluation cannot know (who sends the request, an
/// object's annotations), is not evaluated, and the policy file says so at the rule.
extension PolicyReader {
  /// A Kyverno ClusterPolicy, or a namespaced Policy (which applies in its namespace only).
  static func isClusterPolicy(apiVersion: String, kind: String) -> Bool {
    apiVersion.hasPrefix("kyverno.io/") && (kind == "ClusterPolicy" || kind == "Policy")
  }

  /// The pod controllers Kyverno's autogen extends a Pod rule to, by default.
  static let podControllers = [
    "DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController",
    "CronJob",
  ]

  mutating func clusterPolicy(_ root: Node, kind: String) -> [AdmissionPolicy] {
    let metadata = root["metadata"]
    guard let nameNode = metadata?["name"], let name = text(nameNode), !name.isEmpty else {
      problem(root, "\(kind) has no metadata.name")
      return []
    }
    if refuses(name, of: kind, at: nameNode) { return [] }
    var namespace: String?
    if kind == "Policy" {
      guard let own = ownNamespace(metadata, of: kind, name, at: nameNode) else { return [] }
      namespace = own
    }
    let flavor: AdmissionPolicy.Flavor =
      namespace == nil ? .kyvernoClusterPolicy : .kyvernoNamespacedPolicy
    let spec = root["spec"]
    let rules = (spec?["rules"]?.items ?? .none).filter(\.isMapping)
    let celRules = rules.filter { $0["validate"]?["cel"]?.isMapping == true }
    guard !celRules.isEmpty else {
      problem(
        root["kind"] ?? root,
        "\(kind) \(name) is not evaluated: it has no validate.cel rule, and kubeward evaluates "
          + "Kyverno's CEL rules only (not patterns, JMESPath or other rule kinds)",
        severity: .warning)
      return []
    }
    for rule in rules where rule["validate"]?["cel"]?.isMapping != true {
      problem(
        rule["name"] ?? rule,
        "\(kind) \(name): rule \(text(rule["name"]) ?? "") is not evaluated: kubeward evaluates Kyverno's validate.cel rules only",
        severity: .warning)
    }
    // The custom resource's schema refuses the whole policy for one rule's entry: of any
    // rule, one kubeward does not evaluate too (its `celPreconditions`).
    for rule in rules {
      // The schema requires a rule's name, of at most 63 characters (its id is `name/rule`).
      let ruleName = text(rule["name"])
      if ruleName == nil || ruleName!.unicodeScalars.count > 63 {
        problem(
          rule["name"] ?? rule,
          "\(kind) \(name): rule \(AdmissionCheck.prefix(ruleName ?? "", bytes: 64)): "
            + (ruleName == nil ? "a rule needs a name" : "a rule's name is at most 63 characters")
            + ": its schema rejects the policy, and kubeward does not evaluate it",
          policy: nil)
        return []
      }
      if let (node, why) = Self.invalidEntry(in: Self.parts(of: rule), asTheAPIServer: false) {
        problem(
          node,
          "\(kind) \(name): rule \(text(rule["name"]) ?? ""): \(Self.clusterPolicyPath(why)): its schema rejects the policy, and kubeward does not evaluate it",
          policy: name)
        return []
      }
    }
    var failurePolicy = FailurePolicy.fail
    if let node = spec?["failurePolicy"] {
      guard let text = text(node), let value = FailurePolicy(rawValue: text) else {
        problem(node, "failurePolicy is Fail or Ignore", policy: name)
        return []
      }
      failurePolicy = value
    }
    let annotations = metadata?["annotations"]
    let title = annotations?["policies.kyverno.io/title"]?.string ?? name
    let summary =
      annotations?["policies.kyverno.io/description"]?.string
      ?? "Kyverno ClusterPolicy \(name) from \(file)."
    let controllers = Self.autogens(rules) ? Self.autogenControllers(annotations) : []
    let policyAction = writtenText(spec?["validationFailureAction"])
    var policies: [AdmissionPolicy] = []
    for rule in celRules {
      let ruleName = text(rule["name"]) ?? ""
      // Its own id when the policy has more CEL rules than one: ids are unique.
      let id = celRules.count == 1 ? name : "\(name)/\(ruleName)"
      let place = rule["name"] ?? rule
      func skip(_ why: String) {
        problem(
          place, "\(kind) \(name): rule \(ruleName) is not evaluated: \(why)", severity: .warning)
      }
      // Params as the binding Kyverno makes of the rule has them: its paramKind and paramRef.
      let cel = rule["validate"]?["cel"]
      var paramKind: (apiVersion: String, kind: String)?
      var paramReference: ParamReference?
      if let kindNode = cel?["paramKind"], !kindNode.isNull {
        guard let version = text(kindNode["apiVersion"]),
          let paramKindName = text(kindNode["kind"]),
          let referenceNode = cel?["paramRef"], referenceNode.isMapping
        else {
          skip("its params need validate.cel.paramKind (apiVersion and kind) and paramRef")
          continue
        }
        if let (_, why) = Self.invalidSelector(
          referenceNode["selector"], named: "paramRef.selector")
          ?? Self.invalidParamRef(referenceNode)
        {
          skip(why)
          continue
        }
        paramKind = (version, paramKindName)
        paramReference = self.paramReference(referenceNode)
      } else if cel?["paramRef"] != nil {
        skip("it has a validate.cel.paramRef without a paramKind")
        continue
      }
      // Per-namespace actions: one verdict for every namespace would be wrong in some.
      let overrides = [
        spec?["validationFailureActionOverrides"], rule["validate"]?["failureActionOverrides"],
      ]
      if overrides.contains(where: {
        $0.map { $0.isSequence ? $0.items.count > 0 : !$0.isNull } ?? false
      }) {
        skip(
          "its failure action is overridden per namespace (validationFailureActionOverrides or "
            + "failureActionOverrides), which kubeward does not apply")
        continue
      }
      if rule["preconditions"] != nil || rule["context"] != nil {
        skip("its preconditions or context are JMESPath, which kubeward does not evaluate")
        continue
      }
      let match: KyvernoMatch
      switch KyvernoMatch.read(rule["match"], exclude: rule["exclude"], reader: self) {
      case .failure(let failure):
        skip(failure.why)
        continue
      case .success(let read):
        match = read
      }
      let action = writtenText(rule["validate"]?["failureAction"]) ?? policyAction ?? "Audit"
      guard let ownAction = Self.kyvernoAction(action) else {
        problem(
          rule["validate"]?["failureAction"] ?? spec?["validationFailureAction"] ?? place,
          "validationFailureAction is Enforce or Audit", policy: id)
        continue
      }
      bindings = false
      guard
        var body = body(
          Self.parts(of: rule), name: id, kind: kind, flavor: flavor, nameNode: place)
      else { continue }
      body.matchConditions =
        conditions(of: match, namespace: namespace, at: nameNode) + body.matchConditions
      policies.append(
        AdmissionPolicy(
          name: id, flavor: flavor, file: file, nameRange: nameNode.range,
          paramKind: paramKind, matchConstraints: match.constraints,
          matchConditions: body.matchConditions, variables: body.variables,
          validations: body.validations, auditAnnotations: body.auditAnnotations,
          failurePolicy: failurePolicy, ownActions: [ownAction],
          autogenControllers: match.autogens ? controllers : [], title: title,
          summary: summary, needsCluster: body.needsCluster, rule: ruleName, kind: kind,
          namespace: namespace, ownParamReference: paramReference))
    }
    return policies
  }

  /// A rule's expressions: its `validate.cel` and, for conditions, its `celPreconditions`.
  /// An expression without a message has the rule's (`validate_cel.go`).
  private static func parts(of rule: Node) -> PolicyParts {
    let cel = rule["validate"]?["cel"]
    return PolicyParts(
      matchConditions: rule["celPreconditions"], variables: cel?["variables"],
      validations: cel?["expressions"], auditAnnotations: cel?["auditAnnotations"],
      defaultMessage: rule["validate"]?["message"]?.string)
  }

  /// `why` (of `invalidEntry`) with the path a ClusterPolicy's rule writes: its validations
  /// are `validate.cel.expressions`, its match conditions `celPreconditions`.
  private static func clusterPolicyPath(_ why: String) -> String {
    for (field, path) in [
      ("validations", "validate.cel.expressions"), ("matchConditions", "celPreconditions"),
      ("variables", "validate.cel.variables"),
      ("auditAnnotations", "validate.cel.auditAnnotations"),
    ] where why.hasPrefix(field) {
      return path + why.dropFirst(field.count)
    }
    return why
  }

  /// The kind `written` in a rule's `kinds` names, without its subresource, as Kyverno's
  /// `ContainsKind` reads it (`GetKindFromGVK`, then `SplitSubresource`): `Pod`,
  /// `v1/Pod`, `Pod/ephemeralcontainers`, `Pod.status` and `v1/Pod/status` all name Pod.
  static func kindWithoutSubresource(_ written: String) -> Substring {
    let parts = written.split(separator: "/", omittingEmptySubsequences: false)
    func isVersion(_ part: Substring) -> Bool {
      part == "*" || part.wholeMatch(of: /v\d+((alpha|beta)\d+)?/) != nil
    }
    // `formatSubresource`: the first `.` of a kind parts it from its subresource.
    func formatted(_ kind: Substring) -> Substring {
      guard let dot = kind.firstIndex(of: ".") else { return kind }
      return Substring(kind[..<dot] + "/" + kind[kind.index(after: dot)...])
    }
    let kind: Substring
    switch parts.count {
    case 1: kind = formatted(parts[0])
    case 2 where parts[0] == "*" && parts[1] == "*": kind = "*/*"
    case 2: kind = isVersion(parts[0]) ? formatted(parts[1]) : parts[0] + "/" + parts[1]
    case 3: kind = isVersion(parts[0]) ? parts[1] + "/" + parts[2] : formatted(parts[2])
    case 4: kind = parts[2] + "/" + parts[3]
    default: return ""
    }
    let kindParts = kind.split(separator: "/", omittingEmptySubsequences: false)
    return kindParts.count == 2 ? kindParts[0] : kind
  }

  /// Enforce denies, Audit reports (Kyverno reads either case).
  private static func kyvernoAction(_ text: String) -> ValidationAction? {
    switch text.lowercased() {
    case "enforce": .deny
    case "audit": .audit
    default: nil
    }
  }

  /// Kyverno's `CanAutoGen`, which decides for all the rules of a policy at once (a rule of
  /// Pods was extended to controllers beside one that selects): no rule generates or patches by
  /// JSON 6902, and no resource filter of any rule's match or exclude names resources, selects
  /// by labels or annotations, or mixes Pod with other kinds.
  static func autogens(_ rules: [Node]) -> Bool {
    func given(_ node: Node?) -> Bool { node.map { !$0.isNull } ?? false }
    func allowsAutogen(_ description: Node) -> Bool {
      if description["name"]?.string?.isEmpty == false
        || !(description["names"]?.items.isEmpty ?? true) || given(description["selector"])
        || given(description["annotations"])
      {
        return false
      }
      let kinds = (description["kinds"]?.items ?? .none).compactMap(\.string)
      return kinds.count < 2 || !kinds.contains { kindWithoutSubresource($0) == "Pod" }
    }
    for rule in rules {
      // An empty generate is none (`HasGenerate`).
      if let generate = rule["generate"], !generate.isNull,
        !(generate.isMapping && generate.childCount == 0)
      {
        return false
      }
      if let mutate = rule["mutate"] {
        let patches = [mutate] + (mutate["foreach"]?.items ?? .none)
        if patches.contains(where: { $0["patchesJson6902"]?.string?.isEmpty == false }) {
          return false
        }
      }
      for block in [rule["match"], rule["exclude"]].compactMap({ $0 }) {
        let descriptions =
          [block["resources"]] + (block["any"]?.items ?? .none).map { $0["resources"] }
          + (block["all"]?.items ?? .none).map { $0["resources"] }
        if descriptions.compactMap({ $0 }).contains(where: { !allowsAutogen($0) }) { return false }
      }
    }
    return true
  }

  /// `pod-policies.kyverno.io/autogen-controllers`: `none`, or the controllers named; else
  /// all of them.
  private static func autogenControllers(_ annotations: Node?) -> [String] {
    guard let written = annotations?["pod-policies.kyverno.io/autogen-controllers"]?.string
    else { return podControllers }
    let names = Set(written.split(separator: ",").map { $0.trimmingSpaces.lowercased() })
    return podControllers.filter { names.contains($0.lowercased()) }
  }
}

/// A ClusterPolicy rule's `match` and `exclude`, as admission constraints: kinds and
/// operations as resource rules, a single filter's selectors as the constraints' selectors,
/// and names and namespaces (Kyverno's wildcards) as match conditions on the request.
struct KyvernoMatch {
  let constraints: MatchResources
  /// Conditions on the request's name and namespace: (CEL source, the node it is read from).
  let requestConditions: [(source: String, node: Node)]
  /// Whether Kyverno's autogen applies: the rule matches only Pods, by no name or selector.
  let autogens: Bool

  /// The keys of a resource filter kubeward reads.
  private static let resourceKeys: Set<String> = [
    "kinds", "operations", "names", "name", "namespaces", "selector", "namespaceSelector",
  ]

  private struct Filter {
    var rules: [ResourceRule]
    var names: [String]
    var namespaces: [String]
    var selector: Node?
    var namespaceSelector: Node?
    var node: Node
    var podsOnly: Bool
  }

  static func read(_ match: Node?, exclude: Node?, reader: PolicyReader) -> Result<
    KyvernoMatch, ReadFailure
  > {
    let matched: [Filter]
    switch filters(match, reader: reader, excluding: false) {
    case .failure(let why): return .failure(why)
    case .success(let read): matched = read
    }
    guard !matched.isEmpty else { return .failure(ReadFailure("its match names no resources")) }
    if matched.count > 1,
      matched.contains(where: {
        !$0.names.isEmpty || !$0.namespaces.isEmpty || $0.selector != nil
          || $0.namespaceSelector != nil
      })
    {
      return .failure(
        ReadFailure(
          "it matches any of several resource filters with names, namespaces or selectors"))
    }
    let excluded: [Filter]
    switch filters(exclude, reader: reader, excluding: true) {
    case .failure(let why): return .failure(why)
    case .success(let read): excluded = read
    }
    var conditions: [(String, Node)] = []
    var excludedRules: [ResourceRule] = []
    for filter in excluded {
      let byKind = !filter.rules.isEmpty
      let byRequest = !filter.names.isEmpty || !filter.namespaces.isEmpty
      // Kinds with names written out (no wildcard) are resource rules with resourceNames.
      let namesOnly =
        filter.namespaces.isEmpty
        && !filter.names.contains { $0.contains("*") || $0.contains("?") }
      if filter.selector != nil || filter.namespaceSelector != nil
        || (byKind && byRequest && !namesOnly)
      {
        return .failure(
          ReadFailure("its exclude combines kinds with namespaces, name patterns or selectors"))
      }
      if byKind {
        excludedRules += filter.rules.map { rule in
          ResourceRule(
            apiGroups: rule.apiGroups, apiVersions: rule.apiVersions,
            operations: rule.operations, resources: rule.resources,
            resourceNames: filter.names, scope: rule.scope)
        }
      } else if byRequest {
        conditions.append(("!(\(requestCondition(filter)))", filter.node))
      }
    }
    let single = matched.count == 1 ? matched[0] : nil
    if let single, !single.names.isEmpty || !single.namespaces.isEmpty {
      conditions.insert((requestCondition(single), single.node), at: 0)
    }
    func selector(_ node: Node?) -> LabelSelector? {
      guard let node, node.isMapping else { return nil }
      return LabelSelector(selector: node)
    }
    let constraints = MatchResources(
      namespaceSelector: selector(single?.namespaceSelector),
      objectSelector: selector(single?.selector),
      resourceRules: matched.flatMap(\.rules), excludeResourceRules: excludedRules,
      exactMatch: false)
    let autogens =
      matched.allSatisfy { $0.podsOnly && $0.names.isEmpty && $0.selector == nil }
      && excludedRules.isEmpty
    return .success(
      KyvernoMatch(constraints: constraints, requestConditions: conditions, autogens: autogens))
  }

  struct ReadFailure: Error {
    let why: String
    init(_ why: String) { self.why = why }
  }

  /// The filters of a `match` or `exclude`: those of `any`, the one of `all` (several, each
  /// to hold, are not read), or the legacy `resources` itself.
  private static func filters(_ node: Node?, reader: PolicyReader, excluding: Bool) -> Result<
    [Filter], ReadFailure
  > {
    guard let node, !node.isNull else { return .success([]) }
    let entries: [Node]
    if let any = node["any"] {
      entries = any.items.filter(\.isMapping)
    } else if let all = node["all"] {
      entries = all.items.filter(\.isMapping)
      if entries.count > 1 {
        return .failure(
          ReadFailure("its \(excluding ? "exclude" : "match") uses all of several filters"))
      }
    } else {
      entries = [node]
    }
    var filters: [Filter] = []
    for entry in entries {
      let userKeys = ["subjects", "roles", "clusterRoles"].filter { entry[$0] != nil }
      if !userKeys.isEmpty {
        // Who sends the request is the synthetic request's user, whom no role names: an
        // exclusion that names users (with resources or not: a filter holds when all its
        // parts do) excludes nothing; a match by them is not guessed.
        if excluding { continue }
        return .failure(
          ReadFailure("it matches by \(userKeys.joined(separator: ", ")), who sends the request"))
      }
      guard let resources = entry["resources"], resources.isMapping else {
        return .failure(ReadFailure("a filter of its match has no resources"))
      }
      for pair in resources.pairs {
        guard let key = pair.key.string else { continue }
        if !resourceKeys.contains(key) {
          return .failure(ReadFailure("it filters resources by \(key)"))
        }
      }
      let names =
        (reader.strings(resources["names"]) ?? [])
        + [reader.text(resources["name"])]
        .compactMap { $0 }
      let namespaces = reader.strings(resources["namespaces"]) ?? []
      for pattern in names + namespaces where !isWildcardName(pattern) {
        return .failure(ReadFailure("it filters by a name kubeward cannot read (\"\(pattern)\")"))
      }
      let operations = reader.strings(resources["operations"]) ?? ["*"]
      var rules: [ResourceRule] = []
      var podsOnly = true
      var subresources: [String] = []
      for kind in reader.strings(resources["kinds"]) ?? [] {
        switch rule(forKind: kind, operations: operations) {
        case .rule(let rule): rules.append(rule)
        case .subresource: subresources.append(kind)
        case .unreadable:
          return .failure(ReadFailure("it matches a kind kubeward cannot read (\"\(kind)\")"))
        }
        // `v1/Pod` is a Pod as well (Kyverno looks at the kind of the written GVK).
        podsOnly = podsOnly && kind.split(separator: "/").last == "Pod"
      }
      if rules.isEmpty && !excluding {
        if let subresource = subresources.first {
          return .failure(
            ReadFailure(
              "a filter of its match names only subresources (\"\(subresource)\"), which no manifest is"
            ))
        }
        return .failure(ReadFailure("a filter of its match names no kinds"))
      }
      filters.append(
        Filter(
          rules: rules, names: names, namespaces: namespaces, selector: resources["selector"],
          namespaceSelector: resources["namespaceSelector"], node: resources,
          podsOnly: podsOnly && !rules.isEmpty))
    }
    return .success(filters)
  }

  /// What a Kyverno kind names.
  private enum KindRule {
    /// `Kind`, `version/Kind` or `group/version/Kind` (a version of `*` is any), or `*`.
    case rule(ResourceRule)
    /// A subresource (`Pod/exec`, `Pod.status`), which no object's CREATE is.
    case subresource
    /// Not one kubeward can read (a wildcard in a kind or a group).
    case unreadable
  }

  private static func rule(forKind written: String, operations: [String]) -> KindRule {
    if written == "*" {
      return .rule(
        ResourceRule(
          apiGroups: ["*"], apiVersions: ["*"], operations: operations, resources: ["*"],
          resourceNames: [], scope: "*"))
    }
    let parts = written.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    let kind: String
    var group: String?
    var version = "*"
    switch parts.count {
    case 1:
      kind = parts[0]
    case 2 where parts[0].first == "v" && parts[0].dropFirst().first?.isNumber == true:
      (version, kind) = (parts[0], parts[1])
    case 2:
      return .subresource
    case 3:
      (group, version, kind) = (parts[0], parts[1], parts[2])
    default:
      return .unreadable
    }
    if kind.contains(".") { return .subresource }
    guard !kind.isEmpty, kind.allSatisfy({ $0.isLetter || $0.isNumber }),
      group.map({ !$0.contains("*") }) ?? true
    else { return .unreadable }
    let served = ResourceTable.builtInResources(ofKind: kind)
    let entries =
      served.isEmpty
      ? [(group: group ?? "*", resource: ResourceTable.guessResource(kind))]
      : served.filter { group == nil || $0.group == group }
    guard !entries.isEmpty else {
      return .rule(
        ResourceRule(
          apiGroups: [group ?? "*"], apiVersions: [version], operations: operations,
          resources: [ResourceTable.guessResource(kind)], resourceNames: [], scope: "*"))
    }
    return .rule(
      ResourceRule(
        apiGroups: Array(Set(entries.map(\.group))).sorted(), apiVersions: [version],
        operations: operations, resources: Array(Set(entries.map(\.resource))).sorted(),
        resourceNames: [], scope: "*"))
  }

  /// A name or namespace pattern: what Kubernetes names hold (RBAC's `system:` ones too),
  /// with Kyverno's `*` and `?`.
  private static func isWildcardName(_ pattern: String) -> Bool {
    !pattern.isEmpty && pattern.utf8.count <= 253
      && pattern.utf8.allSatisfy { byte in
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
          || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "*")
          || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
      }
  }

  /// CEL that holds when the request's name and namespace match the filter's patterns.
  private static func requestCondition(_ filter: Filter) -> String {
    var parts: [String] = []
    if !filter.names.isEmpty {
      parts.append(matchesAny("request.?name.orValue('')", filter.names))
    }
    if !filter.namespaces.isEmpty {
      parts.append(matchesAny("request.?namespace.orValue('')", filter.namespaces))
    }
    return parts.joined(separator: " && ")
  }

  /// CEL that holds when `subject` matches one of Kyverno's wildcard `patterns` (`*` any
  /// run, `?` one character): anchored RE2 alternations, each at most `longestRegex`
  /// characters (a regular expression is at most 10 000, and a rule may exclude hundreds of
  /// namespaces), any of which may match. Names hold no quote; a dot is escaped, with its
  /// backslash doubled for the CEL string.
  private static func matchesAny(_ subject: String, _ patterns: [String]) -> String {
    var groups: [[String]] = [[]]
    var length = 0
    // Each pattern once: an aliased name repeated thousands of times made a condition that
    // ran out of its cost budget and rejected every object.
    var seen: Set<String> = []
    for pattern in patterns where seen.insert(pattern).inserted {
      let alternative = pattern.map { character -> String in
        switch character {
        case "*": ".*"
        case "?": "."
        case ".": "\\\\."
        default: String(character)
        }
      }.joined()
      // Counted as written for CEL (a dot's backslash twice): a little over its length in
      // the regular expression.
      let size = alternative.utf8.count + 1
      if length + size > longestRegex, !groups[groups.count - 1].isEmpty {
        groups.append([])
        length = 0
      }
      groups[groups.count - 1].append(alternative)
      length += size
    }
    let calls = groups.map { group in
      "\(subject).matches('^(?:\(group.joined(separator: "|")))$')"
    }
    return calls.count == 1 ? calls[0] : "(" + calls.joined(separator: " || ") + ")"
  }

  static let longestRegex = 8_000

  /// A namespace's name: a DNS label (what it holds is written into an expression).
  static func isNamespaceName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.count <= 63
      && name.utf8.allSatisfy { byte in
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A)
          || byte == UInt8(ascii: "-")
      }
  }
}

extension PolicyReader {
  /// The namespace a namespaced Kyverno policy applies to: its own (written, else `default`,
  /// where `kubectl apply` puts it), a name Kubernetes accepts, or the policy is not read.
  mutating func ownNamespace(_ metadata: Node?, of kind: String, _ name: String, at nameNode: Node)
    -> String?
  {
    let written = writtenText(metadata?["namespace"]) ?? "default"
    guard KyvernoMatch.isNamespaceName(written) else {
      problem(
        metadata?["namespace"] ?? nameNode,
        "\(kind) \(name): \"\(written)\" is not a namespace name; the policy is not evaluated",
        severity: .warning)
      return nil
    }
    return written
  }

  /// The condition that keeps a namespaced Kyverno policy to the requests of its namespace
  /// (a namespace name: nothing to escape).
  static func inNamespace(_ namespace: String) -> String {
    "request.?namespace.orValue('') == '\(namespace)'"
  }

  /// The match conditions a rule's names and namespaces make (and a namespaced Policy's
  /// namespace, read at `node`), compiled.
  mutating func conditions(of match: KyvernoMatch, namespace: String?, at node: Node)
    -> [NamedExpression]
  {
    let own = namespace.map { [(source: Self.inNamespace($0), node: node)] }
    return ((own ?? []) + match.requestConditions).enumerated().map { index, condition in
      NamedExpression(
        name: "kyverno-match-\(index)",
        expression: generatedExpression(condition.source, at: condition.node))
    }
  }
}
