import KubewardModel
import KubewardYAML

/// A policy: one check of the catalogue, identified by the id of its `policies/<id>.yaml`.
public protocol Policy: Sendable {
  /// The policy id, as in `policies/<id>.yaml`, config files and suppressions.
  static var id: String { get }
  /// Builds the policy with its options (the catalogue's defaults overlaid by configuration).
  init(options: PolicyOptions) throws(ConfigurationError)
}

/// A policy that looks at one object at a time. Runs during the per-file pass, on every
/// worker, so it must not depend on other objects.
public protocol ObjectPolicy: Policy {
  func check(_ object: KubeObject, _ report: inout ObjectReport)
}

/// A policy that reasons over the whole linted set (every file of a run, every object of an
/// admission request) through the facts the per-file pass collected.
public protocol SetPolicy: Policy {
  func check(_ set: LintSet, _ report: inout SetReport)
}

/// Where an object policy reports its findings. The message is prefixed with the object (and
/// container) it concerns, so policies write a predicate: "is type LoadBalancer without …"
/// becomes "Service shop/web is type LoadBalancer without …".
///
/// One report serves a whole file: the engine points it at each object in turn, and findings
/// accumulate in file order.
public struct ObjectReport: Sendable {
  let file: String
  let computePaths: Bool
  var policy: String = ""
  var severity: Severity = .warning
  public private(set) var findings: [Finding] = []

  /// The object being checked.
  var object = ObjectReference(apiVersion: "", kind: "", namespace: nil, name: nil) {
    didSet { subject = nil }
  }
  /// `Deployment shop/web`, made at the object's first finding: most objects have none, and
  /// those that do have several.
  private var subject: String?

  init(file: String, computePaths: Bool) {
    self.file = file
    self.computePaths = computePaths
  }

  /// Reports a finding at `node`.
  /// - Parameters:
  ///   - container: the container concerned; its name is added to the message and finding.
  ///   - adjustment: how this finding's severity relates to the policy's.
  public mutating func report(
    _ node: Node, _ message: String, container: Container? = nil,
    adjustment: SeverityAdjustment = .standard
  ) {
    let subject = self.subject ?? object.description
    self.subject = subject
    var text = ""
    text.reserveCapacity(subject.utf8.count + message.utf8.count + 48)
    text += subject
    if let container {
      text += ": "
      text += container.displayName
    }
    text += " "
    text += message
    findings.append(
      Finding(
        policy: policy, severity: adjustment.apply(to: severity), file: file,
        range: node.findingRange, message: text, object: object,
        container: container?.name, path: computePaths ? node.path : nil))
  }

  /// Hands over the findings reported so far.
  mutating func takeFindings() -> [Finding] {
    defer { findings = [] }
    return findings
  }
}

/// Where a set policy reports its findings, at facts' locations.
public struct SetReport: Sendable {
  var policy: String = ""
  var severity: Severity = .warning
  public private(set) var findings: [Finding] = []

  init() {}

  /// Reports a finding about `object` at `location`.
  public mutating func report(
    _ object: ObjectReference, at location: Location, _ message: String,
    container: String? = nil, adjustment: SeverityAdjustment = .standard
  ) {
    let subject = container.map { "\(object): container \"\($0)\" " } ?? "\(object) "
    findings.append(
      Finding(
        policy: policy, severity: adjustment.apply(to: severity), file: location.file,
        range: location.range, message: subject + message, object: object, container: container,
        path: location.path))
  }
}

extension Node {
  /// The range a finding at this node covers: a scalar's text; for a collection, its first
  /// line only (a caret under a whole container would be noise).
  public var findingRange: SourceRange {
    if isScalar { return range }
    if isMapping, let firstKey = pairs.first?.key, firstKey.isScalar {
      return SourceRange(start: position, end: firstKey.range.end)
    }
    return SourceRange(at: position)
  }
}
