import KubewardYAML

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Labels as a plain dictionary; the cross-object pass keeps these instead of nodes.
public typealias Labels = [String: String]

/// A Kubernetes label selector: `matchLabels` and `matchExpressions`, all of which must hold.
/// The same evaluator serves Service selectors (a bare map is `matchLabels`), workload
/// selectors and PodDisruptionBudget selectors.
public struct LabelSelector: Hashable, Sendable {
  public struct Requirement: Hashable, Sendable {
    public enum Operator: String, Sendable {
      case `in` = "In"
      case notIn = "NotIn"
      case exists = "Exists"
      case doesNotExist = "DoesNotExist"
    }

    public var key: String
    public var `operator`: Operator
    public var values: [String] {
      didSet { valueSet = Self.set(of: values) }
    }
    /// `values` as a set when there are many: a hostile `In` of 100 000 values, asked of every
    /// object, was a scan each time. A few are compared in order, which is quicker.
    private var valueSet: Set<String>?

    public init(key: String, operator: Operator, values: [String] = []) {
      self.key = key
      self.operator = `operator`
      self.values = values
      self.valueSet = Self.set(of: values)
    }

    private static func set(of values: [String]) -> Set<String>? {
      values.count > 16 ? Set(values) : nil
    }

    private func holds(_ value: String) -> Bool {
      valueSet?.contains(value) ?? values.contains(value)
    }

    public func matches(_ labels: Labels) -> Bool {
      matches { labels[$0] }
    }

    func matches(_ label: (String) -> String?) -> Bool {
      switch `operator` {
      case .in: return label(key).map(holds) ?? false
      case .notIn: return label(key).map { !holds($0) } ?? true
      case .exists: return label(key) != nil
      case .doesNotExist: return label(key) == nil
      }
    }
  }

  public var matchLabels: Labels
  public var requirements: [Requirement]
  /// An expression this evaluator does not understand (an unknown operator): such a selector
  /// is treated as matching nothing that kubeward can prove, so policies stay silent.
  public var hasUnknownRequirement: Bool

  public init(
    matchLabels: Labels = [:], requirements: [Requirement] = [],
    hasUnknownRequirement: Bool = false
  ) {
    self.matchLabels = matchLabels
    self.requirements = requirements
    self.hasUnknownRequirement = hasUnknownRequirement
  }

  /// A selector with no terms. For a PodDisruptionBudget it selects every pod of its namespace;
  /// a Service without a selector is represented by `nil` instead.
  public var isEmpty: Bool { matchLabels.isEmpty && requirements.isEmpty && !hasUnknownRequirement }

  public func matches(_ labels: Labels) -> Bool {
    matches { labels[$0] }
  }

  public func matches(_ labels: LabelSet) -> Bool {
    matches { labels[$0] }
  }

  /// Whether labels whose values `label` looks up satisfy the selector.
  public func matches(label: (String) -> String?) -> Bool {
    guard !hasUnknownRequirement else { return false }
    for (key, value) in matchLabels where label(key) != value { return false }
    return requirements.allSatisfy { $0.matches(label) }
  }

  /// A selector made to be matched against many objects: one of many terms (a hostile one
  /// of 10 000 requirements, against 10 000 objects, took 5 s) is worked out once by key, and
  /// an object's labels are then looked up in it (or its keys in the labels, when they are
  /// fewer), in time proportional to the smaller. A selector of few terms is matched as it is
  /// written, which is quicker for them.
  public struct Matcher: Sendable {
    public let selector: LabelSelector
    private let byKey: ByKey?

    /// Selectors of more terms than this are worked out by key.
    public static let termsMatchedInOrder = 16

    public init(_ selector: LabelSelector) {
      self.selector = selector
      let terms = selector.matchLabels.count + selector.requirements.count
      byKey =
        terms > Self.termsMatchedInOrder && !selector.hasUnknownRequirement
        ? ByKey(selector) : nil
    }

    /// The most work one match costs, in lookups: a term each (a selector worked out by key
    /// looks up its keys or the labels, whichever are fewer).
    public var work: Int { selector.matchLabels.count + selector.requirements.count }

