import Foundation
import Testing

@testable import KubewardCEL

/// The CEL conformance suite (`../shared/cel-spec`, google/cel-spec's simple tests as JSON):
/// every test of the files Kubernetes' CEL environment covers that needs no protobuf message.
/// It prints the pass count per file and every skip with its reason.
@Suite("CEL conformance")
struct ConformanceTests {
  /// The language core and the extensions Kubernetes enables (the issue's 1 325 tests).
  static let coreFiles = [
    "basic", "comparisons", "conversions", "fields", "fp_math", "integer_math", "lists", "logic",
    "macros", "parse", "plumbing", "string", "timestamps", "optionals", "string_ext",
  ]
  static let extensionFiles = ["network_ext", "macros2", "math_ext", "encoders_ext"]
  /// The extensions a file tests beyond the standard library: cel-go's, which Kyverno's
  /// environment enables.
  static let extensionLibraries = [
    "math_ext": Library.standard.adding(.math), "encoders_ext": Library.standard.adding(.encoders),
  ]

  /// Tests whose expectation contradicts their own expression in this copy of the suite.
  static let suiteDefects = [
    "parse/bytes_literals/triple_single_quoted_unescaped_punctuation":
      "suite defect: the expected bytes hold a backslash (` \\? `) that the expression, ` ? `, does not (lost when the textproto's `\\?` was converted)",
    "parse/bytes_literals/triple_double_quoted_unescaped_punctuation":
      "suite defect: the expected bytes hold a backslash (` \\? `) that the expression, ` ? `, does not (lost when the textproto's `\\?` was converted)",
  ]

  static var suiteFolder: String? {
    let here = URL(fileURLWithPath: #filePath)
    let root = here.deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let folder = root.deletingLastPathComponent().appendingPathComponent("shared/cel-spec").path
    return FileManager.default.fileExists(atPath: folder + "/basic.json") ? folder : nil
  }

  @Test func conformanceSuite() throws {
    guard let folder = Self.suiteFolder else {
      print("CEL conformance: ../shared/cel-spec is absent; skipped")
      return
    }
    var corePassed = 0
    var coreRun = 0
    var failures: [String] = []
    for file in Self.coreFiles + Self.extensionFiles {
      let data = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(file).json"))
      let suite = try JSONSerialization.jsonObject(with: data) as! [String: Any]
      var passed = 0
      var run = 0
      var skipped: [String] = []
      for section in suite["section"] as? [[String: Any]] ?? [] {
        for test in section["test"] as? [[String: Any]] ?? [] {
          let name = "\(file)/\(section["name"] as? String ?? "")/\(test["name"] as? String ?? "")"
          if let defect = Self.suiteDefects[name] {
            skipped.append("\(name): \(defect)")
            continue
          }
          switch ConformanceCase(test, library: Self.extensionLibraries[file] ?? .standard).run() {
          case .passed:
            passed += 1
            run += 1
          case .failed(let why):
            run += 1
            failures.append("\(name): \(why)")
          case .skipped(let why):
            skipped.append("\(name): \(why)")
          }
        }
      }
      print("CEL conformance \(file): \(passed)/\(run) passed, \(skipped.count) skipped")
      for skip in skipped { print("  skipped \(skip)") }
      if Self.coreFiles.contains(file) {
        corePassed += passed
        coreRun += run
      }
    }
    for failure in failures { print("  FAILED \(failure)") }
    let rate = Double(corePassed) / Double(max(coreRun, 1))
    print("CEL conformance, core files: \(corePassed)/\(coreRun) (\(Int(rate * 1000) / 10) %)")
    #expect(coreRun >= 1300, "the core files hold 1 325 tests that need no protobuf message")
    #expect(rate >= 0.99, "\(failures.count) failures")
  }
}

/// One conformance test: its expression, options, bindings and expectation.
struct ConformanceCase {
  enum Outcome {
    case passed
    case failed(String)
    case skipped(String)
  }

