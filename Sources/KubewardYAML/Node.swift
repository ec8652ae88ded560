/// A handle on one node of a parsed file: the tree and an index. Cheap to copy; every
/// accessor reads the tree's arrays in place.
public struct Node: Sendable {
  public let tree: NodeTree
  public let id: NodeID

  @inlinable
  init(tree: NodeTree, id: NodeID) {
    self.tree = tree
    self.id = id
  }

  @inlinable @inline(__always)
  var raw: RawNode { tree.nodeStorage.unsafelyUnwrapped[Int(id)] }

  @inlinable public var kind: NodeKind { raw.kind }
  @inlinable public var isScalar: Bool { raw.kind == .scalar }
  @inlinable public var isMapping: Bool { raw.kind == .mapping }
  @inlinable public var isSequence: Bool { raw.kind == .sequence }

  /// The style of a scalar; `nil` for collections.
  public var scalarStyle: ScalarStyle? {
    let raw = self.raw
    return raw.kind == .scalar ? ScalarStyle(rawValue: raw.style & 0x0F) : nil
  }

  /// The explicit tag of a scalar (`.none` for most, and for collections).
  public var tag: ScalarTag {
    let raw = self.raw
    return raw.kind == .scalar ? ScalarTag(rawValue: raw.style >> 4) ?? .other : .none
  }

  /// Whether a collection was written in flow style (`[a, b]`, `{a: b}`, JSON).
  public var isFlowCollection: Bool { raw.kind != .scalar && raw.style == 1 }

  /// Where the node starts: a scalar's first character (its quote or block indicator), a
  /// block mapping's first key, a flow collection's bracket, a block sequence's first `-`.
  @inlinable public var position: SourcePosition {
    let raw = self.raw
    return SourcePosition(line: Int(raw.startLine), column: Int(raw.startColumn))
  }

  /// The node's span. For collections the end is where libyaml ended the collection, which
  /// for block style is the start of whatever follows it.
  @inlinable public var range: SourceRange {
    let raw = self.raw
    return SourceRange(
      start: SourcePosition(line: Int(raw.startLine), column: Int(raw.startColumn)),
      end: SourcePosition(line: Int(raw.endLine), column: Int(raw.endColumn)))
  }

  /// The collection holding this node; `nil` for a document root.
  public var parent: Node? {
    let parent = raw.parent
    return parent == NodeTree.noParent ? nil : Node(tree: tree, id: parent)
  }

  /// The well-known key this scalar spells, when it is used as a mapping key.
  public var key: Key? {
    let key = raw.key
    return key < 0 ? nil : Key(rawValue: UInt8(key))
  }
}

extension Node: Equatable {
  public static func == (lhs: Node, rhs: Node) -> Bool {
    lhs.id == rhs.id && lhs.tree === rhs.tree
  }
}

// MARK: - Scalars

