import KubewardYAML

/// The policy catalogue: every `policies/<id>.yaml`, compiled into the binary.
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

  /// The catalogue kubeward ships, read once from the embedded YAML files.
  public static let builtIn: PolicyCatalogue = {
    do {
      return PolicyCatalogue(
        descriptions: try EmbeddedCatalogue.files.map { name, bytes in
          try CatalogueParser.parse(bytes, fileName: name)
        })
    } catch {
      // The embedded files are tested; a broken one is a build defect, not a user error.
      fatalError("the embedded policy catalogue is invalid: \(error)")
    }
  }()
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
