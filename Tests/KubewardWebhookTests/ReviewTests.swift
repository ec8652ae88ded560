import Foundation
import KubewardBuiltInPolicies
import KubewardEngine
import KubewardYAML
import Testing

@testable import KubewardAdmission
@testable import KubewardWebhook

@Suite("Admission reviews")
struct ReviewTests {
  @Test func aCleanDeploymentIsAllowedSilently() throws {
    let answer = try Reviews.reviewer().review(
      Array(Reviews.body(object: Reviews.deployment()).utf8))
    #expect(answer.status == 200)
    let response = try Reviews.response(answer)
    #expect(response["uid"] as? String == "705ab4f5-6393-11e8-b7cc-42010a800002")
    #expect(response["allowed"] as? Bool == true)
    #expect(response["warnings"] == nil, "\(response)")
    #expect(response["status"] == nil)
    #expect(response["auditAnnotations"] == nil, "\(response)")
    #expect(answer.decision?.outcome == .allowed)
  }

  @Test func warningsNameThePolicyFirstAndStayShort() throws {
    let object = Reviews.deployment(
      image: "nginx:latest", resources: "{\"requests\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}")
    let answer = try Reviews.reviewer().review(Array(Reviews.body(object: object).utf8))
    let response = try Reviews.response(answer)
    #expect(response["allowed"] as? Bool == true)
    let warnings = try #require(response["warnings"] as? [String])
    #expect(warnings.contains { $0.hasPrefix("image-tag: container \"web\" runs nginx:latest") })
    #expect(
      warnings.contains { $0.hasPrefix("memory-limit: container \"web\" has no memory limit") })
    for warning in warnings { #expect(warning.count <= 120, "\(warning)") }
    #expect(answer.decision?.outcome == .warned)
    #expect(answer.decision?.policies.contains("image-tag") == true)
  }

