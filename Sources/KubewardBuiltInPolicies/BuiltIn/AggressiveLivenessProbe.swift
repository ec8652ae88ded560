import KubewardEngine
import KubewardModel

/// `aggressive-liveness-probe`: liveness probes that restart healthy containers under load
/// (I-9).
struct AggressiveLivenessProbe: ObjectPolicy {
  static let id = "aggressive-liveness-probe"

  init(options: PolicyOptions) {}

  /// The window of failures before a restart below which a probe is aggressive: the default
  /// probe (every 10 s, 3 failures) restarts after 30 s; half of it is still patient enough.
  static let shortestWindow = 10

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    for container in object.podSpec?.containers ?? [] {
      guard let probe = container.probe(.liveness) else { continue }
      // How long a container must keep failing before it is restarted: what decides whether a
      // slow spell under load kills it (5 s × 6 failures is the default 30 s).
      // The manifest's numbers: a product past Int's range (both near 3 × 10⁹) trapped, and
      // took the whole run, or the webhook, down with it. It is a long window.
      let (product, overflow) = probe.periodSeconds.multipliedReportingOverflow(
        by: probe.failureThreshold)
      let window = overflow ? Int.max : product
      if probe.failureThreshold == 1, let threshold = probe.node.scalar(.failureThreshold) {
        report.report(
          threshold,
          "restarts after a single failed livenessProbe (failureThreshold: 1): one slow answer "
            + "under load kills a working container; use a failureThreshold of 3 or more",
          container: container)
      } else if window < Self.shortestWindow,
        let node = probe.node.scalar(.periodSeconds) ?? probe.node.scalar(.failureThreshold)
      {
        // Which of the two is the default (`every 1s × failureThreshold 3` read as if 3 were
        // written): left out, or written as no number kubeward reads (`'5'`).
        let period =
          "\(probe.periodSeconds)s"
          + (probe.node.scalar(.periodSeconds)?.int == nil ? " (the default)" : "")
        let threshold =
          "\(probe.failureThreshold)"
          + (probe.node.scalar(.failureThreshold)?.int == nil ? " (the default)" : "")
        report.report(
          node,
          "restarts a container whose livenessProbe fails for \(window)s (every \(period) × "
            + "failureThreshold \(threshold)): on a loaded "
            + "node a short slow spell restarts a working container, which adds load and can "
            + "cascade; give it 30s or more (periodSeconds × failureThreshold), as the defaults do",
          container: container)
      }
    }
  }
}
