import KubewardEngine
import KubewardModel
import KubewardYAML

/// `hostpath-volume`: writes to the node's own disk, outside any kubelet accounting (I-6).
struct HostPathVolume: ObjectPolicy {
  static let id = "hostpath-volume"

  /// hostPath types that are not directories or files a pod can fill.
  static let deviceTypes: Set<String> = ["Socket", "CharDevice", "BlockDevice"]

  /// Host folders that are not the node's disk: virtual filesystems and memory-backed `/run`
  /// (devices, sockets, lock files), the kubelet's own plugin sockets and volume mount points,
  /// which node plugins must share (in its folder, and where MicroK8s, k0s and KubeEdge's
  /// edged keep it), and the folders a node plugin's or driver's installer
  /// must write (a few files, never data): the CNI's (with its plugins' state, host-local's
  /// address leases), FlexVolume's plugin folder, GKE's folder for GPU drivers and
  /// libraries, the NVIDIA GPU operator's install folder, and Node Feature Discovery's, where node agents write the feature files
  /// (`features.d`) it reads.
  static let nonDataPrefixes = [
    "/dev", "/sys", "/proc", "/run", "/var/run", "/var/lib/kubelet",
    "/var/snap/microk8s/common/var/lib/kubelet", "/var/lib/k0s/kubelet", "/var/lib/edged",
    "/etc/cni",
    "/opt/cni/bin", "/usr/libexec/cni", "/usr/lib/cni", "/var/lib/cni",
    "/usr/libexec/kubernetes/kubelet-plugins", "/home/kubernetes/bin", "/usr/local/nvidia",
    "/etc/kubernetes/node-feature-discovery",
  ]

  /// On a Windows node: the kubelet's folder, the CNI's, and `C:\k`, which holds the
  /// kubelet's and the CNI's binaries and configuration (not `C:\dev` or `C:\run`, which are
  /// ordinary folders there).
  static let windowsNonDataPrefixes = [
    "/var/lib/kubelet", "/etc/cni", "/opt/cni/bin", "/var/lib/cni", "/k",
  ]

