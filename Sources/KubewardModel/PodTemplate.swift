import KubewardYAML

/// The pods an object runs: a Pod itself, a workload's `spec.template`, or a CronJob's
/// `spec.jobTemplate.spec.template`.
///
/// A class, though immutable, as `Container` is: every policy asks an object for its pod
/// spec, and handing over a reference costs one retain where a copy cost one per field.
public final class PodTemplate: Sendable {
  /// The template mapping (or the Pod), holding `metadata` and `spec`.
  public let node: Node
  public let spec: PodSpec
  /// What shows the pods run on a virtual node (see `VirtualNode`), found once here: several
  /// policies ask.
  public let virtualNodeEvidence: String?

  public init(node: Node, spec: PodSpec) {
    self.node = node
    self.spec = spec
    self.virtualNodeEvidence = VirtualNode.evidence(template: node, spec: spec)
  }

  public var metadata: ObjectMetadata { ObjectMetadata(node: node.mapping(.metadata)) }
  public var labels: Labels { metadata.labels }
}

extension PodTemplate {
  /// The pod template of a pod-bearing object; `nil` for other kinds or when it is missing or
  /// has no `spec`.
  static func of(_ object: Node, kind: ResourceKind) -> PodTemplate? {
    guard let template = templateNode(of: object, kind: kind),
      let podSpec = template.mapping(.spec)
    else { return nil }
    return PodTemplate(node: template, spec: PodSpec(node: podSpec))
  }

  /// The template mapping (or the Pod), whether or not it has a `spec`.
  static func templateNode(of object: Node, kind: ResourceKind) -> Node? {
    guard kind.isPodBearing else { return nil }
    let spec = object.mapping(.spec)
    switch kind {
    case .pod: return object
    case .cronJob: return spec?.mapping(.jobTemplate)?.mapping(.spec)?.mapping(.template)
    default: return spec?.mapping(.template)
    }
  }
}

extension KubeObject {
  /// The pod spec of a pod-bearing object.
  public var podSpec: PodSpec? { podTemplate?.spec }

  /// The labels of the pods a pod-bearing object runs, even when its template has no `spec`
  /// (a manifest the API server rejects, but whose selectors still say what it is).
  public var podLabelsNode: Node? {
    guard let kind = resourceKind else { return nil }
    return PodTemplate.templateNode(of: node, kind: kind)?.mapping(.metadata)?.mapping(.labels)
  }

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

  /// A StatefulSet's `spec.volumeClaimTemplates`: each becomes a PersistentVolumeClaim per pod.
  public var volumeClaimTemplates: NodeItems {
    resourceKind == .statefulSet ? spec?.items(.volumeClaimTemplates) ?? .none : .none
  }

  /// The workload's own label selector (`spec.selector`).
  public var workloadSelector: LabelSelector? {
    guard let selector = spec?[.selector] else { return nil }
    // ReplicationController's selector is a plain map.
    if resourceKind == .replicationController { return LabelSelector(serviceSelector: selector) }
    return LabelSelector(selector: selector)
  }
}

/// A pod's `spec`; a class for the reason `PodTemplate` is one.
public final class PodSpec: Sendable {
  public let node: Node
  /// Every container: init containers, then containers, then ephemeral containers.
  public let containers: [Container]

  /// `volumes:` entries. Found once here: several policies look at them.
  public let volumes: [Volume]
  /// By name, the first volume of each, for a pod of many volumes: `volume(named:)` asked
  /// for every mount of such a pod was quadratic (5 000 mounts of 5 000 volumes: 0.64 s).
  private let volumesByName: [String: Int]?

  public init(node: Node) {
    self.node = node
    var containers: [Container] = []
    for role in ContainerRole.allCases {
      for item in node.items(role.key) where item.isMapping {
        containers.append(Container(node: item, role: role))
      }
    }
    self.containers = containers
    let volumes = node.items(.volumes).compactMap { $0.isMapping ? Volume(node: $0) : nil }
    self.volumes = volumes
    if volumes.count > Self.volumesScanned {
      var byName: [String: Int] = [:]
      for (index, volume) in volumes.enumerated() {
        if let name = volume.name, byName[name] == nil { byName[name] = index }
      }
      volumesByName = byName
    } else {
      volumesByName = nil
    }
  }

  /// Up to this many volumes, a scan finds one sooner than a hash of its name would (most
  /// pods have a few).
  public static let volumesScanned = 16

  /// The first volume named `name`, as a mount refers to it.
  public func volume(named name: String) -> Volume? {
    guard let volumesByName else { return volumes.first { $0.name == name } }
    return volumesByName[name].map { volumes[$0] }
  }

  public func containers(_ role: ContainerRole) -> [Container] {
    containers.filter { $0.role == role }
  }

  /// `imagePullSecrets:` (a sequence of `{name: …}`), with its key node.
  public var imagePullSecrets: (key: Node, value: Node)? { node.entry(.imagePullSecrets) }

  /// `serviceAccountName`, or the deprecated `serviceAccount`.
  public var serviceAccountName: Node? {
    node.scalar(.serviceAccountName) ?? node.scalar(.serviceAccount)
  }

  public var securityContext: Node? { node.mapping(.securityContext) }

  public var dnsPolicy: Node? { node.scalar(.dnsPolicy) }

  /// `hostNetwork: true`.
  public var usesHostNetwork: Bool { node.scalar(.hostNetwork)?.bool == true }

