import KubewardPolicies

/// Renders a lint result in one output format.
public protocol Reporter: Sendable {
  func render(_ result: LintResult) -> [UInt8]
}

/// The formats `--format` accepts.
public enum ReportFormat: String, CaseIterable, Sendable {
  case text
  case json
}
