import ArgumentParser
import KubewardBuiltInPolicies
import KubewardEngine

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `kubeward init`
struct InitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract: "Write a commented starter configuration (.kubeward.yaml).")

  @Option(help: ArgumentHelp("Where to write it.", valueName: "file"))
  var output = ".kubeward.yaml"

  @Flag(help: "Replace an existing file.")
  var force = false

  func run() throws {
    if !force && access(output, F_OK) == 0 {
      throw CommandError("\(output) exists; use --force to replace it")
    }
    let file = try Output.file(output)
    file.write(StarterConfiguration.builtInText)
    try file.commit()
    Output.standardOutput.write("wrote \(output)\n")
  }
}
