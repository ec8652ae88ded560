import KubewardModel
import KubewardYAML

/// Documents that are not whole objects: strategic-merge patches, a tool's partial input, a
/// kubebuilder scaffold's patch that no kustomization names (or names only in a comment).
/// The API server would reject them as written, so they are applied only once merged into a
/// base; what they lack (requests, probes) says nothing about the object that runs. A fragment
/// is checked only by the policies that judge what it does set (an image's tag, a value's
/// shape), at information, and holds no facts for the cross-object pass.
enum Fragments {
  /// Why `object` is a fragment, or `nil` for a whole object.
  /// - Parameter patchDirectives: the file holds strategic-merge directives
  ///   (`ParsedFile.hasPatchDirectives`).
  static func reason(of object: KubeObject, patchDirectives: Bool) -> String? {
    if patchDirectives {
      return "its file holds strategic-merge patch directives ($patch, $setElementOrder, …)"
    }
    if let kind = object.resourceKind,
      let spec = APIShape.spec(of: kind, apiVersion: object.apiVersion), spec.required,
      object.node[.spec] == nil
    {
      return "it has no spec"
    }
    // A CustomResourceDefinition names its group and kinds: a patch of one (cert-manager's CA
    // injection, a conversion webhook) sets one field and leaves the rest to the base.
    if object.kind == "CustomResourceDefinition",
      object.apiVersion.hasPrefix("apiextensions.k8s.io/"),
      object.node[.spec]?["group"] == nil || object.node[.spec]?["names"] == nil
    {
      return "it has no spec.group or spec.names"
    }
    // The API server rejects a container without an image: such a container only names the
    // one a patch changes.
    if let container = object.podSpec?.containers.first(where: {
      $0.role != .ephemeral && $0.node[.image] == nil
    }) {
      return "its \(container.displayName) has no image"
    }
    return nil
  }
}
