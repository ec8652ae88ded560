import KubewardYAML

/// The JSON shape the API server decodes a field into, for the fields kubeward models: what a
/// manifest must look like for `kubectl apply` to be accepted at all.
///
/// Kubernetes turns YAML into JSON with go-yaml before decoding, so a value's YAML form decides
/// its JSON type: a plain `8080` is a number, `"8080"` text, `true` a boolean, `~` null (which
/// any field accepts as "unset"). The table is deliberately partial: a field it does not list
/// is not checked, so it can only report what the API server would reject.
///
/// A class rather than an indirect enum: the table lives in static storage, where plain object
/// pointers keep LeakSanitizer (the fuzzer's) able to see that it is reachable.
public final class APIShape: Sendable {
  public enum Kind: Sendable {
    /// Text: a quoted or block scalar, or a plain one that is not a number, boolean or null.
    case string
    /// A whole number (`replicas`, `containerPort`), within `range` when given.
    case integer
    case boolean
    /// A number or text (`targetPort`, `maxUnavailable`).
    case intOrString
    /// A number or text (a `resource.Quantity`: `500m`, `1`, `2Gi`).
    case quantity
    /// A map of text to text (`labels`, `annotations`, `nodeSelector`).
    case stringMap
    /// A map whose values all have the `element` shape (`limits: {cpu: …, memory: …}`).
    case mapOf
    /// An object with `fields`; the `required` ones must be present and not null.
    case object
    /// A list of `element`s, with at least one when `nonEmpty`.
    case list
    /// Anything (a field whose shape kubeward does not check).
    case any
  }

  /// The kinds carry no values, so that the walk's switch over them stays a jump table (it
  /// runs for every value of every object); `range` and `nonEmpty` are stored beside.
  public let kind: Kind
  /// An integer's allowed values.
  public let range: ClosedRange<Int>?
  /// Whether a list needs at least one item.
  public let nonEmpty: Bool
  public let fields: [String: APIShape]
  public let required: Set<String>
  public let element: APIShape?
  /// `fields` by the reader's `Key` raw value: every field name is a well-known key, so a
  /// mapping's keys are matched without making a string of each (the check runs on every
  /// object). Unretained, as is `unretainedElement`: `fields` and `element` keep the shapes
  /// alive, and the schema walk, which visits every value of every object, spent half its
  /// time counting references to shapes that live as long as the process.
  @usableFromInline let fieldsByKey: [Unmanaged<APIShape>?]
  public let unretainedElement: Unmanaged<APIShape>?
  /// `required`, as keys.
  public let requiredKeys: [Key]

  private init(
    _ kind: Kind, fields: [String: APIShape] = [:], required: Set<String> = [],
    element: APIShape? = nil, range: ClosedRange<Int>? = nil, nonEmpty: Bool = false
  ) {
    self.kind = kind
    self.range = range
    self.nonEmpty = nonEmpty
    self.fields = fields
    self.required = required
    self.element = element
    self.unretainedElement = element.map(Unmanaged.passUnretained)
    var byKey = [Unmanaged<APIShape>?](repeating: nil, count: fields.isEmpty ? 0 : 256)
    for (name, shape) in fields {
      guard let key = Self.keys[name] else { preconditionFailure("\(name) is not a Key") }
      byKey[Int(key.rawValue)] = Unmanaged.passUnretained(shape)
    }
    fieldsByKey = byKey
    requiredKeys = required.sorted().map { name in
      guard let key = Self.keys[name] else { preconditionFailure("\(name) is not a Key") }
      return key
    }
  }

  private static let keys = Dictionary(uniqueKeysWithValues: Key.allCases.map { ($0.text, $0) })

  /// The shape of the field spelled by `key`, if this object shape checks it.
  public func field(_ key: Key) -> APIShape? {
    unretainedField(key)?.takeUnretainedValue()
  }

  /// `field(key)` without a retain, for the schema walk (see `fieldsByKey`).
  @inlinable
  public func unretainedField(_ key: Key) -> Unmanaged<APIShape>? {
    fieldsByKey.isEmpty ? nil : fieldsByKey[Int(key.rawValue)]
  }

  public static let string = APIShape(.string)
  public static let boolean = APIShape(.boolean)
  public static let intOrString = APIShape(.intOrString)
  public static let quantity = APIShape(.quantity)
  public static let stringMap = APIShape(.stringMap)
  public static let any = APIShape(.any)

  public static func integer(_ range: ClosedRange<Int>? = nil) -> APIShape {
    APIShape(.integer, range: range)
  }

