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
  /// One object, or the items of a `List` (nested lists flattened, as kubectl does), with the
  /// items of a list that are not objects (no `apiVersion` or `kind`), which kubectl rejects.
  case objects([KubeObject], notObjects: [Node] = [])
}

extension ParsedDocument {
  /// The Kubernetes objects of the document. `kind: List` and typed lists (`ServiceList`, …)
  /// give their items, each an object with its own position; items of a typed list may omit
  /// `apiVersion` and `kind`.
  /// - Parameter buildNamespace: the namespace the kustomization that builds the document
  ///   gives its namespaced objects, written or not (see `KubeObject.buildNamespace`).
  public func content(defaultNamespace: String, buildNamespace: String? = nil) -> DocumentContent {
    guard let root else { return isComplete ? .empty : .unreadable }
    if root.isNull { return .empty }
    guard root.isMapping else { return .notKubernetes(root) }
    guard let kind = root.scalar(.kind)?.string, let apiVersion = root.scalar(.apiVersion)?.string
    else {
      return .notKubernetes(root)
    }
    if Self.isToolConfiguration(apiVersion) { return .notKubernetes(root) }
    if Self.isList(kind), let items = root.sequence(.items) {
      var objects: [KubeObject] = []
      var notObjects: [Node] = []
      Self.flatten(
        items, kind: kind, apiVersion: apiVersion, defaultNamespace: defaultNamespace,
        buildNamespace: buildNamespace,
        into: &objects, notObjects: &notObjects)
      return .objects(objects, notObjects: notObjects)
    }
    guard
      let object = KubeObject(
        node: root, defaultNamespace: defaultNamespace, buildNamespace: buildNamespace)
    else {
      return .notKubernetes(root)
    }
    return .objects([object])
  }

  /// Configuration files of tools that read them themselves, never sent to an API server:
  /// eksctl's and kind's cluster configs, kubeadm's and the kubelet's, Skaffold's. Their
  /// `${VAR}` and missing fields are the tool's business.
  public static func isToolConfiguration(_ apiVersion: String) -> Bool {
    let group = apiVersion.split(separator: "/").first.map(String.init) ?? apiVersion
    return toolGroups.contains(group) || apiVersion.hasPrefix("skaffold/")
  }

  private static let toolGroups: Set<String> = [
    "eksctl.io", "kind.x-k8s.io", "k3d.io", "ctlptl.dev", "kubeadm.k8s.io",
    "kubelet.config.k8s.io", "kubeproxy.config.k8s.io", "apiserver.config.k8s.io",
    "kubescheduler.config.k8s.io", "audit.k8s.io", "client.authentication.k8s.io",
  ]

  /// `List` and typed lists (`ServiceList`, …).
  private static func isList(_ kind: String) -> Bool {
    kind.utf8.count >= 4 && kind.utf8.suffix(4).elementsEqual("List".utf8)
  }

  /// The objects of a list's items, the items of nested lists included (kubectl applies those
  /// too). Nesting is bounded by the reader's depth limit.
  private static func flatten(
    _ items: Node, kind: String, apiVersion: String, defaultNamespace: String,
    buildNamespace: String?,
    into objects: inout [KubeObject], notObjects: inout [Node]
  ) {
    let itemKind = kind == "List" ? nil : String(kind.dropLast(4))
    let inherited = itemKind.map { (apiVersion: apiVersion, kind: $0) }
    for item in items.items {
      if let nestedKind = item.scalar(.kind)?.string, isList(nestedKind),
        let nestedItems = item.sequence(.items)
      {
        flatten(
          nestedItems, kind: nestedKind,
          apiVersion: item.scalar(.apiVersion)?.string ?? apiVersion,
          defaultNamespace: defaultNamespace, buildNamespace: buildNamespace, into: &objects,
          notObjects: &notObjects)
      } else if let object = KubeObject(
        node: item, defaultNamespace: defaultNamespace, buildNamespace: buildNamespace,
        inherited: inherited)
      {
        objects.append(object)
      } else {
        notObjects.append(item)
      }
    }
  }
}
