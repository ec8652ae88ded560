import KubewardYAML

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A path as the kernel sees it: bytes, not necessarily UTF-8, of any length. File names in a
/// linted tree are chosen by whoever wrote the tree, so they stay bytes until they are shown.
public struct FilePath: Hashable, Sendable, CustomStringConvertible {
  /// A path that is valid UTF-8 (nearly all) is kept as text, which the input's name then
  /// shares: a run over a large tree holds one path per file until the end. Other paths are
  /// kept as their bytes.
  private let storage: Storage

  private enum Storage: Sendable {
    case text(String)
    case raw([UInt8])
  }

  public init(_ path: String) {
    storage = .text(path)
  }

  public init(bytes: [UInt8]) {
    if let text = String(validating: bytes, as: UTF8.self) {
      storage = .text(text)
    } else {
      storage = .raw(bytes)
    }
  }

  /// The path's bytes, without a terminating NUL.
  public var bytes: [UInt8] {
    switch storage {
    case .text(let text): Array(text.utf8)
    case .raw(let bytes): bytes
    }
  }

  // Equal paths are equal bytes: `String`'s own equality would take two spellings of `é`
  // (two different files) for one.
  public static func == (lhs: FilePath, rhs: FilePath) -> Bool {
    switch (lhs.storage, rhs.storage) {
    case (.text(let left), .text(let right)): left.utf8.elementsEqual(right.utf8)
    case (.raw(let left), .raw(let right)): left == right
    default: false
    }
  }

  public func hash(into hasher: inout Hasher) {
    switch storage {
    case .text(var text): text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    case .raw(let bytes): bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
  }

  /// Whether the path is `text`'s bytes (a path that is not UTF-8 is none: its description
  /// writes its bytes as `\xNN`, which name another file).
  func isSpelled(_ text: String) -> Bool {
    guard case .text(let own) = storage else { return false }
    return own.utf8.elementsEqual(text.utf8)
  }

  /// `self/name`.
  func appending(_ name: UnsafeBufferPointer<UInt8>) -> FilePath {
    var joined = bytes
    if let last = joined.last, last != UInt8(ascii: "/") { joined.append(UInt8(ascii: "/")) }
    joined.append(contentsOf: name)
    return FilePath(bytes: joined)
  }

  /// The path as text: valid UTF-8 as it is, any other byte as `\xNN` (what `ls -b` shows).
  public var description: String {
    switch storage {
    case .text(let text): text
    case .raw(let bytes): Self.displayName(bytes[...])
    }
  }

  /// `bytes` as text, each byte that is not part of valid UTF-8 written as `\xNN`.
  public static func displayName(_ bytes: ArraySlice<UInt8>) -> String {
    if let valid = String(validating: bytes, as: UTF8.self) { return valid }
    var text = ""
    var index = bytes.startIndex
    while index < bytes.endIndex {
      let length = validSequenceLength(bytes, at: index)
      if length > 0 {
        text += String(decoding: bytes[index..<(index + length)], as: UTF8.self)
        index += length
      } else {
        let hex = String(bytes[index], radix: 16, uppercase: true)
        text += "\\x" + (hex.count == 1 ? "0" : "") + hex
        index += 1
      }
    }
    return text
  }

  /// The length of the valid UTF-8 sequence at `index`, or 0.
  private static func validSequenceLength(_ bytes: ArraySlice<UInt8>, at index: Int) -> Int {
    let lead = bytes[index]
    let length: Int
    switch lead {
    case 0..<0x80: return 1
    case 0xC2...0xDF: length = 2
    case 0xE0...0xEF: length = 3
    case 0xF0...0xF4: length = 4
    default: return 0
    }
    guard index + length <= bytes.endIndex,
      String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil
    else { return 0 }
    return length
  }

  /// Calls `body` with the path as a C string, or returns `nil` when it holds a NUL byte.
  func withCString<R>(_ body: (UnsafePointer<CChar>) -> R) -> R? {
    guard !bytes.contains(0) else { return nil }
    return (bytes + [0]).withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
    }
  }
}