  public static func mapOf(_ element: APIShape) -> APIShape {
    APIShape(.mapOf, element: element)
  }

  public static func object(_ fields: [String: APIShape], required: Set<String> = [])
    -> APIShape
  {
    APIShape(.object, fields: fields, required: required)
  }

  public static func list(_ element: APIShape, nonEmpty: Bool = false) -> APIShape {
    APIShape(.list, element: element, nonEmpty: nonEmpty)
  }

  /// The same object shape with one more required field.
  func requiring(_ field: String) -> APIShape {
    APIShape(
      kind, fields: fields, required: required.union([field]), element: element, range: range,
      nonEmpty: nonEmpty)
  }
}

extension APIShape {
  /// `metadata` of every object.
  public static let objectMeta = APIShape.object([
    "name": .string, "namespace": .string, "generateName": .string,
    "labels": .stringMap, "annotations": .stringMap,
  ])

  static let containerPort = APIShape.object(
    [
      "containerPort": .integer(1...65535), "hostPort": .integer(0...65535), "name": .string,
      "protocol": .string, "hostIP": .string,
    ], required: ["containerPort"])

  static let probe = APIShape.object([
    "initialDelaySeconds": .integer(), "periodSeconds": .integer(), "timeoutSeconds": .integer(),
    "successThreshold": .integer(), "failureThreshold": .integer(),
    "terminationGracePeriodSeconds": .integer(),
    "httpGet": .object(["path": .string, "port": .intOrString, "scheme": .string]),
    "tcpSocket": .object(["port": .intOrString]),
    "grpc": .object(["port": .integer(1...65535), "service": .string]),
    "exec": .object(["command": .list(.string)]),
  ])

  static let resources = APIShape.object([
    "limits": .mapOf(.quantity), "requests": .mapOf(.quantity),
  ])

  static let container = APIShape.object(
    [
      "name": .string, "image": .string, "imagePullPolicy": .string,
      "command": .list(.string), "args": .list(.string), "workingDir": .string,
      "ports": .list(containerPort),
      "env": .list(
        .object(
          ["name": .string, "value": .string, "valueFrom": .any], required: ["name"])),
      "resources": resources,
      "livenessProbe": probe, "readinessProbe": probe, "startupProbe": probe,
      "volumeMounts": .list(
        .object(
          ["name": .string, "mountPath": .string, "readOnly": .boolean, "subPath": .string],
          required: ["name", "mountPath"])),
      "securityContext": .object([
        "privileged": .boolean, "readOnlyRootFilesystem": .boolean,
        "allowPrivilegeEscalation": .boolean, "runAsNonRoot": .boolean,
        "runAsUser": .integer(), "runAsGroup": .integer(),
      ]),
      "stdin": .boolean, "tty": .boolean,
    ], required: ["name"])

  /// A pod's `spec`; containers need an image (ephemeral ones are added later and alike).
  static let podSpec = APIShape.object(
    [
      "containers": .list(container.requiring("image"), nonEmpty: true),
      "initContainers": .list(container.requiring("image")),
      "ephemeralContainers": .list(container),
      "volumes": .list(.object(["name": .string], required: ["name"])),
      "restartPolicy": .string, "serviceAccountName": .string, "serviceAccount": .string,
      "nodeSelector": .stringMap, "hostNetwork": .boolean, "hostPID": .boolean,
      "hostIPC": .boolean, "dnsPolicy": .string, "priorityClassName": .string,
      "terminationGracePeriodSeconds": .integer(), "activeDeadlineSeconds": .integer(),
      "automountServiceAccountToken": .boolean, "enableServiceLinks": .boolean,
      "imagePullSecrets": .list(.object(["name": .string])),
      "securityContext": .object([
        "runAsNonRoot": .boolean, "runAsUser": .integer(), "runAsGroup": .integer(),
        "fsGroup": .integer(), "fsGroupChangePolicy": .string,
      ]),
    ], required: ["containers"])

  static let podTemplate = APIShape.object(
    ["metadata": objectMeta, "spec": podSpec], required: ["spec"])

  static let labelSelector = APIShape.object([
    "matchLabels": .stringMap,
    "matchExpressions": .list(
      .object(
        ["key": .string, "operator": .string, "values": .list(.string)],
        required: ["key", "operator"])),
  ])

