import KubewardModel

/// `service-target-port`: a Service port that forwards to a port no selected container has
/// (I-11).
struct ServiceTargetPort: SetPolicy {
  static let id = "service-target-port"

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    for service in set.facts.services {
      guard let selector = service.selector else { continue }
      let selected = nearest(
        set.workloads(selectedBy: selector, in: service.namespace), to: service.location.file,
        fileOf: \.location.file)
      guard let first = selected.first else { continue }
      let declared = selected.flatMap(\.ports)
      // A containerPort that is not a number (a `PORT` placeholder for sed) says nothing.
      guard !declared.contains(where: { $0.number == nil }) else { continue }
      let owners =
        selected.count == 1 ? "\(first.object)" : "\(first.object) and the others it selects"
      for port in service.ports {
        guard let target = port.targetPort else { continue }
        switch target {
        case .int(let number):
          // Declaring container ports is optional: only a workload that declares some tells
          // what it listens on.
          guard selected.allSatisfy({ !$0.ports.isEmpty }),
            !declared.contains(where: { $0.number == number && $0.protocol == port.protocol })
          else { continue }
          // Containers often listen on more ports than they declare (metrics, admin ports set
          // in arguments or config files). Only workloads declaring one single port that no
          // port of the Service targets are clearly served elsewhere.
          let certain =
            Set(declared.compactMap(\.number)).count == 1
            && !service.ports.contains { servicePort in
              declared.contains { Self.targets(servicePort, $0) }
            }
          report.report(
            service.object, at: port.targetPortLocation,
            """
            forwards port \(port.port.map(String.init) ?? "?") to targetPort \
            \(number)/\(port.protocol), but \(owners) declares containerPort \
            \(Self.list(declared)) only
            """
              + (certain
                ? ", so connections are refused; set targetPort to the port the container "
                  + "listens on"
                : """
                ; unless the container also listens on \(number) undeclared, connections are \
                refused: declare the port, or fix targetPort
                """),
            adjustment: certain ? .standard : .lowered)
        case .string(let name):
          guard !declared.contains(where: { $0.name == name && $0.protocol == port.protocol })
          else { continue }
          let named = declared.filter { $0.name != nil }
          report.report(
            service.object, at: port.targetPortLocation,
            """
            forwards to targetPort \"\(name)\", but \(owners) has no \(port.protocol) container \
            port named \(name)
            """
              + (named.isEmpty ? " (it names none)" : " (it has \(Self.list(named)))")
              + ", so the Service gets no endpoints for this port; name the container port or "
              + "fix targetPort")
        }
      }
    }
  }

  /// Whether `servicePort` forwards to `containerPort`.
  static func targets(_ servicePort: ServiceFacts.Port, _ containerPort: WorkloadFacts.Port) -> Bool
  {
    guard servicePort.protocol == containerPort.protocol else { return false }
    switch servicePort.targetPort {
    case .int(let number): return containerPort.number == number
    case .string(let name): return containerPort.name == name
    case nil: return false
    }
  }

  static func list(_ ports: [WorkloadFacts.Port]) -> String {
    var seen: Set<String> = []
    return ports.compactMap { port -> String? in
      let text =
        (port.name.map { "\($0)=" } ?? "")
        + "\(port.number.map(String.init) ?? "?")/\(port.protocol)"
      return seen.insert(text).inserted ? text : nil
    }.joined(separator: ", ")
  }
}
