import KubewardYAML

/// The Services the API server itself sends requests to, as an object configures it: an
/// admission webhook's (`webhooks[].clientConfig.service`), an aggregated API's
/// (`APIService.spec.service`), a custom resource's conversion webhook
/// (`spec.conversion.webhook.clientConfig.service`). Requests reach such a Service whatever
/// its ports are named, and whatever else scrapes them.
public enum ServiceCalls {
  public struct Call: Hashable, Sendable {
    public let namespace: String
    public let name: String
  }

  /// The Services `object` has the API server call; none for other kinds.
  public static func services(calledBy object: KubeObject) -> [Call] {
    switch (APIVersion.group(of: object.apiVersion), object.kind) {
    case ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
      ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"):
      return (object.node["webhooks"]?.items ?? .none).compactMap { webhook in
        call(mapping(webhook, "clientConfig")?.mapping(.service))
      }
    case ("apiregistration.k8s.io", "APIService"):
      return call(object.spec?.mapping(.service)).map { [$0] } ?? []
    case ("apiextensions.k8s.io", "CustomResourceDefinition"):
      let webhook = mapping(mapping(object.spec, "conversion"), "webhook")
      let reference = mapping(webhook, "clientConfig")?.mapping(.service)
      return call(reference).map { [$0] } ?? []
    default:
      return []
    }
  }

  private static func mapping(_ node: Node?, _ key: String) -> Node? {
    guard let value = node?[key], value.isMapping else { return nil }
    return value
  }

  private static func call(_ reference: Node?) -> Call? {
    guard let reference, let name = reference.scalar(.name)?.string, !name.isEmpty else {
      return nil
    }
    return Call(namespace: reference.scalar(.namespace)?.string ?? "", name: name)
  }
}
