#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One file to lint.
public struct LintInput: Sendable {
  public enum Source: Sendable {
    /// Read from this path when linted.
    case file(path: String)
    /// Already in memory (standard input, an admission request, a test).
    case bytes([UInt8])
    /// Could not be opened or listed; reported as `unreadable-file`.
    case unreadable(reason: String)
  }

  /// The name findings carry: the path as the user wrote it, or the name given to stdin.
  public var name: String
  public var source: Source
  /// Named by the user rather than found in a folder: documents that are not Kubernetes
  /// objects are then reported instead of skipped silently.
  public var isExplicit: Bool
  /// A Kustomize patch (a kustomization of the run names it): its objects are partial, so they
  /// are checked for syntax but not linted as manifests. Set by the linter.
  public var isKustomizePatch = false
  /// Context only: its objects inform the cross-object pass (a Service's Deployment elsewhere
  /// in the repository) but none of its findings are reported (`--context`).
  public var isContext = false
  /// Rendered Helm output: findings in a document that follows a `# Source: <template>` comment
  /// are reported against that template, at lines of the rendered document.
  public var attributesHelmSources = false

  public init(name: String, source: Source, isExplicit: Bool) {
    self.name = name
    self.source = source
    self.isExplicit = isExplicit
  }
}

extension LintInput {
  /// The bytes of the file at `path`, or `nil` when it cannot be read.
  public static func contents(of path: String) -> [UInt8]? {
    var reader = FileReader()
    guard case .success(let count) = reader.read(path) else { return nil }
    return Array(reader.buffer[0..<count])
  }
}

/// A path on the command line that does not exist: a usage error.
public struct InputError: Error, CustomStringConvertible, Sendable {
  public let path: String
  public let reason: String

  public var description: String { "\(path): \(reason)" }
}

/// Turns the paths a user gives into the files to lint.
public enum InputDiscovery {
  /// `a/./b/../c.yaml` → `a/c.yaml`, lexically (no file system access).
  public static func normalizedPath(_ path: String) -> String {
    KustomizePatches.normalized(path)
  }

  /// File extensions read when walking a folder (a file named explicitly is read whatever its
  /// name).
  public static let manifestExtensions = [".yaml", ".yml", ".json"]

  /// Files as given; folders walked recursively in name order, skipping hidden entries (`.git`,
  /// `.github`, …) and files without a manifest extension.
  public static func inputs(for paths: [String]) throws(InputError) -> [LintInput] {
    var inputs: [LintInput] = []
    for path in paths {
      var status = stat()
      guard stat(path, &status) == 0 else {
        throw InputError(path: path, reason: String(cString: strerror(errno)))
      }
      if status.st_mode & S_IFMT == S_IFDIR {
        var visited: Set<DirectoryIdentity> = []
        walk(
          directory: path, displayPrefix: displayPrefix(for: path), into: &inputs,
          visited: &visited)
      } else {
        inputs.append(LintInput(name: path, source: .file(path: path), isExplicit: true))
      }
    }
    return inputs
  }

  /// `manifestExtensions`, compared as bytes: this runs for every directory entry.
  private static func hasManifestExtension(_ name: String) -> Bool {
    let bytes = name.utf8
    return manifestExtensions.contains { suffix in
      bytes.count > suffix.utf8.count && bytes.reversed().starts(with: suffix.utf8.reversed())
    }
  }

  private struct DirectoryIdentity: Hashable {
    var device: UInt64
    var inode: UInt64
  }

  /// `.` lists its files as `a.yaml`, `manifests/` as `manifests/a.yaml`.
  private static func displayPrefix(for directory: String) -> String {
    if directory == "." || directory == "./" { return "" }
    return directory.hasSuffix("/") ? directory : directory + "/"
  }

