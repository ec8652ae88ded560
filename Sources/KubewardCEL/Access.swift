/// Field selection, indexing and their optional forms.
enum Access {
  static func select(_ container: Value, _ field: String, _ context: inout EvaluationContext)
    -> Value
  {
    switch container {
    case .error: return container
    case .map(let map):
      let key = Value.string(field)
      context.tracer?.read(key, of: container)
      return map.value(for: key) ?? .error(.noSuchField(field))
    case .optional(let inner):
      // `opt.field` on an optional is `opt.?field`, but for a present null, which has no
      // fields to be absent from (cel-spec's `map_null_entry_no_such_key`).
      guard let inner else { return .optional(nil) }
      if case .null = inner { return .error(.noSuchField(field)) }
      return optionalSelect(inner, field, &context)
    // A null is a value without fields: cel-go's attributes say so as of a missing key (and
    // a presence test of it is false). The API server binds an absent `params`, `oldObject`
    // or `namespaceObject` so.
    case .null:
      return .error(.noSuchField(field))
    default:
      return .error(CELError("type '\(container.type)' does not support field selection"))
    }
  }

  /// `container.a.b.c`: `select` for each field, with the fields a map can follow in place
  /// followed at once.
  static func select(
    _ container: Value, path fields: [String], from start: Int = 0,
    _ context: inout EvaluationContext
  ) -> Value {
    if case .map(let map) = container,
      let (reached, followed) = followInPlace(map, path: fields, from: start, &context)
    {
      // Most paths are followed to their end: the value reached is the answer, uncopied.
      if start + followed == fields.count { return reached }
      return selectEach(reached, path: fields, from: start + followed, &context)
    }
    return selectEach(container, path: fields, from: start, &context)
  }

  /// `select` of a whole path, and the one read it was when `container` followed it in place
  /// to its end (see `PathRead`); reported to the tracer as `select` reports it.
  static func selectNotingRead(
    _ container: Value, path fields: [String], _ context: inout EvaluationContext
  ) -> (value: Value, read: PathRead?) {
    guard case .map(let map) = container,
      let (reached, followed, location) = map.selectTracing(path: fields, from: 0)
    else {
      return (select(container, path: fields, &context), nil)
    }
    let read = PathRead(location: location, key: .string(fields[followed - 1]))
    context.tracer?.read(read.key, at: read.location)
    if followed == fields.count { return (reached, read) }
    return (selectEach(reached, path: fields, from: followed, &context), nil)
  }

  /// The fields from `start` on that `map` follows in place (`MapValue.select`), the last
  /// one's read reported when tracing; `nil` when it follows none.
  @inline(__always)
  private static func followInPlace(
    _ map: any MapValue, path fields: [String], from start: Int,
    _ context: inout EvaluationContext
  ) -> (value: Value, followed: Int)? {
    guard let tracer = context.tracer else { return map.select(path: fields, from: start) }
    guard let (reached, followed, lastRead) = map.selectTracing(path: fields, from: start)
    else { return nil }
    tracer.read(.string(fields[start + followed - 1]), at: lastRead)
    return (reached, followed)
  }

  private static func selectEach(
    _ container: Value, path fields: [String], from start: Int, _ context: inout EvaluationContext
  ) -> Value {
    var value = container
    var index = start
    while index < fields.count {
      value = select(value, fields[index], &context)
      index += 1
    }
    return value
  }

  static func has(_ container: Value, _ field: String) -> Value {
    switch container {
    case .error: return container
    case .map(let map): return .bool(map.contains(.string(field)))
    case .null: return .bool(false)
    case .optional(let inner):
      guard let inner else { return .bool(false) }
      return has(inner, field)
    default:
      return .error(CELError("invalid type for field selection: \(container.type)"))
    }
  }

  static func optionalSelect(
    _ container: Value, _ field: String, _ context: inout EvaluationContext
  ) -> Value {
    optional(optionalSelect(container, path: [field], &context))
  }

