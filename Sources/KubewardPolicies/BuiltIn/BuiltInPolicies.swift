/// Every policy kubeward implements in Swift. Each has a `policies/<id>.yaml`; the input
/// policies (`yaml-syntax`, …) are produced by the reader and listed in `InputPolicies`.
public enum BuiltInPolicies {
  public static let all: [any Policy.Type] = [
    // The mission's six.
    ImagePullSecrets.self,
    LoadBalancerLifecycle.self,
    HeadlessServiceNoLB.self,
    ExecProbe.self,
    EphemeralStorageLimit.self,
    AlpineImage.self,
  ]
}
