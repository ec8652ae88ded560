import KubewardYAML
import Testing

@testable import KubewardBuiltInPolicies
@testable import KubewardEngine

private func parse(_ text: String) throws(ConfigurationError) -> ConfigurationFile {
  try ConfigurationFile(path: "/repo/.kubeward.yaml", bytes: Array(text.utf8))
}

/// The error a configuration text gives, as `line:column: message`.
private func error(_ text: String) -> String? {
  do {
    _ = try parse(text)
    return nil
  } catch {
    return "\(error.position.map { "\($0)" } ?? "-"): \(error.message)"
  }
}

@Suite("Configuration file")
struct ConfigurationTests {
  @Test func everySetting() throws {
    let file = try parse(
      """
      failOn: error
      defaultNamespace: team
      exclude:
        - "charts/*/templates"
        - "**/values*.yaml"
      policies:
        alpine-image: off
        missing-liveness-probe: warning
        image-pull-secrets:
          severity: error
          publicRegistries: [docker.io, "us-docker.pkg.dev/google-samples/**"]
        exec-probe:
          enabled: false
      """)
    #expect(file.failOn == .some(.error))
    #expect(file.configuration.defaultNamespace == "team")
    let catalogue = PolicyCatalogue.builtIn
    #expect(file.configuration.severity(of: catalogue["alpine-image"]!) == nil)
    #expect(file.configuration.severity(of: catalogue["exec-probe"]!) == nil)
    #expect(file.configuration.severity(of: catalogue["missing-liveness-probe"]!) == .warning)
    #expect(file.configuration.severity(of: catalogue["image-pull-secrets"]!) == .error)
    #expect(file.configuration.severity(of: catalogue["image-tag"]!) == .warning)
    let options = try file.configuration.options(for: catalogue["image-pull-secrets"]!)
    #expect(options.strings("publicRegistries").count == 2)
    #expect(options.strings("privateRegistries").isEmpty)  // default kept
    #expect(try parse("failOn: never\n").failOn == .some(nil))
    #expect(try parse("# all commented out\npolicies:\n").configuration.policies.isEmpty)
  }

  /// A registry the team declares private makes its findings certain: warnings, where an
  /// unknown registry only gets information.
  @Test func declaredPrivateRegistriesAreWarnings() throws {
    let manifest = """
      apiVersion: v1
      kind: Pod
      metadata: {name: api}
      spec:
        containers:
          - name: api
            image: registry-vpc.cn-hangzhou.aliyuncs.com/shop/api:1.0
          - name: tools
            image: registry-vpc.cn-hangzhou.aliyuncs.com/tools/cli:1.0
      """
    let unknown = try Linter().lint(manifest).findings.filter { $0.policy == "image-pull-secrets" }
    #expect(unknown.map(\.severity) == [.info, .info])
    let file = try parse(
      """
      policies:
        image-pull-secrets:
          privateRegistries: ["*.aliyuncs.com/shop/**"]
      """)
    let declared = try Linter(configuration: file.configuration).lint(manifest).findings.filter {
      $0.policy == "image-pull-secrets"
    }
    #expect(declared.map(\.severity) == [.warning, .info])
    #expect(declared.first?.message.contains("declares private") == true)
  }

