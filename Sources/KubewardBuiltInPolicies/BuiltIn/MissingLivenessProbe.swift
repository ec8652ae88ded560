import KubewardEngine
import KubewardModel

/// `missing-liveness-probe`: long-running containers nobody restarts when they hang (I-8).
struct MissingLivenessProbe: ObjectPolicy {
  static let id = "missing-liveness-probe"

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard object.resourceKind?.isLongRunningWorkload == true else { return }
    for container in object.podSpec?.containers(.container) ?? []
    where container.probe(.liveness) == nil && !container.isIdle {
      report.report(
        container.node,
        "has no livenessProbe: if its process hangs or deadlocks without exiting, it stays "
          + "Running and is never restarted; add a livenessProbe that fails only when a restart "
          + "would help",
        container: container)
    }
  }
}
