import Dispatch
import KubewardModel
import Synchronization

/// A name in a space (one namespace of one project).
public struct ScopedName: Hashable, Sendable {
  public var space: Space
  public var name: String

  public init(_ space: Space, _ name: String) {
    self.space = space
    self.name = name
  }
}

/// A namespace and a name, in whichever project.
struct NamespacedName: Hashable, Sendable {
  var namespace: String
  var name: String
}

/// Every object of the linted set that cross-object policies reason about, indexed once per
/// run so that each question costs about as much as the size of its answer: no policy scans
/// all objects for each object.
public struct LintSet: Sendable {
  public let facts: FactsCollection

  private let workloadsBySpace: [Space: [Int]]
  private let workloadsByLabel: [LabelKey: [Int]]
  /// A number for each space that holds workloads, for `LabelKey`.
  private let spaceOrdinals: [Space: Int]
  /// The label keys `workloadsByLabel` indexes: those some selector of the set uses. Indexing
  /// every label of every workload would hold most of the run's memory at its peak.
  private let indexedLabelKeys: Set<String>
  private let servicesByName: [ScopedName: [Int]]
  /// The first Service of each namespace and name, of whichever project (see
  /// `service(named:namespace:)`).
  private let servicesInAnyProject: [NamespacedName: Int]
  private let servicesBySpace: [Space: [Int]]
  /// Services by space and folder (`a/b` for `a/b/svc.yaml`).
  private let servicesByFolder: Set<ScopedName>
  private let statefulSetsByServiceName: [ScopedName: [Int]]
  private let backendsByService: [ScopedName: [BackendReference]]
  private let autoscaled: Set<AutoscalerTarget>
  private let autoscalersByTarget: [AutoscalerTarget: [Int]]
  private let customResourcesBySpace: [Space: [Int]]
  /// The names of the custom resources of each space, of three characters or more.
  private let customResourceNamesBySpace: [Space: Set<Substring>]
  private let namedNamespaceMonitors: [Int]
  /// The Services the API server calls, by space and name, and by name alone (namespace
  /// `""`, for Services that name no namespace).
  private let calledServices: Set<ScopedName>
  private let calledServiceNames: Set<ScopedName>
  /// Monitors by the project and namespace they watch; a `nil` namespace for those watching
  /// every namespace.
  private let monitorsByNamespace: [MonitorKey: [Int]]

  private struct AutoscalerTarget: Hashable {
    var space: Space
    var kind: String
    var name: String
  }

  /// A label of the workloads in one space. The space is its ordinal: hashing its project's
  /// path (often long) once per label of every workload cost more than the rest of the index.
  private struct LabelKey: Hashable {
    var space: Int
    var key: String
    var value: String
  }

  private struct MonitorKey: Hashable {
    var scope: String
    var namespace: String?
  }

  /// An Ingress backend: the ingress's index in `facts.ingresses` and the backend's index.
  private struct BackendReference {
    var ingress: Int
    var backend: Int
  }

  /// The files of `--context` folders: the objects the linted files are applied beside.
  public var contextFiles: Set<String> = []

  /// Whether `location` is in a `--context` file.
  public func isContext(_ location: Location) -> Bool {
    !contextFiles.isEmpty && contextFiles.contains(location.file)
  }

  public init(_ facts: FactsCollection) {
    self.init(facts, jobs: 1)
  }

