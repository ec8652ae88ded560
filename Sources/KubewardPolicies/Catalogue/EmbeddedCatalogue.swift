/// The `policies/*.yaml` files compiled into the binary (see `Package.swift`). A test checks
/// that this list names every file of `policies/` and nothing else.
enum EmbeddedCatalogue {
  static let files: [(name: String, bytes: [UInt8])] = [
    ("alias-expansion.yaml", PackageResources.alias_expansion_yaml),
    ("alpine-image.yaml", PackageResources.alpine_image_yaml),
    ("binary-file.yaml", PackageResources.binary_file_yaml),
    ("duplicate-key.yaml", PackageResources.duplicate_key_yaml),
    ("ephemeral-storage-limit.yaml", PackageResources.ephemeral_storage_limit_yaml),
    ("exec-probe.yaml", PackageResources.exec_probe_yaml),
    ("headless-service-no-lb.yaml", PackageResources.headless_service_no_lb_yaml),
    ("image-pull-secrets.yaml", PackageResources.image_pull_secrets_yaml),
    ("invalid-encoding.yaml", PackageResources.invalid_encoding_yaml),
    ("loadbalancer-lifecycle.yaml", PackageResources.loadbalancer_lifecycle_yaml),
    ("nesting-too-deep.yaml", PackageResources.nesting_too_deep_yaml),
    ("not-kubernetes.yaml", PackageResources.not_kubernetes_yaml),
    ("unreadable-file.yaml", PackageResources.unreadable_file_yaml),
    ("unrendered-template.yaml", PackageResources.unrendered_template_yaml),
    ("yaml-syntax.yaml", PackageResources.yaml_syntax_yaml),
  ]
}
