/// Tells the Swift runtime that an object lives as long as the process, so that it stops
/// counting the object's references.
///
/// Why: each time code takes a reference to a class instance out of a stored property, the
/// runtime increments and later decrements the instance's count with an atomic instruction,
/// which costs about 5 ns here against a fraction of a nanosecond for an ordinary one. A lint
/// run reads its compiled admission policies (the policies, their expressions, programs and
/// paths, bindings and rules) and the API defaults' tables for every object: over 10 000
/// documents and 50 policies that was about 6.5 million atomic operations, and the run with
/// those objects kept here took 0.974 × the time (`farm-bench`, 12 pairs).
///
/// How: the runtime's own permanent objects (the empty array's storage, static objects)
/// carry a fixed pattern in their reference-count word (`immortalBits()` in the runtime's
/// `RefCount.h`), for which `swift_retain` and `swift_release` return without writing the
/// word. `keep` writes that pattern. The object is then never freed, and its references are
/// no longer counted: only for objects the process keeps to its end anyway, and only before
/// they are shared between threads (the write is a plain store). Whether the runtime treats
/// the pattern so is checked once, on the runtime's own empty-array storage (read only) and a
/// probe object; where it does not (another layout, a 32-bit platform), `keep` does nothing
/// and the objects are counted as usual.
public enum ProcessLifetime {
  /// The word `RefCount.h` gives an immortal object on 64-bit platforms: the immortal field
  /// (bits 0–31) all ones, a strong count of 2 (bits 33–62) and the slow-path bit (63).
  static let immortalBits: UInt64 = 0xFFFF_FFFF | (2 << 33) | (1 << 63)

  private final class Probe {}

  /// Whether `keep` works here. First read, not written: the runtime's own permanent object,
  /// the empty array's storage, must carry the pattern (a runtime of another layout fails
  /// here, before any object is touched). Then a probe object, kept, must have its word
  /// unchanged by a retain and by the release after it. (The probe is held in a static and
  /// never released.)
  public static let isSupported: Bool = {
    #if os(Linux) && _pointerBitWidth(_64)
      guard word(of: unsafeBitCast([Int](), to: AnyObject.self)) == immortalBits else {
        return false
      }
      let probe = Probe()
      probeHolder = probe
      write(immortalBits, to: probe)
      retain(probe)
      let afterRetain = word(of: probe)
      release(probe)
      return afterRetain == immortalBits && word(of: probe) == immortalBits
    #else
      return false
    #endif
  }()

  // Out of line, so that the optimizer cannot pair the retain with the release and drop both.
  @inline(never) private static func retain(_ object: AnyObject) {
    _ = Unmanaged.passUnretained(object).retain()
  }

  @inline(never) private static func release(_ object: AnyObject) {
    Unmanaged.passUnretained(object).release()
  }

  nonisolated(unsafe) private static var probeHolder: AnyObject?

  /// Marks `object` as living to the end of the process (see the type's comment): call it
  /// once the object is made and before any other thread can reach it.
  public static func keep(_ object: AnyObject) {
    guard isSupported else { return }
    write(immortalBits, to: object)
  }

  /// Whether `object` is kept (its reference-count word is the immortal pattern).
  public static func isKept(_ object: AnyObject) -> Bool {
    isSupported && word(of: object) == immortalBits
  }

  /// The reference-count word: the second word of every Swift object, after its type.
  private static func wordPointer(of object: AnyObject) -> UnsafeMutablePointer<UInt64> {
    (Unmanaged.passUnretained(object).toOpaque() + MemoryLayout<UInt>.size)
      .assumingMemoryBound(to: UInt64.self)
  }

  private static func word(of object: AnyObject) -> UInt64 { wordPointer(of: object).pointee }

  private static func write(_ bits: UInt64, to object: AnyObject) {
    wordPointer(of: object).pointee = bits
  }
}
