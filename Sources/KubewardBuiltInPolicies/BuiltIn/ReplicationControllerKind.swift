import KubewardEngine
import KubewardModel

/// `replication-controller`: the legacy controller that `kubectl apply` cannot roll out (I-17).
struct ReplicationControllerKind: ObjectPolicy {
  static let id = "replication-controller"
  static let checksPartialObjects = true

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard object.resourceKind == .replicationController else { return }
    report.report(
      object.kindNode,
      "is a ReplicationController, which has no rolling updates: changing its pod template with "
        + "kubectl apply does not replace its pods; use a Deployment")
  }
}