  /// Whether `path` is the node's root: `/`, or `/` and `.` only (`/.`, `//./`), which the
  /// kernel resolves to it. (The exported policy matches `^/[/.]*$`.)
  static func isRoot(_ path: String) -> Bool {
    path.utf8.first == UInt8(ascii: "/")
      && path.utf8.allSatisfy { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ".") }
  }

  static func isNonDataPath(_ path: String) -> Bool {
    // A Windows named pipe (`\\.\pipe\containerd-containerd`, in any case or with slashes)
    // is no folder.
    let lowercased = path.lowercased()
    if lowercased.hasPrefix(#"\\.\pipe\"#) || lowercased.hasPrefix("//./pipe/") { return true }
    let windows = windowsPath(path)
    let normalized = KustomizePatches.normalized(windows ?? path)
    return (windows == nil ? nonDataPrefixes : windowsNonDataPrefixes).contains {
      normalized == $0 || normalized.hasPrefix($0 + "/")
    }
  }

  /// A Windows node's path (`C:\var\lib\kubelet\pods\`) as the POSIX one it stands for
  /// (`/var/lib/kubelet/pods/`): its drive dropped, its separators `/`, in lower case (Windows
  /// file names ignore case). `nil` for a path without a drive.
  static func windowsPath(_ path: String) -> String? {
    let bytes = Array(path.utf8.prefix(3))
    guard bytes.count == 3, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[0] & 0xDF),
      bytes[1] == UInt8(ascii: ":"), bytes[2] == UInt8(ascii: "\\") || bytes[2] == UInt8(ascii: "/")
    else { return nil }
    return String(path.dropFirst(2)).replacing("\\", with: "/").lowercased()
  }

  /// `/var/log` or a folder in it, as written (`//` read as `/`; a path with `/.` in it is
  /// not taken for one), as the exported policy reads it.
  static func isNodeLogFolder(_ path: String) -> Bool {
    isNodeLogFolder(bytes: pathBytes(path))
  }

  /// A folder of its own in the node's log folder (`/var/log/aws-routed-eni`), where a node
  /// agent writes its logs.
  static func isAgentLogFolder(_ path: String) -> Bool {
    let bytes = pathBytes(path)
    return isNodeLogFolder(bytes: bytes) && bytes.count > logFolder.count + 1
  }

  private static let logFolder = Array("/var/log".utf8)
  private static let slash = UInt8(ascii: "/")

  private static func isNodeLogFolder(bytes path: [UInt8]) -> Bool {
    isFolder(logFolder, orIn: path)
  }

  /// Whether `path` (its bytes, `pathBytes`) is `folder` (no trailing `/`) or inside it, and
  /// has no `/.` in it (`/var/log/../lib` is not taken for the log folder): how the exported
  /// policy reads the node's log folder and its system folders.
  private static func isFolder(_ folder: [UInt8], orIn path: [UInt8]) -> Bool {
    !zip(path, path.dropFirst()).contains { $0 == slash && $1 == UInt8(ascii: ".") }
      && (path.elementsEqual(folder) || (path.starts(with: folder) && path[folder.count] == slash))
  }

  /// The path's bytes, each `//` made `/` in one pass from the left (as CEL's `replace`).
  /// Paths are compared byte by byte, as the kernel reads them and as the exported policy's
  /// CEL compares them: `String` compares characters, and a combining mark after a `/`
  /// joins it into another character, which changed the answer.
  private static func pathBytes(_ path: String) -> [UInt8] {
    let text = Array(path.utf8)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.count)
    var index = 0
    while index < text.count {
      bytes.append(text[index])
      let pair = text[index] == slash && index + 1 < text.count && text[index + 1] == slash
      index += pair ? 2 : 1
    }
    return bytes
  }

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let spec = object.podSpec else { return }
    // The volumes some container mounts writable, found once: filtering every mount for each
    // volume was quadratic in a pod of thousands of each.
    var writable: Set<String>?
    // A folder for a Unix socket (konnectivity's `--uds-name=/etc/kubernetes/…/x.socket`,
    // the API server on the node connecting to it) holds nothing that grows; what only init
    // containers write, they set up once before the pod starts (a folder's owner and mode for
    // another pod, a binary copied for the node); where a storage system's node agent mounts
    // the filesystems it serves (Bidirectional propagation) it keeps its own data, which the
    // storage system sizes.
    let volumes = PodVolumes(spec)
    // The node's log folder is where a log shipper keeps its read positions: information,
    // unless a container that ships no logs writes there too.
    var writtenByOthers: Set<String>?
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
      if volumes.socketFolders.contains(name) { continue }
      if !volumes.writtenWhileRunning.contains(name) {
        let path = hostPath.scalar(.path)?.string.map { " (\($0))" } ?? ""
        report.report(
          key,
          """
          mounts the node's filesystem\(path) writable through hostPath volume \"\(name)\" \
          only in init containers (the containers that run mount it read-only, if at all): \
          they set it up once before the pod starts, and what they write there is not counted \
          in any ephemeral-storage limit
          """,
          adjustment: .info)
        continue
      }
      if let path = hostPath.scalar(.path)?.string, Self.isNodeLogFolder(path) {
        if writtenByOthers == nil {
          writtenByOthers = Set(
            spec.containers.filter { !$0.shipsLogs }.flatMap(\.volumeMounts)
              .filter { !$0.readOnly }.map(\.volume))
        }
        guard writtenByOthers?.contains(name) == true else {
          report.report(
            key,
            """
            mounts the node's log folder (\(path)) writable through hostPath volume \
            \"\(name)\", as a log shipper does to keep its read positions there (fluentd's \
            pos_file, Fluent Bit's DB): small files, but nothing bounds what it writes there, \
            which no ephemeral-storage limit counts
            """,
            adjustment: .info)
          continue
        }
        // A DaemonSet is a node agent: its own log folder is where the node's tools and the
        // agent's host-side parts (a CNI plugin's binary) read and write its logs.
        if object.kind == "DaemonSet", Self.isAgentLogFolder(path) {
          report.report(
            key,
            """
            mounts a log folder of its own on the node (\(path)) writable through hostPath \
            volume \"\(name)\", as a node agent does for its logs (a CNI's, a device \
            plugin's), which the node's tools read there: no ephemeral-storage limit counts \
            them, so make sure the agent rotates them
            """,
            adjustment: .info)
          continue
        }
      }
      let path = hostPath.scalar(.path)?.string.map { " (\($0))" } ?? ""
      if volumes.writtenByMountingAgents.contains(name)
        && !volumes.bidirectionallyMounted.contains(name)
      {
        report.report(
          key,
          """
          mounts the node's filesystem\(path) writable through hostPath volume \"\(name)\" \
          in a container that mounts filesystems for other pods (mountPropagation \
          Bidirectional): a storage system's node agent (a CSI node plugin), whose host folders \
          (the data it serves, its state, its sockets) the storage system sizes, and no \
          ephemeral-storage limit counts them
          """,
          adjustment: .info)
        continue
      }
      if volumes.bidirectionallyMounted.contains(name) {
        report.report(
          key,
          """
          mounts the node's filesystem\(path) writable through hostPath volume \"\(name)\" \
          with mountPropagation Bidirectional, as a storage system's node agent does for the \
          filesystems it mounts there for other pods (Longhorn's /var/lib/longhorn, a CSI \
          driver's): what it keeps there is the storage system's to size, and no \
          ephemeral-storage limit counts it
          """,
          adjustment: .info)
        continue
      }
      // Not the node's root, which a node agent enters (`chroot /hostroot`) and writes as
      // its own (multus runs CNI plugins there).
      if volumes.mountedFromTheNode.contains(name),
        let written = hostPath.scalar(.path)?.string, !Self.isRoot(written)
      {
        report.report(
          key,
          """
          mounts the node's filesystem\(path) writable through hostPath volume \"\(name)\" \
          with mountPropagation HostToContainer, where the node mounts filesystems for it to \
          see (the local volume provisioner's discovery folder, whose disks become \
          PersistentVolumes): what it writes on them is theirs to size, but what it writes \
          beside them is not counted in any ephemeral-storage limit
          """,
          adjustment: .info)
        continue
      }
      // The node's own configuration or programs: what is at stake is the node, not its disk,
      // and no emptyDir stands in for them (a GuardDuty sample's /etc, a debug pod's
      // /lib/modules, which modprobe only reads; the root a node agent enters with chroot).
      if let written = hostPath.scalar(.path)?.string,
        Self.isSystemFolder(written) || Self.isRoot(written)
      {
        // A kubeconfig (`/etc/kubernetes/admin.conf`, type File) is one file, of configuration.
        let isFile = ["File", "FileOrCreate"].contains(hostPath.scalar(.type)?.string ?? "")
        let stake =
          Self.isFolder(Array("/etc".utf8), orIn: Self.pathBytes(written))
          ? "configuration" : "configuration or programs"
        let what =
          Self.isRoot(written) ? "root filesystem" : "system \(isFile ? "file" : "folder")"
        report.report(
          key,
          """
          mounts the node's \(what) \
          (\(InputText.clipped(written))) writable through hostPath volume \"\(name)\": the \
          container can change the node's \(stake) there, for every pod on the node; mount it \
          readOnly unless it must change the node (what it writes there is not counted in any \
          ephemeral-storage limit either)
          """)
        continue
      }
      report.report(
        key,
        """
        mounts the node's filesystem\(path) writable through hostPath volume \
        \"\(volume.name ?? "")\": what it writes there is not counted in any \
        ephemeral-storage limit and can fill the node's disk (DiskPressure then evicts its \
        pods); use an emptyDir with sizeLimit or a PersistentVolume, or mount it readOnly
        """)
    }
  }

  /// The node's configuration and programs (`/etc`, `/usr`, `/lib/modules` …), or a folder in
  /// them, as written (`//` read as `/`; a path with `/.` in it is not taken for one).
  static func isSystemFolder(_ path: String) -> Bool {
    let bytes = pathBytes(path)
    return systemFolders.contains { isFolder($0, orIn: bytes) }
  }

  private static let systemFolders = ["/etc", "/usr", "/lib", "/lib64", "/boot", "/bin", "/sbin"]
    .map { Array($0.utf8) }
}
