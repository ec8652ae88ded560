#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Work items produced by several threads and consumed in order by one. Producers claim the
/// next index and publish its result; they wait while they are more than `window` items ahead
/// of the consumer, so memory stays bounded however slow the consumer is.
final class OrderedWork<Result>: @unchecked Sendable {
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  private var slots: [Result?]
  private var nextClaim = 0
  private var consumed = 0
  private let window: Int

  init(count: Int, window: Int) {
    slots = Array(repeating: nil, count: count)
    self.window = max(1, window)
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(changed, nil)
  }

  deinit {
    pthread_cond_destroy(changed)
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
    changed.deallocate()
  }

  /// The next item to produce, or `nil` when all are claimed.
  func claim() -> Int? {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    while nextClaim < slots.count && nextClaim >= consumed + window {
      pthread_cond_wait(changed, mutex)
    }
    guard nextClaim < slots.count else { return nil }
    defer { nextClaim += 1 }
    return nextClaim
  }

  func publish(_ index: Int, _ result: Result) {
    pthread_mutex_lock(mutex)
    slots[index] = result
    pthread_cond_broadcast(changed)
    pthread_mutex_unlock(mutex)
  }

  /// Waits for item `index` (the consumer takes them in order) and removes it.
  func take(_ index: Int) -> Result {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    while slots[index] == nil { pthread_cond_wait(changed, mutex) }
    let result = slots[index]!
    slots[index] = nil
    consumed = index + 1
    pthread_cond_broadcast(changed)
    return result
  }
}
