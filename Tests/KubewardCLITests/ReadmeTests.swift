import Foundation
import Testing

/// The README promises commands and shows output; these keep it true.
@Suite("README")
struct ReadmeTests {
  let readme: String

  init() throws {
    readme = try String(contentsOfFile: Kubeward.repositoryRoot + "/README.md", encoding: .utf8)
  }

  @Test func firstScreenHasTheTwoCommands() {
    let firstScreen = readme.split(separator: "\n").prefix(24).joined(separator: "\n")
    #expect(firstScreen.contains("swift run kubeward lint examples/"))
    #expect(firstScreen.contains("swift test"))
  }

  @Test func sampleOutputIsWhatKubewardPrints() throws {
    let actual = try Kubeward.run(["lint", "examples/"]).standardOutput.split(separator: "\n")
    let block = try #require(readme.firstRange(of: "```text\n")).upperBound
    let end = try #require(readme[block...].firstRange(of: "```")).lowerBound
    let sample = readme[block..<end].split(separator: "\n")
    #expect(sample.count == actual.count)
    for (shown, printed) in zip(sample, actual) {
      // The README shortens long messages with "…"; every part it shows must be printed.
      let parts = shown.split(separator: "…").map { $0.trimmingCharacters(in: .whitespaces) }
      var rest = Substring(printed)
      for part in parts where !part.isEmpty {
        let range = rest.range(of: part)
        #expect(range != nil, "README shows \"\(part)\" but kubeward prints \"\(printed)\"")
        if let range { rest = rest[range.upperBound...] }
      }
    }
  }

  @Test func policyTableListsEveryObjectAndSetPolicy() throws {
    let rules = try Kubeward.run(["rules"]).standardOutput
    let section = rules.components(separatedBy: "Checks of the input itself:")[0]
    let ids = section.split(separator: "\n").compactMap { line -> String? in
      line.hasPrefix("  ") ? line.split(separator: " ").first.map(String.init) : nil
    }
    #expect(!ids.isEmpty)
    for id in ids { #expect(readme.contains("| `\(id)` |"), "README's table lacks \(id)") }
  }
}
