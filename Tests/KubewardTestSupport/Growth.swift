/// How the time of some work grows with its size, measured in one run: the tests that hold
/// hostile inputs to linear work compare the time of the whole with that of a quarter, where
/// an absolute bound in seconds failed whenever the machine was slower than the one it was
/// set on (other suites run beside these, and CI machines differ).
///
/// Linear work takes four times a quarter's time, quadratic work sixteen: `isLinear` allows
/// eight. A quarter is timed before the whole and after it, and the slower kept, so that a
/// slowdown of the machine that lasts through the whole slows a quarter too.
public struct Growth: CustomStringConvertible {
  /// Seconds for the whole size.
  public let whole: Double
  /// Seconds for a quarter of it (the slower of two runs).
  public let quarter: Double

  /// Times `work` on `size`, and on `size / 4` before and after.
  public init(size: Int, _ work: (Int) throws -> Void) rethrows {
    let before = try Self.seconds { try work(size / 4) }
    whole = try Self.seconds { try work(size) }
    let after = try Self.seconds { try work(size / 4) }
    quarter = max(before, after)
  }

  /// Whether the whole took less than eight times a quarter's time.
  public var isLinear: Bool { whole < 8 * quarter }

  public var description: String { "\(whole) s, a quarter of the size \(quarter) s" }

  private static func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
  }
}
