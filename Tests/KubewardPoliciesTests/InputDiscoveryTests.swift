import Testing

@testable import KubewardBuiltInPolicies
@testable import KubewardEngine

@Suite("Input paths")
struct InputDiscoveryTests {
  @Test(
    arguments: [
      ("a/b.yaml", "a/b.yaml"), ("/abs/a.yaml", "/abs/a.yaml"), ("a.yaml", "a.yaml"),
      ("", ""), ("/", "/"), (".", ""), ("./a.yaml", "a.yaml"), ("a/./b", "a/b"),
      ("a//b", "a/b"), ("a/b/", "a/b"), ("a/b/..", "a"), ("a/../b", "b"), ("../a", "../a"),
      ("../../a/../b", "../../b"), ("/a/./b/", "/a/b"), ("a/.hidden/b", "a/.hidden/b"),
      ("a/.../b", "a/.../b"), ("a/..b/c.", "a/..b/c."), ("//a", "/a"), ("a/.", "a"),
    ])
  func normalizedPaths(path: String, expected: String) {
    #expect(InputDiscovery.normalizedPath(path) == expected)
  }

  /// Files are linted, and reported, in byte order of their names, folder by folder: the same
  /// order on every machine and in every locale (not Unicode or `ls` order).
  @Test func foldersAreWalkedInByteOrder() throws {
    let root = try temporaryFolder()
    let names = [
      "é.yaml", "a.yaml", "a.b.yaml", "a-b.yaml", "_x.yaml", "Z.yaml", "B.yaml", "9.yaml",
      "10.yaml", "c/z.yaml", "c/a.yaml", "ab.yaml",
    ]
    for name in names { try write("kind: A\n", to: root + "/" + name) }
    let found = try InputDiscovery.inputs(for: [root]).map {
      String($0.name.dropFirst(root.count + 1))
    }
    #expect(
      found == [
        "10.yaml", "9.yaml", "B.yaml", "Z.yaml", "_x.yaml", "a-b.yaml", "a.b.yaml", "a.yaml",
        "ab.yaml", "c/a.yaml", "c/z.yaml", "é.yaml",
      ])
  }

  /// One reader, one buffer, many files: each call sees exactly its own file's bytes (a
  /// shorter file after a longer one included), and nothing for what cannot be read.
  @Test func aContentsReaderGivesEachFileItsOwnBytes() throws {
    let root = try temporaryFolder()
    let long = String(repeating: "long line\n", count: 10_000)
    try write(long, to: root + "/long.yaml")
    try write("short\n", to: root + "/short.yaml")
    try write("", to: root + "/empty.yaml")
    var reader = ContentsReader()
    for (name, text) in [("long", long), ("short", "short\n"), ("empty", ""), ("long", long)] {
      let bytes = reader.withContents(of: FilePath(root + "/\(name).yaml")) { Array($0) }
      #expect(bytes == Array(text.utf8), "\(name)")
    }
    #expect(reader.withContents(of: FilePath(root + "/missing.yaml")) { $0.count } == nil)
    #expect(reader.withContents(of: FilePath(root)) { $0.count } == nil)
  }
}
