import KubewardEngine
import Testing

/// What a finding says is true of the object it is about (found on repositories kubeward was
/// not tuned on: a claim that holds of other objects only is one the author disputes).
@Suite("Finding messages")
struct FindingMessageTests {
  /// The messages of `policy`'s findings on `manifest`, in order.
  func messages(_ policy: String, _ manifest: String) throws -> [String] {
    let input = LintInput(name: "m.yaml", source: .bytes(Array(manifest.utf8)), isExplicit: true)
    return try Linter().lint([input]).findings.filter { $0.policy == policy }.map(\.message)
  }

  /// `fsgroup-recursive-chown` names a large claim template's size, and says the size is
  /// not shown only where it is not (an Elasticsearch template of 100Gi was said to show none).
  @Test func aClaimTemplatesSizeIsSaidWhenWritten() throws {
    func message(storage: String) throws -> String? {
      try messages(
        "fsgroup-recursive-chown",
        """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: es, namespace: shop}
        spec:
          serviceName: es
          selector: {matchLabels: {app: es}}
          template:
            metadata: {labels: {app: es}}
            spec:
              securityContext: {fsGroup: 1000}
              containers: [{name: es, image: "elasticsearch:8.1.0"}]
          volumeClaimTemplates:
            - metadata: {name: data}
              spec: {accessModes: [ReadWriteOnce], resources: {requests: \(storage)}}
        """
      ).first
    }
    let written = try #require(try message(storage: "{storage: 100Gi}"))
    #expect(written.contains("claim template \"data\" (100Gi)"), "\(written)")
    #expect(!written.contains("does not show"), "\(written)")
    let unwritten = try #require(try message(storage: "{}"))
    #expect(unwritten.contains("whose size the manifest does not show"), "\(unwritten)")
    // A size of a megabyte of digits is quoted clipped.
    let huge = try #require(
      try message(storage: "{storage: \(String(repeating: "9", count: 1 << 20))Gi}"))
    #expect(huge.utf8.count < 2_000)
  }

  /// `aggressive-liveness-probe` says which of the window's two numbers is the default:
  /// "every 1s × failureThreshold 3" read as if 3 were written (knative's webhook).
  @Test func aLivenessWindowSaysWhichNumberIsTheDefault() throws {
    func message(_ probe: String) throws -> String? {
      try messages(
        "aggressive-liveness-probe",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n"
          + "  containers: [{name: app, image: example/app:1.0, livenessProbe: "
          + "{tcpSocket: {port: 80}, \(probe)}}]\n"
      ).first
    }
    let period = try #require(try message("periodSeconds: 1"))
    #expect(period.contains("(every 1s × failureThreshold 3 (the default))"), "\(period)")
    let both = try #require(try message("periodSeconds: 2, failureThreshold: 2"))
    #expect(both.contains("(every 2s × failureThreshold 2)"), "\(both)")
    // Written as no number, the default is what is read, and said.
    let quoted = try #require(try message("periodSeconds: 1, failureThreshold: '5'"))
    #expect(quoted.contains("(every 1s × failureThreshold 3 (the default))"), "\(quoted)")
  }

  /// `hostpath-volume` on the node's configuration or programs says what is at stake, the
  /// node, and leads with readOnly: no emptyDir stands in for a host's `/etc` (a GuardDuty
  /// sample was told its `/etc` could fill the disk). Other folders keep the disk's advice.
  @Test func aSystemFolderIsTheNodesNotItsDisk() throws {
    func message(_ path: String, type: String = "") throws -> String? {
      try messages(
        "hostpath-volume",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n"
          + "  containers: [{name: app, image: example/app:1.0, "
          + "volumeMounts: [{name: host, mountPath: /host}]}]\n"
          + "  volumes: [{name: host, hostPath: {path: '\(path)'\(type)}}]\n"
      ).first
    }
    for path in ["/etc", "/lib/modules", "//usr/bin"] {
      let system = try #require(try message(path), "\(path)")
      #expect(system.contains("mounts the node's system folder (\(path))"), "\(system)")
      #expect(system.contains("mount it readOnly unless it must change the node"), "\(system)")
      // The node's programs are at stake outside /etc.
      #expect(system.contains("configuration or programs") == (path != "/etc"), "\(system)")
    }
    // kube-vip's kubeconfig: one file, of configuration (it was a folder of programs).
    let kubeconfig = try #require(
      try message("/etc/kubernetes/admin.conf", type: ", type: FileOrCreate"))
    #expect(
      kubeconfig.contains("system file (/etc/kubernetes/admin.conf)")
        && kubeconfig.contains("change the node's configuration there"), "\(kubeconfig)")
    // The root a node agent enters with chroot (gpu-operator's MIG manager): the node is at
    // stake, and no emptyDir or PersistentVolume stands in for it.
    let root = try #require(try message("/"))
    #expect(root.contains("mounts the node's root filesystem (/)"), "\(root)")
    #expect(root.contains("mount it readOnly unless it must change the node"), "\(root)")
    #expect(!root.contains("emptyDir"), "\(root)")
    for path in ["/etcd-data", "/etc/../srv/data", "/srv/data"] {
      let data = try #require(try message(path), "\(path)")
      #expect(data.contains("can fill the node's disk"), "\(path): \(data)")
    }
  }

  /// `service-target-port`: a UDP Service to a port the pod declares for TCP (the protocol
  /// left at its default) says so, and asks for the protocol; UDP has no connections to
  /// refuse (kube-vip's UDP demo server was told its connections were refused).
  @Test func aPortDeclaredForAnotherProtocolAsksForTheProtocol() throws {
    /// A pod that declares `port`, and a Service to it at `targetPort` over `serviceProtocol`.
    func message(serviceProtocol: String, port: String, targetPort: String) throws -> String? {
      try messages(
        "service-target-port",
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: server, labels: {app: server}}
        spec:
          containers: [{name: server, image: example/server:1.0, ports: [\(port)]}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: server}
        spec:
          selector: {app: server}
          ports: [{port: 10002, targetPort: \(targetPort), protocol: \(serviceProtocol)}]
        """
      ).first
    }
    func message(serviceProtocol: String, containerPort: Int) throws -> String? {
      try message(
        serviceProtocol: serviceProtocol, port: "{containerPort: \(containerPort)}",
        targetPort: "10002")
    }
    let udp = try #require(try message(serviceProtocol: "UDP", containerPort: 10002))
    #expect(
      udp.contains("declares containerPort 10002 for TCP only (10002/TCP)")
        && udp.contains("declare it with protocol: UDP, else its datagrams go unanswered"),
      "\(udp)")
    let other = try #require(try message(serviceProtocol: "UDP", containerPort: 8080))
    #expect(other.contains("undeclared, its datagrams go unanswered"), "\(other)")
    let tcp = try #require(try message(serviceProtocol: "TCP", containerPort: 8080))
    #expect(tcp.contains("undeclared, connections are refused"), "\(tcp)")
    #expect(try message(serviceProtocol: "TCP", containerPort: 10002) == nil)
    // By name: a name is matched with its protocol too (the endpoints get no port).
    let named = try #require(
      try message(
        serviceProtocol: "UDP", port: "{name: dns, containerPort: 53}", targetPort: "dns"))
    #expect(
      named.contains("no UDP container port named dns (it is declared for TCP only)")
        && named.hasSuffix("declare that port with protocol: UDP, or fix targetPort"), "\(named)")
    #expect(
      try message(serviceProtocol: "TCP", port: "{name: dns, containerPort: 53}", targetPort: "dns")
        == nil)
  }

  /// `resource-requests`: a pod without a memory request is among the first the kubelet
  /// evicts; one whose memory is requested (a memory limit requests it) is not, and without a
  /// cpu request it loses its share of a busy node's cpu.
  @Test func aMissingCPURequestIsNoEvictionRisk() throws {
    func message(resources: String) throws -> String? {
      try messages(
        "resource-requests",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n"
          + "  containers: [{name: app, image: example/app:1.0, resources: \(resources)}]\n"
      ).first
    }
    let cpuOnly = try #require(try message(resources: "{limits: {memory: 300Mi}}"))
    #expect(cpuOnly.contains("has no cpu request"), "\(cpuOnly)")
    #expect(cpuOnly.contains("smallest share of a busy node's cpu"), "\(cpuOnly)")
    #expect(!cpuOnly.contains("evicted"), "\(cpuOnly)")
    for resources in ["{}", "{requests: {cpu: 100m}}"] {
      let memory = try #require(try message(resources: resources))
      #expect(memory.contains("among the first evicted under pressure"), "\(memory)")
    }
  }

  /// `deprecated-api-version`: policy/v1 reads an empty PodDisruptionBudget selector as every
  /// pod, which is said of a budget with an empty selector only (a missing one selects none at
  /// either version); apps/v1 requiring a selector is said of a Deployment without one.
  @Test func selectorNotesAreSaidOfObjectsTheyAreTrueOf() throws {
    let budgets = ["{matchLabels: {app: a}}", "{}", nil].map { selector in
      "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: b}\nspec:\n"
        + "  minAvailable: 1\n" + (selector.map { "  selector: \($0)\n" } ?? "")
    }
    let said = try budgets.map {
      try messages("deprecated-api-version", $0).first?.contains("an empty selector") ?? false
    }
    #expect(said == [false, true, false])
    let deployments = ["  selector: {matchLabels: {app: a}}\n", ""].map { selector in
      "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: d}\nspec:\n" + selector
        + "  template: {metadata: {labels: {app: a}}, spec: {containers: [{name: a, image: a:1}]}}\n"
    }
    let required = try deployments.map {
      try messages("deprecated-api-version", $0).first?.contains("requires spec.selector") ?? false
    }
    #expect(required == [false, true])
  }

  /// `loadbalancer-lifecycle` suggests an Ingress for a Service that serves HTTP, not for
  /// NFS, a database or DNS behind a load balancer (rook's NFS example), which an Ingress
  /// cannot carry.
  /// Nor for the Service in front of an ingress controller's proxy (Contour's `envoy`), where
  /// the Ingresses' traffic comes in.
  @Test func anIngressIsSuggestedForHTTPOnly() throws {
    func suggestsIngress(_ ports: String, name: String = "s") throws -> Bool {
      let message = try #require(
        try messages(
          "loadbalancer-lifecycle",
          "apiVersion: v1\nkind: Service\nmetadata: {name: \(name), namespace: shop}\nspec:\n"
            + "  type: LoadBalancer\n  selector: {app: \(name)}\n  ports: \(ports)\n"
        ).first)
      return message.contains("through an Ingress")
    }
    #expect(try !suggestsIngress("[{port: 80}, {port: 443}]", name: "envoy"))
    #expect(try !suggestsIngress("[{port: 443}]", name: "traefik"))
    #expect(try suggestsIngress("[{port: 443}]"))
    #expect(try suggestsIngress("[{name: http-api, port: 9000}]"))
    #expect(try suggestsIngress("[{name: GRPC, port: 9090}]"))
    #expect(try suggestsIngress("[{port: 9000, appProtocol: kubernetes.io/h2c}]"))
    #expect(try !suggestsIngress("[{name: nfs, port: 2049}]"))
    #expect(try !suggestsIngress("[{port: 5432}, {port: 53, protocol: UDP}]"))
  }

  /// `service-selects-nothing` and the storage policies say what Kubernetes does, not the
  /// worst one outage saw: kube-proxy refuses connections to a Service without endpoints,
  /// and under DiskPressure the kubelet evicts pods by their use, not every pod.
  @Test func consequencesAreWhatKubernetesDoes() throws {
    let said = try messages(
      "service-selects-nothing",
      """
      apiVersion: v1
      kind: Service
      metadata: {name: web, namespace: shop}
      spec: {selector: {app: wbe}, ports: [{port: 80}]}
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, namespace: shop}
      spec:
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec: {containers: [{name: web, image: example/web:1.0}]}
      """)
    #expect(said.count == 1 && said[0].contains("connections to it are refused or time out"))
    let scratch = """
      apiVersion: v1
      kind: Pod
      metadata:
        name: scratch
        namespace: shop
      spec:
        volumes: [{name: scratch, emptyDir: {}}]
        containers:
          - {name: app, image: example/app:1.0, volumeMounts: [{name: scratch, mountPath: /scratch}]}
      """
    let emptyDir = try messages("emptydir-size-limit", scratch)
    #expect(emptyDir.count == 1 && emptyDir[0].contains("starts evicting its pods"))
    #expect(!emptyDir.joined().contains("every pod"))
  }

  /// `alpine-image`: musl retries large answers over TCP since 1.2.4 (Alpine 3.18); the
  /// message says what was true before, not that every Alpine lacks it.
  @Test func theAlpineMessageDatesTheTCPFallback() throws {
    let said = try messages(
      "alpine-image",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n"
        + "  containers: [{name: c, image: alpine:3.23, command: [nslookup, api]}]\n")
    #expect(said.count == 1 && said[0].contains("no TCP fallback before Alpine 3.18"), "\(said)")
  }

  /// `single-replica`: a traffic peak is said of a workload a Service sends requests to, not of
  /// a controller or a worker that none selects (cluster-autoscaler, Tekton's controllers).
  @Test func aTrafficPeakIsSaidOfServedWorkloadsOnly() throws {
    let deployment =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: shop}\nspec:\n"
      + "  replicas: 1\n  selector: {matchLabels: {app: d}}\n"
      + "  template: {metadata: {labels: {app: d}}, spec: {containers: [{name: c, image: c:1}]}}\n"
    let service =
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: d, namespace: shop}\n"
      + "spec: {selector: {app: d}, ports: [{port: 80}]}\n"
    let alone = try messages("single-replica", deployment)
    #expect(alone.count == 1 && !alone[0].contains("traffic peak"), "\(alone)")
    #expect(alone.first?.contains("stops its work until another pod starts") == true)
    let served = try messages("single-replica", deployment + service)
    #expect(served.count == 1 && served[0].contains("traffic peak has nowhere to spread"))
    // Nor of a leader-elected operator whose only Service is its metrics' (KEDA's).
    let metrics = service.replacing(
      "ports: [{port: 80}]", with: "ports: [{name: metrics, port: 8080}]")
    let scraped = try messages("single-replica", deployment + metrics)
    #expect(scraped.count == 1 && !scraped[0].contains("traffic peak"), "\(scraped)")
  }

  /// `unrendered-template` names the tools that fill a placeholder in as its writing says:
  /// a template engine for `{{ … }}` (Seldon's Helm expressions were left to "envsubst,
  /// Ansible"), envsubst for `${…}`, a token replacement for `#{…}`, which YAML reads as a
  /// comment.
  @Test func aPlaceholdersToolsAreNamedByItsWriting() throws {
    func message(_ field: String) throws -> String {
      try #require(
        try messages(
          "unrendered-template",
          """
          apiVersion: v1
          kind: ConfigMap
          metadata:
            name: settings
            namespace: \(field)
          """
        ).first, "\(field)")
    }
    #expect(try message("\"team-{{ .Release.Namespace }}\"").contains("a template engine (Helm"))
    #expect(try message("${NAMESPACE}").contains("a tool (envsubst"))
    let comment = try message("#{Namespace}")
    #expect(comment.contains("holds #{Namespace} at metadata.namespace"), "\(comment)")
    #expect(comment.contains("Octopus Deploy") && comment.contains("reads as a comment"))
    #expect(try message("\"FILLED BY THE OPERATOR\"").contains("an operator) or a person"))
  }

  /// `service-target-port`: a headless Service forwards nothing (its DNS names the pods, which
  /// clients reach at the port themselves), and is not said to (tempo's gossip ring).
  @Test func aHeadlessServiceIsNotSaidToForward() throws {
    func message(clusterIP: String) throws -> String? {
      try messages(
        "service-target-port",
        """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: ring}
        spec:
          serviceName: ring
          selector: {matchLabels: {app: ring}}
          template:
            metadata: {labels: {app: ring}}
            spec:
              containers:
                - name: ring
                  image: example/ring:1.0
                  ports: [{name: metrics, containerPort: 3200}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: ring}
        spec:
          \(clusterIP)
          selector: {app: ring}
          ports: [{name: gossip, port: 7946, targetPort: 7946}]
        """
      ).first
    }
    let headless = try #require(try message(clusterIP: "clusterIP: None"))
    #expect(headless.contains("points port 7946 to targetPort 7946/TCP"), "\(headless)")
    let virtual = try #require(try message(clusterIP: "type: ClusterIP"))
    #expect(virtual.contains("forwards port 7946 to targetPort 7946/TCP"), "\(virtual)")
  }

  /// A kustomization is kustomize's configuration, never sent to the API server: a Helm
  /// expression in it (seldon-core's, whose build is a chart's template) is information; the
  /// same in an object stays an error.
  @Test func aKustomizationsTemplatesAreInformation() throws {
    func severities(_ apiVersion: String, _ kind: String) throws -> [Severity] {
      let text =
        "apiVersion: \(apiVersion)\nkind: \(kind)\nnamespace: \"{{ .Release.Namespace }}\"\n"
      let input = LintInput(
        name: "kustomization.yaml", source: .bytes(Array(text.utf8)), isExplicit: true)
      return try Linter().lint([input]).findings.filter { $0.policy == "unrendered-template" }
        .map(\.severity)
    }
    #expect(try severities("kustomize.config.k8s.io/v1beta1", "Kustomization") == [.info])
    #expect(try severities("v1", "ConfigMap") == [.error])
  }
}
