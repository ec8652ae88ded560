import KubewardModel
import KubewardYAML

/// A place in a linted file, kept after the file's nodes are gone.
///
/// 24 bytes: the range, and a reference to the file's name and the YAML path, which every
/// location of a file without a path shares. Facts hold several locations each, for every
/// object of a run.
public struct Location: Hashable, Sendable {
  public var range: SourceRange
  private var origin: Origin

  /// The file's name, and the path when the run computes paths.
  final class Origin: Hashable, Sendable {
    let file: String
    let path: String?

    init(file: String, path: String?) {
      self.file = file
      self.path = path
    }

    static func == (lhs: Origin, rhs: Origin) -> Bool {
      lhs === rhs || (lhs.file == rhs.file && lhs.path == rhs.path)
    }

    func hash(into hasher: inout Hasher) {
      hasher.combine(file)
      hasher.combine(path)
    }
  }

  public var file: String {
    get { origin.file }
    set { origin = Origin(file: newValue, path: origin.path) }
  }

  /// The YAML path, when the run computes paths (for fingerprints).
  public var path: String? {
    get { origin.path }
    set { origin = Origin(file: origin.file, path: newValue) }
  }

  public init(file: String, range: SourceRange, path: String? = nil) {
    self.init(range: range, origin: Origin(file: file, path: path))
  }

  init(range: SourceRange, origin: Origin) {
    self.range = range
    self.origin = origin
  }
}

/// Where cross-object references resolve: one namespace of one project.
///
/// A run may cover several independent projects (a monorepo's applications, a chart and its
/// rendered copy, unrelated samples): their objects must not meet. A project is the nearest
/// folder holding `.git`, a kustomization or a `Chart.yaml`, else the folder named on the
/// command line (see `LintInput.scope`).
public struct Space: Hashable, Sendable {
  public let scope: String
  public let namespace: String

  public init(scope: String, namespace: String) {
    self.scope = scope
    self.namespace = namespace
  }
}

/// Builds `Location`s for one file.
struct Locator: Sendable {
  let computePaths: Bool
  /// Shared by every location of the file when there are no paths.
  private let file: Location.Origin
  /// The file's project (`LintInput.scope`).
  let scope: String
  /// A kustomization of the run builds the file (as a resource or a patch), and may change
  /// what it says (`replicas:`, patches).
  let isKustomized: Bool

  init(file: String, scope: String = "", computePaths: Bool, isKustomized: Bool = false) {
    self.file = Location.Origin(file: file, path: nil)
    self.scope = scope
    self.computePaths = computePaths
    self.isKustomized = isKustomized
  }

  func callAsFunction(_ node: Node) -> Location {
    Location(
      range: node.findingRange,
      origin: computePaths ? Location.Origin(file: file.file, path: node.path) : file)
  }

  func callAsFunction(_ node: Node?) -> Location? { node.map { self($0) } }
}

/// What the cross-object pass knows of a pod-bearing object. A class, like the other facts that
/// policies pass around: the set's queries hand out shared references, not copies of a dozen
/// strings and locations each.
public final class WorkloadFacts: Sendable {
  public struct Port: Sendable {
    public let number: Int?
    public let name: String?
    public let `protocol`: String
    public let container: String?

    /// Named for metrics, health checks or administration (`metrics`, `healthz`): what goes
    /// through it is a scraper's or a monitor's, whatever the Service in front of it calls it.
    public var isNamedAuxiliary: Bool {
      name.map { ASCIIText.contains($0, anyOf: FactsCollection.auxiliaryPortWords) } ?? false
    }
  }

  /// What the probe policies need of a regular container.
  public struct ContainerFacts: Sendable {
    public let name: String?
    /// The container's first line (its `- name:`).
    public let location: Location
    public let declaresPorts: Bool
    /// Every port it declares is named for metrics, health checks or administration
    /// (`metrics`, `healthz`, `admin`): what it serves is not the traffic readiness gates.
    public let declaresOnlyAuxiliaryPorts: Bool
    /// Every port it declares is UDP or SCTP (a DNS server, an SCTP gateway): no tcpSocket,
    /// httpGet or grpc probe can check what it serves.
    public let servesOnlyDatagrams: Bool
    /// Every port it declares is unnamed and checked by its liveness or startup probe
    /// (descheduler's 10258, for `/healthz`): without a Service that reaches it, whether it
    /// serves more than health checks is unknown.
    public let declaresOnlyProbedPorts: Bool
  }

