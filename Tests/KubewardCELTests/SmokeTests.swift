import Testing

@testable import KubewardCEL

@Suite("CEL smoke")
struct SmokeTests {
  /// `size()` of a string counts code points eight bytes at a time: every mix of one- to
  /// four-byte characters, at every length and offset, counts as the scalars do.
  @Test func codePointsAreCountedAsScalars() {
    let pieces = ["a", "é", "€", "😀", " ", "\u{80}", "\u{7FF}", "\u{FFFF}", "\u{10FFFF}"]
    var text = ""
    for round in 0..<200 {
      text += pieces[(round * 7 + round / 3) % pieces.count]
      #expect(Strings.codePointCount(text) == text.unicodeScalars.count, "\(text)")
      let tail = String(text.unicodeScalars.dropFirst(round % 5))
      #expect(Strings.codePointCount(tail) == tail.unicodeScalars.count, "\(tail)")
    }
    #expect(Strings.codePointCount("") == 0)
  }

  /// `startsWith`, `endsWith` and `contains` are called directly on two strings, and through
  /// the library's dispatch otherwise: both give the value, the error and the cost the
  /// overload gives.
  @Test func stringMethodsCalledDirectlyAreTheLibrarysOverloads() throws {
    let long = String(repeating: "ab", count: 40)
    let names: [String: Value] = ["s": .string(long), "n": .int(1), "d": .string("b")]
    let cases: [(String, String, Int)] = [
      // Reading `s` (1), the call (1), and a unit and one per ten bytes of `s` (9).
      ("s.startsWith('ab')", "true", 11), ("s.endsWith('ba')", "false", 11),
      ("s.contains(d)", "true", 12), ("s.contains('')", "true", 11),
      ("'é'.startsWith(d)", "false", 3),
      ("n.startsWith('a')", "no matching overload for 'startsWith'", 2),
      ("s.endsWith(n)", "no matching overload for 'endsWith'", 3),
    ]
    for (source, expected, cost) in cases {
      let program = try Program(source, library: .kubernetes, check: false)
      let (value, spent) = program.evaluateWithCost(DictionaryActivation(names))
      let text: String
      if case .error(let error) = value { text = error.message } else { text = value.debugText }
      #expect(text == expected, "\(source)")
      #expect(spent == cost, "\(source)")
      // The overload itself, as dispatch calls it.
      let overloads = Library.kubernetes.overloads(
        String(source.split(separator: ".")[1].prefix { $0 != "(" }), member: true, arity: 2)
      #expect(overloads.count == 1 && overloads[0].strings != nil, "\(source)")
    }
  }

  /// A condition that is no bool, of a ternary or of a macro's step, errs as cel-go's `&&`,
  /// `||` and `_?_:_` do ("no such overload"): the API server's message quotes it, where
  /// kubeward said "no matching overload for 'all'". A false element still decides `all`.
  @Test func conditionsThatAreNoBoolErrAsCelGoSays() throws {
    let names: [String: Value] = ["ys": .list(ArrayList([.int(1), .int(2)]))]
    for source in [
      "ys.all(e, e)", "ys.exists(e, e)", "ys.exists_one(e, e)", "ys.filter(e, e)",
      "ys.map(e, e, e)", "dyn(1) ? 1 : 2", "{'a': 1}.all(k, dyn(k))",
    ] {
      let program = try Program(source, library: .kubernetes, check: false)
      guard case .error(let error) = program.evaluate(DictionaryActivation(names)) else {
        Issue.record("\(source) did not err")
        continue
      }
      #expect(error.message == "no such overload", "\(source): \(error.message)")
    }
    let decided = try Program("[1, false].all(e, e)", library: .kubernetes, check: false)
    guard case .bool(false) = decided.evaluate(DictionaryActivation([:])) else {
      Issue.record("a false element did not decide all()")
      return
    }
  }

