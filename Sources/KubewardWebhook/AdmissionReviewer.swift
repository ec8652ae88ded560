import KubewardAdmission
import KubewardEngine
import KubewardModel
import KubewardReporters
import KubewardYAML

/// How the webhook decides: what denies, what is skipped, and how much it says.
public struct ReviewSettings: Sendable {
  /// The least severity that denies a request; `nil`: never deny, only warn.
  public var denyOn: Severity? = .error
  /// Requests in these namespaces are allowed without being linted.
  public var skipNamespaces: Set<String> = ["kube-system", "kube-node-lease"]
  /// Users (`name`, or a prefix ending in `*`) and groups whose requests are not linted.
  public var skipUsers: [String] = []
  public var skipGroups: Set<String> = []
  /// The API server shows each warning to the `kubectl` user; longer ones are cut.
  public var warningLength = 120
  /// At most this many warnings; the rest are counted in the last one.
  public var maximumWarnings = 30
  /// The denial's message, cut to this many characters.
  public var messageLength = 4096
  /// Policies whose findings no annotation of the object under review suppresses: the
  /// admission policies of `--policy`, whose verdict is the API server's, which the object's
  /// own annotations do not change (an object that said `ignore.kubeward.dev/<policy>` for a
  /// Deny policy was admitted).
  public var unsuppressible: Set<String> = []

  public init() {}

  /// Keeps the object's annotations from suppressing the findings of `set`'s policies.
  public mutating func protect(_ set: AdmissionPolicySet) {
    unsuppressible = Set(set.policies.map(\.name))
  }

  /// The settings of a configuration file's `webhook:` section, and the webhook's own
  /// namespace, which is always skipped (kubeward must never block its own rollout).
  public init(_ file: WebhookSettings?, ownNamespace: String?) {
    if let denyOn = file?.denyOn { self.denyOn = denyOn }
    if let namespaces = file?.skipNamespaces { skipNamespaces = Set(namespaces) }
    if let ownNamespace, !ownNamespace.isEmpty { skipNamespaces.insert(ownNamespace) }
    skipUsers = file?.skipUsers ?? []
    skipGroups = Set(file?.skipGroups ?? [])
  }

  func skipsUser(_ username: String, groups: [String]) -> Bool {
    for pattern in skipUsers {
      if pattern.hasSuffix("*") ? username.hasPrefix(pattern.dropLast()) : username == pattern {
        return true
      }
    }
    return groups.contains(where: skipGroups.contains)
  }
}

/// What a review decided, for the decision log and the metrics.
public struct ReviewDecision: Sendable {
  public enum Outcome: String, Sendable {
    /// Allowed with no finding at warning or above (information goes to audit annotations).
    case allowed
    /// Allowed, with warnings.
    case warned
    case denied
    /// Allowed without being linted (DELETE, a skipped namespace or user, a controller's pod).
    case skipped
  }

  public var uid: String
  public var kind: String
  public var namespace: String?
  public var name: String?
  public var operation: String
  public var outcome: Outcome
  /// Why a request was skipped.
  public var skipReason: String?
  /// The findings that count (not suppressed), in position order.
  public var findings: [Finding] = []

  public var allowed: Bool { outcome != .denied }
  /// Each policy with findings, once.
  public var policies: [String] {
    var seen: Set<String> = []
    return findings.map(\.policy).filter { seen.insert($0).inserted }
  }
}

/// An HTTP answer: the status and the JSON body.
public struct ReviewAnswer: Sendable {
  public var status: Int
  public var body: [UInt8]
  /// `nil` when the body was no admission review (400).
  public var decision: ReviewDecision?
  public var error: String?
}

/// Answers AdmissionReviews: the request's object linted by the linter's per-object policies
/// (built-in and admission policies) under its configuration and the object's suppression
/// annotations, as `kubeward lint` would lint it in a file.
///
/// Pure and thread-safe: the server calls it from every event loop.
public struct AdmissionReviewer: Sendable {
  public let linter: Linter
  public let settings: ReviewSettings

  public init(linter: Linter, settings: ReviewSettings = ReviewSettings()) {
    self.linter = linter
    self.settings = settings
  }

  /// Pod controllers: the objects they create were checked as their template when the
  /// controller was admitted, so they are not reported again (nor their creation blocked
  /// behind the controller's back, where nobody reads the denial).
  static let podControllers: Set<String> = [
    "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
    "ReplicationController",
  ]

