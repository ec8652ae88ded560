import KubewardBuiltInPolicies
import KubewardEngine

/// Where a report's bytes go: standard output, a file, or memory.
public protocol ReportOutput: AnyObject {
  func write(_ bytes: UnsafeBufferPointer<UInt8>)
}

/// Collects a report in memory.
public final class MemoryOutput: ReportOutput {
  public private(set) var bytes: [UInt8] = []

  public init() {}

  public func write(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes.append(contentsOf: bytes) }

  public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Output buffered in one reused chunk, handed over when it fills: a report of any size is
/// written as it is produced and never sits in memory whole.
public struct ChunkedOutput {
  public static let chunkSize = 1 << 16

  private let output: ReportOutput
  public var bytes: [UInt8] = []

  public init(_ output: ReportOutput) {
    self.output = output
    bytes.reserveCapacity(Self.chunkSize + 4096)
  }

  public mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

  /// Hands the buffered bytes over when a chunk is full.
  public mutating func flushIfFull() {
    if bytes.count >= Self.chunkSize { flush() }
  }

  public mutating func flush() {
    guard !bytes.isEmpty else { return }
    bytes.withUnsafeBufferPointer { output.write($0) }
    bytes.removeAll(keepingCapacity: true)
  }
}

/// The formats `--format` accepts.
public enum ReportFormat: String, CaseIterable, Codable, Sendable {
  case text
  case json
  case sarif
  case junit
  case github
  /// A Markdown summary (a CI job summary, a pull-request comment).
  case markdown
}

/// What reports need to know beyond the findings.
public struct ReportOptions: Sendable {
  /// The catalogue, for rule metadata (SARIF) and titles (GitHub, JUnit).
  public var catalogue: PolicyCatalogue
  /// The configured severity of each policy that is on (SARIF's rule levels).
  public var severities: [String: Severity]
  /// Also show findings that a suppression or the baseline accepts.
  public var showSuppressed: Bool
  /// ANSI colour (text).
  public var color: Bool
  /// The offending line with a caret under it, after each finding (text).
  public var codeFrames: Bool
  /// Reads the lines code frames show.
  public var sources: SourceLines?
  /// Where SARIF artifact URIs are relative to (`%SRCROOT%`): the repository root, absolute.
  public var sourceRoot: String?
  /// The folder the linted paths are relative to, absolute.
  public var workingDirectory: String?
  /// Findings at least this serious fail the run (JUnit failures); `nil` for never.
  public var failOn: Severity?
  /// Findings below this severity are not shown (`--min-severity`); the summary says so.
  public var minimumSeverity: Severity?
  /// The text report's short form (`--compact`): grouped by file, one short line per finding,
  /// the reasons and fixes once per policy at the end.
  public var compact = false

  public init(
    catalogue: PolicyCatalogue = .builtIn, severities: [String: Severity]? = nil,
    showSuppressed: Bool = false, color: Bool = false, codeFrames: Bool = false,
    sources: SourceLines? = nil, sourceRoot: String? = nil, workingDirectory: String? = nil,
    failOn: Severity? = .warning
  ) {
    self.catalogue = catalogue
    self.severities =
      severities
      ?? Dictionary(uniqueKeysWithValues: catalogue.descriptions.map { ($0.id, $0.severity) })
    self.showSuppressed = showSuppressed
    self.color = color
    self.codeFrames = codeFrames
    self.sources = sources
    self.sourceRoot = sourceRoot
    self.workingDirectory = workingDirectory
    self.failOn = failOn
  }
}

extension ReportFormat {
  /// A reporter of this format writing to `output`.
  public func reporter(to output: ReportOutput, options: ReportOptions) -> FindingSink {
    switch self {
    case .text: TextReporter(output: output, options: options)
    case .json: JSONReporter(output: output, options: options)
    case .sarif: SARIFReporter(output: output, options: options)
    case .junit: JUnitReporter(output: output, options: options)
    case .github: GitHubReporter(output: output, options: options)
    case .markdown: MarkdownReporter(output: output, options: options)
    }
  }

  /// The whole report of an in-memory result (tests, small runs).
  public func render(_ result: LintResult, options: ReportOptions = ReportOptions()) -> [UInt8] {
    let output = MemoryOutput()
    result.replay(into: reporter(to: output, options: options))
    return output.bytes
  }
}

extension LintResult {
  /// Feeds the result to `sink` as a run would: file by file, then the summary.
  public func replay(into sink: FindingSink) {
    var all = findings + suppressed
    all.sort {
      ($0.file, $0.range.start.line, $0.range.start.column) < (
        $1.file, $1.range.start.line, $1.range.start.column
      )
    }
    var index = 0
    while index < all.count {
      let file = all[index].file
      var end = index
      while end < all.count && all[end].file == file { end += 1 }
      sink.file(file, findings: Array(all[index..<end]))
      index = end
    }
    sink.crossObject([])
    sink.finish(summary)
  }
}

/// Hands a run to several reports at once: one lint, several formats.
public final class FanOutSink: FindingSink {
  private let sinks: [FindingSink]

  public init(_ sinks: [FindingSink]) {
    self.sinks = sinks
  }

  public func file(_ name: String, findings: [Finding]) {
    for sink in sinks { sink.file(name, findings: findings) }
  }

  public func crossObject(_ findings: [Finding]) {
    for sink in sinks { sink.crossObject(findings) }
  }

  public func finish(_ summary: LintSummary) {
    for sink in sinks { sink.finish(summary) }
  }
}

/// Passes on only the findings of at least `minimum` severity (`--min-severity`): what a
/// report shows. The summary still counts every finding; the reports say what they leave out.
public final class SeverityFilterSink: FindingSink {
  private let sink: FindingSink
  private let minimum: Severity

  public init(_ sink: FindingSink, minimum: Severity) {
    self.sink = sink
    self.minimum = minimum
  }

  public func file(_ name: String, findings: [Finding]) {
    sink.file(name, findings: findings.filter { $0.severity >= minimum })
  }

  public func crossObject(_ findings: [Finding]) {
    sink.crossObject(findings.filter { $0.severity >= minimum })
  }

  public func finish(_ summary: LintSummary) { sink.finish(summary) }
}
