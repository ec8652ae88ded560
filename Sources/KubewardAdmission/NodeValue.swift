import KubewardCEL
import KubewardModel
import KubewardYAML

/// A manifest's YAML nodes as CEL values, read in place: a mapping is a CEL map, a sequence a
/// list, scalars the JSON values Kubernetes decodes them to (a plain `3` is an int, as the API
/// server feeds it to CEL, `"3"` a string, `3.5` a double, `yes` a bool). Nothing is copied:
/// evaluating `object.spec.replicas` looks up two keys.
///
/// The values hold their nodes uncounted (`UncountedNode`): whoever makes one keeps the
/// document alive while it is read (a check's object and context, a session's documents).
enum NodeValue {
  static func value(_ node: Node) -> Value {
    value(UncountedNode(node))
  }

  static func value(_ node: UncountedNode) -> Value {
    switch node.kind {
    case .mapping: return .map(NodeMap(node))
    case .sequence: return .list(NodeList(node))
    case .scalar: return node.withNode(scalar)
    }
  }

  static func scalar(_ node: Node) -> Value {
    switch node.jsonType {
    case .null: return .null
    case .boolean: return .bool(node.bool ?? false)
    case .integer:
      if let number = node.int { return .int(Int64(number)) }
      return .string(node.string ?? "")
    case .number:
      if let unsigned = node.withScalarBytes(YAMLNumber.unsignedBeyondInt) {
        return .double(Double(unsigned))
      }
      let text = (node.string ?? "").filter { $0 != "_" }
      if let number = Double(text) { return .double(number) }
      switch text.lowercased() {
      case ".inf", "+.inf": return .double(.infinity)
      case "-.inf": return .double(-.infinity)
      case ".nan": return .double(.nan)
      default: return .string(node.string ?? "")
      }
    default:
      return .string(node.sharedString ?? "")
    }
  }

  /// The field a CEL name stands for: Kubernetes escapes property names that are not CEL
  /// identifiers (`x-kubernetes-id` is `x__dash__kubernetes__dash__id`, `namespace` …
  /// `__namespace__`), and so may a policy.
  static func unescapedPropertyName(_ name: String) -> String? {
    // Every read of a field the object lacks asks: a byte scan, not a substring search.
    guard name.withUTF8Bytes(hasDoubleUnderscore) else { return nil }
    if name.hasPrefix("__"), name.hasSuffix("__"), name.count > 4 {
      let inner = String(name.dropFirst(2).dropLast(2))
      if reservedWords.contains(inner) { return inner }
    }
    var result = ""
    var rest = Substring(name)
    while let range = rest.firstRange(of: "__") {
      result += rest[..<range.lowerBound]
      let after = rest[range.upperBound...]
      var matched = false
      for (escape, text) in escapes where after.hasPrefix(escape) {
        result += text
        rest = after.dropFirst(escape.count)
        matched = true
        break
      }
      if !matched {
        result += "__"
        rest = after
      }
    }
    result += rest
    return result == name ? nil : result
  }

  /// Whether `bytes` hold `__`. A byte that is not `_` belongs to no such pair, so the scan
  /// looks at every other byte, and back one where it finds a `_`.
  static func hasDoubleUnderscore(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    let underscore = UInt8(ascii: "_")
    var index = 1
    while index < bytes.count {
      if bytes[index] != underscore {
        index += 2
      } else if bytes[index - 1] == underscore {
        return true
      } else {
        index += 1
      }
    }
    return false
  }

  private static let escapes: [(String, String)] = [
    ("underscores__", "__"), ("dot__", "."), ("dash__", "-"), ("slash__", "/"),
  ]

  private static let reservedWords: Set<String> = [
    "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for",
    "function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void",
    "while",
  ]
}

extension UncountedNode {
  /// The node as a `HostLocation`: its tree's address and its id.
  var hostLocation: HostLocation {
    HostLocation(container: UnsafeRawPointer(treeAddress), place: Int(nodeID))
  }
}

/// A YAML mapping as a CEL map. Keys are strings; a key written twice is the YAML reader's
/// business (it reports it), and its last value is read, as the API server's decoder reads it.
struct NodeMap: MapValue {
  let handle: UncountedNode
  var node: Node { handle.node }

  init(_ handle: UncountedNode) { self.handle = handle }
  init(node: Node) { handle = UncountedNode(node) }

  var count: Int { node.pairs.count }
  var hostLocation: HostLocation? { handle.hostLocation }

  func value(for key: Value) -> Value? {
    guard case .string(let name) = key else { return nil }
    return Self.child(of: handle, named: name).map(NodeValue.value)
  }

  func contains(_ key: Value) -> Bool {
    guard case .string(let name) = key else { return false }
    return Self.child(of: handle, named: name) != nil
  }

  /// The node holding `key`'s value, for pointing at what a validation read.
  func child(for key: Value) -> Node? {
    guard case .string(let name) = key else { return nil }
    return Self.child(of: handle, named: name)?.node
  }

  var keys: [Value] {
    node.pairs.map { .string($0.key.string ?? "") }
  }

  func select(path fields: [String], from start: Int) -> (value: Value, followed: Int)? {
    walk(fields, from: start).map { (NodeValue.value($0.node), $0.followed) }
  }

  func selectTracing(path fields: [String], from start: Int)
    -> (value: Value, followed: Int, lastRead: HostLocation)?
  {
    walk(fields, from: start).map {
      (NodeValue.value($0.node), $0.followed, $0.parent.hostLocation)
    }
  }

  /// The node `fields` from `start` on lead to, the mapping its field was read from, and how
  /// many fields were followed; `nil` when none was.
  @inline(__always)
  private func walk(_ fields: [String], from start: Int)
    -> (node: UncountedNode, parent: UncountedNode, followed: Int)?
  {
    var node = handle
    var parent = handle
    var followed = 0
    while start + followed < fields.count, node.isMapping,
      let child = Self.child(of: node, named: fields[start + followed])
    {
      parent = node
      node = child
      followed += 1
    }
    return followed == 0 ? nil : (node, parent, followed)
  }

  static func child(of node: UncountedNode, named name: String) -> UncountedNode? {
    if let value = node.value(forKey: name) { return value }
    if let plain = NodeValue.unescapedPropertyName(name) { return node.value(forKey: plain) }
    return nil
  }
}

/// A YAML sequence as a CEL list.
struct NodeList: ListValue {
  let handle: UncountedNode
  var node: Node { handle.node }

  init(_ handle: UncountedNode) { self.handle = handle }

  var count: Int { handle.itemCount }
  var hostLocation: HostLocation? { handle.hostLocation }

  func element(at index: Int) -> Value { NodeValue.value(handle.item(at: index)) }
}

/// What the API server adds to an object before admission policies see it, where the
/// manifest leaves it out: the request's namespace, and the defaults of the fields policies
/// read most (Kubernetes' `SetDefaults_*`: a Deployment's `replicas` is 1, a container's
/// `imagePullPolicy` follows its tag, a Service is `ClusterIP`, a Role's `rules` null …).
/// Without them `object.spec.replicas <= 5`, the documentation's own example, was an error on
/// every Deployment an autoscaler sizes.
///
/// A tree of classes searched by a short scan: every field an expression reads from a
/// defaulted object asks it, and hashing the name cost more than comparing a few.
final class APIDefaults: Sendable {
  enum Kind: Sendable {
    case value(Value)
    /// Worked out from the mapping that lacks the field; `nil` when it stays missing.
    case computed(@Sendable (Node) -> Value?)
    /// Worked out from the mapping that holds the field, written or not (a Pod's `requests`,
    /// filled in from its `limits`); `nil` when it is as written.
    case merged(@Sendable (Node) -> Value?)
    case fields
    /// Every item of a sequence.
    case items
    /// A `resource.Quantity`: its canonical text (see `QuantityText`), rounded so.
    case quantity(QuantityText.Rounding)
  }

