import KubewardYAML

/// One `volumes:` entry of a pod spec.
public struct Volume: Sendable {
  public let node: Node

  public var name: String? { node.scalar(.name)?.string }

  /// The volume source: the first source field written and not null (`emptyDir`, `hostPath`,
  /// `configMap`, …) with its key and value nodes; `nil` for a volume without one, which the
  /// API server makes an `emptyDir` (see `emptyDir`).
  public var source: (type: String, key: Node, value: Node)? {
    for (key, _) in node.pairs {
      // A key written twice is its last value, as the API server reads it.
      guard let type = key.string, Self.sourceNames.contains(type),
        let last = node.entry(type), !last.value.isNull
      else { continue }
      return (type, last.key, last.value)
    }
    return nil
  }

  /// The PersistentVolumeClaim the volume mounts writable (`persistentVolumeClaim.claimName`,
  /// without `readOnly: true`), which every pod of the workload shares.
  public var writableClaimName: String? {
    guard let (_, claim) = source(.persistentVolumeClaim), claim.scalar(.readOnly)?.bool != true
    else { return nil }
    return claim["claimName"]?.string
  }

  /// The source's value when the volume is of type `key` (`.emptyDir`, `.hostPath`, …): a
  /// source written as null is none (the API server decodes it as a nil pointer).
  public func source(_ key: Key) -> (key: Node, value: Node)? {
    guard let entry = node.entry(key), !entry.value.isNull else { return nil }
    return entry
  }

  /// The volume's `emptyDir`: the one written (its key and value), or the `emptyDir: {}` the
  /// API server makes of a volume without a source (`SetDefaults_Volume`), placed at the
  /// key of the `emptyDir` written null or else of `name`, with no value.
  public var emptyDir: (key: Node, value: Node?)? {
    if let written = source(.emptyDir) { return (written.key, written.value) }
    guard Self.isSourceless(node) else { return nil }
    return (node.entry(.emptyDir)?.key ?? node.entry(.name)?.key ?? node, nil)
  }

  /// The fields of a `VolumeSource` (k8s.io/api core/v1), all pointers.
  public static let sourceNames: Set<String> = [
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
    "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs",
    "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte",
    "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos",
    "csi", "ephemeral", "image",
  ]

  /// Whether the volume mapping `volume` sets none of the sources (`AllPtrFieldsNil`): a
  /// source written as null is none, and so is a misspelt one, which the API server drops as
  /// it decodes the volume. Each source is looked up by name, as the API server reads a key
  /// written twice (the last one), and in at most 30 lookups whatever the mapping's size
  /// (admission asks it on every read of the volume's fields).
  public static func isSourceless(_ volume: Node) -> Bool {
    guard volume.isMapping else { return false }
    return !sourceNames.contains { name in volume.value(forKey: name).map { !$0.isNull } ?? false }
  }
}