  let test: [String: Any]
  let library: Library

  init(_ test: [String: Any], library: Library = .standard) {
    self.test = test
    self.library = library
  }

  /// Names of protobuf message types a test may use without needing messages: the
  /// well-known types CEL maps to its own values.
  static let wellKnown: Set<String> = [
    "google.protobuf.Duration", "google.protobuf.Timestamp",
  ]

  func run() -> Outcome {
    guard let expression = test["expr"] as? String else { return .skipped("no expression") }
    if let container = test["container"] as? String, !container.isEmpty {
      return .skipped("needs a protobuf container (\(container))")
    }
    if test["checkOnly"] as? Bool == true {
      return .skipped("type-check only: the expected result is a type, not a value")
    }
    if test["unknown"] != nil || test["anyUnknowns"] != nil {
      return .skipped("unknown values (partial evaluation) are outside Kubernetes")
    }
    for marker in [
      "TestAllTypes", "NestedTestAllTypes", "cel.expr.conformance", "google.protobuf.Any",
      "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue",
      "Int32Value", "Int64Value", "UInt32Value", "UInt64Value", "FloatValue", "DoubleValue",
      "BoolValue", "StringValue", "BytesValue", "google.protobuf.NullValue", "Empty{",
      "google.protobuf.FieldMask",
    ] where expression.contains(marker) {
      return .skipped("needs protobuf messages (\(marker))")
    }
    var declarations: Set<String> = []
    for declaration in test["typeEnv"] as? [[String: Any]] ?? [] {
      guard let name = declaration["name"] as? String else { continue }
      if let ident = declaration["ident"] as? [String: Any],
        let type = ident["type"] as? [String: Any], let message = type["messageType"] as? String,
        !Self.wellKnown.contains(message)
      {
        return .skipped("declares a protobuf message (\(message))")
      }
      declarations.insert(name)
    }
    var bindings: [String: Value] = [:]
    for (name, binding) in test["bindings"] as? [String: Any] ?? [:] {
      guard let value = (binding as? [String: Any])?["value"] as? [String: Any] else {
        return .skipped("binding without a value")
      }
      switch Self.value(value) {
      case .success(let converted): bindings[name] = converted
      case .failure(let why): return .skipped(why.message)
      }
    }
    let expected: Expected
    if let value = test["value"] as? [String: Any] {
      switch Self.value(value) {
      case .success(let converted): expected = .value(converted)
      case .failure(let why): return .skipped(why.message)
      }
    } else if let typed = test["typedResult"] as? [String: Any],
      let value = typed["result"] as? [String: Any]
    {
      switch Self.value(value) {
      case .success(let converted): expected = .value(converted)
      case .failure(let why): return .skipped(why.message)
      }
    } else if test["evalError"] != nil || test["anyEvalErrors"] != nil {
      expected = .error
    } else {
      expected = .value(.bool(true))
    }
    let program: Program
    do {
      program = try Program(
        expression, library: library, declarations: nil,
        check: test["disableCheck"] as? Bool != true,
        macros: test["disableMacros"] as? Bool != true)
    } catch {
      if case .error = expected { return .passed }
      return .failed("compile error: \(error.message) at \(error.offset)")
    }
    let result = program.evaluate(DictionaryActivation(bindings))
    switch (expected, result) {
    case (.error, .error): return .passed
    case (.error, _): return .failed("expected an error, got \(result.debugText)")
    case (.value, .error(let error)): return .failed("error: \(error.message)")
    case (.value(let value), _):
      return Self.identical(value, result)
        ? .passed : .failed("expected \(value.debugText), got \(result.debugText)")
    }
  }

  enum Expected {
    case value(Value)
    case error
  }

