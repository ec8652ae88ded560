import KubewardModel
import KubewardYAML

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What the per-file pass keeps of a file: its findings, facts, suppressions and counts, not
/// its nodes.
struct FileOutcome: Sendable {
  var findings: [Finding] = []
  /// Findings about a Kustomize patch's objects that only hold if nothing in the run is the
  /// object it patches (see `KustomizePatches`).
  var patchFindings: [Finding] = []
  /// The kind and name of every whole object of the file, when the run has patches to match.
  var objectNames: [PatchTarget] = []
  var facts = FactsCollection()
  var directives: [SuppressionDirective] = []
  var summary = LintSummary()
}

/// What one worker thread keeps from file to file: the read buffer, the interned strings, and
/// its own references to the object policies.
struct WorkerScratch {
  var reader = FileReader()
  var strings = StringInterner()
  /// The object policies, unretained, in an array of this worker's own: every worker runs
  /// every policy on every object, and retaining the shared policies (or their shared array)
  /// that often from every core would bounce their reference counts between the cores' caches.
  /// The linter keeps them alive.
  let objectPolicies: [Unmanaged<Linter.Active<any ObjectCheck>>]
  /// Whether the run has Kustomize patches, whose targets are then looked for.
  let recordsObjectNames: Bool
  var policiesByKind = PoliciesByKind()

  init(objectPolicies: [Linter.Active<any ObjectCheck>], recordsObjectNames: Bool = false) {
    self.objectPolicies = objectPolicies.map { Unmanaged.passUnretained($0) }
    self.recordsObjectNames = recordsObjectNames
  }
}

/// The object policies that may check the objects of each kind (`ObjectCheck.mayCheck`),
/// found once per kind and kept by a worker: most checks concern few kinds (the admission
/// policies of a run, one check, may concern none of an object's kind), and a call for
/// every object only to say no added up.
struct PoliciesByKind {
  typealias Checks = [Unmanaged<Linter.Active<any ObjectCheck>>]

  private struct Kind: Hashable {
    let apiVersion: String
    let kind: String
  }

  /// The checks of a kind: those that run object by object, and those that run in a pass of
  /// their own over the file's objects (`ObjectCheck.runsInItsOwnPass`).
  struct Passes {
    let first: Checks
    let own: Checks
  }

  private var lists: [Kind: Passes] = [:]
  /// The most kinds kept: past it (a hostile file of a thousand kinds) every policy is asked.
  static let capacity = 256

  /// Those of `all` that may check `object`, in their order.
  mutating func policies(for object: KubeObject, among all: Checks) -> Passes {
    let kind = Kind(apiVersion: object.apiVersion, kind: object.kind)
    if let known = lists[kind] { return known }
    guard lists.count < Self.capacity else { return Self.passes(all) }
    let list = all.filter { policy in
      policy._withUnsafeGuaranteedRef {
        $0.policy.mayCheck(apiVersion: kind.apiVersion, kind: kind.kind)
      }
    }
    // Every policy may: the caller's array, not a copy of it.
    let kept = Self.passes(list.count == all.count ? all : list)
    lists[kind] = kept
    return kept
  }

  /// `checks` split by pass, in their order.
  private static func passes(_ checks: Checks) -> Passes {
    func ownPass(_ check: Unmanaged<Linter.Active<any ObjectCheck>>) -> Bool {
      check._withUnsafeGuaranteedRef { $0.policy.runsInItsOwnPass }
    }
    let own = checks.filter(ownPass)
    guard !own.isEmpty else { return Passes(first: checks, own: []) }
    return Passes(first: checks.filter { !ownPass($0) }, own: own)
  }
}

/// A file linted but for the checks that run in a pass of their own over its objects
/// (`ObjectCheck.runsInItsOwnPass`), which are run over the objects of several files in a row
/// (see `Linter.forEachFile`), then finished (`Linter.finish`).
/// A class: a batch moves it around, and a copy of its findings and objects counted a
/// reference for each.
final class AwaitingFile {
  let outcome: FileOutcome
  var report: ObjectReport
  var ownPass: [(KubeObject, PoliciesByKind.Checks)]
  /// The file's bytes, for finishing: the reader's buffer holds the next file's by then.
  let bytes: [UInt8]
  /// How much the file holds, to bound what a batch keeps.
  var size: Int { bytes.count }