/// System calls on `FilePath`s.
public enum FileSystem {
  /// Opens `path` with `flags`. A path longer than the system's limit (`PATH_MAX`) is opened a
  /// folder at a time, each relative to the one before, so that no file of a deep tree is out
  /// of reach. Returns a descriptor, or -1 with `errno` set.
  static func open(_ path: FilePath, _ flags: Int32) -> Int32 {
    if path.bytes.count < Int(PATH_MAX) {
      return path.withCString { systemOpen($0, flags | O_CLOEXEC) } ?? fail(EINVAL)
    }
    let components = path.bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
    guard let last = components.last else { return fail(ENOENT) }
    var folder: Int32 =
      path.bytes.first == UInt8(ascii: "/")
      ? systemOpen("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : AT_FDCWD
    defer { if folder >= 0 { close(folder) } }
    for component in components.dropLast() {
      guard
        let next = FilePath(bytes: Array(component)).withCString({
          openat(folder, $0, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }), next >= 0
      else { return -1 }
      if folder >= 0 { close(folder) }
      folder = next
    }
    return FilePath(bytes: Array(last)).withCString { openat(folder, $0, flags | O_CLOEXEC) }
      ?? fail(EINVAL)
  }

  /// `stat` of `path`, following symbolic links; `nil` with `errno` set when it fails.
  public static func status(_ path: FilePath) -> stat? {
    var status = stat()
    if path.bytes.count < Int(PATH_MAX) {
      return path.withCString { stat($0, &status) } == 0 ? status : nil
    }
    // A long path: its folder is opened a component at a time, the last one is `fstatat`'d.
    guard let slash = path.bytes.lastIndex(of: UInt8(ascii: "/")) else { return nil }
    let folder = open(FilePath(bytes: Array(path.bytes[..<slash])), O_RDONLY | O_DIRECTORY)
    guard folder >= 0 else { return nil }
    defer { close(folder) }
    let name = FilePath(bytes: Array(path.bytes[(slash + 1)...]))
    return name.withCString { fstatat(folder, $0, &status, 0) } == 0 ? status : nil
  }

  /// The canonical absolute path of an existing `path` (symbolic links resolved), when the
  /// system can give it.
  public static func realPath(_ path: FilePath) -> [UInt8]? {
    path.withCString { pointer -> [UInt8]? in
      guard let resolved = realpath(pointer, nil) else { return nil }
      defer { free(resolved) }
      return Array(UnsafeBufferPointer(start: resolved, count: strlen(resolved))).map {
        UInt8(bitPattern: $0)
      }
    } ?? nil
  }

  /// The canonical absolute path of the folder or file open at `descriptor`, as the kernel
  /// keeps it (`/proc/self/fd`); `nil` where the system does not say it.
  ///
  /// Why not `realpath(3)`: it resolves a path one component at a time, a system call each,
  /// so a walk that asked it of a link in each of d nested folders made on the order of d³
  /// steps (1 200 levels: 20 s). The kernel knows an open file's path in one step.
  public static func realPath(ofOpen descriptor: Int32) -> [UInt8]? {
    #if os(Linux)
      // The kernel gives no path longer than a page (ENAMETOOLONG).
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let count = readlink("/proc/self/fd/\(descriptor)", &buffer, buffer.count)
      guard count > 0, count < buffer.count, buffer[0] == CChar(UInt8(ascii: "/")) else {
        // Said why: a path cut short, or none (a file without a place in the tree).
        if count >= 0 { errno = count >= buffer.count ? ENAMETOOLONG : ENOENT }
        return nil
      }
      return buffer[..<count].map { UInt8(bitPattern: $0) }
    #else
      return nil
    #endif
  }

  /// Whether the kernel says open files' paths here (`realPath(ofOpen:)`): Linux with `/proc`.
  static let knowsOpenPaths: Bool = {
    #if os(Linux)
      return access("/proc/self/fd", X_OK) == 0
    #else
      return false
    #endif
  }()

  /// The canonical absolute path of what `name` in the folder open at `folder` leads to
  /// (symbolic links followed), when it exists and the system can give it; `path` is its
  /// path, asked of `realpath(3)` where the kernel does not say open files' paths.
  public static func realPath(of name: [UInt8], in folder: Int32, path: FilePath) -> [UInt8]? {
    #if os(Linux)
      guard knowsOpenPaths else { return realPath(path) }
      let descriptor = FilePath(bytes: name).withCString {
        openat(folder, $0, openPathOnly | O_CLOEXEC)
      }
      guard let descriptor, descriptor >= 0 else { return nil }
      defer { close(descriptor) }
      return realPath(ofOpen: descriptor)
    #else
      return realPath(path)
    #endif
  }

  #if os(Linux)
    /// `O_PATH` (a descriptor that only names the file: no read permission needed, a named
    /// pipe does not block), which Glibc's module does not export: its value on x86-64 and
    /// arm64, as on every Linux architecture but alpha, parisc and sparc.
    private static let openPathOnly: Int32 = 0o10_000_000
  #endif

  /// The canonical absolute path of the folder open at `folder`, which is `path`.
  public static func realPath(ofFolder folder: Int32, path: FilePath) -> [UInt8]? {
    knowsOpenPaths ? realPath(ofOpen: folder) : realPath(path)
  }

  /// What the symbolic link `name` in the folder open at `folder` holds, as written.
  public static func linkText(of name: [UInt8], in folder: Int32) -> [UInt8]? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
    let count = FilePath(bytes: name).withCString { readlinkat(folder, $0, &buffer, buffer.count) }
    guard let count, count >= 0 else { return nil }
    return buffer[..<count].map { UInt8(bitPattern: $0) }
  }

  /// What the symbolic link `path` holds, as written; `nil` when it is none or cannot be read.
  public static func linkText(_ path: FilePath) -> [UInt8]? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
    let count = path.withCString { readlink($0, &buffer, buffer.count) } ?? -1
    guard count >= 0 else { return nil }
    return buffer[..<count].map { UInt8(bitPattern: $0) }
  }

