import KubewardEngine
import KubewardModel
import KubewardYAML

/// `fsgroup-recursive-chown`: `fsGroup` on a large network volume makes every pod start walk
/// and re-own the whole volume (I-16).
struct FSGroupRecursiveChown: ObjectPolicy {
  static let id = "fsgroup-recursive-chown"

  /// Volume sources whose size kubeward cannot know and that may hold many files; not the
  /// in-tree `nfs`, whose ownership the kubelet leaves alone (kubernetes/kubernetes#93802).
  static let volumeTypes: [Key] = [.csi, .flexVolume, .persistentVolumeClaim, .ephemeral]

  /// Claims smaller than this (100 GiB), and written by one node, are seldom the volumes of
  /// millions of files the incident was about.
  static let smallClaimBytes = 100.0 * 1024 * 1024 * 1024

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let spec = object.podSpec, let context = spec.securityContext,
      let fsGroup = context.scalar(.fsGroup),
      context.scalar(.fsGroupChangePolicy)?.textEquals("OnRootMismatch") != true
    else { return }
    var volumes: [String] = []
    // Whether every volume is a claim template of one node's disk (ReadWriteOnce) asking for
    // less than `smallClaimBytes`: thanos' and Kubeflow's databases' 5 to 10 GiB claims.
    var allSmall = true
    // Whether some volume's size is not written (a claim's, a share's).
    var sizeUnknown = false
    for volume in spec.volumes {
      for type in Self.volumeTypes where volume.source(type) != nil {
        volumes.append("\(type.text) volume \"\(volume.name ?? "")\"")
        allSmall = false
        sizeUnknown = true
      }
    }
    for template in object.volumeClaimTemplates {
      let name = template[.metadata]?.scalar(.name)?.string ?? ""
      guard let size = Self.smallSingleNodeClaim(template) else {
        // Quoted from the input: clipped, as other messages' quotes are.
        let storage = template["spec"]?["resources"]?["requests"]?["storage"]?.text
          .map(InputText.clipped)
        volumes.append("claim template \"\(name)\"" + (storage.map { " (\($0))" } ?? ""))
        allSmall = false
        sizeUnknown = sizeUnknown || storage == nil
        continue
      }
      volumes.append("claim template \"\(name)\" (ReadWriteOnce, \(size))")
    }
    guard let first = volumes.first else { return }
    let more = volumes.count > 1 ? " and \(volumes.count - 1) more" : ""
    if allSmall {
      report.report(
        fsGroup,
        """
        sets fsGroup with \(first)\(more) mounted: at every pod start the kubelet changes the \
        group of every file on it, which on a volume of this size is quick unless it holds \
        very many files; set securityContext.fsGroupChangePolicy: OnRootMismatch to skip \
        volumes whose owner is already right
        """, adjustment: .info)
      return
    }
    report.report(
      fsGroup,
      """
      sets fsGroup with \(first)\(more) mounted: at every pod start the kubelet changes the \
      group of every file on the volume\(sizeUnknown ? ", whose size the manifest does not show" : ""): \
      on a large volume of many files (a NAS share) that takes longer than the start timeout, \
      so the pod never starts; set securityContext.fsGroupChangePolicy: OnRootMismatch
      """)
  }

  /// The storage a claim template asks for, as written, when it is only `ReadWriteOnce` (or
  /// `ReadWriteOncePod`) and less than `smallClaimBytes`.
  static func smallSingleNodeClaim(_ template: Node) -> String? {
    guard let claim = template["spec"],
      let modes = claim["accessModes"], modes.isSequence, modes.childCount > 0,
      modes.items.allSatisfy({
        $0.textEquals("ReadWriteOnce") || $0.textEquals("ReadWriteOncePod")
      }),
      let storage = claim["resources"]?["requests"]?["storage"]?.text,
      let bytes = ResourceQuantity.value(storage), bytes < smallClaimBytes
    else { return nil }
    return InputText.clipped(storage)
  }
}
