/// The functions an expression may call, by name: overloads tried in order until one accepts
/// the arguments' kinds (CEL dispatches on runtime types: `dyn` values included). A library
/// is built once and shared.
public struct Library: Sendable {
  public struct Overload: Sendable {
    let name: String
    /// Called as a method (`x.f(y)`); the receiver is the first argument.
    let member: Bool
    /// Arguments, the receiver included.
    let arity: Int
    /// The result, or `nil` when the arguments are not of this overload's kinds.
    let body: (@Sendable ([Value], inout EvaluationContext) -> Value?)?
    /// For functions that choose which arguments to evaluate.
    let lazyBody: (@Sendable ([Program.Step], inout EvaluationContext) -> Value)?
    /// The comparison `body` applies, when it is one: the compiler then applies it directly.
    var comparison: Comparison? = nil
    /// What `body` does with two strings, when it takes two strings (and nothing else): the
    /// compiler then calls it directly on them.
    var strings: (@Sendable (String, String, inout EvaluationContext) -> Value)? = nil

    var isLazy: Bool { lazyBody != nil }
  }

  private var table: [String: [Overload]] = [:]

  public init() {}

  mutating func add(
    _ name: String, member: Bool = false, arity: Int,
    _ body: @escaping @Sendable ([Value], inout EvaluationContext) -> Value?
  ) {
    table[name, default: []].append(
      Overload(name: name, member: member, arity: arity, body: body, lazyBody: nil))
  }

  /// Adds the function both as a global function and as a method on its first argument
  /// (`size(x)` and `x.size()`).
  mutating func addBoth(
    _ name: String, arity: Int,
    _ body: @escaping @Sendable ([Value], inout EvaluationContext) -> Value?
  ) {
    add(name, member: false, arity: arity, body)
    add(name, member: true, arity: arity, body)
  }

  /// Adds a method of two strings, which the compiler may call without dispatching.
  mutating func addStrings(
    _ name: String, _ body: @escaping @Sendable (String, String, inout EvaluationContext) -> Value
  ) {
    var overload = Overload(
      name: name, member: true, arity: 2,
      body: { arguments, context in
        guard case .string(let a) = arguments[0], case .string(let b) = arguments[1] else {
          return nil
        }
        return body(a, b, &context)
      }, lazyBody: nil)
    overload.strings = body
    table[name, default: []].append(overload)
  }

  /// Adds a comparison operator, which the compiler may apply without dispatching.
  mutating func add(_ comparison: Comparison) {
    table[comparison.function, default: []].append(
      Overload(
        name: comparison.function, member: false, arity: 2,
        body: { arguments, context in comparison.apply(arguments[0], arguments[1], &context) },
        lazyBody: nil, comparison: comparison))
  }

  mutating func addLazy(
    _ name: String, member: Bool = false, arity: Int,
    _ body: @escaping @Sendable ([Program.Step], inout EvaluationContext) -> Value
  ) {
    table[name, default: []].append(
      Overload(name: name, member: member, arity: arity, body: nil, lazyBody: body))
  }

  func overloads(_ name: String, member: Bool, arity: Int) -> [Overload] {
    table[name]?.filter { $0.member == member && $0.arity == arity } ?? []
  }

  /// Whether any overload of `name` exists (of any form).
  func knows(_ name: String) -> Bool { table[name] != nil }

  /// The arities `name` is defined with, in each form.
  func arities(_ name: String, member: Bool) -> Set<Int> {
    Set(table[name]?.filter { $0.member == member }.map(\.arity) ?? [])
  }

  static func dispatch(
    _ name: String, _ overloads: [Overload], _ arguments: [Value],
    _ context: inout EvaluationContext
  ) -> Value {
    firstAccepting(overloads, arguments, &context) ?? .error(.noMatchingOverload(name))
  }

