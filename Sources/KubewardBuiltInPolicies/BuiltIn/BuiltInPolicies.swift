import KubewardEngine

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
    PDBBlocksEviction.self,
    StatefulSetServiceName.self,
    ImageTag.self,
    ResourceRequests.self,
    MemoryLimit.self,
    DeprecatedAPIVersion.self,
    // Input shape.
    Schema.self,
  ]
}

extension BuiltInPolicies {
  /// The built-in policies as a source for the engine, with the catalogue's input policies
  /// (which the engine reports itself).
  public static let source = TypedPolicySource(
    types: all, descriptions: PolicyCatalogue.builtIn.descriptions,
    factOptions: { configuration, catalogue in
      // Services pinned to an existing load balancer are known by these annotations.
      let pinning = catalogue[LoadBalancerLifecycle.id].map {
        (try? configuration.options(for: $0))?.strings(LoadBalancerLifecycle.pinningAnnotations)
      }
      // Data stores are known by `single-replica`'s list of their images.
      let dataStores = catalogue[SingleReplica.id].map {
        (try? configuration.options(for: $0))?.strings(SingleReplica.dataStores)
      }
      return FactOptions(
        loadBalancerIDAnnotations: (pinning ?? nil) ?? [],
        dataStoreImages: Set((dataStores ?? nil) ?? []))
    })
}

extension BuiltInPolicies {
  /// Only the checks of the input itself (syntax, encoding, duplicate keys, …), for runs of
  /// admission policies alone.
  public static let inputSource = TypedPolicySource(
    types: [], descriptions: PolicyCatalogue.builtIn.descriptions.filter { $0.scope == .input })
}

extension Linter {
  /// A linter of the built-in policies alone.
  public init(configuration: Configuration = Configuration()) throws(ConfigurationError) {
    try self.init(configuration: configuration, sources: [BuiltInPolicies.source])
  }
}
