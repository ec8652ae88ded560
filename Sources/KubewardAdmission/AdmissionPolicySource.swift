import KubewardEngine

/// Admission policies as a source of the engine's policies: each policy is a policy id (its
/// name) with a catalogue entry made from the policy itself; together they are one check,
/// run on each object.
public struct AdmissionPolicySource: PolicySource {
  /// Problems of the policy files that belong to no policy.
  public static let invalidPolicyID = "admission-policy"

  public let set: AdmissionPolicySet

  public init(_ set: AdmissionPolicySet) {
    self.set = set
  }

  /// A Kyverno ClusterPolicy's name, for the ids of its CEL rules (`name/rule`).
  public var groups: [String: [String]] { self.set.kyvernoRuleIDs }

  public var descriptions: [PolicyDescription] {
    // One per id: policies of several kinds or namespaces may share a name (see
    // `AdmissionPolicySet.checkNames`), which is their findings' id; the first describes it.
    var ids: Set<String> = []
    var descriptions = set.policies.filter { ids.insert($0.name).inserted }.map { policy in
      let bound = set.bindings(of: policy)
      let actions = Set(bound.flatMap(\.actions)).map(\.rawValue).sorted()
      return PolicyDescription(
        id: policy.name, title: policy.title, severity: set.severity(of: policy), scope: .object,
        appliesTo: ["objects the policy's matchConstraints match"],
        rationale: policy.summary,
        remediation:
          "Change the object so that the policy's validations hold, or change the policy "
          + "(\(policy.file)). Validation actions: \(actions.joined(separator: ", ")).",
        source: policy.file)
    }
    descriptions.append(
      PolicyDescription(
        id: Self.invalidPolicyID, title: "Admission policy files must be valid",
        severity: .error, scope: .input, appliesTo: ["files given with --policy"],
        rationale:
          "A policy, binding or param the API server would reject, or that kubeward cannot "
          + "read, checks nothing.",
        remediation: "Fix the policy file at the position shown.", source: ""))
    return descriptions
  }

  public func activePolicies(_ configuration: Configuration, catalogue: PolicyCatalogue)
    throws(ConfigurationError) -> [ActivePolicy]
  {
    var enabled: Set<String> = []
    for policy in set.policies {
      guard let description = catalogue[policy.name],
        configuration.severity(of: description) != nil
      else { continue }
      enabled.insert(policy.name)
    }
    let policies = set.policies.filter { enabled.contains($0.name) }
    guard !policies.isEmpty else { return [] }
    // One check for them all, which names each finding's policy: as a check apiece, each
    // policy was a call for every object, however few it matched (see
    // `ObjectReport.reportFor(_:severity:)`). The engine's id and severity for the check are
    // the first policy's, and the check replaces them with each policy's own.
    let check = AdmissionCheck(set: set, configuration: configuration, policies: policies)
    return [
      ActivePolicy(
        id: policies[0].name, severity: set.severity(of: policies[0]), runnable: .object(check),
        checksPartialObjects: false)
    ]
  }
}
