import Foundation
import KubewardEngine
import KubewardYAML
import Testing

@testable import KubewardAdmission

/// matchConstraints and bindings' matchResources, as the API server matches a CREATE.
@Suite("Admission matching")
struct MatchingTests {
  let failing = "object.spec.replicas <= 2"

  /// The engine asks a check once per kind whether it may give findings, and leaves it out for
  /// the objects of kinds it may not: a policy's check says no for kinds no resource rule of
  /// it names, yes for every kind when a rule names `*`.
  @Test func aCheckSaysWhichKindsItMayMatch() throws {
    func checks(_ policies: String) throws -> [any ObjectCheck] {
      var set = AdmissionPolicySet()
      set.read(file: "policy.yaml", bytes: Array(policies.utf8))
      return try AdmissionPolicySource(set).activePolicies(
        Configuration(),
        catalogue: PolicyCatalogue(descriptions: AdmissionPolicySource(set).descriptions)
      ).compactMap { active in
        if case .object(let check) = active.runnable { return check }
        return nil
      }
    }
    let deployments = try #require(try checks(policy(failing)).first)
    #expect(deployments.mayCheck(apiVersion: "apps/v1", kind: "Deployment"))
    #expect(!deployments.mayCheck(apiVersion: "v1", kind: "ConfigMap"))
    #expect(!deployments.mayCheck(apiVersion: "apps/v1", kind: "StatefulSet"))
    let everything = try #require(
      try checks(
        policy(
          failing,
          rules: #"- {apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}"#)
      ).first)
    #expect(everything.mayCheck(apiVersion: "v1", kind: "ConfigMap"))
    #expect(everything.mayCheck(apiVersion: "example.com/v1", kind: "Widget"))
    // And a run gives the same findings as if every check were asked of every object.
    let mixed = deployment() + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
    #expect(try Harness(policies: policy(failing), manifest: mixed).objectFindings().count == 1)
  }

