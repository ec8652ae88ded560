import KubewardModel
import KubewardYAML
import Testing

private func objects(_ text: String, namespace: String = "default") -> [KubeObject] {
  YAMLReader().read(text).documents.flatMap { document -> [KubeObject] in
    if case .objects(let objects, _) = document.content(defaultNamespace: namespace) {
      return objects
    }
    return []
  }
}

@Suite("Objects")
struct ObjectTests {
  /// A word that starts with `#` comments out the rest of its line, as the shell reads it.
  @Test func shellCommentsAreNoCommands() {
    let script = [
      "sh", "-c", "cat /config; # dummy application; curl api\n\tsleep 1h # later: python app.py",
    ]
    #expect(Container.commands(of: script) == [["cat", "/config"], ["sleep", "1h"]])
    // `#` inside a word is no comment.
    #expect(
      Container.commands(of: ["sh", "-c", "echo a#b; printf '%s' x#y"]) == [
        ["echo", "a#b"], ["printf", "'%s'", "x#y"],
      ])
    #expect(Container.commands(of: ["#", "x"]).isEmpty)
  }

  /// `;`, `&` and `|` end a command wherever they stand in a word, as the shell reads them:
  /// `sleep 1;java -jar app.jar` runs java, which a command that only sleeps hid. A
  /// redirection to a descriptor (`2>&1`, `&>`) is no separator.
  @Test func shellOperatorsInsideWordsEndCommands() {
    let java: [Substring] = ["java", "-jar", "app.jar"]
    for script in [
      "sleep 1;java -jar app.jar", "sleep 1&&java -jar app.jar", "sleep 1 &&java -jar app.jar",
      "sleep 1||java -jar app.jar", "sleep 1|java -jar app.jar", "sleep 1 & java -jar app.jar",
    ] {
      #expect(
        Container.commands(of: ["sh", "-c", script]) == [["sleep", "1"], java], "\(script)")
    }
    #expect(
      Container.commands(of: ["sh", "-c", "echo hi >/tmp/x;java -jar app.jar"]) == [
        ["echo", "hi", ">/tmp/x"], java,
      ])
    #expect(
      Container.commands(of: ["sh", "-c", "echo hi 2>&1; sleep 5 &>/dev/null"]) == [
        ["echo", "hi", "2>&1"], ["sleep", "5", "&>/dev/null"],
      ])
    #expect(
      Container.programs(of: ["sh", "-c", "sleep 1;java -jar app.jar"]) == ["sleep", "java"])
    // Inside quotes an operator is text, which replacing cannot tell: a script with quotes is
    // split as before; an argument without a space is the program's own, not a script.
    #expect(
      Container.programs(of: ["sh", "-c", "echo 'config & certs'; sleep infinity"]) == [
        "echo", "sleep",
      ])
    #expect(Container.programs(of: ["sleep", "3600;x"]) == ["sleep"])
  }

  /// Quantities as the API server's parser reads them; text it rejects has no value.
  @Test func resourceQuantities() {
    let valid: [(String, Double)] = [
      ("1", 1), ("1.5", 1.5), (".5", 0.5), ("1.", 1), ("+1", 1), ("-1", -1), ("500m", 0.5),
      ("1Gi", 0x1p30), ("1e3", 1000), ("1E3", 1000), ("1e-3", 0.001), ("1E+3", 1000),
      ("5n", 5e-9), ("5u", 5e-6), ("2k", 2000), ("1Ei", 0x1p60), ("0", 0), (" 1Gi ", 0x1p30),
      ("64M", 64e6), ("64Mi", 64 * 0x1p20),
      // Go's fast path reads a number without a digit as 0; an exponent is cut to 32 bits.
      ("Gi", 0), (".", 0), ("-", 0), ("1e4294967296", 1),
    ]
    for (text, value) in valid {
      let parsed = ResourceQuantity.value(text)
      #expect(
        parsed.map { abs($0 - value) <= abs(value) * 1e-12 } == true, "\(text): \(parsed ?? .nan)")
    }
    for text in [
      "", " ", "1Gb", "1gi", "0x10", "NaN", "1 Gi", "1K", "1e", "1e+", "e", "1e1.5", "1Gii",
      "--1", "abc", "1e99999999999999999999", "1,5",
    ] {
      #expect(ResourceQuantity.value(text) == nil, "\(text)")
    }
  }

  /// Configuration, credentials and keys are a few small files, wherever their folder is.
  @Test func foldersOfSmallFiles() {
    #expect(Container.holdsSmallFiles(mountedAt: "/usr/local/etc/haproxy"))
    #expect(Container.holdsSmallFiles(mountedAt: "/app/config/gpg/keys"))
    #expect(Container.holdsSmallFiles(mountedAt: "/home/app/.GnuPG/"))
    #expect(!Container.holdsSmallFiles(mountedAt: "/var/lib/etcd"))
    #expect(!Container.holdsSmallFiles(mountedAt: "/data/keystore"))
    // By bytes, as the exported policies' CEL: a combining mark after the slash is one
    // character with it, but the bytes still hold `/etc/`.
    #expect(Container.holdsSmallFiles(mountedAt: "/srv/etc/\u{301}conf"))
  }

  @Test func referenceAndNamespaces() throws {
    let all = objects(
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, namespace: shop}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      ---
      apiVersion: rbac.authorization.k8s.io/v1
      kind: ClusterRole
      metadata: {name: reader}
      """, namespace: "team")
    #expect(
      all.map(\.reference.description) == [
        "Deployment shop/web", "Service team/web", "ClusterRole reader",
      ])
    #expect(all.map(\.resourceKind) == [.deployment, .service, nil])
  }

  /// The Services the API server calls: admission webhooks', an aggregated API's, a
  /// conversion webhook's; a URL, a Service without a name, and other kinds call none.
  @Test func servicesTheAPIServerCalls() throws {
    let all = objects(
      """
      apiVersion: admissionregistration.k8s.io/v1
      kind: MutatingWebhookConfiguration
      metadata: {name: hooks}
      webhooks:
        - name: a.example.com
          clientConfig: {service: {namespace: hooks, name: injector}}
        - name: b.example.com
          clientConfig: {url: "https://example.com/hook"}
        - name: c.example.com
          clientConfig: {service: {namespace: hooks}}
      ---
      apiVersion: apiregistration.k8s.io/v1
      kind: APIService
      metadata: {name: v1beta1.metrics.k8s.io}
      spec: {service: {namespace: kube-system, name: metrics-server}}
      ---
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata: {name: widgets.example.com}
      spec:
        conversion:
          strategy: Webhook
          webhook:
            clientConfig: {service: {namespace: widgets, name: converter}}
      ---
      apiVersion: example.com/v1
      kind: ValidatingWebhookConfiguration
      metadata: {name: not-the-api-server}
      webhooks:
        - clientConfig: {service: {namespace: x, name: y}}
      """)
    #expect(
      all.map { ServiceCalls.services(calledBy: $0).map { "\($0.namespace)/\($0.name)" } } == [
        ["hooks/injector"], ["kube-system/metrics-server"], ["widgets/converter"], [],
      ])
  }

  /// An object the cluster names from `generateName` is shown by it (`migrate-*`), and two
  /// such objects are different objects; a name wins over it.
  @Test func objectsNamedByTheClusterAreShownByTheirPrefix() throws {
    let all = objects(
      """
      apiVersion: batch/v1
      kind: Job
      metadata: {generateName: migrate-, namespace: ci}
      ---
      apiVersion: batch/v1
      kind: Job
      metadata: {generateName: backup-, namespace: ci}
      ---
      apiVersion: batch/v1
      kind: Job
      metadata: {name: seed, generateName: seed-, namespace: ci}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {namespace: ci}
      ---
      apiVersion: batch/v1
      kind: Job
      metadata: {name: '', generateName: report-, namespace: ''}
      """)
    // An empty name or namespace is none, as the API server decodes it.
    #expect(
      all.map(\.reference.description) == [
        "Job ci/migrate-*", "Job ci/backup-*", "Job ci/seed", "Pod ci/(unnamed)",
        "Job default/report-*",
      ])
    #expect(all[0].reference.name == nil && all[0].reference.generateName == "migrate-")
    #expect(all[2].reference.generateName == nil)
    #expect(all[0].reference != all[1].reference)
    #expect(Set(all.map(\.reference)).count == 5)
  }

  @Test func kindsAreRecognisedByGroupToo() {
    let all = objects(
      """
      apiVersion: serving.knative.dev/v1
      kind: Service
      metadata: {name: hello}
      ---
      apiVersion: extensions/v1beta1
      kind: Deployment
      metadata: {name: old}
      ---
      apiVersion: example.com/v1
      kind: Deployment
      metadata: {name: custom}
      """)
    #expect(all.map(\.resourceKind) == [nil, .deployment, nil])
  }

  @Test func listsGiveTheirItemsWithTheirOwnPositions() throws {
    let all = objects(
      """
      apiVersion: v1
      kind: List
      items:
        - apiVersion: v1
          kind: Service
          metadata: {name: a}
        - apiVersion: v1
          kind: ConfigMap
          metadata: {name: b}
      ---
      apiVersion: v1
      kind: ServiceList
      items:
        - metadata: {name: c}
      """)
    #expect(
      all.map(\.reference.description) == [
        "Service default/a", "ConfigMap default/b", "Service default/c",
      ])
    #expect(all[1].kindNode.position == SourcePosition(line: 8, column: 11))
    #expect(all[2].resourceKind == .service)
  }

  /// Folders a container names as where it makes sockets: `--unix-socket=` of any program,
  /// `-dir=` only of Cloud SQL proxy (elsewhere it names any folder).
  @Test func socketFoldersNamedByFlags() throws {
    func folders(_ containers: String) throws -> Set<String> {
      let text = """
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
        \(containers)
        """
      return try #require(objects(text).first?.podSpec).socketFolders()
    }
    #expect(
      try folders(
        """
          - name: proxy
            image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.0
            args: ["--unix-socket=/cloudsql/", "--dir=/other", "p:r:i"]
            volumeMounts: [{name: sockets, mountPath: /cloudsql}, {name: data, mountPath: /data}]
        """) == ["sockets"])
    #expect(
      try folders(
        """
          - name: legacy
            image: example/tools:1.0
            command: [/cloud_sql_proxy, -dir=/cloudsql, "-instances=p:r:i"]
            volumeMounts: [{name: sockets, mountPath: /cloudsql/}]
        """) == ["sockets"])
    #expect(
      try folders(
        """
          - name: backup
            image: example/backup:1.0
            args: ["-dir=/data", "--unix-socket=", "-unix-socket=/"]
            volumeMounts: [{name: data, mountPath: /data}, {name: root, mountPath: /}]
        """
      ).isEmpty)
  }

  @Test func documentsThatAreNotObjects() {
    let file = YAMLReader().read("replicaCount: 2\n---\n- a\n---\n# nothing\n---\napiVersion: v1\n")
    let contents = file.documents.map { $0.content(defaultNamespace: "default") }
    var kinds: [String] = []
    for content in contents {
      switch content {
      case .empty: kinds.append("empty")
      case .unreadable: kinds.append("unreadable")
      case .notKubernetes: kinds.append("not")
      case .objects: kinds.append("objects")
      }
    }
    #expect(kinds == ["not", "not", "empty", "not"])
  }
}

@Suite("Pod templates")
struct PodTemplateTests {
  /// The ports a container's arguments and environment name (what `service-target-port`
  /// takes as listened on): a number that is a whole word or follows `=` or `:`, of five
  /// digits at most, in 1–65535, not led by a zero (a file mode).
  @Test func portNumbersAContainerNames() throws {
    let pod = try #require(
      objects(
        """
        kind: Pod
        apiVersion: v1
        metadata: {name: echo, namespace: shop}
        spec:
          containers:
            - image: example/echo:1
              name: echo
              command: [server, --port, "18080", "--grpc=:17070", --listen=0.0.0.0:9000]
              args: [--mode=0644, "65536", "123456", ":0", "=80", "", x, "080", --v=2]
              env: [{name: PORT, value: "8081"}, {name: EMPTY}]
        """
      ).first?.podSpec?.containers.first)
    #expect(pod.namedPortNumbers == [2, 80, 8081, 9000, 17070, 18080])
  }

  /// A log shipper is told by its image as written, whether it parses or not (`3.1+build` is
  /// a tag no registry takes), as the exported policy tells it.
  @Test func logShippersAreToldByTheirImagesAsWritten() throws {
    func ships(_ image: String) throws -> Bool {
      let text =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        + "  containers: [{name: a, image: \"\(image)\"}]\n"
      return try #require(objects(text).first?.podSpec?.containers.first).shipsLogs
    }
    #expect(try ships("fluent/fluent-bit:3.1+build"))
    #expect(try ships("registry:5000/fluentd@sha256:abc"))
    #expect(try ships("docker.elastic.co/beats/filebeat:8.14.0"))
    #expect(try !ships("example/app:1.0"))
    #expect(try !ships("fluent/app:fluentd"))
  }

  @Test func everyPodBearingKindHasItsTemplate() throws {
    let all = objects(
      """
      apiVersion: v1
      kind: Pod
      metadata: {name: p, labels: {app: p}}
      spec: {containers: [{name: a, image: x}]}
      ---
      apiVersion: batch/v1
      kind: CronJob
      metadata: {name: c}
      spec:
        schedule: "* * * * *"
        jobTemplate:
          spec:
            template:
              metadata: {labels: {app: c}}
              spec: {containers: [{name: b, image: y}]}
      ---
      apiVersion: apps/v1
      kind: StatefulSet
      metadata: {name: s}
      spec:
        template:
          metadata: {labels: {app: s}}
          spec:
            initContainers:
              - {name: sidecar, image: z, restartPolicy: Always}
              - {name: setup, image: z}
            containers: [{name: main, image: z}]
            ephemeralContainers: [{name: debug, image: z}]
      """)
    #expect(all.map { $0.podTemplate?.labels["app"] } == ["p", "c", "s"])
    #expect(all[1].podSpec?.containers.map(\.name) == ["b"])
    let containers = try #require(all[2].podSpec?.containers)
    #expect(containers.map(\.name) == ["sidecar", "setup", "main", "debug"])
    #expect(containers.map(\.role) == [.initContainer, .initContainer, .container, .ephemeral])
    #expect(containers.map(\.isLongRunning) == [true, false, true, false])
    #expect(containers[0].displayName == "sidecar container \"sidecar\"")
  }

  /// A mount finds the first volume of its name, in a pod of a few volumes (scanned) as in
  /// one of many (looked up by name).
  @Test(arguments: [3, PodSpec.volumesScanned + 5])
  func volumesByName(count: Int) throws {
    var text = """
      apiVersion: v1
      kind: Pod
      metadata: {name: p}
      spec:
        containers: [{name: c, image: x}]
        volumes:

      """
    for index in 0..<count { text += "  - {name: v\(index), emptyDir: {}}\n" }
    text += "  - {name: v1, hostPath: {path: /x}}\n  - {emptyDir: {}}\n"
    let spec = try #require(objects(text).first?.podSpec)
    #expect(spec.volumes.count == count + 2)
    #expect(spec.volume(named: "v0")?.source?.type == "emptyDir")
    #expect(spec.volume(named: "v1")?.source?.type == "emptyDir", "the first of a repeated name")
    #expect(spec.volume(named: "v\(count - 1)")?.name == "v\(count - 1)")
    #expect(spec.volume(named: "v\(count)") == nil)
    #expect(spec.volume(named: "") == nil)
  }

  /// A volume's source as the API server decodes it: a source written null is none, a key
  /// written twice is its last value, and a volume left without a source (none written, only
  /// null ones, or a misspelt one the decoder drops) is the `emptyDir` it is defaulted to.
  @Test func volumeSourcesAsTheAPIServerDecodesThem() throws {
    let text = """
      apiVersion: v1
      kind: Pod
      metadata: {name: p}
      spec:
        containers: [{name: c, image: x}]
        volumes:
          - {name: none}
          - {name: nulled, hostPath: null}
          - {name: misspelt, confgMap: {name: x}}
          - {name: beside, hostPath: null, configMap: {name: x}}
          - {name: twice, configMap: {name: x}, configMap: null}
          - {name: path, hostPath: {path: /a}, hostPath: {path: /b}}
          - {name: written, emptyDir: {sizeLimit: 1Gi}}
      """
    let spec = try #require(objects(text).first?.podSpec)
    func volume(_ name: String) throws -> Volume { try #require(spec.volume(named: name)) }
    for name in ["none", "nulled", "misspelt", "twice"] {
      let sourceless = try volume(name)
      #expect(sourceless.source == nil, "\(name)")
      #expect(Volume.isSourceless(sourceless.node), "\(name)")
      let implied = try #require(sourceless.emptyDir, "\(name)")
      #expect(implied.value == nil, "\(name): an emptyDir the API server makes has no value")
    }
    #expect(try volume("beside").source?.type == "configMap")
    #expect(try volume("beside").source(.hostPath) == nil)
    #expect(try volume("beside").emptyDir == nil)
    #expect(try volume("path").source?.value["path"]?.string == "/b")
    #expect(try volume("written").emptyDir?.value?["sizeLimit"]?.string == "1Gi")
    #expect(try !Volume.isSourceless(volume("written").node))
  }

  @Test func replicasDefaultToOne() {
    let all = objects(
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: a}
      spec: {template: {spec: {containers: []}}}
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: b}
      spec: {replicas: 3}
      ---
      apiVersion: apps/v1
      kind: DaemonSet
      metadata: {name: c}
      """)
    #expect(all.map { $0.replicas?.count } == [1, 3, nil])
    #expect(all[0].replicas?.node == nil)
  }

  @Test func probesWithDefaults() throws {
    let object = try #require(
      objects(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: a
              image: x
              livenessProbe:
                exec: {command: [true]}
                periodSeconds: 3
              readinessProbe:
                httpGet: {path: /, port: 80}
        """
      ).first)
    let container = try #require(object.podSpec?.containers.first)
    #expect(container.probes.map(\.kind) == [.liveness, .readiness])
    #expect(container.probe(.liveness)?.handler?.handler == .exec)
    #expect(container.probe(.liveness)?.periodSeconds == 3)
    #expect(container.probe(.readiness)?.periodSeconds == 10)
    #expect(container.probe(.readiness)?.failureThreshold == 3)
    #expect(container.probe(.startup) == nil)
  }

  /// Containers that only keep the pod alive, however the command is split between `command`
  /// and `args` or wrapped in a shell, and ones that serve.
  @Test func idleContainers() throws {
    let cases: [(String, Bool)] = [
      ("image: registry.k8s.io/pause:3.9", true),
      ("image: x, command: [sleep, infinity]", true),
      ("image: x, command: [sh, -c], args: ['echo pulled && sleep infinity']", true),
      ("image: x, command: [sh, -c, 'echo image pulled && sleep infinity']", true),
      ("image: x, command: [tail, -f, /dev/null]", true),
      ("image: x, args: [sleep, '7200']", true),
      ("image: x, args: [sleep, '60']", false),
      // The exported policies read at most 18 digits; so does the model.
      ("image: x, args: [sleep, '999999999999999999']", true),
      ("image: x, args: [sleep, '1000000000000000000']", false),
      ("image: x, command: [nginx, -g, 'daemon off;']", false),
      ("image: x", false),
    ]
    for (fields, idle) in cases {
      let text =
        "kind: Pod\napiVersion: v1\nmetadata: {name: p}\nspec:\n  containers:\n"
        + "    - {name: a, \(fields)}\n"
      let object = try #require(objects(text).first, "\(fields)")
      let container = try #require(object.podSpec?.containers.first, "\(fields)")
      #expect(container.isIdle == idle, "\(fields)")
    }
  }
}

@Suite("Services, Ingresses and selectors")
struct NetworkingTests {
  @Test func servicePortsAndTargetPorts() throws {
    let service = try #require(
      objects(
        """
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          clusterIP: None
          selector: {app: web}
          ports:
            - {port: 80, targetPort: http}
            - {port: 443, targetPort: 8443, nodePort: 30443, protocol: TCP}
            - {port: 53, protocol: UDP}
            - {port: 8080, targetPort: "8080"}
        """
      ).first.flatMap(Service.init))
    #expect(service.isHeadless)
    #expect(service.type == "ClusterIP")
    #expect(service.selector?.matchLabels == ["app": "web"])
    #expect(
      service.ports.map(\.targetPort) == [
        .string("http"), .int(8443), .int(53), .string("8080"),
      ])
    #expect(service.ports.map(\.nodePort) == [nil, 30443, nil, nil])
    #expect(service.ports.map(\.protocol) == ["TCP", "TCP", "UDP", "TCP"])
  }

  @Test func ingressBackendsOfEveryVersion() throws {
    let all = objects(
      """
      apiVersion: networking.k8s.io/v1
      kind: Ingress
      metadata: {name: new}
      spec:
        defaultBackend: {service: {name: fallback, port: {number: 80}}}
        rules:
          - http:
              paths:
                - backend: {service: {name: web, port: {name: http}}}
                - backend: {resource: {kind: StorageBucket, name: assets}}
      ---
      apiVersion: extensions/v1beta1
      kind: Ingress
      metadata: {name: old}
      spec:
        backend: {serviceName: fallback, servicePort: 80}
        rules:
          - http:
              paths:
                - backend: {serviceName: web, servicePort: http}
      """)
    for object in all {
      let ingress = try #require(Ingress(object))
      #expect(ingress.backends.map(\.serviceName) == ["fallback", "web"])
      #expect(ingress.backends.map(\.port) == [.int(80), .string("http")])
    }
  }

  @Test func selectorsWithExpressions() throws {
    let object = try #require(
      objects(
        """
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: pdb}
        spec:
          selector:
            matchLabels: {app: web}
            matchExpressions:
              - {key: tier, operator: In, values: [front, edge]}
              - {key: canary, operator: DoesNotExist}
              - {key: zone, operator: NotIn, values: [b]}
              - {key: team, operator: Exists}
        """
      ).first)
    let selector = try #require(PodDisruptionBudget(object)?.selector)
    #expect(selector.matches(["app": "web", "tier": "front", "team": "x"]))
    #expect(selector.matches(["app": "web", "tier": "edge", "team": "x", "zone": "a"]))
    #expect(!selector.matches(["app": "web", "tier": "back", "team": "x"]))
    #expect(!selector.matches(["app": "web", "tier": "front", "team": "x", "canary": "1"]))
    #expect(!selector.matches(["app": "web", "tier": "front", "team": "x", "zone": "b"]))
    #expect(!selector.matches(["app": "web", "tier": "front"]))
    #expect(LabelSelector(matchLabels: [:]).matches(["any": "thing"]))
    let unknown = LabelSelector(
      selector: YAMLReader().read("matchExpressions: [{key: a, operator: Near}]").documents[0].root)
    #expect(unknown?.matches(["a": "b"]) == false)
  }
}

@Suite("Label sets")
struct LabelSetTests {
  @Test func looksUpLikeTheDictionaryItCameFrom() {
    let labels: Labels = [
      "app.kubernetes.io/name": "web", "tier": "front", "app": "shop", "a": "", "zz": "last",
    ]
    let set = LabelSet(labels)
    for (key, value) in labels { #expect(set[key] == value, "\(key)") }
    for missing in ["", "b", "ap", "appp", "zzz", "tier2"] { #expect(set[missing] == nil) }
    #expect(set.dictionary == labels)
    #expect(set.map(\.key) == labels.keys.sorted())
    #expect(LabelSet([:]).isEmpty && LabelSet([:])["a"] == nil)
    #expect(LabelSet(["b": "2", "a": "1"]) == LabelSet(["a": "1", "b": "2"]))
    #expect(LabelSet(["a": "1"]) != LabelSet(["a": "2"]))
  }

  @Test func selectorsMatchItAsTheyMatchTheDictionary() {
    let candidates: [Labels] = [
      [:], ["app": "web"], ["app": "web", "tier": "front"], ["app": "api", "tier": "front"],
      ["tier": "back"],
    ]
    let selectors = [
      LabelSelector(matchLabels: ["app": "web"]),
      LabelSelector(matchLabels: ["app": "web", "tier": "front"]),
      LabelSelector(requirements: [.init(key: "tier", operator: .in, values: ["front", "x"])]),
      LabelSelector(requirements: [.init(key: "app", operator: .notIn, values: ["web"])]),
      LabelSelector(requirements: [.init(key: "tier", operator: .exists)]),
      LabelSelector(requirements: [.init(key: "tier", operator: .doesNotExist)]),
      LabelSelector(matchLabels: ["app": "web"], hasUnknownRequirement: true),
    ]
    for selector in selectors {
      for labels in candidates {
        #expect(selector.matches(LabelSet(labels)) == selector.matches(labels))
      }
    }
  }
}

extension LabelSetTests {
  /// Read from a mapping node, a label set holds what `Labels(stringMap:)` holds: scalar
  /// entries only, null values empty (as the API server decodes them into a
  /// `map[string]string`; a selector's `tier: ~` selected only the label `~`), and the last
  /// value of a key written twice.
  @Test func readFromANodeLikeTheDictionary() {
    let text = """
      labels:
        app: web
        tier: front
        empty:
        tilde: ~
        nested: {a: b}
        app: shop
        "quoted": 'yes'
        word: 'null'
      """
    let root = YAMLReader().read(text).documents[0].root!
    let node = root[.labels]
    let fromNode = LabelSet(stringMap: node) { key, value in
      (String(decoding: key, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }
    #expect(fromNode == LabelSet(Labels(stringMap: node)))
    #expect(fromNode["app"] == "shop" && fromNode["tilde"] == "" && fromNode["empty"] == "")
    #expect(fromNode["nested"] == nil && fromNode["quoted"] == "yes" && fromNode["word"] == "null")
    #expect(LabelSet(stringMap: nil) { _, _ in ("", "") }.isEmpty)
  }
}

@Suite("ASCII text")
struct ASCIITextTests {
  @Test func wordsSplitAtSeparatorBytesAcrossArguments() {
    let words = ASCIIText.words(of: ["sh", "-c", "echo hi;  sleep 5\n\tdone"]) {
      $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\t")
    }
    #expect(words == ["sh", "-c", "echo", "hi;", "sleep", "5", "done"])
    // Words keep text that is not ASCII whole.
    #expect(
      ASCIIText.words(of: ["écho  ünïcode"]) { $0 == UInt8(ascii: " ") } == ["écho", "ünïcode"])
    #expect(ASCIIText.words(of: ["", "   "]) { $0 == UInt8(ascii: " ") }.isEmpty)
  }

  @Test func lastPathComponent() {
    #expect(ASCIIText.lastPathComponent("/usr/bin/curl") == "curl")
    #expect(ASCIIText.lastPathComponent("bin/") == "bin")
    #expect(ASCIIText.lastPathComponent("a//b//") == "b")
    #expect(ASCIIText.lastPathComponent("curl") == "curl")
    #expect(ASCIIText.lastPathComponent("/") == "/")
    #expect(ASCIIText.lastPathComponent("") == "")
  }

  @Test func equalsIgnoresASCIICaseOnly() {
    #expect(ASCIIText.equals("Invalid", anyOf: ["bad", "invalid"]))
    #expect(!ASCIIText.equals("invalids", anyOf: ["bad", "invalid"]))
    #expect(!ASCIIText.equals("bäd", anyOf: ["bad"]))
    #expect(!ASCIIText.equals("", anyOf: ["bad"]))
  }

  @Test func firstRangeIsByteForByte() {
    let text = "--csi-address=/csi/csi.sock"
    let range = ASCIIText.firstRange(of: "/csi/", in: text)
    #expect(range.map { String(text[$0]) } == "/csi/")
    #expect(range.map { text.utf8.distance(from: text.startIndex, to: $0.lowerBound) } == 14)
    #expect(ASCIIText.firstRange(of: "/plugin/", in: text) == nil)
    #expect(ASCIIText.firstRange(of: "aab", in: "aaab").map { String("aaab"[$0]) } == "aab")
    #expect(ASCIIText.firstRange(of: "longer than the text", in: "short") == nil)
  }
}

@Suite("Selector requirements")
struct SelectorRequirementTests {
  /// Many values are held as a set; the answers are the list's.
  @Test func inAndNotInWithFewAndManyValues() {
    for count in [1, 3, 16, 17, 1_000] {
      let values = (0..<count).map { "v\($0)" }
      var requirement = LabelSelector.Requirement(key: "tier", operator: .in, values: values)
      #expect(requirement.matches(["tier": "v0"]))
      #expect(requirement.matches(["tier": "v\(count - 1)"]))
      #expect(!requirement.matches(["tier": "v\(count)"]))
      #expect(!requirement.matches([:]))
      requirement.operator = .notIn
      #expect(!requirement.matches(["tier": "v0"]))
      #expect(requirement.matches(["tier": "other"]))
      #expect(requirement.matches([:]))
      // Values changed after the requirement was made are the ones asked about.
      requirement.values = ["other"]
      #expect(!requirement.matches(["tier": "other"]))
      #expect(requirement.matches(["tier": "v0"]))
    }
  }
}

@Suite("ASCII text search")
struct ASCIITextSearchTests {
  /// Short needles are searched in place, long ones by Knuth–Morris–Pratt: both find the first
  /// occurrence, partial matches that overlap it included.
  @Test func firstRangeFindsTheFirstOccurrence() {
    let long = String(repeating: "ab", count: 10) + "c"
    let cases: [(needle: String, text: String)] = [
      ("aab", "aaab"), ("ab", "xxabab"), ("x", "abc"), ("", "abc"),
      (long, String(repeating: "ab", count: 30) + "c" + long),
      (long, String(repeating: "ab", count: 30)), ("é/", "aé/é/"),
      (String(repeating: "/", count: 40) + "b", String(repeating: "/", count: 100) + "b/"),
    ]
    for (needle, text) in cases {
      let found = ASCIIText.firstRange(of: needle, in: text)
      let expected =
        needle.isEmpty ? text.startIndex..<text.startIndex : text.firstRange(of: needle)
      #expect(found == expected, "\(needle) in \(text)")
    }
  }
}

@Suite("Selector matchers")
struct SelectorMatcherTests {
  /// A selector of many terms, worked out by key, matches every set of labels as the selector
  /// does term by term: random selectors over a few keys and values (so that terms on one key
  /// combine: `In` with `In`, `Exists` with `DoesNotExist`, `matchLabels` with `NotIn`).
  @Test func aSelectorWorkedOutByKeyMatchesAsWritten() {
    var generator = SystemRandomNumberGenerator()
    let keys = ["a", "b", "c", "d", "e"]
    let values = ["1", "2", "3"]
    let operators: [LabelSelector.Requirement.Operator] = [.in, .notIn, .exists, .doesNotExist]
    var compared = 0
    var matched = 0
    for _ in 0..<400 {
      var matchLabels: Labels = [:]
      for key in keys where Int.random(in: 0..<4, using: &generator) == 0 {
        matchLabels[key] = values.randomElement(using: &generator)!
      }
      // More terms than are matched in order, so that the matcher works them out by key.
      let requirements = (0..<(LabelSelector.Matcher.termsMatchedInOrder + 1)).map { _ in
        let op = operators.randomElement(using: &generator)!
        let chosen = values.filter { _ in Bool.random(using: &generator) }
        return LabelSelector.Requirement(
          key: keys.randomElement(using: &generator)!, operator: op,
          values: op == .in || op == .notIn ? (chosen.isEmpty ? ["1"] : chosen) : [])
      }
      // Only `NotIn`s, one value each, and an `Exists`: selectors that match many sets.
      let lenient =
        requirements.map { requirement in
          LabelSelector.Requirement(
            key: requirement.key, operator: .notIn,
            values: [values.randomElement(using: &generator)!])
        } + [
          LabelSelector.Requirement(key: keys.randomElement(using: &generator)!, operator: .exists)
        ]
      for selector in [
        LabelSelector(matchLabels: matchLabels, requirements: requirements),
        LabelSelector(requirements: lenient),
      ] {
        let matcher = LabelSelector.Matcher(selector)
        for _ in 0..<20 {
          var labels: Labels = [:]
          for key in keys where Bool.random(using: &generator) {
            labels[key] = values.randomElement(using: &generator)!
          }
          // Often more labels than the selector has keys: the matcher then looks its keys up.
          for extra in 0..<Int.random(in: 0..<8, using: &generator) { labels["x\(extra)"] = "v" }
          #expect(matcher.matches(labels) == selector.matches(labels), "\(selector) \(labels)")
          compared += 1
          if selector.matches(labels) { matched += 1 }
        }
      }
    }
    // Both verdicts were compared, many times.
    #expect(matched > 100 && compared - matched > 100, "\(matched) of \(compared)")
  }

  @Test func combinedTermsOnOneKey() {
    let padding = (0..<LabelSelector.Matcher.termsMatchedInOrder).map {
      LabelSelector.Requirement(key: "pad\($0)", operator: .doesNotExist)
    }
    func matcher(_ requirements: [LabelSelector.Requirement], labels: Labels = [:])
      -> LabelSelector.Matcher
    {
      LabelSelector.Matcher(
        LabelSelector(matchLabels: labels, requirements: requirements + padding))
    }
    let both = matcher([
      .init(key: "a", operator: .in, values: ["1", "2"]),
      .init(key: "a", operator: .in, values: ["2", "3"]),
    ])
    #expect(both.matches(["a": "2"]) && !both.matches(["a": "1"]) && !both.matches([:]))
    let never = matcher([
      .init(key: "a", operator: .exists), .init(key: "a", operator: .doesNotExist),
    ])
    #expect(!never.matches(["a": "1"]) && !never.matches([:]))
    let notIn = matcher([.init(key: "a", operator: .notIn, values: ["1"])], labels: ["b": "x"])
    #expect(notIn.matches(["b": "x"]) && notIn.matches(["b": "x", "a": "2"]))
    #expect(!notIn.matches(["b": "x", "a": "1"]) && !notIn.matches(["a": "2"]))
    #expect(!notIn.matches(["b": "x", "pad3": ""]))
    let unknown = LabelSelector.Matcher(
      LabelSelector(requirements: padding, hasUnknownRequirement: true))
    #expect(!unknown.matches([:]))
  }
}