  /// An error does not end a `filter`, `map` or `exists_one`, as it does not end cel-go's
  /// loops: a predicate's error is the result, the last one; a transform's stays, the first,
  /// unless a predicate errs after it. (cel-cpp, through cel-expr-python, says the same.)
  @Test func errorsInLoopsAreTheOnesCelGoKeeps() throws {
    let names: [String: Value] = [
      "l": .list(ArrayList([.int(0), .string("a")])),
      "m": .list(ArrayList([.int(0), .string("a"), .int(1)])),
    ]
    let byZero = "division by zero"
    let noOverload = "no matching overload for '_/_'"
    for (source, expected) in [
      ("l.filter(x, 1 / x > 0)", noOverload), ("l.exists_one(x, 1 / x > 0)", noOverload),
      ("l.map(x, 1 / x)", byZero), ("m.map(x, x != 1, 1 / x)", byZero),
      ("m.map(x, 1 / x != 1, x)", noOverload), ("l.all(x, 1 / x > 0)", byZero),
    ] {
      let program = try Program(source, library: .kubernetes, check: false)
      guard case .error(let error) = program.evaluate(DictionaryActivation(names)) else {
        Issue.record("\(source) did not err")
        continue
      }
      #expect(error.message == expected, "\(source): \(error.message)")
    }
  }

  /// An index past a list's end errs in cel-go's words, which the API server's messages quote
  /// ("index out of bounds: 5"; kubeward added the list's size).
  @Test func indexesPastTheEndErrAsCelGoSays() throws {
    let names: [String: Value] = ["xs": .list(ArrayList([.int(1), .int(2)]))]
    for (source, expected) in [
      ("xs[5]", "index out of bounds: 5"), ("xs[-1]", "index out of bounds: -1"),
      ("[1, 2][2]", "index out of bounds: 2"),
      ("xs[dyn(1.5)]", "unsupported index value 1.5 in list"),
      ("xs[dyn(18446744073709551615u)]", "unsupported index value 18446744073709551615 in list"),
    ] {
      let program = try Program(source, library: .kubernetes, check: false)
      guard case .error(let error) = program.evaluate(DictionaryActivation(names)) else {
        Issue.record("\(source) did not err")
        continue
      }
      #expect(error.message == expected, "\(source): \(error.message)")
    }
  }

  /// A chain of field selections on a name reads as one qualified name, which the checker,
  /// the compiler and the literal checks resolve alike; anything else in the chain is not one.
  @Test func qualifiedNamesAreChainsOfSelections() throws {
    let cases: [(String, [String]?)] = [
      ("a.b.c", ["a", "b", "c"]), (".a.b", [".a", "b"]), ("a", ["a"]), ("has(a.b)", nil),
      ("a[0].b", nil), ("a.?b", nil), ("f(a).b", nil),
    ]
    for (source, parts) in cases {
      #expect(try Parser.parse(source).qualifiedParts == parts, "\(source)")
    }
  }

