import KubewardModel
import KubewardYAML

/// The admission request an object arrives in when kubeward runs as a validating webhook:
/// what admission policies see as `request` and `oldObject`.
public struct AdmissionRequestContext: Sendable {
  public var uid: String
  /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
  public var operation: String
  public var subResource: String
  public var username: String
  public var groups: [String]
  public var dryRun: Bool
  /// The object before an UPDATE.
  public var oldObject: Node?
  /// The resource the request names (`request.resource`): for a subresource's request, the
  /// resource whose subresource it is (`deployments` for `kubectl scale`, whose object is a
  /// `Scale`). `nil`: the object's kind's.
  public var resource: (group: String, version: String, resource: String)?

  public init(
    uid: String, operation: String, subResource: String = "", username: String = "",
    groups: [String] = [], dryRun: Bool = false, oldObject: Node? = nil,
    resource: (group: String, version: String, resource: String)? = nil
  ) {
    self.uid = uid
    self.operation = operation
    self.subResource = subResource
    self.username = username
    self.groups = groups
    self.dryRun = dryRun
    self.oldObject = oldObject
    self.resource = resource
  }
}

extension Linter {
  /// Lints one object as it arrives at admission: the per-object policies only (the rest of
  /// the set is not known there, so cross-object policies do not run), with the suppression
  /// annotations the object carries applied. Findings are sorted by position; suppressed ones
  /// are kept, marked.
  public func lintAdmitted(
    _ object: KubeObject, request: AdmissionRequestContext, file: String = "admission"
  ) -> [Finding] {
    var report = ObjectReport(file: file, computePaths: false)
    report.admissionRequest = request
    report.virtualNodeProjects = virtualNodeProjects
    lint(object, with: objectPolicies.map { Unmanaged.passUnretained($0) }, into: &report)
    var findings = report.takeFindings()
    guard !findings.isEmpty else { return findings }
    var directives = SuppressionDirectives.annotations(of: object, file: file)
    SuppressionDirectives.apply(&directives, to: &findings, group: catalogue.group(of:))
    findings.sort(by: Finding.byPosition)
    removeRepeats(&findings)
    return findings
  }
}
