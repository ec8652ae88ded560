import KubewardModel
import KubewardYAML

/// One problem kubeward reports.
///
/// A value, stored in one shared box that is copied only when a copy is changed: findings are
/// sorted, suppressed and handed to several reports, and copying nine strings field by field
/// each time cost more than the findings themselves.
public struct Finding: Hashable, Sendable {
  // A field added here is added to `==` too.
  private struct Fields: Hashable, Sendable {
    var policy: String
    var severity: Severity
    var file: String
    var range: SourceRange
    var message: String
    var object: ObjectReference?
    var container: String?
    var path: String?
    var suppression: Suppression?
  }

  private final class Box: @unchecked Sendable {
    // Mutated only through `fields` below, and only when no other finding shares the box.
    var fields: Fields

    init(_ fields: Fields) {
      self.fields = fields
    }
  }

  private var box: Box

  /// The fields, for changing: the box is copied first when another finding shares it.
  private var fields: Fields {
    get { box.fields }
    _modify {
      if !isKnownUniquelyReferenced(&box) { box = Box(box.fields) }
      yield &box.fields
    }
  }

  public init(
    policy: String, severity: Severity, file: String, range: SourceRange, message: String,
    object: ObjectReference? = nil, container: String? = nil, path: String? = nil
  ) {
    box = Box(
      Fields(
        policy: policy, severity: severity, file: file, range: range,
        message: InputText.clipped(message), object: object,
        container: container.map(InputText.clipped), path: path.map(InputText.clipped),
        suppression: nil))
  }

  /// The policy's id, e.g. `exec-probe`.
  public var policy: String {
    get { box.fields.policy }
    set { fields.policy = newValue }
  }
  public var severity: Severity {
    get { box.fields.severity }
    set { fields.severity = newValue }
  }
  /// The file as the user named it (`examples/app.yaml`), `-` or `--stdin-filename` for
  /// standard input.
  public var file: String {
    get { box.fields.file }
    set { fields.file = newValue }
  }
  /// The most specific source that shows the problem.
  public var range: SourceRange {
    get { box.fields.range }
    set { fields.range = newValue }
  }
  /// What is wrong and what to do, naming the object.
  public var message: String {
    get { box.fields.message }
    set { fields.message = InputText.clipped(newValue) }
  }
  /// The object concerned; `nil` for findings about the file itself (syntax, encoding).
  public var object: ObjectReference? {
    get { box.fields.object }
    set { fields.object = newValue }
  }
  /// The container concerned, where there is one.
  public var container: String? {
    get { box.fields.container }
    set { fields.container = newValue }
  }
  /// The YAML path of the reported node (`spec.template.spec.containers[name=app].image`); only
  /// computed when a report needs it (fingerprints, baselines).
  public var path: String? {
    get { box.fields.path }
    set { fields.path = newValue }
  }
  /// Why the finding is accepted, when a suppression or the baseline accepts it. Suppressed
  /// findings are not reported (except with `--show-suppressed`, and in SARIF) and do not fail
  /// the run.
  public var suppression: Suppression? {
    get { box.fields.suppression }
    set { fields.suppression = newValue }
  }

  public var line: Int { box.fields.range.start.line }
  public var column: Int { box.fields.range.start.column }

  /// Field by field, cheapest and most telling first. Comparing `box.fields` whole copied
  /// both findings' fields (a retain and a release per string) for every pair compared,
  /// and every file's findings are compared with their neighbours (`removeRepeats`).
  public static func == (lhs: Finding, rhs: Finding) -> Bool {
    if lhs.box === rhs.box { return true }
    let left = lhs.box
    let right = rhs.box
    return left.fields.range == right.fields.range && left.fields.severity == right.fields.severity
      && left.fields.policy == right.fields.policy && left.fields.message == right.fields.message
      && left.fields.file == right.fields.file && left.fields.object == right.fields.object
      && left.fields.container == right.fields.container && left.fields.path == right.fields.path
      && left.fields.suppression == right.fields.suppression
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(box.fields)
  }
}

extension Finding: CustomDebugStringConvertible {
  /// The fields, as a plain struct would print them (test failures, the debugger), not the box.
  public var debugDescription: String {
    "Finding" + String(describing: box.fields).dropFirst("Fields".count)
  }
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
  /// finding about the file itself, the message without its line numbers), separated by
  /// U+001F.
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
      body(withoutLineNumbers(Fixtures.withoutLoweringReason(message)))
      return
    }
    for part in [
      object.kind, object.namespace ?? "", object.name ?? "", container ?? "", path ?? "",
    ] {
      body(separator)
      body(part)
    }
  }

  /// `message` with the number after each "line " left out: a finding about the file itself
  /// names the lines it relates (`duplicate-key`'s "first at line 4", a syntax error's
  /// "starting at line 12"), and a baseline must accept it still when lines above move.
  static func withoutLineNumbers(_ message: String) -> String {
    let bytes = Array(message.utf8)
    let marker = Array("line ".utf8)
    var kept: [UInt8] = []
    kept.reserveCapacity(bytes.count)
    var index = 0
    while index < bytes.count {
      if bytes[index...].starts(with: marker) {
        kept += marker
        index += marker.count
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"),
          bytes[index] <= UInt8(ascii: "9")
        {
          index += 1
        }
      } else {
        kept.append(bytes[index])
        index += 1
      }
    }
    return kept.count == bytes.count ? message : String(decoding: kept, as: UTF8.self)
  }
}
