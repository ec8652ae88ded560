import KubewardModel
import KubewardYAML

/// `schema`: fields whose value has a shape the API server rejects: `containers` as a mapping
/// or null, a quoted number where a number goes, `ports: "8080"`, a required field missing
/// (see `APIShape`). Other policies read such objects as best they can; this one says why
/// `kubectl apply` would fail.
struct Schema: ObjectPolicy {
  static let id = "schema"
  /// A value of the wrong shape is rejected in a patch as in a whole object.
  static let checksPartialObjects = true

  /// Findings per object at most: a document of the wrong shape everywhere says so enough.
  static let limit = 20

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    var walk = ShapeWalk()
    if let metadata = object.node[.metadata] {
      walk.check(metadata, APIShape.objectMeta, path: "metadata", &report)
    }
    if let kind = object.resourceKind,
      let spec = APIShape.spec(of: kind, apiVersion: object.apiVersion)
    {
      if let value = object.node[.spec], !value.isNull {
        walk.check(value, spec.shape, path: "spec", &report)
      } else if let value = object.node[.spec] {
        // Written out as null: the author left it empty.
        if spec.required {
          walk.problem(
            value, "has spec: null, but a \(object.kind) needs a spec: the API server rejects it",
            &report)
        }
      } else if spec.required {
        walk.absent(object.kindNode, "spec", &report)
      }
    }
    if object.resourceKind == .ingress && object.apiVersion == "networking.k8s.io/v1" {
      checkBackends(object, &walk, &report)
    }
  }

  /// A `networking.k8s.io/v1` backend names `service` or `resource`; the `serviceName` and
  /// `servicePort` of `v1beta1` are unknown there, so such a backend is empty and the API
  /// server rejects the Ingress.
  private func checkBackends(
    _ object: KubeObject, _ walk: inout ShapeWalk, _ report: inout ObjectReport
  ) {
    guard let spec = object.spec else { return }
    var backends: [(Node, String)] = []
    if let backend = spec.mapping(.defaultBackend) {
      backends.append((backend, "spec.defaultBackend"))
    }
    for (ruleIndex, rule) in spec.items(.rules).enumerated() {
      for (pathIndex, path) in (rule[.http]?.items(.paths) ?? .none).enumerated() {
        if let backend = path.mapping(.backend) {
          backends.append((backend, "spec.rules[\(ruleIndex)].http.paths[\(pathIndex)].backend"))
        }
      }
    }
    for (backend, path) in backends where backend[.service] == nil && backend["resource"] == nil {
      let legacy = backend[.serviceName] != nil || backend[.servicePort] != nil
      walk.problem(
        backend,
        "has \(path) with neither service nor resource"
          + (legacy
            ? " (serviceName and servicePort are the v1beta1 fields, which networking.k8s.io/v1 "
              + "does not have)" : "")
          + ": the API server rejects the Ingress; write service: {name: …, port: {number: …}}",
        &report)
    }
  }
}

/// Checks nodes against `APIShape`s, reporting each value of the wrong shape once.
struct ShapeWalk {
  private var count = 0

  mutating func problem(
    _ node: Node, _ message: String, _ report: inout ObjectReport,
    adjustment: SeverityAdjustment = .standard
  ) {
    guard count < Schema.limit else { return }
    count += 1
    report.report(node, message, adjustment: adjustment)
  }

  /// A required field that is not written at all. The file may be a fragment that something
  /// completes before it is applied (a server-side apply configuration, a patch no
  /// kustomization of the run names), so this is information, and nothing for a Kustomize
  /// patch or resource, which Kustomize completes (`commonLabels` adds a selector).
  mutating func absent(_ node: Node, _ path: String, _ report: inout ObjectReport) {
    guard !report.objectMayBePartial else { return }
    problem(
      node,
      "has no \(path), which is required: applied as it is, the API server rejects the object "
        + "(unless this file is a fragment that a patch or server-side apply completes)",
      &report, adjustment: .info)
  }

