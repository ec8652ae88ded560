import KubewardModel
import KubewardYAML

/// The policies about the input itself. The YAML reader finds these problems; this maps each
/// to its catalogue id. (`schema` is a built-in policy, but the engine reports what it finds
/// while reading too: List items that are no objects, fragments.)
public enum InputPolicies {
  public static let schema = "schema"
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

  /// The first unrendered placeholder of an object: the object is a template (envsubst,
  /// Ansible, a document with blanks to fill in), not a manifest.
  ///
  /// - In its name, namespace or a container's image, which Kubernetes validates strictly: any
  ///   `${`, `{{`, brace or angle bracket (`cleanup-<node-hostname>`), which no valid name or
  ///   image reference holds.
  /// - Anywhere in a kind Kubernetes defines (not in a ConfigMap's or Secret's data, which is
  ///   any text, nor in custom resources, some of which render templates themselves): a whole
  ///   value that is a placeholder (`ParsedFile.placeholders`: `{{ ca_version }}`,
  ///   `{Organization name}`).
  static func templatePlaceholder(in object: KubeObject, placeholders: [Node]) -> Node? {
    // Checked for every object: no arrays built.
    if let metadata = object.node.mapping(.metadata) {
      // RBAC names are path segments, which may hold angle brackets (`ops:<oncall>`).
      let angles = !object.apiVersion.hasPrefix("rbac.authorization.k8s.io/")
      for key in [Key.name, .namespace] {
        if let field = metadata.scalar(key),
          field.withScalarBytes({ holdsPlaceholder($0, angles: angles || key == .namespace) })
        {
          return field
        }
      }
    }
    for container in object.podSpec?.containers ?? [] {
      if let image = container.image, image.withScalarBytes({ holdsPlaceholder($0, angles: true) })
      {
        return image
      }
    }
    guard !placeholders.isEmpty, !APIVersion.isCustomResource(object.apiVersion),
      object.kind != "ConfigMap", object.kind != "Secret"
    else { return nil }
    let range = object.node.range
    // Sorted by position: the first one at or after the object's start.
    var low = 0
    var high = placeholders.count
    while low < high {
      let middle = (low + high) / 2
      if placeholders[middle].position < range.start { low = middle + 1 } else { high = middle }
    }
    guard low < placeholders.count, placeholders[low].position < range.end else { return nil }
    return placeholders[low]
  }

  private static func holdsPlaceholder(_ bytes: UnsafeBufferPointer<UInt8>, angles: Bool) -> Bool {
    bytes.contains {
      $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}")
        || (angles && ($0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">")))
    }
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