  init(
    outcome: FileOutcome, report: ObjectReport, ownPass: [(KubeObject, PoliciesByKind.Checks)],
    bytes: [UInt8]
  ) {
    self.outcome = outcome
    self.report = report
    self.ownPass = ownPass
    self.bytes = bytes
  }
}

/// A file linted whole, or awaiting its own pass.
enum FilePass {
  case finished(FileOutcome)
  case awaiting(AwaitingFile)
}

extension Linter {
  /// Lints one input. A context input only contributes facts.
  func lintFile(_ input: LintInput, scratch: inout WorkerScratch) -> FileOutcome {
    switch firstPass(input, scratch: &scratch, deferringOwnPass: false) {
    case .finished(let outcome): return outcome
    case .awaiting(let file): return finish(file, input: input)
    }
  }

  /// Lints one input, leaving the checks that run in a pass of their own to the caller when
  /// `deferringOwnPass` (and the file has objects for them).
  func firstPass(_ input: LintInput, scratch: inout WorkerScratch, deferringOwnPass: Bool)
    -> FilePass
  {
    switch input.source {
    case .bytes(let bytes):
      return bytes.withUnsafeBufferPointer {
        lintBytes(
          $0, input: input, policies: scratch.objectPolicies, strings: &scratch.strings,
          byKind: &scratch.policiesByKind, recordsObjectNames: scratch.recordsObjectNames,
          deferringOwnPass: deferringOwnPass)
      }
    case .unreadable(let reason):
      return .finished(
        inputProblem(
          input, InputPolicies.unreadableFile,
          "cannot read \(input.name): \(reason); it was not linted"))
    case .tooLarge(let size, let limit, let binaryAt):
      return .finished(tooLarge(input, size: size, limit: limit, binaryAt: binaryAt))
    case .symlinkNotFollowed(let reason):
      return .finished(
        inputProblem(
          input, InputPolicies.symlinkNotFollowed,
          "\(input.name) is \(reason); kubeward did not follow it"))
    case .helmChart(let folder):
      var outcome = inputProblem(
        input, InputPolicies.helmChart,
        "\(folder.isEmpty ? "this folder" : String(folder.dropLast())) is a Helm chart: its "
          + "templates are not manifests, so they are not linted one by one; lint what the chart "
          + "renders: `helm template RELEASE \(folder.isEmpty ? "." : String(folder.dropLast())) "
          + "-f VALUES | kubeward lint -`")
      // Its objects are not in the set: reasoning about what is missing there would be wrong.
      outcome.facts.incompleteRegions.append(
        IncompleteRegion(scope: input.scope, folder: String(folder.dropLast())))
      return .finished(outcome)
    case .file(let path):
      scratch.reader.maximumSize = readerLimits.maximumFileSize
      switch scratch.reader.read(path) {
      case .success(let count):
        return scratch.reader.buffer.withUnsafeBufferPointer {
          lintBytes(
            UnsafeBufferPointer(rebasing: $0[0..<count]), input: input,
            policies: scratch.objectPolicies, strings: &scratch.strings,
            byKind: &scratch.policiesByKind, recordsObjectNames: scratch.recordsObjectNames,
            deferringOwnPass: deferringOwnPass)
        }
      case .failure(.tooLarge(let size, let limit, let binaryAt)):
        return .finished(tooLarge(input, size: size, limit: limit, binaryAt: binaryAt))
      case .failure(let error):
        return .finished(
          inputProblem(
            input, InputPolicies.unreadableFile,
            "cannot read \(input.name): \(error.reason); it was not linted"))
      }
    }
  }

  /// A file that was not read, reported once at its start (or at its first NUL byte).
  private func inputProblem(
    _ input: LintInput, _ policy: String, _ message: String,
    at position: SourcePosition = SourcePosition(line: 1, column: 1)
  ) -> FileOutcome {
    var outcome = FileOutcome()
    outcome.summary.files = 1
    if !input.isContext, let severity = inputSeverities[policy] {
      outcome.findings.append(
        Finding(
          policy: policy, severity: severity, file: input.name, range: SourceRange(at: position),
          message: message))
    }
    return outcome
  }

