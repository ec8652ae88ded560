/// The expressions of a run's policies that have one value on an object whichever policy
/// evaluates them, written in more than one place: each is evaluated once per object, and
/// every policy that has it is charged its cost, as if it had evaluated it (see
/// `AdmissionActivation.evaluateShared`).
///
/// Such an expression reads only what every policy on the object sees alike (`object`,
/// `oldObject`, `request`, `namespaceObject`), and no variable, param or authorizer: its value
/// follows from its text, whatever policy, exception or binding evaluates it, and whatever was
/// evaluated before. Policy libraries repeat such expressions (a `containers` variable, an "is a
/// workload" condition, one rule bound at two strictnesses), and each was evaluated again on
/// every object. (One that reads variables is left out: a variable's value can depend on
/// what was read before it, when variables nest as deep as kubeward allows.)
struct SharedExpressions: Sendable {
  /// By expression, its place in an object's shared values; expressions written once have
  /// none (keeping their values would only cost).
  private let slots: [ObjectIdentifier: Int]

  init(policies: [AdmissionPolicy] = []) {
    var sources: [ObjectIdentifier: String] = [:]
    var uses: [String: Int] = [:]
    for policy in policies {
      for expression in policy.expressions where expression.readsOnlyTheRequest {
        // A YAML alias puts one expression in several places: it is one expression.
        guard sources.updateValue(expression.source, forKey: ObjectIdentifier(expression)) == nil
        else { continue }
        uses[expression.source, default: 0] += 1
      }
    }
    var indices: [String: Int] = [:]
    var slots: [ObjectIdentifier: Int] = [:]
    for (id, source) in sources where uses[source, default: 0] > 1 {
      if indices[source] == nil { indices[source] = indices.count }
      slots[id] = indices[source]
    }
    self.slots = slots
    self.count = indices.count
  }

  /// How many slots there are: an object's shared values are an array of this many.
  let count: Int

  /// The place of `expression`'s value among an object's shared values, if it is shared.
  func slot(of expression: PolicyExpression) -> Int? {
    slots.isEmpty ? nil : slots[ObjectIdentifier(expression)]
  }
}
