/// A parsed CEL expression. Macros (`has`, `all`, `exists`, `exists_one`, `map`, `filter`, the
/// two-variable forms, `optMap`, `optFlatMap`, `cel.bind`) are already expanded into
/// comprehensions. `offset` is where the node starts in the source, in bytes.
public struct Expr: Sendable {
  public indirect enum Kind: Sendable {
    case literal(Value)
    case identifier(String)
    /// `target.field`; `testOnly` for `has(target.field)`.
    case select(Expr, String, testOnly: Bool)
    /// `target.?field`
    case optionalSelect(Expr, String)
    case index(Expr, Expr)
    /// `target[?key]`
    case optionalIndex(Expr, Expr)
    /// A function (`size(x)`) or method (`x.size()`); operators are functions named as in
    /// cel-go (`_+_`, `_==_`, `!_`, `-_`, `@in`).
    case call(String, target: Expr?, arguments: [Expr])
    case and(Expr, Expr)
    case or(Expr, Expr)
    case conditional(Expr, Expr, Expr)
    /// Elements; those at `optionalIndices` were written `?e` (optional elements).
    case list([Expr], optionalIndices: Set<Int>)
    case map([MapEntry])
    /// `Message{field: value}`: protobuf messages, which Kubernetes objects are not.
    case message(String, [MapEntry])
    case comprehension(Comprehension)
  }

  public struct MapEntry: Sendable {
    public let key: Expr
    public let value: Expr
    public let isOptional: Bool
  }

  public let kind: Kind
  public let offset: Int
  /// How many nodes deep the tree under this one is. Compiling, evaluating and freeing an
  /// expression recurse through it, so the parser refuses trees deeper than
  /// `Parser.maximumHeight`, including the left-leaning chains (`1 + 1 + …`, `a.b.c…`,
  /// `x[0][0]…`) that it builds in loops rather than by recursion.
  public let height: Int

  public init(kind: Kind, offset: Int) {
    self.kind = kind
    self.offset = offset
    self.height = 1 + Self.childHeight(kind)
  }

  private static func childHeight(_ kind: Kind) -> Int {
    children(of: kind).map(\.height).max() ?? 0
  }

  /// The expressions directly under one: the one walk of the tree the others build on.
  private static func children(of kind: Kind) -> [Expr] {
    switch kind {
    case .literal, .identifier: return []
    case .select(let target, _, _), .optionalSelect(let target, _): return [target]
    case .index(let a, let b), .optionalIndex(let a, let b), .and(let a, let b), .or(let a, let b):
      return [a, b]
    case .call(_, let target, let arguments): return [target].compactMap { $0 } + arguments
    case .conditional(let a, let b, let c): return [a, b, c]
    case .list(let elements, _): return elements
    case .map(let entries), .message(_, let entries): return entries.flatMap { [$0.key, $0.value] }
    case .comprehension(let comprehension):
      return [comprehension.range]
        + [comprehension.predicate, comprehension.transform]
        .compactMap { $0 }
    }
  }

  /// `a.b.c` as its names, when the expression is a chain of field selections (not `has()`)
  /// on a name: how a qualified name is read (a function `sets.contains`, a variable `a.b`).
  public var qualifiedParts: [String]? {
    var reversed: [String] = []
    var current = self
    while true {
      switch current.kind {
      case .identifier(let root):
        reversed.append(root)
        return reversed.reversed()
      case .select(let target, let field, false):
        reversed.append(field)
        current = target
      default:
        return nil
      }
    }
  }

  /// Where the expression first reads the name `name` (not a field of that name, not a
  /// comprehension variable that hides it; `.name`, the root-qualified form, is never
  /// hidden), as a byte offset.
  public func firstReference(to name: String) -> Int? {
    firstReference(to: name, hidden: false)
  }

