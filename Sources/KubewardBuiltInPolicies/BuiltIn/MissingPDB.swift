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
        // Placeholder pods (the pause image) are there to be evicted or preempted.
        return (workload.kind == .deployment || workload.kind == .statefulSet)
          && (workload.replicas ?? 0) >= 2 && !workload.isIdle
      })
    guard !replicated.isEmpty else { return }
    // Matching every budget against every workload is quadratic: past a few dozen matches per
    // object, what is left is unknown, and an unknown coverage is no finding.
    let limit = 64 * (workloads.count + set.facts.budgets.count) + 100_000
    // A budget written without a namespace lands wherever it is applied (a kustomization's
    // `namespace`, `kubectl -n`): it may cover the replicated workloads of any namespace of
    // its project. Their spaces, in a fixed order (whether the limit is reached must not
    // depend on a set's).
    let replicatedSpaces = Set(replicated.map { workloads[$0].space })
    let spacesByScope = Dictionary(
      grouping: replicatedSpaces.sorted { $0.namespace < $1.namespace }, by: \.scope)
    var budgets: [(selector: LabelSelector, space: Space)] = []
    for budget in set.facts.budgets {
      guard let selector = budget.selector, !budget.selectsNothing else { continue }
      budgets.append((selector, budget.space))
      guard budget.namespaceIsImplicit else { continue }
      for space in spacesByScope[budget.scope] ?? [] where space != budget.space {
        budgets.append((selector, space))
      }
      guard budgets.count <= limit else { return }
    }
    guard let covered = set.selected(replicated, bySome: budgets, limit: limit) else { return }
    for index in replicated.sorted() {
      let workload = workloads[index]
      guard let replicas = workload.replicas, !covered.contains(index),
        !set.mayBeIncomplete(
          around: workload.location, scope: workload.scope,
          lacking: { $0 == "PodDisruptionBudget" })
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