  /// With `jobs` above 1, the indexes are built on that many threads: the pass over the whole
  /// set runs after the last file, when every other worker is idle.
  init(_ facts: FactsCollection, jobs: Int) {
    self.facts = facts
    let selectors =
      facts.services.map(\.selector) + facts.budgets.map(\.selector)
      + facts.monitors.map(\.selector)
    let indexedLabelKeys = Set(selectors.flatMap { $0?.matchLabels.keys ?? [:].keys })
    // Three parts of about the same work, each writing only its own indexes.
    nonisolated(unsafe) var workloadsByLabel: [LabelKey: [Int]] = [:]
    nonisolated(unsafe) var spaceOrdinals: [Space: Int] = [:]
    nonisolated(unsafe) var workloadsBySpace: [Space: [Int]] = [:]
    nonisolated(unsafe) var statefulSetsByServiceName: [ScopedName: [Int]] = [:]
    nonisolated(unsafe) var others = OtherIndexes()
    let build = { @Sendable (part: Int) in
      switch part {
      case 0:
        (workloadsByLabel, spaceOrdinals) = Self.workloadsByLabel(
          facts.workloads, keys: indexedLabelKeys)
      case 1:
        for (index, workload) in facts.workloads.enumerated() {
          workloadsBySpace[workload.space, default: []].append(index)
          if workload.kind == .statefulSet, let serviceName = workload.serviceName {
            statefulSetsByServiceName[ScopedName(workload.space, serviceName), default: []]
              .append(index)
          }
        }
      default:
        others = OtherIndexes(facts)
      }
    }
    if jobs > 1 {
      DispatchQueue.concurrentPerform(iterations: 3, execute: build)
    } else {
      for part in 0..<3 { build(part) }
    }
    self.workloadsBySpace = workloadsBySpace
    self.workloadsByLabel = workloadsByLabel
    self.spaceOrdinals = spaceOrdinals
    self.indexedLabelKeys = indexedLabelKeys
    self.statefulSetsByServiceName = statefulSetsByServiceName
    self.servicesByName = others.servicesByName
    self.servicesInAnyProject = others.servicesInAnyProject
    self.servicesBySpace = others.servicesBySpace
    self.servicesByFolder = others.servicesByFolder
    self.backendsByService = others.backendsByService
    self.monitorsByNamespace = others.monitorsByNamespace
    self.namedNamespaceMonitors = others.namedNamespaceMonitors
    self.customResourcesBySpace = others.customResourcesBySpace
    self.customResourceNamesBySpace = others.customResourceNamesBySpace
    self.autoscaled = others.autoscaled
    self.autoscalersByTarget = others.autoscalersByTarget
    self.calledServices = Set(
      facts.calledServices.map {
        ScopedName(Space(scope: $0.scope, namespace: $0.namespace), $0.name)
      })
    self.calledServiceNames = Set(
      facts.calledServices.map { ScopedName(Space(scope: $0.scope, namespace: ""), $0.name) })
    var regions: [RegionPlace: LackedKinds] = [:]
    for region in facts.incompleteRegions {
      regions[RegionPlace(scope: region.scope, folder: region.folder), default: LackedKinds()]
        .add(region.kind)
    }
    self.incompleteRegions = regions
  }

  private static func workloadsByLabel(_ workloads: [WorkloadFacts], keys: Set<String>)
    -> (index: [LabelKey: [Int]], spaceOrdinals: [Space: Int])
  {
    var index: [LabelKey: [Int]] = [:]
    index.reserveCapacity(workloads.count)
    var spaceOrdinals: [Space: Int] = [:]
    for (position, workload) in workloads.enumerated() {
      let space = workload.space
      let ordinal = spaceOrdinals[space] ?? spaceOrdinals.count
      spaceOrdinals[space] = ordinal
      for (key, value) in workload.podLabels where keys.contains(key) {
        index[LabelKey(space: ordinal, key: key, value: value), default: []].append(position)
      }
    }
    return (index, spaceOrdinals)
  }

  /// The indexes of the objects that are not workloads.
  private struct OtherIndexes {
    var servicesByName: [ScopedName: [Int]] = [:]
    var servicesInAnyProject: [NamespacedName: Int] = [:]
    var servicesBySpace: [Space: [Int]] = [:]
    var servicesByFolder: Set<ScopedName> = []
    var backendsByService: [ScopedName: [BackendReference]] = [:]
    var monitorsByNamespace: [MonitorKey: [Int]] = [:]
    var namedNamespaceMonitors: [Int] = []
    var customResourcesBySpace: [Space: [Int]] = [:]
    var customResourceNamesBySpace: [Space: Set<Substring>] = [:]
    var autoscaled: Set<AutoscalerTarget> = []
    var autoscalersByTarget: [AutoscalerTarget: [Int]] = [:]

    init() {}

    init(_ facts: FactsCollection) {
      for (index, service) in facts.services.enumerated() {
        servicesBySpace[service.space, default: []].append(index)
        servicesByFolder.insert(ScopedName(service.space, folder(of: service.location.file)))
        if let name = service.object.name {
          servicesByName[ScopedName(service.space, name), default: []].append(index)
          let namespaced = NamespacedName(namespace: service.space.namespace, name: name)
          if servicesInAnyProject[namespaced] == nil { servicesInAnyProject[namespaced] = index }
        }
      }
      for (ingressIndex, ingress) in facts.ingresses.enumerated() {
        for (backendIndex, backend) in ingress.backends.enumerated() {
          backendsByService[ScopedName(ingress.space, backend.serviceName), default: []]
            .append(BackendReference(ingress: ingressIndex, backend: backendIndex))
        }
      }
      for (index, monitor) in facts.monitors.enumerated() {
        switch monitor.namespaces {
        case .own:
          monitorsByNamespace[
            MonitorKey(scope: monitor.scope, namespace: monitor.namespace), default: []
          ]
          .append(index)
        case .any:
          monitorsByNamespace[MonitorKey(scope: monitor.scope, namespace: nil), default: []]
            .append(index)
        case .names(let names):
          namedNamespaceMonitors.append(index)
          for name in Set(names) {
            monitorsByNamespace[MonitorKey(scope: monitor.scope, namespace: name), default: []]
              .append(index)
          }
        }
      }
      customResourcesBySpace = Dictionary(
        grouping: facts.customResources.indices, by: { facts.customResources[$0].space })
      for resource in facts.customResources {
        guard let name = resource.object.name, name.utf8.count >= 3 else { continue }
        customResourceNamesBySpace[resource.space, default: []].insert(Substring(name))
      }
      // One that never scales past a pod (KEDA's scale to zero with `maxReplicaCount: 1`)
      // neither spreads the workload nor runs several of its pods.
      autoscaled = Set(
        facts.autoscalers.filter { ($0.maxReplicas ?? 2) > 1 }.map {
          AutoscalerTarget(space: $0.space, kind: $0.targetKind, name: $0.targetName)
        })
      autoscalersByTarget = Dictionary(
        grouping: facts.autoscalers.indices,
        by: {
          let autoscaler = facts.autoscalers[$0]
          return AutoscalerTarget(
            space: autoscaler.space, kind: autoscaler.targetKind, name: autoscaler.targetName)
        })
    }
  }