  private func firstReference(to name: String, hidden: Bool) -> Int? {
    // Loops, not `lazy.compactMap(…).first`: that reads the element it finds twice, and an
    // expression nested n deep was searched 2ⁿ times.
    var hidden = hidden
    let children: [Expr]
    switch kind {
    case .identifier(let identifier):
      if identifier.hasPrefix("."), identifier.utf8.dropFirst().elementsEqual(name.utf8) {
        return offset
      }
      return !hidden && identifier == name ? offset : nil
    case .comprehension(let comprehension):
      if let found = comprehension.range.firstReference(to: name, hidden: hidden) {
        return found
      }
      hidden = hidden || comprehension.variable == name || comprehension.variable2 == name
      children = [comprehension.predicate, comprehension.transform].compactMap { $0 }
    default:
      children = Self.children(of: kind)
    }
    for child in children {
      if let found = child.firstReference(to: name, hidden: hidden) { return found }
    }
    return nil
  }

  /// Whether every name the expression reads from outside (its free identifiers: not a
  /// comprehension's variables; `.x` is `x`) is one of `names`.
  public func readsOnly(_ names: Set<String>) -> Bool {
    everyFreeRead { free, _, _ in free.map(names.contains) ?? true }
  }

  /// Whether the expression reads `names` (free, as in `readsOnly`) only through fields of
  /// their `metadata` other than `annotations` (`object.metadata.name`,
  /// `object.?metadata.?labels`): what a version conversion of the object leaves as it is.
  /// (It may write annotations: a HorizontalPodAutoscaler converted to `autoscaling/v1`
  /// keeps the metrics v1 has no field for in them.)
  public func readsOnlyMetadata(of names: Set<String>) -> Bool {
    everyFreeRead { free, parent, grandparent in
      guard let free, names.contains(free) else { return true }
      switch parent?.kind {
      case .select(_, "metadata", testOnly: false), .optionalSelect(_, "metadata"): break
      default: return false
      }
      switch grandparent?.kind {
      case .select(_, let field, _), .optionalSelect(_, let field): return field != "annotations"
      default: return false
      }
    }
  }

  /// Whether the expression reads none of `fields` of `name` (free), nor `name` whole.
  public func readsNone(of fields: Set<String>, of name: String) -> Bool {
    everyFreeRead { free, parent, _ in
      guard free == name else { return true }
      switch parent?.kind {
      case .select(_, let field, _), .optionalSelect(_, let field): return !fields.contains(field)
      default: return false
      }
    }
  }

  /// The fields of `name` (free, as in `readsOnly`) the expression reads (`variables.a`
  /// gives `a`); `nil` when it reads `name` otherwise than by a field (`variables['a']`).
  public func fieldsRead(of name: String) -> Set<String>? {
    var fields: Set<String> = []
    let byFields = everyFreeRead { free, parent, _ in
      guard free == name else { return true }
      switch parent?.kind {
      case .select(_, let field, _), .optionalSelect(_, let field):
        fields.insert(field)
        return true
      default: return false
      }
    }
    return byFields ? fields : nil
  }

  /// Whether `accepts` holds for every identifier of the expression, given the name it reads
  /// from outside (`nil`: a comprehension's variable; `.x` reads `x`), the expression that
  /// holds it directly and the one that holds that (`nil` above the top).
  private func everyFreeRead(
    _ accepts: (_ free: String?, _ parent: Expr?, _ grandparent: Expr?) -> Bool
  ) -> Bool {
    var bound: [String] = []
    func walk(_ expression: Expr, in parent: Expr?, _ grandparent: Expr?) -> Bool {
      switch expression.kind {
      case .identifier(let identifier):
        if identifier.hasPrefix(".") {
          return accepts(String(identifier.dropFirst()), parent, grandparent)
        }
        return accepts(bound.contains(identifier) ? nil : identifier, parent, grandparent)
      case .comprehension(let comprehension):
        guard walk(comprehension.range, in: expression, parent) else { return false }
        let count = bound.count
        bound.append(comprehension.variable)
        if let second = comprehension.variable2 { bound.append(second) }
        defer { bound.removeSubrange(count...) }
        for child in [comprehension.predicate, comprehension.transform] {
          if let child, !walk(child, in: expression, parent) { return false }
        }
        return true
      default:
        for child in Self.children(of: expression.kind)
        where !walk(child, in: expression, parent) {
          return false
        }
        return true
      }
    }
    return walk(self, in: nil, nil)
  }
}

