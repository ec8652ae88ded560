import KubewardEngine
import KubewardModel

/// `ingress-missing-backend`: an Ingress that routes to a Service or port that does not exist
/// (I-12).
struct IngressMissingBackend: SetPolicy {
  static let id = "ingress-missing-backend"

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    for ingress in set.facts.ingresses {
      // The AWS Load Balancer Controller's `port.name: use-annotation`: the backend names an
      // action of the `alb.ingress.kubernetes.io/actions.<name>` annotation, not a Service.
      for backend in ingress.backends where backend.port != .string("use-annotation") {
        let services = set.services(named: backend.serviceName, in: ingress.space)
        guard let service = services.first else {
          // Without any Service in the Ingress's folder, the backend may live elsewhere (an
          // operator may create it for a custom resource, another repository may hold it).
          guard set.hasServices(in: ingress.space, inFolderOf: ingress.location.file),
            !set.customResourceMayOwnService(named: backend.serviceName, in: ingress.space),
            !set.mayBeIncomplete(
              around: ingress.location, scope: ingress.scope, lacking: { $0 == "Service" })
          else { continue }
          // One that another project of the run defines may be applied beside it: one of a
          // `--context` folder is.
          if let elsewhere = set.service(
            named: backend.serviceName, namespace: ingress.space.namespace)
          {
            guard !set.isContext(elsewhere.location) else { continue }
            report.report(
              ingress.object, at: backend.serviceNameLocation,
              """
              routes to Service \"\(backend.serviceName)\", which only another project of the \
              run defines (\(elsewhere.location.file):\(elsewhere.location.range.start.line)): \
              unless that is applied with it, the controller answers 503 or rejects its \
              configuration
              """, adjustment: .info)
            continue
          }
          report.report(
            ingress.object, at: backend.serviceNameLocation,
            """
            routes to Service \"\(backend.serviceName)\", which is not among the Services of \
            namespace \(ingress.namespace) in the linted set: the controller answers 503 \
            or rejects its configuration; fix the backend's service name
            """)
          continue
        }
        // An ExternalName Service is a DNS name with no endpoints or ports of its own: the
        // controller sends to the name, at the port the Ingress gives.
        guard let port = backend.port, let location = backend.portLocation,
          !services.contains(where: { $0.type == "ExternalName" || Self.exposes($0, port) })
        else { continue }
        let ports = service.ports.map { port in
          (port.name.map { "\($0)=" } ?? "") + (port.port.map(String.init) ?? "?")
        }
        report.report(
          ingress.object, at: location,
          "routes to port \(port) of \(service.object), which exposes "
            + (ports.isEmpty ? "no ports" : ports.joined(separator: ", "))
            + ": the controller has no endpoint to send to (502/503); use one of the Service's "
            + "ports (by number, or by name)")
      }
    }
  }

  static func exposes(_ service: ServiceFacts, _ port: IntOrString) -> Bool {
    service.ports.contains { candidate in
      switch port {
      case .int(let number): candidate.port == number
      case .string(let name): candidate.name == name
      }
    }
  }
}