  /// `cel.bind` is a macro of cel-go's bindings extension: with it left out (Kubernetes), it
  /// is a call of an undeclared `cel`, refused when checked.
  @Test func bindingsAreAnExtension() throws {
    let source = "cel.bind(x, 2, x * x)"
    let value = try Program(source).evaluate(DictionaryActivation())
    #expect(value.debugText == "4")
    #expect(throws: CELCompileError.self) {
      try Program(source, declarations: [], bindings: false)
    }
  }

  /// `in`, `true`, `false` and `null` are tokens of CEL's grammar, not names: no field and no
  /// comprehension variable may be one (cel-go's parser refuses them), where the reserved
  /// words that are only kept from use (`as`, `if`) may be fields.
  @Test func keywordsAreNoNames() throws {
    for source in [
      "[1].all(in, true)", "{'in': 1}.in", "{'true': 1}.true", "{'null': 1}.null",
      "has({'in': 1}.in)", "[1].exists(i, i, true)",
    ] {
      #expect(throws: CELCompileError.self, "\(source)") { try Program(source) }
    }
    // In cel-go's words.
    do {
      _ = try Program("[1].exists(i, i, true)")
      Issue.record("a repeated variable compiled")
    } catch {
      #expect(error.message.contains("duplicate variable name: i"), "\(error.message)")
    }
    for (source, expected) in [
      ("{'as': 1}.as", "1"), ("{'in': 1}.`in`", "1"), ("[1].exists(inside, inside == 1)", "true"),
      ("1 in [1]", "true"),
    ] {
      #expect(
        try Program(source).evaluate(DictionaryActivation()).debugText == expected, "\(source)")
    }
  }

  /// `x.?a.?b` and `x.?a.?b.orValue(d)` run as one step each (no optional made between the
  /// fields): what each field gives, an optional that a map holds, a missing field, a field
  /// of something that is not a map, an error on the way, all as `.?` field after field.
  /// A run of `!` or `-` is one operator or none, as cel-go's parser reads it: `!!x` is `x`
  /// whatever `x` is (cel-cpp agrees; the differential test found `!!type(38) == int`).
  @Test func runsOfUnaryOperatorsAreOneOrNone() throws {
    let cases: [(String, String)] = [
      ("!!type(38) == int", "true"), ("!!'a'", "\"a\""), ("!!!true", "false"),
      ("--'a'", "\"a\""), ("--1", "1"), ("---1", "-1"), ("-(-1)", "1"), ("!(!true)", "true"),
    ]
    for (source, expected) in cases {
      #expect(
        try Program(source).evaluate(DictionaryActivation()).debugText == expected, "\(source)")
    }
    // Only a single `-` is a literal's sign: a longer run is operators on the unsigned
    // literal, which 9223372036854775808 overflows (cel-cpp and cel-go refuse it so).
    #expect(throws: CELCompileError.self) { try Program("---9223372036854775808") }
    #expect(
      try Program("-9223372036854775808").evaluate(DictionaryActivation()).debugText
        == "-9223372036854775808")
    // Written apart, each applies: `!` of a string is no overload.
    #expect(try Program("!(!'a')").evaluate(DictionaryActivation()).isError)
  }

  @Test func optionalChainsSelectAsEachFieldWould() throws {
    let cases: [(String, String)] = [
      ("{'a': {'b': 1}}.?a.?b", "optional.of(1)"),
      ("{'a': {'b': 1}}.?a.?c", "optional.none()"),
      ("{'a': {'b': 1}}.?x.?b", "optional.none()"),
      ("{'a': {'b': 1}}.?a.?b.orValue(2)", "1"),
      ("{'a': {}}.?a.?b.orValue(2)", "2"),
      ("{'a': 1}.?a.?b", "error(type 'int' does not support field selection)"),
      ("{'a': 1}.?a.?b.orValue(2)", "error(type 'int' does not support field selection)"),
      ("{'a': optional.of({'b': 3})}.?a.?b", "optional.of(3)"),
      ("{'a': optional.none()}.?a.?b.orValue(4)", "4"),
      ("{'a': optional.of(1)}.?a", "optional.of(optional.of(1))"),
      ("optional.of({'a': 5}).?a.orValue(0)", "5"),
      ("optional.none().?a.?b.orValue(6)", "6"),
      ("{'a': 1/0}.?a.orValue(1)", "error(division by zero)"),
      ("x.?a.?q.orValue(7)", "7"),
      ("x.?a.?z", "optional.none()"),
      ("x.?a.?b.?c.orValue(0)", "8"),
      // A field of a present null is no absent field: it has none (cel-spec's
      // `map_null_entry_no_such_key`); a missing entry stays absent.
      ("{'k': dyn(null)}.?k.f.hasValue()", "error(no such key: f)"),
      ("{'k': dyn(null)}.?k.hasValue()", "true"),
      ("{}.?k.f.hasValue()", "false"),
    ]
    let activation = DictionaryActivation([
      "x": .map(PathMap(depth: 0))
    ])
    for (source, expected) in cases {
      #expect(try Program(source).evaluate(activation).debugText == expected, "\(source)")
    }
  }

  /// What a version conversion leaves as it is: `object` read only through fields of its
  /// metadata other than its annotations (a conversion may write some).
  @Test func readingOnlyMetadata() throws {
    let cases: [(String, Bool)] = [
      ("object.metadata.name == 'a'", true),
      ("object.?metadata.?labels.orValue({}).size() > 0 && request.kind.kind == 'x'", true),
      ("has(object.metadata.labels) && object.metadata.labels.app == 'web'", true),
      ("object.?metadata.orValue({}).size() > 0", false),
      ("object.metadata.?annotations.orValue({}).all(k, k.startsWith('a/'))", false),
      ("has(object.metadata.annotations)", false),
      ("object.metadata['labels'].size() > 0", false),
      ("[1].all(object, object.spec > 0)", true),
      ("object.spec.replicas > 1", false),
      ("has(object.metadata)", false),
      ("object.metadata.name == oldObject.spec.name", false),
      ("object == null", false),
      ("[1].all(x, .object.spec == x)", false),
    ]
    for (source, expected) in cases {
      let program = try Program(source, check: false)
      #expect(
        program.expression.readsOnlyMetadata(of: ["object", "oldObject"]) == expected, "\(source)")
    }
  }

  /// A list plus an empty list is the list itself, not a copy: `containers +
  /// ?initContainers.orValue([])` kept the host's list (and where it is written, for the field
  /// a failing validation read) and made no copy of each element.
  @Test func concatenatingAnEmptyListKeepsTheList() throws {
    struct HostList: ListValue {
      let elements: [Value]
      var count: Int { elements.count }
      func element(at index: Int) -> Value { elements[index] }
    }
    let activation = DictionaryActivation([
      "host": .list(HostList(elements: [.int(1), .int(2)])), "none": .list(HostList(elements: [])),
    ])
    for source in ["host + []", "[] + host", "host + none", "none + host"] {
      guard case .list(let list) = try Program(source).evaluate(activation) else {
        Issue.record("\(source) is not a list")
        continue
      }
      #expect(list.exactly(HostList.self)?.count == 2, "\(source)")
    }
    // Costs are unchanged: one unit per element of the two lists.
    let (_, kept) = try Program("host + []").evaluateWithCost(activation)
    let (_, copied) = try Program("host + [3]").evaluateWithCost(activation)
    #expect(kept > 0)
    #expect(kept + 1 == copied)
    #expect(try Program("host + [3]").evaluate(activation).debugText == "[1, 2, 3]")
    #expect(try Program("[] + []").evaluate(activation).debugText == "[]")
  }

  /// Calls and literals of constants are worked out once, when compiled: each evaluation
  /// still gives the value and is charged the cost that working it out then would have.
  @Test func foldedConstantsCostWhatTheyWouldAtRunTime() throws {
    let cases: [(constant: String, computed: String, binding: Value)] = [
      ("quantity('2')", "quantity(x)", .string("2")),
      ("['a', 'b']", "[x, 'b']", .string("a")),
      ("{'a': [1, 2]}", "{x: [1, 2]}", .string("a")),
      ("'abc'.indexOf('c')", "x.indexOf('c')", .string("abc")),
      ("size('hello')", "size(x)", .string("hello")),
      ("'x'.matches('^[a-z]+$')", "x.matches('^[a-z]+$')", .string("x")),
    ]
    for (constant, computed, binding) in cases {
      // (Without `OptOptimize`'s constants: with it, a literal list or map costs nothing.)
      let folded = try Program(constant, optimizesConstants: false).evaluateWithCost(
        DictionaryActivation())
      let reference = try Program(computed, optimizesConstants: false).evaluateWithCost(
        DictionaryActivation(["x": binding]))
      #expect(folded.value.debugText == reference.value.debugText, "\(constant)")
      // Reading `x` costs a unit; a literal costs nothing (cel-go's `ConstCost`).
      #expect(folded.cost + 1 == reference.cost, "\(constant)")
      // A budget the work does not fit in stops the folded value too.
      let stopped = try Program(constant, optimizesConstants: false).evaluate(
        DictionaryActivation(), budget: folded.cost - 1)
      #expect(stopped.isError, "\(constant)")
    }
    // An error is not folded away: it is raised when evaluated.
    #expect(try Program("quantity('x')").evaluate(DictionaryActivation()).isError)
  }

  /// A path read from a name the activation shares (`object`) is selected once for all the
  /// programs that read it; other names and other paths select their own, and so do traced
  /// evaluations of a path not followed in place (`MapValue.selectTracing`: this map's).
  @Test func sharedNamesPathsAreSelectedOnce() throws {
    final class Reads: @unchecked Sendable { var count = 0 }
    struct CountingMap: MapValue {
      let reads: Reads
      let depth: Int
      var count: Int { 1 }
      var keys: [Value] { [.string("a")] }
      func value(for key: Value) -> Value? {
        reads.count += 1
        guard case .string("a") = key else { return nil }
        return depth == 2
          ? .int(Int64(reads.count)) : .map(CountingMap(reads: reads, depth: depth + 1))
      }
    }
    struct Shared: Activation {
      let values: [String: Value]
      let selections: SelectionCache? = SelectionCache(names: ["object"])
      func resolve(_ name: String) -> Value? { values[name] }
    }
    final class Tracer: AccessTracer {
      var reads = 0
      func read(_ key: Value, of container: Value) { reads += 1 }
      func read(_ key: Value, at location: HostLocation) { reads += 1 }
    }
    let objectReads = Reads()
    let otherReads = Reads()
    let activation = Shared(values: [
      "object": .map(CountingMap(reads: objectReads, depth: 0)),
      "other": .map(CountingMap(reads: otherReads, depth: 0)),
    ])
    let declarations: Set<String> = ["object", "other"]
    let first = try Program("object.a.a.a", declarations: declarations)
    let second = try Program("object.a.a.a + 0", declarations: declarations)
    #expect(first.evaluate(activation).debugText == "3")
    #expect(second.evaluate(activation).debugText == "3")
    #expect(objectReads.count == 3)
    // A shorter path is a path of its own.
    #expect(
      try Program("object.a.a", declarations: declarations).evaluate(activation).isError == false)
    #expect(objectReads.count == 5)
    // Names the activation does not share are read each time.
    _ = try Program("other.a.a.a", declarations: declarations).evaluate(activation)
    _ = try Program("other.a.a.a", declarations: declarations).evaluate(activation)
    #expect(otherReads.count == 6)
    // A traced evaluation reads (and reports) every field.
    let tracer = Tracer()
    #expect(first.evaluate(activation, tracer: tracer).debugText == "8")
    #expect(tracer.reads == 3)
  }

  /// A short host list kept for the evaluations that share its path makes each element once,
  /// when first read, however many evaluations iterate it, and keeps its place in the host's
  /// data (a traced evaluation names it); one read only for its size makes none; a long one
  /// is kept as it is, its elements made on every read.
  @Test func keptListsMakeTheirElementsOnce() throws {
    final class Made: @unchecked Sendable { var count = 0 }
    struct HostList: ListValue {
      let made: Made
      let count: Int
      func element(at index: Int) -> Value {
        made.count += 1
        return .int(Int64(index))
      }
      var hostLocation: HostLocation? {
        HostLocation(container: UnsafeRawPointer(bitPattern: 0x1000)!, place: 7)
      }
    }
    struct Object: MapValue {
      let list: Value
      var count: Int { 1 }
      var keys: [Value] { [.string("items")] }
      func value(for key: Value) -> Value? {
        guard case .string("items") = key else { return nil }
        return list
      }
    }
    struct Shared: Activation {
      let object: Value
      let selections: SelectionCache? = SelectionCache(names: ["object"])
      func resolve(_ name: String) -> Value? { name == "object" ? object : nil }
    }
    for length in [3, SelectionCache.madeElements + 1] {
      let made = Made()
      let activation = Shared(
        object: .map(Object(list: .list(HostList(made: made, count: length)))))
      let size = try Program("size(object.items) > 0", declarations: ["object"])
      #expect(size.evaluate(activation).debugText == "true")
      #expect(made.count == 0)
      let sum = try Program("object.items.all(i, i >= 0)", declarations: ["object"])
      let last = try Program(
        "object.items.exists(i, i == \(length - 1))", declarations: ["object"])
      for _ in 0..<5 {
        #expect(sum.evaluate(activation).debugText == "true")
        #expect(last.evaluate(activation).debugText == "true")
      }
      // Kept: made once (and the program's first read makes them). Long: made on every read.
      #expect(made.count == (length <= SelectionCache.madeElements ? length : 10 * length))
      guard case .list(let kept)? = activation.selections?.value(at: 0) else {
        Issue.record("the path's list is not kept")
        continue
      }
      #expect(kept.count == length)
      #expect(kept.hostLocation?.place == 7)
      #expect((0..<length).map { kept.element(at: $0).debugText } == (0..<length).map(String.init))
    }
  }

  /// A traced evaluation of a path that a map walks in place hears of its last read alone,
  /// at the place the map names; the fields after the walk are read one by one, as ever.
  @Test func tracedPathsWalkedInPlaceReportTheirLastRead() throws {
    // `{a: {b: {c: 7}}}` that walks `a.b` in place (never `c`), where `b` is kept at 2.
    struct Walking: MapValue {
      let depth: Int
      var count: Int { 1 }
      var keys: [Value] { [.string(["a", "b", "c"][depth])] }
      var hostLocation: HostLocation? {
        HostLocation(container: UnsafeRawPointer(bitPattern: 0x1000)!, place: depth)
      }
      func value(for key: Value) -> Value? {
        guard case .string(let name) = key, name == ["a", "b", "c"][depth] else { return nil }
        return depth == 2 ? .int(7) : .map(Walking(depth: depth + 1))
      }
      func select(path fields: [String], from start: Int) -> (value: Value, followed: Int)? {
        selectTracing(path: fields, from: start).map { ($0.value, $0.followed) }
      }
      func selectTracing(path fields: [String], from start: Int)
        -> (value: Value, followed: Int, lastRead: HostLocation)?
      {
        guard depth == 0, start + 1 < fields.count, fields[start] == "a", fields[start + 1] == "b"
        else { return nil }
        return (.map(Walking(depth: 2)), 2, Walking(depth: 1).hostLocation!)
      }
    }
    final class Tracer: AccessTracer {
      var reads: [String] = []
      func read(_ key: Value, of container: Value) {
        guard case .map(let map) = container else { return }
        reads.append("\(key.debugText) of \(map.hostLocation?.place ?? -1)")
      }
      func read(_ key: Value, at location: HostLocation) {
        reads.append("\(key.debugText) at \(location.place)")
      }
    }
    let activation = DictionaryActivation(["x": .map(Walking(depth: 0))])
    for source in ["x.a.b.c", "x.?a.?b.?c.orValue(0)"] {
      let tracer = Tracer()
      let program = try Program(source)
      #expect(program.evaluate(activation).debugText == "7", "\(source)")
      #expect(program.evaluate(activation, tracer: tracer).debugText == "7", "\(source)")
      #expect(tracer.reads == ["\"b\" at 1", "\"c\" of 2"], "\(source)")
    }
  }

  /// Folding shares one budget per program: a policy of many dear constants
  /// (`lists.range(9990)` costs 9 992 units to make, and holds ten thousand values) compiles
  /// at once, keeping at most the budget's worth folded, and what was not folded is made, and
  /// charged, when evaluated.
  @Test func foldingIsBoundedPerProgram() throws {
    let call = "lists.range(9990).size()"
    let source = "[" + Array(repeating: call, count: 2_000).joined(separator: ", ") + "]"
    let start = ContinuousClock.now
    let program = try Program(source)
    #expect(ContinuousClock.now - start < .seconds(5))
    // Evaluating it all costs 20 million units, past an expression's budget.
    #expect(program.evaluate(DictionaryActivation()).debugText == costLimitExceededText)
    let small = try Program("[\(call), \(call)]")
    let (value, cost) = small.evaluateWithCost(DictionaryActivation())
    #expect(value.debugText == "[9990, 9990]")
    #expect(cost > 2 * 9_990)
  }

  private var costLimitExceededText: String { Value.error(costLimitExceeded).debugText }

  /// A map that follows paths of its own (as a document's maps do): `a.b.c` holds 8.
  private struct PathMap: MapValue {
    let depth: Int
    var count: Int { 1 }
    var keys: [Value] { [.string(["a", "b", "c"][depth])] }
    func value(for key: Value) -> Value? {
      guard case .string(let name) = key, depth < 3, name == ["a", "b", "c"][depth] else {
        return nil
      }
      return depth == 2 ? .int(8) : .map(PathMap(depth: depth + 1))
    }
    func select(path fields: [String], from start: Int) -> (value: Value, followed: Int)? {
      var value = Value.map(self)
      var followed = 0
      while start + followed < fields.count, case .map(let map) = value,
        let next = map.value(for: .string(fields[start + followed]))
      {
        value = next
        followed += 1
      }
      return followed == 0 ? nil : (value, followed)
    }
  }

  @Test func arithmetic() throws {
    let program = try Program("1 + 2 * 3")
    #expect(program.evaluate(DictionaryActivation()).debugText == "7")
  }

  /// Evaluations that reuse one scratch, one after another and one inside another (names that
  /// are expressions themselves, as admission's variables are), give what fresh ones give.
  @Test func evaluationsReuseTheirScratch() throws {
    final class Nested: Activation {
      let scratch: EvaluationScratch? = EvaluationScratch()
      let inner: Program
      init(_ inner: Program) { self.inner = inner }
      func resolve(_ name: String) -> Value? { name == "v" ? inner.evaluate(self) : nil }
    }
    let inner = try Program("[[1], [2, 3]].map(l, l.map(z, z + 1))")
    let outer = try Program(
      "v.map(l, size(l)) == [1, 2] && v[1].all(q, q > 2) && [4, 5].exists(x, x == 5 && v[0] == [2])"
    )
    let other = try Program("[1, 2, 3].map(x, x * 2).exists(y, y == 4) && 'ab'.startsWith('a')")
    let activation = Nested(inner)
    for _ in 0..<3 {
      #expect(outer.evaluate(activation).debugText == "true")
      #expect(other.evaluate(activation).debugText == "true")
      #expect(inner.evaluate(activation).debugText == "[[2], [3, 4]]")
    }
  }

  /// The string functions that work on the text's bytes in place (size, contains, the tests
  /// of a prefix or a suffix, equality, order, the ASCII case mappings, map keys) count and compare code
  /// points, multi-byte ones included: not characters (an `e` and a combining accent are two
  /// code points, and a precomposed `é` is neither), and not canonically equivalent text,
  /// which Swift's `==` would call equal.
  @Test func stringsByCodePoint() throws {
    let cases: [(String, String)] = [
      ("'e\\u0301x'.startsWith('e')", "true"),
      ("'\\u00e9'.startsWith('e')", "false"),
      ("'xe\\u0301'.endsWith('\\u0301')", "true"),
      ("'héllo😀'.endsWith('😀')", "true"),
      ("'😀'.endsWith('')", "true"),
      ("''.startsWith('a')", "false"),
      ("'\\u00e9' == 'e\\u0301'", "false"),
      ("'héllo' == 'héllo'", "true"),
      ("'héllo' < 'hêllo'", "true"),
      ("size('héllo😀')", "6"),
      ("size('')", "0"),
      ("'naïve café'.contains('é')", "true"),
      ("'e\\u0301'.contains('e')", "true"),
      ("'😀x'.contains('x😀')", "false"),
      ("'héllo😀'.upperAscii()", "\"HéLLO😀\""),
      // Map keys too: a precomposed key is not its decomposed twin.
      ("'e\\u0301' in {'\\u00e9': 1}", "false"),
      ("{'\\u00e9': 1, 'e\\u0301': 2}.size()", "2"),
      ("{'\\u00e9': 1, 'e\\u0301': 2}['e\\u0301']", "2"),
      ("{'héllo': 1}['héllo']", "1"),
      (
        "'ÀBC-long-enough-to-need-heap-storage'.lowerAscii()",
        "\"Àbc-long-enough-to-need-heap-storage\""
      ),
    ]
    for (source, expected) in cases {
      #expect(
        try Program(source).evaluate(DictionaryActivation()).debugText == expected, "\(source)")
    }
  }
}