  @Test func optionsChangeWhatPoliciesReport() throws {
    let file = try parse(
      """
      policies:
        image-pull-secrets:
          publicRegistries: ["us-docker.pkg.dev/google-samples/**"]
      """)
    let manifest = """
      apiVersion: v1
      kind: Pod
      metadata: {name: hello}
      spec:
        containers:
          - name: hello
            image: us-docker.pkg.dev/google-samples/containers/gke/hello-app:1.0
          - name: private
            image: us-docker.pkg.dev/my-project/apps/api:1.0
      """
    let result = try Linter(configuration: file.configuration).lint(manifest)
    #expect(
      result.findings.filter { $0.policy == "image-pull-secrets" }.map(\.container) == ["private"])
  }

  @Test(arguments: [
    ("failOn: sometimes\n", "1:9: failOn must be error, warning, info or never"),
    ("fail_on: error\n", "1:1: unknown key \"fail_on\""),
    (
      "policies:\n  alpine-imag: off\n",
      "2:3: no policy \"alpine-imag\"; did you mean alpine-image?"
    ),
    ("policies:\n  exec-probe: loud\n", "2:15: a policy's level is off, info, warning or error"),
    (
      "policies:\n  image-pull-secrets:\n    privateRegistry: [x]\n",
      "3:5: unknown key \"privateRegistry\""
    ),
    (
      "policies:\n  image-pull-secrets:\n    publicRegistries: docker.io\n",
      "3:23: option publicRegistries of policy image-pull-secrets must be like its default"
    ),
    ("exclude: charts\n", "1:10: exclude must be a list"),
    ("exclude: [\"\"]\n", "1:11: exclude must not be empty"),
    ("exclude: [[a]]\n", "1:11: exclude must be text"),
    ("policies: [exec-probe]\n", "1:11: policies must map policy ids to settings"),
    ("policies:\n  exec-probe: [\n", "3:1: YAML syntax error"),
  ])
  func typosAreErrorsWithTheirPosition(_ text: String, _ expected: String) {
    let message = error(text)
    #expect(message?.hasPrefix(expected) == true, "\(message ?? "no error")")
  }

  @Test func excludesMatchPathsAndTheirFolders() throws {
    let file = try parse("exclude:\n  - \"charts/*/templates\"\n  - \"**/values*.yaml\"\n")
    let cwd = "/repo"
    #expect(file.excludes("charts/web/templates/deployment.yaml", workingDirectory: cwd))
    #expect(file.excludes("values.yaml", workingDirectory: cwd))
    #expect(file.excludes("deploy/values-prod.yaml", workingDirectory: cwd))
    #expect(file.excludes("/repo/charts/web/templates/a.yaml", workingDirectory: "/elsewhere"))
    #expect(!file.excludes("charts/web/Chart.yaml", workingDirectory: cwd))
    #expect(!file.excludes("deploy/app.yaml", workingDirectory: cwd))
    // From a subfolder, paths are still matched relative to the file's folder.
    #expect(file.excludes("templates/a.yaml", workingDirectory: "/repo/charts/web"))
    #expect(!file.excludes("a.yaml", workingDirectory: "/other"))
  }

  @Test func theStarterConfigurationParsesAndNamesEveryPolicy() throws {
    let text = StarterConfiguration.builtInText
    let file = try parse(text)
    #expect(file.configuration.policies.isEmpty)
    for id in PolicyCatalogue.builtIn.ids { #expect(text.contains("# \(id): "), "\(id)") }
    // Uncommenting a policy's option block gives a valid configuration.
    var inBlock = false
    let uncommented = text.split(separator: "\n").map { line -> String in
      if line.hasPrefix("  # image-pull-secrets:") {
        inBlock = true
      } else if !line.hasPrefix("  #   ") {
        inBlock = false
      }
      return inBlock ? String(line).replacing("  # ", with: "  ", maxReplacements: 1) : String(line)
    }.joined(separator: "\n")
    let options = try parse(uncommented).configuration.policies["image-pull-secrets"]?.options
    #expect(options?["publicRegistries"] != nil)
  }

  /// A template that parses is information by default; a team that sets
  /// `unrendered-template`'s severity (no templates past CI) gets what it set, as the object
  /// is linted by no other policy (a `#{x}` comment hid a pod from every one at info).
  @Test func aConfiguredSeverityAppliesToTemplatesThatParse() throws {
    let manifest = """
      apiVersion: v1
      kind: Pod
      metadata:
        name: api
        labels: #{Labels}
      spec:
        containers: [{name: api, image: "example/api:1.0"}]
      """
    let severities = { (configuration: Configuration) in
      try Linter(configuration: configuration).lint(manifest).findings
        .filter { $0.policy == "unrendered-template" }.map(\.severity)
    }
    #expect(try severities(Configuration()) == [.info])
    let file = try parse("policies:\n  unrendered-template: error\n")
    #expect(try severities(file.configuration) == [.error])
  }
}
