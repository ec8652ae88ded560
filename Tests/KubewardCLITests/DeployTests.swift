import Foundation
import Testing

/// `deploy/`: kubeward's own webhook manifests pass its own policies, and the webhook
/// configuration sends what the webhook can judge.
@Suite("The webhook's manifests")
struct DeployTests {
  @Test func kubewardLintsItsOwnManifestsClean() throws {
    let run = try Kubeward.run(["lint", "deploy", "--fail-on", "info"])
    #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
    #expect(run.standardOutput.contains(": 0 errors, 0 warnings, 0 info"), "\(run.standardOutput)")
  }

  @Test func theWebhookIsServedAsTheAPIServerRequires() throws {
    let text = try String(
      contentsOfFile: Kubeward.repositoryRoot + "/deploy/validatingwebhookconfiguration.yaml",
      encoding: .utf8)
    #expect(text.contains("admissionReviewVersions: [v1]"))
    #expect(text.contains("sideEffects: None"))
    #expect(text.contains("timeoutSeconds: 5"))
    #expect(text.contains("failurePolicy: Ignore"))
    #expect(text.contains("cert-manager.io/inject-ca-from: kubeward/kubeward-ca"))
    #expect(text.contains("path: /validate"))
    // Every kind kubeward's per-object policies check is sent.
    for resource in [
      "pods", "services", "replicationcontrollers", "limitranges", "deployments", "statefulsets",
      "daemonsets", "replicasets", "jobs", "cronjobs", "ingresses", "horizontalpodautoscalers",
      "poddisruptionbudgets",
    ] {
      #expect(text.contains(resource), "\(resource) is not sent to the webhook")
    }
    let deployment = try String(
      contentsOfFile: Kubeward.repositoryRoot + "/deploy/deployment.yaml", encoding: .utf8)
    #expect(deployment.contains("--tls-cert-file=/tls/tls.crt"))
    #expect(deployment.contains("path: /healthz") && deployment.contains("path: /readyz"))
  }

  /// The matchConditions, evaluated by kubeward's own CEL as the API server would.
  @Test func theMatchConditionsLeaveControllersPodsAndTheControlPlaneOut() throws {
    let text = try String(
      contentsOfFile: Kubeward.repositoryRoot + "/deploy/validatingwebhookconfiguration.yaml",
      encoding: .utf8)
    func condition(_ name: String) throws -> String {
      let start = try #require(text.range(of: "- name: \(name)\n        expression: >-\n"))
      let rest = text[start.upperBound...]
      let lines = rest.split(separator: "\n", omittingEmptySubsequences: false)
        .prefix { $0.hasPrefix("          ") }
      return lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
    let folder = try Kubeward.temporaryDirectory()
    let owned = """
      apiVersion: v1
      kind: Pod
      metadata:
        name: web-5d4f-x
        ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d4f, uid: "1", controller: true}]
      spec: {containers: [{name: web, image: nginx}]}
      """
    let operatorOwned = owned.replacingOccurrences(of: "kind: ReplicaSet", with: "kind: Rollout")
    let bare =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: web, image: nginx}]}\n"
    for (name, manifest) in [("owned", owned), ("operator", operatorOwned), ("bare", bare)] {
      try manifest.write(toFile: folder + "/\(name).yaml", atomically: true, encoding: .utf8)
    }
    let controllers = try condition("not-made-by-a-controller")
    func eval(_ expression: String, _ file: String, request: String? = nil) throws -> String {
      var arguments = ["eval", expression, "--object", folder + "/" + file]
      if let request { arguments += ["--var", "request=\(request)"] }
      let run = try Kubeward.run(arguments)
      #expect(run.status == 0, "\(run.standardError)")
      return run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let controllerManager =
      #"{"userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller"}}"#
    let user = #"{"userInfo": {"username": "mallory"}}"#
    #expect(try eval(controllers, "owned.yaml", request: controllerManager) == "false")
    // An owner reference is the requester's word: a user's pod is checked.
    #expect(try eval(controllers, "owned.yaml", request: user) == "true")
    #expect(try eval(controllers, "operator.yaml", request: controllerManager) == "true")
    #expect(try eval(controllers, "bare.yaml", request: controllerManager) == "true")
    #expect(try eval(try condition("not-being-deleted"), "bare.yaml") == "true")
    let controlPlane = try condition("not-from-the-control-plane")
    #expect(
      try eval(controlPlane, "bare.yaml", request: #"{"userInfo": {"username": "system:node:n1"}}"#)
        == "false")
    #expect(
      try eval(controlPlane, "bare.yaml", request: #"{"userInfo": {"username": "alice"}}"#)
        == "true")
  }
}
