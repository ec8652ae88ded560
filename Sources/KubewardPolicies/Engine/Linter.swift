import Dispatch
import KubewardModel
import KubewardYAML
import Synchronization

/// Counts of what a run read and found.
public struct LintSummary: Hashable, Sendable {
  /// Files read (or attempted).
  public var files = 0
  /// Documents with content (empty and comment-only documents are not counted).
  public var documents = 0
  /// Kubernetes objects linted (a `List` counts its items).
  public var objects = 0
  /// Documents skipped: not Kubernetes objects (no `apiVersion`/`kind`), or Kustomize patches.
  public var skippedDocuments = 0
  /// Findings by severity, suppressed ones excluded.
  public var findings: [Severity: Int] = [:]
  /// Findings that a suppression or baseline accepted.
  public var suppressed = 0

  public init() {}

  mutating func add(_ other: LintSummary) {
    files += other.files
    documents += other.documents
    objects += other.objects
    skippedDocuments += other.skippedDocuments
  }

  public func count(_ severity: Severity) -> Int { findings[severity] ?? 0 }
}

/// The outcome of a run: findings in a stable order, and counts.
public struct LintResult: Sendable {
  /// Sorted by file (in input order), line, column, policy id and message.
  public var findings: [Finding]
  public var summary: LintSummary

  public init(findings: [Finding], summary: LintSummary) {
    self.findings = findings
    self.summary = summary
  }
}

/// Lints sets of files: the per-file pass (parse, model, object policies, facts) on `jobs`
/// workers, then the cross-object pass over the facts of every file. The result does not
/// depend on the number of workers.
public struct Linter: Sendable {
  struct Active<P: Sendable>: Sendable {
    let id: String
    let severity: Severity
    let policy: P
  }

  public let configuration: Configuration
  public let catalogue: PolicyCatalogue
  let objectPolicies: [Active<any ObjectPolicy>]
  let setPolicies: [Active<any SetPolicy>]
  /// Severity of each input policy (`yaml-syntax`, …) that is on.
  let inputSeverities: [String: Severity]
  let factOptions: FactOptions
  /// Compute each finding's YAML path (for fingerprints and baselines); off by default because
  /// it costs a walk up the tree per finding.
  public var computePaths = false
  public var readerLimits = ReaderLimits.standard

  public init(configuration: Configuration = Configuration(), catalogue: PolicyCatalogue = .builtIn)
    throws(ConfigurationError)
  {
    self.configuration = configuration
    self.catalogue = catalogue
    var objectPolicies: [Active<any ObjectPolicy>] = []
    var setPolicies: [Active<any SetPolicy>] = []
    for type in BuiltInPolicies.all {
      guard let description = catalogue[type.id] else {
        throw ConfigurationError("policy \(type.id) has no catalogue entry")
      }
      guard let severity = configuration.severity(of: description) else { continue }
      let policy = try type.init(options: configuration.options(for: description))
      if let policy = policy as? any ObjectPolicy {
        objectPolicies.append(Active(id: type.id, severity: severity, policy: policy))
      } else if let policy = policy as? any SetPolicy {
        setPolicies.append(Active(id: type.id, severity: severity, policy: policy))
      }
    }
    self.objectPolicies = objectPolicies
    self.setPolicies = setPolicies
    var inputSeverities: [String: Severity] = [:]
    for description in catalogue.descriptions where description.scope == .input {
      inputSeverities[description.id] = configuration.severity(of: description)
    }
    self.inputSeverities = inputSeverities
    let pinning = catalogue[LoadBalancerLifecycle.id].map {
      (try? configuration.options(for: $0))?.strings(LoadBalancerLifecycle.pinningAnnotations)
    }
    self.factOptions = FactOptions(loadBalancerIDAnnotations: (pinning ?? nil) ?? [])
  }

