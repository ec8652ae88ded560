import KubewardYAML

/// Which list of the pod spec a container comes from.
public enum ContainerRole: String, Sendable, CaseIterable {
  case initContainer = "initContainers"
  case container = "containers"
  case ephemeral = "ephemeralContainers"

  var key: Key {
    switch self {
    case .initContainer: .initContainers
    case .container: .containers
    case .ephemeral: .ephemeralContainers
    }
  }
}

/// One container of a pod spec.
public struct Container: Sendable {
  /// The container's mapping (its `- name:` item).
  public let node: Node
  public let role: ContainerRole
  /// The parsed image reference; `nil` when absent or not a valid reference (`$(IMAGE)`).
  /// Parsed once here: several policies look at it.
  public let imageReference: ImageReference?

  public init(node: Node, role: ContainerRole) {
    self.node = node
    self.role = role
    self.imageReference = node.scalar(.image)?.string.flatMap(ImageReference.init)
  }

  public var name: String? { node.scalar(.name)?.string }

  /// A native sidecar: an init container with `restartPolicy: Always`, which runs for the
  /// pod's whole life.
  public var isSidecar: Bool {
    role == .initContainer && node.scalar(.restartPolicy)?.textEquals("Always") == true
  }

  /// Runs for the pod's life: a regular container or a native sidecar.
  public var isLongRunning: Bool { role == .container || isSidecar }

  /// `container "app"`, `init container "setup"`, `sidecar container "proxy"`.
  public var displayName: String {
    let name = "\"\(self.name ?? "(unnamed)")\""
    switch role {
    case .container: return "container \(name)"
    case .initContainer: return isSidecar ? "sidecar container \(name)" : "init container \(name)"
    case .ephemeral: return "ephemeral container \(name)"
    }
  }

  /// The `image:` value.
  public var image: Node? { node.scalar(.image) }

  public var ports: [ContainerPort] {
    node.items(.ports).compactMap { $0.isMapping ? ContainerPort(node: $0) : nil }
  }

  public func probe(_ kind: ProbeKind) -> Probe? {
    guard let (key, value) = node.entry(kind.key), value.isMapping else { return nil }
    return Probe(kind: kind, key: key, node: value)
  }

  public var probes: [Probe] { ProbeKind.allCases.compactMap(probe) }

  public var resources: Resources { Resources(node: node.mapping(.resources)) }

  /// `volumeMounts:` entries: the volume's name and whether the mount is read-only.
  public var volumeMounts: [(volume: String, readOnly: Bool)] {
    node.items(.volumeMounts).compactMap { mount in
      mount.scalar(.name)?.string.map { ($0, mount.scalar(.readOnly)?.bool == true) }
    }
  }
}

/// One `ports:` entry of a container.
public struct ContainerPort: Sendable {
  public let node: Node

  public var number: Int? { node.scalar(.containerPort)?.int }
  public var name: String? { node.scalar(.name)?.string }
  /// `TCP` unless written.
  public var `protocol`: String { node.scalar(.protocol)?.string ?? "TCP" }
}

/// `resources:` of a container or pod.
public struct Resources: Sendable {
  public let node: Node?

  public init(node: Node?) {
    self.node = node
  }

  /// `limits.<resource>`, e.g. `limit(.memory)`; `nil` when unset.
  public func limit(_ resource: Key) -> Node? {
    node?.mapping(.limits)?.scalar(resource)
  }

  /// `requests.<resource>`; `nil` when unset.
  public func request(_ resource: Key) -> Node? {
    node?.mapping(.requests)?.scalar(resource)
  }
}
