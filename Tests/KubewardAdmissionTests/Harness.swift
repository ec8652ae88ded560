import Foundation
import KubewardCEL
import KubewardEngine
import KubewardYAML
import Testing

@testable import KubewardAdmission

/// Lints manifests with admission policies given as text, the built-in policies left out.
struct Harness {
  var policies: String
  var manifests: [(name: String, text: String)]
  var configuration = Configuration()
  var request = SyntheticRequest()
  /// Records each policy's cost on each object, when given.
  var costs: CostLedger?
  /// The run's CEL work, when bounded.
  var workBudget: WorkBudget?
  /// Workers (`RunOptions.jobs`), when not the machine's cores.
  var jobs: Int?
  /// Whether the set is kept to the end of the process, as a lint run keeps its set.
  var keepsForTheProcess = false

  init(policies: String, manifests: [(name: String, text: String)]) {
    self.policies = policies
    self.manifests = manifests
  }

  init(policies: String, manifest: String) {
    self.init(policies: policies, manifests: [("manifest.yaml", manifest)])
  }

  /// Deployments `web0`… in files `d0.yaml`…, checked in order by one worker: what the tests
  /// of the run's work budget count on.
  static func serial(policies: String, deployments count: Int) -> Harness {
    var harness = Harness(
      policies: policies,
      manifests: (0..<count).map { index in
        (name: "d\(index).yaml", text: deployment(name: "web\(index)"))
      })
    harness.jobs = 1
    return harness
  }

  /// The findings of the run: the policy file's first, then the manifests'.
  func findings() throws -> [Finding] {
    var set = AdmissionPolicySet()
    set.read(file: "policy.yaml", bytes: Array(policies.utf8))
    // As `AdmissionPolicySet.load` does for a run.
    set.checkNames(reserved: [])
    let inputs = manifests.map {
      LintInput(name: $0.name, source: .bytes(Array($0.text.utf8)), isExplicit: true)
    }
    set.learnContext(from: inputs)
    set.request = request
    set.costLedger = costs
    set.workBudget = workBudget
    if keepsForTheProcess { set.keepForTheProcess() }
    let linter = try Linter(configuration: configuration, sources: [AdmissionPolicySource(set)])
    var options = RunOptions()
    if let jobs { options.jobs = jobs }
    options.additionalFindings = set.policyFileFindings()
    return linter.lint(inputs, options: options).findings
  }

  /// The findings about manifests (not about the policy file).
  func objectFindings() throws -> [Finding] {
    try findings().filter { $0.file != "policy.yaml" }
  }
}

/// A ValidatingAdmissionPolicy with one validation, and optionally a binding, matching
/// Deployments unless told otherwise.
func policy(
  _ expression: String, name: String = "demo", message: String? = nil,
  rules: String = """
  - apiGroups: ["apps"]
          apiVersions: ["v1"]
          operations: ["CREATE", "UPDATE"]
          resources: ["deployments"]
  """,
  extraSpec: String = "", binding: String? = nil
) -> String {
  var text = """
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicy
    metadata:
      name: \(name)
    spec:
      matchConstraints:
        resourceRules:
          \(rules)
    \(extraSpec)
      validations:
        - expression: \(quoted(expression))
    \(message.map { "      message: \(quoted($0))" } ?? "")

    """
  if let binding {
    text += """
      ---
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicyBinding
      metadata:
        name: \(name)-binding
      spec:
        policyName: \(name)
      \(binding)

      """
  }
  return text
}

/// Expects each expression to hold on its manifest, under a policy of `resource`
/// (`["group"]|plural`), and a policy of `false` to report the manifest once: the policy
/// matches it, so the expression holding means something.
func expectEachHolds(
  _ cases: [(manifest: String, expression: String, resource: String)],
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  for (manifest, expression, resource) in cases {
    let parts = resource.split(separator: "|").map(String.init)
    let rules =
      "- {apiGroups: \(parts[0]), apiVersions: [\"*\"], operations: [\"CREATE\"], resources: [\"\(parts[1])\"]}"
    let findings = try Harness(policies: policy(expression, rules: rules), manifest: manifest)
      .objectFindings()
    #expect(
      findings.isEmpty, "\(expression): \(findings.map(\.message))", sourceLocation: sourceLocation)
    let always = try Harness(policies: policy("false", rules: rules), manifest: manifest)
      .objectFindings()
    #expect(always.count == 1, "\(resource) is not matched", sourceLocation: sourceLocation)
  }
}

func quoted(_ text: String) -> String {
  "\""
    + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    + "\""
}

/// A Deployment with `replicas`, labels and a container image.
func deployment(
  name: String = "web", namespace: String = "shop", replicas: Int = 3,
  labels: String = "app: web", image: String = "registry.example.com/web:1.0",
  apiVersion: String = "apps/v1"
) -> String {
  """
  apiVersion: \(apiVersion)
  kind: Deployment
  metadata:
    name: \(name)
    namespace: \(namespace)
    labels: {\(labels)}
  spec:
    replicas: \(replicas)
    selector:
      matchLabels: {app: \(name)}
    template:
      metadata:
        labels: {app: \(name)}
      spec:
        containers:
          - name: main
            image: \(image)
  """
}

/// A CronJob whose pod template runs `busybox:latest`: what Kyverno's autogen reaches through
/// `jobTemplate`.
let cronJob = """
  apiVersion: batch/v1
  kind: CronJob
  metadata: {name: nightly, namespace: shop}
  spec:
    schedule: "0 3 * * *"
    jobTemplate:
      spec:
        template:
          spec:
            restartPolicy: Never
            containers:
              - {name: main, image: "busybox:latest"}
  """
