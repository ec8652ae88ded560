import Dispatch
import KubewardModel
import KubewardYAML

/// How a run is carried out.
public struct RunOptions: Sendable {
  /// Files linted in parallel: from 1 to `maximumJobs` (a larger number is that many).
  public var jobs: Int {
    get { requestedJobs }
    set { requestedJobs = min(max(1, newValue), Self.maximumJobs) }
  }
  private var requestedJobs = 1
  /// More workers than any machine has cores: `--jobs 2^57` overflowed the window of files
  /// the workers run ahead by (64 per worker) and crashed the run.
  public static let maximumJobs = 4_096
  /// Accepted findings: reported only if new.
  public var baseline: Baseline?
  /// `false` when the process exits right after the run, as the command line does: the run's
  /// facts, indexes and findings are then left to the operating system, which reclaims them at
  /// once, instead of being freed object by object (as compilers do at exit).
  public var freesMemoryAtEnd: Bool
  /// Findings about files that are not linted themselves (the admission policies a run was
  /// given): delivered first, counted, and subject to the baseline like any other.
  public var additionalFindings: [Finding] = []

  public init(jobs: Int = 1, baseline: Baseline? = nil, freesMemoryAtEnd: Bool = true) {
    self.baseline = baseline
    self.freesMemoryAtEnd = freesMemoryAtEnd
    self.jobs = jobs
  }
}

/// What a run leaves unfreed when it is told the process exits next.
private final class LeftForExit: Sendable {
  let state: RunState
  let crossObject: CrossObjectState

  init(state: RunState, crossObject: CrossObjectState) {
    self.state = state
    self.crossObject = crossObject
  }
}

/// The cross-object pass's data, kept until the run decides whether to free it.
struct CrossObjectState: Sendable {
  let set: LintSet
  let pending: [PendingFinding]
}

/// What a run accumulates as files are delivered.
struct RunState {
  var facts = FactsCollection()
  /// Findings about patches, kept until the run knows whether it holds what they patch.
  var patchFindings: [Finding] = []
  var objectNames: Set<PatchTarget> = []
  var directives: [SuppressionDirective] = []
  var summary = LintSummary()
  var baseline: Baseline?

  /// Applies the baseline to findings about to be reported and counts them.
  mutating func admit(_ findings: inout [Finding]) {
    if baseline != nil {
      for index in findings.indices { baseline!.accept(&findings[index]) }
    }
    summary.count(findings)
  }
}

/// Lints sets of files: the per-file pass (parse, model, object policies, facts) on `jobs`
/// workers, then the cross-object pass over the facts of every file. The result does not
/// depend on the number of workers.
public struct Linter: Sendable {
  /// A policy that is on, with its severity. A class, so that workers can run it through an
  /// unretained reference (see `WorkerScratch.objectPolicies`).
  final class Active<P: Sendable>: Sendable {
    let id: String
    let severity: Severity
    let policy: P

    init(id: String, severity: Severity, policy: P) {
      self.id = id
      self.severity = severity
      self.policy = policy
    }
  }

  public let configuration: Configuration
  public let catalogue: PolicyCatalogue
  let objectPolicies: [Active<any ObjectCheck>]
  let setPolicies: [Active<any SetPolicy>]
  /// Severity of each input policy (`yaml-syntax`, …) that is on.
  let inputSeverities: [String: Severity]
  let factOptions: FactOptions
  /// Every policy that is on.
  let enabledPolicies: Set<String>
  /// The object policies whose findings hold for partial objects (Kustomize patches).
  let partialObjectPolicies: Set<String>
  /// Which projects run their pods on virtual nodes (the configuration, or their README).
  let virtualNodeProjects: VirtualNodeProjects
  /// Compute each finding's YAML path (for fingerprints and baselines); off by default because
  /// it costs a walk up the tree per finding.
  public var computePaths = false
  public var readerLimits = ReaderLimits.standard