    public func matches(_ labels: Labels) -> Bool {
      guard let byKey else { return selector.matches(labels) }
      return byKey.matches(labels)
    }

    /// What every term on a key says of its label's value, all terms together.
    private struct KeyRule: Sendable {
      /// No term needs the label (only `NotIn` and `DoesNotExist`, which hold without it).
      var holdsWhenAbsent = true
      /// `DoesNotExist`: no value holds.
      var mustBeAbsent = false
      /// The values every `In` (and `matchLabels`) allows, when one is given.
      var allowed: Set<String>?
      /// The values a `NotIn` forbids.
      var forbidden: Set<String> = []

      mutating func allow(_ values: some Sequence<String>) {
        allowed = allowed.map { $0.intersection(values) } ?? Set(values)
      }

      func holds(_ value: String) -> Bool {
        !mustBeAbsent && (allowed?.contains(value) ?? true) && !forbidden.contains(value)
      }
    }

    private struct ByKey: Sendable {
      let rules: [String: KeyRule]
      /// How many keys must be among the labels (a term on each holds only with its label).
      let neededKeys: Int

      init(_ selector: LabelSelector) {
        var rules: [String: KeyRule] = [:]
        for (key, value) in selector.matchLabels {
          rules[key, default: KeyRule()].allow(CollectionOfOne(value))
          rules[key]!.holdsWhenAbsent = false
        }
        for requirement in selector.requirements {
          var rule = rules[requirement.key, default: KeyRule()]
          switch requirement.operator {
          case .in:
            rule.allow(requirement.values)
            rule.holdsWhenAbsent = false
          case .notIn: rule.forbidden.formUnion(requirement.values)
          case .exists: rule.holdsWhenAbsent = false
          case .doesNotExist: rule.mustBeAbsent = true
          }
          rules[requirement.key] = rule
        }
        self.rules = rules
        neededKeys = rules.values.count { !$0.holdsWhenAbsent }
      }

      /// By the labels, or by the keys when the labels are more (an object of 100 000
      /// labels against a selector of 17 terms).
      func matches(_ labels: Labels) -> Bool {
        if labels.count > rules.count {
          for (key, rule) in rules {
            if let value = labels[key] {
              guard rule.holds(value) else { return false }
            } else if !rule.holdsWhenAbsent {
              return false
            }
          }
          return true
        }
        var neededFound = 0
        for (key, value) in labels {
          guard let rule = rules[key] else { continue }
          guard rule.holds(value) else { return false }
          if !rule.holdsWhenAbsent { neededFound += 1 }
        }
        return neededFound == neededKeys
      }
    }
  }

  /// A Service's `selector:`, a plain map of labels.
  public init?(serviceSelector node: Node?) {
    guard let node, node.isMapping, node.childCount > 0 else { return nil }
    self.init(matchLabels: Labels(stringMap: node))
  }

  /// A `LabelSelector` object (`matchLabels`, `matchExpressions`).
  public init?(selector node: Node?) {
    guard let node, node.isMapping else { return nil }
    var unknown = false
    var requirements: [Requirement] = []
    for expression in node.items(.matchExpressions) {
      guard let key = expression.scalar(.key)?.string,
        let name = expression.scalar(.operator)?.string,
        let op = Requirement.Operator(rawValue: name)
      else {
        unknown = true
        continue
      }
      let values = expression.items(.values).compactMap(\.text)
      requirements.append(Requirement(key: key, operator: op, values: values))
    }
    self.init(
      matchLabels: Labels(stringMap: node.mapping(.matchLabels)), requirements: requirements,
      hasUnknownRequirement: unknown)
  }
}

/// Labels kept for a long time (the cross-object facts of a whole run): the pairs sorted by
/// key in one array, about half the memory of a dictionary of a few labels, and as quick to
/// search at the sizes labels come in.
///
/// Keys are ordered by their UTF-8 bytes (for the ASCII of label keys, alphabetical order), so
/// that a set can be searched with a node's bytes, without making strings.
public struct LabelSet: Hashable, Sendable, RandomAccessCollection {
  public typealias Element = (key: String, value: String)