  /// Pod-level `resources` (Kubernetes 1.32+), which bound all containers together.
  public var resources: Resources { Resources(node: node.mapping(.resources)) }

  /// The names of the volumes a container of any kind (an init or ephemeral one too) mounts.
  public func mountedVolumes() -> Set<String> {
    Set(containers.flatMap { $0.volumeMounts.map(\.volume) })
  }

  /// The names of the volumes that a container that runs (a regular one, a sidecar) mounts
  /// writable. Any other volume is written only by init containers, before the pod starts:
  /// it holds what they set up. One pass over the mounts.
  public func volumesWrittenWhileRunning() -> Set<String> {
    Set(
      containers.filter(\.isLongRunning).flatMap { container in
        container.volumeMounts.filter { !$0.readOnly }.map(\.volume)
      })
  }

  /// Of those, the volumes a container that runs mounts writable where files may grow:
  /// elsewhere than where configuration and credentials live (`/etc/...`, `.../secrets/...`:
  /// Istio's `/etc/istio/proxy` and `workload-certs`, Ceph's `/etc/ceph`), than as one
  /// configuration file of the volume (`subPath: nginx.conf`), and than in a folder the
  /// container names for its own small files (`--cert-dir=/tmp`, `ROOK_CONFIG_DIR`). Any
  /// other volume holds small files. Once
  /// per pod: per volume, it was quadratic in a pod of thousands of mounts.
  public func volumesGrowingWhileRunning() -> Set<String> {
    Set(
      containers.filter(\.isLongRunning).flatMap { container in
        // Read from the command line only when a mount asks: most mounts are settled first.
        var smallFileFolders: Set<[UInt8]>?
        return container.volumeMounts.filter { mount in
          guard !mount.readOnly, !Container.holdsOneConfigFile(subPath: mount.subPath) else {
            return false
          }
          guard let path = mount.path else { return true }
          if Container.holdsSmallFiles(mountedAt: path) { return false }
          let folders = smallFileFolders ?? container.smallFileFolders
          smallFileFolders = folders
          return !Container.holdsSmallFiles(mountedAt: path, smallFileFolders: folders)
        }.map(\.volume)
      })
  }

  /// The names of the volumes that are folders for a Unix socket, which hold nothing that
  /// grows: a word of the name says so (SPIRE's `spire-agent-socket-dir`, not
  /// `websocket-uploads`), or a container that mounts it names a socket under the mount in its
  /// command or environment (a CSI sidecar's `--csi-address=/csi/csi.sock`). One pass over the
  /// volumes and one over the mounts: asked per volume, a pod of thousands of each was
  /// quadratic.
  public func socketFolders() -> Set<String> {
    var folders: Set<String> = []
    for name in volumes.compactMap(\.name) where Self.namesSocketFolder(name) {
      folders.insert(name)
    }
    // Every mount is looked for in every candidate: bounded, as a hostile pod may have
    // thousands of each. Past the bound a folder is not known to hold a socket (a finding
    // may stay that a socket would have silenced).
    var searched = 0
    for container in containers {
      let mounts = container.volumeMountPaths
      guard !mounts.isEmpty else { continue }
      let flagged = container.socketFolderFlags
      for mount in mounts {
        // Most mounts are neither: their length says so before any text is made.
        guard !flagged.isEmpty || Self.knownSocketFolderLengths.contains(mount.path.utf8.count)
        else { continue }
        let path = mount.path.hasSuffix("/") ? String(mount.path.dropLast()) : mount.path
        // A known folder of an emptyDir only (Argo CD's is): a host folder mounted there may be
        // anything, the node's root too. Of a container that runs, as the exported policies
        // read it (their `allContainers`).
        if flagged.contains(path)
          || (container.isLongRunning && Self.knownSocketFolders.contains(path)
            && volume(named: mount.volume)?.emptyDir != nil)
        {
          folders.insert(mount.volume)
        }
      }
      let candidates = container.socketCandidates
      guard !candidates.isEmpty else { continue }
      let bytes = candidates.reduce(0) { $0 + $1.utf8.count }
      for mount in mounts {
        searched += bytes + mount.path.utf8.count
        guard searched <= Self.socketSearchBytes else { return folders }
        if container.namesSocket(under: mount.path, in: candidates) { folders.insert(mount.volume) }
      }
    }
    return folders
  }

  /// ASCII case only, as CEL's `lowerAscii` in the exported policies. (Most names hold no
  /// `sock`: answered before the name is split.)
  private static func namesSocketFolder(_ volume: String) -> Bool {
    guard ASCIIText.contains(volume, anyOf: ["sock"]) else { return false }
    let words = ASCIIText.words(of: [volume]) {
      $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
    }
    return words.contains { ASCIIText.equals($0, anyOf: socketWords) }
  }

  private static let socketWords: [StaticString] = ["socket", "sockets", "sock"]

  /// Folders programs keep Unix sockets in by convention, named nowhere in the pod: Argo CD's
  /// config management plugins, whose sidecars each make `<plugin>.sock` there for the
  /// repo server (its `common.DefaultPluginSockFilePath`). Without a trailing `/`.
  public static let knownSocketFolders: Set<String> = ["/home/argocd/cmp-server/plugins"]
  /// Their lengths in bytes, with a trailing `/` or without.
  private static let knownSocketFolderLengths = Set(
    knownSocketFolders.flatMap { [$0.utf8.count, $0.utf8.count + 1] })

  /// The bytes `socketFolders()` searches at most: a hundred times a large pod's.
  static let socketSearchBytes = 10_000_000

}
