/// The index of a node in its `NodeTree`.
public typealias NodeID = UInt32

/// What a node is.
public enum NodeKind: UInt8, Sendable, BitwiseCopyable {
  case scalar
  case mapping
  case sequence
}

/// How a scalar was written; a quoted `"<<"` is not a merge key and a quoted `"null"` is text.
public enum ScalarStyle: UInt8, Sendable {
  case plain
  case singleQuoted
  case doubleQuoted
  case literal
  case folded
}

/// One node, 32 bytes, stored by value in one array per file: parsing allocates no object per
/// node, and a subtree is never copied (an alias is the anchored node's id).
struct RawNode: BitwiseCopyable {
  var kind: NodeKind
  /// `ScalarStyle` raw value for scalars; 1 for flow collections, 0 for block ones.
  var style: UInt8
  /// The `Key` raw value when this scalar is a mapping key the model knows, otherwise -1.
  var key: Int16
  var startLine: UInt32
  var startColumn: UInt32
  var endLine: UInt32
  var endColumn: UInt32
  /// Scalars: offset of the text in `NodeTree.text`. Collections: first slot in `children`.
  var first: UInt32
  /// Scalars: byte length of the text. Mappings: 2 × pairs (key, value, key, value, …).
  /// Sequences: items.
  var count: UInt32
  /// The collection that holds this node (the first one, when aliases share it).
  var parent: NodeID
}

/// Every node of one parsed file, in document order. Immutable once the reader returns it, so
/// it is shared freely between threads. It owns the buffers the reader filled.
public final class NodeTree: @unchecked Sendable {
  let nodes: RawBuffer<RawNode>
  let children: RawBuffer<NodeID>
  let text: RawBuffer<UInt8>

  init(nodes: RawBuffer<RawNode>, children: RawBuffer<NodeID>, text: RawBuffer<UInt8>) {
    self.nodes = nodes
    self.children = children
    self.text = text
  }

  deinit {
    nodes.deallocate()
    children.deallocate()
    text.deallocate()
  }

  /// The number of nodes the file produced.
  public var nodeCount: Int { nodes.count }

  /// The node with the given id.
  public func node(_ id: NodeID) -> Node {
    precondition(Int(id) < nodes.count, "node id \(id) out of range")
    return Node(tree: self, id: id)
  }

  static let noParent = NodeID.max
  static let empty = NodeTree(nodes: RawBuffer(), children: RawBuffer(), text: RawBuffer())
}