/// A macro expanded: iterate `range`, binding `variable` (and `variable2`: the index or the
/// key, in the two-variable forms), and combine per `kind`.
public struct Comprehension: Sendable {
  public enum Kind: Sendable {
    case all, exists, existsOne
    /// `map(x, t)` and `map(x, p, t)`.
    case map
    case filter
    /// `transformList(i, v, t)`, `transformMap(k, v, t)`, `transformMapEntry(k, v, t)`.
    case transformList, transformMap, transformMapEntry
    /// `optional.optMap(x, t)` and `optFlatMap`.
    case optionalMap, optionalFlatMap
    /// `cel.bind(x, init, e)`.
    case bind
  }

  public let kind: Kind
  public let range: Expr
  public let variable: String
  /// The second variable of the two-variable forms: `variable` is then the index (list) or
  /// key (map), this one the value.
  public let variable2: String?
  /// The filter of `filter`, `map(x, p, t)` and the predicates of `all`/`exists`.
  public let predicate: Expr?
  public let transform: Expr?
}

/// Parses CEL (the grammar of cel-spec's langdef.md) with precedence climbing, expanding
/// macros, with a nesting limit so that hostile input cannot exhaust the stack.
struct Parser {
  private var tokens: [Token]
  private var position = 0
  private var depth = 0
  static let maximumDepth = 250
  /// The deepest expression tree accepted (see `Expr.height`): far beyond any policy, well
  /// within a thread's stack.
  static let maximumHeight = 600
  /// The longest expression cel-go's parser reads, in code points (its default
  /// `ExpressionSizeCodePointLimit`, which Kubernetes keeps): a longer one is refused whole,
  /// before it is read, so the API server refuses a policy that holds one.
  static let maximumCodePoints = 100_000
  let macros: Bool
  /// Whether `cel.bind` is a macro (cel-go's bindings extension). Kubernetes does not enable
  /// it: there it is a call of an undeclared `cel`, which its checker refuses.
  let bindings: Bool
  /// Whether `math.greatest` and `math.least` are macros (cel-go's math extension).
  let mathMacros: Bool

  init(_ text: String, macros: Bool = true, bindings: Bool = true, mathMacros: Bool = false)
    throws(CELSyntaxError)
  {
    var lexer = Lexer(text)
    tokens = try lexer.tokens()
    self.macros = macros
    self.bindings = bindings
    self.mathMacros = mathMacros
  }

  static func parse(
    _ text: String, macros: Bool = true, bindings: Bool = true, mathMacros: Bool = false
  ) throws(CELSyntaxError) -> Expr {
    // No more bytes than the limit is no more code points: only a longer text is counted.
    if text.utf8.count > maximumCodePoints {
      let size = text.unicodeScalars.count
      if size > maximumCodePoints {
        throw CELSyntaxError(
          message:
            "expression code point size exceeds limit: size: \(size), limit \(maximumCodePoints)",
          offset: 0)
      }
    }
    var parser = try Parser(text, macros: macros, bindings: bindings, mathMacros: mathMacros)
    let expression = try parser.expression()
    guard case .end = parser.current.kind else {
      throw parser.error("unexpected \(parser.describe(parser.current))")
    }
    return expression
  }

  private var current: Token { tokens[position] }

  private func error(_ message: String, at offset: Int? = nil) -> CELSyntaxError {
    CELSyntaxError(message: message, offset: offset ?? current.offset)
  }

  private func describe(_ token: Token) -> String {
    switch token.kind {
    case .end: "end of expression"
    case .punctuation(let text): "'\(text)'"
    case .identifier(let name), .reserved(let name): "'\(name)'"
    default: "literal"
    }
  }

  private func isPunctuation(_ text: String) -> Bool {
    if case .punctuation(let found) = current.kind { return found == text }
    return false
  }

  private mutating func accept(_ text: String) -> Bool {
    guard isPunctuation(text) else { return false }
    position += 1
    return true
  }

