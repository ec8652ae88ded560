import Foundation
import KubewardEngine
import KubewardYAML
import Testing

@testable import KubewardAdmission

/// Where findings point: at the field a failed validation read, and at the very character of
/// an expression that does not compile, through YAML's quoting, escapes and block scalars.
@Suite("Admission positions")
struct PositionTests {
  /// Failing validations of `deployment()`, and the line and column of the field each read
  /// last.
  static let fieldsRead: [(expression: String, line: Int, column: Int)] = [
    ("object.spec.replicas <= 2", 8, 13),  // replicas: 3
    ("object.spec.template.spec.containers.all(c, c.image.startsWith('docker.io/'))", 17, 18),
    ("has(object.spec.paused)", 8, 3),  // absent: the mapping that would hold it
    ("1 > 2", 4, 9),  // reads nothing: the object's name
    // Paths the document walks in place when traced, each to its last field: through a
    // flow mapping, as an optional chain, into a scalar, to an absent (or defaulted)
    // field, through the metadata of an object whose namespace the request gives.
    ("object.spec.selector.matchLabels.app == 'x'", 10, 24),
    ("object.spec.?selector.?matchLabels.?app.orValue('') == 'x'", 10, 24),
    ("object.spec.replicas.x == 1", 8, 13),
    ("object.spec.template.spec.dnsPolicy == 'None'", 15, 7),
    ("object.spec.template.spec.missing.deeper == 1", 15, 7),
    ("object.spec.?template.?spec.?missing.?deeper.orValue(0) == 1", 15, 7),
    ("object.metadata.labels.app == 'x'", 6, 17),
    ("object.spec.template.metadata.labels.app == 'x'", 13, 21),
    ("size(object.spec.template.spec.containers) > 3", 16, 9),
  ]

  @Test func aFailedValidationPointsAtTheFieldItRead() throws {
    for (expression, line, column) in Self.fieldsRead {
      try expectFirstFinding(of: expression, on: deployment(), at: line, column)
    }
  }

  /// The same, where another policy read the paths first: a traced evaluation reads them
  /// from the object's selection cache, and is told of the one read each path was.
  @Test func aFailedValidationPointsAtTheFieldItReadThoughAnotherPolicyReadItFirst() throws {
    for (expression, line, column) in Self.fieldsRead {
      // `(e) || true` reads what `e` reads, and holds.
      let text =
        policy("(\(expression)) || true", name: "first", binding: "  validationActions: [Deny]")
        + "\n---\n" + policy(expression, binding: "  validationActions: [Deny]")
      let findings = try Harness(policies: text, manifest: deployment()).objectFindings()
      let finding = try #require(findings.first { $0.policy == "demo" }, "\(expression)")
      #expect(findings.count == 1, "\(expression): \(findings.map(\.message))")
      #expect(
        finding.range.start == SourcePosition(line: line, column: column),
        "\(expression): \(finding.range.start)")
    }
  }

  /// An `all` or `exists` decided by an element it read nothing of (a string of a list, a
  /// field `has` finds missing) points at that element, not at the list (nor at the last
  /// field read of an element before it, which passed).
  @Test func aComprehensionPointsAtTheElementThatDecided() throws {
    let manifest = """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
        namespace: shop
      spec:
        template:
          spec:
            containers:
              - name: main
                image: a
                livenessProbe: {httpGet: {port: 80}}
              - name: side
                image: b
                livenessProbe:
                  exec:
                    command:
                      - echo
                      - jcmd
      """
    for (expression, line, column) in [
      (
        "object.spec.template.spec.containers.all(c, !c.?livenessProbe.?exec.?command.orValue([]).exists(x, x.matches('jcmd')))",
        19, 19
      ),
      ("object.spec.template.spec.containers.all(c, has(c.readinessProbe))", 10, 11),
      // A list the expression made (`containers + initContainers`) knows no places: the
      // element that decided says its own.
      (
        "object.spec.template.spec.containers.filter(c, true).all(c, has(c.readinessProbe))", 10, 11
      ),
      // What the predicate read stays the last read: the probe that lacks `httpGet`.
      ("object.spec.template.spec.containers.all(c, has(c.livenessProbe.httpGet))", 16, 13),
      // Nothing decided: the list, as before.
      (
        "object.spec.template.spec.containers[1].livenessProbe.exec.command.exists(x, x == 'ls')",
        18, 17
      ),
    ] {
      try expectFirstFinding(of: expression, on: manifest, at: line, column)
    }
  }

  /// A read of a field the manifest does not write (one the API server defaults, as a
  /// container's `resources`) does not move the finding away from what the last read found,
  /// unless it is inside it: an emptyDir without sizeLimit stays at the emptyDir, though the
  /// policy looked at containers' limits after it.
  @Test func readsOfUnwrittenFieldsKeepTheFieldLastFound() throws {
    let manifest = """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
        namespace: shop
      spec:
        template:
          spec:
            volumes:
              - name: scratch
                emptyDir: {}
            containers:
              - name: main
                image: a
      """
    for (expression, line, column) in [
      (
        "[object.spec.template.spec.containers].all(cs, object.spec.template.spec.volumes.all(v, has(v.emptyDir.sizeLimit) || cs.exists(c, has(c.resources.limits))))",
        11, 21
      ),
      // Inside what was found last: the container that lacks the field.
      (
        "object.spec.template.spec.containers.all(c, c.?securityContext.?runAsNonRoot.orValue(false))",
        13, 11
      ),
    ] {
      try expectFirstFinding(of: expression, on: manifest, at: line, column)
    }
  }

  /// The first finding of a policy of `expression`, bound with Deny, on `manifest` is at
  /// `line` and `column`.
  func expectFirstFinding(of expression: String, on manifest: String, at line: Int, _ column: Int)
    throws
  {
    let text = policy(expression, binding: "  validationActions: [Deny]")
    let finding = try #require(
      try Harness(policies: text, manifest: manifest).objectFindings().first, "\(expression)")
    #expect(
      finding.range.start == SourcePosition(line: line, column: column),
      "\(expression): \(finding.range.start)")
  }

  /// The position of the compile error of a policy whose expression is written as `yaml`
  /// (the value of `expression:`).
  func compileErrorPosition(_ yaml: String) throws -> SourcePosition? {
    let text = """
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicy
      metadata: {name: demo}
      spec:
        validations:
          - expression: \(yaml)
        matchConstraints: {resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]}
      """
    var set = AdmissionPolicySet()
    set.read(file: "policy.yaml", bytes: Array(text.utf8))
    return set.policyFileFindings().first { $0.message.contains("does not compile") }?.range.start
  }

  @Test func compileErrorsAtTheirLineAndColumn() throws {
    // The unknown function `startWith` is at its `(`, where cel-go places a call.
    // Plain: line 6, column 19 + offset.
    #expect(
      try compileErrorPosition("object.metadata.name.startWith('x')") == .init(line: 6, column: 49))
    // Double-quoted with escapes before the error: `\"` is one character of the expression.
    #expect(
      try compileErrorPosition(#""'\"' + object.kind.startWith('x')""#)
        == .init(line: 6, column: 48))
    // Single-quoted: `''` is one quote.
    #expect(
      try compileErrorPosition("'\"x\" + object.kind.startWith(''x'')'")
        == .init(line: 6, column: 47))
    // A literal block: the second line of the expression.
    let literal = try compileErrorPosition(
      "|\n        object.kind == 'a' &&\n          object.kind.startWith('x')")
    #expect(literal == .init(line: 8, column: 32))
    // A folded block.
    #expect(
      try compileErrorPosition(
        ">-\n        object.kind == 'a' &&\n        object.kind.startWith('x')")
        == .init(line: 8, column: 30))
    // A syntax error at its column.
    #expect(try compileErrorPosition("\"object.kind ==\"") == .init(line: 6, column: 34))
  }

  /// The API server declares `object`, `oldObject` and `params` of type dyn and the request
  /// typed: a literal mixing dyn with a string does not compile, one of the request's fields
  /// with a string does.
  @Test func literalsMixingDynamicAndTypedValuesDoNotCompile() throws {
    // Double-quoted: the expression starts at column 20.
    #expect(
      try compileErrorPosition("\"object.kind in [object.kind, 'x']\"")
        == .init(line: 6, column: 49))
    #expect(
      try compileErrorPosition("\"params.a in [oldObject.kind, 1]\"") == .init(line: 6, column: 49))
    #expect(try compileErrorPosition("\"request.name in [request.namespace, 'x']\"") == nil)
    #expect(try compileErrorPosition("\"object.kind in [object.kind, object.apiVersion]\"") == nil)
  }

  @Test func aFileThatIsNotAPolicyIsAUsageError() throws {
    let folder = NSTemporaryDirectory() + "kubeward-admission-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try "just: text\n".write(toFile: folder + "/notes.yaml", atomically: true, encoding: .utf8)
    #expect(throws: AdmissionPolicyError.self) {
      try AdmissionPolicySet.load(paths: [folder + "/notes.yaml"])
    }
    // A folder of params only: no policy.
    try deployment().write(toFile: folder + "/params.yaml", atomically: true, encoding: .utf8)
    #expect(throws: AdmissionPolicyError.self) {
      try AdmissionPolicySet.load(paths: [folder + "/params.yaml"])
    }
    try policy("true").write(toFile: folder + "/policy.yaml", atomically: true, encoding: .utf8)
    let set = try AdmissionPolicySet.load(paths: [folder])
    #expect(set.policies.map(\.name) == ["demo"])
    // A file YAML cannot read says what it could not read, and where.
    let broken = policy("true", name: "other") + "---\nkind: ConfigMap\ndata: {a: \"x\u{1B}y\"}\n"
    try broken.write(toFile: folder + "/broken.yaml", atomically: true, encoding: .utf8)
    do {
      _ = try AdmissionPolicySet.load(paths: [folder + "/broken.yaml"])
      Issue.record("a file YAML cannot read loaded")
    } catch {
      #expect(error.description.contains("(18:13: "), "\(error.description)")
      #expect(error.description.contains("control characters"), "\(error.description)")
    }
  }

  @Test func brokenPolicyFilesAreFindingsNotCrashes() throws {
    for text in [
      "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {}\n",
      "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec: 3\n",
      "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec:\n  validations:\n    - expression: [1]\n",
      "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec:\n  failurePolicy: Sometimes\n  validations:\n    - expression: 'true'\n",
      "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: x, validationActions: [Block]}\n",
      "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec:\n  validations:\n    - expression: \""
        + String(repeating: "(", count: 5000) + "\"\n",
    ] {
      let findings = try Harness(policies: text, manifest: deployment()).findings()
      #expect(
        findings.contains { $0.file == "policy.yaml" && $0.severity >= .warning },
        "\(text.prefix(120))")
    }
  }
}

