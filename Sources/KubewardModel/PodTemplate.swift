import KubewardYAML

/// The pods an object runs: a Pod itself, a workload's `spec.template`, or a CronJob's
/// `spec.jobTemplate.spec.template`.
public struct PodTemplate: Sendable {
  /// The template mapping (or the Pod), holding `metadata` and `spec`.
  public let node: Node
  public let spec: PodSpec

  public var metadata: ObjectMetadata { ObjectMetadata(node: node.mapping(.metadata)) }
  public var labels: Labels { metadata.labels }
}

extension KubeObject {
  /// The pod template of a pod-bearing object; `nil` for other kinds or when it is missing.
  public var podTemplate: PodTemplate? {
    guard let kind = resourceKind, kind.isPodBearing else { return nil }
    let template: Node?
    switch kind {
    case .pod: template = node
    case .cronJob: template = spec?.mapping(.jobTemplate)?.mapping(.spec)?.mapping(.template)
    default: template = spec?.mapping(.template)
    }
    guard let template, let podSpec = template.mapping(.spec) else { return nil }
    return PodTemplate(node: template, spec: PodSpec(node: podSpec))
  }

  /// The pod spec of a pod-bearing object.
  public var podSpec: PodSpec? { podTemplate?.spec }

  /// `spec.replicas` of a Deployment, StatefulSet, ReplicaSet or ReplicationController: the
  /// value (1 when unset, as the API defaults it) and its node when written.
  public var replicas: (count: Int, node: Node?)? {
    switch resourceKind {
    case .deployment, .statefulSet, .replicaSet, .replicationController:
      guard let node = spec?.scalar(.replicas) else { return (1, nil) }
      return node.int.map { ($0, node) }
    default:
      return nil
    }
  }

  /// The workload's own label selector (`spec.selector`).
  public var workloadSelector: LabelSelector? {
    guard let selector = spec?[.selector] else { return nil }
    // ReplicationController's selector is a plain map.
    if resourceKind == .replicationController { return LabelSelector(serviceSelector: selector) }
    return LabelSelector(selector: selector)
  }
}

/// A pod's `spec`.
public struct PodSpec: Sendable {
  public let node: Node

  public init(node: Node) {
    self.node = node
  }

  /// Every container: init containers, then containers, then ephemeral containers.
  public var containers: [Container] {
    ContainerRole.allCases.flatMap { containers($0) }
  }

  public func containers(_ role: ContainerRole) -> [Container] {
    node.items(role.key).compactMap { item in
      item.isMapping ? Container(node: item, role: role) : nil
    }
  }

  public var volumes: [Volume] {
    node.items(.volumes).compactMap { $0.isMapping ? Volume(node: $0) : nil }
  }

  /// `imagePullSecrets:` (a sequence of `{name: …}`), with its key node.
  public var imagePullSecrets: (key: Node, value: Node)? { node.entry(.imagePullSecrets) }

  /// `serviceAccountName`, or the deprecated `serviceAccount`.
  public var serviceAccountName: Node? {
    node.scalar(.serviceAccountName) ?? node.scalar(.serviceAccount)
  }

  public var securityContext: Node? { node.mapping(.securityContext) }

  public var dnsPolicy: Node? { node.scalar(.dnsPolicy) }

  /// Pod-level `resources` (Kubernetes 1.32+), which bound all containers together.
  public var resources: Resources { Resources(node: node.mapping(.resources)) }
}
