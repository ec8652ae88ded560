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

  /// The API groups that serve the kind, current and removed ones alike ("" is the core group).
  var groups: Set<String> {
    switch self {
    case .pod, .replicationController, .service, .limitRange: [""]
    case .deployment, .daemonSet, .replicaSet: ["apps", "extensions"]
    case .statefulSet: ["apps"]
    case .job, .cronJob: ["batch"]
    case .ingress: ["networking.k8s.io", "extensions"]
    case .horizontalPodAutoscaler: ["autoscaling"]
    case .podDisruptionBudget: ["policy"]
    }
  }

  public init?(apiVersion: String, kind: String) {
    guard let known = ResourceKind(rawValue: kind),
      known.groups.contains(APIVersion.group(of: apiVersion))
    else { return nil }
    self = known
  }

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
  public static func group(of apiVersion: String) -> String {
    guard let slash = apiVersion.firstIndex(of: "/") else { return "" }
    return String(apiVersion[..<slash])
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
