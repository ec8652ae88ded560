import Dispatch
import KubewardModel
import KubewardYAML
import Synchronization
import Testing

@testable import KubewardBuiltInPolicies
@testable import KubewardEngine

@Suite("Delivery of a run's results")
struct DeliveryTests {
  /// Workers finish items out of order; every item must be delivered exactly once, in index
  /// order, one delivery at a time, and no worker may run more than the window ahead.
  @Test func orderedWorkDeliversEveryItemOnceInOrder() {
    let count = 3000
    let window = 16
    let work = OrderedWork<Int>(count: count, window: window)
    let delivered = Mutex<[Int]>([])
    let inDelivery = Atomic<Int>(0)
    let overlapped = Atomic<Bool>(false)
    let deliveredCount = Atomic<Int>(0)
    let aheadOfWindow = Atomic<Bool>(false)
    DispatchQueue.concurrentPerform(iterations: 4) { worker in
      while let index = work.claim() {
        // One item may be in delivery (counted as delivered only once its callback ends).
        if index > deliveredCount.load(ordering: .sequentiallyConsistent) + window {
          aheadOfWindow.store(true, ordering: .relaxed)
        }
        // Uneven work, so that items finish out of order.
        var spin = (index * 7919 + worker) % 997
        while spin > 0 { spin -= 1 }
        work.publish(index, index * 2) { index, result in
          if inDelivery.add(1, ordering: .sequentiallyConsistent).newValue != 1 {
            overlapped.store(true, ordering: .relaxed)
          }
          delivered.withLock { $0.append(result / 2) }
          #expect(result == index * 2)
          deliveredCount.add(1, ordering: .sequentiallyConsistent)
          inDelivery.subtract(1, ordering: .sequentiallyConsistent)
        }
      }
    }
    #expect(delivered.withLock { $0 } == Array(0..<count))
    let didOverlap = overlapped.load(ordering: .relaxed)
    let ranAhead = aheadOfWindow.load(ordering: .relaxed)
    #expect(!didOverlap)
    #expect(!ranAhead)
  }

  /// More cross-object findings than one slice: the sink gets them in several calls that,
  /// joined, are the whole sorted list, whatever the number of jobs.
  @Test func crossObjectFindingsArriveInOrderedSlices() throws {
    let folder = try temporaryFolder()
    // Each single-replica Deployment is one `single-replica` finding (a set policy).
    for file in 0..<60 {
      let documents = (0..<25).map { deployment("d\(file)-\($0)", replicas: 1) }
      try write(documents.joined(separator: "\n---\n"), to: folder + "/f\(file).yaml")
    }
    let inputs = try InputDiscovery.inputs(for: [folder])
    let linter = try Linter()
    var reference: [Finding]?
    // A run that leaves its memory for the process's exit delivers the same.
    for (jobs, frees) in [(1, true), (2, true), (3, true), (2, false)] {
      let sink = SliceRecordingSink()
      linter.run(inputs, options: RunOptions(jobs: jobs, freesMemoryAtEnd: frees), into: sink)
      let crossObject = sink.slices.flatMap { $0 }.filter { $0.policy == "single-replica" }
      #expect(sink.slices.count > 1, "one call for \(crossObject.count) findings")
      #expect(crossObject.count == 1500)
      let rank = Dictionary(uniqueKeysWithValues: inputs.enumerated().map { ($1.name, $0) })
      #expect(
        crossObject.map { [rank[$0.file]!, $0.line, $0.column] }
          == crossObject.map { [rank[$0.file]!, $0.line, $0.column] }.sorted {
            $0.lexicographicallyPrecedes($1)
          })
      #expect(crossObject.allSatisfy { $0.message.hasPrefix("Deployment default/d") })
      if let reference {
        #expect(sink.slices.flatMap { $0 } == reference, "jobs \(jobs)")
      } else {
        reference = sink.slices.flatMap { $0 }
      }
    }
  }
}

/// Records each `crossObject` call separately.
private final class SliceRecordingSink: FindingSink {
  var slices: [[Finding]] = []

  func file(_ name: String, findings: [Finding]) {}
  func crossObject(_ findings: [Finding]) { slices.append(findings) }
  func finish(_ summary: LintSummary) {}
}

@Suite("String interner")
struct StringInternerTests {
  private func storage(_ string: String) -> UnsafeRawPointer? {
    string.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
  }

  @Test func sharesEqualStringsAndLabelSets() {
    var strings = StringInterner()
    let long = "app.kubernetes.io/name"
    let fromString = strings(String(long.reversed().reversed()))
    let fromBytes = Array(long.utf8).withUnsafeBufferPointer { strings.string($0) }
    #expect(fromString == long && fromBytes == long)
    #expect(storage(fromString) == storage(fromBytes))
    #expect(Array("short".utf8).withUnsafeBufferPointer { strings.string($0) } == "short")
    // A string of the same length with other bytes stays apart.
    let other = Array("app.kubernetes.io/nam3".utf8).withUnsafeBufferPointer { strings.string($0) }
    #expect(other == "app.kubernetes.io/nam3")

    let first = YAMLReader().read("labels: {app.kubernetes.io/name: web, tier: front}")
    let second = YAMLReader().read("labels:\n  tier: front\n  app.kubernetes.io/name: web\n")
    let a = strings.labelSet(of: first.documents[0].root![.labels])
    let b = strings.labelSet(of: second.documents[0].root![.labels])
    #expect(a == b && a["tier"] == "front")
    #expect(storage(a[0].key) == storage(b[0].key))
    let c = strings.labelSet(
      of: YAMLReader().read("labels: {tier: back}").documents[0].root![.labels])
    #expect(c != a && c["tier"] == "back")
    for index in 0..<500 {  // grows the tables
      #expect(strings("label-number-\(index)-of-many") == "label-number-\(index)-of-many")
    }
  }