  private mutating func expect(_ text: String) throws(CELSyntaxError) {
    guard accept(text) else { throw error("expected '\(text)', found \(describe(current))") }
  }

  /// `expression`, unless it is deeper than `maximumHeight`: checked where the parser builds
  /// chains in loops, which its recursion limit does not see.
  private func bounded(_ expression: Expr) throws(CELSyntaxError) -> Expr {
    guard expression.height <= Self.maximumHeight else {
      throw error("expression nested too deeply", at: expression.offset)
    }
    return expression
  }

  private mutating func nested<T>(_ body: (inout Parser) throws(CELSyntaxError) -> T)
    throws(CELSyntaxError) -> T
  {
    depth += 1
    defer { depth -= 1 }
    guard depth <= Self.maximumDepth else { throw error("expression nested too deeply") }
    return try body(&self)
  }

  mutating func expression() throws(CELSyntaxError) -> Expr {
    try nested { parser throws(CELSyntaxError) in
      let condition = try parser.or()
      // At its `?`, as cel-go places a conditional (and its errors).
      let question = parser.current.offset
      guard parser.accept("?") else { return condition }
      let then = try parser.or()
      try parser.expect(":")
      let otherwise = try parser.expression()
      return Expr(kind: .conditional(condition, then, otherwise), offset: question)
    }
  }

  private mutating func or() throws(CELSyntaxError) -> Expr {
    var terms = [try and()]
    var offsets: [Int] = []
    while case .punctuation("||") = current.kind {
      offsets.append(current.offset)
      position += 1
      terms.append(try and())
    }
    return try bounded(Self.balanced(terms, offsets) { .or($0, $1) })
  }

  private mutating func and() throws(CELSyntaxError) -> Expr {
    var terms = [try relation()]
    var offsets: [Int] = []
    while case .punctuation("&&") = current.kind {
      offsets.append(current.offset)
      position += 1
      terms.append(try relation())
    }
    return try bounded(Self.balanced(terms, offsets) { .and($0, $1) })
  }

  /// A chain of `||` (or `&&`) as a balanced tree, as cel-go's parser builds it: a policy's
  /// allow-list of a thousand alternatives is as deep as ten, where a chain was a thousand
  /// deep and refused. The operators are commutative, and the terms keep their order.
  private static func balanced(
    _ terms: [Expr], _ offsets: [Int], _ make: (Expr, Expr) -> Expr.Kind
  ) -> Expr {
    func tree(_ low: Int, _ high: Int) -> Expr {
      guard low < high else { return terms[low] }
      let middle = (low + high + 1) / 2
      return Expr(
        kind: make(tree(low, middle - 1), tree(middle, high)), offset: offsets[middle - 1])
    }
    return tree(0, terms.count - 1)
  }

  private static let relations: [String: String] = [
    "<": "_<_", "<=": "_<=_", ">": "_>_", ">=": "_>=_", "==": "_==_", "!=": "_!=_",
  ]

  private mutating func relation() throws(CELSyntaxError) -> Expr {
    var left = try addition()
    while true {
      let offset = current.offset
      var function: String?
      switch current.kind {
      case .punctuation(let text): function = Self.relations[text]
      case .identifier("in"): function = "@in"
      default: break
      }
      guard let function else { return left }
      position += 1
      let right = try addition()
      left = try bounded(
        Expr(kind: .call(function, target: nil, arguments: [left, right]), offset: offset))
    }
  }

  private mutating func addition() throws(CELSyntaxError) -> Expr {
    var left = try multiplication()
    while case .punctuation(let text) = current.kind, text == "+" || text == "-" {
      let offset = current.offset
      position += 1
      let right = try multiplication()
      left = try bounded(
        Expr(
          kind: .call(text == "+" ? "_+_" : "_-_", target: nil, arguments: [left, right]),
          offset: offset))
    }
    return left
  }

