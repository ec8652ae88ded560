import ArgumentParser
import KubewardBuiltInPolicies
import KubewardEngine
import KubewardReporters

/// `kubeward rules`
struct RulesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rules", abstract: "List the policies: id, severity and title.")

  func run() {
    Output.standardOutput.write(PolicyDocumentation.table(.builtIn))
  }
}

/// `kubeward explain <id>`
struct ExplainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract: "Explain a policy: why it exists, what to do, and examples.")

  @Argument(help: "A policy id, as `kubeward rules` lists them.")
  var id: String

  func run() throws {
    guard let description = PolicyCatalogue.builtIn[id] else {
      let close = PolicyCatalogue.builtIn.ids.filter { $0.contains(id) || id.contains($0) }
      let hint =
        close.isEmpty
        ? "run `kubeward rules` to list them" : "did you mean \(close.joined(separator: ", "))?"
      throw ValidationError("no policy \"\(id)\"; \(hint)")
    }
    Output.standardOutput.write(PolicyDocumentation.explanation(description))
  }
}