extension Node {
  /// Calls `body` with the UTF-8 bytes of a scalar (empty for collections).
  @inlinable @inline(__always)
  public func withScalarBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    let raw = self.raw
    guard raw.kind == .scalar, raw.count > 0 else {
      return try body(UnsafeBufferPointer(start: nil, count: 0))
    }
    return try body(
      UnsafeBufferPointer(
        start: tree.textStorage.unsafelyUnwrapped + Int(raw.first), count: Int(raw.count)))
  }

  /// The UTF-8 bytes of a scalar (empty for collections), in the tree's storage: valid as long
  /// as the tree is, which the caller ensures (`withExtendedLifetime(node)`). For code that
  /// holds many nodes' bytes at once, such as a sort; otherwise use `withScalarBytes`.
  @inlinable public var unsafeScalarBytes: UnsafeBufferPointer<UInt8> {
    let raw = self.raw
    guard raw.kind == .scalar, raw.count > 0 else {
      return UnsafeBufferPointer(start: nil, count: 0)
    }
    return UnsafeBufferPointer(
      start: tree.textStorage.unsafelyUnwrapped + Int(raw.first), count: Int(raw.count))
  }

  /// The text of a scalar (after unquoting and folding); `nil` for collections.
  @inlinable public var string: String? {
    guard isScalar else { return nil }
    return withScalarBytes { String(decoding: $0, as: UTF8.self) }
  }

  /// `string`, for a reader that may ask many times: a long scalar's text is made once per
  /// tree and shared, where a fresh copy each time let a CEL expression reading a 1 MB field
  /// in a loop hold gigabytes within its cost budget.
  public var sharedString: String? {
    let raw = self.raw
    guard raw.kind == .scalar else { return nil }
    guard Int(raw.count) >= NodeTree.sharedStringBytes else { return string }
    return tree.sharedString(id) { string ?? "" }
  }

  /// The text of a scalar that is not null; `nil` for collections and nulls.
  public var text: String? {
    isNull ? nil : string
  }

  /// Whether a scalar's text is exactly `string`, without allocating.
  public func textEquals(_ string: String) -> Bool {
    var string = string
    return string.withUTF8 { expected in withScalarBytes { memoryEqual($0, expected) } }
  }

  /// The byte length of a scalar's text.
  public var scalarByteCount: Int {
    let raw = self.raw
    return raw.kind == .scalar ? Int(raw.count) : 0
  }

  /// A YAML null: an empty plain scalar, `~`, `null`, `Null` or `NULL`, or a `!!null` one.
  @inlinable public var isNull: Bool {
    let raw = self.raw
    guard raw.kind == .scalar else { return false }
    // 0: plain, without a tag.
    guard raw.style == 0 else { return raw.style >> 4 == ScalarTag.null.rawValue }
    return withScalarBytes { bytes in
      switch bytes.count {
      case 0: return true
      case 1: return bytes[0] == UInt8(ascii: "~")
      case 4:
        // null, Null, NULL
        let first = bytes[0]
        guard first == UInt8(ascii: "n") || first == UInt8(ascii: "N") else { return false }
        let rest = (bytes[1], bytes[2], bytes[3])
        return rest == (UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l"))
          || (first == UInt8(ascii: "N")
            && rest == (UInt8(ascii: "U"), UInt8(ascii: "L"), UInt8(ascii: "L")))
      default: return false
      }
    }
  }

  /// The integer Kubernetes reads from this scalar, or `nil` when it reads something else.
  ///
  /// Kubernetes turns YAML into JSON with go-yaml (YAML 1.1 rules) before it decodes the
  /// object, so a plain `0x7531`, `0o72461`, `072461` (octal), `0b111…`, `30_001`, `30001.0` or
  /// `3.0001e4` is the number 30001 in the API, while a quoted `"30001"` is text, which an
  /// integer field rejects. Tags decide first: `!!int "3"` is 3, `!!str 3` is text.
  public var int: Int? {
    let raw = self.raw
    guard raw.kind == .scalar else { return nil }
    switch ScalarTag(rawValue: raw.style >> 4) {
    case .none?: guard raw.style & 0x0F == ScalarStyle.plain.rawValue else { return nil }
    case .int?, .float?: break
    default: return nil
    }
    return withScalarBytes(YAMLNumber.integer)
  }

  /// A boolean as Kubernetes' YAML decoder reads it (YAML 1.1: `true`, `yes`, `on`, … in any of
  /// their usual cases); quoted text is never a boolean. `nil` for anything else.
  public var bool: Bool? {
    let tag = self.tag
    guard scalarStyle == .plain && tag == .none || tag == .bool else { return nil }
    return withScalarBytes(YAMLBoolean.value)
  }

}

// MARK: - Collections

extension Node {
  /// Items of a sequence, pairs × 2 of a mapping, 0 for a scalar.
  @inlinable public var childCount: Int {
    let raw = self.raw
    return raw.kind == .scalar ? 0 : Int(raw.count)
  }

  @inlinable @inline(__always)
  func child(_ slot: Int) -> Node {
    Node(tree: tree, id: tree.childStorage.unsafelyUnwrapped[slot])
  }

  /// The items of a sequence; empty for anything else.
  @inlinable public var items: NodeItems {
    let raw = self.raw
    guard raw.kind == .sequence else { return NodeItems(tree: tree, first: 0, count: 0) }
    return NodeItems(tree: tree, first: Int(raw.first), count: Int(raw.count))
  }

  /// The key/value pairs of a mapping, merge keys (`<<`) already resolved: the mapping's own
  /// keys, then merged keys it does not define itself. Empty for anything else.
  @inlinable public var pairs: NodePairs {
    let raw = self.raw
    guard raw.kind == .mapping else { return NodePairs(tree: tree, first: 0, count: 0) }
    return NodePairs(tree: tree, first: Int(raw.first), count: Int(raw.count) / 2)
  }

  /// The key node and value node for a well-known key of a mapping. When a key is written
  /// twice (itself a `duplicate-key` finding) the last one wins, as in Kubernetes' decoders.
  @inlinable @inline(__always)
  public func entry(_ key: Key) -> (key: Node, value: Node)? {
    let raw = self.raw
    guard raw.kind == .mapping, raw.count > 0 else { return nil }
    let wanted = Int16(key.rawValue)
    let nodes = tree.nodeStorage.unsafelyUnwrapped
    let children = tree.childStorage.unsafelyUnwrapped
    var slot = Int(raw.first + raw.count) - 2
    let first = Int(raw.first)
    while slot >= first {
      let keyID = children[slot]
      if nodes[Int(keyID)].key == wanted {
        return (Node(tree: tree, id: keyID), Node(tree: tree, id: children[slot + 1]))
      }
      slot -= 2
    }
    return nil
  }

