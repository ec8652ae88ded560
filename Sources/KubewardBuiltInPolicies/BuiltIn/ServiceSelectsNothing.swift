import KubewardEngine
import KubewardModel

/// `service-selects-nothing`: a Service whose selector matches no pod (I-11).
struct ServiceSelectsNothing: SetPolicy {
  static let id = "service-selects-nothing"

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    var workloadsLacking: [WorkloadsLacking: Int?] = [:]
    let budget = set.makeSelectionBudget()
    for service in set.facts.services {
      // Without a workload of the namespace in the set, its pods may simply live elsewhere.
      guard let selector = service.selector, let location = service.selectorLocation,
        set.hasWorkloads(in: service.space),
        // Unknown (`nil`: past the pass's limit) is not nothing.
        set.selection(of: service)?.isEmpty == true,
        !set.customResourceMayRunPods(selectedBy: selector, in: service.space, within: budget),
        !Self.selectsClusterPods(selector, namespace: service.namespace),
        !set.mayBeIncomplete(
          around: service.location, scope: service.scope,
          lacking: { !Self.kindsRunningNoPods.contains($0) })
      else { continue }
      // A Service written without a namespace goes wherever it is applied: its pods may be
      // those of any namespace of the project.
      if service.namespaceIsImplicit,
        set.workloadSpaces(inScope: service.scope).contains(where: {
          set.workloadIndices(selectedBy: selector, in: $0, within: budget)?.isEmpty != true
        })
      {
        continue
      }
      let wanted = selector.matchLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
      // Pods that have every label but one, which their pod template does not set at all, may
      // get it at run time (an operator's leader-election label, say).
      let runtime: (ObjectReference, String)?
      switch Self.labelAddedAtRuntime(
        selector, in: set, service.space, budget: budget, known: &workloadsLacking)
      {
      case .added(let workload, let key): runtime = (workload, key)
      case .absent: runtime = nil
      // Past the pass's limit: whether the pods may get the label is unknown, and a warning
      // would be a guess.
      case .unknown: continue
      }
      // Evidence that the selector was meant for a workload of the set: one whose labels
      // have the selector's keys, each value equal or nearly (`chekout` for `checkout`).
      // Without it, the pods may well come from elsewhere (a chart installed apart, an
      // operator): what kubeward knows is said, as information.
      let nearest =
        runtime == nil
        ? Self.nearest(to: selector, in: set, service.space, budget: budget) : nil
      let evidence = nearest?.isNear == true
      let consequence: String
      if let (workload, key) = runtime {
        consequence =
          "which \(workload) has but for \(key): unless its pods get \(key) at run time (a "
          + "controller's leader-election label, say), the Service has no endpoints and "
          + "connections to it are refused or time out"
      } else if service.isHeadless {
        consequence =
          "so DNS lookups of this headless Service return no addresses; make the selector "
          + "match the pod template's labels"
      } else if evidence {
        consequence =
          "so it has no endpoints and connections to it are refused or time out; make the "
          + "selector match the pod template's labels"
      } else {
        consequence =
          "and none is a near miss: unless its pods come from outside the linted files "
          + "(a chart installed apart, an operator), it has no endpoints and connections to "
          + "it are refused or time out"
      }
      // The closest template that is no near miss is named as the closest only: named as the
      // near miss, the message then said that none was near.
      let hint =
        nearest.map {
          $0.isNear
            ? " (\($0.workload.object) has \($0.labels))"
            : " (the closest, \($0.workload.object), has \($0.labels))"
        } ?? ""
      report.report(
        service.object, at: location,
        """
        selects \(wanted.joined(separator: ", ")) but no pod template in namespace \
        \(service.namespace) has these labels\(hint), \(consequence)
        """,
        adjustment: runtime != nil || service.isHeadless || !evidence ? .info : .standard)
    }
  }

  /// Kinds that neither are nor make pods, Kubernetes' own and common add-ons': a template of
  /// one of them beside the Service hides none of its pods. (Another custom resource may be
  /// run by an operator as pods.)
  static let kindsRunningNoPods: Set<String> = [
    "ConfigMap", "Secret", "Service", "ServiceAccount", "Role", "ClusterRole", "RoleBinding",
    "ClusterRoleBinding", "Namespace", "Ingress", "IngressClass", "NetworkPolicy",
    "PodDisruptionBudget", "HorizontalPodAutoscaler", "PersistentVolumeClaim",
    "PersistentVolume", "StorageClass", "CustomResourceDefinition", "PriorityClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "LimitRange",
    "ResourceQuota", "Endpoints", "EndpointSlice", "ServiceMonitor", "PodMonitor",
    "PrometheusRule", "ScaledObject", "VerticalPodAutoscaler", "Certificate", "Issuer",
    "ClusterIssuer",
  ]

  /// The labels of pods a cluster runs in kube-system with no manifest in any repository:
  /// kubeadm's static control-plane pods (kind, kubeadm clusters) and its DNS and proxy
  /// add-ons. Services that monitoring stacks add to reach them select these.
  static let clusterPods: [[String: String]] =
    ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"].map {
      ["component": $0, "tier": "control-plane"]
    } + [["k8s-app": "kube-dns"], ["k8s-app": "kube-proxy"]]

  /// Whether `selector`, in `namespace`, picks pods the cluster itself runs there.
  static func selectsClusterPods(_ selector: LabelSelector, namespace: String) -> Bool {
    namespace == "kube-system" && selector.requirements.isEmpty && !selector.matchLabels.isEmpty
      && clusterPods.contains { labels in
        selector.matchLabels.allSatisfy { labels[$0.key] == $0.value }
      }
  }

  /// What `labelAddedAtRuntime` found.
  enum RuntimeLabel {
    /// A workload whose pod labels hold all of the selector's labels but one key, which they
    /// do not set at all; and that key.
    case added(ObjectReference, String)
    case absent
    /// Some selection it needed was past the pass's limit.
    case unknown
  }

  /// A workload whose pod labels hold all of the selector's labels but one key, which they do
  /// not set at all; and that key.
  private static func labelAddedAtRuntime(
    _ selector: LabelSelector, in set: LintSet, _ space: Space, budget: SelectionBudget,
    known: inout [WorkloadsLacking: Int?]
  ) -> RuntimeLabel {
    let labels = selector.matchLabels
    guard labels.count > 1 else { return .absent }
    var unknown = false
    // Through the set's label index, one key left out at a time: the cost follows the
    // candidates, not services × workloads (thousands of each share a namespace in generated
    // files).
    for key in labels.keys.sorted() {
      var rest = labels
      rest[key] = nil
      guard
        let candidates = set.selection(
          selectedBy: LabelSelector(matchLabels: rest), in: space, within: budget)
      else {
        unknown = true
        continue
      }
      // Services that share the rest of a selector ask once: the scan stops at the first
      // workload without the key, so it visits only workloads that have it, each once.
      let question = WorkloadsLacking(selection: ObjectIdentifier(candidates), key: key)
      let answer =
        known[question]
        ?? candidates.indices.first { set.facts.workloads[$0].podLabels[key] == nil }
      known[question] = answer
      if let index = answer { return .added(set.facts.workloads[index].object, key) }
    }
    return unknown ? .unknown : .absent
  }

  /// The first workload of a selection whose pod labels lack a key.
  struct WorkloadsLacking: Hashable {
    let selection: ObjectIdentifier
    let key: String
  }

  /// The workload whose labels have the selector's keys with values nearest its own (the
  /// likely typo), its labels at those keys, and whether every value is equal or nearly (see
  /// `isTypo`). The candidates are the workloads that have every key (through the set's label
  /// index, within `budget`): unrelated workloads first in the namespace hid a typo past the
  /// 64 looked at.
  static func nearest(
    to selector: LabelSelector, in set: LintSet, _ space: Space, budget: SelectionBudget
  ) -> (workload: WorkloadFacts, labels: String, isNear: Bool)? {
    let wanted = selector.matchLabels
    guard !wanted.isEmpty,
      let withKeys = set.selection(
        selectedBy: LabelSelector(
          requirements: wanted.keys.sorted().map { .init(key: $0, operator: .exists) }),
        in: space, within: budget)
    else { return nil }
    // Most values equal, then most characters shared at their starts and ends (`checkuot`
    // is a typo of `checkout`, not of `alpha`), among the first 64: a hint, not a search.
    var ranked: [(workload: WorkloadFacts, equal: Int, shared: Int)] = []
    for index in withKeys.indices.prefix(64) {
      let workload = set.facts.workloads[index]
      var (equal, shared) = (0, 0)
      for (key, value) in wanted {
        let written = workload.podLabels[key] ?? ""
        if written == value { equal += 1 }
        shared += Self.sharedEnds(written, value)
      }
      ranked.append((workload, equal, shared))
    }
    ranked.sort { ($0.equal, $0.shared) > ($1.equal, $1.shared) }
    guard let first = ranked.first else { return nil }
    // The nearest that is a typo away, among the best few, else the nearest: a workload with
    // more values equal is not a slip when its other values are far.
    let near = ranked.prefix(8).first { candidate in
      wanted.allSatisfy { key, value in
        Self.isTypo(candidate.workload.podLabels[key] ?? "", of: value)
      }
    }
    let chosen = near?.workload ?? first.workload
    let labels = wanted.keys.sorted().map { "\($0)=\(chosen.podLabels[$0] ?? "")" }
    return (chosen, labels.joined(separator: ", "), near != nil)
  }

  /// Whether `written` is `value` or a slip of it: at most one edit (an insertion, a
  /// deletion, a change, two neighbours swapped) per four characters of the longer, one for
  /// a value of three to seven (`wbe` for `web`, `chekout` for `checkout`; not `snowflake`
  /// for `MyApp`, nor `db` for `dc`). Label values are at most 63 bytes; longer ones (a
  /// hostile file's) are compared for equality only, so each comparison is bounded.
  static func isTypo(_ written: String, of value: String) -> Bool {
    if written == value { return true }
    let (a, b) = (Array(written.utf8), Array(value.utf8))
    let longer = max(a.count, b.count)
    guard longer >= 3, longer <= 63 else { return false }
    let allowed = max(1, longer / 4)
    guard abs(a.count - b.count) <= allowed else { return false }
    // The optimal string alignment distance, row by row.
    var before = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = previous
    for i in stride(from: 1, through: a.count, by: 1) {
      current[0] = i
      for j in stride(from: 1, through: b.count, by: 1) {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          current[j] = min(current[j], before[j - 2] + 1)
        }
      }
      (before, previous, current) = (previous, current, before)
    }
    return previous[b.count] <= allowed
  }

  /// How many bytes two texts share at their start and, after it, at their end. (In place:
  /// it runs for each workload a Service that selects nothing is compared with.)
  static func sharedEnds(_ a: String, _ b: String) -> Int {
    var (a, b) = (a, b)
    return a.withUTF8 { x in
      b.withUTF8 { y in
        var start = 0
        while start < x.count, start < y.count, x[start] == y[start] { start += 1 }
        var end = 0
        while end < x.count - start, end < y.count - start,
          x[x.count - 1 - end] == y[y.count - 1 - end]
        {
          end += 1
        }
        return start + end
      }
    }
  }
}
