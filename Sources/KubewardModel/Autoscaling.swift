import KubewardYAML

/// A HorizontalPodAutoscaler's target.
public struct HorizontalPodAutoscaler: Sendable {
  public let object: KubeObject

  public init?(_ object: KubeObject) {
    guard object.resourceKind == .horizontalPodAutoscaler else { return nil }
    self.object = object
  }

  /// `spec.scaleTargetRef`: the kind and name it scales.
  public var target: (kind: String, name: String, node: Node)? {
    guard let reference = object.spec?.mapping(.scaleTargetRef),
      let kind = reference.scalar(.kind)?.string, let name = reference.scalar(.name)?.string
    else { return nil }
    return (kind, name, reference)
  }
}

/// A PodDisruptionBudget's selector.
public struct PodDisruptionBudget: Sendable {
  public let object: KubeObject

  public init?(_ object: KubeObject) {
    guard object.resourceKind == .podDisruptionBudget else { return nil }
    self.object = object
  }

  /// `spec.selector`; `nil` when absent (it then selects nothing).
  public var selector: LabelSelector? { LabelSelector(selector: object.spec?.mapping(.selector)) }
}

/// A LimitRange's defaults for containers.
public struct LimitRange: Sendable {
  public let object: KubeObject

  public init?(_ object: KubeObject) {
    guard object.resourceKind == .limitRange else { return nil }
    self.object = object
  }

  /// Resources (`memory`, `ephemeral-storage`, …) that get a default limit in every container
  /// of the namespace that sets none (`spec.limits[type=Container].default`).
  public var defaultContainerLimits: Set<String> {
    var resources: Set<String> = []
    for limit in object.spec?.items(.limits) ?? NodeItems.none {
      guard limit.scalar(.type)?.textEquals("Container") == true else { continue }
      for (key, _) in limit.pairs(.default) {
        if let name = key.string { resources.insert(name) }
      }
    }
    return resources
  }

  /// Resources that get a default request in every container that sets none
  /// (`defaultRequest`, or `default`, which the API also uses as the request).
  public var defaultContainerRequests: Set<String> {
    var resources: Set<String> = []
    for limit in object.spec?.items(.limits) ?? NodeItems.none {
      guard limit.scalar(.type)?.textEquals("Container") == true else { continue }
      for key in [Key.defaultRequest, .default] {
        for (name, _) in limit.pairs(key) {
          if let name = name.string { resources.insert(name) }
        }
      }
    }
    return resources
  }
}
