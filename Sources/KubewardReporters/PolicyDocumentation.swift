import KubewardPolicies

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
    case .object: "Policies checked on each object:"
    case .set: "Policies checked across the linted set:"
    case .input: "Checks of the input itself:"
    }
  }

  /// Everything the catalogue says about one policy.
  public static func explanation(_ description: PolicyDescription) -> String {
    var text = "\(description.id): \(description.title)\n\n"
    text += "Severity:   \(description.severity)\n"
    text += "Applies to: \(description.appliesTo.joined(separator: ", "))\n"
    if let incident = description.incident { text += "Incident:   \(incident)\n" }
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