  /// The shape of `spec` for each kind kubeward models, and whether the kind needs one. The
  /// shapes are built once: this is asked for every object.
  public static func spec(of kind: ResourceKind, apiVersion: String) -> (
    shape: APIShape, required: Bool
  )? {
    switch kind {
    case .deployment, .replicaSet, .daemonSet, .statefulSet:
      // apps/v1 and apps/v1beta2 require the selector; the older versions defaulted it.
      let selectorRequired =
        APIVersion.group(of: apiVersion) == "apps" && apiVersion != "apps/v1beta1"
      let shapes = kind == .statefulSet ? statefulSetSpecs : workloadSpecs
      return (selectorRequired ? shapes.withSelector : shapes.withoutSelector, true)
    default:
      return specs[kind]
    }
  }

  private static func workloadSpec(statefulSet: Bool, selectorRequired: Bool) -> APIShape {
    var fields: [String: APIShape] = [
      "replicas": .integer(0...Int(Int32.max)), "selector": labelSelector,
      "template": podTemplate, "minReadySeconds": .integer(),
      "revisionHistoryLimit": .integer(), "progressDeadlineSeconds": .integer(),
      "paused": .boolean, "serviceName": .string,
    ]
    if statefulSet { fields["volumeClaimTemplates"] = .list(.any) }
    var required: Set<String> = ["template"]
    if selectorRequired { required.insert("selector") }
    return .object(fields, required: required)
  }

  private static let workloadSpecs = (
    withSelector: workloadSpec(statefulSet: false, selectorRequired: true),
    withoutSelector: workloadSpec(statefulSet: false, selectorRequired: false)
  )
  private static let statefulSetSpecs = (
    withSelector: workloadSpec(statefulSet: true, selectorRequired: true),
    withoutSelector: workloadSpec(statefulSet: true, selectorRequired: false)
  )

  private static let specs: [ResourceKind: (shape: APIShape, required: Bool)] = {
    var specs: [ResourceKind: (shape: APIShape, required: Bool)] = [:]
    for kind in ResourceKind.allCases {
      if let spec = otherSpec(of: kind) { specs[kind] = spec }
    }
    return specs
  }()

  private static func otherSpec(of kind: ResourceKind) -> (shape: APIShape, required: Bool)? {
    switch kind {
    case .pod:
      return (podSpec, true)
    case .deployment, .replicaSet, .daemonSet, .statefulSet:
      return nil
    case .replicationController:
      return (
        .object([
          "replicas": .integer(0...Int(Int32.max)), "selector": .stringMap, "template": podTemplate,
        ]), true
      )
    case .job:
      return (
        .object(
          [
            "template": podTemplate, "parallelism": .integer(), "completions": .integer(),
            "backoffLimit": .integer(), "activeDeadlineSeconds": .integer(),
            "ttlSecondsAfterFinished": .integer(), "suspend": .boolean,
          ], required: ["template"]), true
      )
    case .cronJob:
      return (
        .object(
          [
            "schedule": .string, "suspend": .boolean, "concurrencyPolicy": .string,
            "successfulJobsHistoryLimit": .integer(), "failedJobsHistoryLimit": .integer(),
            "startingDeadlineSeconds": .integer(),
            "jobTemplate": .object(
              [
                "metadata": objectMeta,
                "spec": .object(["template": podTemplate], required: ["template"]),
              ], required: ["spec"]),
          ], required: ["schedule", "jobTemplate"]), true
      )
    case .service:
      return (
        .object([
          "type": .string, "clusterIP": .string, "selector": .stringMap,
          "externalName": .string, "externalTrafficPolicy": .string,
          "publishNotReadyAddresses": .boolean, "sessionAffinity": .string,
          "loadBalancerIP": .string, "allocateLoadBalancerNodePorts": .boolean,
          "ports": .list(
            .object(
              [
                "port": .integer(1...65535), "targetPort": .intOrString,
                "nodePort": .integer(0...65535), "protocol": .string, "name": .string,
                "appProtocol": .string,
              ], required: ["port"])),
        ]), false
      )
    case .ingress:
      return (.any, false)
    case .horizontalPodAutoscaler:
      return (
        .object([
          "minReplicas": .integer(), "maxReplicas": .integer(),
          "scaleTargetRef": .object(
            ["kind": .string, "name": .string, "apiVersion": .string], required: ["kind", "name"]),
        ]), true
      )
    case .podDisruptionBudget:
      return (
        .object([
          "minAvailable": .intOrString, "maxUnavailable": .intOrString, "selector": labelSelector,
        ]), false
      )
    case .limitRange, .serviceMonitor, .podMonitor:
      return nil
    }
  }
}