  // MARK: Completeness

  /// Whether an object a policy finds missing near `location` may be one the set lacks: it
  /// lies in a folder that holds an unrendered template of a kind `couldBe` takes (or of an
  /// unknown kind), or is a Helm chart (see `IncompleteRegion`). A policy that reports
  /// something missing stays silent there.
  public func mayBeIncomplete(
    around location: Location, scope: String, lacking couldBe: (String) -> Bool
  ) -> Bool {
    guard !incompleteRegions.isEmpty else { return false }
    func lacks(_ folder: some StringProtocol) -> Bool {
      incompleteRegions[RegionPlace(scope: scope, folder: String(folder))]?.mayHold(couldBe)
        ?? false
    }
    // The file's folder and each folder above it: one lookup each.
    var folder = Substring(location.file)
    while let slash = folder.utf8.lastIndex(of: UInt8(ascii: "/")) {
      folder = folder[..<slash]
      if lacks(folder) { return true }
    }
    return lacks("") || lacks(".")
  }

  private struct RegionPlace: Hashable {
    let scope: String
    let folder: String
  }

  /// The kinds of the objects a folder's templates stand for.
  private struct LackedKinds {
    /// The most kinds kept apart: past them, a folder may lack any kind (a folder of a
    /// thousand templates of made-up kinds was a scan of them all for every object near it).
    static let limit = 16
    var anyKind = false
    var kinds: Set<String> = []

    mutating func add(_ kind: String?) {
      guard let kind, kinds.count < Self.limit || kinds.contains(kind) else {
        anyKind = true
        return
      }
      kinds.insert(kind)
    }

    func mayHold(_ couldBe: (String) -> Bool) -> Bool {
      anyKind || kinds.contains(where: couldBe)
    }
  }

  private let incompleteRegions: [RegionPlace: LackedKinds]

  // MARK: Workloads

  /// Whether the set holds any pod-bearing object in `namespace`: without one, a policy cannot
  /// tell what a Service would select.
  public func hasWorkloads(in space: Space) -> Bool {
    workloadsBySpace[space] != nil
  }

  /// The namespaces of `scope` that hold workloads, in no particular order.
  public func workloadSpaces(inScope scope: String) -> [Space] {
    workloadsBySpace.keys.filter { $0.scope == scope }
  }

  /// Workloads of `namespace` whose pod labels satisfy `selector`, in source order; `nil` when
  /// unknown (see `selection(selectedBy:in:within:)`).
  public func workloads(
    selectedBy selector: LabelSelector, in space: Space, within budget: SelectionBudget
  ) -> [WorkloadFacts]? {
    workloadIndices(selectedBy: selector, in: space, within: budget)?.map { facts.workloads[$0] }
  }

  /// Indices into `facts.workloads` of the workloads `selector` selects in `space`; `nil`
  /// when unknown (see `selection(selectedBy:in:within:)`).
  public func workloadIndices(
    selectedBy selector: LabelSelector, in space: Space, within budget: SelectionBudget
  ) -> [Int]? {
    selection(selectedBy: selector, in: space, within: budget)?.indices
  }

  /// The work a policy may spend asking for selections of its own (`selection(selectedBy:in:
  /// within:)`): what `selectionLimit` allows. Each policy has its own, so that what one
  /// learns never depends on what the others, running at the same time, asked first.
  public func makeSelectionBudget() -> SelectionBudget {
    SelectionBudget(selectionLimit)
  }

