import KubewardEngine
import KubewardModel
import KubewardYAML

/// `loadbalancer-lifecycle`: a LoadBalancer Service whose cloud load balancer lives and dies
/// with it (I-2).
///
/// Every cloud controller deletes the load balancer (and releases its address) it created for a
/// Service when the Service goes or changes type. What keeps it is cloud-specific, so the
/// advice names the mechanism of the cloud the Service's annotations point to, or each of them
/// when they point to none. A Service that pins a load balancer, or reserves its address
/// (`spec.loadBalancerIP`, an Azure public IP, AWS Elastic IPs), is left alone; an internal
/// load balancer, reached through names rather than a published address, is information, and
/// so is one whose name ExternalDNS publishes (and moves to the new address).
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
    let metadata = service.object.metadata
    let pinned =
      annotations.contains { metadata.annotation($0)?.value.text?.isEmpty == false }
      // An empty one is none: the API server drops it (omitempty), as the exported policy sees.
      || service.object.spec?.scalar(.loadBalancerIP)?.text?.isEmpty == false
      || Self.keepingAnnotations.contains { name, isTrue in
        metadata.annotation(name)?.value.text.map(isTrue) ?? false
      }
    guard !pinned else { return }
    let cloud = Cloud(
      annotations: metadata.annotations,
      loadBalancerClass: service.object.spec?["loadBalancerClass"]?.text)
    if case .addressPool(let name, let annotation) = cloud {
      // No cloud load balancer: an allocator on the cluster's own nodes (MetalLB, kube-vip,
      // Cilium) hands the Service an address of its pool, and takes it back with the
      // Service. Only the address is lost, which clients that use it by name do not see.
      report.report(
        type,
        """
        is type LoadBalancer without pinning its address, so \(name) gives it one of its \
        pool and takes it back with the Service (or when its type changes): a new Service \
        may get another; pin the address in \(annotation) if clients use it
        """,
        adjustment: .info)
      return
    }
    let isInternal = Self.internalAnnotations.contains { name, value in
      metadata.annotation(name)?.value.text.map { value == nil || $0.lowercased() == value }
        ?? false
    }
    // Clients that reach it by the name ExternalDNS keeps pointed at its address follow a
    // new load balancer, as those of an internal one do.
    let named = service.isPublishedByExternalDNS && !isInternal
    // The Service in front of an ingress controller, a gateway or the proxy one runs cannot
    // be replaced by an Ingress: it is where the Ingresses' traffic comes in.
    let names = [metadata.name ?? ""] + Array(service.selector?.matchLabels.values ?? [:].values)
    let fronts = names.contains { ASCIIText.contains($0, anyOf: Self.edgeProxies) }
    // An Ingress carries HTTP only: not NFS, a database or DNS behind a load balancer.
    let ingress = !fronts && service.ports.contains(where: Self.carriesHTTP)
    report.report(
      type,
      """
      is type LoadBalancer without pinning an existing load balancer or reserving its \
      address, so the cloud controller creates one and deletes it with the Service (or when \
      its type changes), losing its address\(isInternal ? " (an internal one)" : "")\
      \(named ? " (ExternalDNS moves its name to the new one)" : "") and its settings; \
      \(cloud.advice)\(ingress ? ", or expose the application through an Ingress" : "")
      """,
      adjustment: isInternal || named ? .info : .standard)
  }

  /// Words in the name of an ingress controller's Service or pods (Contour's is `envoy`,
  /// Emissary's `ambassador`).
  static let edgeProxies: [StaticString] = [
    "ingress", "gateway", "envoy", "contour", "traefik", "kong", "haproxy", "ambassador",
    "emissary", "skipper",
  ]

  /// Whether `port` looks like one that serves HTTP, which an Ingress could carry instead: a
  /// web port, or a name or `appProtocol` that says HTTP, HTTPS, HTTP/2 or gRPC.
  static func carriesHTTP(_ port: ServicePort) -> Bool {
    if let number = port.port, [80, 443, 8080, 8443].contains(number) { return true }
    // ASCIIText.contains ignores ASCII case (`HTTP`, `gRPC`).
    return [port.name, port.appProtocol].contains { text in
      text.map { ASCIIText.contains($0, anyOf: ["http", "grpc", "h2c", "web"]) } ?? false
    }
  }

  /// Annotations whose true value makes the cloud controller leave the load balancer the
  /// Service names alone when the Service goes (it neither creates nor deletes it), with what
  /// each controller reads as true: Go's `strconv.ParseBool` (DigitalOcean, Scaleway), or
  /// `true` in any case (Exoscale).
  static let keepingAnnotations: [(name: String, isTrue: @Sendable (String) -> Bool)] = [
    ("service.kubernetes.io/do-loadbalancer-disown", isGoTrue),
    ("service.beta.kubernetes.io/scw-loadbalancer-externally-managed", isGoTrue),
    ("service.beta.kubernetes.io/exoscale-loadbalancer-external", { $0.lowercased() == "true" }),
  ]

  @Sendable private static func isGoTrue(_ text: String) -> Bool {
    ["1", "t", "T", "TRUE", "true", "True"].contains(text)
  }

  /// Annotations that make a load balancer internal, with the value that does (`nil`: any).
  private static let internalAnnotations: [(String, String?)] = [
    ("service.beta.kubernetes.io/aws-load-balancer-internal", nil),
    ("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"),
    ("service.beta.kubernetes.io/azure-load-balancer-internal", "true"),
    ("networking.gke.io/load-balancer-type", "internal"),
    ("cloud.google.com/load-balancer-type", "internal"),
    ("service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type", "intranet"),
    ("service.beta.kubernetes.io/alicloud-loadbalancer-address-type", "intranet"),
  ]

  /// The cloud a Service's annotations are written for.
  private enum Cloud {
    case alibaba, azure, google, digitalOcean, scaleway, exoscale
    /// AWS, and whether the Service asks for an NLB already (`aws-load-balancer-type`).
    case aws(nlb: Bool)
    /// Another provider, by its name: kubeward does not name its mechanism.
    case other(String)
    /// An allocator of addresses on the cluster's own nodes, and the annotation that pins one.
    case addressPool(name: String, annotation: String)
    case unknown

    /// Annotation prefixes of the other providers' cloud controllers, and their names.
    private static let otherProviders: [(prefix: String, name: String)] = [
      ("service.beta.kubernetes.io/oci-", "Oracle Cloud"),
      ("oci.oraclecloud.com/", "Oracle Cloud"),
      ("oci-network-load-balancer.oraclecloud.com/", "Oracle Cloud"),
      ("load-balancer.hetzner.cloud/", "Hetzner Cloud"),
      ("service.beta.kubernetes.io/linode-loadbalancer-", "Linode"),
      ("service.beta.kubernetes.io/vultr-loadbalancer-", "Vultr"),
      ("loadbalancer.openstack.org/", "OpenStack"),
      ("service.beta.kubernetes.io/openstack-", "OpenStack"),
      ("service.kubernetes.io/ibm-load-balancer-", "IBM Cloud"),
      ("service.kubernetes.io/tke-", "Tencent Cloud"),
      ("service.cloud.tencent.com/", "Tencent Cloud"),
      ("kubernetes.io/elb.", "Huawei Cloud"),
      ("loadbalancer.ovhcloud.com/", "OVHcloud"),
    ]

    /// Annotation prefixes and `loadBalancerClass` prefixes of allocators of addresses on the
    /// cluster's own nodes, and the annotation each pins an address with.
    ///
    /// Only annotations of the allocator's own: Cilium's `io.cilium/global-service` is
    /// ClusterMesh's, on Services whose load balancer a cloud makes, and
    /// `kube-vip.io/ignore` tells kube-vip to leave the Service to another.
    private static let addressPools:
      [(annotations: [String], classes: [String], name: String, annotation: String)] = [
        (["metallb.universe.tf/", "metallb.io/"], [], "MetalLB", "metallb.io/loadBalancerIPs"),
        (["kube-vip.io/"], ["kube-vip.io/"], "kube-vip", "kube-vip.io/loadbalancerIPs"),
        (
          ["io.cilium/lb-ipam-", "lbipam.cilium.io/"], ["io.cilium/"], "Cilium's LB IPAM",
          "lbipam.cilium.io/ips"
        ),
      ]

    init(annotations: Node?, loadBalancerClass: String? = nil) {
      let names = (annotations?.pairs ?? .none).compactMap { $0.key.string }.filter {
        $0 != "kube-vip.io/ignore"
      }
      if let pool = Self.addressPools.first(where: { pool in
        names.contains { name in pool.annotations.contains { name.hasPrefix($0) } }
          || pool.classes.contains { loadBalancerClass?.hasPrefix($0) == true }
      }) {
        self = .addressPool(name: pool.name, annotation: pool.annotation)
        return
      }
      var cloud = Cloud.unknown
      // The AWS Load Balancer Controller's `external` (and its `nlb-ip`) make NLBs too.
      let nlb =
        annotations?["service.beta.kubernetes.io/aws-load-balancer-type"]?.text.map {
          ["nlb", "external", "nlb-ip"].contains($0)
        } == true
      for (key, _) in annotations?.pairs ?? .none {
        guard let name = key.string else { continue }
        if name.contains("alibaba-cloud-") || name.contains("alicloud-") {
          cloud = .alibaba
        } else if name.hasPrefix("service.beta.kubernetes.io/aws-") {
          cloud = .aws(nlb: nlb)
        } else if name.hasPrefix("service.beta.kubernetes.io/azure-") {
          cloud = .azure
        } else if name.hasPrefix("cloud.google.com/") || name.hasPrefix("networking.gke.io/") {
          cloud = .google
        } else if name.hasPrefix("service.beta.kubernetes.io/do-loadbalancer-")
          || name.hasPrefix("service.kubernetes.io/do-loadbalancer-")
          || name.hasPrefix("kubernetes.digitalocean.com/")
        {
          cloud = .digitalOcean
        } else if name.hasPrefix("service.beta.kubernetes.io/scw-loadbalancer-") {
          cloud = .scaleway
        } else if name.hasPrefix("service.beta.kubernetes.io/exoscale-loadbalancer-") {
          cloud = .exoscale
        } else if let provider = Self.otherProviders.first(where: { name.hasPrefix($0.prefix) }) {
          cloud = .other(provider.name)
        }
        if case .unknown = cloud { continue }
        break
      }
      self = cloud
    }

    var advice: String {
      switch self {
      case .alibaba:
        "create the SLB or NLB yourself and pin it with the "
          + "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id annotation"
      case .aws(let nlb):
        "allocate Elastic IPs and name them in service.beta.kubernetes.io/"
          + "aws-load-balancer-eip-allocations"
          + (nlb
            ? ""
            : ", which needs an NLB (aws-load-balancer-type: nlb; a Classic ELB, the "
              + "default, takes none)")
          + ", or manage the load balancer outside the cluster"
      case .azure:
        "create a static public IP and name it in service.beta.kubernetes.io/azure-pip-name"
      case .google:
        "reserve a static address and name it in networking.gke.io/load-balancer-ip-addresses"
      // What their cloud controllers do: DigitalOcean's adopts a load balancer named by
      // kubernetes.digitalocean.com/load-balancer-id and deletes it with the Service unless
      // disowned (a hand-over, after which it updates it no more); Scaleway's releases no
      // flexible IP named in scw-loadbalancer-ip-ids, and deletes only a load balancer whose
      // name is the one it gives (`deleteLoadBalancer`); Exoscale's deletes the NLB named by
      // exoscale-loadbalancer-id unless it is marked external.
      case .digitalOcean:
        "give it a BYOIP address of your account in service.beta.kubernetes.io/"
          + "do-loadbalancer-ip (a load balancer adopted through kubernetes.digitalocean.com/"
          + "load-balancer-id is still deleted with the Service, unless disowned with "
          + "service.kubernetes.io/do-loadbalancer-disown)"
      case .scaleway:
        "book flexible IPs and name them in service.beta.kubernetes.io/"
          + "scw-loadbalancer-ip-ids, or pin a load balancer you create with "
          + "scw-loadbalancer-id (its controller deletes only the load balancers it named)"
      case .exoscale:
        "create the NLB yourself and pin it with service.beta.kubernetes.io/"
          + "exoscale-loadbalancer-id and exoscale-loadbalancer-external: \"true\" (named by id "
          + "alone, it is deleted with the Service)"
      case .addressPool(_, let annotation):
        "pin the address in \(annotation)"
      case .other(let name):
        "keep it with \(name)'s own mechanism (a load balancer you create and pin by an "
          + "annotation, or a reserved address, as its cloud controller documents), and list "
          + "that annotation in pinningAnnotations"
      case .unknown:
        "keep it with your cloud's mechanism (Alibaba Cloud: the "
          + "alibaba-cloud-loadbalancer-id annotation; AWS: Elastic IPs in "
          + "aws-load-balancer-eip-allocations, on an NLB (aws-load-balancer-type: nlb; the "
          + "default Classic ELB takes none); Azure: azure-pip-name; Google Cloud: a reserved "
          + "address in networking.gke.io/load-balancer-ip-addresses)"
      }
    }
  }
}
