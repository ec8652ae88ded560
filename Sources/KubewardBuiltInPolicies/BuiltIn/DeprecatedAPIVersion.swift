import KubewardEngine
import KubewardModel
import KubewardYAML

/// `deprecated-api-version`: apiVersions the API server no longer serves.
struct DeprecatedAPIVersion: ObjectPolicy {
  static let id = "deprecated-api-version"
  static let checksPartialObjects = true

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    // A patch applied to what a kustomization's `target` selects takes each target's
    // apiVersion: its own is never sent (retail-store-sample's `apps/v1` Namespace patch).
    guard !report.patchesTargets, let apiVersion = object.node[.apiVersion] else { return }
    guard let removal = RemovedAPIs.removal(of: object.apiVersion, kind: object.kind) else {
      reportUnserved(object, apiVersion, &report)
      return
    }
    let note = removal.note(for: object)
    let instead =
      removal.replacement.map { "use apiVersion \($0)\(note.map { " (\($0))" } ?? "")" }
      ?? (note ?? "remove it")
    // A patch is never applied itself: it is merged into an object at its apiVersion, which
    // is reported where that object is written (a scaffold keeps such patches commented out).
    if report.isKustomizePatch {
      report.report(
        apiVersion,
        """
        is a Kustomize patch for \(object.apiVersion), which \(removal.server) \
        stopped serving: it patches only objects at that apiVersion, which the API server no \
        longer takes; \(instead) here and in the object it patches
        """,
        adjustment: .info)
      return
    }
    // A kustomization that builds the file may patch its apiVersion to one still served: only
    // the builds without that patch (an overlay for older clusters) apply what is written.
    if let rewrite = report.apiVersionRewrites.first(where: {
      $0.kind == object.kind && RemovedAPIs.removal(of: $0.apiVersion, kind: object.kind) == nil
    }) {
      report.report(
        apiVersion,
        """
        uses \(object.apiVersion), which \(removal.server) stopped serving; \
        \(rewrite.by) patches the apiVersion of the \(object.kind) objects it builds to \
        \(rewrite.apiVersion), so only builds without that patch fail to apply it (\"no matches \
        for kind\"); \(instead) once no cluster older than its replacement is left
        """,
        adjustment: .info)
      return
    }
    // A custom resource's group is served by its operator, whose version kubeward does not
    // know: a cluster that still runs one from before the removal takes it.
    report.report(
      apiVersion,
      """
      uses \(object.apiVersion), which \(removal.server) stopped serving, so \
      applying it fails (\"no matches for kind\")\(removal.operator.map { " on clusters that run \($0) \(removal.removedIn) or later" } ?? ""); \
      \(instead)
      """,
      adjustment: removal.operator == nil ? .standard : .atMost(.warning))
  }
}

/// A built-in kind at an apiVersion of Kubernetes' own groups that never served it (`v1`
/// Deployment, `apps/v2`): the API server answers "no matches for kind".
private func reportUnserved(_ object: KubeObject, _ apiVersion: Node, _ report: inout ObjectReport)
{
  // Most objects are of a kind at an apiVersion that serves it: answered by lookups first.
  let removal = RemovedAPIs.removedKind(object.kind)
  let served = APIVersion.served[object.kind]
  guard removal != nil || (served.map { !$0.contains(object.apiVersion) } ?? false),
    APIVersion.isKubernetesGroup(APIVersion.group(of: object.apiVersion))
  else { return }
  // A kind removed from every apiVersion (PodSecurityPolicy) is served at none: also not at
  // one it never had (`policy/v1`).
  if let removal {
    report.report(
      apiVersion,
      """
      uses \(object.apiVersion), but Kubernetes \(removal.removedIn) stopped serving \
      \(object.kind) at every apiVersion, so applying it fails (\"no matches for kind\"); \
      \(removal.note ?? "remove it")
      """)
    return
  }
  guard let served else { return }
  report.report(
    apiVersion,
    """
    is a \(object.kind) at apiVersion \(object.apiVersion), which Kubernetes does not serve for \
    that kind, so applying it fails (\"no matches for kind\"); use apiVersion \
    \(served.sorted().last ?? "")
    """)
}