  /// Some container of the pod has a readiness probe: the pod is not ready before it is.
  public let probesReadiness: Bool
  /// A probe of a serving container checks a port by number that no container declares: the
  /// pod listens on ports it does not list (KEDA's operator probes 8081 and declares 8080).
  public let probesUndeclaredPorts: Bool
  /// The port numbers its serving containers' arguments or environment name that no
  /// container declares (`--port "18080"`, `LISTEN=:9000`): it may well listen there.
  public let namedUndeclaredPorts: [Int]

  public let object: ObjectReference
  public let kind: ResourceKind
  /// The object's `kind:` line, where findings about the workload as a whole point.
  public let location: Location
  public let podLabels: LabelSet
  /// Ports of the containers that serve traffic (regular containers and native sidecars).
  public let ports: [Port]
  /// `spec.replicas` (1 when unset, for kinds that have replicas; `nil` for the others).
  public let replicas: Int?
  public let replicasLocation: Location?
  /// A kustomization builds it, and may change its replicas (`Locator.isKustomized`).
  public let isKustomized: Bool
  /// A StatefulSet's `spec.serviceName`.
  public let serviceName: String?
  public let serviceNameLocation: Location?
  /// Its regular containers (not init, sidecar or ephemeral ones) that have no readiness
  /// probe and serve something (not `Container.isIdle`): the only ones the readiness policy
  /// looks at. Most workloads probe every container, and keep no list.
  public let unprobedContainers: [ContainerFacts]
  /// A Deployment with `strategy: Recreate`: old and new pods never run together, as a
  /// single-instance application needs.
  public let recreates: Bool
  /// A StatefulSet or DaemonSet with `updateStrategy: OnDelete`: a new template replaces a
  /// pod only when someone deletes it, so no rollout waits for readiness.
  public let updatesOnDelete: Bool
  /// A StatefulSet with `volumeClaimTemplates`: each pod owns its storage.
  public let ownsStorage: Bool
  /// A PersistentVolumeClaim its pods mount writable, which they all share.
  public let sharedClaim: String?
  /// The pods' `spec.subdomain`: the headless Service of that name gives each pod a DNS name.
  public let subdomain: String?
  /// The data store's image (`FactOptions.dataStoreImages`) a container of its pods runs,
  /// when one does, for a Deployment or StatefulSet of one replica: a second replica of it is
  /// a second store unless it is set up to replicate.
  public let dataStore: String?
  /// A container of its pods runs with leader election turned off
  /// (`--leader-elect=false`), for a Deployment or StatefulSet of one replica: a second
  /// replica would act beside the first (volcano's scheduler).
  public let disablesLeaderElection: Bool
  /// Every container of its pods that runs (sidecars too) runs the pause image, for a
  /// Deployment or StatefulSet of two replicas or more: an overprovisioning placeholder,
  /// meant to be evicted or preempted. (Not a command that ends in `sleep infinity`, which
  /// may start a server first: `sshd && sleep infinity`.)
  public let isIdle: Bool

  public var namespace: String { object.namespace ?? "" }
  /// The project the workload belongs to.
  public let scope: String
  public var space: Space { Space(scope: scope, namespace: namespace) }

  init(
    object: ObjectReference, scope: String, kind: ResourceKind, location: Location,
    podLabels: LabelSet, ports: [Port], replicas: Int?, replicasLocation: Location?,
    serviceName: String?, serviceNameLocation: Location?, unprobedContainers: [ContainerFacts],
    probesReadiness: Bool, probesUndeclaredPorts: Bool = false,
    namedUndeclaredPorts: [Int] = [], recreates: Bool, updatesOnDelete: Bool = false,
    ownsStorage: Bool,
    sharedClaim: String? = nil, subdomain: String? = nil, dataStore: String? = nil,
    disablesLeaderElection: Bool = false, isIdle: Bool = false, isKustomized: Bool = false
  ) {
    self.object = object
    self.isKustomized = isKustomized
    self.scope = scope
    self.kind = kind
    self.location = location
    self.podLabels = podLabels
    self.ports = ports
    self.replicas = replicas
    self.replicasLocation = replicasLocation
    self.serviceName = serviceName
    self.serviceNameLocation = serviceNameLocation
    self.unprobedContainers = unprobedContainers
    self.probesReadiness = probesReadiness
    self.probesUndeclaredPorts = probesUndeclaredPorts
    self.namedUndeclaredPorts = namedUndeclaredPorts
    self.recreates = recreates
    self.updatesOnDelete = updatesOnDelete
    self.ownsStorage = ownsStorage
    self.sharedClaim = sharedClaim
    self.subdomain = subdomain
    self.dataStore = dataStore
    self.disablesLeaderElection = disablesLeaderElection
    self.isIdle = isIdle
  }
}

