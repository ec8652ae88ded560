import CoreMetrics
import KubewardWebhook
import NIOConcurrencyHelpers
import Prometheus

/// The webhook's metrics, exposed on `/metrics` in Prometheus' text format:
/// `kubeward_admission_requests_total{decision}`, the latency histogram
/// `kubeward_admission_duration_seconds`, `kubeward_policy_findings_total{policy,severity}`
/// and `kubeward_bad_requests_total{status}`.
///
/// Metrics are made through swift-metrics with a Prometheus factory of the server's own (not
/// the process-wide bootstrap, so that tests can run several servers).
public final class ServerMetrics: Sendable {
  public let registry: PrometheusCollectorRegistry
  private let factory: PrometheusMetricsFactory
  private let requests: [ReviewDecision.Outcome: CoreMetrics.Counter]
  private let latency: CoreMetrics.Timer
  /// One counter per policy and severity, made when first needed: policy ids come from the
  /// catalogue and the loaded policies, so they are bounded.
  private let findings = NIOLockedValueBox([String: CoreMetrics.Counter]())
  private let badRequests = NIOLockedValueBox([Int: CoreMetrics.Counter]())

  public init() {
    registry = PrometheusCollectorRegistry()
    var factory = PrometheusMetricsFactory(registry: registry)
    // Reviews take microseconds; the API server gives up after seconds.
    factory.defaultDurationHistogramBuckets = [
      .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
      .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10),
      .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]
    self.factory = factory
    var requests: [ReviewDecision.Outcome: CoreMetrics.Counter] = [:]
    for outcome in [ReviewDecision.Outcome.allowed, .warned, .denied, .skipped] {
      requests[outcome] = CoreMetrics.Counter(
        label: "kubeward_admission_requests_total", dimensions: [("decision", outcome.rawValue)],
        factory: factory)
    }
    self.requests = requests
    latency = CoreMetrics.Timer(label: "kubeward_admission_duration_seconds", factory: factory)
  }

  func record(_ decision: ReviewDecision, nanoseconds: Int64) {
    requests[decision.outcome]?.increment()
    latency.recordNanoseconds(nanoseconds)
    for finding in decision.findings {
      let key = finding.policy + "\u{0}" + finding.severity.rawValue
      let counter = findings.withLockedValue { counters in
        if let counter = counters[key] { return counter }
        let counter = CoreMetrics.Counter(
          label: "kubeward_policy_findings_total",
          dimensions: [("policy", finding.policy), ("severity", finding.severity.rawValue)],
          factory: factory)
        counters[key] = counter
        return counter
      }
      counter.increment()
    }
  }

  func recordBadRequest(status: Int) {
    badRequests.withLockedValue { counters in
      if let counter = counters[status] { return counter }
      let counter = CoreMetrics.Counter(
        label: "kubeward_bad_requests_total", dimensions: [("status", String(status))],
        factory: factory)
      counters[status] = counter
      return counter
    }.increment()
  }

  /// The exposition, in Prometheus' text format.
  public func exposition() -> [UInt8] {
    registry.emitToBuffer()
  }
}
