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
      if parent.isMapping {
        for pair in parent.pairs where pair.value.id == current.id || pair.key.id == current.id {
          reversed.append("." + (pair.key.string ?? "?"))
          break
        }
      } else if let index = parent.items.firstIndex(where: { $0.id == current.id }) {
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
