import KubewardModel

/// `ephemeral-storage-limit`: containers that can fill the node's disk (I-6).
struct EphemeralStorageLimit: ObjectPolicy {
  static let id = "ephemeral-storage-limit"

  init(options: PolicyOptions) {}

  /// Whether the container mounts, writable, an emptyDir on disk without a `sizeLimit`.
  private func writesUnboundedVolume(_ container: Container, _ spec: PodSpec) -> Bool {
    container.volumeMounts.contains { mount in
      guard !mount.readOnly,
        let volume = spec.volumes.first(where: { $0.name == mount.volume }),
        let emptyDir = volume.source(.emptyDir)?.value
      else { return false }
      return emptyDir[.sizeLimit] == nil && emptyDir.scalar(.medium)?.textEquals("Memory") != true
    }
  }

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let spec = object.podSpec else { return }
    let virtualNode = report.virtualNodeEvidence(for: object)
    // Ephemeral containers cannot declare resources, so there is nothing to ask of them.
    for container in spec.containers
    where container.role != .ephemeral && !container.runsPauseImage && !container.isTrivial {
      let resources = container.resources
      guard resources.limit(.ephemeralStorage) == nil else { continue }
      let requestOnly =
        resources.request(.ephemeralStorage) != nil
        ? " (a request alone does not bound it)" : ""
      if let virtualNode {
        report.report(
          container.node,
          """
          has no resources.limits.ephemeral-storage\(requestOnly); the pod runs on a virtual \
          node (\(virtualNode)) with storage of its own, which only its own containers can \
          fill; set resources.limits.ephemeral-storage to keep one container from filling it \
          for the others
          """,
          container: container, adjustment: .info)
        continue
      }
      // A read-only root file system with no unbounded writable scratch volume leaves only the
      // container's logs to grow, which the kubelet rotates.
      if container.hasReadOnlyRootFilesystem && !writesUnboundedVolume(container, spec) {
        report.report(
          container.node,
          """
          has no resources.limits.ephemeral-storage\(requestOnly); its root file system is \
          read-only and it mounts no unbounded writable emptyDir, so only its logs can grow; \
          set resources.limits.ephemeral-storage to bound them too
          """,
          container: container, adjustment: .info)
        continue
      }
      report.report(
        container.node,
        """
        has no resources.limits.ephemeral-storage\(requestOnly): its logs, writable layer and \
        emptyDir writes can fill the node's disk until the kubelet evicts every pod there \
        (DiskPressure); set resources.limits.ephemeral-storage
        """,
        container: container)
    }
  }
}
