import KubewardYAML

/// Which object a finding concerns: what `kubectl get` would need to find it.
///
/// A value whose four strings live in one shared, immutable box: references are copied into
/// every finding and fact, and one retain per copy is cheaper than four.
public struct ObjectReference: Hashable, Comparable, Sendable, CustomStringConvertible {
  private final class Storage: Sendable {
    let apiVersion: String
    let kind: String
    let namespace: String?
    let name: String?
    let generateName: String?

    init(
      apiVersion: String, kind: String, namespace: String?, name: String?, generateName: String?
    ) {
      self.apiVersion = apiVersion
      self.kind = kind
      self.namespace = namespace
      self.name = name
      self.generateName = generateName
    }
  }

  private var storage: Storage

  /// Each part is clipped (`InputText.clipped`): a reference is copied into every finding
  /// about the object, and no valid name is longer than 253 bytes.
  /// `generateName` counts only without a name: the prefix the cluster names the object from.
  public init(
    apiVersion: String, kind: String, namespace: String?, name: String?,
    generateName: String? = nil
  ) {
    storage = Storage(
      apiVersion: InputText.clipped(apiVersion), kind: InputText.clipped(kind),
      namespace: namespace.map(InputText.clipped), name: name.map(InputText.clipped),
      generateName: name == nil ? generateName.map(InputText.clipped) : nil)
  }

  public var apiVersion: String {
    get { storage.apiVersion }
    set {
      self = ObjectReference(
        apiVersion: newValue, kind: kind, namespace: namespace, name: name,
        generateName: generateName)
    }
  }
  public var kind: String {
    get { storage.kind }
    set {
      self = ObjectReference(
        apiVersion: apiVersion, kind: newValue, namespace: namespace, name: name,
        generateName: generateName)
    }
  }
  /// `nil` for cluster-scoped kinds (Namespace, ClusterRole, …).
  public var namespace: String? {
    get { storage.namespace }
    set {
      self = ObjectReference(
        apiVersion: apiVersion, kind: kind, namespace: newValue, name: name,
        generateName: generateName)
    }
  }
  /// `nil` when the manifest has no `metadata.name` (e.g. it uses `generateName`).
  public var name: String? {
    get { storage.name }
    set {
      self = ObjectReference(
        apiVersion: apiVersion, kind: kind, namespace: namespace, name: newValue,
        generateName: generateName)
    }
  }
  /// The `generateName` of an object without a name, from which the cluster names it.
  public var generateName: String? { storage.generateName }

  /// The name findings show: the name, else `generateName` and `*` (the cluster adds five
  /// characters), else `(unnamed)`.
  public var shownName: String {
    name ?? generateName.map { String(concatenating: $0, "*") } ?? "(unnamed)"
  }

  /// `Deployment default/web`, `ClusterRole admin`, `Job ci/migrate-*` (made with
  /// `generateName`), `Pod default/(unnamed)`.
  public var description: String {
    let name = shownName
    guard let namespace else { return String(concatenating: kind, " ", name) }
    return String(concatenating: kind, " ", namespace, "/", name)
  }

  public static func == (lhs: ObjectReference, rhs: ObjectReference) -> Bool {
    if lhs.storage === rhs.storage { return true }
    return lhs.kind == rhs.kind && lhs.name == rhs.name && lhs.namespace == rhs.namespace
      && lhs.apiVersion == rhs.apiVersion && lhs.generateName == rhs.generateName
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(apiVersion)
    hasher.combine(kind)
    hasher.combine(namespace)
    hasher.combine(name)
    hasher.combine(generateName)
  }

  public static func < (lhs: ObjectReference, rhs: ObjectReference) -> Bool {
    (lhs.kind, lhs.namespace ?? "", lhs.name ?? "", lhs.apiVersion, lhs.generateName ?? "")
      < (rhs.kind, rhs.namespace ?? "", rhs.name ?? "", rhs.apiVersion, rhs.generateName ?? "")
  }
}

extension String {
  /// The concatenation of `parts`, written into one allocation (interpolation and `+` grow the
  /// result piece by piece).
  package init(concatenating parts: String...) {
    var count = 0
    for part in parts { count += part.utf8.count }
    self.init(unsafeUninitializedCapacity: count) { buffer in
      var offset = 0
      for var part in parts {
        part.withUTF8 { bytes in
          guard let source = bytes.baseAddress else { return }
          (buffer.baseAddress! + offset).initialize(from: source, count: bytes.count)
          offset += bytes.count
        }
      }
      return offset
    }
  }
}