  /// A linter that runs the policies of `sources` (the built-in catalogue, admission
  /// policies, …) under `configuration`. Their catalogues are merged: two sources may not
  /// describe the same id.
  public init(configuration: Configuration = Configuration(), sources: [any PolicySource])
    throws(ConfigurationError)
  {
    var descriptions: [PolicyDescription] = []
    var seen: Set<String> = []
    for source in sources {
      for description in source.descriptions {
        guard seen.insert(description.id).inserted else {
          throw ConfigurationError(
            "two policies are named \(description.id): rename one (an admission policy may not "
              + "take the id of a built-in policy)")
        }
        descriptions.append(description)
      }
    }
    let catalogue = PolicyCatalogue(
      descriptions: descriptions,
      groups: sources.reduce(into: [:]) { groups, source in
        groups.merge(source.groups) { $0 + $1 }
      })
    self.configuration = configuration
    self.catalogue = catalogue
    var objectPolicies: [Active<any ObjectCheck>] = []
    var setPolicies: [Active<any SetPolicy>] = []
    var partialObjectPolicies: Set<String> = []
    var loadBalancerIDAnnotations: [String] = []
    var dataStoreImages: Set<String> = []
    for source in sources {
      for active in try source.activePolicies(configuration, catalogue: catalogue) {
        switch active.runnable {
        case .object(let policy):
          objectPolicies.append(Active(id: active.id, severity: active.severity, policy: policy))
        case .set(let policy):
          setPolicies.append(Active(id: active.id, severity: active.severity, policy: policy))
        }
        if active.checksPartialObjects { partialObjectPolicies.insert(active.id) }
      }
      let factOptions = source.factOptions(configuration, catalogue: catalogue)
      loadBalancerIDAnnotations += factOptions.loadBalancerIDAnnotations
      dataStoreImages.formUnion(factOptions.dataStoreImages)
    }
    self.objectPolicies = objectPolicies
    self.setPolicies = setPolicies
    self.virtualNodeProjects = VirtualNodeProjects(configured: configuration.virtualNodes)
    self.partialObjectPolicies = partialObjectPolicies
    var inputSeverities: [String: Severity] = [:]
    for description in catalogue.descriptions where description.scope == .input {
      inputSeverities[description.id] = configuration.severity(of: description)
    }
    self.inputSeverities = inputSeverities
    self.factOptions = FactOptions(
      loadBalancerIDAnnotations: loadBalancerIDAnnotations, dataStoreImages: dataStoreImages)
    self.enabledPolicies = Set(
      catalogue.descriptions.filter { configuration.severity(of: $0) != nil }.map(\.id))
  }

  /// Lints `inputs` and hands the findings to `sink` in report order (see `FindingSink`):
  /// files on `options.jobs` workers, delivered in input order, then the cross-object pass.
  /// The output does not depend on the number of workers. Returns the run's counts.
  @discardableResult
  public func run(_ inputs: [LintInput], options: RunOptions = RunOptions(), into sink: FindingSink)
    -> LintSummary
  {
    let inputs = InputDiscovery.droppingRepeatedLinks(
      BuildArtifacts.marking(KustomizePatches.marking(inputs)))
    let hasPatches = inputs.contains(where: \.isKustomizePatch)
    var state = RunState(baseline: options.baseline)
    var additionalFiles: [String] = []
    var additional: [String: [Finding]] = [:]
    // What a policy turned off would say of itself (an admission policy's notes, its compile
    // errors) is left out with it, and a lower severity set for it lowers them too (a compile
    // error of a policy the team lowered to info does not fail the run). Not a higher one:
    // raised to error, its violations fail the run, its notes ("kubeward does not evaluate
    // this policy") do not.
    for var finding in options.additionalFindings
    where catalogue[finding.policy].map({ configuration.severity(of: $0) != nil }) ?? true {
      if let severity = configuration.policies[finding.policy]?.severity {
        finding.severity = min(finding.severity, severity)
      }
      if additional[finding.file] == nil { additionalFiles.append(finding.file) }
      additional[finding.file, default: []].append(finding)
    }
    for file in additionalFiles {
      var findings = additional[file]!
      state.admit(&findings)
      sink.file(file, findings: findings)
    }
    forEachFile(inputs, jobs: options.jobs, recordsObjectNames: hasPatches) {
      input, outcome in
      var outcome = outcome
      state.facts.append(contentsOf: outcome.facts)
      state.directives += outcome.directives
      state.objectNames.formUnion(outcome.objectNames)
      state.patchFindings += outcome.patchFindings
      guard !input.isContext else { return }
      state.summary.add(outcome.summary)
      state.admit(&outcome.findings)
      sink.file(input.name, findings: outcome.findings)
    }
    let crossObject = deliverCrossObjectFindings(
      inputs, options: options, state: &state, into: sink)
    sink.finish(state.summary)
    if !options.freesMemoryAtEnd {
      _ = Unmanaged.passRetained(LeftForExit(state: state, crossObject: crossObject))
    }
    return state.summary
  }

