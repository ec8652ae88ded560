/// The kinds kubeward models, recognised by API group as well as kind, so that a custom
/// resource that happens to be called `Service` (Knative's, say) is not read as a core one.
public enum ResourceKind: String, Sendable, CaseIterable {
  case pod = "Pod"
  case deployment = "Deployment"
  case statefulSet = "StatefulSet"
  case daemonSet = "DaemonSet"
  case replicaSet = "ReplicaSet"
  case replicationController = "ReplicationController"
  case job = "Job"
  case cronJob = "CronJob"
  case service = "Service"
  case ingress = "Ingress"
  case horizontalPodAutoscaler = "HorizontalPodAutoscaler"
  case podDisruptionBudget = "PodDisruptionBudget"
  case limitRange = "LimitRange"
  /// Prometheus Operator's monitors, which discover Services' and pods' endpoints to scrape.
  case serviceMonitor = "ServiceMonitor"
  case podMonitor = "PodMonitor"

  /// Whether `group` serves the kind, in a current or a removed version ("" is the core group).
  func isServed(by group: Substring) -> Bool {
    switch self {
    case .pod, .replicationController, .service, .limitRange: group.isEmpty
    case .deployment, .daemonSet, .replicaSet: group == "apps" || group == "extensions"
    case .statefulSet: group == "apps"
    case .job, .cronJob: group == "batch"
    case .ingress: group == "networking.k8s.io" || group == "extensions"
    case .horizontalPodAutoscaler: group == "autoscaling"
    case .podDisruptionBudget: group == "policy"
    case .serviceMonitor, .podMonitor: group == "monitoring.coreos.com"
    }
  }

  /// The kind an object of `apiVersion` and `kind` is, when Kubernetes serves (or served)
  /// that kind at that apiVersion: `v1` Deployments and `apps/v2` ones are no Deployments the
  /// API server knows (`deprecated-api-version` reports them).
  public init?(apiVersion: String, kind: String) {
    guard let known = Self.byName[kind],
      known.isServed(by: APIVersion.group(of: apiVersion))
    else { return nil }
    if known != .serviceMonitor && known != .podMonitor {
      guard
        APIVersion.served[kind]?.contains(apiVersion) == true
          || APIVersion.removed[kind]?.contains(apiVersion) == true
      else { return nil }
    }
    self = known
  }

  /// Every kind by its name: one hash, where `init(rawValue:)` compares the name with each
  /// case in turn, for every document of a run.
  private static let byName = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

  /// Kinds that run pods: they have a pod template (or are a Pod).
  public var isPodBearing: Bool {
    switch self {
    case .pod, .deployment, .statefulSet, .daemonSet, .replicaSet, .replicationController, .job,
      .cronJob:
      true
    default: false
    }
  }

  /// Kinds whose pods are meant to run indefinitely behind Services.
  public var isLongRunningWorkload: Bool {
    switch self {
    case .deployment, .statefulSet, .daemonSet, .replicaSet, .replicationController: true
    default: false
    }
  }
}

public enum APIVersion {
  /// `apps/v1` → `apps`; `v1` → `` (the core group).
  public static func group(of apiVersion: String) -> Substring {
    guard let slash = apiVersion.utf8.firstIndex(of: UInt8(ascii: "/")) else { return "" }
    return apiVersion[..<slash]
  }

  /// Whether the apiVersion belongs to a custom resource: a group with a dot that is not one of
  /// Kubernetes' own (`*.k8s.io`).
  public static func isCustomResource(_ apiVersion: String) -> Bool {
    let group = group(of: apiVersion)
    return group.contains(".") && !group.hasSuffix(".k8s.io") && group != "k8s.io"
  }

  /// Whether a custom resource of `kind` is known to run no pods and make no Services: it
  /// configures what other controllers do (an autoscaler, a monitor, a certificate, a secret,
  /// a mesh's routing). Named after the app it configures (ScaledObject `web` for Deployment
  /// `web`), it is none of the app's pods' owners.
  public static func runsNoPods(_ apiVersion: String, kind: String) -> Bool {
    podlessKinds[String(group(of: apiVersion))]?.contains(kind) ?? false
  }

