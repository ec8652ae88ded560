#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A growable array of plain values in memory it manages by hand: the reader appends a node
/// per YAML event and the JSON writer a few bytes per call, and `Array`'s uniqueness and bounds
/// checks cost more than such appends themselves.
///
/// It has no owner semantics: whoever holds it calls `deallocate()` exactly once (`TreeBuilder`
/// until it hands the buffer to a `NodeTree`, then the tree's deinit). Indices are checked only
/// in debug builds; every index the reader stores comes from the buffer itself.
///
/// Public only as SPI, for kubeward's own modules: inlinable, so that the JSON writer gets
/// appends specialized to bytes instead of a generic call per byte (the compiler does not inline
/// `package` declarations across modules).
@frozen
@_spi(Buffers)
public struct RawBuffer<Element: BitwiseCopyable> {
  // Settable only here; public for reading.
  @usableFromInline var storedBase: UnsafeMutablePointer<Element>?
  @usableFromInline var storedCount = 0
  @usableFromInline var storedCapacity = 0

  @inlinable public var base: UnsafeMutablePointer<Element>? { storedBase }
  @inlinable public var count: Int { storedCount }
  @inlinable public var capacity: Int { storedCapacity }

  @inlinable public init() {}

  @inlinable public init(capacity: Int) {
    reserve(capacity)
  }

  @inlinable @inline(__always)
  public subscript(index: Int) -> Element {
    get {
      assert(index >= 0 && index < count, "RawBuffer index out of range")
      return base.unsafelyUnwrapped[index]
    }
    set {
      assert(index >= 0 && index < count, "RawBuffer index out of range")
      base.unsafelyUnwrapped[index] = newValue
    }
  }

  @inlinable public var isEmpty: Bool { count == 0 }

  @inlinable @inline(__always)
  public mutating func append(_ element: Element) {
    if count == capacity { grow(minimum: count + 1) }
    base.unsafelyUnwrapped[count] = element
    storedCount += 1
  }

  @inlinable @inline(__always)
  public mutating func append(contentsOf elements: UnsafeBufferPointer<Element>) {
    guard let source = elements.baseAddress, elements.count > 0 else { return }
    if count + elements.count > capacity { grow(minimum: count + elements.count) }
    (base.unsafelyUnwrapped + count).update(from: source, count: elements.count)
    storedCount += elements.count
  }

  /// Appends what `body` writes at the pointer it is given: at most `maximum` elements, and
  /// `body` returns how many it wrote. For writers that would otherwise check the capacity at
  /// every element.
  @inlinable @inline(__always)
  public mutating func append(
    atMost maximum: Int, _ body: (UnsafeMutablePointer<Element>) -> Int
  ) {
    if count + maximum > capacity { grow(minimum: count + maximum) }
    let written = body(base.unsafelyUnwrapped + count)
    assert(written >= 0 && written <= maximum, "wrote more than promised")
    storedCount += written
  }

  /// Forgets the elements from `newCount` on, keeping the memory.
  @inlinable @inline(__always)
  public mutating func truncate(to newCount: Int) {
    assert(newCount >= 0 && newCount <= count)
    storedCount = newCount
  }

  @inlinable public mutating func removeAll() { storedCount = 0 }

  @inlinable
  public func withUnsafeBufferPointer<R>(
    _ body: (UnsafeBufferPointer<Element>) throws -> R
  ) rethrows -> R {
    try body(UnsafeBufferPointer(start: base, count: count))
  }

  /// Makes room for `minimum` elements in an empty buffer, without copying the old contents
  /// (as growing would).
  @inlinable
  mutating func reserveEmpty(_ minimum: Int) {
    assert(count == 0)
    guard minimum > capacity else { return }
    free(storedBase)
    storedBase = nil
    storedCapacity = 0
    reserve(minimum)
  }

  @inlinable
  mutating func reserve(_ minimum: Int) {
    if minimum > capacity { grow(minimum: minimum, exactly: true) }
  }

  @inlinable @inline(never)
  mutating func grow(minimum: Int, exactly: Bool = false) {
    let wanted = exactly ? minimum : max(minimum, capacity * 2, 16)
    let bytes = wanted * MemoryLayout<Element>.stride
    guard let memory = realloc(base, bytes) else {
      fatalError("out of memory growing a buffer to \(bytes) bytes")
    }
    storedBase = memory.bindMemory(to: Element.self, capacity: wanted)
    storedCapacity = wanted
  }

  /// Frees the memory. The buffer (and every copy of it) must not be used afterwards.
  @inlinable
  public func deallocate() {
    free(base)
  }
}
