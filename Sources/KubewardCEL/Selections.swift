/// A qualified name's path as a program reads it (`object.spec.template.spec.containers`):
/// the declared name and the fields after it, hashed once, when compiled.
public final class SelectionPath: Sendable {
  public let name: String
  public let fields: [String]
  let hash: Int

  init(name: String, fields: [String]) {
    self.name = name
    self.fields = fields
    var hasher = Hasher()
    hasher.combine(name)
    hasher.combine(fields)
    hash = hasher.finalize()
  }

  func isSame(as other: SelectionPath) -> Bool {
    self === other || (hash == other.hash && name == other.name && fields == other.fields)
  }
}

/// The one read a path followed in place to its end is (`MapValue.selectTracing`): what a
/// tracer is told of a path read from `SelectionCache`, as if the path were read again.
struct PathRead {
  let location: HostLocation
  let key: Value
}

/// The values of paths read from names whose values many evaluations share: every policy on
/// an object reads `object.spec.template.spec.containers`, and each walked it from `object`.
/// The first evaluation to read a path selects it; the others find its value here. A host
/// makes one for a set of such values (`names`: the names it holds paths of) and hands it to
/// evaluations through `Activation.selections`. Used on one thread at a time.
public final class SelectionCache {
  private let names: [String]
  // Side by side, scanned by hash: an object's policies read a few dozen paths, and a scan
  // of Ints beat hashing into a dictionary (and copying its entries) on every read.
  // Unchecked exclusivity: one thread at a time, and the run-time checks of a class's
  // properties cost more than a lookup.
  @exclusivity(unchecked) private var hashes: [Int] = []
  @exclusivity(unchecked) private var paths: [SelectionPath] = []
  @exclusivity(unchecked) private var values: [Value] = []
  @exclusivity(unchecked) private var reads: [PathRead?] = []

  /// The most paths one cache keeps (a scan is linear): further paths are selected anew.
  static let capacity = 64
  static let initialCapacity = 16

  public init(names: [String]) {
    self.names = names
  }

  func keeps(_ name: String) -> Bool {
    // Lengths first: `==` of two different strings takes Unicode's slow path.
    let length = name.utf8.count
    return names.contains { $0.utf8.count == length && $0 == name }
  }

  /// Where `path` is kept, or `nil`.
  func place(of path: SelectionPath) -> Int? {
    hashes.withUnsafeBufferPointer { hashes in
      hashes.indices.first { hashes[$0] == path.hash && paths[$0].isSame(as: path) }
    }
  }

  /// The value kept at `place`.
  func value(at place: Int) -> Value { values[place] }

  /// The read of the path kept at `place`, when it was one (`nil` for a path read in more
  /// steps, which a traced evaluation reads anew).
  func read(at place: Int) -> PathRead? { reads[place] }

  /// Drops every path, keeping the memory for the next set of values.
  public func forget() {
    guard !hashes.isEmpty else { return }
    hashes.removeAll(keepingCapacity: true)
    paths.removeAll(keepingCapacity: true)
    values.removeAll(keepingCapacity: true)
    reads.removeAll(keepingCapacity: true)
  }

  /// Keeps `value` for `path`, unless it is full, and gives the value the evaluations that
  /// read the path get (`keptForm(of:)`).
  func store(_ value: Value, read: PathRead?, for path: SelectionPath) -> Value {
    guard hashes.count < Self.capacity else { return value }
    let value = Self.keptForm(of: value)
    if hashes.isEmpty {
      // Room for the paths an object's policies usually read, made once: grown from one,
      // the three arrays were remade five times each for every object.
      hashes.reserveCapacity(Self.initialCapacity)
      paths.reserveCapacity(Self.initialCapacity)
      values.reserveCapacity(Self.initialCapacity)
      reads.reserveCapacity(Self.initialCapacity)
    }
    hashes.append(path.hash)
    paths.append(path)
    values.append(value)
    reads.append(read)
    return value
  }

  /// Lists of at most this many elements are kept with their elements remembered.
  static let madeElements = 64

  /// `value` as kept: a host's short list remembering each element it makes (`KeptList`).
  /// Every policy on an object iterates `object.spec.template.spec.containers`, and a host's
  /// list makes each element anew on every read (a heap box apiece, for a map: a tenth of the
  /// allocations of fifty policies). Made when first read, not when kept: a path read only
  /// for its size (`size(object.a)`, `object.a` an alias of a list of long strings, on every
  /// object) would otherwise copy every element for nothing. A long list is kept as it is.
  static func keptForm(of value: Value) -> Value {
    guard case .list(let list) = value, list.count > 0, list.count <= madeElements,
      list.exactly(ArrayList.self) == nil, list.exactly(KeptList.self) == nil
    else { return value }
    return .list(KeptList(list))
  }
}

/// A list that remembers each element the first time it is read, for the many evaluations
/// that read it (see `SelectionCache.keptForm(of:)`); where the host keeps it is the list's
/// own.
struct KeptList: ListValue {
  /// A class, so that the list is one word (no existential box) and remembers as it is read.
  /// Used on one thread at a time: a kept list lives in an object's selection cache and the
  /// values its evaluations make, which one check works with at a time.
  final class Elements: @unchecked Sendable {
    let list: any ListValue
    @exclusivity(unchecked) var made: [Value?]

    init(_ list: any ListValue) {
      self.list = list
      made = Array(repeating: nil, count: list.count)
    }
  }

  let elements: Elements

  init(_ list: any ListValue) {
    elements = Elements(list)
  }

  var count: Int { elements.made.count }
  var hostLocation: HostLocation? { elements.list.hostLocation }

  func element(at index: Int) -> Value {
    if let value = elements.made[index] { return value }
    let value = elements.list.element(at: index)
    elements.made[index] = value
    return value
  }
}