  let kind: Kind
  let fieldDefaults: [(name: String, defaults: APIDefaults)]
  /// The defaults of every field not named in `fieldDefaults` (a `ResourceList`'s
  /// quantities, whatever the resources' names), and that unmanaged, as `fieldChildren`.
  private let anyFieldDefaults: APIDefaults?
  private let anyField: Unmanaged<APIDefaults>?
  let item: APIDefaults?
  /// `kind` without its payload: `wrap` asks it of every value it makes, and copying the
  /// kind (a value or a closure) to match it cost more than the rest of the wrapping.
  private let holdsFields: Bool
  private let holdsItems: Bool
  /// The rounding of a `quantity`, `nil` for any other kind.
  private let quantityRounding: QuantityText.Rounding?
  /// Whether `kind` is `merged`: a written value is not the field's.
  let mergesWritten: Bool
  /// Whether a missing field of kind `fields` is its fields' defaults (a struct, or a pointer
  /// the API server fills in), or stays missing (a pointer: a Probe).
  private let materializesWhenMissing: Bool
  /// The fields that, written as null, are left out: the `omitempty` ones of the Go type
  /// (`annotations:` left empty is no annotations). The API server decodes the object into
  /// its type and hands policies that as unstructured (`ToUnstructured`), which leaves out an
  /// `omitempty` field that is nil. Named, not any null: `size()` of the mapping then asks a
  /// few names, where counting the nulls of a hostile metadata of 100 000 keys was a scan
  /// for every call.
  let nullsLeftOut: [String]

  func leavesOut(_ name: String) -> Bool { nullsLeftOut.contains(name) }
  /// Those of `nullsLeftOut` that are not pointers (strings, numbers, booleans, maps, lists),
  /// which `ToUnstructured` also leaves out when empty: `hostNetwork: false`, `hostPort: 0`,
  /// `name: ""`, `labels: {}`, `volumes: []` are as good as left out.
  let emptiesLeftOut: [String]
  /// `fieldDefaults` taken apart, for `field(_:)`'s scan: the names' lengths side by side
  /// (most names differ in length, and comparing two Ints is the whole test), then the name
  /// and the defaults of an entry whose length matches.
  private let fieldNameLengths: [Int]
  private let fieldNames: [String]
  /// Unmanaged: the trees are static and never freed (see `byKind`), and a walk down one
  /// counted a reference at every field.
  private let fieldChildren: [Unmanaged<APIDefaults>]

  private init(
    _ kind: Kind, fields: [(name: String, defaults: APIDefaults)] = [], item: APIDefaults? = nil,
    anyField: APIDefaults? = nil, nullsLeftOut: [String] = [], emptiesLeftOut: [String] = [],
    whenMissing: Bool = true
  ) {
    self.materializesWhenMissing = whenMissing
    self.nullsLeftOut = nullsLeftOut
    self.emptiesLeftOut = emptiesLeftOut
    self.kind = kind
    self.fieldDefaults = fields
    self.item = item
    self.anyFieldDefaults = anyField
    self.anyField = anyField.map { .passUnretained($0) }
    // A merged value's written fields have defaults too (a Pod's written `requests`, an
    // `emptyDir`'s `sizeLimit`).
    if case .fields = kind {
      holdsFields = true
    } else {
      holdsFields = anyField != nil || !fields.isEmpty
    }
    if case .quantity(let rounding) = kind {
      quantityRounding = rounding
    } else {
      quantityRounding = nil
    }
    // A computed list's written items have defaults too (an autoscaler's `metrics`).
    if case .items = kind { holdsItems = true } else { holdsItems = item != nil }
    if case .merged = kind { mergesWritten = true } else { mergesWritten = false }
    fieldNameLengths = fields.map(\.name.utf8.count)
    fieldNames = fields.map(\.name)
    fieldChildren = fields.map { Unmanaged.passUnretained($0.defaults) }
    // Every tree lives in a static table to the end of the process (see below): each value
    // an evaluation reads with defaults counted references to its tree's nodes.
    ProcessLifetime.keep(self)
  }

  // Private: every tree is made here, in a static table, and lives as long as the process
  // (`DefaultedMap` holds them unowned).
  private static func value(_ value: Value) -> APIDefaults { APIDefaults(.value(value)) }

  private static func computed(_ make: @escaping @Sendable (Node) -> Value?) -> APIDefaults {
    APIDefaults(.computed(make))
  }

  private static func fields(_ fields: KeyValuePairs<String, APIDefaults>) -> APIDefaults {
    APIDefaults(.fields, fields: fields.map { (name: $0.key, defaults: $0.value) })
  }

  /// `fields`, of a Go type whose `omitempty` fields are `pointers` (left out when null) and
  /// `values` (left out when empty too): see `nullsLeftOut` and `emptiesLeftOut`. A field of
  /// a pointer type (`whenMissing` false) gets its fields' defaults only when written.
  private static func typed(
    _ fields: KeyValuePairs<String, APIDefaults> = [:], pointers: [String] = [],
    values: [String] = [], whenMissing: Bool = true
  ) -> APIDefaults {
    APIDefaults(
      .fields, fields: fields.map { (name: $0.key, defaults: $0.value) },
      nullsLeftOut: pointers + values, emptiesLeftOut: values, whenMissing: whenMissing)
  }

  /// Whether `node` is what Go decodes to an empty value of its field's type: null, an empty
  /// string, `false`, zero, or an empty map or list.
  static func isEmpty(_ node: Node) -> Bool {
    switch node.kind {
    case .scalar:
      // The length first: an empty value is written in at most five bytes (`false`, `0x0`),
      // and most values are longer.
      switch node.scalarByteCount {
      case 0: true
      case 1...5: node.isNull || node.bool == false || node.int == 0
      default: false
      }
    case .mapping, .sequence: node.childCount == 0
    }
  }

  private static func items(_ item: APIDefaults) -> APIDefaults { APIDefaults(.items, item: item) }

  /// The defaults of field `name`, when it has any.
  func field(_ name: String) -> APIDefaults? {
    unretainedField(name)?.takeUnretainedValue()
  }

  /// `field(_:)`, uncounted.
  func unretainedField(_ name: String) -> Unmanaged<APIDefaults>? {
    // By index: iterating copied each entry, a retain of its name and defaults. Lengths
    // first: `==` on two different strings takes Unicode's slow path, and most names differ.
    let length = name.utf8.count
    return fieldNameLengths.withUnsafeBufferPointer { lengths in
      for index in lengths.indices where lengths[index] == length && fieldNames[index] == name {
        return fieldChildren[index]
      }
      return anyField
    }
  }

  /// Where the API server puts an object as it creates it (`rest.BeforeCreate`, which runs
  /// before validating admission).
  enum Placement {
    /// In `namespace`: the request's, which an object written without one gets.
    case namespace(String)
    /// Cluster-scoped: a namespace written on it is cleared.
    case cluster
    /// Unknown (an object read without its resource): as written.
    case asWritten
  }