  /// A set is found again from a node's bytes only when it holds exactly those labels: a
  /// subset, a superset, another value or a key written twice makes a set of its own.
  @Test func labelSetsAreSharedOnlyWhenEqual() {
    var strings = StringInterner()
    func labels(_ text: String) -> LabelSet {
      strings.labelSet(of: YAMLReader().read("labels: {\(text)}").documents[0].root![.labels])
    }
    let base = labels("a: 1, b: 2")
    #expect(labels("b: 2, a: 1") == base)
    #expect(labels("a: 1").dictionary == ["a": "1"])
    #expect(labels("a: 1, b: 2, c: 3").dictionary == ["a": "1", "b": "2", "c": "3"])
    #expect(labels("a: 1, b: 3").dictionary == ["a": "1", "b": "3"])
    // The last of a key written twice wins, as for the API server.
    #expect(labels("a: 9, b: 2, a: 1").dictionary == ["a": "1", "b": "2"])
    #expect(labels("a: 1, b: 2, a: 9").dictionary == ["a": "9", "b": "2"])
    #expect(labels("").isEmpty)
    #expect(labels("a: 1, b: 2") == base)
  }
}

@Suite("Findings and object references")
struct SharedStorageTests {
  /// Both keep their fields in a shared box: a changed copy must not change the original, and
  /// equality and hashing go by the fields, however the values were made.
  @Test func copiesAreIndependentAndEqualityIsByValue() {
    let object = ObjectReference(
      apiVersion: "apps/v1", kind: "Deployment", namespace: "a", name: "w")
    let original = Finding(
      policy: "p", severity: .warning, file: "f.yaml",
      range: SourceRange(at: SourcePosition(line: 1, column: 1)), message: "m", object: object)
    var copy = original
    copy.suppression = Suppression(kind: .comment, reason: "why")
    copy.message = "other"
    #expect(original.suppression == nil && original.message == "m")
    #expect(copy.suppression?.reason == "why" && copy.message == "other" && copy.file == "f.yaml")
    #expect(copy != original)
    #expect(String(reflecting: original).hasPrefix("Finding(policy: \"p\""))

    let rebuilt = Finding(
      policy: "p", severity: .warning, file: "f.yaml",
      range: SourceRange(at: SourcePosition(line: 1, column: 1)), message: "m",
      object: ObjectReference(apiVersion: "apps/v1", kind: "Deployment", namespace: "a", name: "w"))
    #expect(rebuilt == original && Set([rebuilt, original]).count == 1)

    var moved = object
    moved.namespace = "b"
    #expect(object.namespace == "a" && moved.namespace == "b" && moved != object)
    moved.namespace = "a"
    #expect(moved == object && moved.hashValue == object.hashValue)
    #expect(ObjectReference(apiVersion: "v1", kind: "Pod", namespace: nil, name: nil) != object)
  }
}

@Suite("Locations")
struct LocationTests {
  @Test func compareByFileRangeAndPathHoweverMade() {
    let range = SourceRange(at: SourcePosition(line: 3, column: 5))
    var location = Location(file: "a.yaml", range: range)
    #expect(location == Location(file: "a.yaml", range: range, path: nil))
    #expect(location.hashValue == Location(file: "a.yaml", range: range).hashValue)
    #expect(location != Location(file: "b.yaml", range: range))
    #expect(location != Location(file: "a.yaml", range: range, path: "spec.replicas"))
    location.path = "spec.replicas"
    #expect(location.path == "spec.replicas" && location.file == "a.yaml")
    location.file = "c.yaml"
    #expect(location == Location(file: "c.yaml", range: range, path: "spec.replicas"))
    location.path = nil
    #expect(location.path == nil && location == Location(file: "c.yaml", range: range))
  }
}

@Suite("Object reports")
struct ObjectReportTests {
  /// One report serves a whole file: each finding must name its own object and container,
  /// not the first one the report saw.
  @Test func eachFindingNamesItsOwnObject() throws {
    let text = [deployment("first"), deployment("second", namespace: "shop")]
      .joined(separator: "\n---\n")
    let result = try lint([("two.yaml", text)])
    let limits = findings(result, "ephemeral-storage-limit")
    #expect(limits.map(\.object?.name) == ["first", "second"])
    #expect(limits[0].message.hasPrefix("Deployment default/first: container \"main\" has no"))
    #expect(limits[1].message.hasPrefix("Deployment shop/second: container \"main\" has no"))
  }
}
