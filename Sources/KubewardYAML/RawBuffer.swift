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
package struct RawBuffer<Element: BitwiseCopyable> {
  package private(set) var base: UnsafeMutablePointer<Element>?
  package private(set) var count = 0
  package private(set) var capacity = 0

  package init() {}

  package init(capacity: Int) {
    reserve(capacity)
  }

  @inline(__always)
  package subscript(index: Int) -> Element {
    get {
      assert(index >= 0 && index < count, "RawBuffer index out of range")
      return base.unsafelyUnwrapped[index]
    }
    set {
      assert(index >= 0 && index < count, "RawBuffer index out of range")
      base.unsafelyUnwrapped[index] = newValue
    }
  }

  package var isEmpty: Bool { count == 0 }

  @inline(__always)
  package mutating func append(_ element: Element) {
    if count == capacity { grow(minimum: count + 1) }
    base.unsafelyUnwrapped[count] = element
    count += 1
  }

  @inline(__always)
  package mutating func append(contentsOf elements: UnsafeBufferPointer<Element>) {
    guard let source = elements.baseAddress, elements.count > 0 else { return }
    if count + elements.count > capacity { grow(minimum: count + elements.count) }
    (base.unsafelyUnwrapped + count).update(from: source, count: elements.count)
    count += elements.count
  }

  /// Forgets the elements from `newCount` on, keeping the memory.
  @inline(__always)
  package mutating func truncate(to newCount: Int) {
    assert(newCount >= 0 && newCount <= count)
    count = newCount
  }

  package mutating func removeAll() { count = 0 }

  package func withUnsafeBufferPointer<R>(
    _ body: (UnsafeBufferPointer<Element>) throws -> R
  ) rethrows -> R {
    try body(UnsafeBufferPointer(start: base, count: count))
  }

  private mutating func reserve(_ minimum: Int) {
    if minimum > capacity { grow(minimum: minimum, exactly: true) }
  }

  private mutating func grow(minimum: Int, exactly: Bool = false) {
    let wanted = exactly ? minimum : max(minimum, capacity * 2, 16)
    let bytes = wanted * MemoryLayout<Element>.stride
    guard let memory = realloc(base, bytes) else {
      fatalError("out of memory growing a buffer to \(bytes) bytes")
    }
    base = memory.bindMemory(to: Element.self, capacity: wanted)
    capacity = wanted
  }

  /// Frees the memory. The buffer (and every copy of it) must not be used afterwards.
  package func deallocate() {
    free(base)
  }
}
