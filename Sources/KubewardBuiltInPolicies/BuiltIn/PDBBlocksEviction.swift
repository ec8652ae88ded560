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
    /// The fewest pods they run, when autoscalers of the set scale some of them and the set
    /// settles the rest; the autoscalers, as a finding names them.
    let fewest: (count: Int, autoscalers: String)?
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
        guard !set.mayLackAutoscaler(around: budget.location, scope: budget.scope) else {
          continue
        }
        if let count = pods.count, count > 0, let required = Self.required(value, of: count),
          required >= count
        {
          report.report(
            budget.object, at: location,
            """
            requires \(Self.share(required, of: count)) (those of \(pods.named); minAvailable: \
            \(value)\(Self.rounding(value)))\(kustomization), so it allows no voluntary \
            disruption: a node drain or cluster upgrade cannot evict \(count == 1 ? "it" : "them"), \
            and waits until someone deletes the budget or the pods; use maxUnavailable: 1, or \
            run more replicas than it requires
            """, adjustment: adjustment)
        } else if let (count, autoscalers) = pods.fewest,
          let required = Self.required(value, of: count), required >= count
        {
          let them = count == 1 ? "it" : "them"
          // Knative's activator (knative/serving#9990): 80 % of an autoscaler's one pod is
          // one pod, so no node under it drained while the load was low.
          report.report(
            budget.object, at: location,
            """
            requires \(Self.share(required, of: count)) when \(autoscalers) \
            (those of \(pods.named); minAvailable: \(value)\(Self.rounding(value)))\
            \(kustomization), so it allows no voluntary disruption while the load keeps \
            \(them) there: a node drain or cluster upgrade cannot evict \(them), and waits until the autoscaler scales up or someone deletes the budget or the pods; \
            use maxUnavailable: 1, or a minimum above what it requires
            """, adjustment: adjustment)
        }
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
    // Custom resources may run pods it selects: by their labels, or any, for a selector
    // without labels to look them up by.
    let customResourcesMayRunPods =
      selector.matchLabels.isEmpty
      ? set.hasCustomResources(in: space)
      : set.customResourceMayRunPods(selectedBy: selector, in: space, within: selections)
    // Replicas are 32-bit in the API: clamped so, a set's sum cannot overflow.
    let settled =
      !customResourcesMayRunPods
      && workloads.allSatisfy {
        counted.contains($0.kind) && $0.replicas != nil && !set.isAutoscaled($0)
      }
    let shown = workloads.prefix(3).map { "\($0.object.kind) \($0.object.shownName)" }
    let more = workloads.count - shown.count
    return Pods(
      named: shown.joined(separator: ", ") + (more > 0 ? " and \(more) more" : ""),
      evictable: workloads.contains { ($0.replicas ?? 1) > 0 || set.isAutoscaled($0) },
      count: settled
        ? workloads.reduce(0) { $0 + min(max($1.replicas ?? 0, 0), Int(Int32.max)) } : nil,
      fewest: settled || customResourcesMayRunPods ? nil : fewest(of: workloads, set),
      kustomized: workloads.contains(where: \.isKustomized))
  }

  /// The fewest pods `workloads` run when the set's autoscalers scale some of them to their
  /// minimum and the set settles the others' (see the type's comment); `nil` when it does
  /// not, or when an autoscaler's minimum is no pod (KEDA scales to zero, and to one when
  /// there is work: when it runs one is not written).
  private static func fewest(of workloads: [WorkloadFacts], _ set: LintSet)
    -> (count: Int, autoscalers: String)?
  {
    var count = 0
    var autoscalers: [AutoscalerFacts] = []
    for workload in workloads {
      guard counted.contains(workload.kind) else { return nil }
      if set.isAutoscaled(workload) {
        guard let autoscaler = set.autoscaler(of: workload),
          let minimum = autoscaler.minReplicas, minimum >= 1
        else { return nil }
        count += min(minimum, Int(Int32.max))
        autoscalers.append(autoscaler)
      } else {
        guard let replicas = workload.replicas else { return nil }
        count += min(max(replicas, 0), Int(Int32.max))
      }
    }
    guard !autoscalers.isEmpty, count > 0 else { return nil }
    let named = autoscalers.prefix(2).map {
      let field = $0.object.kind == "ScaledObject" ? "minReplicaCount" : "minReplicas"
      return "\($0.object.kind) \($0.object.shownName) (\(field): \($0.minReplicas ?? 1))"
    }
    let more = autoscalers.count - named.count
    return (
      count,
      named.joined(separator: " and ") + (more > 0 ? " and \(more) more" : "")
        + (autoscalers.count == 1 ? " is at its minimum" : " are at their minimums")
    )
  }

  /// How many of `count` pods `required` are, as a finding says it.
  private static func share(_ required: Int, of count: Int) -> String {
    let pieces = count == 1 ? "pod" : "pods"
    return required > count
      ? "\(required) pods to stay available, more than the \(count) \(pieces) it selects"
      : "\(required) of the \(count) \(pieces) it selects to stay available"
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
