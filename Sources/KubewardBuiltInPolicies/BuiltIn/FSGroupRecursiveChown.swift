import KubewardEngine
import KubewardModel
import KubewardYAML

/// `fsgroup-recursive-chown`: `fsGroup` on a large network volume makes every pod start walk
/// and re-own the whole volume (I-16).
struct FSGroupRecursiveChown: ObjectPolicy {
  static let id = "fsgroup-recursive-chown"

  /// Volume sources whose size kubeward cannot know and that may hold many files.
  static let volumeTypes: [Key] = [.nfs, .csi, .flexVolume, .persistentVolumeClaim, .ephemeral]

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let spec = object.podSpec, let context = spec.securityContext,
      let fsGroup = context.scalar(.fsGroup),
      context.scalar(.fsGroupChangePolicy)?.textEquals("OnRootMismatch") != true
    else { return }
    var volumes: [String] = []
    for volume in spec.volumes {
      for type in Self.volumeTypes where volume.source(type) != nil {
        volumes.append("\(type.text) volume \"\(volume.name ?? "")\"")
      }
    }
    for template in object.volumeClaimTemplates {
      volumes.append("claim template \"\(template[.metadata]?.scalar(.name)?.string ?? "")\"")
    }
    guard let first = volumes.first else { return }
    let more = volumes.count > 1 ? " and \(volumes.count - 1) more" : ""
    report.report(
      fsGroup,
      """
      sets fsGroup with \(first)\(more) mounted: at every pod start the kubelet changes the \
      group of every file on the volume, which on a large NAS volume takes longer than the \
      start timeout, so the pod never starts; set securityContext.fsGroupChangePolicy: \
      OnRootMismatch
      """)
  }
}
