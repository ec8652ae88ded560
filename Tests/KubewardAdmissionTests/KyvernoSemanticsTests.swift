import KubewardEngine
import Testing

@testable import KubewardAdmission

/// Kyverno ValidatingPolicies and their PolicyExceptions as Kyverno evaluates them
/// (`pkg/cel/policies/vpol/compiler/policy.go`, `pkg/cel/engine/exception.go`), with cases from
/// Kyverno's own conformance tests (`test/conformance/chainsaw/validating-policies/exceptions`).
@Suite("Kyverno semantics")
struct KyvernoSemanticsTests {
  /// A ValidatingPolicy on pods, named `name`, of `kind`, with `validations` as written.
  func validatingPolicy(
    _ name: String = "checked", kind: String = "ValidatingPolicy", spec: String = "",
    validations: String
  ) -> String {
    """
    apiVersion: policies.kyverno.io/v1beta1
    kind: \(kind)
    metadata: {name: \(name), namespace: shop}
    spec:
      validationActions: [Deny]
      matchConstraints:
        resourceRules:
          - {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"]}
    \(spec)
      validations:
    \(validations)
    """
  }

  func exception(
    _ name: String = "allow", policy: String = "checked", kind: String? = "ValidatingPolicy",
    condition: String? = nil, extra: String = ""
  ) -> String {
    let reference =
      kind.map { "{name: \(policy), kind: \($0)}" } ?? "{name: \(policy)}"
    return """
      apiVersion: policies.kyverno.io/v1beta1
      kind: PolicyException
      metadata: {name: \(name), namespace: shop}
      spec:
        policyRefs: [\(reference)]
      \(condition.map { "  matchConditions:\n    - {name: c, expression: \(quoted($0))}" } ?? "")
      \(extra)
      """
  }

  func pod(_ name: String, containers: [(image: String, escalates: Bool)]) -> String {
    let listed = containers.enumerated().map { index, container in
      "    - {name: c\(index), image: \"\(container.image)\", securityContext: {allowPrivilegeEscalation: \(container.escalates)}}"
    }
    return """
      apiVersion: v1
      kind: Pod
      metadata: {name: \(name), namespace: shop}
      spec:
        containers:
      \(listed.joined(separator: "\n"))
      """
  }

  /// Kyverno's `exclude-images` test: an exception naming images exempts nothing itself; the
  /// policy reads them as `exceptions.allowedImages`.
  static let excludeImages = """
        - message: "Containers must not allow privilege escalation unless they are in the allowed images list."
          expression: >
            object.spec.containers.all(container,
              string(container.image) in exceptions.allowedImages ||
              (
                has(container.securityContext) &&
                has(container.securityContext.allowPrivilegeEscalation) &&
                container.securityContext.allowPrivilegeEscalation == false
              )
            )
    """

  @Test func anExceptionsImagesAreWhatThePolicyReadsAsAllowed() throws {
    let busybox = "public.ecr.aws/docker/library/busybox:latest"
    let nginx = "public.ecr.aws/docker/library/nginx:latest"
    let ubuntu = "public.ecr.aws/docker/library/ubuntu:latest"
    let policies =
      validatingPolicy(validations: Self.excludeImages) + "\n---\n"
      + exception(extra: "  images: [\(busybox), \(nginx)]")
    let manifests = [
      ("bad.yaml", pod("bad", containers: [(busybox, true), (ubuntu, true)])),
      ("skipped-1.yaml", pod("s1", containers: [(nginx, true), (ubuntu, false)])),
      ("skipped-2.yaml", pod("s2", containers: [(busybox, true), (nginx, true)])),
    ]
    let findings = try Harness(policies: policies, manifests: manifests).findings()
    #expect(findings.map(\.file) == ["bad.yaml"], "\(findings.map(\.message))")
    #expect(findings.first?.severity == .error)
    // Two exceptions that match give the policy both lists.
    let split =
      validatingPolicy(validations: Self.excludeImages) + "\n---\n"
      + exception("one", extra: "  images: [\(busybox)]") + "\n---\n"
      + exception("two", extra: "  images: [\(nginx)]")
    let both = try Harness(policies: split, manifests: manifests).findings()
    #expect(both.map(\.file) == ["bad.yaml"], "\(both.map(\.message))")
    // Without the exception, `exceptions` is there with empty lists: every escalating pod fails.
    let alone = try Harness(
      policies: validatingPolicy(validations: Self.excludeImages), manifests: manifests
    ).findings()
    #expect(alone.map(\.file) == ["bad.yaml", "skipped-1.yaml", "skipped-2.yaml"])
    // An exception whose conditions do not hold gives the policy nothing.
    let notMatched = try Harness(
      policies: validatingPolicy(validations: Self.excludeImages) + "\n---\n"
        + exception(
          condition: "object.metadata.name == 'other'", extra: "  images: [\(busybox), \(nginx)]"),
      manifests: manifests
    ).findings()
    #expect(notMatched.count == 3, "\(notMatched.map(\.message))")
  }

