/// Which object a finding concerns: what `kubectl get` would need to find it.
public struct ObjectReference: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var apiVersion: String
  public var kind: String
  /// `nil` for cluster-scoped kinds (Namespace, ClusterRole, …).
  public var namespace: String?
  /// `nil` when the manifest has no `metadata.name` (e.g. it uses `generateName`).
  public var name: String?

  public init(apiVersion: String, kind: String, namespace: String?, name: String?) {
    self.apiVersion = apiVersion
    self.kind = kind
    self.namespace = namespace
    self.name = name
  }

  /// `Deployment default/web`, `ClusterRole admin`, `Pod default/(unnamed)`.
  public var description: String {
    let name = self.name ?? "(unnamed)"
    guard let namespace else { return "\(kind) \(name)" }
    return "\(kind) \(namespace)/\(name)"
  }

  public static func < (lhs: ObjectReference, rhs: ObjectReference) -> Bool {
    (lhs.kind, lhs.namespace ?? "", lhs.name ?? "", lhs.apiVersion)
      < (rhs.kind, rhs.namespace ?? "", rhs.name ?? "", rhs.apiVersion)
  }
}
