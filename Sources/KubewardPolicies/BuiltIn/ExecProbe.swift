import KubewardModel

/// `exec-probe`: probes that run a command in the container (I-5).
struct ExecProbe: ObjectPolicy {
  static let id = "exec-probe"
  static let checksPartialObjects = true

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    for container in object.podSpec?.containers ?? [] {
      for probe in container.probes {
        guard let (handler, key) = probe.handler, handler == .exec else { continue }
        let period = probe.periodSeconds
        let frequency =
          period < 10
          ? "every \(period)s, more often than the 10s default"
          : "every \(period)s"
        report.report(
          key,
          """
          \(probe.kind.rawValue) runs a command (exec) \(frequency): each run starts a process \
          through the container runtime, and frequent exec probes have hung runtimes and \
          taken every pod of a node to Unknown; probe with httpGet, tcpSocket or grpc
          """,
          container: container)
      }
    }
  }
}