extension SmokeTests {
  /// Conversions and durations keep the ranges of cel-go, which Kubernetes runs (and
  /// cel-cpp): a duration is Go's int64 nanoseconds, a uint is never below zero, a numeral
  /// past the largest double is out of range; each was a value here. A fixed zone offset may
  /// pass 24 hours (`+25:00` was an unknown zone).
  @Test func conversionsAndDurationsKeepGosRanges() throws {
    let errors = [
      "uint(-0.5)", "uint('-0')", "uint('+5')", "double('1e400')", "double('-1e400')",
      "duration('2562048h')", "duration('9223372036s') + duration('1s')",
      "duration('0s') - duration('-9223372036.854775808s')",
      // cel-go negates ints and doubles only, and converts no int to a duration.
      "-duration('1s')", "duration(1)",
      "timestamp('2500-01-01T00:00:00Z') - timestamp('2000-01-01T00:00:00Z')",
    ]
    for source in errors {
      let value = try Program(source).evaluate(DictionaryActivation())
      #expect(value.isError, "\(source): \(value.debugText)")
    }
    let values: [(String, String)] = [
      ("uint(-0.0)", "0u"), ("uint('5')", "5u"), ("uint(1.9)", "1u"),
      ("duration('2562047h')", "duration(\"9223369200s\")"),
      (
        "duration('0s') - duration('-9223372036.854775807s')", "duration(\"9223372036.854775807s\")"
      ),
      (
        "duration('-9223372036.854775808s') - duration('-9223372036.854775808s')",
        "duration(\"0s\")"
      ),
      ("timestamp('2000-01-01T00:00:00Z') - duration('1s')", "timestamp(\"1999-12-31T23:59:59Z\")"),
      // A fixed offset is hours and minutes as Go's Atoi reads them, whatever their size.
      ("timestamp('2023-01-01T00:00:00Z').getHours('+25:00')", "1"),
      ("timestamp('2023-01-01T00:00:00Z').getHours('-02:30')", "21"),
    ]
    for (source, expected) in values {
      #expect(
        try Program(source).evaluate(DictionaryActivation()).debugText == expected, "\(source)")
    }
  }
}