  /// What a `.?` chain gives: `optional.of` what it reached, `optional.none()` for `nil`, or
  /// its error.
  static func optional(_ reached: Value?) -> Value {
    guard let reached else { return .optional(nil) }
    if case .error = reached { return reached }
    return .optional(reached)
  }

  /// `container.?a.?b.?c`: `optionalSelect` field after field, the value reached or `nil`
  /// (`optional.none()`) where a field is missing; an error as the first step to fail gives
  /// it. A document's maps follow the fields they hold at once.
  static func optionalSelect(
    _ container: Value, path fields: [String], _ context: inout EvaluationContext
  ) -> Value? {
    var current = container
    var index = 0
    while index < fields.count {
      switch current {
      case .error:
        return current
      case .optional(let inner):
        // The next field is selected on what the optional holds.
        guard let inner else { return nil }
        current = inner
      case .map(let map):
        if let (reached, followed) = followInPlace(map, path: fields, from: index, &context) {
          current = reached
          index += followed
          continue
        }
        let key = Value.string(fields[index])
        context.tracer?.read(key, of: current)
        guard let next = map.value(for: key) else { return nil }
        current = next
        index += 1
      case .null:
        return nil
      default:
        return .error(CELError("type '\(current.type)' does not support field selection"))
      }
    }
    return current
  }

  static func index(_ container: Value, _ key: Value, _ context: inout EvaluationContext) -> Value {
    if case .error = container { return container }
    if case .error = key { return key }
    switch container {
    case .list(let list):
      guard let position = listIndex(key) else {
        return .error(CELError("unsupported index type '\(key.type)' in list"))
      }
      context.tracer?.read(.int(Int64(position.value)), of: container)
      // cel-go's words (`IndexOrError`, `resolutionError`), which the API server's messages
      // quote.
      guard position.valid else {
        return .error(CELError("unsupported index value \(goText(of: key)) in list"))
      }
      guard position.value >= 0, position.value < list.count else {
        return .error(CELError("index out of bounds: \(position.value)"))
      }
      return list.element(at: position.value)
    case .map(let map):
      switch key {
      case .bool, .int, .uint, .string, .double: break
      default: return .error(CELError("unsupported key type: \(key.type)"))
      }
      guard context.spendHashing(key) else { return .error(costLimitExceeded) }
      context.tracer?.read(key, of: container)
      return map.value(for: key) ?? .error(.noSuchKey(key))
    case .optional(let inner):
      guard let inner else { return .optional(nil) }
      return optionalIndex(inner, key, &context)
    default:
      return .error(.noMatchingOverload("_[_]"))
    }
  }

  /// A list index from an int, a uint or an integral double; `valid` is false for a double
  /// with a fraction.
  /// An index `listIndex` finds no place for, as Go's `%v` prints it.
  private static func goText(of key: Value) -> String {
    switch key {
    case .uint(let number): return String(number)
    case .double(let number) where number.isNaN: return "NaN"
    case .double(let number) where number.isInfinite: return number > 0 ? "+Inf" : "-Inf"
    case .double(let number): return "\(number)"
    default: return key.debugText
    }
  }

  private static func listIndex(_ key: Value) -> (value: Int, valid: Bool)? {
    switch key {
    case .int(let number): return (Int(number), true)
    case .uint(let number): return number > UInt64(Int.max) ? (-1, false) : (Int(number), true)
    case .double(let number):
      guard number.isFinite, number.rounded() == number, abs(number) < 9e18 else {
        return (-1, false)
      }
      return (Int(number), true)
    default: return nil
    }
  }

