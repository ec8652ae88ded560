import KubewardModel

/// `missing-readiness-probe`: containers that receive traffic, or are rolled out, as "ready"
/// the moment they start (I-8).
///
/// A probe matters where a Service sends requests or a rollout waits for readiness. So it is
/// asked of the serving containers of long-running workloads (those that declare ports, or whose
/// pods a Service selects) and of a bare Pod that a Service selects; not of a container that
/// declares no port and that no Service reaches (a queue worker, a log shipper), nor of one that
/// only keeps its pod alive (`pause`, `sleep infinity`).
struct MissingReadinessProbe: SetPolicy {
  static let id = "missing-readiness-probe"

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    let reached = reachedByServices(set)
    for (index, workload) in set.facts.workloads.enumerated()
    where workload.kind.isLongRunningWorkload || workload.kind == .pod {
      let isReached = reached.contains(index)
      for container in workload.unprobedContainers {
        guard isReached || (workload.kind != .pod && container.declaresPorts) else { continue }
        report.report(
          workload.object, at: container.location,
          """
          has no readinessProbe, so it counts as ready as soon as it starts: Services send it \
          requests it cannot serve yet (connection refused) and rollouts replace working pods \
          before the new ones work; add a readinessProbe (httpGet, tcpSocket or grpc)
          """,
          container: container.name)
      }
    }
  }

  /// Indices of the workloads some Service of their space selects.
  private func reachedByServices(_ set: LintSet) -> Set<Int> {
    var reached: Set<Int> = []
    var added: Set<ObjectIdentifier> = []
    for service in set.facts.services {
      guard service.selector?.isEmpty == false, let selection = set.selection(of: service)
      else { continue }
      if added.insert(ObjectIdentifier(selection)).inserted { reached.formUnion(selection.indices) }
    }
    return reached
  }
}