  /// The workloads `selector` selects in `namespace`. Starts from the selector's rarest label,
  /// so the cost follows the number of candidates, not of workloads; each distinct selector
  /// is evaluated once per budget.
  ///
  /// Labels that controllers add to the pods they create (`statefulset.kubernetes.io/pod-name`,
  /// `job-name`, `pod-template-hash`, …) are matched against what the workload implies.
  ///
  /// `nil` when matching it would spend more than is left of `budget`: thousands of Services
  /// with distinct selectors that each select the same thousands of workloads made the pass
  /// quadratic in time and memory. What the selector selects is then unknown, and policies
  /// say nothing of it.
  public func selection(
    selectedBy selector: LabelSelector, in space: Space, within budget: SelectionBudget
  ) -> WorkloadSelection? {
    let key = Selection(space: space, selector: selector)
    if let known = budget.known[key] { return known }
    guard let selection = evaluate(selector, in: space, spending: &budget.remaining) else {
      return nil
    }
    budget.known[key] = selection
    return selection
  }

  /// What `selector` selects in `space`, when its candidates fit in `remaining` (which they
  /// are taken from); `nil` otherwise.
  private func evaluate(_ selector: LabelSelector, in space: Space, spending remaining: inout Int)
    -> WorkloadSelection?
  {
    let candidates = self.candidates(for: selector, in: space)
    guard candidates.count <= remaining else { return nil }
    remaining -= candidates.count
    selectorEvaluations.add(candidates.count)
    return WorkloadSelection(
      candidates.filter { index in
        ControllerLabels.selects(selector, podsOf: facts.workloads[index])
      }, in: facts.workloads)
  }

  /// The workloads `service` selects: `nil` without a selector, or when unknown. Every
  /// Service's is found once, in source order, by the first policy that asks, within
  /// `selectionLimit` (Services that share a selector share its selection, at no cost): which
  /// are unknown depends on the set alone, not on which policy asked first.
  public func selection(of service: ServiceFacts) -> WorkloadSelection? {
    guard service.selector != nil else { return nil }
    return serviceSelections.value.withLock { found in
      if found == nil {
        var remaining = selectionLimit
        var bySelector: [Selection: WorkloadSelection] = [:]
        var byService: [ObjectIdentifier: WorkloadSelection] = [:]
        for other in facts.services {
          guard let selector = other.selector else { continue }
          let key = Selection(space: other.space, selector: selector)
          if let known = bySelector[key] {
            byService[ObjectIdentifier(other)] = known
          } else if let made = evaluate(selector, in: other.space, spending: &remaining) {
            bySelector[key] = made
            byService[ObjectIdentifier(other)] = made
          }
        }
        found = byService
      }
      return found?[ObjectIdentifier(service)]
    }
  }

  /// Every Service's selection, by the Service's identity, once the first policy asks.
  private let serviceSelections = Shared<[ObjectIdentifier: WorkloadSelection]?>(nil)

  struct Selection: Hashable {
    var space: Space
    var selector: LabelSelector
  }

  /// The workloads of `space` that `selector` may select: those carrying its rarest indexed
  /// label, else all of the space's.
  private func candidates(for selector: LabelSelector, in space: Space) -> [Int] {
    // No ordinal: the space holds no workload.
    guard let spaceOrdinal = spaceOrdinals[space] else { return [] }
    var candidates: [Int]?
    // Keys the index does not hold (controller-assigned ones, or a selector from elsewhere)
    // do not narrow the candidates; the full match still checks them.
    for (key, value) in selector.matchLabels
    where !ControllerLabels.isAssigned(key) && indexedLabelKeys.contains(key) {
      let posting =
        workloadsByLabel[LabelKey(space: spaceOrdinal, key: key, value: value)] ?? []
      if posting.isEmpty { return [] }
      if candidates == nil || posting.count < candidates!.count { candidates = posting }
    }
    return candidates ?? workloadsBySpace[space] ?? []
  }

  /// Which of `wanted` (indices into `facts.workloads`) some selector of `selectors` selects,
  /// each in its space; `nil` when finding out would take more than `limit` matches.
  ///
  /// Keeps no selection: each workload leaves the search once selected, and a selector is
  /// matched against the fewer of its candidates and the workloads still wanted. Thousands of
  /// budgets with distinct `NotIn` selectors, each selecting every other workload, kept a
  /// selection of every workload for each (gigabytes, and minutes, for a few megabytes of
  /// input). The limit bounds what is left: distinct selectors that each select none of many
  /// wanted workloads.
  public func selected(
    _ wanted: Set<Int>, bySome selectors: [(selector: LabelSelector, space: Space)], limit: Int
  ) -> Set<Int>? {
    var open: [Space: Set<Int>] = [:]
    for index in wanted { open[facts.workloads[index].space, default: []].insert(index) }
    var selected: Set<Int> = []
    var tried: Set<Selection> = []
    var matches = 0
    for (selector, space) in selectors {
      guard let waiting = open[space], !waiting.isEmpty,
        tried.insert(Selection(space: space, selector: selector)).inserted
      else { continue }
      let candidates = self.candidates(for: selector, in: space)
      var found: [Int] = []
      func match(_ index: Int) {
        if ControllerLabels.selects(selector, podsOf: facts.workloads[index]) {
          found.append(index)
        }
      }
      if candidates.count < waiting.count {
        for index in candidates where waiting.contains(index) { match(index) }
      } else {
        for index in waiting { match(index) }
      }
      matches += min(candidates.count, waiting.count)
      selectorEvaluations.add(min(candidates.count, waiting.count))
      guard matches <= limit else { return nil }
      open[space]!.subtract(found)
      selected.formUnion(found)
    }
    return selected
  }

