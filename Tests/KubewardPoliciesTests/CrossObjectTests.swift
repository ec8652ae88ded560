import Testing

@testable import KubewardBuiltInPolicies
@testable import KubewardEngine

/// In-memory files: name → text.
func lint(_ files: [(String, String)], configuration: Configuration = Configuration()) throws
  -> LintResult
{
  try Linter(configuration: configuration).lint(
    files.map { LintInput(name: $0.0, source: .bytes(Array($0.1.utf8)), isExplicit: false) })
}

func findings(_ result: LintResult, _ policy: String) -> [Finding] {
  result.findings.filter { $0.policy == policy }
}

/// The findings of `policies` (every set policy of the catalogue by default) on `set`, with
/// default options.
func setFindings(
  _ set: LintSet,
  of policies: [any SetPolicy.Type] = BuiltInPolicies.all.compactMap { $0 as? any SetPolicy.Type }
) throws -> [Finding] {
  var findings: [Finding] = []
  for policy in policies {
    var report = SetReport()
    report.policy = policy.id
    try policy.init(options: PolicyOptions()).check(set, &report)
    findings += report.findings
  }
  return findings
}

func deployment(
  _ name: String, namespace: String? = nil, labels: String = "", replicas: Int = 2,
  ports: String = "", image: String? = nil
) -> String {
  let labels = labels.isEmpty ? "app: \(name)" : labels
  return """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: \(name)
    \(namespace.map { "  namespace: \($0)" } ?? "")
    spec:
      replicas: \(replicas)
      selector:
        matchLabels: {\(labels)}
      template:
        metadata:
          labels: {\(labels)}
        spec:
          containers:
            - name: main
              image: \(image ?? "example/\(name):1.0")
    \(ports)
    """
}

/// A PodDisruptionBudget of `bound` (`minAvailable: 1`) selecting the pods labelled `app: name`.
func disruptionBudget(_ name: String, _ bound: String) -> String {
  """
  apiVersion: policy/v1
  kind: PodDisruptionBudget
  metadata: {name: \(name)}
  spec:
    \(bound)
    selector: {matchLabels: {app: \(name)}}
  """
}

func service(_ name: String, namespace: String? = nil, selector: String, extra: String = "")
  -> String
{
  """
  apiVersion: v1
  kind: Service
  metadata:
    name: \(name)
  \(namespace.map { "  namespace: \($0)" } ?? "")
  spec:
    selector: {\(selector)}
  \(extra)
    ports:
      - port: 80
  """
}

@Suite("Cross-object policies stay silent on absence")
struct AbsenceTests {
  /// Each absence policy, and a set in which the object it needs is missing.
  static let cases: [(policy: String, manifest: String)] = [
    ("service-selects-nothing", service("web", selector: "app: web")),
    ("service-target-port", service("web", selector: "app: web")),
    ("headless-service-no-lb", service("web", selector: "app: web", extra: "  clusterIP: None")),
    (
      "ingress-missing-backend",
      """
      apiVersion: networking.k8s.io/v1
      kind: Ingress
      metadata: {name: web}
      spec:
        defaultBackend: {service: {name: web, port: {number: 80}}}
      """
    ),
    (
      "statefulset-service-name",
      """
      apiVersion: apps/v1
      kind: StatefulSet
      metadata: {name: db}
      spec:
        serviceName: db
        template:
          metadata: {labels: {app: db}}
          spec: {containers: [{name: db, image: postgres:16}]}
      """
    ),
  ]

  @Test(arguments: cases.map(\.policy))
  func loneObjectSaysNothing(_ policy: String) throws {
    let manifest = Self.cases.first { $0.policy == policy }!.manifest
    #expect(findings(try lint([("lone.yaml", manifest)]), policy).isEmpty)
  }

  @Test(arguments: cases.map(\.policy))
  func objectsOfAnotherNamespaceDoNotCount(_ policy: String) throws {
    let manifest = Self.cases.first { $0.policy == policy }!.manifest
    let elsewhere =
      deployment("other", namespace: "elsewhere") + "\n---\n"
      + service("other", namespace: "elsewhere", selector: "app: other")
    #expect(findings(try lint([("a.yaml", manifest), ("b.yaml", elsewhere)]), policy).isEmpty)
  }

  @Test func theSameSetWithTheNeededObjectsDoesReport() throws {
    // Guards the tests above: they are silent for the right reason.
    let result = try lint([
      ("svc.yaml", service("web", selector: "app: wbe")),
      ("deploy.yaml", deployment("web")),
    ])
    #expect(findings(result, "service-selects-nothing").map(\.line) == [7])
  }

  /// The hint names the workload whose labels are nearest the selector's (a typo of its
  /// value), not the first of the namespace.
  @Test func theHintNamesTheNearestWorkload() throws {
    let result = try lint([
      ("a.yaml", deployment("alpha")),
      ("b.yaml", deployment("checkout")),
      ("c.yaml", deployment("cart")),
      ("svc.yaml", service("checkout", selector: "app: checkuot")),
    ])
    let messages = findings(result, "service-selects-nothing").map(\.message)
    #expect(messages.count == 1)
    #expect(messages.first?.contains("(Deployment default/checkout has app=checkout)") == true)
    #expect(ServiceSelectsNothing.sharedEnds("checkuot", "checkout") == 6)
    #expect(ServiceSelectsNothing.sharedEnds("aa", "aaa") == 2)
  }

  /// A warning needs evidence of a slip: a workload with the selector's keys and values equal
  /// or a typo away. A selector no workload is near may be for pods from elsewhere (a chart
  /// installed apart): information, saying so.
  @Test func aSelectorNothingIsNearIsInformation() throws {
    let typo = try lint([
      ("svc.yaml", service("web", selector: "app: wbe")), ("deploy.yaml", deployment("web")),
    ])
    #expect(findings(typo, "service-selects-nothing").map(\.severity) == [.warning])
    let apart = try lint([
      ("svc.yaml", service("gpu-exporter", selector: "app: gpu-dcgm-exporter")),
      ("deploy.yaml", deployment("prometheus-adapter")),
    ])
    let found = findings(apart, "service-selects-nothing")
    #expect(found.map(\.severity) == [.info])
    #expect(
      found.first?.message.contains("unless its pods come from outside the linted files") == true)
    // The closest workload is named as the closest, not as a near miss the message then
    // says there is none of.
    #expect(
      found.first?.message.contains(
        "(the closest, Deployment default/prometheus-adapter, has app=prometheus-adapter), and "
          + "none is a near miss") == true, "\(found.first?.message ?? "")")
    for (written, value) in [
      ("wbe", "web"), ("chekout", "checkout"), ("checkuot", "checkout"), ("web", "web"),
      ("api-v1", "api-v2"), ("a", "a"),
    ] {
      #expect(ServiceSelectsNothing.isTypo(written, of: value), "\(written) for \(value)")
    }
    for (written, value) in [
      ("snowflake", "MyApp"), ("prometheus-adapter", "gpu-dcgm-exporter"), ("db", "web"),
      ("checkout-v2", "checkout"), ("", "ab"), ("", "a"), ("dc", "db"),
      (String(repeating: "a", count: 99), String(repeating: "a", count: 98) + "b"),
    ] {
      #expect(!ServiceSelectsNothing.isTypo(written, of: value), "\(written) for \(value)")
    }
  }

  /// The evidence is looked for among the workloads that have the selector's keys (unrelated
  /// ones first in the namespace hid a typo past the 64 looked at), preferring one a typo
  /// away to one with more values equal; and hostile label values cost no more than equal
  /// ones (a 60 000-byte value compared with its own alias took 18 s).
  @Test func theEvidenceIsAmongWorkloadsWithTheKeys() throws {
    let unrelated = (0..<70).map { ("u\($0).yaml", deployment("other-\($0)", labels: "tier: x")) }
    let typo = try lint(
      unrelated + [
        ("svc.yaml", service("web", selector: "app: web")), ("z.yaml", deployment("wbe")),
      ])
    #expect(findings(typo, "service-selects-nothing").map(\.severity) == [.warning])
    // `api` equals nothing it should: `wbe`/`frnot`, each a typo, are the slip.
    let preferred = try lint([
      ("svc.yaml", service("web", selector: "app: web, tier: front")),
      ("a.yaml", deployment("api", labels: "app: api, tier: front")),
      ("b.yaml", deployment("wbe", labels: "app: wbe, tier: frnot")),
    ])
    let slip = findings(preferred, "service-selects-nothing")
    #expect(slip.map(\.severity) == [.warning])
    #expect(slip.first?.message.contains("has app=wbe, tier=frnot") == true, "\(slip)")
    let long = String(repeating: "a", count: 60_000)
    let hostile = try lint([
      ("svc.yaml", service("web", selector: "app: \(long), x: \"1\"")),
      ("d.yaml", deployment("web", labels: "app: \(long), x: \"2\"")),
    ])
    #expect(findings(hostile, "service-selects-nothing").map(\.severity) == [.info])
  }
}

