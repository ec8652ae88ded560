import KubewardModel
import KubewardYAML

/// Keeps one copy of each string a worker stores in facts. Facts outlive their file (the
/// cross-object pass needs them at the end of the run), and the same label keys and values,
/// namespaces and names recur across thousands of manifests: without this, every fact would
/// hold its own heap copy of `app.kubernetes.io/name`, and memory would grow with the corpus.
///
/// Strings are found by a hash of their bytes, so one read from a node is made only when it is
/// new; label sets are shared whole, as a workload's pod labels usually repeat its own labels,
/// its selector and its Service's selector.
struct StringInterner {
  private var strings = HashedSlots<String>()
  private var labelSets = HashedSlots<LabelSet>()
  /// Selectors' label dictionaries.
  private var labelDictionaries = HashedSlots<Labels>()

  /// The shared copy of `string`. Strings of up to 15 UTF-8 bytes are stored inline by Swift
  /// and need no sharing.
  mutating func callAsFunction(_ string: String) -> String {
    guard string.utf8.count > 15 else { return string }
    let hash = Self.hash(string)
    if let shared = strings.first(withHash: hash, where: { $0 == string }) { return shared }
    strings.insert(string, hash: hash)
    return string
  }

  mutating func callAsFunction(_ string: String?) -> String? {
    string.map { self($0) }
  }

  /// The shared string spelled by `bytes` (a node's text).
  mutating func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    string(bytes, hash: bytes.count > 15 ? Self.hash(bytes) : 0)
  }

  /// `hash` is `hash(bytes)`; short strings, which are not shared, need none.
  private mutating func string(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> String {
    guard bytes.count > 15 else { return String(decoding: bytes, as: UTF8.self) }
    if let shared = strings.first(withHash: hash, where: { Self.equal($0, bytes) }) {
      return shared
    }
    let string = String(decoding: bytes, as: UTF8.self)
    strings.insert(string, hash: hash)
    return string
  }

  /// The labels of a `labels:` mapping as a shared `LabelSet`.
  ///
  /// A set seen before is found from the node's bytes, before any string is made: a workload's
  /// pod labels usually repeat labels written elsewhere in the run.
  mutating func labelSet(of node: Node?) -> LabelSet {
    guard let node else { return Self.noLabels }
    // The set's hash adds its labels' hashes, so it does not depend on the order they are
    // written in.
    var hash: UInt64 = 0
    var count = 0
    for (key, value) in node.pairs where key.isScalar && value.isScalar {
      hash &+= Self.labelHash(
        key: key.withScalarBytes(Self.hash), value: value.withScalarBytes(Self.hash))
      count += 1
    }
    guard count > 0 else { return Self.noLabels }
    if let shared = labelSets.first(withHash: hash, where: { Self.set($0, holds: node, count) }) {
      return shared
    }
    // Hashed again only when long enough to be shared (short strings are stored inline).
    let labels = LabelSet(stringMap: node) { key, value in (string(key), string(value)) }
    labelSets.insert(labels, hash: hash)
    return labels
  }

  private static let noLabels = LabelSet([:])

  private static func labelHash(key: UInt64, value: UInt64) -> UInt64 {
    (key ^ (value &* 0x9e37_79b9_7f4a_7c15)) &* 0x0000_0100_0000_01b3
  }

  /// Whether `set` holds exactly the `count` scalar labels of `node` (a key written twice never
  /// matches: such a mapping gets a set of its own).
  private static func set(_ set: LabelSet, holds node: Node, _ count: Int) -> Bool {
    guard set.count == count else { return false }
    for (key, value) in node.pairs where key.isScalar && value.isScalar {
      let matches = key.withScalarBytes { key in
        value.withScalarBytes { value in set.value(forKey: key).map { equal($0, value) } ?? false }
      }
      if !matches { return false }
    }
    return true
  }

  /// The shared copy of a selector's labels, found by the same order-independent hash as label
  /// sets (hashing a dictionary with `Hasher` costs a hasher per entry).
  mutating func callAsFunction(_ labels: Labels) -> Labels {
    if labels.isEmpty { return [:] }
    var hash: UInt64 = 0
    for (key, value) in labels {
      hash &+= Self.labelHash(key: Self.hash(key), value: Self.hash(value))
    }
    if let shared = labelDictionaries.first(withHash: hash, where: { $0 == labels }) {
      return shared
    }
    var shared = Labels(minimumCapacity: labels.count)
    for (key, value) in labels { shared[self(key)] = self(value) }
    labelDictionaries.insert(shared, hash: hash)
    return shared
  }

  mutating func callAsFunction(_ reference: ObjectReference) -> ObjectReference {
    ObjectReference(
      apiVersion: self(reference.apiVersion), kind: self(reference.kind),
      namespace: self(reference.namespace), name: self(reference.name),
      generateName: self(reference.generateName))
  }

  mutating func callAsFunction(_ selector: LabelSelector?) -> LabelSelector? {
    guard var selector else { return nil }
    selector.matchLabels = self(selector.matchLabels)
    return selector
  }

  private static func hash(_ string: String) -> UInt64 {
    var string = string
    return string.withUTF8(hash)
  }

  // Swift's `Hasher` (SipHash, seeded per process): label values are chosen by whoever wrote
  // the manifests, and values crafted to collide under a fixed hash such as FNV would pile up
  // in one run of slots, making every insertion scan all the others.
  private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hasher = Hasher()
    hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
    return UInt64(UInt(bitPattern: hasher.finalize()))
  }

  private static func equal(_ string: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    string.utf8.count == bytes.count
      && string.utf8.withContiguousStorageIfAvailable { memoryEqual($0, bytes) }
        ?? string.utf8.elementsEqual(bytes)
  }
}

/// A hash set over hashes computed by the caller: open addressing, doubling at half full.
private struct HashedSlots<Element> {
  private var hashes = [UInt64](repeating: 0, count: 64)
  private var elements = [Element?](repeating: nil, count: 64)
  private var count = 0

  /// The stored element with `hash` that `matches` accepts.
  func first(withHash hash: UInt64, where matches: (Element) -> Bool) -> Element? {
    let hash = hash | 1  // 0 marks an empty slot
    let mask = hashes.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while hashes[slot] != 0 {
      if hashes[slot] == hash, let element = elements[slot], matches(element) { return element }
      slot = (slot + 1) & mask
    }
    return nil
  }

  mutating func insert(_ element: Element, hash: UInt64) {
    if (count + 1) * 2 > hashes.count { grow() }
    let hash = hash | 1
    let mask = hashes.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while hashes[slot] != 0 { slot = (slot + 1) & mask }
    hashes[slot] = hash
    elements[slot] = element
    count += 1
  }

  private mutating func grow() {
    let oldHashes = hashes
    let oldElements = elements
    hashes = [UInt64](repeating: 0, count: oldHashes.count * 2)
    elements = [Element?](repeating: nil, count: oldHashes.count * 2)
    count = 0
    for (hash, element) in zip(oldHashes, oldElements) where hash != 0 {
      insert(element!, hash: hash)
    }
  }
}
