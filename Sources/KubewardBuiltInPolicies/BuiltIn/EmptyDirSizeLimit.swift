import KubewardEngine
import KubewardModel
import KubewardYAML

/// `emptydir-size-limit`: scratch volumes that can fill the node's disk or memory (I-6).
struct EmptyDirSizeLimit: ObjectPolicy {
  static let id = "emptydir-size-limit"

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let spec = object.podSpec else { return }
    let virtualNode = report.virtualNodeEvidence(for: object)
    // A StatefulSet's claim template replaces the pod volume of the same name.
    let claimed = Set(
      object.volumeClaimTemplates.compactMap { $0[.metadata]?.scalar(.name)?.string })
    // Worked out when an unbounded emptyDir asks: most pods have none.
    let volumes = PodVolumes(spec)
    // Worked out once per pod, when a volume asks (per volume, a pod of thousands of
    // volumes and containers was quadratic).
    var diskBound: Bool?
    var memoryBound: [String: Bool]?
    for volume in spec.volumes {
      guard let (key, emptyDir) = volume.emptyDir, emptyDir?[.sizeLimit] == nil,
        // A volume no container mounts holds nothing.
        let volumeName = volume.name, volumes.mounted.contains(volumeName),
        !claimed.contains(volumeName)
      else { continue }
      // A volume without a source is one the API server makes an emptyDir.
      let name =
        emptyDir == nil
        ? "volume \"\(volumeName)\", which sets no source and so is an emptyDir,"
        : "emptyDir volume \"\(volumeName)\""
      if volumes.socketFolders.contains(volumeName) { continue }
      // An emptyDir counts towards the pod's ephemeral storage (in memory: its memory), so
      // containers that all declare that limit already bound it, if late.
      let inMemory = emptyDir?.scalar(.medium)?.textEquals("Memory") == true
      let resource: Key = inMemory ? .memory : .ephemeralStorage
      // Memory a tmpfs holds is charged to the container that writes it, so the containers
      // that mount the volume bound it; disk use is the pod's, bounded when every container
      // declares its share.
      var boundByContainers = spec.resources.limit(resource) != nil
      if !boundByContainers && inMemory {
        if memoryBound == nil { memoryBound = Self.mountersHaveMemoryLimits(spec) }
        boundByContainers = memoryBound![volumeName] ?? true
      } else if !boundByContainers {
        if diskBound == nil {
          diskBound = spec.containers.allSatisfy {
            $0.role == .ephemeral || $0.resources.limit(.ephemeralStorage) != nil
          }
        }
        boundByContainers = diskBound!
      }
      if let virtualNode {
        report.report(
          key,
          """
          has \(name) without sizeLimit; the pod runs on a virtual node (\(virtualNode)) with \
          \(inMemory ? "memory" : "storage") of its own, so what it writes there takes only from \
          its own containers; set emptyDir.sizeLimit to contain it
          """,
          adjustment: .info)
        continue
      }
      // Written only by init containers (those that run mount it read-only, if at all), it
      // holds what they set up before the pod starts (Contour's Envoy configuration).
      if !volumes.writtenWhileRunning.contains(volumeName) {
        report.report(
          key,
          """
          has \(name) without sizeLimit, which only init containers write (the containers \
          that run mount it read-only, if at all): it holds what they set up; set \
          emptyDir.sizeLimit to bound that
          """,
          adjustment: .info)
        continue
      }
      // A folder of configuration or credentials holds a few small files, written by an
      // agent (a sidecar's certificates, a proxy's bootstrap): information.
      // Volumes the containers that run write where files grow, not only configuration.
      if !volumes.growingWhileRunning.contains(volumeName) {
        report.report(
          key,
          """
          has \(name) without sizeLimit, which the containers that run mount writable only \
          where configuration and credentials live (/etc, a secrets or certificates folder, a \
          server's own --cert-dir, its --config file's folder) or as one configuration file \
          (subPath): it holds small \
          files; set emptyDir.sizeLimit to bound it
          """,
          adjustment: .info)
        continue
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
          disk until the kubelet starts evicting its pods (DiskPressure); set \
          emptyDir.sizeLimit
          """)
      }
    }
  }
}

extension EmptyDirSizeLimit {
  /// Per volume, whether every container that mounts it has a memory limit (a tmpfs's memory
  /// is charged to the container that writes it). A volume no container mounts is absent.
  fileprivate static func mountersHaveMemoryLimits(_ spec: PodSpec) -> [String: Bool] {
    var bound: [String: Bool] = [:]
    for container in spec.containers where container.role != .ephemeral {
      let limited = container.resources.limit(.memory) != nil
      for mount in container.volumeMounts {
        bound[mount.volume] = (bound[mount.volume] ?? true) && limited
      }
    }
    return bound
  }
}