  /// A file over the size limit: binary when its start holds a NUL byte, else too large.
  private func tooLarge(_ input: LintInput, size: Int, limit: Int, binaryAt: Int?) -> FileOutcome {
    if let binaryAt {
      return inputProblem(
        input, InputPolicies.binaryFile,
        "binary file (a NUL byte at byte \(binaryAt)); not a manifest, not linted")
    }
    return inputProblem(
      input, InputPolicies.fileTooLarge,
      "\(input.name) is \(size) bytes, more than the \(limit) bytes kubeward reads from one file "
        + "(--max-file-size); it was not linted: split it, or raise the limit if it really is a "
        + "manifest")
  }

  private func lintBytes(
    _ bytes: UnsafeBufferPointer<UInt8>, input: LintInput,
    policies: [Unmanaged<Active<any ObjectCheck>>], strings: inout StringInterner,
    byKind: inout PoliciesByKind, recordsObjectNames: Bool, deferringOwnPass: Bool
  ) -> FilePass {
    var outcome = FileOutcome()
    outcome.summary.files = 1
    // A generator's data (see `LintInput.isGeneratorData`) holds no object of its own.
    if input.isGeneratorData { return .finished(outcome) }
    let reports = !input.isContext
    let file = YAMLReader(limits: readerLimits).read(bytes)
    // A file found in a folder walk that is no manifest at all (a tsconfig.json with comments,
    // line-delimited JSON, a CI configuration) is not kubeward's to judge: its syntax is not
    // reported. A file named explicitly is.
    let judgesSyntax =
      input.isExplicit || file.diagnostics.isEmpty || Self.mentionsKubernetes(bytes)
    if file.diagnostics.contains(where: { $0.kind == .unrenderedTemplate }) {
      outcome.facts.incompleteRegions.append(
        IncompleteRegion(scope: input.scope, folder: Self.folder(of: input.name)))
    }
    if reports {
      var toolConfigurations = ToolConfigurationScan(bytes)
      // Binary and non-UTF-8 files are reported whatever their content: they may be manifests.
      for diagnostic in file.diagnostics
      where judgesSyntax || diagnostic.kind == .binaryFile || diagnostic.kind == .invalidEncoding {
        let id = InputPolicies.id(for: diagnostic.kind)
        guard var severity = inputSeverities[id] else { continue }
        // A patch holding template expressions is the input of a generator (a chart built
        // with kustomize): whether they are filled in is the generator's business.
        if input.isKustomizePatch && diagnostic.kind == .unrenderedTemplate { severity = .info }
        // A tool's own configuration (an eksctl ClusterConfig a script renders with
        // gomplate) is never sent to the API server: information, as a rendered one is none,
        // unless documents follow it, which the reader did not read on to.
        if diagnostic.kind == .unrenderedTemplate,
          toolConfigurations.configuresTool(beforeLine: diagnostic.range.start.line),
          !toolConfigurations.hasDocument(after: diagnostic.range.start.line)
        {
          severity = min(severity, .info)
        }
        outcome.findings.append(
          Finding(
            policy: id, severity: severity, file: input.name, range: diagnostic.range,
            message: diagnostic.message))
      }
      outcome.directives = SuppressionDirectives.comments(
        in: bytes, file: input.name, tree: file.tree)
    }
    let locate = Locator(
      file: input.name, scope: input.scope, computePaths: computePaths,
      isKustomized: input.isKustomizeResource || input.isKustomizePatch)
    var report = ObjectReport(file: input.name, computePaths: computePaths)
    report.objectMayBePartial = input.isKustomizePatch || input.isKustomizeResource
    report.isKustomizePatch = input.isKustomizePatch
    report.patchesTargets = input.patchesTargets
    report.builtImages = input.builtImages
    report.apiVersionRewrites = input.apiVersionRewrites
    report.virtualNodeProjects = virtualNodeProjects
    report.scope = input.scope
    // The objects, and the checks that run over them in a pass of their own once every
    // object of the file has had the others.
    var ownPass: [(KubeObject, PoliciesByKind.Checks)] = []
    for document in file.documents {
      switch document.content(
        defaultNamespace: configuration.defaultNamespace, buildNamespace: input.buildNamespace)
      {
      case .empty:
        continue
      case .unreadable:
        outcome.summary.documents += 1
      case .notKubernetes(let root):
        outcome.summary.documents += 1
        outcome.summary.skippedDocuments += 1
        if reports, input.isExplicit, let severity = inputSeverities[InputPolicies.notKubernetes] {
          outcome.findings.append(
            Finding(
              policy: InputPolicies.notKubernetes, severity: severity, file: input.name,
              range: SourceRange(at: root.position),
              message: Self.notKubernetesMessage(root)))
        }
      case .objects(let objects, _) where input.isKustomizePatch:
        // Partial objects: linted, but they are no facts about the set.
        outcome.summary.documents += 1
        outcome.summary.objects += objects.count
        guard reports else { continue }
        for object in objects {
          if let reason = Fragments.reason(of: object, patchDirectives: file.hasPatchDirectives) {
            // Its kustomization names it a patch: that it is a fragment goes without saying.
            lintFragment(object, reason: reason, with: policies, into: &report, saysSo: false)
          } else {
            lint(object, with: policies, into: &report)
          }
          outcome.directives += SuppressionDirectives.annotations(of: object, file: input.name)
        }
      case .objects(let objects, let notObjects):
        outcome.summary.documents += 1
        outcome.summary.objects += objects.count
        if reports, !notObjects.isEmpty {
          reportListItems(notObjects, input: input, into: &outcome)
        }
        for object in objects {
          if let placeholder = InputPolicies.templatePlaceholder(in: object, file: file) {
            if reports { reportTemplate(object, placeholder, input: input, into: &outcome) }
            continue
          }
          if let reason = Fragments.reason(
            of: object, patchDirectives: file.hasPatchDirectives)
          {
            if reports {
              lintFragment(object, reason: reason, with: policies, into: &report)
              outcome.directives += SuppressionDirectives.annotations(of: object, file: input.name)
            }
            continue
          }
          if reports {
            let checks = byKind.policies(for: object, among: policies)
            lint(object, with: checks.first, into: &report)
            if !checks.own.isEmpty { ownPass.append((object, checks.own)) }
            outcome.directives += SuppressionDirectives.annotations(of: object, file: input.name)
          }
          outcome.facts.collect(object, locate: locate, options: factOptions, strings: &strings)
          if recordsObjectNames, let target = PatchTarget(object.reference) {
            outcome.objectNames.append(target)
          }
        }
      }
    }
    if deferringOwnPass && !ownPass.isEmpty {
      return .awaiting(
        AwaitingFile(outcome: outcome, report: report, ownPass: ownPass, bytes: Array(bytes)))
    }
    for (object, checks) in ownPass { lint(object, with: checks, into: &report) }
    return .finished(finish(outcome, report: &report, bytes: bytes, input: input))
  }

