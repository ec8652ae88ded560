#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Folders the tests make under the system's temporary folder, each removed with all it holds
/// when the test process exits: a run of the suites made some three hundred and left every one
/// behind. (Removed at exit, not when a test ends: a test's server or child process may still
/// read its folder while the test's last expectations run.)
public enum TemporaryFolders {
  public struct CannotMake: Error, CustomStringConvertible {
    public let errorNumber: Int32
    public var description: String { "mkdtemp failed: errno \(errorNumber)" }
  }

  /// A new, empty folder: `/tmp/<prefix>-XXXXXX`, made by `mkdtemp` (unique, readable only by
  /// its owner), and removed when the process exits.
  public static func make(prefix: String) throws -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
      throw CannotMake(errorNumber: errno)
    }
    let path = String(cString: made)
    registry.add(path)
    return path
  }

  private static let registry = Registry()

  /// The folders to remove, and the exit handler that removes them, installed with the first.
  private final class Registry: @unchecked Sendable {
    // Guarded by `mutex`: suites run in parallel.
    private var paths: [String] = []
    private var installed = false
    // Allocated, not a stored `pthread_mutex_t`: `&` on a class's property may pass a copy.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() {
      pthread_mutex_init(mutex, nil)
    }

    func add(_ path: String) {
      pthread_mutex_lock(mutex)
      defer { pthread_mutex_unlock(mutex) }
      paths.append(path)
      if !installed {
        installed = true
        atexit { TemporaryFolders.registry.removeAll() }
      }
    }

    func removeAll() {
      pthread_mutex_lock(mutex)
      let paths = self.paths
      self.paths = []
      pthread_mutex_unlock(mutex)
      for path in paths { TemporaryFolders.removeTree(path) }
    }
  }

  /// `rm -rf`: depth first, links removed, never followed (hostile-input tests plant links
  /// to folders outside their own). Each name is taken relative to its folder's descriptor,
  /// as bytes: tests make trees deeper than PATH_MAX and names that are not UTF-8.
  public static func removeTree(_ path: String) {
    remove(Array(path.utf8CString), in: AT_FDCWD)
  }

  private static func remove(_ name: [CChar], in parent: Int32) {
    var info = stat()
    guard fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return }
    guard info.st_mode & S_IFMT == S_IFDIR else {
      unlinkat(parent, name, 0)
      return
    }
    let folder = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    if folder >= 0 {
      if let listing = fdopendir(folder) {
        var children: [[CChar]] = []
        while let entry = readdir(listing) {
          var child = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            Array(raw.bindMemory(to: CChar.self).prefix { $0 != 0 })
          }
          if child == [46] || child == [46, 46] { continue }  // `.` and `..`
          child.append(0)
          children.append(child)
        }
        for child in children { remove(child, in: folder) }
        closedir(listing)  // closes `folder` too
      } else {
        close(folder)
      }
    }
    unlinkat(parent, name, AT_REMOVEDIR)
  }
}
