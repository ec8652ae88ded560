import KubewardEngine
import KubewardModel

/// `external-traffic-local`: `externalTrafficPolicy: Local` and its uneven, node-dependent
/// reachability (I-14).
struct ExternalTrafficLocal: ObjectPolicy {
  static let id = "external-traffic-local"

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let service = Service(object),
      service.type == "LoadBalancer" || service.type == "NodePort",
      let policy = service.externalTrafficPolicyNode, policy.textEquals("Local")
    else { return }
    report.report(
      policy,
      "uses externalTrafficPolicy: Local: only nodes running one of its pods answer, so load "
        + "spreads by node rather than by pod, and from inside the cluster the load balancer's "
        + "address can be unreachable on nodes without a pod; keep it only if you need the "
        + "client source address, and spread the pods over the nodes")
  }
}
