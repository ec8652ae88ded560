import KubewardEngine
import KubewardModel
import KubewardYAML

/// What an admission request for an object names: its group, version, resource and scope, as
/// the API server resolves a kind.
struct RequestResource: Sendable, Equatable {
  let group: String
  let version: String
  let kind: String
  let resource: String
  let namespaced: Bool
  /// The kind's group and version, where they are not the resource's: a subresource's
  /// object (`autoscaling/v1` Scale for `apps/v1` deployments' scale).
  var kindGroup: String? = nil
  var kindVersion: String? = nil
}

/// Kinds to resources: Kubernetes' own kinds from a table, custom resources from the
/// CustomResourceDefinitions of the run, anything else by the API machinery's guess
/// (`UnsafeGuessKindToResource`).
struct ResourceTable: Sendable {
  /// What a kind of a group is served as.
  private struct Entry: Sendable {
    let group: String
    let resource: String
    let namespaced: Bool
  }

  /// Kind → its groups' entries, from CustomResourceDefinitions. By kind, then group: every
  /// object is looked up, and the kind is a string the object already has.
  private var custom: [String: [Entry]] = [:]

  private static let builtIn: [String: [Entry]] = {
    var table: [String: [Entry]] = [:]
    func add(_ group: String, _ kinds: [(String, String, Bool)]) {
      for (kind, resource, namespaced) in kinds {
        table[kind, default: []].append(
          Entry(group: group, resource: resource, namespaced: namespaced))
      }
    }
    add(
      "",
      [
        ("Pod", "pods", true), ("Service", "services", true), ("ConfigMap", "configmaps", true),
        ("Secret", "secrets", true), ("ServiceAccount", "serviceaccounts", true),
        ("Namespace", "namespaces", false), ("Node", "nodes", false),
        ("PersistentVolume", "persistentvolumes", false),
        ("PersistentVolumeClaim", "persistentvolumeclaims", true),
        ("ReplicationController", "replicationcontrollers", true),
        ("Endpoints", "endpoints", true), ("Event", "events", true),
        ("LimitRange", "limitranges", true), ("ResourceQuota", "resourcequotas", true),
        ("PodTemplate", "podtemplates", true),
      ])
    add(
      "apps",
      [
        ("Deployment", "deployments", true), ("StatefulSet", "statefulsets", true),
        ("DaemonSet", "daemonsets", true), ("ReplicaSet", "replicasets", true),
        ("ControllerRevision", "controllerrevisions", true),
      ])
    add("batch", [("Job", "jobs", true), ("CronJob", "cronjobs", true)])
    add("autoscaling", [("HorizontalPodAutoscaler", "horizontalpodautoscalers", true)])
    add("policy", [("PodDisruptionBudget", "poddisruptionbudgets", true)])
    add(
      "networking.k8s.io",
      [
        ("Ingress", "ingresses", true), ("NetworkPolicy", "networkpolicies", true),
        ("IngressClass", "ingressclasses", false),
      ])
    add(
      "rbac.authorization.k8s.io",
      [
        ("Role", "roles", true), ("RoleBinding", "rolebindings", true),
        ("ClusterRole", "clusterroles", false),
        ("ClusterRoleBinding", "clusterrolebindings", false),
      ])
    add(
      "storage.k8s.io",
      [
        ("StorageClass", "storageclasses", false), ("CSIDriver", "csidrivers", false),
        ("VolumeAttachment", "volumeattachments", false),
      ])
    add("apiextensions.k8s.io", [("CustomResourceDefinition", "customresourcedefinitions", false)])
    add(
      "admissionregistration.k8s.io",
      [
        ("ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false),
        ("MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false),
        ("ValidatingAdmissionPolicy", "validatingadmissionpolicies", false),
        ("ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", false),
      ])
    add("scheduling.k8s.io", [("PriorityClass", "priorityclasses", false)])
    add("coordination.k8s.io", [("Lease", "leases", true)])
    add("discovery.k8s.io", [("EndpointSlice", "endpointslices", true)])
    add("node.k8s.io", [("RuntimeClass", "runtimeclasses", false)])
    add(
      "certificates.k8s.io", [("CertificateSigningRequest", "certificatesigningrequests", false)])
    add(
      "gateway.networking.k8s.io",
      [
        ("Gateway", "gateways", true), ("GatewayClass", "gatewayclasses", false),
        ("HTTPRoute", "httproutes", true), ("GRPCRoute", "grpcroutes", true),
        ("ReferenceGrant", "referencegrants", true),
      ])
    return table
  }()

  /// The groups and resources Kubernetes serves `kind` as.
  static func builtInResources(ofKind kind: String) -> [(group: String, resource: String)] {
    (builtIn[kind] ?? []).map { (group: $0.group, resource: $0.resource) }
  }

  /// The groups Kubernetes serves itself, whose resources no CustomResourceDefinition
  /// changes (`gateway.networking.k8s.io` is served by definitions, and is not one).
  private static let kubernetesGroups: Set<String> = [
    "networking.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io", "apiextensions.k8s.io",
    "admissionregistration.k8s.io", "scheduling.k8s.io", "coordination.k8s.io",
    "discovery.k8s.io", "node.k8s.io", "certificates.k8s.io", "events.k8s.io",
    "flowcontrol.apiserver.k8s.io", "resource.k8s.io", "authentication.k8s.io",
    "authorization.k8s.io", "apiregistration.k8s.io", "storagemigration.k8s.io",
    "internal.apiserver.k8s.io",
  ]

  /// Whether a CustomResourceDefinition may declare kinds of `group`: the API server requires
  /// a definition's group to have a dot, and Kubernetes serves its own groups.
  static func mayBeCustom(group: String) -> Bool {
    group.utf8.contains(UInt8(ascii: ".")) && !kubernetesGroups.contains(group)
  }

  /// `mayBeCustom(group:)` of an apiVersion's group.
  static func mayBeCustom(apiVersion: String) -> Bool {
    mayBeCustom(group: String(APIVersion.group(of: apiVersion)))
  }

  /// Learns a CustomResourceDefinition's kind, plural and scope; one of a group no definition
  /// may declare (see `mayBeCustom(group:)`) changes nothing, as the API server serves none.
  mutating func learn(customResourceDefinition root: Node) {
    guard let spec = root["spec"], let group = spec["group"]?.string,
      Self.mayBeCustom(group: group),
      let names = spec["names"], let kind = names["kind"]?.string,
      let plural = names["plural"]?.string
    else { return }
    let entry = Entry(
      group: group, resource: plural, namespaced: spec["scope"]?.string != "Cluster")
    custom[kind, default: []].removeAll { $0.group == group }
    custom[kind, default: []].append(entry)
  }

  /// Whether the kind is built in or a CustomResourceDefinition of the run declares it: else
  /// its resource and scope are guesses.
  func knows(apiVersion: String, kind: String) -> Bool {
    let group = APIVersion.group(of: apiVersion)
    return Self.builtIn[kind]?.contains { $0.group == group } == true
      || custom[kind]?.contains { $0.group == group } == true
  }

  /// The request resource of an object with `apiVersion` and `kind`.
  func resource(apiVersion: String, kind: String, hasNamespace: Bool) -> RequestResource {
    let group: String
    let version: String
    if let slash = apiVersion.utf8.firstIndex(of: UInt8(ascii: "/")) {
      group = String(apiVersion[..<slash])
      version = String(apiVersion[apiVersion.utf8.index(after: slash)...])
    } else {
      (group, version) = ("", apiVersion)
    }
    if let entry = Self.builtIn[kind]?.first(where: { $0.group == group })
      ?? custom[kind]?.first(where: { $0.group == group })
    {
      return RequestResource(
        group: group, version: version, kind: kind, resource: entry.resource,
        namespaced: entry.namespaced)
    }
    return RequestResource(
      group: group, version: version, kind: kind, resource: Self.guessResource(kind),
      namespaced: hasNamespace)
  }

  /// The API machinery's guess at a kind's plural: lowercase, then `-es` after s, x, z, ch,
  /// sh; `-ies` after a consonant and y; else `-s`.
  static func guessResource(_ kind: String) -> String {
    let lower = kind.lowercased()
    if lower.hasSuffix("s") || lower.hasSuffix("x") || lower.hasSuffix("z") || lower.hasSuffix("ch")
      || lower.hasSuffix("sh")
    {
      return lower + "es"
    }
    if lower.hasSuffix("y"), lower.count > 1,
      !"aeiou".contains(lower[lower.index(lower.endIndex, offsetBy: -2)])
    {
      return lower.dropLast() + "ies"
    }
    return lower + "s"
  }
}

/// The request kubeward imagines for an object: its resource, name, namespace and operation.
/// A class: every policy on the object matches against it, and a copy of its fields cost a
/// retain for each.
final class AdmissionRequestFacts: Sendable {
  let resource: RequestResource
  let name: String
  /// The request's namespace (`request.namespace`, where a binding's params are looked up):
  /// the object's, `nil` for a cluster-scoped one, but a Namespace's own name in the request
  /// that creates it (not one that updates it), as the API server's create handler sets it.
  let namespace: String?
  /// The object's `metadata.labels`, read only by the selectors that need them.
  let labelsNode: Node?
  let operation: String
  /// The request's subresource (`status`, `ephemeralcontainers`): empty for the object itself,
  /// as every object kubeward lint reads is.
  let subresource: String

  init(
    resource: RequestResource, name: String, namespace: String?, labelsNode: Node?,
    operation: String, subresource: String = ""
  ) {
    self.resource = resource
    self.subresource = subresource
    self.name = name
    let createsNamespace =
      resource.group.isEmpty && resource.resource == "namespaces" && operation == "CREATE"
    self.namespace = namespace ?? (createsNamespace && !name.isEmpty ? name : nil)
    self.labelsNode = labelsNode
    self.operation = operation
  }

  var labels: Labels { Labels(stringMap: labelsNode) }
}

extension ResourceRule {
  /// Groups whose resources are the same resources under another name, for `matchPolicy:
  /// Equivalent` (the default): a rule for `apps` Deployments matches `extensions` ones.
  private static let equivalentGroups: [String: Set<String>] = [
    "deployments": ["apps", "extensions"], "daemonsets": ["apps", "extensions"],
    "replicasets": ["apps", "extensions"], "ingresses": ["networking.k8s.io", "extensions"],
    "networkpolicies": ["networking.k8s.io", "extensions"],
    "poddisruptionbudgets": ["policy"], "cronjobs": ["batch"],
    "horizontalpodautoscalers": ["autoscaling"],
    // One storage: the API server's equivalent resources (`EquivalentResourceRegistry`).
    "events": ["", "events.k8s.io"],
  ]

  /// The versions Kubernetes serves of its own groups (the newest releases'): under
  /// `matchPolicy: Equivalent` a rule naming another version (`apps/v1beta1`) names a
  /// resource no server has, and matches nothing. Other groups' are a definition's.
  static let servedVersions: [String: Set<String>] = [
    "": ["v1"], "apps": ["v1"], "batch": ["v1"], "autoscaling": ["v1", "v2"],
    "networking.k8s.io": ["v1"], "policy": ["v1"], "rbac.authorization.k8s.io": ["v1"],
    "storage.k8s.io": ["v1"], "admissionregistration.k8s.io": ["v1"],
    "apiextensions.k8s.io": ["v1"], "scheduling.k8s.io": ["v1"], "coordination.k8s.io": ["v1"],
    "discovery.k8s.io": ["v1"], "node.k8s.io": ["v1"], "certificates.k8s.io": ["v1"],
    "events.k8s.io": ["v1"], "extensions": [],
  ]

  /// The resource a rule's entry names, without its subresource (`pods` for `pods/*` and
  /// `pods/status`, `*` for `*/scale`): the resource of the requests it may match.
  static func resourceName(_ entry: String) -> String {
    String(entry.prefix { $0 != "/" })
  }

  /// Whether a rule's entry names `resource`'s `subresource`, as the API server's matcher
  /// reads it (`rules.go`): the entry's resource is `*` or the request's, and its subresource
  /// (after the first `/`, none without one) is `*` or the request's.
  static func names(_ entry: String, resource: String, subresource: String) -> Bool {
    let slash = entry.firstIndex(of: "/")
    let named = slash.map { entry[..<$0] } ?? entry[...]
    let sub = slash.map { entry[entry.index(after: $0)...] } ?? ""
    return (named == "*" || named == resource) && (sub == "*" || sub == subresource)
  }

  /// Whether a rule's entry names subresources only (`pods/status`, `*/scale`), never an
  /// object itself.
  static func namesOnlySubresources(_ entry: String) -> Bool {
    guard let slash = entry.firstIndex(of: "/") else { return false }
    let sub = entry[entry.index(after: slash)...]
    return !sub.isEmpty && sub != "*"
  }

  func matches(_ request: AdmissionRequestFacts, exact: Bool) -> Bool {
    let resource = request.resource
    guard anyOperation || operations.contains(request.operation) else { return false }
    // `*` is every resource, `*/*` every resource and subresource; `pods/*` pods with every
    // subresource, the empty one (the pod itself) included, as the API server's rules read.
    // A request of a subresource (the webhook's) is matched entry by entry.
    if request.subresource.isEmpty {
      guard
        anyResource || resources.contains(resource.resource)
          || wholeResources.contains(resource.resource)
      else { return false }
    } else {
      guard
        resources.contains(where: {
          Self.names($0, resource: resource.resource, subresource: request.subresource)
        })
      else { return false }
    }
    if !resourceNames.isEmpty && !resourceNames.contains(request.name) { return false }
    if onlyNamespaced && !resource.namespaced || onlyClusterScoped && resource.namespaced {
      return false
    }
    if (anyGroup || apiGroups.contains(resource.group))
      && (anyVersion || apiVersions.contains(resource.version))
    {
      return true
    }
    guard !exact else { return false }
    // Equivalent: the same resource in another group or version the rule names, which a
    // server serves.
    let groups = Self.equivalentGroups[resource.resource] ?? [resource.group]
    guard groups.contains(resource.group) else { return false }
    return groups.contains { group in
      guard anyGroup || apiGroups.contains(group) else { return false }
      guard let served = Self.servedVersions[group] else { return !apiVersions.isEmpty }
      return anyVersion ? !served.isEmpty : apiVersions.contains(where: served.contains)
    }
  }
}

extension MatchResources {
  /// Whether the request is matched: a resource rule names it (no rule, as a binding may
  /// give, restricts nothing: the API server's matcher), no exclusion does, and the selectors
  /// accept its namespace's labels and its own.
  func matches(
    _ request: AdmissionRequestFacts, namespaceLabels: @autoclosure () -> Labels?,
    objectLabels: @autoclosure () -> Labels
  )
    -> Bool
  {
    if let resourceRules, !resourceRules.isEmpty,
      !Self.anyMatches(resourceRules, request, exact: exactMatch)
    {
      return false
    }
    if Self.anyMatches(excludeResourceRules, request, exact: exactMatch) { return false }
    if let objectMatcher, !objectMatcher.matches(objectLabels()) { return false }
    // A namespace selector applies to namespaced objects, and to Namespaces themselves.
    if let namespaceMatcher, !namespaceMatcher.selector.isEmpty {
      if request.resource.resource == "namespaces" {
        if !namespaceMatcher.matches(objectLabels()) { return false }
      } else if request.namespace != nil {
        if !namespaceMatcher.matches(namespaceLabels() ?? [:]) { return false }
      }
    }
    return true
  }

  /// Whether a rule of `rules` names the request. Each policy asks for every object: rules
  /// are read in place, where iterating copied each (a retain per field).
  private static func anyMatches(
    _ rules: borrowing [ResourceRule], _ request: AdmissionRequestFacts, exact: Bool
  ) -> Bool {
    for index in rules.indices where rules[index].matches(request, exact: exact) {
      return true
    }
    return false
  }
}
