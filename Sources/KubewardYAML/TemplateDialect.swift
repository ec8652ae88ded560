/// Which tool an unrendered template is written for, from what its `{{ … }}` say: the
/// advice names the tool that renders it. Helm's is told by its objects (`.Values`,
/// `.Release`, `.Chart`, `.Capabilities`, `.Files`) and its functions (`include`, `toYaml`:
/// `HelmExpression.markers`);
/// a file of other `{{ … }}` (kube-burner's `{{.Replica}}`, Jinja's `{{ item }}` and
/// `{% … %}`, gomplate, consul-template) is rendered by a tool kubeward cannot name.
enum TemplateDialect: Equatable {
  case helm
  case other

  /// Looks at each action (`{{` to its `}}` or the line's end) once: linear in the bytes.
  static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> TemplateDialect {
    var index = 0
    while index + 1 < bytes.count {
      guard bytes[index] == UInt8(ascii: "{"), bytes[index + 1] == UInt8(ascii: "{") else {
        index += 1
        continue
      }
      var end = index + 2
      while end < bytes.count, bytes[end] != UInt8(ascii: "\n"),
        !(bytes[end] == UInt8(ascii: "}") && bytes[end - 1] == UInt8(ascii: "}"))
      {
        end += 1
      }
      let action = UnsafeBufferPointer(rebasing: bytes[index..<end])
      if HelmExpression.markers.contains(where: { HelmExpression.contains(action, $0) }) {
        return .helm
      }
      index = end
    }
    return .other
  }

  /// The command that lints what the template renders.
  var command: String {
    switch self {
    case .helm: "`helm template RELEASE CHART | kubeward lint -`"
    case .other: "`RENDERER … | kubeward lint -`"
    }
  }

  /// How to lint a file of templates.
  var renderFirst: String {
    switch self {
    case .helm: "render it first (\(command))"
    case .other: "render it first with the tool it is written for (\(command))"
    }
  }
}