  /// Equal values of the same kinds (the suite tells `1` from `1u` and `1.0`).
  static func identical(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.int(let x), .int(let y)): return x == y
    case (.uint(let x), .uint(let y)): return x == y
    case (.double(let x), .double(let y)): return x == y || (x.isNaN && y.isNaN)
    case (.list(let x), .list(let y)):
      guard x.count == y.count else { return false }
      return (0..<x.count).allSatisfy { identical(x.element(at: $0), y.element(at: $0)) }
    case (.map(let x), .map(let y)):
      guard x.count == y.count else { return false }
      return x.keys.allSatisfy { key in
        guard let other = y.value(for: key), let mine = x.value(for: key) else { return false }
        return identical(mine, other)
      }
    case (.int, _), (.uint, _), (.double, _), (_, .int), (_, .uint), (_, .double):
      return false
    default:
      return Equality.same(a, b)
    }
  }

  /// A conformance `Value` (proto3 JSON) as a CEL value.
  static func value(_ json: [String: Any]) -> Result<Value, CELError> {
    if json["nullValue"] != nil { return .success(.null) }
    if let flag = json["boolValue"] as? Bool { return .success(.bool(flag)) }
    if let text = json["int64Value"] as? String, let number = Int64(text) {
      return .success(.int(number))
    }
    if let number = json["int64Value"] as? Int { return .success(.int(Int64(number))) }
    if let text = json["uint64Value"] as? String, let number = UInt64(text) {
      return .success(.uint(number))
    }
    if let number = json["uint64Value"] as? Int { return .success(.uint(UInt64(number))) }
    if let double = json["doubleValue"] {
      if let number = double as? NSNumber { return .success(.double(number.doubleValue)) }
      switch double as? String {
      case "NaN": return .success(.double(.nan))
      case "Infinity": return .success(.double(.infinity))
      case "-Infinity": return .success(.double(-.infinity))
      default: return .failure(CELError("unreadable double"))
      }
    }
    if let text = json["stringValue"] as? String { return .success(.string(text)) }
    if let text = json["bytesValue"] as? String {
      guard let data = Data(base64Encoded: text) else {
        return .failure(CELError("unreadable bytes"))
      }
      return .success(.bytes(Array(data)))
    }
    if let list = json["listValue"] as? [String: Any] {
      var values: [Value] = []
      for item in list["values"] as? [[String: Any]] ?? [] {
        switch value(item) {
        case .success(let converted): values.append(converted)
        case .failure(let error): return .failure(error)
        }
      }
      return .success(.list(ArrayList(values)))
    }
    if let map = json["mapValue"] as? [String: Any] {
      var result = DictionaryMap()
      for entry in map["entries"] as? [[String: Any]] ?? [] {
        guard let key = entry["key"] as? [String: Any], let item = entry["value"] as? [String: Any]
        else { return .failure(CELError("unreadable map entry")) }
        switch (value(key), value(item)) {
        case (.success(let k), .success(let v)): result.insert(k, v)
        default: return .failure(CELError("unreadable map entry"))
        }
      }
      return .success(.map(result))
    }
    if let name = json["typeValue"] as? String {
      guard let type = Builtins.typeNamed(name) else {
        return .failure(CELError("type \(name) is a protobuf message type"))
      }
      return .success(.type(type))
    }
    if json["enumValue"] != nil {
      return .failure(CELError("needs protobuf enums"))
    }
    if let object = json["objectValue"] as? [String: Any], let type = object["@type"] as? String {
      let text = object["value"] as? String ?? ""
      switch type {
      case "type.googleapis.com/google.protobuf.Duration":
        guard let duration = Duration(parsing: text) else {
          return .failure(CELError("unreadable duration"))
        }
        return .success(.duration(duration))
      case "type.googleapis.com/google.protobuf.Timestamp":
        guard let timestamp = Timestamp(parsing: text) else {
          return .failure(CELError("unreadable timestamp"))
        }
        return .success(.timestamp(timestamp))
      default:
        return .failure(CELError("needs protobuf messages (\(type))"))
      }
    }
    return .failure(CELError("unsupported expected value"))
  }
}
