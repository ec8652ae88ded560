import KubewardYAML

/// One Kubernetes object of a manifest: a document, or an item of a `List`.
///
/// A class, though immutable: it is handed to every policy and wrapped by the kind views
/// (`Service`, `Ingress`), and a reference is cheaper to pass around than its fields.
public final class KubeObject: Sendable {
  /// The object's mapping.
  public let node: Node
  public let apiVersion: String
  public let kind: String
  /// The kind kubeward models, or `nil` for everything else (custom resources included).
  public let resourceKind: ResourceKind?
  public let reference: ObjectReference
  /// The pods the object runs (a Pod, a workload's template, a CronJob's job template), found
  /// once here because most policies look at them.
  public let podTemplate: PodTemplate?
  /// The namespace the object is created in when its manifest names none.
  public let defaultNamespace: String
  /// The namespace the kustomization that builds the object gives it, whatever its manifest
  /// names (Kustomize's namespace transformer: kubebuilder's `namespace: system` becomes the
  /// project's), when known.
  public let buildNamespace: String?

  /// - Parameters:
  ///   - defaultNamespace: the namespace of objects that name none.
  ///   - buildNamespace: the namespace the kustomization that builds it gives it, if known.
  ///   - inherited: apiVersion and kind of a typed list's items, which may omit them.
  public init?(
    node: Node, defaultNamespace: String, buildNamespace: String? = nil,
    inherited: (apiVersion: String, kind: String)? = nil
  ) {
    guard node.isMapping,
      let apiVersion = node.scalar(.apiVersion)?.string ?? inherited?.apiVersion,
      let kind = node.scalar(.kind)?.string ?? inherited?.kind,
      !apiVersion.isEmpty, !kind.isEmpty
    else { return nil }
    self.node = node
    self.apiVersion = apiVersion
    self.kind = kind
    self.defaultNamespace = defaultNamespace
    self.buildNamespace = buildNamespace
    let resourceKind = ResourceKind(apiVersion: apiVersion, kind: kind)
    self.resourceKind = resourceKind
    let metadata = node.mapping(.metadata)
    // Every kind kubeward models is namespaced.
    let namespace: String? =
      resourceKind == nil && APIVersion.clusterScopedKinds.contains(kind)
      ? nil
      : (buildNamespace ?? metadata?.scalar(.namespace)?.string.flatMap(Self.unlessEmpty)
        ?? defaultNamespace)
    self.reference = ObjectReference(
      apiVersion: apiVersion, kind: kind, namespace: namespace,
      name: metadata?.scalar(.name)?.string.flatMap(Self.unlessEmpty),
      generateName: metadata?.scalar(.generateName)?.string.flatMap(Self.unlessEmpty))
    self.podTemplate = resourceKind.flatMap { PodTemplate.of(node, kind: $0) }
  }

  /// An `omitempty` string of `ObjectMeta` written empty is none: the API server decodes `""`
  /// as nothing (a name is then generated, a namespace the request's).
  private static func unlessEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }

  public var metadata: ObjectMetadata { ObjectMetadata(node: node.mapping(.metadata)) }
  public var spec: Node? { node.mapping(.spec) }

  /// The object's `kind:` value, where findings about the object as a whole point when no
  /// field is more specific.
  public var kindNode: Node { node[.kind] ?? node }

  /// `metadata.name`'s value, or the object's start.
  public var nameNode: Node { node[.metadata]?[.name] ?? node }
}

/// `metadata` of an object or of a pod template.
public struct ObjectMetadata: Sendable {
  public let node: Node?

  public init(node: Node?) {
    self.node = node
  }

  public var name: String? { node?.scalar(.name)?.string }
  public var labels: Labels { Labels(stringMap: labelsNode) }
  /// The `labels:` mapping.
  public var labelsNode: Node? { node?.mapping(.labels) }
  public var annotations: Node? { node?.mapping(.annotations) }

  /// The value of one annotation, with its key node.
  public func annotation(_ name: String) -> (key: Node, value: Node)? {
    annotations?.entry(name)
  }
}
