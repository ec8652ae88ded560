import KubewardYAML

/// How a run is configured: which policies run, how serious their findings are, their options.
public struct Configuration: Sendable {
  /// One policy's settings.
  public struct PolicySetting: Sendable {
    /// `false` turns the policy off.
    public var enabled: Bool
    /// Replaces the catalogue's severity.
    public var severity: Severity?
    /// Overlay on the catalogue's option defaults.
    public var options: [String: OptionValue]
    /// Where each option is written, for errors.
    var optionPositions: [String: SourcePosition] = [:]

    public init(
      enabled: Bool = true, severity: Severity? = nil, options: [String: OptionValue] = [:]
    ) {
      self.enabled = enabled
      self.severity = severity
      self.options = options
    }
  }

  /// The namespace of objects that name none.
  public var defaultNamespace: String
  /// Settings per policy id; policies not listed run with the catalogue's defaults.
  public var policies: [String: PolicySetting]
  /// Every pod runs on a virtual node (a serverless cluster: Alibaba Cloud ECI, AWS Fargate,
  /// Azure virtual nodes): no pod shares a node with another (see `VirtualNode`).
  public var virtualNodes = false

  public init(defaultNamespace: String = "default", policies: [String: PolicySetting] = [:]) {
    self.defaultNamespace = defaultNamespace
    self.policies = policies
  }

  /// The severity a policy reports at, or `nil` when it is off.
  public func severity(of description: PolicyDescription) -> Severity? {
    let setting = policies[description.id]
    guard setting?.enabled ?? true else { return nil }
    return setting?.severity ?? description.severity
  }

  /// A policy's options: catalogue defaults overlaid by configured values.
  public func options(for description: PolicyDescription) throws(ConfigurationError)
    -> PolicyOptions
  {
    var values: [String: OptionValue] = [:]
    for option in description.options { values[option.name] = option.defaultValue }
    for (name, value) in policies[description.id]?.options ?? [:] {
      let position = policies[description.id]?.optionPositions[name]
      guard let defaultValue = values[name] else {
        throw ConfigurationError(
          "policy \(description.id) has no option \"\(name)\" (its options: "
            + description.options.map(\.name).joined(separator: ", ") + ")", position: position)
      }
      guard value.hasSameType(as: defaultValue) else {
        throw ConfigurationError(
          "option \(name) of policy \(description.id) must be like its default, \(defaultValue)",
          position: position)
      }
      values[name] = value
    }
    return PolicyOptions(values: values)
  }
}

/// A configuration that kubeward cannot use; reported with exit status 2.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
  public var file: String?
  public var position: SourcePosition?
  public var message: String

  public init(_ message: String, file: String? = nil, position: SourcePosition? = nil) {
    self.message = message
    self.file = file
    self.position = position
  }

  public var description: String {
    guard let file else { return message }
    return "\(file):\(position.map { "\($0): " } ?? " ")\(message)"
  }
}