  /// The value for a well-known key of a mapping, or `nil`.
  @inlinable @inline(__always)
  public subscript(_ key: Key) -> Node? { entry(key)?.value }

  /// The key node and value node for any key text.
  public func entry(_ key: String) -> (key: Node, value: Node)? {
    guard let slot = slot(ofKey: key) else { return nil }
    let children = tree.childStorage.unsafelyUnwrapped
    return (Node(tree: tree, id: children[slot]), Node(tree: tree, id: children[slot + 1]))
  }

  /// The value for any key text, or `nil`: `self[key]` without making the key's node.
  public func value(forKey key: String) -> Node? {
    guard let slot = slot(ofKey: key) else { return nil }
    return Node(tree: tree, id: tree.childStorage.unsafelyUnwrapped[slot + 1])
  }

  private func slot(ofKey key: String) -> Int? {
    tree.slot(ofKey: key, mapping: id, raw)
  }

  /// The value for any key text, or `nil`.
  public subscript(_ key: String) -> Node? { value(forKey: key) }

  /// The items of the sequence under `key`; empty when it is absent or not a sequence.
  @inlinable public func items(_ key: Key) -> NodeItems {
    guard let value = self[key] else { return NodeItems(tree: tree, first: 0, count: 0) }
    return value.items
  }

  /// The pairs of the mapping under `key`; empty when it is absent or not a mapping.
  @inlinable public func pairs(_ key: Key) -> NodePairs {
    guard let value = self[key] else { return NodePairs(tree: tree, first: 0, count: 0) }
    return value.pairs
  }

  /// The value for `key` when it is a mapping.
  @inlinable public func mapping(_ key: Key) -> Node? {
    guard let value = self[key], value.isMapping else { return nil }
    return value
  }

  /// The value for `key` when it is a sequence.
  @inlinable public func sequence(_ key: Key) -> Node? {
    guard let value = self[key], value.isSequence else { return nil }
    return value
  }

  /// The value for `key` when it is a non-null scalar.
  @inlinable public func scalar(_ key: Key) -> Node? {
    guard let value = self[key], value.isScalar, !value.isNull else { return nil }
    return value
  }
}

/// The items of a sequence node.
public struct NodeItems: RandomAccessCollection, Sendable {
  @usableFromInline let tree: NodeTree
  @usableFromInline let first: Int
  public let count: Int

  @inlinable
  init(tree: NodeTree, first: Int, count: Int) {
    self.tree = tree
    self.first = first
    self.count = count
  }

  /// No items.
  public static let none = NodeItems(tree: NodeTree.empty, first: 0, count: 0)

  @inlinable public var startIndex: Int { 0 }
  @inlinable public var endIndex: Int { count }

  @inlinable
  public subscript(position: Int) -> Node {
    precondition(position >= 0 && position < count, "sequence item out of range")
    return Node(tree: tree, id: tree.childStorage.unsafelyUnwrapped[first + position])
  }
}

/// The key/value pairs of a mapping node.
public struct NodePairs: RandomAccessCollection, Sendable {
  @usableFromInline let tree: NodeTree
  @usableFromInline let first: Int
  public let count: Int

  @inlinable
  init(tree: NodeTree, first: Int, count: Int) {
    self.tree = tree
    self.first = first
    self.count = count
  }

  /// No pairs.
  public static let none = NodePairs(tree: NodeTree.empty, first: 0, count: 0)

  @inlinable public var startIndex: Int { 0 }
  @inlinable public var endIndex: Int { count }

  @inlinable
  public subscript(position: Int) -> (key: Node, value: Node) {
    precondition(position >= 0 && position < count, "mapping pair out of range")
    let slot = first + 2 * position
    let children = tree.childStorage.unsafelyUnwrapped
    return (Node(tree: tree, id: children[slot]), Node(tree: tree, id: children[slot + 1]))
  }
}

