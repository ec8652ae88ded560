import KubewardEngine
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
    var walk = ShapeWalk(root: object.node)
    if let metadata = object.node[.metadata] {
      walk.check(metadata, APIShape.objectMeta, &report)
    }
    if let kind = object.resourceKind,
      let spec = APIShape.spec(of: kind, apiVersion: object.apiVersion)
    {
      if let value = object.node[.spec], !value.isNull {
        walk.check(value, spec.shape, &report)
      } else if let value = object.node[.spec] {
        // Written out as null: the author left it empty.
        if spec.required {
          walk.problem(
            value, "has spec: null, but a \(object.kind) needs a spec: the API server rejects it",
            &report)
        }
      } else if spec.required {
        walk.absent("spec", in: object.node, at: object.kindNode, &report)
      }
    }
    if object.resourceKind == .ingress && object.apiVersion == "networking.k8s.io/v1" {
      checkBackends(object, &walk, &report)
    }
    checkVolumeMounts(object, &walk, &report)
    checkResources(object, &walk, &report)
    // A Service balances ports: one with none is rejected ("spec.ports: Required value"),
    // unless it is headless or an ExternalName.
    if let service = Service(object), let spec = object.spec, spec.isMapping,
      spec[.ports] == nil, !service.isHeadless, service.type != "ExternalName"
    {
      walk.absent("ports", in: spec, at: service.typeNode ?? object.kindNode, &report)
    }
  }

  /// A container mounts a volume by name; a name the pod's `volumes` (or a StatefulSet's
  /// claim templates) do not have is rejected ("volumeMounts[0].name: Not found"). With no
  /// `volumes` at all the file may be a fragment that a patch completes: information.
  private func checkVolumeMounts(
    _ object: KubeObject, _ walk: inout ShapeWalk, _ report: inout ObjectReport
  ) {
    guard let spec = object.podSpec, !report.objectMayBePartial else { return }
    let mounts = spec.containers.flatMap { container in
      container.node.items(.volumeMounts).compactMap { mount in
        mount.scalar(.name).flatMap { name in name.string.map { (container, name, $0) } }
      }
    }
    guard !mounts.isEmpty else { return }
    let volumes =
      spec.volumes.compactMap(\.name)
      + object.volumeClaimTemplates.compactMap { $0[.metadata]?.scalar(.name)?.string }
    // A pod declares a few volumes: a list to search; a hostile one thousands: a set, lest
    // every mount scan every volume.
    let declared = volumes.count > 16 ? Set(volumes) : nil
    // Named in each message, made once: at most ten, sorted.
    var listing: String?
    for (container, nameNode, name) in mounts
    where !(declared?.contains(name) ?? volumes.contains(name)) {
      let who = container.displayName
      if volumes.isEmpty {
        walk.problem(
          nameNode,
          "has \(who) mount volume \"\(name)\", but the pod declares no volumes: applied as it "
            + "is, the API server rejects the object (unless a patch adds the volume)",
          &report, adjustment: .info)
      } else {
        if listing == nil {
          let names = Set(volumes).sorted()
          listing = names.prefix(10).joined(separator: ", ") + (names.count > 10 ? ", …" : "")
        }
        walk.problem(
          nameNode,
          "has \(who) mount volume \"\(name)\", which is not among the pod's volumes ("
            + listing! + "): the API server rejects the object (volumeMounts.name: Not found)",
          &report)
      }
    }
  }

  /// A container's requests and limits are at least zero, and a request is at most its
  /// limit: the API server rejects others ("must be greater than or equal to 0", "must be
  /// less than or equal to cpu limit"). Quantities it cannot read are the shape walk's.
  private func checkResources(
    _ object: KubeObject, _ walk: inout ShapeWalk, _ report: inout ObjectReport
  ) {
    guard let spec = object.podSpec else { return }
    for container in spec.containers {
      guard let resources = container.node.mapping(.resources) else { continue }
      let limits = resources.mapping(.limits)?.pairs ?? .none
      let requests = resources.mapping(.requests)?.pairs ?? .none
      for (key, value) in limits {
        checkNotNegative(key, value, isLimit: true, of: container, &walk, &report)
      }
      // A few resources each: each request looks for its limit among them (a hostile map of
      // thousands is not compared, lest that be quadratic).
      let comparesLimits = limits.count <= 64
      for (key, value) in requests {
        guard
          let request = checkNotNegative(key, value, isLimit: false, of: container, &walk, &report),
          comparesLimits
        else { continue }
        let limitNode = limits.first { limitKey, _ in Self.sameText(key, limitKey) }?.value
        let limit = limitNode.flatMap(Self.quantity)
        // A margin relative to the limit: two spellings of one amount (`0.1`, `100m`) are
        // equal to the API server, and may not be to a Double. (Relative to the request, a
        // request of hundreds of digits, infinite here, had an infinite margin.)
        let margin = abs(limit ?? 0) * 1e-9
        let rejected = "the API server rejects the object"
        if !key.withScalarBytes(Self.allowsOvercommit) {
          // Huge pages and extended resources (`nvidia.com/gpu`) are not overcommitted: a
          // request needs a limit, and equals it.
          let name = Self.quoted(key)
          if limitNode == nil, !report.objectMayBePartial {
            walk.problem(
              value,
              "has \(container.displayName) request of \(name) without a limit, which a "
                + "resource that cannot be overcommitted needs: \(rejected) (Limit must be set "
                + "for non overcommitable resources); set the limit to the request", &report)
          } else if let limit, limit >= 0, request != limit, !(abs(request - limit) <= margin) {
            walk.problem(
              value,
              "has \(container.displayName) request of \(name) (\(Self.quoted(value))) other "
                + "than its limit (\(limitNode.map(Self.quoted) ?? "")), which a resource that cannot be "
                + "overcommitted needs equal: \(rejected) (must be equal to \(name) limit)",
              &report)
          }
        } else if let limit, limit >= 0, request > limit + margin {
          let name = Self.quoted(key)
          walk.problem(
            value,
            "has \(container.displayName) request of \(name) (\(Self.quoted(value))) above its "
              + "limit (\(limitNode.map(Self.quoted) ?? "")): \(rejected) (must be less than or equal to "
              + "\(name) limit); raise the limit or lower the request", &report)
        }
      }
    }
  }

  /// Whether the API server lets a resource's requests exceed what nodes have
  /// (`IsOvercommitAllowed`): a native resource (no domain, or `kubernetes.io/`'s) other than
  /// huge pages.
  private static func allowsOvercommit(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
    if name.starts(with: "hugepages-".utf8) { return false }
    guard name.contains(UInt8(ascii: "/")) else { return true }
    return name.indices.contains { name[$0...].starts(with: kubernetesDomain) }
  }

  /// Reports a quantity below zero; returns the quantity.
  @discardableResult
  private func checkNotNegative(
    _ key: Node, _ value: Node, isLimit: Bool, of container: Container,
    _ walk: inout ShapeWalk, _ report: inout ObjectReport
  ) -> Double? {
    guard let amount = Self.quantity(value) else { return nil }
    if amount < 0 {
      walk.problem(
        value,
        "has \(container.displayName) \(isLimit ? "limit" : "request") of \(Self.quoted(key)) "
          + "(\(Self.quoted(value))) below zero: the API server rejects the object (must be "
          + "greater than or equal to 0)", &report)
    }
    return amount
  }

  /// A scalar the messages quote, clipped as other messages clip input (a quantity may be
  /// a megabyte of digits).
  private static func quoted(_ node: Node) -> String { InputText.clipped(node.string ?? "") }

  private static let kubernetesDomain = Array("kubernetes.io/".utf8)

  private static func quantity(_ node: Node) -> Double? {
    guard node.isScalar, !node.isNull else { return nil }
    return node.withScalarBytes { ResourceQuantity.value($0) }
  }

  private static func sameText(_ first: Node, _ second: Node) -> Bool {
    first.withScalarBytes { one in second.withScalarBytes { one.elementsEqual($0) } }
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
  /// The object's root: messages name fields by their path from it (`spec.containers[0]`),
  /// found from the node's parents only for a finding.
  let root: Node

  init(root: Node) { self.root = root }

  private func path(_ node: Node) -> String { node.path(below: root, namingItems: false) }

  mutating func problem(
    _ node: Node, _ message: String, _ report: inout ObjectReport,
    adjustment: SeverityAdjustment = .standard
  ) {
    guard count < Schema.limit else { return }
    count += 1
    report.report(node, message, adjustment: adjustment)
  }

  /// A required field that is not written at all. Nothing for a Kustomize patch or resource,
  /// which Kustomize completes (`commonLabels` adds a selector). A field of an object may be
  /// left to something that completes the file before it is applied (server-side apply, a
  /// patch no kustomization of the run names), so that is information; an item of a list
  /// (an env entry without a name, a port without containerPort) is its own whole and is
  /// rejected as written.
  mutating func absent(
    _ field: String, in mapping: Node, at node: Node, _ report: inout ObjectReport
  ) {
    guard !report.objectMayBePartial else { return }
    let path = self.path(mapping)
    let written = path.isEmpty ? field : path + "." + field
    if mapping.parent?.isSequence == true {
      problem(
        node, "has no \(written), which is required: the API server rejects the object", &report)
      return
    }
    problem(
      node,
      "has no \(written), which is required: applied as it is, the API server rejects the "
        + "object (unless this file is a fragment that a patch or server-side apply completes)",
      &report, adjustment: .info)
  }

  /// The key a mapping is the value of (`spec:` for the spec), where a field it lacks is
  /// looked for; the mapping itself starts at its first field, which is no place for it.
  static func key(of mapping: Node) -> Node {
    guard let parent = mapping.parent, parent.isMapping else { return mapping }
    return parent.pairs.first { $0.value.id == mapping.id }?.key ?? mapping
  }

  /// Checks `node` against `shape`.
  mutating func check(_ node: Node, _ shape: APIShape, _ report: inout ObjectReport) {
    node.withTreeView { view in check(node.id, Unmanaged.passUnretained(shape), view, &report) }
  }

  /// Shapes live in static tables as long as the process: the walk reads them through
  /// unretained references (see `APIShape.fieldsByKey`).
  private mutating func check(
    _ id: NodeID, _ shape: Unmanaged<APIShape>, _ view: TreeView, _ report: inout ObjectReport
  ) {
    shape._withUnsafeGuaranteedRef { shape in check(id, shape, view, &report) }
  }

  /// The walk itself, by node id: it visits every value of the object, and ids need no
  /// reference counting (see `TreeView`). A `Node` is made only for a finding.
  private mutating func check(
    _ id: NodeID, _ shape: APIShape, _ view: TreeView, _ report: inout ObjectReport
  ) {
    if case .any = shape.kind { return }
    let type = view.jsonType(id)
    // Null is "unset" to the API's decoder: fine wherever the field is optional.
    guard type != .null else { return }
    let rejected = "the API server rejects the object"
    switch shape.kind {
    case .any:
      return  // (above)
    case .string:
      expect(id, type == .string, "text", type, &report)
    case .integer:
      guard expect(id, type == .integer, "a whole number", type, &report) else { return }
      guard let range = shape.range else { return }
      let node = self.node(id)
      if let value = node.int, !range.contains(value) {
        problem(
          node,
          "has \(path(node)) \(value), outside \(range.lowerBound)…\(range.upperBound): \(rejected)",
          &report)
      }
    case .boolean:
      expect(id, type == .boolean, "true or false", type, &report)
    case .intOrString:
      expect(id, type == .integer || type == .string, "a number or a name", type, &report)
    case .quantity:
      // Text the API's quantity parser reads (`1Gb`, `1gi` and `0x10` it does not).
      // Text beyond ASCII (a no-break space the decoder trims) is left alone.
      let holds =
        type == .integer || type == .number
        || (type == .string
          && node(id).withScalarBytes {
            ResourceQuantity.value($0) != nil || $0.contains { $0 >= 0x80 }
          })
      if !holds, type == .string, let text = node(id).string,
        !text.utf8.contains(where: { (0x30...0x39).contains($0) }), !Self.isPlaceholder(text)
      {
        // No number at all (`__MEM__`, `((memory))`): a placeholder of some tool, most likely.
        let node = self.node(id)
        problem(
          node,
          "has \(path(node)) = \"\(InputText.clipped(text))\", which holds no number where the API expects a "
            + "quantity such as 500m or 1Gi: if it is a placeholder for a tool to fill in, lint "
            + "the manifest as it is applied; if not, the API server rejects the object",
          &report, adjustment: .info)
        return
      }
      expect(id, holds, "a quantity such as 500m or 1Gi", type, &report)
    case .stringMap:
      guard expect(id, type == .object, "a map of text values", type, &report) else { return }
      for index in 0..<view.childCount(id) {
        let value = view.value(id, pair: index)
        let valueType = view.jsonType(value)
        guard valueType != .string && valueType != .null else { continue }
        let valueNode = node(value)
        problem(
          valueNode,
          "has \(path(valueNode)) = \(describe(valueNode, valueType)), but \(path(node(id))) "
            + "holds text only: \(rejected); quote the value", &report)
      }
    case .mapOf:
      guard expect(id, type == .object, "a map", type, &report),
        let values = shape.unretainedElement
      else { return }
      for index in 0..<view.childCount(id) {
        check(view.value(id, pair: index), values, view, &report)
      }
    case .object:
      guard expect(id, type == .object, "a map of fields", type, &report) else { return }
      if !shape.requiredKeys.isEmpty { checkRequired(node(id), shape, &report) }
      for index in 0..<view.childCount(id) {
        let ordinal = view.keyOrdinal(id, pair: index)
        guard ordinal >= 0, let key = Key(rawValue: UInt8(ordinal)),
          let fieldShape = shape.unretainedField(key)
        else { continue }
        check(view.value(id, pair: index), fieldShape, view, &report)
      }
    case .list:
      guard expect(id, type == .array, "a list", type, &report),
        let items = shape.unretainedElement
      else { return }
      let count = view.childCount(id)
      if shape.nonEmpty && count == 0 {
        let node = self.node(id)
        problem(
          node, "has an empty \(path(node)), which needs at least one item: \(rejected)", &report)
      }
      let itemsAreObjects = items._withUnsafeGuaranteedRef { $0.kind == .object }
      for index in 0..<count {
        let item = view.item(id, index)
        if itemsAreObjects, view.jsonType(item) == .null {
          let itemNode = node(item)
          problem(
            itemNode,
            "has an empty item \(path(itemNode)) (a `-` with nothing after it): \(rejected)",
            &report)
          continue
        }
        check(item, items, view, &report)
      }
    }
  }

  /// Reports each required field of `shape` that `node` lacks or leaves null.
  private mutating func checkRequired(
    _ node: Node, _ shape: APIShape, _ report: inout ObjectReport
  ) {
    for key in shape.requiredKeys {
      if let value = node[key] {
        if value.isNull {
          problem(
            value,
            "has \(path(value)) = null, but it is required: the API server rejects the object",
            &report)
        }
      } else {
        absent(key.text, in: node, at: Self.key(of: node), &report)
      }
    }
  }

  private func node(_ id: NodeID) -> Node { root.tree.node(id) }

  /// Reports `node` unless `holds`; returns `holds`.
  @discardableResult
  private mutating func expect(
    _ id: NodeID, _ holds: Bool, _ expected: String, _ type: JSONType,
    _ report: inout ObjectReport
  ) -> Bool {
    guard !holds else { return true }
    let node = self.node(id)
    if type == .string, expected != "text", let text = node.string, Self.isPlaceholder(text) {
      problem(
        node,
        "has \(path(node)) = \"\(text)\", which looks like a placeholder for a tool to fill in (the API "
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
      "has \(path(node)) = \(describe(node, type)) where the API expects \(expected): the API server "
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