/// Kyverno ValidatingPolicies: their own actions, autogen for pod controllers, and the
/// functions that need a cluster.
@Suite("Kyverno ValidatingPolicy")
struct KyvernoTests {
  func kyverno(_ expression: String, actions: String = "[Audit]", extra: String = "") -> String {
    """
    apiVersion: policies.kyverno.io/v1
    kind: ValidatingPolicy
    metadata: {name: no-latest}
    spec:
      validationActions: \(actions)
      matchConstraints:
        resourceRules:
          - {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"]}
      validations:
        - expression: \(quoted(expression))
          message: images must not use latest
    \(extra)
    """
  }

  let pod = """
    apiVersion: v1
    kind: Pod
    metadata: {name: p, namespace: shop}
    spec:
      containers:
        - {name: main, image: "nginx:latest"}
    """

  let noLatest = "object.spec.containers.all(c, !c.image.endsWith(':latest'))"

  /// Kyverno's default action is Deny: an empty list is that default, not a policy dropped
  /// without a word; a list of only invalid actions is refused (and said).
  @Test func emptyActionsAreDeny() throws {
    let empty = try Harness(policies: kyverno(noLatest, actions: "[]"), manifest: pod).findings()
    #expect(empty.map(\.severity) == [.error])
    let scalar = try Harness(policies: kyverno(noLatest, actions: "Deny"), manifest: pod)
      .findings()
    #expect(scalar.allSatisfy { $0.file == "policy.yaml" })
    #expect(scalar.contains { $0.message.contains("is a list") })
  }

