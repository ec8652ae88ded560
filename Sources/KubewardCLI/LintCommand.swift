import ArgumentParser
import KubewardPolicies
import KubewardReporters

/// The severity at which a run fails, or `never`.
enum FailureThreshold: String, ExpressibleByArgument, CaseIterable {
  case error, warning, info, never

  var severity: Severity? { Severity(rawValue: rawValue) }
}

extension ReportFormat: ExpressibleByArgument {}

/// `kubeward lint [PATH…]`
struct LintCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lint",
    abstract: "Lint manifest files and folders (recursively: .yaml, .yml, .json).",
    discussion: """
      Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 for usage errors.
      Use - to read standard input, e.g. `helm template . | kubeward lint -`.
      """)

  @Argument(help: "Files and folders to lint, or - for standard input.")
  var paths: [String] = ["."]

  @Option(help: "Output format: text or json.")
  var format: ReportFormat = .text

  @Option(
    help:
      "Fail (exit status 1) on findings of this severity or worse: error, warning, info or never.")
  var failOn: FailureThreshold = .warning

  @Option(help: "Files linted in parallel (default: the number of cores).")
  var jobs: Int?

  @Option(help: "The file name to report for standard input.")
  var stdinFilename: String?

  func validate() throws {
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
  }

  func run() throws {
    var inputs: [LintInput] = []
    for path in paths {
      if path == "-" {
        inputs.append(
          LintInput(
            name: stdinFilename ?? "-", source: .bytes(readStandardInput()), isExplicit: true))
      } else {
        do {
          inputs += try InputDiscovery.inputs(for: [path])
        } catch {
          throw ValidationError("\(error)")
        }
      }
    }
    let linter = try Linter()
    let result = linter.lint(inputs, jobs: jobs ?? availableCores())
    let reporter: any Reporter =
      switch format {
      case .text: TextReporter()
      case .json: JSONReporter()
      }
    reporter.write(result, to: Output.standardOutput)
    if let threshold = failOn.severity,
      result.findings.contains(where: { $0.severity >= threshold })
    {
      throw ExitCode(1)
    }
  }
}
