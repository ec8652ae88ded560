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
    let labelled = policy(
      """
      request.kind.kind == 'ConfigMap' \
      ? namespaceObject.metadata.labels['kubernetes.io/metadata.name'] == namespaceObject.metadata.name \
      : object.metadata.labels['kubernetes.io/metadata.name'] == object.metadata.name
      """,
      rules: """
        - apiGroups: [""]
                apiVersions: ["v1"]
                operations: ["CREATE"]
                resources: ["namespaces", "configmaps"]
        """)
    for labels in ["{env: prod}", "{}", "null"] {
      let manifests = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: labeled, labels: \(labels)}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: c, namespace: labeled}
        """
      let findings = try Harness(policies: labelled, manifest: manifests).objectFindings()
        .filter { $0.policy == "demo" }
      #expect(findings.isEmpty, "\(labels): \(findings.map(\.message))")
    }
    // The other labels stay, and the name's label is counted among them.
    let counted = policy(
      "size(object.metadata.labels) == 2 && object.metadata.labels.env == 'prod'",
      rules: """
        - apiGroups: [""]
                apiVersions: ["v1"]
                operations: ["CREATE"]
                resources: ["namespaces"]
        """)
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
}
