import KubewardEngine
import KubewardModel

/// `missing-pdb`: replicated workloads that a node drain may take down all at once (I-10).
struct MissingPDB: SetPolicy {
  static let id = "missing-pdb"

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    let workloads = set.facts.workloads
    let replicated = Set(
      workloads.indices.filter { index in
        let workload = workloads[index]
        return (workload.kind == .deployment || workload.kind == .statefulSet)
          && (workload.replicas ?? 0) >= 2
      })
    guard !replicated.isEmpty else { return }
    let budgets = set.facts.budgets.compactMap { budget in
      budget.selector.map { (selector: $0, space: budget.space) }
    }
    // Matching every budget against every workload is quadratic: past a few dozen matches per
    // object, what is left is unknown, and an unknown coverage is no finding.
    let limit = 64 * (workloads.count + budgets.count) + 100_000
    guard let covered = set.selected(replicated, bySome: budgets, limit: limit) else { return }
    for index in replicated.sorted() {
      let workload = workloads[index]
      guard let replicas = workload.replicas, !covered.contains(index),
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
