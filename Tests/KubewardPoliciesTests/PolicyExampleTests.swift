import KubewardBuiltInPolicies
import KubewardEngine
import Testing

/// One example of one policy, as a test argument.
struct ExampleCase: Sendable, CustomTestStringConvertible {
  let policy: String
  let index: Int
  let example: PolicyExample
  let failing: Bool

  var testDescription: String {
    "\(policy) \(failing ? "failing" : "passing") #\(index + 1)"
      + (example.description.map { ": \($0)" } ?? "")
  }

  static func all(failing: Bool) -> [ExampleCase] {
    PolicyCatalogue.builtIn.descriptions.flatMap { description in
      (failing ? description.failingExamples : description.passingExamples).enumerated().map {
        ExampleCase(policy: description.id, index: $0.offset, example: $0.element, failing: failing)
      }
    }
  }

  /// The policy's findings when the example is linted as a file named on the command line.
  func findings() throws -> [Finding] {
    let linter = try Linter()
    let input = LintInput(name: "example.yaml", source: .bytes(example.manifest), isExplicit: true)
    return linter.lint([input]).findings.filter { $0.policy == policy }
  }
}

@Suite("Policy examples")
struct PolicyExampleTests {
  @Test(
    "Failing examples are reported at the marked lines", arguments: ExampleCase.all(failing: true))
  func failingExample(_ example: ExampleCase) throws {
    let findings = try example.findings()
    let reported = findings.map(\.line).sorted()
    let expected = example.example.expectations.map(\.line).sorted()
    #expect(reported == expected, "\(findings.map { "\($0.line): \($0.message)" })")
    for expectation in example.example.expectations {
      guard let severity = expectation.severity else { continue }
      let atLine = findings.filter { $0.line == expectation.line }
      #expect(
        atLine.contains { $0.severity == severity },
        "line \(expectation.line): expected \(severity), got \(atLine.map(\.severity))")
    }
    for finding in findings {
      #expect(finding.message.count > 40, "a message should say what to do: \(finding.message)")
    }
  }

  @Test("Passing examples are silent", arguments: ExampleCase.all(failing: false))
  func passingExample(_ example: ExampleCase) throws {
    let findings = try example.findings()
    #expect(findings.isEmpty, "\(findings.map { "\($0.line): \($0.message)" })")
  }

  @Test func everyPolicyHasValidRunnableExamples() throws {
    for description in PolicyCatalogue.builtIn.descriptions {
      try description.validateExamples()
    }
    for description in PolicyCatalogue.builtIn.descriptions where description.examplesNote == nil {
      #expect(!description.failingExamples.isEmpty, "\(description.id) has no failing example")
      #expect(!description.passingExamples.isEmpty, "\(description.id) has no passing example")
    }
  }
}
