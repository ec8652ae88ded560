/// Where a run's policies come from: kubeward's built-in catalogue, admission policies read
/// from files, a test's own. The engine runs whatever its sources hand it and knows none of
/// them by name.
public protocol PolicySource: Sendable {
  /// Catalogue entries for every policy of the source: what reports, configuration checks and
  /// `kubeward explain` say about them.
  var descriptions: [PolicyDescription] { get }
  /// The source's policies that are on under `configuration`, built with their options.
  func activePolicies(_ configuration: Configuration, catalogue: PolicyCatalogue)
    throws(ConfigurationError) -> [ActivePolicy]
  /// What the source needs the per-file pass to collect (see `FactOptions`).
  func factOptions(_ configuration: Configuration, catalogue: PolicyCatalogue) -> FactOptions
  /// Names that stand for several of its policies (see `PolicyCatalogue.groups`).
  var groups: [String: [String]] { get }
}

extension PolicySource {
  public var groups: [String: [String]] { [:] }

  public func factOptions(_ configuration: Configuration, catalogue: PolicyCatalogue)
    -> FactOptions
  {
    FactOptions(loadBalancerIDAnnotations: [])
  }
}

/// A policy that is on, as a source hands it to the engine.
public struct ActivePolicy: Sendable {
  public let id: String
  public let severity: Severity
  public let runnable: RunnablePolicy
  /// Whether its findings hold for partial objects (see `Policy.checksPartialObjects`).
  public let checksPartialObjects: Bool

  public init(id: String, severity: Severity, runnable: RunnablePolicy, checksPartialObjects: Bool)
  {
    self.id = id
    self.severity = severity
    self.runnable = runnable
    self.checksPartialObjects = checksPartialObjects
  }
}

/// A source of policies written as Swift types (`Policy`), each with its catalogue entry.
public struct TypedPolicySource: PolicySource {
  public let types: [any Policy.Type]
  public let descriptions: [PolicyDescription]
  private let facts: @Sendable (Configuration, PolicyCatalogue) -> FactOptions

  public init(
    types: [any Policy.Type], descriptions: [PolicyDescription],
    factOptions: @escaping @Sendable (Configuration, PolicyCatalogue) -> FactOptions = { _, _ in
      FactOptions(loadBalancerIDAnnotations: [])
    }
  ) {
    self.types = types
    self.descriptions = descriptions
    self.facts = factOptions
  }

  public func activePolicies(_ configuration: Configuration, catalogue: PolicyCatalogue)
    throws(ConfigurationError) -> [ActivePolicy]
  {
    var active: [ActivePolicy] = []
    for type in types {
      guard let description = catalogue[type.id] else {
        throw ConfigurationError("policy \(type.id) has no catalogue entry")
      }
      guard let severity = configuration.severity(of: description) else { continue }
      active.append(
        ActivePolicy(
          id: type.id, severity: severity,
          runnable: try type.init(options: configuration.options(for: description)).runnable,
          checksPartialObjects: type.checksPartialObjects))
    }
    return active
  }

  public func factOptions(_ configuration: Configuration, catalogue: PolicyCatalogue)
    -> FactOptions
  {
    facts(configuration, catalogue)
  }
}
