import Foundation
import KubewardCEL
import KubewardEngine
import KubewardTestSupport
import KubewardYAML
import Synchronization
import Testing

@testable import KubewardAdmission

/// matchConditions, variables, validations and their messages, params, failurePolicy, the
/// activation, and what binding actions make of a failure.
@Suite("Admission evaluation")
struct EvaluationTests {
  /// A policy with the spec written out, matching Deployments.
  func spec(_ body: String, name: String = "demo", extra: String = "") -> String {
    """
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicy
    metadata: {name: \(name)}
    spec:
      matchConstraints:
        resourceRules:
          - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
    \(body)
    \(extra)
    """
  }

  /// A policy `name` with a variable `containers` (the pod template's) and `validations`.
  func readingContainers(_ name: String, _ validations: [String]) -> String {
    spec(
      """
        variables:
          - name: containers
            expression: "object.spec.template.spec.containers"
        validations:
      \(validations.map { "    - expression: \(quoted($0))" }.joined(separator: "\n"))
      """, name: name)
  }

  /// A Kyverno ValidatingPolicy `demo` (Deny) of one validation, matching Deployments.
  func kyvernoDemo(validation: String) -> String {
    """
    apiVersion: policies.kyverno.io/v1
    kind: ValidatingPolicy
    metadata: {name: demo}
    spec:
      validationActions: [Deny]
      matchConstraints:
        resourceRules:
          - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
      validations:
        - expression: "\(validation)"
    """
  }

  /// The binding `demo-binding` of policy `demo`, with `paramRef` (its lines, indented under
  /// `spec`) when given.
  func binding(actions: String = "[Deny]", paramRef: String? = nil) -> String {
    """
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicyBinding
    metadata: {name: demo-binding}
    spec:
      policyName: demo
      validationActions: \(actions)
    \(paramRef ?? "")
    """
  }

  /// The API server's matchConditions matcher is given no namespace: `namespaceObject` is
  /// null there, and in the variables its conditions read, which the validations then read
  /// again with the namespace.
  @Test func matchConditionsSeeNoNamespaceObject() throws {
    for shared in [false, true] {
      var text = spec(
        """
          variables:
            - name: seen
              expression: "namespaceObject"
          matchConditions:
            - name: no-namespace
              expression: "variables.seen == null && namespaceObject == null"
          validations:
            - expression: "variables.seen == null || namespaceObject == null"
        """)
      // The same condition in a second policy: shared values are the namespace's.
      if shared {
        text +=
          "\n---\n"
          + policy(
            "namespaceObject == null", name: "other",
            extraSpec:
              "  matchConditions:\n    - {name: c, expression: \"namespaceObject == null\"}",
            binding: "  validationActions: [Warn]")
      }
      let findings = try Harness(policies: text, manifest: deployment()).objectFindings()
      #expect(findings.count == (shared ? 2 : 1), "\(findings.map(\.message))")
    }
    // A field of the namespace read by one policy's condition, then by another's validation:
    // what the condition saw (no namespace) is not kept for the validation.
    let reads =
      spec(
        """
          matchConditions:
            - {name: c, expression: "namespaceObject.metadata.name == 'shop' || true"}
          validations:
            - expression: "true"
        """, name: "first")
      + "\n---\n"
      + policy(
        "namespaceObject.metadata.name == 'shop'", name: "second",
        binding: "  validationActions: [Deny]")
    let second = try Harness(policies: reads, manifest: deployment()).objectFindings()
    #expect(second.isEmpty, "\(second.map(\.message))")
    // Kyverno passes its policies' conditions the namespace.
    let kyverno = """
      apiVersion: policies.kyverno.io/v1
      kind: ValidatingPolicy
      metadata: {name: demo}
      spec:
        validationActions: [Deny]
        matchConstraints:
          resourceRules:
            - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
        matchConditions:
          - {name: has-namespace, expression: "namespaceObject != null"}
        validations:
          - expression: "false"
      """
    #expect(try Harness(policies: kyverno, manifest: deployment()).objectFindings().count == 1)
  }

