import KubewardYAML
import Testing

@testable import KubewardBuiltInPolicies
@testable import KubewardEngine

private let pod = """
  apiVersion: v1
  kind: Pod
  metadata:
    name: tools
  ANNOTATIONS
  spec:
    containers:
      - name: tools
        image: example/tools:latest
        resources:
          requests: {cpu: 10m, memory: 32Mi}
          limits: {memory: 64Mi, ephemeral-storage: 100Mi}
  """

private func pod(annotations: String = "", imageComment: String = "") -> String {
  var text = pod.replacing(
    "ANNOTATIONS", with: annotations.isEmpty ? "" : "  annotations:\n" + annotations)
  if !imageComment.isEmpty {
    text = text.replacing(
      "      image: example/tools:latest",
      with: "      image: example/tools:latest  " + imageComment)
  }
  return text
}

@Suite("Suppressions")
struct SuppressionTests {
  @Test func annotationOnTheObject() throws {
    let result = try lint([
      (
        "pod.yaml",
        pod(annotations: "    ignore.kubeward.dev/image-tag: \"rebuilt nightly from main\"")
      )
    ])
    #expect(findings(result, "image-tag").isEmpty)
    let suppressed = result.suppressed.filter { $0.policy == "image-tag" }
    #expect(suppressed.count == 1)
    #expect(
      suppressed.first?.suppression
        == Suppression(kind: .annotation, reason: "rebuilt nightly from main"))
    #expect(result.summary.suppressed == 1)
    #expect(findings(result, "unused-suppression").isEmpty)
  }

  @Test func annotationOnThePodTemplate() throws {
    let deployment = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        replicas: 2
        template:
          metadata:
            annotations:
              ignore.kubeward.dev/exec-probe: "the vendor image has no HTTP endpoint"
          spec:
            containers:
              - name: web
                image: example/web:1.0
                livenessProbe:
                  exec: {command: [check]}
      """
    let result = try lint([("web.yaml", deployment)])
    #expect(findings(result, "exec-probe").isEmpty)
    #expect(result.suppressed.map(\.policy) == ["exec-probe"])
  }

  @Test func commentOnTheLineOrTheLineAbove() throws {
    let trailing = pod(imageComment: "# kubeward:ignore image-tag -- rebuilt nightly")
    #expect(findings(try lint([("a.yaml", trailing)]), "image-tag").isEmpty)
    let above = pod().replacing(
      "      image: example/tools:latest",
      with:
        "      # kubeward:ignore alpine-image, image-tag -- rebuilt nightly\n      image: example/tools:latest"
    )
    let result = try lint([("b.yaml", above)])
    #expect(findings(result, "image-tag").isEmpty)
    #expect(result.suppressed.first?.suppression?.kind == .comment)
    // alpine-image has nothing to suppress here.
    #expect(findings(result, "unused-suppression").map(\.line) == [9])
    // Two lines above is too far.
    let far = pod().replacing(
      "    - name: tools", with: "    # kubeward:ignore image-tag -- too far\n    - name: tools")
    #expect(findings(try lint([("c.yaml", far)]), "image-tag").count == 1)
  }

  /// A file that is not valid UTF-8 is not linted: a suppression there may silence its
  /// encoding finding, and one that has nothing to match is not said to be unused.
  @Test func aFileNotLintedHonoursItsSuppressionsAndCallsNoneUnused() throws {
    func lintBytes(_ bytes: [UInt8]) throws -> LintResult {
      try Linter().lint([LintInput(name: "a.yaml", source: .bytes(bytes), isExplicit: true)])
    }
    func latin1(_ comment: String) -> [UInt8] {
      Array("apiVersion: v1\nkind: Pod\nmetadata:\n\(comment)\n  name: caf".utf8) + [0xE9]
    }
    let silenced = try lintBytes(latin1("# kubeward:ignore invalid-encoding -- a legacy file"))
    #expect(findings(silenced, "invalid-encoding").isEmpty)
    #expect(silenced.suppressed.map(\.policy) == ["invalid-encoding"])
    #expect(findings(silenced, "unused-suppression").isEmpty)
    let other = try lintBytes(latin1("# kubeward:ignore memory-limit -- a reason"))
    #expect(findings(other, "invalid-encoding").count == 1)
    #expect(findings(other, "unused-suppression").isEmpty)
  }

  @Test func aHashInsideAValueIsNoComment() throws {
    let text = pod(annotations: "    note: \"see#kubeward:ignore image-tag -- no\"")
    #expect(findings(try lint([("a.yaml", text)]), "image-tag").count == 1)
  }

  @Test func aSuppressionWithoutReasonIsHonouredAndReported() throws {
    let result = try lint([("a.yaml", pod(imageComment: "# kubeward:ignore image-tag"))])
    #expect(findings(result, "image-tag").isEmpty)
    let reported = findings(result, "suppression-without-reason")
    #expect(reported.map(\.line) == [9])
    #expect(reported.first?.severity == .warning)
    let annotated = try lint([
      ("b.yaml", pod(annotations: "    ignore.kubeward.dev/image-tag: \"  \""))
    ])
    #expect(findings(annotated, "suppression-without-reason").map(\.line) == [6])
    // A reason of characters nobody can see is none.
    let invisible = try lint([
      ("c.yaml", pod(annotations: "    ignore.kubeward.dev/image-tag: \"\\u0000\\u200b\""))
    ])
    #expect(findings(invisible, "suppression-without-reason").map(\.line) == [6])
  }

  @Test func unusedAndMisspelledSuppressionsAreReported() throws {
    let text = pod(
      annotations:
        "    ignore.kubeward.dev/image-tga: \"typo\"\n    ignore.kubeward.dev/exec-probe: \"stale\""
    )
    let unused = findings(try lint([("a.yaml", text)]), "unused-suppression")
    #expect(unused.map(\.line) == [6, 7])
    #expect(unused[0].message.contains("image-tga, which kubeward does not have"))
    #expect(unused[1].message.contains("matches no finding"))
    #expect(unused.allSatisfy { $0.severity == .info })
    // A suppression of a policy that is turned off may matter elsewhere: not reported.
    var configuration = Configuration()
    configuration.policies["exec-probe"] = .init(enabled: false)
    let quiet = try lint([("a.yaml", text)], configuration: configuration)
    #expect(findings(quiet, "unused-suppression").map(\.line) == [6])
  }

  @Test func crossObjectFindingsAreSuppressedToo() throws {
    let service = """
      apiVersion: v1
      kind: Service
      metadata:
        name: web
        annotations:
          ignore.kubeward.dev/service-selects-nothing: "pods come from the blue/green controller"
      spec:
        selector: {app: web-blue}
        ports:
          - port: 80
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: admin}
      spec:
        # kubeward:ignore service-selects-nothing -- admin pods are started on demand
        selector: {app: admin}
        ports:
          - port: 80
      """
    let result = try lint([("svc.yaml", service), ("app.yaml", deployment("app"))])
    #expect(findings(result, "service-selects-nothing").isEmpty)
    #expect(result.suppressed.filter { $0.policy == "service-selects-nothing" }.count == 2)
    #expect(findings(result, "unused-suppression").isEmpty)
  }

  @Test func directiveParsing() {
    let parsed = SuppressionDirectives.parse(
      " exec-probe, image-tag  --  the reason -- with dashes ")
    #expect(parsed.policies == ["exec-probe", "image-tag"])
    #expect(parsed.reason == "the reason -- with dashes")
    #expect(SuppressionDirectives.parse(" exec-probe ").reason == "")
  }
}

@Suite("Baselines")
struct BaselineTests {
  private func baseline(from result: LintResult) -> Baseline {
    var baseline = Baseline()
    baseline.record(result.findings)
    return baseline
  }

  @Test func acceptedFindingsSurviveLinesMoving() throws {
    var linter = try Linter()
    linter.computePaths = true
    let before = pod()
    let first = CollectingSink()
    linter.run(
      [LintInput(name: "p.yaml", source: .bytes(Array(before.utf8)), isExplicit: true)], into: first
    )
    #expect(!first.result.findings.isEmpty)
    let accepted = baseline(from: first.result)

    // Comments above move every line; a new container brings a new problem.
    let after =
      "# moved\n# down\n"
      + before.replacing(
        "  containers:\n",
        with: "  containers:\n    - name: added\n      image: alpine:3.20\n      resources:\n"
          + "        requests: {cpu: 10m, memory: 32Mi}\n"
          + "        limits: {memory: 64Mi, ephemeral-storage: 100Mi}\n")
    let second = CollectingSink()
    linter.run(
      [LintInput(name: "p.yaml", source: .bytes(Array(after.utf8)), isExplicit: true)],
      options: RunOptions(baseline: accepted), into: second)
    #expect(second.result.findings.map(\.policy) == ["alpine-image"])
    #expect(second.result.findings.first?.container == "added")
    #expect(second.result.suppressed.allSatisfy { $0.suppression?.kind == .baseline })
    #expect(second.result.suppressed.count == first.result.findings.count)
  }

  /// A finding about the file itself is fingerprinted by its message, which may name lines
  /// (`duplicate-key`'s "first at line 4"): the baseline accepted it only until a line was
  /// added above.
  @Test func fileFindingsThatNameLinesSurviveLinesMoving() throws {
    let linter = try Linter()
    let before = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
    let first = CollectingSink()
    linter.run(
      [LintInput(name: "c.yaml", source: .bytes(Array(before.utf8)), isExplicit: true)],
      into: first)
    #expect(first.result.findings.filter { $0.policy == "duplicate-key" }.count == 1)
    let accepted = baseline(from: first.result)

    let after = "# moved\n# down\n" + before + "data:\n  x: \"1\"\n  x: \"2\"\n"
    let second = CollectingSink()
    linter.run(
      [LintInput(name: "c.yaml", source: .bytes(Array(after.utf8)), isExplicit: true)],
      options: RunOptions(baseline: accepted), into: second)
    let reported = second.result.findings.filter { $0.policy == "duplicate-key" }
    #expect(reported.map(\.line) == [10])
    #expect(second.result.suppressed.filter { $0.policy == "duplicate-key" }.map(\.line) == [7])
  }

  @Test func fingerprintsLeaveLineNumbersOutOfMessages() {
    #expect(
      Fingerprint.withoutLineNumbers("key \"a\" (first at line 42); line 7, lines 3")
        == "key \"a\" (first at line ); line , lines 3")
    #expect(Fingerprint.withoutLineNumbers("no lines here") == "no lines here")
    #expect(Fingerprint.withoutLineNumbers("ends with line ") == "ends with line ")
  }

  @Test func eachEntryAcceptsAsManyFindingsAsItCounted() throws {
    let finding = Finding(
      policy: "yaml-syntax", severity: .error, file: "a.yaml",
      range: SourceRange(at: SourcePosition(line: 1, column: 1)), message: "broken")
    var baseline = Baseline()
    baseline.record([finding])
    var first = finding
    var second = finding
    baseline.accept(&first)
    baseline.accept(&second)
    #expect(first.suppression?.kind == .baseline)
    #expect(second.suppression == nil)
  }
}