  private mutating func multiplication() throws(CELSyntaxError) -> Expr {
    var left = try unary()
    while case .punctuation(let text) = current.kind, text == "*" || text == "/" || text == "%" {
      let offset = current.offset
      position += 1
      let right = try unary()
      let function = text == "*" ? "_*_" : (text == "/" ? "_/_" : "_%_")
      left = try bounded(
        Expr(kind: .call(function, target: nil, arguments: [left, right]), offset: offset))
    }
    return left
  }

  private mutating func unary() throws(CELSyntaxError) -> Expr {
    let offset = current.offset
    // A run of `!` or of `-` is one operator or none, as cel-go's parser reads it
    // (`VisitLogicalNot`, `VisitNegate`): an even run is dropped (`!!x` is `x`, whatever `x`
    // is), an odd one applies once.
    if isPunctuation("!") {
      var count = 0
      while accept("!") { count += 1 }
      let operand = try nested { parser throws(CELSyntaxError) in try parser.member() }
      guard count % 2 == 1 else { return operand }
      return try bounded(
        Expr(kind: .call("!_", target: nil, arguments: [operand]), offset: offset))
    }
    if isPunctuation("-") {
      var count = 0
      while accept("-") { count += 1 }
      // A negated literal is the negative literal: -9223372036854775808 is an int, and
      // -1 a constant. Only one `-` is the literal's sign: cel-go's grammar takes a longer
      // run as operators (`---9223372036854775808` is an invalid int literal there).
      if count == 1, let literal = negatedLiteral() {
        position += 1
        return try memberSuffixes(Expr(kind: .literal(literal), offset: offset))
      }
      let operand = try nested { parser throws(CELSyntaxError) in try parser.member() }
      guard count % 2 == 1 else { return operand }
      return try bounded(
        Expr(kind: .call("-_", target: nil, arguments: [operand]), offset: offset))
    }
    return try member()
  }

  /// The value of the literal at the cursor negated, when the literal is a number that stays
  /// one negated (and is not followed by a member access, which binds tighter).
  private func negatedLiteral() -> Value? {
    // The end of the input has no token after it.
    guard position + 1 < tokens.count else { return nil }
    if case .punctuation(let next) = tokens[position + 1].kind, next == "." || next == "[" {
      return nil
    }
    switch current.kind {
    case .int(let value): return .int(-value)
    case .bigInt(let value) where value == UInt64(Int64.max) + 1: return .int(Int64.min)
    case .double(let value): return .double(-value)
    default: return nil
    }
  }

  private mutating func member() throws(CELSyntaxError) -> Expr {
    try memberSuffixes(try primary())
  }

  private mutating func memberSuffixes(_ base: Expr) throws(CELSyntaxError) -> Expr {
    var expression = base
    while true {
      let offset = current.offset
      if accept(".") {
        let name = try fieldName()
        // A method call is where its `(` is, as cel-go places it (`a.f(x)`: at 3).
        let open = current.offset
        if accept("(") {
          let arguments = try argumentList(")")
          expression = try bounded(
            call(name, target: expression, arguments: arguments, offset: open))
        } else {
          expression = try bounded(
            Expr(kind: .select(expression, name, testOnly: false), offset: offset))
        }
      } else if accept(".?") {
        let name = try fieldName()
        expression = try bounded(Expr(kind: .optionalSelect(expression, name), offset: offset))
      } else if accept("[") {
        let key = try self.expression()
        try expect("]")
        expression = try bounded(Expr(kind: .index(expression, key), offset: offset))
      } else if accept("[?") {
        let key = try self.expression()
        try expect("]")
        expression = try bounded(Expr(kind: .optionalIndex(expression, key), offset: offset))
      } else {
        return expression
      }
    }
  }

  /// A field or method name: any identifier, reserved words included (`{'as': 1}.as`), or a
  /// back-quoted name (`` a.`b-c` ``); not the words the grammar makes tokens of their own
  /// (`in`, `true`, `false`, `null`), which cel-go's parser refuses there.
  private mutating func fieldName() throws(CELSyntaxError) -> String {
    switch current.kind {
    case .identifier(let name) where Self.keywords.contains(name):
      throw error("unexpected '\(name)': it is a keyword, not a name")
    case .identifier(let name), .reserved(let name), .quotedField(let name):
      position += 1
      return name
    default:
      throw error("expected a field name, found \(describe(current))")
    }
  }

