import KubewardEngine
import KubewardModel

/// `slb-port-conflict`: two Services sharing one cloud load balancer and one listener port
/// (I-3).
struct SLBPortConflict: SetPolicy {
  static let id = "slb-port-conflict"

  private struct Listener: Hashable {
    let loadBalancer: String
    let port: Int
    let `protocol`: String
  }

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    var owners: [Listener: ServiceFacts] = [:]
    for service in set.facts.services where service.type == "LoadBalancer" {
      guard let loadBalancer = service.loadBalancerID else { continue }
      for port in service.ports {
        guard let number = port.port else { continue }
        let listener = Listener(loadBalancer: loadBalancer, port: number, protocol: port.protocol)
        guard let owner = owners[listener] else {
          owners[listener] = service
          continue
        }
        guard owner.object != service.object else { continue }
        report.report(
          service.object, at: port.portLocation,
          """
          listens on \(number)/\(port.protocol) of load balancer \(loadBalancer), as \
          \(owner.object) (\(owner.location.file):\(owner.location.range.start.line)) does: \
          one listener cannot forward to both, so traffic reaches the wrong backends; give \
          each Service sharing a load balancer its own ports
          """)
      }
    }
  }
}
