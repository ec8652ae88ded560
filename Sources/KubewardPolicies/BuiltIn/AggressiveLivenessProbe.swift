import KubewardModel

/// `aggressive-liveness-probe`: liveness probes that restart healthy containers under load
/// (I-9).
struct AggressiveLivenessProbe: ObjectPolicy {
  static let id = "aggressive-liveness-probe"

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    for container in object.podSpec?.containers ?? [] {
      guard let probe = container.probe(.liveness) else { continue }
      if probe.failureThreshold == 1, let threshold = probe.node.scalar(.failureThreshold) {
        report.report(
          threshold,
          "restarts after a single failed livenessProbe (failureThreshold: 1): one slow answer "
            + "under load kills a working container; use a failureThreshold of 3 or more",
          container: container)
      } else if probe.timeoutSeconds <= 1, probe.periodSeconds < 10,
        let period = probe.node.scalar(.periodSeconds)
      {
        report.report(
          period,
          "probes liveness every \(probe.periodSeconds)s with a \(probe.timeoutSeconds)s timeout"
            + (probe.node.scalar(.timeoutSeconds) == nil ? " (the default)" : "")
            + ": on a loaded node a few slow answers restart a working container, which adds "
            + "load and can cascade; raise timeoutSeconds (e.g. 3) and periodSeconds (10 or more)",
          container: container)
      }
    }
  }
}
