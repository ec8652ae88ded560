import KubewardModel
import KubewardYAML

/// `emptydir-size-limit`: scratch volumes that can fill the node's disk or memory (I-6).
struct EmptyDirSizeLimit: ObjectPolicy {
  static let id = "emptydir-size-limit"

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let spec = object.podSpec else { return }
    for volume in spec.volumes {
      guard let (key, emptyDir) = volume.source(.emptyDir), emptyDir[.sizeLimit] == nil else {
        continue
      }
      let name = volume.name.map { "emptyDir volume \"\($0)\"" } ?? "an emptyDir volume"
      // An emptyDir counts towards the pod's ephemeral storage (in memory: its memory), so
      // containers that all declare that limit already bound it, if late.
      let inMemory = emptyDir.scalar(.medium)?.textEquals("Memory") == true
      let resource: Key = inMemory ? .memory : .ephemeralStorage
      let boundByContainers =
        spec.resources.limit(resource) != nil
        || spec.containers.allSatisfy {
          $0.role == .ephemeral || $0.resources.limit(resource) != nil
        }
      if inMemory {
        report.report(
          key,
          """
          has \(name) in memory (medium: Memory) without sizeLimit: what is written there \
          uses the node's RAM
          """
            + (boundByContainers
              ? ", bounded only by the containers' memory limits (an OOM kill when it fills)"
              : " with no bound at all")
            + "; set emptyDir.sizeLimit",
          adjustment: boundByContainers ? .lowered : .standard)
        continue
      }
      if boundByContainers {
        report.report(
          key,
          """
          has \(name) without sizeLimit; it is bounded only by the containers' \
          ephemeral-storage limits, which evict the whole pod when it fills; set \
          emptyDir.sizeLimit to contain it
          """,
          adjustment: .lowered)
      } else {
        report.report(
          key,
          """
          has \(name) without sizeLimit: whatever the pod writes there can fill the node's \
          disk until the kubelet evicts every pod on it (DiskPressure); set \
          emptyDir.sizeLimit
          """)
      }
    }
  }
}