  static func optionalIndex(_ container: Value, _ key: Value, _ context: inout EvaluationContext)
    -> Value
  {
    if case .error = container { return container }
    if case .error = key { return key }
    switch container {
    case .optional(let inner):
      guard let inner else { return .optional(nil) }
      return optionalIndex(inner, key, &context)
    case .list(let list):
      guard let position = listIndex(key) else {
        return .error(CELError("unsupported index type '\(key.type)' in list"))
      }
      guard position.valid, position.value >= 0, position.value < list.count else {
        return .optional(nil)
      }
      context.tracer?.read(.int(Int64(position.value)), of: container)
      return .optional(list.element(at: position.value))
    case .map(let map):
      guard context.spendHashing(key) else { return .error(costLimitExceeded) }
      context.tracer?.read(key, of: container)
      return .optional(map.value(for: key))
    default:
      return .error(.noMatchingOverload("_[?_]"))
    }
  }
}

/// The comprehensions the macros expand to.
enum Comprehensions {
  static func run(
    _ kind: Comprehension.Kind, _ source: Value, first: Int, second: Int?, twoVariables: Bool,
    predicate: Compiler.Operand?, transform: Compiler.Operand?,
    _ context: inout EvaluationContext
  ) -> Value {
    // What is iterated: a list's elements by index, or a map's keys (and values, read only
    // when a second variable takes them). Local functions, not closures: a closure that
    // captured the list was a heap allocation per comprehension. Not optionals: testing an
    // optional existential went through its type's value witnesses for every element.
    let isList: Bool
    let list: any ListValue
    let map: any MapValue
    let keys: [Value]
    switch source {
    case .list(let elements):
      (isList, list, map, keys) = (true, elements, DictionaryMap(), [])
    case .map(let entries):
      // The keys are made before the first iteration: charged now, not as they are visited.
      guard context.spend(entries.count) else { return .error(costLimitExceeded) }
      (isList, list, map, keys) = (false, ArrayList([]), entries, entries.keys)
    default:
      return .error(
        CELError("expression of type '\(source.type)' cannot be range of a comprehension"))
    }
    let count = isList ? list.count : keys.count
    func pair(_ index: Int) -> (Value, Value) {
      if isList { return (.int(Int64(index)), list.element(at: index)) }
      return (keys[index], map.value(for: keys[index]) ?? .null)
    }
    func item(_ index: Int) -> Value {
      isList ? list.element(at: index) : keys[index]
    }
    let savedFirst = context.frame[first]
    let savedSecond = second.map { context.frame[$0] }
    defer {
      context.frame[first] = savedFirst
      if let second, let savedSecond { context.frame[second] = savedSecond }
    }
    func bind(_ index: Int) {
      if twoVariables, let second {
        let (key, value) = pair(index)
        context.frame[first] = key
        context.frame[second] = value
      } else {
        // One variable: the element of a list, the key of a map.
        context.frame[first] = item(index)
      }
    }

    /// Traced: the element that decided is the last read, when the predicate read nothing
    /// of it (see `AccessTracer.readCount`).
    func noteDecider(_ index: Int, readsBefore: Int?) {
      guard let tracer = context.tracer, let readsBefore, tracer.readCount == readsBefore else {
        return
      }
      // An element that knows its own place says it: the list may be one the expression
      // made (`containers + initContainers`), which knows none.
      var place: HostLocation?
      switch item(index) {
      case .map(let element): place = element.hostLocation
      case .list(let element): place = element.hostLocation
      default: place = nil
      }
      if let place {
        tracer.decided(at: place)
      } else {
        tracer.read(isList ? .int(Int64(index)) : keys[index], of: source)
      }
    }

    // What each step costs is what the macro's expansion costs in cel-go, whose counts
    // Kubernetes' limits are (the predicate and the transform charge their own): `all` checks
    // `@not_strictly_false(__result__)` (2) then reads `__result__` (1) for each element,
    // `exists` checks `@not_strictly_false(!__result__)` (3); a list result starts as `[]`
    // (10) and grows by `__result__ + [x]` (12), a map result starts as `{}` (30) and grows by
    // `cel.@mapInsert` (2, and the key's read for `transformMap`); each reads `__result__` once
    // at the end (1).
    switch kind {
    case .all, .exists:
      let deciding = kind == .exists
      let check = deciding ? 3 : 2
      var error: Value?
      for index in 0..<count {
        guard context.spend(check + 1) else { return .error(costLimitExceeded) }
        bind(index)
        let readsBefore = context.tracer?.readCount
        switch predicate!.step(&context) {
        case .bool(let result):
          if result == deciding {
            noteDecider(index, readsBefore: readsBefore)
            // The next element's check stops the loop; then `__result__` is read.
            let stop = index + 1 < count ? check : 0
            guard context.spend(stop + 1) else { return .error(costLimitExceeded) }
            return .bool(deciding)
          }
        case .error(let found):
          if error == nil { error = .error(found) }
        default:
          if error == nil { error = .error(.conditionNotBool) }
        }
      }
      guard context.spend(1) else { return .error(costLimitExceeded) }
      return error ?? .bool(!deciding)
    // An error does not end these loops, as it does not end cel-go's (their condition is
    // `true`): the step `p ? accu + … : accu` makes each predicate's error the accumulator,
    // so the last one is the result, while `accu + [f(x)]` keeps an accumulator that is
    // already an error, so the first transform's error stays unless a predicate errs later.
    // The steps are charged as there.
    case .existsOne:
      var matches = 0
      var error: CELError?
      for index in 0..<count {
        guard context.spend(1) else { return .error(costLimitExceeded) }
        bind(index)
        switch predicate!.step(&context) {
        case .bool(true):
          matches += 1
          guard context.spend(1) else { return .error(costLimitExceeded) }
        case .bool(false): break
        case .error(let found): error = found
        default: error = .conditionNotBool
        }
      }
      // `__result__ == 1`.
      guard context.spend(2) else { return .error(costLimitExceeded) }
      if let error { return .error(error) }
      return .bool(matches == 1)
    case .map, .filter, .transformList:
      guard context.spend(10) else { return .error(costLimitExceeded) }
      var results: [Value] = []
      var error: CELError?
      for index in 0..<count {
        guard context.spend(1) else { return .error(costLimitExceeded) }
        bind(index)
        if let predicate {
          switch predicate.step(&context) {
          case .bool(true): break
          case .bool(false): continue
          case .error(let found):
            error = found
            continue
          default:
            error = .conditionNotBool
            continue
          }
        }
        // `[x]` and the concatenation (and, for a filter, the element's read).
        guard context.spend(kind == .filter ? 12 : 11) else { return .error(costLimitExceeded) }
        if kind == .filter {
          if error == nil { results.append(item(index)) }
          continue
        }
        let value = transform!.step(&context)
        if case .error(let found) = value {
          if error == nil { error = found }
        } else if error == nil {
          results.append(value)
        }
      }
      guard context.spend(1) else { return .error(costLimitExceeded) }
      if let error { return .error(error) }
      return .list(ArrayList(results))
    case .transformMap, .transformMapEntry:
      guard context.spend(30) else { return .error(costLimitExceeded) }
      var map = DictionaryMap()
      for index in 0..<count {
        guard context.spend(1) else { return .error(costLimitExceeded) }
        bind(index)
        if let predicate {
          switch predicate.step(&context) {
          case .bool(true): break
          case .bool(false): continue
          case .error(let error): return .error(error)
          default: return .error(.conditionNotBool)
          }
        }
        guard context.spend(kind == .transformMap ? 2 : 1) else {
          return .error(costLimitExceeded)
        }
        let value = transform!.step(&context)
        if case .error = value { return value }
        if kind == .transformMap {
          map.insert(pair(index).0, value)
          continue
        }
        guard case .map(let entry) = value else {
          return .error(.noMatchingOverload("transformMapEntry"))
        }
        for key in entry.keys {
          guard map.insert(key, entry.value(for: key)!) else {
            return .error(CELError("insert failed: key \(key.debugText) already exists"))
          }
        }
      }
      guard context.spend(1) else { return .error(costLimitExceeded) }
      return .map(map)
    case .optionalMap, .optionalFlatMap, .bind:
      return .error(CELError("internal: unexpected comprehension"))
    }
  }
}
