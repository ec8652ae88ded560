import KubewardModel

/// `memory-limit`: containers whose memory use nothing bounds (I-19).
struct MemoryLimit: ObjectPolicy {
  static let id = "memory-limit"

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let spec = object.podSpec, spec.resources.limit(.memory) == nil else { return }
    for container in spec.containers
    where container.role != .ephemeral && container.resources.limit(.memory) == nil {
      report.report(
        container.node,
        "has no memory limit: a leak grows until the node runs out of memory and the kernel "
          + "kills whatever it picks, other pods included; set resources.limits.memory",
        container: container)
    }
  }
}
