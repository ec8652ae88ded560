/// A tree's nodes read by id, for walks that visit every node of an object: the `schema`
/// policy checks some 65 values an object. A `Node` holds a reference to its tree, so making
/// one per value visited costs a retain and a release each; a view holds plain pointers, and
/// is only lent out for the duration of `Node.withTreeView`, while the node keeps the tree
/// alive.
public struct TreeView {
  @usableFromInline let nodes: UnsafePointer<RawNode>
  @usableFromInline let children: UnsafePointer<NodeID>
  @usableFromInline let text: UnsafePointer<UInt8>?

  @inlinable
  init(_ tree: NodeTree) {
    nodes = UnsafePointer(tree.nodeStorage.unsafelyUnwrapped)
    children = UnsafePointer(tree.childStorage.unsafelyUnwrapped)
    text = UnsafePointer(tree.textStorage)
  }

  @inlinable public func kind(_ id: NodeID) -> NodeKind { nodes[Int(id)].kind }

  /// The pairs of a mapping, the items of a sequence; 0 for a scalar.
  @inlinable
  public func childCount(_ id: NodeID) -> Int {
    let raw = nodes[Int(id)]
    switch raw.kind {
    case .scalar: return 0
    case .mapping: return Int(raw.count) / 2
    case .sequence: return Int(raw.count)
    }
  }

  /// The `Key` raw value of a mapping's `index`th key, or -1 for a key the model does not
  /// know (see `Node.key`).
  @inlinable
  public func keyOrdinal(_ mapping: NodeID, pair index: Int) -> Int {
    let keyID = children[Int(nodes[Int(mapping)].first) + 2 * index]
    return Int(nodes[Int(keyID)].key)
  }

  /// The value of a mapping's `index`th pair.
  @inlinable
  public func value(_ mapping: NodeID, pair index: Int) -> NodeID {
    children[Int(nodes[Int(mapping)].first) + 2 * index + 1]
  }

  /// The `index`th item of a sequence.
  @inlinable
  public func item(_ sequence: NodeID, _ index: Int) -> NodeID {
    children[Int(nodes[Int(sequence)].first) + index]
  }

  /// `Node.jsonType`.
  @inlinable
  public func jsonType(_ id: NodeID) -> JSONType {
    let raw = nodes[Int(id)]
    switch raw.kind {
    case .mapping: return .object
    case .sequence: return .array
    case .scalar:
      return JSONType.ofScalar(
        style: raw.style,
        UnsafeBufferPointer(start: text.map { $0 + Int(raw.first) }, count: Int(raw.count)))
    }
  }
}

extension Node {
  /// Calls `body` with a view of this node's tree (see `TreeView`), valid only during the call.
  @inlinable
  public func withTreeView<Result>(_ body: (TreeView) throws -> Result) rethrows -> Result {
    try withExtendedLifetime(tree) { try body(TreeView(tree)) }
  }
}