/// apiVersion/kind pairs that current Kubernetes no longer serves, after the Kubernetes
/// deprecated API migration guide.
enum RemovedAPIs {
  struct Removal: Sendable {
    let removedIn: String
    let replacement: String?
    let note: String?
    /// The operator that serves the group, for a custom resource's (cert-manager); `nil` for
    /// Kubernetes' own.
    var `operator`: String? = nil

    /// Which objects the note is true of.
    var noteApplies = NoteCondition.always

    /// Who stopped serving it, and from which release: `Kubernetes 1.22`, `cert-manager 1.7`.
    var server: String { "\(self.operator ?? "Kubernetes") \(removedIn)" }

    /// The note, where it is true of `object`.
    func note(for object: KubeObject) -> String? {
      guard noteApplies != .always else { return note }
      guard let selector = object.spec?.mapping(.selector) else {
        return noteApplies == .withoutSelector ? note : nil
      }
      let selects =
        selector.mapping(.matchLabels).map { !$0.pairs.isEmpty } == true
        || selector.sequence(.matchExpressions).map { $0.childCount > 0 } == true
      return selects ? nil : note
    }
  }

  /// Notes about a selector are true of some objects only.
  enum NoteCondition: Sendable {
    case always
    /// An object without a selector, or with an empty one (`apps/v1 requires spec.selector`).
    case withoutSelector
    /// An object with an empty selector (`{}`), which policy/v1 reads as every pod; a missing
    /// one selects none at either version.
    case withEmptySelector
  }

  private struct Entry {
    let apiVersion: String
    let kinds: [String]
    let removedIn: String
    let replacement: String?
    var note: String? = nil
    var noteApplies = NoteCondition.always
    var `operator`: String? = nil
  }

  /// cert-manager's alpha and beta versions, which cert-manager 1.7 stopped serving (its
  /// CRDs keep `v1` only), and its group before 0.11 (`certmanager.k8s.io`).
  private static let certManagerEntries: [Entry] =
    ["v1alpha2", "v1alpha3", "v1beta1"].flatMap { version in
      [
        Entry(
          apiVersion: "cert-manager.io/" + version,
          kinds: ["Certificate", "CertificateRequest", "Issuer", "ClusterIssuer"],
          removedIn: "1.7", replacement: "cert-manager.io/v1", operator: "cert-manager"),
        Entry(
          apiVersion: "acme.cert-manager.io/" + version, kinds: ["Order", "Challenge"],
          removedIn: "1.7", replacement: "acme.cert-manager.io/v1", operator: "cert-manager"),
      ]
    } + [
      Entry(
        apiVersion: "certmanager.k8s.io/v1alpha1",
        kinds: [
          "Certificate", "CertificateRequest", "Issuer", "ClusterIssuer", "Order", "Challenge",
        ],
        removedIn: "0.11", replacement: nil,
        note:
          "cert-manager 0.11 moved its resources to the cert-manager.io group (use cert-manager.io/v1, or acme.cert-manager.io/v1 for Orders and Challenges)",
        operator: "cert-manager")
    ]

