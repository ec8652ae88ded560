import KubewardEngine
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
      // Some container of the pod declares the ports it serves on.
      let podDeclaresPorts = !workload.ports.isEmpty
      // A rolling update waits for readiness; a bare Pod, a ReplicaSet or a
      // ReplicationController has none, and a Recreate one stops the old pods first.
      let rollsOut =
        [.deployment, .statefulSet, .daemonSet].contains(workload.kind) && !workload.recreates
      for container in workload.unprobedContainers {
        if container.declaresPorts && !container.declaresOnlyAuxiliaryPorts {
          // Without a Service, readiness still paces a rolling update (not a Recreate one,
          // which stops every old pod first, nor a bare Pod's); a ReplicaSet's or a
          // ReplicationController's serving pods are for a Service kubeward does not see.
          guard isReached || (workload.kind != .pod && !workload.recreates) else { continue }
        } else if container.declaresPorts {
          // Metrics and health ports only (a controller): readiness gates nothing unless a
          // Service sends it requests.
          guard isReached else { continue }
        } else {
          // A Service's requests go to the container that owns the target port: a container
          // declaring none (a proxy, a log shipper) beside one that declares ports, or beside
          // one whose readiness probe already gates the pod, is not it.
          guard isReached && !podDeclaresPorts && !workload.probesReadiness else { continue }
        }
        let requests = "Services send it requests it cannot serve yet (connection refused)"
        let rollouts = "rollouts replace working pods before the new ones work"
        let consequences =
          switch (isReached, rollsOut) {
          case (true, true): "\(requests) and \(rollouts)"
          case (true, false): requests
          case (false, true): rollouts
          case (false, false):
            "a Service that selects its pods would send it requests it cannot serve yet "
              + "(connection refused)"
          }
        report.report(
          workload.object, at: container.location,
          """
          has no readinessProbe, so it counts as ready as soon as it starts: \(consequences); \
          add a readinessProbe (httpGet, tcpSocket or grpc)
          """,
          container: container.name)
      }
    }
  }

  /// Indices of the workloads some Service of their space sends requests to: of the
  /// workloads its selector matches, the nearest (its own file, else its folder; see
  /// `WorkloadSelection.nearest`), so that a Service of one variant of an application does
  /// not reach the other variants kept beside it. A Service of metrics ports only
  /// (`argocd-notifications-controller-metrics`) is scraped, not sent requests: scrapers read
  /// pods that are not ready all the same.
  private func reachedByServices(_ set: LintSet) -> Set<Int> {
    var reached: Set<Int> = []
    for service in set.facts.services where !service.servesOnlyAuxiliaryPorts {
      guard service.selector?.isEmpty == false, let selection = set.selection(of: service)
      else { continue }
      reached.formUnion(selection.nearest(to: service.location.file).indices)
    }
    return reached
  }
}
