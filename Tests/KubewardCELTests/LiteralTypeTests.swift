import Testing

@testable import KubewardCEL

/// Kubernetes' compile-time checks of literals' types (`LiteralTypeChecker`): what cel-go's
/// checker rejects in the API server's environment is a compile error at the same place,
/// and nothing it accepts is rejected.
@Suite("Literal types")
struct LiteralTypeTests {
  /// The compile error of `expression` as Kubernetes compiles it (`object` and `params` of
  /// type dyn), or `nil` when it compiles.
  /// That `expression` does not compile, with `message` at `offset`.
  func expectCompileError(_ expression: String, _ message: String, at offset: Int) throws {
    let error = try #require(compileError(expression), "\(expression)")
    #expect(error.message == message, "\(expression)")
    #expect(error.offset == offset, "\(expression)")
  }

  func compileError(_ expression: String) -> CELCompileError? {
    do {
      _ = try Program(expression, validatesLiterals: true, dynamicNames: ["object", "params"])
      return nil
    } catch {
      return error
    }
  }

  /// Aggregate literals of one type: every element, key and value of the first one's type,
  /// `dyn` included; the error at the first element that differs (a call at its `(`), worded
  /// and placed as cel-go words and places it.
  @Test(arguments: [
    ("[1, 2.0]", "expected type 'int' but found 'double'", 4),
    ("[1, 2, 'a']", "expected type 'int' but found 'string'", 7),
    ("sets.contains([1], [1.0, 1])", "expected type 'double' but found 'int'", 25),
    ("[[1], [2, 3.0]]", "expected type 'int' but found 'double'", 10),
    ("[[1], ['a']]", "expected type 'list(int)' but found 'list(string)'", 6),
    ("{'a': 1, 'b': 'x'}", "expected type 'int' but found 'string'", 14),
    ("{'a': 1, 2: 1}", "expected type 'string' but found 'int'", 9),
    ("[object.metadata.name, 'x']", "expected type 'dyn' but found 'string'", 23),
    ("['x', params.name]", "expected type 'string' but found 'dyn'", 12),
    ("[dyn(1), 'a']", "expected type 'dyn' but found 'string'", 9),
    ("[null, 1]", "expected type 'null_type' but found 'int'", 7),
    (
      "[optional.of(1), optional.of('a')]",
      "expected type 'optional_type(int)' but found 'optional_type(string)'", 28
    ),
    (
      "[duration('1s'), timestamp('2024-01-01T00:00:00Z')]",
      "expected type 'google.protobuf.Duration' but found 'google.protobuf.Timestamp'", 26
    ),
  ])
  func mixedLiteralsAreCompileErrors(_ expression: String, message: String, offset: Int) throws {
    try expectCompileError(expression, message, at: offset)
    // Standard CEL joins the elements' types to dyn: there the literal is a value.
    if !expression.contains("object"), !expression.contains("params") {
      #expect(!(try Program(expression).evaluate(DictionaryActivation()).isError))
    }
  }