  /// Kyverno's `allow-specific-values` test: `exceptions.allowedValues` as well.
  @Test func anExceptionsValuesAreWhatThePolicyReadsAsAllowed() throws {
    let validation = """
          - expression: >-
              object.spec.containers.all(container,
              container.?securityContext.?capabilities.?add.orValue([]).all(capability,
              (string(container.image) in exceptions.allowedImages && capability in exceptions.allowedValues) ||
              capability in ['CHOWN', 'KILL']))
            message: added capabilities are limited
      """
    func capabilities(_ added: String) -> String {
      """
      apiVersion: v1
      kind: Pod
      metadata: {name: p, namespace: shop}
      spec:
        containers:
          - {name: c, image: busybox, securityContext: {capabilities: {add: \(added)}}}
      """
    }
    let policies =
      validatingPolicy(validations: validation) + "\n---\n"
      + exception(extra: "  images: [busybox]\n  allowedValues: [FOO, BAR]")
    for (added, fails) in [("[CHOWN, FOO]", false), ("[BAR]", false), ("[SYS_ADMIN]", true)] {
      let findings = try Harness(policies: policies, manifest: capabilities(added))
        .objectFindings()
      #expect(findings.count == (fails ? 1 : 0), "\(added): \(findings.map(\.message))")
    }
  }

