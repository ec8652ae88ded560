import KubewardYAML

/// An Ingress, in `networking.k8s.io/v1` form or the older `extensions/v1beta1` and
/// `networking.k8s.io/v1beta1` form (`serviceName`/`servicePort`).
public struct Ingress: Sendable {
  public let object: KubeObject

  public init?(_ object: KubeObject) {
    guard object.resourceKind == .ingress else { return nil }
    self.object = object
  }

  /// Every Service backend: the default backend, then each rule's paths.
  public var backends: [IngressBackend] {
    guard let spec = object.spec else { return [] }
    var backends: [IngressBackend] = []
    for key in [Key.defaultBackend, .backend] {
      if let backend = spec.mapping(key).flatMap(IngressBackend.init) { backends.append(backend) }
    }
    for rule in spec.items(.rules) {
      for path in rule[.http]?.items(.paths) ?? rule.items(.paths) {
        if let backend = path.mapping(.backend).flatMap(IngressBackend.init) {
          backends.append(backend)
        }
      }
    }
    return backends
  }

  /// The ingress class: `spec.ingressClassName`, or the older `kubernetes.io/ingress.class`
  /// annotation; `nil` when the cluster's default class applies.
  public var className: String? {
    object.spec?.scalar(.ingressClassName)?.string
      ?? object.metadata.annotation("kubernetes.io/ingress.class")?.value.text
  }

  /// `spec.tls` entries.
  public var tls: [Node] {
    object.spec?.items(.tls).filter(\.isMapping) ?? []
  }
}

/// A backend that routes to a Service (resource backends are not modelled).
public struct IngressBackend: Sendable {
  /// The `backend:` mapping.
  public let node: Node
  /// The Service name's node (`service.name` or `serviceName`).
  public let serviceNameNode: Node
  /// The port's node (`service.port.number`, `service.port.name` or `servicePort`), if any.
  public let portNode: Node?

  init?(node: Node) {
    self.node = node
    if let service = node.mapping(.service) {
      guard let name = service.scalar(.name) else { return nil }
      serviceNameNode = name
      portNode = service.mapping(.port).flatMap { $0.scalar(.number) ?? $0.scalar(.name) }
    } else if let name = node.scalar(.serviceName) {
      serviceNameNode = name
      portNode = node.scalar(.servicePort)
    } else {
      return nil
    }
  }

  public var serviceName: String { serviceNameNode.string ?? "" }
  public var port: IntOrString? { IntOrString(portNode) }
}