  /// Runs the file's own pass (when it has not run), and finishes it.
  func finish(_ file: AwaitingFile, input: LintInput) -> FileOutcome {
    runOwnPass(file)
    return file.bytes.withUnsafeBufferPointer {
      finish(file.outcome, report: &file.report, bytes: $0, input: input)
    }
  }

  /// Runs the checks of the file's own pass over its objects, once.
  func runOwnPass(_ file: AwaitingFile) {
    for (object, checks) in file.ownPass { lint(object, with: checks, into: &file.report) }
    file.ownPass = []
  }

  /// A file's findings gathered, its suppressions applied, and what depends on the input.
  private func finish(
    _ outcome: FileOutcome, report: inout ObjectReport, bytes: UnsafeBufferPointer<UInt8>,
    input: LintInput
  ) -> FileOutcome {
    var outcome = outcome
    if outcome.findings.isEmpty {
      outcome.findings = report.takeFindings()
    } else {
      outcome.findings += report.takeFindings()
    }
    if input.isContext { outcome.summary = LintSummary() }
    finishFindings(&outcome, bytes: bytes, input: input)
    if input.isKustomizePatch {
      // What a policy that judges set values found stands; what is missing may be in the base.
      let (kept, held) = outcome.findings.reduce(into: ([Finding](), [Finding]())) {
        split, finding in
        if finding.object != nil && !partialObjectPolicies.contains(finding.policy) {
          split.1.append(finding)
        } else {
          split.0.append(finding)
        }
      }
      outcome.findings = kept
      // A patch of a base outside the run: what it lacks may be the base's.
      outcome.patchFindings = input.patchesBaseOutsideRun ? [] : held
    }
    if input.isFixture
      || (!outcome.findings.isEmpty && !input.isExplicit && Fixtures.saysWrongOnPurpose(bytes))
    {
      // A test fixture may be wrong on purpose (see `Fixtures`). What is lowered says why: the
      // same file named on the command line keeps its severities, which looked arbitrary.
      let why = input.isFixture ? Fixtures.loweredByName : Fixtures.loweredByComment
      func lower(_ finding: inout Finding) {
        guard finding.severity != .info else { return }
        finding.severity = .info
        finding.message += why
      }
      for index in outcome.findings.indices { lower(&outcome.findings[index]) }
      for index in outcome.patchFindings.indices { lower(&outcome.patchFindings[index]) }
    }
    return outcome
  }

