import KubewardEngine
import KubewardModel

/// `headless-service-no-lb`: a headless Service used as if it balanced load (I-4).
///
/// Headless is right for a StatefulSet's governing Service and for endpoint discovery: peers
/// finding each other, Prometheus scraping every pod, a DaemonSet's per-node pods. Elsewhere DNS
/// hands out every pod address and clients stick to the first. The policy speaks only when the
/// set shows what the Service fronts (several pods it selects, or an Ingress routing to it) and
/// nothing shows the discovery is meant.
struct HeadlessServiceNoLB: SetPolicy {
  static let id = "headless-service-no-lb"

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    let budget = set.makeSelectionBudget()
    for service in set.facts.services where service.isHeadless && !service.ports.isEmpty {
      guard let name = service.object.name, let location = service.clusterIPLocation,
        service.selector != nil,
        set.statefulSets(governedBy: name, in: service.space).isEmpty,
        !Self.isForDiscovery(service, in: set, within: budget)
      else { continue }
      if let route = set.ingressBackends(routingTo: name, in: service.space).first {
        // Most controllers route to the pods' endpoints, for which headless changes nothing.
        guard !Self.routesToEndpoints(route.ingress.className) else { continue }
        let controller = route.ingress.className.map { "class \($0)" } ?? "the default class"
        report.report(
          service.object, at: location,
          """
          is headless (clusterIP: None) and \(route.ingress.object) routes to it through \
          \(controller): controllers that route to pod endpoints (ingress-nginx, Traefik, \
          ALB, Contour, …) handle that, but one that sends traffic to the Service's cluster IP \
          or node port cannot; remove clusterIP: None if yours does
          """, adjustment: .info)
        continue
      }
      // Pods that name the Service as their `subdomain` get their own DNS names through it
      // (`hostname.subdomain.namespace.svc`): what headless is for.
      guard let selected = set.selection(of: service)?.nearest(to: service.location.file).indices,
        !selected.contains(where: { set.facts.workloads[$0].subdomain == name })
      else { continue }
      // With one pod there is nothing to balance; a DaemonSet's pods are one per node, which
      // is what a headless Service over them is for.
      guard let firstIndex = selected.first else { continue }
      let first = set.facts.workloads[firstIndex]
      guard selected.count > 1 || set.runsSeveralPods(first),
        !selected.contains(where: { set.facts.workloads[$0].kind == .daemonSet })
      else { continue }
      let fronted = selected.count == 1 ? "\(first.object)" : "\(first.object) and others"
      if service.publishNotReadyAddresses {
        report.report(
          service.object, at: location,
          """
          is headless (clusterIP: None) and governs no StatefulSet; it selects \(fronted). \
          publishNotReadyAddresses suggests peer discovery, which is fine, but clients \
          that use it for traffic pin one pod: give them a regular Service
          """,
          adjustment: .lowered)
      } else if service.ports.allSatisfy(Self.isHTTP2) {
        report.report(
          service.object, at: location,
          """
          is headless (clusterIP: None) and governs no StatefulSet; it selects \(fronted). For \
          gRPC/HTTP2 that is right only if every client balances across the addresses \
          itself (a round_robin resolver, a proxy); others pin one pod
          """,
          adjustment: .lowered)
      } else {
        report.report(
          service.object, at: location,
          """
          is headless (clusterIP: None) but governs no StatefulSet; it selects \(fronted), and \
          DNS returns every pod address so clients pin the first one: it does not balance \
          load. Remove clusterIP: None (headless is for a StatefulSet's serviceName)
          """)
      }
    }
  }

  /// Signs that the Service is meant for discovering every pod, not for balancing: Prometheus
  /// scrapes it (a ServiceMonitor in the set, or the `prometheus.io/scrape` annotation),
  /// ExternalDNS publishes its pods' addresses under a name, or its name or ports say so
  /// (`…-headless`, `…-discovery`, gossip and cluster membership ports).
  static func isForDiscovery(
    _ service: ServiceFacts, in set: LintSet, within budget: SelectionBudget
  ) -> Bool {
    if service.isScrapedByAnnotation || set.isScrapedByMonitor(service, within: budget) {
      return true
    }
    // A name ExternalDNS publishes for a headless Service is a record of each pod's address.
    if service.isPublishedByExternalDNS { return true }
    let name = service.object.name?.lowercased() ?? ""
    if discoveryWords.contains(where: name.contains) { return true }
    return service.ports.allSatisfy { port in
      let portName = port.name?.lowercased() ?? ""
      return !portName.isEmpty && discoveryWords.contains(where: portName.contains)
    }
  }

  /// (Metrics too: a Prometheus scrape must reach every pod, each with its own numbers, as
  /// kube-state-metrics' shards.)
  private static let discoveryWords = [
    "headless", "discovery", "gossip", "peer", "memberlist", "cluster", "raft", "hl-", "metric",
    "telemetry",
  ]

  /// Ingress controllers that send traffic to the pods' endpoints rather than to the Service's
  /// cluster IP or node port, by the usual names of their ingress classes.
  static func routesToEndpoints(_ className: String?) -> Bool {
    guard let className = className?.lowercased() else { return false }
    return endpointControllers.contains(where: className.contains)
  }

  private static let endpointControllers = [
    "nginx", "traefik", "alb", "contour", "haproxy", "kong", "istio", "cilium", "apisix",
    "envoy", "skipper", "ambassador", "emissary", "gloo", "higress", "mse", "openshift",
  ]

  /// gRPC and HTTP/2 multiplex requests over one long-lived connection, which a ClusterIP
  /// balances only per connection; client-side balancing over a headless Service is the
  /// usual remedy.
  static func isHTTP2(_ port: ServiceFacts.Port) -> Bool {
    let hints = ["grpc", "h2c", "http2"]
    let name = port.name?.lowercased() ?? ""
    let appProtocol = port.appProtocol?.lowercased() ?? ""
    return hints.contains { name.hasPrefix($0) || appProtocol.hasSuffix($0) }
  }
}
