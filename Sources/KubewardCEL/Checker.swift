/// A light checker, run once when an expression is compiled: it finds the mistakes a policy
/// author would otherwise meet only when the expression runs on the one object that reaches
/// them: functions that do not exist (`name.startWith('x')`), calls with the wrong number of
/// arguments, and, when the names an expression may use are declared, names that are not
/// (`objet.spec`). Types are left to evaluation: Kubernetes objects are `dyn` to the checker
/// too, unless a schema is known.
struct Checker {
  let library: Library
  let declarations: Set<String>?
  /// Kubernetes' literal validators (from 1.29): a constant regular expression, duration or
  /// timestamp that is invalid is a compile error, not an error of every evaluation; and the
  /// checks of `LiteralTypeChecker` (aggregate literals of one type, calls on constants and on
  /// operands of known types).
  var validatesLiterals = false
  /// Declared names that are objects of known fields (an admission policy's `variables`),
  /// with whether a field is one: another is a compile error, `undefined field`, as in cel-go.
  var fields: [String: @Sendable (String) -> Bool] = [:]

  /// `name.field` names a field its object does not have.
  private func undefinedField(_ parts: [String], scope: Set<String>) -> String? {
    guard parts.count >= 2, !scope.contains(parts[0]), let isField = fields[parts[0]],
      !isField(parts[1])
    else { return nil }
    return parts[1]
  }

  /// With `validatesLiterals`: names whose type is `dyn` (see `LiteralTypeChecker`).
  var dynamicNames: Set<String> = []
  /// With `validatesLiterals`: the types of declared fields (see `LiteralTypeChecker`).
  var fieldTypes: [String: @Sendable (String) -> LiteralTypeChecker.StaticType?] = [:]
  /// With `validatesLiterals`: names of declared object types (see `DeclaredObjectType`).
  var typedNames: [String: DeclaredObjectType] = [:]

  /// Checks `expression`; with `validatesLiterals`, gives its type as cel-go's checker
  /// would, as far as it is known here (`nil` without `validatesLiterals`).
  /// `emptySums` are `LiteralTypeChecker.emptySums`.
  func check(_ expression: Expr) throws(CELCompileError) -> (
    type: LiteralTypeChecker.StaticType?, emptySums: [Int: Value]
  ) {
    try visit(expression, scope: [])
    guard validatesLiterals else { return (nil, [:]) }
    var literals = LiteralTypeChecker(library: library, dynamicNames: dynamicNames)
    literals.fieldTypes = fieldTypes
    literals.typedNames = typedNames
    let type = try literals.check(expression)
    return (type, literals.emptySums)
  }

  private func error(_ message: String, _ expression: Expr) -> CELCompileError {
    CELCompileError(message: message, offset: expression.offset)
  }

  private func isDeclared(_ parts: [String], scope: Set<String>) -> Bool {
    let root = parts[0].hasPrefix(".") ? String(parts[0].dropFirst()) : parts[0]
    if scope.contains(root) { return true }
    guard let declarations else { return true }
    var name = root
    if declarations.contains(name) || Builtins.typeNamed(name) != nil { return true }
    for part in parts.dropFirst() {
      name += "." + part
      if declarations.contains(name) || Builtins.typeNamed(name) != nil { return true }
    }
    return false
  }

