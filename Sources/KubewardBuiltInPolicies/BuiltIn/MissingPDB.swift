import KubewardEngine
import KubewardModel

/// `missing-pdb`: replicated workloads that a node drain may take down all at once (I-10).
struct MissingPDB: SetPolicy {
  static let id = "missing-pdb"

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    var covered: Set<Int> = []
    // Budgets that share a selector cover the same workloads: each selection is added once.
    var added: Set<ObjectIdentifier> = []
    for budget in set.facts.budgets {
      guard let selector = budget.selector else { continue }
      let selection = set.selection(selectedBy: selector, in: budget.space)
      if added.insert(ObjectIdentifier(selection)).inserted { covered.formUnion(selection.indices) }
    }
    for (index, workload) in set.facts.workloads.enumerated()
    where workload.kind == .deployment || workload.kind == .statefulSet {
      guard let replicas = workload.replicas, replicas >= 2, !covered.contains(index),
        !set.mayBeIncomplete(around: workload.location, scope: workload.scope)
      else { continue }
      report.report(
        workload.object, at: workload.replicasLocation ?? workload.location,
        """
        runs \(replicas) replicas but no PodDisruptionBudget in the set selects its pods: a \
        node drain or cluster upgrade may evict them all at once; add a \
        PodDisruptionBudget (e.g. maxUnavailable: 1) selecting its pod labels
        """)
    }
  }
}