  /// What cel-go accepts, or what kubeward cannot type with certainty, compiles.
  @Test(arguments: [
    "[object.a, object.b]", "[dyn(1), dyn('a')]", "[[], [1]]", "[{}, {'a': 1}]",
    "'%s is %d'.format(['a', 1])", "'%s'.format([[1, 'a']])",
    // A typed name, and a comprehension's variable over a range whose type is not known here.
    "[request.name, 'x']", "[[1]].map(x, x + x).all(y, [y, 'a'].size() > 0)",
    "[?optional.of(1), 2.0]", "{'a': 1, 'b': 2}", "[1, 2].map(x, x * 2)",
    "['a', 'b'].join('-') == 'a-b'", "[1u, 2u]", "[b'a', b'b']",
    // cel-go declares int(duration); a mixed literal inside `format` is a list of dyn, which
    // every list overload takes; cel-go checks a format's arguments more leniently than
    // kubeward formats them, and only a literal format string with a literal list.
    "int(duration('1s')) > 0", "'%s'.format([[1, 'a'].max()])",
    "'%s'.format([['a', 1].join(',')])", "'%s'.format([[1, 2u].max().all(x, true)])",
    "'%s'.format([{1: 'a', 'b': 2}])", "('%' + 'd').format(['a'])", "'%f'.format(['NaN'])",
    "'%.101f'.format([1.0])", "'%d'.format(['a'] + [])", "'%d'.format([object.spec])",
  ])
  func whatCelGoAcceptsCompiles(_ expression: String) {
    #expect(
      compileError(expression) == nil, "\(expression): \(compileError(expression)?.message ?? "")")
  }

  /// A call on constants no overload accepts is rejected where the call is; a constant
  /// call that fails for its values (an index out of range) fails when it runs, as in cel-go.
  @Test(arguments: [
    ("'hello'.charAt(true)", "found no matching overload for 'charAt' applied to 'string.(bool)'"),
    (
      "isQuantity([1, 2, 3])",
      "found no matching overload for 'isQuantity' applied to '(list(int))'"
    ),
    ("1 + 1u", "found no matching overload for '_+_' applied to '(int, uint)'"),
    (
      "['a', 'b'].sum() == 'c'", "found no matching overload for 'sum' applied to 'list(string).()'"
    ),
    (
      "1.all(x, x > 0)",
      "expression of type 'int' cannot be range of a comprehension (must be list, map, or dynamic)"
    ),
    (
      "'abc'.exists(x, true)",
      "expression of type 'string' cannot be range of a comprehension (must be list, map, or dynamic)"
    ),
  ])
  func constantCallsNoOverloadAcceptsAreCompileErrors(_ expression: String, message: String) throws
  {
    let error = try #require(compileError(expression), "\(expression)")
    #expect(error.message == message, "\(expression)")
    // Without Kubernetes' checks the same mistake is an error of the evaluation.
    let lenient = try Program(expression)
    #expect(lenient.evaluate(DictionaryActivation()).isError, "\(expression)")
  }

  /// `==` and `!=` take two operands of one type (`(A, A) -> bool`): cel-go's checker refuses
  /// two known types that differ, which standard CEL compares at run time (cel-spec marks
  /// those cases `disable_check`). `dyn`, `null` and what is not known here agree with any.
  @Test(arguments: [
    ("size([1]) == 1.0", "found no matching overload for '_==_' applied to '(int, double)'"),
    ("1 == 1u", "found no matching overload for '_==_' applied to '(int, uint)'"),
    ("2u != 2", "found no matching overload for '_!=_' applied to '(uint, int)'"),
    (
      "[1] == [1.0]",
      "found no matching overload for '_==_' applied to '(list(int), list(double))'"
    ),
    (
      "{'a': 1} != {'a': 'b'}",
      "found no matching overload for '_!=_' applied to '(map(string, int), map(string, string))'"
    ),
  ])
  func equalityOfTwoTypesThatDifferIsACompileError(_ expression: String, message: String) throws {
    let error = try #require(compileError(expression), "\(expression)")
    #expect(error.message == message, "\(expression)")
    let lenient = try Program(expression).evaluate(DictionaryActivation())
    #expect(!lenient.isError, "\(expression)")
  }

  /// A conditional is `(bool, A, A) -> A` to cel-go's checker: branches of two known types
  /// that do not unify, or a condition that is no bool, are no overload (`null` unifies with
  /// the types that may be null, not with primitives, lists or maps). cel-cpp's checker
  /// gives the same errors.
  @Test(arguments: [
    ("true ? 1 : 'a'", "found no matching overload for '_?_:_' applied to '(bool, int, string)'"),
    ("true ? 1u : 1", "found no matching overload for '_?_:_' applied to '(bool, uint, int)'"),
    (
      "true ? null : 'a'",
      "found no matching overload for '_?_:_' applied to '(bool, null_type, string)'"
    ),
    (
      "true ? [1] : ['a']",
      "found no matching overload for '_?_:_' applied to '(bool, list(int), list(string))'"
    ),
    ("1 ? 1 : 2", "found no matching overload for '_?_:_' applied to '(int, int, int)'"),
    (
      "size(object.x) > 0 ? true : 1",
      "found no matching overload for '_?_:_' applied to '(bool, bool, int)'"
    ),
  ])
  func conditionalsOfBranchesThatDoNotUnifyAreCompileErrors(_ expression: String, message: String)
    throws
  {
    let error = try #require(compileError(expression), "\(expression)")
    #expect(error.message == message, "\(expression)")
    // At the `?`, as cel-go and cel-cpp place it.
    #expect(
      error.offset
        == expression.utf8.firstIndex(of: UInt8(ascii: "?")).map {
          expression.utf8.distance(from: expression.utf8.startIndex, to: $0)
        }, "\(expression)")
  }

  /// What cel-go types a conditional as, where kubeward knows it: `dyn` when a branch is.
  @Test(
    arguments: [
      ("true ? dyn(1) : 2", "dyn"), ("true ? true : object.x", "dyn"),
      ("has(object.x) ? object.x : true", "dyn"), ("object.x ? 1 : 2", "int"),
      ("true ? null : duration('1s')", nil), ("true ? [] : [1]", nil),
      ("true ? 'a' : 'b'", "string"),
      ("object.a.b == true", "bool"), ("has(object.a)", "bool"), ("[object][0]", "dyn"),
      ("[1][0]", "int"), ("{'a': 'b'}['a']", "string"), ("[object].map(x, x)[0]", "dyn"),
      ("[1].map(x, x * 2)[0]", "int"), ("['a'].map(s, s.size())[0]", "int"),
      ("[[1]].map(x, x + x)[0]", nil), ("{'a': 1}.transformMap(k, v, v + 1)", "map(string, int)"),
      ("[true].transformMap(i, v, !v)", "map(int, bool)"),
      ("{'a': 1}.transformMapEntry(k, v, {v: k})", "map(int, string)"),
      ("object.transformMap(k, v, 1)", "map(dyn, int)"),
    ] as [(String, String?)])
  func theCheckedTypeIsCelGosWhereKnown(_ expression: String, type: String?) throws {
    let program = try Program(
      expression, validatesLiterals: true, dynamicNames: ["object", "params"])
    #expect(program.checkedType == type, "\(expression)")
  }

  /// `?.` on a `dyn` object gives cel-go's `optional_type(dyn)`, and a field of an optional
  /// is optional; `orValue`, `value` and `or` give the value's type, unified with the
  /// default's. So a bare `object.?spec.orValue(true)` is `dyn`, as cel-go types it (the API
  /// server refuses it as a validation), and an optional is compared, chosen between or
  /// iterated only as an optional. (What kubeward does not type, it leaves unknown.)
  @Test func optionalsAreTypedAsCelGoTypesThem() throws {
    for (expression, type) in [
      ("object.?spec.orValue(true)", "dyn"), ("object.?spec", "optional_type(dyn)"),
      ("object.?a.b", "optional_type(dyn)"), ("object.?a.?b.orValue(1)", "dyn"),
      ("object.a.?b.orValue(true)", "dyn"), ("object.?a.value()", "dyn"),
      ("object.?a.hasValue()", "bool"), ("object.?a.or(object.?b).orValue(true)", "dyn"),
      ("object.?a.orValue(true) == true", "bool"), ("optional.of(1).orValue(2)", "int"),
      ("object[?'a'].orValue(true)", nil),
    ] as [(String, String?)] {
      let program = try Program(
        expression, validatesLiterals: true, dynamicNames: ["object", "params"])
      #expect(program.checkedType == type, "\(expression)")
    }
    for (expression, message) in [
      (
        "object.?a == 'x'",
        "found no matching overload for '_==_' applied to '(optional_type(dyn), string)'"
      ),
      (
        "true ? object.?a : 1",
        "found no matching overload for '_?_:_' applied to '(bool, optional_type(dyn), int)'"
      ),
      (
        "object.?a.all(x, true)",
        "expression of type 'optional_type(dyn)' cannot be range of a comprehension (must be list, map, or dynamic)"
      ),
    ] {
      #expect(compileError(expression)?.message == message, "\(expression)")
    }
    // An optional unifies with null and with another optional.
    for expression in ["true ? object.?a : null", "true ? object.?a : optional.none()"] {
      #expect(compileError(expression) == nil, "\(expression)")
    }
  }

  /// A comprehension's variables are of the types cel-go's checker gives them: a list's
  /// elements (and `int` indices, with two variables), a map's keys (and values), an
  /// optional's value (`optMap`), `cel.bind`'s value, `dyn` over `dyn`. So what is built of
  /// them is checked as what is built of constants is.
  @Test(arguments: [
    (
      "[1, 2].exists(x, x == 'a')",
      "found no matching overload for '_==_' applied to '(int, string)'", 19
    ),
    (
      "[1, 2].all(x, x == 1.0)", "found no matching overload for '_==_' applied to '(int, double)'",
      16
    ),
    ("[1, 2].all(x, [x, 'a'].size() > 0)", "expected type 'int' but found 'string'", 18),
    (
      "[1, 2].all(i, v, i == 'a')",
      "found no matching overload for '_==_' applied to '(int, string)'", 19
    ),
    (
      "{'a': 1}.all(k, k == 1)", "found no matching overload for '_==_' applied to '(string, int)'",
      18
    ),
    ("{'a': 1}.all(k, v, [k, v].size() > 0)", "expected type 'string' but found 'int'", 23),
    (
      "optional.of(1).optMap(x, x == 'a')",
      "found no matching overload for '_==_' applied to '(int, string)'", 27
    ),
    ("object.items.all(x, [x, 'a'].size() > 0)", "expected type 'dyn' but found 'string'", 24),
    (
      "[1, 2].map(x, x).exists(y, y == 'a')",
      "found no matching overload for '_==_' applied to '(int, string)'", 29
    ),
    (
      "[1, 2].filter(x, x > 1)[0] == 'a'",
      "found no matching overload for '_==_' applied to '(int, string)'", 27
    ),
    (
      "[1].map(x, 'a')[0] == 1", "found no matching overload for '_==_' applied to '(string, int)'",
      19
    ),
    (
      "[1].transformList(i, v, v)[0] == 'a'",
      "found no matching overload for '_==_' applied to '(int, string)'", 30
    ),
    (
      "optional.of(1).optMap(x, x).value() == 'a'",
      "found no matching overload for '_==_' applied to '(int, string)'", 36
    ),
    (
      "{'a': 1}.transformMap(k, v, v)['a'] == 'x'",
      "found no matching overload for '_==_' applied to '(int, string)'", 36
    ),
  ])
  func comprehensionVariablesAreTyped(_ expression: String, message: String, offset: Int) throws {
    try expectCompileError(expression, message, at: offset)
  }

  /// A call on operands of known primitive types is resolved from their types, as cel-go's
  /// checker resolves it, when they are not constants too: comprehension variables, `cel.bind`
  /// values and what functions of them give. A call no overload takes is refused where the
  /// API server refuses it; until now it compiled, and erred on every object.
  @Test(arguments: [
    (
      "[1, 2].map(x, x + 'a')", "found no matching overload for '_+_' applied to '(int, string)'",
      16
    ),
    (
      "size(object.a) + 'x'", "found no matching overload for '_+_' applied to '(int, string)'", 15
    ),
    ("[1, 2].all(x, !x)", "found no matching overload for '!_' applied to '(int)'", 14),
    (
      "cel.bind(n, 1, n + 'a' == 'b')",
      "found no matching overload for '_+_' applied to '(int, string)'", 17
    ),
    (
      "[1, 2].map(x, x * 2)[0] == 'a'",
      "found no matching overload for '_==_' applied to '(int, string)'", 24
    ),
    (
      "['a'].all(s, s.size() == 'b')",
      "found no matching overload for '_==_' applied to '(int, string)'", 22
    ),
    (
      "[duration('1s')].all(d, d * 2 > d)",
      "found no matching overload for '_*_' applied to '(google.protobuf.Duration, int)'", 26
    ),
  ])
  func callsOnTypedOperandsAreResolvedByType(_ expression: String, message: String, offset: Int)
    throws
  {
    try expectCompileError(expression, message, at: offset)
  }

  /// A member call names the receiver's type as cel-go does, and what the overloads take
  /// compiles: cross-type numeric comparisons (Kubernetes turns them on), conversions, and
  /// values that are errors at run time only (`int('a')`).
  @Test func typedCallsThatAnOverloadTakesCompile() {
    #expect(
      compileError("['a'].all(s, s.startsWith(1))")?.message
        == "found no matching overload for 'startsWith' applied to 'string.(int)'")
    for expression in [
      "[1, 2].map(x, x + 1).size() > 0", "['a'].all(s, s + 'b' == 'ab')", "[1, 2].all(x, x < 1.5)",
      "['a'].all(s, int(s) > 0)", "[1].all(x, string(x) == '1')", "[1].all(x, x / 0 == 1)",
      "['a'].all(s, s.matches(s))",
      "[timestamp('2024-01-01T00:00:00Z')].all(t, t + duration('1s') > t)",
      "['1'].all(s, quantity(s).isGreaterThan(quantity('0')))", "[1u].all(u, u + 1u > 0u)",
      "cel.bind(n, object.a, n + 'a' == 'b')", "[1, 2].all(x, dyn(x) + 'a' == 'b')",
      "[null].all(n, n == null)",
    ] {
      #expect(
        compileError(expression) == nil,
        "\(expression): \(compileError(expression)?.message ?? "")")
    }
  }

  /// `@in` takes an element of the list's type or a key of the map's, and `_[_]` an `int`
  /// index of a list or a key of the map's type, as cel-go declares them; an element of a
  /// list of known type is of that type. `dyn`, what is not known here and `null` pass.
  @Test(arguments: [
    ("1 in [1.0]", "found no matching overload for '@in' applied to '(int, list(double))'", 2),
    (
      "'a' in {1: 'x'}",
      "found no matching overload for '@in' applied to '(string, map(int, string))'", 4
    ),
    ("[1, 2][1u]", "found no matching overload for '_[_]' applied to '(list(int), uint)'", 6),
    (
      "{'a': 1}[1]", "found no matching overload for '_[_]' applied to '(map(string, int), int)'",
      8
    ),
    ("[1, 2][0] == 'a'", "found no matching overload for '_==_' applied to '(int, string)'", 10),
  ])
  func membershipAndIndexTakeTheirContainersTypes(
    _ expression: String, message: String, offset: Int
  ) throws {
    try expectCompileError(expression, message, at: offset)
    for accepted in [
      "dyn(1) in [1.0]", "dyn([1, 2])[1u]", "1 in []", "null in [1]", "object.a in [1]",
      "[1, 2][dyn(0)]", "{'a': 1}['a'] == 1", "'a' in {'a': 1}", "[[1]][0] == [2]",
    ] {
      #expect(compileError(accepted) == nil, "\(accepted)")
    }
  }

  @Test func equalityOfDynOrUnknownTypesCompiles() {
    for expression in [
      "object.spec.replicas == 1.0", "dyn(1) == 1.0", "dyn([1, 2]).all(x, x == 1.0)",
      "size(object.spec.containers) == 1", "[object.a] == [1]", "type(1) == int",
      "object.x == null", "null == 1", "[1] == []", "{} == {'a': 1}", "1.0 != 2.0",
    ] {
      #expect(
        compileError(expression) == nil,
        "\(expression): \(compileError(expression)?.message ?? "")")
    }
  }

  /// A literal format string is checked against its literal list of arguments as cel-go
  /// checks it (strings version 2): each clause parses and has an argument of a type it
  /// takes, and no argument is left over; the error at the argument when it is about one.
  @Test(arguments: [
    ("'%a'.format([1])", "could not parse formatting clause: unrecognized formatting clause \"a\""),
    ("'%d %d %d'.format([0, 1])", "index 2 out of range"),
    (
      "'%s %s'.format(['a', 'b', 'c'])",
      "too many arguments supplied to string.format (expected 2, got 3)"
    ),
    (
      "'%d'.format(['a'])",
      "error during formatting: decimal clause can only be used on integers, was given string"
    ),
    (
      "'%x'.format([null])",
      "error during formatting: only integers, byte buffers, and strings can be formatted as hex, was given null_type"
    ),
    (
      "'%.'.format([1.0])",
      "could not parse formatting clause: error while parsing precision: could not find end of precision specifier"
    ),
  ])
  func formatStringsAreCheckedAgainstTheirArguments(_ expression: String, message: String) throws {
    let error = try #require(compileError(expression), "\(expression)")
    #expect(error.message == message, "\(expression)")
    if expression == "'%d'.format(['a'])" { #expect(error.offset == 13) }
  }

  /// No conversion takes a type: cel-go's checker refuses `string(type(x))` whatever `x` is
  /// (Kubernetes' validation tests), where it ran and failed.
  @Test func conversionsOfTypesAreRefused() throws {
    for expression in [
      "string(type(object.spec)).endsWith('x')", "int(type(1))", "string(type(params))",
    ] {
      let error = try #require(compileError(expression), "\(expression)")
      #expect(error.message.contains("applied to '(type)'"), "\(expression): \(error.message)")
    }
    #expect(compileError("type(object.spec) == int") == nil)
    #expect(compileError("string(object.kind)") == nil)
  }

  @Test func runtimeErrorsOfConstantsStayRuntimeErrors() throws {
    for expression in [
      "'abc'.indexOf('b', 10) == 1", "1 / 0 == 1", "[1, 2][5] == 1", "int('x') == 1",
    ] {
      #expect(compileError(expression) == nil, "\(expression)")
      let program = try Program(expression, validatesLiterals: true)
      #expect(program.evaluate(DictionaryActivation()).isError, "\(expression)")
    }
    // Folding is not evaluating: a constant expression still gives its value when it runs.
    let program = try Program("[1, 2, 3].sum() + size('abc')", validatesLiterals: true)
    #expect(program.evaluate(DictionaryActivation()).debugText == "9")
  }

  /// Kubernetes' `sum()` has an overload per element type, each starting from its type's
  /// zero: an empty list the checker knows the type of sums to that zero; one of unknown
  /// type (`[]`, `dyn`, an object's field) to the first overload's, int 0.
  @Test func anEmptyTypedListSumsToItsTypesZero() throws {
    let cases: [(String, String)] = [
      ("[1.5].filter(x, x > 5.0).sum()", "0.0"), ("[1u, 2u].filter(x, x > 5u).sum()", "0u"),
      ("[duration('1s')].filter(x, false).sum()", "duration(\"0s\")"),
      ("[1, 2].filter(x, false).sum()", "0"), ("[].sum()", "0"),
      ("dyn([1.5]).filter(x, x > 5.0).sum()", "0"), ("[0u].sum()", "0u"), ("[2.5].sum()", "2.5"),
    ]
    for (expression, expected) in cases {
      let program = try Program(expression, library: .kubernetes, validatesLiterals: true)
      #expect(program.evaluate(DictionaryActivation()).literalText == expected, "\(expression)")
    }
  }

  /// Folding shares one budget: a constant call that would spend more is left to run time
  /// (where the expression's own budget stops it), and compiling stays quick.
  @Test func foldingIsBounded() throws {
    let list = "[" + (0..<4_000).map(String.init).joined(separator: ", ") + "]"
    let expression = "sets.contains(\(list), \(list))"
    let start = ContinuousClock.now
    #expect(compileError(expression) == nil)
    #expect(ContinuousClock.now - start < .seconds(2))
    let program = try Program(expression, validatesLiterals: true)
    #expect(program.evaluate(DictionaryActivation()).isError)
  }
}