  /// Its custom resource's schema refuses a text field given as a number or a boolean and a
  /// required field left out (read as written, `expression: true` held on every object);
  /// the API server's own checks of a ValidatingAdmissionPolicy (a blank message) are not
  /// Kyverno's.
  @Test func whatItsSchemaRefusesIsReported() throws {
    let written = kyverno(noLatest)
    for (text, expected) in [
      (
        written.replacingOccurrences(
          of: "expression: \(quoted(noLatest))", with: "expression: true"),
        "validations[0].expression must be a string"
      ),
      (
        written.replacingOccurrences(
          of: "message: images", with: "reason: 404\n      message: images"),
        "validations[0].reason must be a string"
      ),
      (
        written.replacingOccurrences(
          of: "  validations:", with: "  variables: [{name: tag}]\n  validations:"),
        "variables[0].expression is required"
      ),
    ] {
      let findings = try Harness(policies: text, manifest: pod).findings()
      #expect(findings.allSatisfy { $0.file == "policy.yaml" }, "\(findings.map(\.message))")
      #expect(
        findings.contains {
          $0.message.contains(expected) && $0.message.contains("its schema rejects it")
        }, "\(findings.map(\.message))")
    }
    let blank = written.replacingOccurrences(
      of: "message: images must not use latest", with: "message: ' '")
    #expect(try Harness(policies: blank, manifest: pod).objectFindings().count == 1)
  }

  @Test func ownActionsAndNoBinding() throws {
    let findings = try Harness(policies: kyverno(noLatest), manifest: pod).findings()
    #expect(findings.map(\.severity) == [.info])
    #expect(
      findings.first?.message.contains("Kyverno ValidatingPolicy 'no-latest' (Audit)") == true)
    #expect(
      try Harness(policies: kyverno(noLatest, actions: "[Deny]"), manifest: pod).findings()
        .map(\.severity) == [.error])
  }

  @Test func autogenReachesControllersPodTemplates() throws {
    let findings = try Harness(
      policies: kyverno(noLatest),
      manifests: [
        ("d.yaml", deployment(image: "nginx:latest")), ("c.yaml", cronJob),
        ("ok.yaml", deployment(name: "api")),
      ]
    ).objectFindings()
    #expect(findings.map(\.file).sorted() == ["c.yaml", "d.yaml"])
    let off = try Harness(
      policies: kyverno(noLatest, extra: "  autogen:\n    podControllers:\n      controllers: []"),
      manifests: [("d.yaml", deployment(image: "nginx:latest"))]
    ).objectFindings()
    #expect(off.isEmpty)
    // Kyverno's CanAutoGen: only a single rule for exactly core v1 pods is extended.
    for (written, replacement) in [
      (#"apiVersions: ["v1"]"#, #"apiVersions: ["*"]"#),
      (#"resources: ["pods"]"#, #"resources: ["pods", "services"]"#),
      (#"resources: ["pods"]}"#, #"resources: ["pods"], resourceNames: [p]}"#),
    ] {
      let narrowed = kyverno(noLatest).replacingOccurrences(of: written, with: replacement)
      let findings = try Harness(
        policies: narrowed, manifests: [("d.yaml", deployment(image: "nginx:latest"))]
      ).objectFindings()
      #expect(findings.isEmpty, "\(replacement)")
    }
  }

  /// A ValidatingPolicy's autogen is Kyverno's `ConfigsMap`: no ReplicationController, the
  /// controllers named by their resources; it keeps `object.metadata.namespace` (a pod
  /// template has none; Kyverno 1.19) and reads the old object's template.
  @Test func autogenIsKyvernosForValidatingPolicies() throws {
    let controller = deployment(image: "nginx:latest")
      .replacingOccurrences(of: "apps/v1", with: "v1")
      .replacingOccurrences(of: "kind: Deployment", with: "kind: ReplicationController")
    #expect(try Harness(policies: kyverno(noLatest), manifest: controller).objectFindings().isEmpty)
    // Null is left out (the CRD drops it): every controller.
    for (named, reaches) in [("[deployments]", true), ("[Deployment]", false), ("null", true)] {
      let text = kyverno(
        noLatest, extra: "  autogen:\n    podControllers:\n      controllers: \(named)")
      let findings = try Harness(policies: text, manifest: deployment(image: "nginx:latest"))
        .objectFindings()
      #expect(findings.count == (reaches ? 1 : 0), "\(named)")
    }
    let namespace = kyverno("object.metadata.namespace == 'shop'")
    #expect(try Harness(policies: namespace, manifest: deployment()).objectFindings().isEmpty)
    let old = kyverno(
      "oldObject == null || object.spec.containers.size() == oldObject.spec.containers.size()")
    var update = Harness(policies: old, manifest: deployment())
    update.request.operation = "UPDATE"
    #expect(try update.objectFindings().isEmpty)
  }

  @Test func clusterFunctionsAreSaidOnceAndNotEvaluated() throws {
    let text = kyverno("resource.Get('v1', 'configmaps', 'shop', 'allowed').data.x == 'y'")
    let findings = try Harness(
      policies: text,
      manifests: [
        ("a.yaml", pod), ("b.yaml", pod.replacingOccurrences(of: "name: p", with: "name: q")),
      ]
    ).findings()
    #expect(findings.count == 1)
    #expect(findings.first?.file == "policy.yaml")
    #expect(findings.first?.message.contains("needs a cluster") == true)
    // A second call is not a compile error on top.
    let twice = kyverno(
      "resource.Get('v1', 'configmaps', 'shop', 'a').data.x == 'y' && resource.List('v1', 'pods', '').items.size() > 0"
    ).replacingOccurrences(
      of: "      message: images must not use latest",
      with:
        "      message: images must not use latest\n    - expression: \"resource.Get('v1', 'configmaps', 'shop', 'b').data.x == 'y'\""
    )
    let once = try Harness(policies: twice, manifest: pod).findings()
    #expect(once.map(\.severity) == [.warning], "\(once.map(\.message))")
  }

  /// A comprehension's variable named as one of Kyverno's libraries (`image`, `resource`) is
  /// the variable: the expression compiles and is evaluated (Gatekeeper's templates filter
  /// `exemptImages` with `image`), in a Kyverno policy and in a ValidatingAdmissionPolicy.
  @Test func loopVariablesNamedAsLibrariesAreEvaluated() throws {
    for name in ["image", "resource", "http", "globalContext"] {
      let expression =
        "object.spec.containers.map(c, c.image).all(\(name), !\(name).endsWith(':latest'))"
      let kyvernoFindings = try Harness(
        policies: kyverno(expression, actions: "[Deny]"), manifest: pod
      ).findings()
      #expect(
        kyvernoFindings.map(\.severity) == [.error] && kyvernoFindings[0].file == "manifest.yaml",
        "\(name): \(kyvernoFindings.map(\.message))")
      let vapFindings = try Harness(
        policies: policy(
          expression,
          rules:
            #"- {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"]}"#
        ),
        manifest: pod
      ).objectFindings()
      #expect(vapFindings.map(\.severity) == [.error], "\(name): \(vapFindings.map(\.message))")
    }
    // A ValidatingAdmissionPolicy has no cluster library: calling one does not compile.
    let plain = try Harness(
      policies: policy("resource.Get('v1', 'configmaps', 'shop', 'a').data.x == 'y'"),
      manifest: deployment()
    ).findings()
    #expect(plain.contains { $0.message.contains("does not compile") })
    #expect(!plain.contains { $0.message.contains("needs a cluster") })
  }

  /// Kyverno's own libraries kubeward does not implement: the policy is not evaluated, and
  /// says so once as a warning (not a compile error claiming every request is rejected).
  @Test func kyvernoLibrariesAreSaidOnceAndNotEvaluated() throws {
    for expression in [
      "hash.md5(object.metadata.name) != ''", "json.unmarshal('{}') != null",
      "x509.decode(object.metadata.name) != null",
      "regex.extract(object.metadata.name, 'a(.)').hasValue()",
    ] {
      let findings = try Harness(policies: kyverno(expression), manifest: pod).findings()
      #expect(findings.map(\.severity) == [.warning], "\(expression)")
      #expect(findings.first?.message.contains("which kubeward does not implement") == true)
    }
    // A library's value read in another expression (a field of the documents a variable
    // parsed) is not a compile error either: kubeward cannot know it is one.
    let viaVariable = kyverno("variables.parsed.all(d, d.kind == 'ConfigMap')")
      .replacingOccurrences(
        of: "  validations:",
        with:
          "  variables:\n    - name: parsed\n      expression: object.spec.containers.map(c, yaml.parse(c.image))\n  validations:"
      )
    let declined = try Harness(policies: viaVariable, manifest: pod).findings()
    #expect(declined.map(\.severity) == [.warning], "\(declined.map(\.message))")
    #expect(declined.first?.message.contains("yaml.parse") == true)
    // The same names in a ValidatingAdmissionPolicy are compile errors: it has no such library.
    let plain = try Harness(
      policies: policy("hash.md5(object.metadata.name) != ''"), manifest: deployment()
    ).findings()
    #expect(plain.contains { $0.message.contains("does not compile") })
  }

  /// `cel.bind` is cel-go's bindings extension, which the API server's environment leaves out:
  /// a ValidatingAdmissionPolicy that uses it does not compile there, and is reported so
  /// (it was evaluated, and passed). A Kyverno policy has it.
  @Test func celBindIsKyvernosNotTheAPIServers() throws {
    let expression =
      "cel.bind(images, object.spec.containers.map(c, c.image), images.all(i, !i.endsWith(':latest')))"
    let admission = try Harness(
      policies: policy(
        expression,
        rules: """
          - apiGroups: [""]
                  apiVersions: ["v1"]
                  operations: ["CREATE"]
                  resources: ["pods"]
          """),
      manifest: pod
    ).findings()
    let compileErrors = admission.filter {
      $0.file == "policy.yaml" && $0.message.contains("does not compile")
    }
    #expect(compileErrors.count == 1, "\(admission.map(\.message))")
    #expect(compileErrors.first?.message.contains("undeclared reference to 'cel'") == true)
    let kyverno = try Harness(policies: kyverno(expression), manifest: pod).findings()
    #expect(kyverno.map(\.severity) == [.info], "\(kyverno.map(\.message))")
    #expect(kyverno.first?.message.contains("images must not use latest") == true)
  }

  /// A PolicyException (in the policy files or among the linted files) exempts the objects
  /// its matchConditions all hold for from the policies it names, and only those.
  @Test func policyExceptionsExempt() throws {
    func exception(_ condition: String, policy: String = "no-latest", extra: String = "") -> String
    {
      """
      apiVersion: policies.kyverno.io/v1beta1
      kind: PolicyException
      metadata: {name: allow-p, namespace: shop}
      spec:
        policyRefs: [{name: \(policy), kind: ValidatingPolicy}]
        matchConditions:
          - {name: by-name, expression: \(quoted(condition))}
      \(extra)
      """
    }
    let other = pod.replacingOccurrences(of: "name: p", with: "name: q")
    let withException = kyverno(noLatest) + "\n---\n" + exception("object.metadata.name == 'p'")
    let exempt = try Harness(
      policies: withException, manifests: [("p.yaml", pod), ("q.yaml", other)]
    ).objectFindings()
    #expect(exempt.map(\.file) == ["q.yaml"])
    let inRun = try Harness(
      policies: kyverno(noLatest),
      manifests: [
        ("p.yaml", pod), ("q.yaml", other),
        ("exception.yaml", exception("object.metadata.name == 'p'")),
      ]
    ).objectFindings()
    #expect(inRun.map(\.file) == ["q.yaml"])
    // Another policy's exception, a condition that does not hold or errs, and one that only
    // widens allowed images exempt nothing.
    for text in [
      exception("true", policy: "other"), exception("object.metadata.name == 'x'"),
      exception("object.metadata.nothing == 'p'"),
      exception("true", extra: "  images: ['nginx:latest']"),
    ] {
      let findings = try Harness(
        policies: kyverno(noLatest) + "\n---\n" + text, manifests: [("p.yaml", pod)]
      ).objectFindings()
      #expect(findings.map(\.file) == ["p.yaml"], "\(text)")
    }
  }

  /// A policy's name is the id of its findings, written in each: one longer than the API
  /// server takes is refused at the name, and not written again.
  @Test func aPolicyNameTooLongIsRefused() throws {
    let long = String(repeating: "n", count: 254)
    let policy = kyverno(noLatest, actions: "[Deny]").replacingOccurrences(
      of: "{name: no-latest}", with: "{name: \(long)}")
    let findings = try Harness(policies: policy, manifest: pod).findings()
    #expect(findings.count == 1, "\(findings.map(\.message))")
    #expect(findings.allSatisfy { $0.file == "policy.yaml" && !$0.policy.contains(long) })
    #expect(findings.contains { $0.message.contains("longer than 253 characters") })
    let fits = policy.replacingOccurrences(of: long, with: String(long.dropLast()))
    let evaluated = try Harness(policies: fits, manifest: pod).findings()
    #expect(evaluated.contains { $0.file == "manifest.yaml" && $0.policy.utf8.count == 253 })
  }

  /// What the API server refuses in a ValidatingAdmissionPolicy's names and keys is reported
  /// where it is written, and the policy is not evaluated: a variable not named with a CEL
  /// identifier, a match condition not named with a unique qualified name (at most 64), an
  /// audit annotation whose key is not a qualified name's last part (a key of a megabyte was
  /// worked on for every object) or is given twice (at most 20).
  @Test func namesTheAPIServerRefusesAreReported() throws {
    let longKey = String(repeating: "k", count: 1 << 20)
    let conditions = (0...64).map { "    - {name: c\($0), expression: \"true\"}" }
    let cases: [(spec: String, expected: String)] = [
      (
        "  variables:\n    - {name: 4ever, expression: \"1\"}",
        "variables[0].name '4ever' is not a valid CEL identifier"
      ),
      ("  variables:\n    - {name: \"in\", expression: \"1\"}", "is not a valid CEL identifier"),
      (
        "  matchConditions:\n    - {name: \"a b\", expression: \"true\"}",
        "matchConditions[0].name 'a b': name part must consist of"
      ),
      (
        "  matchConditions:\n    - {name: c, expression: \"true\"}\n    - {name: c, expression: \"1 == 1\"}",
        "matchConditions[1].name 'c' is given twice"
      ),
      (
        "  matchConditions:\n" + conditions.joined(separator: "\n"),
        "matchConditions has 65 entries, more than 64"
      ),
      (
        "  auditAnnotations:\n    - {key: \(longKey), valueExpression: \"'v'\"}",
        "name part must be no more than 63 characters"
      ),
      ("  auditAnnotations:\n    - {key: a/b, valueExpression: \"'v'\"}", "a valid label key"),
      (
        "  auditAnnotations:\n    - {key: k, valueExpression: \"'v'\"}\n    - {key: k, valueExpression: \"'w'\"}",
        "auditAnnotations[1].key 'k' is given twice"
      ),
    ]
    for (spec, expected) in cases {
      let text = policy("false", name: "names", extraSpec: spec)
      let findings = try Harness(policies: text, manifest: deployment()).findings()
      #expect(findings.count == 1, "\(expected): \(findings.map(\.message))")
      #expect(findings.allSatisfy { $0.file == "policy.yaml" && $0.severity == .error })
      #expect(
        findings.first?.message.contains(expected) == true
          && findings.first?.message.contains("the API server rejects it") == true,
        "\(findings.map(\.message))")
      // A name is quoted clipped: the message does not hold a megabyte.
      #expect(findings.allSatisfy { $0.message.utf8.count < 1000 })
    }
    // Valid ones are evaluated: the validation fails, the annotation is given.
    let valid = """
        variables:
          - {name: _ever4, expression: "1"}
        matchConditions:
          - {name: example.com/c, expression: "true"}
        auditAnnotations:
          - {key: \(longKey.prefix(63)), valueExpression: "'v'"}
      """
    let evaluated = try Harness(
      policies: policy("false", name: "names", extraSpec: valid), manifest: deployment()
    ).objectFindings()
    #expect(evaluated.count == 2, "\(evaluated.map(\.message))")
  }

  /// The API server names a ValidatingAdmissionPolicy and its binding with DNS subdomains, and
  /// refuses others (`Bad_Name`): kubeward said nothing and evaluated such a policy, and blamed
  /// its audit annotation keys (`<policy>/<key>` is no qualified name) instead of its name.
  /// A refused name is no id whatever else is wrong with its policy, and no policy takes the
  /// id of the policy files' own problems: `team/rule` without a spec was filed under rule
  /// `rule` of a ClusterPolicy `team`, a policy named `admission-policy` shared its id with the
  /// files' problems, and a rule's refused name was filed under its policy's name, which then
  /// named nothing.
  @Test func refusedNamesAreNoIDs() throws {
    let noSpec = """
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicy
      metadata: {name: team/rule}
      """
    let longRule = """
      apiVersion: kyverno.io/v1
      kind: ClusterPolicy
      metadata: {name: long}
      spec:
        rules:
          - name: \(String(repeating: "r", count: 64))
            match: {any: [{resources: {kinds: [Deployment]}}]}
            validate: {cel: {expressions: [{expression: "false"}]}}
      """
    for (text, said) in [
      (noSpec, "metadata.name: "),
      (policy("false", name: "admission-policy"), "reports problems of policy files under"),
      (longRule, "a rule's name is at most 63 characters"),
    ] {
      let findings = try Harness(policies: text, manifest: deployment()).findings()
      #expect(
        findings.contains { $0.message.contains(said) }
          && findings.allSatisfy { $0.policy == "admission-policy" },
        "\(findings.map { "\($0.policy): \($0.message)" })")
    }
  }

  @Test func policyAndBindingNamesTheAPIServerRefusesAreReported() throws {
    let annotated = "  auditAnnotations:\n    - {key: k, valueExpression: \"'v'\"}"
    let named = try Harness(
      policies: policy("false", name: "Bad_Name", extraSpec: annotated), manifest: deployment()
    ).findings()
    #expect(named.count == 1, "\(named.map(\.message))")
    #expect(
      named.first?.message.contains(
        "ValidatingAdmissionPolicy 'Bad_Name': metadata.name: a lowercase RFC 1123 subdomain")
        == true && named.first?.file == "policy.yaml" && named.first?.line == 4,
      "\(named.map(\.message))")
    // Under `admission-policy`: a refused name is no id (`x/y` was taken for rule y of a
    // ClusterPolicy x, and turning x off hid it).
    #expect(named.first?.policy == "admission-policy")
    func binding(name: String, policyName: String) -> String {
      policy("false", name: "good") + """

        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: \(name)}
        spec: {policyName: \(policyName), validationActions: [Warn]}
        """
    }
    for (text, expected, at) in [
      (
        binding(name: "web.", policyName: "good"),
        "ValidatingAdmissionPolicyBinding 'web.': metadata.name: a lowercase RFC 1123 subdomain",
        "metadata: {name: web.}"
      ),
      (
        binding(name: "web", policyName: "Good"), "spec.policyName 'Good'",
        "spec: {policyName: Good"
      ),
      // The decoder refuses a number where the name is text.
      (
        binding(name: "web", policyName: "404"), "spec.policyName must be a string",
        "spec: {policyName: 404"
      ),
    ] {
      let findings = try Harness(policies: text, manifest: deployment()).findings()
      let refusals = findings.filter { $0.message.contains("the API server rejects it") }
      #expect(refusals.count == 1 && refusals.first?.message.contains(expected) == true)
      let line = text.split(separator: "\n", omittingEmptySubsequences: false)
        .firstIndex { $0.hasPrefix(at) }.map { $0 + 1 }
      #expect(line != nil && refusals.first?.line == line, "\(refusals.map(\.line))")
    }
    // Kyverno's policies are custom resources, which the API server names with DNS
    // subdomains too.
    for text in [
      """
      apiVersion: policies.kyverno.io/v1
      kind: ValidatingPolicy
      metadata: {name: Bad_Name}
      spec:
        validationActions: [Deny]
        matchConstraints:
          resourceRules:
            - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
        validations: [{expression: "false"}]
      """,
      """
      apiVersion: kyverno.io/v1
      kind: ClusterPolicy
      metadata: {name: Bad_Name}
      spec:
        rules:
          - name: check
            match: {any: [{resources: {kinds: [Deployment]}}]}
            validate: {cel: {expressions: [{expression: "false"}]}}
      """,
    ] {
      let findings = try Harness(policies: text, manifest: deployment()).findings()
      #expect(
        findings.count == 1
          && findings.first?.message.contains("'Bad_Name': metadata.name: a lowercase RFC 1123")
            == true
          && findings.first?.line == 3 && findings.first?.policy == "admission-policy",
        "\(findings.map(\.message))")
    }
    // A valid binding binds: the object is denied as the binding says (Warn).
    let bound = try Harness(
      policies: binding(name: "web.example", policyName: "good"), manifest: deployment()
    ).objectFindings()
    #expect(
      bound.count == 1 && bound.first?.message.contains("binding 'web.example': Warn") == true)
  }

  /// What else the API server refuses in a ValidatingAdmissionPolicy's lists and match
  /// resources, and in a binding's paramRef (`validateValidation`, `validateVariable`,
  /// `validateMatchCondition`, `validateAuditAnnotation`, `validateMatchResources`,
  /// `validateParamRef`): each was read as written and evaluated.
  @Test func entriesTheAPIServerRefusesAreReported() throws {
    let longExpression = "'" + String(repeating: "v", count: 5 * 1024) + "'"
    let cases: [(spec: String, expected: String)] = [
      ("  variables:\n    - {name: x}", "variables[0].expression is required"),
      (
        "  variables:\n    - {name: \" \", expression: \"1\"}",
        "variables[0].name is required (it is blank)"
      ),
      (
        "  matchConditions:\n    - {name: c, expression: \"  \"}",
        "matchConditions[0].expression is required (it is blank)"
      ),
      ("  matchConditions:\n    - {expression: \"true\"}", "matchConditions[0].name is required"),
      ("  auditAnnotations:\n    - {key: k}", "auditAnnotations[0].valueExpression is required"),
      ("  variables:\n    - {name: 7, expression: \"1\"}", "variables[0].name must be a string"),
      (
        "  matchConditions:\n    - {name: true, expression: \"true\"}",
        "matchConditions[0].name must be a string"
      ),
      (
        "  auditAnnotations:\n    - {key: k, valueExpression: 3}",
        "valueExpression must be a string"
      ),
      ("  variables: {a: b}", "variables must be a list"),
      ("  variables: [x]", "variables[0] must be a mapping"),
      ("  auditAnnotations: x", "auditAnnotations must be a list"),
      (
        "  auditAnnotations:\n    - {valueExpression: \"'v'\"}",
        "auditAnnotations[0].key is required"
      ),
      (
        "  auditAnnotations:\n    - {key: k, valueExpression: \"\(longExpression)\"}",
        "auditAnnotations[0].valueExpression must not exceed 5120 bytes"
      ),
    ]
    let validations: [(validation: String, expected: String)] = [
      ("{expression: \" \"}", "validations[0].expression is required (it is blank)"),
      (
        "{expression: \"false\", message: \"a\\nb\"}",
        "validations[0].message must not contain line breaks"
      ),
      (
        "{expression: \"false\", message: \"  \"}",
        "validations[0].message must be non-empty if specified"
      ),
      ("{expression: \"false\", messageExpression: \" \"}", "messageExpression must be non-empty"),
      ("{expression: \"false\", reason: Unauthorized}", "reason 'Unauthorized' is not supported"),
      ("{expression: \"false\", message: [l1, l2]}", "validations[0].message must be a string"),
      ("{expression: \"false\", reason: {Forbidden: 1}}", "validations[0].reason must be a string"),
      ("{expression: [\"false\"]}", "validations[0].expression must be a string"),
      // A plain number or boolean does not decode into a string field either: each was read
      // as its text (`expression: true` held on every object, `message: 404` was the message).
      ("{expression: true}", "validations[0].expression must be a string"),
      ("{expression: \"false\", message: 404}", "validations[0].message must be a string"),
      ("{expression: \"false\", messageExpression: 1.5}", "messageExpression must be a string"),
      ("{expression: \"false\", reason: yes}", "validations[0].reason must be a string"),
    ]
    func document(
      _ spec: String, validations: String = "[{expression: \"false\"}]", matchPolicy: String = ""
    ) -> String {
      """
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicy
      metadata: {name: entries}
      spec:
        matchConstraints:
          \(matchPolicy.isEmpty ? "" : "matchPolicy: \(matchPolicy)")
          resourceRules:
            - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
      \(spec)
        validations: \(validations)
      """
    }
    let texts =
      cases.map { (document($0.spec), $0.expected) }
      + validations.map { (document("", validations: "[\($0.validation)]"), $0.expected) }
      + [
        (
          document("", matchPolicy: "exact"),
          "matchConstraints.matchPolicy: 'exact' is not supported (Exact or Equivalent)"
        ),
        (document("", matchPolicy: "[Exact]"), "matchConstraints.matchPolicy must be a string"),
        // What a refusal quotes of the input is clipped: a megabyte's operation was quoted whole.
        (
          document("").replacingOccurrences(
            of: #"operations: ["CREATE"]"#,
            with: "operations: [\(String(repeating: "C", count: 1 << 20))]"),
          "operations: '" + String(repeating: "C", count: 64) + "…' is not supported"
        ),
      ]
    for (text, expected) in texts {
      let findings = try Harness(policies: text, manifest: deployment()).findings()
      #expect(findings.count == 1, "\(expected): \(findings.map(\.message))")
      #expect(
        findings.first?.message.contains(expected) == true
          && findings.first?.message.contains("the API server rejects it") == true
          && findings.first?.file == "policy.yaml",
        "\(expected): \(findings.map(\.message))")
      #expect(findings.allSatisfy { $0.message.utf8.count < 1000 }, "\(expected)")
    }
    // What the API server takes is evaluated: an empty message (not given), a message of one
    // line with spaces around it, each supported reason, an expression of 5 KiB with spaces.
    let accepted = document(
      "  auditAnnotations:\n    - {key: k, valueExpression: \"  \(longExpression.dropLast(3))'  \"}",
      validations: """
        [{expression: "false", message: ""}, {expression: "false", message: " one line ", reason: Invalid}, {expression: "1 == 2", reason: Forbidden}, {expression: "2 == 3", reason: RequestEntityTooLarge}, {expression: "false", message: "404"}]
        """)
    let evaluated = try Harness(policies: accepted, manifest: deployment()).findings()
    #expect(
      evaluated.filter { $0.message.contains("violates") }.count == 5
        && !evaluated.contains { $0.message.contains("rejects") },
      "\(evaluated.map(\.message))")
    // A failurePolicy left null is defaulted to Fail, and a messageExpression left empty or
    // null is none (the message is used): both were refused or read as not compiling.
    for messageExpression in ["~", "\"\""] {
      let text = document(
        "  failurePolicy: ~",
        validations:
          "[{expression: \"false\", message: m, messageExpression: \(messageExpression)}]")
      let findings = try Harness(policies: text, manifest: deployment()).findings()
      let shown = findings.filter { $0.severity != .info }.map(\.message)
      #expect(shown.count == 1 && shown.first?.hasSuffix("as if Deny): m") == true, "\(shown)")
    }
    // A binding's paramRef and match resources.
    let params = """
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicy
      metadata: {name: good}
      spec:
        paramKind: {apiVersion: v1, kind: ConfigMap}
        matchConstraints:
          resourceRules:
            - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
        validations: [{expression: "false"}]
      """
    func bound(_ reference: String) -> String {
      params + """

        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: binding}
        spec: {policyName: good, validationActions: [Deny], paramRef: \(reference)}
        """
    }
    for (reference, expected) in [
      ("{parameterNotFoundAction: Deny}", "paramRef: one of name or selector must be specified"),
      ("{name: a/b, parameterNotFoundAction: Deny}", "paramRef.name 'a/b': may not contain '/'"),
      ("{name: \"..\", parameterNotFoundAction: Deny}", "paramRef.name '..': may not be '..'"),
      (
        "{name: p, parameterNotFoundAction: deny}",
        "parameterNotFoundAction 'deny' is not supported"
      ),
      (
        "{name: p, selector: {matchLabels: {a: b}}, parameterNotFoundAction: Allow}",
        "paramRef: name and selector are mutually exclusive"
      ),
      (
        "{name: p, parameterNotFoundAction: Deny}, matchResources: {matchPolicy: Loose}",
        "matchResources.matchPolicy: 'Loose'"
      ),
      (
        "{name: p, parameterNotFoundAction: Deny}, matchResources: {resourceRules: [{apiGroups: [apps], apiVersions: [v1], resources: [deployments]}]}",
        "matchResources.resourceRules[0].operations is required"
      ),
    ] {
      let findings = try Harness(policies: bound(reference), manifest: deployment()).findings()
      let refusals = findings.filter { $0.message.contains("the API server rejects it") }
      #expect(
        refusals.count == 1 && refusals.first?.message.contains(expected) == true,
        "\(expected): \(findings.map(\.message))")
    }
    // What the API server takes is read: a selector alone, a null matchPolicy (defaulted to
    // Equivalent); an action left empty is read as Deny with the warning a missing one gets.
    for (reference, warned) in [
      (
        "{selector: {matchLabels: {a: b}}, parameterNotFoundAction: Allow}, matchResources: {matchPolicy: ~}",
        false
      ),
      ("{name: p, parameterNotFoundAction: \"\"}", true),
    ] {
      let findings = try Harness(policies: bound(reference), manifest: deployment()).findings()
      #expect(
        !findings.contains { $0.message.contains("rejects it") }, "\(findings.map(\.message))")
      #expect(
        findings.contains { $0.message.contains("parameterNotFoundAction is required") } == warned,
        "\(findings.map(\.message))")
    }
  }

  /// A Kyverno ValidatingPolicy's audit annotation key and condition name of a megabyte (Kyverno
  /// does not refuse them) are kept clipped when read: each object's findings made a message
  /// of a megabyte from them (clipped only once written) and hashed the key.
  @Test func hugeKyvernoEntryNamesAreShownClipped() throws {
    let huge = String(repeating: "k", count: 1 << 20)
    let text = """
      apiVersion: policies.kyverno.io/v1
      kind: ValidatingPolicy
      metadata: {name: demo}
      spec:
        validationActions: [Audit]
        matchConstraints:
          resourceRules:
            - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
        matchConditions:
          - {name: \(huge), expression: "true"}
        validations:
          - expression: "true"
        auditAnnotations:
          - {key: \(huge), valueExpression: "'v'"}
      """
    let manifests = (0..<3).map { ("d\($0).yaml", deployment(name: "web\($0)")) }
    let findings = try Harness(policies: text, manifests: manifests).objectFindings()
    #expect(findings.count == 3, "\(findings.count)")
    #expect(findings.allSatisfy { $0.message.contains("gets audit annotation demo/kkk") })
    #expect(findings.allSatisfy { $0.message.utf8.count < 1000 })
    var set = AdmissionPolicySet()
    set.read(file: "policy.yaml", bytes: Array(text.utf8))
    let policy = try #require(set.policies.first)
    let names = policy.auditAnnotations.map(\.name) + policy.matchConditions.map(\.name)
    #expect(names.count == 2)
    #expect(
      names.allSatisfy { $0.hasPrefix("kkk") && $0.utf8.count <= 324 }, "\(names.map(\.count))")
  }

  /// What Kyverno and the API server reject is reported and not evaluated.
  @Test func rejectedPoliciesAreNotEvaluated() throws {
    let invalidActions = try Harness(
      policies: kyverno(noLatest, actions: "[Block]"), manifest: pod
    ).findings()
    #expect(invalidActions.allSatisfy { $0.file == "policy.yaml" })
    #expect(invalidActions.contains { $0.message.contains("Deny, Warn or Audit") })
    let unmatched = kyverno(noLatest).replacingOccurrences(
      of: "matchConstraints:", with: "unused:")
    let findings = try Harness(policies: unmatched, manifest: pod).findings()
    #expect(findings.allSatisfy { $0.file == "policy.yaml" })
    #expect(findings.contains { $0.message.contains("has no spec.matchConstraints") })
    // Kyverno refuses a ValidatingPolicy without resourceRules (`vpol.Validate`): read as
    // matching every object, it flagged them all.
    let selectorOnly = kyverno(noLatest, actions: "[Deny]")
      .replacingOccurrences(
        of:
          #"- {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"]}"#,
        with: ""
      )
      .replacingOccurrences(of: "resourceRules:", with: "namespaceSelector: {}")
    #expect(!selectorOnly.contains("resourceRules"))
    let refused = try Harness(policies: selectorOnly, manifest: pod).findings()
    #expect(refused.allSatisfy { $0.file == "policy.yaml" }, "\(refused.map(\.message))")
    #expect(
      refused.contains {
        $0.message.contains("has no spec.matchConstraints.resourceRules: Kyverno rejects it")
      })
  }

  /// A resource rule the API server's validation refuses (`validateNamedRuleWithOperations`)
  /// rejects its policy: reported at the rule's field, and not evaluated. Read as written,
  /// it had matched nothing (no operations, `create` in lower case) or more than meant.
  @Test(arguments: [
    (
      #"{apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments"]}"#,
      "operations is required"
    ),
    (
      #"{apiGroups: ["apps"], apiVersions: ["v1"], operations: ["create"], resources: ["deployments"]}"#,
      "operations: 'create' is not supported"
    ),
    (
      #"{apiGroups: ["apps"], apiVersions: ["v1"], operations: ["*", "CREATE"], resources: ["deployments"]}"#,
      "operations: if '*' is present, it must be the only entry"
    ),
    (
      #"{apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}"#,
      "apiGroups is required"
    ),
    (
      #"{apiGroups: ["apps"], apiVersions: [], operations: ["CREATE"], resources: ["deployments"]}"#,
      "apiVersions is required"
    ),
    (
      #"{apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"]}"#,
      "resources is required"
    ),
    (
      #"{apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["*/*", "deployments"]}"#,
      "if '*/*' is present"
    ),
    (
      #"{apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["*", "deployments"]}"#,
      "'*' names every resource"
    ),
    (
      #"{apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"], scope: Everywhere}"#,
      "scope: 'Everywhere' is not supported"
    ),
    (
      #"{apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments/*", "deployments/scale"]}"#,
      "'deployments/scale' is already named by 'deployments/*'"
    ),
    (
      #"{apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["*/scale", "deployments/scale"]}"#,
      "'deployments/scale' is already named by '*/scale'"
    ),
    // Numbers where the decoder wants text.
    (
      #"{apiGroups: ["apps"], apiVersions: [1], operations: ["CREATE"], resources: ["deployments"]}"#,
      "apiVersions[0] must be a string"
    ),
    (
      #"{apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"], resourceNames: [web, 7]}"#,
      "resourceNames[1] must be a string"
    ),
  ])
  func invalidResourceRulesRejectThePolicy(_ rule: String, message: String) throws {
    let findings = try Harness(
      policies: policy("false", rules: "- " + rule), manifest: deployment()
    )
    .findings()
    #expect(findings.allSatisfy { $0.file == "policy.yaml" }, "\(findings.map(\.message))")
    let problem = try #require(
      findings.first { $0.message.contains("resourceRules[0].") && $0.message.contains(message) },
      "\(findings.map(\.message))")
    #expect(problem.message.contains("the API server rejects it"))
    // Valid rules, wildcards alone and subresources beside `*`, still match.
    for valid in [
      #"{apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}"#,
      // The API server's own reading: the last resource without a subresource decides, and
      // an overlap is one only when the wider name comes first.
      #"{apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments", "*"]}"#,
      #"{apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments/scale", "deployments/*"]}"#,
      #"{apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["*", "deployments/scale"], scope: Namespaced}"#,
      // A null entry decodes as "", the core group: no refusal (`apps` still matches).
      #"{apiGroups: [~, "apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}"#,
    ] {
      let matched = try Harness(
        policies: policy("false", rules: "- " + valid), manifest: deployment()
      ).objectFindings()
      #expect(matched.count == 1, "\(valid): \(matched.map(\.message))")
    }
  }

  /// A binding of a policy that is there but not evaluated (the API server rejects it) says
  /// so, where it said the policy was missing from the policy files.
  @Test func aBindingOfARejectedPolicySaysItIsNotEvaluated() throws {
    let rejected = policy(
      "false",
      rules:
        #"- {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["create"], resources: ["deployments"]}"#,
      binding: "  validationActions: [Deny]")
    let findings = try Harness(policies: rejected, manifest: deployment()).findings()
    let binding = findings.filter { $0.message.contains("ValidatingAdmissionPolicyBinding") }
    #expect(
      binding.map(\.message) == [
        "ValidatingAdmissionPolicyBinding demo-binding binds demo, which kubeward does not evaluate (said where it is written)"
      ], "\(findings.map(\.message))")
    let missing = try Harness(
      policies: policy("false", name: "other", binding: "  validationActions: [Deny]")
        .replacingOccurrences(of: "policyName: other", with: "policyName: absent"),
      manifest: deployment()
    ).findings()
    #expect(
      missing.contains { $0.message.hasSuffix("binds absent, which is not among the policy files") }
    )
  }

  /// A selector the API server's validation refuses (an unknown operator, `In` without
  /// values) rejects its policy or binding: reported at the operator, and not evaluated.
  /// Read as matching nothing, it had silently turned the policy off.
  @Test func invalidSelectorsRejectThePolicyOrBinding() throws {
    let deny = "  validationActions: [Deny]"
    for (text, message, line) in [
      (
        policy(
          "false",
          extraSpec:
            "    objectSelector: {matchExpressions: [{key: a, operator: Bogus, values: [x]}]}"),
        "matchConstraints.objectSelector.matchExpressions[0]: 'Bogus' is not a valid selector operator",
        12
      ),
      (
        policy(
          "false",
          extraSpec:
            "    namespaceSelector:\n      matchExpressions:\n        - {key: a, operator: In}"),
        "matchConstraints.namespaceSelector.matchExpressions[0]: values must be given", 14
      ),
      (
        policy(
          "false",
          binding: deny
            + "\n  matchResources: {objectSelector: {matchExpressions: [{key: a, operator: Exists, values: [x]}]}}"
        ),
        "matchResources.objectSelector.matchExpressions[0]: values must be empty", 24
      ),
      // What the decoder refuses (a label value or a requirement's key or value given as a
      // number or a boolean) and what the strict `ValidateLabelSelector` refuses (a key that
      // is no qualified name, a value that is no label value): read as written, such a
      // selector matched nothing, silently.
      (
        policy(
          "false", binding: deny + "\n  matchResources: {objectSelector: {matchLabels: {tier: 1}}}"),
        "matchResources.objectSelector.matchLabels.tier must be a string", 24
      ),
      (
        policy(
          "false",
          binding: deny + "\n  matchResources: {namespaceSelector: {matchLabels: {on: yes}}}"),
        "matchResources.namespaceSelector.matchLabels.on must be a string", 24
      ),
      (
        policy(
          "false",
          extraSpec: "    objectSelector: {matchLabels: {'team/a/b': web}}"),
        "matchConstraints.objectSelector.matchLabels: 'team/a/b': a valid label key", 12
      ),
      (
        policy(
          "false",
          extraSpec: "    objectSelector: {matchLabels: {team: 'web app'}}"),
        "matchConstraints.objectSelector.matchLabels.team: 'web app': a valid label", 12
      ),
      (
        policy(
          "false",
          binding: deny
            + "\n  matchResources: {objectSelector: {matchExpressions: [{key: tier, operator: In, values: [web, 2]}]}}"
        ),
        "matchResources.objectSelector.matchExpressions[0].values[1] must be a string", 24
      ),
      (
        policy(
          "false",
          binding: deny
            + "\n  matchResources: {objectSelector: {matchExpressions: [{key: 'Tier!', operator: Exists}]}}"
        ),
        "matchResources.objectSelector.matchExpressions[0].key 'Tier!': name part must consist", 24
      ),
      (
        policy(
          "false",
          binding: deny
            + "\n  paramRef: {selector: {matchExpressions: [{key: tier, operator: NotIn, values: ['-web']}]}, parameterNotFoundAction: Deny}"
        ),
        "paramRef.selector.matchExpressions[0].values[0] '-web': a valid label", 24
      ),
    ] {
      let findings = try Harness(policies: text, manifest: deployment()).findings()
      // (Without its binding, the policy is evaluated as if bound with Deny, as any other.)
      #expect(
        line == 24 || findings.allSatisfy { $0.file == "policy.yaml" },
        "\(findings.map(\.message))")
      let problem = try #require(findings.first { $0.message.contains(message) }, "\(message)")
      #expect(problem.range.start.line == line, "\(problem.range.start)")
    }
    // Valid selectors still select: a label written as a number is text (YAML's keys become
    // JSON's), one written null is empty, a prefixed key is a qualified name.
    for selector in [
      "{matchExpressions: [{key: app, operator: Exists}, {key: app, operator: In, values: [web]}]}",
      "{matchLabels: {app: web, 1: x, example.com/tier: null}}",
    ] {
      let valid = policy("false", extraSpec: "    objectSelector: " + selector)
      let manifest = deployment(labels: "app: web, '1': x, example.com/tier: ''")
      #expect(
        try Harness(policies: valid, manifest: manifest).objectFindings().count == 1,
        "\(selector)")
    }
  }
}

