import Foundation
import Testing

/// The README promises commands and shows output; these keep it true.
@Suite("README")
struct ReadmeTests {
  let readme: String

  init() throws {
    readme = try String(contentsOfFile: Kubeward.repositoryRoot + "/README.md", encoding: .utf8)
  }

  /// The README starts with how to install, one command per channel, then how to try it.
  @Test func firstScreensInstallThenTry() {
    let start = readme.split(separator: "\n").prefix(45).joined(separator: "\n")
    for channel in [
      "scripts/install.sh | sh", "brew install", "docker run", "swift build -c release",
    ] {
      #expect(start.contains(channel), "\(channel)")
    }
    #expect(start.contains("kubeward lint examples/"))
    #expect(start.contains("swift test"))
    #expect(
      readme.firstRange(of: "## Install")!.lowerBound
        < readme.firstRange(of: "## Try it")!.lowerBound)
  }

  /// Every snippet that names a release (the Action, the hooks, the image, the install
  /// script's default) names this version: one place to change at a release.
  @Test func everySnippetNamesThisVersion() throws {
    let version = try Kubeward.run(["--version"]).standardOutput
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let pattern = try NSRegularExpression(
      pattern:
        #"(?:kubeward@v|rev: v|kubeward/kubeward:|--version |KUBEWARD_VERSION:-|default: ")(\d+\.\d+\.\d+)"#
    )
    var checked = 0
    for file in ["README.md", "action.yml", ".pre-commit-hooks.yaml", "scripts/install.sh"] {
      let text = try String(contentsOfFile: Kubeward.repositoryRoot + "/" + file, encoding: .utf8)
      for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
        let found = (text as NSString).substring(with: match.range(at: 1))
        #expect(found == version, "\(file) names \(found), kubeward is \(version)")
        checked += 1
      }
    }
    #expect(checked >= 8)
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

  /// The first ```yaml block after `heading`.
  func yamlBlock(after heading: String) throws -> String {
    let section = try #require(readme.firstRange(of: "\n" + heading + "\n")).upperBound
    let start = try #require(readme[section...].firstRange(of: "```yaml\n")).upperBound
    let end = try #require(readme[start...].firstRange(of: "```")).lowerBound
    return String(readme[start..<end])
  }

  @Test func configurationExampleIsAValidConfiguration() throws {
    let folder = try Kubeward.temporaryDirectory()
    let path = folder + "/.kubeward.yaml"
    try yamlBlock(after: "## Configuration").write(toFile: path, atomically: true, encoding: .utf8)
    let run = try Kubeward.run(["lint", "--config", path, "examples/"])
    #expect(run.status != 2, "\(run.standardError)")
    // Its settings take effect: image-pull-secrets becomes an error, alpine-image is off.
    #expect(run.standardOutput.contains("error: Deployment shop/orders"))
    #expect(!run.standardOutput.contains("[alpine-image]"))
  }

  @Test func suppressionExampleSuppressesBothFindings() throws {
    let run = try Kubeward.run(
      ["lint", "-"], stdin: try yamlBlock(after: "## Suppressing a finding"))
    #expect(run.status == 0, "\(run.standardOutput)")
    #expect(run.standardOutput.contains("0 errors, 0 warnings, 0 info, 2 suppressed"))
  }

  @Test func gitHubActionsExampleUsesTheActionsInputs() throws {
    let action = try String(
      contentsOfFile: Kubeward.repositoryRoot + "/action.yml", encoding: .utf8)
    let snippet = try yamlBlock(after: "### GitHub Actions")
    let with = try #require(snippet.components(separatedBy: "with:\n").last)
    for line in with.split(separator: "\n") {
      let name = line.trimmingCharacters(in: .whitespaces).prefix { $0 != ":" }
      #expect(action.contains("\n  \(name):\n"), "action.yml has no input \(name)")
    }
  }

  @Test func policyTableListsEveryObjectAndSetPolicy() throws {
    let rules = try Kubeward.run(["rules"]).standardOutput
    let section = rules.components(separatedBy: "Checks of the input itself")[0]
    let ids = section.split(separator: "\n").compactMap { line -> String? in
      line.hasPrefix("  ") ? line.split(separator: " ").first.map(String.init) : nil
    }
    #expect(!ids.isEmpty)
    for id in ids { #expect(readme.contains("| `\(id)` |"), "README's table lacks \(id)") }
  }
}
