import KubewardModel

/// `single-replica`: one pod, no autoscaler: any crash or drain is an outage (I-10).
struct SingleReplica: SetPolicy {
  static let id = "single-replica"

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    for workload in set.facts.workloads
    where workload.kind == .deployment || workload.kind == .statefulSet {
      guard workload.replicas == 1, !set.isAutoscaled(workload) else { continue }
      let written = workload.replicasLocation != nil ? "replicas: 1" : "replicas unset, so 1"
      report.report(
        workload.object, at: workload.replicasLocation ?? workload.location,
        """
        runs a single pod (\(written)) and no HorizontalPodAutoscaler in the set scales it: a \
        crash, a node failure or a drain takes the service down, and a traffic peak has \
        nowhere to spread; run at least 2 replicas or add an autoscaler
        """)
    }
  }
}