/// What the cross-object pass knows of a Service.
public final class ServiceFacts: Sendable {
  public struct Port: Sendable {
    public let name: String?
    public let port: Int?
    public let portLocation: Location
    public let `protocol`: String
    public let targetPort: IntOrString?
    /// The written `targetPort`, or the `port` it defaults to.
    public let targetPortLocation: Location
    public let nodePort: Int?
    public let nodePortLocation: Location?
    public let appProtocol: String?

    /// For metrics, health checks or administration, by its name or its target port's
    /// (`metrics`, `http-metrics`): scrapers and monitors, not requests, go through it.
    public var isAuxiliary: Bool {
      func auxiliary(_ name: String?) -> Bool {
        name.map { ASCIIText.contains($0, anyOf: FactsCollection.auxiliaryPortWords) } ?? false
      }
      if auxiliary(name) { return true }
      if case .string(let target) = targetPort { return auxiliary(target) }
      return false
    }
  }

  public let object: ObjectReference
  public let location: Location
  /// The manifest names no namespace: it lands wherever it is applied (kustomize, `-n`).
  public let namespaceIsImplicit: Bool
  /// The Service's own `metadata.labels` (what ServiceMonitors select).
  public let labels: LabelSet
  public let type: String
  public let typeLocation: Location?
  public let isHeadless: Bool
  public let clusterIPLocation: Location?
  public let selector: LabelSelector?
  public let selectorLocation: Location?
  public let ports: [Port]
  public let publishNotReadyAddresses: Bool
  /// `prometheus.io/scrape: "true"`: scraped through its endpoints.
  public let isScrapedByAnnotation: Bool
  /// ExternalDNS publishes a name for it (`Service.isPublishedByExternalDNS`).
  public let isPublishedByExternalDNS: Bool
  /// The cloud load balancer the Service pins (by one of the pinning annotations), and where.
  public let loadBalancerID: String?
  public let loadBalancerIDLocation: Location?

  public var namespace: String { object.namespace ?? "" }
  public let scope: String
  public var space: Space { Space(scope: scope, namespace: namespace) }

  /// Every port is for metrics, health checks or administration, by its name or its target
  /// port's (`metrics`, `http-metrics`): scrapers and monitors, not requests, go through it.
  public var servesOnlyAuxiliaryPorts: Bool {
    !ports.isEmpty && ports.allSatisfy(\.isAuxiliary)
  }

  init(
    object: ObjectReference, scope: String, location: Location, namespaceIsImplicit: Bool,
    labels: LabelSet,
    type: String, typeLocation: Location?, isHeadless: Bool, clusterIPLocation: Location?,
    selector: LabelSelector?, selectorLocation: Location?, ports: [Port],
    publishNotReadyAddresses: Bool, isScrapedByAnnotation: Bool,
    isPublishedByExternalDNS: Bool = false, loadBalancerID: String?,
    loadBalancerIDLocation: Location?
  ) {
    self.object = object
    self.scope = scope
    self.location = location
    self.namespaceIsImplicit = namespaceIsImplicit
    self.labels = labels
    self.type = type
    self.typeLocation = typeLocation
    self.isHeadless = isHeadless
    self.clusterIPLocation = clusterIPLocation
    self.selector = selector
    self.selectorLocation = selectorLocation
    self.ports = ports
    self.publishNotReadyAddresses = publishNotReadyAddresses
    self.isScrapedByAnnotation = isScrapedByAnnotation
    self.isPublishedByExternalDNS = isPublishedByExternalDNS
    self.loadBalancerID = loadBalancerID
    self.loadBalancerIDLocation = loadBalancerIDLocation
  }
}