  /// The names in a folder, hidden ones left out, with their type when `readdir` knows it (so that
  /// plain files need no `stat`), in byte order: the walk is the same on every machine and in
  /// every locale. The names are sorted as C strings before any Swift string is made.
  private static func sortedEntries(of handle: OpaquePointer) -> [(name: String, type: UInt8)] {
    var names: [CChar] = []
    var found: [(offset: Int, type: UInt8)] = []
    while let entry = readdir(handle) {
      withUnsafeBytes(of: &entry.pointee.d_name) { raw in
        let name = raw.bindMemory(to: CChar.self)
        guard name[0] != 0 && name[0] != CChar(UInt8(ascii: ".")) else { return }
        found.append((names.count, entry.pointee.d_type))
        names.append(contentsOf: name.prefix(strlen(name.baseAddress!) + 1))
      }
    }
    return names.withUnsafeBufferPointer { names in
      let base = names.baseAddress!
      // strcmp compares bytes as unsigned: byte order.
      found.sort { strcmp(base + $0.offset, base + $1.offset) < 0 }
      return found.map { (String(cString: base + $0.offset), $0.type) }
    }
  }

  private static func walk(
    directory: String, displayPrefix: String, into inputs: inout [LintInput],
    visited: inout Set<DirectoryIdentity>
  ) {
    var status = stat()
    if stat(directory, &status) == 0 {
      let identity = DirectoryIdentity(
        device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
      // A symbolic link back up the tree would make the walk endless.
      guard visited.insert(identity).inserted else { return }
    }
    guard let handle = opendir(directory) else {
      let name = displayPrefix.isEmpty ? "." : String(displayPrefix.dropLast())
      inputs.append(
        LintInput(
          name: name, source: .unreadable(reason: String(cString: strerror(errno))),
          isExplicit: false))
      return
    }
    let entries = sortedEntries(of: handle)
    closedir(handle)
    let base = directory.hasSuffix("/") ? directory : directory + "/"
    for (name, type) in entries {
      let isManifest = hasManifestExtension(name)
      if type == UInt8(DT_REG) {
        if isManifest {
          // The name shown and the path read are usually the same text: keep one copy, as a
          // monorepo lists tens of thousands of files.
          let shown = displayPrefix + name
          inputs.append(
            LintInput(
              name: shown, source: .file(path: base == displayPrefix ? shown : base + name),
              isExplicit: false))
        }
        continue
      }
      let path = base + name
      guard stat(path, &status) == 0 else {
        // A dangling symbolic link where a manifest should be: reported, not skipped.
        if isManifest {
          inputs.append(
            LintInput(
              name: displayPrefix + name,
              source: .unreadable(
                reason: "a symbolic link to a file that cannot be reached ("
                  + String(cString: strerror(errno)) + ")"),
              isExplicit: false))
        }
        continue
      }
      if status.st_mode & S_IFMT == S_IFDIR {
        walk(
          directory: path, displayPrefix: displayPrefix + name + "/", into: &inputs,
          visited: &visited)
      } else if status.st_mode & S_IFMT == S_IFREG && isManifest {
        inputs.append(
          LintInput(name: displayPrefix + name, source: .file(path: path), isExplicit: false))
      }
    }
  }
}

/// Reads whole files into one buffer reused from file to file.
struct FileReader {
  private(set) var buffer: [UInt8] = []

  /// Reads `path`; returns the byte count, or the reason it could not.
  mutating func read(_ path: String) -> Result<Int, FileReadError> {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return .failure(FileReadError(errno: errno)) }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { return .failure(FileReadError(errno: errno)) }
    guard status.st_mode & S_IFMT != S_IFDIR else { return .failure(FileReadError(errno: EISDIR)) }
    // One spare byte, so that reading a file that grew since fstat needs no regrowth at first.
    let expected = Int(status.st_size) + 1
    if buffer.count < expected { buffer = [UInt8](repeating: 0, count: max(expected, 1 << 16)) }
    // A regular file is read as fstat sized it, without a last read to see the end: that is
    // one system call in two on a tree of small manifests. Pipes and devices (size 0) are read
    // to their end.
    let isSized = status.st_mode & S_IFMT == S_IFREG && status.st_size > 0
    var length = 0
    while !isSized || length < Int(status.st_size) {
      if length == buffer.count {
        // The file grew since fstat, or is a pipe that reports size 0.
        buffer += repeatElement(0, count: buffer.count)
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
    return .success(length)
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

struct FileReadError: Error {
  let reason: String

  init(errno code: Int32) {
    reason = String(cString: strerror(code))
  }
}
