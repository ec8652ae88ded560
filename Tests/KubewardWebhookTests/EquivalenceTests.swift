import Foundation
import KubewardBuiltInPolicies
import KubewardEngine
import KubewardModel
import KubewardYAML
import Testing

@testable import KubewardWebhook

/// `kubeward serve` must give an object the verdicts `kubeward lint` gives it in a file: the
/// same per-object policies, at the same severities. Each object is sent as the API server
/// would send it (JSON, in an AdmissionReview) and compared with the lint of its file.
@Suite("The webhook agrees with kubeward lint")
struct EquivalenceTests {
  static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path
  static let realCorpus = repositoryRoot + "/../shared/corpus/real"
  static let corpusIsPresent = FileManager.default.fileExists(atPath: realCorpus + "/INDEX.tsv")

  static let objectPolicies = Set(
    PolicyCatalogue.builtIn.descriptions.filter { $0.scope == .object }.map(\.id))

  struct Verdict: Hashable, Comparable, CustomStringConvertible {
    let policy: String
    let severity: Severity
    static func < (lhs: Self, rhs: Self) -> Bool {
      (lhs.policy, lhs.severity.rawValue) < (rhs.policy, rhs.severity.rawValue)
    }
    var description: String { "\(policy) (\(severity))" }
  }

  /// Differences between the two, per object, in `name`.
  static func differences(name: String, bytes: [UInt8], compared: inout Int) throws -> [String] {
    let linter = try Linter()
    let reviewer = AdmissionReviewer(
      linter: linter,
      settings: {
        var settings = ReviewSettings()
        settings.skipNamespaces = []
        return settings
      }())
    let all = linter.lint([LintInput(name: name, source: .bytes(bytes), isExplicit: true)])
      .findings
    let linted = all.filter { objectPolicies.contains($0.policy) && $0.suppression == nil }
    // What never reaches an API server as it is: templates (`${IMAGE}`, `{{uid}}`), which lint
    // leaves unchecked, and fragments a patch merges into a base, which lint reads as such
    // (the API server validates an object before validating webhooks see it).
    let notObjects = Set(
      all.filter {
        $0.policy == "unrendered-template"
          || ($0.policy == "schema" && $0.message.contains("is not a whole object"))
      }.compactMap(\.object))
    var differences: [String] = []
    let file = YAMLReader().read(bytes)
    for document in file.documents {
      guard case .objects(let objects, _) = document.content(defaultNamespace: "default") else {
        continue
      }
      for object in objects {
        guard object.resourceKind != nil, !notObjects.contains(object.reference) else { continue }
        let expected = linted.filter { $0.object == object.reference }
          .map { Verdict(policy: $0.policy, severity: $0.severity) }.sorted()
        let body = Reviews.body(
          object: Reviews.json(object.node), namespace: object.reference.namespace,
          name: object.reference.name ?? "")
        let answer = reviewer.review(Array(body.utf8))
        compared += 1
        guard let decision = answer.decision else {
          differences.append("\(name): \(object.reference): \(answer.error ?? "no answer")")
          continue
        }
        let got = decision.findings.map { Verdict(policy: $0.policy, severity: $0.severity) }
          .sorted()
        if Set(got) != Set(expected) {
          differences.append(
            "\(name): \(object.reference): lint \(expected), webhook \(got)")
        }
      }
    }
    return differences
  }

  @Test func onEveryExampleOfEveryPerObjectPolicy() throws {
    var differences: [String] = []
    var compared = 0
    for description in PolicyCatalogue.builtIn.descriptions where description.scope == .object {
      for (index, example) in (description.failingExamples + description.passingExamples)
        .enumerated()
      {
        differences += try Self.differences(
          name: "\(description.id) example \(index + 1)", bytes: example.manifest,
          compared: &compared)
      }
    }
    #expect(compared > 60)
    #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
  }

  @Test(.enabled(if: corpusIsPresent, "../shared/corpus/real is absent"))
  func onEveryObjectOfTheRealCorpus() throws {
    let index = try String(contentsOfFile: Self.realCorpus + "/INDEX.tsv", encoding: .utf8)
    var differences: [String] = []
    var files = 0
    var compared = 0
    for line in index.split(separator: "\n").dropFirst() {
      let path = String(line.split(separator: "\t")[0])
      guard let data = FileManager.default.contents(atPath: Self.realCorpus + "/" + path) else {
        continue
      }
      files += 1
      differences += try Self.differences(name: path, bytes: Array(data), compared: &compared)
    }
    #expect(files > 2000)
    #expect(compared > 1500, "\(compared) objects compared")
    #expect(
      differences.isEmpty,
      "\(differences.count) differences:\n\(differences.prefix(40).joined(separator: "\n"))")
  }
}
