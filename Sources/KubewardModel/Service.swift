import KubewardYAML

/// A core `v1` Service.
public struct Service: Sendable {
  public let object: KubeObject

  public init?(_ object: KubeObject) {
    guard object.resourceKind == .service else { return nil }
    self.object = object
  }

  var spec: Node? { object.spec }

  /// `spec.type`, `ClusterIP` when unset.
  public var type: String { typeNode?.string ?? "ClusterIP" }
  public var typeNode: Node? { spec?.scalar(.type) }

  public var clusterIPNode: Node? { spec?.scalar(.clusterIP) }
  /// `clusterIP: None`.
  public var isHeadless: Bool { clusterIPNode?.textEquals("None") == true }

  /// The `selector:` map's node.
  public var selectorNode: Node? { spec?.mapping(.selector) }
  /// The selector; `nil` when the Service has none (its endpoints are managed by hand).
  public var selector: LabelSelector? { LabelSelector(serviceSelector: selectorNode) }

  public var ports: [ServicePort] {
    spec?.items(.ports).compactMap { $0.isMapping ? ServicePort(node: $0) : nil } ?? []
  }

  public var externalTrafficPolicyNode: Node? { spec?.scalar(.externalTrafficPolicy) }

  public var publishNotReadyAddresses: Bool {
    spec?.scalar(.publishNotReadyAddresses)?.bool == true
  }

  public var annotations: Node? { object.metadata.annotations }

  /// `prometheus.io/scrape: "true"`: Prometheus' Kubernetes discovery scrapes the Service's
  /// endpoints, every pod.
  public var isScrapedByAnnotation: Bool {
    object.metadata.annotation("prometheus.io/scrape")?.value.text == "true"
  }

  /// ExternalDNS publishes a name for it (`external-dns.alpha.kubernetes.io/hostname`): for a
  /// headless Service, a record of every pod's address, which is what it is headless for.
  public var isPublishedByExternalDNS: Bool {
    object.metadata.annotation("external-dns.alpha.kubernetes.io/hostname") != nil
      || object.metadata.annotation("external-dns.kubernetes.io/hostname") != nil
  }
}

/// One `ports:` entry of a Service.
public struct ServicePort: Sendable {
  public let node: Node

  public var name: String? { node.scalar(.name)?.string }
  public var portNode: Node? { node.scalar(.port) }
  public var port: Int? { portNode?.int }
  /// `TCP` unless written.
  public var `protocol`: String { node.scalar(.protocol)?.string ?? "TCP" }
  public var targetPortNode: Node? { node.scalar(.targetPort) }
  /// `targetPort`; the API defaults it to `port`.
  /// `targetPort`, or `port` when it is absent or 0, which the API defaults to `port`.
  public var targetPort: IntOrString? {
    switch IntOrString(targetPortNode) {
    case nil, .int(0)?: port.map(IntOrString.int)
    case let written: written
    }
  }
  public var nodePortNode: Node? { node.scalar(.nodePort) }
  public var nodePort: Int? { nodePortNode?.int }
  /// `appProtocol` (`grpc`, `kubernetes.io/h2c`, …), if written.
  public var appProtocol: String? { node.scalar(.appProtocol)?.string }
}
