import KubewardModel

/// A namespace and a name.
public struct NamespacedName: Hashable, Sendable {
  public var namespace: String
  public var name: String

  public init(_ namespace: String, _ name: String) {
    self.namespace = namespace
    self.name = name
  }
}

/// Every object of the linted set that cross-object policies reason about, indexed once per
/// run so that each question costs about as much as the size of its answer: no policy scans
/// all objects for each object.
public struct LintSet: Sendable {
  public let facts: FactsCollection

  private let workloadsByNamespace: [String: [Int]]
  private let workloadsByLabel: [LabelKey: [Int]]
  private let servicesByName: [NamespacedName: [Int]]
  private let servicesByNamespace: [String: [Int]]
  private let statefulSetsByServiceName: [NamespacedName: [Int]]
  private let backendsByService: [NamespacedName: [BackendReference]]
  private let autoscaled: Set<AutoscalerTarget>
  /// Monitors by the namespace they watch; `nil` key for those watching every namespace.
  private let monitorsByNamespace: [String?: [Int]]

  private struct AutoscalerTarget: Hashable {
    var namespace: String
    var kind: String
    var name: String
  }

  private struct LabelKey: Hashable {
    var namespace: String
    var key: String
    var value: String
  }

  /// An Ingress backend: the ingress's index in `facts.ingresses` and the backend's index.
  private struct BackendReference {
    var ingress: Int
    var backend: Int
  }

  public init(_ facts: FactsCollection) {
    self.facts = facts
    var workloadsByNamespace: [String: [Int]] = [:]
    var workloadsByLabel: [LabelKey: [Int]] = [:]
    var statefulSetsByServiceName: [NamespacedName: [Int]] = [:]
    for (index, workload) in facts.workloads.enumerated() {
      workloadsByNamespace[workload.namespace, default: []].append(index)
      for (key, value) in workload.podLabels {
        workloadsByLabel[
          LabelKey(namespace: workload.namespace, key: key, value: value), default: []
        ]
        .append(index)
      }
      if workload.kind == .statefulSet, let serviceName = workload.serviceName {
        statefulSetsByServiceName[NamespacedName(workload.namespace, serviceName), default: []]
          .append(index)
      }
    }
    var servicesByName: [NamespacedName: [Int]] = [:]
    var servicesByNamespace: [String: [Int]] = [:]
    for (index, service) in facts.services.enumerated() {
      servicesByNamespace[service.namespace, default: []].append(index)
      if let name = service.object.name {
        servicesByName[NamespacedName(service.namespace, name), default: []].append(index)
      }
    }
    var backendsByService: [NamespacedName: [BackendReference]] = [:]
    for (ingressIndex, ingress) in facts.ingresses.enumerated() {
      for (backendIndex, backend) in ingress.backends.enumerated() {
        backendsByService[NamespacedName(ingress.namespace, backend.serviceName), default: []]
          .append(BackendReference(ingress: ingressIndex, backend: backendIndex))
      }
    }
    var monitorsByNamespace: [String?: [Int]] = [:]
    for (index, monitor) in facts.monitors.enumerated() {
      switch monitor.namespaces {
      case .own: monitorsByNamespace[monitor.namespace, default: []].append(index)
      case .any: monitorsByNamespace[nil, default: []].append(index)
      case .names(let names):
        for name in Set(names) { monitorsByNamespace[name, default: []].append(index) }
      }
    }
    self.monitorsByNamespace = monitorsByNamespace
    self.autoscaled = Set(
      facts.autoscalers.map {
        AutoscalerTarget(namespace: $0.namespace, kind: $0.targetKind, name: $0.targetName)
      })
    self.workloadsByNamespace = workloadsByNamespace
    self.workloadsByLabel = workloadsByLabel
    self.servicesByName = servicesByName
    self.servicesByNamespace = servicesByNamespace
    self.statefulSetsByServiceName = statefulSetsByServiceName
    self.backendsByService = backendsByService
  }

  // MARK: Workloads

  /// Whether the set holds any pod-bearing object in `namespace`: without one, a policy cannot
  /// tell what a Service would select.
  public func hasWorkloads(in namespace: String) -> Bool {
    workloadsByNamespace[namespace] != nil
  }

  /// Workloads of `namespace` whose pod labels satisfy `selector`. Starts from the selector's
  /// rarest label, so the cost follows the number of candidates, not of workloads.
  public func workloads(selectedBy selector: LabelSelector, in namespace: String)
    -> [WorkloadFacts]
  {
    var candidates: [Int]?
    for (key, value) in selector.matchLabels {
      let posting =
        workloadsByLabel[LabelKey(namespace: namespace, key: key, value: value)] ?? []
      if candidates == nil || posting.count < candidates!.count { candidates = posting }
      if posting.isEmpty { return [] }
    }
    let indices = candidates ?? workloadsByNamespace[namespace] ?? []
    return indices.map { facts.workloads[$0] }.filter { selector.matches($0.podLabels) }
  }

  /// StatefulSets of `namespace` whose `serviceName` is `service`.
  public func statefulSets(governedBy service: String, in namespace: String) -> [WorkloadFacts] {
    (statefulSetsByServiceName[NamespacedName(namespace, service)] ?? []).map {
      facts.workloads[$0]
    }
  }

  /// Whether a HorizontalPodAutoscaler in the set scales `workload`.
  public func isAutoscaled(_ workload: WorkloadFacts) -> Bool {
    guard let name = workload.object.name else { return false }
    return autoscaled.contains(
      AutoscalerTarget(namespace: workload.namespace, kind: workload.object.kind, name: name))
  }

  /// How many pods `workload` runs at least: its replicas, or several for a DaemonSet or an
  /// autoscaled workload.
  public func runsSeveralPods(_ workload: WorkloadFacts) -> Bool {
    if workload.kind == .daemonSet || isAutoscaled(workload) { return true }
    return (workload.replicas ?? 1) > 1
  }

  // MARK: Services

  public func hasServices(in namespace: String) -> Bool {
    servicesByNamespace[namespace] != nil
  }

  /// Services named `name` in `namespace` (more than one only when a manifest repeats one).
  public func services(named name: String, in namespace: String) -> [ServiceFacts] {
    (servicesByName[NamespacedName(namespace, name)] ?? []).map { facts.services[$0] }
  }

  /// Whether a ServiceMonitor in the set scrapes `service`: Prometheus then reads its
  /// endpoints, so it is meant to expose every pod.
  public func isScrapedByMonitor(_ service: ServiceFacts) -> Bool {
    let candidates =
      (monitorsByNamespace[service.namespace] ?? []) + (monitorsByNamespace[nil] ?? [])
    return candidates.contains { index in
      let monitor = facts.monitors[index]
      return monitor.scrapesServices && (monitor.selector?.matches(service.labels) ?? false)
    }
  }

  // MARK: Ingresses

  /// Ingress backends that route to Service `service` of `namespace`.
  public func ingressBackends(routingTo service: String, in namespace: String)
    -> [(ingress: IngressFacts, backend: IngressFacts.Backend)]
  {
    (backendsByService[NamespacedName(namespace, service)] ?? []).map {
      let ingress = facts.ingresses[$0.ingress]
      return (ingress, ingress.backends[$0.backend])
    }
  }
}