/// What the cross-object pass knows of an Ingress.
public final class IngressFacts: Sendable {
  public struct Backend: Sendable {
    public let serviceName: String
    public let serviceNameLocation: Location
    public let port: IntOrString?
    public let portLocation: Location?
  }

  public let object: ObjectReference
  public let backends: [Backend]
  public let scope: String
  /// The ingress class, when it names one (`Ingress.className`).
  public let className: String?
  /// Where the Ingress is, for findings about it as a whole.
  public let location: Location

  public var namespace: String { object.namespace ?? "" }
  public var space: Space { Space(scope: scope, namespace: namespace) }

  init(
    object: ObjectReference, scope: String, className: String?, location: Location,
    backends: [Backend]
  ) {
    self.object = object
    self.scope = scope
    self.className = className
    self.location = location
    self.backends = backends
  }
}

/// A HorizontalPodAutoscaler's target.
public struct AutoscalerFacts: Sendable {
  public let object: ObjectReference
  public let targetKind: String
  public let targetName: String
  /// The most replicas it scales to (`maxReplicas`, KEDA's `maxReplicaCount`), when written.
  public let maxReplicas: Int?
  /// The fewest it scales to (`minReplicas`, 1 when unset; KEDA's `minReplicaCount`, 0 when
  /// unset), when written as a number.
  public let minReplicas: Int?

  public let scope: String

  public var namespace: String { object.namespace ?? "" }
  public var space: Space { Space(scope: scope, namespace: namespace) }
}

/// What a Prometheus Operator monitor scrapes.
public struct MonitorFacts: Sendable {
  public let object: ObjectReference
  public let scrapesServices: Bool
  public let selector: LabelSelector?
  public let namespaces: Monitor.Namespaces
  /// The Service ports it scrapes, by name (`Monitor.scrapedPortNames`).
  public let scrapedPortNames: Set<String>?

  public let scope: String

  public var namespace: String { object.namespace ?? "" }
  public var space: Space { Space(scope: scope, namespace: namespace) }
}

/// A custom resource (of a group outside Kubernetes' own, of a kind not known to run no pods:
/// `APIVersion.runsNoPods`): operators create pods and Services for such objects (a
/// Prometheus, a Postgres cluster), named and labelled after them.
public struct CustomResourceFacts: Sendable {
  public let object: ObjectReference
  public let labels: LabelSet
  /// The labels of its pod template (`spec.template.metadata.labels`), when it has one: a
  /// workload of its own kind (an Argo Rollout, an OpenKruise CloneSet) runs pods with them.
  public let podLabels: LabelSet?

  public let scope: String

  public var namespace: String { object.namespace ?? "" }
  public var space: Space { Space(scope: scope, namespace: namespace) }
}

/// A PodDisruptionBudget's selector.
public struct DisruptionBudgetFacts: Sendable {
  public let object: ObjectReference
  public let selector: LabelSelector?
  /// The manifest names no namespace: it lands wherever it is applied (kustomize, `-n`).
  public let namespaceIsImplicit: Bool
  /// `spec.minAvailable` and `spec.maxUnavailable` (a count or a percentage), where written.
  public let minAvailable: (value: IntOrString, location: Location)?
  public let maxUnavailable: (value: IntOrString, location: Location)?
  /// Where its kind is written.
  public let location: Location
  /// A `policy/v1beta1` budget's empty selector selects no pod (`policy/v1`'s, every pod).
  public let selectsNothing: Bool
  /// A kustomization builds it, and may patch it (`Locator.isKustomized`).
  public let isKustomized: Bool

  public let scope: String

  public var namespace: String { object.namespace ?? "" }
  public var space: Space { Space(scope: scope, namespace: namespace) }
}

/// A Service the API server sends requests to (an admission or conversion webhook's, an
/// aggregated API's; see `ServiceCalls`).
public struct CalledServiceFacts: Sendable {
  public let namespace: String
  public let name: String
  public let scope: String
}

/// The facts of one file (or several, merged), in source order.
public struct FactsCollection: Sendable {
  public var workloads: [WorkloadFacts] = []
  public var services: [ServiceFacts] = []
  public var ingresses: [IngressFacts] = []
  public var autoscalers: [AutoscalerFacts] = []
  public var budgets: [DisruptionBudgetFacts] = []
  public var monitors: [MonitorFacts] = []
  public var customResources: [CustomResourceFacts] = []
  public var calledServices: [CalledServiceFacts] = []
  /// Folders whose objects the set does not fully hold (unrendered templates, Helm charts).
  public var incompleteRegions: [IncompleteRegion] = []

