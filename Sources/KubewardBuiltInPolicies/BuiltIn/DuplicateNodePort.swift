import KubewardEngine
import KubewardModel

/// `duplicate-node-port`: two Services asking for the same node port, which is cluster-wide
/// (I-3 family).
struct DuplicateNodePort: SetPolicy {
  static let id = "duplicate-node-port"

  init(options: PolicyOptions) {}

  private struct ScopedPort: Hashable {
    var scope: String
    var nodePort: Int
  }

  private typealias Owner = (service: ServiceFacts, location: Location)

  func check(_ set: LintSet, _ report: inout SetReport) {
    var owners: [Int: Owner] = [:]
    var ownersInProject: [ScopedPort: Owner] = [:]
    for service in set.facts.services {
      for port in service.ports {
        guard let nodePort = port.nodePort, let location = port.nodePortLocation else { continue }
        let scoped = ScopedPort(scope: service.scope, nodePort: nodePort)
        defer {
          if owners[nodePort] == nil { owners[nodePort] = (service, location) }
          if ownersInProject[scoped] == nil { ownersInProject[scoped] = (service, location) }
        }
        let sameProject = ownersInProject[scoped]
        guard let owner = sameProject ?? owners[nodePort] else { continue }
        // One Service may use a node port for TCP and UDP alike (DNS does); and the same
        // Service written in two files (a chart and its rendered copy, alternative manifests)
        // is one object in two variants, not two Services.
        if owner.service.object == service.object { continue }
        let place = "(\(owner.location.file):\(owner.location.range.start.line))"
        guard sameProject == nil else {
          report.report(
            service.object, at: location,
            """
            requests nodePort \(nodePort), which \(owner.service.object) already requests \
            \(place): node ports are allocated cluster-wide, so the second Service is rejected; \
            pick another port or leave nodePort unset to have one allocated
            """)
          continue
        }
        // Another project of the run (its own kustomization, chart or repository) may be an
        // alternative to this one, or go to another cluster: KubeRay's `base/secure` and
        // `base/insecure` are one or the other.
        report.report(
          service.object, at: location,
          """
          requests nodePort \(nodePort), which \(owner.service.object), in another project, \
          requests too \(place): if both are applied to one cluster, the second Service is \
          rejected (node ports are allocated cluster-wide); pick another port, or leave \
          nodePort unset to have one allocated
          """, adjustment: .info)
      }
    }
  }
}
