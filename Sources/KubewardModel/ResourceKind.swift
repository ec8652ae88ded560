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

  public init?(apiVersion: String, kind: String) {
    guard let known = Self.byName[kind],
      known.isServed(by: APIVersion.group(of: apiVersion))
    else { return nil }
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

  /// Kinds that live outside namespaces; their objects have no namespace.
  static let clusterScopedKinds: Set<String> = [
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "APIService", "CSIDriver",
    "CSINode", "VolumeAttachment", "PodSecurityPolicy", "CertificateSigningRequest",
    "ClusterIssuer", "VolumeSnapshotClass", "GatewayClass", "FlowSchema",
    "PriorityLevelConfiguration", "ComponentStatus", "ClusterRoleList", "ClusterRoleBindingList",
  ]
}