  private static func notKubernetesMessage(_ root: Node) -> String {
    if let apiVersion = root[.apiVersion]?.string,
      ParsedDocument.isToolConfiguration(apiVersion)
    {
      return "this document is a tool's configuration (apiVersion \(apiVersion)), not a "
        + "Kubernetes object; kubeward skipped it"
    }
    return "this document has no apiVersion and kind, so it is not a Kubernetes object; "
      + "kubeward skipped it"
  }

  /// Items of a `List` that are not objects: kubectl refuses the whole list.
  private func reportListItems(
    _ items: [Node], input: LintInput, into outcome: inout FileOutcome
  ) {
    guard let severity = catalogue[InputPolicies.schema].flatMap(configuration.severity(of:)) else {
      return
    }
    for item in items {
      outcome.findings.append(
        Finding(
          policy: InputPolicies.schema, severity: severity, file: input.name,
          range: item.findingRange,
          message: "this item of a List has no apiVersion and kind, so it is no object: kubectl "
            + "rejects the list (\"Object 'Kind' is missing\"); give it apiVersion and kind or "
            + "remove it"))
    }
  }

  /// Whether the bytes hold both `apiVersion` and `kind`: the least a manifest has.
  /// Whether the document that holds a line names, above it, an apiVersion of a tool's
  /// configuration (`ParsedDocument.isToolConfiguration`) at the start of a line: what the
  /// reader could not parse for a template is that tool's, not the API server's. Asked for
  /// lines in order (a file's diagnostics), it reads each line once: read from the start for
  /// each of 20 000 templated documents, a file took minutes.
  struct ToolConfigurationScan {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset = 0
    private var line = 1
    private var apiVersion: String?

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Lines end at LF here; the reader also ends them at a lone CR, NEL, LS and PS, where
    /// the two could disagree about a line's document: such a file configures no tool.
    private lazy var breaksOnlyAtLF: Bool = {
      var index = 0
      while index < bytes.count {
        switch bytes[index] {
        case 0x0D where index + 1 >= bytes.count || bytes[index + 1] != 0x0A: return false
        case 0xC2 where index + 1 < bytes.count && bytes[index + 1] == 0x85: return false
        case 0xE2
        where index + 2 < bytes.count && bytes[index + 1] == 0x80
          && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
          return false
        default: break
        }
        index += 1
      }
      return true
    }()

    /// The line of the file's last document marker (`---` at a line's start), 0 for none.
    private lazy var lastDocumentMarker: Int = {
      var line = 1
      var last = 0
      var offset = 0
      while offset < bytes.count {
        var end = offset
        while end < bytes.count && bytes[end] != 0x0A { end += 1 }
        if UnsafeBufferPointer(rebasing: bytes[offset..<end]).starts(with: "---".utf8) {
          last = line
        }
        offset = end + 1
        line += 1
      }
      return last
    }()

    /// Whether a document starts below `line`.
    mutating func hasDocument(after line: Int) -> Bool { lastDocumentMarker > line }