  /// The absolute `path` with its `.` and `..` components worked out as written (`/a/b/../c`
  /// is `/a/c`): where a link to something that does not exist leads.
  static func lexicallyNormalized(_ path: [UInt8]) -> [UInt8] {
    var components: [ArraySlice<UInt8>] = []
    for component in path.split(separator: UInt8(ascii: "/")) {
      if component.elementsEqual(".".utf8) { continue }
      if component.elementsEqual("..".utf8) {
        _ = components.popLast()
      } else {
        components.append(component)
      }
    }
    return components.reduce(into: []) { result, component in
      result.append(UInt8(ascii: "/"))
      result.append(contentsOf: component)
    }
  }

  /// Whether `path` resolves (symbolic links followed) to `folder` or to something inside
  /// it; `false` when either cannot be resolved.
  public static func resolves(_ path: FilePath, into folder: FilePath) -> Bool {
    guard let resolved = realPath(path), var root = realPath(folder) else { return false }
    if resolved == root { return true }
    if root.last != UInt8(ascii: "/") { root.append(UInt8(ascii: "/")) }
    return resolved.starts(with: root)
  }

  private static func fail(_ code: Int32) -> Int32 {
    errno = code
    return -1
  }

  private static func systemOpen(_ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 {
    #if canImport(Glibc)
      Glibc.open(path, flags)
    #else
      Darwin.open(path, flags)
    #endif
  }

  /// What kind of file `mode` describes, for messages.
  static func kindName(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFDIR: "a folder"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFIFO: "a named pipe (FIFO)"
    case S_IFSOCK: "a socket"
    case S_IFLNK: "a symbolic link"
    default: "not a regular file"
    }
  }
}

