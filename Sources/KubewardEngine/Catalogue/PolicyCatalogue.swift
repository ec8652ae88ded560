import KubewardYAML

/// A policy catalogue: what kubeward knows of each policy of a run (built-in ones from
/// `policies/<id>.yaml`, admission policies from their own objects), by id.
public struct PolicyCatalogue: Sendable {
  public let descriptions: [PolicyDescription]
  private let byID: [String: Int]

  public init(descriptions: [PolicyDescription]) {
    self.descriptions = descriptions.sorted { $0.id < $1.id }
    self.byID = Dictionary(
      uniqueKeysWithValues: self.descriptions.enumerated().map { ($0.element.id, $0.offset) })
  }

  public subscript(id: String) -> PolicyDescription? {
    byID[id].map { descriptions[$0] }
  }

  public var ids: [String] { descriptions.map(\.id) }
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