/// `ExpressionSource` rebuilds every scalar of real manifests (plain, quoted, block, at the
/// end of a file without a line break) and either maps it exactly or falls back, never
/// crashing.
@Suite("Expression source maps")
struct ExpressionSourceTests {
  @Test func everyScalarOfRealFilesMapsOrFallsBack() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    var files = try FileManager.default.contentsOfDirectory(atPath: root.path + "/policies")
      .map { root.path + "/policies/" + $0 }
    let corpus = root.deletingLastPathComponent().path + "/shared/corpus/real"
    if let walker = FileManager.default.enumerator(atPath: corpus) {
      for case let path as String in walker where path.hasSuffix(".yaml") && files.count < 150 {
        files.append(corpus + "/" + path)
      }
    }
    var mapped = 0
    var scalars = 0
    for file in files {
      guard let data = FileManager.default.contents(atPath: file) else { continue }
      var bytes = Array(data)
      // Also without its final line break.
      for variant in [bytes, Array(bytes.reversed().drop(while: { $0 == 0x0A }).reversed())] {
        bytes = variant
        let parsed = YAMLReader().read(bytes)
        let lines = LineIndex(bytes)
        for id in 0..<parsed.tree.nodeCount {
          let node = parsed.tree.node(NodeID(id))
          guard node.isScalar, let text = node.string, !text.isEmpty else { continue }
          scalars += 1
          let source = ExpressionSource(node: node, file: bytes, lines: lines)
          let first = source.position(ofByte: 0)
          if first != node.position { mapped += 1 }
          _ = source.position(ofByte: text.utf8.count)
        }
      }
    }
    #expect(scalars > 0)
    _ = mapped
  }

  @Test func mappedPositionsPointAtTheCharacter() throws {
    let text = "a: plain value\nb: \"dq \\\"x\\\" y\"\nc: 'sq ''x'' y'\nd: |\n  one\n  two\n"
    let bytes = Array(text.utf8)
    let parsed = YAMLReader().read(bytes)
    let root = try #require(parsed.documents.first?.root)
    let lines = LineIndex(bytes)
    func at(_ key: String, _ offset: Int) throws -> SourcePosition {
      ExpressionSource(node: try #require(root[key]), file: bytes, lines: lines).position(
        ofByte: offset)
    }
    #expect(try at("a", 6) == SourcePosition(line: 1, column: 10))  // "value"
    #expect(try at("b", 4) == SourcePosition(line: 2, column: 10))  // the x after \"
    #expect(try at("c", 4) == SourcePosition(line: 3, column: 10))  // the x after ''
    #expect(try at("d", 4) == SourcePosition(line: 6, column: 3))  // "two"
  }
}