@Suite("Qualified names")
struct QualifiedNameTests {
  /// With declarations, `a.b.c` is resolved once, when compiled, to its longest declared
  /// prefix: the activation is asked for `a.b` only, and `c` is a field of it.
  @Test func longestDeclaredPrefixIsResolved() throws {
    var inner = DictionaryMap()
    inner.insert(.string("c"), .int(7))
    var outer = DictionaryMap()
    outer.insert(.string("b"), .map(DictionaryMap()))
    let activation = RecordingActivation([
      "a": .map(outer), "a.b": .map(inner),
    ])
    let program = try Program("a.b.c", declarations: ["a", "a.b"])
    #expect(program.evaluate(activation).debugText == "7")
    #expect(activation.asked == ["a.b"])
    // Without declarations every prefix is tried, longest first, as the spec says.
    let dynamic = RecordingActivation(["a": .map(outer), "a.b": .map(inner)])
    #expect(try Program("a.b.c").evaluate(dynamic).debugText == "7")
    #expect(dynamic.asked == ["a.b.c", "a.b"])
  }

  /// `.x` names the global `x` whatever a comprehension binds: where an expression reads a
  /// name, and whether it reads only some, see through the leading dot.
  @Test func rootQualifiedNamesAreTheirNames() throws {
    let hidden = try Program("[1].all(y, y == 1)").expression
    #expect(hidden.firstReference(to: "y") == nil)
    let global = try Program("[1].all(y, .y == 1)").expression
    #expect(global.firstReference(to: "y") == 11)
    #expect(try Program(".params.x").expression.firstReference(to: "params") == 0)
    #expect(try Program("object.a + [1].map(o, o)[0]").expression.readsOnly(["object"]))
    #expect(try !Program(".params.a").expression.readsOnly(["object"]))
    #expect(try !Program("[1].map(params, .params)").expression.readsOnly(["object"]))
    #expect(try Program("[1].map(params, params)").expression.readsOnly(["object"]))
  }

