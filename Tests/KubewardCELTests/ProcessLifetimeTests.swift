import Testing

@testable import KubewardCEL

@Suite("Process lifetime")
struct ProcessLifetimeTests {
  final class Flag: @unchecked Sendable { var raised = false }

  final class Tracked {
    let freed: Flag
    init(_ freed: Flag) { self.freed = freed }
    deinit { freed.raised = true }
  }

  /// The runtime this is built with reads the pattern as its own immortal objects'.
  @Test func theRuntimeKeepsObjects() {
    #if os(Linux) && _pointerBitWidth(_64)
      #expect(ProcessLifetime.isSupported)
    #endif
  }

  @Test func aKeptObjectIsNeverFreed() {
    let kept = Flag()
    let counted = Flag()
    do {
      let object = Tracked(kept)
      ProcessLifetime.keep(object)
      #expect(ProcessLifetime.isKept(object) == ProcessLifetime.isSupported)
      _ = Tracked(counted)
    }
    #expect(counted.raised)
    #expect(kept.raised == !ProcessLifetime.isSupported)
  }

  @Test func aKeptObjectsReferencesAreNotCounted() {
    guard ProcessLifetime.isSupported else { return }
    let object = Tracked(Flag())
    ProcessLifetime.keep(object)
    let unmanaged = Unmanaged.passUnretained(object)
    for _ in 0..<1000 { _ = unmanaged.retain() }
    #expect(ProcessLifetime.isKept(object))
    for _ in 0..<2000 { unmanaged.release() }
    #expect(ProcessLifetime.isKept(object))
    var reference: AnyObject = object
    #expect(!isKnownUniquelyReferenced(&reference))
  }

  /// A program's paths are kept with it.
  @Test func aKeptProgramKeepsItsPaths() throws {
    let program = try Program(
      "object.spec.replicas > 1 && object.metadata.name != ''", declarations: ["object"])
    #expect(program.selectionPaths.map(\.fields) == [["spec", "replicas"], ["metadata", "name"]])
    #expect(!ProcessLifetime.isKept(program))
    program.keepForTheProcess()
    #expect(ProcessLifetime.isKept(program) == ProcessLifetime.isSupported)
    #expect(
      program.selectionPaths.allSatisfy(ProcessLifetime.isKept) == ProcessLifetime.isSupported)
  }
}
