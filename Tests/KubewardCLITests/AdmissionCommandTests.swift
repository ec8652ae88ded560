import Foundation
import Testing

/// `kubeward lint --policy`, `--admission-only` and `kubeward eval`, as users run them.
@Suite("Admission policies on the command line")
struct AdmissionCommandTests {
  let policies = "examples/admission/policies"
  let manifests = "examples/admission/manifests"

  @Test func theExampleGivesTheClustersVerdictAtTheFieldsLines() throws {
    let run = try Kubeward.run(["lint", "--policy", policies, manifests, "--format", "json"])
    #expect(run.status == 1, "\(run.standardError)")
    let findings = try #require(run.json?["findings"] as? [[String: Any]])
    let reported = findings.map {
      "\($0["policy"]!)@\($0["file"]!):\($0["line"]!):\($0["column"]!) \($0["severity"]!)"
    }
    #expect(
      reported.sorted() == [
        "replica-limit@examples/admission/manifests/web.yaml:9:13 error",
        "require-owner-label@examples/admission/manifests/web.yaml:7:5 warning",
        "require-run-as-non-root@examples/admission/manifests/web.yaml:19:11 info",
        "trusted-registries@examples/admission/manifests/web.yaml:20:18 error",
      ])
  }

  @Test(.enabled(if: Validators.jsonSchemaAvailable || Validators.required))
  func everyReportFormatCarriesThePolicies() throws {
    let folder = NSTemporaryDirectory() + "kubeward-admission-cli-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let run = try Kubeward.run([
      "lint", "--policy", policies, manifests,
      "--format", "sarif", "--output", folder + "/out.sarif",
      "--format", "junit", "--output", folder + "/out.xml",
      "--format", "github", "--output", folder + "/out.github",
      "--format", "markdown", "--output", folder + "/out.md",
      "--format", "text", "--output", folder + "/out.txt",
    ])
    #expect(run.status == 1, "\(run.standardError)")
    #expect(Validators.sarif(folder + "/out.sarif") == nil)
    // The policy's own rule, and the result at the field.
    let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/out.sarif"))
    let sarif = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let sarifRun = try #require((sarif["runs"] as? [[String: Any]])?.first)
    let driver = try #require((sarifRun["tool"] as? [String: Any])?["driver"] as? [String: Any])
    let rules = try #require(driver["rules"] as? [[String: Any]])
    #expect(rules.contains { $0["id"] as? String == "trusted-registries" })
    let results = try #require(sarifRun["results"] as? [[String: Any]])
    let registries = try #require(results.first { $0["ruleId"] as? String == "trusted-registries" })
    let location = try #require((registries["locations"] as? [[String: Any]])?.first)
    let region = (location["physicalLocation"] as? [String: Any])?["region"] as? [String: Int]
    #expect(region?["startLine"] == 20 && region?["startColumn"] == 18)
    let github = try String(contentsOfFile: folder + "/out.github", encoding: .utf8)
    #expect(
      github.contains("::error file=examples/admission/manifests/web.yaml,line=9,endLine=9,col=13"))
    let junit = try String(contentsOfFile: folder + "/out.xml", encoding: .utf8)
    #expect(junit.contains("[replica-limit]"))
    let markdown = try String(contentsOfFile: folder + "/out.md", encoding: .utf8)
    #expect(markdown.contains("replica-limit"))
    let text = try String(contentsOfFile: folder + "/out.txt", encoding: .utf8)
    #expect(text.contains("web.yaml:9:13: error:"))
  }

  @Test func policyTestsWithAdmissionOnly() throws {
    let failing = try Kubeward.run([
      "lint", "--admission-only", "--policy", policies, manifests + "/web.yaml", "--fail-on",
      "info",
    ])
    #expect(failing.status == 1)
    let passing = try Kubeward.run([
      "lint", "--admission-only", "--policy", policies, manifests + "/api.yaml", "--fail-on",
      "info",
    ])
    #expect(passing.status == 0, "\(passing.standardOutput)")
    #expect(passing.standardOutput.contains("0 errors, 0 warnings, 0 info"))
    let without = try Kubeward.run(["lint", "--admission-only", manifests])
    #expect(without.status == 2)
  }

  @Test func aFileThatIsNotAPolicyIsAUsageError() throws {
    let run = try Kubeward.run(["lint", "--policy", "README.md", manifests])
    #expect(run.status == 2)
    #expect(run.standardError.contains("is not an admission policy file"))
    let none = try Kubeward.run(["lint", "--policy", manifests, manifests])
    #expect(none.status == 2)
    #expect(none.standardError.contains("no usable admission policy (a ValidatingAdmissionPolicy"))
    // Policies that cannot be read say why, at their position.
    let folder = NSTemporaryDirectory() + "kubeward-admission-unusable-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    /// Lints the manifests with `text` as the only policy file, `name` in `folder`.
    func lint(policy text: String, named name: String) throws -> Kubeward.Run {
      let path = folder + "/" + name
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      return try Kubeward.run(["lint", "--policy", path, manifests])
    }
    let unusable = try lint(
      policy: """
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: old}
        spec:
          paramKind: {group: x, version: v1}
          validations: [{expression: "true"}]
        """, named: "old.yaml")
    #expect(unusable.status == 2)
    #expect(unusable.standardError.contains("old.yaml:5:14: paramKind needs apiVersion and kind"))
    // Another engine's policy is named, where it is written, not taken for a param object.
    let other = try lint(
      policy: """
        apiVersion: kyverno.io/v1
        kind: ClusterPolicy
        metadata: {name: require-labels}
        spec:
          rules: []
        """, named: "cluster-policy.yaml")
    #expect(other.status == 2)
    #expect(
      other.standardError.contains(
        "cluster-policy.yaml:2:7: ClusterPolicy require-labels is not evaluated: it has no validate.cel rule"
      ), "\(other.standardError)")
    // A rejected rule quoting a megabyte value with a terminal escape is said clipped and
    // escaped: the error stays in proportion to kubeward's words, not the input's.
    let refused = try lint(
      policy: """
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: hostile}
        spec:
          matchConstraints:
            resourceRules:
              - {apiGroups: [apps], apiVersions: [v1], operations: ["\\e[31m\(String(repeating: "A", count: 1_000_000))"], resources: [deployments]}
          validations: [{expression: "true"}]
        """, named: "hostile.yaml")
    #expect(refused.status == 2)
    #expect(refused.standardError.contains("resourceRules[0].operations: '\\x1B[31mAAAA"))
    #expect(!refused.standardError.contains("\u{1B}"))
    #expect(refused.standardError.utf8.count < 4_096, "\(refused.standardError.utf8.count) bytes")
  }

  @Test func theConfigurationNamesPoliciesAndConfiguresThem() throws {
    let folder = NSTemporaryDirectory() + "kubeward-admission-config-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for name in ["policies", "manifests"] {
      try FileManager.default.copyItem(
        atPath: Kubeward.repositoryRoot + "/examples/admission/" + name, toPath: folder + "/" + name
      )
    }
    try """
    admissionPolicies: [policies]
    policies:
      trusted-registries: off
      replica-limit: warning
    """.write(toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
    let run = try Kubeward.run(
      ["lint", "--admission-only", "manifests", "--format", "json"], in: folder)
    let findings = try #require(run.json?["findings"] as? [[String: Any]], "\(run.standardError)")
    let reported = Set(findings.map { "\($0["policy"]!) \($0["severity"]!)" })
    #expect(
      reported == [
        "replica-limit warning", "require-owner-label warning", "require-run-as-non-root info",
      ])
    // The configuration is one of the linted files, which a pull request may change: it names
    // no file outside its folder for the run to read.
    for entry in ["/etc", "../policies", "policies/../../x", "/dev/stdin"] {
      try "admissionPolicies: [\"\(entry)\"]\n".write(
        toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
      for admissionOnly in [false, true] {
        let refused = try Kubeward.run(
          ["lint", "manifests"] + (admissionOnly ? ["--admission-only"] : []), in: folder)
        #expect(refused.status == 2, "\(entry)")
        #expect(refused.standardError.contains("admissionPolicies are paths inside"), "\(entry)")
      }
    }
    // Nor through a symbolic link: a kubeconfig outside the folder, linked in as a policy
    // file, would be read as params, and its token printed in a message.
    let secret = folder + "-secret.yaml"
    try """
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: secret}
    data: {token: SECRET-TOKEN-0123}
    """.write(toFile: secret, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: secret) }
    try FileManager.default.createSymbolicLink(
      atPath: folder + "/linked.yaml", withDestinationPath: secret)
    try "admissionPolicies: [policies, linked.yaml]\n".write(
      toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
    let linked = try Kubeward.run(["lint", "manifests", "--format", "json"], in: folder)
    let problems = try #require(linked.json?["findings"] as? [[String: Any]])
      .filter { ($0["file"] as? String)?.hasSuffix("/linked.yaml") == true }
    #expect(problems.count == 1)
    #expect(
      (problems.first?["message"] as? String)?.contains("is not read: it resolves outside") == true)
    #expect(!linked.standardOutput.contains("SECRET-TOKEN"))
    // An entry that is itself a link to a folder outside is refused whole, not walked.
    let outside = folder + "-outside"
    try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: outside) }
    for name in try FileManager.default.contentsOfDirectory(atPath: folder + "/policies") {
      try FileManager.default.copyItem(
        atPath: folder + "/policies/" + name, toPath: outside + "/" + name)
    }
    try FileManager.default.createSymbolicLink(
      atPath: folder + "/shared", withDestinationPath: outside)
    try "admissionPolicies: [shared]\n".write(
      toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
    let walked = try Kubeward.run(
      ["lint", "manifests", "--policy", "policies", "--format", "json"], in: folder)
    let refusals = try #require(walked.json?["findings"] as? [[String: Any]], "\(walked)")
      .filter { ($0["message"] as? String)?.contains("is not read: it resolves outside") == true }
    #expect(refusals.count == 1)
    #expect((refusals.first?["file"] as? String)?.hasSuffix("shared") == true)
    // The configuration's folder is shown as the system resolves it, not as `.`.
    #expect((refusals.first?["message"] as? String)?.contains("outside /") == true)
    // The command line naming the same entry, spelled the same, reads it.
    let same = try Kubeward.run(
      ["lint", "manifests", "--policy", "shared", "--format", "json"], in: folder)
    #expect(same.status != 2, "\(same.standardError)")
    #expect(!same.standardOutput.contains("is not read: it resolves outside"))
    // Named on the command line, the same file is the user's own choice, and read.
    try "admissionPolicies: [policies, linked.yaml]\n".write(
      toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
    let chosen = try Kubeward.run(
      ["lint", "manifests", "--policy", "policies", "--policy", "linked.yaml", "--format", "json"],
      in: folder)
    #expect(!chosen.standardOutput.contains("is not read: it resolves outside"))
  }

  /// `--disable` and `--enable` name a Kyverno ClusterPolicy of several CEL rules by its name
  /// (its findings are `name/rule`), or one rule of it; and a policy the configuration's
  /// `admissionPolicies:` names, which the command line refused before the files were read. A
  /// rule named with a letter outside ASCII (`owner-é`) too: its id is more bytes than
  /// characters, and was filed under a shorter policy name.
  @Test func aClusterPolicyIsDisabledByItsNameOrARule() throws {
    let folder = try Kubeward.temporaryDirectory()
    func rule(_ name: String, _ expression: String) -> String {
      """
        - name: \(name)
          match: {any: [{resources: {kinds: [Pod]}}]}
          validate:
            cel:
              expressions: [{expression: "\(expression)", message: \(name) fails}]
      """
    }
    try """
    apiVersion: kyverno.io/v1
    kind: ClusterPolicy
    metadata: {name: pod-rules}
    spec:
      validationFailureAction: Enforce
      rules:
    \(rule("no-latest", "!object.spec.containers.exists(c, c.image.endsWith(':latest'))"))
    \(rule("owner-é", "has(object.metadata.labels)"))
    """.write(toFile: folder + "/policy.yaml", atomically: true, encoding: .utf8)
    try """
    apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers: [{name: app, image: "nginx:latest"}]
    """.write(toFile: folder + "/pod.yaml", atomically: true, encoding: .utf8)
    func policies(_ arguments: [String]) throws -> Set<String> {
      let run = try Kubeward.run(
        ["lint", "--admission-only", "--format", "json", "--fail-on", "never"] + arguments
          + ["pod.yaml"], in: folder)
      let findings = try #require(run.json?["findings"] as? [[String: Any]], "\(run.standardError)")
      return Set(findings.compactMap { $0["policy"] as? String })
    }
    #expect(
      try policies(["--policy", "policy.yaml"]) == ["pod-rules/no-latest", "pod-rules/owner-é"])
    #expect(try policies(["--policy", "policy.yaml", "--disable", "pod-rules"]).isEmpty)
    #expect(
      try policies(["--policy", "policy.yaml", "--disable", "pod-rules/owner-é"])
        == ["pod-rules/no-latest"])
    let unknown = try Kubeward.run(
      ["lint", "--policy", "policy.yaml", "--disable", "pod-rule", "pod.yaml"], in: folder)
    #expect(unknown.status == 2 && unknown.standardError.contains("no policy \"pod-rule\""))
    // A rule named by its own id wins over its policy's name: all rules but one. (It was a
    // usage error, named both ways once expanded.)
    #expect(
      try policies([
        "--policy", "policy.yaml", "--enable", "pod-rules/owner-é", "--disable", "pod-rules",
      ]) == ["pod-rules/owner-é"])
    #expect(
      try policies([
        "--policy", "policy.yaml", "--disable", "pod-rules/owner-é", "--enable", "pod-rules",
      ]) == ["pod-rules/no-latest"])
    let clash = try Kubeward.run(
      [
        "lint", "--policy", "policy.yaml", "--enable", "pod-rules", "--disable", "pod-rules",
        "pod.yaml",
      ],
      in: folder)
    #expect(clash.status == 2 && clash.standardError.contains("both name pod-rules"))
    // What a policy turned off says of itself goes with it: an UPDATE-only rule's note.
    let updates = try String(contentsOfFile: folder + "/policy.yaml", encoding: .utf8)
      .replacingOccurrences(
        of: "match: {any: [{resources: {kinds: [Pod]}}]}",
        with: "match: {any: [{resources: {kinds: [Pod], operations: [UPDATE]}}]}")
    try updates.write(toFile: folder + "/updates.yaml", atomically: true, encoding: .utf8)
    #expect(
      try policies(["--policy", "updates.yaml"]) == ["pod-rules/no-latest", "pod-rules/owner-é"])
    #expect(try policies(["--policy", "updates.yaml", "--disable", "pod-rules"]).isEmpty)
    // Named by the configuration rather than the command line.
    try "admissionPolicies: [policy.yaml]\n".write(
      toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
    #expect(try policies(["--disable", "pod-rules/no-latest"]) == ["pod-rules/owner-é"])
    // The configuration's `policies:` takes the policy's name as the command line does (it
    // said "no policy"), a rule's own id winning wherever it is written.
    func configured(_ settings: String) throws -> Set<String> {
      try "admissionPolicies: [policy.yaml]\npolicies: \(settings)\n".write(
        toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
      return try policies([])
    }
    #expect(try configured("{pod-rules: off}").isEmpty)
    #expect(try configured("{pod-rules: {enabled: false}}").isEmpty)
    #expect(try configured("{pod-rules/owner-é: warning, pod-rules: off}") == ["pod-rules/owner-é"])
    #expect(try configured("{pod-rules: off, pod-rules/owner-é: warning}") == ["pod-rules/owner-é"])
    _ = try configured("{pod-rules: info}")
    let lowered = try Kubeward.run(
      ["lint", "--admission-only", "--format", "json", "--fail-on", "never", "pod.yaml"],
      in: folder)
    let levels = (lowered.json?["findings"] as? [[String: Any]] ?? []).compactMap {
      $0["severity"] as? String
    }
    #expect(levels == ["info", "info"], "\(lowered.standardError)")
    // Options differ from rule to rule: a policy's name takes none.
    try "admissionPolicies: [policy.yaml]\npolicies: {pod-rules: {severity: info, limit: 3}}\n"
      .write(toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
    let refused = try Kubeward.run(["lint", "--admission-only", "pod.yaml"], in: folder)
    #expect(refused.status == 2 && refused.standardError.contains("unknown key \"limit\""))
  }

  /// A ClusterPolicy's name stands for its rules everywhere a policy is named: in the
  /// configuration when a ValidatingAdmissionPolicy shares it (the command line turned both
  /// off, the configuration only the ValidatingAdmissionPolicy), and in suppressions (a rule's
  /// id `name/rule` cannot be an annotation's key; `team` was "a policy kubeward does not
  /// have"). A ClusterPolicy of several rules named as a built-in policy, or a rule without a
  /// name or with one of more than 63 characters (the schema's limit), is refused, as Kyverno's
  /// schema and a one-rule policy of a built-in's name are.
  @Test func aClusterPolicysNameStandsForItsRulesEverywhere() throws {
    let folder = try Kubeward.temporaryDirectory()
    func clusterPolicy(_ name: String, rules: [String]) -> String {
      """
      apiVersion: kyverno.io/v1
      kind: ClusterPolicy
      metadata: {name: \(name)}
      spec:
        rules:
      """
        + rules.map { rule in
          """

              - name: \(rule)
                match: {any: [{resources: {kinds: [Pod]}}]}
                validate: {cel: {expressions: [{expression: "false", message: \(rule) fails}]}}
          """
        }.joined()
    }
    let vap = """
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicy
      metadata: {name: team}
      spec:
        matchConstraints:
          resourceRules:
            - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}
        validations: [{expression: "false", message: vap fails}]
      """
    try [clusterPolicy("team", rules: ["has-label", "no-latest"]), vap].joined(separator: "\n---\n")
      .write(toFile: folder + "/policy.yaml", atomically: true, encoding: .utf8)
    let pod = """
      apiVersion: v1
      kind: Pod
      metadata: {name: web}
      spec:
        containers: [{name: app, image: "nginx:1.27"}]
      """
    try pod.write(toFile: folder + "/pod.yaml", atomically: true, encoding: .utf8)
    func policies(_ arguments: [String] = [], file: String = "pod.yaml") throws -> [String: String]
    {
      let run = try Kubeward.run(
        [
          "lint", "--admission-only", "--format", "json", "--fail-on", "never", "--policy",
          "policy.yaml",
        ]
          + arguments + [file], in: folder)
      let findings = try #require(run.json?["findings"] as? [[String: Any]], "\(run.standardError)")
      return findings.filter { $0["file"] as? String == file }.reduce(
        into: [:]) {
          $0[$1["policy"] as? String ?? ""] = $1["severity"] as? String
        }
    }
    #expect(try Set(policies().keys) == ["team", "team/has-label", "team/no-latest"])
    #expect(try policies(["--disable", "team"]).isEmpty)
    try "policies: {team: off}\n".write(
      toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
    #expect(try policies().isEmpty)
    try "policies: {team: warning}\n".write(
      toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
    #expect(try Set(policies().values) == ["warning"])
    try FileManager.default.removeItem(atPath: folder + "/.kubeward.yaml")
    // Suppressed by the name, in an annotation and in a comment.
    try pod.replacingOccurrences(
      of: "metadata: {name: web}",
      with: "metadata: {name: web, annotations: {ignore.kubeward.dev/team: accepted}}"
    ).write(toFile: folder + "/annotated.yaml", atomically: true, encoding: .utf8)
    #expect(try policies(file: "annotated.yaml").isEmpty)
    try pod.replacingOccurrences(
      of: "metadata: {name: web}", with: "metadata: {name: web}  # kubeward:ignore team -- ok"
    ).write(toFile: folder + "/commented.yaml", atomically: true, encoding: .utf8)
    #expect(try policies(file: "commented.yaml").isEmpty)
    // Refused: a group named as a built-in policy, rules without a name or with a long one.
    for (text, said) in [
      (
        clusterPolicy("image-tag", rules: ["a", "b"]),
        "a policy of kubeward is also named image-tag"
      ),
      (
        clusterPolicy("long", rules: ["a", String(repeating: "r", count: 64)]),
        "at most 63 characters"
      ),
      (
        clusterPolicy("unnamed", rules: ["a"]).replacingOccurrences(
          of: "- name: a", with: "- title: a"),
        "a rule needs a name"
      ),
    ] {
      try [text, vap].joined(separator: "\n---\n").write(
        toFile: folder + "/policy.yaml", atomically: true, encoding: .utf8)
      let run = try Kubeward.run(
        [
          "lint", "--admission-only", "--format", "json", "--fail-on", "never", "--policy",
          "policy.yaml", "pod.yaml",
        ],
        in: folder)
      let findings = try #require(run.json?["findings"] as? [[String: Any]], "\(run.standardError)")
      #expect(
        findings.filter { ($0["message"] as? String)?.contains(said) == true }.count == 1
          && !findings.contains { ($0["policy"] as? String)?.contains("/") == true },
        "\(findings.map { $0["message"] ?? "" })")
    }
  }

  /// A severity the configuration sets for an admission policy is that of everything the
  /// policy says, its compile errors and notes too: a team that lowered a policy kubeward
  /// cannot compile to info had its run fail on the compile error still.
  @Test func aConfiguredSeverityLowersAPolicysCompileErrors() throws {
    let folder = try Kubeward.temporaryDirectory()
    try """
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicy
    metadata: {name: broken}
    spec:
      failurePolicy: Fail
      matchConstraints:
        resourceRules:
          - {apiGroups: [""], apiVersions: ["*"], operations: ["CREATE"], resources: ["pods"]}
      validations:
        - expression: "object.metadata.name.startWith('x')"
    """.write(toFile: folder + "/policy.yaml", atomically: true, encoding: .utf8)
    try """
    apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers: [{name: app, image: "nginx:1.27"}]
    """.write(toFile: folder + "/pod.yaml", atomically: true, encoding: .utf8)
    func severities() throws -> [String: Set<String>] {
      let run = try Kubeward.run(
        ["lint", "--admission-only", "--format", "json", "--policy", "policy.yaml", "pod.yaml"],
        in: folder)
      let findings = try #require(run.json?["findings"] as? [[String: Any]], "\(run.standardError)")
      return findings.reduce(into: [:]) { levels, finding in
        levels[finding["file"] as? String ?? "", default: []].insert(
          finding["severity"] as? String ?? "")
      }
    }
    #expect(try severities() == ["policy.yaml": ["error", "info"], "pod.yaml": ["error"]])
    try "policies: {broken: info}\n".write(
      toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
    #expect(try severities() == ["policy.yaml": ["info"], "pod.yaml": ["info"]])
    let run = try Kubeward.run(
      ["lint", "--admission-only", "--policy", "policy.yaml", "pod.yaml"], in: folder)
    #expect(run.status == 0, "\(run.standardOutput)")
    // Raised, the policy's violations are errors, but not its notes: the note that it has no
    // binding stays information.
    try "policies: {broken: error}\n".write(
      toFile: folder + "/.kubeward.yaml", atomically: true, encoding: .utf8)
    #expect(try severities() == ["policy.yaml": ["error", "info"], "pod.yaml": ["error"]])
  }

  /// Numbers reach CEL as go-yaml hands them to the API server: past a double's range
  /// (`1e400`) go-yaml keeps the text; an integer past int64 that fits uint64, in any base,
  /// is a uint64 to go-yaml, and the JSON number the API server decodes as a float; past
  /// uint64, or signed, only a decimal is a float. kubeward made the first two an infinity
  /// and a string, and read `0177…` (octal) as decimal.
  @Test func numbersReachCELAsKubernetesReadsThem() throws {
    let folder = NSTemporaryDirectory() + "kubeward-numbers-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try """
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: n}
    spec:
      a: 1e400
      b: 0xFFFFFFFFFFFFFFFF
      c: 01777777777777777777777
      d: 12345678901234567890
      e: 0b\(String(repeating: "1", count: 64))
      f: -1e400
      g: 0x1FFFFFFFFFFFFFFFF
      h: 9223372036854775807
      i: -0x8000000000000000
      j: +0xFFFFFFFFFFFFFFFF
      k: 99999999999999999999999
    """.write(toFile: folder + "/numbers.yaml", atomically: true, encoding: .utf8)
    let fields = "abcdefghijk".map { "object.spec.\($0)" }.joined(separator: ", ")
    let run = try Kubeward.run([
      "eval", "[\(fields)]", "--object", folder + "/numbers.yaml", "--cel",
    ])
    #expect(
      run.standardOutput
        == "[\"1e400\", 1.8446744073709552e+19, 1.8446744073709552e+19, 1.2345678901234567e+19, "
        + "1.8446744073709552e+19, \"-1e400\", \"0x1FFFFFFFFFFFFFFFF\", 9223372036854775807, "
        + "-9223372036854775808, \"+0xFFFFFFFFFFFFFFFF\", 1e+23]\n",
      "\(run.standardOutput)\(run.standardError)")
  }

  /// An admission policy named as a built-in policy (`image-tag`) is not evaluated, and said
  /// at its name: findings, severities and suppressions name a policy by it. The catalogue
  /// of the run was built with the id twice, and the run crashed before it read a file.
  @Test func anAdmissionPolicyNamedAsABuiltInOneIsSetAside() throws {
    let folder = NSTemporaryDirectory() + "kubeward-clash-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let original = try String(contentsOfFile: policies + "/replica-limit.yaml", encoding: .utf8)
    try original.replacingOccurrences(of: "replica-limit", with: "image-tag")
      .write(toFile: folder + "/clash.yaml", atomically: true, encoding: .utf8)
    try FileManager.default.copyItem(
      atPath: policies + "/require-owner.yaml", toPath: folder + "/require-owner.yaml")
    for format in ["json", "text", "sarif"] {
      let run = try Kubeward.run(["lint", "--policy", folder, manifests, "--format", format])
      #expect(run.status == 1, "\(format): \(run.standardError)")
      #expect(
        run.standardOutput.contains(
          "a built-in policy of kubeward is also named image-tag; this one is ignored"),
        "\(format)")
    }
    let run = try Kubeward.run(["lint", "--policy", folder, manifests, "--format", "json"])
    let findings = try #require(run.json?["findings"] as? [[String: Any]])
    #expect(findings.contains { $0["policy"] as? String == "require-owner-label" })
    #expect(
      !findings.contains {
        $0["policy"] as? String == "image-tag"
          && ($0["message"] as? String)?.contains("replicas")
            == true
      })
  }

  /// The files of a policy folder that are not read (a link out of the folder, a named pipe)
  /// are said at their names, and the rest is evaluated: a policy not read is never a silent
  /// pass. Named on the command line, such a file stops the run, with the reason.
  @Test func aPolicyFoldersFilesThatAreNotReadAreSaid() throws {
    let folder = NSTemporaryDirectory() + "kubeward-unread-\(UUID().uuidString)"
    try FileManager.default.createDirectory(
      atPath: folder + "/policies", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try FileManager.default.copyItem(
      atPath: policies + "/replica-limit.yaml", toPath: folder + "/policies/replica-limit.yaml")
    try FileManager.default.copyItem(
      atPath: policies + "/require-owner.yaml", toPath: folder + "/require-owner.yaml")
    try FileManager.default.createSymbolicLink(
      atPath: folder + "/policies/require-owner.yaml", withDestinationPath: "../require-owner.yaml")
    #expect(mkfifo(folder + "/policies/pipe.yaml", 0o600) == 0)
    let run = try Kubeward.run(
      ["lint", "--policy", folder + "/policies", manifests, "--format", "json"])
    let findings = try #require(run.json?["findings"] as? [[String: Any]], "\(run.standardError)")
    let unread = findings.filter { ($0["message"] as? String)?.contains("is not read:") == true }
      .map {
        "\(($0["file"] as? String ?? "").split(separator: "/").last ?? ""): \($0["message"]!)"
      }
      .sorted()
    #expect(unread.count == 2, "\(unread)")
    #expect(
      unread.first?.hasPrefix("pipe.yaml: is not read: it is a named pipe") == true, "\(unread)")
    #expect(
      unread.last?.hasPrefix("require-owner.yaml: is not read: a symbolic link to ") == true
        && unread.last?.hasSuffix("outside the folder being linted") == true, "\(unread)")
    #expect(findings.contains { $0["policy"] as? String == "replica-limit" })
    #expect(!findings.contains { $0["policy"] as? String == "require-owner-label" })
    // A Helm chart's templates are not policies to read one by one: a warning at the chart.
    try FileManager.default.createDirectory(
      atPath: folder + "/policies/chart/templates", withIntermediateDirectories: true)
    try "apiVersion: v2\nname: c\nversion: 1.0.0\n".write(
      toFile: folder + "/policies/chart/Chart.yaml", atomically: true, encoding: .utf8)
    let charted = try Kubeward.run(
      ["lint", "--policy", folder + "/policies", manifests, "--format", "json"])
    let chart = try #require(charted.json?["findings"] as? [[String: Any]])
      .filter { ($0["message"] as? String)?.contains("is not read: it is a Helm chart") == true }
    #expect(chart.map { $0["severity"] as? String } == ["warning"], "\(charted.standardOutput)")
    try FileManager.default.removeItem(atPath: folder + "/policies/chart")
    // With nothing read, the run stops, and says why on its one line (not a written `\n`).
    try FileManager.default.removeItem(atPath: folder + "/policies/replica-limit.yaml")
    let none = try Kubeward.run(["lint", "--policy", folder + "/policies", manifests])
    #expect(none.status == 2)
    #expect(none.standardError.contains("pipe.yaml:1:1: is not read: it is a named pipe"))
    #expect(!none.standardError.contains("\\n"), "\(none.standardError)")
    let named = try Kubeward.run(["lint", "--policy", folder + "/policies/pipe.yaml", manifests])
    #expect(named.status == 2)
    #expect(named.standardError.contains("pipe.yaml: it is a named pipe"), "\(named.standardError)")
  }

  /// An admission policy's name, title and advice are the input's: the compact report's
  /// closing section shows them escaped, as every other line does (a name that started a line
  /// with `::error` was a workflow command in a GitHub log). A name the API server refuses
  /// (no DNS subdomain) is no id: its refusal is an `admission-policy` finding, which quotes
  /// it escaped.
  @Test func reportsEscapePolicyNames() throws {
    let folder = NSTemporaryDirectory() + "kubeward-compact-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let hostile = #"owner\n::error file=README.md,line=1::Pwned"#
    func policy(_ metadata: String) -> String {
      """
      apiVersion: policies.kyverno.io/v1
      kind: ValidatingPolicy
      metadata: \(metadata)
      spec:
        validationActions: [Deny]
        matchConstraints:
          resourceRules:
            - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}
        validations: [{expression: "false", message: "m"}]
      """
    }
    let annotations = #"""
      {title: "title\n::error file=README.md,line=1::Pwned", description: "desc\n::warning::from description\e]0;TITLE\a"}
      """#
    try [
      policy(#"{name: "owner\n::error file=README.md,line=1::Pwned"}"#),
      policy("{name: owner, annotations: \(annotations)}"),
    ].joined(separator: "\n---\n").write(
      toFile: folder + "/pol.yaml", atomically: true, encoding: .utf8)
    let run = try Kubeward.run(
      ["lint", "--compact", "--policy", folder + "/pol.yaml", manifests + "/web.yaml"])
    #expect(run.standardOutput.contains("Why, and what to do"), "\(run.standardError)")
    #expect(run.standardOutput.contains(hostile), "\(run.standardOutput)")
    for line in run.standardOutput.split(separator: "\n") {
      #expect(!line.hasPrefix("::"), "\(line)")
    }
    #expect(!run.standardOutput.contains("\u{1B}"))
    #expect(!run.standardOutput.contains("\u{07}"))
    // In SARIF, the rule's id, name and texts are shown visibly, its Markdown escaped, and it
    // links to no page of kubeward's documentation (it has none).
    let sarif = try Kubeward.run(
      ["lint", "--format", "sarif", "--policy", folder + "/pol.yaml", manifests + "/web.yaml"])
    let runs = try #require(sarif.json?["runs"] as? [[String: Any]])
    let driver = try #require((runs.first?["tool"] as? [String: Any])?["driver"] as? [String: Any])
    let rules = try #require(driver["rules"] as? [[String: Any]])
    let rule = try #require(rules.first { $0["id"] as? String == "owner" })
    #expect(rule["helpUri"] == nil)
    let help = try #require(rule["help"] as? [String: Any])
    let markdown = try #require(help["markdown"] as? String)
    #expect(
      !markdown.contains("\n::error") && !markdown.contains("\n::warning")
        && markdown.contains(#"file=README\.md"#), "\(markdown)")
    let results = try #require(runs.first?["results"] as? [[String: Any]])
    #expect(
      results.contains {
        $0["ruleId"] as? String == "admission-policy"
          && (($0["message"] as? [String: Any])?["text"] as? String)?.contains(hostile) == true
      }, "\(results)")
    #expect(results.contains { $0["ruleId"] as? String == "owner" })
    let catalogueRule = try #require(rules.first { $0["id"] as? String == "exec-probe" })
    #expect((catalogueRule["helpUri"] as? String)?.hasSuffix("docs/policies/exec-probe.md") == true)
  }

  /// `--kyverno`: a Kyverno policy's environment, with its libraries; without it, the API
  /// server's, which has none of them.
  @Test func evalInKyvernosEnvironment() throws {
    let expression =
      "cel.bind(i, parseImageReference(object.spec.template.spec.containers[0].image), i.repository()) + ' ' + string(math.greatest(1, 2.5))"
    let kyverno = try Kubeward.run([
      "eval", expression, "--object", manifests + "/web.yaml", "--kyverno",
    ])
    #expect(kyverno.status == 0, "\(kyverno.standardError)")
    #expect(kyverno.standardOutput == "\"library/nginx 2.5\"\n", "\(kyverno.standardOutput)")
    let plain = try Kubeward.run(["eval", expression, "--object", manifests + "/web.yaml"])
    #expect(plain.status == 2, "\(plain.standardOutput)")
    // `request` is an AdmissionRequest, whose fields are known; bound with --var, it is what
    // it is bound to.
    let undeclared = try Kubeward.run(["eval", "request.foo"])
    #expect(
      undeclared.status == 2 && undeclared.standardError.contains("undefined field 'foo'"),
      "\(undeclared.standardError)")
    let bound = try Kubeward.run(["eval", "request.foo", "--var", "request={\"foo\": 1}"])
    #expect(bound.standardOutput == "1\n", "\(bound.standardError)")
  }

  @Test func evalPrintsValuesAndErrorsWithTheirColumn() throws {
    let value = try Kubeward.run([
      "eval", "object.spec.replicas * 2", "--object", manifests + "/web.yaml",
    ])
    #expect(value.status == 0)
    #expect(value.standardOutput == "10\n")
    let json = try Kubeward.run([
      "eval", "{'a': [dyn(1), dyn(2u), dyn(3.5), dyn(b'hi'), dyn(null)]}",
    ])
    #expect(json.standardOutput == "{\"a\":[1,2,3.5,\"aGk=\",null]}\n")
    // Mixed without `dyn`, the API server does not compile it (a literal of one type).
    let mixed = try Kubeward.run(["eval", "[1, 2u]"])
    #expect(mixed.status == 2)
    #expect(mixed.standardError.contains("column 5: expected type 'int' but found 'uint'"))
    let typed = try Kubeward.run(["eval", "x + [y]", "--var", "x=[1]", "--var", "y=2", "--cel"])
    #expect(typed.standardOutput == "[1, 2]\n")
    // --cel tells a double from an int: `1.0`, as it reads back.
    let doubles = try Kubeward.run(
      ["eval", "[dyn(1.0), dyn(2.5), dyn(1), dyn(1u), dyn({'a': 3.0})]", "--cel"])
    #expect(
      doubles.standardOutput == "[1.0, 2.5, 1, 1u, {\"a\": 3.0}]\n",
      "\(doubles.standardOutput)\(doubles.standardError)")
    // A key written twice is refused, as in --object, not kept twice in a map.
    let twice = try Kubeward.run(["eval", "size(a)", "--var", "a={\"a\": 1, \"a\": 2}"])
    #expect(twice.status == 2)
    #expect(twice.standardError.contains("--var a: 1:"), "\(twice.standardError)")
    // The caret is under the error's character when what precedes it is shown escaped, and a
    // long expression is shown around it.
    for (expression, shown) in [
      ("'\t' + 1", "'\\t' + 1"),
      (
        "[" + String(repeating: "1, ", count: 1000) + "2u]",
        "…" + String(repeating: "1, ", count: 20) + "2u]"
      ),
    ] {
      let failed = try Kubeward.run(["eval", expression])
      let lines = failed.standardError.split(separator: "\n").map(String.init)
      #expect(failed.status == 2 && lines.count == 3, "\(failed.standardError)")
      #expect(lines.count == 3 && lines[1] == "  " + shown, "\(lines)")
      let caret = lines.count == 3 ? lines[2].count - 1 : 0
      let marked = lines.count == 3 ? Array(lines[1])[caret] : " "
      #expect(marked == (expression.hasPrefix("[") ? "2" : "+"), "\(lines)")
    }
    // The caret stands under the error's character in a terminal's columns: a CJK character
    // or an emoji takes two, a combining accent none (by scalars, it stood left of it).
    for (expression, columns) in [("'中文' + 1", 7), ("'😀' + 1", 5), ("'e\u{301}' + 1", 4)] {
      let failed = try Kubeward.run(["eval", expression])
      let lines = failed.standardError.split(separator: "\n").map(String.init)
      #expect(lines.count == 3 && lines[1] == "  " + expression, "\(lines)")
      #expect(lines.count == 3 && lines[2] == "  " + String(repeating: " ", count: columns) + "^")
    }
    // A name no expression can read is refused; a dotted one is read whole.
    for name in ["a b", "1x", "in", "a..b", "x-y"] {
      let refused = try Kubeward.run(["eval", "1", "--var", "\(name)=1"])
      #expect(refused.status == 2, "\(name)")
      #expect(refused.standardError.contains("not a name an expression can read"))
    }
    let dotted = try Kubeward.run(["eval", "variables.images[0]", "--var", "variables.images=[a]"])
    #expect(dotted.standardOutput == "\"a\"\n", "\(dotted.standardError)")
    // After a dot, a reserved word or a quoted field is a field an expression can read.
    for (expression, name) in [("cfg.namespace", "cfg.namespace"), ("x.`my-field`", "x.my-field")] {
      let field = try Kubeward.run(["eval", expression, "--var", "\(name)=1"])
      #expect(field.standardOutput == "1\n", "\(expression): \(field.standardError)")
    }
    // `--cost`: what the API server counts against its limit (2 reads, `*` and a literal).
    let cost = try Kubeward.run([
      "eval", "object.spec.replicas * 2", "--object", manifests + "/web.yaml", "--cost",
    ])
    #expect(cost.standardOutput == "10\n")
    #expect(cost.standardError == "kubeward: cost 4 of 1000000\n")
    let typo = try Kubeward.run([
      "eval", "object.metadata.name.startWith('x')", "--object", manifests + "/web.yaml",
    ])
    #expect(typo.status == 2)
    #expect(typo.standardError.contains("column 31"))
    #expect(typo.standardError.contains("startWith"))
    let failure = try Kubeward.run(["eval", "1 / 0"])
    #expect(failure.status == 1)
    #expect(failure.standardError.contains("division by zero"))
    // The object as admission sees it: a cluster-scoped one has no namespace.
    let folder = NSTemporaryDirectory() + "kubeward-eval-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r, namespace: x}\n"
      .write(toFile: folder + "/role.yaml", atomically: true, encoding: .utf8)
    let cleared = try Kubeward.run([
      "eval", "[dyn(has(object.metadata.namespace)), dyn(size(object.metadata))]", "--object",
      folder + "/role.yaml",
    ])
    #expect(
      cleared.standardOutput == "[false,1]\n", "\(cleared.standardOutput)\(cleared.standardError)")
  }

  /// A value holding what a terminal must not get raw (a bidi override, a zero-width space,
  /// a tag character, DEL, a C1 control) is printed in the output's own escapes: JSON that
  /// parses back to the same string, and CEL that evaluates back to the same value. Written
  /// as messages write them (`\u{202E}`), neither was valid.
  @Test func evalEscapesWhatATerminalMustNotGetInItsOutputsOwnSyntax() throws {
    let hidden = "a\u{202E}b\u{200B}c\u{E0041}d\u{7F}e\u{85}f\u{1B}g"
    let expression = "'a\\u202eb\\u200bc\\U000e0041d\\x7fe\\u0085f\\x1bg'"
    for flags in [[], ["--typed-json"]] {
      let json = try Kubeward.run(["eval", expression] + flags)
      #expect(json.status == 0, "\(json.standardError)")
      #expect(
        json.standardOutput.unicodeScalars.allSatisfy {
          $0.isASCII && $0.value >= 0x20 || $0 == "\n"
        })
      let parsed = try JSONSerialization.jsonObject(
        with: Data(json.standardOutput.utf8), options: .fragmentsAllowed)
      let text = flags.isEmpty ? parsed as? String : (parsed as? [String: Any])?["value"] as? String
      #expect(text == hidden, "\(json.standardOutput)")
    }
    let cel = try Kubeward.run(["eval", expression + " + string(b'\\xe2\\x80\\xae')", "--cel"])
    #expect(
      cel.standardOutput.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 || $0 == "\n" })
    let again = try Kubeward.run([
      "eval",
      cel.standardOutput.trimmingCharacters(in: .newlines) + " == " + expression + " + '\\u202e'",
    ])
    #expect(again.standardOutput == "true\n", "\(cel.standardOutput)\(again.standardError)")
    // Bytes read back byte for byte, valid UTF-8 or not.
    let bytes = try Kubeward.run(["eval", "b'\\xff\\xe2\\x80\\xae\\\"\\\\'", "--cel"])
    #expect(
      bytes.standardOutput == "b\"\\xff\\xe2\\x80\\xae\\\"\\\\\"\n", "\(bytes.standardOutput)")
  }
}
