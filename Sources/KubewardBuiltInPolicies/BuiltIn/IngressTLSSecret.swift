import KubewardEngine
import KubewardModel

/// `ingress-tls-secret`: TLS entries served with the controller's fake certificate (I-13).
struct IngressTLSSecret: ObjectPolicy {
  static let id = "ingress-tls-secret"

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let ingress = Ingress(object) else { return }
    for entry in ingress.tls where entry.scalar(.secretName) == nil {
      let hosts = entry.items(.hosts).compactMap(\.text)
      // Leaving it out is also how an Ingress uses the controller's default or wildcard
      // certificate, which kubeward cannot see: the policy is information.
      report.report(
        entry,
        "has a tls entry" + (hosts.isEmpty ? "" : " for \(hosts.joined(separator: ", "))")
          + " without secretName: unless the controller is given a default or wildcard "
          + "certificate (ingress-nginx --default-ssl-certificate, NGINX Ingress Controller "
          + "-wildcard-tls-secret), it serves a self-signed certificate, which clients reject, "
          + "or refuses TLS for these hosts; name the Secret holding the certificate")
    }
  }
}
