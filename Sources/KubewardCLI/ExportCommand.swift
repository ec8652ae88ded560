import ArgumentParser
import KubewardBuiltInPolicies
import KubewardEngine
import KubewardReporters
import KubewardYAML

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `kubeward export`: the catalogue in other tools' forms.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export", abstract: "Export the catalogue in other forms.",
    subcommands: [ExportVAPCommand.self])
}

/// `kubeward export vap`
struct ExportVAPCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vap",
    abstract:
      "Export the per-object policies as ValidatingAdmissionPolicies with their bindings.",
    discussion: """
      Every built-in per-object policy that CEL can express becomes a ValidatingAdmissionPolicy \
      and a binding whose action follows its severity (error: Deny, warning: Warn, info: \
      Audit); options become a params ConfigMap. The policies that are not exported are listed \
      with the reason, on standard error (or in the folder's README.md).

      Without --output the documents are written to standard output: \
      `kubeward export vap | kubectl apply -f -`.
      """)

  @Option(
    name: .customLong("policy"),
    help: ArgumentHelp("Export only this policy (repeatable).", valueName: "id"))
  var ids: [String] = []

  @Option(
    help: ArgumentHelp(
      "Write one file per policy, a kustomization.yaml and a README.md to this folder.",
      valueName: "folder"))
  var output: String?

  func run() throws {
    let catalogue = PolicyCatalogue.builtIn
    for id in ids where catalogue[id]?.scope != .object {
      throw ValidationError(
        catalogue[id] == nil
          ? "no policy \"\(VisibleText.escaped(id))\"; run `kubeward rules` to list them"
          : "\(id) is not a per-object policy: it cannot run at admission")
    }
    let result = VAPExport.export(catalogue, ids: ids.isEmpty ? nil : ids)
    guard let output else {
      let documents = result.files.filter {
        $0.name.hasSuffix(".yaml") && $0.name != "kustomization.yaml"
      }
      Output.standardOutput.write(documents.map(\.text).joined(separator: "---\n"))
      for (id, reason) in result.notExported {
        Output.standardError.write("kubeward: \(id) is not exported: \(reason)\n")
      }
      return
    }
    if mkdir(output, 0o755) != 0 && errno != EEXIST {
      throw ValidationError("cannot create \(VisibleText.escaped(output))")
    }
    for file in result.files {
      let destination = try Output.file(output + "/" + file.name)
      destination.write(file.text)
      try destination.commit()
    }
    Output.standardError.write(
      "kubeward: exported \(result.exported.count) policies to \(VisibleText.escaped(output)); "
        + "\(result.notExported.count) not exported (see its README.md)\n")
  }
}
