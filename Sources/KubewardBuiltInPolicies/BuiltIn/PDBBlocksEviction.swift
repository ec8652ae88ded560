import KubewardEngine
import KubewardModel

/// `pdb-blocks-eviction`: a PodDisruptionBudget that allows no voluntary disruption of the
/// pods it selects, so that every node drain and cluster upgrade waits on them (I-10's
/// remedy, turned against itself).
///
/// As the disruption controller counts (`GetScaledValueFromIntOrPercent`, rounding up): a
/// budget of `maxUnavailable: 0` (or `0%`) allows no eviction whatever the pods; one of
/// `minAvailable` allows none when it requires every pod its workloads run. That count is
/// known only where the set settles it: every workload the budget selects has its replicas
/// written, no autoscaler of the set, or template near it, may change them, and no custom
/// resource (an Argo Rollout, a CloneSet) may run pods it selects. A DaemonSet's pods are not
/// counted: drains and upgrades leave them where they are. Where a kustomization builds the
/// budget or its workloads, its patches and `replicas:` may change either: what is written is
/// said, as information.
struct PDBBlocksEviction: SetPolicy {
  static let id = "pdb-blocks-eviction"

  /// Workloads whose pods the disruption controller counts by their replicas.
  private static let counted: Set<ResourceKind> = [
    .deployment, .statefulSet, .replicaSet, .replicationController,
  ]

  /// What a selection's workloads add up to, worked out once per selection: budgets that
  /// share a selector share it, where each walked every workload it selects again.
  private struct Pods {
    /// The workloads, as a finding names them.
    let named: String
    /// Some of them run pods that a drain evicts.
    let evictable: Bool
    /// The pods they run, when the set settles it (see the type's comment).
    let count: Int?
    let kustomized: Bool
  }

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    let selections = set.makeSelectionBudget()
    var known: [ObjectIdentifier: Pods] = [:]
    for budget in set.facts.budgets {
      guard let selector = budget.selector, !budget.selectsNothing,
        let selection = set.selection(selectedBy: selector, in: budget.space, within: selections)
      else { continue }
      let pods: Pods
      if let found = known[ObjectIdentifier(selection)] {
        pods = found
      } else {
        pods = Self.pods(of: selection, selectedBy: selector, in: budget.space, set, selections)
        known[ObjectIdentifier(selection)] = pods
      }
      guard pods.evictable else { continue }
      let kustomized = budget.isKustomized || pods.kustomized
      let kustomization =
        kustomized
        ? " (as written: a kustomization builds \(budget.isKustomized ? "it" : "them"), and its "
          + "patches or replicas may change this)" : ""
      let adjustment: SeverityAdjustment = kustomized ? .info : .standard
      if let (value, location) = budget.maxUnavailable {
        guard Self.isZero(value) else { continue }
        report.report(
          budget.object, at: location,
          """
          allows no voluntary disruption of the pods it selects (maxUnavailable: \
          \(value)), those of \(pods.named)\(kustomization): a node drain or cluster upgrade \
          cannot evict them, and waits until someone deletes the budget or the pods; allow \
          one at a time (maxUnavailable: 1)
          """, adjustment: adjustment)
      } else if let (value, location) = budget.minAvailable {
        guard let count = pods.count, count > 0,
          !set.mayLackAutoscaler(around: budget.location, scope: budget.scope),
          let required = Self.required(value, of: count), required >= count
        else { continue }
        let pieces = count == 1 ? "pod" : "pods"
        let share =
          required > count
          ? "\(required) pods to stay available, more than the \(count) \(pieces) it selects"
          : "\(required) of the \(count) \(pieces) it selects to stay available"
        report.report(
          budget.object, at: location,
          """
          requires \(share) (those of \(pods.named); minAvailable: \(value)\
          \(Self.rounding(value)))\(kustomization), so it allows no voluntary disruption: a \
          node drain or cluster upgrade cannot evict \(count == 1 ? "it" : "them"), and waits \
          until someone deletes the budget or the pods; use maxUnavailable: 1, or run more \
          replicas than it requires
          """, adjustment: adjustment)
      }
    }
  }

  private static func pods(
    of selection: WorkloadSelection, selectedBy selector: LabelSelector, in space: Space,
    _ set: LintSet, _ selections: SelectionBudget
  ) -> Pods {
    // A drain leaves a DaemonSet's pods where they are (`--ignore-daemonsets`).
    let workloads = selection.indices.map { set.facts.workloads[$0] }.filter {
      $0.kind != .daemonSet
    }
    // Replicas are 32-bit in the API: clamped so, a set's sum cannot overflow.
    let settled =
      workloads.allSatisfy {
        counted.contains($0.kind) && $0.replicas != nil && !set.isAutoscaled($0)
      }
      // Custom resources may run pods it selects: by their labels, or any, for a selector
      // without labels to look them up by.
      && !(selector.matchLabels.isEmpty
        ? set.hasCustomResources(in: space)
        : set.customResourceMayRunPods(selectedBy: selector, in: space, within: selections))
    let shown = workloads.prefix(3).map { "\($0.object.kind) \($0.object.shownName)" }
    let more = workloads.count - shown.count
    return Pods(
      named: shown.joined(separator: ", ") + (more > 0 ? " and \(more) more" : ""),
      evictable: workloads.contains { ($0.replicas ?? 1) > 0 || set.isAutoscaled($0) },
      count: settled
        ? workloads.reduce(0) { $0 + min(max($1.replicas ?? 0, 0), Int(Int32.max)) } : nil,
      kustomized: workloads.contains(where: \.isKustomized))
  }

  /// Whether `value` allows no pod to be unavailable: `0` or `0%`.
  static func isZero(_ value: IntOrString) -> Bool {
    switch value {
    case .int(let count): count == 0
    case .string(let text): percent(text) == 0
    }
  }

  /// The pods `value` requires of `pods`: a count as written, a percentage rounded up as the
  /// disruption controller rounds it; `nil` for text that is neither.
  static func required(_ value: IntOrString, of pods: Int) -> Int? {
    switch value {
    case .int(let count): return count
    case .string(let text):
      guard let percent = percent(text) else { return nil }
      return (percent * pods + 99) / 100
    }
  }

  /// The number of a percentage (`50%`), from 0 to 100; `nil` for anything else.
  static func percent(_ text: String) -> Int? {
    guard text.hasSuffix("%"), let number = Int(text.dropLast()), (0...100).contains(number)
    else { return nil }
    return number
  }

  private static func rounding(_ value: IntOrString) -> String {
    if case .string = value { return ", rounded up as the disruption controller rounds it" }
    return ""
  }
}