extension NodeTree {
  /// Where `key`'s key node is among the children of the mapping `id` (`raw` is its record;
  /// the last when written twice), or `nil` (also for anything but a mapping). On the tree's
  /// storage, as `Node.entry(_: Key)`: a `Node` per pair looked at cost a retain and a release
  /// of the tree each, and policies (and CEL field reads) ask for keys by name on every object.
  func slot(ofKey key: String, mapping id: NodeID, _ raw: RawNode) -> Int? {
    guard raw.kind == .mapping, raw.count > 0 else { return nil }
    if Int(raw.count) >= 2 * NodeTree.indexedPairs {
      return indexedSlot(ofKey: key, mapping: id, first: Int(raw.first), count: Int(raw.count))
    }
    let nodes = nodeStorage.unsafelyUnwrapped
    let children = childStorage.unsafelyUnwrapped
    let text = textStorage
    func scan(_ wanted: UnsafeBufferPointer<UInt8>) -> Int? {
      var slot = Int(raw.first + raw.count) - 2
      let first = Int(raw.first)
      // The length and the first byte before a call to memcmp: most keys of a mapping differ
      // from the wanted one in one of them, and the call cost more than the comparison.
      let length = wanted.count
      let firstByte = length > 0 ? wanted[0] : 0
      while slot >= first {
        let keyNode = nodes[Int(children[slot])]
        if keyNode.kind == .scalar, Int(keyNode.count) == length,
          length == 0 || text.unsafelyUnwrapped[Int(keyNode.first)] == firstByte,
          memoryEqual(
            UnsafeBufferPointer(
              start: text.map { $0 + Int(keyNode.first) }, count: Int(keyNode.count)),
            wanted)
        {
          return slot
        }
        slot -= 2
      }
      return nil
    }
    return key.withUTF8Bytes(scan)
  }
}

/// A node held without counting a reference to its tree: for values made, copied and dropped
/// by the million while something else holds the tree. Admission's CEL values wrap the nodes
/// of the object being checked, and counting the tree's references (atomic increments and
/// decrements) at every copy of every value and every field read was a tenth of a run with
/// 50 policies. It reads the tree through `Unmanaged`'s guaranteed reference: no count.
///
/// Whoever makes one keeps the tree alive for as long as it is read (dropping one touches
/// nothing). `node` gives the counted handle, for everything else a node offers.
public struct UncountedNode: @unchecked Sendable {
  @usableFromInline let tree: Unmanaged<NodeTree>
  @usableFromInline let id: NodeID

  @inlinable
  public init(_ node: Node) {
    tree = Unmanaged.passUnretained(node.tree)
    id = node.id
  }

  @inlinable
  init(tree: Unmanaged<NodeTree>, id: NodeID) {
    self.tree = tree
    self.id = id
  }

  /// The counted handle.
  @inlinable public var node: Node { Node(tree: tree.takeUnretainedValue(), id: id) }

  /// Calls `body` with the node's handle, uncounted too: for reading a node with `Node`'s
  /// API where making `node` counted a reference in and out (a CEL read of a scalar).
  @inlinable @inline(__always)
  public func withNode<Result>(_ body: (Node) throws -> Result) rethrows -> Result {
    try tree._withUnsafeGuaranteedRef { try body(Node(tree: $0, id: id)) }
  }

  /// Where the node's tree is: which document it is in, without counting a reference.
  @inlinable public var treeAddress: UnsafeMutableRawPointer { tree.toOpaque() }

  /// The node's id in its tree (`NodeTree.node(_:)` makes the node again).
  @inlinable public var nodeID: NodeID { id }

  /// The node `id` of the same tree, uncounted too.
  @inlinable public func inSameTree(_ id: NodeID) -> UncountedNode {
    UncountedNode(tree: tree, id: id)
  }

  /// Where the node is written (`Node.range`).
  @inlinable public var range: SourceRange { withNode(\.range) }

  @inlinable @inline(__always)
  var raw: RawNode {
    tree._withUnsafeGuaranteedRef { $0.nodeStorage.unsafelyUnwrapped[Int(id)] }
  }

  @inlinable public var kind: NodeKind { raw.kind }
  @inlinable public var isMapping: Bool { raw.kind == .mapping }

  /// The number of items of a sequence; 0 for anything else.
  @inlinable public var itemCount: Int {
    let raw = self.raw
    return raw.kind == .sequence ? Int(raw.count) : 0
  }

  /// Item `index` of a sequence.
  @inlinable
  public func item(at index: Int) -> UncountedNode {
    let raw = self.raw
    precondition(
      raw.kind == .sequence && index >= 0 && index < Int(raw.count), "sequence item out of range")
    let child = tree._withUnsafeGuaranteedRef {
      $0.childStorage.unsafelyUnwrapped[Int(raw.first) + index]
    }
    return UncountedNode(tree: tree, id: child)
  }

  /// The value for any key text, or `nil`: `Node.value(forKey:)`.
  public func value(forKey key: String) -> UncountedNode? {
    let raw = self.raw
    let child: NodeID? = tree._withUnsafeGuaranteedRef { tree in
      tree.slot(ofKey: key, mapping: id, raw).map { tree.childStorage.unsafelyUnwrapped[$0 + 1] }
    }
    return child.map { UncountedNode(tree: tree, id: $0) }
  }
}
