import KubewardEngine
import KubewardModel

/// `image-tag`: images without a fixed version (I-18).
struct ImageTag: ObjectPolicy {
  static let id = "image-tag"
  static let checksPartialObjects = true

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    for container in object.podSpec?.containers ?? [] {
      guard let image = container.image, let reference = container.imageReference,
        reference.digest == nil, reference.tag == nil || reference.tag == "latest",
        // The pause image sleeps whatever its version.
        !container.runsPauseImage,
        !report.builtImages.replacesTag(of: image.string ?? ""),
        !Self.isScaffoldPlaceholder(image.string ?? "")
      else { continue }
      let problem = reference.tag == nil ? "has no tag, so it means :latest" : "is tagged :latest"
      // Only the kinds `kubectl rollout undo` works on have rollbacks to return.
      let rollbacks =
        [.deployment, .statefulSet, .daemonSet].contains(object.resourceKind)
        ? " rollbacks cannot return to the old one," : ""
      report.report(
        image,
        """
        runs \(image.string ?? ""), which \(problem): each node may pull a different \
        image,\(rollbacks) and a slow pull of a moving tag delays starts; pin a version tag \
        (or a digest)
        """,
        container: container)
    }
  }

  /// Kubebuilder's and the Operator SDK's scaffold names the manager's image `controller`,
  /// which `make deploy IMG=…` replaces (`kustomize edit set image controller=…`) before
  /// anything is applied; no registry serves an image of that name.
  static func isScaffoldPlaceholder(_ image: String) -> Bool {
    image == "controller" || image == "controller:latest"
  }
}
