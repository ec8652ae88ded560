import Testing

@testable import KubewardBuiltInPolicies
@testable import KubewardEngine

#if canImport(Glibc)
  import Glibc
#endif

/// What a repository's layout says about its files: test fixtures, patches a kustomization
/// names (also in comments, also when its values are a generator's placeholders), images a
/// kustomization retags, and variants of an application kept side by side.
@Suite("Project layout")
struct ProjectLayoutTests {
  /// A project whose README opens saying it targets a serverless cluster (every pod a virtual
  /// node's) has its pods judged as on virtual nodes, whatever the phrase's case; one whose
  /// README does not say so, or says it further down (KubeVela's "install KubeVela on a
  /// Serverless K8S cluster", one way to try it among others), as on any node.
  @Test func aReadmeThatNamesAServerlessClusterPutsThePodsOnVirtualNodes() throws {
    for (readme, virtual) in [
      ("# Shop\n\nDeploys to **ACK Serverless** clusters.\n", true),
      ("![logo](x.png)\n## Serverless Kubernetes Examples\n\nRun real applications.\n", true),
      ("# Shop\n\n" + String(repeating: "Plain nodes. ", count: 300) + "Serverless K8S\n", false),
      ("# Shop\n\nA platform.\n\n## Try it\n\n- install it on a Serverless K8S cluster\n", false),
      ("# Shop\n\nDeploys to a serverless-ready cluster.\n", false),
      // A `#` line in a fenced code block, and reStructuredText's overline, are no headings.
      ("# Shop\n\n```sh\n# set up\nmake\n```\n\nRuns on ACK Serverless.\n", true),
      ("#######\nShop\n#######\n\nRuns on ACK Serverless.\n", true),
    ] {
      let folder = try temporaryFolder()
      try write(readme, to: folder + "/README.md")
      try write(deployment("api"), to: folder + "/api.yaml")
      let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
      let requests = result.findings.filter { $0.policy == "resource-requests" }
      #expect(requests.count == 1, "\(result.findings.map(\.message))")
      #expect(requests.first?.severity == (virtual ? .info : .warning), "\(readme.prefix(40))")
      #expect(requests.first?.message.contains("README.md") == virtual)
    }
  }

