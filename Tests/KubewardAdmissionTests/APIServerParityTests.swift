import KubewardEngine
import Testing

@testable import KubewardAdmission

/// What the API server hands a ValidatingAdmissionPolicy, and what it never hands one, where a
/// review against its code (`k8s.io/apiserver`, `kubernetes/pkg`) found kubeward apart.
@Suite("API server parity")
struct APIServerParityTests {
  /// A policy on every resource: `false` for anything it is given.
  let everything = policy(
    "false", message: "checked",
    rules: """
      - apiGroups: ["*"]
              apiVersions: ["*"]
              operations: ["*"]
              resources: ["*"]
      """)

  /// A policy on core resources (`"namespaces", "configmaps"`, as listed) that is `expression`.
  func onCore(_ expression: String, resources: String) -> String {
    policy(
      expression,
      rules: """
        - apiGroups: [""]
                apiVersions: ["v1"]
                operations: ["CREATE"]
                resources: [\(resources)]
        """)
  }

  /// `namespace` (a Namespace's YAML) and a ConfigMap in it, named `name`.
  func withConfigMap(_ namespace: String, in name: String) -> String {
    namespace + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: \(name)}\n"
  }

  /// What the policy named demo finds in `manifest`.
  func demoFindings(_ policies: String, _ manifest: String) throws -> [Finding] {
    try Harness(policies: policies, manifest: manifest).objectFindings()
      .filter { $0.policy == "demo" }
  }

  /// The reviews of who may do what are asked of the API server, never stored: no admission
  /// policy runs on them (`exclusion/resources.go`), while other objects of their groups'
  /// neighbours are checked.
  @Test func reviewsOfAccessAreNotAdmitted() throws {
    let reviews = [
      ("authorization.k8s.io/v1", "SubjectAccessReview"),
      ("authorization.k8s.io/v1", "SelfSubjectAccessReview"),
      ("authorization.k8s.io/v1", "SelfSubjectRulesReview"),
      ("authorization.k8s.io/v1", "LocalSubjectAccessReview"),
      ("authentication.k8s.io/v1", "TokenReview"),
      ("authentication.k8s.io/v1", "SelfSubjectReview"),
    ]
    for (apiVersion, kind) in reviews {
      let review = "apiVersion: \(apiVersion)\nkind: \(kind)\nmetadata: {name: r}\nspec: {}\n"
      let findings = try Harness(policies: everything, manifest: review).objectFindings()
        .filter { $0.policy == "demo" }
      #expect(findings.isEmpty, "\(kind): \(findings.map(\.message))")
    }
    let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n"
    #expect(
      try Harness(policies: everything, manifest: configMap).objectFindings()
        .filter { $0.policy == "demo" }.count == 1)
  }

  /// A Namespace is labelled with its name whatever labels it has (`SetDefaults_Namespace`),
  /// and so is the namespace an object's policies read as `namespaceObject`.
  @Test func aNamespaceWithLabelsIsLabelledWithItsNameToo() throws {
    let labelled = onCore(
      """
      request.kind.kind == 'ConfigMap' \
      ? namespaceObject.metadata.labels['kubernetes.io/metadata.name'] == namespaceObject.metadata.name \
      : object.metadata.labels['kubernetes.io/metadata.name'] == object.metadata.name
      """,
      resources: #""namespaces", "configmaps""#)
    for labels in ["{env: prod}", "{}", "null"] {
      let manifests = withConfigMap(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: labeled, labels: \(labels)}",
        in: "labeled")
      let findings = try demoFindings(labelled, manifests)
      #expect(findings.isEmpty, "\(labels): \(findings.map(\.message))")
    }
    // The other labels stay, and the name's label is counted among them.
    let counted = onCore(
      "size(object.metadata.labels) == 2 && object.metadata.labels.env == 'prod'",
      resources: #""namespaces""#)
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: n, labels: {env: prod}}\n"
    #expect(try Harness(policies: counted, manifest: namespace).objectFindings().isEmpty)
  }

  /// `request.options` holds the request's options, as the API server hands them over.
  @Test func theRequestHasItsOptions() throws {
    let options = policy(
      "request.options.kind == 'CreateOptions' && request.options.apiVersion == 'meta.k8s.io/v1'")
    #expect(try Harness(policies: options, manifest: deployment()).objectFindings().isEmpty)
    var update = Harness(
      policies: policy("request.options.kind == 'UpdateOptions'"), manifest: deployment())
    update.request.operation = "UPDATE"
    #expect(try update.objectFindings().isEmpty)
  }
  /// `namespaceObject` is what `CreateNamespaceObject` copies of the Namespace: its spec,
  /// status and part of its metadata; a namespace kubeward has not seen is the same shape.
  /// Its type is declared (`BuildNamespaceType`): kind, apiVersion, ownerReferences and
  /// managedFields are fields it does not have, which do not compile.
  @Test func theNamespaceObjectIsWhatTheAPIServerCopiesOfTheNamespace() throws {
    let copied = onCore(
      """
      namespaceObject.metadata.annotations.owner == 'team-a' \
      && namespaceObject.metadata.finalizers == ['example.com/keep'] \
      && namespaceObject.spec.finalizers == ['kubernetes'] \
      && namespaceObject.status.phase == 'Active'
      """,
      resources: #""configmaps""#)
    let manifests = """
      apiVersion: v1
      kind: Namespace
      metadata:
        name: shop
        annotations: {owner: team-a}
        finalizers: [example.com/keep]
        ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: "1"}]
        managedFields: [{manager: kubectl}]
      spec: {finalizers: [kubernetes]}
      status: {phase: Active}
      """
    let findings = try demoFindings(copied, withConfigMap(manifests, in: "shop"))
    #expect(findings.isEmpty, "\(findings.map(\.message))")
    // A namespace the run does not hold.
    let unseen = try demoFindings(
      onCore(
        "namespaceObject.metadata.name == 'elsewhere'",
        resources: #""configmaps""#),
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: elsewhere}\n")
    #expect(unseen.isEmpty, "\(unseen.map(\.message))")
    for (field, expression) in [
      ("kind", "!has(namespaceObject.kind)"),
      ("managedFields", "!has(namespaceObject.metadata.managedFields)"),
      ("uid", "namespaceObject.metadata.uid != ''"), ("bogus", "request.bogus == 1"),
    ] {
      let refused = try Harness(
        policies: onCore(expression, resources: #""configmaps""#),
        manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n"
      ).findings()
      #expect(
        refused.contains {
          $0.file == "policy.yaml" && $0.message.contains("undefined field '\(field)'")
        }, "\(refused.map(\.message))")
    }
    // A declared field's type takes part in what is checked: a string is no int.
    let mismatch = try Harness(
      policies: onCore("request.operation != 1", resources: #""configmaps""#),
      manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n"
    ).findings()
    #expect(mismatch.contains { $0.message.contains("found no matching overload for '_!=_'") })
  }
}
