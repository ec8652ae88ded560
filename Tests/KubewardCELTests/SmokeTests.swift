import Testing

@testable import KubewardCEL

@Suite("CEL smoke")
struct SmokeTests {
  @Test func arithmetic() throws {
    let program = try Program("1 + 2 * 3")
    #expect(program.evaluate(DictionaryActivation()).debugText == "7")
  }
}
