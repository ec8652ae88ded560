import KubewardYAML

/// How a per-object policy is enforced by the API server itself, as a ValidatingAdmissionPolicy
/// (`admission:` in its catalogue file): its CEL translation, or why there is none.
public enum AdmissionExport: Sendable {
  case expressed(AdmissionTranslation)
  case notExpressible(reason: String)
}

/// A policy in CEL: the resources it matches, its variables and its validations. Validations
/// may set a lower severity than the policy's (a variant the Swift policy reports as
/// information): each severity becomes a policy of its own, bound with its own action.
public struct AdmissionTranslation: Sendable {
  public struct Validation: Sendable {
    public let expression: String
    public let messageExpression: String
    /// `nil`: the policy's own severity.
    public let severity: Severity?
  }

  /// Resource groups the policy matches: `pods` (and every pod-bearing kind), `services`,
  /// `ingresses`, `replicationcontrollers`.
  public let resources: [String]
  public let variables: [(name: String, expression: String)]
  public let validations: [Validation]
  /// Options passed as `params` (a ConfigMap's data, lists comma-separated).
  public let params: [String]
}

extension PolicyDescription {
  /// The policy's `admission:` section; `nil` when it has none.
  public var admissionExport: AdmissionExport? {
    try? CatalogueParser.admissionExport(of: self)
  }

  /// Checks the `admission:` section strictly (a test does, for every policy).
  public func validateAdmissionExport() throws(CatalogueError) {
    _ = try CatalogueParser.admissionExport(of: self)
  }
}

extension CatalogueParser {
  static let admissionResources: Set<String> = [
    "pods", "services", "ingresses", "replicationcontrollers",
  ]

  static func admissionExport(of description: PolicyDescription) throws(CatalogueError)
    -> AdmissionExport?
  {
    guard let node = description.admission else { return nil }
    let reader = FieldReader(file: description.fileName)
    try reader.rejectUnknownKeys(
      node, allowed: ["notExpressible", "resources", "variables", "validations", "params"])
    if let reason = try reader.optionalString(node, "notExpressible") {
      return .notExpressible(reason: reason)
    }
    let resources = try reader.strings(node, "resources")
    for resource in resources where !admissionResources.contains(resource) {
      throw reader.error(
        node["resources"],
        "unknown resource \(resource) (expected \(admissionResources.sorted().joined(separator: ", ")))"
      )
    }
    var variables: [(name: String, expression: String)] = []
    for variable in node["variables"]?.items ?? .none {
      try reader.rejectUnknownKeys(variable, allowed: ["name", "expression"])
      variables.append(
        (try reader.string(variable, "name"), try reader.string(variable, "expression")))
    }
    var validations: [AdmissionTranslation.Validation] = []
    for validation in node["validations"]?.items ?? .none {
      try reader.rejectUnknownKeys(
        validation, allowed: ["expression", "messageExpression", "severity"])
      let severity = try reader.optionalString(validation, "severity")
      guard severity.map({ Severity(rawValue: $0) != nil }) ?? true else {
        throw reader.error(validation["severity"], "severity must be error, warning or info")
      }
      validations.append(
        AdmissionTranslation.Validation(
          expression: try reader.string(validation, "expression"),
          messageExpression: try reader.string(validation, "messageExpression"),
          severity: severity.flatMap(Severity.init)))
    }
    guard !validations.isEmpty else {
      throw reader.error(node, "admission: needs validations (or notExpressible: why)")
    }
    let params = node["params"] == nil ? [] : try reader.strings(node, "params")
    for name in params where !description.options.contains(where: { $0.name == name }) {
      throw reader.error(node["params"], "params names no option of the policy: \(name)")
    }
    return .expressed(
      AdmissionTranslation(
        resources: resources, variables: variables, validations: validations, params: params))
  }
}
