import KubewardModel

/// `service-selects-nothing`: a Service whose selector matches no pod (I-11).
struct ServiceSelectsNothing: SetPolicy {
  static let id = "service-selects-nothing"

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    for service in set.facts.services {
      // Without a workload of the namespace in the set, its pods may simply live elsewhere.
      guard let selector = service.selector, let location = service.selectorLocation,
        set.hasWorkloads(in: service.space),
        set.workloadIndices(selectedBy: selector, in: service.space).isEmpty,
        !set.customResourceMayRunPods(selectedBy: selector, in: service.space),
        !set.mayBeIncomplete(around: service.location, scope: service.scope)
      else { continue }
      let wanted = selector.matchLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
      report.report(
        service.object, at: location,
        """
        selects \(wanted.joined(separator: ", ")) but no pod template in namespace \
        \(service.namespace) has these labels\(hint(for: selector, in: set, service.space)), \
        so it has no endpoints and requests to it hang until they time out; make the \
        selector match the pod template's labels
        """)
    }
  }

  /// Names a workload whose labels have the selector's keys with other values: the likely typo.
  private func hint(for selector: LabelSelector, in set: LintSet, _ space: Space) -> String {
    let keys = selector.matchLabels.keys
    guard !keys.isEmpty,
      let near = set.workloads(in: space).first(where: { workload in
        keys.allSatisfy { workload.podLabels[$0] != nil }
      })
    else { return "" }
    let labels = keys.sorted().map { "\($0)=\(near.podLabels[$0] ?? "")" }
    return " (\(near.object) has \(labels.joined(separator: ", ")))"
  }
}