  private static let entries: [Entry] = [
    Entry(
      apiVersion: "extensions/v1beta1", kinds: ["Deployment", "DaemonSet", "ReplicaSet"],
      removedIn: "1.16", replacement: "apps/v1", note: "apps/v1 requires spec.selector",
      noteApplies: .withoutSelector),
    Entry(
      apiVersion: "extensions/v1beta1", kinds: ["NetworkPolicy"], removedIn: "1.16",
      replacement: "networking.k8s.io/v1"),
    Entry(
      apiVersion: "extensions/v1beta1", kinds: ["PodSecurityPolicy"], removedIn: "1.16",
      replacement: nil,
      note: "PodSecurityPolicy itself was removed in 1.25; use Pod Security Admission"),
    Entry(
      apiVersion: "extensions/v1beta1", kinds: ["Ingress"], removedIn: "1.22",
      replacement: "networking.k8s.io/v1",
      note: "backends become service.name and service.port, and pathType is required"),
    Entry(
      apiVersion: "apps/v1beta1", kinds: ["Deployment", "StatefulSet", "ControllerRevision"],
      removedIn: "1.16", replacement: "apps/v1", note: "apps/v1 requires spec.selector",
      noteApplies: .withoutSelector),
    Entry(
      apiVersion: "apps/v1beta2",
      kinds: ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ControllerRevision"],
      removedIn: "1.16", replacement: "apps/v1"),
    Entry(
      apiVersion: "networking.k8s.io/v1beta1", kinds: ["Ingress", "IngressClass"],
      removedIn: "1.22", replacement: "networking.k8s.io/v1",
      note: "Ingress backends become service.name and service.port, and pathType is required"),
    Entry(
      apiVersion: "rbac.authorization.k8s.io/v1beta1",
      kinds: ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"], removedIn: "1.22",
      replacement: "rbac.authorization.k8s.io/v1"),
    Entry(
      apiVersion: "rbac.authorization.k8s.io/v1alpha1",
      kinds: ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"], removedIn: "1.22",
      replacement: "rbac.authorization.k8s.io/v1"),
    Entry(
      apiVersion: "apiextensions.k8s.io/v1beta1", kinds: ["CustomResourceDefinition"],
      removedIn: "1.22", replacement: "apiextensions.k8s.io/v1",
      note: "v1 requires a structural schema per version"),
    Entry(
      apiVersion: "admissionregistration.k8s.io/v1beta1",
      kinds: ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"],
      removedIn: "1.22", replacement: "admissionregistration.k8s.io/v1"),
    Entry(
      apiVersion: "admissionregistration.k8s.io/v1alpha1", kinds: ["InitializerConfiguration"],
      removedIn: "1.14", replacement: nil,
      note: "initializers were removed; a mutating admission webhook does their work"),
    Entry(
      apiVersion: "apiregistration.k8s.io/v1beta1", kinds: ["APIService"], removedIn: "1.22",
      replacement: "apiregistration.k8s.io/v1"),
    Entry(
      apiVersion: "scheduling.k8s.io/v1beta1", kinds: ["PriorityClass"], removedIn: "1.22",
      replacement: "scheduling.k8s.io/v1"),
    Entry(
      apiVersion: "scheduling.k8s.io/v1alpha1", kinds: ["PriorityClass"], removedIn: "1.17",
      replacement: "scheduling.k8s.io/v1"),
    Entry(
      apiVersion: "storage.k8s.io/v1beta1",
      kinds: ["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"], removedIn: "1.22",
      replacement: "storage.k8s.io/v1"),
    Entry(
      apiVersion: "storage.k8s.io/v1beta1", kinds: ["CSIStorageCapacity"], removedIn: "1.27",
      replacement: "storage.k8s.io/v1"),
    Entry(
      apiVersion: "certificates.k8s.io/v1beta1", kinds: ["CertificateSigningRequest"],
      removedIn: "1.22", replacement: "certificates.k8s.io/v1"),
    Entry(
      apiVersion: "coordination.k8s.io/v1beta1", kinds: ["Lease"], removedIn: "1.22",
      replacement: "coordination.k8s.io/v1"),
    Entry(
      apiVersion: "batch/v1beta1", kinds: ["CronJob"], removedIn: "1.25",
      replacement: "batch/v1"),
    Entry(
      apiVersion: "batch/v2alpha1", kinds: ["CronJob"], removedIn: "1.21",
      replacement: "batch/v1"),
    Entry(
      apiVersion: "policy/v1beta1", kinds: ["PodDisruptionBudget"], removedIn: "1.25",
      replacement: "policy/v1",
      note: "in policy/v1 an empty selector selects every pod of the namespace",
      noteApplies: .withEmptySelector),
    Entry(
      apiVersion: "policy/v1beta1", kinds: ["PodSecurityPolicy"], removedIn: "1.25",
      replacement: nil, note: "PodSecurityPolicy was removed; use Pod Security Admission"),
    Entry(
      apiVersion: "autoscaling/v2beta1", kinds: ["HorizontalPodAutoscaler"], removedIn: "1.25",
      replacement: "autoscaling/v2"),
    Entry(
      apiVersion: "autoscaling/v2beta2", kinds: ["HorizontalPodAutoscaler"], removedIn: "1.26",
      replacement: "autoscaling/v2"),
    Entry(
      apiVersion: "discovery.k8s.io/v1beta1", kinds: ["EndpointSlice"], removedIn: "1.25",
      replacement: "discovery.k8s.io/v1"),
    Entry(
      apiVersion: "events.k8s.io/v1beta1", kinds: ["Event"], removedIn: "1.25",
      replacement: "events.k8s.io/v1"),
    Entry(
      apiVersion: "node.k8s.io/v1beta1", kinds: ["RuntimeClass"], removedIn: "1.25",
      replacement: "node.k8s.io/v1"),
    Entry(
      apiVersion: "flowcontrol.apiserver.k8s.io/v1beta1",
      kinds: ["FlowSchema", "PriorityLevelConfiguration"], removedIn: "1.26",
      replacement: "flowcontrol.apiserver.k8s.io/v1"),
    Entry(
      apiVersion: "flowcontrol.apiserver.k8s.io/v1beta2",
      kinds: ["FlowSchema", "PriorityLevelConfiguration"], removedIn: "1.29",
      replacement: "flowcontrol.apiserver.k8s.io/v1"),
    Entry(
      apiVersion: "flowcontrol.apiserver.k8s.io/v1beta3",
      kinds: ["FlowSchema", "PriorityLevelConfiguration"], removedIn: "1.32",
      replacement: "flowcontrol.apiserver.k8s.io/v1"),
  ]