  /// The cross-object pass over the facts of every file, then delivery of its findings and of
  /// the findings about suppressions, sorted across files.
  private func deliverCrossObjectFindings(
    _ inputs: [LintInput], options: RunOptions, state: inout RunState, into sink: FindingSink
  ) -> CrossObjectState {
    // Findings located in context files are not this run's to report.
    let contextNames = Set(inputs.filter(\.isContext).map(\.name))
    var set = LintSet(state.facts, jobs: options.jobs)
    set.contextFiles = contextNames
    var pending = crossObjectFindings(set, jobs: options.jobs)
    if !contextNames.isEmpty {
      for group in pending.indices {
        pending[group].removeAll { contextNames.contains($0.finding.file) }
      }
    }
    // Test fixtures may be wrong on purpose: information at most (see `Fixtures`).
    let fixtureNames = Set(inputs.filter(\.isFixture).map(\.name))
    let suppressions = SuppressionIndex(state.directives, group: catalogue.group(of:))
    for group in pending.indices {
      for index in pending[group].indices {
        suppressions.apply(&state.directives, to: &pending[group][index].finding)
        if !fixtureNames.isEmpty, fixtureNames.contains(pending[group][index].finding.file) {
          pending[group][index].finding.severity = .info
        }
      }
    }
    pending.append(unusedSuppressions(state.directives).map(PendingFinding.init))
    // A "patch" whose target the run does not hold is not known to patch anything: what it
    // lacks is reported as for any manifest.
    pending.append(
      state.patchFindings.filter { finding in
        guard let object = finding.object, let target = PatchTarget(object) else { return true }
        return !state.objectNames.contains(target)
      }.map(PendingFinding.init))
    let ordered = Self.inputOrder(of: pending, inputs: inputs).map {
      pending[$0.group][$0.item]
    }
    pending = []
    // Messages are written a slice at a time, as the slice is delivered.
    ordered.withUnsafeBufferPointer { ordered in
      var start = 0
      repeat {
        let end = min(start + 1024, ordered.count)
        var findings = Self.rendered(
          UnsafeBufferPointer(rebasing: ordered[start..<end]), jobs: options.jobs)
        state.admit(&findings)
        sink.crossObject(findings)
        start = end
      } while start < ordered.count
    }
    return CrossObjectState(set: set, pending: ordered)
  }

  /// `pending` with messages written; with several jobs, written in parallel. The threads read
  /// the findings through a buffer pointer, so they share no reference count.
  private static func rendered(_ pending: UnsafeBufferPointer<PendingFinding>, jobs: Int)
    -> [Finding]
  {
    guard jobs > 1 && pending.count >= 64 else { return pending.map { $0.rendered() } }
    let parts = Partition.ranges(count: pending.count, parts: jobs)
    return Array(unsafeUninitializedCapacity: pending.count) { buffer, initialized in
      nonisolated(unsafe) let results = buffer
      nonisolated(unsafe) let pending = pending
      DispatchQueue.concurrentPerform(iterations: parts.count) { part in
        // Each part initialises its own range of the array.
        for index in parts[part] {
          (results.baseAddress! + index).initialize(to: pending[index].rendered())
        }
      }
      initialized = pending.count
    }
  }

  /// Where a pending finding is: `pending[group][item]`.
  private struct PendingIndex {
    var group: Int
    var item: Int
  }

  /// The positions of the findings of `pending` (one array per policy, in policy order) in
  /// report order: by the position of their file among `inputs`, then by position in the file
  /// (`Finding.byPosition`), then in the order found.
  private static func inputOrder(of pending: [[PendingFinding]], inputs: [LintInput])
    -> [PendingIndex]
  {
    let rank = Dictionary(
      inputs.enumerated().map { ($0.element.name, $0.offset) },
      uniquingKeysWith: { first, _ in first })
    // Each finding's file rank and start are read once, not at every comparison, and decide
    // most comparisons alone. A policy reports the objects of one file in a row, so most rank
    // lookups repeat the one before.
    var keyed: [(file: Int, start: SourcePosition, at: PendingIndex)] = []
    keyed.reserveCapacity(pending.reduce(0) { $0 + $1.count })
    var last: (file: String, rank: Int)?
    for group in pending.indices {
      for item in pending[group].indices {
        let finding = pending[group][item].finding
        if last?.file != finding.file { last = (finding.file, rank[finding.file] ?? Int.max) }
        keyed.append((last!.rank, finding.range.start, PendingIndex(group: group, item: item)))
      }
    }
    keyed.sort { lhs, rhs in
      if lhs.file != rhs.file { return lhs.file < rhs.file }
      if lhs.start != rhs.start { return lhs.start < rhs.start }
      let leftPending = pending[lhs.at.group][lhs.at.item]
      let rightPending = pending[rhs.at.group][rhs.at.item]
      let left = leftPending.finding
      let right = rightPending.finding
      if left.policy != right.policy { return left.policy < right.policy }
      // Same place, same policy (rare): the message decides, as for a file's own findings.
      let leftMessage = leftPending.rendered().message
      let rightMessage = rightPending.rendered().message
      if leftMessage != rightMessage { return leftMessage < rightMessage }
      return (lhs.at.group, lhs.at.item) < (rhs.at.group, rhs.at.item)
    }
    return keyed.map(\.at)
  }

