import KubewardCEL
import KubewardEngine
import Testing

@testable import KubewardAdmission

/// A lint run keeps its admission policies to the end of the process (`ProcessLifetime`):
/// their references are then not counted. Kept or not, they say the same.
@Suite("Policies kept for the process")
struct ProcessLifetimeTests {
  /// A policy of Deployments whose validation reads a variable.
  static func validatingPolicy(_ name: String) -> String {
    EvaluationTests().spec(
      """
        variables:
          - name: images
            expression: "object.spec.template.spec.containers.map(c, c.image)"
        validations:
          - expression: "variables.images.all(i, !i.endsWith(':latest'))"
      """, name: name)
  }

  /// Two policies that share a variable and a validation (evaluated once per object for
  /// both), one with a binding, and a Kyverno rule on Pods that autogen extends to
  /// Deployments.
  static let policies = """
    \(validatingPolicy("no-latest-a"))
    ---
    \(validatingPolicy("no-latest-b"))
    ---
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicyBinding
    metadata: {name: no-latest-a}
    spec:
      policyName: no-latest-a
      validationActions: [Deny]
    ---
    apiVersion: kyverno.io/v1
    kind: ClusterPolicy
    metadata: {name: pinned}
    spec:
      validationFailureAction: Enforce
      rules:
        - name: pinned
          match:
            any:
            - resources:
                kinds: [Pod]
          validate:
            cel:
              expressions:
                - expression: "object.spec.containers.all(c, c.image.contains('@'))"
                  message: images must be pinned by digest
    """

  static let manifests = [
    ("a.yaml", deployment(name: "a", image: "nginx:latest")),
    ("b.yaml", deployment(name: "b", image: "nginx:1.27")),
  ]

  func messages(keeping: Bool, jobs: Int) throws -> [String] {
    var harness = Harness(policies: Self.policies, manifests: Self.manifests)
    harness.keepsForTheProcess = keeping
    harness.jobs = jobs
    return try harness.findings().map { "\($0.file):\($0.range.start.line) \($0.message)" }
  }

  @Test(arguments: [1, 2]) func keptPoliciesSayWhatTheOthersSay(jobs: Int) throws {
    let counted = try messages(keeping: false, jobs: jobs)
    // Each Deployment breaks the Kyverno rule; the one on latest, both policies too (the
    // unbound one said so first, in the policy file).
    #expect(counted.count == 5, "\(counted)")
    #expect(counted.filter { $0.hasPrefix("a.yaml") }.count == 3, "\(counted)")
    #expect(try messages(keeping: true, jobs: jobs) == counted)
  }

  @Test func aKeptSetKeepsWhatEachObjectReads() throws {
    guard ProcessLifetime.isSupported else { return }
    var set = AdmissionPolicySet()
    set.read(file: "policy.yaml", bytes: Array(Self.policies.utf8))
    #expect(set.policies.count == 3)
    #expect(!set.policies.contains { ProcessLifetime.isKept($0) })
    set.keepForTheProcess()
    for policy in set.policies {
      #expect(ProcessLifetime.isKept(policy), "\(policy.name)")
      for expression in policy.expressions {
        #expect(ProcessLifetime.isKept(expression), "\(expression.source)")
        if let program = expression.program { #expect(ProcessLifetime.isKept(program)) }
      }
      if let constraints = policy.matchConstraints {
        #expect(ProcessLifetime.isKept(constraints))
        #expect(constraints.resourceRules?.allSatisfy(ProcessLifetime.isKept) == true)
      }
    }
    #expect(!set.bindings.isEmpty && set.bindings.allSatisfy(ProcessLifetime.isKept))
    // The check made of it keeps what it makes: the shared expressions, autogen's variants.
    let check = AdmissionCheck(set: set, configuration: Configuration(), policies: set.policies)
    #expect(ProcessLifetime.isKept(check.sharing))
    let variants = check.sharing.variants.values.flatMap(\.values)
    #expect(!variants.isEmpty && variants.allSatisfy(ProcessLifetime.isKept))
  }
}
