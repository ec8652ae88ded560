import Synchronization

/// The buffers of trees that are gone, kept for the next files to read into.
///
/// A run parses thousands of files one after another on each worker. Memory the previous tree
/// used is already mapped and mostly still in the cache, where a fresh allocation is neither,
/// and buffers sized by the last files rarely need to grow.
enum BufferRecycler {
  /// A tree's buffers, owned by whoever holds them.
  struct Buffers: @unchecked Sendable {
    var nodes: RawBuffer<RawNode>
    var children: RawBuffer<NodeID>
    var text: RawBuffer<UInt8>
  }

  /// A few sets, enough for the workers of a run; a buffer over `largestKept` bytes is freed
  /// instead, so that one large file does not hold its memory for the rest of the run.
  private static let setsKept = 4
  private static let largestKept = 1 << 20
  private static let spare = Mutex<[Buffers]>([])

  /// A set of empty buffers from a finished tree, if there is one.
  static func take() -> Buffers? {
    guard var buffers = spare.withLock({ $0.popLast() }) else { return nil }
    buffers.nodes.removeAll()
    buffers.children.removeAll()
    buffers.text.removeAll()
    return buffers
  }

  /// Keeps `buffers` for the next file, or frees them.
  static func give(_ buffers: Buffers) {
    let isSmall =
      buffers.nodes.capacity * MemoryLayout<RawNode>.stride <= largestKept
      && buffers.children.capacity * MemoryLayout<NodeID>.stride <= largestKept
      && buffers.text.capacity <= largestKept
    let kept =
      isSmall
      && spare.withLock { spare in
        guard spare.count < setsKept else { return false }
        spare.append(buffers)
        return true
      }
    if !kept {
      buffers.nodes.deallocate()
      buffers.children.deallocate()
      buffers.text.deallocate()
    }
  }
}
