import KubewardEngine
import KubewardModel

/// `exec-probe`: probes that run a command in the container (I-5).
struct ExecProbe: ObjectPolicy {
  static let id = "exec-probe"
  static let checksPartialObjects = true

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    let virtualNode = report.virtualNodeEvidence(for: object)
    for container in object.podSpec?.containers ?? [] {
      for probe in container.probes {
        guard let (handler, key) = probe.handler, handler == .exec else { continue }
        let period = probe.periodSeconds
        // A startup probe stops at its first success: its runs are few, once per start of the
        // container, where the hangs came from probes that run all the time.
        let startup = probe.kind == .startup
        let frequent = period < 10 && !startup
        let frequency =
          startup
          ? "every \(period)s until the container has started (then it stops)"
          : frequent ? "every \(period)s, more often than the 10s default" : "every \(period)s"
        if let virtualNode {
          report.report(
            key,
            """
            \(probe.kind.rawValue) runs a command (exec) \(frequency); the pod runs on a virtual \
            node (\(virtualNode)) with a runtime of its own, so a hung exec affects only this \
            pod; where the check allows, probe with httpGet, tcpSocket or grpc
            """,
            container: container, adjustment: .info)
          continue
        }
        // The runtime hangs came from frequent exec probes; at the default period or slower, or
        // only while the container starts, an exec probe is often the only way to check (a
        // database query, a mount).
        report.report(
          key,
          """
          \(probe.kind.rawValue) runs a command (exec) \(frequency): each run starts a process \
          through the container runtime, and frequent exec probes have hung runtimes and \
          taken every pod of a node to Unknown; where the check allows, probe with httpGet, \
          tcpSocket or grpc
          """,
          container: container, adjustment: frequent ? .standard : .info)
      }
    }
  }
}
