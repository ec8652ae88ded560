import KubewardYAML

/// A Prometheus Operator ServiceMonitor or PodMonitor: what it scrapes. Prometheus reads the
/// endpoints of what it selects, not their DNS names.
public struct Monitor: Sendable {
  /// The namespaces a monitor looks in.
  public enum Namespaces: Hashable, Sendable {
    /// Its own namespace (no `namespaceSelector`).
    case own
    /// Every namespace (`namespaceSelector: {any: true}`).
    case any
    case names([String])
  }

  public let object: KubeObject

  public init?(_ object: KubeObject) {
    guard object.resourceKind == .serviceMonitor || object.resourceKind == .podMonitor else {
      return nil
    }
    self.object = object
  }

  /// Selects Service labels (ServiceMonitor) or pod labels (PodMonitor).
  public var selector: LabelSelector? { LabelSelector(selector: object.spec?.mapping(.selector)) }

  /// The ports its endpoints scrape, by name (`endpoints[].port`; `targetPort` when it is a
  /// name), or `nil` when one names none or names it by number: then which it scrapes is not
  /// known by name.
  public var scrapedPortNames: Set<String>? {
    var names: Set<String> = []
    for endpoint in object.spec?["endpoints"]?.items ?? .none {
      if let port = endpoint.scalar(.port)?.string {
        names.insert(port)
      } else if let target = endpoint.scalar(.targetPort), target.int == nil,
        let name = target.string
      {
        names.insert(name)
      } else {
        return nil
      }
    }
    return names.isEmpty ? nil : names
  }

  public var namespaces: Namespaces {
    guard let selector = object.spec?.mapping(.namespaceSelector) else { return .own }
    if selector.scalar(.any)?.bool == true { return .any }
    let names = selector.items(.matchNames).compactMap(\.text)
    return names.isEmpty ? .own : .names(names)
  }
}
