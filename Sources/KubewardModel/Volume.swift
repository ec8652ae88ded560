import KubewardYAML

/// One `volumes:` entry of a pod spec.
public struct Volume: Sendable {
  public let node: Node

  public var name: String? { node.scalar(.name)?.string }

  /// The volume source: the key other than `name` (`emptyDir`, `hostPath`, `configMap`, …)
  /// with its key and value nodes.
  public var source: (type: String, key: Node, value: Node)? {
    for (key, value) in node.pairs where key.key != .name {
      if let type = key.string { return (type, key, value) }
    }
    return nil
  }

  /// The source's value when the volume is of type `key` (`.emptyDir`, `.hostPath`, …).
  public func source(_ key: Key) -> (key: Node, value: Node)? { node.entry(key) }

  /// The volume's `emptyDir`: the one written (its key and value), or the `emptyDir: {}` the
  /// API server makes of a volume without a source (`SetDefaults_Volume`), placed at the
  /// key of the `emptyDir` written null or else of `name`, with no value.
  public var emptyDir: (key: Node, value: Node?)? {
    let written = source(.emptyDir)
    if let written, !written.value.isNull { return (written.key, written.value) }
    guard Self.isSourceless(node) else { return nil }
    return (written?.key ?? node.entry(.name)?.key ?? node, nil)
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
  /// it decodes the volume. A volume of more pairs than there are sources asks for each
  /// source by name instead of reading every pair (admission asks it on every read of the
  /// volume's fields).
  public static func isSourceless(_ volume: Node) -> Bool {
    guard volume.isMapping else { return false }
    if volume.pairs.count <= sourceNames.count + 1 {
      return !volume.pairs.contains { pair in
        !pair.value.isNull && pair.key.string.map(sourceNames.contains) == true
      }
    }
    return !sourceNames.contains { name in volume.value(forKey: name).map { !$0.isNull } ?? false }
  }
}
