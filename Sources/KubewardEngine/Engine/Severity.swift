/// How serious a finding is.
public enum Severity: String, CaseIterable, Comparable, Sendable, CustomStringConvertible {
  /// Worth a look.
  case info
  /// A documented outage risk.
  case warning
  /// Will break, or is forbidden.
  case error

  private var rank: Int {
    switch self {
    case .info: 0
    case .warning: 1
    case .error: 2
    }
  }

  public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

  public var description: String { rawValue }

  /// One step less serious (`info` stays `info`).
  public var lowered: Severity {
    switch self {
    case .error: .warning
    case .warning, .info: .info
    }
  }

  /// One step more serious (`error` stays `error`).
  public var raised: Severity {
    switch self {
    case .info: .warning
    case .warning, .error: .error
    }
  }
}

/// How a policy grades one finding relative to the policy's configured severity, so that a
/// user who re-grades the policy re-grades its variants with it.
public enum SeverityAdjustment: Sendable {
  /// The policy's severity.
  case standard
  /// One step below it: the risk is mitigated but worth a look.
  case lowered
  /// One step above it: this variant certainly breaks.
  case raised
  /// No more than `ceiling`: kubeward cannot be sure of this variant.
  case atMost(Severity)
  /// This severity whatever the policy's: a policy whose findings each carry their own
  /// (an admission policy's binding decides: Deny, Warn or Audit).
  case exactly(Severity)

  /// Information only: what kubeward reports here is a likelihood, not a certainty.
  public static let info = SeverityAdjustment.atMost(.info)

  public func apply(to severity: Severity) -> Severity {
    switch self {
    case .standard: severity
    case .lowered: severity.lowered
    case .raised: severity.raised
    case .atMost(let ceiling): min(severity, ceiling)
    case .exactly(let given): given
    }
  }
}