  /// A run's admission policies are one check, which names the policy and severity of each
  /// finding: as a check apiece, each policy was asked about every object of its kinds,
  /// however few it matched.
  @Test func thePoliciesOfASetAreOneCheck() throws {
    let policies = [
      policy(failing, name: "denied", binding: "  validationActions: [Deny]"),
      policy(failing, name: "warned", binding: "  validationActions: [Warn]"),
      policy(failing, name: "audited", binding: "  validationActions: [Audit]"),
    ].joined(separator: "\n---\n")
    var set = AdmissionPolicySet()
    set.read(file: "policy.yaml", bytes: Array(policies.utf8))
    let source = AdmissionPolicySource(set)
    let active = try source.activePolicies(
      Configuration(), catalogue: PolicyCatalogue(descriptions: source.descriptions))
    #expect(active.count == 1)
    let findings = try Harness(policies: policies, manifest: deployment()).objectFindings()
    #expect(
      findings.map { "\($0.policy) \($0.severity)" }.sorted() == [
        "audited info", "denied error", "warned warning",
      ])
  }

  @Test func resourceRulesNameGroupsResourcesAndOperations() throws {
    // Matched: apps/v1 deployments on CREATE.
    #expect(
      try Harness(policies: policy(failing), manifest: deployment()).objectFindings().count == 1)
    // Another resource, another group, an operation that is not CREATE: not matched.
    for rules in [
      #"- {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["statefulsets"]}"#,
      #"- {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}"#,
      #"- {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["deployments"]}"#,
      #"- {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments/scale"]}"#,
    ] {
      #expect(
        try Harness(policies: policy(failing, rules: rules), manifest: deployment())
          .objectFindings().isEmpty, "\(rules)")
    }
    // Wildcards: `*` and `*/*` name every resource.
    for rules in [
      #"- {apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}"#,
      #"- {apiGroups: ["*"], apiVersions: ["*"], operations: ["CREATE"], resources: ["*/*"]}"#,
    ] {
      #expect(
        try Harness(policies: policy(failing, rules: rules), manifest: deployment())
          .objectFindings().count == 1, "\(rules)")
    }
  }

  /// Subresources as the API server's matcher reads a rule (`rules.go`): `deployments/status`
  /// names the requests of that subresource only (the webhook's), `deployments` the object
  /// itself only, `deployments/*` both, `*/status` every resource's status, `*` no
  /// subresource. The webhook matched by the resource alone, both ways.
  @Test func subresourcesAreMatchedAsTheAPIServerMatchesThem() throws {
    func findings(_ resources: String, subresource: String) throws -> Int {
      let rules =
        #"- {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["UPDATE"], resources: "#
        + resources + "}"
      var harness = Harness(policies: policy(failing, rules: rules), manifest: deployment())
      harness.request.operation = "UPDATE"
      harness.request.subResource = subresource
      return try harness.objectFindings().count
    }
    for (resources, subresource, matched) in [
      ("[deployments/status]", "status", true), ("[deployments/status]", "", false),
      ("[deployments/status]", "scale", false), ("[deployments]", "status", false),
      ("[deployments]", "", true), ("[deployments/*]", "status", true),
      ("[deployments/*]", "", true), (#"["*/status"]"#, "status", true),
      (#"["*/status"]"#, "", false), (#"["*"]"#, "status", false),
      (#"["*/*"]"#, "status", true), ("[statefulsets/status]", "status", false),
      // `deployments/` names no subresource, as the API server splits it.
      ("[deployments/]", "", true), ("[deployments/]", "status", false),
    ] {
      #expect(
        try findings(resources, subresource: subresource) == (matched ? 1 : 0),
        "\(resources) on subresource \"\(subresource)\"")
    }
  }

  /// A policy whose rules name only subresources matches no object a manifest holds: lint
  /// says so, where it said nothing.
  @Test func aPolicyOfSubresourcesOnlySaysLintDoesNotEvaluateIt() throws {
    let rules =
      #"- {apiGroups: [""], apiVersions: ["v1"], operations: ["UPDATE"], resources: [pods/ephemeralcontainers, "*/status"]}"#
    let notes = try Harness(policies: policy(failing, rules: rules), manifest: deployment())
      .findings().filter { $0.message.contains("matches only subresources") }
    #expect(notes.count == 1)
    #expect(notes.first?.severity == .info)
    #expect(notes.first?.message.contains("(pods/ephemeralcontainers, */status)") == true)
    // One entry that names the object itself (`pods/*` names the pod too): no such note.
    let mixed =
      #"- {apiGroups: [""], apiVersions: ["v1"], operations: ["UPDATE"], resources: [pods/ephemeralcontainers, "pods/*"]}"#
    #expect(
      try Harness(policies: policy(failing, rules: mixed), manifest: deployment()).findings()
        .allSatisfy { !$0.message.contains("matches only subresources") })
  }

  @Test func anUpdateRequestIsConfigurable() throws {
    let rules =
      #"- {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["deployments"]}"#
    var harness = Harness(policies: policy(failing, rules: rules), manifest: deployment())
    #expect(try harness.objectFindings().isEmpty)
    // Passed over, and said so once, at the policy (it was passed over in silence).
    let notes = try harness.findings().filter { $0.message.contains("matches only UPDATE") }
    #expect(notes.count == 1 && notes[0].severity == .info, "\(notes)")
    #expect(notes.first?.message.contains("evaluates each manifest as a CREATE request") == true)
    harness.request.operation = "UPDATE"
    #expect(try harness.objectFindings().count == 1)
    #expect(try harness.findings().allSatisfy { !$0.message.contains("matches only") })
  }

  @Test func resourceNamesAndScope() throws {
    let named =
      #"- {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"], resourceNames: ["api"]}"#
    #expect(
      try Harness(policies: policy(failing, rules: named), manifest: deployment()).objectFindings()
        .isEmpty)
    #expect(
      try Harness(policies: policy(failing, rules: named), manifest: deployment(name: "api"))
        .objectFindings().count == 1)
    let cluster =
      #"- {apiGroups: ["*"], apiVersions: ["*"], operations: ["CREATE"], resources: ["*"], scope: Cluster}"#
    #expect(
      try Harness(policies: policy(failing, rules: cluster), manifest: deployment())
        .objectFindings().isEmpty)
    let namespaced =
      #"- {apiGroups: ["*"], apiVersions: ["*"], operations: ["CREATE"], resources: ["*"], scope: Namespaced}"#
    #expect(
      try Harness(policies: policy(failing, rules: namespaced), manifest: deployment())
        .objectFindings().count == 1)
  }

  /// A policy with `matchConstraints` written out (selectors, exclusions).
  func constrained(_ constraints: String, _ expression: String = "object.spec.replicas <= 2")
    -> String
  {
    """
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicy
    metadata: {name: demo}
    spec:
      matchConstraints:
    \(constraints)
      validations:
        - expression: \(quoted(expression))
    """
  }

  @Test func excludeResourceRules() throws {
    let text = constrained(
      """
          resourceRules:
            - {apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}
          excludeResourceRules:
            - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["*"], resources: ["deployments"], resourceNames: ["web"]}
      """)
    #expect(try Harness(policies: text, manifest: deployment()).objectFindings().isEmpty)
    #expect(
      try Harness(policies: text, manifest: deployment(name: "api")).objectFindings().count == 1)
  }

  @Test func namespaceSelectorUsesTheRunsNamespacesAndTheNameLabel() throws {
    let binding = """
        validationActions: [Deny]
        matchResources:
          namespaceSelector:
            matchLabels: {environment: production}
      """
    let text = policy(failing, binding: binding)
    let production = """
      apiVersion: v1
      kind: Namespace
      metadata:
        name: shop
        labels: {environment: production}
      """
    let staging = production.replacingOccurrences(of: "production", with: "staging")
    #expect(
      try Harness(policies: text, manifests: [("ns.yaml", production), ("d.yaml", deployment())])
        .objectFindings().count == 1)
    #expect(
      try Harness(policies: text, manifests: [("ns.yaml", staging), ("d.yaml", deployment())])
        .objectFindings().isEmpty)
    // Unseen namespace: only its kubernetes.io/metadata.name label is known.
    #expect(try Harness(policies: text, manifest: deployment()).objectFindings().isEmpty)
    let byName = policy(
      failing,
      binding: """
          validationActions: [Deny]
          matchResources:
            namespaceSelector:
              matchExpressions:
                - {key: kubernetes.io/metadata.name, operator: In, values: [shop]}
        """)
    #expect(try Harness(policies: byName, manifest: deployment()).objectFindings().count == 1)
  }

  @Test func objectSelector() throws {
    let text = constrained(
      """
          objectSelector:
            matchLabels: {tier: frontend}
          resourceRules:
            - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
      """)
    #expect(try Harness(policies: text, manifest: deployment()).objectFindings().isEmpty)
    #expect(
      try Harness(policies: text, manifest: deployment(labels: "app: web, tier: frontend"))
        .objectFindings().count == 1)
  }

  /// A selector of thousands of terms (worked out once by key, `LabelSelector.Matcher`)
  /// selects as it reads: each term must hold.
  @Test func longObjectSelectors() throws {
    let absent = (0..<5_000).map { "        - {key: k\($0), operator: DoesNotExist}" }
    let text = constrained(
      """
          objectSelector:
            matchLabels: {app: web}
            matchExpressions:
              - {key: tier, operator: In, values: [frontend, edge]}
      \(absent.joined(separator: "\n"))
          resourceRules:
            - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
      """)
    for (labels, selected) in [
      ("app: web, tier: frontend", true), ("app: web, tier: edge, other: x", true),
      ("app: web, tier: backend", false), ("app: web", false), ("app: api, tier: edge", false),
      ("app: web, tier: edge, k4999: x", false),
    ] {
      let findings = try Harness(policies: text, manifest: deployment(labels: labels))
        .objectFindings()
      #expect(findings.count == (selected ? 1 : 0), "\(labels)")
    }
  }

  @Test func equivalentMatchingUnlessExact() throws {
    let old = deployment(apiVersion: "extensions/v1beta1")
    let rules =
      #"- {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}"#
    #expect(
      try Harness(policies: policy(failing, rules: rules), manifest: old).objectFindings().count
        == 1)
    let exact = constrained(
      """
          matchPolicy: Exact
          resourceRules:
            \(rules)
      """)
    #expect(try Harness(policies: exact, manifest: old).objectFindings().isEmpty)
  }

  /// Core v1 Events and `events.k8s.io/v1` ones are one resource in two groups (one storage:
  /// the API server's equivalent resources). A rule naming one matches the other under
  /// matchPolicy Equivalent; the API server converts the object to the rule's shape
  /// (`regarding` is `involvedObject` there), which kubeward does not, so it says the object
  /// was not checked. Exact matches only the group named.
  @Test func eventsMatchAcrossTheirTwoGroups() throws {
    let coreRule =
      #"- {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["events"]}"#
    let newEvent = """
      apiVersion: events.k8s.io/v1
      kind: Event
      metadata: {name: e, namespace: shop}
      regarding: {kind: Pod, name: p, namespace: shop}
      note: started
      eventTime: "2026-01-01T00:00:00.000000Z"
      reportingController: example.com/c
      reportingInstance: i
      action: Started
      reason: Started
      type: Normal
      """
    let coreEvent = """
      apiVersion: v1
      kind: Event
      metadata: {name: e, namespace: shop}
      involvedObject: {kind: Pod, name: p, namespace: shop}
      message: started
      """
    let converted = try Harness(
      policies: policy("has(object.involvedObject)", rules: coreRule), manifest: newEvent
    ).objectFindings()
    #expect(converted.map(\.severity) == [.info], "\(converted.map(\.message))")
    #expect(
      converted.first?.message.contains(
        "its rules name Event only as the same resource in another API group") == true,
      "\(converted.map(\.message))")
    // Named in its own group, the object is evaluated as written.
    let own = try Harness(policies: policy("false", rules: coreRule), manifest: coreEvent)
      .objectFindings()
    #expect(own.map(\.severity) == [.error], "\(own.map(\.message))")
    // What conversion leaves alone (the metadata) is evaluated.
    let metadata = try Harness(
      policies: policy("object.metadata.name != 'e'", rules: coreRule), manifest: newEvent
    ).objectFindings()
    #expect(metadata.map(\.severity) == [.error], "\(metadata.map(\.message))")
    let exact = constrained(
      """
          matchPolicy: Exact
          resourceRules:
            \(coreRule)
      """, "false")
    #expect(try Harness(policies: exact, manifest: newEvent).objectFindings().isEmpty)
  }

  /// Equivalent matching names resources a server serves: a rule for a version no server has
  /// (`apps/v1beta1`, core `v2`) matches nothing; one for another served version does.
  @Test func equivalentMatchingNamesServedVersions() throws {
    func matches(_ rule: String, _ manifest: String) throws -> Bool {
      try !Harness(policies: policy("false", rules: rule), manifest: manifest).objectFindings()
        .isEmpty
    }
    #expect(
      try !matches(
        #"- {apiGroups: ["apps"], apiVersions: ["v1beta1"], operations: ["CREATE"], resources: ["deployments"]}"#,
        deployment()))
    let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n"
    #expect(
      try !matches(
        #"- {apiGroups: [""], apiVersions: ["v2"], operations: ["CREATE"], resources: ["configmaps"]}"#,
        configMap))
    let autoscaler = """
      apiVersion: autoscaling/v2
      kind: HorizontalPodAutoscaler
      metadata: {name: web, namespace: shop}
      spec:
        scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
        maxReplicas: 5
      """
    // A rule for `autoscaling/v1` matches an `autoscaling/v2` HorizontalPodAutoscaler, which
    // the API server converts to v1 (another shape) before the policy reads it: kubeward,
    // which does not convert, says it did not check it, as information.
    let otherVersion = try Harness(
      policies: policy(
        "has(object.spec.targetCPUUtilizationPercentage)",
        rules:
          #"- {apiGroups: ["autoscaling"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["horizontalpodautoscalers"]}"#
      ), manifest: autoscaler
    ).objectFindings()
    #expect(otherVersion.map(\.severity) == [.info])
    #expect(
      otherVersion.first?.message.contains(
        "was not checked against ValidatingAdmissionPolicy 'demo': its rules name HorizontalPodAutoscaler only in another version of autoscaling"
      ) == true, "\(otherVersion.map(\.message))")
    // A policy that reads only the object's metadata, which conversion leaves as it is, is
    // evaluated; so is an object in a version no server has (the API server refuses it).
    let v1Rule =
      #"- {apiGroups: ["autoscaling"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["horizontalpodautoscalers"]}"#
    for (expression, manifest) in [
      ("object.metadata.name != 'web' && has(object.?metadata.namespace)", autoscaler),
      (
        "false",
        autoscaler.replacingOccurrences(of: "autoscaling/v2", with: "autoscaling/v2beta2")
      ),
    ] {
      let evaluated = try Harness(
        policies: policy(expression, rules: v1Rule), manifest: manifest
      ).objectFindings()
      #expect(evaluated.map(\.severity) == [.error], "\(expression): \(evaluated.map(\.message))")
    }
    // Not its annotations (the conversion to v1 writes v2's metrics into them), nor the
    // request's kind and resource (the version the rule matched, v1, there).
    for expression in [
      "object.metadata.?annotations.orValue({}).all(k, k.startsWith('example.com/'))",
      "request.kind.version == 'v1'", "request.resource.version == 'v1'",
    ] {
      let unchecked = try Harness(
        policies: policy(expression, rules: v1Rule), manifest: autoscaler
      ).objectFindings()
      #expect(unchecked.map(\.severity) == [.info], "\(expression): \(unchecked.map(\.message))")
    }
    // Its own version, or any: evaluated as written.
    for versions in [#"["v2"]"#, #"["*"]"#, #"["v1", "v2"]"#] {
      let own = try Harness(
        policies: policy(
          "false",
          rules:
            #"- {apiGroups: ["autoscaling"], apiVersions: "# + versions
            + #", operations: ["CREATE"], resources: ["horizontalpodautoscalers"]}"#
        ), manifest: autoscaler
      ).objectFindings()
      #expect(own.map(\.severity) == [.error], "\(versions)")
    }
    // `configmaps/*` is every subresource of ConfigMaps, the empty one (the object) too.
    #expect(
      try matches(
        #"- {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps/*"]}"#,
        configMap))
  }

  /// The API server runs no admission policy on admission policies and their bindings (a
  /// policy matching everything would lock itself in); webhook configurations are checked.
  @Test func admissionPoliciesAreNotCheckedByThem() throws {
    let everything =
      #"- {apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}"#
    let manifests = [
      (
        "vap.yaml",
        policy("true", name: "other", binding: "  validationActions: [Deny]")
      ),
      (
        "webhook.yaml",
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata: {name: hook}\n"
      ),
    ]
    let findings = try Harness(policies: policy("false", rules: everything), manifests: manifests)
      .objectFindings()
    #expect(findings.map(\.file) == ["webhook.yaml"], "\(findings.map(\.message))")
  }

  /// What the API server sets on a Namespace as it creates it, before admission: its name as
  /// a label (which object and namespace selectors see), `spec.finalizers`, `status.phase`.
  @Test func aNamespaceHasWhatItsCreationGivesIt() throws {
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n"
    let rules =
      #"- {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["namespaces"]}"#
    for expression in [
      "object.status.phase == 'Active'", "object.spec.finalizers == ['kubernetes']",
      "object.metadata.labels['kubernetes.io/metadata.name'] == 'team-a'",
    ] {
      #expect(
        try Harness(policies: policy(expression, rules: rules), manifest: namespace)
          .objectFindings().isEmpty, "\(expression)")
    }
    let selected = constrained(
      """
          resourceRules:
            \(rules)
          objectSelector:
            matchLabels: {kubernetes.io/metadata.name: team-a}
      """, "false")
    #expect(try Harness(policies: selected, manifest: namespace).objectFindings().count == 1)
  }

  @Test func aBindingNarrowsThePolicy() throws {
    let binding = """
        validationActions: [Deny]
        matchResources:
          resourceRules:
            - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"], resourceNames: ["api"]}
      """
    let text = policy(failing, binding: binding)
    #expect(try Harness(policies: text, manifest: deployment()).objectFindings().isEmpty)
    #expect(
      try Harness(policies: text, manifest: deployment(name: "api")).objectFindings().count == 1)
  }

  @Test func customResourcesByTheirDefinitionsPluralElseAGuess() throws {
    let widget = """
      apiVersion: example.com/v1
      kind: Widget
      metadata: {name: w, namespace: shop}
      spec: {size: 9}
      """
    let crd = """
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata: {name: gadgetry.example.com}
      spec:
        group: example.com
        scope: Namespaced
        names: {kind: Widget, plural: gadgetry}
      """
    let byPlural = policy(
      "object.spec.size < 5",
      rules:
        #"- {apiGroups: ["example.com"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["gadgetry"]}"#
    )
    #expect(
      try Harness(policies: byPlural, manifests: [("crd.yaml", crd), ("w.yaml", widget)])
        .objectFindings().count == 1)
    #expect(try Harness(policies: byPlural, manifest: widget).objectFindings().isEmpty)
    let byGuess = policy(
      "object.spec.size < 5",
      rules:
        #"- {apiGroups: ["example.com"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["widgets"]}"#
    )
    #expect(try Harness(policies: byGuess, manifest: widget).objectFindings().count == 1)
    #expect(ResourceTable.guessResource("Policy") == "policies")
    #expect(ResourceTable.guessResource("Ingress") == "ingresses")
    #expect(ResourceTable.guessResource("Gateway") == "gateways")
  }

  /// The run's files are read for the Namespaces and CustomResourceDefinitions only when a
  /// policy can see them: a second read of every file was a tenth of a run's time.
  @Test func theRunIsReadOnlyForTheContextThePoliciesRead() throws {
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"
    let crd = """
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata: {name: gadgetry.example.com}
      spec: {group: example.com, scope: Namespaced, names: {kind: Widget, plural: gadgetry}}
      """
    let inputs = [namespace, crd].enumerated().map { index, text in
      LintInput(name: "\(index).yaml", source: .bytes(Array(text.utf8)), isExplicit: true)
    }
    func learned(_ text: String) -> AdmissionPolicySet {
      var set = AdmissionPolicySet()
      set.read(file: "policy.yaml", bytes: Array(text.utf8))
      set.learnContext(from: inputs)
      return set
    }
    // Deployments only: neither is read, and the input is counted all the same.
    let deployments = learned(policy(failing))
    #expect(deployments.namespaces.isEmpty)
    #expect(deployments.inputBytes == namespace.utf8.count + crd.utf8.count)
    #expect(
      deployments.resources.resource(
        apiVersion: "example.com/v1", kind: "Widget", hasNamespace: true
      )
      .resource == "widgets")
    // A namespace selector, or an expression that reads namespaceObject, reads Namespaces.
    let selecting = policy(
      failing, binding: "  validationActions: [Deny]\n  matchResources: {namespaceSelector: {}}"
    )
    #expect(learned(selecting).namespaces["shop"] != nil)
    #expect(learned(policy("namespaceObject.metadata.name == 'x'")).namespaces["shop"] != nil)
    // A rule for a group a definition may declare (or for any group) reads definitions.
    for groups in [#"["example.com"]"#, #"["*"]"#] {
      let custom = learned(
        policy(
          failing,
          rules:
            "- {apiGroups: \(groups), apiVersions: [\"v1\"], operations: [\"CREATE\"], resources: [\"gadgetry\"]}"
        ))
      #expect(
        custom.resources.resource(apiVersion: "example.com/v1", kind: "Widget", hasNamespace: true)
          .resource == "gadgetry")
      #expect(custom.namespaces.isEmpty)
    }
    // A definition of a group none may declare is not served: it changes nothing, read or not.
    var table = ResourceTable()
    let appsDefinition = YAMLReader().read(
      Array(
        "spec: {group: apps, scope: Cluster, names: {kind: Widget, plural: gadgetry}}".utf8)
    ).documents[0].root!
    table.learn(customResourceDefinition: appsDefinition)
    let appsWidget = table.resource(apiVersion: "apps/v1", kind: "Widget", hasNamespace: true)
    #expect(appsWidget.resource == "widgets" && appsWidget.namespaced)
    #expect(!ResourceTable.mayBeCustom(group: "apps"))
    #expect(!ResourceTable.mayBeCustom(group: "networking.k8s.io"))
    #expect(ResourceTable.mayBeCustom(group: "gateway.networking.k8s.io"))
    #expect(ResourceTable.mayBeCustom(group: "example.com"))
  }

  /// An object its kustomization puts in a namespace is created there: its request's
  /// namespace and `object.metadata.namespace` are that one, not the configured default.
  @Test func theRequestIsInTheNamespaceTheKustomizationGives() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "kubeward-namespace-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let unnamespaced = deployment(name: "web").replacingOccurrences(
      of: "  namespace: shop\n", with: "")
    #expect(!unnamespaced.contains("namespace"))
    try Data(unnamespaced.utf8).write(to: folder.appendingPathComponent("web.yaml"))
    func findings() throws -> [Finding] {
      var set = AdmissionPolicySet()
      set.read(
        file: "policy.yaml",
        bytes: Array(
          policy("object.metadata.namespace == 'shop' && request.namespace == 'shop'").utf8))
      let inputs = try InputDiscovery.inputs(for: [folder.path])
      set.learnContext(from: inputs)
      let linter = try Linter(sources: [AdmissionPolicySource(set)])
      return linter.lint(inputs).findings.filter { $0.file.hasSuffix("web.yaml") }
    }
    #expect(try findings().count == 1)
    try Data("namespace: shop\nresources: [web.yaml]\n".utf8).write(
      to: folder.appendingPathComponent("kustomization.yaml"))
    #expect(try findings().isEmpty)
    // A namespace written otherwise is replaced too (kubebuilder's `namespace: system`).
    try Data(deployment(name: "web", namespace: "system").utf8).write(
      to: folder.appendingPathComponent("web.yaml"))
    #expect(try findings().isEmpty)
  }

  /// Kustomize's own files are its input, never admitted: a kustomization (with its own
  /// apiVersion and kind) and a patch it merges into an object.
  @Test func kustomizationsAndPatchesAreNotAdmitted() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "kubeward-kustomize-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let files = [
      "kustomization.yaml":
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata: {name: app}\n"
        + "resources: [cm.yaml]\npatches: [{path: patch.yaml}]\n",
      "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: b}\n",
      "patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {c: d}\n",
    ]
    for (name, text) in files {
      try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }
    var set = AdmissionPolicySet()
    let rules =
      "- {apiGroups: [\"*\"], apiVersions: [\"*\"], operations: [\"CREATE\"], resources: [\"*\"]}"
    set.read(
      file: "policy.yaml", bytes: Array(policy("has(object.metadata.labels)", rules: rules).utf8))
    let inputs = try InputDiscovery.inputs(for: [folder.path])
    set.learnContext(from: inputs)
    let findings = try Linter(sources: [AdmissionPolicySource(set)]).lint(inputs).findings
      .filter { $0.file != "policy.yaml" }
    #expect(findings.map { ($0.file as NSString).lastPathComponent } == ["cm.yaml"])
  }

  /// Unread, the run's files count by their sizes as reading would count them: a regular file
  /// within the size limit, not a sparse one of a gigabyte (one of exabytes lifted the run's
  /// budget, or overflowed its sum).
  @Test func unreadFilesCountAsReadingWouldCountThem() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "kubeward-sizes-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let small = folder.appendingPathComponent("small.yaml")
    try Data("kind: ConfigMap\n".utf8).write(to: small)
    let huge = folder.appendingPathComponent("huge.yaml")
    #expect(FileManager.default.createFile(atPath: huge.path, contents: nil))
    let handle = try FileHandle(forWritingTo: huge)
    try handle.truncate(atOffset: 1 << 30)
    try handle.close()
    var set = AdmissionPolicySet()
    set.read(file: "policy.yaml", bytes: Array(policy(failing).utf8))
    set.learnContext(from: try InputDiscovery.inputs(for: [folder.path]))
    #expect(set.inputBytes == "kind: ConfigMap\n".utf8.count)
  }
}
