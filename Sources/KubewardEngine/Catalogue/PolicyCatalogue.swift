import KubewardYAML

/// A policy catalogue: what kubeward knows of each policy of a run (built-in ones from
/// `policies/<id>.yaml`, admission policies from their own objects), by id.
public struct PolicyCatalogue: Sendable {
  public let descriptions: [PolicyDescription]
  private let byID: [String: Int]
  /// Names that stand for several policies of the catalogue, which `--enable`, `--disable` and
  /// a configuration's `policies:` accept: a Kyverno ClusterPolicy's name for the ids of its
  /// CEL rules (`name/rule`).
  public let groups: [String: [String]]

  /// By policy id, the group that holds it.
  private let groupByMember: [String: String]

  public init(descriptions: [PolicyDescription], groups: [String: [String]] = [:]) {
    self.descriptions = descriptions.sorted { $0.id < $1.id }
    let ids = Set(descriptions.map(\.id))
    // Only the catalogue's policies: a group is asked of for every suppression and setting.
    self.groups = groups.mapValues { $0.filter(ids.contains) }.filter { !$0.value.isEmpty }
    var groupByMember: [String: String] = [:]
    for (name, members) in self.groups {
      for member in members where groupByMember[member] == nil { groupByMember[member] = name }
    }
    self.groupByMember = groupByMember
    // Callers keep ids unique (an admission policy named as a built-in one is set aside when
    // read); were one repeated, the first is the one looked up, rather than a crash.
    self.byID = Dictionary(
      self.descriptions.enumerated().map { ($0.element.id, $0.offset) },
      uniquingKeysWith: { first, _ in first })
  }

  public subscript(id: String) -> PolicyDescription? {
    byID[id].map { descriptions[$0] }
  }

  public var ids: [String] { descriptions.map(\.id) }

  /// The policies a group's name stands for (see `groups`); none for any other name.
  public func members(of name: String) -> [String] {
    groups[name] ?? []
  }

  /// The group that holds the policy `id`, if one does.
  public func group(of id: String) -> String? {
    groupByMember[id]
  }
}

/// A catalogue file that does not describe a policy properly.
public struct CatalogueError: Error, CustomStringConvertible, Sendable {
  public let file: String
  public let position: SourcePosition?
  public let message: String

  public var description: String {
    "\(file):\(position.map { "\($0):" } ?? "") \(message)"
  }
}