  public func review(_ body: UnsafeBufferPointer<UInt8>) -> ReviewAnswer {
    let request: AdmissionReviewRequest
    do {
      request = try AdmissionReviewRequest.decode(body)
    } catch {
      return ReviewAnswer(
        status: 400, body: Self.status(code: 400, reason: "BadRequest", error.message),
        decision: nil, error: error.message)
    }
    let decision = decide(request)
    return ReviewAnswer(status: 200, body: response(request, decision), decision: decision)
  }

  public func review(_ body: [UInt8]) -> ReviewAnswer {
    body.withUnsafeBufferPointer { review($0) }
  }

  func decide(_ request: AdmissionReviewRequest) -> ReviewDecision {
    var decision = ReviewDecision(
      uid: request.uid, kind: request.kind, namespace: request.namespace, name: request.name,
      operation: request.operation, outcome: .skipped)
    guard let node = request.object, request.operation == "CREATE" || request.operation == "UPDATE"
    else {
      decision.skipReason = "\(request.operation) is not linted"
      return decision
    }
    if let namespace = request.namespace, settings.skipNamespaces.contains(namespace) {
      decision.skipReason = "namespace \(namespace) is skipped"
      return decision
    }
    if settings.skipsUser(request.username, groups: request.groups) {
      decision.skipReason = "user \(request.username) is skipped"
      return decision
    }
    let defaultNamespace = request.namespace ?? linter.configuration.defaultNamespace
    guard let object = KubeObject(node: node, defaultNamespace: defaultNamespace) else {
      decision.skipReason = "the object has no apiVersion and kind"
      return decision
    }
    if decision.name == nil { decision.name = object.reference.name }
    // An object being deleted only loses finalizers: denying that would keep it terminating.
    if object.metadata.node?["deletionTimestamp"].map({ !$0.isNull }) == true {
      decision.skipReason = "the object is being deleted"
      return decision
    }
    // Only the controller manager's own requests: an owner reference is the requester's word,
    // and a bare pod could name one to pass unchecked.
    if Self.isControllerManager(request.username), let owner = Self.controllerOwner(object) {
      decision.skipReason = "created by \(owner), which was linted when it was admitted"
      return decision
    }
    decision.findings = linter.lintAdmitted(object, request: request.context).filter {
      $0.suppression == nil || settings.unsuppressible.contains($0.policy)
    }
    if let denyOn = settings.denyOn, decision.findings.contains(where: { $0.severity >= denyOn }) {
      decision.outcome = .denied
    } else {
      decision.outcome =
        decision.findings.contains(where: { $0.severity >= .warning }) ? .warned : .allowed
    }
    return decision
  }

  /// Whether the request comes from kube-controller-manager: its own user, or one of the
  /// service accounts its controllers use (`--use-service-account-credentials`).
  static func isControllerManager(_ username: String) -> Bool {
    username == "system:kube-controller-manager"
      || username.hasPrefix("system:serviceaccount:kube-system:")
  }

  /// The kind of the pod controller that owns `object`, if one does.
  static func controllerOwner(_ object: KubeObject) -> String? {
    for owner in object.metadata.node?["ownerReferences"]?.items ?? NodeItems.none
    where owner["controller"]?.bool == true {
      if let kind = owner["kind"]?.text, podControllers.contains(kind) { return kind }
    }
    return nil
  }

  // MARK: The answer

  func response(_ request: AdmissionReviewRequest, _ decision: ReviewDecision) -> [UInt8] {
    let output = MemoryOutput()
    var json = JSONWriter(lineDepth: 0, to: output)
    json.beginObject()
    json.member("apiVersion", "admission.k8s.io/v1")
    json.member("kind", "AdmissionReview")
    json.key("response")
    json.beginObject()
    json.member("uid", request.uid)
    json.member("allowed", decision.allowed)
    // One pass each: an object can carry thousands of findings (a pod of many containers).
    let denies = { (finding: Finding) in settings.denyOn.map { finding.severity >= $0 } ?? false }
    let denying = decision.findings.filter(denies)
    if !decision.allowed {
      json.key("status")
      json.beginObject()
      json.member("code", 403)
      json.member("status", "Failure")
      json.member("reason", "Forbidden")
      json.member("message", denialMessage(denying))
      json.endObject()
    }
    let warnings = decision.findings.filter { $0.severity >= .warning && !denies($0) }
    if !warnings.isEmpty {
      json.key("warnings")
      json.beginArray()
      for warning in warningTexts(warnings) { json.string(warning) }
      json.endArray()
    }
    let notes = decision.findings.filter { $0.severity < .warning && !denies($0) }
    if !notes.isEmpty {
      json.key("auditAnnotations")
      json.beginObject()
      for (key, value) in auditAnnotations(notes) {
        json.key(text: key)
        json.string(value)
      }
      json.endObject()
    }
    json.endObject()
    json.endObject()
    json.finish()
    return output.bytes
  }

