import KubewardModel

/// What a pod's volumes are to its containers, worked out once per pod and only when a policy
/// asks (most pods have no volume the volume policies judge): asked per volume or per
/// container, a pod of thousands of each was quadratic. Shared by `emptydir-size-limit`,
/// `ephemeral-storage-limit` and `hostpath-volume`, which judge the same mounts.
final class PodVolumes {
  let spec: PodSpec
  init(_ spec: PodSpec) { self.spec = spec }
  /// Folders that hold a Unix socket (`PodSpec.socketFolders`).
  lazy var socketFolders = spec.socketFolders()
  /// Volumes a container of any kind mounts.
  lazy var mounted = spec.mountedVolumes()
  /// Volumes a container that runs mounts writable (`PodSpec.volumesWrittenWhileRunning`).
  lazy var writtenWhileRunning = spec.volumesWrittenWhileRunning()
  /// Of those, where files grow (`PodSpec.volumesGrowingWhileRunning`).
  lazy var growingWhileRunning = spec.volumesGrowingWhileRunning()
  /// Volumes a container mounts with `mountPropagation: Bidirectional`.
  lazy var bidirectionallyMounted = Set(spec.containers.flatMap(\.bidirectionallyMountedVolumes))
  /// Volumes written by a container that mounts some volume with `mountPropagation:
  /// Bidirectional`: a storage system's node agent (a CSI node plugin), which mounts the
  /// filesystems it serves for other pods and keeps their data in its own folder.
  /// Volumes every writable mount of which sees what the node mounts below it
  /// (`mountPropagation: HostToContainer`): where the node mounts filesystems for the
  /// container (the local volume provisioner's discovery folder, whose disks it makes
  /// PersistentVolumes of and cleans).
  lazy var mountedFromTheNode: Set<String> = {
    var fromTheNode: Set<String> = []
    var otherwise: Set<String> = []
    for container in spec.containers {
      for (volume, propagated) in container.writableMountPropagations {
        if propagated { fromTheNode.insert(volume) } else { otherwise.insert(volume) }
      }
    }
    return fromTheNode.subtracting(otherwise)
  }()
  lazy var writtenByMountingAgents = Set(
    spec.containers.filter { !$0.bidirectionallyMountedVolumes.isEmpty }.flatMap(\.volumeMounts)
      .filter { !$0.readOnly }.map(\.volume))
}
