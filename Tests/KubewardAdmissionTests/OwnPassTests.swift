import KubewardEngine
import KubewardModel
import Synchronization
import Testing

@testable import KubewardAdmission

/// Checks that run in a pass of their own (`ObjectCheck.runsInItsOwnPass`): the admission
/// policies run over a file's objects once the built-in policies have run over them all.
@Suite("Own pass")
struct OwnPassTests {
  /// The calls the checks of a run received, in order.
  final class Calls: Sendable {
    let log = Mutex<[String]>([])
    func add(_ call: String) { log.withLock { $0.append(call) } }
    var all: [String] { log.withLock { $0 } }
  }

  struct Recording: ObjectCheck {
    let name: String
    let ownPass: Bool
    let calls: Calls
    var runsInItsOwnPass: Bool { ownPass }
    func check(_ object: KubeObject, _ report: inout ObjectReport) {
      calls.add("\(name) \(object.metadata.name ?? "")")
      report.report(object.nameNode, "\(name) saw it")
    }
  }

  struct Source: PolicySource {
    let checks: [Recording]
    var descriptions: [PolicyDescription] {
      checks.map {
        PolicyDescription(
          id: $0.name, title: $0.name, severity: .warning, scope: .object, appliesTo: [],
          rationale: "", remediation: "", source: "")
      }
    }
    func activePolicies(_ configuration: Configuration, catalogue: PolicyCatalogue)
      throws(ConfigurationError) -> [ActivePolicy]
    {
      checks.map {
        ActivePolicy(
          id: $0.name, severity: .warning, runnable: .object($0), checksPartialObjects: false)
      }
    }
  }

  static let manifest = """
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: first}
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: second}
    """

  @Test func ownPassChecksRunAfterTheOthersOverTheFilesObjects() throws {
    let calls = Calls()
    let linter = try Linter(sources: [
      Source(checks: [
        Recording(name: "interpreter", ownPass: true, calls: calls),
        Recording(name: "built-in", ownPass: false, calls: calls),
      ])
    ])
    let result = linter.lint(Self.manifest)
    #expect(
      calls.all == [
        "built-in first", "built-in second", "interpreter first", "interpreter second",
      ])
    // The findings are those of one pass, each at its object, in the report's order.
    #expect(
      result.findings.map { "\($0.policy) \($0.object?.name ?? "")" } == [
        "built-in first", "interpreter first", "built-in second", "interpreter second",
      ])
  }

  @Test func admissionChecksRunInTheirOwnPass() throws {
    var set = AdmissionPolicySet()
    set.read(
      file: "policy.yaml",
      bytes: Array(
        """
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: replicas}
        spec:
          matchConstraints:
            resourceRules:
              - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}
          validations:
            - expression: object.spec.replicas <= 2
        """.utf8))
    let source = AdmissionPolicySource(set)
    let checks = try source.activePolicies(
      Configuration(), catalogue: PolicyCatalogue(descriptions: source.descriptions))
    #expect(!checks.isEmpty)
    for active in checks {
      guard case .object(let check) = active.runnable else {
        Issue.record("\(active.id) is not an object check")
        continue
      }
      #expect(check.runsInItsOwnPass)
    }
  }
}
