import KubewardModel
import Synchronization
import Testing

@testable import KubewardAdmission
@testable import KubewardEngine

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

  /// The own passes of consecutive files run one after another, once the other checks have
  /// run over a batch of files (the interpreter's code and compiled policies then stay in
  /// the caches): the findings are each file's, in input order, as if each file was linted
  /// alone, with one worker or several; a file without objects for the own pass waits its
  /// turn.
  @Test(arguments: [1, 2]) func ownPassesRunOverSeveralFilesInARow(jobs: Int) throws {
    let calls = Calls()
    let linter = try Linter(sources: [
      Source(checks: [
        Recording(name: "interpreter", ownPass: true, calls: calls),
        Recording(name: "built-in", ownPass: false, calls: calls),
      ])
    ])
    let inputs = (0..<100).map { index in
      // Every fifth file holds no object: nothing awaits its own pass.
      LintInput(
        name: "file\(index).yaml",
        source: .bytes(
          Array(
            (index % 5 == 4
              ? "# nothing\n" : "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm\(index)}\n")
              .utf8)), isExplicit: true)
    }
    let result = linter.lint(inputs, jobs: jobs)
    let expected = inputs.indices.filter { $0 % 5 != 4 }.flatMap {
      ["file\($0).yaml built-in cm\($0)", "file\($0).yaml interpreter cm\($0)"]
    }
    #expect(result.findings.map { "\($0.file) \($0.policy) \($0.object?.name ?? "")" } == expected)
    guard jobs == 1 else { return }
    // One batch: every built-in call, then every interpreter call, each in input order.
    let names = inputs.indices.filter { $0 % 5 != 4 }.map { "cm\($0)" }
    #expect(calls.all == names.map { "built-in \($0)" } + names.map { "interpreter \($0)" })
  }

  /// A batch holds at most `maximumFiles` files and about `maximumBytes` of input: their trees
  /// are kept meanwhile.
  @Test func ownPassBatchesAreBounded() throws {
    let calls = Calls()
    let linter = try Linter(sources: [
      Source(checks: [Recording(name: "interpreter", ownPass: true, calls: calls)])
    ])
    let padding = String(repeating: "#", count: 64 * 1024)
    let inputs = (0..<(OwnPassBatch.maximumFiles + 40)).map { index in
      LintInput(
        name: "file\(index).yaml",
        source: .bytes(
          Array(
            ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm\(index)}\n"
              + (index < 40 ? "\(padding)\n" : "")).utf8)), isExplicit: true)
    }
    var delivered: [String] = []
    var scratch = WorkerScratch(objectPolicies: linter.objectPolicies)
    var batch = OwnPassBatch()
    var sizes: [Int] = []
    for index in inputs.indices {
      let pass = linter.firstPass(inputs[index], scratch: &scratch, deferringOwnPass: true)
      if batch.add(index, pass) {
        sizes.append(batch.files.count)
        delivered += batch.files.map { "\($0.index)" }
        batch = OwnPassBatch()
      }
    }
    // 64 kB files fill a batch at 512 kB (8 files); small ones at maximumFiles.
    #expect(sizes == [8, 8, 8, 8, 8, OwnPassBatch.maximumFiles])
    #expect(delivered == inputs.indices.prefix(delivered.count).map { "\($0)" })
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
