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

  /// An unrendered placeholder of an object: its value's node, where it is written and how.
  struct TemplatePlaceholder {
    let node: Node
    let text: String
    let range: SourceRange
    /// Written where YAML reads a comment (`image: #{Image}`): the value is null.
    let isComment: Bool

    init(_ node: Node) {
      self.node = node
      text = node.string ?? ""
      range = node.range
      isComment = false
    }

    init(_ placeholder: CommentPlaceholder) {
      node = placeholder.node
      text = placeholder.text
      range = placeholder.range
      isComment = true
    }
  }

  /// The first unrendered placeholder of an object: the object is a template (envsubst,
  /// Ansible, Octopus Deploy, a document with blanks to fill in), not a manifest.
  ///
  /// - In its name, namespace or a container's image, which Kubernetes validates strictly: any
  ///   `${`, `{{`, brace or angle bracket (`cleanup-<node-hostname>`) or, in an image, space
  ///   or square bracket (`edgesite-server:[YOUR-VERSION]`), which no valid name or image
  ///   reference holds; a name in capitals (gpu-operator's `namespace: "FILLED BY THE
  ///   OPERATOR"`, `YOUR_NAMESPACE`): names are lower case, and capitals are how a blank is
  ///   written.
  /// - Anywhere: a placeholder YAML reads as a comment, leaving a null no author meant
  ///   (`ParsedFile.commentPlaceholders`: `#{Image}`).
  /// - Anywhere in a kind Kubernetes defines (not in a ConfigMap's or Secret's data, which is
  ///   any text, nor in custom resources, some of which render templates themselves): a whole
  ///   value that is a placeholder (`ParsedFile.placeholders`: `{{ ca_version }}`,
  ///   `{Organization name}`).
  static func templatePlaceholder(in object: KubeObject, file: ParsedFile) -> TemplatePlaceholder? {
    // Checked for every object: no arrays built.
    if let metadata = object.node.mapping(.metadata) {
      // RBAC names are path segments, which may hold angle brackets (`ops:<oncall>`).
      let segment = object.apiVersion.hasPrefix("rbac.authorization.k8s.io/")
      for key in [Key.name, .namespace] {
        let strict = !segment || key == .namespace
        // A cluster-scoped object's namespace is dropped, whatever it says.
        let capitals = strict && (key == .name || object.reference.namespace != nil)
        if let field = metadata.scalar(key),
          field.withScalarBytes({
            holdsPlaceholder($0, angles: strict) || (capitals && isWrittenInCapitals($0))
          })
        {
          return TemplatePlaceholder(field)
        }
      }
    }
    for container in object.podSpec?.containers ?? [] {
      if let image = container.image,
        image.withScalarBytes({
          holdsPlaceholder($0, angles: true, spaces: true, squareBrackets: true)
        })
      {
        return TemplatePlaceholder(image)
      }
    }
    let range = object.node.range
    let comments = file.commentPlaceholders
    if let index = firstIndex(in: comments.count, atOrAfter: range.start, { comments[$0].node }),
      comments[index].node.position < range.end
    {
      return TemplatePlaceholder(comments[index])
    }
    let placeholders = file.placeholders
    guard !placeholders.isEmpty, !APIVersion.isCustomResource(object.apiVersion),
      object.kind != "ConfigMap", object.kind != "Secret"
    else { return nil }
    guard
      let index = firstIndex(in: placeholders.count, atOrAfter: range.start, { placeholders[$0] }),
      placeholders[index].position < range.end
    else { return nil }
    return TemplatePlaceholder(placeholders[index])
  }

  /// The first of `count` nodes, sorted by position, at or after `start`.
  private static func firstIndex(
    in count: Int, atOrAfter start: SourcePosition, _ node: (Int) -> Node
  ) -> Int? {
    var low = 0
    var high = count
    while low < high {
      let middle = (low + high) / 2
      if node(middle).position < start { low = middle + 1 } else { high = middle }
    }
    return low < count ? low : nil
  }

  private static func holdsPlaceholder(
    _ bytes: UnsafeBufferPointer<UInt8>, angles: Bool, spaces: Bool = false,
    squareBrackets: Bool = false
  ) -> Bool {
    // An IPv6 registry's address is bracketed (`[fd00::1]:5000/app:1.0`).
    var hostEnd = 0
    if squareBrackets, bytes.first == UInt8(ascii: "["),
      let close = bytes.firstIndex(of: UInt8(ascii: "]")), close + 1 < bytes.count,
      bytes[close + 1] == UInt8(ascii: ":") || bytes[close + 1] == UInt8(ascii: "/")
    {
      hostEnd = close + 1
    }
    return bytes.indices.contains { index in
      let byte = bytes[index]
      return byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}")
        || (angles && (byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")))
        || (spaces && byte == 0x20)
        || (squareBrackets && index >= hostEnd
          && (byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")))
    }
  }

  /// Whether `bytes` hold two capitals or more and no lower-case letter.
  private static func isWrittenInCapitals(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var capitals = 0
    for byte in bytes {
      if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") { return false }
      if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { capitals += 1 }
    }
    return capitals >= 2
  }

  /// The tools that fill in a placeholder written as `text`, for a finding's words.
  static func toolsFilling(_ text: String) -> String {
    if text.contains("{{") { return "a template engine (Helm, Ansible, gomplate)" }
    if text.contains("${") || text.hasPrefix("$") { return "a tool (envsubst, Kustomize's vars)" }
    return "a tool (envsubst, Ansible, an operator) or a person"
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
