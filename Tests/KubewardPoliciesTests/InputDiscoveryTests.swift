import Testing

@testable import KubewardPolicies

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
}
