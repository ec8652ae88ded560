/// The expressions of a run's policies that have one value on an object whichever policy
/// evaluates them, written in more than one place: each is evaluated once per object, and
/// every policy that has it is charged its cost, as if it had evaluated it (see
/// `AdmissionActivation.evaluateShared`).
///
/// An expression has one value on an object when it reads only what every policy sees alike
/// (`object`, `oldObject`, `request`, `namespaceObject`), or also `variables`, when all its
/// policy's variables do too: then its value follows from its text and the variables'
/// definitions, which make its key. Policy libraries repeat such expressions (a `containers`
/// variable, an "is a workload" condition, one rule bound at two strictnesses), and each was
/// evaluated again on every object.
struct SharedExpressions: Sendable {
  /// By expression, its place in an object's shared values; expressions written once have
  /// none (keeping their values would only cost).
  private let slots: [ObjectIdentifier: Int]

  init(policies: [AdmissionPolicy] = []) {
    let request = Set(PolicyExpression.requestNames)
    let requestAndVariables = request.union(["variables"])
    var keys: [ObjectIdentifier: String] = [:]
    // An expression object in two places (a YAML alias) under two keys is shared by neither.
    var conflicting: Set<ObjectIdentifier> = []
    var uses: [String: Int] = [:]
    for policy in policies {
      let variablesAreShared = policy.variables.allSatisfy {
        $0.expression.program?.expression.readsOnly(requestAndVariables) ?? false
      }
      // Length-prefixed, so that no two lists of definitions write the same key.
      let definitions = policy.variables.map { variable in
        "\(variable.name.utf8.count):\(variable.name)\(variable.expression.source.utf8.count):\(variable.expression.source)"
      }.joined()
      for expression in policy.expressions {
        guard let program = expression.program else { continue }
        let key: String
        if expression.readsOnlyTheRequest {
          key = "r\(expression.source)"
        } else if variablesAreShared, program.expression.readsOnly(requestAndVariables) {
          key = "v\(definitions.utf8.count):\(definitions)\(expression.source)"
        } else {
          continue
        }
        let id = ObjectIdentifier(expression)
        if let known = keys[id] {
          if known != key { conflicting.insert(id) }
          continue
        }
        keys[id] = key
        uses[key, default: 0] += 1
      }
    }
    var indices: [String: Int] = [:]
    var slots: [ObjectIdentifier: Int] = [:]
    for (id, key) in keys where !conflicting.contains(id) && uses[key, default: 0] > 1 {
      if indices[key] == nil { indices[key] = indices.count }
      slots[id] = indices[key]
    }
    self.slots = slots
  }

  /// The place of `expression`'s value among an object's shared values, if it is shared.
  func slot(of expression: PolicyExpression) -> Int? {
    slots.isEmpty ? nil : slots[ObjectIdentifier(expression)]
  }
}