  private mutating func argumentList(_ closing: String) throws(CELSyntaxError) -> [Expr] {
    var arguments: [Expr] = []
    if accept(closing) { return arguments }
    while true {
      arguments.append(try expression())
      if accept(closing) { return arguments }
      try expect(",")
    }
  }

  private mutating func primary() throws(CELSyntaxError) -> Expr {
    let token = current
    let offset = token.offset
    switch token.kind {
    case .int(let value):
      position += 1
      return Expr(kind: .literal(.int(value)), offset: offset)
    case .bigInt:
      throw error("integer literal out of range")
    case .uint(let value):
      position += 1
      return Expr(kind: .literal(.uint(value)), offset: offset)
    case .double(let value):
      position += 1
      return Expr(kind: .literal(.double(value)), offset: offset)
    case .string(let text):
      position += 1
      return Expr(kind: .literal(.string(text)), offset: offset)
    case .bytes(let bytes):
      position += 1
      return Expr(kind: .literal(.bytes(bytes)), offset: offset)
    case .reserved(let word):
      throw error("reserved identifier '\(word)'")
    case .identifier("in"):
      throw error("unexpected 'in': it is a keyword, not a name")
    case .identifier(let name):
      position += 1
      return try identifier(name, offset: offset)
    case .punctuation("."):
      // A name qualified from the root container: `.cel.expr.Type`.
      position += 1
      guard case .identifier(let name) = current.kind else {
        throw error("expected an identifier after '.'")
      }
      position += 1
      return try identifier("." + name, offset: offset)
    case .punctuation("("):
      position += 1
      let inner = try expression()
      try expect(")")
      return inner
    case .punctuation("["):
      position += 1
      return try list(offset: offset)
    case .punctuation("[?"):
      // `[?a, b]`: a list whose first element is optional.
      position += 1
      return try list(offset: offset, firstOptional: true)
    case .punctuation("{"):
      position += 1
      return try map(offset: offset)
    default:
      throw error("unexpected \(describe(token))")
    }
  }

  private mutating func identifier(_ name: String, offset: Int) throws(CELSyntaxError) -> Expr {
    switch name {
    case "true": return Expr(kind: .literal(.bool(true)), offset: offset)
    case "false": return Expr(kind: .literal(.bool(false)), offset: offset)
    case "null": return Expr(kind: .literal(.null), offset: offset)
    default: break
    }
    // A call is where its `(` is, and a message where its `{` is, as cel-go places them.
    let open = current.offset
    if accept("(") {
      let arguments = try argumentList(")")
      return try call(name, target: nil, arguments: arguments, offset: open)
    }
    // `Message{…}` or `pkg.Message{…}`: a protobuf message construction.
    if isPunctuation("{") {
      position += 1
      return Expr(kind: .message(name, try entries(fieldKeys: true)), offset: open)
    }
    // `a.b.C{…}`: a message named by its qualified name.
    var qualified = name
    var lookahead = position
    while lookahead + 2 < tokens.count, case .punctuation(".") = tokens[lookahead].kind,
      case .identifier(let next) = tokens[lookahead + 1].kind
    {
      qualified += "." + next
      lookahead += 2
      if case .punctuation("{") = tokens[lookahead].kind {
        position = lookahead + 1
        return Expr(kind: .message(qualified, try entries(fieldKeys: true)), offset: offset)
      }
    }
    return Expr(kind: .identifier(name), offset: offset)
  }

  private mutating func list(offset: Int, firstOptional: Bool = false) throws(CELSyntaxError)
    -> Expr
  {
    var elements: [Expr] = []
    var optional: Set<Int> = firstOptional ? [0] : []
    if firstOptional {
      elements.append(try expression())
      if !accept("]") {
        try expect(",")
      } else {
        return Expr(kind: .list(elements, optionalIndices: optional), offset: offset)
      }
    }
    while !accept("]") {
      if accept("?") { optional.insert(elements.count) }
      elements.append(try expression())
      if accept("]") { break }
      try expect(",")
    }
    return Expr(kind: .list(elements, optionalIndices: optional), offset: offset)
  }

