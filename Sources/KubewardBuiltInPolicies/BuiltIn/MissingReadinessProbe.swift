import KubewardEngine
import KubewardModel

/// `missing-readiness-probe`: containers that receive traffic, or are rolled out, as "ready"
/// the moment they start (I-8).
///
/// A probe matters where a Service sends requests or a rollout waits for readiness. So it is
/// asked of the serving containers of long-running workloads (those that declare ports, or whose
/// pods a Service selects) and of a bare Pod that a Service selects; not of a container that
/// declares no port and that no Service reaches (a queue worker, a log shipper), nor of one that
/// only keeps its pod alive (`pause`, `sleep infinity`).
struct MissingReadinessProbe: SetPolicy {
  static let id = "missing-readiness-probe"

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    let (targetsByWorkload, reachedByDatagrams, selectedElsewhere, scrapedByWorkload) =
      reachedByServices(set)
    for (index, workload) in set.facts.workloads.enumerated()
    where workload.kind.isLongRunningWorkload || workload.kind == .pod {
      let targets = targetsByWorkload[index] ?? []
      let podIsReached = targetsByWorkload[index] != nil
      // A Service's requests go to the container that owns its target port: where the
      // Services target a port some container declares, the others get none (a sentinel's
      // Service does not reach the database beside it).
      let targetsDeclaredPort = workload.ports.contains { Self.isTargeted($0, by: targets) }
      // Some container of the pod declares the ports it serves on.
      let podDeclaresPorts = !workload.ports.isEmpty
      // A rolling update waits for readiness; a bare Pod, a ReplicaSet or a
      // ReplicationController has none, a Recreate one stops the old pods first, and an
      // OnDelete one replaces a pod only when someone deletes it.
      let rollsOut =
        [.deployment, .statefulSet, .daemonSet].contains(workload.kind) && !workload.recreates
        && !workload.updatesOnDelete
      // A StatefulSet's only pod: its rollout stops it before starting the next (no working
      // pod is replaced early), and while it starts no other pod serves its Services, so a
      // probe gates little until it runs more. Information.
      let lonePod = workload.kind == .statefulSet && set.runsOnePod(workload)
      for container in workload.unprobedContainers {
        let isReached =
          podIsReached
          && (!targetsDeclaredPort || Self.isTargeted(container, of: workload, by: targets))
        // No container declares a port, and there are several: one of them serves the
        // Services' ports (the others talk over a socket, as CSI sidecars do), and which is a
        // guess.
        let servingContainerIsAGuess =
          isReached && !podDeclaresPorts && workload.unprobedContainers.count > 1
        // Another container of a reached pod gets the requests; with no rolling update to
        // wait for this one, its probe would gate nothing.
        if podIsReached, !isReached, !rollsOut { continue }
        // Every port it declares is one a ServiceMonitor scrapes through a Service (the
        // Prometheus Operator's own `http`): a metrics port, whatever its name.
        let declaresOnlyScrapedPorts =
          container.declaresPorts
          && workload.ports.allSatisfy {
            $0.container != container.name
              || Self.isTargeted($0, by: [scrapedByWorkload[index] ?? []])
          }
        if container.declaresPorts && !container.declaresOnlyAuxiliaryPorts
          && !declaresOnlyScrapedPorts
        {
          // Without a Service, readiness still paces a rolling update (not a Recreate one,
          // which stops every old pod first, nor an OnDelete one, nor a bare Pod's); a
          // ReplicaSet's or a ReplicationController's serving pods are for a Service kubeward
          // does not see.
          guard
            isReached
              || (workload.kind != .pod && !workload.recreates && !workload.updatesOnDelete)
          else { continue }
          // Readiness is the pod's: beside a container whose probe gates it, one whose ports
          // no Service targets (a backup agent, a second API) gets no requests before the pod
          // is ready, and the rollout waits for that probe too.
          if podIsReached, workload.probesReadiness,
            !Self.isTargeted(container, of: workload, by: targets)
          {
            continue
          }
        } else if container.declaresPorts {
          // Metrics and health ports only (a controller), by their names or by a monitor's
          // scraping them: readiness gates nothing unless a Service sends it requests, and
          // one that reaches it only through ports named so (an unnamed Service port in front
          // of the SMB CSI controller's `metrics`) is scraping it. (A port that is auxiliary
          // only by a scrape annotation may serve too: bookinfo's productpage.)
          guard isReached,
            !(targetsDeclaredPort
              && workload.ports.allSatisfy {
                $0.container != container.name || !Self.isTargeted($0, by: targets)
                  || $0.isNamedAuxiliary
              })
          else { continue }
        } else {
          // A Service's requests go to the container that owns the target port: a container
          // declaring none (a proxy, a log shipper) beside one that declares ports, or beside
          // one whose readiness probe already gates the pod, is not it.
          guard isReached && !podDeclaresPorts && !workload.probesReadiness else { continue }
        }
        let requests = "Services send it requests it cannot serve yet (connection refused)"
        let rollouts = "rollouts replace working pods before the new ones work"
        let unprobedConsequences =
          switch (isReached, rollsOut) {
          case (true, true): "\(requests) and \(rollouts)"
          case (true, false): requests
          case (false, true): rollouts
          case (false, false):
            if let service = selectedElsewhere[index] {
              // Selected, by a Service whose nearest workloads are others (a legacy variant
              // beside the current one): what kubeward knows is said.
              "Service \"\(service)\" selects its pods too (kubeward counts that Service for "
                + "workloads written nearer to it), and it has no rolling update: if it runs "
                + "beside that Service, it gets requests it cannot serve yet (connection refused)"
            } else {
              "no Service of the linted files selects its pods and it has no rolling update, "
                + "but a Service that selects them would send it requests it cannot serve yet "
                + "(connection refused)"
            }
          }
        // Readiness is the pod's: beside a container whose probe gates it (a controller
        // beside its kube-rbac-proxy), requests and rollouts wait for that probe, and only a
        // slower start of this container is left. Information.
        let gatedByAnother = workload.probesReadiness
        let slowerStart =
          isReached
          ? requests
          : rollsOut
            ? rollouts
            : "a Service that selects its pods would send it requests it cannot serve yet"
        // Its only ports are those its liveness probe checks, and no Service reaches it (a
        // controller's health endpoint): whether it serves anything a rollout should wait for
        // is a guess. Information.
        let mayServeOnlyHealthChecks = !isReached && container.declaresOnlyProbedPorts
        let consequences =
          lonePod && !gatedByAnother
          ? "it is its StatefulSet's only pod, which a rollout stops before starting the next "
            + "and beside which no other pod serves while it starts, so a probe gates little "
            + "until it runs more replicas; then \(unprobedConsequences)"
          : gatedByAnother
            ? "the pod's readiness waits only for another container's probe, so if this one "
              + "starts slower, \(slowerStart)"
            : mayServeOnlyHealthChecks
              ? "its declared ports are those its liveness probe checks and no Service in the "
                + "set reaches it, but if it serves more than health checks, \(unprobedConsequences)"
              : servingContainerIsAGuess
                ? "none of the pod's containers declares a port, so which of them serves its "
                  + "Services is a guess, but if this one does, \(unprobedConsequences)"
                : unprobedConsequences
        // A UDP or SCTP server can be checked only by a command or through a TCP port of
        // its own: the advice is harder to follow, and the finding is information. So is a
        // container that declares no port, reached only through Services' UDP or SCTP ports.
        let servesOnlyDatagrams =
          container.servesOnlyDatagrams
          || (isReached && !container.declaresPorts && reachedByDatagrams.contains(index))
        let probes =
          servesOnlyDatagrams
          ? "its ports are UDP or SCTP, which tcpSocket, httpGet and grpc probes cannot check: "
            + "add an exec readinessProbe, or one on a TCP health port"
          : "add a readinessProbe (httpGet, tcpSocket or grpc)"
        report.report(
          workload.object, at: container.location,
          """
          has no readinessProbe, so it counts as ready as soon as it starts: \(consequences); \
          \(probes)
          """,
          container: container.name,
          // Unreached and never rolled out (a ReplicaSet's, a ReplicationController's), it
          // waits for a Service kubeward does not see: a guess, so information.
          adjustment: servesOnlyDatagrams || gatedByAnother || servingContainerIsAGuess
            || mayServeOnlyHealthChecks || (!isReached && !rollsOut) || lonePod
            ? .info : .standard)
      }
    }
  }

  /// Indices of the workloads some Service of their space sends requests to: of the
  /// workloads its selector matches, the nearest (its own file, else its folder; see
  /// `WorkloadSelection.nearest`), so that a Service of one variant of an application does
  /// not reach the other variants kept beside it. A Service of metrics ports only
  /// (`argocd-notifications-controller-metrics`) is scraped, not sent requests: scrapers read
  /// pods that are not ready all the same. So is a port a ServiceMonitor in the set scrapes
  /// (kube-prometheus' exporters behind their kube-rbac-proxy), unless the API server calls
  /// the Service (an admission webhook's, scraped on its one port too).
  ///
  /// Each reached workload maps to the groups of Services that reach it, each with the ports
  /// its Services target (`targetPort`, else `port`); each workload a scraped port's Service
  /// selects, to the ports those target. Services that reach the same workloads
  /// (one selector, one file) are one group, whose workloads are visited once: 5 000 Services
  /// sharing a selector visited the 5 000 workloads it selects 5 000 times. Also the reached
  /// workloads that every such Service reaches through UDP or SCTP ports only; and, by
  /// workload, a Service that selects it but whose nearest workloads are others.
  private func reachedByServices(_ set: LintSet) -> (
    targets: [Int: [Set<IntOrString>]], byDatagramsOnly: Set<Int>, selectedElsewhere: [Int: String],
    scraped: [Int: Set<IntOrString>]
  ) {
    var groups:
      [NearestWorkloads.ID: (indices: [Int], targets: Set<IntOrString>, datagrams: Bool)] = [:]
    // Each selection once (5 000 Services of one selector select the same workloads), in
    // the Services' order: the first names the workloads' Service.
    var seen: Set<ObjectIdentifier> = []
    var selections: [(selection: WorkloadSelection, service: String)] = []
    var scrapedPorts: [Int: Set<IntOrString>] = [:]
    let budget = set.makeSelectionBudget()
    for service in set.facts.services {
      let isCalled = set.isCalledByAPIServer(service)
      guard isCalled || !service.servesOnlyAuxiliaryPorts, service.selector?.isEmpty == false
      else { continue }
      // Its ports for metrics (a memcached exporter's, beside the client port), and those a
      // ServiceMonitor scrapes, bring no requests to the container behind them, unless the API
      // server calls the Service (an admission webhook's, scraped on its one port too).
      // Nor when an Ingress routes clients to it: its scraped port serves them too.
      let isRouted = !set.ingressBackends(
        routingTo: service.object.name ?? "", in: service.space
      ).isEmpty
      let scraped =
        isCalled || isRouted ? [] : set.portsScrapedByMonitors(service, within: budget)
      let requested =
        isCalled && service.servesOnlyAuxiliaryPorts
        ? service.ports
        : service.ports.filter { !$0.isAuxiliary && !($0.name.map(scraped.contains) ?? false) }
      guard let selection = set.selection(of: service) else { continue }
      let nearest = selection.nearest(to: service.location.file)
      let scrapedTargets = service.ports.filter { $0.name.map(scraped.contains) ?? false }
        .compactMap { $0.targetPort ?? $0.port.map(IntOrString.int) }
      if !scrapedTargets.isEmpty {
        for index in nearest.indices { scrapedPorts[index, default: []].formUnion(scrapedTargets) }
      }
      // Scraped, not sent requests.
      if !isCalled, !service.ports.isEmpty, requested.isEmpty { continue }
      if nearest.indices.count < selection.indices.count,
        seen.insert(ObjectIdentifier(selection)).inserted
      {
        selections.append((selection, service.object.name ?? ""))
      }
      let targets = requested.compactMap { $0.targetPort ?? $0.port.map(IntOrString.int) }
      let datagrams =
        !requested.isEmpty
        && requested.allSatisfy { ["UDP", "SCTP"].contains($0.protocol.uppercased()) }
      groups[nearest.id, default: (nearest.indices, [], true)].targets.formUnion(targets)
      groups[nearest.id]!.datagrams = groups[nearest.id]!.datagrams && datagrams
    }
    var reached: [Int: [Set<IntOrString>]] = [:]
    var byStreams: Set<Int> = []
    for group in groups.values {
      for index in group.indices {
        reached[index, default: []].append(group.targets)
        if !group.datagrams { byStreams.insert(index) }
      }
    }
    var selectedElsewhere: [Int: String] = [:]
    for (selection, service) in selections {
      for index in selection.indices where reached[index] == nil {
        selectedElsewhere[index] = selectedElsewhere[index] ?? service
      }
    }
    return (reached, Set(reached.keys).subtracting(byStreams), selectedElsewhere, scrapedPorts)
  }

  /// Whether a Service's target port is one of `container`'s, by number or by name.
  private static func isTargeted(
    _ container: WorkloadFacts.ContainerFacts, of workload: WorkloadFacts,
    by targets: [Set<IntOrString>]
  ) -> Bool {
    workload.ports.contains { port in
      port.container == container.name && isTargeted(port, by: targets)
    }
  }

  /// Whether a Service's target port is `port`, by number or by name.
  private static func isTargeted(_ port: WorkloadFacts.Port, by targets: [Set<IntOrString>])
    -> Bool
  {
    targets.contains { group in
      port.number.map { group.contains(.int($0)) } == true
        || port.name.map { group.contains(.string($0)) } == true
    }
  }
}
