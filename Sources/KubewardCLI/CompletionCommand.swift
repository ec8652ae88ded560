import ArgumentParser

/// `kubeward completion bash|zsh|fish`: the shell completion script, for packages to install
/// and for `source <(kubeward completion bash)`.
struct CompletionCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "completion",
    abstract: "Print a shell completion script: bash, zsh or fish.",
    discussion: """
      bash: `source <(kubeward completion bash)`, or save it as \
      /etc/bash_completion.d/kubeward. zsh: save it as _kubeward in a folder of $fpath. fish: \
      save it as ~/.config/fish/completions/kubeward.fish.
      """)

  @Argument(help: "The shell: bash, zsh or fish.")
  var shell: Shell

  enum Shell: String, ExpressibleByArgument, CaseIterable {
    case bash, zsh, fish

    var completionShell: CompletionShell {
      switch self {
      case .bash: .bash
      case .zsh: .zsh
      case .fish: .fish
      }
    }
  }

  func run() {
    Output.standardOutput.write(KubewardCommand.completionScript(for: shell.completionShell))
  }
}
