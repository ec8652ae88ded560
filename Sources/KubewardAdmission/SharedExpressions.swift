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
///
/// A class, as the table in it: every expression evaluation asks it for a slot, and reading a
/// struct of arrays out of the object's scope retained each array for the call.
final class SharedExpressions: Sendable {
  /// By expression, its place in an object's shared values; expressions written once have
  /// none (keeping their values would only cost).
  private let slots: IdentityTable

  init(policies: [AdmissionPolicy] = []) {
    var sources: [ObjectIdentifier: String] = [:]
    var uses: [String: Int] = [:]
    for policy in policies {
      // Counted once per policy that has it: a YAML alias puts one expression in several
      // places of a policy (evaluated once there), or in several policies (a condition
      // kubeward writes for rules that share a list of namespaces), where it is shared.
      var own: Set<ObjectIdentifier> = []
      for expression in policy.expressions where expression.readsOnlyTheRequest {
        guard own.insert(ObjectIdentifier(expression)).inserted else { continue }
        sources[ObjectIdentifier(expression)] = expression.source
        uses[expression.source, default: 0] += 1
      }
    }
    var indices: [String: Int] = [:]
    var slots: [ObjectIdentifier: Int] = [:]
    for (id, source) in sources where uses[source, default: 0] > 1 {
      if indices[source] == nil { indices[source] = indices.count }
      slots[id] = indices[source]
    }
    self.slots = IdentityTable(slots)
    self.count = indices.count
  }

  /// How many slots there are.
  let count: Int

  /// The place of `expression`'s value among an object's shared values, if it is shared.
  func slot(of expression: PolicyExpression) -> Int? {
    slots.value(for: ObjectIdentifier(expression))
  }
}

/// A fixed map from objects (by identity) to ints, asked for every expression a policy
/// evaluates on every object. Open addressing on a multiple of the address: Swift's `Hasher`
/// (SipHash, seeded against hash flooding) was most of each lookup, and these keys are
/// addresses of the run's own objects, which no input chooses.
final class IdentityTable: Sendable {
  private let keys: [UInt]
  private let values: [Int]
  /// `keys.count - 1`; the table's size is a power of two.
  private let mask: Int

  init(_ entries: [ObjectIdentifier: Int]) {
    // At most half full: a probe meets an empty place (0: no object's address) soon.
    var size = 1
    while size < entries.count * 2 { size *= 2 }
    var keys = [UInt](repeating: 0, count: entries.isEmpty ? 0 : size)
    var values = [Int](repeating: 0, count: keys.count)
    let mask = size - 1
    for (key, value) in entries {
      let address = UInt(bitPattern: key)
      var index = Self.start(address, mask: mask)
      while keys[index] != 0 { index = (index + 1) & mask }
      keys[index] = address
      values[index] = value
    }
    self.keys = keys
    self.values = values
    self.mask = mask
  }

  func value(for key: ObjectIdentifier) -> Int? {
    guard !keys.isEmpty else { return nil }
    let address = UInt(bitPattern: key)
    var index = Self.start(address, mask: mask)
    while true {
      let found = keys[index]
      if found == address { return values[index] }
      if found == 0 { return nil }
      index = (index + 1) & mask
    }
  }

  /// Where a key's probe starts: Fibonacci hashing (the golden ratio's multiple) spreads
  /// addresses, which differ mostly in their middle bits, over the table.
  private static func start(_ address: UInt, mask: Int) -> Int {
    Int(truncatingIfNeeded: (address &* golden) >> (UInt.bitWidth / 2)) & mask
  }

  /// 2⁶⁴ over the golden ratio, odd (its low half on a 32-bit target, odd too).
  private static let golden = UInt(truncatingIfNeeded: 0x9E37_79B9_7F4A_7C15 as UInt64)
}
