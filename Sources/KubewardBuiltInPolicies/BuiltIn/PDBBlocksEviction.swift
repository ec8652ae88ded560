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
/// resource (an Argo Rollout, a CloneSet) may run pods it selects. Where a kustomization
/// builds the budget or its workloads, its patches and `replicas:` may change either: what
/// is written is said, as information.
struct PDBBlocksEviction: SetPolicy {
  static let id = "pdb-blocks-eviction"

  /// Workloads whose pods the disruption controller counts by their replicas.
  private static let counted: Set<ResourceKind> = [
    .deployment, .statefulSet, .replicaSet, .replicationController,
  ]

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    let selections = set.makeSelectionBudget()
    for budget in set.facts.budgets {
      guard let selector = budget.selector, !budget.selectsNothing,
        let selected = set.workloads(selectedBy: selector, in: budget.space, within: selections),
        selected.contains(where: { ($0.replicas ?? 1) > 0 || set.isAutoscaled($0) })
      else { continue }
      let named = Self.names(selected)
      let kustomized = budget.isKustomized || selected.contains(where: \.isKustomized)
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
          \(Self.written(value))), those of \(named)\(kustomization): a node drain or cluster \
          upgrade cannot evict them, and waits until someone deletes the budget or the pods; \
          allow one at a time (maxUnavailable: 1)
          """, adjustment: adjustment)
      } else if let (value, location) = budget.minAvailable {
        guard selected.allSatisfy({ Self.counted.contains($0.kind) && !set.isAutoscaled($0) }),
          !set.customResourceMayRunPods(selectedBy: selector, in: budget.space, within: selections),
          !set.mayBeIncomplete(
            around: budget.location, scope: budget.scope,
            lacking: { $0 == "HorizontalPodAutoscaler" || $0 == "ScaledObject" })
        else { continue }
        // Replicas are 32-bit in the API: clamped so, the sum of a set's cannot overflow.
        let pods = selected.reduce(0) { $0 + min(max($1.replicas ?? 1, 0), Int(Int32.max)) }
        guard pods > 0, let required = Self.required(value, of: pods), required >= pods else {
          continue
        }
        let pieces = pods == 1 ? "pod" : "pods"
        let share =
          required > pods
          ? "\(required) pods to stay available, more than the \(pods) \(pieces) it selects"
          : "\(required) of the \(pods) \(pieces) it selects to stay available"
        report.report(
          budget.object, at: location,
          """
          requires \(share) (those of \(named); minAvailable: \(Self.written(value))\
          \(Self.rounding(value)))\(kustomization), so it allows no voluntary disruption: a \
          node drain or cluster upgrade cannot evict \(pods == 1 ? "it" : "them"), and waits \
          until someone deletes the budget or the pods; use maxUnavailable: 1, or run more \
          replicas than it requires
          """, adjustment: adjustment)
      }
    }
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

  private static func written(_ value: IntOrString) -> String {
    switch value {
    case .int(let count): String(count)
    case .string(let text): "\"\(text)\""
    }
  }

  /// The workloads, as a finding names them: the first three, and how many more.
  private static func names(_ workloads: [WorkloadFacts]) -> String {
    let shown = workloads.prefix(3).map { "\($0.object.kind) \($0.object.shownName)" }
    let more = workloads.count - shown.count
    return shown.joined(separator: ", ") + (more > 0 ? " and \(more) more" : "")
  }
}