  /// Workloads of `space`, in source order, looked up as they are read (a policy that wants
  /// the first match reads no further).
  public func workloads(in space: Space) -> LazyMapCollection<[Int], WorkloadFacts> {
    (workloadsBySpace[space] ?? []).lazy.map { facts.workloads[$0] }
  }

  /// How many label selectors were evaluated against a workload's labels: the cost of the
  /// cross-object pass, which tests hold to linear.
  let selectorEvaluations = Counter()

  /// How many candidates the Services' selections, or one policy's own, may match: 64 for
  /// each object the pass reasons about, and a million more (real sets stay far below: a
  /// selector's rarest label narrows its candidates to a few workloads).
  var selectionLimit: Int {
    if let limit = selectionLimitOverride { return limit }
    return 64 * (facts.workloads.count + facts.services.count + facts.budgets.count)
      + 1_000_000
  }

  /// A smaller `selectionLimit`, for tests.
  var selectionLimitOverride: Int?

  /// Whether an operator probably runs the pods `selector` selects, for a custom resource of
  /// `namespace`: one that carries every label the selector asks for, itself or in its pod
  /// template (an Argo Rollout's), or whose name is one of the selector's values
  /// (`cnpg.io/cluster: pg-main` for a Cluster named `pg-main`).
  ///
  /// `true` when looking would spend more than is left of `budget`: thousands of Services
  /// selecting nothing in a namespace of thousands of custom resources made the pass
  /// quadratic (24 s for 4 MB). Not knowing, the caller reports nothing.
  public func customResourceMayRunPods(
    selectedBy selector: LabelSelector, in space: Space, within budget: SelectionBudget
  ) -> Bool {
    guard !selector.matchLabels.isEmpty else { return false }
    let resources = customResourcesBySpace[space] ?? []
    guard budget.spend(resources.count) else { return true }
    let values = Set(selector.matchLabels.values)
    return resources.contains { index in
      let resource = facts.customResources[index]
      if let name = resource.object.name, values.contains(name) { return true }
      if let pods = resource.podLabels,
        selector.matchLabels.allSatisfy({ pods[$0.key] == $0.value })
      {
        return true
      }
      return selector.matchLabels.allSatisfy { resource.labels[$0.key] == $0.value }
    }
  }

  /// Whether `space` holds custom resources, any of which may run pods.
  public func hasCustomResources(in space: Space) -> Bool {
    customResourcesBySpace[space] != nil
  }

  /// Whether an operator probably creates Service `name` of `namespace` for a custom resource:
  /// operators name their Services after the resource (`pg-main-rw` for Cluster `pg-main`,
  /// `rook-ceph-mgr-dashboard` for CephCluster `rook-ceph`).
  public func customResourceMayOwnService(named name: String, in space: Space) -> Bool {
    guard let names = customResourceNamesBySpace[space] else { return false }
    if names.contains(Substring(name)) { return true }
    // Each prefix that ends before a `-`, up to the longest name a resource can have.
    var end = name.startIndex
    var length = 0
    for character in name.utf8 {
      if character == UInt8(ascii: "-"), length >= 3, names.contains(name[..<end]) {
        return true
      }
      length += 1
      guard length <= 253 else { break }
      end = name.utf8.index(after: end)
    }
    return false
  }

  /// StatefulSets of `namespace` whose `serviceName` is `service`.
  public func statefulSets(governedBy service: String, in space: Space) -> [WorkloadFacts] {
    (statefulSetsByServiceName[ScopedName(space, service)] ?? []).map { facts.workloads[$0] }
  }

  /// Whether a HorizontalPodAutoscaler or a KEDA ScaledObject in the set scales `workload`
  /// past one pod.
  public func isAutoscaled(_ workload: WorkloadFacts) -> Bool {
    guard let name = workload.object.name else { return false }
    return autoscaled.contains(
      AutoscalerTarget(space: workload.space, kind: workload.object.kind, name: name))
  }

