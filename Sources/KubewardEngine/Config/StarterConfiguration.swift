/// The commented `.kubeward.yaml` that `kubeward init` writes: every setting at its default,
/// commented out, generated from the catalogue so it always lists every policy and option.
public enum StarterConfiguration {
  public static func text(catalogue: PolicyCatalogue) -> String {
    var text = """
      # kubeward configuration. Settings here apply to this folder and the folders below it (up to
      # the repository root); `kubeward lint --config FILE` names another file. Remove a `#` to
      # change a setting.

      # Fail (exit status 1) on findings of this severity or worse: error, warning, info or never.
      # failOn: warning

      # The namespace of objects that name none (cross-object policies compare namespaces).
      # defaultNamespace: default

      # Paths, relative to this file, that are not linted: `*` matches within a folder, `**`
      # across folders. Patterns that match a folder exclude everything under it.
      # exclude:
      #   - "charts/*/templates"
      #   - "**/values*.yaml"

      # Policies: off, info, warning or error, or a map with `severity` and the policy's options.
      # Accepting one object's risk is better done where it is, with a reason: an annotation
      # `ignore.kubeward.dev/<policy>: "<reason>"`, or a comment
      # `# kubeward:ignore <policy> -- <reason>` on or above the reported line.
      # `kubeward explain <policy>` says what a policy checks and why.
      policies:

      """
    func line(_ setting: String, _ title: String) -> String {
      "  # " + setting + String(repeating: " ", count: max(1, 40 - setting.count)) + "# \(title)\n"
    }
    for description in catalogue.descriptions {
      guard !description.options.isEmpty else {
        text += line("\(description.id): \(description.severity)", description.title)
        continue
      }
      // A policy with options is listed once, as a block, so uncommenting it cannot duplicate
      // a key.
      text += line("\(description.id):", description.title)
      text += "  #   severity: \(description.severity)\n"
      for option in description.options {
        text += "  #   \(option.name): \(yaml(option.defaultValue))\n"
      }
    }
    return text
  }

  private static func yaml(_ value: OptionValue) -> String {
    switch value {
    case .string(let text): return quoted(text)
    case .int(let number): return String(number)
    case .bool(let flag): return String(flag)
    case .strings(let values): return "[" + values.map(quoted).joined(separator: ", ") + "]"
    }
  }

  private static func quoted(_ text: String) -> String {
    "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
  }
}
