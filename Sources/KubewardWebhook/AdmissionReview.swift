import KubewardEngine
import KubewardYAML

/// The request of an `admission.k8s.io/v1` AdmissionReview, as the API server sends it, read
/// in place: its objects are nodes of the body's tree, which the policies read directly.
public struct AdmissionReviewRequest: Sendable {
  public let uid: String
  /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
  public let operation: String
  public let namespace: String?
  public let name: String?
  public let username: String
  public let groups: [String]
  public let dryRun: Bool
  public let subResource: String
  /// `request.kind.kind` (the object's own kind when the request does not say).
  public let kind: String
  /// The object after the change; `nil` for DELETE and CONNECT.
  public let object: Node?
  /// The object before an UPDATE or DELETE.
  public let oldObject: Node?
  /// `request.resource`, when it names one: the resource whose subresource a request of one
  /// is (`deployments` for `kubectl scale`, whose object is a `Scale`).
  public var resource: (group: String, version: String, resource: String)? = nil

  /// What the policies see as `request`.
  public var context: AdmissionRequestContext {
    AdmissionRequestContext(
      uid: uid, operation: operation, subResource: subResource, username: username,
      groups: groups, dryRun: dryRun, oldObject: oldObject, resource: resource)
  }
}

/// Why a body is no AdmissionReview kubeward can answer: the API server never sends one, so
/// the answer is 400 with this message.
public struct BadReview: Error, Sendable, Equatable {
  public let message: String

  public init(_ message: String) {
    self.message = message
  }
}

extension AdmissionReviewRequest {
  static let operations: Set<String> = ["CREATE", "UPDATE", "DELETE", "CONNECT"]
  /// What the reader reports that JSON from the API server may hold: Go's decoder takes the
  /// last of duplicate keys.
  static let acceptedDiagnostics: Set<ReaderDiagnostic.Kind> = [.duplicateKey, .unrenderedTemplate]

  /// Reads the review in `body`: JSON, `apiVersion: admission.k8s.io/v1`,
  /// `kind: AdmissionReview`, a `request` with a `uid` and an `operation`, and for CREATE and
  /// UPDATE an `object` that is a JSON object.
  public static func decode(_ body: UnsafeBufferPointer<UInt8>) throws(BadReview) -> Self {
    let checked = JSONSyntax.check(body)
    if let problem = checked.problem {
      throw BadReview("the body is not JSON: \(problem.message) at byte \(problem.offset)")
    }
    // Strings that look like templates (`{{ $labels.instance }}` in a PrometheusRule) are
    // values here, not unrendered files.
    var reader = YAMLReader()
    reader.keepsTemplatedDocuments = true
    // The tree keeps its own copy of what it reads: the rewritten text may go.
    let file =
      checked.edits.isEmpty
      ? reader.read(body)
      : JSONSyntax.readable(body, checked.edits).withUnsafeBufferPointer { reader.read($0) }
    if let diagnostic = file.diagnostics.first(where: { !acceptedDiagnostics.contains($0.kind) }) {
      throw BadReview("the body cannot be read: \(diagnostic.message)")
    }
    guard let root = file.documents.first?.root, root.isMapping else {
      throw BadReview("the body is not a JSON object")
    }
    let apiVersion = root["apiVersion"]?.text
    guard apiVersion == "admission.k8s.io/v1" else {
      throw BadReview(
        "apiVersion must be admission.k8s.io/v1 (admissionReviewVersions: [v1]), not "
          + quoted(apiVersion))
    }
    guard root["kind"]?.text == "AdmissionReview" else {
      throw BadReview("kind must be AdmissionReview, not \(quoted(root["kind"]?.text))")
    }
    guard let request = root["request"], request.isMapping else {
      throw BadReview("the review has no request object")
    }
    guard let uid = request["uid"]?.text, request["uid"]?.isScalar == true, !uid.isEmpty else {
      throw BadReview("request.uid is missing")
    }
    guard let operation = request["operation"]?.text, operations.contains(operation) else {
      throw BadReview(
        "request.operation must be CREATE, UPDATE, DELETE or CONNECT, not "
          + quoted(request["operation"]?.text))
    }
    let object = request["object"].flatMap { $0.isNull ? nil : $0 }
    let oldObject = request["oldObject"].flatMap { $0.isNull ? nil : $0 }
    if let object, !object.isMapping {
      throw BadReview("request.object must be a JSON object")
    }
    if let oldObject, !oldObject.isMapping {
      throw BadReview("request.oldObject must be a JSON object")
    }
    if object == nil && (operation == "CREATE" || operation == "UPDATE") {
      throw BadReview("request.object is missing: a \(operation) request carries the object")
    }
    let userInfo = request["userInfo"]
    let resource = request["resource"]
    var parsed = AdmissionReviewRequest(
      uid: uid, operation: operation,
      namespace: request["namespace"]?.text.flatMap { $0.isEmpty ? nil : $0 },
      name: request["name"]?.text.flatMap { $0.isEmpty ? nil : $0 },
      username: userInfo?["username"]?.text ?? "",
      groups: userInfo?["groups"]?.items.compactMap(\.text) ?? [],
      dryRun: request["dryRun"]?.bool ?? false,
      subResource: request["subResource"]?.text ?? "",
      kind: request["kind"]?["kind"]?.text ?? object?["kind"]?.text ?? "",
      object: object, oldObject: oldObject)
    if let name = resource?["resource"]?.text, !name.isEmpty {
      parsed.resource = (
        resource?["group"]?.text ?? "", resource?["version"]?.text ?? "", name
      )
    }
    return parsed
  }

  private static func quoted(_ text: String?) -> String {
    guard let text else { return "nothing" }
    return "\"" + VisibleText.escaped(InputText.clipped(text)) + "\""
  }
}