  /// Lints `inputs` into memory.
  public func lint(_ inputs: [LintInput], jobs: Int = 1) -> LintResult {
    lint(inputs, options: RunOptions(jobs: jobs))
  }

  /// Lints `inputs` into memory, with `options`.
  public func lint(_ inputs: [LintInput], options: RunOptions) -> LintResult {
    let sink = CollectingSink()
    run(inputs, options: options, into: sink)
    return sink.result
  }

  /// Lints one in-memory manifest, e.g. a test's.
  public func lint(_ text: String, name: String = "manifest.yaml", isExplicit: Bool = true)
    -> LintResult
  {
    lint([LintInput(name: name, source: .bytes(Array(text.utf8)), isExplicit: isExplicit)])
  }

  // MARK: The per-file pass

  /// Lints every input, calling `deliver` in input order, one call at a time (with several
  /// jobs, on whichever worker finishes the file that is due; see `OrderedWork`). Workers run
  /// ahead of delivery by at most a window of files, which bounds memory.
  private func forEachFile(
    _ inputs: [LintInput], jobs: Int, recordsObjectNames: Bool,
    deliver: (LintInput, FileOutcome) -> Void
  ) {
    if jobs == 1 || inputs.count < 2 {
      var scratch = WorkerScratch(
        objectPolicies: objectPolicies, recordsObjectNames: recordsObjectNames)
      lintInBatches(inputs, inputs.indices, scratch: &scratch) { deliver(inputs[$0], $1) }
      return
    }
    // Deliveries never overlap (OrderedWork serialises them), and all end before
    // concurrentPerform returns: it runs the workers on this thread and the pool's threads and
    // waits for them, so nothing that holds `deliver` outlives the call (a block handed to a
    // queue could be released by its thread after the run has returned).
    withoutActuallyEscaping(deliver) { deliver in
      let delivery = UncheckedSendable(deliver)
      let work = OrderedWork<FileOutcome>(count: inputs.count, window: 64 * jobs)
      DispatchQueue.concurrentPerform(iterations: min(jobs, inputs.count)) { _ in
        var scratch = WorkerScratch(
          objectPolicies: objectPolicies, recordsObjectNames: recordsObjectNames)
        // A few files at a time, so that their own passes run in a row (see `OwnPassBatch`);
        // each is published as it is finished, before the worker claims more.
        while let claimed = work.claim(upTo: OwnPassBatch.claimedFiles) {
          lintInBatches(inputs, claimed, scratch: &scratch) { index, outcome in
            work.publish(index, outcome) { index, outcome in
              delivery.value(inputs[index], outcome)
            }
          }
        }
      }
    }
  }

  /// Lints `inputs[range]` in order, in batches (see `OwnPassBatch`), calling `deliver` for
  /// each file in order.
  private func lintInBatches(
    _ inputs: [LintInput], _ range: Range<Int>, scratch: inout WorkerScratch,
    deliver: (Int, FileOutcome) -> Void
  ) {
    var batch = OwnPassBatch()
    for index in range {
      let pass = firstPass(inputs[index], scratch: &scratch, deferringOwnPass: true)
      if batch.add(index, pass) { flush(&batch, inputs: inputs, deliver: deliver) }
    }
    flush(&batch, inputs: inputs, deliver: deliver)
  }

