import Foundation
import KubewardEngine
import Testing

@testable import KubewardAdmission

/// Kyverno ClusterPolicies' `validate.cel` rules, evaluated as the ValidatingAdmissionPolicy
/// Kyverno evaluates each as: actions, autogen, match and exclude, and what is not evaluated.
@Suite("Kyverno ClusterPolicy")
struct ClusterPolicyTests {
  /// A ClusterPolicy of one CEL rule matching Pods. `match` and `exclude` are YAML blocks
  /// written from column 0 (indented here); `extraRule`, a rule of the `rules` list as is.
  func clusterPolicy(
    action: String = "Enforce", match: String = "any:\n- resources:\n    kinds: [Pod]",
    exclude: String? = nil, annotations: String = "{}", extraRule: String = "",
    expression: String = "object.spec.containers.all(c, !c.image.endsWith(':latest'))"
  ) -> String {
    func indented(_ block: String) -> String {
      block.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n")
    }
    return """
      apiVersion: kyverno.io/v1
      kind: ClusterPolicy
      metadata:
        name: no-latest
        annotations: \(annotations)
      spec:
        validationFailureAction: \(action)
        rules:
          - name: check-tags
            match:
      \(indented(match))
      \(exclude.map { "      exclude:\n" + indented($0) } ?? "")
            validate:
              cel:
                expressions:
                  - expression: \(quoted(expression))
                    message: images must not use latest
      \(extraRule)
      """
  }

  func pod(name: String = "p", namespace: String = "shop", image: String = "nginx:latest")
    -> String
  {
    """
    apiVersion: v1
    kind: Pod
    metadata: {name: \(name), namespace: \(namespace)}
    spec:
      containers:
        - {name: main, image: "\(image)"}
    """
  }

