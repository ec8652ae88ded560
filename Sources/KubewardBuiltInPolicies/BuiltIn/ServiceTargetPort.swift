import KubewardEngine
import KubewardModel

/// `service-target-port`: a Service port that forwards to a port no selected container has
/// (I-11).
struct ServiceTargetPort: SetPolicy {
  static let id = "service-target-port"

  init(options: PolicyOptions) {}

  /// What the port checks need of a group of selected workloads, worked out once per group:
  /// thousands of Services may select the same thousands of workloads.
  private struct Selected: Sendable {
    let first: ObjectReference
    let count: Int
    let declared: [WorkloadFacts.Port]
    /// The declared ports by number and by name, each with its protocol: thousands of Services
    /// looked each of their ports up in thousands of declared ones.
    let numbers: Set<PortKey>
    let names: Set<PortKey>
    /// A containerPort that is not a number (a `PORT` placeholder for sed).
    let hasUnnumbered: Bool
    /// Ports their arguments or environment name without declaring them.
    let namedUndeclared: Set<Int>
    /// Every one declares ports, and none probes a port by number that it does not declare:
    /// the declared ports are, as far as the manifest shows, all it listens on.
    let everyOneDeclaresItsPorts: Bool

    // The texts are for messages, written only when a finding is.
    var owners: String { count == 1 ? "\(first)" : "\(first) and the others it selects" }
    /// `declares` or `has` as `owners` takes it: one workload, or several.
    func agreeing(_ singular: String, _ plural: String) -> String {
      count == 1 ? singular : plural
    }
    var declaredText: String { ServiceTargetPort.list(declared) }
    var namedText: String {
      let named = declared.filter { $0.name != nil }
      return named.isEmpty ? " (it names none)" : " (it has \(ServiceTargetPort.list(named)))"
    }

    init(_ indices: [Int], in set: LintSet) {
      first = set.facts.workloads[indices[0]].object
      count = indices.count
      var declared: [WorkloadFacts.Port] = []
      var seen: Set<PortKey> = []
      var everyOneDeclaresItsPorts = true
      var namedUndeclared: Set<Int> = []
      for index in indices {
        let workload = set.facts.workloads[index]
        namedUndeclared.formUnion(workload.namedUndeclaredPorts)
        let ports = workload.ports
        if ports.isEmpty || workload.probesUndeclaredPorts { everyOneDeclaresItsPorts = false }
        for port in ports
        where seen.insert(PortKey(number: port.number, name: port.name, protocol: port.protocol))
          .inserted
        {
          declared.append(port)
        }
      }
      self.declared = declared
      numbers = Set(declared.map { PortKey(number: $0.number, name: nil, protocol: $0.protocol) })
      names = Set(declared.map { PortKey(number: nil, name: $0.name, protocol: $0.protocol) })
      hasUnnumbered = declared.contains { $0.number == nil }
      self.everyOneDeclaresItsPorts = everyOneDeclaresItsPorts
      self.namedUndeclared = namedUndeclared
    }
  }

  private struct PortKey: Hashable {
    let number: Int?
    let name: String?
    let `protocol`: String
  }

