import Foundation
import KubewardTestSupport
import Testing

/// Runs the built `kubeward` binary as a user would.
enum Kubeward {
  struct Run {
    let status: Int32
    let standardOutput: String
    let standardError: String

    var json: [String: Any]? {
      (try? JSONSerialization.jsonObject(with: Data(standardOutput.utf8))) as? [String: Any]
    }
  }

  /// The package's top-level folder.
  static let repositoryRoot: String = {
    var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(3)
    return components.joined(separator: "/")
  }()

  /// `kubeward` sits beside the test bundle in the build folder.
  static let executable: String = {
    let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var folder = testBinary.deletingLastPathComponent()
    while folder.path != "/" {
      let candidate = folder.appendingPathComponent("kubeward").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      folder = folder.deletingLastPathComponent()
    }
    return repositoryRoot + "/.build/debug/kubeward"
  }()

  static func run(
    _ arguments: [String], stdin: String? = nil, in directory: String = repositoryRoot,
    environment: [String: String] = [:], executable: String = executable
  ) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "NO_COLOR")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let output = Pipe()
    let error = Pipe()
    let input = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    // Read before waiting: a large report would otherwise fill the pipe and block.
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(
      status: process.terminationStatus,
      standardOutput: String(decoding: outputData, as: UTF8.self),
      standardError: String(decoding: errorData, as: UTF8.self))
  }

  /// A fresh temporary folder, removed when the tests end.
  static func temporaryDirectory() throws -> String {
    try TemporaryFolders.make(prefix: "kubeward-test")
  }
}

/// Manifests several suites use.
enum Fixtures {
  /// A Service with one finding, loadbalancer-lifecycle at 6:9.
  static let loadBalancerService = """
    apiVersion: v1
    kind: Service
    metadata:
      name: web
    spec:
      type: LoadBalancer
      ports:
        - port: 80
    """

  /// Two replicas of pods labelled `app: web` with a container port named `http`.
  static let webDeployment = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 2
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: nginx:1.27
              ports: [{name: http, containerPort: 8080}]
    """
}
