import KubewardBuiltInPolicies
import KubewardEngine

/// Renders catalogue entries for people: `kubeward rules` and `kubeward explain`.
public enum PolicyDocumentation {
  /// One line per policy: id, severity, title.
  public static func table(_ catalogue: PolicyCatalogue) -> String {
    let width = catalogue.ids.map(\.count).max() ?? 0
    var text = ""
    for scope in [PolicyDescription.Scope.object, .set, .input] {
      let descriptions = catalogue.descriptions.filter { $0.scope == scope }
      guard !descriptions.isEmpty else { continue }
      if !text.isEmpty { text += "\n" }
      text += heading(for: scope) + "\n"
      for description in descriptions {
        let id = description.id + String(repeating: " ", count: width - description.id.count)
        let severity = description.severity.rawValue
        text += "  \(id)  \(severity)\(String(repeating: " ", count: 9 - severity.count))"
        text += "\(description.title)\n"
      }
    }
    return text
  }

  private static func heading(for scope: PolicyDescription.Scope) -> String {
    switch scope {
    case .object: "Policies checked on each object (also at admission, by `kubeward serve`):"
    case .set:
      "Policies checked across the linted set (not at admission: they need the whole set):"
    case .input: "Checks of the input itself (files; not at admission):"
    }
  }

  /// The policy's page in the repository (`docs/policies/<id>.md`, generated from the
  /// catalogue), at this version's tag.
  public static func documentationURL(_ id: String) -> String {
    "\(ToolInfo.informationURI)/blob/v\(ToolInfo.version)/docs/policies/\(id).md"
  }

  /// Everything the catalogue says about one policy.
  public static func explanation(_ description: PolicyDescription) -> String {
    var text = "\(description.id): \(description.title)\n\n"
    text += "Severity:   \(description.severity)\n"
    text += "Applies to: \(description.appliesTo.joined(separator: ", "))\n"
    if let incident = description.incident { text += "Incident:   \(incident)\n" }
    text += "Docs:       \(documentationURL(description.id))\n"
    text += "\nWhy\n" + indented(description.rationale)
    text += "\nWhat to do\n" + indented(description.remediation)
    if !description.options.isEmpty {
      text += "\nOptions (in .kubeward.yaml under policies.\(description.id))\n"
      for option in description.options {
        text += "  \(option.name) (default: \(option.defaultValue))\n"
        text += indented(option.description, by: 4)
      }
    }
    for (title, examples) in [
      ("Reported", description.failingExamples), ("Not reported", description.passingExamples),
    ] {
      for example in examples {
        text += "\n\(title)" + (example.description.map { ": \($0)" } ?? "") + "\n"
        text += indented(example.text, by: 4)
      }
    }
    if let note = description.examplesNote { text += "\nExamples\n" + indented(note) }
    return text
  }

  /// The policy's page, `docs/policies/<id>.md`: the catalogue entry as Markdown.
  public static func markdown(_ description: PolicyDescription) -> String {
    var text = "# `\(description.id)`: \(description.title)\n\n"
    text += "<!-- Generated from policies/\(description.id).yaml; edit that file, then run "
    text += "`KUBEWARD_UPDATE_DOCS=1 swift test --filter policyPages`. -->\n\n"
    text += "| | |\n|---|---|\n"
    text += "| Severity | \(description.severity) |\n"
    text += "| Checked | \(scopeText(description.scope)) |\n"
    text += "| Applies to | \(description.appliesTo.joined(separator: ", ")) |\n"
    if let incident = description.incident {
      text += "| Incident | \(incident): the outage this policy comes from, retold under Why |\n"
    }
    text += "\n## Why\n\n\(description.rationale.trimmingTrailingNewlines)\n"
    text += "\n## What to do\n\n\(description.remediation.trimmingTrailingNewlines)\n"
    if !description.options.isEmpty {
      text += "\n## Options\n\nIn `.kubeward.yaml`, under `policies.\(description.id).options`:\n\n"
      for option in description.options {
        text += "- `\(option.name)` (default `\(option.defaultValue)`): "
        text += option.description.split(separator: "\n").joined(separator: " ") + "\n"
      }
    }
    text += "\n## Examples\n"
    for (title, examples) in [
      ("Reported", description.failingExamples), ("Not reported", description.passingExamples),
    ] {
      for example in examples {
        text += "\n### \(title)" + (example.description.map { ": \($0)" } ?? "") + "\n\n"
        text += "```yaml\n\(example.text.trimmingTrailingNewlines)\n```\n"
      }
    }
    if let note = description.examplesNote { text += "\n\(note.trimmingTrailingNewlines)\n" }
    text += "\nRun `kubeward explain \(description.id)` for the same in a terminal.\n"
    return text
  }

  /// `docs/policies/README.md`: every policy, linked.
  public static func markdownIndex(_ catalogue: PolicyCatalogue) -> String {
    var text = "# Policies\n\n<!-- Generated from policies/*.yaml. -->\n\n"
    text += "| policy | severity | checked | what |\n|---|---|---|---|\n"
    for description in catalogue.descriptions {
      text += "| [`\(description.id)`](\(description.id).md) | \(description.severity) | "
      text += "\(scopeText(description.scope)) | \(description.title) |\n"
    }
    return text
  }

  private static func scopeText(_ scope: PolicyDescription.Scope) -> String {
    switch scope {
    case .object: "on each object"
    case .set: "across the linted set"
    case .input: "on the input itself"
    }
  }

  private static func indented(_ text: String, by spaces: Int = 2) -> String {
    let prefix = String(repeating: " ", count: spaces)
    var result = ""
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(
      text.hasSuffix("\n") ? 1 : 0)
    {
      result += line.isEmpty ? "\n" : prefix + line + "\n"
    }
    return result
  }
}

extension String {
  fileprivate var trimmingTrailingNewlines: String {
    var text = self
    while text.hasSuffix("\n") { text.removeLast() }
    return text
  }
}