  /// The one autoscaler of the set that scales `workload` (`nil` when none or several do).
  public func autoscaler(of workload: WorkloadFacts) -> AutoscalerFacts? {
    guard let name = workload.object.name,
      let found = autoscalersByTarget[
        AutoscalerTarget(space: workload.space, kind: workload.object.kind, name: name)],
      found.count == 1
    else { return nil }
    return facts.autoscalers[found[0]]
  }

  /// Whether an autoscaler the set lacks (a HorizontalPodAutoscaler, a KEDA ScaledObject) may
  /// be near `location`: an unrendered template of one (see `mayBeIncomplete`).
  public func mayLackAutoscaler(around location: Location, scope: String) -> Bool {
    mayBeIncomplete(
      around: location, scope: scope,
      lacking: { $0 == "HorizontalPodAutoscaler" || $0 == "ScaledObject" })
  }

  /// Whether `workload` runs one pod: one replica, which no autoscaler of the set scales, nor
  /// one the set may lack.
  public func runsOnePod(_ workload: WorkloadFacts) -> Bool {
    workload.replicas == 1 && !isAutoscaled(workload)
      && !mayLackAutoscaler(around: workload.location, scope: workload.scope)
  }

  /// How many pods `workload` runs at least: its replicas, or several for a DaemonSet or an
  /// autoscaled workload.
  public func runsSeveralPods(_ workload: WorkloadFacts) -> Bool {
    if workload.kind == .daemonSet || isAutoscaled(workload) { return true }
    return (workload.replicas ?? 1) > 1
  }

  // MARK: Services

  public func hasServices(in space: Space) -> Bool {
    servicesBySpace[space] != nil
  }

  /// Whether the folder of `file` holds a Service of `space`: when it holds none, a Service an
  /// object names is probably made elsewhere (by an operator, another repository).
  public func hasServices(in space: Space, inFolderOf file: String) -> Bool {
    servicesByFolder.contains(ScopedName(space, folder(of: file)))
  }

  /// A Service named `name` in `namespace` of any project of the run (`--context` folders
  /// included). Projects are kept apart (`Space`), but an object that names a Service only
  /// another project defines may be applied beside it (a repository's exercises on top of
  /// its kustomization): not a typo, and not known to be missing.
  public func service(named name: String, namespace: String) -> ServiceFacts? {
    servicesInAnyProject[NamespacedName(namespace: namespace, name: name)].map {
      facts.services[$0]
    }
  }

  /// Services named `name` in `space` (more than one only when manifests repeat one).
  /// The first `maximumSameNamedServices` of them: a set of thousands of copies of one
  /// Service, each looked through for every Ingress backend or StatefulSet that names it, was
  /// quadratic.
  public func services(named name: String, in space: Space) -> [ServiceFacts] {
    (servicesByName[ScopedName(space, name)] ?? []).prefix(Self.maximumSameNamedServices).map {
      facts.services[$0]
    }
  }

  static let maximumSameNamedServices = 64

  /// Whether a ServiceMonitor in the set scrapes `service`: Prometheus then reads its
  /// endpoints, so it is meant to expose every pod.
  ///
  /// `true` when looking would spend more than is left of `budget` (thousands of headless
  /// Services beside thousands of monitors): not knowing, the caller reports nothing.
  public func isScrapedByMonitor(_ service: ServiceFacts, within budget: SelectionBudget) -> Bool {
    isScrapedByMonitor(service, within: budget, where: { _ in true })
  }

  /// The names of `service`'s ports that ServiceMonitors in the set scrape, by one monitor or
  /// several: Prometheus, not clients, goes through them, and it reads pods that are not
  /// ready all the same (kube-prometheus' blackbox exporter: its `https` port scraped, its
  /// `probe` port sent requests). Every named port when looking would spend more than is
  /// left of `budget`.
  public func portsScrapedByMonitors(_ service: ServiceFacts, within budget: SelectionBudget)
    -> Set<String>
  {
    let named = Set(service.ports.compactMap(\.name))
    guard !named.isEmpty else { return [] }
    var scraped: Set<String> = []
    // Each monitor looked at checks every port: charged so (thousands of ports against
    // thousands of monitors). `true` once every port is found scraped, or the budget spent.
    let settled = isScrapedByMonitor(service, within: budget, costPerMonitor: named.count) {
      monitor in
      if let ports = monitor.scrapedPortNames { scraped.formUnion(named.intersection(ports)) }
      return scraped.count == named.count
    }
    return settled ? named : scraped
  }

