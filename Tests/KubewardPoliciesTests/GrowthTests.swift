import KubewardTestSupport
import Testing

/// `Growth`, which the hostile-input tests hold to linear work, tells work that grows faster.
@Suite struct GrowthTests {
  @Test func workGrowingFasterThanItsSizeIsNotLinear() {
    var sink = 0
    // Cubic: sixty-four times a quarter's time, far from the eight `isLinear` allows.
    let growth = Growth(size: 400) { size in
      for i in 0..<size {
        for j in 0..<size {
          for k in 0..<size { sink &+= i ^ j ^ k }
        }
      }
    }
    #expect(!growth.isLinear, "\(growth)")
    #expect(sink != 1)
  }
}
