/// Counts of what a run read and found.
public struct LintSummary: Hashable, Sendable {
  /// Files read (or attempted), context files excluded.
  public var files = 0
  /// Documents with content (empty and comment-only documents are not counted).
  public var documents = 0
  /// Kubernetes objects linted (a `List` counts its items).
  public var objects = 0
  /// Documents skipped: not Kubernetes objects (no `apiVersion`/`kind`), or Kustomize patches.
  public var skippedDocuments = 0
  /// Findings by severity, suppressed ones excluded.
  public var findings: [Severity: Int] = [:]
  /// Findings that a suppression or the baseline accepted.
  public var suppressed = 0
  /// Findings by policy and severity, suppressed ones excluded: what a user of a large
  /// repository looks at first.
  public var byPolicy: [PolicyCount.Key: Int] = [:]

  /// A policy's findings of one severity.
  public struct PolicyCount: Hashable, Sendable {
    public struct Key: Hashable, Sendable {
      public let policy: String
      public let severity: Severity
    }
    public let policy: String
    public let severity: Severity
    public let count: Int
  }

  /// Findings reported, suppressed ones excluded.
  public var findingCount: Int { findings.values.reduce(0, +) }

  /// `byPolicy`, most severe first, then the most frequent, then by policy id.
  public var policyCounts: [PolicyCount] {
    byPolicy.map { PolicyCount(policy: $0.key.policy, severity: $0.key.severity, count: $0.value) }
      .sorted { a, b in
        if a.severity != b.severity { return a.severity > b.severity }
        if a.count != b.count { return a.count > b.count }
        return a.policy < b.policy
      }
  }

  public init() {}

  mutating func add(_ other: LintSummary) {
    files += other.files
    documents += other.documents
    objects += other.objects
    skippedDocuments += other.skippedDocuments
  }

  mutating func count(_ reported: [Finding]) {
    var bySeverity = (info: 0, warning: 0, error: 0)
    for finding in reported {
      guard finding.suppression == nil else {
        suppressed += 1
        continue
      }
      byPolicy[PolicyCount.Key(policy: finding.policy, severity: finding.severity), default: 0] += 1
      switch finding.severity {
      case .info: bySeverity.info += 1
      case .warning: bySeverity.warning += 1
      case .error: bySeverity.error += 1
      }
    }
    for (severity, count) in [
      (Severity.info, bySeverity.info), (.warning, bySeverity.warning), (.error, bySeverity.error),
    ] where count > 0 {
      findings[severity, default: 0] += count
    }
  }

  public func count(_ severity: Severity) -> Int { findings[severity] ?? 0 }

  /// Whether a reported finding is at least as serious as `threshold`.
  public func hasFindings(atLeast threshold: Severity) -> Bool {
    Severity.allCases.contains { $0 >= threshold && count($0) > 0 }
  }
}

/// Receives a run's findings in report order: each reported file's own findings as soon as
/// that file and the ones before it are linted, then the findings that only the whole set
/// shows. Suppressed findings are included, marked; a sink decides whether to show them.
///
/// Calls never overlap, but with several jobs they come from whichever worker thread
/// delivers the file due: a sink must not rely on being called from one particular thread.
public protocol FindingSink: AnyObject {
  /// The findings about one reported file, sorted by position, in input order.
  func file(_ name: String, findings: [Finding])
  /// Cross-object findings and findings about suppressions, sorted by file (in input order)
  /// and position. A run delivers them in consecutive slices, one call each (at least one
  /// call, possibly empty), so that it never holds all their messages at once.
  func crossObject(_ findings: [Finding])
  /// The run is over.
  func finish(_ summary: LintSummary)
}

/// The outcome of a run, held in memory: for tests and library use. Large runs should stream
/// to a `FindingSink` instead.
public struct LintResult: Sendable {
  /// Reported findings in report order: each file's findings by position, files in input
  /// order, then the cross-object findings.
  public var findings: [Finding]
  /// Findings that a suppression or the baseline accepted.
  public var suppressed: [Finding]
  public var summary: LintSummary

  public init(findings: [Finding], suppressed: [Finding] = [], summary: LintSummary) {
    self.findings = findings
    self.suppressed = suppressed
    self.summary = summary
  }
}

/// Collects a run into a `LintResult`.
public final class CollectingSink: FindingSink {
  public private(set) var result = LintResult(findings: [], summary: LintSummary())

  public init() {}

  public func file(_ name: String, findings: [Finding]) { collect(findings) }

  public func crossObject(_ findings: [Finding]) { collect(findings) }

  public func finish(_ summary: LintSummary) { result.summary = summary }

  private func collect(_ findings: [Finding]) {
    for finding in findings {
      if finding.suppression == nil {
        result.findings.append(finding)
      } else {
        result.suppressed.append(finding)
      }
    }
  }
}
