import KubewardPolicies
import KubewardReporters
@_spi(Testing) import KubewardYAML

/// One fuzz input is a run: without the separator `FE FF` it is one manifest file; with it,
/// the parts are a `.kubeward.yaml`, a baseline, then files, each named by its first line (any
/// bytes). Each file is read, every node of its tree is visited through the public API, the
/// run is linted with a configuration, a baseline and a number of jobs (1 to 64) taken from the
/// input, and every report format is rendered. A crash, a hang or a broken invariant is a bug;
/// findings are not. The reports people and CI read must hold no command or escape that the
/// input put there (see `checkReport`).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzLint(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  let parts = split(bytes)
  var configuration = Configuration()
  var baseline: Baseline?
  var files: [(name: String, bytes: [UInt8])] = []
  if parts.count == 1 {
    files = [("fuzz.yaml", bytes)]
  } else {
    if let file = try? ConfigurationFile(path: ".kubeward.yaml", bytes: parts[0]) {
      configuration = file.configuration
    }
    baseline = try? Baseline(path: "baseline.yaml", bytes: parts[1])
    for (index, part) in parts.dropFirst(2).enumerated() {
      let firstLine = part.prefix { $0 != 0x0A }.prefix(24)
      files.append(("f\(index)-" + FilePath.displayName(ArraySlice(firstLine)), part))
    }
  }
  for file in files { checkReader(file.bytes) }

  let jobs = 1 + Int(bytes.first ?? 0) % 64
  guard let linter = try? Linter(configuration: configuration) else { return 0 }
  var inputs = files.map { LintInput(name: $0.name, source: .bytes($0.bytes), isExplicit: true) }
  if let first = inputs.indices.first { inputs[first].attributesHelmSources = size % 2 == 0 }
  let sink = CollectingSink()
  linter.run(inputs, options: RunOptions(jobs: jobs, baseline: baseline), into: sink)
  let result = sink.result
  for finding in result.findings + result.suppressed {
    guard let file = files.first(where: { $0.name == finding.file }) else { continue }
    check(finding.range, lineCount: LineIndex(file.bytes).lineCount)
  }
  let sources = SourceLines(inputs)
  for format in ReportFormat.allCases {
    for people in [false, true] {
      let options = ReportOptions(
        showSuppressed: people, color: people, codeFrames: people, sources: people ? sources : nil)
      checkReport(format.render(result, options: options), format: format)
    }
  }
  return 0
}

/// The parts of a fuzz input, split at each `FE FF` (bytes no UTF-8 text holds).
private func split(_ bytes: [UInt8]) -> [[UInt8]] {
  var parts: [[UInt8]] = [[]]
  var index = 0
  while index < bytes.count {
    if bytes[index] == 0xFE && index + 1 < bytes.count && bytes[index + 1] == 0xFF {
      parts.append([])
      index += 2
    } else {
      parts[parts.count - 1].append(bytes[index])
      index += 1
    }
  }
  return parts
}

/// Reads a file both ways (printable ASCII skips libyaml's decoder; the tree must be the one
/// the decoder gives) and visits every node.
private func checkReader(_ bytes: [UInt8]) {
  // Lines as YAML counts them: LF, CR LF, a lone CR, NEL, LS and PS all end one.
  let lineCount = LineIndex(bytes).lineCount
  let file = YAMLReader().read(bytes)
  var libyamlDecodes = YAMLReader()
  libyamlDecodes.decodesASCIIItself = false
  guard file.isIdentical(to: libyamlDecodes.read(bytes)) else {
    fatalError("the input reads differently when libyaml decodes it")
  }
  for document in file.documents {
    if let root = document.root { visit(root, lineCount: lineCount) }
  }
  for diagnostic in file.diagnostics { check(diagnostic.range, lineCount: lineCount) }
}

/// What no report may hold, whatever the input: an escape character other than kubeward's own
/// colours, a bell, a bidi override, or (in the reports CI logs print) a line that GitHub
/// Actions reads as a command other than kubeward's own annotations.
private func checkReport(_ bytes: [UInt8], format: ReportFormat) {
  let text = String(decoding: bytes, as: UTF8.self)
  let withoutColours = text.replacing(/\x1B\[[0-9;]*m/, with: "")
  for forbidden: Character in ["\u{1B}", "\u{07}", "\u{202E}", "\u{2066}", "\u{9B}"]
  where (format == .text || format == .github) && withoutColours.contains(forbidden) {
    fatalError("the \(format) report holds \(forbidden.unicodeScalars.first!.value)")
  }
  guard format == .text || format == .github else { return }
  for line in text.split(separator: "\n") where line.hasPrefix("::") {
    let annotation =
      line.hasPrefix("::error file=") || line.hasPrefix("::warning file=")
      || line.hasPrefix("::notice file=")
    guard format == .github && annotation else {
      fatalError("the \(format) report holds a workflow command: \(line.prefix(80))")
    }
  }
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
