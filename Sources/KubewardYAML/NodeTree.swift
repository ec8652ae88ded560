import Synchronization

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

  /// Key indexes of large mappings, by the mapping's id: key bytes → the key's slot among the
  /// mapping's children. Built the first time a key of such a mapping is looked up by text,
  /// which otherwise scans the mapping: a CEL expression that reads every key of a ConfigMap
  /// through the map (`object.data.all(k, size(object.data[k]) < 10)`) would make n² compares,
  /// minutes for a few megabytes. Behind a lock, as trees are shared between threads; small
  /// mappings, nearly all of them, never come here.
  private let keyIndexes = Mutex<[NodeID: [[UInt8]: Int]]>([:])

  /// Mappings with at least this many pairs are looked up through an index.
  @usableFromInline static let indexedPairs = 64

  /// The text of long scalars, made once per tree (see `Node.sharedString`).
  private let sharedStrings = Mutex<[NodeID: String]>([:])

  /// Scalars of at least this many bytes are shared.
  @usableFromInline static let sharedStringBytes = 1_024

  func sharedString(_ id: NodeID, make: () -> String) -> String {
    sharedStrings.withLock { strings in
      if let known = strings[id] { return known }
      let made = make()
      strings[id] = made
      return made
    }
  }

  /// Child indexes of large collections, by the collection's id: a child's id → its first
  /// slot. Built the first time a path (`Node.path`) passes through such a collection: a
  /// scan there for every finding under it made a list of 100 000 containers' fingerprints
  /// quadratic.
  private let childSlots = Mutex<[NodeID: [NodeID: Int]]>([:])

  /// The first slot of `child` among the children of the collection `id` (`nil` when it is
  /// not one of them): for a mapping, 2 × its pair's index, plus 1 for a value.
  func slot(of child: NodeID, in id: NodeID) -> Int? {
    let raw = nodeStorage.unsafelyUnwrapped[Int(id)]
    guard raw.kind != .scalar else { return nil }
    let children = childStorage.unsafelyUnwrapped
    let first = Int(raw.first)
    let count = Int(raw.count)
    guard count >= 2 * Self.indexedPairs else {
      for slot in first..<(first + count) where children[slot] == child { return slot - first }
      return nil
    }
    return childSlots.withLock { indexes in
      if let index = indexes[id] { return index[child] }
      var index: [NodeID: Int] = [:]
      index.reserveCapacity(count)
      // The first slot wins, as in the scan (an alias may put a node in a collection twice).
      for slot in first..<(first + count) where index[children[slot]] == nil {
        index[children[slot]] = slot - first
      }
      indexes[id] = index
      return index[child]
    }
  }

  /// The slot of `key` among the children of the mapping `id` (whose children start at
  /// `first` and number `count`), through its index.
  func indexedSlot(ofKey key: String, mapping id: NodeID, first: Int, count: Int) -> Int? {
    let wanted = Array(key.utf8)
    return keyIndexes.withLock { indexes in
      if let index = indexes[id] { return index[wanted] }
      var index: [[UInt8]: Int] = [:]
      index.reserveCapacity(count / 2)
      let nodes = nodeStorage.unsafelyUnwrapped
      let children = childStorage.unsafelyUnwrapped
      // In order, so that a key written twice finds its last value, as the scan does.
      for slot in stride(from: first, to: first + count, by: 2) {
        let keyNode = nodes[Int(children[slot])]
        guard keyNode.kind == .scalar else { continue }
        index[
          Array(
            UnsafeBufferPointer(
              start: textStorage.map { $0 + Int(keyNode.first) }, count: Int(keyNode.count)))] =
          slot
      }
      indexes[id] = index
      return index[wanted]
    }
  }

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
