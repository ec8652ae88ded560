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

/// The tag a scalar was given explicitly (`!!int 3`, `!!binary aGk=`), which decides how
/// Kubernetes' YAML decoder reads it.
public enum ScalarTag: UInt8, Sendable {
  /// No tag: the scalar's style and text decide (a plain `3` is a number, `"3"` text).
  case none = 0
  /// `!!str` or the non-specific `!`: text whatever it looks like.
  case str
  case int
  case float
  case bool
  case null
  /// `!!binary`: base64, which the reader decodes (the scalar's text is the decoded bytes).
  case binary
  /// Any other tag, such as an application's own `!Ref`: Kubernetes reads the text.
  case other
}

/// One node, 32 bytes, stored by value in one array per file: parsing allocates no object per
/// node, and a subtree is never copied (an alias is the anchored node's id).
@usableFromInline @frozen
struct RawNode: BitwiseCopyable {
  @usableFromInline var kind: NodeKind
  /// Low four bits: the `ScalarStyle` raw value for scalars; 1 for flow collections, 0 for
  /// block ones. High four bits: a scalar's `ScalarTag`. So 0 is a plain scalar without a tag.
  @usableFromInline var style: UInt8
  /// The `Key` raw value when this scalar is a mapping key the model knows, otherwise -1.
  @usableFromInline var key: Int16
  @usableFromInline var startLine: UInt32
  @usableFromInline var startColumn: UInt32
  @usableFromInline var endLine: UInt32
  @usableFromInline var endColumn: UInt32
  /// Scalars: offset of the text in `NodeTree.text`. Collections: first slot in `children`.
  @usableFromInline var first: UInt32
  /// Scalars: byte length of the text. Mappings: 2 × pairs (key, value, key, value, …).
  /// Sequences: items.
  @usableFromInline var count: UInt32
  /// The collection that holds this node (the first one, when aliases share it).
  @usableFromInline var parent: NodeID
}

/// Every node of one parsed file, in document order. Immutable once the reader returns it, so
/// it is shared freely between threads. It owns the buffers the reader filled.
public final class NodeTree: @unchecked Sendable {
  let nodes: RawBuffer<RawNode>
  let children: RawBuffer<NodeID>
  let text: RawBuffer<UInt8>

  // The same memory, for `Node`'s accessors: they are inlinable, so that the model and the
  // policies (other modules) read nodes without a call, a retain and a release per access.
  @usableFromInline let nodeStorage: UnsafeMutablePointer<RawNode>?
  @usableFromInline let childStorage: UnsafeMutablePointer<NodeID>?
  @usableFromInline let textStorage: UnsafeMutablePointer<UInt8>?

  init(nodes: RawBuffer<RawNode>, children: RawBuffer<NodeID>, text: RawBuffer<UInt8>) {
    self.nodes = nodes
    self.children = children
    self.text = text
    nodeStorage = nodes.base
    childStorage = children.base
    textStorage = text.base
  }

  deinit {
    BufferRecycler.give(.init(nodes: nodes, children: children, text: text))
  }

  /// The number of nodes the file produced.
  public var nodeCount: Int { nodes.count }

  /// The node with the given id.
  public func node(_ id: NodeID) -> Node {
    precondition(Int(id) < nodes.count, "node id \(id) out of range")
    return Node(tree: self, id: id)
  }

  @usableFromInline static let noParent = NodeID.max
  @usableFromInline static let empty = NodeTree(
    nodes: RawBuffer(), children: RawBuffer(), text: RawBuffer())
}
