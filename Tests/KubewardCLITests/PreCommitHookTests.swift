import Foundation
import Testing

private let loadBalancer = """
  apiVersion: v1
  kind: Service
  metadata:
    name: web
  spec:
    type: LoadBalancer
    ports:
      - port: 80
  """

private let clusterIP = loadBalancer.replacingOccurrences(of: "LoadBalancer", with: "ClusterIP")

/// A throwaway git repository with kubeward's hook installed.
private struct Repository {
  let path: String

  init() throws {
    path = try Kubeward.temporaryDirectory()
    try git("init", "-q")
    try git("config", "user.email", "test@example.com")
    try git("config", "user.name", "Test")
    try git("config", "core.hooksPath", Kubeward.repositoryRoot + "/.githooks")
  }

  @discardableResult
  func git(_ arguments: String...) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git"] + arguments
    process.currentDirectoryURL = URL(fileURLWithPath: path)
    var environment = ProcessInfo.processInfo.environment
    let binaries = URL(fileURLWithPath: Kubeward.executable).deletingLastPathComponent().path
    environment["PATH"] = binaries + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  func write(_ text: String, to name: String) throws {
    let url = URL(fileURLWithPath: path + "/" + name)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
  }
}

@Suite(
  "Pre-commit hook", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/git")))
struct PreCommitHookTests {
  @Test func blocksWhatIsStagedEvenIfTheWorkingTreeIsFixed() throws {
    let repository = try Repository()
    try repository.write(loadBalancer, to: "deploy/web.yaml")
    try repository.git("add", "deploy/web.yaml")
    try repository.write(clusterIP, to: "deploy/web.yaml")  // fixed, but not staged
    let commit = try repository.git("commit", "-q", "-m", "web")
    #expect(commit.status != 0)
    #expect(commit.output.contains("deploy/web.yaml:6:9: warning:"), "\(commit.output)")
    #expect(commit.output.contains("commit blocked"))
  }

  @Test func passesWhatIsStagedEvenIfTheWorkingTreeIsBroken() throws {
    let repository = try Repository()
    try repository.write(clusterIP, to: "web.yaml")
    try repository.git("add", "web.yaml")
    try repository.write(loadBalancer, to: "web.yaml")  // broken again, but not staged
    let commit = try repository.git("commit", "-q", "-m", "web")
    #expect(commit.status == 0, "\(commit.output)")
  }

  @Test func ignoresCommitsWithoutManifestsAndDeletedFiles() throws {
    let repository = try Repository()
    try repository.write("hello\n", to: "README.md")
    try repository.git("add", "README.md")
    #expect(try repository.git("commit", "-q", "-m", "readme").status == 0)
    try repository.write(clusterIP, to: "web.yaml")
    try repository.git("add", "web.yaml")
    #expect(try repository.git("commit", "-q", "-m", "web").status == 0)
    try repository.git("rm", "-q", "web.yaml")
    #expect(try repository.git("commit", "-q", "-m", "remove").status == 0)
  }
}