  /// Whether the API server sends requests to `service` (an admission or conversion
  /// webhook's, an aggregated API's), by a configuration in the set. A Service that names no
  /// namespace lands wherever it is applied: a call to its name in any namespace counts.
  public func isCalledByAPIServer(_ service: ServiceFacts) -> Bool {
    guard let name = service.object.name, !calledServices.isEmpty else { return false }
    if calledServices.contains(ScopedName(service.space, name)) { return true }
    return service.namespaceIsImplicit
      && calledServiceNames.contains(
        ScopedName(Space(scope: service.scope, namespace: ""), name))
  }

  private func isScrapedByMonitor(
    _ service: ServiceFacts, within budget: SelectionBudget, costPerMonitor: Int = 1,
    where scrapesEnough: (MonitorFacts) -> Bool
  ) -> Bool {
    let own =
      monitorsByNamespace[MonitorKey(scope: service.scope, namespace: service.namespace)] ?? []
    let everywhere = monitorsByNamespace[MonitorKey(scope: service.scope, namespace: nil)] ?? []
    // A Service that names no namespace lands wherever it is applied: any monitor of its
    // project that names namespaces may be watching it.
    let named = service.namespaceIsImplicit ? namedNamespaceMonitors : []
    // Charged before anything is looked at, or joined: the lists are the set's own.
    let (cost, overflow) = (own.count + everywhere.count + named.count)
      .multipliedReportingOverflow(by: costPerMonitor)
    guard !overflow, budget.spend(cost) else { return true }
    func scrapes(_ index: Int) -> Bool {
      let monitor = facts.monitors[index]
      return monitor.scope == service.scope && monitor.scrapesServices
        && (monitor.selector?.matches(service.labels) ?? false) && scrapesEnough(monitor)
    }
    return own.contains(where: scrapes) || everywhere.contains(where: scrapes)
      || named.contains(where: scrapes)
  }

  // MARK: Ingresses

  /// Ingress backends that route to Service `service` of `space`.
  public func ingressBackends(routingTo service: String, in space: Space)
    -> [(ingress: IngressFacts, backend: IngressFacts.Backend)]
  {
    (backendsByService[ScopedName(space, service)] ?? []).map {
      let ingress = facts.ingresses[$0.ingress]
      return (ingress, ingress.backends[$0.backend])
    }
  }
}

/// A value behind a lock, shared by the set policies that run concurrently.
/// What one policy may still spend on selections of its own, and those it made (see
/// `LintSet.selection(selectedBy:in:within:)`). Used by one policy's check at a time.
public final class SelectionBudget {
  var remaining: Int
  var known: [LintSet.Selection: WorkloadSelection] = [:]

  init(_ units: Int) {
    remaining = units
  }

  /// Takes `units` when that much is left.
  func spend(_ units: Int) -> Bool {
    guard units <= remaining else { return false }
    remaining -= units
    return true
  }
}

final class Shared<Value: Sendable>: Sendable {
  let value: Mutex<Value>

  init(_ value: Value) {
    self.value = Mutex(value)
  }
}

/// A count the cross-object pass keeps for tests; set policies add to it concurrently.
final class Counter: Sendable {
  private let count = Atomic<Int>(0)

  var value: Int { count.load(ordering: .relaxed) }

  func add(_ amount: Int) { count.add(amount, ordering: .relaxed) }
}

/// Labels that controllers put on the pods they create, which a selector may use although no
/// pod template carries them.
enum ControllerLabels {
  /// Keys whose value the controller assigns from the workload's kind and name.
  static let keys: Set<String> = [
    "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index", "job-name",
    "batch.kubernetes.io/job-name", "controller-uid", "batch.kubernetes.io/controller-uid",
    "pod-template-hash", "controller-revision-hash", "pod-template-generation",
    "batch.kubernetes.io/job-completion-index",
  ]

  static func isAssigned(_ key: String) -> Bool { keys.contains(key) }

  /// Whether `selector` selects the pods of `workload`: their template's labels, plus the
  /// controller-assigned labels the selector asks about, with the value the workload would
  /// give them (or the asked value, when it cannot be known).
  static func selects(_ selector: LabelSelector, podsOf workload: WorkloadFacts) -> Bool {
    selector.matches { key in
      if let value = workload.podLabels[key] { return value }
      guard keys.contains(key), let asked = selector.matchLabels[key] else { return nil }
      return value(of: key, for: workload, asked: asked)
    }
  }

