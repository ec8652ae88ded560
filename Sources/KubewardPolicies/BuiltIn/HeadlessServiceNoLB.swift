import KubewardModel

/// `headless-service-no-lb`: a headless Service used as if it balanced load (I-4).
///
/// Headless is right for a StatefulSet's governing Service and for endpoint discovery.
/// Elsewhere DNS hands out every pod address and clients stick to the first. The policy speaks
/// only when the set shows what the Service fronts: several pods it selects, or an Ingress
/// routing to it.
struct HeadlessServiceNoLB: SetPolicy {
  static let id = "headless-service-no-lb"

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    for service in set.facts.services where service.isHeadless && !service.ports.isEmpty {
      guard let name = service.object.name, let location = service.clusterIPLocation,
        let selector = service.selector,
        set.statefulSets(governedBy: name, in: service.namespace).isEmpty
      else { continue }
      if let route = set.ingressBackends(routingTo: name, in: service.namespace).first {
        report.report(
          service.object, at: location,
          """
          is headless (clusterIP: None) but \(route.ingress.object) routes to it: the ingress \
          controller gets pod addresses instead of one stable Service address; remove \
          clusterIP: None
          """, adjustment: .raised)
        continue
      }
      let selected = set.selection(selectedBy: selector, in: service.namespace)
        .nearest(to: service.location.file).indices
      // With one pod there is nothing to balance; Prometheus scrapes endpoints, not DNS.
      guard let firstIndex = selected.first else { continue }
      let first = set.facts.workloads[firstIndex]
      guard selected.count > 1 || set.runsSeveralPods(first), !set.isScrapedByMonitor(service)
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