  /// Lints `inputs` with `jobs` workers (at least one).
  public func lint(_ inputs: [LintInput], jobs: Int = 1) -> LintResult {
    var inputs = inputs
    let patches = KustomizePatches.patchPaths(among: inputs)
    if !patches.isEmpty {
      for index in inputs.indices {
        if case .file(let path) = inputs[index].source,
          patches.contains(KustomizePatches.normalized(path))
        {
          inputs[index].isKustomizePatch = true
        }
      }
    }
    let outcomes = lintFiles(inputs, jobs: max(1, jobs))
    var findings: [Finding] = []
    var facts = FactsCollection()
    var summary = LintSummary()
    for outcome in outcomes {
      findings += outcome.findings
      facts.append(contentsOf: outcome.facts)
      summary.add(outcome.summary)
    }
    findings += crossObjectFindings(LintSet(facts))
    findings = Self.sorted(findings, inputs: inputs)
    for finding in findings { summary.findings[finding.severity, default: 0] += 1 }
    return LintResult(findings: findings, summary: summary)
  }

  /// Findings by file (in input order), position, policy and message. The file order is
  /// looked up once per finding, not once per comparison.
  static func sorted(_ findings: [Finding], inputs: [LintInput]) -> [Finding] {
    let order = Dictionary(
      inputs.enumerated().map { ($0.element.name, $0.offset) },
      uniquingKeysWith: { first, _ in first })
    // Sort small keys, then gather: a Finding holds several strings and is costly to move.
    struct Key {
      var file: Int
      var line: Int
      var column: Int
      var index: Int
    }
    var keys = findings.indices.map { index in
      let finding = findings[index]
      return Key(
        file: order[finding.file] ?? Int.max, line: finding.range.start.line,
        column: finding.range.start.column, index: index)
    }
    keys.sort { lhs, rhs in
      if lhs.file != rhs.file { return lhs.file < rhs.file }
      if lhs.line != rhs.line { return lhs.line < rhs.line }
      if lhs.column != rhs.column { return lhs.column < rhs.column }
      let left = findings[lhs.index]
      let right = findings[rhs.index]
      if left.policy != right.policy { return left.policy < right.policy }
      return left.message < right.message
    }
    return keys.map { findings[$0.index] }
  }

  /// Lints one in-memory document set, e.g. a test's manifest.
  public func lint(_ text: String, name: String = "manifest.yaml", isExplicit: Bool = true)
    -> LintResult
  {
    lint([LintInput(name: name, source: .bytes(Array(text.utf8)), isExplicit: isExplicit)])
  }

  // MARK: The per-file pass

  /// The cross-object facts of one input (for tests of the cross-object pass).
  func facts(of input: LintInput) -> FactsCollection {
    var reader = FileReader()
    return lintFile(input, reader: &reader).facts
  }

