import KubewardEngine
import KubewardModel

/// `duplicate-node-port`: two Services asking for the same node port, which is cluster-wide
/// (I-3 family).
struct DuplicateNodePort: SetPolicy {
  static let id = "duplicate-node-port"

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    var owners: [Int: (service: ServiceFacts, protocol: String, location: Location)] = [:]
    for service in set.facts.services {
      for port in service.ports {
        guard let nodePort = port.nodePort, let location = port.nodePortLocation else { continue }
        guard let owner = owners[nodePort] else {
          owners[nodePort] = (service, port.protocol, location)
          continue
        }
        // One Service may use a node port for TCP and UDP alike (DNS does); and the same
        // Service written in two files (a chart and its rendered copy, alternative manifests)
        // is one object in two variants, not two Services.
        if owner.service.object == service.object { continue }
        report.report(
          service.object, at: location,
          """
          requests nodePort \(nodePort), which \(owner.service.object) already requests \
          (\(owner.location.file):\(owner.location.range.start.line)): node ports are \
          allocated cluster-wide, so the second Service is rejected; pick another port or \
          leave nodePort unset to have one allocated
          """)
      }
    }
  }
}
