import KubewardModel
import KubewardYAML

/// A policy: one check of the catalogue, identified by the id of its `policies/<id>.yaml`.
public protocol Policy: Sendable {
  /// The policy id, as in `policies/<id>.yaml`, config files and suppressions.
  static var id: String { get }
  /// Builds the policy with its options (the catalogue's defaults overlaid by configuration).
  init(options: PolicyOptions) throws(ConfigurationError)
  /// The policy as the engine runs it. `ObjectPolicy` and `SetPolicy` provide it.
  var runnable: RunnablePolicy { get }
  /// Whether the policy judges only values an object sets (an `exec` probe, an image's tag), so
  /// that its findings hold for a partial object too: a Kustomize patch. A policy that reports
  /// what is missing (no limit, no probe) cannot tell from a patch, whose base may set it.
  static var checksPartialObjects: Bool { get }
}

extension Policy {
  public static var checksPartialObjects: Bool { false }
}

/// A policy as the engine runs it: per object, or over the whole set.
///
/// Each kind of policy says which it is at compile time: a cast (`as? any ObjectPolicy`) would
/// look the conformance up among every conformance record of the binary, about a millisecond
/// at every start of the command line.
public enum RunnablePolicy: Sendable {
  case object(any ObjectCheck)
  case set(any SetPolicy)
}

/// A check of one object at a time. Runs during the per-file pass, on every worker, so it
/// must not depend on other objects than those its source gave it beforehand. Built-in
/// policies are `ObjectPolicy` types; admission policies, read from files at run time, are
/// checks of their own.
public protocol ObjectCheck: Sendable {
  func check(_ object: KubeObject, _ report: inout ObjectReport)
  /// Whether objects of `kind` at `apiVersion` may give it findings: `false` lets the engine
  /// leave it out for them, asked once per kind (and worker) rather than for every object.
  func mayCheck(apiVersion: String, kind: String) -> Bool
  /// Whether it runs over a file's objects in a pass of its own, after the other checks have
  /// run over them all: a check whose code is large (an interpreter of admission policies)
  /// and the built-in policies, run in turn on every object, evicted each other's code from
  /// the processor's instruction cache (2 % of the time of fifty admission policies over
  /// 10 000 objects). The findings are the same.
  var runsInItsOwnPass: Bool { get }
}

extension ObjectCheck {
  public func mayCheck(apiVersion: String, kind: String) -> Bool { true }
  public var runsInItsOwnPass: Bool { false }
}

/// A built-in policy that looks at one object at a time.
public protocol ObjectPolicy: Policy, ObjectCheck {}

/// A policy that reasons over the whole linted set (every file of a run, every object of an
/// admission request) through the facts the per-file pass collected.
public protocol SetPolicy: Policy {
  func check(_ set: LintSet, _ report: inout SetReport)
}

extension ObjectPolicy {
  public var runnable: RunnablePolicy { .object(self) }
}

extension SetPolicy {
  public var runnable: RunnablePolicy { .set(self) }
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
  /// The policy whose findings are reported, and its severity: the engine's, for the check it
  /// runs, or a check's own (`reportFor(_:severity:)`).
  public private(set) var policy: String = ""
  public private(set) var severity: Severity = .warning
  public private(set) var findings: [Finding] = []
  /// The file is a Kustomize patch or resource: Kustomize may add fields the object lacks
  /// before it is applied, so what it lacks is not certain to be missing.
  public internal(set) var objectMayBePartial = false
  /// The file is a Kustomize patch: it is merged into the object it names, never applied on
  /// its own.
  public internal(set) var isKustomizePatch = false
  /// The file is a Kustomize patch applied to what its kustomization's `target` selects:
  /// Kustomize gives it each target's apiVersion, kind and name, so its own are never applied.
  public internal(set) var patchesTargets = false
  /// Images the file's build tool replaces at deploy time (Skaffold artifacts, ko names):
  /// what is written is a placeholder for the built image.
  public internal(set) var builtImages = BuildArtifacts.Built()
  /// The kinds whose apiVersion a kustomization that builds the file rewrites.
  public internal(set) var apiVersionRewrites: [APIVersionRewrite] = []
  /// The projects that run their pods on virtual nodes, and the file's project.
  var virtualNodeProjects: VirtualNodeProjects?
  var scope = ""
  /// The admission request the object arrived in, when kubeward runs as a webhook; `nil` when
  /// it lints files.
  public internal(set) var admissionRequest: AdmissionRequestContext?

  /// Why `object`'s pods run on a virtual node, or `nil`: the pod's own placement, else its
  /// project's, unless the pod keeps off virtual nodes.
  public func virtualNodeEvidence(for object: KubeObject) -> String? {
    guard let template = object.podTemplate else { return nil }
    if let own = template.virtualNodeEvidence { return own }
    // The project's evidence first: most projects have none, and the pod's exclusion is
    // looked for only when one does.
    guard let evidence = virtualNodeProjects?.evidence(scope: scope),
      !VirtualNode.isExcluded(template)
    else { return nil }
    return evidence
  }

