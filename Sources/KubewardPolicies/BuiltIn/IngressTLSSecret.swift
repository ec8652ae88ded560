import KubewardModel

/// `ingress-tls-secret`: TLS entries served with the controller's fake certificate (I-13).
struct IngressTLSSecret: ObjectPolicy {
  static let id = "ingress-tls-secret"

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let ingress = Ingress(object) else { return }
    for entry in ingress.tls where entry.scalar(.secretName) == nil {
      let hosts = entry.items(.hosts).compactMap(\.text)
      report.report(
        entry,
        "has a tls entry" + (hosts.isEmpty ? "" : " for \(hosts.joined(separator: ", "))")
          + " without secretName: the controller serves its default self-signed certificate, "
          + "which clients reject and scanners flag; name the Secret holding the certificate")
    }
  }
}