  @Test func declaredNameTheActivationLacksIsAnError() throws {
    let program = try Program("a.b", declarations: ["a"])
    guard case .error(let error) = program.evaluate(RecordingActivation([:])) else {
      Issue.record("expected an error")
      return
    }
    #expect(error.message.contains("undeclared reference to 'a'"))
  }
}

private final class RecordingActivation: Activation, @unchecked Sendable {
  let values: [String: Value]
  private(set) var asked: [String] = []
  init(_ values: [String: Value]) { self.values = values }
  func resolve(_ name: String) -> Value? {
    asked.append(name)
    return values[name]
  }
}

extension SmokeTests {
  /// `double(string)` reads what Go's `strconv.ParseFloat` reads (cel-go's conversion): Go's
  /// floating-point literals, hexadecimal ones with their binary exponent, and digits
  /// separated by single underscores. Each of these was an error here.
  @Test func doubleOfAStringReadsGosFloatingPointLiterals() throws {
    let values: [(String, Double)] = [
      ("double('0x1p-2')", 0.25), ("double('-0X1.8P1')", -3), ("double('0x.8p1')", 1),
      ("double('0x_1p-2')", 0.25), ("double('0x1ep+1')", 60), ("double('1_000.5')", 1000.5),
      ("double('1e1_0')", 1e10), ("double('+.5')", 0.5),
    ]
    for (source, expected) in values {
      let value = try Program(source).evaluate(DictionaryActivation())
      guard case .double(let number) = value else {
        Issue.record("\(source): \(value.debugText)")
        continue
      }
      #expect(number == expected, "\(source)")
    }
    // A hexadecimal mantissa needs its exponent; an underscore stands between two digits.
    for source in [
      "double('0x1')", "double('0x1p')", "double('0xp1')", "double('0x1p1024')", "double('1__0')",
      "double('_1')", "double('1_')", "double('1_.5')", "double('0b1')", "double('0x1.8.1p1')",
    ] {
      let value = try Program(source).evaluate(DictionaryActivation())
      #expect(value.isError, "\(source): \(value.debugText)")
    }
  }
}
