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
    // Probes.
    MissingReadinessProbe.self,
    MissingLivenessProbe.self,
    AggressiveLivenessProbe.self,
    // Storage.
    EmptyDirSizeLimit.self,
    HostPathVolume.self,
    FSGroupRecursiveChown.self,
    // Networking.
    ExternalTrafficLocal.self,
    DNSPolicyDefault.self,
    SLBPortConflict.self,
    DuplicateNodePort.self,
    ServiceSelectsNothing.self,
    ServiceTargetPort.self,
    IngressMissingBackend.self,
    IngressTLSSecret.self,
    // Workloads.
    ReplicationControllerKind.self,
    SingleReplica.self,
    MissingPDB.self,
    StatefulSetServiceName.self,
    ImageTag.self,
    ResourceRequests.self,
    MemoryLimit.self,
    DeprecatedAPIVersion.self,
    // Input shape.
    Schema.self,
  ]
}
