import KubewardEngine
import KubewardModel

/// `memory-limit`: containers whose memory use nothing bounds (I-19).
struct MemoryLimit: ObjectPolicy {
  static let id = "memory-limit"

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let spec = object.podSpec, spec.resources.limit(.memory) == nil else { return }
    let virtualNode = report.virtualNodeEvidence(for: object)
    for container in spec.containers
    where container.role != .ephemeral && !container.runsPauseImage && !container.isTrivial
      && container.resources.limit(.memory) == nil
    {
      if let virtualNode {
        report.report(
          container.node,
          "has no memory limit; the pod runs on a virtual node (\(virtualNode)), an instance "
            + "of its own, so a leak starves only its own containers; set "
            + "resources.limits.memory to keep one container from taking the others' memory",
          container: container, adjustment: .info)
        continue
      }
      // An init container (not a sidecar) runs once, to completion, before the others
      // start: what it holds is freed when it ends, so a leak has no time to grow.
      if !container.isLongRunning {
        report.report(
          container.node,
          "has no memory limit; it runs once, to completion, before the pod's containers "
            + "start, so its memory is freed when it ends; set resources.limits.memory to "
            + "bound it while it runs",
          container: container, adjustment: .info)
        continue
      }
      report.report(
        container.node,
        "has no memory limit: a leak grows until the node runs out of memory and the kernel "
          + "kills whatever it picks, other pods included; set resources.limits.memory",
        container: container)
    }
  }
}