  /// The object of `apiVersion` and `kind` as admission sees it: `node` itself when nothing is
  /// added. Defaults are Kubernetes' own kinds' (by group: a Knative Service is no Service).
  static func object(_ node: Node, apiVersion: String, kind: String, placement: Placement)
    -> Value
  {
    guard node.isMapping else { return NodeValue.value(node) }
    // By bytes (`APIVersion.group`): a search for the slash by Character segmented graphemes.
    let defaults = kindDefaults(group: APIVersion.group(of: apiVersion), kind: kind) ?? anyKind
    let object = DefaultedMap(UncountedNode(node), defaults: defaults)
    guard let metadata = node.value(forKey: "metadata"), metadata.isMapping else {
      return .map(object)
    }
    let written = metadata.value(forKey: "namespace")
    let unset = written.map(isUnset) ?? true
    switch placement {
    // Not written, or written otherwise (a kustomization's namespace replaces it).
    case .namespace(let namespace) where unset || written?.string != namespace:
      return .map(NamespacedObject(object: object, namespace: namespace))
    case .cluster where !unset:
      return .map(NamespacedObject(object: object, namespace: nil))
    default:
      return .map(object)
    }
  }

  /// Whether an `omitempty` string of `ObjectMeta` (`name`, `namespace`, …) written as `node`
  /// is as good as left out: null or empty, which the API server decodes as nothing.
  static func isUnset(_ node: Node) -> Bool {
    node.isNull || (node.isScalar && node.scalarByteCount == 0)
  }