  /// The most severe a finding may be: information for a fragment (see `Fragments`), whose
  /// consequences are not known until it is merged into whole objects.
  var severityCap: Severity?

  /// The object being checked.
  var object = ObjectReference(apiVersion: "", kind: "", namespace: nil, name: nil) {
    didSet { subject = nil }
  }
  /// `Deployment shop/web`, made at the object's first finding: most objects have none, and
  /// those that do have several.
  private var subject: String?
  /// Where a message is written before it becomes a `String`: reused, so that each message
  /// costs one allocation.
  private var text: [UInt8] = []

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
    let containerName = container?.name
    text.removeAll(keepingCapacity: true)
    text.append(contentsOf: subject.utf8)
    if let container {
      text.append(contentsOf: ": ".utf8)
      container.appendDisplayName(named: containerName, to: &text)
    }
    text.append(UInt8(ascii: " "))
    text.append(contentsOf: message.utf8)
    var severity = adjustment.apply(to: severity)
    if let severityCap, severity > severityCap { severity = severityCap }
    // A finding about a container is shown where the container is (`findingAnchor`).
    let range =
      container.map { $0.node == node ? $0.findingAnchor.findingRange : node.findingRange }
      ?? node.findingRange
    findings.append(
      Finding(
        policy: policy, severity: severity, file: file,
        range: range, message: String(decoding: text, as: UTF8.self), object: object,
        container: containerName, path: computePaths ? node.path : nil))
  }

  /// Names the policy (and its severity) of the findings reported next, for a check that
  /// stands for several policies: a run's admission policies are one check, which matches an
  /// object against them all in one pass (20 000 policies as a check apiece were 2 × 10^8
  /// calls over 10 000 objects, made even once the run's work was spent).
  public mutating func reportFor(_ policy: String, severity: Severity) {
    self.policy = policy
    self.severity = severity
  }

  /// Hands over the findings reported so far.
  mutating func takeFindings() -> [Finding] {
    defer { findings = [] }
    return findings
  }

  /// Drops the findings reported from `start` on that are already in `seen`, and adds the
  /// others to it: a check that reports the same finding many times over (an admission policy
  /// evaluated once per param) keeps one, as it goes, rather than all until the file ends.
  public mutating func dropRepeats(from start: Int, seen: inout Set<Finding>) {
    guard start < findings.count else { return }
    var kept = start
    for index in start..<findings.count where seen.insert(findings[index]).inserted {
      findings.swapAt(kept, index)
      kept += 1
    }
    findings.removeLast(findings.count - kept)
  }
}

/// Where a set policy reports its findings, at facts' locations.
///
/// Messages are written when the finding is handed to the reports, not when it is found: the
/// cross-object pass holds every finding of the run until it can sort them across files, and
/// on a large monorepo their text would be most of that memory.
public struct SetReport: Sendable {
  var policy: String = ""
  var severity: Severity = .warning
  private(set) var pending: [PendingFinding] = []

  init() {}

  /// The findings reported so far, messages written.
  public var findings: [Finding] { pending.map { $0.rendered() } }

  /// Reports a finding about `object` at `location`. `message` is evaluated later, once.
  public mutating func report(
    _ object: ObjectReference, at location: Location,
    _ message: @autoclosure @escaping @Sendable () -> String,
    container: String? = nil, adjustment: SeverityAdjustment = .standard
  ) {
    pending.append(
      PendingFinding(
        finding: Finding(
          policy: policy, severity: adjustment.apply(to: severity), file: location.file,
          range: location.range, message: "", object: object, container: container,
          path: location.path),
        predicate: message))
  }

  /// Hands over the findings reported so far.
  mutating func takePending() -> [PendingFinding] {
    defer { pending = [] }
    return pending
  }
}

/// A finding whose message is not written yet: `finding` holds everything else (what
/// suppressions and sorting look at), `predicate` writes the part after the object's name.
struct PendingFinding: Sendable {
  var finding: Finding
  let predicate: @Sendable () -> String

  /// A finding that already has its whole message (one about a suppression, say).
  init(_ finding: Finding) {
    self.finding = finding
    self.predicate = { "" }
  }

  init(finding: Finding, predicate: @escaping @Sendable () -> String) {
    self.finding = finding
    self.predicate = predicate
  }

  /// The finding with its message: `Deployment shop/web: container "app" <predicate>`.
  func rendered() -> Finding {
    guard let object = finding.object, finding.message.isEmpty else { return finding }
    var rendered = finding
    let predicate = predicate()
    if let container = finding.container {
      rendered.message = String(
        concatenating: object.description, ": container \"", container, "\" ", predicate)
    } else {
      rendered.message = String(concatenating: object.description, " ", predicate)
    }
    return rendered
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