  private struct Pair: Hashable, Sendable {
    var key: String
    var value: String
  }

  private var pairs: [Pair]

  public init(_ labels: Labels) {
    pairs = labels.map { Pair(key: $0.key, value: $0.value) }.sorted {
      Self.compare($0.key, $1.key) < 0
    }
  }

  /// The scalar entries of a mapping node, as `Labels(stringMap:)` reads them (a key written
  /// twice keeps its last value), each label made by `label` from the bytes of its key and
  /// value: no dictionary is built on the way.
  public init(
    stringMap node: Node?,
    label: (_ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> (
      key: String, value: String
    )
  ) {
    pairs = []
    guard let node else { return }
    // Sorted as bytes first, so that strings are made only for the labels kept.
    pairs = withExtendedLifetime(node) {
      var written:
        [(key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, order: Int)] = []
      written.reserveCapacity(node.pairs.count)
      for (key, value) in node.pairs where key.isScalar && value.isScalar {
        let bytes =
          value.isNull ? UnsafeBufferPointer(start: nil, count: 0) : value.unsafeScalarBytes
        written.append((key.unsafeScalarBytes, bytes, written.count))
      }
      // Of equal keys, the last written comes last, and wins.
      written.sort {
        let order = Self.compare($0.key, $1.key)
        return order != 0 ? order < 0 : $0.order < $1.order
      }
      var pairs: [Pair] = []
      pairs.reserveCapacity(written.count)
      for (index, (key, value, _)) in written.enumerated()
      where index + 1 == written.count || Self.compare(key, written[index + 1].key) != 0 {
        let made = label(key, value)
        pairs.append(Pair(key: made.key, value: made.value))
      }
      return pairs
    }
  }

  public var startIndex: Int { 0 }
  public var endIndex: Int { pairs.count }
  public subscript(position: Int) -> Element { (pairs[position].key, pairs[position].value) }

  /// The value of label `key`.
  public subscript(key: String) -> String? {
    var key = key
    return key.withUTF8 { value(forKey: $0) }
  }

  /// The value of the label whose key has the UTF-8 bytes `key`.
  public func value(forKey key: UnsafeBufferPointer<UInt8>) -> String? {
    var low = 0
    var high = pairs.count
    while low < high {
      let middle = (low + high) / 2
      var middleKey = pairs[middle].key
      if middleKey.withUTF8({ Self.compare($0, key) }) < 0 {
        low = middle + 1
      } else {
        high = middle
      }
    }
    guard low < pairs.count else { return nil }
    var found = pairs[low].key
    return found.withUTF8({ Self.compare($0, key) }) == 0 ? pairs[low].value : nil
  }

  /// The labels as a dictionary.
  public var dictionary: Labels {
    Labels(uniqueKeysWithValues: pairs.map { ($0.key, $0.value) })
  }

  /// Byte order: negative, zero or positive as `lhs` sorts before, with or after `rhs`.
  private static func compare(_ lhs: String, _ rhs: String) -> Int {
    var lhs = lhs
    var rhs = rhs
    return lhs.withUTF8 { left in rhs.withUTF8 { compare(left, $0) } }
  }

  private static func compare(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>)
    -> Int
  {
    let common = Swift.min(lhs.count, rhs.count)
    if common > 0, let left = lhs.baseAddress, let right = rhs.baseAddress {
      let order = memcmp(left, right, common)
      if order != 0 { return Int(order) }
    }
    return lhs.count - rhs.count
  }
}

extension Dictionary where Key == String, Value == String {
  /// The scalar entries of a mapping node (`labels:`, `selector:`, `annotations:`); a value
  /// written null is empty, as the API server decodes it into a `map[string]string`.
  public init(stringMap node: Node?) {
    self.init()
    guard let node else { return }
    let pairs = node.pairs
    reserveCapacity(pairs.count)
    for (key, value) in pairs {
      guard let name = key.string, value.isScalar else { continue }
      self[name] = value.isNull ? "" : value.string ?? ""
    }
  }
}