  private static func value(of key: String, for workload: WorkloadFacts, asked: String) -> String? {
    let name = workload.object.name ?? ""
    switch key {
    case "statefulset.kubernetes.io/pod-name":
      // <name>-<ordinal>
      guard workload.kind == .statefulSet, asked.hasPrefix(name + "-"),
        asked.dropFirst(name.count + 1).allSatisfy(\.isNumber)
      else { return nil }
      return asked
    case "apps.kubernetes.io/pod-index":
      return workload.kind == .statefulSet ? asked : nil
    case "job-name", "batch.kubernetes.io/job-name":
      // A CronJob's jobs are named <cronjob>-<scheduled time>.
      if workload.kind == .job { return name }
      return workload.kind == .cronJob && asked.hasPrefix(name + "-") ? asked : nil
    case "controller-uid", "batch.kubernetes.io/controller-uid",
      "batch.kubernetes.io/job-completion-index":
      return workload.kind == .job || workload.kind == .cronJob ? asked : nil
    case "pod-template-hash":
      return workload.kind == .deployment || workload.kind == .replicaSet ? asked : nil
    case "controller-revision-hash":
      return workload.kind == .statefulSet || workload.kind == .daemonSet ? asked : nil
    case "pod-template-generation":
      return workload.kind == .daemonSet ? asked : nil
    default:
      return nil
    }
  }
}

/// The workloads one selector selects in one namespace, grouped by file and by folder so that
/// the nearest ones are found without a scan.
public final class WorkloadSelection: Sendable {
  /// Indices into `LintSet.facts.workloads`, in source order.
  public let indices: [Int]
  private let files: [String]
  /// The indices by file and by folder, made when first needed: most selections are never
  /// asked for the nearest workloads, and a run has thousands of selections.
  private let groups = Mutex<Groups?>(nil)

  private struct Groups {
    var byFile: [String: [Int]] = [:]
    var byFolder: [Substring: [Int]] = [:]
  }

  init(_ indices: [Int], in workloads: [WorkloadFacts]) {
    self.indices = indices
    files = indices.count > 1 ? indices.map { workloads[$0].location.file } : []
  }

  public var isEmpty: Bool { indices.isEmpty }

  /// The selected workloads nearest to `file` (see `nearest`).
  public func nearest(to file: String) -> NearestWorkloads {
    guard indices.count > 1 else {
      return NearestWorkloads(indices: indices, id: .init(selection: self, scope: "*"))
    }
    let folder = directory(of: file)
    let (sameFile, sameFolder) = groups.withLock { groups -> ([Int]?, [Int]?) in
      if groups == nil {
        var built = Groups()
        for (index, file) in zip(indices, files) {
          built.byFile[file, default: []].append(index)
          built.byFolder[directory(of: file), default: []].append(index)
        }
        groups = built
      }
      return (groups!.byFile[file], groups!.byFolder[folder])
    }
    if let sameFile {
      return NearestWorkloads(indices: sameFile, id: .init(selection: self, scope: "f" + file))
    }
    if let sameFolder {
      return NearestWorkloads(
        indices: sameFolder, id: .init(selection: self, scope: "d" + folder))
    }
    return NearestWorkloads(indices: indices, id: .init(selection: self, scope: "*"))
  }
}

/// Some of a selection's workloads: those nearest to a referring object.
public struct NearestWorkloads: Sendable {
  /// Indices into `LintSet.facts.workloads`, in source order.
  public let indices: [Int]
  /// Which group of which selection these are: equal ids hold the same workloads, so a policy
  /// can work out what it needs of them once.
  public let id: ID

  public struct ID: Hashable, Sendable {
    /// Held, not just identified: an identifier of a freed object could be reused.
    let selection: WorkloadSelection
    let scope: String

    init(selection: WorkloadSelection, scope: String) {
      self.selection = selection
      self.scope = scope
    }

    public static func == (lhs: ID, rhs: ID) -> Bool {
      lhs.selection === rhs.selection && lhs.scope == rhs.scope
    }

    public func hash(into hasher: inout Hasher) {
      hasher.combine(ObjectIdentifier(selection))
      hasher.combine(scope)
    }
  }
}

/// Cross-object references resolve to the nearest candidates first: those in the referring
/// object's file, else in its folder, else anywhere in the set. Folders of unrelated samples
/// often reuse labels and names (`app: mysql`), and the nearest match is the one meant.
public func nearest<T>(_ candidates: [T], to file: String, fileOf: (T) -> String) -> [T] {
  guard candidates.count > 1 else { return candidates }
  let sameFile = candidates.filter { fileOf($0) == file }
  if !sameFile.isEmpty { return sameFile }
  let folder = directory(of: file)
  let sameFolder = candidates.filter { directory(of: fileOf($0)) == folder }
  return sameFolder.isEmpty ? candidates : sameFolder
}

/// The folder part of a file's name. By bytes: `String.lastIndex(of:)` walks characters,
/// which costs thousands of instructions for a long path.
private func directory(of file: String) -> Substring {
  guard let slash = file.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
  return file[..<slash]
}

private func folder(of file: String) -> String {
  String(directory(of: file))
}