  func check(_ set: LintSet, _ report: inout SetReport) {
    var groups: [NearestWorkloads.ID: Selected] = [:]
    // The messages' lists of ports, once per group (each lists up to every declared port).
    var declaredTexts: [NearestWorkloads.ID: String] = [:]
    var namedTexts: [NearestWorkloads.ID: String] = [:]
    for service in set.facts.services {
      guard let nearest = set.selection(of: service)?.nearest(to: service.location.file),
        !nearest.indices.isEmpty
      else { continue }
      let selected = groups[nearest.id] ?? Selected(nearest.indices, in: set)
      groups[nearest.id] = selected
      // A containerPort that is not a number (a `PORT` placeholder for sed) says nothing.
      guard !selected.hasUnnumbered else { continue }

      // A headless Service forwards nothing: its DNS names the pods, which clients reach at
      // the target port themselves.
      let forwards = service.isHeadless ? "points port" : "forwards port"
      let forwardsTo = service.isHeadless ? "points to" : "forwards to"
      for port in service.ports {
        guard let target = port.targetPort else { continue }
        switch target {
        case .int(let number):
          // Declaring container ports is optional: only a workload that declares some, and
          // probes no other, tells what it listens on; one whose arguments name the number
          // (`--port "18080"`) listens there.
          guard selected.everyOneDeclaresItsPorts, !selected.namedUndeclared.contains(number),
            !selected.numbers.contains(
              PortKey(number: number, name: nil, protocol: port.protocol))
          else { continue }
          let listedPorts = declaredTexts[nearest.id] ?? selected.declaredText
          declaredTexts[nearest.id] = listedPorts
          // Declared for another protocol, the number is most likely the one the container
          // listens on, with the declaration's protocol left at its default (TCP).
          let otherProtocol = Self.otherProtocol(than: port.protocol) {
            selected.numbers.contains(PortKey(number: number, name: nil, protocol: $0))
          }
          // UDP has no connections to refuse: its datagrams go unanswered.
          let failure =
            port.protocol == "UDP" ? "its datagrams go unanswered" : "connections are refused"
          // Containers often listen on more ports than they declare (metrics and admin
          // ports, or a port set in a mounted configuration file): a number that matches no
          // declared port proves nothing, so this is information.
          report.report(
            service.object, at: port.targetPortLocation,
            otherProtocol.map { other in
              """
              \(forwards) \(port.port.map(String.init) ?? "?") to targetPort \
              \(number)/\(port.protocol), but \(selected.owners) \
              \(selected.agreeing("declares", "declare")) containerPort \(number) for \
              \(other) only (\(listedPorts)); if the container listens on \(number)/\
              \(port.protocol), declare it with protocol: \(port.protocol), else \(failure)
              """
            }
              ?? """
              \(forwards) \(port.port.map(String.init) ?? "?") to targetPort \
              \(number)/\(port.protocol), but \(selected.owners) \
              \(selected.agreeing("declares", "declare")) containerPort \
              \(listedPorts) only; unless the container also listens on \(number) \
              undeclared, \(failure): declare the port, or fix targetPort
              """,
            adjustment: .info)
        case .string(let name):
          guard
            !selected.names.contains(PortKey(number: nil, name: name, protocol: port.protocol))
          else { continue }
          let namedPorts = namedTexts[nearest.id] ?? selected.namedText
          namedTexts[nearest.id] = namedPorts
          // A name is matched with the protocol: one declared for another (left at TCP) is
          // most likely the port, its protocol not written.
          let otherProtocol = Self.otherProtocol(than: port.protocol) {
            selected.names.contains(PortKey(number: nil, name: name, protocol: $0))
          }
          let fix =
            otherProtocol.map { _ in
              "declare that port with protocol: \(port.protocol), or fix targetPort"
            } ?? "name the container port or fix targetPort"
          report.report(
            service.object, at: port.targetPortLocation,
            """
            \(forwardsTo) targetPort \"\(name)\", but \(selected.owners) \
            \(selected.agreeing("has", "have")) no \(port.protocol) container \
            port named \(name)
            """
              + (otherProtocol.map { " (it is declared for \($0) only)" } ?? namedPorts)
              + ", so the Service gets no endpoints for this port; \(fix)")
        }
      }
    }
  }

  /// A protocol other than the Service port's for which the pods declare the port (`declares`):
  /// the port, most likely, with its protocol left at TCP.
  static func otherProtocol(than own: String, declaredBy declares: (String) -> Bool) -> String? {
    ["TCP", "UDP", "SCTP"].first { $0 != own && declares($0) }
  }

  /// The ports as a message lists them: the first `listed`, then how many more (a workload
  /// of thousands of ports made each finding's message as long).
  static func list(_ ports: [WorkloadFacts.Port]) -> String {
    var seen: Set<String> = []
    let texts = ports.compactMap { port -> String? in
      let text =
        (port.name.map { "\($0)=" } ?? "")
        + "\(port.number.map(String.init) ?? "?")/\(port.protocol)"
      return seen.insert(text).inserted ? text : nil
    }
    guard texts.count > listed else { return texts.joined(separator: ", ") }
    return texts.prefix(listed).joined(separator: ", ") + " and \(texts.count - listed) more"
  }

  static let listed = 20
}