  @Test func informationBecomesAuditAnnotations() throws {
    // No ephemeral-storage limit, and nothing that writes to disk: information.
    let object = Reviews.deployment(
      resources:
        "{\"limits\":{\"memory\":\"256Mi\"},\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"}}")
    let response = try Reviews.response(
      try Reviews.reviewer().review(Array(Reviews.body(object: object).utf8)))
    #expect(response["allowed"] as? Bool == true)
    #expect(response["warnings"] == nil)
    let annotations = try #require(response["auditAnnotations"] as? [String: String])
    #expect(annotations["ephemeral-storage-limit"]?.hasPrefix("container \"web\" has no") == true)
  }

  @Test func findingsAtDenyOnDenyWith403AndEveryFinding() throws {
    var settings = ReviewSettings()
    settings.denyOn = .warning
    let object = Reviews.deployment(image: "nginx:latest")
    let answer = try Reviews.reviewer(settings).review(Array(Reviews.body(object: object).utf8))
    let response = try Reviews.response(answer)
    #expect(response["allowed"] as? Bool == false)
    let status = try #require(response["status"] as? [String: Any])
    #expect(status["code"] as? Int == 403)
    let message = try #require(status["message"] as? String)
    #expect(
      message.hasPrefix(
        "Deployment shop/web is denied by kubeward (1 finding): [image-tag] container \"web\" runs nginx:latest"
      ))
    #expect(answer.decision?.outcome == .denied)
  }

  @Test func denyOnNeverOnlyWarns() throws {
    var settings = ReviewSettings()
    settings.denyOn = nil
    let policy = Self.noScaleDown
    let old = Reviews.deployment(replicas: 5)
    let new = Reviews.deployment(replicas: 2)
    let answer = try Reviews.reviewer(settings, policies: policy).review(
      Array(Reviews.body(object: new, operation: "UPDATE", oldObject: old).utf8))
    let response = try Reviews.response(answer)
    #expect(response["allowed"] as? Bool == true)
    let warnings = try #require(response["warnings"] as? [String])
    #expect(warnings.contains { $0.hasPrefix("no-scale-down: violates ValidatingAdmissionPolicy") })
  }

  /// A policy that needs `oldObject` and the request's operation.
  static let noScaleDown = """
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicy
    metadata: {name: no-scale-down}
    spec:
      failurePolicy: Fail
      matchConstraints:
        resourceRules:
        - apiGroups: [apps]
          apiVersions: [v1]
          operations: [UPDATE]
          resources: [deployments]
      validations:
      - expression: "object.spec.replicas >= oldObject.spec.replicas"
        messageExpression: "'scaling down from ' + string(oldObject.spec.replicas) + ' to ' + string(object.spec.replicas) + ' is done by the autoscaler, by ' + request.userInfo.username + ' never'"
    ---
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicyBinding
    metadata: {name: no-scale-down}
    spec:
      policyName: no-scale-down
      validationActions: [Deny]
    """

  @Test func updatesGiveAdmissionPoliciesTheOldObjectAndTheRequest() throws {
    let reviewer = try Reviews.reviewer(policies: Self.noScaleDown)
    let down = try Reviews.response(
      reviewer.review(
        Array(
          Reviews.body(
            object: Reviews.deployment(replicas: 2), operation: "UPDATE",
            oldObject: Reviews.deployment(replicas: 5), username: "bob"
          ).utf8)))
    #expect(down["allowed"] as? Bool == false)
    let message = try #require((down["status"] as? [String: Any])?["message"] as? String)
    #expect(message.contains("scaling down from 5 to 2 is done by the autoscaler, by bob never"))
    let up = try Reviews.response(
      reviewer.review(
        Array(
          Reviews.body(
            object: Reviews.deployment(replicas: 5), operation: "UPDATE",
            oldObject: Reviews.deployment(replicas: 2)
          ).utf8)))
    #expect(up["allowed"] as? Bool == true)
    // The policy matches UPDATE only: a CREATE of 2 replicas is not its business.
    let create = try Reviews.response(
      reviewer.review(Array(Reviews.body(object: Reviews.deployment(replicas: 2)).utf8)))
    #expect(create["allowed"] as? Bool == true)
  }

  /// A policy bound with Deny whose one rule names `resources` of `groups` on UPDATE.
  static func denying(
    _ name: String, groups: String, resources: String, expression: String, message: String
  ) -> String {
    """
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicy
    metadata: {name: \(name)}
    spec:
      failurePolicy: Fail
      matchConstraints:
        resourceRules:
        - {apiGroups: \(groups), apiVersions: [v1], operations: [UPDATE], resources: \(resources)}
      validations:
      - {expression: "\(expression)", message: "\(message)"}
    ---
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicyBinding
    metadata: {name: \(name)}
    spec: {policyName: \(name), validationActions: [Deny]}
    """
  }

  /// A rule names subresources as the API server's matcher reads it: `deployments/status`
  /// the requests of a Deployment's status, `deployments` the Deployment itself. The webhook
  /// matched both by the resource alone.
  @Test func subresourceRequestsAreMatchedByTheirSubresource() throws {
    func allowed(_ resources: String, subResource: String?) throws -> Bool? {
      let reviewer = try Reviews.reviewer(
        policies: Self.denying(
          "frozen", groups: "[apps]", resources: resources, expression: "false", message: "frozen"))
      let deployment = Reviews.deployment(replicas: 2)
      return try Reviews.response(
        reviewer.review(
          Array(
            Reviews.body(
              object: deployment, operation: "UPDATE", oldObject: deployment,
              subResource: subResource
            ).utf8)))["allowed"] as? Bool
    }
    #expect(try allowed("[deployments/status]", subResource: "status") == false)
    #expect(try allowed("[deployments/status]", subResource: nil) == true)
    #expect(try allowed("[deployments]", subResource: "status") == true)
    #expect(try allowed("[deployments]", subResource: nil) == false)
    #expect(try allowed("[deployments/*]", subResource: "status") == false)
  }

  /// A subresource's request is matched by the resource it names, not its object's kind:
  /// `kubectl scale` sends a Scale for `deployments/scale`, which a rule of `apps`
  /// Deployments' scale matches (and whose `object` is the Scale).
  @Test func aScaleRequestIsMatchedByTheDeploymentsItScales() throws {
    let policy = Self.denying(
      "at-most-three", groups: "[apps]", resources: "[deployments/scale]",
      expression:
        "object.spec.replicas <= 3 && request.kind.group == 'autoscaling' && request.kind.kind == 'Scale' && request.resource.group == 'apps' && request.resource.resource == 'deployments' && request.subResource == 'scale'",
      message: "at most three")
    let reviewer = try Reviews.reviewer(policies: policy)
    func allowed(_ replicas: Int, subResource: String?) throws -> Bool? {
      let scale =
        #"{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":"#
        + "\(replicas)}}"
      return try Reviews.response(
        reviewer.review(
          Array(
            Reviews.body(
              object: scale, operation: "UPDATE", oldObject: scale,
              kind: ("autoscaling", "v1", "Scale", "scales"), subResource: subResource,
              resource: ("apps", "v1", "deployments")
            ).utf8)))["allowed"] as? Bool
    }
    #expect(try allowed(5, subResource: "scale") == false)
    #expect(try allowed(2, subResource: "scale") == true)
    // The same object on another subresource is none of the rule's.
    #expect(try allowed(5, subResource: "status") == true)
  }

  @Test func deleteAndConnectAreAllowedUnlinted() throws {
    let reviewer = try Reviews.reviewer(policies: Self.noScaleDown)
    for operation in ["DELETE", "CONNECT"] {
      let answer = reviewer.review(
        Array(
          Reviews.body(
            object: nil, operation: operation, oldObject: Reviews.deployment(image: "nginx:latest")
          ).utf8))
      let response = try Reviews.response(answer)
      #expect(response["allowed"] as? Bool == true)
      #expect(response["warnings"] == nil)
      #expect(answer.decision?.outcome == .skipped)
    }
  }

  @Test func dryRunGetsTheSameAnswer() throws {
    var settings = ReviewSettings()
    settings.denyOn = .warning
    let reviewer = try Reviews.reviewer(settings)
    let object = Reviews.deployment(image: "nginx:latest")
    let real = reviewer.review(Array(Reviews.body(object: object).utf8))
    let dry = reviewer.review(Array(Reviews.body(object: object, dryRun: true).utf8))
    #expect(real.body == dry.body)
    #expect(try Reviews.response(dry)["allowed"] as? Bool == false)
  }

  @Test func skippedNamespacesAndUsersAreAllowedUnlinted() throws {
    var settings = ReviewSettings(nil, ownNamespace: "kubeward")
    settings.skipUsers = ["system:serviceaccount:argocd:*", "ci-bot"]
    settings.skipGroups = ["system:masters"]
    settings.denyOn = .warning
    let reviewer = try Reviews.reviewer(settings)
    let bad = Reviews.deployment(image: "nginx:latest")
    func outcome(_ body: String) throws -> (Bool?, String?) {
      let answer = reviewer.review(Array(body.utf8))
      return (try Reviews.response(answer)["allowed"] as? Bool, answer.decision?.skipReason)
    }
    for namespace in ["kube-system", "kube-node-lease", "kubeward"] {
      let (allowed, reason) = try outcome(Reviews.body(object: bad, namespace: namespace))
      #expect(allowed == true)
      #expect(reason == "namespace \(namespace) is skipped")
    }
    #expect(
      try outcome(Reviews.body(object: bad, username: "system:serviceaccount:argocd:app")).0 == true
    )
    #expect(try outcome(Reviews.body(object: bad, username: "ci-bot")).0 == true)
    #expect(try outcome(Reviews.body(object: bad, groups: ["system:masters"])).0 == true)
    #expect(try outcome(Reviews.body(object: bad, username: "ci-bot2")).0 == false)
    #expect(
      try outcome(Reviews.body(object: bad, username: "system:serviceaccount:argo:app")).0 == false)
    #expect(try outcome(Reviews.body(object: bad, namespace: "default")).0 == false)
  }

  @Test func theConfigurationSaysWhatIsSkipped() throws {
    let file = try ConfigurationFile(
      path: ".kubeward.yaml",
      bytes: Array(
        "webhook:\n  denyOn: never\n  skipNamespaces: [legacy]\n  skipUsers: [deployer]\n".utf8),
      catalogue: PolicyCatalogue.builtIn)
    let settings = ReviewSettings(file.webhook, ownNamespace: "policy")
    #expect(settings.denyOn == nil)
    #expect(settings.skipNamespaces == ["legacy", "policy"])
    #expect(settings.skipUsers == ["deployer"])
    #expect(throws: ConfigurationError.self) {
      try ConfigurationFile(
        path: ".kubeward.yaml", bytes: Array("webhook:\n  denyOn: sometimes\n".utf8),
        catalogue: PolicyCatalogue.builtIn)
    }
    #expect(ReviewSettings(nil, ownNamespace: nil).denyOn == .error)
  }

  @Test func podsOfControllersAreLeftToTheirController() throws {
    var settings = ReviewSettings()
    settings.denyOn = .warning
    let reviewer = try Reviews.reviewer(settings)
    func pod(owner: String?) -> String {
      let owners =
        owner.map {
          ",\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"\($0)\",\"name\":\"web-5d4f\",\"uid\":\"1\",\"controller\":true,\"blockOwnerDeletion\":true}]"
        } ?? ""
      return """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-5d4f-x","namespace":"shop"\(owners)},\
        "spec":{"containers":[{"name":"web","image":"nginx:latest"}]}}
        """
    }
    let kind = (group: "", version: "v1", kind: "Pod", resource: "pods")
    let controllerManager = "system:serviceaccount:kube-system:replicaset-controller"
    let owned = reviewer.review(
      Array(
        Reviews.body(object: pod(owner: "ReplicaSet"), username: controllerManager, kind: kind)
          .utf8))
    #expect(try Reviews.response(owned)["allowed"] as? Bool == true)
    #expect(owned.decision?.skipReason?.contains("ReplicaSet") == true)
    // An owner reference is the requester's word: a user naming one is still checked.
    let claimed = reviewer.review(
      Array(Reviews.body(object: pod(owner: "ReplicaSet"), username: "mallory", kind: kind).utf8))
    #expect(try Reviews.response(claimed)["allowed"] as? Bool == false)
    // A pod of a controller kubeward does not lint (an operator's) is linted.
    let custom = reviewer.review(
      Array(Reviews.body(object: pod(owner: "Rollout"), kind: kind).utf8))
    #expect(try Reviews.response(custom)["allowed"] as? Bool == false)
    let bare = reviewer.review(Array(Reviews.body(object: pod(owner: nil), kind: kind).utf8))
    #expect(try Reviews.response(bare)["allowed"] as? Bool == false)
  }

  @Test func objectsBeingDeletedLoseTheirFinalizersUnchecked() throws {
    var settings = ReviewSettings()
    settings.denyOn = .warning
    let terminating = Reviews.deployment(image: "nginx:latest").replacingOccurrences(
      of: "\"generation\":1,",
      with: "\"generation\":1,\"deletionTimestamp\":\"2026-11-29T03:00:00Z\",")
    let answer = try Reviews.reviewer(settings).review(
      Array(Reviews.body(object: terminating, operation: "UPDATE", oldObject: terminating).utf8))
    #expect(try Reviews.response(answer)["allowed"] as? Bool == true)
    #expect(answer.decision?.skipReason == "the object is being deleted")
  }

  @Test func manyFindingsCostOnePassEach() throws {
    // 3 000 containers without limits: thousands of findings, answered in one pass each.
    let containers = (0..<3000).map {
      "{\"name\":\"c\($0)\",\"image\":\"nginx:latest\"}"
    }.joined(separator: ",")
    let pod = """
      {"apiVersion":"v1","kind":"Pod","metadata":{"name":"big","namespace":"shop"},\
      "spec":{"containers":[\(containers)]}}
      """
    var settings = ReviewSettings()
    settings.denyOn = .warning
    let answer = try Reviews.reviewer(settings).review(
      Array(Reviews.body(object: pod, kind: ("", "v1", "Pod", "pods")).utf8))
    let response = try Reviews.response(answer)
    #expect(response["allowed"] as? Bool == false)
    let message = try #require((response["status"] as? [String: Any])?["message"] as? String)
    #expect(message.count <= 4096)
    #expect((answer.decision?.findings.count ?? 0) > 6000)
  }

  @Test func suppressionAnnotationsHoldAtAdmission() throws {
    var settings = ReviewSettings()
    settings.denyOn = .warning
    let reviewer = try Reviews.reviewer(settings)
    let object = Reviews.deployment(
      image: "nginx:latest",
      annotations: "{\"ignore.kubeward.dev/image-tag\":\"the demo tracks upstream on purpose\"}")
    let response = try Reviews.response(reviewer.review(Array(Reviews.body(object: object).utf8)))
    #expect(response["allowed"] as? Bool == true)
    #expect(response["warnings"] == nil)
  }

  /// Not for an admission policy: its verdict is the API server's, which the object's own
  /// annotations do not change. An object that said `ignore.kubeward.dev/no-scale-down` was
  /// admitted past a Deny policy.
  @Test func annotationsOfTheObjectDoNotSuppressAdmissionPolicies() throws {
    let reviewer = try Reviews.reviewer(policies: Self.noScaleDown)
    let annotations = "{\"ignore.kubeward.dev/no-scale-down\":\"we know best\"}"
    let response = try Reviews.response(
      reviewer.review(
        Array(
          Reviews.body(
            object: Reviews.deployment(replicas: 2, annotations: annotations),
            operation: "UPDATE", oldObject: Reviews.deployment(replicas: 5)
          ).utf8)))
    #expect(response["allowed"] as? Bool == false)
  }

  @Test func inputTextReachesNoTerminalRaw() throws {
    // The username reaches the message through the policy's messageExpression.
    let username = "bob\\u001b]0;owned\\u0007\\u202e"
    let body = Reviews.body(
      object: Reviews.deployment(replicas: 2), operation: "UPDATE",
      oldObject: Reviews.deployment(replicas: 5), username: username)
    var warnOnly = ReviewSettings()
    warnOnly.denyOn = nil
    let warned = try Reviews.reviewer(warnOnly, policies: Self.noScaleDown).review(Array(body.utf8))
    let denied = try Reviews.reviewer(policies: Self.noScaleDown).review(Array(body.utf8))
    let warnings = try #require(
      try Reviews.response(warned)["warnings"] as? [String],
      "\(String(decoding: warned.body, as: UTF8.self))")
    let status = try #require(try Reviews.response(denied)["status"] as? [String: Any])
    let message = try #require(status["message"] as? String)
    for text in warnings + [message] {
      #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x202E }, "\(text)")
    }
    // Shown visibly (the warning is cut before the name: 120 characters).
    #expect(message.contains("by bob\\x1B]0;owned\\x07\\u{202E} never"), "\(message)")
  }

  @Test func auditAnnotationKeysAreQualifiedNames() {
    #expect(AdmissionReviewer.annotationKey("memory-limit") == "memory-limit")
    #expect(AdmissionReviewer.annotationKey("require.owner/label!") == "require.owner-label")
    #expect(AdmissionReviewer.annotationKey(String(repeating: "a", count: 300)).count == 63)
    #expect(AdmissionReviewer.annotationKey("--") == "policy")
  }

  @Test func manyFindingsAreCountedNotListed() throws {
    var settings = ReviewSettings()
    settings.maximumWarnings = 2
    let object = Reviews.deployment(
      image: "nginx:latest", resources: "{}", probes: false)
    let warnings = try #require(
      try Reviews.response(
        try Reviews.reviewer(settings).review(Array(Reviews.body(object: object).utf8)))["warnings"]
        as? [String])
    #expect(warnings.count == 2)
    #expect(
      warnings[1].hasPrefix("kubeward: ")
        && warnings[1].hasSuffix("more findings; run kubeward lint"))
  }
}
