import KubewardModel
import KubewardYAML

/// One problem kubeward reports.
public struct Finding: Hashable, Sendable {
  /// The policy's id, e.g. `exec-probe`.
  public var policy: String
  public var severity: Severity
  /// The file as the user named it (`examples/app.yaml`), `-` or `--stdin-filename` for
  /// standard input.
  public var file: String
  /// The most specific source that shows the problem.
  public var range: SourceRange
  /// What is wrong and what to do, naming the object.
  public var message: String
  /// The object concerned; `nil` for findings about the file itself (syntax, encoding).
  public var object: ObjectReference?
  /// The container concerned, where there is one.
  public var container: String?
  /// The YAML path of the reported node (`spec.template.spec.containers[name=app].image`); only
  /// computed when a report needs it (fingerprints, baselines).
  public var path: String?

  public init(
    policy: String, severity: Severity, file: String, range: SourceRange, message: String,
    object: ObjectReference? = nil, container: String? = nil, path: String? = nil
  ) {
    self.policy = policy
    self.severity = severity
    self.file = file
    self.range = range
    self.message = message
    self.object = object
    self.container = container
    self.path = path
  }

  public var line: Int { range.start.line }
  public var column: Int { range.start.column }
}