  public init() {}

  public mutating func append(contentsOf other: FactsCollection) {
    workloads += other.workloads
    services += other.services
    ingresses += other.ingresses
    autoscalers += other.autoscalers
    budgets += other.budgets
    monitors += other.monitors
    customResources += other.customResources
    calledServices += other.calledServices
    incompleteRegions += other.incompleteRegions
  }
}

/// A folder (and the folders below it) of one project whose objects the linted set does not
/// fully hold: a file there is an unrendered template, or the folder is a Helm chart. What a
/// cross-object policy finds missing there may be among the objects it cannot see.
public struct IncompleteRegion: Hashable, Sendable {
  public let scope: String
  /// The folder, as file names show it (`""` for the working directory).
  public let folder: String
  /// The kind of the object the set lacks there, when it is known (a template that parses,
  /// `kind: ConfigMap` named `cfg-<cluster>`); `nil`: any kind (a chart, a template that does
  /// not parse, a kind that is itself a placeholder). A templated ConfigMap hides no
  /// autoscaler, budget, Service or pod, and had silenced the checks for them in its folder.
  public let kind: String?

  public init(scope: String, folder: String, kind: String? = nil) {
    self.scope = scope
    self.folder = folder
    self.kind = kind
  }
}

/// Settings that decide what facts are kept.
public struct FactOptions: Sendable {
  /// Annotations that pin a Service to an existing cloud load balancer, by its id.
  public var loadBalancerIDAnnotations: [String]
  /// Images of data stores (see `DataImages`), which a workload's facts name.
  public var dataStoreImages: Set<String>

  public init(loadBalancerIDAnnotations: [String], dataStoreImages: Set<String> = []) {
    self.loadBalancerIDAnnotations = loadBalancerIDAnnotations
    self.dataStoreImages = dataStoreImages
  }
}

extension FactsCollection {
  /// Records what the cross-object pass needs to know of `object`.
  /// - Parameter strings: where the facts' strings are shared from (see `StringInterner`).
  mutating func collect(
    _ object: KubeObject, locate: Locator, options: FactOptions, strings: inout StringInterner
  ) {
    // Kinds the model does not know (ConfigMaps, Secrets, RBAC, …) leave no facts unless they
    // are custom resources, so their references are interned only then.
    guard let kind = object.resourceKind else {
      if let scaled = ScaledObject(object), let target = scaled.target {
        autoscalers.append(
          AutoscalerFacts(
            object: strings(object.reference), targetKind: target.kind, targetName: target.name,
            maxReplicas: scaled.maxReplicas, minReplicas: scaled.minReplicas,
            scope: locate.scope))
      }
      if APIVersion.isCustomResource(object.apiVersion), object.reference.namespace != nil,
        !APIVersion.runsNoPods(object.apiVersion, kind: object.kind)
      {
        customResources.append(
          CustomResourceFacts(
            object: strings(object.reference),
            labels: strings.labelSet(of: object.metadata.labelsNode),
            podLabels: object.node.mapping(.spec)?.mapping(.template)?.mapping(.metadata)?
              .mapping(.labels).map { strings.labelSet(of: $0) },
            scope: locate.scope))
      }
      for call in ServiceCalls.services(calledBy: object) {
        calledServices.append(
          CalledServiceFacts(namespace: call.namespace, name: call.name, scope: locate.scope))
      }
      return
    }
    let reference = strings(object.reference)
    switch kind {
    case .service:
      if let service = Service(object) {
        services.append(facts(of: service, reference, locate, options, &strings))
      }
    case .ingress:
      if let ingress = Ingress(object) { ingresses.append(facts(of: ingress, reference, locate)) }
    case .horizontalPodAutoscaler:
      if let autoscaler = HorizontalPodAutoscaler(object), let target = autoscaler.target {
        autoscalers.append(
          AutoscalerFacts(
            object: reference, targetKind: target.kind, targetName: target.name,
            maxReplicas: autoscaler.maxReplicas, minReplicas: autoscaler.minReplicas,
            scope: locate.scope))
      }
    case .podDisruptionBudget:
      if let budget = PodDisruptionBudget(object) {
        func bound(_ node: Node?) -> (IntOrString, Location)? {
          guard let node, let value = IntOrString(node) else { return nil }
          return (value, locate(node))
        }
        budgets.append(
          DisruptionBudgetFacts(
            object: reference, selector: strings(budget.selector),
            namespaceIsImplicit: Self.namesNoNamespace(object),
            minAvailable: bound(budget.minAvailable), maxUnavailable: bound(budget.maxUnavailable),
            location: locate(object.kindNode),
            selectsNothing: object.apiVersion == "policy/v1beta1"
              && (budget.selector.map { $0.matchLabels.isEmpty && $0.requirements.isEmpty }
                ?? true),
            isKustomized: locate.isKustomized, scope: locate.scope))
      }
    case .serviceMonitor, .podMonitor:
      if let monitor = Monitor(object) {
        monitors.append(
          MonitorFacts(
            object: reference, scrapesServices: kind == .serviceMonitor,
            selector: strings(monitor.selector), namespaces: monitor.namespaces,
            scrapedPortNames: monitor.scrapedPortNames, scope: locate.scope))
      }
    default:
      // A template without a spec (which the API server rejects, see `schema`) still has pods
      // of known labels: Services that select it must not "select nothing".
      if kind.isPodBearing, object.podTemplate != nil || object.podLabelsNode != nil {
        workloads.append(
          facts(
            of: object, reference, kind: kind, template: object.podTemplate, locate,
            dataStoreImages: options.dataStoreImages, &strings))
      }
    }
  }

