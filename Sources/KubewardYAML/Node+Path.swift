extension Node {
  /// Where the node sits in its document, as a dotted path:
  /// `spec.template.spec.containers[name=app].image`. A sequence item with a `name` is written
  /// `[name=…]` rather than by index, so the path survives reordering (baselines rely on it).
  /// A mapping key has the same path as its value.
  public var path: String { path(below: nil, namingItems: true) }

  /// The path from `ancestor` (exclusive; the document root when `nil`) down to this node.
  /// Items are written by index (`containers[0]`) unless `namingItems`. Walks up the parents,
  /// so it costs nothing until a message needs it.
  public func path(below ancestor: Node?, namingItems: Bool) -> String {
    var reversed: [String] = []
    var current = self
    while current != ancestor, let parent = current.parent {
      let slot = tree.slot(of: current.id, in: parent.id)
      if parent.isMapping {
        if let slot { reversed.append("." + (parent.pairs[slot / 2].key.string ?? "?")) }
      } else if let index = slot {
        let name = namingItems ? current.scalar(.name)?.string : nil
        reversed.append(name.map { "[name=\($0)]" } ?? "[\(index)]")
      }
      current = parent
    }
    var path = reversed.reversed().joined()
    if path.first == "." { path.removeFirst() }
    return path
  }
}
