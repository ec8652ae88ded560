import Foundation

/// The public validators `../shared/schemas/README.md` names: Python's jsonschema for SARIF,
/// xmllint for the Ant JUnit XSD. CI sets `KUBEWARD_REQUIRE_VALIDATORS=1`, so that a missing
/// validator fails the run instead of skipping the check.
enum Validators {
  static let schemas = Kubeward.repositoryRoot + "/../shared/schemas"
  static let required = ProcessInfo.processInfo.environment["KUBEWARD_REQUIRE_VALIDATORS"] == "1"

  static let jsonSchemaAvailable =
    FileManager.default.fileExists(atPath: schemas + "/sarif-schema-2.1.0.json")
    && run("/usr/bin/env", ["python3", "-c", "import jsonschema"]).status == 0
  static let xmllintAvailable =
    FileManager.default.fileExists(atPath: schemas + "/junit-ant.xsd")
    && run("/usr/bin/env", ["xmllint", "--version"]).status == 0

  /// `nil` when the file validates, otherwise the validator's complaint.
  static func sarif(_ path: String) -> String? {
    let script = """
      import json, sys, jsonschema
      jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
      """
    let result = run(
      "/usr/bin/env", ["python3", "-c", script, path, schemas + "/sarif-schema-2.1.0.json"])
    return result.status == 0 ? nil : result.output
  }

  static func junit(_ path: String) -> String? {
    let result = run(
      "/usr/bin/env", ["xmllint", "--noout", "--schema", schemas + "/junit-ant.xsd", path])
    return result.status == 0 ? nil : result.output
  }

  static func run(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return (127, "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