  /// `Deployment shop/web is denied by kubeward: [memory-limit] container "web" has …; […] …`
  func denialMessage(_ findings: [Finding]) -> String {
    let subject = findings.first?.object?.description ?? "the object"
    var message =
      "\(subject) is denied by kubeward (\(findings.count) finding"
      + "\(findings.count == 1 ? "" : "s")): "
    message += findings.map { "[\($0.policy)] \(Self.predicate(of: $0))" }.joined(
      separator: "; ")
    return Self.cut(VisibleText.escaped(message), to: settings.messageLength)
  }

  /// One line per finding, policy first: `memory-limit: container "web" has no memory limit…`.
  func warningTexts(_ findings: [Finding]) -> [String] {
    var texts: [String] = []
    for finding in findings.prefix(settings.maximumWarnings) {
      let text = "\(finding.policy): " + Self.predicate(of: finding)
      texts.append(Self.cut(VisibleText.escaped(text), to: settings.warningLength))
    }
    if findings.count > settings.maximumWarnings {
      texts[texts.count - 1] =
        "kubeward: \(findings.count - settings.maximumWarnings + 1) more findings; run kubeward lint"
    }
    return texts
  }

  /// Information as audit annotations (the API server prefixes each key with the webhook's
  /// name): one per policy, its findings joined.
  func auditAnnotations(_ findings: [Finding]) -> [(String, String)] {
    var order: [String] = []
    var values: [String: String] = [:]
    for finding in findings {
      let key = Self.annotationKey(finding.policy)
      let text = VisibleText.escaped(Self.predicate(of: finding))
      if let existing = values[key] {
        // Full values stay full: a pod of many containers gives many findings per policy.
        guard existing.utf8.count < 2048 else { continue }
        values[key] = Self.cut(existing + "; " + text, to: 2048)
      } else {
        order.append(key)
        values[key] = Self.cut(text, to: 2048)
      }
    }
    return order.map { ($0, values[$0]!) }
  }

  /// The finding's message without the object it names first (the object is the request's):
  /// `container "web" has no memory limit: …`.
  static func predicate(of finding: Finding) -> String {
    guard let object = finding.object else { return finding.message }
    let subject = object.description
    let message = finding.message
    guard message.hasPrefix(subject) else { return message }
    var rest = message.dropFirst(subject.count)
    if rest.hasPrefix(": ") || rest.hasPrefix(" ") {
      rest = rest.drop(while: { $0 == ":" || $0 == " " })
    }
    return String(rest)
  }

  /// An audit annotation key's name part: a qualified name (63 characters at most, letters,
  /// digits, `-`, `_`, `.`, starting and ending with a letter or digit).
  static func annotationKey(_ policy: String) -> String {
    var key = String(
      policy.unicodeScalars.map { scalar -> Character in
        scalar.isASCII
          && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
            || scalar == "-" || scalar == "_" || scalar == ".")
          ? Character(scalar) : "-"
      }
    ).prefix(63)
    while let first = key.first, !first.isLetter && !first.isNumber { key.removeFirst() }
    while let last = key.last, !last.isLetter && !last.isNumber { key.removeLast() }
    return key.isEmpty ? "policy" : String(key)
  }

  /// `text` cut to `length` characters, ending in `…` when cut.
  static func cut(_ text: String, to length: Int) -> String {
    guard text.count > length else { return text }
    return String(text.prefix(length - 1)) + "…"
  }

  /// A Kubernetes `Status` for a request that was not answered with a review.
  public static func status(code: Int, reason: String, _ message: String) -> [UInt8] {
    let output = MemoryOutput()
    var json = JSONWriter(lineDepth: 0, to: output)
    json.beginObject()
    json.member("apiVersion", "v1")
    json.member("kind", "Status")
    json.member("status", "Failure")
    json.member("message", VisibleText.escaped(message))
    json.member("reason", reason)
    json.member("code", code)
    json.endObject()
    json.finish()
    return output.bytes
  }
}
