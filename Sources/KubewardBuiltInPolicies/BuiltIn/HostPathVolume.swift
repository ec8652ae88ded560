import KubewardEngine
import KubewardModel

/// `hostpath-volume`: writes to the node's own disk, outside any kubelet accounting (I-6).
struct HostPathVolume: ObjectPolicy {
  static let id = "hostpath-volume"

  /// hostPath types that are not directories or files a pod can fill.
  static let deviceTypes: Set<String> = ["Socket", "CharDevice", "BlockDevice"]

  /// Host folders that are not the node's disk: virtual filesystems and memory-backed `/run`
  /// (devices, sockets, lock files), the kubelet's own plugin sockets and volume mount points,
  /// which node plugins must share, and the folders a node plugin's or driver's installer
  /// must write (a few files, never data): the CNI's (with its plugins' state, host-local's
  /// address leases), FlexVolume's plugin folder, and GKE's
  /// folder for GPU drivers and libraries.
  static let nonDataPrefixes = [
    "/dev", "/sys", "/proc", "/run", "/var/run", "/var/lib/kubelet", "/etc/cni/net.d",
    "/opt/cni/bin", "/var/lib/cni", "/usr/libexec/kubernetes/kubelet-plugins",
    "/home/kubernetes/bin",
  ]

  static func isNonDataPath(_ path: String) -> Bool {
    let path = KustomizePatches.normalized(path)
    return nonDataPrefixes.contains { path == $0 || path.hasPrefix($0 + "/") }
  }

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let spec = object.podSpec else { return }
    // The volumes some container mounts writable, found once: filtering every mount for each
    // volume was quadratic in a pod of thousands of each.
    var writable: Set<String>?
    for volume in spec.volumes {
      guard let (key, hostPath) = volume.source(.hostPath) else { continue }
      if let type = hostPath.scalar(.type)?.string, Self.deviceTypes.contains(type) { continue }
      if let path = hostPath.scalar(.path)?.string, Self.isNonDataPath(path) { continue }
      if writable == nil {
        writable = Set(
          spec.containers.flatMap(\.volumeMounts).filter { !$0.readOnly }.map(\.volume))
      }
      // Mounted by no container, or only read-only, it cannot fill anything.
      guard let name = volume.name, writable?.contains(name) == true else { continue }
      let path = hostPath.scalar(.path)?.string.map { " (\($0))" } ?? ""
      report.report(
        key,
        """
        mounts the node's filesystem\(path) writable through hostPath volume \
        \"\(volume.name ?? "")\": what it writes there is not counted in any \
        ephemeral-storage limit and can fill the node's disk (DiskPressure evicts every \
        pod); use an emptyDir with sizeLimit or a PersistentVolume, or mount it readOnly
        """)
    }
  }
}