  /// An exception names its policies by kind and name, both required (Kyverno's
  /// `ListExceptions`, and the schema, which rejects an exception without them); one without
  /// `policyRefs` is rejected (`empty-policy-ref`), and one for another policy does nothing to
  /// this one (`wrong-exception`).
  @Test func anExceptionNamesItsPoliciesByKindAndName() throws {
    let failing = validatingPolicy(
      validations: "    - {expression: \"false\", message: never}")
    let manifest = pod("p", containers: [("nginx", false)])
    func objectFindings(_ exception: String) throws -> [Finding] {
      try Harness(policies: failing + "\n---\n" + exception, manifest: manifest).objectFindings()
    }
    #expect(try objectFindings(exception()).isEmpty)
    #expect(try objectFindings(exception(policy: "other")).count == 1)
    #expect(try objectFindings(exception(kind: "NamespacedValidatingPolicy")).count == 1)
    #expect(try objectFindings(exception(kind: "ClusterPolicy")).count == 1)
    // Without a kind, or without the list: rejected where written, and exempting nothing.
    for text in [
      exception(kind: nil),
      exception().replacingOccurrences(
        of: "policyRefs: [{name: checked, kind: ValidatingPolicy}]", with: "matchConditions: []"),
    ] {
      let findings = try Harness(policies: failing + "\n---\n" + text, manifest: manifest)
        .findings()
      #expect(findings.filter { $0.file == "manifest.yaml" }.count == 1, "\(text)")
      #expect(
        findings.contains { $0.file == "policy.yaml" && $0.message.contains("policyRefs") },
        "\(findings.map(\.message))")
    }
    // A NamespacedValidatingPolicy is exempted by an exception naming that kind.
    let namespaced = validatingPolicy(
      kind: "NamespacedValidatingPolicy", validations: "    - {expression: \"false\"}")
    let exempt = try Harness(
      policies: namespaced + "\n---\n" + exception(kind: "NamespacedValidatingPolicy"),
      manifest: manifest
    ).objectFindings()
    #expect(exempt.isEmpty, "\(exempt.map(\.message))")
  }

  /// An exception whose `expiresAt` has passed applies to nothing, and says so.
  @Test func anExpiredExceptionExemptsNothing() throws {
    let failing = validatingPolicy(validations: "    - {expression: \"false\"}")
    let manifest = pod("p", containers: [("nginx", false)])
    let expired = try Harness(
      policies: failing + "\n---\n" + exception(extra: "  expiresAt: \"2020-01-01T00:00:00Z\""),
      manifest: manifest
    ).findings()
    #expect(expired.filter { $0.file == "manifest.yaml" }.count == 1)
    #expect(
      expired.contains {
        $0.file == "policy.yaml" && $0.severity == .info && $0.message.contains("expired at")
      }, "\(expired.map(\.message))")
    let current = try Harness(
      policies: failing + "\n---\n" + exception(extra: "  expiresAt: \"2999-01-01T00:00:00Z\""),
      manifest: manifest
    ).findings()
    #expect(current.isEmpty, "\(current.map(\.message))")
    let invalid = try Harness(
      policies: failing + "\n---\n" + exception(extra: "  expiresAt: tomorrow"), manifest: manifest
    ).findings()
    #expect(invalid.contains { $0.file == "policy.yaml" && $0.message.contains("RFC 3339") })
    #expect(invalid.filter { $0.file == "manifest.yaml" }.count == 1)
  }

  /// An exception's condition that errs follows the policy's failurePolicy: under Fail the
  /// evaluation is an error, which Deny denies; under Ignore the exception is passed over.
  @Test func anExceptionThatErrsFollowsThePolicysFailurePolicy() throws {
    let holds = validatingPolicy(validations: "    - {expression: \"true\"}")
    let manifest = pod("p", containers: [("nginx", false)])
    let erring = exception(condition: "object.metadata.nothing == 'p'")
    let failing = try Harness(policies: holds + "\n---\n" + erring, manifest: manifest)
      .objectFindings()
    #expect(failing.map(\.severity) == [.error], "\(failing.map(\.message))")
    #expect(failing.first?.message.contains("PolicyException 'allow'") == true)
    let ignoring = try Harness(
      policies: validatingPolicy(
        spec: "  failurePolicy: Ignore", validations: "    - {expression: \"true\"}")
        + "\n---\n" + erring,
      manifest: manifest
    ).objectFindings()
    #expect(ignoring.isEmpty, "\(ignoring.map(\.message))")
    // Its finding, made for every object, quotes the exception's name clipped.
    let long = exception(
      String(repeating: "n", count: 100_000), condition: "object.metadata.nothing == 'p'")
    let clipped = try Harness(policies: holds + "\n---\n" + long, manifest: manifest)
      .objectFindings()
    #expect(
      clipped.count == 1 && clipped[0].message.utf8.count < 2_000,
      "\(clipped.map(\.message.utf8.count))")
    // A condition that is false decides, whatever the others give.
    let falseToo = exception(condition: "object.metadata.nothing == 'p'").replacingOccurrences(
      of: "    - {name: c,", with: "    - {name: f, expression: \"false\"}\n    - {name: c,")
    #expect(
      try Harness(policies: holds + "\n---\n" + falseToo, manifest: manifest).objectFindings()
        .isEmpty)
    // An exception that exempted the object already stands.
    let first = exception("first", condition: "true")
    let findings = try Harness(
      policies: holds + "\n---\n" + first + "\n---\n" + erring, manifest: manifest
    ).objectFindings()
    #expect(findings.isEmpty, "\(findings.map(\.message))")
  }

  /// Kyverno stops at the first validation that does not hold, and words its message so: the
  /// messageExpression's string even when empty, why it has none, else `message`, else its
  /// default.
  @Test func kyvernoReportsItsFirstFailingValidationInItsWords() throws {
    let manifest = pod("p", containers: [("nginx", false)])
    func messages(_ validations: String) throws -> [String] {
      try Harness(policies: validatingPolicy(validations: validations), manifest: manifest)
        .objectFindings().map(\.message)
    }
    let two = try messages(
      """
          - {expression: "true", message: holds}
          - {expression: "false", message: first}
          - {expression: "false", message: second}
      """)
    #expect(two.count == 1 && two[0].hasSuffix("first"), "\(two)")
    let errFirst = try messages(
      """
          - {expression: "object.metadata.nothing == 'x'", message: errs}
          - {expression: "false", message: second}
      """)
    #expect(errFirst.count == 1 && errFirst[0].contains("resulted in error"), "\(errFirst)")
    let cases: [(validation: String, message: String)] = [
      ("{expression: \"false\"}", "CEL expression validation failed at index 0"),
      ("{expression: \"false\", message: \"\"}", "CEL expression validation failed at index 0"),
      (
        "{expression: \"false\", message: fallback, messageExpression: \"''\"}",
        "CEL expression validation failed at index 0"
      ),
      (
        "{expression: \"false\", message: fallback, messageExpression: \"object.metadata.name + '!'\"}",
        "p!"
      ),
      (
        "{expression: \"false\", message: fallback, messageExpression: \"object.nothing\"}",
        "failed to evaluate message expression: no such key: nothing"
      ),
      (
        "{expression: \"false\", message: fallback, messageExpression: \"string(1/0)\"}",
        "failed to evaluate message expression: division by zero"
      ),
    ]
    for (validation, expected) in cases {
      let found = try messages("    - \(validation)")
      #expect(found.count == 1 && found[0].hasSuffix(expected), "\(validation): \(found)")
    }
    // A value that is not a bool is a rule error, which Deny denies whatever the
    // failurePolicy (Kyverno does not type its validations); a message that is not a string
    // says so.
    let notBool = try Harness(
      policies: validatingPolicy(
        spec: "  failurePolicy: Ignore",
        validations: "    - {expression: \"object.metadata.name\", message: named}"),
      manifest: manifest
    ).objectFindings().map(\.message)
    #expect(notBool.count == 1 && notBool[0].contains("must return bool, not string"), "\(notBool)")
    let notString = try messages(
      "    - {expression: \"false\", message: fallback, messageExpression: \"size(object.metadata.name)\"}"
    )
    #expect(
      notString.count == 1
        && notString[0].hasSuffix(
          "failed to convert message expression to string: type conversion error from 'int' to 'string'"
        ),
      "\(notString)")
    // A ValidatingAdmissionPolicy reports every failing validation, falling back to `message`.
    let vap = try Harness(
      policies: policy("false", message: "fallback")
        .replacingOccurrences(
          of: "      message: \"fallback\"",
          with:
            "      message: \"fallback\"\n      messageExpression: \"''\"\n    - expression: \"false\""
        ),
      manifest: deployment()
    ).objectFindings()
    #expect(vap.count == 2, "\(vap.map(\.message))")
    #expect(vap.contains { $0.message.hasSuffix("fallback") }, "\(vap.map(\.message))")
  }

  /// A policy with `evaluation.admission.enabled: false` is checked in background scans only:
  /// its violations are reported, as information, and say why.
  @Test func aPolicyCheckedInBackgroundScansOnlyDeniesNothing() throws {
    let manifest = pod("p", containers: [("nginx", false)])
    let background = validatingPolicy(
      spec: "  evaluation: {admission: {enabled: false}}",
      validations: "    - {expression: \"false\", message: refused}")
    let findings = try Harness(policies: background, manifest: manifest).objectFindings()
    #expect(findings.map(\.severity) == [.info], "\(findings.map(\.message))")
    #expect(findings.first?.message.contains("background scans") == true)
    let admission = validatingPolicy(
      spec: "  evaluation: {admission: {enabled: true}}",
      validations: "    - {expression: \"false\", message: refused}")
    #expect(
      try Harness(policies: admission, manifest: manifest).objectFindings().map(\.severity)
        == [.error])
  }

  /// Kyverno's `parseServiceAccount` (`libs/user`) and its `parse-sa` conformance case: the
  /// namespace and name of the requesting service account, empty for any other user. Before,
  /// a policy calling it was not evaluated.
  @Test func parseServiceAccountReadsTheRequestingServiceAccount() throws {
    let policies = validatingPolicy(
      spec: """
          variables:
            - {name: sa, expression: "parseServiceAccount(request.userInfo.username)"}
        """,
      validations: """
            - {expression: "variables.sa.Name == 'my-sa'", message: "ServiceAccount must be my-sa"}
            - {expression: "variables.sa.Namespace == 'default'", message: "ServiceAccount must be in default namespace"}
        """)
    let manifests = [("pod.yaml", pod("p", containers: [("nginx:1.27", false)]))]
    func messages(as username: String) throws -> [String] {
      var harness = Harness(policies: policies, manifests: manifests)
      harness.request.username = username
      return try harness.findings().map(\.message)
    }
    #expect(try messages(as: "system:serviceaccount:default:my-sa").isEmpty)
    let otherName = try messages(as: "system:serviceaccount:default:other")
    #expect(
      otherName.count == 1 && otherName[0].hasSuffix("ServiceAccount must be my-sa"), "\(otherName)"
    )
    let otherNamespace = try messages(as: "system:serviceaccount:shop:my-sa")
    #expect(
      otherNamespace.count == 1
        && otherNamespace[0].hasSuffix("ServiceAccount must be in default namespace"),
      "\(otherNamespace)")
    // The name runs to the end, colons and all; any other user has neither.
    for (username, namespace, name) in [
      ("system:serviceaccount:foo:bar:baz", "foo", "bar:baz"),
      ("system:serviceaccount:foo:bar", "foo", "bar"),
      ("something-else:123", "", ""),
      ("system:serviceaccount:nocolon", "", ""),
    ] {
      var harness = Harness(
        policies: validatingPolicy(
          validations: """
                - expression: "parseServiceAccount(request.userInfo.username) == {'Namespace': '\(namespace)', 'Name': '\(name)'}"
            """),
        manifests: manifests)
      harness.request.username = username
      #expect(try harness.findings().isEmpty, "\(username)")
    }
  }
}

