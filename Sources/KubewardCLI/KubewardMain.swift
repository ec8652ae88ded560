import ArgumentParser
import KubewardPolicies

/// Runs kubeward with `arguments` and returns the process exit status:
/// 0 when no finding reaches the failure threshold, 1 when one does, 2 for usage errors (an
/// unknown flag, a path that does not exist, a bad configuration).
public enum KubewardMain {
  public static func run(_ arguments: [String]) -> Int32 {
    do {
      var command = try KubewardCommand.parseAsRoot(arguments)
      if var lint = command as? LintCommand {
        lint.reports = try ReportRequest.pairs(in: arguments)
        command = lint
      }
      try command.run()
      return 0
    } catch let exit as ExitCode {
      return exit.rawValue
    } catch let error as CommandError {
      Output.standardError.write("kubeward: \(error)\n")
      return 2
    } catch let error as ConfigurationError {
      Output.standardError.write("kubeward: \(error)\n")
      return 2
    } catch {
      let message = KubewardCommand.fullMessage(for: error)
      if KubewardCommand.exitCode(for: error) == .success {
        Output.standardOutput.write(message + "\n")
        return 0
      }
      Output.standardError.write("kubeward: " + message + "\n")
      return 2
    }
  }
}
