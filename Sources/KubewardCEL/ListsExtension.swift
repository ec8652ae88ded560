/// cel-go's lists extension at version 3, which Kubernetes enables from 1.34: `slice`,
/// `flatten`, `sort`, `sortBy` (a macro over `@sortByAssociatedKeys`), `lists.range`,
/// `reverse` and `distinct`, with their error messages. Work is charged before it is done, as
/// everywhere: a unit per element read or made, and per comparison.
enum ListsExtension {
  static func register(_ library: inout Library) {
    library.add("slice", member: true, arity: 3) { arguments, context in
      guard case .list(let list) = arguments[0], case .int(let start) = arguments[1],
        case .int(let end) = arguments[2]
      else { return nil }
      if start < 0 || end < 0 {
        return .error(CELError("cannot slice(\(start), \(end)), negative indexes not supported"))
      }
      if start > end {
        return .error(
          CELError(
            "cannot slice(\(start), \(end)), start index must be less than or equal to end index"
          ))
      }
      if Int64(list.count) < end {
        return .error(
          CELError("cannot slice(\(start), \(end)), list is length \(list.count)"))
      }
      guard context.spend(Int(end - start) + 1) else { return .error(costLimitExceeded) }
      return .list(ArrayList((Int(start)..<Int(end)).map { list.element(at: $0) }))
    }
    library.add("flatten", member: true, arity: 1) { arguments, context in
      guard case .list(let list) = arguments[0] else { return nil }
      return flattened(list, depth: 1, &context)
    }
    library.add("flatten", member: true, arity: 2) { arguments, context in
      guard case .list(let list) = arguments[0], case .int(let depth) = arguments[1] else {
        return nil
      }
      guard depth >= 0 else { return .error(CELError("level must be non-negative")) }
      return flattened(list, depth: depth, &context)
    }
    library.add("sort", member: true, arity: 1) { arguments, context in
      guard case .list(let list) = arguments[0] else { return nil }
      return sorted(list, keys: list, &context)
    }
    library.add("@sortByAssociatedKeys", member: true, arity: 2) { arguments, context in
      guard case .list(let list) = arguments[0], case .list(let keys) = arguments[1] else {
        return nil
      }
      return sorted(list, keys: keys, &context)
    }
    library.add("lists.range", arity: 1) { arguments, context in
      guard case .int(let count) = arguments[0] else { return nil }
      guard count > 0 else { return .list(ArrayList([])) }
      guard context.spend(count >= Int64(Int.max) ? .max : Int(count) + 1) else {
        return .error(costLimitExceeded)
      }
      return .list(ArrayList((0..<count).map(Value.int)))
    }
    library.add("reverse", member: true, arity: 1) { arguments, context in
      guard case .list(let list) = arguments[0] else { return nil }
      guard context.spend(list.count + 1) else { return .error(costLimitExceeded) }
      return .list(ArrayList((0..<list.count).reversed().map { list.element(at: $0) }))
    }
    library.add("distinct", member: true, arity: 1) { arguments, context in
      guard case .list(let list) = arguments[0] else { return nil }
      guard context.spend(list.count + 1) else { return .error(costLimitExceeded) }
      // Each element against those kept before it, as cel-go does: quadratic, and charged
      // per comparison (with the values' sizes) against the budget.
      var kept: [Value] = []
      var work = 0
      defer { _ = context.spend(work) }
      for index in 0..<list.count {
        let element = list.element(at: index)
        var seen = false
        for other in kept where Equality.same(element, other, work: &work, limit: context.remaining)
        {
          seen = true
          break
        }
        guard work <= context.remaining else { return .error(costLimitExceeded) }
        if !seen { kept.append(element) }
      }
      return .list(ArrayList(kept))
    }
  }

  /// The element types `sort` orders.
  private static let sortable: Set<CELType> = [
    .int, .uint, .double, .bool, .duration, .timestamp, .string, .bytes,
  ]

  /// `list` in the order of `keys` (the list itself for `sort`): stable, and an error when the
  /// keys are of different types or of a type without an order.
  private static func sorted(
    _ list: any ListValue, keys: any ListValue, _ context: inout EvaluationContext
  ) -> Value {
    guard list.count == keys.count else {
      return .error(
        CELError(
          "@sortByAssociatedKeys() expected a list of the same size as the associated keys list, but got \(list.count) and \(keys.count) elements respectively"
        ))
    }
    let count = list.count
    guard count > 0 else { return .list(ArrayList([])) }
    let keyValues = (0..<count).map { keys.element(at: $0) }
    let type = keyValues[0].type
    guard sortable.contains(type) else {
      return .error(CELError("list elements must be comparable"))
    }
    guard keyValues.allSatisfy({ $0.type == type }) else {
      return .error(CELError("list elements must have the same type"))
    }
    guard context.spend(count) else { return .error(costLimitExceeded) }
    // Merge sort on the indices: stable, and n log n comparisons however the keys compare,
    // each charged by what it reads (long strings cost their length). Past the budget the
    // comparisons stop reading and the result is the budget's error.
    var work = 0
    let limit = context.remaining
    var failure: CELError?
    let order = mergeSorted(Array(0..<count)) { a, b in
      guard failure == nil, work <= limit else { return false }
      switch Equality.order(keyValues[a], keyValues[b], "sort", work: &work) {
      case .success(let result): return (result ?? 0) < 0
      case .failure(let error):
        failure = error
        return false
      }
    }
    guard context.spend(work) else { return .error(costLimitExceeded) }
    if let failure { return .error(failure) }
    return .list(ArrayList(order.map { list.element(at: $0) }))
  }

  private static func mergeSorted(_ items: [Int], by less: (Int, Int) -> Bool) -> [Int] {
    guard items.count > 1 else { return items }
    let middle = items.count / 2
    let left = mergeSorted(Array(items[..<middle]), by: less)
    let right = mergeSorted(Array(items[middle...]), by: less)
    var merged: [Int] = []
    merged.reserveCapacity(items.count)
    var (i, j) = (0, 0)
    while i < left.count && j < right.count {
      if less(right[j], left[i]) {
        merged.append(right[j])
        j += 1
      } else {
        merged.append(left[i])
        i += 1
      }
    }
    merged.append(contentsOf: left[i...])
    merged.append(contentsOf: right[j...])
    return merged
  }

  /// `list` with its nested lists spliced in, `depth` levels deep. With a stack of its own:
  /// a value can nest as deep as a policy's variables build it, deeper than the call stack.
  private static func flattened(
    _ list: any ListValue, depth: Int64, _ context: inout EvaluationContext
  ) -> Value {
    var result: [Value] = []
    guard context.spend(list.count + 1) else { return .error(costLimitExceeded) }
    var pending: [(list: any ListValue, next: Int, depth: Int64)] = [(list, 0, depth)]
    while let top = pending.last {
      guard top.next < top.list.count else {
        pending.removeLast()
        continue
      }
      pending[pending.count - 1].next += 1
      let element = top.list.element(at: top.next)
      if top.depth > 0, case .list(let nested) = element {
        guard context.spend(nested.count + 1) else { return .error(costLimitExceeded) }
        pending.append((nested, 0, top.depth - 1))
      } else {
        result.append(element)
      }
    }
    return .list(ArrayList(result))
  }
}
