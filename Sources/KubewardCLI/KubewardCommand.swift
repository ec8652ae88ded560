import ArgumentParser
import KubewardBuiltInPolicies
import KubewardEngine

/// `kubeward`: the root command. `kubeward PATH…` is `kubeward lint PATH…`.
public struct KubewardCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "kubeward",
    abstract: "Lint Kubernetes manifests for the mistakes that caused real outages.",
    version: ToolInfo.version,
    subcommands: [
      LintCommand.self, RulesCommand.self, ExplainCommand.self, InitCommand.self,
      EvalCommand.self, ServeCommand.self, ExportCommand.self, CompletionCommand.self,
    ],
    defaultSubcommand: LintCommand.self)

  public init() {}
}