  private mutating func map(offset: Int) throws(CELSyntaxError) -> Expr {
    Expr(kind: .map(try entries(fieldKeys: false)), offset: offset)
  }

  private mutating func entries(fieldKeys: Bool) throws(CELSyntaxError) -> [Expr.MapEntry] {
    var entries: [Expr.MapEntry] = []
    while !accept("}") {
      let isOptional = accept("?")
      let key: Expr
      if fieldKeys {
        let offset = current.offset
        key = Expr(kind: .literal(.string(try fieldName())), offset: offset)
      } else {
        key = try expression()
      }
      try expect(":")
      let value = try expression()
      entries.append(Expr.MapEntry(key: key, value: value, isOptional: isOptional))
      if accept("}") { break }
      try expect(",")
    }
    return entries
  }

  // MARK: Macros

  private func call(_ name: String, target: Expr?, arguments: [Expr], offset: Int)
    throws(CELSyntaxError) -> Expr
  {
    guard macros else {
      return Expr(kind: .call(name, target: target, arguments: arguments), offset: offset)
    }
    if target == nil && name == "has" && arguments.count == 1 {
      guard case .select(let operand, let field, _) = arguments[0].kind else {
        throw error("invalid argument to has() macro", at: arguments[0].offset)
      }
      return Expr(kind: .select(operand, field, testOnly: true), offset: offset)
    }
    guard let target else {
      return Expr(kind: .call(name, target: nil, arguments: arguments), offset: offset)
    }
    if name == "sortBy", arguments.count == 2 {
      return try sortBy(target, arguments, offset: offset)
    }
    if mathMacros, name == "greatest" || name == "least", case .identifier("math") = target.kind {
      return try mathMacro(name, arguments, at: target.offset, offset: offset)
    }
    if bindings, name == "bind", case .identifier("cel") = target.kind, arguments.count == 3 {
      let variable = try variableName(arguments[0])
      return comprehension(
        .bind, range: arguments[1], variable, nil, nil, arguments[2], offset: offset)
    }
    let kind: Comprehension.Kind?
    switch (name, arguments.count) {
    case ("all", 2), ("all", 3): kind = .all
    case ("exists", 2), ("exists", 3): kind = .exists
    case ("exists_one", 2), ("existsOne", 2), ("exists_one", 3), ("existsOne", 3): kind = .existsOne
    case ("map", 2), ("map", 3): kind = .map
    case ("filter", 2): kind = .filter
    case ("transformList", 3), ("transformList", 4): kind = .transformList
    case ("transformMap", 3), ("transformMap", 4): kind = .transformMap
    case ("transformMapEntry", 3), ("transformMapEntry", 4): kind = .transformMapEntry
    case ("optMap", 2): kind = .optionalMap
    case ("optFlatMap", 2): kind = .optionalFlatMap
    default: kind = nil
    }
    guard let kind else {
      return Expr(kind: .call(name, target: target, arguments: arguments), offset: offset)
    }
    let twoVariables =
      switch kind {
      case .transformList, .transformMap, .transformMapEntry: true
      case .all, .exists, .existsOne: arguments.count == 3
      default: false
      }
    let first = try variableName(arguments[0])
    let second = twoVariables ? try variableName(arguments[1]) : nil
    let rest = Array(arguments.dropFirst(twoVariables ? 2 : 1))
    // cel-go's macros keep their result in `__result__`.
    for (name, argument) in [(first, arguments[0]), (second, arguments[1])]
    where name == "__result__" {
      throw error("iteration variable overwrites accumulator variable", at: argument.offset)
    }
    if let second, second == first {
      throw error("duplicate variable name: \(first)", at: arguments[1].offset)
    }
    switch kind {
    case .all, .exists, .existsOne, .filter:
      return comprehension(kind, range: target, first, second, rest[0], nil, offset: offset)
    case .map, .transformList, .transformMap, .transformMapEntry:
      let predicate = rest.count == 2 ? rest[0] : nil
      return comprehension(kind, range: target, first, second, predicate, rest.last, offset: offset)
    case .optionalMap, .optionalFlatMap:
      return comprehension(kind, range: target, first, nil, nil, rest[0], offset: offset)
    case .bind:
      return comprehension(kind, range: target, first, nil, nil, rest[0], offset: offset)
    }
  }