@Suite("Cross-object reasoning")
struct CrossObjectTests {
  @Test func namespacesDefaultAndCanBeConfigured() throws {
    let files = [
      ("svc.yaml", service("web", namespace: "team", selector: "app: web")),
      ("deploy.yaml", deployment("web", ports: "          ports: [{containerPort: 8080}]")),
    ]
    // The Deployment names no namespace: in `default` the Service (in `team`) cannot see it.
    #expect(findings(try lint(files), "service-target-port").isEmpty)
    let team = try lint(files, configuration: Configuration(defaultNamespace: "team"))
    let reported = findings(team, "service-target-port")
    #expect(reported.count == 1)
    #expect(reported.first?.object?.namespace == "team")
    #expect(reported.first?.line == 10)  // the port (targetPort defaults to it)
  }

  /// The workloads a Service selects are named in agreement with their number: one declares,
  /// several declare (envoy gateway's examples read "… and the others it selects declares").
  @Test func theSelectedWorkloadsAgreeWithTheirNumber() throws {
    let ports = "          ports: [{containerPort: 3000}]"
    let web = ("web.yaml", deployment("web", labels: "app: web", ports: ports))
    let canary = ("canary.yaml", deployment("web-canary", labels: "app: web", ports: ports))
    let svc = ("svc.yaml", service("web", selector: "app: web"))
    let one = findings(try lint([svc, web]), "service-target-port").map(\.message)
    #expect(
      one.count == 1 && one[0].contains("Deployment default/web declares containerPort"), "\(one)")
    let two = findings(try lint([svc, web, canary]), "service-target-port").map(\.message)
    #expect(
      two.count == 1 && two[0].contains("and the others it selects declare containerPort"), "\(two)"
    )
  }

  /// Another container's readiness probe gates a container whose port it checks, unless the
  /// probing container declares that port itself (its own server's: a sidecar that declares
  /// it too is not gated by it).
  @Test func aReadinessProbeOnItsOwnPortGatesNoOtherContainer() throws {
    func unprobed(probing port: Int, declaredByProber: Bool) throws -> [String] {
      let manifest = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
                - name: main
                  image: example/main:1.0
                  ports: [{containerPort: \(declaredByProber ? 8000 : 9000)}]
                  readinessProbe: {httpGet: {path: /ready, port: \(port)}}
                - name: side
                  image: example/side:1.0
                  ports: [{containerPort: 8000}]
        """
      let svc = """
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports: [{port: 80, targetPort: 8000}]
        """
      return findings(try lint([("d.yaml", manifest), ("s.yaml", svc)]), "missing-readiness-probe")
        .compactMap(\.container)
    }
    #expect(try unprobed(probing: 8000, declaredByProber: false).isEmpty)
    #expect(try unprobed(probing: 8000, declaredByProber: true) == ["side"])
  }

  @Test func selectorsMayUseLabelsThatControllersAdd() throws {
    let statefulSet = """
      apiVersion: apps/v1
      kind: StatefulSet
      metadata: {name: redis}
      spec:
        serviceName: redis
        template:
          metadata: {labels: {app: redis}}
          spec: {containers: [{name: redis, image: redis:7.4}]}
      """
    let announce = service(
      "redis-announce-0", selector: "app: redis, statefulset.kubernetes.io/pod-name: redis-0")
    let wrong = service(
      "redis-announce-x", selector: "app: redis, statefulset.kubernetes.io/pod-name: cache-0")
    let result = try lint([("s.yaml", statefulSet), ("a.yaml", announce), ("w.yaml", wrong)])
    #expect(findings(result, "service-selects-nothing").map(\.file) == ["w.yaml"])
  }

  @Test func podsAndServicesOfOperatorsAreNotClaimedMissing() throws {
    let cluster = """
      apiVersion: postgresql.cnpg.io/v1
      kind: Cluster
      metadata: {name: pg-main}
      spec: {instances: 3}
      """
    let readWrite = service("pg-ilb", selector: "cnpg.io/cluster: pg-main, role: primary")
    let ingress = """
      apiVersion: networking.k8s.io/v1
      kind: Ingress
      metadata: {name: db-admin}
      spec:
        defaultBackend: {service: {name: pg-main-rw, port: {number: 5432}}}
      """
    let result = try lint([
      ("cluster.yaml", cluster), ("svc.yaml", readWrite), ("ing.yaml", ingress),
      ("app.yaml", deployment("app")),
    ])
    #expect(findings(result, "service-selects-nothing").isEmpty)
    #expect(findings(result, "ingress-missing-backend").isEmpty)
  }

  @Test func theNearestMatchesAreWhatAServiceFronts() throws {
    // A single-pod MySQL with its headless Service in one folder; an unrelated sample
    // elsewhere reuses `app: mysql` with three replicas.
    let sample =
      deployment("mysql", labels: "app: mysql", replicas: 1) + "\n---\n"
      + service("mysql", selector: "app: mysql", extra: "  clusterIP: None")
    let other = deployment("mysql-ha", labels: "app: mysql", replicas: 3)
    let result = try lint([("one/mysql.yaml", sample), ("two/mysql-ha.yaml", other)])
    #expect(findings(result, "headless-service-no-lb").isEmpty)
    // Alone with the three-replica Deployment, the headless Service does not balance load.
    let alone = try lint([
      ("one/svc.yaml", service("mysql", selector: "app: mysql", extra: "  clusterIP: None")),
      ("two/mysql-ha.yaml", other),
    ])
    #expect(findings(alone, "headless-service-no-lb").count == 1)
  }

  @Test func duplicateNodePortsPointAtTheSecondAndNameTheFirst() throws {
    let first = service("a", selector: "app: a", extra: "  type: NodePort").replacingPorts(
      "    - {port: 80, nodePort: 30080}")
    let second = service("b", namespace: "other", selector: "app: b", extra: "  type: NodePort")
      .replacingPorts("    - {port: 80, nodePort: 30080}\n    - {port: 81, nodePort: 0}")
    let third = service("c", selector: "app: c", extra: "  type: NodePort").replacingPorts(
      "    - {port: 82, nodePort: 0}")
    let result = try lint([("a.yaml", first), ("b.yaml", second), ("c.yaml", third)])
    let reported = findings(result, "duplicate-node-port")
    #expect(reported.map { "\($0.file):\($0.line)" } == ["b.yaml:10"])
    #expect(
      reported.first?.message.contains("which Service default/a already requests (a.yaml:10)")
        == true)
  }

  @Test func kustomizePatchesAreCheckedForWhatTheySetNotForWhatTheyLeaveToTheBase() throws {
    let folder = try temporaryFolder()
    try write(
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [base.yaml]\n"
        + "patches:\n  - path: patch.yaml\npatchesStrategicMerge:\n  - ./more/strategic.yaml\n",
      to: folder + "/kustomization.yaml")
    try write(deployment("web"), to: folder + "/base.yaml")
    let patch = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        template:
          spec:
            containers:
              - name: main
                image: example/web:latest
      """
    try write(patch, to: folder + "/patch.yaml")
    try write(patch + "\n    env: [", to: folder + "/more/strategic.yaml")
    let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    let inPatch = result.findings.filter { $0.file.hasSuffix("/patch.yaml") }
    // The tag it sets is its own; the probes, limits and requests it lacks are the base's.
    #expect(inPatch.map(\.policy) == ["image-tag"])
    // libyaml reports the unclosed list where the input ends.
    #expect(findings(result, "yaml-syntax").map(\.line) == [11])
    #expect(result.summary.objects == 3)  // the Kustomization, the base and the patch
  }

  /// A patch file with patch directives (`$patch: delete`) is a fragment by its role: it is
  /// checked for what it sets, and not said to be a fragment (as a stray one is).
  @Test func aPatchWithDirectivesIsNotSaidToBeAFragment() throws {
    let folder = try temporaryFolder()
    try write(
      "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
        + "patches:\n  - path: delete.yaml\n", to: folder + "/component/kustomization.yaml")
    let deletion = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: load}\n$patch: delete\n"
    try write(deletion, to: folder + "/component/delete.yaml")
    try write(deletion, to: folder + "/stray/delete.yaml")
    let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    #expect(result.findings.filter { $0.file.hasSuffix("/component/delete.yaml") }.isEmpty)
    let stray = result.findings.filter { $0.file.hasSuffix("/stray/delete.yaml") }
    #expect(stray.map(\.policy) == ["schema"])
    #expect(stray.first?.message.contains("is not a whole object") == true)
  }

  /// metrics-server's layout: a component's budget at `policy/v1beta1`, and an overlay's
  /// component that patches its apiVersion to `policy/v1` (in a file, or inline). What is
  /// written fails only in builds without the patch: information, naming the patch.
  @Test func anAPIVersionAKustomizationPatchesIsInformation() throws {
    let budget =
      "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: ms}\n"
      + "spec:\n  minAvailable: 1\n  selector:\n    matchLabels: {app: ms}\n"
    let operations = "- op: replace\n  path: /apiVersion\n  value: policy/v1\n"
    for (patch, rewrites) in [
      ("  - path: version.yaml\n    target: {kind: PodDisruptionBudget}\n", true),
      (
        "  - patch: |-\n      - op: replace\n        path: /apiVersion\n        value: policy/v1\n"
          + "    target: {kind: PodDisruptionBudget}\n", true
      ),
      // Another kind's, or to a version no longer served: applying it still fails.
      ("  - path: version.yaml\n    target: {kind: Deployment}\n", false),
      (
        "  - patch: '[{op: replace, path: /apiVersion, value: policy/v1beta1}]'\n"
          + "    target: {kind: PodDisruptionBudget}\n", false
      ),
    ] {
      let folder = try temporaryFolder()
      try write(
        "kind: Component\nresources: [pdb.yaml]\n", to: folder + "/components/ha/kustomization.yaml"
      )
      try write(budget, to: folder + "/components/ha/pdb.yaml")
      try write(
        "kind: Component\ncomponents: [../ha]\npatches:\n" + patch,
        to: folder + "/components/ha-new/kustomization.yaml")
      try write(operations, to: folder + "/components/ha-new/version.yaml")
      let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
      let found = result.findings.filter { $0.policy == "deprecated-api-version" }
      #expect(found.map(\.severity) == [rewrites ? .info : .error], "\(patch)")
      #expect(found.first?.message.contains("ha-new/kustomization.yaml patches") == rewrites)
    }
  }

  /// Being named as a patch does not hide a file: a kustomization claims only files in its
  /// own folder (as Kustomize does), and a patch of nothing the run holds is linted whole
  /// (when its kustomization builds only on files of the run).
  @Test func aPatchCannotHideAManifest() throws {
    let folder = try temporaryFolder()
    let risky = deployment("api")
    try write(risky, to: folder + "/prod/api.yaml")
    // Elsewhere in the run, a kustomization that claims prod/api.yaml as its patch.
    try write(
      "resources: []\npatches:\n  - path: ../prod/api.yaml\n  - path: /etc/passwd\n",
      to: folder + "/evil/kustomization.yaml")
    // And one that builds only on files of the run, with a "patch" of nothing they hold.
    try write(
      "resources: [service.yaml]\npatches:\n  - path: orphan.yaml\n",
      to: folder + "/overlay/kustomization.yaml")
    try write(service("web", selector: "app: web"), to: folder + "/overlay/service.yaml")
    try write(deployment("orphan"), to: folder + "/overlay/orphan.yaml")
    let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    let policies = { (suffix: String) in
      Set(result.findings.filter { $0.file.hasSuffix(suffix) }.map(\.policy))
    }
    let whole = Set(try Linter().lint(risky, name: "api.yaml").findings.map(\.policy))
    #expect(!whole.isEmpty)
    #expect(policies("/prod/api.yaml") == whole)
    #expect(policies("/overlay/orphan.yaml").isSuperset(of: ["memory-limit"]))
  }

  @Test func unexpandedPlaceholdersAreTemplates() throws {
    let job = """
      apiVersion: batch/v1
      kind: Job
      metadata:
        name: train-${JOB_ID}
      spec:
        template:
          spec:
            containers: [{name: train, image: "example/train:latest"}]
      """
    let result = try lint([("job.yaml", job)])
    #expect(result.findings.map(\.policy) == ["unrendered-template"])
    #expect(result.findings.first?.line == 4)
  }

  /// A tool's own configuration a script renders (an eksctl ClusterConfig through gomplate)
  /// never reaches the API server: its template is information; a manifest's stays an error.
  @Test func aTemplatedToolConfigurationIsInformation() throws {
    let template = """
      metadata:
        name: {{ .Env.CLUSTER_NAME }}
      nodeGroups:
      {{- range $index := seq 1 .Env.GROUPS }}
        - name: group-{{ $index }}
      {{- end }}
      """
    let eksctl = try lint([
      (
        "cluster.yaml",
        "apiVersion: \"eksctl.io/v1alpha5\"  # eksctl\nkind: ClusterConfig\n" + template
      )
    ])
    #expect(eksctl.findings.map(\.severity) == [.info])
    let deployment = try lint([("web.yaml", "apiVersion: apps/v1\nkind: Deployment\n" + template)])
    #expect(deployment.findings.map(\.severity) == [.error])
    // Followed by documents the reader does not read on to, it stays an error.
    let followed = try lint([
      (
        "cluster.yaml",
        "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n" + template
          + "\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
      )
    ])
    #expect(followed.findings.map(\.severity) == [.error])
  }

  /// A template beside a workload hides an object of its own kind: a templated budget may be
  /// the workload's, a templated ConfigMap is no budget, autoscaler, Service or pod. (A
  /// `cfg-<cluster-name>` ConfigMap had silenced single-replica, missing-pdb and
  /// service-selects-nothing for every workload of its folder and the folders below it.)
  @Test func aTemplateHidesOnlyObjectsOfItsKind() throws {
    func template(_ kind: String) -> String {
      "apiVersion: v1\nkind: \(kind)\nmetadata:\n  name: x-${CLUSTER_NAME}\n"
    }
    let workloads: [(String, String)] = [
      ("app/single.yaml", deployment("single", replicas: 1)),
      ("app/sub/many.yaml", deployment("many", replicas: 3)),
      ("app/svc.yaml", service("orphan", selector: "app: nothing")),
    ]
    func policies(besideA kind: String?) throws -> Set<String> {
      let files = workloads + (kind.map { [("app/template.yaml", template($0))] } ?? [])
      return Set(try lint(files).findings.map(\.policy))
    }
    let missing: Set = ["single-replica", "missing-pdb", "service-selects-nothing"]
    #expect(try policies(besideA: nil).isSuperset(of: missing))
    // Each kind hides what it may be, and nothing else.
    for (kind, hidden) in [
      ("ConfigMap", [String]()), ("PodDisruptionBudget", ["missing-pdb"]),
      ("HorizontalPodAutoscaler", ["single-replica"]), ("ScaledObject", ["single-replica"]),
      ("Deployment", ["service-selects-nothing"]),
      ("Widget", ["service-selects-nothing"]),  // an operator may run it as pods
    ] {
      let found = try policies(besideA: kind)
      #expect(found.contains("unrendered-template"), "\(kind)")
      #expect(found.intersection(missing) == missing.subtracting(hidden), "\(kind): \(found)")
    }
    // A kind that is a placeholder itself, or a custom resource's (its operator may make a
    // Service, a budget or pods), may be anything.
    for text in [
      "apiVersion: v1\nkind: ${KIND}\nmetadata:\n  name: x-${CLUSTER_NAME}\n",
      "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: x-${CLUSTER_NAME}\n",
    ] {
      let found = Set(try lint(workloads + [("app/template.yaml", text)]).findings.map(\.policy))
      #expect(found.intersection(missing).isEmpty, "\(text): \(found)")
    }
  }

  @Test func aBudgetWithoutANamespaceCoversWorkloadsOfAnyNamespace() throws {
    // A kustomization's `namespace` puts the budget beside the Deployment that names it.
    func budget(_ namespace: String?) -> String {
      "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: gk"
        + (namespace.map { ", namespace: \($0)" } ?? "")
        + "}\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: {app: gk}\n"
    }
    let workload = deployment("gk", namespace: "gatekeeper-system", replicas: 3)
    for (namespace, covered) in [(nil, true), ("", true), ("other", false)] as [(String?, Bool)] {
      let result = try lint([("deploy.yaml", workload), ("pdb.yaml", budget(namespace))])
      let missing = result.findings.filter { $0.policy == "missing-pdb" }
      #expect(missing.isEmpty == covered, "namespace \(namespace ?? "unset")")
    }
  }

  @Test func crossObjectPassIsLinear() throws {
    // Every Service selects exactly one of n workloads by a unique label; a quadratic pass
    // would evaluate n² selectors.
    let n = 400
    var files: [(String, String)] = []
    for index in 0..<n {
      files.append(("w\(index).yaml", deployment("w\(index)", labels: "app: w\(index), tier: web")))
      files.append(("s\(index).yaml", service("s\(index)", selector: "app: w\(index), tier: web")))
      files.append(
        (
          "p\(index).yaml",
          "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p\(index)}\n"
            + "spec:\n  selector:\n    matchLabels: {app: w\(index)}\n"
        ))
    }
    let facts = try lintFacts(files)
    let set = LintSet(facts)
    let findings = try setFindings(set)
    #expect(set.selectorEvaluations.value <= 4 * n, "\(set.selectorEvaluations.value) evaluations")
    #expect(findings.filter { $0.policy == "service-selects-nothing" }.isEmpty)
    #expect(findings.filter { $0.policy == "missing-pdb" }.isEmpty)
  }

  /// `pdb-blocks-eviction` counts as the disruption controller does: a percentage of
  /// `minAvailable` rounds up (67% of 3 pods is 3), `maxUnavailable` of 0 or 0% allows none
  /// whatever the pods, and the pods of every workload the budget selects add up.
  @Test func aBudgetBlocksEvictionWhenItRequiresEveryPod() throws {
    func blocks(_ bound: String, replicas: [Int]) throws -> Bool {
      let workloads = replicas.enumerated().map { index, count in
        deployment("w\(index)", labels: "app: shop, part: w\(index)", replicas: count)
      }
      let budget = disruptionBudget("shop", bound)
      let result = try lint([("shop.yaml", (workloads + [budget]).joined(separator: "\n---\n"))])
      return !findings(result, "pdb-blocks-eviction").isEmpty
    }
    #expect(try blocks("minAvailable: 67%", replicas: [3]))
    #expect(try !blocks("minAvailable: 66%", replicas: [3]))
    #expect(try blocks("minAvailable: 100%", replicas: [2, 2]))
    #expect(try blocks("minAvailable: 4", replicas: [2, 2]))
    #expect(try !blocks("minAvailable: 3", replicas: [2, 2]))
    #expect(try blocks("maxUnavailable: 0", replicas: [5]))
    // Budgets that share a selector share its count: each is reported.
    let shared =
      [deployment("shop", replicas: 1), disruptionBudget("shop", "minAvailable: 1")]
      + [disruptionBudget("shop", "minAvailable: 100%").replacing("name: shop", with: "name: b")]
    #expect(
      findings(
        try lint([("shop.yaml", shared.joined(separator: "\n---\n"))]), "pdb-blocks-eviction"
      )
      .count == 2)
    #expect(try blocks("maxUnavailable: 0%", replicas: [5]))
    #expect(try !blocks("maxUnavailable: 1%", replicas: [5]))
    // No pod to keep: nothing is blocked.
    #expect(try !blocks("minAvailable: 1", replicas: [0]))
    // Text that is no count or percentage is the API server's to reject.
    #expect(try !blocks("minAvailable: all", replicas: [1]))
    // Replicas past what the API allows add up without overflowing.
    #expect(try !blocks("minAvailable: 1", replicas: [Int.max, Int.max]))
  }

  /// What `pdb-blocks-eviction` cannot count it leaves alone: pods a custom resource may run
  /// (an Argo Rollout of the same labels), and a `policy/v1beta1` budget's empty selector,
  /// which selects no pod. What a kustomization may change it says as information.
  @Test func aBudgetsPodsThatTheSetDoesNotSettleAreNotCounted() throws {
    let budget = disruptionBudget("web", "minAvailable: 1")
    let one = deployment("web", replicas: 1)
    func found(_ files: [(String, String)]) throws -> [Finding] {
      findings(try lint(files), "pdb-blocks-eviction")
    }
    #expect(try found([("web.yaml", one + "\n---\n" + budget)]).first?.severity == .warning)
    let rollout = """
      apiVersion: argoproj.io/v1alpha1
      kind: Rollout
      metadata: {name: web}
      spec:
        replicas: 5
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec: {containers: [{name: web, image: example/web:1.0}]}
      """
    #expect(try found([("web.yaml", [one, budget, rollout].joined(separator: "\n---\n"))]).isEmpty)
    let emptyBeta = """
      apiVersion: policy/v1beta1
      kind: PodDisruptionBudget
      metadata: {name: all}
      spec:
        maxUnavailable: 0
        selector: {}
      """
    #expect(try found([("web.yaml", one + "\n---\n" + emptyBeta)]).isEmpty)
    // Nor does `missing-pdb` count it as a budget of three replicas.
    let three = deployment("web", replicas: 3)
    #expect(
      findings(try lint([("web.yaml", three + "\n---\n" + emptyBeta)]), "missing-pdb").count == 1)
    // A selector without labels selects the Rollout's pods too, whatever its labels.
    let anyPod = disruptionBudget("web", "minAvailable: 1").replacing(
      "{matchLabels: {app: web}}", with: "{}")
    let otherRollout = rollout.replacing("app: web", with: "app: api").replacing(
      "name: web", with: "name: api")
    #expect(
      try found([("web.yaml", [one, anyPod, otherRollout].joined(separator: "\n---\n"))])
        .isEmpty)
    // Replicas that are no number leave the count unknown.
    let unknown = one.replacing("replicas: 1", with: "replicas: ${REPLICAS}")
    #expect(try found([("web.yaml", unknown + "\n---\n" + budget)]).isEmpty)
    // A drain leaves a DaemonSet's pods where they are.
    let agent = rollout.replacing("argoproj.io/v1alpha1", with: "apps/v1").replacing(
      "kind: Rollout", with: "kind: DaemonSet"
    ).replacing("  replicas: 5\n", with: "")
    #expect(
      try found([("web.yaml", agent + "\n---\n" + disruptionBudget("web", "maxUnavailable: 0"))])
        .isEmpty)
    let folder = try temporaryFolder()
    try write(one, to: folder + "/web.yaml")
    try write(budget, to: folder + "/pdb.yaml")
    try write(
      "resources: [web.yaml, pdb.yaml]\nreplicas: [{name: web, count: 3}]\n",
      to: folder + "/kustomization.yaml")
    let kustomized = findings(
      try Linter().lint(try InputDiscovery.inputs(for: [folder])), "pdb-blocks-eviction")
    #expect(kustomized.map(\.severity) == [.info])
    #expect(kustomized.first?.message.contains("a kustomization builds it") == true)
  }

  /// An autoscaled workload counts at its autoscaler's minimum: a budget that requires every
  /// pod there blocks drains while the load keeps it there (knative/serving#9990). What the
  /// set does not settle is left alone: KEDA's scale to zero, a minimum that is no number, two
  /// autoscalers of one workload.
  @Test func aBudgetBlocksEvictionAtItsAutoscalersMinimum() throws {
    func autoscaler(_ minimum: String?, keda: Bool = false, name: String = "web") -> String {
      let bound = minimum.map { "\n  \(keda ? "minReplicaCount" : "minReplicas"): \($0)" } ?? ""
      return keda
        ? """
        apiVersion: keda.sh/v1alpha1
        kind: ScaledObject
        metadata: {name: \(name)}
        spec:
          scaleTargetRef: {name: web}\(bound)
        """
        : """
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: \(name)}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          maxReplicas: 10\(bound)
        """
    }
    func found(_ bound: String, _ autoscalers: [String], others: [String] = [])
      throws -> [Finding]
    {
      let objects =
        [deployment("web", labels: "app: web, part: web", replicas: 3)] + others + autoscalers
        + [disruptionBudget("web", bound)]
      return findings(
        try lint([("web.yaml", objects.joined(separator: "\n---\n"))]), "pdb-blocks-eviction")
    }
    let knative = try found("minAvailable: 80%", [autoscaler("1")])
    #expect(knative.map(\.severity) == [.warning])
    #expect(
      knative.first?.message.contains(
        "HorizontalPodAutoscaler web (minReplicas: 1) is at its minimum") == true)
    // minReplicas defaults to 1.
    #expect(try found("minAvailable: 1", [autoscaler(nil)]).count == 1)
    #expect(try found("minAvailable: 1", [autoscaler("2")]).isEmpty)
    #expect(try found("minAvailable: 2", [autoscaler("2")]).count == 1)
    // A workload the autoscaler does not scale adds its replicas: 1 + 3 pods, 4 required.
    let other = deployment("api", labels: "app: web, part: api", replicas: 3)
    #expect(try found("minAvailable: 4", [autoscaler("1")], others: [other]).count == 1)
    #expect(try found("minAvailable: 3", [autoscaler("1")], others: [other]).isEmpty)
    #expect(try found("minAvailable: 2", [autoscaler("2", keda: true)]).count == 1)
    #expect(try found("minAvailable: 1", [autoscaler(nil, keda: true)]).isEmpty)
    #expect(try found("minAvailable: 1", [autoscaler("0", keda: true)]).isEmpty)
    #expect(try found("minAvailable: 1", [autoscaler("${MIN}")]).isEmpty)
    #expect(try found("minAvailable: 1", [autoscaler("1"), autoscaler("1", name: "b")]).isEmpty)
    // A paused ScaledObject holds the workload where it was, or at the count it says.
    let paused = autoscaler("2", keda: true).replacing(
      "metadata: {name: web}",
      with: "metadata: {name: web, annotations: {autoscaling.keda.sh/paused-replicas: \"3\"}}")
    #expect(try found("minAvailable: 2", [paused]).isEmpty)
  }

  /// A single pod that the API server calls (a webhook's Service) says so: while it is down,
  /// those calls fail, and under `failurePolicy: Fail` so do the requests they admit.
  @Test func aSinglePodTheAPIServerCallsSaysSo() throws {
    let webhook = deployment("hook", namespace: "ops", replicas: 1)
    let service = """
      apiVersion: v1
      kind: Service
      metadata: {name: hook, namespace: ops}
      spec:
        selector: {app: hook}
        ports: [{name: webhook, port: 443, targetPort: 9443}]
      """
    let configuration = """
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingWebhookConfiguration
      metadata: {name: hook}
      webhooks:
        - name: hook.example.com
          failurePolicy: Fail
          sideEffects: None
          admissionReviewVersions: [v1]
          clientConfig: {service: {name: hook, namespace: ops, path: /validate}}
      """
    func message(_ objects: [String]) throws -> String? {
      findings(
        try lint([("hook.yaml", objects.joined(separator: "\n---\n"))]), "single-replica"
      ).first?.message
    }
    let called = try #require(try message([webhook, service, configuration]))
    #expect(called.contains("the API server calls it"))
    // Said of webhooks of failurePolicy Fail, not of this one in particular (KEDA's are Ignore).
    #expect(called.contains("so do the requests a webhook of failurePolicy Fail admits"))
    let alone = try #require(try message([webhook, service]))
    #expect(!alone.contains("the API server calls it"))
  }

  /// `schema`'s findings on a Pod whose one container has `resources`.
  private func schemaFindings(resources: String) throws -> [Finding] {
    let pod = """
      apiVersion: v1
      kind: Pod
      metadata: {name: p, namespace: d}
      spec:
        containers:
          - name: c
            image: example/c:1.0
            resources: \(resources)
      """
    return findings(try lint([("p.yaml", pod)]), "schema")
  }

  /// `schema` errs on a quantity the API server rejects (`1Gb`), but text without a number
  /// (`__MEM__`, a placeholder of some tool) is information, and text beyond ASCII (a no-break
  /// space the decoder trims) is left alone.
  @Test func quantitiesWithoutANumberAreInformation() throws {
    func severities(_ memory: String) throws -> [Severity] {
      try schemaFindings(resources: "{limits: {memory: \"\(memory)\"}}").map(\.severity)
    }
    #expect(try severities("1Gb") == [.error])
    #expect(try severities("__MEM__") == [.info])
    #expect(try severities("((memory))") == [.info])
    #expect(try severities("\u{A0}1Gi").isEmpty)
    #expect(try severities("1Gi").isEmpty)
  }

  /// Huge pages and extended resources are not overcommitted: the API server rejects a
  /// request of one without a limit, or other than it; others may be requested below their
  /// limit.
  @Test func resourcesThatCannotBeOvercommittedNeedEqualLimits() throws {
    func messages(_ requests: String, _ limits: String) throws -> [String] {
      try schemaFindings(resources: "{requests: {\(requests)}, limits: {\(limits)}}")
        .map(\.message)
    }
    #expect(try messages("nvidia.com/gpu: 1", "nvidia.com/gpu: 1").isEmpty)
    #expect(try messages("hugepages-2Mi: 100Mi", "hugepages-2Mi: 100Mi").isEmpty)
    #expect(
      try messages("hugepages-2Mi: 100Mi", "hugepages-2Mi: 200Mi").first?.contains("must be equal")
        == true)
    #expect(
      try messages("example.com/dongle: 2", "cpu: 1").first?.contains("Limit must be set") == true)
    // A megabyte of digits is quoted clipped.
    let huge = try messages("cpu: \"\(String(repeating: "9", count: 1_000_000))\"", "cpu: 1")
    #expect(huge.count == 1 && huge[0].utf8.count < 2_000, "\(huge.first?.utf8.count ?? 0)")
    // Native resources, `kubernetes.io/` ones too, may be requested below their limit.
    #expect(
      try messages("cpu: 100m, example.kubernetes.io/x: 1", "cpu: 1, example.kubernetes.io/x: 2")
        .isEmpty)
  }

  @Test func outputIsTheSameForAnyNumberOfWorkers() throws {
    let folder = try temporaryFolder()
    for index in 0..<40 {
      try write(
        deployment("d\(index)", replicas: index % 3) + "\n---\n"
          + service("s\(index)", selector: "app: d\((index + 1) % 40)", extra: "  clusterIP: None"),
        to: folder + "/app\(index).yaml")
    }
    let inputs = try InputDiscovery.inputs(for: [folder])
    let linter = try Linter()
    let one = linter.lint(inputs, jobs: 1)
    for jobs in [2, 3, 8] {
      let many = linter.lint(inputs, jobs: jobs)
      #expect(many.findings == one.findings, "jobs \(jobs)")
      #expect(many.summary == one.summary)
    }
    #expect(one.findings.count > 100)
  }
}

