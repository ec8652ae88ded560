import KubewardEngine

/// The `policies/*.yaml` files compiled into the binary (see `Package.swift`). A test checks
/// that this list names every file of `policies/` and nothing else.
enum EmbeddedCatalogue {
  static let files: [(name: String, bytes: [UInt8])] = [
    ("aggressive-liveness-probe.yaml", PackageResources.aggressive_liveness_probe_yaml),
    ("alias-expansion.yaml", PackageResources.alias_expansion_yaml),
    ("alpine-image.yaml", PackageResources.alpine_image_yaml),
    ("binary-file.yaml", PackageResources.binary_file_yaml),
    ("deprecated-api-version.yaml", PackageResources.deprecated_api_version_yaml),
    ("dns-policy-default.yaml", PackageResources.dns_policy_default_yaml),
    ("duplicate-key.yaml", PackageResources.duplicate_key_yaml),
    ("duplicate-node-port.yaml", PackageResources.duplicate_node_port_yaml),
    ("emptydir-size-limit.yaml", PackageResources.emptydir_size_limit_yaml),
    ("ephemeral-storage-limit.yaml", PackageResources.ephemeral_storage_limit_yaml),
    ("exec-probe.yaml", PackageResources.exec_probe_yaml),
    ("external-traffic-local.yaml", PackageResources.external_traffic_local_yaml),
    ("file-too-large.yaml", PackageResources.file_too_large_yaml),
    ("fsgroup-recursive-chown.yaml", PackageResources.fsgroup_recursive_chown_yaml),
    ("headless-service-no-lb.yaml", PackageResources.headless_service_no_lb_yaml),
    ("helm-chart.yaml", PackageResources.helm_chart_yaml),
    ("hostpath-volume.yaml", PackageResources.hostpath_volume_yaml),
    ("image-pull-secrets.yaml", PackageResources.image_pull_secrets_yaml),
    ("image-tag.yaml", PackageResources.image_tag_yaml),
    ("ingress-missing-backend.yaml", PackageResources.ingress_missing_backend_yaml),
    ("ingress-tls-secret.yaml", PackageResources.ingress_tls_secret_yaml),
    ("invalid-encoding.yaml", PackageResources.invalid_encoding_yaml),
    ("loadbalancer-lifecycle.yaml", PackageResources.loadbalancer_lifecycle_yaml),
    ("memory-limit.yaml", PackageResources.memory_limit_yaml),
    ("missing-liveness-probe.yaml", PackageResources.missing_liveness_probe_yaml),
    ("missing-pdb.yaml", PackageResources.missing_pdb_yaml),
    ("missing-readiness-probe.yaml", PackageResources.missing_readiness_probe_yaml),
    ("nesting-too-deep.yaml", PackageResources.nesting_too_deep_yaml),
    ("not-kubernetes.yaml", PackageResources.not_kubernetes_yaml),
    ("pdb-blocks-eviction.yaml", PackageResources.pdb_blocks_eviction_yaml),
    ("replication-controller.yaml", PackageResources.replication_controller_yaml),
    ("resource-requests.yaml", PackageResources.resource_requests_yaml),
    ("schema.yaml", PackageResources.schema_yaml),
    ("service-selects-nothing.yaml", PackageResources.service_selects_nothing_yaml),
    ("service-target-port.yaml", PackageResources.service_target_port_yaml),
    ("single-replica.yaml", PackageResources.single_replica_yaml),
    ("slb-port-conflict.yaml", PackageResources.slb_port_conflict_yaml),
    ("statefulset-service-name.yaml", PackageResources.statefulset_service_name_yaml),
    ("suppression-without-reason.yaml", PackageResources.suppression_without_reason_yaml),
    ("symlink-not-followed.yaml", PackageResources.symlink_not_followed_yaml),
    ("unreadable-file.yaml", PackageResources.unreadable_file_yaml),
    ("unrendered-template.yaml", PackageResources.unrendered_template_yaml),
    ("unused-suppression.yaml", PackageResources.unused_suppression_yaml),
    ("yaml-syntax.yaml", PackageResources.yaml_syntax_yaml),
  ]
}

extension PolicyCatalogue {
  /// The catalogue kubeward ships, read once from the embedded YAML files.
  public static let builtIn: PolicyCatalogue = {
    do {
      return PolicyCatalogue(
        descriptions: try EmbeddedCatalogue.files.map { name, bytes in
          try CatalogueParser.parse(bytes, fileName: name)
        })
    } catch {
      // The embedded files are tested; a broken one is a build defect, not a user error.
      fatalError("the embedded policy catalogue is invalid: \(error)")
    }
  }()
}

extension ConfigurationFile {
  /// Reads a configuration file against the built-in catalogue alone.
  public init(path: String) throws(ConfigurationError) {
    try self.init(path: path, catalogue: .builtIn)
  }

  public init(path: String, bytes: [UInt8]) throws(ConfigurationError) {
    try self.init(path: path, bytes: bytes, catalogue: .builtIn)
  }
}

extension StarterConfiguration {
  /// The starter configuration of the built-in catalogue.
  public static var builtInText: String { text(catalogue: .builtIn) }
}
