import KubewardYAML

/// Pods that run on a virtual node: a serverless instance of their own per pod (Alibaba Cloud
/// ECI through ACK's virtual-kubelet, Azure Container Instances through AKS virtual nodes, other
/// virtual-kubelet providers). Such a pod shares no node with other pods: no node disk, memory
/// or container runtime that its excess could take from them, and its requests size (and bill)
/// its instance. Policies whose reason is what a pod does to its node's neighbours say so
/// there, as information.
///
/// Only what the manifest says counts: ECI's annotations (`k8s.aliyun.com/eci-*`) or label,
/// or a required placement on virtual nodes (`nodeSelector` or required node affinity on
/// `type: virtual-kubelet`). A toleration alone only allows a virtual node; a pod that requires
/// real nodes (`type NotIn [virtual-kubelet]`) is judged as on any node.
public enum VirtualNode {
  /// What shows the pod runs on a virtual node (`the k8s.aliyun.com/eci-ram-role-name
  /// annotation`), or `nil`.
  public static func evidence(_ template: PodTemplate) -> String? {
    evidence(template: template.node, spec: template.spec)
  }

  static func evidence(template: Node, spec podSpec: PodSpec) -> String? {
    let metadata = ObjectMetadata(node: template.mapping(.metadata))
    if let annotations = metadata.annotations {
      for (key, _) in annotations.pairs where key.withScalarBytes({ $0.starts(with: eciPrefix) }) {
        return "its \(key.string ?? "") annotation (Alibaba Cloud ECI)"
      }
    }
    if metadata.labelsNode?["alibabacloud.com/eci"]?.textEquals("true") == true {
      return "its alibabacloud.com/eci label (Alibaba Cloud ECI)"
    }
    let spec = podSpec.node
    if let selector = spec["nodeSelector"], selector["type"]?.textEquals("virtual-kubelet") == true
    {
      return "its nodeSelector type: virtual-kubelet"
    }
    if requiresVirtualNodes(spec) {
      return "its node affinity, which requires type virtual-kubelet"
    }
    return nil
  }

  private static let eciPrefix = Array("k8s.aliyun.com/eci-".utf8)

  /// Whether the pod keeps off virtual nodes: a required node affinity term with
  /// `type NotIn [virtual-kubelet]` (or on ACK's `k8s.aliyun.com` label), or a nodeSelector
  /// `type` other than `virtual-kubelet`.
  public static func isExcluded(_ template: PodTemplate) -> Bool {
    let spec = template.spec.node
    if let type = spec["nodeSelector"]?["type"]?.string, type != "virtual-kubelet" { return true }
    let terms =
      spec["affinity"]?["nodeAffinity"]?[
        "requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"]?.items ?? .none
    return terms.contains { term in
      term["matchExpressions"]?.items.contains { expression in
        let key = expression["key"]?.string ?? ""
        let values = expression["values"]?.items.compactMap(\.string) ?? []
        return expression["operator"]?.textEquals("NotIn") == true
          && (key == "type" && values.contains("virtual-kubelet")
            || key == "k8s.aliyun.com" && values.contains("true"))
      } ?? false
    }
  }

  /// Required node affinity with `type In [virtual-kubelet]` in every term.
  private static func requiresVirtualNodes(_ spec: Node) -> Bool {
    let terms =
      spec["affinity"]?["nodeAffinity"]?[
        "requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"]?.items ?? .none
    guard !terms.isEmpty else { return false }
    return terms.allSatisfy { term in
      term["matchExpressions"]?.items.contains { expression in
        expression["key"]?.textEquals("type") == true
          && expression["operator"]?.textEquals("In") == true
          && (expression["values"]?.items.contains { $0.textEquals("virtual-kubelet") } ?? false)
      } ?? false
    }
  }
}
