import KubewardPolicies
import KubewardReporters
@_spi(Testing) import KubewardYAML

/// One fuzz input is one manifest file. It is read, every node of the tree is visited through
/// the public API, the whole file is linted (per-file and cross-object policies), and every
/// report format is rendered. A crash, a hang or a broken invariant is a bug; findings are not.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzLint(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  // Lines as YAML counts them: LF, CR LF, a lone CR, NEL, LS and PS all end one.
  let lineCount = LineIndex(bytes).lineCount

  let file = YAMLReader().read(bytes)
  // Printable ASCII skips libyaml's decoder; the tree must be the one the decoder gives.
  var libyamlDecodes = YAMLReader()
  libyamlDecodes.decodesASCIIItself = false
  guard file.isIdentical(to: libyamlDecodes.read(bytes)) else {
    fatalError("the input reads differently when libyaml decodes it")
  }
  for document in file.documents {
    if let root = document.root { visit(root, lineCount: lineCount) }
  }
  for diagnostic in file.diagnostics { check(diagnostic.range, lineCount: lineCount) }

  var input = LintInput(name: "fuzz.yaml", source: .bytes(bytes), isExplicit: true)
  input.attributesHelmSources = size % 2 == 0
  let result = Fuzzing.linter.lint([input])
  for finding in result.findings where finding.file == "fuzz.yaml" {
    check(finding.range, lineCount: lineCount)
  }
  for format in ReportFormat.allCases { _ = format.render(result) }
  return 0
}

enum Fuzzing {
  static let linter = try! Linter()
}

/// Every node, depth first with an explicit stack (a fuzzed tree may be deep), touching what
/// policies touch: text, numbers, positions, paths, keyed lookups.
private func visit(_ root: Node, lineCount: Int) {
  var stack = [root]
  var visited = 0
  // Aliases share nodes; a bounded walk keeps an alias-heavy input from taking forever.
  while let node = stack.popLast(), visited < 100_000 {
    visited += 1
    check(node.findingRange, lineCount: lineCount)
    _ = node.path
    _ = node.string
    _ = node.int
    _ = node.bool
    if node.isMapping {
      for (key, value) in node.pairs {
        _ = key.text
        stack.append(value)
      }
      _ = node["metadata"]
    } else if node.isSequence {
      stack.append(contentsOf: node.items)
    }
  }
}

private func check(_ range: SourceRange, lineCount: Int) {
  guard range.start.line >= 1, range.start.column >= 1, range.start <= range.end,
    range.end.line <= lineCount + 1
  else {
    fatalError("a position outside the input: \(range), \(lineCount) lines")
  }
}
