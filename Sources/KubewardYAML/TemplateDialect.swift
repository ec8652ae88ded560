/// Which tool an unrendered template is written for, from what its `{{ … }}` say: the
/// advice names the tool that renders it. Helm's is told by its objects (`.Values`,
/// `.Release`, `.Chart`, `.Capabilities`, `.Files`) and its functions (`include`, `toYaml`:
/// `HelmExpression.markers`);
/// a file of other `{{ … }}` (kube-burner's `{{.Replica}}`, Jinja's `{{ item }}` and
/// `{% … %}`, gomplate, consul-template) is rendered by a tool kubeward cannot name. Argo's
/// parameters (`{{args.…}}`, `{{inputs.parameters.…}}`, `{{workflow.…}}`) are no template
/// of the file: the controller that reads the object fills them in at run time, and the
/// file is YAML once they are quoted.
enum TemplateDialect: Equatable {
  case helm
  case runTime
  case other

  /// How Argo's run-time parameters start (Rollouts' analysis `args`, Workflows' `inputs`,
  /// `outputs`, `workflow`, `steps` and `tasks`).
  static let runTimeRoots = ["args.", "inputs.", "outputs.", "workflow.", "steps.", "tasks."]

  /// Looks at each action (`{{` to its `}}` or the line's end) once: linear in the bytes.
  static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> TemplateDialect {
    var index = 0
    var runTimeOnly: Bool?
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
      runTimeOnly = (runTimeOnly ?? true) && isRunTimeParameter(action)
      index = end
    }
    return runTimeOnly == true ? .runTime : .other
  }

  /// Whether `action` (from its `{{`) names one of Argo's run-time parameters.
  private static func isRunTimeParameter(_ action: UnsafeBufferPointer<UInt8>) -> Bool {
    var start = 2
    while start < action.count, action[start] == UInt8(ascii: " ") { start += 1 }
    let rest = UnsafeBufferPointer(rebasing: action[start...])
    return runTimeRoots.contains { root in
      root.utf8.count <= rest.count && zip(root.utf8, rest).allSatisfy { $0 == $1 }
    }
  }

  /// The command that lints what the template renders.
  var command: String {
    switch self {
    case .helm: "`helm template RELEASE CHART | kubeward lint -`"
    case .runTime, .other: "the tool's output piped to `kubeward lint -`"
    }
  }

  /// How to lint a file of templates.
  var renderFirst: String {
    switch self {
    case .helm: "render it first (\(command))"
    case .runTime:
      "quote it (`\"{{args.name}}\"`): the controller that reads the object (Argo's) fills "
        + "its parameters in at run time"
    case .other:
      "render it first with the tool it is written for (\(command)), or, if it is a blank "
        + "for a reader to fill in (`{{ your-address }}`), fill it in"
    }
  }
}
