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
  static let notKubernetes = "not-kubernetes"

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
