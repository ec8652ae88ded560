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
    for container in spec.containers where container.role != .ephemeral {
      let resources = container.resources
      // A limit without a request sets the request to the limit.
      let missing = [Key.cpu, .memory].filter { resource in
        resources.request(resource) == nil && resources.limit(resource) == nil
          && pod.request(resource) == nil && pod.limit(resource) == nil
      }
      guard !missing.isEmpty else { continue }
      let names = missing.map(\.text).joined(separator: " and ")
      report.report(
        container.node,
        """
        has no \(names) request: the scheduler places it as if it needed nothing, so nodes \
        get overcommitted and it is among the first evicted under pressure, and autoscalers \
        cannot compute utilisation; set resources.requests.\(missing.map(\.text).joined(separator: " and resources.requests."))
        """,
        container: container)
    }
  }
}