  /// Runs the own passes of the batch's files one after another, then finishes and delivers
  /// every file of it in order.
  private func flush(
    _ batch: inout OwnPassBatch, inputs: [LintInput], deliver: (Int, FileOutcome) -> Void
  ) {
    for (_, pass) in batch.files {
      if case .awaiting(let file) = pass { runOwnPass(file) }
    }
    for (index, pass) in batch.files {
      switch pass {
      case .finished(let outcome): deliver(index, outcome)
      case .awaiting(let file): deliver(index, finish(file, input: inputs[index]))
      }
    }
    batch = OwnPassBatch()
  }

  /// The cross-object facts of one input (for tests of the cross-object pass).
  func facts(of input: LintInput) -> FactsCollection {
    var scratch = WorkerScratch(objectPolicies: objectPolicies)
    return lintFile(input, scratch: &scratch).facts
  }

  /// Suppressions that matched nothing, for policies that are on.
  private func unusedSuppressions(_ directives: [SuppressionDirective]) -> [Finding] {
    guard let severity = inputSeverities[SuppressionDirectives.unusedSuppression] else { return [] }
    var findings: [Finding] = []
    // Whether a group has a policy that is on, worked out once per group: thousands of
    // directives may name a policy of a thousand rules, all off.
    var groupIsOn: [String: Bool] = [:]
    func isOn(_ name: String) -> Bool {
      if enabledPolicies.contains(name) { return true }
      if let known = groupIsOn[name] { return known }
      let on = catalogue.members(of: name).contains(where: enabledPolicies.contains)
      groupIsOn[name] = on
      return on
    }
    for directive in directives {
      let unused = directive.policies.filter { !directive.used.contains($0) }
      let unknown = unused.filter { catalogue[$0] == nil && catalogue.members(of: $0).isEmpty }
      let active = unused.filter(isOn)
      let message: String
      if !unknown.isEmpty {
        message =
          "this suppression names \(unknown.joined(separator: ", ")), which kubeward does not "
          + "have (see `kubeward rules`); fix the policy id or remove it"
      } else if !active.isEmpty {
        message =
          "this suppression of \(active.joined(separator: ", ")) matches no finding: remove "
          + (active.count == directive.policies.count ? "it" : "that policy from it")
          + ", so that it cannot hide a future problem"
      } else {
        continue  // Used, or only turned-off policies (it may matter under another config).
      }
      findings.append(
        Finding(
          policy: SuppressionDirectives.unusedSuppression, severity: severity,
          file: directive.file, range: directive.range, message: message,
          object: directive.object))
    }
    return findings
  }

  // MARK: The cross-object pass

  /// The set policies' findings, one array per policy, in policy order (kept apart: joining
  /// them would hold the run's findings twice at the peak). With several jobs the policies
  /// run concurrently: they only read the set.
  private func crossObjectFindings(_ set: LintSet, jobs: Int) -> [[PendingFinding]] {
    let policies = setPolicies
    nonisolated(unsafe) let results = UnsafeMutableBufferPointer<[PendingFinding]>.allocate(
      capacity: policies.count)
    results.initialize(repeating: [])
    defer {
      _ = results.deinitialize()
      results.deallocate()
    }
    let check = { @Sendable (index: Int) in
      var report = SetReport()
      report.policy = policies[index].id
      report.severity = policies[index].severity
      policies[index].policy.check(set, &report)
      results[index] = report.takePending()  // each index is written by one thread only
    }
    if jobs > 1 {
      DispatchQueue.concurrentPerform(iterations: policies.count, execute: check)
    } else {
      for index in policies.indices { check(index) }
    }
    return Array(results)
  }
}

/// Files whose own passes (`ObjectCheck.runsInItsOwnPass`: the admission policies' CEL) wait
/// to run one after another. Interleaved with the next files' reading and built-in policies,
/// each file's few objects met the policies' compiled expressions and the interpreter's code
/// evicted from the caches by the rest; in a row, they stay there. Bounded, as the files'
/// trees are kept meanwhile.
struct OwnPassBatch {
  var files: [(index: Int, pass: FilePass)] = []
  private var awaiting = 0
  private var bytes = 0

  static let maximumFiles = 128
  static let maximumBytes = 512 * 1024
  /// The files a worker of a parallel run claims at a time.
  static let claimedFiles = 32

  /// Adds a file's pass; whether the batch is full.
  mutating func add(_ index: Int, _ pass: FilePass) -> Bool {
    files.append((index, pass))
    if case .awaiting(let file) = pass {
      awaiting += 1
      bytes += file.size
    }
    // A batch of finished files only is delivered at once.
    return awaiting == 0 || files.count >= Self.maximumFiles || bytes >= Self.maximumBytes
  }
}
