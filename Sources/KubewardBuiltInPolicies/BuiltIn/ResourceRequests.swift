import KubewardEngine
import KubewardModel
import KubewardYAML

/// `resource-requests`: containers the scheduler places blind (I-19).
struct ResourceRequests: ObjectPolicy {
  static let id = "resource-requests"

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let spec = object.podSpec else { return }
    // Pod-level resources (Kubernetes 1.32+) cover every container.
    let pod = spec.resources
    let virtualNode = report.virtualNodeEvidence(for: object)
    // An init container runs before the others: the scheduler reserves the larger of its
    // requests and theirs, so their requests cover it.
    let regular = spec.containers(.container)
    let isCritical = spec.node["priorityClassName"]?.text.map(Self.criticalClasses.contains) == true
    // Worked out once per resource, when an init container asks: asked per init container, a
    // pod of thousands of each was quadratic.
    var requested: [Key: Bool] = [:]
    func requestedByRegular(_ resource: Key) -> Bool {
      if let known = requested[resource] { return known }
      let found = regular.contains {
        $0.resources.request(resource) != nil || $0.resources.limit(resource) != nil
      }
      requested[resource] = found
      return found
    }
    for container in spec.containers
    where container.role != .ephemeral && !container.runsPauseImage && !container.isTrivial {
      let resources = container.resources
      // A limit without a request sets the request to the limit.
      let missing = [Key.cpu, .memory].filter { resource in
        resources.request(resource) == nil && resources.limit(resource) == nil
          && pod.request(resource) == nil && pod.limit(resource) == nil
          && !(container.role == .initContainer && !container.isSidecar
            && requestedByRegular(resource))
      }
      guard !missing.isEmpty else { continue }
      let names = missing.map(\.text).joined(separator: " and ")
      let settings = missing.map { "resources.requests.\($0.text)" }.joined(separator: " and ")
      if let virtualNode {
        report.report(
          container.node,
          """
          has no \(names) request; the pod runs on a virtual node (\(virtualNode)), whose \
          instance is sized from the requests, so it gets (and is billed for) the provider's \
          default size; set \(settings)
          """,
          container: container, adjustment: .info)
        continue
      }
      // An init container (not a sidecar) runs once, to completion, before the others start:
      // the scheduler reserves for the pod the larger of its requests and theirs, and it
      // holds nothing once it ends (MetalLB's file copiers, a node installer's setup).
      if !container.isLongRunning {
        report.report(
          container.node,
          """
          has no \(names) request; it runs once, to completion, before the pod's containers \
          start, so what the scheduler leaves unreserved is used only while it runs; set \
          \(settings) to reserve it
          """,
          container: container, adjustment: .info)
        continue
      }
      // Only kinds with a `/scale` subresource have a HorizontalPodAutoscaler.
      let scaled = [.deployment, .statefulSet, .replicaSet, .replicationController].contains(
        object.resourceKind)
      // The kubelet evicts first the pods using more memory than they requested; one whose
      // memory is requested (a memory limit requests it) loses, without a cpu request, its
      // share of a busy node's cpu, not its place in that order. A critical pod it never
      // evicts (`IsCriticalPod`: the system priority classes): others go in its place.
      let consequence =
        !missing.contains(.memory)
        ? "it gets the smallest share of a busy node's cpu"
        : isCritical
          ? "under pressure the kubelet, which does not evict a pod of a critical priority "
            + "class, evicts other pods in its place"
          : "it is among the first evicted under pressure"
      report.report(
        container.node,
        """
        has no \(names) request: the scheduler places it as if it needed no \
        \(missing.map(\.text).joined(separator: " or ")), so nodes \
        get overcommitted and \(consequence)\
        \(scaled ? ", and autoscalers cannot compute its \(names) utilisation" : "") \
        (on a virtual node such as ECI or Fargate, the requests size the pod's instance \
        instead); set \(settings)
        """,
        container: container)
    }
  }

  /// The priority classes of critical pods, which the kubelet does not evict.
  static let criticalClasses: Set<String> = ["system-node-critical", "system-cluster-critical"]
}
