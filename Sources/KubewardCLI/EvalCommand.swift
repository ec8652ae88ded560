import ArgumentParser
import KubewardAdmission
import KubewardCEL
import KubewardEngine
import KubewardYAML

/// `kubeward eval EXPRESSION [--object FILE] [--var NAME=JSON]…`
struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Evaluate a CEL expression as an admission policy would, and print its value.",
    discussion: """
      The expression sees object (the manifest of --object), request (a CREATE of it), \
      params (--params), oldObject and namespaceObject (null), and every --var. The value is \
      printed as JSON (with --cel, as a CEL literal, which tells 1 from 1u and 1.0).

      Exit status: 0 with a value, 1 when evaluation fails, 2 when the expression does not \
      compile (its column is shown).
      """)

  @Argument(help: "The CEL expression, e.g. \"object.spec.replicas <= 5\".")
  var expression: String

  @Option(help: ArgumentHelp("A manifest to bind to object (its first object).", valueName: "file"))
  var object: String?

  @Option(help: ArgumentHelp("A manifest to bind to params.", valueName: "file"))
  var params: String?

  @Option(
    name: .customLong("var"),
    help: ArgumentHelp("Bind NAME to a JSON (or YAML) value (repeatable).", valueName: "name=json"))
  var variables: [String] = []

  @Flag(
    help: ArgumentHelp(
      "Evaluate as a Kyverno ValidatingPolicy does: with cel.bind, cel-go's math and base64 "
        + "functions and Kyverno's libraries that need no cluster (parseImageReference, "
        + "parseServiceAccount, time, listObjToMap)."))
  var kyverno = false

  @Flag(help: "Print the value as a CEL literal rather than JSON.")
  var cel = false

  @Flag(help: "Print the value as JSON that keeps CEL's types (for comparing engines).")
  var typedJSON = false

  @Option(
    help: ArgumentHelp(
      "Also evaluate it this many times and print the time per evaluation to standard error.",
      valueName: "count"))
  var `repeat`: Int?

  @Flag(
    help: ArgumentHelp(
      "Print the cost the evaluation spent to standard error, as Kubernetes counts it against "
        + "its limit of 1 000 000 per expression."))
  var cost = false

  /// The most `eval` prints.
  static let largestOutput = 16 << 20

  func run() throws {
    var bound: [String: Node] = [:]
    for assignment in variables {
      guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
        throw ValidationError("--var takes NAME=JSON, not \(VisibleText.escaped(assignment))")
      }
      let name = String(assignment[..<equals])
      // A name no expression can write (`a b`, `1x`, `in`, `a..b`) would be bound for
      // nothing. After a dot, a field may be a reserved word or quoted (`cfg.namespace`,
      // ``x.`my-field` ``).
      let parts = name.split(separator: ".", omittingEmptySubsequences: false)
      guard Names.isIdentifier(String(parts[0])), parts.dropFirst().allSatisfy({ !$0.isEmpty })
      else {
        throw ValidationError(
          "--var \(VisibleText.escaped(name)): not a name an expression can read (a CEL identifier, with fields after dots: letters, digits and _, not starting with a digit, not a reserved word)"
        )
      }
      let text = String(assignment[assignment.index(after: equals)...])
      let file = YAMLReader().read(text)
      // As for --object: a key written twice is refused, not kept twice in a CEL map.
      if let diagnostic = file.diagnostics.first {
        throw ValidationError(
          "--var \(VisibleText.escaped(name)): \(diagnostic.range.start): \(diagnostic.message)")
      }
      guard let node = file.documents.first?.root else {
        throw ValidationError("--var \(VisibleText.escaped(name)): not a JSON or YAML value")
      }
      bound[name] = node
    }
    let session = ExpressionSession(
      object: try object.map { try Self.firstObject(of: $0) },
      params: try params.map { try Self.firstObject(of: $0) }, variables: bound,
      kyverno: kyverno)
    try session.evaluate(expression) { outcome, cost in
      if self.cost {
        Output.standardError.write("kubeward: cost \(cost) of \(CostLimits.perExpression)\n")
      }
      try report(outcome, session: session)
    }
  }

  private func report(
    _ outcome: Result<Value, ExpressionSession.Failure>, session: ExpressionSession
  ) throws {
    switch outcome {
    case .success(let value):
      guard Builtins.printedWeight(value, limit: Self.largestOutput) <= Self.largestOutput else {
        Output.standardError.write(
          "kubeward: the value is too large to print (over 16 MiB, counting what YAML aliases repeat)\n"
        )
        throw ExitCode(1)
      }
      if let count = self.repeat, count > 0,
        let nanoseconds = session.timeEvaluations(expression, repetitions: count)
      {
        let each = Double(nanoseconds) / Double(count) / 1000
        let rounded = (each * 100).rounded() / 100
        Output.standardError.write("kubeward: \(count) evaluations, \(rounded) µs each\n")
      }
      // JSON and CEL keep their own escapes for what a terminal must not get raw, so that the
      // output stays valid; what neither writes is shown as messages are.
      let json = typedJSON ? value.typedJSONText : cel ? nil : value.jsonText
      let text =
        if let json {
          VisibleText.escaped(json, in: .json)
        } else if cel {
          VisibleText.escaped(value.literalText, in: .cel)
        } else {
          VisibleText.escaped(value.debugText)
        }
      Output.standardOutput.write(text + "\n")
    case .failure(let failure):
      var message = "kubeward: " + VisibleText.escaped(failure.message)
      if let offset = failure.offset {
        let prefix = String(decoding: Array(expression.utf8).prefix(offset), as: UTF8.self)
        let column = prefix.unicodeScalars.count + 1
        let (shown, caret) = Self.excerpt(of: expression, at: column - 1)
        message =
          "kubeward: column \(column): \(VisibleText.escaped(failure.message))\n  "
          + shown + "\n  " + String(repeating: " ", count: caret) + "^"
      }
      Output.standardError.write(message + "\n")
      throw ExitCode(failure.isCompileError ? 2 : 1)
    }
  }

  /// The characters of the expression shown on each side of an error's column.
  static let excerptWidth = 60

  /// The expression as shown above an error's caret: escaped as messages are (a tab is `\t`,
  /// two characters), and only `excerptWidth` characters either side of the error's, `…`
  /// marking what is left out (a megabyte's expression made a line and a caret line of a
  /// megabyte each); and how many terminal columns of it precede the error's character, where
  /// the caret goes (a CJK character or an emoji takes two).
  static func excerpt(of expression: String, at index: Int) -> (shown: String, caret: Int) {
    let scalars = Array(expression.unicodeScalars)
    let index = min(index, scalars.count)
    let start = max(0, index - excerptWidth)
    let end = min(scalars.count, index + excerptWidth)
    func text(_ range: Range<Int>) -> String {
      var view = String.UnicodeScalarView()
      view.append(contentsOf: scalars[range])
      return VisibleText.escaped(String(view))
    }
    let before = (start > 0 ? "…" : "") + text(start..<index)
    let after = text(index..<end) + (end < scalars.count ? "…" : "")
    return (before + after, VisibleText.columns(before))
  }

  /// The first object of a manifest file (`-` for standard input).
  static func firstObject(of path: String) throws -> Node {
    let bytes: [UInt8]
    if path == "-" {
      guard case .bytes(let read) = readStandardInput(limit: 64 << 20) else {
        throw ValidationError("cannot read standard input")
      }
      bytes = read
    } else {
      guard let read = LintInput.contents(of: path) else {
        throw ValidationError("cannot read \(VisibleText.escaped(path))")
      }
      bytes = read
    }
    let file = YAMLReader().read(bytes)
    if let diagnostic = file.diagnostics.first {
      throw ValidationError(
        "\(VisibleText.escaped(path)):\(diagnostic.range.start): \(diagnostic.message)")
    }
    guard let root = file.documents.lazy.compactMap(\.root).first(where: \.isMapping) else {
      throw ValidationError("\(VisibleText.escaped(path)) holds no object")
    }
    return root
  }
}
