import KubewardYAML
import Logging

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// swift-log's handler for the webhook: one JSON object per line on standard error, as log
/// collectors in a cluster expect (`{"time":…,"level":"info","message":"decision",…}`).
/// swift-log ships only a plain-text handler.
public struct JSONLogHandler: LogHandler {
  public var metadata: Logger.Metadata = [:]
  public var logLevel: Logger.Level = .info
  private let label: String
  private let write: @Sendable ([UInt8]) -> Void

  /// - Parameter write: where each line goes (standard error unless a test says otherwise).
  public init(label: String, write: @escaping @Sendable ([UInt8]) -> Void = Self.standardError) {
    self.label = label
    self.write = write
  }

  public static let standardError: @Sendable ([UInt8]) -> Void = { line in
    line.withUnsafeBytes { bytes in
      var offset = 0
      while offset < bytes.count {
        let written = writeToStandardError(bytes.baseAddress! + offset, bytes.count - offset)
        if written <= 0 { return }
        offset += written
      }
    }
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    var line: [UInt8] = []
    line.reserveCapacity(256)
    line += "{\"time\":\"".utf8
    Self.appendTimestamp(to: &line)
    line += "\",\"level\":\"".utf8
    line += event.level.rawValue.utf8
    line += "\",\"logger\":".utf8
    Self.appendString(label, to: &line)
    line += ",\"message\":".utf8
    Self.appendString(event.message.description, to: &line)
    var merged = metadata
    if let extra = event.metadata { merged.merge(extra) { _, new in new } }
    for key in merged.keys.sorted() {
      line.append(UInt8(ascii: ","))
      Self.appendString(key, to: &line)
      line.append(UInt8(ascii: ":"))
      Self.append(merged[key]!, to: &line)
    }
    line += "}\n".utf8
    write(line)
  }

  private static func append(_ value: Logger.Metadata.Value, to line: inout [UInt8]) {
    switch value {
    case .string(let text): appendString(text, to: &line)
    case .stringConvertible(let value):
      // Numbers and booleans stay JSON numbers and booleans.
      let text = value.description
      if value is Bool || value is any BinaryInteger || value is Double {
        line += text.utf8
      } else {
        appendString(text, to: &line)
      }
    case .array(let values):
      line.append(UInt8(ascii: "["))
      for (index, value) in values.enumerated() {
        if index > 0 { line.append(UInt8(ascii: ",")) }
        append(value, to: &line)
      }
      line.append(UInt8(ascii: "]"))
    case .dictionary(let values):
      line.append(UInt8(ascii: "{"))
      for (index, key) in values.keys.sorted().enumerated() {
        if index > 0 { line.append(UInt8(ascii: ",")) }
        appendString(key, to: &line)
        line.append(UInt8(ascii: ":"))
        append(values[key]!, to: &line)
      }
      line.append(UInt8(ascii: "}"))
    }
  }

  /// A JSON string: control characters, C1 controls and bidi overrides written visibly (as in
  /// every report: a log is read on terminals too), then quotes and backslashes escaped, so a
  /// line is always one line whatever a request's names hold.
  static func appendString(_ text: String, to line: inout [UInt8]) {
    line.append(UInt8(ascii: "\""))
    for byte in VisibleText.escaped(text).utf8 {
      switch byte {
      case UInt8(ascii: "\""): line += "\\\"".utf8
      case UInt8(ascii: "\\"): line += "\\\\".utf8
      default: line.append(byte)
      }
    }
    line.append(UInt8(ascii: "\""))
  }

  /// `2026-11-29T02:09:37.123Z`
  private static func appendTimestamp(to line: inout [UInt8]) {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    var seconds = now.tv_sec
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func two(_ value: Int32) {
      line.append(UInt8(ascii: "0") + UInt8(value / 10))
      line.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
    line += String(parts.tm_year + 1900).utf8
    line.append(UInt8(ascii: "-"))
    two(parts.tm_mon + 1)
    line.append(UInt8(ascii: "-"))
    two(parts.tm_mday)
    line.append(UInt8(ascii: "T"))
    two(parts.tm_hour)
    line.append(UInt8(ascii: ":"))
    two(parts.tm_min)
    line.append(UInt8(ascii: ":"))
    two(parts.tm_sec)
    line.append(UInt8(ascii: "."))
    let millis = Int32(now.tv_nsec / 1_000_000)
    line.append(UInt8(ascii: "0") + UInt8(millis / 100))
    two(millis % 100)
    line += "Z".utf8
  }
}

/// `write(2, …)`, named apart from the handler's `write` property.
private func writeToStandardError(_ bytes: UnsafeRawPointer, _ count: Int) -> Int {
  write(2, bytes, count)
}