  @Test func enforceIsAnErrorAuditInformation() throws {
    let enforced = try Harness(policies: clusterPolicy(), manifest: pod()).findings()
    #expect(enforced.map(\.severity) == [.error], "\(enforced.map(\.message))")
    #expect(
      enforced.first?.message
        == "Pod shop/p violates Kyverno ClusterPolicy 'no-latest' (rule 'check-tags': Enforce): images must not use latest"
    )
    #expect(enforced.first?.policy == "no-latest")
    let audited = try Harness(policies: clusterPolicy(action: "Audit"), manifest: pod())
      .findings()
    #expect(audited.map(\.severity) == [.info])
    // Kyverno's default is Audit; a rule's own failureAction wins over the policy's.
    let unset = clusterPolicy().replacingOccurrences(
      of: "  validationFailureAction: Enforce\n", with: "")
    #expect(try Harness(policies: unset, manifest: pod()).findings().map(\.severity) == [.info])
    let ruleAction = clusterPolicy(action: "Audit").replacingOccurrences(
      of: "      validate:\n", with: "      validate:\n        failureAction: Enforce\n")
    #expect(
      try Harness(policies: ruleAction, manifest: pod()).findings().map(\.severity) == [.error]
        && Harness(policies: ruleAction, manifest: pod()).objectFindings().count == 1)
    #expect(
      try Harness(policies: clusterPolicy(), manifest: pod(image: "nginx:1.27")).findings()
        .isEmpty)
  }

  /// An expression without a message has its rule's `validate.message`, as Kyverno gives it
  /// (`validate_cel.go`; the chainsaw test `cel-messages-upon-resource-failure`); without
  /// either, the API server's default names the expression.
  @Test func anExpressionWithoutAMessageHasItsRules() throws {
    let bare = clusterPolicy().replacingOccurrences(
      of: "            message: images must not use latest\n", with: "")
    let ruled = bare.replacingOccurrences(
      of: "      validate:\n", with: "      validate:\n        message: no latest tags, please\n")
    let messages = try Harness(policies: ruled, manifest: pod()).objectFindings().map(\.message)
    #expect(
      messages.count == 1 && messages[0].hasSuffix("): no latest tags, please"), "\(messages)")
    let plain = try Harness(policies: bare, manifest: pod()).objectFindings().map(\.message)
    #expect(plain.count == 1 && plain[0].contains("failed expression: "), "\(plain)")
    // An expression's own message wins.
    let own = clusterPolicy().replacingOccurrences(
      of: "      validate:\n", with: "      validate:\n        message: no latest tags, please\n")
    #expect(
      try Harness(policies: own, manifest: pod()).objectFindings().map(\.message).first?
        .hasSuffix("): images must not use latest") == true)
  }

  /// A rule's `validate.cel.paramKind` and `paramRef` are the binding Kyverno makes of it
  /// (the chainsaw tests `parameter-resources`): the params are found among the policy files
  /// and the linted ones, by name in the paramRef's namespace or, without one, in the
  /// object's; missing, `parameterNotFoundAction` decides.
  @Test func paramsAreReadAsTheBindingKyvernoMakes() throws {
    func policy(namespace: String?, notFound: String = "Deny") -> String {
      clusterPolicy(expression: "object.spec.containers.size() <= params.maxContainers")
        .replacingOccurrences(
          of: "        cel:\n",
          with: """
                    cel:
                      paramKind: {apiVersion: rules.example.com/v1, kind: ContainerLimit}
                      paramRef: {name: limit\(namespace.map { ", namespace: \($0)" } ?? ""), parameterNotFoundAction: \(notFound)}

            """)
    }
    let limit = """
      ---
      apiVersion: rules.example.com/v1
      kind: ContainerLimit
      metadata: {name: limit, namespace: shop}
      maxContainers: 0
      """
    for namespace in ["shop", nil] {
      let denied = try Harness(policies: policy(namespace: namespace) + limit, manifest: pod())
        .objectFindings()
      #expect(denied.map(\.severity) == [.error], "\(denied.map(\.message))")
    }
    // In another namespace than the object's, or nowhere: Deny denies, Allow lets it through.
    let elsewhere = limit.replacingOccurrences(of: "namespace: shop", with: "namespace: other")
    let missing = try Harness(policies: policy(namespace: nil) + elsewhere, manifest: pod())
      .objectFindings()
    #expect(missing.map(\.severity) == [.error], "\(missing.map(\.message))")
    // Kyverno makes missing params the rule's error, which an Audit rule reports, never blocks
    // (the API server denies a policy's configuration error whatever the binding's actions).
    let audited = policy(namespace: nil).replacingOccurrences(
      of: "validationFailureAction: Enforce", with: "validationFailureAction: Audit")
    let reported = try Harness(policies: audited + elsewhere, manifest: pod()).objectFindings()
    #expect(
      reported.map(\.severity) == [.info]
        && reported[0].message.contains("failed to configure binding: no params found"),
      "\(reported.map(\.message))")
    #expect(
      try Harness(policies: policy(namespace: nil, notFound: "Allow") + elsewhere, manifest: pod())
        .objectFindings().isEmpty)
    // Found where the paramRef says, and allowing the pod.
    let generous = limit.replacingOccurrences(of: "maxContainers: 0", with: "maxContainers: 3")
    #expect(
      try Harness(policies: policy(namespace: "shop") + generous, manifest: pod())
        .objectFindings().isEmpty)
  }

  /// The ClusterPolicy's schema refuses the whole policy for one rule's entry of the wrong
  /// type (read as written, `expression: true` held on every object), at the rule's path.
  @Test func whatItsSchemaRefusesIsReported() throws {
    let expression = "object.spec.containers.all(c, !c.image.endsWith(':latest'))"
    let patternRule: String = [
      "    - name: patterns", "      celPreconditions: [{name: 1, expression: 'true'}]",
      "      match: {any: [{resources: {kinds: [Pod]}}]}", "      validate: {pattern: {spec: {}}}",
    ].joined(separator: "\n")
    for (text, expected) in [
      (
        clusterPolicy().replacingOccurrences(
          of: "expression: \(quoted(expression))", with: "expression: true"),
        "rule check-tags: validate.cel.expressions[0].expression must be a string"
      ),
      (
        clusterPolicy().replacingOccurrences(
          of: "message: images must not use latest", with: "message: 404"),
        "rule check-tags: validate.cel.expressions[0].message must be a string"
      ),
      (
        clusterPolicy(extraRule: "      celPreconditions: [{name: 1, expression: 'true'}]"),
        "rule check-tags: celPreconditions[0].name must be a string"
      ),
      // A rule kubeward does not evaluate (a pattern) is the schema's as much.
      (
        clusterPolicy(extraRule: patternRule),
        "rule patterns: celPreconditions[0].name must be a string"
      ),
    ] {
      let findings = try Harness(policies: text, manifest: pod()).findings()
      #expect(findings.allSatisfy { $0.file == "policy.yaml" }, "\(findings.map(\.message))")
      #expect(
        findings.contains {
          $0.message.contains(expected) && $0.message.contains("its schema rejects the policy")
        }, "\(findings.map(\.message))")
    }
  }

  @Test func kindsAreReadAsKyvernosContainsKindReadsThem() {
    for (written, kind) in [
      ("Pod", "Pod"), ("v1/Pod", "Pod"), ("Pod/ephemeralcontainers", "Pod"), ("Pod.status", "Pod"),
      ("v1/Pod/status", "Pod"), ("apps/v1/Deployment", "Deployment"), ("*/*", "*"),
      ("v1beta1/Pod.status", "Pod"), ("apps/v1/Deployment/scale", "Deployment"),
      ("a/b/c/d/e", ""), ("version1/Pod", "version1"),
    ] {
      #expect(PolicyReader.kindWithoutSubresource(written) == kind, "\(written)")
    }
  }

  @Test func autogenReachesControllersUnlessTurnedOff() throws {
    let manifests = [
      ("d.yaml", deployment(image: "nginx:latest")), ("c.yaml", cronJob),
      ("ok.yaml", deployment(name: "api")),
    ]
    let all = try Harness(policies: clusterPolicy(), manifests: manifests).objectFindings()
    #expect(all.map(\.file).sorted() == ["c.yaml", "d.yaml"], "\(all.map(\.message))")
    let none = try Harness(
      policies: clusterPolicy(annotations: "{pod-policies.kyverno.io/autogen-controllers: none}"),
      manifests: manifests
    ).objectFindings()
    #expect(none.isEmpty)
    let some = try Harness(
      policies: clusterPolicy(
        annotations: "{pod-policies.kyverno.io/autogen-controllers: \"Deployment,StatefulSet\"}"),
      manifests: manifests
    ).objectFindings()
    #expect(some.map(\.file) == ["d.yaml"])
    // A rule that matches Pods by name is not extended (Kyverno's autogen rule).
    let named = try Harness(
      policies: clusterPolicy(
        match: "any:\n- resources:\n    kinds: [Pod]\n    names: [web]"),
      manifests: manifests
    ).objectFindings()
    #expect(named.isEmpty)
    // Kyverno decides autogen for the whole policy: a rule of Pods beside a rule that matches
    // by a selector (or mixes Pod with other kinds) is not extended either.
    for second in [
      "kinds: [Pod]\n            selector: {matchLabels: {team: x}}", "kinds: [Pod, Service]",
      // Pod with a subresource or a version is Pod to Kyverno's `ContainsKind`.
      "kinds: [Pod/ephemeralcontainers, Service]", "kinds: [v1/Pod/status, Service]",
      "kinds: [Service, Pod.status]",
    ] {
      let rule = [
        "    - name: second", "      match:", "        any:", "        - resources:",
        "            \(second)", "      validate:", "        cel:", "          expressions:",
        "            - expression: \"true\"",
      ]
      let mixed = clusterPolicy(extraRule: rule.joined(separator: "\n"))
      let findings = try Harness(policies: mixed, manifests: manifests).objectFindings()
      #expect(findings.isEmpty, "\(second): \(findings.map(\.message))")
      #expect(
        try Harness(policies: mixed, manifest: pod()).objectFindings().count == 1,
        "\(second): the Pod rule itself still applies")
    }
    // An empty generate is none (Kyverno's `HasGenerate`): autogen stays.
    let generating = clusterPolicy(
      extraRule: [
        "    - name: gen", "      match:", "        any:", "        - resources:",
        "            kinds: [Pod]", "      generate: {}",
      ].joined(separator: "\n"))
    #expect(
      try Harness(policies: generating, manifests: manifests).objectFindings().map(\.file)
        .sorted() == ["c.yaml", "d.yaml"])
  }

  /// Autogen reads the old object's pod template too (`oldObject.spec` →
  /// `oldObject.spec.template.spec`), and a ClusterPolicy's rule rewrites
  /// `object.metadata.namespace` as Kyverno's does: an UPDATE of a Deployment was denied for
  /// `oldObject.spec.containers`, which a Deployment has not.
  @Test func autogenRewritesTheOldObjectToo() throws {
    let policy = clusterPolicy(
      expression:
        "oldObject == null || object.spec.containers.size() == oldObject.spec.containers.size()"
    )
    var update = Harness(policies: policy, manifest: deployment())
    update.request.operation = "UPDATE"
    #expect(try update.objectFindings().isEmpty)
    let namespaced = clusterPolicy(
      expression: "!has(object.metadata.namespace) || object.metadata.namespace != 'shop'")
    #expect(try Harness(policies: namespaced, manifest: pod()).objectFindings().count == 1)
    // On the Deployment, the rule reads its pod template's namespace, which is not written.
    #expect(try Harness(policies: namespaced, manifest: deployment()).objectFindings().isEmpty)
  }

  /// Names and namespaces, with Kyverno's wildcards; an exclusion of namespaces or of named
  /// objects; an exclusion by role, which the synthetic request's user has none of.
  @Test func matchAndExcludeByNameAndNamespace() throws {
    let manifests = [
      ("a.yaml", pod(name: "web-1")), ("b.yaml", pod(name: "db-1")),
      ("c.yaml", pod(name: "web-2", namespace: "kube-system")),
    ]
    func files(_ policy: String) throws -> [String] {
      try Harness(policies: policy, manifests: manifests).objectFindings().map(\.file).sorted()
    }
    let byName = clusterPolicy(
      match: "any:\n- resources:\n    kinds: [Pod]\n    names: [\"web-*\"]")
    #expect(try files(byName) == ["a.yaml", "c.yaml"])
    let byNamespace = clusterPolicy(
      match: "any:\n- resources:\n    kinds: [Pod]\n    namespaces: [\"sh?p\"]")
    #expect(try files(byNamespace) == ["a.yaml", "b.yaml"])
    let excluded = clusterPolicy(
      exclude: "any:\n- resources:\n    namespaces: [\"kube-*\"]")
    #expect(try files(excluded) == ["a.yaml", "b.yaml"])
    let excludedByName = clusterPolicy(
      exclude: "any:\n- resources:\n    kinds: [Pod]\n    names: [db-1]")
    #expect(try files(excludedByName) == ["a.yaml", "c.yaml"])
    // RBAC's names hold colons.
    let system = clusterPolicy(
      match: "any:\n- resources:\n    kinds: [Pod]\n    names: [\"system:*\", \"web-1\"]")
    #expect(try files(system) == ["a.yaml"])
    let admins = clusterPolicy(exclude: "any:\n- clusterRoles: [cluster-admin]")
    #expect(try files(admins) == ["a.yaml", "b.yaml", "c.yaml"])
    let adminsThere = clusterPolicy(
      exclude: "any:\n- clusterRoles: [cluster-admin]\n  resources:\n    namespaces: [kube-system]")
    #expect(try files(adminsThere) == ["a.yaml", "b.yaml", "c.yaml"])
  }

  /// A rule may exclude hundreds of namespaces: more than one regular expression holds
  /// (each is at most 10 000 characters), and the policy is evaluated, not reported as one
  /// that does not compile.
  @Test func longListsOfNamesAreMatched() throws {
    let namespaces = (0..<450).map { "team-\($0)-production-namespace" }
    let manifests = [
      ("a.yaml", pod(name: "web-1", namespace: "team-449-production-namespace")),
      ("b.yaml", pod(name: "web-2", namespace: "team-0-production-namespace")),
      ("c.yaml", pod(name: "web-3", namespace: "shop")),
    ]
    let policy = clusterPolicy(
      exclude: "any:\n- resources:\n    namespaces: [\(namespaces.joined(separator: ", "))]")
    let findings = try Harness(policies: policy, manifests: manifests).findings()
    #expect(findings.map(\.file) == ["c.yaml"], "\(findings.map(\.message))")
    #expect(findings.first?.message.contains("images must not use latest") == true)
  }

  /// A name repeated thousands of times (an alias) is one alternative: the condition stays
  /// cheap, and does not run out of its budget and reject every object.
  @Test func repeatedNamesAreMatchedOnce() throws {
    let long = "ns-" + String(repeating: "x", count: 240)
    let namespaces = ["&n " + long] + Array(repeating: "*n", count: 22_000) + ["kube-system"]
    let policy = clusterPolicy(
      exclude: "any:\n- resources:\n    namespaces: [\(namespaces.joined(separator: ", "))]")
    let findings = try Harness(
      policies: policy,
      manifests: [
        ("a.yaml", pod(name: "web-1", namespace: "kube-system")),
        ("b.yaml", pod(name: "web-2", namespace: "shop")),
      ]
    ).findings()
    #expect(findings.map(\.file) == ["b.yaml"], "\(findings.map(\.message))")
    #expect(findings.first?.message.contains("images must not use latest") == true)
  }

  /// Autogen rewrites an expression once: for the controllers whose pod template is in one
  /// place, and for every rule that aliases it (a 20 KB file of one aliased expression took
  /// 10 s and 1 GB compiling it seven times per alias).
  @Test func autogenRewritesAnExpressionOnce() throws {
    let policies = """
      apiVersion: kyverno.io/v1
      kind: ClusterPolicy
      metadata: {name: shared}
      spec:
        rules:
          - name: first
            match: {any: [{resources: {kinds: [Pod]}}]}
            validate:
              cel:
                expressions:
                  - expression: &check "object.spec.containers.all(c, c.image != '')"
          - name: second
            match: {any: [{resources: {kinds: [Pod]}}]}
            validate:
              cel:
                expressions:
                  - expression: *check
      """
    var set = AdmissionPolicySet()
    set.read(file: "policy.yaml", bytes: Array(policies.utf8))
    #expect(set.policies.count == 2)
    let sharing = AdmissionCheck.Sharing(policies: set.policies)
    let first = try #require(sharing.variants[ObjectIdentifier(set.policies[0])])
    let second = try #require(sharing.variants[ObjectIdentifier(set.policies[1])])
    let deployment = try #require(first["Deployment"])
    #expect(deployment === first["StatefulSet"])
    #expect(deployment !== first["CronJob"])
    let rewritten = deployment.validations[0].expression
    #expect(rewritten.source.hasPrefix("object.spec.template.spec.containers"))
    #expect(rewritten === second["Deployment"]?.validations[0].expression)
    #expect(
      first["CronJob"]?.validations[0].expression === second["CronJob"]?.validations[0].expression)
  }

  /// `Kind`, `version/Kind` and `group/version/Kind`; a subresource is no object's CREATE.
  /// (The expression fails on every object: the findings are the objects matched.)
  @Test func kindsAreReadInEveryForm() throws {
    for (kinds, expected) in [
      ("[apps/v1/Deployment]", ["d.yaml"]), ("[Deployment]", ["d.yaml"]),
      ("[v1/Pod]", ["d.yaml", "p.yaml"]), ("[Service]", []), ("[Pod/exec]", []),
      ("[\"*\"]", ["d.yaml", "p.yaml"]),
    ] {
      let policy = clusterPolicy(
        match: "any:\n- resources:\n    kinds: \(kinds)", expression: "false")
      let findings = try Harness(
        policies: policy,
        manifests: [("d.yaml", deployment(image: "nginx:latest")), ("p.yaml", pod())]
      ).objectFindings()
      #expect(findings.map(\.file).sorted() == expected, "\(kinds): \(findings.map(\.message))")
    }
  }

  /// An action or a namespace written as a list or a map is a problem of the policy file,
  /// not the default in silence.
  @Test func actionsAndNamespacesMustBeText() throws {
    let listed = try Harness(
      policies: clusterPolicy(action: "[Enforce]"), manifest: pod()
    ).findings()
    #expect(
      listed.map(\.message).contains { $0.contains("validationFailureAction is Enforce or Audit") },
      "\(listed.map(\.message))")
    #expect(!listed.contains { $0.file == "manifest.yaml" })
    let namespaced = clusterPolicy()
      .replacingOccurrences(of: "kind: ClusterPolicy", with: "kind: Policy")
      .replacingOccurrences(of: "name: no-latest", with: "name: no-latest\n  namespace: {a: b}")
    let mapped = try Harness(policies: namespaced, manifest: pod()).findings()
    #expect(
      mapped.map(\.message).contains { $0.contains("is not a namespace name") },
      "\(mapped.map(\.message))")
  }

  /// `celPreconditions` are the rule's match conditions.
  @Test func celPreconditionsAreMatchConditions() throws {
    let text = clusterPolicy().replacingOccurrences(
      of: "      validate:\n",
      with: """
              celPreconditions:
                - name: not-debug
                  expression: "object.metadata.name != 'debug'"
              validate:

        """)
    let findings = try Harness(
      policies: text, manifests: [("a.yaml", pod()), ("b.yaml", pod(name: "debug"))]
    ).objectFindings()
    #expect(findings.map(\.file) == ["a.yaml"], "\(findings.map(\.message))")
  }

  /// Each CEL rule of a policy of several is a policy of its own, `policy/rule`.
  @Test func severalRulesAreNamedByRule() throws {
    let second = """
          - name: check-pull
            match:
              any:
                - resources:
                    kinds: [Pod]
            validate:
              cel:
                expressions:
                  - expression: "object.spec.containers.all(c, has(c.imagePullPolicy) && c.imagePullPolicy == 'Always')"
                    message: images are pulled always
      """
    let findings = try Harness(
      policies: clusterPolicy(extraRule: second), manifest: pod(image: "nginx:1.27")
    ).objectFindings()
    #expect(findings.map(\.policy) == ["no-latest/check-pull"], "\(findings.map(\.message))")
  }

  /// A namespaced Kyverno Policy applies in its own namespace only (`default` when unwritten).
  @Test func aNamespacedPolicyAppliesInItsNamespace() throws {
    let policy = clusterPolicy().replacingOccurrences(
      of: "kind: ClusterPolicy", with: "kind: Policy"
    )
    .replacingOccurrences(of: "  name: no-latest\n", with: "  name: no-latest\n  namespace: shop\n")
    let manifests = [("a.yaml", pod()), ("b.yaml", pod(name: "q", namespace: "other"))]
    let findings = try Harness(policies: policy, manifests: manifests).objectFindings()
    #expect(findings.map(\.file) == ["a.yaml"], "\(findings.map(\.message))")
    #expect(
      findings.first?.message.contains(
        "violates Kyverno Policy 'no-latest' (rule 'check-tags': Enforce)")
        == true)
    let unwritten = clusterPolicy().replacingOccurrences(
      of: "kind: ClusterPolicy", with: "kind: Policy")
    #expect(try Harness(policies: unwritten, manifests: manifests).objectFindings().isEmpty)
  }

  /// What offline evaluation cannot know is not guessed: the rule is not evaluated, and the
  /// policy file says so, at the rule, as a warning. So are the rules that are not CEL.
  @Test func whatIsNotEvaluatedIsSaid() throws {
    let unsupported = [
      clusterPolicy(match: "any:\n- subjects: [{kind: User, name: dev}]"),
      clusterPolicy(
        match: "any:\n- resources:\n    kinds: [Pod]\n    annotations: {a: b}"),
      clusterPolicy().replacingOccurrences(
        of: "        cel:\n",
        with: "        cel:\n          paramKind: {apiVersion: v1, kind: ConfigMap}\n"),
      clusterPolicy().replacingOccurrences(
        of: "      validate:\n",
        with:
          "      preconditions:\n        all: [{key: a, operator: Equals, value: a}]\n      validate:\n"
      ),
      // An action overridden per namespace: one verdict for all would be wrong in some.
      clusterPolicy(action: "Audit").replacingOccurrences(
        of: "  rules:\n",
        with:
          "  validationFailureActionOverrides: [{action: Enforce, namespaces: [shop]}]\n  rules:\n"),
      clusterPolicy().replacingOccurrences(
        of: "        cel:\n",
        with:
          "        failureActionOverrides: [{action: Audit, namespaceSelector: {matchLabels: {a: b}}}]\n        cel:\n"
      ),
    ]
    for text in unsupported {
      let findings = try Harness(policies: text, manifest: pod()).findings()
      #expect(findings.allSatisfy { $0.file == "policy.yaml" }, "\(findings.map(\.message))")
      #expect(
        findings.map(\.severity) == [.warning]
          && findings[0].message.contains("rule check-tags is not evaluated"),
        "\(findings.map(\.message))")
    }
    // A match of subresources alone, which no manifest is, says so.
    let scale = try Harness(
      policies: clusterPolicy(match: "any:\n- resources:\n    kinds: [Deployment/scale]"),
      manifest: pod()
    ).findings()
    #expect(
      scale.map(\.severity) == [.warning]
        && scale[0].message.contains("only subresources (\"Deployment/scale\")"),
      "\(scale.map(\.message))")
    let none = clusterPolicy().replacingOccurrences(
      of: "  rules:\n", with: "  validationFailureActionOverrides: []\n  rules:\n")
    #expect(try Harness(policies: none, manifest: pod()).findings().map(\.severity) == [.error])
    let pattern = """
      apiVersion: kyverno.io/v1
      kind: ClusterPolicy
      metadata: {name: labels}
      spec:
        rules:
          - name: check
            match: {any: [{resources: {kinds: [Pod]}}]}
            validate:
              pattern: {metadata: {labels: {app: "?*"}}}
      """
    let findings = try Harness(policies: pattern, manifest: pod()).findings()
    #expect(findings.map(\.severity) == [.warning])
    #expect(findings.first?.message.contains("has no validate.cel rule") == true)
  }
}
