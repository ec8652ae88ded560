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

  /// Why the finding is accepted, when a suppression or the baseline accepts it. Suppressed
  /// findings are not reported (except with `--show-suppressed`, and in SARIF) and do not fail
  /// the run.
  public var suppression: Suppression?

  public var line: Int { range.start.line }
  public var column: Int { range.start.column }
}

/// Why a finding is accepted.
public struct Suppression: Hashable, Sendable {
  public enum Kind: String, Sendable {
    /// An `ignore.kubeward.dev/<policy>` annotation on the object or its pod template.
    case annotation
    /// A `# kubeward:ignore <policy> -- <reason>` comment on the line or the line above.
    case comment
    /// The finding is in the baseline (`--baseline`).
    case baseline
  }

  public var kind: Kind
  public var reason: String

  public init(kind: Kind, reason: String) {
    self.kind = kind
    self.reason = reason
  }
}

extension Finding {
  /// Identifies the finding across edits that move lines: the policy, the file, the object
  /// (kind, namespace, name), the container and the YAML path of the reported node. Findings
  /// about the file itself (syntax and the like) use their message instead of a path.
  public var fingerprint: String {
    Fingerprint.make(
      policy: policy, file: file, object: object.map { ($0.kind, $0.namespace, $0.name) },
      container: container, path: path, message: message)
  }

  /// A stable 64-bit hash (FNV-1a) of `fingerprint`, in hex (SARIF's `partialFingerprints`).
  /// Hashed part by part, as the bytes `fingerprint` would join, without joining them.
  public var fingerprintHash: String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    Fingerprint.forEachPart(
      policy: policy, file: file, object: object.map { ($0.kind, $0.namespace, $0.name) },
      container: container, path: path, message: message
    ) { part in
      for byte in part.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}

/// The one definition of a finding's identity, shared by findings and baseline entries.
enum Fingerprint {
  static func make(
    policy: String, file: String, object: (kind: String, namespace: String?, name: String?)?,
    container: String?, path: String?, message: String
  ) -> String {
    var parts: [String] = []
    forEachPart(
      policy: policy, file: file, object: object, container: container, path: path,
      message: message
    ) { parts.append($0) }
    return parts.joined()
  }

  /// The fingerprint's text in pieces, separators included: the parts are the policy, the
  /// file, then the object's kind, namespace and name, the container and the path (or, for a
  /// finding about the file itself, the message), separated by U+001F.
  static func forEachPart(
    policy: String, file: String, object: (kind: String, namespace: String?, name: String?)?,
    container: String?, path: String?, message: String, _ body: (String) -> Void
  ) {
    let separator = "\u{1F}"
    body(policy)
    body(separator)
    body(file)
    guard let object else {
      body(separator)
      body(message)
      return
    }
    for part in [
      object.kind, object.namespace ?? "", object.name ?? "", container ?? "", path ?? "",
    ] {
      body(separator)
      body(part)
    }
  }
}
