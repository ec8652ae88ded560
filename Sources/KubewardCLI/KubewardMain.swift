import ArgumentParser
import KubewardBuiltInPolicies
import KubewardEngine
import KubewardYAML

/// Runs kubeward with `arguments` and returns the process exit status:
/// 0 when no finding reaches the failure threshold, 1 when one does, 2 for usage errors (an
/// unknown flag, a path that does not exist, a bad configuration).
public enum KubewardMain {
  /// Runs kubeward with the process's arguments as the system gave them: bytes, which need not
  /// be UTF-8 (a file name from `git diff --name-only` can be anything).
  public static func run(rawArguments: [[UInt8]]) -> Int32 {
    var arguments: [String] = []
    for bytes in rawArguments {
      let text = FilePath.displayName(bytes[...])
      if String(validating: bytes, as: UTF8.self) == nil {
        CommandLinePaths.raw[text] = FilePath(bytes: bytes)
      }
      arguments.append(text)
    }
    return run(arguments)
  }

  public static func run(_ arguments: [String]) -> Int32 {
    do {
      var command = try KubewardCommand.parseAsRoot(arguments)
      if var lint = command as? LintCommand {
        lint.reports = try ReportRequest.pairs(in: arguments)
        command = lint
      }
      do {
        try command.run()
      } catch let error as ValidationError {
        // Thrown while running (a path that is missing or unreadable): the input's problem,
        // not how the command was written, so no usage lines (which named the root command).
        throw CommandError(error.message)
      }
      return 0
    } catch let exit as ExitCode {
      return exit.rawValue
    } catch let error as CommandError {
      // Errors quote paths, keys and values from the input: one visible line each.
      Output.standardError.write("kubeward: \(VisibleText.escaped(error.description))\n")
      return 2
    } catch let error as ConfigurationError {
      Output.standardError.write("kubeward: \(VisibleText.escaped(error.description))\n")
      return 2
    } catch {
      let message = KubewardCommand.fullMessage(for: error)
      if KubewardCommand.exitCode(for: error) == .success {
        Output.standardOutput.write(message + "\n")
        return 0
      }
      // Usage errors quote arguments, which may be file names from a repository; the message's
      // own lines stay lines.
      let visible = message.split(separator: "\n", omittingEmptySubsequences: false)
        .map { VisibleText.escaped(String($0)) }.joined(separator: "\n")
      Output.standardError.write("kubeward: " + visible + "\n")
      return 2
    }
  }
}

/// Arguments that were not UTF-8, by the text they are shown as (invalid bytes as `\\xNN`), so
/// that a path given that way is still opened by its real bytes.
enum CommandLinePaths {
  nonisolated(unsafe) static var raw: [String: FilePath] = [:]

  static func path(for argument: String) -> FilePath {
    raw[argument] ?? FilePath(argument)
  }
}
