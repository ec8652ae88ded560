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
///
/// A class, though immutable: every policy walks every container, and passing a reference
/// costs one retain where copying the fields (node, image reference) cost a dozen.
public final class Container: Sendable {
  /// The container's mapping (its `- name:` item).
  public let node: Node
  public let role: ContainerRole
  /// The parsed image reference; `nil` when absent or not a valid reference (`$(IMAGE)`).
  /// Parsed once here: several policies look at it.
  public let imageReference: ImageReference?

  /// Its probes (liveness, readiness, startup, as written). Found once here: several policies
  /// look at them.
  public let probes: [Probe]

  public init(node: Node, role: ContainerRole) {
    self.node = node
    self.role = role
    self.imageReference = node.scalar(.image)?.string.flatMap(ImageReference.init)
    self.probes = ProbeKind.allCases.compactMap { kind in
      guard let (key, value) = node.entry(kind.key), value.isMapping else { return nil }
      return Probe(kind: kind, key: key, node: value)
    }
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
    var text: [UInt8] = []
    appendDisplayName(named: name, to: &text)
    return String(decoding: text, as: UTF8.self)
  }

  /// Appends `displayName`'s UTF-8 to `text`, given the container's `name`: findings write
  /// their whole message into one buffer.
  public func appendDisplayName(named name: String?, to text: inout [UInt8]) {
    let kind: StaticString
    switch role {
    case .container: kind = "container \""
    case .initContainer: kind = isSidecar ? "sidecar container \"" : "init container \""
    case .ephemeral: kind = "ephemeral container \""
    }
    text.append(
      contentsOf: UnsafeBufferPointer(start: kind.utf8Start, count: kind.utf8CodeUnitCount))
    text.append(contentsOf: (name ?? "(unnamed)").utf8)
    text.append(UInt8(ascii: "\""))
  }

  /// The `image:` value.
  public var image: Node? { node.scalar(.image) }

  /// `command` then `args`, as one list of words (scalars only).
  public var commandLine: [String] {
    (Array(node.items(.command)) + Array(node.items(.args))).compactMap(\.text)
  }

  /// A container that only keeps the pod alive: the `pause` image, or a command that sleeps
  /// forever (`sleep infinity`, `tail -f /dev/null`, `sleep 3600` and longer). It serves
  /// nothing, so it needs no readiness probe.
  public var isIdle: Bool {
    if let repository = imageReference?.repository,
      repository == "pause" || repository.hasSuffix("/pause")
    {
      return true
    }
    // Most containers give no command, and most commands start a server: both are ruled out
    // before any text is joined or split (this runs for every container).
    let commandLine = self.commandLine
    guard commandLine.contains(where: { ASCIIText.contains($0, anyOf: ["sleep", "tail"]) })
    else { return false }
    let words = commandLine.joined(separator: " ").split(whereSeparator: { $0 == " " || $0 == "\n" }
    )
    let text = words.joined(separator: " ")
    if text.contains("sleep infinity") || text.contains("tail -f /dev/null") { return true }
    // `sleep N` alone (perhaps through a shell), for an hour or more.
    let rest = words.filter { !["sh", "/bin/sh", "bash", "/bin/bash", "-c", "exec"].contains($0) }
    return rest.count == 2 && rest[0].hasSuffix("sleep")
      && (Int(rest[1]).map { $0 >= 3600 } ?? false)
  }

  /// `securityContext.readOnlyRootFilesystem: true`: the container's writable layer cannot
  /// grow.
  public var hasReadOnlyRootFilesystem: Bool {
    node.mapping(.securityContext)?["readOnlyRootFilesystem"]?.bool == true
  }

  public var ports: [ContainerPort] {
    node.items(.ports).compactMap { $0.isMapping ? ContainerPort(node: $0) : nil }
  }

  public func probe(_ kind: ProbeKind) -> Probe? {
    probes.first { $0.kind == kind }
  }

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
