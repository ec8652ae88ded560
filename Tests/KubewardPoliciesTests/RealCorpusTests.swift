import KubewardBuiltInPolicies
import KubewardEngine
import Testing

@_spi(Testing) @testable import KubewardYAML

/// `../shared/corpus/real`: real manifests written by others (see its PROVENANCE.md). Read in
/// place, never copied into the repository; the tests are skipped when it is absent.
let realCorpus = repositoryRoot + "/../shared/corpus/real"
let realCorpusIsPresent = !directoryEntries(realCorpus).isEmpty

/// One row of the corpus's INDEX.tsv.
struct IndexedFile {
  let path: String
  let documents: Int
  let parsedByPyYAML: Bool
}

func corpusIndex() throws -> [IndexedFile] {
  let text = try #require(readTextFile(realCorpus + "/INDEX.tsv"))
  return text.split(separator: "\n").dropFirst().map { line in
    let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
    return IndexedFile(
      path: String(fields[0]), documents: Int(fields[2]) ?? 0, parsedByPyYAML: fields[4] == "ok")
  }
}

@Suite("Real manifests", .enabled(if: realCorpusIsPresent, "../shared/corpus/real is absent"))
struct RealCorpusTests {
  @Test func everyFileIsLintedWithoutCrashing() throws {
    let index = try corpusIndex()
    let inputs = try InputDiscovery.inputs(for: [realCorpus])
    // Every indexed file is an input, but the templates of Helm charts, which are reported
    // once per chart instead.
    let charts = inputs.compactMap { input -> String? in
      guard case .helmChart(let folder) = input.source else { return nil }
      return String(folder.dropFirst(realCorpus.count + 1))
    }
    let files = Set(inputs.map { String($0.name.dropFirst(realCorpus.count + 1)) })
    let templates = index.filter { file in
      charts.contains { file.path.hasPrefix($0 + "templates/") }
    }
    #expect(!charts.isEmpty && !templates.isEmpty)
    for file in index where !templates.contains(where: { $0.path == file.path }) {
      #expect(files.contains(file.path), "\(file.path) is not linted")
    }
    #expect(inputs.count == index.count - templates.count + charts.count)
    let result = try Linter().lint(inputs, jobs: 2)
    #expect(result.summary.files == inputs.count)
    #expect(result.summary.objects > 3_900)
    // Every finding points inside its file.
    for finding in result.findings {
      #expect(finding.line >= 1 && finding.column >= 1, "\(finding)")
    }
  }

  /// Printable ASCII input skips libyaml's decoder (see `DecodedInput`): every manifest reads
  /// node for node as when libyaml decodes it.
  @Test func everyFileReadsAsWhenLibyamlDecodesIt() throws {
    var libyamlDecodes = YAMLReader()
    libyamlDecodes.decodesASCIIItself = false
    var decodedByKubeward = 0
    for input in try InputDiscovery.inputs(for: [realCorpus]) {
      guard case .file(let path) = input.source else { continue }
      let bytes = try #require(readFile(path.description))
      if bytes.withUnsafeBufferPointer(DecodedInput.isPrintableASCII) { decodedByKubeward += 1 }
      let read = YAMLReader().read(bytes)
      #expect(read.isIdentical(to: libyamlDecodes.read(bytes)), "\(input.name)")
    }
    // Most real manifests are ASCII: the comparison covers the fast path, not just the other.
    #expect(decodedByKubeward > 2_000)
  }

  @Test func documentCountsAgreeWithPyYAML() throws {
    let reader = YAMLReader()
    var compared = 0
    for file in try corpusIndex() where file.parsedByPyYAML {
      let bytes = try #require(readFile(realCorpus + "/" + file.path))
      let parsed = reader.read(bytes)
      let documents = parsed.documents.filter { !$0.isEmpty }.count
      #expect(documents == file.documents, "\(file.path)")
      #expect(
        parsed.diagnostics.allSatisfy { $0.kind == .duplicateKey },
        "\(file.path): \(parsed.diagnostics)")
      compared += 1
    }
    #expect(compared > 2_200)
  }
}
