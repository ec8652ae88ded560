import KubewardEngine
import KubewardModel

/// `dns-policy-default`: pods that resolve names with the node's resolver, not the cluster's
/// (I-15).
struct DNSPolicyDefault: ObjectPolicy {
  static let id = "dns-policy-default"

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let spec = object.podSpec, let policy = spec.dnsPolicy, policy.textEquals("Default")
    else { return }
    // A DNS server (CoreDNS, NodeLocal DNSCache) must not resolve through itself.
    let servesDNS = spec.containers.contains { container in
      container.ports.contains { $0.number == 53 }
    }
    guard !servesDNS else { return }
    report.report(
      policy,
      "uses dnsPolicy: Default, which copies the node's resolv.conf: cluster names "
        + "(*.svc.cluster.local) do not resolve, and DNS changes made in the cluster never reach "
        + "it; use ClusterFirst (or ClusterFirstWithHostNet with hostNetwork)")
  }
}
