import KubewardReporters

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file descriptor that reports and messages are written to, whole chunks at a time.
final class Output: ReportSink, @unchecked Sendable {
  let descriptor: Int32

  static let standardOutput = Output(descriptor: 1)
  static let standardError = Output(descriptor: 2)

  init(descriptor: Int32) {
    self.descriptor = descriptor
  }

  func write(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let base = bytes.baseAddress else { return }
    var offset = 0
    while offset < bytes.count {
      let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
      if written < 0 {
        if errno == EINTR { continue }
        return
      }
      offset += written
    }
  }

  func write(_ text: String) {
    var text = text
    text.withUTF8 { write($0) }
  }

  /// Whether the output is a terminal (colour and code frames are for people).
  var isTerminal: Bool { isatty(descriptor) == 1 }
}

/// Reads all of standard input.
func readStandardInput() -> [UInt8] {
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let count = chunk.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress!, $0.count) }
    if count < 0 && errno == EINTR { continue }
    if count <= 0 { break }
    bytes += chunk[0..<count]
  }
  return bytes
}

/// Cores available to this process: the default number of workers.
func availableCores() -> Int {
  max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}
