import KubewardYAML

/// What a YAML document holds, from kubeward's point of view.
public enum DocumentContent: Sendable {
  /// Nothing: an empty document or only comments.
  case empty
  /// The document could not be read (a reader diagnostic says why).
  case unreadable
  /// Not a Kubernetes object: no `apiVersion`/`kind` (values files, kustomization.yaml, CI
  /// configuration) or not a mapping at all.
  case notKubernetes(Node)
  /// One object, or the items of a `List`.
  case objects([KubeObject])
}

extension ParsedDocument {
  /// The Kubernetes objects of the document. `kind: List` and typed lists (`ServiceList`, …)
  /// give their items, each an object with its own position; items of a typed list may omit
  /// `apiVersion` and `kind`.
  public func content(defaultNamespace: String) -> DocumentContent {
    guard let root else { return isComplete ? .empty : .unreadable }
    if root.isNull { return .empty }
    guard root.isMapping else { return .notKubernetes(root) }
    guard let kind = root.scalar(.kind)?.string, let apiVersion = root.scalar(.apiVersion)?.string
    else {
      return .notKubernetes(root)
    }
    if kind.utf8.count >= 4, kind.utf8.suffix(4).elementsEqual("List".utf8),
      let items = root.sequence(.items)
    {
      let itemKind = kind == "List" ? nil : String(kind.dropLast(4))
      let inherited = itemKind.map { (apiVersion: apiVersion, kind: $0) }
      let objects = items.items.compactMap {
        KubeObject(node: $0, defaultNamespace: defaultNamespace, inherited: inherited)
      }
      return .objects(objects)
    }
    guard let object = KubeObject(node: root, defaultNamespace: defaultNamespace) else {
      return .notKubernetes(root)
    }
    return .objects([object])
  }
}