/// Policies of several kinds, or namespaces, with one name.
@Suite("Admission policies sharing a name")
struct SharedNameTests {
  /// A ValidatingAdmissionPolicy and a Kyverno ValidatingPolicy of one name are two policies in
  /// a cluster (Kyverno generates the first from the second, with its name), and so are
  /// NamespacedValidatingPolicies of one name in two namespaces: each is evaluated, and the
  /// findings share the name as their id. Two of one kind and namespace are one: the second
  /// is said to be ignored.
  @Test func policiesOfOtherKindsOrNamespacesAreEvaluatedToo() throws {
    func kyverno(_ kind: String, namespace: String, message: String) -> String {
      """
      apiVersion: policies.kyverno.io/v1beta1
      kind: \(kind)
      metadata: {name: demo, namespace: \(namespace)}
      spec:
        matchConstraints:
          resourceRules:
            - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
        validations:
          - {expression: "false", message: \(message)}
      """
    }
    let vap = policy("false", message: "from the admission policy")
    let both = try Harness(
      policies: vap + "---\n"
        + kyverno("ValidatingPolicy", namespace: "shop", message: "from kyverno"),
      manifest: deployment()
    ).findings()
    #expect(both.filter { $0.file == "manifest.yaml" }.count == 2, "\(both.map(\.message))")
    #expect(both.contains { $0.message.hasSuffix("from the admission policy") })
    #expect(both.contains { $0.message.hasSuffix("from kyverno") })
    #expect(both.allSatisfy { $0.policy == "demo" }, "\(both.map(\.policy))")
    // One per namespace: each applies in its own.
    let perNamespace = try Harness(
      policies: kyverno("NamespacedValidatingPolicy", namespace: "shop", message: "shop's")
        + "\n---\n"
        + kyverno("NamespacedValidatingPolicy", namespace: "bank", message: "bank's"),
      manifests: [
        ("shop.yaml", deployment()),
        ("bank.yaml", deployment(namespace: "bank")),
      ]
    ).findings()
    #expect(
      perNamespace.map(\.file).sorted() == ["bank.yaml", "shop.yaml"],
      "\(perNamespace.map(\.message))")
    #expect(perNamespace.contains { $0.file == "bank.yaml" && $0.message.hasSuffix("bank's") })
    // Two ValidatingPolicies of one name: the cluster holds one.
    let twice = try Harness(
      policies: kyverno("ValidatingPolicy", namespace: "shop", message: "first") + "\n---\n"
        + kyverno("ValidatingPolicy", namespace: "shop", message: "second"),
      manifest: deployment()
    ).findings()
    #expect(
      twice.filter { $0.file == "manifest.yaml" }.map(\.message).map { $0.hasSuffix("first") } == [
        true
      ])
    #expect(
      twice.contains {
        $0.file == "policy.yaml"
          && $0.message.contains("another ValidatingPolicy is also named demo")
      }, "\(twice.map(\.message))")
  }
}
