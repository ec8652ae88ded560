import KubewardEngine

/// Admission policies as a source of the engine's policies: each policy is a policy id (its
/// name) with a catalogue entry made from the policy itself, run as a check per object.
public struct AdmissionPolicySource: PolicySource {
  /// Problems of the policy files that belong to no policy.
  public static let invalidPolicyID = "admission-policy"

  public let set: AdmissionPolicySet

  public init(_ set: AdmissionPolicySet) {
    self.set = set
  }

  public var descriptions: [PolicyDescription] {
    var descriptions = set.policies.map { policy in
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
    let policies = set.policies.filter { enabled.contains($0.name) && $0.needsCluster == nil }
    let sharing = AdmissionCheck.Sharing(policies: policies)
    let objectsByKind = set.objectsByKind
    let exceptionsByPolicy = set.exceptionsByPolicy
    return set.policies.filter { enabled.contains($0.name) }.map { policy in
      ActivePolicy(
        id: policy.name, severity: set.severity(of: policy),
        runnable: .object(
          AdmissionCheck(
            set: set, configuration: configuration, policies: [policy], sharing: sharing,
            objectsByKind: objectsByKind, exceptionsByPolicy: exceptionsByPolicy)),
        checksPartialObjects: false)
    }
  }
}