  private struct Pair: Hashable {
    let apiVersion: String
    let kind: String
  }

  private static let table: [Pair: Removal] = {
    var table: [Pair: Removal] = [:]
    for entry in entries + certManagerEntries {
      for kind in entry.kinds {
        table[Pair(apiVersion: entry.apiVersion, kind: kind)] = Removal(
          removedIn: entry.removedIn, replacement: entry.replacement, note: entry.note,
          operator: entry.operator, noteApplies: entry.noteApplies)
      }
    }
    return table
  }()

  static func removal(of apiVersion: String, kind: String) -> Removal? {
    table[Pair(apiVersion: apiVersion, kind: kind)]
  }

  /// The last removal of a kind that Kubernetes serves at no apiVersion any more (every
  /// removal of it names no replacement): PodSecurityPolicy, InitializerConfiguration.
  static func removedKind(_ kind: String) -> Removal? {
    removedKinds[kind]
  }

  private static let removedKinds: [String: Removal] = {
    var byKind: [String: [Entry]] = [:]
    for entry in entries {
      for kind in entry.kinds { byKind[kind, default: []].append(entry) }
    }
    return byKind.compactMapValues { removals in
      guard removals.allSatisfy({ $0.replacement == nil }),
        let last = removals.max(by: { minor($0.removedIn) < minor($1.removedIn) })
      else { return nil }
      return Removal(removedIn: last.removedIn, replacement: nil, note: last.note)
    }
  }()

  /// `1.25` → 25.
  private static func minor(_ version: String) -> Int {
    Int(version.split(separator: ".").last ?? "") ?? 0
  }
}
