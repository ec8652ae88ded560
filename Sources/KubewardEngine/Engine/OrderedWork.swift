#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Work items produced by several threads and delivered in index order, one at a time.
///
/// There is no consumer thread: the worker that publishes the next item due delivers it, and
/// every item after it that is already waiting. A worker that finds another one delivering
/// leaves its item for that one and goes back to work. So no thread sleeps while there is work,
/// and `jobs` workers keep `jobs` cores busy without a consumer competing for them.
///
/// Workers wait only when they are more than `window` items ahead of delivery, which bounds
/// the results held in memory however slow one item is.
final class OrderedWork<Result>: @unchecked Sendable {
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let delivered = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  private var slots: [Result?]
  private var nextClaim = 0
  private var nextDelivery = 0
  private var delivering = false
  private var waitingForWindow = 0
  private let window: Int

  init(count: Int, window: Int) {
    slots = Array(repeating: nil, count: count)
    self.window = max(1, window)
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(delivered, nil)
  }

  deinit {
    pthread_cond_destroy(delivered)
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
    delivered.deallocate()
  }

  /// The next item to produce, or `nil` when all are claimed.
  func claim() -> Int? {
    claim(upTo: 1).map(\.lowerBound)
  }

  /// The next items to produce, at most `count` and within the window, or `nil` when all are
  /// claimed. A worker publishes every item it claimed before it claims again: it waits for
  /// the window only holding none, so the items it holds never keep it waiting.
  func claim(upTo count: Int) -> Range<Int>? {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    while nextClaim < slots.count && nextClaim >= nextDelivery + window {
      waitingForWindow += 1
      pthread_cond_wait(delivered, mutex)
      waitingForWindow -= 1
    }
    guard nextClaim < slots.count else { return nil }
    let end = min(nextClaim + max(1, count), slots.count, nextDelivery + window)
    defer { nextClaim = end }
    return nextClaim..<end
  }

  /// Stores the result of item `index`; if no other worker is delivering, delivers every
  /// item that is due, in order, calling `deliver` outside the lock.
  func publish(_ index: Int, _ result: Result, deliver: (Int, Result) -> Void) {
    pthread_mutex_lock(mutex)
    slots[index] = result
    guard !delivering else {
      pthread_mutex_unlock(mutex)
      return
    }
    delivering = true
    while nextDelivery < slots.count, let due = slots[nextDelivery].take() {
      let dueIndex = nextDelivery
      nextDelivery += 1
      if waitingForWindow > 0 { pthread_cond_broadcast(delivered) }
      pthread_mutex_unlock(mutex)
      deliver(dueIndex, due)
      pthread_mutex_lock(mutex)
    }
    delivering = false
    pthread_mutex_unlock(mutex)
  }
}

/// A value handed to other threads under a discipline the compiler cannot see (here: calls
/// serialised by `OrderedWork`).
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value

  init(_ value: Value) {
    self.value = value
  }
}

/// Splits work over threads.
enum Partition {
  /// `count` items cut into at most `parts` contiguous, non-empty ranges that cover them in
  /// order, as even as can be: no range is empty however `count` and `parts` compare (with 65
  /// items and 12 parts, rounding every part up to 6 items would leave the last one starting
  /// past the end).
  static func ranges(count: Int, parts: Int) -> [Range<Int>] {
    guard count > 0 else { return [] }
    let parts = min(max(1, parts), count)
    let base = count / parts
    let larger = count % parts  // the first `larger` parts take one more item
    var ranges: [Range<Int>] = []
    ranges.reserveCapacity(parts)
    var start = 0
    for part in 0..<parts {
      let end = start + base + (part < larger ? 1 : 0)
      ranges.append(start..<end)
      start = end
    }
    return ranges
  }
}