  /// `metadata`: no defaults, and its nulls are fields left out (see `nullsLeftOut`), but
  /// `creationTimestamp`, a struct the API server sends as null.
  static let metadata = APIDefaults(
    .fields,
    nullsLeftOut: [
      "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
      "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
      "ownerReferences", "finalizers", "managedFields",
    ],
    emptiesLeftOut: [
      "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
      "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ])

  /// An object's own `metadata`: `metadata`'s, and the name the API server gives an object
  /// created with `generateName` (`GeneratedName`). A pod template's has no such name.
  static let objectMetadata = APIDefaults(
    .fields, fields: [(name: "name", defaults: .computed(GeneratedName.value(in:)))],
    nullsLeftOut: metadata.nullsLeftOut, emptiesLeftOut: metadata.emptiesLeftOut)

  /// A Namespace's `metadata`: the API server labels it with its name as it creates it
  /// (`kubernetes.io/metadata.name`), before admission.
  private static let namespaceMetadata: APIDefaults = {
    let nameLabel = "kubernetes.io/metadata.name"
    @Sendable func name(ofMetadata metadata: Node?) -> Value? {
      metadata?["name"]?.string.map(Value.string)
    }
    let labels = APIDefaults(
      .fields,
      fields: [(name: nameLabel, defaults: .computed { labels in name(ofMetadata: labels.parent) })]
    )
    return APIDefaults(
      .fields,
      fields: [
        (name: "name", defaults: .computed(GeneratedName.value(in:))),
        (
          name: "labels",
          // Labels or none, the name's label is there (`SetDefaults_Namespace`).
          defaults: APIDefaults(
            .computed { metadata in
              name(ofMetadata: metadata).map { name in
                var map = DictionaryMap()
                map.insert(.string(nameLabel), name)
                return .map(map)
              }
            }, fields: labels.fieldDefaults)
        ),
      ],
      nullsLeftOut: metadata.nullsLeftOut, emptiesLeftOut: metadata.emptiesLeftOut)
  }()

  /// The object of a kind without defaults of its own (a custom resource's too: its metadata
  /// is an `ObjectMeta` all the same).
  private static let anyKind = APIDefaults.fields(["metadata": objectMetadata])

  /// The value a missing field gets: `nil` when it stays missing.
  func materialized(in parent: Node) -> Value? {
    switch kind {
    case .value(let value): return value
    case .computed(let make), .merged(let make): return make(parent)
    case .fields:
      guard materializesWhenMissing else { return nil }
      var map = DictionaryMap()
      for (key, field) in fieldDefaults {
        if case .value(let value) = field.kind { map.insert(.string(key), value) }
      }
      return .map(map)
    case .items, .quantity: return nil
    }
  }

  static func wrap(_ node: UncountedNode, _ defaults: APIDefaults?) -> Value {
    guard let defaults else { return NodeValue.value(node) }
    switch node.kind {
    case .mapping where defaults.holdsFields: return .map(DefaultedMap(node, defaults: defaults))
    case .sequence where defaults.holdsItems:
      guard let item = defaults.item else { return NodeValue.value(node) }
      return .list(DefaultedList(node, item: item))
    case .scalar where defaults.quantityRounding != nil:
      return node.withNode { node in
        QuantityText.canonical(node, rounding: defaults.quantityRounding!).map(Value.string)
          ?? NodeValue.scalar(node)
      }
    default: return NodeValue.value(node)
    }
  }

  /// A Service spec's `type`, `ClusterIP` unless given.
  private static func serviceType(_ spec: Node) -> String {
    // Written empty, it is left out (`omitempty`), then defaulted.
    spec.scalar(.type)?.string.flatMap { $0.isEmpty ? nil : $0 } ?? "ClusterIP"
  }

  // The `omitempty` fields below are those of k8s.io/api's Go types (`pointers` and
  // `values`, see `typed`); a field of a struct type is never left out.
  /// A probe (`SetDefaults_Probe`, `SetDefaults_HTTPGetAction`): a pointer, defaulted when
  /// written.
  private static let probe: APIDefaults = .typed(
    [
      "timeoutSeconds": .value(.int(1)), "periodSeconds": .value(.int(10)),
      "successThreshold": .value(.int(1)), "failureThreshold": .value(.int(3)),
      "httpGet": .typed(
        ["path": .value(.string("/")), "scheme": .value(.string("HTTP"))],
        pointers: ["protocol"], values: ["path", "host", "scheme", "httpHeaders"],
        whenMissing: false),
    ], pointers: ["exec", "httpGet", "tcpSocket", "grpc", "terminationGracePeriodSeconds"],
    values: [
      "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
      "failureThreshold",
    ], whenMissing: false)

  /// A `resource.Quantity`, sent as its canonical text.
  private static let quantity = APIDefaults(.quantity(.nano))
  /// A `ResourceList`'s quantity, rounded up to milli units first.
  private static let resourceQuantity = APIDefaults(.quantity(.milli))
  /// A `ResourceList` (`limits`, `requests`, `overhead`, `hard` …): a quantity per resource.
  private static let resourceList = APIDefaults(
    .fields, anyField: resourceQuantity, whenMissing: false)
  /// A `ResourceRequirements` that is a pointer (a pod's own `resources`, a claim's).
  private static let resourceRequirements: APIDefaults = .typed(
    ["limits": resourceList, "requests": resourceList], values: ["limits", "requests", "claims"],
    whenMissing: false)

  /// A Pod's container's `requests`: those written, and each of its limits they lack
  /// (`SetDefaults_Pod`); `nil` (as written) without limits.
  @Sendable private static func requestsFromLimits(_ resources: Node) -> Value? {
    mergedResources(of: resources, ["requests", "limits"])
  }

  /// The `ResourceList`s `names` of `parent` merged, a resource taking its value from the
  /// first list that has it; `nil` (the first as written) when no other list has a resource.
  /// A hostile list of more than `mergedResources` names is left as written: the merge is
  /// made for every read.
  private static func mergedResources(of parent: Node, _ names: [String]) -> Value? {
    let lists = names.map { name in parent.value(forKey: name).flatMap { $0.isMapping ? $0 : nil } }
    guard lists.dropFirst().contains(where: { ($0?.pairs.count ?? 0) > 0 }),
      lists.allSatisfy({ ($0?.pairs.count ?? 0) <= mergedResources })
    else { return nil }
    var merged = DictionaryMap()
    for case let list? in lists {
      for pair in list.pairs {
        let key = Value.string(pair.key.string ?? "")
        if merged.value(for: key) == nil {
          merged.insert(key, wrap(UncountedNode(pair.value), resourceQuantity))
        }
      }
    }
    return .map(merged)
  }
  static let mergedResources = 64

  /// A LimitRange's item (`SetDefaults_LimitRangeItem`): for containers, `default` takes what
  /// it lacks from `max`, then `defaultRequest` from that `default` and from `min`.
  private static let limitRangeItem: APIDefaults = {
    @Sendable func ofContainers(_ item: Node) -> Bool { item.scalar(.type)?.string == "Container" }
    let limit = APIDefaults(
      .merged { item in
        ofContainers(item) ? mergedResources(of: item, ["default", "max"]) : nil
      }, anyField: resourceQuantity)
    let request = APIDefaults(
      .merged { item in
        ofContainers(item)
          ? mergedResources(of: item, ["defaultRequest", "default", "max", "min"]) : nil
      }, anyField: resourceQuantity)
    let names = ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"]
    return .typed(
      [
        "max": resourceList, "min": resourceList, "default": limit, "defaultRequest": request,
        "maxLimitRequestRatio": resourceList,
      ], values: names)
  }()

  /// With `hostNetwork`, a Pod's container port's `hostPort` is its `containerPort`
  /// (`SetDefaults_Pod`): the port's mapping is four levels under the pod's spec. (A port
  /// list written once and aliased into another pod reads the spec it is written in.)
  @Sendable private static func hostNetworkPort(_ port: Node) -> Value? {
    guard let spec = port.parent?.parent?.parent?.parent,
      spec.scalar(.hostNetwork)?.bool == true, let containerPort = port.scalar(.containerPort)?.int
    else { return nil }
    return .int(Int64(containerPort))
  }

  private static let podContainer = container(ofPod: true)
  private static let templateContainer = container(ofPod: false)

  /// A container; a Pod's gets its requests from its limits, and its host ports from its
  /// ports under `hostNetwork` (`SetDefaults_Pod`, which a pod template does not get).
  private static func container(ofPod: Bool) -> APIDefaults {
    .typed(
      [
        "imagePullPolicy": .computed { container in
          // `latest`, written or implied (no tag, no digest), is pulled always. A reference longer
          // than any registry takes is none (and is not copied for every read).
          guard let node = container["image"], node.scalarByteCount <= 4_096 else {
            return .string("IfNotPresent")
          }
          let reference = ImageReference(node.string ?? "")
          let latest =
            reference.map { $0.tag == "latest" || ($0.tag == nil && $0.digest == nil) } ?? false
          return .string(latest ? "Always" : "IfNotPresent")
        },
        "terminationMessagePath": .value(.string("/dev/termination-log")),
        "terminationMessagePolicy": .value(.string("File")),
        "ports": .items(
          .typed(
            ofPod
              ? ["protocol": .value(.string("TCP")), "hostPort": .computed(hostNetworkPort)]
              : ["protocol": .value(.string("TCP"))],
            values: ["name", "hostPort", "protocol", "hostIP"])),
        // A struct, not a pointer: the API server always sends it, `{}` when nothing is set, so
        // `has(c.resources)` holds on every container.
        "resources": .typed(
          [
            "limits": resourceList,
            "requests": ofPod
              ? APIDefaults(.merged(requestsFromLimits), anyField: resourceQuantity)
              : resourceList,
          ], values: ["limits", "requests", "claims"]),
        "livenessProbe": probe, "readinessProbe": probe, "startupProbe": probe,
        "volumeMounts": .items(
          .typed(
            pointers: ["recursiveReadOnly", "mountPropagation"],
            values: ["readOnly", "subPath", "subPathExpr", "bindMountOptions"])),
        "env": .items(
          .typed(
            [
              "valueFrom": .typed(
                ["fieldRef": fieldSelector],
                pointers: [
                  "fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef",
                ], whenMissing: false)
            ], pointers: ["valueFrom"], values: ["value"])),
      ],
      pointers: [
        "restartPolicy", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle",
        "securityContext",
      ],
      values: [
        "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resizePolicy",
        "restartPolicyRules", "volumeMounts", "volumeDevices", "terminationMessagePath",
        "terminationMessagePolicy", "imagePullPolicy", "stdin", "stdinOnce", "tty",
      ])
  }

  /// A pod's spec: `serviceAccountName` is set by the ServiceAccount admission plugin, which
  /// runs before validation and mutates Pods only (not the templates of controllers), as are
  /// the defaults of `SetDefaults_Pod` (`enableServiceLinks`, and see `container(ofPod:)`).
  private static func podSpec(ofPod: Bool) -> APIDefaults {
    var fields: [(name: String, defaults: APIDefaults)] = [
      ("restartPolicy", .value(.string("Always"))),
      ("dnsPolicy", .value(.string("ClusterFirst"))),
      ("schedulerName", .value(.string("default-scheduler"))),
      ("terminationGracePeriodSeconds", .value(.int(30))),
      (
        "securityContext",
        .typed(
          pointers: [
            "seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup", "runAsNonRoot",
            "supplementalGroupsPolicy", "fsGroup", "fsGroupChangePolicy", "seccompProfile",
            "appArmorProfile", "seLinuxChangePolicy",
          ], values: ["supplementalGroups", "sysctls"])
      ),
      ("containers", .items(ofPod ? podContainer : templateContainer)),
      ("initContainers", .items(ofPod ? podContainer : templateContainer)),
      ("overhead", resourceList),
      ("resources", resourceRequirements),
      ("volumes", .items(volume)),
    ]
    if ofPod {
      fields.append(("serviceAccountName", .value(.string("default"))))
      // `SetDefaults_Pod`.
      fields.append(("enableServiceLinks", .value(.bool(true))))
    }
    let pointers = [
      "terminationGracePeriodSeconds", "activeDeadlineSeconds", "automountServiceAccountToken",
      "shareProcessNamespace", "securityContext", "affinity", "priority", "dnsConfig",
      "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "setHostnameAsFQDN", "os",
      "hostUsers", "resources", "hostnameOverride", "schedulingGroup",
    ]
    let values = [
      "volumes", "initContainers", "ephemeralContainers", "restartPolicy", "dnsPolicy",
      "nodeSelector", "serviceAccountName", "serviceAccount", "nodeName", "hostNetwork",
      "hostPID", "hostIPC", "imagePullSecrets", "hostname", "subdomain", "schedulerName",
      "tolerations", "hostAliases", "priorityClassName", "readinessGates", "overhead",
      "topologySpreadConstraints", "schedulingGates", "resourceClaims", "evictionResponders",
    ]
    return APIDefaults(
      .fields, fields: fields, nullsLeftOut: pointers + values, emptiesLeftOut: values)
  }

  /// An `ObjectFieldSelector` (`fieldRef`): its `apiVersion` is `v1`
  /// (`SetDefaults_ObjectFieldSelector`).
  private static let fieldSelector: APIDefaults = .typed(
    ["apiVersion": .value(.string("v1"))], values: ["apiVersion"], whenMissing: false)

  /// A pod's volume: one written without a source is an `emptyDir` (`SetDefaults_Volume`); an
  /// `emptyDir`'s `sizeLimit` and an ephemeral claim's resources are quantities; ConfigMap,
  /// Secret, downward API and projected volumes get files of mode 0644 (`defaultMode: 420`),
  /// a projected service account token an hour's life, a `hostPath` the unset `type: ""`, a
  /// field reference `apiVersion: v1` (`SetDefaults_ConfigMapVolumeSource` … in k8s.io/kubernetes
  /// pkg/apis/core/v1/defaults.go), and iSCSI, RBD, Azure disk and ScaleIO volumes their
  /// drivers' defaults (the `+default` markers of k8s.io/api core/v1 types.go).
  private static let volume: APIDefaults = {
    let defaultMode = APIDefaults.value(.int(0o644))
    let keysToPaths = APIDefaults.items(.typed(pointers: ["mode", "user"]))
    let downwardFiles = APIDefaults.items(
      .typed(
        ["fieldRef": fieldSelector], pointers: ["fieldRef", "resourceFieldRef", "mode", "user"]))
    let projection = APIDefaults.typed(
      [
        "serviceAccountToken": .typed(
          ["expirationSeconds": .value(.int(3600))], pointers: ["expirationSeconds", "user"],
          values: ["audience"], whenMissing: false),
        "downwardAPI": .typed(["items": downwardFiles], values: ["items"], whenMissing: false),
      ],
      pointers: [
        "secret", "downwardAPI", "configMap", "serviceAccountToken", "clusterTrustBundle",
        "podCertificate",
      ])
    func text(_ text: String) -> APIDefaults { .value(.string(text)) }
    return .typed(
      [
        "configMap": .typed(
          ["defaultMode": defaultMode, "items": keysToPaths],
          pointers: ["defaultMode", "optional", "defaultUser"], values: ["name", "items"],
          whenMissing: false),
        "secret": .typed(
          ["defaultMode": defaultMode, "items": keysToPaths],
          pointers: ["defaultMode", "optional", "defaultUser"], values: ["secretName", "items"],
          whenMissing: false),
        "downwardAPI": .typed(
          ["defaultMode": defaultMode, "items": downwardFiles],
          pointers: ["defaultMode", "defaultUser"], values: ["items"], whenMissing: false),
        "projected": .typed(
          ["defaultMode": defaultMode, "sources": .items(projection)],
          pointers: ["defaultMode", "defaultUser"], whenMissing: false),
        "hostPath": .typed(["type": text("")], pointers: ["type"], whenMissing: false),
        "emptyDir": APIDefaults(
          .merged { volume in Volume.isSourceless(volume) ? .map(DictionaryMap()) : nil },
          fields: [(name: "sizeLimit", defaults: quantity)],
          nullsLeftOut: ["sizeLimit", "mode", "medium"], emptiesLeftOut: ["medium"]),
        "ephemeral": .typed(
          ["volumeClaimTemplate": .typed(["spec": claimSpec], whenMissing: false)],
          pointers: ["volumeClaimTemplate"], whenMissing: false),
        "iscsi": .typed(
          ["iscsiInterface": text("default")], pointers: ["secretRef", "initiatorName"],
          values: [
            "iscsiInterface", "fsType", "readOnly", "portals", "chapAuthDiscovery",
            "chapAuthSession",
          ], whenMissing: false),
        "rbd": .typed(
          ["pool": text("rbd"), "user": text("admin"), "keyring": text("/etc/ceph/keyring")],
          pointers: ["secretRef"], values: ["fsType", "pool", "user", "keyring", "readOnly"],
          whenMissing: false),
        "azureDisk": .typed(
          [
            "cachingMode": text("ReadWrite"), "fsType": text("ext4"),
            "readOnly": .value(.bool(false)), "kind": text("Shared"),
          ], pointers: ["cachingMode", "fsType", "readOnly", "kind"], whenMissing: false),
        "scaleIO": .typed(
          ["storageMode": text("ThinProvisioned"), "fsType": text("xfs")],
          values: [
            "sslEnabled", "protectionDomain", "storagePool", "storageMode", "volumeName", "fsType",
            "readOnly",
          ], whenMissing: false),
      ], pointers: Volume.sourceNames.sorted(), whenMissing: false)
  }()

  /// A HorizontalPodAutoscaler's spec (`SetDefaults_HorizontalPodAutoscaler`): one replica at
  /// least; in autoscaling/v2, without metrics, 80 % of the pods' CPU, and a `behavior`
  /// written gets the scaling rules it leaves out (`GenerateHPAScaleUpRules` …). Metric
  /// targets' values are quantities.
  private static let autoscalerSpec: APIDefaults = {
    func map(_ entries: KeyValuePairs<String, Value>) -> Value {
      var map = DictionaryMap()
      for (key, value) in entries { map.insert(.string(key), value) }
      return .map(map)
    }
    func policy(_ type: String, _ value: Int64) -> Value {
      map(["type": .string(type), "value": .int(value), "periodSeconds": .int(15)])
    }
    let defaultMetrics = Value.list(
      ArrayList([
        map([
          "type": .string("Resource"),
          "resource": map([
            "name": .string("cpu"),
            "target": map(["type": .string("Utilization"), "averageUtilization": .int(80)]),
          ]),
        ])
      ]))
    let target = APIDefaults.typed(
      ["value": quantity, "averageValue": quantity],
      pointers: ["value", "averageValue", "averageUtilization"], whenMissing: false)
    let source = APIDefaults.typed(["target": target], whenMissing: false)
    let metric = APIDefaults.typed(
      [
        "object": source, "pods": source, "resource": source, "containerResource": source,
        "external": source,
      ], pointers: ["object", "pods", "resource", "containerResource", "external"])
    let metrics = APIDefaults(
      .computed { spec in
        spec.parent?["apiVersion"]?.string?.hasPrefix("autoscaling/v2") == true
          ? defaultMetrics : nil
      }, item: metric)
    let rulePointers = ["stabilizationWindowSeconds", "selectPolicy", "tolerance"]
    let behavior = APIDefaults.typed(
      [
        "scaleUp": .typed(
          [
            "stabilizationWindowSeconds": .value(.int(0)), "selectPolicy": .value(.string("Max")),
            "policies": .value(.list(ArrayList([policy("Pods", 4), policy("Percent", 100)]))),
            "tolerance": quantity,
          ], pointers: rulePointers),
        "scaleDown": .typed(
          [
            "selectPolicy": .value(.string("Max")),
            "policies": .value(.list(ArrayList([policy("Percent", 100)]))),
            "tolerance": quantity,
          ], pointers: rulePointers),
      ], pointers: ["scaleUp", "scaleDown"], whenMissing: false)
    return .typed(
      ["minReplicas": .value(.int(1)), "metrics": metrics, "behavior": behavior],
      pointers: ["minReplicas", "behavior"], values: ["metrics"])
  }()

  /// A PersistentVolumeClaim's spec (`SetDefaults_PersistentVolumeClaimSpec`).
  private static let claimSpec: APIDefaults = .typed(
    [
      "resources": .typed(
        ["limits": resourceList, "requests": resourceList], values: ["limits", "requests"]),
      "volumeMode": .value(.string("Filesystem")),
    ],
    pointers: [
      "selector", "storageClassName", "volumeMode", "dataSource", "dataSourceRef",
      "volumeAttributesClassName",
    ], values: ["accessModes", "volumeName"])

  private static let podTemplate: APIDefaults = .fields([
    "metadata": metadata, "spec": podSpec(ofPod: false),
  ])

  /// A rollout strategy the manifest leaves out: `RollingUpdate`, with its defaults. (One
  /// written without a `type` or with part of `rollingUpdate` is left as written.)
  private static func rollingUpdate(_ settings: KeyValuePairs<String, Value>) -> APIDefaults {
    .computed { _ in
      var update = DictionaryMap()
      for (name, value) in settings { update.insert(.string(name), value) }
      var strategy = DictionaryMap()
      strategy.insert(.string("type"), .string("RollingUpdate"))
      strategy.insert(.string("rollingUpdate"), .map(update))
      return .map(strategy)
    }
  }

  /// A NetworkPolicy's spec: without `policyTypes`, it is an Ingress policy, and an Egress one
  /// too when it has egress rules; a port's protocol is TCP.
  private static let networkPolicySpec: APIDefaults = {
    let ports = APIDefaults.items(
      .typed(["protocol": .value(.string("TCP"))], pointers: ["protocol", "port", "endPort"]))
    return .typed(
      [
        "policyTypes": .computed { spec in
          let egress = spec.value(forKey: "egress").map { $0.isSequence && $0.childCount > 0 }
          var types: [Value] = [.string("Ingress")]
          if egress == true { types.append(.string("Egress")) }
          return .list(ArrayList(types))
        },
        "ingress": .items(.typed(["ports": ports], values: ["ports", "from"])),
        "egress": .items(.typed(["ports": ports], values: ["ports", "to"])),
      ], values: ["ingress", "egress", "policyTypes"])
  }()

  /// Whether a typed field is unset: absent, or written as null.
  private static func isLeftOut(_ node: Node?) -> Bool { node?.isNull ?? true }

  /// The defaults of `group`'s `kind`. By kind, then group: a key made by joining the two was
  /// a concatenation and a hash of it for every object checked (a tenth of a simple policy's
  /// evaluation).
  static func kindDefaults(group: Substring, kind: String) -> APIDefaults? {
    guard let groups = byKindThenGroup[kind] else { return nil }
    return groups.first { $0.group == group }?.defaults
  }

  private static let byKindThenGroup: [String: [(group: String, defaults: APIDefaults)]] =
    Dictionary(
      grouping: byKind.map { key, defaults in
        let slash = key.utf8.firstIndex(of: UInt8(ascii: "/"))!
        return (
          kind: String(key[key.utf8.index(after: slash)...]), group: String(key[..<slash]),
          defaults: defaults
        )
      },
      by: \.kind
    ).mapValues { entries in entries.map { (group: $0.group, defaults: $0.defaults) } }

  /// By `group/Kind` (the core group is empty), from `SetDefaults_Deployment` and the like.
  private static let byKind: [String: APIDefaults] = {
    let deployment = APIDefaults.typed(
      [
        "replicas": .value(.int(1)), "template": podTemplate,
        "strategy": rollingUpdate([
          "maxUnavailable": .string("25%"), "maxSurge": .string("25%"),
        ]),
        "revisionHistoryLimit": .value(.int(10)), "progressDeadlineSeconds": .value(.int(600)),
      ], pointers: ["replicas", "revisionHistoryLimit", "progressDeadlineSeconds"],
      values: ["minReadySeconds", "paused"])
    let replicaSet = APIDefaults.typed(
      ["replicas": .value(.int(1)), "template": podTemplate], pointers: ["replicas"],
      values: ["minReadySeconds"])
    let statefulSet = APIDefaults.typed(
      [
        "replicas": .value(.int(1)), "template": podTemplate,
        "podManagementPolicy": .value(.string("OrderedReady")),
        "updateStrategy": rollingUpdate(["partition": .int(0)]),
        "revisionHistoryLimit": .value(.int(10)),
        "volumeClaimTemplates": .items(.fields(["spec": claimSpec])),
        "persistentVolumeClaimRetentionPolicy": .fields([
          "whenDeleted": .value(.string("Retain")), "whenScaled": .value(.string("Retain")),
        ]),
      ],
      pointers: [
        "replicas", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "ordinals",
      ], values: ["volumeClaimTemplates", "podManagementPolicy", "minReadySeconds"])
    let daemonSet = APIDefaults.typed(
      [
        "template": podTemplate,
        "updateStrategy": rollingUpdate(["maxUnavailable": .int(1), "maxSurge": .int(0)]),
        "revisionHistoryLimit": .value(.int(10)),
      ], pointers: ["revisionHistoryLimit"], values: ["minReadySeconds"])
    let job = APIDefaults.typed(
      [
        "template": podTemplate, "parallelism": .value(.int(1)),
        // Both left out: one pod to completion; `parallelism` alone leaves it unset.
        "completions": .computed { spec in isLeftOut(spec["parallelism"]) ? .int(1) : nil },
        // A per-index limit lifts the job's own.
        "backoffLimit": .computed { spec in
          .int(isLeftOut(spec["backoffLimitPerIndex"]) ? 6 : Int64(Int32.max))
        },
        "completionMode": .value(.string("NonIndexed")), "suspend": .value(.bool(false)),
      ],
      pointers: [
        "parallelism", "completions", "activeDeadlineSeconds", "podFailurePolicy",
        "successPolicy", "backoffLimit", "backoffLimitPerIndex", "maxFailedIndexes", "selector",
        "manualSelector", "ttlSecondsAfterFinished", "completionMode", "suspend",
        "podReplacementPolicy", "managedBy",
      ])
    let replicationController = APIDefaults.typed(
      ["replicas": .value(.int(1)), "template": podTemplate], pointers: ["replicas", "template"],
      values: ["minReadySeconds", "selector"])
    let role = APIDefaults.fields(["rules": .value(.null)])
    var table: [String: APIDefaults] = [
      "/Pod": .fields(["spec": podSpec(ofPod: true)]),
      "/ReplicationController": .fields(["spec": replicationController]),
      "batch/Job": .fields(["spec": job]),
      "batch/CronJob": .fields([
        "spec": .typed(
          [
            "concurrencyPolicy": .value(.string("Allow")), "suspend": .value(.bool(false)),
            "successfulJobsHistoryLimit": .value(.int(3)),
            "failedJobsHistoryLimit": .value(.int(1)),
            // `SetDefaults_Job` takes a Job: a CronJob's template gets its pods' defaults only.
            "jobTemplate": .fields(["spec": .fields(["template": podTemplate])]),
          ],
          pointers: [
            "timeZone", "startingDeadlineSeconds", "suspend", "successfulJobsHistoryLimit",
            "failedJobsHistoryLimit",
          ], values: ["concurrencyPolicy"])
      ]),
      "/PersistentVolumeClaim": .fields(["spec": claimSpec]),
      "autoscaling/HorizontalPodAutoscaler": .fields(["spec": autoscalerSpec]),
      // `SetDefaults_PersistentVolume`.
      "/PersistentVolume": .fields([
        "spec": .typed(
          [
            "capacity": resourceList,
            "persistentVolumeReclaimPolicy": .value(.string("Retain")),
            "volumeMode": .value(.string("Filesystem")),
          ], pointers: ["volumeMode", "claimRef", "nodeAffinity", "volumeAttributesClassName"],
          values: [
            "capacity", "accessModes", "persistentVolumeReclaimPolicy", "storageClassName",
            "mountOptions",
          ])
      ]),
      "/ResourceQuota": .fields([
        "spec": .typed(
          ["hard": resourceList], pointers: ["scopeSelector"], values: ["hard", "scopes"])
      ]),
      "/LimitRange": .fields(["spec": .fields(["limits": .items(limitRangeItem)])]),
      "/ConfigMap": .typed(pointers: ["immutable"], values: ["data", "binaryData"]),
      // `SetDefaults_Secret`.
      "/Secret": .typed(
        ["type": .value(.string("Opaque"))], pointers: ["immutable"],
        values: ["data", "stringData", "type"]),
      "/ServiceAccount": .typed(
        pointers: ["automountServiceAccountToken"], values: ["secrets", "imagePullSecrets"]),
      // What the API server sets on every Namespace it creates (before admission).
      "/Namespace": .fields([
        "spec": .fields(["finalizers": .value(.list(ArrayList([.string("kubernetes")])))]),
        "status": .fields(["phase": .value(.string("Active"))]),
        "metadata": namespaceMetadata,
      ]),
      // `rules` has no omitempty: the API server sends `rules: null`.
      "rbac.authorization.k8s.io/ClusterRole": role,
      "rbac.authorization.k8s.io/Role": role,
      // `SetDefaults_NetworkPolicy`, `SetDefaults_NetworkPolicyPort`.
      "networking.k8s.io/NetworkPolicy": .fields(["spec": networkPolicySpec]),
      "storage.k8s.io/StorageClass": .fields([
        "reclaimPolicy": .value(.string("Delete")),
        "volumeBindingMode": .value(.string("Immediate")),
      ]),
      "/Service": .fields([
        "spec": .typed(
          [
            "type": .value(.string("ClusterIP")), "sessionAffinity": .value(.string("None")),
            // A port's target is the port itself unless given.
            "ports": .items(
              .typed(
                [
                  "protocol": .value(.string("TCP")),
                  "targetPort": .computed { port in
                    port.scalar(.port)?.int.map { .int(Int64($0)) }
                  },
                ], pointers: ["appProtocol"], values: ["name", "protocol", "nodePort"])),
            // Traffic policies, by type (`SetDefaults_Service`).
            "internalTrafficPolicy": .computed { spec in
              serviceType(spec) == "ExternalName" ? nil : .string("Cluster")
            },
            "externalTrafficPolicy": .computed { spec in
              ["NodePort", "LoadBalancer"].contains(serviceType(spec)) ? .string("Cluster") : nil
            },
            "allocateLoadBalancerNodePorts": .computed { spec in
              serviceType(spec) == "LoadBalancer" ? .bool(true) : nil
            },
          ],
          pointers: [
            "sessionAffinityConfig", "ipFamilyPolicy", "allocateLoadBalancerNodePorts",
            "loadBalancerClass", "internalTrafficPolicy", "trafficDistribution",
          ],
          values: [
            "ports", "selector", "clusterIP", "clusterIPs", "type", "externalIPs",
            "sessionAffinity", "loadBalancerIP", "loadBalancerSourceRanges", "externalName",
            "externalTrafficPolicy", "healthCheckNodePort", "publishNotReadyAddresses",
            "ipFamilies",
          ])
      ]),
    ]
    // Workloads, also under the group they were first served in.
    for group in ["apps", "extensions"] {
      table[group + "/Deployment"] = .fields(["spec": deployment])
      table[group + "/ReplicaSet"] = .fields(["spec": replicaSet])
      table[group + "/DaemonSet"] = .fields(["spec": daemonSet])
    }
    table["apps/StatefulSet"] = .fields(["spec": statefulSet])
    // Every kind's `metadata` is an `ObjectMeta` (a Namespace's has its own, above).
    return table.mapValues { kind in
      guard !kind.fieldDefaults.contains(where: { $0.name == "metadata" }) else { return kind }
      return APIDefaults(
        .fields, fields: kind.fieldDefaults + [(name: "metadata", defaults: objectMetadata)],
        nullsLeftOut: kind.nullsLeftOut, emptiesLeftOut: kind.emptiesLeftOut)
    }
  }()
}

/// A mapping with the fields the API server would add (`defaults` is of kind `.fields`).
///
/// The defaults are held unowned, because they are static (`APIDefaults.byKind`, never
/// freed), and the node uncounted (see `NodeValue`): evaluation copies values all the time,
/// and counting references made each copy cost an atomic increment and decrement.
struct DefaultedMap: MapValue {
  let handle: UncountedNode
  var node: Node { handle.node }
  unowned(unsafe) let defaults: APIDefaults

  init(_ handle: UncountedNode, defaults: APIDefaults) {
    self.handle = handle
    self.defaults = defaults
  }

  /// The mapping's pairs and the defaults it lacks, without listing the keys: `size()` of a
  /// spec of 100 000 keys listed them all for each call.
  var count: Int {
    let dropped = defaults.nullsLeftOut.lazy.filter { name in
      NodeMap.child(of: handle, named: name).map { Self.isDropped($0, named: name, by: defaults) }
        ?? false
    }.count
    return node.pairs.count - dropped + addedNames.count
  }
  var hostLocation: HostLocation? { handle.hostLocation }

  /// Whether `child` is a null (or, for an `omitempty` field that is no pointer, an empty
  /// value) the mapping's defaults read as left out.
  private static func isDropped(
    _ child: UncountedNode, named name: String, by defaults: APIDefaults
  ) -> Bool {
    // The value first: most are not empty, and that ends the test before the names are read.
    switch child.kind {
    case .scalar:
      return child.withNode { node in
        guard APIDefaults.isEmpty(node) else { return false }
        return node.isNull ? defaults.leavesOut(name) : defaults.emptiesLeftOut.contains(name)
      }
    case .mapping, .sequence:
      return child.withNode { $0.childCount == 0 } && defaults.emptiesLeftOut.contains(name)
    }
  }

  /// The defaults the mapping lacks, which it gets.
  private var addedNames: [String] {
    defaults.fieldDefaults.compactMap { name, field in
      let child = NodeMap.child(of: handle, named: name)
      let lacking = child.map { Self.isDropped($0, named: name, by: defaults) } ?? true
      return lacking && field.materialized(in: node) != nil ? name : nil
    }
  }

  func value(for key: Value) -> Value? {
    guard case .string(let name) = key else { return nil }
    let fieldDefaults = defaults.field(name)
    if let fieldDefaults, fieldDefaults.mergesWritten,
      let merged = fieldDefaults.materialized(in: node)
    {
      return merged
    }
    if let child = NodeMap.child(of: handle, named: name) {
      // A typed field written as null (`metadata:` left empty) is one left out: the API
      // server decodes both to the same object, and defaults it. So is an `omitempty` field
      // written empty (`name: ""`, `hostNetwork: false`, `labels: {}`).
      if (child.kind == .scalar && child.withNode(\.isNull))
        || Self.isDropped(child, named: name, by: defaults)
      {
        if let value = fieldDefaults?.materialized(in: node) { return value }
        if Self.isDropped(child, named: name, by: defaults) { return nil }
      }
      return APIDefaults.wrap(child, fieldDefaults)
    }
    return fieldDefaults?.materialized(in: node)
  }

  func contains(_ key: Value) -> Bool {
    guard case .string(let name) = key else { return false }
    if let child = NodeMap.child(of: handle, named: name),
      !Self.isDropped(child, named: name, by: defaults)
    {
      return true
    }
    return defaults.field(name)?.materialized(in: node) != nil
  }

  var keys: [Value] {
    var written = NodeMap(handle).keys
    if !defaults.nullsLeftOut.isEmpty {
      written = zip(written, node.pairs).filter { key, pair in
        guard case .string(let name) = key else { return true }
        return !Self.isDropped(UncountedNode(pair.value), named: name, by: defaults)
      }.map(\.0)
    }
    return written + addedNames.map(Value.string)
  }

  func select(path fields: [String], from start: Int) -> (value: Value, followed: Int)? {
    walk(fields, from: start).map { ($0.value, $0.followed) }
  }

  func selectTracing(path fields: [String], from start: Int)
    -> (value: Value, followed: Int, lastRead: HostLocation)?
  {
    walk(fields, from: start).map { ($0.value, $0.followed, $0.parent.hostLocation) }
  }

  /// The value `fields` from `start` on lead to, with its defaults, the mapping its field was
  /// read from, and how many fields were followed; `nil` when none was.
  @inline(__always)
  private func walk(_ fields: [String], from start: Int)
    -> (value: Value, parent: UncountedNode, followed: Int)?
  {
    var node = handle
    var parent = handle
    // Unmanaged, as `self.defaults` is unowned: a strong local was a retain and a release
    // per field.
    var defaults: Unmanaged<APIDefaults>? = .passUnretained(self.defaults)
    var followed = 0
    while start + followed < fields.count, node.isMapping {
      // Read once: each read of the array copied the name (a reference count, when long).
      let name = fields[start + followed]
      guard let child = NodeMap.child(of: node, named: name) else { break }
      let childDefaults = defaults?._withUnsafeGuaranteedRef { $0.unretainedField(name) }
      // A null that is defaulted, or left out, an empty value left out, and a value merged
      // with its defaults, are left to `value(for:)`.
      if (child.kind == .scalar && child.withNode(\.isNull) && childDefaults != nil)
        || childDefaults?._withUnsafeGuaranteedRef(\.mergesWritten) == true
        || defaults?._withUnsafeGuaranteedRef({ Self.isDropped(child, named: name, by: $0) })
          == true
      {
        break
      }
      parent = node
      node = child
      defaults = childDefaults
      followed += 1
    }
    guard followed > 0 else { return nil }
    guard let defaults else { return (NodeValue.value(node), parent, followed) }
    return defaults._withUnsafeGuaranteedRef { (APIDefaults.wrap(node, $0), parent, followed) }
  }
}

/// A sequence whose items get the fields the API server would add.
struct DefaultedList: ListValue {
  let handle: UncountedNode
  var node: Node { handle.node }
  /// Static, as `DefaultedMap.defaults`.
  unowned(unsafe) let item: APIDefaults

  init(_ handle: UncountedNode, item: APIDefaults) {
    self.handle = handle
    self.item = item
  }

  var count: Int { handle.itemCount }
  var hostLocation: HostLocation? { handle.hostLocation }

  func element(at index: Int) -> Value { APIDefaults.wrap(handle.item(at: index), item) }
}

/// A namespaced object written without `metadata.namespace`, which the API server gives the
/// request's; or a cluster-scoped one written with one, which it clears.
struct NamespacedObject: MapValue {
  let object: DefaultedMap
  /// The namespace the API server gives it, or nil: the written one is cleared.
  let namespace: String?

  var count: Int { object.count }
  var keys: [Value] { object.keys }
  var hostLocation: HostLocation? { object.hostLocation }

  func value(for key: Value) -> Value? {
    if case .string("metadata") = key, let metadata = object.handle.value(forKey: "metadata") {
      // The kind's own metadata defaults: a Namespace's has its name label.
      let defaults = object.defaults.field("metadata") ?? APIDefaults.objectMetadata
      return .map(NamespacedMetadata(metadata, namespace: namespace, defaults: defaults))
    }
    return object.value(for: key)
  }

  func contains(_ key: Value) -> Bool { object.contains(key) }

  func select(path fields: [String], from start: Int) -> (value: Value, followed: Int)? {
    start < fields.count && fields[start] == "metadata"
      ? nil : object.select(path: fields, from: start)
  }

  func selectTracing(path fields: [String], from start: Int)
    -> (value: Value, followed: Int, lastRead: HostLocation)?
  {
    start < fields.count && fields[start] == "metadata"
      ? nil : object.selectTracing(path: fields, from: start)
  }
}

/// The metadata of a `NamespacedObject`: the request's namespace in place of none written,
/// or (`namespace` nil) none in place of one written on a cluster-scoped object.
struct NamespacedMetadata: MapValue {
  let handle: UncountedNode
  var node: Node { handle.node }
  let namespace: String?
  /// Static, as `DefaultedMap.defaults`.
  unowned(unsafe) let defaults: APIDefaults

  init(_ handle: UncountedNode, namespace: String?, defaults: APIDefaults) {
    self.handle = handle
    self.namespace = namespace
    self.defaults = defaults
  }

  /// The metadata as written, its nulls left out.
  private var written: DefaultedMap {
    DefaultedMap(handle, defaults: defaults)
  }

  // Whatever the written metadata holds of a namespace is replaced.
  var count: Int {
    let written = self.written
    return written.count - (written.contains(.string("namespace")) ? 1 : 0)
      + (namespace == nil ? 0 : 1)
  }
  var keys: [Value] {
    let keys = written.keys.filter {
      if case .string("namespace") = $0 { return false }
      return true
    }
    return namespace == nil ? keys : keys + [.string("namespace")]
  }
  var hostLocation: HostLocation? { handle.hostLocation }

  func value(for key: Value) -> Value? {
    if case .string("namespace") = key { return namespace.map(Value.string) }
    return written.value(for: key)
  }

  func contains(_ key: Value) -> Bool {
    if case .string("namespace") = key { return namespace != nil }
    return written.contains(key)
  }
}

/// `namespaceObject` as the API server makes it of the request's Namespace
/// (`CreateNamespaceObject`, admission/plugin/cel/condition.go): its spec and status, and of
/// its metadata only what that copies. No kind or apiVersion (a typed object converted with
/// its type meta empty), no ownerReferences or managedFields.
struct NamespaceObjectView: MapValue {
  let base: any MapValue
  /// Whether this is the Namespace's metadata, kept to `metadataFields`; else the Namespace,
  /// kept to `objectFields`.
  let isMetadata: Bool

  static let objectFields: Set<String> = ["metadata", "spec", "status"]
  static let metadataFields: Set<String> = [
    "name", "generateName", "namespace", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "finalizers",
  ]

  /// The Namespace `value` (a map) as the API server hands it to policies.
  static func of(_ value: Value) -> Value {
    guard case .map(let map) = value else { return value }
    return .map(NamespaceObjectView(base: map, isMetadata: false))
  }

  private func keeps(_ key: Value) -> Bool {
    guard case .string(let name) = key else { return false }
    return (isMetadata ? Self.metadataFields : Self.objectFields).contains(name)
  }

  var count: Int { keys.count }
  var keys: [Value] { base.keys.filter(keeps) }
  var hostLocation: HostLocation? { base.hostLocation }

  func value(for key: Value) -> Value? {
    guard keeps(key), let value = base.value(for: key) else { return nil }
    if !isMetadata, case .string("metadata") = key, case .map(let metadata) = value {
      return .map(NamespaceObjectView(base: metadata, isMetadata: true))
    }
    return value
  }

  func contains(_ key: Value) -> Bool { keeps(key) && base.contains(key) }
}

/// The name the API server gives an object created with `generateName` and no name, before
/// validating admission sees it (the apiserver's `SimpleNameGenerator`): the prefix, cut to
/// 58 bytes, and five random characters. kubeward writes `xxxxx` for them, one of the names
/// the cluster could pick, so that a policy reads a name of the prefix and the length the
/// cluster's has, where it read none (`object.metadata.name.matches(…)` was an error, a
/// denial under failurePolicy Fail, on every Job a CI pipeline creates by `generateName`).
enum GeneratedName {
  static let randomLength = 5
  /// Kubernetes' longest name (63) less the random characters.
  static let longestPrefix = 58

  /// The name of an object whose `metadata` is `metadata`, when it has only a `generateName`.
  static func name(in metadata: Node) -> String? {
    guard metadata.isMapping, metadata.value(forKey: "name").map(APIDefaults.isUnset) ?? true,
      let prefix = metadata.scalar(.generateName)?.string, !prefix.isEmpty
    else { return nil }
    // Cut at bytes as the API server does, at a whole character (a name that is not ASCII
    // is refused by the cluster's validation anyway).
    var length = 0
    for scalar in prefix.unicodeScalars {
      let width = UTF8.width(scalar)
      guard length + width <= longestPrefix else { break }
      length += width
    }
    return String(decoding: prefix.utf8.prefix(length), as: UTF8.self)
      + String(repeating: "x", count: randomLength)
  }

  /// The name the request of an object with `metadata` names: its own, else a generated one.
  static func requestName(_ metadata: ObjectMetadata) -> String {
    if let name = metadata.name, !name.isEmpty { return name }
    return metadata.node.flatMap(name(in:)) ?? ""
  }

  /// `name(in:)` as the metadata's `name` default.
  @Sendable static func value(in metadata: Node) -> Value? {
    name(in: metadata).map(Value.string)
  }
}
