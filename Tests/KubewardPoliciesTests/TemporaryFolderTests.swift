import KubewardTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The tests' temporary folders go when the tests end, whatever the tests put in them.
@Suite("Temporary folders of the tests")
struct TemporaryFolderTests {
  @Test func removingAFolderTakesDeepTreesOddNamesAndLinksButNotWhatLinksPointAt() throws {
    let folder = try temporaryFolder()
    let outside = try temporaryFolder()
    try write("kept\n", to: outside + "/kept.yaml")
    // Deeper than PATH_MAX, a name that is not UTF-8, and links out of the folder.
    var deep = folder
    for _ in 0..<24 {
      deep += "/" + String(repeating: "d", count: 200)
      #expect(mkdir(deep, 0o755) == 0 || chdirAndMake(deep))
    }
    let oddName: [CChar] = Array((folder + "/bad-").utf8CString.dropLast()) + [-1, 0]
    let handle = open(oddName, O_CREAT | O_WRONLY, 0o644)
    #expect(handle >= 0)
    close(handle)
    #expect(symlink(outside, folder + "/out") == 0)
    #expect(symlink(outside + "/kept.yaml", folder + "/kept.yaml") == 0)

    TemporaryFolders.removeTree(folder)
    var info = stat()
    #expect(lstat(folder, &info) != 0, "the folder is gone")
    #expect(readTextFile(outside + "/kept.yaml") == "kept\n", "what a link points at stays")
  }

  /// `mkdir` of a path longer than PATH_MAX fails: makes its last folder from its parent.
  private func chdirAndMake(_ path: String) -> Bool {
    let cut = path.lastIndex(of: "/")!
    let parent = String(path[..<cut])
    let name = String(path[path.index(after: cut)...])
    let descriptor = openParent(parent)
    defer { if descriptor >= 0 { close(descriptor) } }
    return descriptor >= 0 && mkdirat(descriptor, name, 0o755) == 0
  }

  /// Opens a folder however deep, one component at a time.
  private func openParent(_ path: String) -> Int32 {
    var descriptor = open("/", O_RDONLY | O_DIRECTORY)
    for component in path.split(separator: "/") {
      let next = openat(descriptor, String(component), O_RDONLY | O_DIRECTORY)
      close(descriptor)
      guard next >= 0 else { return -1 }
      descriptor = next
    }
    return descriptor
  }
}