  /// Files under `testdata/`, `bad_resources/` and the like, or named `bad_…`, may be wrong on
  /// purpose: information in a folder walk, as they are when named on the command line.
  @Test func fixturesAreInformationWhenWalked() throws {
    let folder = try temporaryFolder()
    let risky = deployment("api")
    try write(risky, to: folder + "/app/api.yaml")
    try write(risky, to: folder + "/demo/bad_resources/api.yaml")
    try write(risky, to: folder + "/pkg/testdata/api.yaml")
    try write(risky, to: folder + "/controller/fake/data/api.yaml")
    // A test suite's folder named in words: the Kubernetes dashboard's UI fixtures.
    try write(risky, to: folder + "/hack/test-resources/api.yaml")
    try write(risky, to: folder + "/ci/smoke_tests/api.yaml")
    // A conformance suite's setup (Gateway API's).
    try write(risky, to: folder + "/conformance/base/manifests.yaml")
    // "latest" and "contest" hold the letters, not the word; a tutorial on testing is no test.
    try write(risky, to: folder + "/latest/api.yaml")
    try write(risky, to: folder + "/contest-app/api.yaml")
    try write(risky, to: folder + "/postgres-chaos-testing/api.yaml")
    // A gator test suite: the objects below its suite.yaml are its tests' inputs.
    try write(
      "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests: []\n",
      to: folder + "/library/requests/suite.yaml")
    try write(risky, to: folder + "/library/requests/samples/must-have/example_allowed.yaml")
    try write(risky, to: folder + "/demo/invalid-api.yaml")
    try write(service("orphan", selector: "app: nothing"), to: folder + "/demo/bad_service.yaml")
    // A lab's scenario that says in a comment what it breaks on purpose.
    try write(
      "# Intentionally reference a missing secret\n---\n" + risky,
      to: folder + "/labs/scenario-a.yaml")
    // "intentionally" alone says nothing of the kind.
    try write("# ports omitted intentionally\n" + risky, to: folder + "/labs/plain.yaml")
    let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    let severities = { (suffix: String) in
      Set(result.findings.filter { $0.file.hasSuffix(suffix) }.map(\.severity))
    }
    #expect(severities("/app/api.yaml").contains(.warning))
    #expect(severities("/labs/plain.yaml").contains(.warning))
    #expect(severities("/latest/api.yaml").contains(.warning))
    #expect(severities("/contest-app/api.yaml").contains(.warning))
    #expect(severities("/postgres-chaos-testing/api.yaml").contains(.warning))
    for fixture in [
      "/bad_resources/api.yaml", "/testdata/api.yaml", "/invalid-api.yaml", "/bad_service.yaml",
      "/labs/scenario-a.yaml", "/fake/data/api.yaml", "/samples/must-have/example_allowed.yaml",
      "/test-resources/api.yaml", "/smoke_tests/api.yaml", "/conformance/base/manifests.yaml",
    ] {
      #expect(severities(fixture) == [.info], "\(fixture)")
    }
    // What is lowered says why (the same file named alone kept its warnings, unexplained).
    func lowered(_ suffix: String) -> [String] {
      result.findings.filter { $0.file.hasSuffix(suffix) && $0.policy == "memory-limit" }
        .map(\.message)
    }
    #expect(
      lowered("/testdata/api.yaml").allSatisfy {
        $0.hasSuffix("makes this file a test fixture; lint it by name for its own severity)")
      }
        && !lowered("/testdata/api.yaml").isEmpty)
    #expect(
      lowered("/labs/scenario-a.yaml").allSatisfy {
        $0.contains("a comment of this file says it is wrong on purpose")
      }
        && !lowered("/labs/scenario-a.yaml").isEmpty)
    #expect(lowered("/app/api.yaml").allSatisfy { !$0.contains("information here") })
    // A finding about the file itself is fingerprinted by its message: the reason does not
    // change it, so a baseline written before the reason was said still matches.
    try write(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n", to: folder + "/pkg/testdata/broken.yaml")
    let broken = { (paths: [String]) throws -> Finding? in
      try Linter().lint(try InputDiscovery.inputs(for: paths)).findings.first {
        $0.file.hasSuffix("broken.yaml") && $0.object == nil && $0.policy == "yaml-syntax"
      }
    }
    let inFolder = try #require(try broken([folder]))
    let alone = try #require(try broken([folder + "/pkg/testdata/broken.yaml"]))
    #expect(
      inFolder.message.contains("information here") && !alone.message.contains("information here"))
    #expect(
      inFolder.fingerprint.replacingOccurrences(of: folder + "/", with: "")
        == alone.fingerprint.replacingOccurrences(of: folder + "/", with: ""))
    // Named on the command line, a fixture is checked as it is.
    let named = try Linter().lint(
      try InputDiscovery.inputs(for: [folder + "/pkg/testdata/api.yaml"]))
    #expect(named.findings.contains { $0.severity == .warning })
  }

  /// A Helm chart is reported once; its `templates/` and `files/` (templates the chart or its
  /// program renders, istio's) are not linted, its `crds/` (applied as they are) are.
  @Test func aChartsTemplatesAndFilesAreNotLinted() throws {
    let folder = try temporaryFolder()
    let chart = folder + "/charts/discovery"
    try write("apiVersion: v2\nname: discovery\nversion: 1.0.0\n", to: chart + "/Chart.yaml")
    try write("replicaCount: 1\n", to: chart + "/values.yaml")
    let template = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{.Name | quote}}\n"
    try write(template, to: chart + "/templates/account.yaml")
    try write(template, to: chart + "/files/waypoint.yaml")
    try write(deployment("api"), to: chart + "/crds/not-a-crd.yaml")
    let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    #expect(result.findings.filter { $0.policy == "helm-chart" }.count == 1)
    #expect(!result.findings.contains { $0.file.contains("/templates/") })
    #expect(!result.findings.contains { $0.file.contains("/files/") })
    #expect(result.findings.contains { $0.file.hasSuffix("/crds/not-a-crd.yaml") })
  }

  /// Images a project's build tool builds are placeholders for what it builds, not untagged
  /// images: a Skaffold project's artifacts, a Tilt project's `docker_build` and
  /// `custom_build` references, a ko project's bare names. Others stay reported.
  @Test func imagesABuildToolBuildsAreNotUntagged() throws {
    let folder = try temporaryFolder()
    mkdir(folder + "/.git", 0o755)
    func pod(_ images: [String]) -> String {
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
        + images.enumerated().map { "    - name: c\($0.offset)\n      image: \($0.element)\n" }
        .joined()
    }
    try write(
      """
      docker_build(ref = "velero/velero", context = ".")
      docker_build('example/plugin', '.')
      custom_build(
        "example/custom", "make image", ["src"])
      my_docker_build("example/not-built")
      docker_build(provider.get("image"), ".")
      """, to: folder + "/tilt/Tiltfile")
    try write(
      pod(["velero/velero", "example/plugin", "example/custom", "example/not-built"]),
      to: folder + "/tilt/deploy/pod.yaml")
    try write(
      "apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n    - image: contacts\n",
      to: folder + "/skaffold/skaffold.yaml")
    try write(pod(["contacts", "example/other"]), to: folder + "/skaffold/k8s/pod.yaml")
    try write("defaultBaseImage: cgr.dev/chainguard/static\n", to: folder + "/ko/.ko.yaml")
    try write(pod(["app", "example/ko-other"]), to: folder + "/ko/config/pod.yaml")
    let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    let untagged = Set(
      result.findings.filter { $0.policy == "image-tag" }.map {
        $0.message.split(separator: " ")[5]
      })
    #expect(
      untagged == ["example/not-built,", "example/other,", "example/ko-other,"], "\(untagged)")
  }

  /// The fixture tests themselves, on the edges of names and comments.
  @Test func fixtureNamesAndComments() {
    for name in [
      "demo/bad_service.yaml", "Invalid-Pod.yml", "x/deployment_INVALID.yaml", ".bad-x.yaml",
      "a/b/broken-ingress.json", "samples/example_disallowed.yaml",
    ] {
      #expect(Fixtures.isFixtureFile(name), "\(name)")
    }
    for name in [
      "bad.yaml", "badger-service.yaml", "a/bad/service.yaml", "-bad.yaml", "service.bad.yaml",
      "", "/",
    ] {
      #expect(!Fixtures.isFixtureFile(name), "\(name)")
    }
    func says(_ text: String) -> Bool {
      Array(text.utf8).withUnsafeBufferPointer(Fixtures.saysWrongOnPurpose)
    }
    #expect(says("kind: Pod\n# Intentionally broken: no image\n"))
    #expect(says("# DELIBERATELY MISCONFIGURED\r\nkind: Pod\r\n"))
    #expect(says("color: '#fff'\nkind: Pod  # deliberately insecure\n"))
    #expect(!says("# ports omitted intentionally\nkind: Pod\n"))
    // The words must be in one comment, not spread over the file.
    #expect(!says("# intentionally\nkind: Pod\n# broken\n"))
    #expect(!says("description: intentionally broken\n"))
    #expect(!says(""))
  }

  /// A kustomization whose values are a chart generator's placeholders still names its
  /// patches, and one that lists optional patches in comments (kubebuilder's scaffold) does
  /// not make them whole manifests.
  @Test func patchesAreKnownFromTemplatedAndCommentedKustomizations() throws {
    let folder = try temporaryFolder()
    try write(
      """
      namespace: "{{ .Release.Namespace }}"
      commonLabels:
        release: "{{ .Release.Name }}"
      resources:
        - ../../config/default
      patchesStrategicMerge:
        - manager-patch.yaml
      #- optional-patch.yaml
      # - other/optional.yaml
      patches:
      #- path: manager_webhook_patch.yaml
      #- target:
      #    kind: Deployment
      #  path: metrics_patch.yaml
      """, to: folder + "/helmify/kustomization.yaml")
    for name in [
      "manager-patch.yaml", "optional-patch.yaml", "other/optional.yaml",
      "manager_webhook_patch.yaml", "metrics_patch.yaml",
    ] {
      try write(deployment("manager"), to: folder + "/helmify/" + name)
    }
    let result = try Linter().lint(try InputDiscovery.inputs(for: [folder + "/helmify"]))
    // The patches' tags are their own; what they leave out is the base's.
    #expect(Set(result.findings.map(\.policy)).isSubset(of: ["image-tag", "schema"]))
    #expect(result.findings.filter { $0.policy == "unrendered-template" }.isEmpty)
  }

  /// A patch at a removed apiVersion is never applied itself (kubebuilder's scaffolds keep
  /// one for webhooks, commented out): information, where a manifest at it is an error.
  @Test func aPatchAtARemovedAPIVersionIsInformation() throws {
    let folder = try temporaryFolder()
    try write(
      """
      resources:
        - manager.yaml
      #- webhookcainjection_patch.yaml
      """, to: folder + "/default/kustomization.yaml")
    try write(deployment("manager"), to: folder + "/default/manager.yaml")
    let patch = """
      apiVersion: admissionregistration.k8s.io/v1beta1
      kind: MutatingWebhookConfiguration
      metadata:
        name: mutating-webhook-configuration
        annotations:
          cert-manager.io/inject-ca-from: $(CERTIFICATE_NAMESPACE)/$(CERTIFICATE_NAME)
      """
    try write(patch, to: folder + "/default/webhookcainjection_patch.yaml")
    try write(patch, to: folder + "/applied.yaml")
    let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    let removed = result.findings.filter { $0.policy == "deprecated-api-version" }
    #expect(
      removed.map { "\($0.file.hasSuffix("_patch.yaml") ? "patch" : "applied") \($0.severity)" }
        .sorted() == ["applied error", "patch info"])
  }

  /// A patch a kustomization applies to what a `target` selects takes each target's
  /// apiVersion, kind and name (Kustomize's `ApplySmPatch`): its own are never sent, so an
  /// apiVersion no server has for its kind is no error there (retail-store-sample's
  /// `apps/v1` Namespace patch, named `not-important`), and what it lacks is its targets'.
  /// The same file applied as a patch of its own name, or alone, is an error.
  @Test func aTargetedPatchTakesItsTargetsAPIVersion() throws {
    let folder = try temporaryFolder()
    let patch = """
      apiVersion: apps/v1
      kind: Namespace
      metadata:
        name: not-important
        labels:
          istio-injection: enabled
      """
    try write(
      """
      resources:
        - namespace.yaml
      patches:
        - path: namespace-patch.yaml
          target:
            kind: Namespace
            labelSelector: app.kubernetes.io/created-by=shop
      """, to: folder + "/targeted/kustomization.yaml")
    try write(
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n"
        + "    app.kubernetes.io/created-by: shop\n",
      to: folder + "/targeted/namespace.yaml")
    try write(patch, to: folder + "/targeted/namespace-patch.yaml")
    try write(
      "patches:\n  - path: namespace-patch.yaml\n", to: folder + "/named/kustomization.yaml")
    try write(patch, to: folder + "/named/namespace-patch.yaml")
    try write(patch, to: folder + "/applied.yaml")
    let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    let versions = result.findings.filter { $0.policy == "deprecated-api-version" }
    func place(_ file: String) -> String {
      file.hasPrefix(folder + "/named/")
        ? "named" : file.hasPrefix(folder + "/targeted/") ? "targeted" : "applied"
    }
    #expect(
      versions.map { "\(place($0.file)) \($0.severity)" }.sorted() == [
        "applied error", "named error",
      ], "\(versions.map { "\($0.file) \($0.message)" })")
  }

  /// A bare image name in a Kustomize base that no official image has
  /// (opentelemetry-operator's `image: target-allocator`) is the placeholder an overlay's
  /// `images:` sets, outside the linted files: information. An official image's bare name
  /// (`nginx`), or the same placeholder outside a Kustomize base, is untagged.
  @Test func bareNamesInAKustomizeBaseArePlaceholders() throws {
    let folder = try temporaryFolder()
    let placeholder = deployment("web").replacing("example/web:1.0", with: "target-allocator")
    let official = deployment("proxy").replacing("example/proxy:1.0", with: "nginx")
    try write(
      "resources: [deployment.yaml, proxy.yaml]\n", to: folder + "/base/kustomization.yaml")
    try write(placeholder, to: folder + "/base/deployment.yaml")
    try write(official, to: folder + "/base/proxy.yaml")
    try write(placeholder, to: folder + "/plain/deployment.yaml")
    let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    let found = findings(result, "image-tag").map {
      "\($0.file.dropFirst(folder.count)) \($0.severity)"
    }.sorted()
    #expect(
      found == [
        "/base/deployment.yaml info", "/base/proxy.yaml warning", "/plain/deployment.yaml warning",
      ], "\(found)")
  }

  /// A kustomization's `images:` sets the tag of the images it builds: the tag written in its
  /// folder's manifests is not the one that runs.
  @Test func imagesAKustomizationRetagsAreNotUntagged() throws {
    let folder = try temporaryFolder()
    let untagged = deployment("web").replacing("example/web:1.0", with: "example/web:latest")
    try write(
      "resources: [deployment.yaml]\nimages:\n  - name: example/web\n    newTag: v2.3.1\n",
      to: folder + "/app/kustomization.yaml")
    try write(untagged, to: folder + "/app/deployment.yaml")
    try write(untagged, to: folder + "/elsewhere/deployment.yaml")
    let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    #expect(findings(result, "image-tag").map(\.file) == [folder + "/elsewhere/deployment.yaml"])
    // And of what it builds elsewhere, at any remove: kubeflow's `upstream/base` retags
    // `../default`, which builds `../manager`.
    let layered = try temporaryFolder()
    try write(
      "resources: [../default]\nimages:\n  - name: example/web\n    newTag: v1.10.0\n",
      to: layered + "/upstream/base/kustomization.yaml")
    try write("resources: [../manager]\n", to: layered + "/upstream/default/kustomization.yaml")
    try write("resources: [manager.yaml]\n", to: layered + "/upstream/manager/kustomization.yaml")
    try write(untagged, to: layered + "/upstream/manager/manager.yaml")
    try write(untagged, to: layered + "/unbuilt/manager.yaml")
    let built = try Linter().lint(try InputDiscovery.inputs(for: [layered]))
    #expect(findings(built, "image-tag").map(\.file) == [layered + "/unbuilt/manager.yaml"])
    // Named through `..` (`kubeward lint ../repo`), the folders are the same.
    let climbing = try Linter().lint(
      try InputDiscovery.inputs(for: [layered + "/unbuilt/../upstream"]))
    #expect(findings(climbing, "image-tag").isEmpty)
    // A component's `images:` retag what the kustomization that includes it builds
    // (redis-operator's overlays take their tag from `components/version`).
    let composed = try temporaryFolder()
    try write(
      "kind: Component\nimages:\n  - name: example/web\n    newTag: v1.3.0\n",
      to: composed + "/components/version/kustomization.yaml")
    try write(
      "resources: [../../base]\ncomponents: [../../components/version]\n",
      to: composed + "/overlays/prod/kustomization.yaml")
    try write("resources: [deployment.yaml]\n", to: composed + "/base/kustomization.yaml")
    try write(untagged, to: composed + "/base/deployment.yaml")
    let components = try Linter().lint(try InputDiscovery.inputs(for: [composed]))
    #expect(findings(components, "image-tag").isEmpty)
    // A kustomization that sets `latest` runs `latest` (Argo CD's base does).
    try write(
      "resources: [deployment.yaml]\nimages:\n  - name: example/web\n    newName: example/web\n    newTag: latest\n",
      to: folder + "/app/kustomization.yaml")
    let latest = try Linter().lint(try InputDiscovery.inputs(for: [folder + "/app"]))
    #expect(findings(latest, "image-tag").map(\.file) == [folder + "/app/deployment.yaml"])
    // The tag it sets is judged, not the one written: `latest` over a version is a warning, a
    // branch's tag information (KEDA's `newTag: main`), a version nothing, and a digest pins
    // the image whatever the tag.
    let versioned = try temporaryFolder()
    try write(deployment("web"), to: versioned + "/deployment.yaml")
    func tagSet(_ image: String) throws -> [Severity] {
      try write(
        "resources: [deployment.yaml]\nimages:\n  - name: example/web\n" + image,
        to: versioned + "/kustomization.yaml")
      let result = try Linter().lint(try InputDiscovery.inputs(for: [versioned]))
      return findings(result, "image-tag").map(\.severity)
    }
    #expect(try tagSet("    newTag: latest\n") == [.warning])
    #expect(try tagSet("    newTag: main\n") == [.info])
    #expect(try tagSet("    newTag: v2.0.1\n").isEmpty)
    #expect(
      try tagSet(
        "    newTag: latest\n    digest: sha256:" + String(repeating: "a", count: 64) + "\n"
      ).isEmpty)
    #expect(try tagSet("    newName: mirror.example.com/web\n    newTag: latest\n") == [.warning])
  }

  /// Kustomize's namespace transformer puts what a kustomization builds in its `namespace`,
  /// an overlay's over its base's: an object that names none is reported in it (it was
  /// `default/…`), when every build of its file agrees.
  @Test func objectsAreInTheNamespaceTheirKustomizationGives() throws {
    func names(_ files: [(String, String)]) throws -> [String] {
      let folder = try temporaryFolder()
      for (name, text) in files { try write(text, to: folder + "/" + name) }
      let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
      return findings(result, "image-tag").map { finding in
        String(finding.message.prefix { $0 != ":" })
      }.sorted()
    }
    let untagged = deployment("web", image: "example/web")
    let base = ("base/deployment.yaml", untagged)
    #expect(
      try names([
        ("base/kustomization.yaml", "namespace: shop\nresources: [deployment.yaml]\n"), base,
      ])
        == ["Deployment shop/web"])
    // Written, it is replaced (kubebuilder's `namespace: system`); a placeholder or a
    // variable is no namespace.
    #expect(
      try names([
        ("base/kustomization.yaml", "namespace: shop\nresources: [deployment.yaml]\n"),
        ("base/deployment.yaml", deployment("web", namespace: "system", image: "example/web")),
      ]) == ["Deployment shop/web"])
    // A file outside the kustomization's folder is refused by Kustomize: not moved.
    #expect(
      try names([
        (
          "evil/kustomization.yaml",
          "namespace: kube-system\nresources: [../base/deployment.yaml]\n"
        ),
        base,
      ]) == ["Deployment default/web"])
    // A component's files are in the namespace of the kustomization that includes it.
    #expect(
      try names([
        ("component/kustomization.yaml", "kind: Component\nresources: [deployment.yaml]\n"),
        ("component/deployment.yaml", untagged),
        ("app/kustomization.yaml", "namespace: shop\ncomponents: [../component]\n"),
      ]) == ["Deployment shop/web"])
    // A chain of 80 overlays, only the last of which sets a namespace, whatever the folders'
    // names' order (a depth limit gave the first folders' files another answer).
    var chain = [
      ("k00/kustomization.yaml", "resources: [deployment.yaml]\n"),
      ("k00/deployment.yaml", untagged),
    ]
    for level in 1..<80 {
      let name = "k" + (level < 10 ? "0" : "") + String(level)
      let below = "k" + (level - 1 < 10 ? "0" : "") + String(level - 1)
      chain.append(
        (
          name + "/kustomization.yaml",
          (level == 79 ? "namespace: top\n" : "") + "resources: [../\(below)]\n"
        ))
    }
    #expect(try names(chain) == ["Deployment top/web"])
    #expect(
      try names([
        (
          "base/kustomization.yaml",
          "namespace: \"{{ .Release.Namespace }}\"\nresources: [deployment.yaml]\n"
        ),
        base,
      ]) == ["Deployment default/web"])
    // One overlay puts its base in its namespace, over the base's own.
    let unnamedBase = ("base/kustomization.yaml", "resources: [deployment.yaml]\n")
    let prod = ("overlays/prod/kustomization.yaml", "namespace: prod\nresources: [../../base]\n")
    #expect(try names([unnamedBase, base, prod]) == ["Deployment prod/web"])
    #expect(
      try names([
        ("base/kustomization.yaml", "namespace: shop\nresources: [deployment.yaml]\n"), base, prod,
      ]) == ["Deployment prod/web"])
    // An overlay that sets none keeps the base's.
    #expect(
      try names([
        ("base/kustomization.yaml", "namespace: shop\nresources: [deployment.yaml]\n"), base,
        ("overlays/dev/kustomization.yaml", "resources: [../../base]\n"),
      ]) == ["Deployment shop/web"])
    // An overlay whose namespace is a placeholder replaces the base's with one unknown.
    #expect(
      try names([
        ("base/kustomization.yaml", "namespace: shop\nresources: [deployment.yaml]\n"), base,
        (
          "overlays/chart/kustomization.yaml",
          "namespace: \"{{ .Release.Namespace }}\"\nresources: [../../base]\n"
        ),
      ]) == ["Deployment default/web"])
    // Two overlays that disagree leave it unknown.
    #expect(
      try names([
        unnamedBase, base, prod,
        ("overlays/staging/kustomization.yaml", "namespace: staging\nresources: [../../base]\n"),
      ]) == ["Deployment default/web"])
    // Kustomizations that build each other in a ring are not followed round.
    #expect(
      try names([
        ("a/kustomization.yaml", "namespace: ring\nresources: [../b, deployment.yaml]\n"),
        ("a/deployment.yaml", untagged),
        ("b/kustomization.yaml", "resources: [../a]\n"),
      ]).count == 1)
  }

  /// A file a kustomization's generator reads into a ConfigMap (`configMapGenerator: files:`)
  /// is data, not an object (the local-path provisioner's helper pod template, which it fills
  /// in): it is not linted; listed as a resource too, it is.
  @Test func filesAGeneratorReadsAreData() throws {
    let folder = try temporaryFolder()
    let helper = deployment("helper", image: "busybox")
    try write(helper, to: folder + "/helperPod.yaml")
    func files(_ kustomization: String) throws -> Set<String> {
      try write(kustomization, to: folder + "/kustomization.yaml")
      let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
      return Set(result.findings.map(\.file))
    }
    let generated =
      "configMapGenerator:\n  - name: local-path-config\n    files: [config=helperPod.yaml]\n"
    #expect(try files(generated).isEmpty)
    // Entries Kustomize refuses (an empty key, two `=`) read nothing.
    for refused in ["=helperPod.yaml", "a=b=helperPod.yaml"] {
      let entry = "configMapGenerator:\n  - name: c\n    files: [\"\(refused)\"]\n"
      #expect(try files(entry) == [folder + "/helperPod.yaml"], "\(refused)")
    }
    #expect(try files(generated + "resources: [helperPod.yaml]\n") == [folder + "/helperPod.yaml"])
  }

  /// Node ports are cluster-wide, but two kustomizations are two projects, often one or the
  /// other (KubeRay's `base/secure` and `base/insecure`): a port both request is an error
  /// within one project, information across two.
  @Test func nodePortsOfTwoProjectsMayBeAlternatives() throws {
    let folder = try temporaryFolder()
    let nodePort = { (name: String) in
      "apiVersion: v1\nkind: Service\nmetadata: {name: \(name)}\n"
        + "spec: {type: NodePort, selector: {app: a}, ports: [{port: 80, nodePort: 30080}]}\n"
    }
    for variant in ["secure", "insecure"] {
      try write("resources: [service.yaml]\n", to: folder + "/\(variant)/kustomization.yaml")
      try write(nodePort(variant), to: folder + "/\(variant)/service.yaml")
    }
    let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    #expect(findings(result, "duplicate-node-port").map(\.severity) == [.info])
    try write(nodePort("admin"), to: folder + "/secure/admin.yaml")
    let clash = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    #expect(
      findings(clash, "duplicate-node-port").map(\.severity).sorted() == [.info, .error].sorted())
  }

  /// Two variants of an application side by side: a Service of one reaches the workload of its
  /// own folder, not the other variant's, so a port-less load generator there needs no
  /// readiness probe.
  @Test func aServiceReachesTheNearestVariant() throws {
    let folder = try temporaryFolder()
    let generator = deployment("loadgenerator")
    try write(generator, to: folder + "/kubernetes-manifests/loadgenerator.yaml")
    try write(generator, to: folder + "/extras/locust/loadgenerator.yaml")
    try write(
      service("loadgenerator", selector: "app: loadgenerator"),
      to: folder + "/extras/locust/service.yaml")
    let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    #expect(
      findings(result, "missing-readiness-probe").map(\.file) == [
        folder + "/extras/locust/loadgenerator.yaml"
      ])
  }
  /// A repository's exercises (an Ingress, a StatefulSet) applied on top of its kustomization
  /// name Services only that kustomization's project defines: not a typo, as a name no project
  /// defines is.
  @Test func aServiceAnotherProjectDefinesIsNotMissing() throws {
    let folder = try temporaryFolder()
    try write("resources: [web.yaml]\n", to: folder + "/deploy/kustomization.yaml")
    try write(
      service("web-svc", namespace: "shop", selector: "app: web")
        + "\n---\n"
        + service("db", namespace: "shop", selector: "app: db", extra: "  clusterIP: None"),
      to: folder + "/deploy/web.yaml")
    try write(
      """
      apiVersion: networking.k8s.io/v1
      kind: Ingress
      metadata: {name: web, namespace: shop}
      spec:
        rules:
          - http:
              paths:
                - {path: /, pathType: Prefix, backend: {service: {name: web-svc, port: {number: 80}}}}
                - {path: /x, pathType: Prefix, backend: {service: {name: web-svc-typo, port: {number: 80}}}}
      ---
      apiVersion: apps/v1
      kind: StatefulSet
      metadata: {name: db, namespace: shop}
      spec:
        serviceName: db
        replicas: 3
        selector: {matchLabels: {app: db}}
        template:
          metadata: {labels: {app: db}}
          spec: {containers: [{name: db, image: "example/db:1.0"}]}
      ---
      apiVersion: apps/v1
      kind: StatefulSet
      metadata: {name: cache, namespace: shop}
      spec:
        serviceName: cache-typo
        replicas: 3
        selector: {matchLabels: {app: cache}}
        template:
          metadata: {labels: {app: cache}}
          spec: {containers: [{name: cache, image: "example/cache:1.0"}]}
      """, to: folder + "/training/exercise.yaml")
    try write(
      service("other", namespace: "shop", selector: "app: other"),
      to: folder + "/training/other.yaml")
    let result = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    // Said, as information: applied alone, the exercise is as broken as a typo makes it.
    let said = { (policy: String) in
      findings(result, policy).map { finding in
        "\(finding.severity) \(finding.message.contains("only another project") ? "elsewhere" : "missing")"
      }.sorted()
    }
    #expect(said("ingress-missing-backend") == ["info elsewhere", "warning missing"])
    #expect(said("statefulset-service-name") == ["info elsewhere", "warning missing"])
    #expect(
      findings(result, "ingress-missing-backend").contains {
        $0.severity == .warning && $0.message.contains("web-svc-typo")
      })
    #expect(
      findings(result, "ingress-missing-backend").contains {
        $0.severity == .info && $0.message.contains("(\(folder)/deploy/web.yaml:2)")
      })
    // A `--context` folder is what the linted files are applied beside.
    var inputs = try InputDiscovery.inputs(for: [folder + "/training"])
    for var input in try InputDiscovery.inputs(for: [folder + "/deploy"]) {
      input.isContext = true
      inputs.append(input)
    }
    let withContext = try Linter().lint(inputs)
    #expect(findings(withContext, "ingress-missing-backend").map(\.severity) == [.warning])
    #expect(findings(withContext, "statefulset-service-name").map(\.severity) == [.warning])
    // The same Service in another namespace is another Service.
    try write(
      service("web-svc", namespace: "elsewhere", selector: "app: web"),
      to: folder + "/deploy/web.yaml")
    let elsewhere = try Linter().lint(try InputDiscovery.inputs(for: [folder]))
    #expect(
      findings(elsewhere, "ingress-missing-backend").map(\.severity) == [.warning, .warning])
  }
}