  /// `math.greatest(…)` and `math.least(…)`, as cel-go's math extension expands them: one
  /// number or a list literal of numbers, two numbers, or more made a list, given to
  /// `math.@max` (`math.@min`); a literal that is no number is refused.
  private func mathMacro(_ name: String, _ arguments: [Expr], at target: Int, offset: Int)
    throws(CELSyntaxError) -> Expr
  {
    func numeric(_ argument: Expr) -> Bool {
      switch argument.kind {
      case .literal(let value): value.isNumber
      case .list, .map, .message: false
      default: true
      }
    }
    let function = name == "greatest" ? "math.@max" : "math.@min"
    switch arguments.count {
    case 0: throw error("math.\(name)() requires at least one argument", at: target)
    case 1:
      if case .list(let elements, _) = arguments[0].kind, !elements.isEmpty,
        elements.allSatisfy(numeric)
      {
        return Expr(kind: .call(function, target: nil, arguments: arguments), offset: offset)
      }
      guard numeric(arguments[0]) else {
        throw error("math.\(name)() invalid single argument value", at: arguments[0].offset)
      }
      return Expr(kind: .call(function, target: nil, arguments: arguments), offset: offset)
    default:
      if let bad = arguments.first(where: { !numeric($0) }) {
        throw error("math.\(name)() simple literal arguments must be numeric", at: bad.offset)
      }
      let operands =
        arguments.count == 2
        ? arguments
        : [Expr(kind: .list(arguments, optionalIndices: []), offset: arguments[0].offset)]
      return Expr(kind: .call(function, target: nil, arguments: operands), offset: offset)
    }
  }

  /// `list.sortBy(e, key)`, as cel-go expands it: the list bound once, then sorted by the
  /// keys `list.map(e, key)` gives (`@` names cannot be written in an expression).
  private func sortBy(_ target: Expr, _ arguments: [Expr], offset: Int) throws(CELSyntaxError)
    -> Expr
  {
    switch target.kind {
    case .list, .select, .identifier, .comprehension, .call: break
    default:
      throw error(
        "sortBy can only be applied to a list, identifier, comprehension, call or select expression",
        at: target.offset)
    }
    let variable = try variableName(arguments[0])
    if variable == "__result__" {
      throw error("iteration variable overwrites accumulator variable", at: arguments[0].offset)
    }
    let input = Expr(kind: .identifier("@__sortBy_input__"), offset: target.offset)
    let keys = comprehension(
      .map, range: input, variable, nil, nil, arguments[1], offset: offset)
    let sorted = Expr(
      kind: .call("@sortByAssociatedKeys", target: input, arguments: [keys]), offset: offset)
    return comprehension(
      .bind, range: target, "@__sortBy_input__", nil, nil, sorted, offset: offset)
  }

  /// The words CEL's grammar makes tokens of their own, which no name may be.
  static let keywords: Set<String> = ["in", "true", "false", "null"]

  private func variableName(_ expression: Expr) throws(CELSyntaxError) -> String {
    guard case .identifier(let name) = expression.kind, !name.hasPrefix(".") else {
      throw error("argument must be a simple name", at: expression.offset)
    }
    return name
  }

  private func comprehension(
    _ kind: Comprehension.Kind, range: Expr, _ variable: String, _ variable2: String?,
    _ predicate: Expr?, _ transform: Expr?, offset: Int
  ) -> Expr {
    Expr(
      kind: .comprehension(
        Comprehension(
          kind: kind, range: range, variable: variable, variable2: variable2,
          predicate: predicate, transform: transform)),
      offset: offset)
  }
}