extension String {
  /// Replaces a test Service's `ports:` list.
  func replacingPorts(_ ports: String) -> String {
    replacing("    - port: 80", with: ports)
  }
}

/// The facts of in-memory files, for tests of the cross-object pass itself.
func lintFacts(_ files: [(String, String)]) throws -> FactsCollection {
  let linter = try Linter()
  var facts = FactsCollection()
  for (name, text) in files {
    facts.append(
      contentsOf: linter.facts(
        of: LintInput(name: name, source: .bytes(Array(text.utf8)), isExplicit: false)))
  }
  return facts
}

/// Findings say what happens to the kind they are about: rollouts only where a rolling update
/// replaces pods, autoscalers only where one can scale the kind.
@Suite("Messages fit the kind")
struct MessagesFitTheKind {
  var job: String { jobRunning("{name: migrate, image: example/migrate:1.0}") }

  func jobRunning(_ container: String) -> String {
    """
    apiVersion: batch/v1
    kind: Job
    metadata: {name: migrate}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - \(container)
    """
  }

  @Test func onlyScalableKindsAreTalkedOfAutoscalers() throws {
    let jobMessage = try #require(findings(try lint([("j.yaml", job)]), "resource-requests").first)
    #expect(!jobMessage.message.contains("autoscalers"))
    let web = try #require(
      findings(try lint([("d.yaml", deployment("web"))]), "resource-requests").first)
    #expect(web.message.contains("autoscalers cannot compute its cpu and memory utilisation"))
  }

  /// A pod of a critical priority class is not evicted by the kubelet, which evicts others in
  /// its place: its finding says so, not that it goes first.
  @Test func aCriticalPodIsNotSaidToBeEvictedFirst() throws {
    let critical = deployment("web").replacing(
      "      containers:",
      with: "      priorityClassName: system-cluster-critical\n      containers:")
    let finding = try #require(
      findings(try lint([("d.yaml", critical)]), "resource-requests").first)
    #expect(!finding.message.contains("first evicted"), "\(finding.message)")
    #expect(finding.message.contains("evicts other pods in its place"), "\(finding.message)")
  }

  /// A single pod that mounts a claim writable may be a single-writer store: said, and a
  /// claim mounted read-only (shareable) is not.
  @Test func aSinglePodSharingAWritableClaimIsSaidToBeSingleByDesign() throws {
    func store(readOnly: Bool) -> String {
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: db}
      spec:
        selector: {matchLabels: {app: db}}
        template:
          metadata: {labels: {app: db}}
          spec:
            containers: [{name: db, image: example/db:1.0}]
            volumes:
              - {name: cache, emptyDir: {}}
              - {name: data, persistentVolumeClaim: {claimName: db-data, readOnly: \(readOnly)}}
      """
    }
    let writable = try #require(
      findings(try lint([("d.yaml", store(readOnly: false))]), "single-replica").first)
    #expect(
      writable.message.contains(
        "its pod mounts the PersistentVolumeClaim \"db-data\" writable, which a second pod"))
    #expect(writable.severity == .info)
    let readOnly = try #require(
      findings(try lint([("d.yaml", store(readOnly: true))]), "single-replica").first)
    #expect(!readOnly.message.contains("PersistentVolumeClaim"))
  }

  /// A single data store (an image of the `dataStores` option, with a version in its name
  /// too) is advised replication, not a second replica, which would be a second store sharing
  /// nothing with the first; another image (Prometheus's, whose second replica is how it is
  /// made highly available) is advised more replicas, and so is an image the configuration
  /// leaves out of the option.
  @Test func aSingleDataStoreIsAdvisedReplicationNotMoreReplicas() throws {
    func store(_ image: String) -> String { deployment("store", replicas: 1, image: image) }
    for image in ["redis:7.2", "registry.example.com/rhel9/postgresql-16:1"] {
      let finding = try #require(
        findings(try lint([("d.yaml", store(image))]), "single-replica").first)
      #expect(finding.message.contains("which keeps data, and a second replica would be a second"))
      #expect(!finding.message.contains("run at least 2 replicas"), "\(finding.message)")
      #expect(finding.severity == .info)
    }
    for image in ["example/web:1", "prom/prometheus:v3.0.0"] {
      let other = try #require(
        findings(try lint([("d.yaml", store(image))]), "single-replica").first)
      #expect(other.message.contains("run at least 2 replicas or add an autoscaler"))
    }
    let configuration = try ConfigurationFile(
      path: "/repo/.kubeward.yaml",
      bytes: Array("policies:\n  single-replica:\n    dataStores: [mongo]\n".utf8)
    ).configuration
    let unlisted = try #require(
      findings(
        try lint([("d.yaml", store("redis:7.2"))], configuration: configuration),
        "single-replica"
      ).first)
    #expect(unlisted.message.contains("run at least 2 replicas"), "\(unlisted.message)")
  }

  /// Of an Alpine image that shows no name lookups, the information says to rebuild only if
  /// it does look names up (it said there was no sign, then to rebuild anyway).
  @Test func alpineInformationAdvisesARebuildOnlyIfNeeded() throws {
    let seed = jobRunning(
      "{name: seed, image: postgres:16-alpine, command: [psql, -h, 127.0.0.1, -f, /seed.sql]}")
    let finding = try #require(findings(try lint([("j.yaml", seed)]), "alpine-image").first)
    #expect(finding.severity == .info)
    #expect(finding.message.contains("this one shows no sign of it, so if it does, build on"))
  }

  /// `kubectl rollout undo` works on Deployments, StatefulSets and DaemonSets only.
  @Test func onlyKindsWithRollbacksAreTalkedOfRollbacks() throws {
    let latestJob = jobRunning("{name: migrate, image: example/migrate}")
    let jobTag = try #require(findings(try lint([("j.yaml", latestJob)]), "image-tag").first)
    #expect(!jobTag.message.contains("rollback"))
    #expect(jobTag.message.contains("each node may pull a different image, and a slow pull"))
    let latestDeployment = deployment("web", image: "example/web:latest")
    let deploymentTag = try #require(
      findings(try lint([("d.yaml", latestDeployment)]), "image-tag").first)
    #expect(deploymentTag.message.contains("rollbacks cannot return to the old one"))
  }

  /// The scheduler takes what has no request as not needed: said of that resource.
  @Test func requestsNameWhatTheSchedulerTakesAsNotNeeded() throws {
    let cpuOnly = jobRunning(
      "{name: migrate, image: example/migrate:1.0, resources: {requests: {cpu: 100m}}}")
    let finding = try #require(findings(try lint([("j.yaml", cpuOnly)]), "resource-requests").first)
    #expect(
      finding.message.contains(
        "has no memory request: the scheduler places it as if it needed no memory,"))
    let none = try #require(findings(try lint([("j.yaml", job)]), "resource-requests").first)
    #expect(none.message.contains("as if it needed no cpu or memory,"))
  }

  @Test func onlyRollingKindsAreTalkedOfRollouts() throws {
    let pod = """
      apiVersion: v1
      kind: Pod
      metadata: {name: web, labels: {app: web}}
      spec:
        containers:
          - {name: web, image: example/web:1.0, ports: [{containerPort: 80}]}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec:
        selector: {app: web}
        ports: [{port: 80}]
      """
    let podMessage = try #require(
      findings(try lint([("p.yaml", pod)]), "missing-readiness-probe").first)
    #expect(podMessage.message.contains("Services send it requests"))
    #expect(!podMessage.message.contains("rollouts"))
    let ports = "          ports: [{containerPort: 80}]"
    let rolled = try #require(
      findings(try lint([("d.yaml", deployment("web", ports: ports))]), "missing-readiness-probe")
        .first)
    #expect(rolled.message.contains("rollouts replace working pods"))
  }

  /// A container whose only port a ServiceMonitor scrapes through a Service serves metrics,
  /// whatever the port's name (the Prometheus Operator's `http`): as for a port named
  /// `metrics`, no readiness probe is asked of it unless a Service sends it requests.
  @Test func aPortThatAMonitorScrapesIsAMetricsPort() throws {
    let ports = "          ports: [{containerPort: 8080, name: http}]"
    let controller = deployment("operator", replicas: 1, ports: ports)
    let service = """
      apiVersion: v1
      kind: Service
      metadata: {name: operator, labels: {app: operator}}
      spec:
        clusterIP: None
        selector: {app: operator}
        ports: [{name: http, port: 8080, targetPort: http}]
      """
    let monitor = """
      apiVersion: monitoring.coreos.com/v1
      kind: ServiceMonitor
      metadata: {name: operator}
      spec:
        selector: {matchLabels: {app: operator}}
        endpoints: [{port: http}]
      """
    func found(_ objects: [String]) throws -> [Finding] {
      findings(
        try lint([("operator.yaml", objects.joined(separator: "\n---\n"))]),
        "missing-readiness-probe")
    }
    #expect(try found([controller, service, monitor]).isEmpty)
    // Named for metrics, it was already so.
    #expect(try found([controller.replacing("name: http", with: "name: metrics")]).isEmpty)
    // Without the monitor, its rollouts wait for readiness.
    #expect(try found([controller, service]).map(\.severity) == [.warning])
    // Scraped, and sent requests by another Service: its readiness gates them.
    let clients = """
      apiVersion: v1
      kind: Service
      metadata: {name: operator-api}
      spec:
        selector: {app: operator}
        ports: [{name: api, port: 80, targetPort: 8080}]
      """
    #expect(try found([controller, service, monitor, clients]).map(\.severity) == [.warning])
    // Scraped, and routed to by an Ingress: its port serves clients too.
    let ingress = """
      apiVersion: networking.k8s.io/v1
      kind: Ingress
      metadata: {name: operator}
      spec:
        rules:
          - http:
              paths:
                - path: /
                  pathType: Prefix
                  backend: {service: {name: operator, port: {name: http}}}
      """
    #expect(try found([controller, service, monitor, ingress]).map(\.severity) == [.warning])
  }

  /// A StatefulSet or DaemonSet updated `OnDelete` replaces a pod only when someone deletes it:
  /// no rollout waits for readiness, so only a Service's requests make the probe matter.
  @Test func onDeleteUpdatesAreNoRollouts() throws {
    func statefulSet(updateStrategy: String) -> String {
      """
      apiVersion: apps/v1
      kind: StatefulSet
      metadata: {name: db}
      spec:
        serviceName: db
        \(updateStrategy)
        selector: {matchLabels: {app: db}}
        template:
          metadata: {labels: {app: db}}
          spec:
            containers:
              - {name: db, image: example/db:1.0, ports: [{containerPort: 5432}]}
      """
    }
    let onDelete = statefulSet(updateStrategy: "updateStrategy: {type: OnDelete}")
    #expect(findings(try lint([("s.yaml", onDelete)]), "missing-readiness-probe").isEmpty)
    let rolling = statefulSet(updateStrategy: "updateStrategy: {type: RollingUpdate}")
    let rolled = try #require(
      findings(try lint([("s.yaml", rolling)]), "missing-readiness-probe").first)
    #expect(rolled.message.contains("rollouts replace working pods"))
    let service = """
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: db}
      spec:
        selector: {app: db}
        ports: [{port: 5432}]
      """
    let reached = try #require(
      findings(try lint([("s.yaml", onDelete + "\n" + service)]), "missing-readiness-probe").first)
    #expect(reached.message.contains("Services send it requests"))
    #expect(!reached.message.contains("rollouts"))
  }

  /// A Service whose port is unnamed but targets a container port named for metrics is
  /// scraping it (the SMB CSI controller's example metrics Service): no readiness is asked;
  /// targeting a serving port, it is.
  @Test func aServiceOfAMetricsPortIsScrapingWhateverItsOwnPortsName() throws {
    func warnings(portName: String) throws -> [Finding] {
      let ports = "          ports: [{name: \(portName), containerPort: 29644}]"
      let metrics = service("csi-smb-controller", selector: "app: smb")
        .replacingOccurrences(of: "- port: 80", with: "- {port: 29644, targetPort: 29644}")
      return findings(
        try lint([
          ("c.yaml", deployment("smb", labels: "app: smb", ports: ports) + "\n---\n" + metrics)
        ]),
        "missing-readiness-probe"
      ).filter { $0.severity == .warning }
    }
    #expect(try warnings(portName: "metrics").isEmpty)
    #expect(try warnings(portName: "http").count == 1)
  }

  /// Where no container of a reached pod declares a port, which one serves the Service is a
  /// guess, and the information says so (opencost's Deployment: its exporter and its UI).
  @Test func aGuessedServingContainerIsSaidToBeAGuess() throws {
    // Two containers, neither declaring a port.
    let pod = deployment(
      "opencost", ports: "        - {name: opencost-ui, image: example/opencost-ui:1.0}")
    let found = findings(
      try lint([("o.yaml", pod + "\n---\n" + service("opencost", selector: "app: opencost"))]),
      "missing-readiness-probe")
    #expect(found.map(\.severity) == [.info, .info])
    #expect(
      found.allSatisfy { $0.message.contains("which of them serves its Services is a guess") })
  }

  /// A workload that a Service selects, though the Service was taken for workloads nearer it
  /// (a legacy ReplicationController kept below the Deployment that replaced it), is not said
  /// to be selected by no Service: the message said so of guestbook's legacy controllers.
  @Test func aServiceTakenForNearerWorkloadsIsNamed() throws {
    let ports = "          ports: [{containerPort: 80}]"
    let controller = deployment("web", replicas: 1, ports: ports)
      .replacingOccurrences(of: "apiVersion: apps/v1", with: "apiVersion: v1")
      .replacingOccurrences(of: "kind: Deployment", with: "kind: ReplicationController")
    let result = try lint([
      ("app/service.yaml", service("web", selector: "app: web")),
      ("app/deployment.yaml", deployment("web", ports: ports)),
      ("app/legacy/controller.yaml", controller),
    ])
    let legacy = try #require(
      findings(result, "missing-readiness-probe").first { $0.file == "app/legacy/controller.yaml" })
    #expect(legacy.severity == .info)
    #expect(
      legacy.message.contains(
        "Service \"web\" selects its pods too (kubeward counts that Service for workloads "
          + "written nearer to it)"), "\(legacy.message)")
    #expect(!legacy.message.contains("no Service of the linted files"))
    // Alone, it is selected by none, and said so.
    let alone = try #require(
      findings(try lint([("app/legacy/controller.yaml", controller)]), "missing-readiness-probe")
        .first)
    #expect(alone.message.contains("no Service of the linted files selects its pods"))
  }

  /// A Service annotated for a cloud kubeward names no mechanism of (DigitalOcean) is told to
  /// use that cloud's own, not the four large clouds' annotations.
  @Test func loadBalancerAdviceNamesTheAnnotatedCloud() throws {
    func service(_ annotation: String) -> String {
      """
      apiVersion: v1
      kind: Service
      metadata:
        name: shop
        annotations: {\(annotation)}
      spec:
        type: LoadBalancer
        selector: {app: shop}
        ports: [{port: 443}]
      """
    }
    let digitalOcean = try #require(
      findings(
        try lint([("s.yaml", service("service.beta.kubernetes.io/do-loadbalancer-protocol: http"))]
        ),
        "loadbalancer-lifecycle"
      ).first)
    #expect(digitalOcean.message.contains("service.beta.kubernetes.io/do-loadbalancer-ip"))
    #expect(!digitalOcean.message.contains("Elastic IPs"))
    let aws = try #require(
      findings(
        try lint([("s.yaml", service("service.beta.kubernetes.io/aws-load-balancer-type: nlb"))]),
        "loadbalancer-lifecycle"
      ).first)
    #expect(aws.message.contains("Elastic IPs"))
    #expect(!aws.message.contains("azure-pip-name"))
    // An NLB is asked for already: the advice does not ask for one again.
    #expect(!aws.message.contains("which needs an NLB"), "\(aws.message)")
    let classic = try #require(
      findings(
        try lint([
          ("s.yaml", service("service.beta.kubernetes.io/aws-load-balancer-internal: \"false\""))
        ]),
        "loadbalancer-lifecycle"
      ).first)
    #expect(classic.message.contains("which needs an NLB"), "\(classic.message)")
    let unknown = try #require(
      findings(try lint([("s.yaml", service("team: shop"))]), "loadbalancer-lifecycle").first)
    #expect(unknown.message.contains("your cloud's mechanism"))
    // Elastic IPs pin an NLB only; without a type annotation AWS makes a Classic ELB.
    #expect(unknown.message.contains("aws-load-balancer-eip-allocations, on an NLB"))
    // Scaleway, Exoscale and others by their controllers' own mechanisms; what a controller
    // reads as true in its keeping annotation keeps the load balancer, anything else does not.
    func message(_ annotation: String) throws -> String? {
      findings(try lint([("s.yaml", service(annotation))]), "loadbalancer-lifecycle").first?
        .message
    }
    for (annotation, advice) in [
      (
        "kubernetes.digitalocean.com/load-balancer-id: 4de7ac8b",
        "BYOIP address of your account in service.beta.kubernetes.io/do-loadbalancer-ip"
      ),
      (
        "service.beta.kubernetes.io/scw-loadbalancer-type: LB-S",
        "flexible IPs and name them in service.beta.kubernetes.io/scw-loadbalancer-ip-ids"
      ),
      (
        "service.beta.kubernetes.io/exoscale-loadbalancer-id: 0919",
        "exoscale-loadbalancer-external: \"true\""
      ),
      ("load-balancer.hetzner.cloud/location: fsn1", "Hetzner Cloud's own mechanism"),
    ] {
      let said = try message(annotation)
      #expect(said?.contains(advice) == true, "\(annotation): \(said ?? "nothing")")
    }
    for kept in [
      "service.kubernetes.io/do-loadbalancer-disown: 'T'",
      "service.beta.kubernetes.io/scw-loadbalancer-externally-managed: 'true'",
      "service.beta.kubernetes.io/exoscale-loadbalancer-external: 'TRUE'",
    ] {
      #expect(try message(kept) == nil, "\(kept)")
    }
    for notKept in [
      "service.kubernetes.io/do-loadbalancer-disown: 'yes'",
      "service.beta.kubernetes.io/exoscale-loadbalancer-external: '1'",
    ] {
      #expect(try message(notKept) != nil, "\(notKept)")
    }
  }

  /// A writable emptyDir mount is evidence of where writes may go, not of a write: the message
  /// says what the manifest shows (MySQL's `conf` folder, which only an init container fills).
  @Test func writableMountsAreNotCalledWrites() throws {
    let pod = """
      apiVersion: v1
      kind: Pod
      metadata: {name: db}
      spec:
        containers:
          - name: db
            image: example/db:1.0
            volumeMounts: [{name: conf, mountPath: /var/lib/db/conf.d}]
        volumes:
          - {name: conf, emptyDir: {}}
      """
    let finding = try #require(
      findings(try lint([("p.yaml", pod)]), "ephemeral-storage-limit").first)
    #expect(finding.message.contains(#"it mounts emptyDir volume "conf" writable"#))
    #expect(!finding.message.contains("writes to emptyDir"))
  }
}