    mutating func configuresTool(beforeLine target: Int) -> Bool {
      guard breaksOnlyAtLF else { return false }
      if target < line { self = ToolConfigurationScan(bytes) }
      while offset < bytes.count && line < target {
        var end = offset
        while end < bytes.count && bytes[end] != 0x0A { end += 1 }
        let text = UnsafeBufferPointer(rebasing: bytes[offset..<end])
        if text.starts(with: "---".utf8) {
          apiVersion = nil
        } else if text.starts(with: "apiVersion:".utf8) {
          // The plain or quoted value, up to a comment.
          let ignored: Set<UInt8> = [0x20, 0x09, 0x0D, UInt8(ascii: "\""), UInt8(ascii: "'")]
          let value = text.dropFirst(11).prefix { $0 != UInt8(ascii: "#") }
            .drop { ignored.contains($0) }.reversed().drop { ignored.contains($0) }.reversed()
          apiVersion = String(decoding: value, as: UTF8.self)
        }
        offset = end + 1
        line += 1
      }
      // A kustomization is kustomize's: what it builds (a chart's templates) is linted.
      return apiVersion.map {
        ParsedDocument.isToolConfiguration($0) || $0.hasPrefix("kustomize.config.k8s.io/")
      } ?? false
    }
  }

  static func mentionsKubernetes(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    contains(bytes, "apiVersion") && contains(bytes, "kind")
  }