  private func lintFiles(_ inputs: [LintInput], jobs: Int) -> [FileOutcome] {
    if jobs == 1 || inputs.count < 2 {
      var reader = FileReader()
      return inputs.map { lintFile($0, reader: &reader) }
    }
    let results = ResultSlots<FileOutcome>(count: inputs.count)
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: min(jobs, inputs.count)) { _ in
      var reader = FileReader()
      while true {
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
        guard index < inputs.count else { break }
        results[index] = lintFile(inputs[index], reader: &reader)
      }
    }
    return results.values()
  }

  private func lintFile(_ input: LintInput, reader: inout FileReader) -> FileOutcome {
    switch input.source {
    case .bytes(let bytes):
      return bytes.withUnsafeBufferPointer { lintBytes($0, input: input) }
    case .unreadable(let reason):
      return unreadable(input, reason: reason)
    case .file(let path):
      switch reader.read(path) {
      case .success(let count):
        return reader.buffer.withUnsafeBufferPointer {
          lintBytes(UnsafeBufferPointer(rebasing: $0[0..<count]), input: input)
        }
      case .failure(let error):
        return unreadable(input, reason: error.reason)
      }
    }
  }

  private func unreadable(_ input: LintInput, reason: String) -> FileOutcome {
    var outcome = FileOutcome()
    outcome.summary.files = 1
    if let severity = inputSeverities[InputPolicies.unreadableFile] {
      outcome.findings.append(
        Finding(
          policy: InputPolicies.unreadableFile, severity: severity, file: input.name,
          range: SourceRange(at: SourcePosition(line: 1, column: 1)),
          message: "cannot read \(input.name): \(reason); it was not linted"))
    }
    return outcome
  }

  private func lintBytes(_ bytes: UnsafeBufferPointer<UInt8>, input: LintInput) -> FileOutcome {
    var outcome = FileOutcome()
    outcome.summary.files = 1
    let file = YAMLReader(limits: readerLimits).read(bytes)
    for diagnostic in file.diagnostics {
      let id = InputPolicies.id(for: diagnostic.kind)
      guard let severity = inputSeverities[id] else { continue }
      outcome.findings.append(
        Finding(
          policy: id, severity: severity, file: input.name, range: diagnostic.range,
          message: diagnostic.message))
    }
    let locate = Locator(file: input.name, computePaths: computePaths)
    for document in file.documents {
      switch document.content(defaultNamespace: configuration.defaultNamespace) {
      case .empty:
        continue
      case .unreadable:
        outcome.summary.documents += 1
      case .notKubernetes(let root):
        outcome.summary.documents += 1
        outcome.summary.skippedDocuments += 1
        if input.isExplicit, let severity = inputSeverities[InputPolicies.notKubernetes] {
          outcome.findings.append(
            Finding(
              policy: InputPolicies.notKubernetes, severity: severity, file: input.name,
              range: SourceRange(at: root.position),
              message: "this document has no apiVersion and kind, so it is not a Kubernetes "
                + "object; kubeward skipped it"))
        }
      case .objects where input.isKustomizePatch:
        outcome.summary.documents += 1
        outcome.summary.skippedDocuments += 1
      case .objects(let objects):
        outcome.summary.documents += 1
        outcome.summary.objects += objects.count
        for object in objects {
          if let placeholder = InputPolicies.templatePlaceholder(in: object) {
            if let severity = inputSeverities[InputPolicies.unrenderedTemplate] {
              outcome.findings.append(
                Finding(
                  policy: InputPolicies.unrenderedTemplate, severity: severity, file: input.name,
                  range: placeholder.range,
                  message: "\(object.kind) \(placeholder.string ?? "") holds an unexpanded ${…} "
                    + "placeholder: this is an unrendered template (envsubst or similar), not a "
                    + "manifest; render it first and lint the result",
                  object: object.reference))
            }
            continue
          }
          lint(object, file: input.name, into: &outcome.findings)
          outcome.facts.collect(object, locate: locate, options: factOptions)
        }
      }
    }
    return outcome
  }

  private func lint(_ object: KubeObject, file: String, into findings: inout [Finding]) {
    var report = ObjectReport(file: file, object: object.reference, computePaths: computePaths)
    for active in objectPolicies {
      report.policy = active.id
      report.severity = active.severity
      active.policy.check(object, &report)
    }
    findings += report.findings
  }

  // MARK: The cross-object pass

  private func crossObjectFindings(_ set: LintSet) -> [Finding] {
    var report = SetReport()
    for active in setPolicies {
      report.policy = active.id
      report.severity = active.severity
      active.policy.check(set, &report)
    }
    return report.findings
  }
}

/// What the per-file pass keeps of a file: findings, facts and counts, not its nodes.
struct FileOutcome: Sendable {
  var findings: [Finding] = []
  var facts = FactsCollection()
  var summary = LintSummary()
}

/// Fixed slots that concurrent workers fill, each slot by exactly one worker.
final class ResultSlots<Value: Sendable>: @unchecked Sendable {
  private let storage: UnsafeMutableBufferPointer<Value?>

  init(count: Int) {
    storage = .allocate(capacity: count)
    storage.initialize(repeating: nil)
  }

  deinit {
    storage.deinitialize()
    storage.deallocate()
  }

  subscript(index: Int) -> Value? {
    get { storage[index] }
    set { storage[index] = newValue }
  }

  func values() -> [Value] { storage.map { $0! } }
}
