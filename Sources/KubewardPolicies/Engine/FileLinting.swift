import KubewardModel
import KubewardYAML

/// What the per-file pass keeps of a file: its findings, facts, suppressions and counts, not
/// its nodes.
struct FileOutcome: Sendable {
  var findings: [Finding] = []
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
  let objectPolicies: [Unmanaged<Linter.Active<any ObjectPolicy>>]

  init(objectPolicies: [Linter.Active<any ObjectPolicy>]) {
    self.objectPolicies = objectPolicies.map { Unmanaged.passUnretained($0) }
  }
}

extension Linter {
  /// Lints one input. A context input only contributes facts.
  func lintFile(_ input: LintInput, scratch: inout WorkerScratch) -> FileOutcome {
    switch input.source {
    case .bytes(let bytes):
      return bytes.withUnsafeBufferPointer {
        lintBytes(
          $0, input: input, policies: scratch.objectPolicies, strings: &scratch.strings)
      }
    case .unreadable(let reason):
      return unreadable(input, reason: reason)
    case .file(let path):
      switch scratch.reader.read(path) {
      case .success(let count):
        return scratch.reader.buffer.withUnsafeBufferPointer {
          lintBytes(
            UnsafeBufferPointer(rebasing: $0[0..<count]), input: input,
            policies: scratch.objectPolicies, strings: &scratch.strings)
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

  private func lintBytes(
    _ bytes: UnsafeBufferPointer<UInt8>, input: LintInput,
    policies: [Unmanaged<Active<any ObjectPolicy>>], strings: inout StringInterner
  ) -> FileOutcome {
    var outcome = FileOutcome()
    outcome.summary.files = 1
    let reports = !input.isContext
    let file = YAMLReader(limits: readerLimits).read(bytes)
    if reports {
      for diagnostic in file.diagnostics {
        let id = InputPolicies.id(for: diagnostic.kind)
        guard let severity = inputSeverities[id] else { continue }
        outcome.findings.append(
          Finding(
            policy: id, severity: severity, file: input.name, range: diagnostic.range,
            message: diagnostic.message))
      }
      outcome.directives = SuppressionDirectives.comments(in: bytes, file: input.name)
    }
    let locate = Locator(file: input.name, computePaths: computePaths)
    var report = ObjectReport(file: input.name, computePaths: computePaths)
    for document in file.documents {
      switch document.content(defaultNamespace: configuration.defaultNamespace) {
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
            if reports { reportTemplate(object, placeholder, input: input, into: &outcome) }
            continue
          }
          if reports {
            lint(object, with: policies, into: &report)
            outcome.directives += SuppressionDirectives.annotations(of: object, file: input.name)
          }
          outcome.facts.collect(object, locate: locate, options: factOptions, strings: &strings)
        }
      }
    }
    if outcome.findings.isEmpty {
      outcome.findings = report.takeFindings()
    } else {
      outcome.findings += report.takeFindings()
    }
    if input.isContext { outcome.summary = LintSummary() }
    finishFindings(&outcome, bytes: bytes, input: input)
    return outcome
  }

  private func reportTemplate(
    _ object: KubeObject, _ placeholder: Node, input: LintInput, into outcome: inout FileOutcome
  ) {
    guard let severity = inputSeverities[InputPolicies.unrenderedTemplate] else { return }
    outcome.findings.append(
      Finding(
        policy: InputPolicies.unrenderedTemplate, severity: severity, file: input.name,
        range: placeholder.range,
        message: "\(object.kind) \(placeholder.string ?? "") holds an unexpanded ${…} "
          + "placeholder: this is an unrendered template (envsubst or similar), not a manifest; "
          + "render it first and lint the result",
        object: object.reference))
  }

  private func lint(
    _ object: KubeObject, with policies: [Unmanaged<Active<any ObjectPolicy>>],
    into report: inout ObjectReport
  ) {
    report.object = object.reference
    for policy in policies {
      policy._withUnsafeGuaranteedRef { active in
        report.policy = active.id
        report.severity = active.severity
        active.policy.check(object, &report)
      }
    }
  }

  /// Applies the file's own suppressions, reports directives without a reason, attributes
  /// rendered Helm output to its templates, and sorts by position.
  private func finishFindings(
    _ outcome: inout FileOutcome, bytes: UnsafeBufferPointer<UInt8>, input: LintInput
  ) {
    if !outcome.directives.isEmpty {
      for index in outcome.findings.indices {
        SuppressionDirectives.apply(&outcome.directives, to: &outcome.findings[index])
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
    if input.attributesHelmSources {
      HelmSources.attribute(&outcome.findings, in: bytes)
    }
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
