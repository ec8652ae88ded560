import KubewardModel
import KubewardYAML

/// The policies about the input itself. The YAML reader finds these problems; this maps each
/// to its catalogue id.
enum InputPolicies {
  static let yamlSyntax = "yaml-syntax"
  static let unrenderedTemplate = "unrendered-template"
  static let duplicateKey = "duplicate-key"
  static let nestingTooDeep = "nesting-too-deep"
  static let aliasExpansion = "alias-expansion"
  static let binaryFile = "binary-file"
  static let invalidEncoding = "invalid-encoding"
  static let unreadableFile = "unreadable-file"
  static let fileTooLarge = "file-too-large"
  static let symlinkNotFollowed = "symlink-not-followed"
  static let helmChart = "helm-chart"
  static let notKubernetes = "not-kubernetes"

  /// The input policies the engine reports itself (the reader's are `id(for:)` of its
  /// diagnostics).
  static let reportedByEngine = [
    unreadableFile, fileTooLarge, symlinkNotFollowed, helmChart, notKubernetes,
  ]

  /// A `${VAR}` placeholder in an object's name or namespace, which no Kubernetes name can
  /// hold: the manifest is an envsubst (or similar) template that was not rendered.
  static func templatePlaceholder(in object: KubeObject) -> Node? {
    guard let metadata = object.node.mapping(.metadata) else { return nil }
    for key in [Key.name, .namespace] {
      guard let value = metadata.scalar(key) else { continue }
      let hasPlaceholder = value.withScalarBytes { bytes in
        bytes.indices.dropLast().contains {
          bytes[$0] == UInt8(ascii: "$") && bytes[$0 + 1] == UInt8(ascii: "{")
        }
      }
      if hasPlaceholder { return value }
    }
    return nil
  }

  static func id(for kind: ReaderDiagnostic.Kind) -> String {
    switch kind {
    case .syntax, .undefinedAlias: yamlSyntax
    case .unrenderedTemplate: unrenderedTemplate
    case .duplicateKey: duplicateKey
    case .nestingTooDeep: nestingTooDeep
    case .aliasExpansion: aliasExpansion
    case .binaryFile: binaryFile
    case .invalidEncoding: invalidEncoding
    }
  }
}