  static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
    let count = word.utf8CodeUnitCount
    guard let base = bytes.baseAddress, bytes.count >= count else { return false }
    var index = 0
    let last = bytes.count - count
    // memchr (vectorised) finds each candidate first byte.
    while index <= last,
      let hit = memchr(base + index, Int32(word.utf8Start.pointee), last - index + 1)
    {
      index = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
      if memcmp(hit, word.utf8Start, count) == 0 { return true }
      index += 1
    }
    return false
  }

  /// The folder of a file name (`a/b.yaml` → `a`, `b.yaml` → ``).
  static func folder(of name: String) -> String {
    guard let slash = name.lastIndex(of: "/") else { return "" }
    return String(name[..<slash])
  }

  private func reportTemplate(
    _ object: KubeObject, _ placeholder: InputPolicies.TemplatePlaceholder, input: LintInput,
    into outcome: inout FileOutcome
  ) {
    // Its kind is what the set lacks: unless the kind holds a placeholder itself, or is a
    // custom resource's, whose operator may make Services, budgets or pods of any kind.
    let kindIsKnown =
      !APIVersion.isCustomResource(object.apiVersion)
      && !object.kind.utf8.contains {
        [UInt8(ascii: "$"), UInt8(ascii: "{"), UInt8(ascii: "<")].contains($0)
      }
    outcome.facts.incompleteRegions.append(
      IncompleteRegion(
        scope: input.scope, folder: Self.folder(of: input.name),
        kind: kindIsKnown ? object.kind : nil))
    guard let severity = inputSeverities[InputPolicies.unrenderedTemplate] else { return }
    // Named by its kind and where it starts: its name may be the placeholder itself.
    let name = object.reference.name.flatMap { $0.contains("{") ? nil : " " + $0 } ?? ""
    // The document parses: it is a template kept on purpose (envsubst, Ansible), not a
    // broken file, so this is information; syntax that breaks parsing stays an error. A team
    // that sets the policy's severity (no templates past CI) gets what it set: such an object
    // is linted by no other policy.
    let configured = configuration.policies[InputPolicies.unrenderedTemplate]?.severity
    outcome.findings.append(
      Finding(
        policy: InputPolicies.unrenderedTemplate, severity: configured ?? min(severity, .info),
        file: input.name, range: placeholder.range,
        message: "\(object.kind)\(name) (line \(object.node.position.line)) holds "
          + "\(placeholder.text) at \(placeholder.node.path), a placeholder left for "
          + (placeholder.isComment
            ? "a tool (Octopus Deploy, Azure Pipelines' token replacement) to fill in, which "
              + "YAML reads as a comment (the value is null until then)"
            : "\(InputPolicies.toolsFilling(placeholder.text)) to fill in")
          + ": this is a template, not a manifest; lint what it renders",
        object: object.reference))
  }

  func lint(
    _ object: KubeObject, with policies: [Unmanaged<Active<any ObjectCheck>>],
    into report: inout ObjectReport
  ) {
    report.object = object.reference
    for policy in policies {
      policy._withUnsafeGuaranteedRef { active in
        report.reportFor(active.id, severity: active.severity)
        active.policy.check(object, &report)
      }
    }
  }

  /// Checks a fragment (see `Fragments`) with the policies that judge what it sets, at
  /// information, and (`saysSo`) says once, under `schema`, that it is read as one.
  private func lintFragment(
    _ object: KubeObject, reason: String,
    with policies: [Unmanaged<Active<any ObjectCheck>>], into report: inout ObjectReport,
    saysSo: Bool = true
  ) {
    let whole = report.objectMayBePartial
    report.objectMayBePartial = true
    report.severityCap = .info
    defer {
      report.objectMayBePartial = whole
      report.severityCap = nil
    }
    let partial = policies.filter { policy in
      policy._withUnsafeGuaranteedRef { partialObjectPolicies.contains($0.id) }
    }
    lint(object, with: partial, into: &report)
    guard saysSo,
      policies.contains(where: { policy in
        policy._withUnsafeGuaranteedRef { $0.id == InputPolicies.schema }
      })
    else { return }
    report.reportFor(InputPolicies.schema, severity: .info)
    report.report(
      object.kindNode,
      "is not a whole object (\(reason)): the API server rejects it as written, so it is read "
        + "as a fragment that a patch or a tool merges into a base, and only what it sets is "
        + "checked")
  }

  /// Applies the file's own suppressions, reports directives without a reason, attributes
  /// rendered Helm output to its templates, and sorts by position.
  private func finishFindings(
    _ outcome: inout FileOutcome, bytes: UnsafeBufferPointer<UInt8>, input: LintInput
  ) {
    if !outcome.directives.isEmpty {
      SuppressionDirectives.apply(
        &outcome.directives, to: &outcome.findings, group: catalogue.group(of:))
      // A binary or non-UTF-8 file is not linted: a suppression there may silence its
      // encoding finding, and is not said to be unused otherwise (it had nothing to match).
      let notLinted = [InputPolicies.id(for: .binaryFile), InputPolicies.id(for: .invalidEncoding)]
      if outcome.findings.contains(where: { notLinted.contains($0.policy) }) {
        outcome.directives.removeAll { $0.used.isEmpty }
      }
      if let severity = inputSeverities[SuppressionDirectives.suppressionWithoutReason] {
        for directive in outcome.directives where directive.reason.isEmpty {
          outcome.findings.append(
            Finding(
              policy: SuppressionDirectives.suppressionWithoutReason, severity: severity,
              file: input.name, range: directive.range,
              message: "this suppression of \(directive.policies.joined(separator: ", ")) gives "
                + "no reason; say why the risk is accepted ("
                + (directive.kind == .comment
                  ? "# kubeward:ignore \(directive.policies.joined(separator: ",")) -- <reason>)"
                  : "the annotation's value)")))
        }
      }
    }
    outcome.findings.sort(by: Finding.byPosition)
    removeRepeats(&outcome.findings)
    if input.attributesHelmSources {
      HelmSources.attribute(&outcome.findings, in: bytes)
    }
  }
}

extension Linter {
  /// Drops findings identical to the one before them (sorted by position): a node reached
  /// through many aliases (one container mapping under `containers: [*c, *c, …]`) would
  /// otherwise give the same finding once per alias, and a small file thousands of lines of
  /// report.
  func removeRepeats(_ findings: inout [Finding]) {
    guard findings.count > 1 else { return }
    var kept = 1
    for index in 1..<findings.count where findings[index] != findings[kept - 1] {
      findings.swapAt(kept, index)
      kept += 1
    }
    findings.removeLast(findings.count - kept)
  }
}

extension Finding {
  /// Position order within one file.
  static func byPosition(_ lhs: Finding, _ rhs: Finding) -> Bool {
    if lhs.range.start != rhs.range.start { return lhs.range.start < rhs.range.start }
    if lhs.policy != rhs.policy { return lhs.policy < rhs.policy }
    return lhs.message < rhs.message
  }
}

/// What a Kustomize patch names as its target: a kind and a name (patches often leave the
/// namespace to the kustomization).
struct PatchTarget: Hashable, Sendable {
  let kind: String
  let name: String

  init?(_ reference: ObjectReference) {
    guard let name = reference.name else { return nil }
    kind = reference.kind
    self.name = name
  }
}