  private func facts(
    of object: KubeObject, _ reference: ObjectReference, kind: ResourceKind,
    template: PodTemplate?, _ locate: Locator, dataStoreImages: Set<String>,
    _ strings: inout StringInterner
  ) -> WorkloadFacts {
    var ports: [WorkloadFacts.Port] = []
    for container in template?.spec.containers ?? [] where container.isLongRunning {
      for port in container.ports {
        ports.append(
          WorkloadFacts.Port(
            number: port.number, name: port.name, protocol: port.protocol,
            container: container.name))
      }
    }
    let replicas = object.replicas
    let serviceName = kind == .statefulSet ? object.spec?.scalar(.serviceName) : nil
    var unprobed: [WorkloadFacts.ContainerFacts] = []
    let appPort = template.flatMap(Self.daprAppPort)
    // The port the pod's `prometheus.io/port` annotation names is scraped (Fluent Bit's 2020).
    let scrapedPort = template?.metadata.annotation("prometheus.io/port")?.value.text
      .flatMap { Int($0) }
    // The port numbers readiness probes check in other containers than their own: the pod's
    // containers share one network, so a container whose port another's probe checks gates
    // the pod's readiness (JetStream's HTTP server, probed by its engine's container). (A
    // probe's port name is its own container's; a port its own container declares too is its
    // own server's, whatever else claims it.)
    var readinessPorts: Set<Int> = []
    for container in template?.spec.containers ?? [] where container.isLongRunning {
      if case .int(let number) = container.probe(.readiness)?.port,
        !container.ports.contains(where: { $0.number == number })
      {
        readinessPorts.insert(number)
      }
    }
    for container in template?.spec.containers ?? []
    where container.role == .container && container.probe(.readiness) == nil
      && !container.isIdle
      && !(!readinessPorts.isEmpty
        && container.ports.contains { $0.number.map(readinessPorts.contains) == true })
      && !(appPort.map { port in
        container.ports.isEmpty || container.ports.contains { $0.number == port }
      } ?? false)
    {
      let declared = container.ports
      // Metrics by name, by the number the container is told to serve metrics on, or by the
      // one the pod's annotation tells Prometheus to scrape.
      var metricsPorts = container.metricsPortNumbers
      if let scrapedPort { metricsPorts.insert(scrapedPort) }
      func namedAuxiliary(_ port: ContainerPort) -> Bool {
        port.name.map { ASCIIText.contains($0, anyOf: Self.auxiliaryPortWords) } ?? false
          || port.number.map(metricsPorts.contains) == true
      }
      // Beside a metrics port, an unnamed one that the liveness or startup probe checks is a
      // health port (Argo Workflows' controller: `metrics` and an unnamed 6060 its liveness
      // checks); one named `http` serves, whatever checks it.
      let healthChecked = [ProbeKind.liveness, .startup].compactMap { container.probe($0)?.port }
      func checkedForHealth(_ port: ContainerPort) -> Bool {
        healthChecked.contains { checked in
          switch checked {
          case .int(let number): port.number == number
          case .string(let name): port.name == name
          }
        }
      }
      unprobed.append(
        WorkloadFacts.ContainerFacts(
          name: strings(container.name), location: locate(container.findingAnchor),
          declaresPorts: !declared.isEmpty,
          declaresOnlyAuxiliaryPorts: !declared.isEmpty
            && declared.allSatisfy {
              namedAuxiliary($0) || ($0.name == nil && checkedForHealth($0))
            }
            && declared.contains(where: namedAuxiliary),
          servesOnlyDatagrams: !declared.isEmpty
            && declared.allSatisfy { ["UDP", "SCTP"].contains($0.protocol.uppercased()) },
          declaresOnlyProbedPorts: !declared.isEmpty
            && declared.allSatisfy { $0.name == nil && checkedForHealth($0) }))
    }
    let probesReadiness =
      appPort != nil
      || (template?.spec.containers ?? []).contains {
        $0.isLongRunning && $0.probe(.readiness) != nil
      }
    return WorkloadFacts(
      object: reference, scope: locate.scope, kind: kind, location: locate(object.kindNode),
      podLabels: strings.labelSet(of: object.podLabelsNode), ports: ports,
      replicas: replicas?.count,
      replicasLocation: locate(replicas?.node), serviceName: serviceName?.string,
      serviceNameLocation: locate(serviceName), unprobedContainers: unprobed,
      probesReadiness: probesReadiness,
      probesUndeclaredPorts: (template?.spec.containers ?? []).contains { container in
        container.isLongRunning
          && container.probes.contains { probe in
            guard case .int(let number) = probe.port else { return false }
            return !ports.contains { $0.number == number }
          }
      },
      namedUndeclaredPorts: Self.namedUndeclaredPorts(template, declared: ports),
      recreates: object.spec?.mapping(.strategy)?.scalar(.type)?.textEquals("Recreate") == true,
      updatesOnDelete: (kind == .statefulSet || kind == .daemonSet)
        && object.spec?["updateStrategy"]?.scalar(.type)?.textEquals("OnDelete") == true,
      ownsStorage: !object.volumeClaimTemplates.isEmpty,
      sharedClaim: template?.spec.volumes.lazy.compactMap(\.writableClaimName).first
        .map { strings($0) },
      subdomain: template?.spec.node["subdomain"]?.text.map { strings($0) },
      // Only `single-replica` asks, of a Deployment or StatefulSet of one replica: worked out
      // for every workload, it was 1 % of a run.
      dataStore: (kind == .deployment || kind == .statefulSet) && (replicas?.count ?? 1) == 1
        ? (template?.spec.containers ?? []).lazy.compactMap { container -> String? in
          guard container.role == .container,
            let name = DataImages.name(of: container, among: dataStoreImages), !container.isIdle
          else { return nil }
          return name
        }.first.map { strings($0) } : nil,
      disablesLeaderElection: (kind == .deployment || kind == .statefulSet)
        && (replicas?.count ?? 1) == 1
        && (template?.spec.containers ?? []).contains { container in
          container.role == .container
            && container.commandLine.contains { word in
              word.hasPrefix("--") && word.hasSuffix("=false")
                && ASCIIText.firstRange(of: "leader-elect", in: word) != nil
            }
        },
      isIdle: (kind == .deployment || kind == .statefulSet) && (replicas?.count ?? 1) >= 2
        && Self.runsOnlyIdleContainers(template),
      isKustomized: locate.isKustomized)
  }

