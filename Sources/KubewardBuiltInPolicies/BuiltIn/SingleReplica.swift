import KubewardEngine
import KubewardModel

/// `single-replica`: one pod, no autoscaler: any crash or drain is an outage (I-10).
struct SingleReplica: SetPolicy {
  static let id = "single-replica"
  /// The option naming data stores' images, which the facts read (`WorkloadFacts.dataStore`).
  static let dataStores = "dataStores"

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    let (served, calledByAPIServer) = Self.selectedByServices(set)
    for (index, workload) in set.facts.workloads.enumerated()
    where workload.kind == .deployment || workload.kind == .statefulSet {
      guard set.runsOnePod(workload) else { continue }
      let written = workload.replicasLocation != nil ? "replicas: 1" : "replicas unset, so 1"
      // A Deployment that never runs two pods at once, a StatefulSet whose pod owns its
      // storage, or pods that share one writable claim are single by design (a database, a
      // tool with one writer): information at most.
      let byDesign =
        workload.recreates
        ? " (strategy: Recreate says it is single by design; if so, accept it)"
        : workload.disablesLeaderElection
          ? " (it runs with leader election turned off, so a second replica would act beside "
            + "the first: turn leader election on before adding one, or accept it)"
          : workload.ownsStorage
            ? " (its pod owns its storage: if it is a single-writer database, accept it)"
            : workload.sharedClaim.map { claim in
              " (its pod mounts the PersistentVolumeClaim \"\(claim)\" writable, which a second "
                + "pod on another node cannot attach if it is ReadWriteOnce: if it is a "
                + "single-writer store, accept it)"
            } ?? ""
      // A data store's second replica is a second store, which shares none of the first's
      // data unless the two replicate: more replicas is not the fix for it.
      let advice =
        workload.dataStore.map { image in
          "it runs \(image), which keeps data, and a second replica would be a second \(image) "
            + "that shares nothing with the first: run it replicated (an operator, or "
            + "\(image)'s own replication over 2 pods or more), or accept it if one instance "
            + "is meant"
        } ?? "run at least 2 replicas or add an autoscaler\(byDesign)"
      report.report(
        workload.object, at: workload.replicasLocation ?? workload.location,
        """
        runs a single pod (\(written)) and no HorizontalPodAutoscaler in the set scales it: a \
        crash, a node failure or a drain \(served.contains(index)
          ? "takes the service down, and a traffic peak has nowhere to spread"
          : "stops its work until another pod starts")\(calledByAPIServer.contains(index)
          ? " (the API server calls it, as a webhook or an aggregated API: those calls fail "
            + "meanwhile, and so do the requests a webhook of failurePolicy Fail admits)" : ""); \
        \(advice)
        """,
        adjustment: byDesign.isEmpty && workload.dataStore == nil ? .standard : .info)
    }
  }

  /// The workloads a Service of the set sends requests: the others (a controller, a worker,
  /// one whose Services are all for metrics, as a leader-elected operator's) are sent none
  /// through one, so a traffic peak is none of theirs to spread.
  /// Also those a Service the API server calls selects (a webhook's, an aggregated API's).
  private static func selectedByServices(_ set: LintSet) -> (
    served: Set<Int>, calledByAPIServer: Set<Int>
  ) {
    var selected: Set<Int> = []
    var called: Set<Int> = []
    // Each selection once: Services sharing a selector share it.
    var seen: Set<ObjectIdentifier> = []
    var seenCalled: Set<ObjectIdentifier> = []
    for service in set.facts.services {
      let isCalled = set.isCalledByAPIServer(service)
      guard isCalled || !service.servesOnlyAuxiliaryPorts,
        let selection = set.selection(of: service)
      else { continue }
      let identity = ObjectIdentifier(selection)
      if isCalled, seenCalled.insert(identity).inserted { called.formUnion(selection.indices) }
      if seen.insert(identity).inserted { selected.formUnion(selection.indices) }
    }
    return (selected, called)
  }
}