  mutating func check(
    _ node: Node, _ shape: APIShape, path: String, _ report: inout ObjectReport
  ) {
    let type = node.jsonType
    // Null is "unset" to the API's decoder: fine wherever the field is optional.
    guard type != .null else { return }
    let rejected = "the API server rejects the object"
    switch shape.kind {
    case .any:
      return
    case .string:
      expect(node, path, type == .string, "text", type, &report)
    case .integer(let range):
      guard expect(node, path, type == .integer, "a whole number", type, &report) else { return }
      if let range, let value = node.int, !range.contains(value) {
        problem(
          node,
          "has \(path) \(value), outside \(range.lowerBound)…\(range.upperBound): \(rejected)",
          &report)
      }
    case .boolean:
      expect(node, path, type == .boolean, "true or false", type, &report)
    case .intOrString:
      expect(
        node, path, type == .integer || type == .string, "a number or a name", type, &report)
    case .quantity:
      expect(
        node, path, type == .integer || type == .number || type == .string,
        "a quantity such as 500m or 1Gi", type, &report)
    case .stringMap:
      guard expect(node, path, type == .object, "a map of text values", type, &report) else {
        return
      }
      for (key, value) in node.pairs {
        let valueType = value.jsonType
        guard valueType != .string && valueType != .null else { continue }
        problem(
          value,
          "has \(path).\(key.string ?? "?") = \(describe(value, valueType)), but \(path) holds "
            + "text only: \(rejected); quote the value", &report)
      }
    case .mapOf:
      guard expect(node, path, type == .object, "a map", type, &report),
        let values = shape.element
      else { return }
      for (key, value) in node.pairs {
        check(value, values, path: path + "." + (key.string ?? "?"), &report)
      }
    case .object:
      let fields = shape.fields
      let required = shape.required
      guard expect(node, path, type == .object, "a map of fields", type, &report) else {
        return
      }
      for field in required.sorted() {
        if let value = node[field] {
          if value.isNull {
            problem(value, "has \(path).\(field) = null, but it is required: \(rejected)", &report)
          }
        } else {
          absent(node, "\(path).\(field)", &report)
        }
      }
      for (key, value) in node.pairs {
        guard let name = key.string, let fieldShape = fields[name] else { continue }
        check(value, fieldShape, path: path + "." + name, &report)
      }
    case .list(let nonEmpty):
      guard expect(node, path, type == .array, "a list", type, &report),
        let items = shape.element
      else { return }
      if nonEmpty && node.items.isEmpty {
        problem(node, "has an empty \(path), which needs at least one item: \(rejected)", &report)
      }
      for (index, item) in node.items.enumerated() {
        let itemPath = "\(path)[\(index)]"
        if item.isNull, case .object = items.kind {
          problem(
            item, "has an empty item \(itemPath) (a `-` with nothing after it): \(rejected)",
            &report)
          continue
        }
        check(item, items, path: itemPath, &report)
      }
    }
  }

  /// Reports `node` unless `holds`; returns `holds`.
  @discardableResult
  private mutating func expect(
    _ node: Node, _ path: String, _ holds: Bool, _ expected: String, _ type: JSONType,
    _ report: inout ObjectReport
  ) -> Bool {
    guard !holds else { return true }
    if type == .string, expected != "text", let text = node.string, Self.isPlaceholder(text) {
      problem(
        node,
        "has \(path) = \"\(text)\", which looks like a placeholder for a tool to fill in (the API "
          + "expects \(expected)): lint the manifest as it is applied, after substitution",
        &report, adjustment: .info)
      return false
    }
    var advice = ""
    let wantsNumber = expected == "a whole number" || expected.hasPrefix("a number")
    if type == .string && node.scalarStyle != .plain && wantsNumber
      && node.withScalarBytes({ YAMLNumber.isNumber($0) })
    {
      advice = "; remove the quotes"
    } else if type == .integer || type == .number || type == .boolean, expected == "text" {
      advice = "; quote it"
    }
    problem(
      node,
      "has \(path) = \(describe(node, type)) where the API expects \(expected): the API server "
        + "rejects the object\(advice)", &report)
    return false
  }

  /// `PORT`, `${REPLICAS}`, `$(PORT)`, `<port>`, `%PORT%`, `{{ .port }}`: text left for sed,
  /// envsubst or a template engine.
  private static func isPlaceholder(_ text: String) -> Bool {
    let markers: Set<Character> = ["$", "{", "}", "<", ">", "%"]
    if text.contains(where: markers.contains) { return true }
    guard let first = text.first, first.isUppercase else { return false }
    return text.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" }
  }

  private func describe(_ node: Node, _ type: JSONType) -> String {
    switch type {
    case .object: return "a map"
    case .array: return "a list"
    case .null: return "null"
    case .string: return "text \"\(node.string ?? "")\""
    case .boolean: return "the boolean \(node.string ?? "")"
    case .integer, .number: return "the number \(node.string ?? "")"
    }
  }
}