  private func visit(_ expression: Expr, scope: Set<String>) throws(CELCompileError) {
    switch expression.kind {
    case .literal:
      return
    case .identifier(let name):
      if !isDeclared([name], scope: scope) {
        throw error("undeclared reference to '\(name)'", expression)
      }
    case .select(let target, let field, let testOnly):
      if !testOnly, let parts = expression.qualifiedParts, !scope.contains(parts[0]) {
        if !isDeclared(parts, scope: scope) {
          throw error("undeclared reference to '\(parts[0])'", expression)
        }
        if let undefined = undefinedField(parts, scope: scope) {
          throw error("undefined field '\(undefined)'", expression)
        }
        return
      }
      if testOnly, let parts = target.qualifiedParts,
        let undefined = undefinedField(parts + [field], scope: scope)
      {
        throw error("undefined field '\(undefined)'", expression)
      }
      try visit(target, scope: scope)
    case .optionalSelect(let target, _):
      try visit(target, scope: scope)
    case .index(let target, let key), .optionalIndex(let target, let key):
      try visit(target, scope: scope)
      try visit(key, scope: scope)
    case .and(let left, let right), .or(let left, let right):
      try visit(left, scope: scope)
      try visit(right, scope: scope)
    case .conditional(let condition, let then, let otherwise):
      try visit(condition, scope: scope)
      try visit(then, scope: scope)
      try visit(otherwise, scope: scope)
    case .list(let elements, _):
      for element in elements { try visit(element, scope: scope) }
    case .map(let entries), .message(_, let entries):
      for entry in entries {
        try visit(entry.key, scope: scope)
        try visit(entry.value, scope: scope)
      }
    case .call(let name, let target, let arguments):
      try checkCall(name, target: target, arguments: arguments, expression, scope: scope)
    case .comprehension(let comprehension):
      try visit(comprehension.range, scope: scope)
      var inner = scope
      inner.insert(comprehension.variable)
      if let second = comprehension.variable2 { inner.insert(second) }
      if let predicate = comprehension.predicate { try visit(predicate, scope: inner) }
      if let transform = comprehension.transform { try visit(transform, scope: inner) }
    }
  }

  private func checkCall(
    _ name: String, target: Expr?, arguments: [Expr], _ expression: Expr, scope: Set<String>
  ) throws(CELCompileError) {
    // `optional.of(x)`, `sets.contains(a, b)`: a function named by a qualified name.
    if let target, let parts = target.qualifiedParts, !scope.contains(parts[0]) {
      let full = parts.joined(separator: ".") + "." + name
      if library.knows(full) {
        try checkArity(full, member: false, count: arguments.count, expression)
        for argument in arguments { try visit(argument, scope: scope) }
        return
      }
    }
    if let target { try visit(target, scope: scope) }
    for argument in arguments { try visit(argument, scope: scope) }
    try checkArity(
      name, member: target != nil, count: arguments.count + (target == nil ? 0 : 1), expression)
    if validatesLiterals { try checkLiterals(name, target: target, arguments: arguments) }
  }

  /// cel-go's `ValidateRegexLiterals`, `ValidateDurationLiterals` and
  /// `ValidateTimestampLiterals`, and Kubernetes' compiling of constant `find` patterns.
  private func checkLiterals(_ name: String, target: Expr?, arguments: [Expr])
    throws(CELCompileError)
  {
    switch (name, target == nil, arguments.count) {
    case ("matches", true, 2), ("matches", false, 1), ("find", false, 1), ("findAll", false, _):
      let pattern = target == nil ? arguments[1] : arguments[0]
      guard case .literal(.string(let text)) = pattern.kind else { return }
      do {
        _ = try Regex(text)
      } catch {
        throw self.error("invalid \(name) argument: \(error.message)", pattern)
      }
    case ("duration", true, 1):
      guard case .literal(.string(let text)) = arguments[0].kind else { return }
      if Duration(parsing: text) == nil {
        throw error("invalid duration argument: '\(text)'", arguments[0])
      }
    case ("timestamp", true, 1):
      switch arguments[0].kind {
      case .literal(.string(let text)) where Timestamp(parsing: text) == nil:
        throw error("invalid timestamp: '\(text)'", arguments[0])
      case .literal(.int(let seconds)) where Timestamp(seconds: seconds) == nil:
        throw error("invalid timestamp: \(seconds)", arguments[0])
      default: return
      }
    default:
      return
    }
  }

  private func checkArity(_ name: String, member: Bool, count: Int, _ expression: Expr)
    throws(CELCompileError)
  {
    guard library.knows(name) else {
      throw error("undeclared reference to '\(name)' (no such function)", expression)
    }
    let arities = library.arities(name, member: member)
    guard arities.contains(count) else {
      let form = member ? "method" : "function"
      let given = member ? count - 1 : count
      let expected = arities.sorted().map { String(member ? $0 - 1 : $0) }
      if expected.isEmpty {
        let other = member ? "a function" : "a method"
        throw error("'\(name)' is \(other), not a \(form)", expression)
      }
      throw error(
        "found no matching overload for '\(name)': \(form) takes \(expected.joined(separator: " or ")) argument\(expected == ["1"] ? "" : "s"), given \(given)",
        expression)
    }
  }
}
