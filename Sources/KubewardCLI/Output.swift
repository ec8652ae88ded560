import KubewardBuiltInPolicies
import KubewardEngine
import KubewardReporters

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file descriptor that reports and messages are written to, whole chunks at a time.
///
/// A report file is written to a temporary file beside it and renamed into place by `commit()`
/// only when every write succeeded: a full disk, a baseline read from the file being replaced,
/// or an interrupted run never leaves a truncated report, and a symbolic link committed in the
/// linted repository is never written through.
final class Output: ReportOutput, @unchecked Sendable {
  let descriptor: Int32
  private let closesOnDeinit: Bool
  /// The path to rename the temporary file to, and the temporary file.
  private let replacing: (path: String, temporary: String)?
  /// What the output is called in errors.
  private let name: String
  /// The first write error, as `errno`.
  private var failure: Int32?

  static let standardOutput = Output(descriptor: 1, name: "standard output")
  static let standardError = Output(descriptor: 2, name: "standard error")

  private init(
    descriptor: Int32, name: String, closesOnDeinit: Bool = false,
    replacing: (path: String, temporary: String)? = nil
  ) {
    self.descriptor = descriptor
    self.name = name
    self.closesOnDeinit = closesOnDeinit
    self.replacing = replacing
  }

  /// An output that replaces `path` when committed. A path that is a device or a pipe
  /// (`/dev/stdout`, `/dev/null`) is written directly; a symbolic link to anything else is
  /// refused.
  static func file(_ path: String) throws(CommandError) -> Output {
    var status = stat()
    let exists = lstat(path, &status) == 0
    if exists && status.st_mode & S_IFMT == S_IFLNK {
      var target = stat()
      guard stat(path, &target) == 0, target.st_mode & S_IFMT != S_IFREG,
        target.st_mode & S_IFMT != S_IFDIR
      else {
        throw CommandError(
          "\(path) is a symbolic link; kubeward does not write reports through links (a link "
            + "in a repository could point anywhere): give the real path")
      }
      status = target
    }
    if exists && status.st_mode & S_IFMT == S_IFDIR {
      throw CommandError("cannot write \(path): it is a folder")
    }
    if exists && status.st_mode & S_IFMT != S_IFREG {
      let descriptor = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)
      guard descriptor >= 0 else { throw writeError(path, errno) }
      return Output(descriptor: descriptor, name: path, closesOnDeinit: true)
    }
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[...$0]) } ?? ""
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    var template = Array((folder + "." + base + ".kubeward-XXXXXX").utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard descriptor >= 0 else { throw writeError(path, errno) }
    let temporary = String(
      decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    // mkstemp creates the file readable by its owner only; a report is an ordinary file.
    fchmod(descriptor, 0o644 & ~currentUmask())
    return Output(
      descriptor: descriptor, name: path, closesOnDeinit: true,
      replacing: (path, temporary))
  }

  deinit {
    if closesOnDeinit { close(descriptor) }
    // Not committed: the temporary file goes, the original stays.
    if let replacing, failure != nil || !committed { unlink(replacing.temporary) }
  }

  private var committed = false

  /// Checks that every write succeeded and puts a file output in place.
  func commit() throws(CommandError) {
    if let failure { throw Self.writeError(name, failure) }
    guard let replacing, !committed else { return }
    guard fsync(descriptor) == 0 || errno == EINVAL else {
      failure = errno
      throw Self.writeError(name, errno)
    }
    guard rename(replacing.temporary, replacing.path) == 0 else {
      failure = errno
      throw Self.writeError(name, errno)
    }
    committed = true
  }

  private static func writeError(_ path: String, _ code: Int32) -> CommandError {
    CommandError("cannot write \(path): \(String(cString: strerror(code)))")
  }

  func write(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard failure == nil, let base = bytes.baseAddress else { return }
    var offset = 0
    while offset < bytes.count {
      let written = systemWrite(descriptor, base + offset, bytes.count - offset)
      if written < 0 {
        if errno == EINTR { continue }
        failure = errno
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

/// The process's file creation mask (reading it means setting it; it is set back at once).
private func currentUmask() -> mode_t {
  let mask = umask(0o022)
  umask(mask)
  return mask
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

/// Reads standard input to its end, or to one byte past `limit`: an endless pipe
/// (`kubeward lint - < /dev/zero`) must not exhaust memory.
func readStandardInput(limit: Int) -> LintInput.Source {
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 16)
  var total = 0
  while true {
    let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress!, $0.count) }
    if count < 0 && errno == EINTR { continue }
    if count <= 0 { break }
    total += count
    if bytes.count <= limit { bytes += chunk[0..<min(count, limit + 1 - bytes.count)] }
    if total > limit {
      // The rest is not needed: only its start tells whether it is binary.
      return .tooLarge(
        size: total, limit: limit, binaryAt: bytes.prefix(8000).firstIndex(of: 0))
    }
  }
  return .bytes(bytes)
}

/// The cores the process may use, the default number of workers: those online, or fewer
/// when its cgroup's CPU quota says so (a container limited to two CPUs on a 64-core node ran
/// 64 webhook threads, each with a review's memory). cgroup v2's `cpu.max`, else v1's CFS
/// quota, which nodes on older distributions still mount.
func availableCores() -> Int {
  let online = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
  let limit =
    cgroupCPULimit(readFile("/sys/fs/cgroup/cpu.max"))
    ?? ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"].lazy.compactMap { folder in
      cgroupV1CPULimit(
        quota: readFile(folder + "/cpu.cfs_quota_us"),
        period: readFile(folder + "/cpu.cfs_period_us"))
    }.first
  return min(online, limit ?? online)
}

/// The CPUs a cgroup v1 CFS quota allows: `cpu.cfs_quota_us` over `cpu.cfs_period_us`,
/// rounded up; `nil` for a quota of -1 (no limit) and for what is not such a pair.
func cgroupV1CPULimit(quota: String?, period: String?) -> Int? {
  guard let quota, let period else { return nil }
  func number(_ text: String) -> Substring? {
    let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
    return fields.count == 1 ? fields[0] : nil
  }
  guard let quota = number(quota), let period = number(period) else { return nil }
  return cgroupCPULimit("\(quota) \(period)")
}

/// The CPUs a cgroup v2 `cpu.max` allows (`quota period`, rounded up), or `nil` for `max`
/// (no limit) and for what is not such a file.
func cgroupCPULimit(_ text: String?) -> Int? {
  guard let text else { return nil }
  let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
  guard fields.count == 2, let quota = Int(fields[0]), let period = Int(fields[1]),
    quota > 0, period > 0
  else { return nil }
  return max(1, quota / period + (quota % period == 0 ? 0 : 1))
}

/// A small file's text (`/sys`, `/proc`), or `nil`.
private func readFile(_ path: String) -> String? {
  let descriptor = open(path, O_RDONLY)
  guard descriptor >= 0 else { return nil }
  defer { close(descriptor) }
  var buffer = [UInt8](repeating: 0, count: 256)
  let count = read(descriptor, &buffer, buffer.count)
  guard count > 0 else { return nil }
  return String(decoding: buffer[..<count], as: UTF8.self)
}

/// The process's working directory.
func currentDirectory() -> String {
  var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
  guard getcwd(&buffer, buffer.count) != nil else { return "." }
  return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
    self.init(FilePath(path))
  }

  init?(_ path: FilePath) {
    guard let status = FileSystem.status(path) else { return nil }
    device = UInt64(status.st_dev)
    inode = UInt64(status.st_ino)
  }
}