  private static let podlessKinds: [String: Set<String>] = {
    let traefik: Set<String> = [
      "IngressRoute", "IngressRouteTCP", "IngressRouteUDP", "Middleware", "MiddlewareTCP",
      "TLSOption", "TLSStore", "ServersTransport",
    ]
    return [
      // KEDA's ScaledJob runs Jobs: not listed.
      "keda.sh": ["ScaledObject", "TriggerAuthentication", "ClusterTriggerAuthentication"],
      // Prometheus and Alertmanager run pods: not listed.
      "monitoring.coreos.com": [
        "ServiceMonitor", "PodMonitor", "PrometheusRule", "Probe", "AlertmanagerConfig",
        "ScrapeConfig",
      ],
      "cert-manager.io": ["Certificate", "CertificateRequest", "Issuer", "ClusterIssuer"],
      "external-secrets.io": [
        "ExternalSecret", "ClusterExternalSecret", "SecretStore", "ClusterSecretStore",
        "PushSecret",
      ],
      "bitnami.com": ["SealedSecret"],
      "networking.istio.io": [
        "VirtualService", "DestinationRule", "ServiceEntry", "Sidecar", "EnvoyFilter",
      ],
      "security.istio.io": ["PeerAuthentication", "RequestAuthentication", "AuthorizationPolicy"],
      "traefik.io": traefik,
      "traefik.containo.us": traefik,
      "cloud.google.com": ["BackendConfig"],
      "networking.gke.io": ["ManagedCertificate", "FrontendConfig"],
      "kyverno.io": ["Policy", "ClusterPolicy"],
    ]
  }()

  /// The apiVersions current Kubernetes serves for its built-in kinds.
  public static let served: [String: Set<String>] = {
    var table: [String: Set<String>] = [:]
    func add(_ apiVersions: [String], _ kinds: [String]) {
      for kind in kinds { table[kind, default: []].formUnion(apiVersions) }
    }
    add(
      ["v1"],
      [
        "Pod", "Service", "ReplicationController", "ConfigMap", "Secret", "Namespace",
        "ServiceAccount", "PersistentVolumeClaim", "PersistentVolume", "LimitRange",
        "ResourceQuota", "Endpoints", "Node", "Event", "PodTemplate", "Binding",
      ])
    add(
      ["apps/v1"], ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ControllerRevision"])
    add(["batch/v1"], ["Job", "CronJob"])
    add(["networking.k8s.io/v1"], ["Ingress", "IngressClass", "NetworkPolicy"])
    add(["autoscaling/v1", "autoscaling/v2"], ["HorizontalPodAutoscaler"])
    add(["policy/v1"], ["PodDisruptionBudget"])
    add(
      ["rbac.authorization.k8s.io/v1"],
      ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"])
    add(["apiextensions.k8s.io/v1"], ["CustomResourceDefinition"])
    add(
      ["storage.k8s.io/v1"],
      ["StorageClass", "CSIDriver", "CSINode", "VolumeAttachment", "CSIStorageCapacity"])
    add(["scheduling.k8s.io/v1"], ["PriorityClass"])
    add(["node.k8s.io/v1"], ["RuntimeClass"])
    add(["coordination.k8s.io/v1"], ["Lease"])
    add(["discovery.k8s.io/v1"], ["EndpointSlice"])
    add(["events.k8s.io/v1"], ["Event"])
    add(
      ["admissionregistration.k8s.io/v1"],
      ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"])
    add(["apiregistration.k8s.io/v1"], ["APIService"])
    add(["certificates.k8s.io/v1"], ["CertificateSigningRequest"])
    add(["flowcontrol.apiserver.k8s.io/v1"], ["FlowSchema", "PriorityLevelConfiguration"])
    return table
  }()

  /// apiVersions Kubernetes once served for the kinds kubeward models and has removed since:
  /// objects of them are still read as those kinds (`deprecated-api-version` names the
  /// replacement).
  public static let removed: [String: Set<String>] = [
    "Deployment": ["extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"],
    "DaemonSet": ["extensions/v1beta1", "apps/v1beta2"],
    "ReplicaSet": ["extensions/v1beta1", "apps/v1beta2"],
    "StatefulSet": ["apps/v1beta1", "apps/v1beta2"],
    "CronJob": ["batch/v1beta1", "batch/v2alpha1"],
    "Ingress": ["extensions/v1beta1", "networking.k8s.io/v1beta1"],
    "HorizontalPodAutoscaler": ["autoscaling/v2beta1", "autoscaling/v2beta2"],
    "PodDisruptionBudget": ["policy/v1beta1"],
  ]

  /// Whether a group is one of Kubernetes' own: the core group, a group without a dot (`apps`,
  /// `batch`, `policy`), or one ending in `.k8s.io`. Kinds of other groups are custom
  /// resources, whatever their names.
  public static func isKubernetesGroup(_ group: Substring) -> Bool {
    !group.contains(".") || group.hasSuffix(".k8s.io")
  }

  /// Kinds that live outside namespaces; their objects have no namespace.
  static let clusterScopedKinds: Set<String> = [
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "InitializerConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "APIService", "CSIDriver",
    "CSINode", "VolumeAttachment", "PodSecurityPolicy", "CertificateSigningRequest",
    "ClusterIssuer", "VolumeSnapshotClass", "GatewayClass", "FlowSchema",
    "PriorityLevelConfiguration", "ComponentStatus", "ClusterRoleList", "ClusterRoleBindingList",
  ]
}
