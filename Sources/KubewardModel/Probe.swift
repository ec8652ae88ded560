import KubewardYAML

public enum ProbeKind: String, Sendable, CaseIterable {
  case liveness = "livenessProbe"
  case readiness = "readinessProbe"
  case startup = "startupProbe"

  var key: Key {
    switch self {
    case .liveness: .livenessProbe
    case .readiness: .readinessProbe
    case .startup: .startupProbe
    }
  }
}

/// How a probe checks the container.
public enum ProbeHandler: String, Sendable, CaseIterable {
  case exec, httpGet, tcpSocket, grpc

  var key: Key {
    switch self {
    case .exec: .exec
    case .httpGet: .httpGet
    case .tcpSocket: .tcpSocket
    case .grpc: .grpc
    }
  }
}

/// A liveness, readiness or startup probe, with the API's defaults for unset fields.
public struct Probe: Sendable {
  public let kind: ProbeKind
  /// The `livenessProbe:` key.
  public let key: Node
  /// The probe's mapping.
  public let node: Node

  /// The handler and its key node (`exec:`), or `nil` when the probe names none.
  public var handler: (handler: ProbeHandler, key: Node)? {
    for handler in ProbeHandler.allCases {
      if let (key, _) = node.entry(handler.key) { return (handler, key) }
    }
    return nil
  }

  /// The port an `httpGet`, `tcpSocket` or `grpc` handler checks (`nil` for `exec`).
  public var port: IntOrString? {
    guard let handler = handler?.handler, handler != .exec,
      let (_, mapping) = node.entry(handler.key)
    else { return nil }
    return IntOrString(mapping[.port])
  }

  /// `periodSeconds`, 10 when unset.
  public var periodSeconds: Int { node.scalar(.periodSeconds)?.int ?? 10 }
  /// `timeoutSeconds`, 1 when unset.
  public var timeoutSeconds: Int { node.scalar(.timeoutSeconds)?.int ?? 1 }
  /// `failureThreshold`, 3 when unset.
  public var failureThreshold: Int { node.scalar(.failureThreshold)?.int ?? 3 }
}
