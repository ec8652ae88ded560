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
}
