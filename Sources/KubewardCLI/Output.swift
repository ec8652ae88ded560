import KubewardReporters

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file descriptor that reports and messages are written to, whole chunks at a time.
final class Output: ReportOutput, @unchecked Sendable {
  let descriptor: Int32
  private let closesOnDeinit: Bool

  static let standardOutput = Output(descriptor: 1, closesOnDeinit: false)
  static let standardError = Output(descriptor: 2, closesOnDeinit: false)

  private init(descriptor: Int32, closesOnDeinit: Bool) {
    self.descriptor = descriptor
    self.closesOnDeinit = closesOnDeinit
  }

  /// Creates (or truncates) `path` for a report.
  static func file(_ path: String) throws(CommandError) -> Output {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw CommandError("cannot write \(path): \(String(cString: strerror(errno)))")
    }
    return Output(descriptor: descriptor, closesOnDeinit: true)
  }

  deinit {
    if closesOnDeinit { close(descriptor) }
  }

  func write(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let base = bytes.baseAddress else { return }
    var offset = 0
    while offset < bytes.count {
      let written = systemWrite(descriptor, base + offset, bytes.count - offset)
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

private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
    Glibc.write(descriptor, buffer, count)
  #else
    Darwin.write(descriptor, buffer, count)
  #endif
}

/// A usage or setup problem: reported on standard error, exit status 2.
struct CommandError: Error, CustomStringConvertible {
  let description: String

  init(_ description: String) {
    self.description = description
  }
}

/// Reads all of standard input.
func readStandardInput() -> [UInt8] {
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress!, $0.count) }
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

/// The process's working directory.
func currentDirectory() -> String {
  var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
  guard getcwd(&buffer, buffer.count) != nil else { return "." }
  return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The repository root above `directory`: the nearest folder holding `.git`.
func repositoryRoot(from directory: String) -> String? {
  var folder = directory
  while true {
    if access(folder + "/.git", F_OK) == 0 { return folder }
    guard let slash = folder.lastIndex(of: "/"), folder != "/" else { return nil }
    folder = slash == folder.startIndex ? "/" : String(folder[..<slash])
  }
}

/// Whether the environment variable is set to anything.
func environmentHas(_ name: String) -> Bool {
  guard let value = getenv(name) else { return false }
  return value.pointee != 0
}

/// A file's device and inode: the same file whatever path names it.
struct FileIdentity: Equatable {
  let device: UInt64
  let inode: UInt64

  init?(_ path: String) {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    device = UInt64(status.st_dev)
    inode = UInt64(status.st_ino)
  }
}
