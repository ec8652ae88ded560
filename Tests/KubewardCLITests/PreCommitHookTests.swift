import Foundation
import Testing

private let loadBalancer = Fixtures.loadBalancerService

private let deployment = Fixtures.webDeployment

private func service(selecting app: String) -> String {
  """
  apiVersion: v1
  kind: Service
  metadata:
    name: web
  spec:
    ports:
      - {port: 80, targetPort: http}
    selector: {app: \(app)}
  """
}

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

  @Test func crossObjectPoliciesSeeTheRestOfTheRepository() throws {
    let repository = try Repository()
    try repository.write(deployment, to: "apps/web/deployment.yaml")
    try repository.git("add", ".")
    try repository.git("commit", "-q", "--no-verify", "-m", "deployment")

    // The Service is checked against the committed Deployment: a typo in its selector blocks.
    try repository.write(service(selecting: "wbe"), to: "apps/web/service.yaml")
    try repository.git("add", "apps/web/service.yaml")
    let typo = try repository.git("commit", "-q", "-m", "service")
    #expect(typo.status != 0)
    #expect(typo.output.contains("apps/web/service.yaml:8:13: warning:"), "\(typo.output)")
    #expect(typo.output.contains("[service-selects-nothing]"))
    // Only the staged file is reported, not the Deployment's own findings.
    #expect(!typo.output.contains("deployment.yaml"), "\(typo.output)")

    try repository.write(service(selecting: "web"), to: "apps/web/service.yaml")
    try repository.git("add", "apps/web/service.yaml")
    let fixed = try repository.git("commit", "-q", "-m", "service")
    #expect(fixed.status == 0, "\(fixed.output)")
  }

  @Test func aStagedKustomizePatchIsReadAsAPatch() throws {
    let repository = try Repository()
    try repository.write(
      "resources: [../../base]\npatches:\n  - path: replicas.yaml\n",
      to: "overlays/prod/kustomization.yaml")
    // The base the patch applies to: a patch of nothing in the repository would be linted
    // as a whole manifest.
    try repository.write("resources: [web.yaml]\n", to: "base/kustomization.yaml")
    try repository.write(deployment, to: "base/web.yaml")
    try repository.git("add", ".")
    try repository.git("commit", "-q", "--no-verify", "-m", "overlay")
    try repository.write(
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
      spec:
        replicas: 1
        template:
          spec:
            containers:
              - name: web
                image: example/web:1.1
      """, to: "overlays/prod/replicas.yaml")
    try repository.git("add", ".")
    // Read as a whole Deployment it would lack probes, limits and requests.
    let commit = try repository.git("commit", "-q", "-m", "patch")
    #expect(commit.status == 0, "\(commit.output)")
  }

  @Test func usesTheStagedConfiguration() throws {
    let repository = try Repository()
    try repository.write(loadBalancer, to: "legacy/web.yaml")
    try repository.write("exclude: [legacy/**]\n", to: ".kubeward.yaml")
    try repository.git("add", ".")
    #expect(try repository.git("commit", "-q", "-m", "legacy").status == 0)

    // The working tree's configuration no longer excludes legacy/, but the staged one does.
    try repository.write("failOn: warning\n", to: ".kubeward.yaml")
    try repository.write(loadBalancer + "\n", to: "legacy/web.yaml")
    try repository.git("add", "legacy/web.yaml")
    let excluded = try repository.git("commit", "-q", "-m", "legacy")
    #expect(excluded.status == 0, "\(excluded.output)")

    // A typo in the staged configuration is an error, named as the repository's file.
    try repository.write("polices: {}\n", to: ".kubeward.yaml")
    try repository.git("add", ".kubeward.yaml")
    try repository.write(loadBalancer + "\n\n", to: "legacy/web.yaml")
    try repository.git("add", "legacy/web.yaml")
    let typo = try repository.git("commit", "-q", "-m", "typo")
    #expect(typo.status != 0)
    #expect(typo.output.contains(".kubeward.yaml:1:1:"), "\(typo.output)")
    #expect(!typo.output.contains("/tmp"), "\(typo.output)")
  }
}