  /// The API server compiles each expression against the type it must have: a bare field
  /// of `object` is `dyn`, no condition ("must evaluate to bool but got dyn"), and a literal
  /// has its own type; a comparison, `has()`, or a string built from a field are fine.
  @Test func expressionsMustHaveTheTypeTheAPIServerRequires() throws {
    func errors(_ body: String) throws -> [String] {
      try Harness(policies: spec(body), manifest: deployment()).findings()
        .filter { $0.file == "policy.yaml" && $0.message.contains("does not compile") }
        .map(\.message)
    }
    #expect(
      try errors("  validations:\n    - expression: \"object.spec.paused\"").first?.contains(
        "(must evaluate to bool but got dyn)") == true)
    #expect(
      try errors("  validations:\n    - expression: \"'yes'\"").first?.contains(
        "(must evaluate to bool but got string)") == true)
    // `dyn(x)` is `dyn` whatever `x`, and so is a conditional with one `dyn` branch (the
    // usual `has(f) ? f : default`), and an optional field's value or its default.
    for dynamic in [
      "dyn(true)", "has(object.spec) ? dyn(true) : object.spec.paused",
      "has(object.spec.paused) ? object.spec.paused : false",
      "object.spec.?paused.orValue(false)",
    ] {
      #expect(
        try errors("  validations:\n    - expression: \"\(dynamic)\"").first?.contains(
          "(must evaluate to bool but got dyn)") == true, "\(dynamic)")
    }
    #expect(
      try errors(
        "  matchConditions:\n    - {name: c, expression: \"params.enabled\"}\n  validations:\n    - expression: \"true\""
      ).first?.contains("(must evaluate to bool but got dyn)") == true)
    #expect(
      try errors(
        "  validations:\n    - expression: \"false\"\n      messageExpression: \"object.metadata.name\""
      ).first?.contains("(must evaluate to string but got dyn)") == true)
    #expect(
      try errors(
        "  validations:\n    - expression: \"true\"\n  auditAnnotations:\n    - {key: k, valueExpression: \"1\"}"
      ).first?.contains("(must evaluate to one of [string null_type] but got int)") == true)
    // Branches no type unifies: no overload of the conditional.
    #expect(
      try errors(
        "  validations:\n    - expression: \"object.metadata.name == 'a' ? true : 1\""
      ).first?.contains("found no matching overload for '_?_:_' applied to '(bool, bool, int)'")
        == true)
    for fine in [
      "  validations:\n    - expression: \"object.spec.paused == true && has(object.spec.replicas)\"\n      messageExpression: \"object.metadata.name + ' is paused'\"",
      "  validations:\n    - expression: \"true\"\n  auditAnnotations:\n    - {key: k, valueExpression: \"null\"}",
      "  variables:\n    - {name: paused, expression: \"object.spec.paused\"}\n  validations:\n    - expression: \"variables.paused == true\"",
      "  validations:\n    - expression: \"dyn(object.spec.paused) == true && (has(object.spec) ? true : false)\"",
    ] {
      #expect(try errors(fine).isEmpty, "\(fine)")
    }
  }

  /// The API server declares each variable of its expression's type: a variable read where
  /// that type does not fit is a compile error, as the same expression written inline is.
  @Test func variablesHaveTheTypesOfTheirExpressions() throws {
    func errors(_ variables: String, _ expression: String, condition: String? = nil) throws
      -> [String]
    {
      let conditions = condition.map {
        "  matchConditions:\n    - {name: c, expression: \"\($0)\"}\n"
      }
      let body =
        (conditions ?? "") + "  variables:\n" + variables
        + "  validations:\n    - expression: \"\(expression)\"\n"
      return try Harness(policies: spec(body), manifest: deployment()).findings()
        .filter { $0.file == "policy.yaml" && $0.message.contains("does not compile") }
        .map(\.message)
    }
    let count = "    - {name: count, expression: \"size(object.spec.template.spec.containers)\"}\n"
    #expect(
      try errors(count, "variables.count == 1.0").first?.contains(
        "found no matching overload for '_==_' applied to '(int, double)'") == true)
    #expect(
      try errors(
        "    - {name: s, expression: \"string(object.metadata.name)\"}\n", "variables.s != 1"
      )
      .first?.contains("found no matching overload for '_!=_' applied to '(string, int)'") == true)
    #expect(
      try errors("    - {name: s, expression: \"'1'\"}\n", "variables.s").first?.contains(
        "(must evaluate to bool but got string)") == true)
    // A variable reading one before it, and a condition reading a variable.
    let chained = count + "    - {name: two, expression: \"variables.count == 2\"}\n"
    #expect(
      try errors(chained, "[variables.two, 'a'].size() > 0").first?.contains(
        "expected type 'bool' but found 'string'") == true)
    #expect(
      try errors(count, "true", condition: "variables.count").first?.contains(
        "(must evaluate to bool but got int)") == true)
    // Fields of `object` are `dyn`, and so are the variables made of them.
    for fine in ["variables.count == 1", "variables.count > 0 && variables.name == 'web'"] {
      let name = "    - {name: name, expression: \"object.metadata.name\"}\n"
      #expect(try errors(count + name, fine).isEmpty, "\(fine)")
    }
    // The API server declares only the simple types and lists and maps of them: an optional,
    // a quantity, an IP, a URL or a type is `dyn` as a variable, compared with anything.
    for (expression, validation) in [
      ("quantity('1Gi')", "variables.v == '1Gi' || true"),
      ("object.spec.?replicas", "variables.v == 1 || true"),
      ("object.spec.?replicas", "(true ? variables.v : 1) == 1"),
      ("optional.of(1)", "variables.v != 1"), ("url('https://x')", "variables.v != 'a'"),
      ("ip('10.0.0.1')", "variables.v != 'a'"), ("type(1)", "string(variables.v) != 'a' || true"),
      ("[object.spec.?replicas]", "variables.v == [1] || true"),
      ("{'a': quantity('1')}", "variables.v == {'a': 1} || true"),
    ] {
      let variable = "    - {name: v, expression: \"\(expression)\"}\n"
      #expect(try errors(variable, validation).isEmpty, "\(expression): \(validation)")
    }
    #expect(
      try errors("    - {name: v, expression: \"[[1]]\"}\n", "variables.v == [['a']]").first?
        .contains("applied to '(list(list(int)), list(list(string)))'") == true)
  }

  /// Variables each wrapping the one before (`[variables.v1]`) made types as deep as the
  /// chain: 10 000 took minutes to check. Deep types are `dyn` (which only lets more through).
  @Test func aChainOfWrappingVariablesLoadsQuickly() throws {
    var variables = "  variables:\n    - {name: v0, expression: \"1\"}\n"
    for index in 1..<10_000 {
      variables += "    - {name: v\(index), expression: \"[variables.v\(index - 1)]\"}\n"
    }
    let text = spec(variables + "  validations:\n    - expression: \"true\"")
    let start = ContinuousClock.now
    _ = try Harness(policies: text, manifest: deployment()).findings()
    #expect(ContinuousClock.now - start < .seconds(10))
  }

  @Test func matchConditionsGateTheValidations() throws {
    let text = spec(
      """
        matchConditions:
          - name: only-web
            expression: "object.metadata.name == 'web'"
        validations:
          - expression: "object.spec.replicas <= 2"
      """)
    #expect(try Harness(policies: text, manifest: deployment()).objectFindings().count == 1)
    #expect(try Harness(policies: text, manifest: deployment(name: "api")).objectFindings().isEmpty)
  }

  @Test func aMatchConditionThatErrsFollowsFailurePolicy() throws {
    let body = """
        matchConditions:
          - name: broken
            expression: "object.spec.missing == 1"
        validations:
          - expression: "true"
      """
    let failing = try Harness(policies: spec(body), manifest: deployment()).objectFindings()
    #expect(failing.count == 1)
    #expect(failing.first?.message.contains("matchCondition 'broken'") == true)
    let ignoring = spec(body + "\n  failurePolicy: Ignore")
    #expect(try Harness(policies: ignoring, manifest: deployment()).objectFindings().isEmpty)
  }

  @Test func variablesAreLazyAndInOrder() throws {
    // `unused` would fail; it is never read. `doubled` reads `replicas`, declared before it.
    let text = spec(
      """
        variables:
          - name: replicas
            expression: "object.spec.replicas"
          - name: doubled
            expression: "variables.replicas * 2"
          - name: unused
            expression: "object.spec.nothing.here"
        validations:
          - expression: "variables.doubled <= 4"
            messageExpression: "'doubled is ' + string(variables.doubled)"
      """)
    let findings = try Harness(policies: text, manifest: deployment()).objectFindings()
    #expect(findings.count == 1)
    #expect(findings.first?.message.hasSuffix(": doubled is 6") == true)
    #expect(try Harness(policies: text, manifest: deployment(replicas: 2)).objectFindings().isEmpty)
  }

  @Test func messagesFollowTheAPIServer() throws {
    func message(_ validation: String) throws -> String? {
      try Harness(policies: spec("  validations:\n" + validation), manifest: deployment())
        .objectFindings().first?.message
    }
    // messageExpression wins; a multi-line or failing one falls back to message; then the
    // failed expression.
    #expect(
      try message(
        """
            - expression: "false"
              message: "static"
              messageExpression: "'dynamic ' + object.metadata.name"
        """)?.hasSuffix(": dynamic web") == true)
    #expect(
      try message(
        """
            - expression: "false"
              message: "static"
              messageExpression: "'two\\\\nlines'"
        """)?.hasSuffix(": static") == true)
    #expect(
      try message(
        """
            - expression: "false"
              message: "static"
              messageExpression: "'x' + object.nothing"
        """)?.hasSuffix(": static") == true)
    #expect(
      try message(
        """
            - expression: "1 > 2"
        """)?.hasSuffix(": failed expression: 1 > 2") == true)
    // The API server trims a message's white space (Unicode's), and a messageExpression's
    // result that trims to nothing falls back to message.
    #expect(
      try message(
        """
            - expression: "false"
              message: "  padded message  "
        """)?.hasSuffix(": padded message") == true)
    #expect(
      try message(
        """
            - expression: "false"
              message: "static"
              messageExpression: "' \\t\\u00a0dynamic \\u3000'"
        """)?.hasSuffix(": dynamic") == true)
    #expect(
      try message(
        """
            - expression: "false"
              message: "static"
              messageExpression: "' \\u2003 '"
        """)?.hasSuffix(": static") == true)
    // Trimmed before the line check: line breaks at either end are white space.
    #expect(
      try message(
        """
            - expression: "false"
              message: "static"
              messageExpression: "'  dynamic\\\\n'"
        """)?.hasSuffix(": dynamic") == true)
  }

  @Test func validationActionsAreSeverities() throws {
    for (actions, severity) in [
      ("[Deny]", Severity.error), ("[Warn]", .warning), ("[Audit]", .info),
      ("[Warn, Audit]", .warning), ("[Deny, Audit]", .error),
    ] {
      let text = policy("object.spec.replicas <= 2", binding: "  validationActions: \(actions)")
      let findings = try Harness(policies: text, manifest: deployment()).objectFindings()
      #expect(findings.map(\.severity) == [severity], "\(actions)")
    }
  }

  /// The API server rejects a binding whose validationActions are none, repeat one, or give
  /// both Deny and Warn: it binds nothing, and says so in the policy file.
  @Test func invalidValidationActionsRejectTheBinding() throws {
    for actions in ["[]", "[Deny, Warn]", "[Warn, Warn]"] {
      let text =
        policy("object.spec.replicas <= 2", binding: "  validationActions: \(actions)")
          + """
          ---
          apiVersion: admissionregistration.k8s.io/v1
          kind: ValidatingAdmissionPolicyBinding
          metadata: {name: audit}
          spec: {policyName: demo, validationActions: [Audit]}
          """
      let findings = try Harness(policies: text, manifest: deployment()).findings()
      let rejected = findings.filter { $0.message.contains("demo-binding") }
      #expect(rejected.count == 1, "\(actions)")
      #expect(rejected.first?.message.contains("the API server rejects it") == true, "\(actions)")
      // Only the valid binding is evaluated.
      #expect(
        findings.filter { $0.file != "policy.yaml" }.map(\.severity) == [.info], "\(actions)")
    }
    // Its only binding rejected, the policy is bound by nothing: not evaluated as Deny, as a
    // policy without any binding is.
    let alone = policy("object.spec.replicas <= 2", binding: "  validationActions: [Warn, Warn]")
    let findings = try Harness(policies: alone, manifest: deployment()).findings()
    #expect(findings.filter { $0.file != "policy.yaml" }.isEmpty, "\(findings.map(\.message))")
    #expect(!findings.contains { $0.message.contains("has no binding") })
  }

  /// A binding's matchResources without resourceRules (or with none listed) restricts
  /// nothing: the API server's matcher matches every resource the policy does.
  @Test func aBindingWithoutResourceRulesRestrictsNothing() throws {
    for rules in ["", "\n    resourceRules: []"] {
      let text = policy(
        "object.spec.replicas <= 2",
        binding:
          "  validationActions: [Warn]\n  matchResources:\n    matchPolicy: Equivalent\(rules)")
      let findings = try Harness(policies: text, manifest: deployment()).objectFindings()
      #expect(findings.map(\.severity) == [.warning], "\(rules)")
    }
  }

  @Test func anUnboundPolicyIsDenyAndSaysSoOnce() throws {
    let harness = Harness(
      policies: policy("object.spec.replicas <= 2"),
      manifests: [("a.yaml", deployment()), ("b.yaml", deployment(name: "api"))])
    let findings = try harness.findings()
    let notes = findings.filter { $0.file == "policy.yaml" }
    #expect(notes.count == 1)
    #expect(notes.first?.severity == .info)
    #expect(notes.first?.message.contains("no binding") == true)
    #expect(findings.filter { $0.file != "policy.yaml" }.map(\.severity) == [.error, .error])
  }

  /// A policy that reads no `params` gives every param the same verdict: it is evaluated
  /// once per object, however many params its binding selects (3 000 ConfigMaps that were
  /// both objects and params took 7 s). One that reads them is evaluated per param. Counted
  /// by the run's work: each evaluation costs `WorkBudget.perEvaluation`.
  @Test func paramsNoExpressionReadsAreEvaluatedOnce() throws {
    func findings(_ expression: String) throws -> [Finding] {
      let params = (0..<50).map { index in
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p\(index), namespace: shop, labels: {role: limit}}\ndata: {max: \"\(index)\"}"
      }
      let text =
        spec(
          """
            paramKind: {apiVersion: v1, kind: ConfigMap}
            validations:
              - expression: "\(expression)"
          """) + "\n---\n"
        + binding(paramRef: "  paramRef:\n    selector: {matchLabels: {role: limit}}") + "\n---\n"
        + params.joined(separator: "\n---\n")
      var harness = Harness.serial(policies: text, deployments: 3)
      // Room for ten evaluations and three findings: three objects of one evaluation each,
      // not three of fifty.
      harness.workBudget = WorkBudget(
        limit: 10 * WorkBudget.perEvaluation + 3 * WorkBudget.perFinding)
      return try harness.objectFindings()
    }
    let once = try findings("object.metadata.name.startsWith('api')")
    #expect(once.count == 3 && once.allSatisfy { !$0.message.contains("was not checked") })
    let perParam = try findings("object.metadata.name.startsWith('api') || params.data.max == 'x'")
    #expect(perParam.contains { $0.message.contains("was not checked") })
  }

  @Test func paramsByNameSelectorAndNamespace() throws {
    let body = """
        paramKind: {apiVersion: v1, kind: ConfigMap}
        validations:
          - expression: "object.spec.replicas <= int(params.data.max)"
      """
    func harness(_ paramRef: String, params: String) -> Harness {
      let text =
        spec(body) + "\n---\n" + binding(paramRef: "  paramRef:\n" + paramRef) + "\n---\n"
        + params
      return Harness(policies: text, manifest: deployment())
    }
    let limits = """
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: small, namespace: shop, labels: {size: small}}
      data: {max: "2"}
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: large, namespace: shop, labels: {size: large}}
      data: {max: "10"}
      """
    #expect(try harness("    name: small", params: limits).objectFindings().count == 1)
    #expect(try harness("    name: large", params: limits).objectFindings().isEmpty)
    // A selector gives every matching param; each is evaluated.
    #expect(
      try harness("    selector: {matchLabels: {size: small}}", params: limits).objectFindings()
        .count == 1)
    #expect(try harness("    selector: {}", params: limits).objectFindings().count == 1)
    // Params are looked up in the request's namespace unless the paramRef names one.
    #expect(
      try harness("    name: small\n    namespace: other", params: limits).objectFindings().count
        == 1)
    let missing = try harness("    name: small\n    namespace: other", params: limits)
      .objectFindings().first
    #expect(missing?.message.contains("no ConfigMap 'small' was found") == true)
    #expect(
      try harness(
        "    name: small\n    namespace: other\n    parameterNotFoundAction: Allow", params: limits
      ).objectFindings().isEmpty)
  }

  @Test func compileErrorsFollowFailurePolicy() throws {
    let broken = spec("  validations:\n    - expression: \"object.metadata.name.startWith('x')\"")
    let findings = try Harness(policies: broken, manifest: deployment()).findings()
    let atPolicy = findings.filter { $0.file == "policy.yaml" && $0.policy == "demo" }
    #expect(atPolicy.contains { $0.severity == .error && $0.message.contains("does not compile") })
    // Fail: every matched request is rejected.
    #expect(findings.contains { $0.file == "manifest.yaml" && $0.severity == .error })
    let ignored = try Harness(
      policies: broken + "\n  failurePolicy: Ignore", manifest: deployment()
    ).findings()
    #expect(ignored.filter { $0.file == "manifest.yaml" }.isEmpty)
    #expect(ignored.contains { $0.file == "policy.yaml" && $0.severity == .warning })
    // Under Ignore the API server still evaluates the policy's other validations (each is
    // compiled on its own): one that fails still rejects.
    let withAnother = try Harness(
      policies: broken
        + "\n    - expression: \"object.metadata.name == 'other'\"\n      message: not other"
        + "\n  failurePolicy: Ignore", manifest: deployment()
    ).findings()
    #expect(
      withAnother.filter { $0.file == "manifest.yaml" }.map(\.message).contains {
        $0.contains("not other")
      })
  }

  /// The API server meets a compile error only where it evaluates the expression
  /// (`cel/composition.go`): a variable that does not compile is `dyn`, and an error where
  /// it is read (the apiserver's `TestCompositedPolicies`, "early compile error"), which
  /// `||` may absorb; one that nothing reads rejects nothing. A messageExpression that does
  /// not compile leaves its validation the message.
  @Test func compileErrorsDecideOnlyWhereTheyAreEvaluated() throws {
    let brokenVariable = "    - name: broken\n      expression: \"1 == 'a'\"\n"
    func objectFindings(_ body: String) throws -> [Finding] {
      try Harness(policies: spec(body), manifest: deployment()).objectFindings()
    }
    let unused = try Harness(
      policies: spec(
        "  variables:\n" + brokenVariable
          + "  validations:\n    - expression: \"object.spec.replicas > 1\""),
      manifest: deployment()
    ).findings()
    #expect(unused.filter { $0.file == "manifest.yaml" }.isEmpty)
    #expect(
      unused.contains {
        $0.file == "policy.yaml"
          && $0.message.contains("reads the variable, so it decides no request")
      })
    let readThroughAnother = try objectFindings(
      "  variables:\n" + brokenVariable
        + "    - name: reader\n      expression: \"variables.broken\"\n"
        + "  validations:\n    - expression: \"variables.reader == 1\"")
    #expect(
      readThroughAnother.first?.message.contains(
        #"composited variable "broken" fails to compile: found no matching overload"#) == true)
    #expect(
      try objectFindings(
        "  variables:\n" + brokenVariable
          + "  validations:\n    - expression: \"variables.broken == true || true\""
      ).isEmpty)
    let message = try Harness(
      policies: spec(
        "  validations:\n    - expression: \"object.spec.replicas > 5\"\n      message: too few\n"
          + "      messageExpression: \"'replicas: ' + 1\""),
      manifest: deployment()
    ).findings()
    #expect(
      message.filter { $0.file == "manifest.yaml" }.map(\.message).contains {
        $0.hasSuffix(": too few")
      })
    #expect(
      message.contains {
        $0.file == "policy.yaml" && $0.message.contains("says its message instead")
      })
    // The same validation holding: nothing is rejected.
    #expect(
      try objectFindings(
        "  validations:\n    - expression: \"object.spec.replicas > 1\"\n      message: too few\n"
          + "      messageExpression: \"'replicas: ' + 1\""
      ).isEmpty)
  }

  @Test func runtimeErrorsFollowFailurePolicy() throws {
    let body = "  validations:\n    - expression: \"object.spec.nothing > 1\""
    let failing = try Harness(policies: spec(body), manifest: deployment()).objectFindings()
    #expect(failing.count == 1)
    #expect(failing.first?.message.contains("resulted in error: no such key: nothing") == true)
    #expect(
      try Harness(policies: spec(body + "\n  failurePolicy: Ignore"), manifest: deployment())
        .objectFindings().isEmpty)
  }

  @Test func theActivation() throws {
    for (expression, holds) in [
      ("oldObject == null", true),
      ("request.operation == 'CREATE'", true),
      ("request.kind.kind == 'Deployment' && request.resource.resource == 'deployments'", true),
      ("request.namespace == 'shop' && request.name == 'web'", true),
      ("request.userInfo.username == 'kubeward'", true),
      ("namespaceObject.metadata.name == 'shop'", true),
      ("params == null", true),
      ("type(object.spec.replicas) == int", true),
      ("object.spec.replicas == 3", true),
      ("object.spec.template.spec.containers[0].image.endsWith(':1.0')", true),
      ("request.operation == 'UPDATE'", false),
      // Empty omitempty fields of the AdmissionRequest are absent, as the API server's JSON.
      ("!has(request.subResource)", true),
    ] {
      let text = spec("  validations:\n    - expression: \(quoted(expression))")
      let findings = try Harness(policies: text, manifest: deployment()).objectFindings()
      #expect(findings.isEmpty == holds, "\(expression): \(findings.map(\.message))")
    }
    var harness = Harness(
      policies: spec("  validations:\n    - expression: \"request.userInfo.username == 'ci'\""),
      manifest: deployment())
    harness.request.username = "ci"
    #expect(try harness.objectFindings().isEmpty)
    // Offline, an UPDATE changes nothing: oldObject is the object.
    var update = Harness(
      policies: spec(
        "  validations:\n    - expression: \"object.spec.replicas == oldObject.spec.replicas\""
      ).replacingOccurrences(of: #"operations: ["CREATE"]"#, with: #"operations: ["UPDATE"]"#),
      manifest: deployment())
    update.request.operation = "UPDATE"
    #expect(try update.objectFindings().isEmpty)
  }

  /// An object created with `generateName` has, when validating admission sees it, the name
  /// the API server gave it: the prefix (at most 58 bytes) and five characters, in `object`
  /// and in `request`. Without one, `object.metadata.name` was an error: a denial under
  /// failurePolicy Fail, of every Job a pipeline creates so. A pod template gets none.
  @Test func generateNameGivesTheObjectTheNameTheClusterWould() throws {
    func holds(_ expression: String, generateName: String = "web-") throws -> Bool {
      let manifest = deployment().replacingOccurrences(
        of: "  name: web\n", with: "  generateName: \(generateName)\n")
      #expect(manifest.contains("generateName"))
      let text = spec("  validations:\n    - expression: \(quoted(expression))")
      return try Harness(policies: text, manifest: manifest).objectFindings().isEmpty
    }
    #expect(try holds("object.metadata.name == 'web-xxxxx' && request.name == 'web-xxxxx'"))
    #expect(try holds("object.metadata.name.matches('^web-[a-z0-9]{5}$')"))
    #expect(try holds("has(object.metadata.name) && object.metadata.generateName == 'web-'"))
    #expect(try holds("!has(object.spec.template.metadata.name)"))
    #expect(
      try holds(
        "object.metadata.name.size() == 63", generateName: String(repeating: "a", count: 70)))
    // A null or empty name is none (`""` decodes as nothing): the cluster names the object.
    #expect(
      try holds("object.metadata.name == 'web-xxxxx'", generateName: "web-\n  name: null"))
    #expect(
      try holds(
        "object.metadata.name == 'web-xxxxx' && request.name == 'web-xxxxx'",
        generateName: "web-\n  name: ''"))
    // So is an empty namespace (the object has the request's), and every other empty
    // `ObjectMeta` string is absent, as the API server sends it.
    let empties = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {generateName: web-, namespace: '', uid: '', labels: {app: web}}
      spec: {replicas: 1}
      """
    for expression in [
      "object.metadata.namespace == 'default' && request.namespace == 'default'",
      "!has(object.metadata.uid) && !('uid' in object.metadata)",
      "object.metadata.size() == 4 && object.metadata.name == 'web-xxxxx'",
      "object.metadata.all(k, k in ['generateName', 'labels', 'name', 'namespace'])",
    ] {
      let text = spec("  validations:\n    - expression: \(quoted(expression))")
      let findings = try Harness(policies: text, manifest: empties).objectFindings()
      #expect(findings.isEmpty, "\(expression): \(findings.map(\.message))")
    }
    // A kind kubeward does not know is cluster-scoped unless the manifest names a namespace,
    // and an empty one names none.
    let widgets = policy(
      "!has(request.namespace) && !has(object.metadata.namespace)", name: "widgets",
      rules:
        #"- {apiGroups: ["example.com"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["widgets"]}"#
    )
    let widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: ''}\n"
    #expect(try Harness(policies: widgets, manifest: widget).objectFindings().isEmpty)
    // The request that creates a Namespace names it as its namespace; the object has none.
    let namespaces = policy(
      "request.namespace == 'team-a' && !has(object.metadata.namespace) && namespaceObject == null",
      name: "namespaces",
      rules:
        #"- {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["namespaces"]}"#
    )
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n"
    #expect(try Harness(policies: namespaces, manifest: namespace).objectFindings().isEmpty)
    // Only the create handler sets it: a request that updates a Namespace has none.
    var update = Harness(
      policies: namespaces.replacingOccurrences(of: "[\"CREATE\"]", with: "[\"UPDATE\"]")
        .replacingOccurrences(
          of: "request.namespace == 'team-a'", with: "!has(request.namespace)"),
      manifest: namespace)
    update.request.operation = "UPDATE"
    #expect(try update.objectFindings().isEmpty)
    // Without generateName, a missing name stays missing.
    #expect(try holds("!has(object.metadata.name) && !has(request.name)", generateName: "''"))
  }

  /// A cluster-scoped object written with a namespace has none: the API server clears it
  /// before validating admission (`rest.BeforeCreate`), and the request names none.
  @Test func aClusterScopedObjectsWrittenNamespaceIsCleared() throws {
    let clusterRoles = policy(
      "!has(object.metadata.namespace) && !has(request.namespace)"
        + " && object.metadata.size() == object.metadata.map(k, k).size()"
        + " && object.metadata.all(k, k != 'namespace') && object.metadata.labels.a == 'b'",
      name: "cluster-roles",
      rules:
        #"- {apiGroups: ["rbac.authorization.k8s.io"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["clusterroles"]}"#
    )
    let clusterRole =
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
      + "metadata: {name: r, namespace: team-a, labels: {a: b}}\n"
    let cleared = try Harness(policies: clusterRoles, manifest: clusterRole).objectFindings()
    #expect(cleared.isEmpty, "\(cleared.map(\.message))")
    // A namespaced one keeps the namespace it is written with.
    let roles = policy(
      "object.metadata.namespace == 'team-a' && 'namespace' in object.metadata",
      name: "roles",
      rules:
        #"- {apiGroups: ["rbac.authorization.k8s.io"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["roles"]}"#
    )
    let role =
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: team-a}\n"
    #expect(try Harness(policies: roles, manifest: role).objectFindings().isEmpty)
    // A Namespace written with a namespace keeps the label the API server gives it.
    let namespaces = policy(
      "!has(object.metadata.namespace) && object.metadata.labels['kubernetes.io/metadata.name'] == 'team-a'"
        + " && object.metadata.size() == object.metadata.map(k, k).size()",
      name: "namespaces",
      rules:
        #"- {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["namespaces"]}"#
    )
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a, namespace: x}\n"
    let labelled = try Harness(policies: namespaces, manifest: namespace).objectFindings()
    #expect(labelled.isEmpty, "\(labelled.map(\.message))")
    // The policies match: one that always fails reports each object.
    for (rules, manifest) in [
      (clusterRoles, clusterRole), (roles, role), (namespaces, namespace),
    ] {
      let always = rules.replacingOccurrences(
        of: #"- expression: ".*""#, with: #"- expression: "false""#,
        options: .regularExpression)
      #expect(try Harness(policies: always, manifest: manifest).objectFindings().count == 1)
    }
  }

  /// The authorizer needs a cluster: the policy is not evaluated, and the policy file says
  /// so once (an error on every object would be a guess).
  @Test func authorizerNeedsACluster() throws {
    let text = spec(
      "  validations:\n    - expression: \"authorizer.group('apps').resource('deployments').check('create').allowed()\""
    )
    let findings = try Harness(policies: text, manifest: deployment()).findings()
    #expect(findings.filter { $0.file == "manifest.yaml" }.isEmpty)
    #expect(findings.map(\.severity) == [.warning])
    #expect(
      findings.first?.message.contains("calls authorizer.group(), which needs a cluster") == true)
    // The word in a string, or a comprehension variable of that name, is no authorizer.
    for expression in [
      "object.metadata.name != 'authorizer'", "[1].all(authorizer, authorizer > 0)",
    ] {
      let text = spec("  validations:\n    - expression: \(quoted(expression))")
      let plain = try Harness(policies: text, manifest: deployment()).findings()
      #expect(plain.allSatisfy { $0.severity == .info }, "\(expression): \(plain.map(\.message))")
    }
  }

  /// Params as the API server's CollectParams finds them: a binding without a paramRef gives
  /// `params` null; what it cannot configure is an error of the request under failurePolicy
  /// Fail, whatever the binding's actions, and nothing under Ignore.
  @Test func paramConfigurationFollowsTheAPIServer() throws {
    func run(
      _ paramRef: String?, actions: String = "[Deny]", failurePolicy: String = "Fail",
      paramKind: String = "{apiVersion: v1, kind: ConfigMap}", manifest: String = deployment()
    ) throws -> [Finding] {
      let text =
        spec(
          """
            paramKind: \(paramKind)
            failurePolicy: \(failurePolicy)
            validations:
              - expression: "params == null || object.metadata.name != params.data.blocked"
          """
        ).replacingOccurrences(
          of:
            #"apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]"#,
          with:
            #"apiGroups: ["apps", ""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments", "namespaces", "persistentvolumes"]"#
        )
        + "\n---\n" + binding(actions: actions, paramRef: paramRef.map { "  paramRef:\n" + $0 })
      return try Harness(policies: text, manifest: manifest).findings()
    }
    #expect(try run(nil).isEmpty)
    let missing = try run("    name: limits\n    parameterNotFoundAction: Deny", actions: "[Warn]")
    #expect(missing.map(\.severity) == [.error])
    #expect(
      missing.first?.message.contains(
        "failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction"
      ) == true)
    #expect(
      try run("    name: limits\n    parameterNotFoundAction: Deny", failurePolicy: "Ignore")
        .isEmpty)
    let namespace = """
      apiVersion: v1
      kind: Namespace
      metadata: {name: shop}
      """
    let volume = """
      apiVersion: v1
      kind: PersistentVolume
      metadata: {name: data}
      """
    let clusterScoped = try run(
      "    name: limits\n    parameterNotFoundAction: Allow", manifest: volume
    ).filter { $0.file == "manifest.yaml" }
    #expect(
      clusterScoped.first?.message.contains(
        "cannot use namespaced paramRef in policy binding that matches cluster-scoped resources")
        == true)
    // A Namespace's creation is a request in that namespace (the API server's create
    // handler): its params are looked up there, and there are none yet.
    #expect(
      try run("    name: limits\n    parameterNotFoundAction: Allow", manifest: namespace)
        .filter { $0.file == "manifest.yaml" }.isEmpty)
    let namespaceDenied = try run(
      "    name: limits\n    parameterNotFoundAction: Deny", manifest: namespace
    ).filter { $0.file == "manifest.yaml" }
    #expect(namespaceDenied.first?.message.contains("no params found") == true)
    let clusterParams = try run(
      "    name: high\n    namespace: shop\n    parameterNotFoundAction: Allow",
      paramKind: "{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass}")
    #expect(
      clusterParams.first?.message.contains(
        "paramRef.namespace must not be provided for a cluster-scoped `paramKind`") == true)
    // A kind no table or CustomResourceDefinition knows, with no object of it in the run:
    // its scope is unknown, so a paramRef's namespace is no error; what is missing is the
    // params (the API server's test of a paramRef to an instance that does not exist).
    let unknownKind = "{apiVersion: example.com/v1, kind: ParamsConfig}"
    let unknownDenied = try run(
      "    name: absent\n    namespace: default\n    parameterNotFoundAction: Deny",
      paramKind: unknownKind)
    #expect(unknownDenied.count == 1)
    #expect(
      unknownDenied.first?.message.contains(
        "no params found for policy binding with `Deny` parameterNotFoundAction") == true,
      "\(unknownDenied.map(\.message))")
    #expect(
      try run(
        "    name: absent\n    namespace: default\n    parameterNotFoundAction: Allow",
        paramKind: unknownKind
      ).isEmpty)
    // v1 requires parameterNotFoundAction: said at the binding, read as Deny.
    let unsaid = try run("    name: limits")
    #expect(unsaid.contains { $0.file == "policy.yaml" && $0.severity == .warning })
    #expect(unsaid.contains { $0.file == "manifest.yaml" && $0.severity == .error })
  }

  /// An annotation whose value is null is left out. (An expression that gives a string or
  /// null by a condition does not compile: a string and a null are no type of one
  /// conditional to cel-go's checker, and an expression of type `dyn` is not one the API
  /// server takes for an annotation.)
  @Test func auditAnnotationsAreInformation() throws {
    let text = spec(
      """
        auditAnnotations:
          - key: high-replicas
            valueExpression: "'replicas: ' + string(object.spec.replicas)"
          - key: nothing
            valueExpression: "null"
      """)
    let findings = try Harness(policies: text, manifest: deployment()).objectFindings()
    #expect(findings.map(\.severity) == [.info])
    #expect(findings.first?.message.contains("demo/high-replicas: replicas: 3") == true)
    let conditional = text.replacingOccurrences(
      of: "'replicas: ' + string(object.spec.replicas)",
      with: "object.spec.replicas > 2 ? 'replicas: ' + string(object.spec.replicas) : null")
    let refused = try Harness(policies: conditional, manifest: deployment()).findings()
    #expect(
      refused.contains {
        $0.message.contains(
          "found no matching overload for '_?_:_' applied to '(bool, string, null_type)'")
      }, "\(refused.map(\.message))")
  }

  /// An annotation's values over the policy's bindings and params are one annotation per
  /// key, as the API server's dispatcher publishes them: distinct values, sorted, joined
  /// with ", " (its TestAuditAnnotations).
  @Test func auditAnnotationValuesAreMergedPerKey() throws {
    func binding(_ name: String, selecting tier: String) -> String {
      """
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicyBinding
      metadata: {name: \(name)}
      spec:
        policyName: demo
        validationActions: [Audit]
        paramRef: {selector: {matchLabels: {tier: \(tier)}}, namespace: shop, parameterNotFoundAction: Allow}
      """
    }
    func params(_ name: String, tier: String, value: String) -> String {
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \(name), namespace: shop, labels: {tier: \(tier)}}\ndata: {value: \(value)}"
    }
    let text = [
      spec(
        """
          paramKind: {apiVersion: v1, kind: ConfigMap}
          validations:
            - expression: "true"
          auditAnnotations:
            - key: example-key
              valueExpression: "string(params.data.value)"
            - key: fixed
              valueExpression: "'same'"
        """),
      binding("first", selecting: "a"), binding("second", selecting: "b"),
      params("p1", tier: "a", value: "special-value"),
      params("p2", tier: "a", value: "normal-value"),
      params("p3", tier: "b", value: "normal-value"),
    ].joined(separator: "\n---\n")
    let findings = try Harness(policies: text, manifest: deployment()).objectFindings()
    #expect(
      findings.map(\.message) == [
        "Deployment shop/web gets audit annotation demo/example-key: normal-value, special-value (from ValidatingAdmissionPolicy 'demo')",
        "Deployment shop/web gets audit annotation demo/fixed: same (from ValidatingAdmissionPolicy 'demo')",
      ], "\(findings.map(\.message))")
    #expect(findings.allSatisfy { $0.severity == .info })
  }

  /// Thousands of params, each giving an annotation a value of its own: a key gathers values
  /// up to a message's length, and its merged value is clipped to it.
  @Test func auditAnnotationValuesStayBounded() {
    var values = AuditAnnotationValues()
    for index in 0..<20_000 {
      values.add("value-\(index)-" + String(repeating: "x", count: 100), for: "key")
    }
    values.add("other", for: "second")
    let merged = values.merged()
    #expect(merged.map(\.key) == ["key", "second"])
    // About a message's length of them, not 20 000.
    #expect(values.count(for: "key") <= AdmissionCheck.longestMessage / 100 + 1)
    #expect(merged[0].value.utf8.count <= AdmissionCheck.longestMessage)
    #expect(merged[0].value.hasPrefix("value-0-"))
    #expect(merged[1].value == "other")
  }

  /// An audit annotation that cannot be worked out denies whatever the binding's actions
  /// (under failurePolicy Fail), and one whose value is neither a string nor null denies
  /// whatever the failurePolicy; a blank value is left out.
  @Test func auditAnnotationErrorsDeny() throws {
    func findings(_ valueExpression: String, failurePolicy: String) throws -> [Finding] {
      let text = spec(
        """
          failurePolicy: \(failurePolicy)
          auditAnnotations:
            - key: a
              valueExpression: \(quoted(valueExpression))
        """,
        extra:
          "---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: demo, validationActions: [Warn]}"
      )
      return try Harness(policies: text, manifest: deployment()).objectFindings()
    }
    let failing = try findings("'x' + object.spec.nope", failurePolicy: "Fail")
    #expect(failing.map(\.severity) == [.error], "\(failing.map(\.message))")
    #expect(
      failing.first?.message.contains("expression ''x' + object.spec.nope' resulted in error")
        == true)
    #expect(try findings("'x' + object.spec.nope", failurePolicy: "Ignore").isEmpty)
    // The API server's compiler rejects a value typed `dyn`; one that kubeward's checker
    // cannot type (here an item of a list mapped by arithmetic) is judged as it comes.
    let number = try findings("[object.spec.replicas].map(x, x * 1)[0]", failurePolicy: "Ignore")
    #expect(number.map(\.severity) == [.error])
    #expect(number.first?.message.contains("unsupported return type: int") == true)
    #expect(try findings("'   '", failurePolicy: "Fail").isEmpty)
    // One that does not compile errs when evaluated: denied under Fail whatever the binding's
    // actions (`dispatcher.go`'s AuditAnnotationActionError), left out under Ignore.
    let uncompiled = try findings("object.data.missing", failurePolicy: "Fail")
    #expect(uncompiled.map(\.severity) == [.error], "\(uncompiled.map(\.message))")
    #expect(try findings("object.data.missing", failurePolicy: "Ignore").isEmpty)
  }

  /// A binding without params binds `params` as the API server does, to nothing: a presence
  /// test of it is false (not an error, which failurePolicy Ignore would admit), and a field
  /// of it is a missing key.
  @Test func absentParamsHaveNoFields() throws {
    func findings(_ expression: String, failurePolicy: String) throws -> [String] {
      let text = spec(
        """
          failurePolicy: \(failurePolicy)
          paramKind: {apiVersion: v1, kind: ConfigMap}
          validations:
            - expression: \(quoted(expression))
        """)
      return try Harness(policies: text, manifest: deployment()).objectFindings().map(\.message)
    }
    let guarded = try findings(
      "has(params.data) && params.data.max == '2'", failurePolicy: "Ignore")
    #expect(guarded.count == 1 && guarded[0].contains("failed expression"), "\(guarded)")
    let unguarded = try findings("params.data.max == '2'", failurePolicy: "Fail")
    #expect(
      unguarded.first?.contains("resulted in error: no such key: data") == true, "\(unguarded)")
  }

  @Test func aRunawayExpressionStopsAtTheCostLimit() throws {
    let text = spec(
      "  validations:\n    - expression: \"[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, [1,2,3,4,5,6,7,8,9,10].all(f, a + b + c + d + e + f > 0))))))\""
    )
    let findings = try Harness(policies: text, manifest: deployment()).objectFindings()
    #expect(findings.count == 1)
    #expect(findings.first?.message.contains("cost limit") == true)
  }

  /// Out of the policy's budget (10 000 000 per object), the API server drops the
  /// validations' results for one error, which failurePolicy decides: Fail denies with it,
  /// Ignore admits, even when a validation evaluated before had failed. Messages come from
  /// what the validations left; running out there is the same error (a literal costs nothing).
  @Test func runningOutOfBudgetIsOneErrorForFailurePolicy() throws {
    // Each variable makes two searches that Kubernetes charges 400 010 units apiece (a text of
    // 400 000 characters, a pattern of 40): thirteen of them spend the budget, twelve do not;
    // the last conjunct makes the validation false whatever their values.
    let search = "object.metadata.annotations.big.matches('\(String(repeating: "b", count: 40))')"
    let variables = (0..<13).map { index in
      "    - name: v\(index)\n      expression: \"!\(search) && !\(search) || \(index) < 0\""
    }
    func conjunction(_ count: Int) -> String {
      (0..<count).map { "variables.v\($0)" }.joined(separator: " && ")
    }
    let manifest = """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
        annotations:
          big: \(String(repeating: "a", count: 400_000))
      spec:
        replicas: 3
      """
    func messages(_ validations: String, failurePolicy: String = "Fail") throws -> [String] {
      let text = spec(
        """
          failurePolicy: \(failurePolicy)
          variables:
        \(variables.joined(separator: "\n"))
          validations:
        \(validations)
        """)
      return try Harness(policies: text, manifest: manifest).objectFindings().map(\.message)
    }
    let outOfBudget = "validation failed due to running out of cost budget"
    // Within budget: the literal message.
    let within = try messages(
      """
          - expression: "\(conjunction(12)) && false"
            message: "the static message"
            messageExpression: "'the literal message'"
      """)
    #expect(within.count == 1 && within[0].hasSuffix(": the literal message"))
    // The validations spend it: one error, and the failed validation before is not reported.
    let spent = """
          - expression: "false"
            message: "FIRST"
          - expression: "\(conjunction(13)) && false"
      """
    let denied = try messages(spent)
    #expect(
      denied.count == 1
        && denied[0].hasSuffix(": \(outOfBudget), no further validation rules will be run"))
    #expect(try messages(spent, failurePolicy: "Ignore").isEmpty)
    // The message spends it.
    let costlyMessage = """
          - expression: "\(conjunction(12)) && false"
            message: "the static message"
            messageExpression: "variables.v12 ? 'one' : 'other'"
      """
    let failedMessage = try messages(costlyMessage)
    #expect(
      failedMessage.count == 1
        && failedMessage[0].contains(": failed messageExpression: \(outOfBudget)"))
    #expect(try messages(costlyMessage, failurePolicy: "Ignore").isEmpty)
  }

  /// A run's CEL work is bounded as a whole: once spent, each policy says, on each object left,
  /// that it was not evaluated (an error: the verdict is unknown), however the policy would
  /// have ended (here a false matchCondition after a costly one).
  @Test func aRunStopsEvaluatingWhenItsWorkIsSpent() throws {
    let costly = "lists.range(100000).all(i, i >= 0)"
    let text = spec(
      """
        matchConditions:
          - {name: costly, expression: "\(costly)"}
          - {name: never, expression: "false"}
        validations:
          - expression: "false"
      """)
    var harness = Harness.serial(policies: text, deployments: 5)
    #expect(try harness.objectFindings().isEmpty)
    // The first object spends the budget (about 300 000 units), the others are not evaluated.
    harness.workBudget = WorkBudget(limit: 200_000)
    let findings = try harness.objectFindings()
    #expect(findings.map(\.file) == ["d1.yaml", "d2.yaml", "d3.yaml", "d4.yaml"])
    #expect(findings.allSatisfy { $0.severity == .error && $0.message.contains("was not checked") })
    // An object the policy does not match is not reported.
    harness.manifests.append(
      (name: "svc.yaml", text: "apiVersion: v1\nkind: Service\nmetadata: {name: s}"))
    #expect(try harness.objectFindings().allSatisfy { $0.file != "svc.yaml" })
    // 250 units per byte of input, and at least 2 × 10^8.
    #expect(WorkBudget(inputBytes: 1_000).limit == 200_000_000)
    #expect(WorkBudget(inputBytes: 4_000_000).limit == 1_000_000_000)
    #expect(WorkBudget(inputBytes: .max).limit == .max)
    // Sized by its input (a stat of every file) only once the run spends the least any
    // budget allows: most runs never do.
    final class Calls: Sendable { let count = Atomic<Int>(0) }
    let calls = Calls()
    let lazy = WorkBudget(inputSize: {
      calls.count.add(1, ordering: .relaxed)
      return 1_200_000
    })
    lazy.charge(199_999_999)
    #expect(!lazy.isSpent && calls.count.load(ordering: .relaxed) == 0)
    lazy.charge(1)
    #expect(!lazy.isSpent && calls.count.load(ordering: .relaxed) == 1)
    #expect(lazy.limit == 300_000_000 && calls.count.load(ordering: .relaxed) == 1)
    lazy.charge(100_000_000)
    #expect(lazy.isSpent)
  }

  /// Long rule lists charge the run's work what matching them scans: a hostile policy of
  /// thousands of excludeResourceRules, matched against every object, took 5.5 s for 3.2 MB
  /// and spent nothing. Past the budget, the objects left say they were not checked.
  @Test func longRuleListsChargeTheRunsWork() throws {
    let exclusions = (0..<2_000).map { index in
      "      - {apiGroups: [\"g\(index).io\"], apiVersions: [\"*\"], operations: [\"*\"], resources: [secrets]}"
    }
    let text = spec(
      """
          excludeResourceRules:
      \(exclusions.joined(separator: "\n"))
        validations:
          - expression: "false"
      """)
    var harness = Harness.serial(policies: text, deployments: 20)
    let unbounded = try harness.objectFindings()
    #expect(unbounded.count == 20 && unbounded.allSatisfy { !$0.message.contains("not checked") })
    // Each match scans about 10 000 entries, and each object's finding costs one: the
    // budget lasts for nine objects.
    harness.workBudget = WorkBudget(limit: 9 * (10_000 + WorkBudget.perFinding) + 1_000)
    let bounded = try harness.objectFindings()
    #expect(bounded.count == 20)
    #expect(bounded.filter { $0.message.contains("was not checked") }.count == 11)
  }

  /// Each finding costs the run `WorkBudget.perFinding`: a thousand validations failing on
  /// thousands of objects made four thousand times the input in findings (2 GB of memory).
  @Test func findingsAreChargedToTheRunsWork() throws {
    let validations = (0..<20).map { "    - {expression: \"false\", message: \"v\($0)\"}" }
    let text = spec("  validations:\n" + validations.joined(separator: "\n"))
    var harness = Harness.serial(policies: text, deployments: 10)
    #expect(try harness.objectFindings().count == 200)
    // Room for about twenty findings: then each object says it was not checked.
    harness.workBudget = WorkBudget(limit: 20 * WorkBudget.perFinding)
    let bounded = try harness.objectFindings()
    #expect(bounded.count < 60, "\(bounded.count)")
    #expect(bounded.contains { $0.message.contains("was not checked") })
  }

  /// A small input makes at most 20 000 findings (one per 40 bytes for a larger one): 200
  /// validations that fail on each of 1 500 ConfigMaps, 111 kB in all, made 200 000, and a
  /// JUnit report of 426 MB.
  @Test func aSmallInputMakesBoundedReports() throws {
    let validations = (0..<100).map { "    - {expression: \"false\", message: \"v\($0)\"}" }
    let text = spec("  validations:\n" + validations.joined(separator: "\n"))
    var harness = Harness.serial(policies: text, deployments: 300)
    harness.workBudget = WorkBudget(inputBytes: 100_000)
    let findings = try harness.objectFindings()
    // 20 000, and then each object left says once that it was not checked.
    #expect(findings.count <= 20_000 + 300, "\(findings.count)")
    // The finding that says so names what a finding costs.
    #expect(
      findings.contains {
        $0.message.contains("was not checked")
          && $0.message.contains("\(WorkBudget.perFinding) per finding")
      })
  }

  /// Audit annotations are findings, and cost the run what findings cost: ten thousand keys
  /// made ten thousand findings on every object, without end.
  @Test func auditAnnotationFindingsAreChargedToTheRunsWork() throws {
    let keys = (0..<20).map { "    - {key: k\($0), valueExpression: \"'v'\"}" }
    let text = spec("  auditAnnotations:\n" + keys.joined(separator: "\n"))
    var harness = Harness.serial(policies: text, deployments: 10)
    #expect(try harness.objectFindings().count == 200)
    harness.workBudget = WorkBudget(limit: 20 * WorkBudget.perFinding)
    let bounded = try harness.objectFindings()
    #expect(bounded.count < 60, "\(bounded.count)")
    #expect(bounded.contains { $0.message.contains("was not checked") })
  }

  /// The finding of a policy that does not compile (failurePolicy Fail rejects every request)
  /// is made without an evaluation, and costs the run a finding's work all the same: ten
  /// thousand such policies on every object made findings without end.
  @Test func compileErrorFindingsAreChargedToTheRunsWork() throws {
    let text = (0..<20).map { index in
      spec(
        "  validations: [{expression: \"object.metadata.name.startWith('x')\"}]", name: "p\(index)")
    }.joined(separator: "\n---\n")
    var harness = Harness.serial(policies: text, deployments: 10)
    let unbounded = try harness.objectFindings()
    #expect(unbounded.count == 200)
    #expect(unbounded.allSatisfy { $0.message.contains("does not compile") })
    harness.workBudget = WorkBudget(limit: 20 * WorkBudget.perFinding)
    let bounded = try harness.objectFindings()
    #expect(bounded.count < 60, "\(bounded.count)")
    #expect(bounded.contains { $0.message.contains("was not checked") })
  }

  /// Once the run's work is spent, an object costs no more than saying so: as a check apiece,
  /// each of 20 000 policies was asked about each of 10 000 objects, only to say nothing
  /// more, and the run took 15 s. Policies and objects both grow here: linear work takes
  /// four times as long for four times both, that work sixteen.
  @Test func aSpentRunDoesNotAskEveryPolicyAboutEveryObject() throws {
    var findings: [Finding] = []
    let growth = try Growth(size: 2000) { count in
      let policies = (0..<count).map {
        spec("  validations: [{expression: \"true\"}]", name: "p\($0)")
      }.joined(separator: "\n---\n")
      var harness = Harness.serial(policies: policies, deployments: count)
      harness.workBudget = WorkBudget(limit: 0)
      findings = try harness.objectFindings()
    }
    #expect(growth.isLinear, "\(growth)")
    // Each object says it once, of the first policy.
    #expect(findings.count == 2000 / 4)
    #expect(findings.allSatisfy { $0.policy == "p0" && $0.message.contains("was not checked") })
  }

  /// Matching is work too, for policies that turn every object away: thousands of them,
  /// whose selectors match nothing, each matched against every object uncounted.
  @Test func matchingIsChargedToTheRunsWork() throws {
    let policies = (0..<200).map { index in
      constrainedSpec(name: "p\(index)")
    }.joined(separator: "\n---\n")
    var harness = Harness.serial(policies: policies, deployments: 50)
    #expect(try harness.objectFindings().isEmpty)
    harness.workBudget = WorkBudget(limit: 20_000)
    let bounded = try harness.objectFindings()
    #expect(bounded.contains { $0.message.contains("was not checked") })
    #expect(bounded.count <= 50 * 3)
  }

  /// A policy for Deployments whose object selector no object meets.
  private func constrainedSpec(name: String) -> String {
    policy("false", name: name, extraSpec: "    objectSelector: {matchLabels: {never: \"true\"}}")
  }

  /// Once the run's work is spent, an object says once (per severity) that it was not
  /// checked against the first policy left out and those after it: one finding per policy
  /// and object made three million findings (1.5 GB) of 0.6 MB of input. And every policy
  /// evaluated on an object costs `WorkBudget.perEvaluation`, however free its expressions:
  /// thousands of policies of `true` spent nothing, and ran for as long as they liked.
  @Test func aSpentRunSaysOncePerObjectWhatWasNotChecked() throws {
    let names = (0..<30).map { "free\($0)" }
    let actions = ["Deny", "Deny", "Warn"]
    let text = names.enumerated().map { index, name in
      spec("  validations: [{expression: \"true\"}]", name: name)
        + "\n---\n"
          + """
          apiVersion: admissionregistration.k8s.io/v1
          kind: ValidatingAdmissionPolicyBinding
          metadata: {name: \(name)}
          spec: {policyName: \(name), validationActions: [\(actions[index % 3])]}
          """
    }.joined(separator: "\n---\n")
    var harness = Harness.serial(policies: text, deployments: 3)
    #expect(try harness.objectFindings().isEmpty)
    // Ten evaluations spend it, on the first object: the 11th policy (Deny) is the first left
    // out there, and the 12th the first Warn policy; the next objects name their first two.
    harness.workBudget = WorkBudget(limit: 10 * WorkBudget.perEvaluation)
    let findings = try harness.objectFindings()
    #expect(
      findings.map { "\($0.file) \($0.policy) \($0.severity)" } == [
        "d0.yaml free10 error", "d0.yaml free11 warning",
        "d1.yaml free0 error", "d1.yaml free2 warning",
        "d2.yaml free0 error", "d2.yaml free2 warning",
      ])
    #expect(
      findings.allSatisfy {
        $0.message.contains("was not checked against ValidatingAdmissionPolicy")
          && $0.message.contains("or the admission policies after it")
      })
    // Each expression costs `WorkBudget.perExpression` too: a policy of 200 validations of
    // constants spends the budget on the first object.
    let validations = (0..<200).map { "    - expression: \"\($0) >= 0\"" }
    var many = Harness.serial(
      policies: spec("  validations:\n" + validations.joined(separator: "\n")), deployments: 3)
    many.workBudget = WorkBudget(limit: 10 * WorkBudget.perEvaluation)
    #expect(try many.objectFindings().map(\.file) == ["d1.yaml", "d2.yaml"])
  }

  /// As in the API server, each phase evaluates the variables it reads again, and pays for
  /// them: matchConditions (with a budget of 2 500 000), the validations (10 000 000), the
  /// messages (what the validations left). A policy whose conditions read two costly variables
  /// and whose validation reads twelve runs out in the validations; three costly conditions
  /// run out of the conditions' budget, even after one that is false.
  @Test func eachPhaseHasItsBudgetAndItsOwnVariables() throws {
    let costly = "lists.range(150000).all(i, i >= 0)"
    let variables = (0..<12).map { "    - {name: v\($0), expression: \"\(costly)\"}" }
    let all = (0..<12).map { "variables.v\($0)" }.joined(separator: " && ")
    func findings(conditions: [String], validation: String) throws -> [String] {
      let text = spec(
        """
          matchConditions: [\(conditions.enumerated().map { "{name: c\($0.offset), expression: \"\($0.element)\"}" }.joined(separator: ", "))]
          variables:
        \(variables.joined(separator: "\n"))
          validations:
            - expression: "\(validation)"
        """)
      return try Harness(policies: text, manifest: deployment()).objectFindings().map(\.message)
    }
    let validationsRunOut = try findings(
      conditions: ["variables.v0", "variables.v1"], validation: all)
    #expect(
      validationsRunOut.count == 1 && validationsRunOut[0].contains("running out of cost budget"))
    let conditionsRunOut = try findings(
      conditions: ["false", costly, costly + " && true", costly + " || false"], validation: "true")
    #expect(conditionsRunOut.count == 1 && conditionsRunOut[0].contains("matchConditions ran out"))
    #expect(try findings(conditions: ["false", costly], validation: "false").isEmpty)
  }

  /// matchConditions are all evaluated, as the API server's matcher does: one that is false
  /// skips the policy even when another errs, in any order; an error with the others true
  /// follows failurePolicy; a value that is not false matches.
  @Test func aFalseMatchConditionSkipsThePolicyWhateverTheOthersGive() throws {
    let erring = "{name: opted-in, expression: \"object.metadata.labels['policy'] == 'strict'\"}"
    let falseOne = "{name: not-web, expression: \"object.metadata.name != 'web'\"}"
    let trueOne = "{name: web, expression: \"object.metadata.name == 'web'\"}"
    // An item of a list mapped by a concatenation, which kubeward's checker cannot type: a
    // bare field is `dyn`, which the API server's compiler rejects as a condition.
    let notBool = "{name: named, expression: \"[object.metadata.name].map(x, x + '')[0]\"}"
    func findings(_ conditions: [String]) throws -> [String] {
      let text = spec(
        """
          matchConditions: [\(conditions.joined(separator: ", "))]
          validations:
            - expression: "false"
              message: "validated"
        """)
      return try Harness(policies: text, manifest: deployment()).objectFindings().map(\.message)
    }
    #expect(try findings([erring, falseOne]).isEmpty)
    #expect(try findings([falseOne, erring]).isEmpty)
    let failing = try findings([trueOne, erring])
    #expect(
      failing.count == 1 && failing[0].contains("matchCondition 'opted-in' could not be evaluated"))
    let matched = try findings([notBool, trueOne])
    #expect(matched.count == 1 && matched[0].hasSuffix(": validated"))
  }

  /// The table of shared expressions' slots finds every key it was made with, and no other,
  /// however the addresses collide in it (probes wrap around its end).
  @Test func identityTablesFindTheirKeysAndNoOthers() {
    final class Key {}
    let empty = IdentityTable([:])
    #expect(empty.value(for: ObjectIdentifier(Key())) == nil)
    for count in [1, 2, 3, 17, 1_000] {
      let keys = (0..<count).map { _ in Key() }
      let others = (0..<count).map { _ in Key() }
      var entries: [ObjectIdentifier: Int] = [:]
      for (index, key) in keys.enumerated() { entries[ObjectIdentifier(key)] = index }
      let table = IdentityTable(entries)
      #expect(keys.indices.allSatisfy { table.value(for: ObjectIdentifier(keys[$0])) == $0 })
      #expect(others.allSatisfy { table.value(for: ObjectIdentifier($0)) == nil })
    }
  }

  /// An activation given back to its object's scope keeps no variable's value: a variable
  /// that holds `variables` holds the activation itself, and every activation so made
  /// outlived its object (one per policy and object).
  @Test func activationsGivenBackHoldNoVariables() throws {
    var set = AdmissionPolicySet()
    let text = spec(
      """
        variables:
          - {name: all, expression: "variables"}
        validations:
          - expression: "size(variables.all) == 1"
      """)
    set.read(file: "policy.yaml", bytes: Array(text.utf8))
    let policy = try #require(set.policies.first)
    let expression = try #require(policy.validations.first?.expression)
    let facts = AdmissionRequestFacts(
      resource: RequestResource(
        group: "apps", version: "v1", kind: "Deployment", resource: "deployments",
        namespaced: true),
      name: "web", namespace: "shop", labelsNode: nil, operation: "CREATE")
    weak var kept: AdmissionActivation?
    weak var dropped: AdmissionActivation?
    do {
      // A memory that is freed with its scope, not kept for the next object's.
      let scope = ObjectScope(
        object: .null, facts: facts, request: SyntheticRequest(), oldObject: nil,
        namespaceObject: nil, namespace: "shop", sharedExpressions: SharedExpressions(),
        memory: ScopeMemory(kept: false))
      let first = scope.activation(params: .null, policy: policy)
      let second = scope.activation(params: .null, policy: policy)
      kept = first
      dropped = second
      for activation in [first, second] {
        guard case .bool(true) = activation.evaluate(expression) else {
          Issue.record("size(variables.all) == 1 is not true")
          return
        }
      }
      // The scope keeps one spare (the first), and hands it out again as new.
      scope.recycle(first)
      scope.recycle(second)
      let again = scope.activation(params: .null, policy: policy)
      #expect(again === first)
      #expect(again.cost == 0)
      scope.recycle(again)
    }
    // Gone with their object's memory. (Tested as Bools: a failed expectation on a leaked
    // activation would describe it, reading the scope it holds unowned.)
    let keptIsGone = kept == nil
    let droppedIsGone = dropped == nil
    #expect(keptIsGone)
    #expect(droppedIsGone)
  }

  @Test func escapedPropertyNames() throws {
    let widget = """
      apiVersion: example.com/v1
      kind: Widget
      metadata: {name: w, namespace: shop}
      spec: {max-size: 9, namespace: inner}
      """
    let text = """
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicy
      metadata: {name: demo}
      spec:
        matchConstraints:
          resourceRules:
            - {apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["widgets"]}
        validations:
          - expression: "object.spec.max__dash__size < 5"
          - expression: "object.spec.__namespace__ == 'outer'"
      """
    let findings = try Harness(policies: text, manifest: widget).objectFindings()
    #expect(findings.count == 2)
  }

  /// The scan for `__` that skips every other byte, against the plain search, on every
  /// string of up to 10 bytes of `_` and `a`.
  @Test func theDoubleUnderscoreScanMissesNoPair() {
    for length in 0...10 {
      for bits in 0..<(1 << length) {
        let text = String((0..<length).map { bits & (1 << $0) != 0 ? "_" : "a" })
        let found = Array(text.utf8).withUnsafeBufferPointer(NodeValue.hasDoubleUnderscore)
        #expect(found == text.contains("__"), "\(text)")
      }
    }
    #expect(NodeValue.unescapedPropertyName("max__dash__size") == "max-size")
    #expect(NodeValue.unescapedPropertyName("a_b_c") == nil)
  }

  @Test func policyIDsWorkInSuppressionsAndConfiguration() throws {
    let text = policy("object.spec.replicas <= 2", binding: "  validationActions: [Deny]")
    var harness = Harness(policies: text, manifest: deployment())
    harness.configuration.policies["demo"] = .init(enabled: false)
    #expect(try harness.objectFindings().isEmpty)
    harness.configuration.policies["demo"] = .init(severity: .warning)
    #expect(try harness.objectFindings().map(\.severity) == [.warning])
    let suppressed = deployment().replacingOccurrences(
      of: "  labels: {app: web}",
      with: "  labels: {app: web}\n  annotations: {kubeward.io/ignore: demo}")
    #expect(try Harness(policies: text, manifest: suppressed).objectFindings().isEmpty)
  }

  /// The policies of a set share what they work out about an object (its request, namespace
  /// and scope); each object of a file gets its own.
  @Test func eachObjectHasItsOwnRequestAcrossPoliciesAndObjects() throws {
    let rules = """
      - apiGroups: ["", "apps"]
              apiVersions: ["v1"]
              operations: ["CREATE"]
              resources: ["deployments", "services"]
      """
    let text = [
      policy(
        "request.namespace != 'shop' || request.resource.resource == 'deployments'",
        name: "first", rules: rules),
      policy("request.name != object.metadata.name", name: "second", rules: rules),
      policy("object.metadata.name != 'api'", name: "third", rules: rules),
    ].joined(separator: "\n---\n")
    let manifest = [
      deployment(name: "web", namespace: "shop"),
      """
      apiVersion: v1
      kind: Service
      metadata: {name: api, namespace: shop}
      spec: {ports: [{port: 80}]}
      """,
      deployment(name: "db", namespace: "data"),
    ].joined(separator: "\n---\n")
    let findings = try Harness(policies: text, manifest: manifest).objectFindings()
    // The Service in shop breaks `first`; every object breaks `second` (its request names it);
    // only the Service is named api.
    #expect(findings.filter { $0.policy == "first" }.map(\.object?.name) == ["api"])
    #expect(
      Set(findings.filter { $0.policy == "second" }.compactMap(\.object?.name)) == [
        "web", "api", "db",
      ])
    #expect(findings.filter { $0.policy == "third" }.map(\.object?.name) == ["api"])
  }

  /// A policy that reads every key of a ConfigMap through the map is linear in its keys: a
  /// lookup by name in a large mapping goes through an index (it was a scan: 100 000 keys
  /// took minutes).
  @Test func readingEveryKeyOfAHugeMapIsLinear() throws {
    var manifest =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big, namespace: shop}\ndata:\n"
    for index in 0..<100_000 { manifest += "  key-\(index): v\n" }
    manifest += "  key-5: \(String(repeating: "x", count: 20))\n"
    let text = policy(
      "object.data.all(k, size(object.data[k]) < 10) && object.data.all(k, v, size(v) < 10)",
      rules: """
        - apiGroups: [""]
                apiVersions: ["v1"]
                operations: ["CREATE"]
                resources: ["configmaps"]
        """)
    let start = ContinuousClock.now
    let findings = try Harness(policies: text, manifest: manifest).objectFindings()
    let elapsed = ContinuousClock.now - start
    // The repeated key's last value is the one read, as the API server reads it.
    #expect(findings.filter { $0.policy == "demo" }.count == 1)
    #expect(elapsed < .seconds(20), "\(elapsed)")
  }

  /// A policy written on one long line loads in time linear in it: positions inside the
  /// expression were counted from the line's start for every byte (200 KB took 10 s). (The
  /// longest expression cel-go reads is 100 000 code points: four bytes each, 360 KB.)
  @Test func aLongOneLineExpressionLoadsQuickly() throws {
    let literal = String(repeating: "😀", count: 90_000)
    let text = policy("object.metadata.name != '\(literal)' && object.spec.replicas <= 2")
    let start = ContinuousClock.now
    let findings = try Harness(policies: text, manifest: deployment()).objectFindings()
    let elapsed = ContinuousClock.now - start
    #expect(findings.map(\.policy) == ["demo"])
    // The finding points at the field the validation read, past the long literal.
    #expect(findings.first?.line == 8)  // spec.replicas
    #expect(elapsed < .seconds(20), "\(elapsed)")
  }

  /// Params are found once per binding: a run of many objects of the param kind is not
  /// checked against every one of them for every object (10 000 ConfigMaps, each a param
  /// and each checked, were 10⁸ comparisons). Cluster-scoped and namespaced params keep the
  /// order the run read them in.
  @Test func manyParamsAreLookedUpNotScanned() throws {
    let policy = spec(
      """
        paramKind: {apiVersion: v1, kind: ConfigMap}
        validations:
          - expression: "!has(object.data) || !('max' in object.data) || object.data.max == params.data.max"
      """
    )
    .replacingOccurrences(of: "resources: [\"deployments\"]", with: "resources: [\"configmaps\"]")
    .replacingOccurrences(of: "apiGroups: [\"apps\"]", with: "apiGroups: [\"\"]")
    let binding = """
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicyBinding
      metadata: {name: demo-binding}
      spec:
        policyName: demo
        validationActions: [Deny]
        paramRef: {name: limits}
      """
    var manifests = ""
    for index in 0..<10_000 {
      manifests +=
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-\(index), namespace: ns-\(index % 50)}\n"
    }
    manifests +=
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: limits, namespace: ns-7}\ndata: {max: \"2\"}\n"
    manifests +=
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other, namespace: ns-7}\ndata: {max: \"3\"}\n"
    let start = ContinuousClock.now
    let findings = try Harness(policies: policy + "\n---\n" + binding, manifest: manifests)
      .objectFindings()
    let elapsed = ContinuousClock.now - start
    // 0.5 s here, 17 s before (debug build).
    // Only ns-7 has the param; the ConfigMap there whose max differs breaks the policy, and
    // every object elsewhere finds no param (parameterNotFoundAction defaults to Deny); nor
    // does `limits` itself, which is not stored before its own admission.
    #expect(findings.filter { $0.object?.name == "other" }.count == 1)
    #expect(
      findings.filter { $0.message.contains("no ConfigMap 'limits' was found") }.count == 9_801)
    #expect(
      findings.contains { $0.object?.name == "limits" && $0.message.contains("no ConfigMap") })
    #expect(elapsed < .seconds(8), "\(elapsed)")
  }

  /// Variables reading one another in a chain of thousands overflowed the stack: evaluation
  /// reads at most 250 one inside another, so a longer chain is read in order, each variable
  /// after those before it (it was an error on every object, of a policy the API server
  /// evaluates); a chain of thousands is refused when the policy is read
  /// (`variablesBuildValuesOnlySoDeep`).
  @Test func aLongChainOfVariablesIsAnErrorNotACrash() throws {
    func chain(_ count: Int) -> String {
      var variables = "  variables:\n    - name: v0\n      expression: \"1\"\n"
      for index in 1..<count {
        variables += "    - name: v\(index)\n      expression: \"variables.v\(index - 1) + 1\"\n"
      }
      return spec(variables + "  validations:\n    - expression: \"variables.v\(count - 1) > 0\"")
    }
    for count in [250, 260, 600] {
      let findings = try Harness(policies: chain(count), manifest: deployment()).objectFindings()
      #expect(findings.isEmpty, "\(count): \(findings.map(\.message))")
    }
    // Read in order, what the last variable says is what a chain says.
    let failing = chain(600).replacingOccurrences(of: "> 0", with: "!= 600")
    let findings = try Harness(policies: failing, manifest: deployment()).objectFindings()
    #expect(findings.count == 1, "\(findings.map(\.message))")
    #expect(findings.first?.message.contains("too deeply") == false)
    let refused = try Harness(policies: chain(5_000), manifest: deployment()).findings()
    #expect(refused.contains { $0.file == "policy.yaml" && $0.message.contains("variables nest") })
    #expect(refused.allSatisfy { $0.file == "policy.yaml" })
    // A chain within the limit evaluates.
    let short = spec(
      "  variables:\n    - name: a\n      expression: \"1\"\n    - name: b\n      expression: \"variables.a + 1\"\n  validations:\n    - expression: \"variables.b == 2\""
    )
    #expect(try Harness(policies: short, manifest: deployment()).objectFindings().isEmpty)
  }

  /// `has(m.f)` and `k in m` ask a document's maps whether a key has a value without
  /// reading it: the answer is the one reading it gives, for fields written (null included),
  /// defaulted, escaped (`__dash__`), absent, and for the namespace the request adds.
  @Test func containsAgreesWithReadingTheValue() throws {
    let text = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, labels: {team: a, empty: null, my-label: x}}
      spec:
        paused: null
        template:
          spec:
            containers: [{name: main, image: nginx}]
      """
    let root = try #require(YAMLReader().read(Array(text.utf8)).documents.first?.root)
    let object = APIDefaults.object(
      root, apiVersion: "apps/v1", kind: "Deployment", placement: .namespace("default"))
    guard case .map(let map) = object else {
      Issue.record("not a map: \(object.debugText)")
      return
    }
    var maps: [any MapValue] = [map]
    for field in ["metadata", "spec"] {
      if case .map(let inner)? = map.value(for: .string(field)) { maps.append(inner) }
    }
    if case .map(let metadata)? = map.value(for: .string("metadata")),
      case .map(let labels)? = metadata.value(for: .string("labels"))
    {
      maps.append(labels)
    }
    #expect(maps.count == 4)
    let keys: [Value] =
      [
        "apiVersion", "metadata", "namespace", "name", "labels", "team", "empty", "my__dash__label",
        "my-label", "absent", "paused", "replicas", "strategy", "template", "selector",
      ].map(Value.string) + [.int(1), .null]
    for map in maps {
      for key in keys {
        #expect(map.contains(key) == (map.value(for: key) != nil), "\(key.debugText)")
      }
    }
    #expect(maps[1].contains(.string("namespace")) && maps[2].contains(.string("replicas")))
    #expect(maps[3].contains(.string("empty")) && !maps[3].contains(.string("absent")))
  }

  /// `metadata` is an `ObjectMeta` for every kind (a custom resource's too), whose fields are
  /// all `omitempty`: `annotations:` left empty is no annotations, not a null that
  /// `has()` finds and `in` errs on (an error finding where the cluster admits).
  @Test func metadataNullsAreFieldsLeftOut() throws {
    let written = """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
        annotations:
        labels: {app: web}
      spec:
        template:
          metadata:
            annotations:
            labels: {app: web}
          spec: {containers: [{name: a, image: a}]}
      """
    let expressions = [
      "!has(object.metadata.annotations) || !('x' in object.metadata.annotations)",
      "!has(object.spec.template.metadata.annotations)",
      "size(object.metadata) == 3 && !('annotations' in object.metadata)",
      "object.metadata.all(k, k != 'annotations')",
      "object.metadata.?annotations.orValue({}) == {}",
    ]
    for expression in expressions {
      for manifest in [
        written,
        written.replacingOccurrences(of: "  name: web\n", with: "  name: web\n  namespace: shop\n"),
      ] {
        let findings = try Harness(policies: policy(expression), manifest: manifest)
          .objectFindings()
        #expect(findings.isEmpty, "\(expression): \(findings.map(\.message))")
      }
    }
    // A custom resource's metadata too; its other nulls stay.
    let custom = """
      apiVersion: example.com/v1
      kind: Widget
      metadata: {name: w, namespace: shop, annotations: null}
      spec: {size: null}
      """
    let rule =
      "- {apiGroups: [\"example.com\"], apiVersions: [\"*\"], operations: [\"CREATE\"], resources: [\"widgets\"]}"
    let text = policy(
      "!has(object.metadata.annotations) && has(object.spec.size) && object.spec.size == null",
      rules: rule)
    let findings = try Harness(policies: text, manifest: custom).objectFindings()
    #expect(findings.isEmpty, "\(findings.map(\.message))")
  }

  /// `size()` of a metadata of 50 000 keys (half of them null: not ObjectMeta's, they stay;
  /// its `annotations:` null goes), asked for each of 20 000 items, asks a few names each
  /// time: counting its nulls scanned every key for every call.
  @Test func metadataOfManyKeysIsSizedWithoutAScan() throws {
    let keys = (0..<50_000).map { "    k\($0):\($0 % 2 == 0 ? "" : " v")\n" }.joined()
    let items = String(repeating: "    - 1\n", count: 20_000)
    let manifest =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n  annotations:\n"
      + keys.replacingOccurrences(of: "    k", with: "  k") + "spec:\n  items:\n" + items
    let start = ContinuousClock.now
    let findings = try Harness(
      policies: policy("object.spec.items.all(i, size(object.metadata) == 50002)"),
      manifest: manifest
    ).objectFindings()
    #expect(findings.isEmpty, "\(findings.map(\.message))")
    #expect(ContinuousClock.now - start < .seconds(20))
  }

  /// Policies see the object as the API server hands it to admission: a field the manifest
  /// leaves out has its default, and a namespaced object the request's namespace.
  @Test func theObjectHasTheAPIServersDefaults() throws {
    let bare = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        selector: {matchLabels: {app: web}}
        template:
          spec:
            containers:
              - {name: main, image: nginx}
              - {name: side, image: "registry.example.com/side:1.0", ports: [{containerPort: 80}]}
      """
    for expression in [
      "object.spec.replicas <= 5", "object.metadata.namespace == 'default'",
      "has(object.spec.template.metadata)",
      "object.spec.template.spec.containers.map(c, c.imagePullPolicy) == ['Always', 'IfNotPresent']",
      "object.spec.template.spec.containers[1].ports[0].protocol == 'TCP'",
      "object.spec.template.spec.restartPolicy == 'Always'",
      "object.spec.template.spec.securityContext == {}",
      // The ServiceAccount plugin mutates Pods, not controllers' templates.
      "!has(object.spec.template.spec.serviceAccountName)",
      // `resources` is a struct: sent as `{}` when the manifest sets nothing.
      "object.spec.template.spec.containers.all(c, has(c.resources) && c.resources == {})",
      "object.spec.strategy.type == 'RollingUpdate' && object.spec.strategy.rollingUpdate.maxSurge == '25%' && object.spec.strategy.rollingUpdate.maxUnavailable == '25%'",
      "object.spec.revisionHistoryLimit == 10 && object.spec.progressDeadlineSeconds == 600",
    ] {
      let findings = try Harness(policies: policy(expression), manifest: bare).objectFindings()
      #expect(findings.isEmpty, "\(expression): \(findings.map(\.message))")
    }
    let role = """
      apiVersion: rbac.authorization.k8s.io/v1
      kind: ClusterRole
      metadata: {name: reader}
      """
    let roles = policy("object.rules == null").replacingOccurrences(
      of: "[\"apps\"]", with: "[\"rbac.authorization.k8s.io\"]"
    ).replacingOccurrences(of: "[\"deployments\"]", with: "[\"clusterroles\"]")
    let roleFindings = try Harness(policies: roles, manifest: role).objectFindings()
    #expect(roleFindings.isEmpty, "\(roleFindings.map(\.message))")
    // Other kinds' defaults, by group and kind: a custom resource named Service gets none.
    try expectEachHolds([
      (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: \"nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}]",
        "object.spec.serviceAccountName == 'default' && object.spec.containers[0].imagePullPolicy == 'IfNotPresent'",
        "[\"\"]|pods"
      ),
      (
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80}]",
        "object.spec.type == 'ClusterIP' && object.spec.ports[0].protocol == 'TCP' && object.spec.ports[0].targetPort == 80 && object.spec.internalTrafficPolicy == 'Cluster' && !has(object.spec.externalTrafficPolicy) && !has(object.spec.allocateLoadBalancerNodePorts)",
        "[\"\"]|services"
      ),
      (
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: LoadBalancer\n  ports: [{port: 443, targetPort: https}]",
        "object.spec.ports[0].targetPort == 'https' && object.spec.externalTrafficPolicy == 'Cluster' && object.spec.allocateLoadBalancerNodePorts",
        "[\"\"]|services"
      ),
      (
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ExternalName, externalName: db.example.com}",
        "!has(object.spec.internalTrafficPolicy) && !has(object.spec.externalTrafficPolicy)",
        "[\"\"]|services"
      ),
      (
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: s}\nspec: {}",
        "!has(object.spec.type)", "[\"serving.knative.dev\"]|services"
      ),
      (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: \"* * * * *\"\n  jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: a}]}}}}",
        "object.spec.concurrencyPolicy == 'Allow' && object.spec.jobTemplate.spec.template.spec.restartPolicy == 'Always'",
        "[\"batch\"]|cronjobs"
      ),
      (
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  template: {spec: {containers: [{name: a, image: a}]}}",
        "object.spec.podManagementPolicy == 'OrderedReady' && object.spec.updateStrategy.rollingUpdate.partition == 0 && object.spec.persistentVolumeClaimRetentionPolicy.whenScaled == 'Retain' && object.spec.replicas == 1",
        "[\"apps\"]|statefulsets"
      ),
      (
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  template: {spec: {containers: [{name: a, image: a}]}}",
        "object.spec.updateStrategy.type == 'RollingUpdate' && object.spec.updateStrategy.rollingUpdate.maxUnavailable == 1 && object.spec.revisionHistoryLimit == 10 && !has(object.spec.replicas)",
        "[\"apps\"]|daemonsets"
      ),
      (
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template: {spec: {containers: [{name: a, image: a}]}}",
        "object.spec.completions == 1 && object.spec.parallelism == 1 && object.spec.backoffLimit == 6 && !object.spec.suspend && object.spec.completionMode == 'NonIndexed'",
        "[\"batch\"]|jobs"
      ),
      (
        // `parallelism` alone leaves `completions` unset.
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  parallelism: 4\n  template: {spec: {containers: [{name: a, image: a}]}}",
        "!has(object.spec.completions) && object.spec.parallelism == 4", "[\"batch\"]|jobs"
      ),
      (
        // A strategy written is left as written; a typed field written as null is left out.
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  strategy: {type: Recreate}\n  template:\n    metadata:\n    spec: {containers: [{name: a, image: a}]}",
        "!has(object.spec.strategy.rollingUpdate) && object.spec.template.metadata == {} && !has(object.spec.template.metadata.labels)",
        "[\"apps\"]|deployments"
      ),
      (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: \"* * * * *\"\n  jobTemplate: {spec: {template: {metadata: null, spec: {containers: [{name: a, image: a}]}}}}",
        "!has(object.spec.jobTemplate.spec.template.metadata.annotations) && !has(object.spec.jobTemplate.spec.backoffLimit)",
        "[\"batch\"]|cronjobs"
      ),
      (
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\nprovisioner: x",
        "object.reclaimPolicy == 'Delete'", "[\"storage.k8s.io\"]|storageclasses"
      ),
      (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec:\n  podSelector: {}\n  policyTypes: []\n  egress: [{ports: [{port: 53}, {port: 53, protocol: UDP}]}]",
        "object.spec.policyTypes == ['Ingress', 'Egress'] && object.spec.egress[0].ports.map(p, p.protocol) == ['TCP', 'UDP']",
        "[\"networking.k8s.io\"]|networkpolicies"
      ),
      (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {}, egress: []}",
        "object.spec.policyTypes == ['Ingress'] && !has(object.spec.egress)",
        "[\"networking.k8s.io\"]|networkpolicies"
      ),
      (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {}, policyTypes: [Egress]}",
        "object.spec.policyTypes == ['Egress']", "[\"networking.k8s.io\"]|networkpolicies"
      ),
      // `SetDefaults_Volume`: a volume without a source (none written, a null, a misspelt one)
      // is an `emptyDir`; a source written as null is left out.
      (
        sourcelessVolumes(kind: "Deployment"),
        "object.spec.template.spec.volumes.map(v, has(v.emptyDir)) == [true, false, true, true, true, false, false, false, false, false, false, false, false, true, false] && object.spec.template.spec.volumes[0].emptyDir == {} && size(object.spec.template.spec.volumes[0]) == 2",
        "[\"apps\"]|deployments"
      ),
      (
        sourcelessVolumes(kind: "Deployment"),
        "object.spec.template.spec.volumes[1].map(k, k) == ['name', 'configMap'] && object.spec.template.spec.volumes[1].configMap.map(k, k) == ['name', 'defaultMode'] && object.spec.template.spec.volumes[1].configMap.defaultMode == 420 && size(object.spec.template.spec.volumes[2]) == 2 && object.spec.template.spec.volumes[4].emptyDir.sizeLimit == '1Gi'",
        "[\"apps\"]|deployments"
      ),
      (
        sourcelessVolumes(kind: "Pod"),
        "object.spec.volumes[5].secret.defaultMode == 384 && object.spec.volumes[6].projected.defaultMode == 420 && object.spec.volumes[6].projected.sources[0].serviceAccountToken.expirationSeconds == 3600 && object.spec.volumes[6].projected.sources[1] == {'configMap': {'name': 'x'}} && object.spec.volumes[7].hostPath == {'path': '/data', 'type': ''} && object.spec.volumes[8].downwardAPI.defaultMode == 420",
        "[\"\"]|pods"
      ),
      (
        sourcelessVolumes(kind: "Pod"),
        "object.spec.volumes[8].downwardAPI.items[0].fieldRef.apiVersion == 'v1' && object.spec.containers[0].env[0].valueFrom.fieldRef.apiVersion == 'v1' && object.spec.volumes[9].iscsi.iscsiInterface == 'default' && object.spec.volumes[10].rbd.pool == 'rbd' && object.spec.volumes[10].rbd.keyring == '/etc/ceph/keyring' && object.spec.volumes[11].azureDisk.kind == 'Shared' && object.spec.volumes[11].azureDisk.readOnly == false && object.spec.volumes[12].scaleIO.storageMode == 'ThinProvisioned'",
        "[\"\"]|pods"
      ),
      (
        // A key written twice is its last value: the ConfigMap is null, so the volume has no
        // source. A null pointer is left out.
        sourcelessVolumes(kind: "Pod"),
        "has(object.spec.volumes[13].emptyDir) && !has(object.spec.volumes[13].configMap) && !has(object.spec.volumes[14].configMap.defaultUser)",
        "[\"\"]|pods"
      ),
      (
        sourcelessVolumes(kind: "Pod"),
        "object.spec.volumes.filter(v, 'emptyDir' in v).map(v, v.name) == ['cache', 'scratch', 'typo', 'sized', 'twice']",
        "[\"\"]|pods"
      ),
    ])
    // Offline, an UPDATE's oldObject is the object as admission sees it, defaults and all.
    var update = Harness(
      policies: spec(
        "  validations:\n    - expression: \"object.spec.replicas == oldObject.spec.replicas && object.metadata.namespace == oldObject.metadata.namespace\""
      ).replacingOccurrences(of: #"operations: ["CREATE"]"#, with: #"operations: ["UPDATE"]"#),
      manifest: bare)
    update.request.operation = "UPDATE"
    #expect(try update.objectFindings().isEmpty)
    // What the manifest writes wins; a failure on a defaulted field points at its mapping.
    let written = try Harness(
      policies: policy("object.spec.replicas == 1"), manifest: deployment(replicas: 4)
    ).objectFindings()
    #expect(written.count == 1)
    let missing = try #require(
      try Harness(policies: policy("object.spec.replicas > 1"), manifest: bare)
        .objectFindings().first)
    #expect(missing.range.start == SourcePosition(line: 5, column: 3))
  }

  /// A Pod gets defaults a pod template does not (`SetDefaults_Pod`): requests from its
  /// limits, host ports under `hostNetwork`, `enableServiceLinks`. A probe written gets its
  /// defaults in both; one not written stays missing.
  @Test func aPodGetsDefaultsItsTemplateDoesNot() throws {
    let containers = """
          hostNetwork: true
          containers:
            - name: c
              image: nginx:1
              ports: [{containerPort: 8080}, {containerPort: 9090, hostPort: 19090}]
              resources: {limits: {cpu: "1", memory: 1Gi}, requests: {cpu: 500m}}
              livenessProbe: {httpGet: {port: 8080}, periodSeconds: 0}
            - {name: d, image: nginx:1, resources: {requests: {cpu: 1m}}}
      """
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n" + containers
    let podRules =
      #"- {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"]}"#
    for expression in [
      "object.spec.containers[0].resources.requests == {'cpu': '500m', 'memory': '1Gi'}",
      "object.spec.containers[1].resources == {'requests': {'cpu': '1m'}}",
      "object.spec.containers[0].ports.map(p, p.hostPort) == [8080, 19090]",
      "object.spec.enableServiceLinks == true",
      "object.spec.containers[0].livenessProbe.periodSeconds == 10",
      "object.spec.containers[0].livenessProbe.httpGet.path == '/'",
      "!has(object.spec.containers[0].readinessProbe)",
    ] {
      let findings = try Harness(policies: policy(expression, rules: podRules), manifest: pod)
        .objectFindings()
      #expect(findings.isEmpty, "\(expression): \(findings.map(\.message))")
    }
    let deployment =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n"
      + containers.split(separator: "\n", omittingEmptySubsequences: false)
      .map { "    " + $0 }.joined(separator: "\n")
    let template = "object.spec.template.spec"
    for expression in [
      "\(template).containers[0].resources.requests == {'cpu': '500m'}",
      "\(template).containers[0].ports.map(p, p.?hostPort.orValue(0)) == [0, 19090]",
      "!has(\(template).enableServiceLinks)",
      "\(template).containers[0].livenessProbe.timeoutSeconds == 1",
    ] {
      let findings = try Harness(policies: policy(expression), manifest: deployment)
        .objectFindings()
      #expect(findings.isEmpty, "\(expression): \(findings.map(\.message))")
    }  // The policies match: one that always fails reports each object.
    #expect(
      try Harness(policies: policy("false"), manifest: deployment).objectFindings().count == 1)
    #expect(
      try Harness(policies: policy("false", rules: podRules), manifest: pod).objectFindings().count
        == 1)
  }

  /// The API server decodes the object into its Go type and hands policies that
  /// (`ToUnstructured`): an `omitempty` field written empty (`false`, `0`, `""`, `{}`, `[]`)
  /// or null is left out, as if not written, and then defaulted; a pointer's `false` or `0`
  /// stays. A kind kubeward has no type for (a custom resource) is as written.
  @Test func emptyOmitemptyFieldsAreLeftOutAsTheAPIServerLeavesThemOut() throws {
    let pod = """
      apiVersion: v1
      kind: Pod
      metadata: {name: p, labels: {}, annotations: {team: a}, generation: 0, finalizers: []}
      spec:
        # No service account token volume: the cluster would add one.
        automountServiceAccountToken: false
        hostNetwork: false
        hostPID: true
        nodeName: ""
        volumes: []
        restartPolicy: ""
        affinity: null
        tolerations:
        securityContext: {supplementalGroups: [], runAsUser: 0}
        containers:
          - name: c
            image: nginx:1
            command: []
            workingDir: ''
            ports: [{containerPort: 80, hostPort: 0, name: ""}]
            env: [{name: A, value: ""}]
            volumeMounts: [{name: v, mountPath: /v, readOnly: false}]
            resources: {limits: {}, requests: {cpu: "1"}}
            securityContext: {privileged: false, runAsNonRoot: false}
      """
    for expression in [
      "!has(object.metadata.labels) && !has(object.metadata.generation)",
      "!has(object.metadata.finalizers) && object.metadata.annotations.team == 'a'",
      "!has(object.spec.hostNetwork) && object.spec.hostPID && !has(object.spec.nodeName)",
      "!has(object.spec.volumes) && !has(object.spec.affinity)",
      // A list written as null is none (`volumes:` left empty erred in every comprehension).
      "!has(object.spec.tolerations)",
      "!('hostNetwork' in object.spec) && object.spec.all(k, k != 'volumes')",
      // Left out, then defaulted.
      "object.spec.restartPolicy == 'Always'",
      "object.spec.securityContext == {'runAsUser': 0}",
      "object.spec.containers.all(c, c.ports.all(p, !has(p.hostPort) && !has(p.name)))",
      "!has(object.spec.containers[0].command) && !has(object.spec.containers[0].workingDir)",
      "object.spec.containers[0].env == [{'name': 'A'}]",
      "!has(object.spec.containers[0].volumeMounts[0].readOnly)",
      "object.spec.containers[0].resources == {'requests': {'cpu': '1'}}",
      // Pointers keep what is written.
      "has(object.spec.containers[0].securityContext.privileged)",
      "!object.spec.containers[0].securityContext.runAsNonRoot",
      // Sizes and keys agree, whatever is left out or added.
      "size(object.spec) == object.spec.map(k, k).size()",
      "size(object.metadata) == object.metadata.map(k, k).size()",
    ] {
      let text = policy(
        expression,
        rules:
          #"- {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"]}"#)
      let findings = try Harness(policies: text, manifest: pod).objectFindings()
      #expect(findings.isEmpty, "\(expression): \(findings.map(\.message))")
    }
    // The policy matches: one that always fails reports the pod.
    let always = policy(
      "false",
      rules:
        #"- {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"]}"#)
    #expect(try Harness(policies: always, manifest: pod).objectFindings().count == 1)
    try expectEachHolds([
      (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 0\n  paused: false\n  template: {spec: {containers: [{name: a, image: a}]}}",
        "object.spec.replicas == 0 && !has(object.spec.paused)", "[\"apps\"]|deployments"
      ),
      (
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: '', selector: {}, ports: [{port: 80, nodePort: 0}]}",
        "object.spec.type == 'ClusterIP' && !has(object.spec.selector) && !has(object.spec.ports[0].nodePort) && object.spec.internalTrafficPolicy == 'Cluster'",
        "[\"\"]|services"
      ),
      (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {}",
        "!has(object.data) && size(object) == 3", "[\"\"]|configmaps"
      ),
      (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: ''\nstringData: {a: b}",
        "object.type == 'Opaque'", "[\"\"]|secrets"
      ),
      (
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, labels: {}}\nspec: {enabled: false, items: []}",
        "has(object.spec.enabled) && has(object.spec.items) && !has(object.metadata.labels)",
        "[\"example.com\"]|widgets"
      ),
    ])
  }

  /// A variable read several times (in a validation and its message) has its value each
  /// time. A variable sees only those declared before it, as the API server compiles them,
  /// so variables cannot read one another in a circle; a name that is no variable (a typo)
  /// is a compile error at its position.
  @Test func variablesKeepTheirValueAndNeverLoop() throws {
    let once = spec(
      """
        variables:
          - name: big
            expression: "object.spec.replicas > 2"
        validations:
          - expression: "!variables.big && !variables.big"
            messageExpression: "string(variables.big)"
      """)
    let findings = try Harness(policies: once, manifest: deployment()).objectFindings()
    #expect(findings.map { $0.message.hasSuffix(": true") } == [true])
    let loop = spec(
      """
        variables:
          - name: a
            expression: "variables.b"
          - name: b
            expression: "variables.a"
        validations:
          - expression: "variables.a"
      """)
    // At the `.b` of the first variable's expression (the policy's line 10).
    // A variable that errs is named in the error, as the API server names it.
    let failing = spec(
      """
        variables:
          - name: exempt
            expression: "object.metadata.nothing == 'x'"
        validations:
          - expression: "variables.exempt"
      """)
    let failed = try Harness(policies: failing, manifest: deployment()).objectFindings()
    #expect(
      failed.first?.message.hasSuffix(
        "resulted in error: composited variable \"exempt\" fails to evaluate: no such key: nothing")
        == true, "\(failed.map(\.message))")
    let errors = try Harness(policies: loop, manifest: deployment()).findings()
      .filter { $0.file == "policy.yaml" && $0.message.contains("does not compile") }
    #expect(errors.map(\.range.start) == [SourcePosition(line: 10, column: 29)])
    #expect(errors.first?.message.contains("undefined field 'b'") == true)
    let typo = spec(
      """
        variables:
          - name: big
            expression: "object.spec.replicas > 2"
        validations:
          - expression: "!variables.bgi && !has(variables.big)"
      """)
    let typos = try Harness(policies: typo, manifest: deployment()).findings()
      .filter { $0.file == "policy.yaml" && $0.message.contains("does not compile") }
    #expect(typos.map(\.message).allSatisfy { $0.contains("undefined field 'bgi'") })
    #expect(typos.count == 1)
  }

  /// A variable that reads only the request has one value in every policy on an object, and
  /// is evaluated once for them all; each policy is still charged its cost, and an error is
  /// still each policy's own, under its own name. One that reads params is each policy's.
  @Test func variablesThatReadOnlyTheRequestAreSharedAcrossPolicies() throws {
    func sharing(_ name: String, variable: String, expression: String) -> String {
      spec(
        """
          variables:
            - name: \(variable)
              expression: "object.spec.template.spec.containers.map(c, c.image)"
            - name: broken
              expression: "object.spec.template.spec.nothing.map(c, c)"
          validations:
            - expression: \(quoted(expression))
        """, name: name)
    }
    let first = sharing(
      "first", variable: "images", expression: "variables.images.all(i, i.endsWith(':1.0'))")
    let second = sharing(
      "second", variable: "pulled", expression: "!variables.pulled.exists(i, i.endsWith(':1.0'))")
    let third = sharing("third", variable: "other", expression: "size(variables.broken) == 0")
    let manifest = deployment(image: "registry.example.com/web:1.0")
    var harness = Harness(
      policies: [first, second, third].joined(separator: "\n---\n"), manifest: manifest)
    harness.costs = CostLedger()
    let findings = try harness.objectFindings()
    #expect(findings.map(\.policy).sorted() == ["second", "third"], "\(findings.map(\.message))")
    #expect(
      findings.first { $0.policy == "third" }?.message.contains(
        "composited variable \"broken\" fails to evaluate: no such key: nothing") == true)
    // Root-qualified names are the same names: `.variables` and `.params` are a policy's own,
    // and a variable reading them is not shared (each policy here saw the first's value).
    func own(_ name: String, _ value: String, reading: String) -> String {
      spec(
        """
          variables:
            - name: b
              expression: "'\(value)'"
            - name: a
              expression: "\(reading)"
          validations:
            - expression: "variables.a == '\(value)'"
              messageExpression: "'\(name) saw ' + variables.a"
        """, name: name)
    }
    for reading in [".variables.b", "[1].map(variables, .variables.b)[0]"] {
      let pair = [own("va", "A", reading: reading), own("vb", "B", reading: reading)]
      let own = try Harness(policies: pair.joined(separator: "\n---\n"), manifest: manifest)
        .objectFindings()
      #expect(own.isEmpty, "\(reading): \(own.map(\.message))")
    }
    // Each policy pays for the shared variable as it did alone.
    for (name, text) in [("first", first), ("second", second)] {
      var alone = Harness(policies: text, manifest: manifest)
      alone.costs = CostLedger()
      _ = try alone.objectFindings()
      #expect(harness.costs?.costs[name] == alone.costs?.costs[name], "\(name)")
      #expect((alone.costs?.costs[name] ?? 0) > 0)
    }
  }

  /// A table of shared values handed on (`ScopeMemory`) may go to a set of policies that
  /// shares more expressions than the set it served: it grows to that set's slots.
  @Test func aRecycledSharedValueTableGrowsToTheNextSetsSlots() {
    var values = SharedValues()
    values.keep(SharedValue(value: .int(1), cost: 1, lastRead: nil), at: 0, slots: 1)
    #expect(values[0]?.cost == 1)
    values.forget()
    #expect(values[0] == nil)
    values.keep(SharedValue(value: .int(2), cost: 2, lastRead: nil), at: 2, slots: 3)
    #expect(values[2]?.cost == 2)
    #expect(values[0] == nil && values[1] == nil)
  }

  /// The memory an object's evaluations work in is handed on to the next object (and the
  /// next file) emptied: each object's verdicts are its own, never the paths, shared values
  /// or variables the object before it left.
  @Test func eachObjectIsCheckedAfreshThoughItsMemoryIsReused() throws {
    func checking(_ name: String, _ validation: String) -> String {
      readingContainers(
        name,
        [validation, "object.spec.replicas <= 5", "variables.containers.all(c, c.name == 'main')"])
    }
    let pinned = "object.spec.template.spec.containers.all(c, c.image.endsWith(':2.0'))"
    let policies = [checking("first", pinned), checking("second", pinned)]
      .joined(separator: "\n---\n")
    // Objects alternate between passing and failing, one and two to a file.
    func object(_ index: Int) -> String {
      deployment(
        name: "web\(index)", replicas: index % 3 == 0 ? 9 : 2,
        image: "registry.example.com/web:\(index % 2 == 0 ? "2.0" : "1.0")")
    }
    var manifests: [(name: String, text: String)] = []
    for file in 0..<4 {
      manifests.append(
        (name: "d\(file).yaml", text: object(2 * file) + "\n---\n" + object(2 * file + 1)))
    }
    var harness = Harness(policies: policies, manifests: manifests)
    harness.jobs = 1
    let findings = try harness.objectFindings()
    var expected: [String] = []
    for index in 0..<8 {
      for policy in ["first", "second"] {
        if index % 2 == 1 { expected.append("\(policy) web\(index) image") }
        if index % 3 == 0 { expected.append("\(policy) web\(index) replicas") }
      }
    }
    let found = findings.map { finding in
      let what = finding.message.contains("replicas") ? "replicas" : "image"
      return "\(finding.policy) \(finding.object?.name ?? "?") \(what)"
    }
    #expect(found.sorted() == expected.sorted())
  }

  /// Expressions written in more than one policy get one slot for them all when their value
  /// cannot differ between the policies: they read only the request. Expressions that read
  /// variables (whose values can depend on what was read before) or params, and expressions
  /// written once, get none.
  @Test func expressionsWithOneValueOnAnObjectAreSharedBetweenPolicies() throws {
    func policy(_ name: String, variable: String, validations: [String]) -> String {
      spec(
        """
          variables:
            - name: v
              expression: \(quoted(variable))
          validations:
        \(validations.map { "    - expression: \(quoted($0))" }.joined(separator: "\n"))
        """, name: name)
    }
    let requestOnly = "object.spec.replicas <= 5"
    let readsVariable = "variables.v.all(c, c.image.endsWith(':2.0'))"
    let containers = "object.spec.template.spec.containers"
    let text = [
      policy("first", variable: containers, validations: [requestOnly, readsVariable, "true"]),
      policy("second", variable: containers, validations: [requestOnly, readsVariable]),
      policy("third", variable: "params.spec.containers", validations: ["params.x == 1"]),
      policy("fourth", variable: "[]", validations: ["params.x == 1"]),
    ].joined(separator: "\n---\n")
    var set = AdmissionPolicySet()
    set.read(file: "policy.yaml", bytes: Array(text.utf8))
    let shared = SharedExpressions(policies: set.policies)
    func slots(_ name: String) -> [Int?] {
      let policy = set.policies.first { $0.name == name }!
      return policy.validations.map { shared.slot(of: $0.expression) }
    }
    let first = slots("first")
    #expect(first[0] != nil && first[0] == slots("second")[0])
    #expect(first[1] == nil && slots("second")[1] == nil, "reads a variable")
    #expect(first[2] == nil, "written once")
    #expect(slots("third") == [nil] && slots("fourth") == [nil], "params")
    let variable = set.policies.first { $0.name == "first" }!.variables[0].expression
    let otherVariable = set.policies.first { $0.name == "second" }!.variables[0].expression
    #expect(shared.slot(of: variable) != nil)
    #expect(shared.slot(of: variable) == shared.slot(of: otherVariable))
  }

  /// Resource rules matching the CREATE of a Pod.
  static let podRules =
    #"[{apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"]}]"#

  /// A ValidatingAdmissionPolicy of Pods named `name`, as an item of a `List`, with `spec`
  /// lines (each after the first indented by four) after its matchConstraints.
  static func podPolicyItem(_ name: String, _ spec: String) -> String {
    """
    - apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicy
      metadata: {name: \(name)}
      spec:
        matchConstraints: {resourceRules: \(podRules)}
        \(spec)

    """
  }

  /// One request-only expression in two policies through a YAML alias (or a condition
  /// kubeward writes once for rules sharing a list of namespaces) is shared between them;
  /// aliased twice in one policy, it is one expression of it.
  @Test func anAliasAcrossPoliciesIsShared() throws {
    let text =
      "apiVersion: v1\nkind: List\nitems:\n"
      + Self.podPolicyItem(
        "pa", #"validations: [{expression: &e "object.metadata.name != 'x'"}, {expression: *e}]"#)
      + Self.podPolicyItem("pb", "validations: [{expression: *e}]")
    var set = AdmissionPolicySet()
    set.read(file: "policy.yaml", bytes: Array(text.utf8))
    #expect(set.policies.count == 2)
    #expect(
      SharedExpressions(policies: set.policies).slot(of: set.policies[1].validations[0].expression)
        != nil)
    #expect(
      SharedExpressions(policies: [set.policies[0]]).slot(
        of: set.policies[0].validations[0].expression) == nil)
  }

  /// One expression node in several places through a YAML alias: in a policy whose variable
  /// of the same name reads params, and in a Kyverno PolicyException's conditions (which have
  /// no variables). Each place gives what it gives alone; the exception's crashed the run.
  @Test func aliasedExpressionsGiveEachPlaceItsOwnValue() throws {
    let rules = Self.podRules
    let policies =
      Self.podPolicyItem(
        "pa",
        """
        variables: [{name: x, expression: "object.metadata.name"}]
            validations: [{expression: &e "variables.x == 'good'", message: pa-msg}]
        """)
      + Self.podPolicyItem(
        "pb",
        """
        variables: [{name: x, expression: "params == null ? 'good' : 'bad'"}]
            validations: [{expression: *e, message: pb-msg}]
        """)
    let aliased =
      "apiVersion: v1\nkind: List\nitems:\n" + policies + """
        - apiVersion: policies.kyverno.io/v1alpha1
          kind: ValidatingPolicy
          metadata: {name: ka}
          spec:
            validationActions: [Deny]
            matchConstraints: {resourceRules: \(rules)}
            variables: [{name: x, expression: "object.metadata.name"}]
            matchConditions: [{name: m, expression: &c "variables.x == 'bad'"}]
            validations: [{expression: "false", message: ka-msg}]
        - apiVersion: policies.kyverno.io/v1alpha1
          kind: PolicyException
          metadata: {name: ex}
          spec:
            policyRefs: [{name: kb, kind: ValidatingPolicy}]
            matchConditions: [{name: c, expression: *c}]
        - apiVersion: policies.kyverno.io/v1alpha1
          kind: ValidatingPolicy
          metadata: {name: kb}
          spec:
            validationActions: [Deny]
            matchConstraints: {resourceRules: \(rules)}
            validations: [{expression: "false", message: kb-msg}]
        """
    let copies = """
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicy
      metadata: {name: pc}
      spec:
        matchConstraints: {resourceRules: \(rules)}
        variables: [{name: x, expression: "object.metadata.name"}]
        validations: [{expression: "variables.x == 'good'", message: pc-msg}]
      ---
      apiVersion: policies.kyverno.io/v1alpha1
      kind: ValidatingPolicy
      metadata: {name: kc}
      spec:
        validationActions: [Deny]
        matchConstraints: {resourceRules: \(rules)}
        variables: [{name: x, expression: "object.metadata.name"}]
        matchConditions: [{name: m, expression: "variables.x == 'bad'"}]
        validations: [{expression: "false", message: kc-msg}]
      """
    let pod =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: shop}\nspec:\n  containers: [{name: c, image: nginx:1.0}]\n"
    func verdicts(_ policies: String) throws -> [String] {
      try Harness(policies: policies, manifest: pod).objectFindings()
        .map { "\($0.policy): \($0.message)" }.sorted()
    }
    let together = try verdicts(aliased + "\n---\n" + copies)
    let alone = try verdicts(aliased) + verdicts(copies)
    #expect(together == alone.sorted())
    #expect(together.contains { $0.hasPrefix("pa:") } && together.contains { $0.hasPrefix("pc:") })
    #expect(!together.contains { $0.hasPrefix("pb:") }, "its x is 'good'")
  }

  /// Policies sharing expressions give each the findings, messages, positions and costs it
  /// gives alone; one whose variable of the same name is defined otherwise keeps its own.
  @Test func sharedExpressionsGiveEachPolicyWhatItGetsAlone() throws {
    func policy(_ name: String, variable: String) -> String {
      spec(
        """
          variables:
            - name: containers
              expression: \(quoted(variable))
          validations:
            - expression: "object.spec.replicas <= 2"
              messageExpression: "'at most 2 replicas, not ' + string(object.spec.replicas)"
            - expression: "variables.containers.all(c, c.image.endsWith(':2.0'))"
              messageExpression: "'images: ' + variables.containers.map(c, c.image).join(', ')"
        """, name: name)
    }
    let containers = "object.spec.template.spec.containers"
    let policies = [
      policy("first", variable: containers),
      policy("second", variable: containers),
      policy("third", variable: "[{'image': 'other:2.0'}]"),
      policy("fourth", variable: containers),
    ]
    let manifest = deployment()
    var harness = Harness(policies: policies.joined(separator: "\n---\n"), manifest: manifest)
    harness.costs = CostLedger()
    let together = try harness.objectFindings()
    #expect(together.count == 7, "\(together.map(\.message))")
    #expect(together.filter { $0.policy == "third" }.count == 1)
    for text in policies {
      var alone = Harness(policies: text, manifest: manifest)
      alone.costs = CostLedger()
      let findings = try alone.objectFindings()
      let name = try #require(findings.first?.policy)
      let shared = together.filter { $0.policy == name }
      #expect(shared.map(\.message) == findings.map(\.message), "\(name)")
      #expect(shared.map(\.line) == findings.map(\.line), "\(name)")
      #expect(shared.map(\.column) == findings.map(\.column), "\(name)")
      #expect(harness.costs?.costs[name] == alone.costs?.costs[name], "\(name)")
    }
    // The image (line 17) is the last field the failed validation read.
    #expect(
      together.first { $0.message.contains("images: registry.example.com/web:1.0") }?.line == 17)
  }

  /// A failed validation points at the last field of the object it read, also through a
  /// shared variable that an earlier failure on the object traced: the variable is replayed to
  /// the tracer, not read again, and the finding points where it did alone.
  @Test func sharedVariablesPointAtWhatTheyReadWhenTraced() throws {
    func policy(_ name: String, _ validation: String) -> String {
      readingContainers(name, [validation])
    }
    // The first and the third read the variable only: its last field is `containers`, whose
    // sequence starts on line 16; the second reads `image` after it (line 17).
    let policies = [
      policy("first", "size(variables.containers) > 3"),
      policy("second", "variables.containers.all(c, c.image.startsWith('docker.io/'))"),
      policy("third", "size(variables.containers) > 4"),
    ]
    let manifest = deployment()
    let together = try Harness(policies: policies.joined(separator: "\n---\n"), manifest: manifest)
      .objectFindings()
    #expect(together.count == 3)
    for text in policies {
      let alone = try Harness(policies: text, manifest: manifest).objectFindings()
      let name = try #require(alone.first?.policy)
      let shared = together.first { $0.policy == name }
      #expect(shared?.line == alone.first?.line, "\(name)")
      #expect(shared?.column == alone.first?.column, "\(name)")
    }
    #expect(together.first { $0.policy == "third" }?.line == 16)
    #expect(together.first { $0.policy == "second" }?.line == 17)
  }

  /// A validation that fails object after object is traced as it is evaluated (see
  /// `FailurePredictions`), not evaluated again to find where it failed: it points where the
  /// traced re-evaluation does, on the first object and the next; one read after a variable
  /// another validation read first is traced anew, in an activation of its own, and still
  /// points at what the variable read.
  @Test func validationsTracedAsEvaluatedPointWhereReevaluationDoes() throws {
    let policies = [
      readingContainers(
        "images",
        [
          "variables.containers.all(c, c.image.startsWith('docker.io/'))",
          "size(variables.containers) > 3",
        ]),
      policy("object.spec.replicas <= 2", name: "replicas"),
      // An error (the container declares no ports) is reported where it was read, too.
      policy("object.spec.template.spec.containers[0].ports[0].containerPort > 0", name: "errs"),
    ].joined(separator: "\n---\n")
    var harness = Harness.serial(policies: policies, deployments: 4)
    // The second object passes the first validation: a guess of failure traced for nothing.
    harness.manifests[1].text = deployment(name: "web1", image: "docker.io/web:1.0")
    let findings = try harness.objectFindings()
    for index in 0..<4 {
      let file = "d\(index).yaml"
      let lines = findings.filter { $0.file == file && $0.policy != "errs" }
        .map { "\($0.policy):\($0.line)" }.sorted()
      // The image (line 17), the containers the variable read (line 16), the replicas (8).
      let expected =
        index == 1 ? ["images:16", "replicas:8"] : ["images:16", "images:17", "replicas:8"]
      #expect(lines == expected, "\(file)")
      // The container (line 16), whose `ports` the expression could not read.
      let errors = findings.filter { $0.file == file && $0.policy == "errs" }
      #expect(errors.map(\.line) == [16], "\(file): \(errors.map(\.message))")
    }
  }

  /// The work a run is charged for an object is the same whether its failed validations were
  /// traced as they were evaluated or again after (which depends on how the validations fared
  /// on the objects before, see `FailurePredictions`): a run's verdicts, and a webhook's,
  /// never depend on what was checked before. (A full test run once left out one policy more
  /// than the budget allowed, after other tests had taught the guesses otherwise.)
  @Test func theWorkChargedDoesNotDependOnTheObjectsBefore() throws {
    // Two policies share a validation (evaluated once for both) that fails on every object,
    // and a third's holds.
    let policies = [
      policy("object.spec.replicas <= 2", name: "first"),
      policy("object.spec.replicas <= 2", name: "second"),
      policy("object.metadata.name.startsWith('web')", name: "third"),
    ].joined(separator: "\n---\n")
    func charged(objects: Int) throws -> Int {
      var harness = Harness.serial(policies: policies, deployments: objects)
      harness.workBudget = WorkBudget(limit: 1_000_000_000)
      let findings = try harness.objectFindings()
      #expect(findings.count == 2 * objects)
      return try #require(harness.workBudget).spentWork
    }
    let one = try charged(objects: 1)
    #expect(one > 0)
    #expect(try charged(objects: 4) == 4 * one)
  }

  /// Variables whose expressions nest deeply, each reading the one before: 30 variables 240
  /// levels deep overflowed the stack (such a policy is now refused when read). Evaluation
  /// nests at most 1 500 levels at once: a chain of 7 such variables would pass it, and is read
  /// in order instead (it was an error on every object).
  @Test func deeplyNestedVariablesAreAnErrorNotACrash() throws {
    func nested(_ inner: String) -> String {
      String(repeating: "[1].all(x, ", count: 240) + inner + String(repeating: ")", count: 240)
    }
    var variables = "  variables:\n    - name: v0\n      expression: \"true\"\n"
    for index in 1..<8 {
      variables +=
        "    - name: v\(index)\n      expression: \"\(nested("variables.v\(index - 1)"))\"\n"
    }
    let text = spec(variables + "  validations:\n    - expression: \"variables.v7\"")
    let findings = try Harness(policies: text, manifest: deployment()).objectFindings()
    #expect(findings.isEmpty, "\(findings.map(\.message))")
    let failing = text.replacingOccurrences(
      of: "expression: \"true\"", with: "expression: \"false\"")
    let denied = try Harness(policies: failing, manifest: deployment()).objectFindings()
    #expect(denied.count == 1, "\(denied.map(\.message))")
    #expect(denied.first?.message.contains("too deeply") == false)
  }

  /// Variables each nesting what the one before built: their expressions' heights in all are
  /// bounded (values of tens of thousands of levels were deeper than the stack that compares,
  /// flattens or frees them); below the bound, deep values evaluate.
  @Test func variablesBuildValuesOnlySoDeep() throws {
    func policy(variables count: Int) -> String {
      var variables = "  variables:\n    - name: v0\n      expression: \"1\"\n"
      for index in 1...count {
        let nested =
          String(repeating: "[", count: 240) + "variables.v\(index - 1)"
          + String(repeating: "]", count: 240)
        variables += "    - name: v\(index)\n      expression: \"\(nested)\"\n"
      }
      let reads = (0...count).map { "size([variables.v\($0)]) == 1" }.joined(separator: " && ")
      return spec(
        variables
          + "  validations:\n    - expression: \"\(reads) && [variables.v\(count)] == [variables.v\(count)] && variables.v\(count).flatten(100000) == [1]\""
      )
    }
    let deep = try Harness(policies: policy(variables: 7), manifest: deployment()).findings()
    #expect(deep.allSatisfy { $0.severity == .info }, "\(deep.map(\.message))")
    let refused = try Harness(policies: policy(variables: 60), manifest: deployment()).findings()
    #expect(refused.allSatisfy { $0.file == "policy.yaml" })
    #expect(refused.contains { $0.message.contains("its variables nest") })
  }

  /// Thousands of variables: each expression sees those before it as a count (a set of its own
  /// each made 16 000 variables take 4 GB).
  @Test func manyVariablesLoadInLinearSpace() throws {
    var variables = "  variables:\n"
    for index in 0..<16_000 {
      variables += "    - name: v\(index)\n      expression: \"\(index)\"\n"
    }
    let text = spec(variables + "  validations:\n    - expression: \"variables.v15999 > 0\"")
    let start = ContinuousClock.now
    #expect(try Harness(policies: text, manifest: deployment()).objectFindings().isEmpty)
    #expect(ContinuousClock.now - start < .seconds(10))
  }

  /// A policy's PolicyExceptions share its budget on an object: 20 exceptions of 10 costly
  /// conditions each ran 20 times the policy's limit.
  @Test func exceptionsShareThePolicysBudget() throws {
    let costly = "lists.range(200000).all(i, i >= 0)"
    let conditions = (0..<10).map { "      - {name: c\($0), expression: \"\(costly)\"}" }
      .joined(separator: "\n")
    let exceptions = (0..<20).map { index in
      """
      apiVersion: policies.kyverno.io/v1
      kind: PolicyException
      metadata: {name: e\(index)}
      spec:
        policyRefs: [{name: demo, kind: ValidatingPolicy}]
        matchConditions:
      \(conditions)
            - {name: never, expression: "false"}
      """
    }.joined(separator: "\n---\n")
    let policy = kyvernoDemo(validation: "object.spec.replicas < 2")
    let start = ContinuousClock.now
    let findings = try Harness(policies: policy + "\n---\n" + exceptions, manifest: deployment())
      .objectFindings()
    #expect(findings.count == 1)
    #expect(ContinuousClock.now - start < .seconds(10), "\(ContinuousClock.now - start)")
  }

  /// Each exception evaluated on an object costs `WorkBudget.perEvaluation`; once the run's
  /// work is spent, whether one applies is unknown, and the object says it was not checked
  /// (thousands of exceptions over thousands of objects took 6.6 s for 2.7 MB).
  @Test func exceptionsStopWithTheRunsWork() throws {
    func exception(_ index: Int, _ condition: String) -> String {
      """
      apiVersion: policies.kyverno.io/v1
      kind: PolicyException
      metadata: {name: e\(index)}
      spec:
        policyRefs: [{name: demo, kind: ValidatingPolicy}]
        matchConditions: [{name: c, expression: "\(condition)"}]
      """
    }
    // Two hundred that exempt nothing, then one that exempts every object.
    let exceptions = (0..<200).map { exception($0, "false") } + [exception(200, "true")]
    let policy = kyvernoDemo(validation: "false")
    var harness = Harness.serial(
      policies: ([policy] + exceptions).joined(separator: "\n---\n"), deployments: 3)
    #expect(try harness.objectFindings().isEmpty)
    // Two objects' exceptions spend it; the third is not known to be exempt.
    harness.workBudget = WorkBudget(limit: 300 * WorkBudget.perEvaluation)
    let findings = try harness.objectFindings()
    #expect(findings.map(\.file) == ["d2.yaml"])
    #expect(findings.first?.message.contains("was not checked") == true)
  }

  /// A NamespacedValidatingPolicy applies to the requests of its own namespace (`default`
  /// when it names none), as Kyverno's handler selects it (`NamespacedPolicy` in
  /// `vpol/engine/predicate.go`): read as written, it checked every namespace's objects.
  @Test func aNamespacedValidatingPolicyChecksItsOwnNamespace() throws {
    func policy(namespace: String?) -> String {
      kyvernoDemo(validation: "object.spec.replicas < 2")
        .replacingOccurrences(
          of: "kind: ValidatingPolicy", with: "kind: NamespacedValidatingPolicy"
        )
        .replacingOccurrences(
          of: "metadata: {name: demo}",
          with: namespace.map { "metadata: {name: demo, namespace: \($0)}" }
            ?? "metadata: {name: demo}")
    }
    for (namespace, objectNamespace, denied) in [
      ("shop", "shop", true), ("shop", "other", false), (nil, "default", true),
      (nil, "shop", false),
    ] {
      let findings = try Harness(
        policies: policy(namespace: namespace), manifest: deployment(namespace: objectNamespace)
      ).objectFindings()
      #expect(
        findings.count == (denied ? 1 : 0),
        "\(String(describing: namespace)) \(objectNamespace): \(findings)")
      #expect(findings.allSatisfy { $0.severity == .error })
    }
  }

  /// A Kyverno ValidatingPolicy's validation that errs is a rule error, which Kyverno denies
  /// under Deny whatever the failurePolicy: it applies failurePolicy to matchConditions only
  /// (`vpol/compiler/policy.go`). A ValidatingAdmissionPolicy under Ignore admits it.
  @Test func aKyvernoValidationThatErrsIsDeniedUnderIgnoreToo() throws {
    let erring = "object.metadata.annotations['missing'] == 'x'"
    let kyverno = kyvernoDemo(validation: erring)
      .replacingOccurrences(
        of: "  validationActions: [Deny]",
        with: "  validationActions: [Deny]\n  failurePolicy: Ignore")
    let findings = try Harness(policies: kyverno, manifest: deployment()).objectFindings()
    #expect(findings.count == 1, "\(findings)")
    #expect(findings.first?.severity == .error)
    #expect(findings.first?.message.contains("resulted in error") == true, "\(findings)")
    let admission = spec(
      """
        failurePolicy: Ignore
        validations:
          - expression: \(quoted(erring))
      """, name: "demo")
    #expect(try Harness(policies: admission, manifest: deployment()).objectFindings().isEmpty)
  }

  /// A policy file written as JSON on one line: each expression's start, then each of its
  /// bytes' positions, were counted from the line's start (20 000 validations took 18 s, then
  /// 32 000 took 17 s in a release build; 1.3 s in a debug build now).
  @Test func aOneLineJSONPolicyFileLoadsQuickly() throws {
    let n = 20_000
    func policy(validations count: Int) -> String {
      let validations =
        (0..<count).map { _ in #"{"expression": "object.spec.replicas < 100"}"# }
        + [#"{"expression": "object.spec.replicas.startWith('x')"}"#]
      return
        #"{"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy", "metadata": {"name": "demo"}, "spec": {"matchConstraints": {"resourceRules": [{"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["deployments"]}]}, "validations": ["#
        + validations.joined(separator: ", ") + "]}}"
    }
    let text = policy(validations: n)
    var findings: [Finding] = []
    let growth = try Growth(size: n) { count in
      let found = try Harness(policies: policy(validations: count), manifest: deployment())
        .findings()
      if count == n { findings = found }
    }
    // The one that does not compile is reported where its call is written (at its `(`).
    let problem = try #require(
      findings.first { $0.file == "policy.yaml" && $0.message.contains("startWith") })
    let column = text.utf8.count - #"('x')"}]}}"#.utf8.count + 1
    #expect(problem.line == 1)
    #expect(problem.column == column)
    #expect(growth.isLinear, "\(growth)")
  }

  /// A message expression's result of at most 5 KiB is the message, and a message keeps its
  /// first 4 KiB; a longer result is not used (the API server falls back to `message`, here
  /// none: the failed expression), however large.
  @Test func aHugeMessageIsCut() throws {
    let text = spec(
      """
        variables:
          - name: a
            expression: "'abcdefghé'"
          - name: b
            expression: "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(i, variables.a).join()"
          - name: c
            expression: "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(i, variables.b).join()"
        validations:
          - expression: "object.spec.replicas <= 2"
            messageExpression: "[1, 2, 3, 4, 5].map(i, variables.c).join()"
      """)
    let findings = try Harness(policies: text, manifest: deployment()).objectFindings()
    let message = try #require(findings.first?.message)
    #expect(message.hasSuffix("…"))
    #expect(message.utf8.count < 5_000)
    let huge = text.replacingOccurrences(
      of: "[1, 2, 3, 4, 5].map(i, variables.c)",
      with: "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(i, variables.c)")
    let fallback = try Harness(policies: huge, manifest: deployment()).objectFindings()
    #expect(
      fallback.first?.message.hasSuffix("failed expression: object.spec.replicas <= 2") == true)
  }

  /// A megabyte's `message`, or the longest failing expression cel-go reads (100 000 code
  /// points, 400 KB), is cut once per policy, not for every finding: 200 findings of such a
  /// policy took seconds each run of them. (A name longer than the API server takes refuses
  /// its policy: `aPolicyNameTooLongIsRefused`.)
  @Test func hugeStaticTextsAreCutOncePerPolicy() throws {
    let huge = String(repeating: "x", count: 1 << 20)
    let longest = String(repeating: "😀", count: 99_000)
    let manifest = (0..<200).map { deployment(name: "web\($0)") }.joined(separator: "\n---\n")
    for (text, expected) in [
      (policy("false", message: huge), "bytes)"),
      (policy("object.spec.missing == '\(longest)'", binding: nil), "resulted in error"),
    ] {
      let start = ContinuousClock.now
      let findings = try Harness(policies: text, manifest: manifest).objectFindings()
      let elapsed = ContinuousClock.now - start
      #expect(findings.count == 200)
      #expect(
        findings.allSatisfy { $0.message.contains(expected) && $0.message.utf8.count < 10_000 })
      #expect(elapsed < .seconds(5), "\(elapsed)")
    }
  }
}

/// A workload (or a Pod) whose volumes are: none written, a ConfigMap with `emptyDir: null`,
/// a null `emptyDir`, a misspelt source, a sized `emptyDir`, then a Secret, a projected, a
/// `hostPath`, a downward API, an iSCSI, an RBD, an Azure disk and a ScaleIO volume, a volume
/// whose ConfigMap is written twice (the last null), and a ConfigMap with `defaultUser: null`.
private func sourcelessVolumes(kind: String) -> String {
  let volumes = """
    volumes:
      - name: cache
      - {name: settings, configMap: {name: x}, emptyDir: null}
      - {name: scratch, emptyDir: null}
      - {name: typo, configmap: {name: x}}
      - {name: sized, emptyDir: {sizeLimit: 1024Mi}}
      - {name: key, secret: {secretName: k, defaultMode: 0600}}
      - {name: token, projected: {sources: [{serviceAccountToken: {path: t}}, {configMap: {name: x}}]}}
      - {name: data, hostPath: {path: /data}}
      - {name: info, downwardAPI: {items: [{path: name, fieldRef: {fieldPath: metadata.name}}]}}
      - {name: disk, iscsi: {targetPortal: "10.0.0.1:3260", iqn: "iqn.2001-04.com.example:storage", lun: 0}}
      - {name: ceph, rbd: {monitors: ["10.0.0.2:6789"], image: foo}}
      - {name: azure, azureDisk: {diskName: d, diskURI: "https://a.blob.core.windows.net/c/d.vhd"}}
      - {name: scale, scaleIO: {gateway: g, system: s, volumeName: v, secretRef: {name: x}}}
      - {name: twice, configMap: {name: x}, configMap: null}
      - {name: owner, configMap: {name: x, defaultUser: null}}
    containers:
      - name: a
        image: a
        env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
    """
  if kind == "Pod" {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
      + volumes.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
  }
  return "apiVersion: apps/v1\nkind: \(kind)\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n"
    + volumes.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n")
}