/// Why a file was not read.
enum FileReadError: Error, Sendable {
  /// The system refused (no permission, no such file, …).
  case system(reason: String)
  /// A device, a pipe or a socket: endless or blocking, never a manifest.
  case notRegular(kind: String)
  /// Larger than the limit; `binaryAt` is the offset of a NUL byte in its first 8000 bytes.
  case tooLarge(size: Int, limit: Int, binaryAt: Int?)

  init(errno code: Int32) {
    self = .system(reason: String(cString: strerror(code)))
  }

  var reason: String {
    switch self {
    case .system(let reason): reason
    case .notRegular(let kind):
      "it is \(kind), not a regular file (kubeward reads regular files only; use - for standard "
        + "input)"
    case .tooLarge(let size, let limit, _):
      "it is \(size) bytes, over the limit of \(limit) bytes (--max-file-size)"
    }
  }
}

/// Reads whole regular files, up to a size limit, into one buffer reused from file to file.
struct FileReader {
  private(set) var buffer: [UInt8] = []
  /// Files larger than this are not read (see `ReaderLimits.maximumFileSize`).
  var maximumSize: Int

  init(maximumSize: Int = ReaderLimits.standard.maximumFileSize) {
    self.maximumSize = maximumSize
  }

  /// Reads `path`; returns the byte count, or why it could not.
  mutating func read(_ path: FilePath) -> Result<Int, FileReadError> {
    // Non-blocking: opening a named pipe must not wait for a writer. Regular files read the same.
    let descriptor = FileSystem.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY)
    guard descriptor >= 0 else { return .failure(FileReadError(errno: errno)) }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { return .failure(FileReadError(errno: errno)) }
    guard status.st_mode & S_IFMT == S_IFREG else {
      if status.st_mode & S_IFMT == S_IFDIR { return .failure(FileReadError(errno: EISDIR)) }
      return .failure(.notRegular(kind: FileSystem.kindName(status.st_mode)))
    }
    let size = Int(status.st_size)
    if size > maximumSize {
      return .failure(
        .tooLarge(size: size, limit: maximumSize, binaryAt: nulByte(inStartOf: descriptor)))
    }
    // One spare byte, so that a file that grew since fstat is noticed without a regrowth.
    let expected = size + 1
    if buffer.count < expected { buffer = [UInt8](repeating: 0, count: max(expected, 1 << 16)) }
    var length = 0
    // A regular file is read as fstat sized it, without a last read to see the end: that is one
    // system call in two on a tree of small manifests. A file that reports size 0 (in /proc,
    // say) is read to its end, within the limit.
    while size == 0 || length < size {
      if length == buffer.count {
        // Read one byte past the limit at most: enough to know the file is over it.
        if length > maximumSize { break }
        buffer += repeatElement(0, count: min(buffer.count * 2, maximumSize + 1) - buffer.count)
      }
      let count = buffer.withUnsafeMutableBytes { raw in
        systemRead(descriptor, raw.baseAddress! + length, raw.count - length)
      }
      if count < 0 {
        if errno == EINTR { continue }
        return .failure(FileReadError(errno: errno))
      }
      if count == 0 { break }
      length += count
    }
    if length > maximumSize {
      let start = buffer[0..<min(length, 8000)]
      return .failure(.tooLarge(size: length, limit: maximumSize, binaryAt: nulByte(in: start)))
    }
    return .success(length)
  }

  /// The offset of a NUL byte among the first 8000 bytes of the file (git's test for binary).
  private func nulByte(inStartOf descriptor: Int32) -> Int? {
    var start = [UInt8](repeating: 0, count: 8000)
    let count = start.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, $0.count, 0) }
    guard count > 0 else { return nil }
    return nulByte(in: start[0..<count])
  }

  private func nulByte(in bytes: ArraySlice<UInt8>) -> Int? {
    bytes.firstIndex(of: 0).map { $0 - bytes.startIndex }
  }
}

private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int)
  -> Int
{
  #if canImport(Glibc)
    Glibc.read(descriptor, buffer, count)
  #else
    Darwin.read(descriptor, buffer, count)
  #endif
}
