import Foundation
import KubewardBuiltInPolicies
import KubewardCEL
import KubewardEngine
import KubewardYAML
import Testing

@testable import KubewardAdmission
@testable import KubewardWebhook

/// AdmissionReviews shaped as the API server sends them, and their answers read back.
enum Reviews {
  /// A review of `object` (JSON text), with the fields the API server always sets.
  static func body(
    object: String?, operation: String = "CREATE", namespace: String? = "shop",
    name: String = "web", oldObject: String? = nil, dryRun: Bool = false,
    username: String = "alice", groups: [String] = ["system:authenticated"],
    kind: (group: String, version: String, kind: String, resource: String) = (
      "apps", "v1", "Deployment", "deployments"
    ),
    uid: String = "705ab4f5-6393-11e8-b7cc-42010a800002", subResource: String? = nil,
    resource: (group: String, version: String, resource: String)? = nil
  ) -> String {
    let groupsJSON = groups.map { "\"\($0)\"" }.joined(separator: ",")
    let kindJSON =
      "{\"group\":\"\(kind.group)\",\"version\":\"\(kind.version)\",\"kind\":\"\(kind.kind)\"}"
    let named = resource ?? (kind.group, kind.version, kind.resource)
    let resourceJSON =
      "{\"group\":\"\(named.group)\",\"version\":\"\(named.version)\",\"resource\":\"\(named.resource)\"}"
    let options =
      operation == "DELETE"
      ? "{\"apiVersion\":\"meta.k8s.io/v1\",\"kind\":\"DeleteOptions\"}"
      : "{\"apiVersion\":\"meta.k8s.io/v1\",\"kind\":\"\(operation == "CREATE" ? "Create" : "Update")Options\",\"fieldManager\":\"kubectl-client-side-apply\"}"
    return """
      {"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"\(uid)",\
      "kind":\(kindJSON),"resource":\(resourceJSON),"requestKind":\(kindJSON),\
      "requestResource":\(resourceJSON),"name":"\(name)",\
      \(namespace.map { "\"namespace\":\"\($0)\"," } ?? "")"operation":"\(operation)",\
      \(subResource.map { "\"subResource\":\"\($0)\"," } ?? "")\
      "userInfo":{"username":"\(username)","uid":"014fbff9a07c","groups":[\(groupsJSON)]},\
      "object":\(object ?? "null"),"oldObject":\(oldObject ?? "null"),"dryRun":\(dryRun),\
      "options":\(options)}}
      """
  }

  /// A Deployment as the API server hands it to validating webhooks: defaulted, with
  /// managedFields, an empty status and every defaulted field of its pod template.
  static func deployment(
    name: String = "web", namespace: String = "shop", image: String = "nginx:1.27.3",
    replicas: Int = 3,
    resources: String =
      "{\"limits\":{\"memory\":\"256Mi\",\"ephemeral-storage\":\"1Gi\"},\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"}}",
    annotations: String = "{}", probes: Bool = true
  ) -> String {
    let probe =
      probes
      ? ",\"livenessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":8080,\"scheme\":\"HTTP\"},\"timeoutSeconds\":1,\"periodSeconds\":10,\"successThreshold\":1,\"failureThreshold\":3},\"readinessProbe\":{\"httpGet\":{\"path\":\"/ready\",\"port\":8080,\"scheme\":\"HTTP\"},\"timeoutSeconds\":1,\"periodSeconds\":10,\"successThreshold\":1,\"failureThreshold\":3}"
      : ""
    return """
      {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"\(name)","namespace":"\(namespace)",\
      "uid":"c2f6a8a1-0d1e-4a55-9d5c-2b1f0c9e7f10","generation":1,"creationTimestamp":null,\
      "labels":{"app":"web"},"annotations":\(annotations),\
      "managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"apps/v1",\
      "time":"2026-11-29T02:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}}]},\
      "spec":{"replicas":\(replicas),"selector":{"matchLabels":{"app":"web"}},\
      "template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},\
      "spec":{"containers":[{"name":"web","image":"\(image)","ports":[{"containerPort":8080,"protocol":"TCP"}],\
      "resources":\(resources)\(probe),"terminationMessagePath":"/dev/termination-log",\
      "terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always",\
      "terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},\
      "schedulerName":"default-scheduler"}},"strategy":{"type":"RollingUpdate",\
      "rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},"revisionHistoryLimit":10,\
      "progressDeadlineSeconds":600},"status":{}}
      """
  }

  /// The JSON of a YAML object, as the API server would send it.
  static func json(_ node: Node) -> String {
    NodeValue.value(node).jsonText ?? "null"
  }

  /// The response of an answer, parsed.
  static func response(_ answer: ReviewAnswer) throws -> [String: Any] {
    let review = try #require(
      try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
    #expect(review["apiVersion"] as? String == "admission.k8s.io/v1")
    #expect(review["kind"] as? String == "AdmissionReview")
    return try #require(review["response"] as? [String: Any])
  }

  static func reviewer(
    _ settings: ReviewSettings = ReviewSettings(), policies: String? = nil
  ) throws -> AdmissionReviewer {
    var sources: [any PolicySource] = [BuiltInPolicies.source]
    var settings = settings
    if let policies {
      var set = AdmissionPolicySet()
      set.read(file: "policy.yaml", bytes: Array(policies.utf8))
      #expect(
        set.policyFileFindings(lintsManifests: false).isEmpty,
        "\(set.policyFileFindings(lintsManifests: false).map(\.message))")
      sources.append(AdmissionPolicySource(set))
      // As `kubeward serve` sets it.
      settings.protect(set)
    }
    return AdmissionReviewer(linter: try Linter(sources: sources), settings: settings)
  }
}
