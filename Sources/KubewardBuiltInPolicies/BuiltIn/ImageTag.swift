import KubewardEngine
import KubewardModel

/// `image-tag`: images without a fixed version (I-18).
struct ImageTag: ObjectPolicy {
  static let id = "image-tag"
  static let checksPartialObjects = true

  /// Tags that name a branch or a release channel, which moves: the `movingTags` option.
  let movingTags: Set<String>

  init(options: PolicyOptions) {
    movingTags = Set(options.strings("movingTags"))
  }

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    for container in object.podSpec?.containers ?? [] {
      guard let image = container.image, let reference = container.imageReference,
        reference.digest == nil,
        // The pause image sleeps whatever its version.
        !container.runsPauseImage,
        !report.builtImages.replacesTag(of: image.string ?? ""),
        !Self.isScaffoldPlaceholder(image.string ?? "")
      else { continue }
      // Only the kinds `kubectl rollout undo` works on have rollbacks to return.
      let rollbacks =
        [.deployment, .statefulSet, .daemonSet].contains(object.resourceKind)
        ? " rollbacks cannot return to the old one," : ""
      if reference.tag == nil || reference.tag == "latest" {
        let problem =
          reference.tag == nil ? "has no tag, so it means :latest" : "is tagged :latest"
        report.report(
          image,
          """
          runs \(image.string ?? ""), which \(problem): each node may pull a different \
          image,\(rollbacks) and a slow pull of a moving tag delays starts; pin a version tag \
          (or a digest)
          """,
          container: container)
      } else if let tag = reference.tag, movingTags.contains(tag) {
        // A development branch's manifests name its own builds so (calico's `:master`); the
        // pull policy is IfNotPresent, so no pull is slowed: information.
        let rollbacksToo = rollbacks.isEmpty ? "" : ", and rollbacks cannot return to the old one"
        report.report(
          image,
          """
          runs \(image.string ?? ""), whose tag :\(tag) names a branch or a release channel, \
          not a version: it moves, so nodes that pulled it at different times run different \
          images\(rollbacksToo); pin a version tag (or a digest)
          """,
          container: container, adjustment: .info)
      }
    }
  }

  /// Kubebuilder's and the Operator SDK's scaffold names the manager's image `controller`,
  /// which `make deploy IMG=…` replaces (`kustomize edit set image controller=…`) before
  /// anything is applied; no registry serves an image of that name.
  static func isScaffoldPlaceholder(_ image: String) -> Bool {
    image == "controller" || image == "controller:latest"
  }
}
