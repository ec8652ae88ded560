import KubewardPolicies

/// Where a report's bytes go: standard output, a file, or memory.
public protocol ReportSink: AnyObject {
  func write(_ bytes: UnsafeBufferPointer<UInt8>)
}

/// Collects a report in memory.
public final class MemorySink: ReportSink {
  public private(set) var bytes: [UInt8] = []

  public init() {}

  public func write(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes.append(contentsOf: bytes) }
}

/// Renders a lint result in one output format. Reports are written in chunks as they are
/// produced, so a report of a large run never sits in memory whole.
public protocol Reporter: Sendable {
  func write(_ result: LintResult, to sink: ReportSink)
}

extension Reporter {
  /// The whole report, in memory (for tests and small results).
  public func render(_ result: LintResult) -> [UInt8] {
    let sink = MemorySink()
    write(result, to: sink)
    return sink.bytes
  }
}

/// Output buffered in one reused chunk, handed to the sink when it fills.
public struct ChunkedOutput {
  public static let chunkSize = 1 << 16

  private let sink: ReportSink
  public var bytes: [UInt8] = []

  public init(sink: ReportSink) {
    self.sink = sink
    bytes.reserveCapacity(Self.chunkSize + 4096)
  }

  /// Hands the buffered bytes over when a chunk is full.
  public mutating func flushIfFull() {
    if bytes.count >= Self.chunkSize { flush() }
  }

  public mutating func flush() {
    guard !bytes.isEmpty else { return }
    bytes.withUnsafeBufferPointer { sink.write($0) }
    bytes.removeAll(keepingCapacity: true)
  }
}

/// The formats `--format` accepts.
public enum ReportFormat: String, CaseIterable, Sendable {
  case text
  case json
}