  /// Whether the pods' containers that run (init containers aside, sidecars not) all run
  /// the pause image, and there is one.
  static func runsOnlyIdleContainers(_ template: PodTemplate?) -> Bool {
    let containers = (template?.spec.containers ?? []).filter(\.isLongRunning)
    return !containers.isEmpty && containers.allSatisfy(\.runsPauseImage)
  }

  /// The port numbers the serving containers' arguments or environment name and no container
  /// declares. None is looked for in a workload that declares none: its ports are not known
  /// either way (`service-target-port` asks only of workloads that declare theirs).
  static func namedUndeclaredPorts(_ template: PodTemplate?, declared: [WorkloadFacts.Port])
    -> [Int]
  {
    guard !declared.isEmpty else { return [] }
    var named: [Int] = []
    for container in template?.spec.containers ?? [] where container.isLongRunning {
      named.append(contentsOf: container.namedPortNumbers)
    }
    guard !named.isEmpty else { return [] }
    guard named.count * declared.count > 64 else {
      return named.filter { number in !declared.contains { $0.number == number } }
    }
    // A set, past a few: a hostile container may name and declare tens of thousands of ports.
    let numbers = Set(declared.compactMap(\.number))
    return named.filter { !numbers.contains($0) }
  }

  /// Whether the manifest names no namespace, so that the object lands wherever it is applied
  /// (a kustomization's `namespace`, `kubectl -n`). Written empty, it is none (the API server
  /// decodes `""` as nothing).
  static func namesNoNamespace(_ object: KubeObject) -> Bool {
    object.metadata.node?.scalar(.namespace)?.string?.isEmpty ?? true
  }