  /// The result of the first overload that accepts the arguments' kinds; `nil` when none does.
  @inline(__always)
  static func firstAccepting(
    _ overloads: [Overload], _ arguments: [Value], _ context: inout EvaluationContext
  ) -> Value? {
    // By index: iterating copied each overload (its name and both closures, a retain each)
    // for every call.
    for index in overloads.indices {
      if let result = overloads[index].body?(arguments, &context) { return result }
    }
    return nil
  }

  /// The standard library as the CEL specification and its conformance suite have it, the
  /// extensions at the versions cel-go offers, and Kubernetes' libraries.
  public static let standard = make(kubernetes: false)

  /// What ValidatingAdmissionPolicy and Kyverno's ValidatingPolicy offer, as cel-go runs it:
  /// `standard` with the strings extension at version 2 (no `reverse` of a string), and a
  /// duration's `getMilliseconds()` in whole milliseconds.
  public static let kubernetes = make(kubernetes: true)

  /// This library with a function of a host's own (Kyverno's `parseServiceAccount`), which
  /// takes arguments of the kinds `body` accepts (`nil`: no such overload) and costs a unit
  /// per call, as a library function does.
  public func adding(
    _ name: String, arity: Int,
    _ body: @escaping @Sendable ([Value]) -> Value?
  ) -> Library {
    var library = self
    library.add(name, arity: arity) { arguments, _ in body(arguments) }
    return library
  }

  /// `adding(_:arity:_:)` for a function called on a value (`member`: `image(x).registry()`)
  /// or not, charged `surcharge(arguments)` units beyond its call's, before it runs (a
  /// function that reads a text charges `textSurcharge(_:)` for it).
  public func adding(
    _ name: String, member: Bool, arity: Int,
    surcharge: @escaping @Sendable ([Value]) -> Int = { _ in 0 },
    _ body: @escaping @Sendable ([Value]) -> Value?
  ) -> Library {
    var library = self
    library.add(name, member: member, arity: arity) { arguments, context in
      guard context.spend(surcharge(arguments)) else { return .error(costLimitExceeded) }
      return body(arguments)
    }
    return library
  }

  /// What a library function that reads `text` is charged beyond its call, as Kubernetes
  /// charges its string functions (see `traversalSurcharge`).
  public static func textSurcharge(_ text: String) -> Int { traversalSurcharge(text) }

  /// cel-go's extensions that Kubernetes does not enable and other environments (Kyverno's)
  /// do.
  public enum Extension: Sendable {
    /// `ext.Math`: `math.greatest`, `math.least`, `math.ceil`, `math.abs`, the bit operations …
    case math
    /// `ext.Encoders`: `base64.encode`, `base64.decode`.
    case encoders
  }

  /// This library with `extensions`.
  public func adding(_ extensions: Extension...) -> Library {
    var library = self
    for item in extensions {
      switch item {
      case .math: MathExtension.register(&library)
      case .encoders: EncodersExtension.register(&library)
      }
    }
    return library
  }

  private static func make(kubernetes: Bool) -> Library {
    var library = Library()
    Builtins.register(&library)
    Strings.register(&library, version: kubernetes ? 2 : 3)
    Time.register(&library, wholeMilliseconds: kubernetes)
    Regex.register(&library)
    KubernetesLibrary.register(&library, kubernetes: kubernetes)
    return library
  }
}

extension Library {
  /// What a call that reads `text` costs beyond its own unit, as Kubernetes' cost estimator
  /// charges the string functions it knows (`lowerAscii`, `trim`, `url`, `quantity`, `ip`,
  /// `cidr`, …): a unit per ten code points, rounded up, read `passes` times, in place of that
  /// unit. Without it a loop could read a long string a million times for free.
  static func traversalSurcharge(_ text: String, passes: Int = 1) -> Int {
    traversalSurcharge(codePoints: Strings.codePointCount(text), passes: passes)
  }

  /// The same for a text of `codePoints` code points (a result not built yet).
  static func traversalSurcharge(codePoints: Int, passes: Int = 1) -> Int {
    max(0, (passes * codePoints + 9) / 10 - 1)
  }
}
