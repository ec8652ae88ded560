import KubewardModel

/// `loadbalancer-lifecycle`: a LoadBalancer Service whose cloud load balancer lives and dies
/// with it (I-2).
struct LoadBalancerLifecycle: ObjectPolicy {
  static let id = "loadbalancer-lifecycle"
  static let pinningAnnotations = "pinningAnnotations"

  let annotations: [String]

  init(options: PolicyOptions) {
    annotations = options.strings(Self.pinningAnnotations)
  }

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let service = Service(object), let type = service.typeNode,
      type.textEquals("LoadBalancer")
    else { return }
    let pinned = annotations.contains { service.object.metadata.annotation($0)?.value.text != nil }
    guard !pinned else { return }
    report.report(
      type,
      """
      is type LoadBalancer without pinning an existing load balancer, so the cloud controller \
      creates one and deletes it with the Service (or when its type changes), losing its \
      address and listener and access-control settings; create the load balancer yourself \
      and pin it with the \(annotations.first ?? "load-balancer id") annotation, or expose \
      the application through an Ingress
      """)
  }
}
