import KubewardModel

/// `missing-readiness-probe`: long-running containers that are "ready" the moment they start
/// (I-8).
struct MissingReadinessProbe: ObjectPolicy {
  static let id = "missing-readiness-probe"

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard object.resourceKind?.isLongRunningWorkload == true else { return }
    for container in object.podSpec?.containers(.container) ?? []
    where container.probe(.readiness) == nil {
      report.report(
        container.node,
        "has no readinessProbe, so it counts as ready as soon as it starts: Services send it "
          + "requests it cannot serve yet (connection refused) and rollouts replace working pods "
          + "before the new ones work; add a readinessProbe (httpGet, tcpSocket or grpc)",
        container: container)
    }
  }
}
