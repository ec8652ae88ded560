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

  /// `spec.maxReplicas`, when written as a number.
  public var maxReplicas: Int? { object.spec?.scalar(.maxReplicas)?.int }

  /// The fewest pods it scales its target to: `spec.minReplicas`, 1 when unset (as the API
  /// server defaults it, null or left out); `nil` when written as no number.
  public var minReplicas: Int? {
    guard let written = object.spec?[.minReplicas], !written.isNull else { return 1 }
    return written.int
  }
}

/// A KEDA `ScaledObject` (keda.sh): KEDA scales its target through a HorizontalPodAutoscaler it
/// makes, so the target is autoscaled as by one written out.
public struct ScaledObject: Sendable {
  public let object: KubeObject

  public init?(_ object: KubeObject) {
    guard object.kind == "ScaledObject", object.apiVersion.hasPrefix("keda.sh/") else {
      return nil
    }
    self.object = object
  }

  /// `spec.scaleTargetRef`: the kind (a Deployment when unset, as KEDA reads it) and name.
  public var target: (kind: String, name: String)? {
    guard let reference = object.spec?.mapping(.scaleTargetRef),
      let name = reference.scalar(.name)?.string
    else { return nil }
    return (reference.scalar(.kind)?.string ?? "Deployment", name)
  }

  /// `spec.maxReplicaCount`: 100 when unset, as KEDA reads it.
  public var maxReplicas: Int? {
    guard let written = object.spec?["maxReplicaCount"] else { return 100 }
    return written.int
  }

  /// `spec.minReplicaCount`: 0 when unset, as KEDA reads it (it scales to zero when idle);
  /// `nil` while the object is paused (`autoscaling.keda.sh/paused`, `…/paused-replicas`),
  /// when KEDA holds the workload where it was, or at the count the annotation says.
  public var minReplicas: Int? {
    if let annotations = object.metadata.annotations,
      annotations["autoscaling.keda.sh/paused"] != nil
        || annotations["autoscaling.keda.sh/paused-replicas"] != nil
    {
      return nil
    }
    guard let written = object.spec?["minReplicaCount"], !written.isNull else { return 0 }
    return written.int
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

  /// `spec.minAvailable` and `spec.maxUnavailable`: a count of pods, or a percentage of them.
  public var minAvailable: Node? { object.spec?["minAvailable"] }
  public var maxUnavailable: Node? { object.spec?["maxUnavailable"] }
}
