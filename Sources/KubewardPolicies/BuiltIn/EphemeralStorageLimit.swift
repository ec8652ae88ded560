import KubewardModel

/// `ephemeral-storage-limit`: containers that can fill the node's disk (I-6).
struct EphemeralStorageLimit: ObjectPolicy {
  static let id = "ephemeral-storage-limit"

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let spec = object.podSpec else { return }
    // Ephemeral containers cannot declare resources, so there is nothing to ask of them.
    for container in spec.containers where container.role != .ephemeral {
      let resources = container.resources
      guard resources.limit(.ephemeralStorage) == nil else { continue }
      let requestOnly =
        resources.request(.ephemeralStorage) != nil
        ? " (a request alone does not bound it)" : ""
      report.report(
        container.node,
        """
        has no resources.limits.ephemeral-storage\(requestOnly): its logs, writable layer and \
        emptyDir writes can fill the node's disk until the kubelet evicts every pod there \
        (DiskPressure); set resources.limits.ephemeral-storage
        """,
        container: container)
    }
  }
}