  /// The port whose application the Dapr sidecar waits for (`dapr.io/app-port` with
  /// `dapr.io/enabled: "true"`): the sidecar Dapr injects is ready only once the application
  /// listens there, so the pod is not ready before its application is.
  static func daprAppPort(_ template: PodTemplate) -> Int? {
    let metadata = template.metadata
    guard metadata.annotation("dapr.io/enabled")?.value.string == "true",
      let text = metadata.annotation("dapr.io/app-port")?.value.string
    else { return nil }
    return Int(text)
  }

  private func facts(
    of service: Service, _ reference: ObjectReference, _ locate: Locator,
    _ options: FactOptions, _ strings: inout StringInterner
  ) -> ServiceFacts {
    let ports = service.ports.map { port in
      ServiceFacts.Port(
        name: port.name, port: port.port, portLocation: locate(port.portNode ?? port.node),
        protocol: port.protocol, targetPort: port.targetPort,
        targetPortLocation: locate(port.targetPortNode ?? port.portNode ?? port.node),
        nodePort: port.nodePort.flatMap { $0 > 0 ? $0 : nil },
        nodePortLocation: locate(port.nodePortNode),
        appProtocol: port.appProtocol)
    }
    var loadBalancerID: (key: Node, value: Node)?
    for annotation in options.loadBalancerIDAnnotations {
      if let entry = service.object.metadata.annotation(annotation), entry.value.text != nil {
        loadBalancerID = entry
        break
      }
    }
    return ServiceFacts(
      object: reference, scope: locate.scope, location: locate(service.object.kindNode),
      namespaceIsImplicit: Self.namesNoNamespace(service.object),
      labels: strings.labelSet(of: service.object.metadata.labelsNode), type: service.type,
      typeLocation: locate(service.typeNode), isHeadless: service.isHeadless,
      clusterIPLocation: locate(service.clusterIPNode), selector: strings(service.selector),
      selectorLocation: locate(service.selectorNode), ports: ports,
      publishNotReadyAddresses: service.publishNotReadyAddresses,
      isScrapedByAnnotation: service.isScrapedByAnnotation,
      isPublishedByExternalDNS: service.isPublishedByExternalDNS,
      loadBalancerID: loadBalancerID?.value.text,
      loadBalancerIDLocation: locate(loadBalancerID?.value))
  }

  private func facts(of ingress: Ingress, _ reference: ObjectReference, _ locate: Locator)
    -> IngressFacts
  {
    IngressFacts(
      object: reference, scope: locate.scope, className: ingress.className,
      location: locate(ingress.object.kindNode),
      backends: ingress.backends.map { backend in
        IngressFacts.Backend(
          serviceName: backend.serviceName, serviceNameLocation: locate(backend.serviceNameNode),
          port: backend.port, portLocation: locate(backend.portNode))
      })
  }

  /// Words of port names for metrics, health checks and administration (`exporter`: a
  /// Prometheus exporter's, such as a RabbitMQ exporter beside the broker).
  static let auxiliaryPortWords: [StaticString] = [
    "metric", "health", "probe", "admin", "debug", "pprof", "profil", "delve", "dlv", "prom",
    "status", "monitor", "exporter",
  ]

}
